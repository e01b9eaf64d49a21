"""PDF/A-2b: what makes a PDF an archival one, done with pikepdf.

PDF/A-2b (ISO 19005-2, level B: the pages look the same for ever) asks of the file: XMP
metadata that says so (``pdfaid:part`` 2, ``pdfaid:conformance`` B) and agrees with the
document information dictionary; an output intent with an ICC profile (sRGB, built with
Pillow's ImageCms: nothing is downloaded), so that device colours have a meaning; a file
identifier; every font embedded; no encryption, JavaScript, launch actions or embedded files;
no LZW compression. :func:`make_pdfa` adds what is missing and removes what is forbidden where
that changes nothing visible; what it cannot mend without redrawing the page (a font the source
PDF never embedded, LZW image data) is returned as a problem, and the copy is then not called
PDF/A (``access_copies.pdfa_part`` NULL, ``note`` says why). Validate with veraPDF
(docs/access-copies.md).
"""

from __future__ import annotations

import datetime as dt
import functools

import pikepdf

PART, CONFORMANCE = "2", "B"
OUTPUT_CONDITION = "sRGB IEC61966-2.1"


@functools.lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    from PIL import ImageCms

    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def make_pdfa(pdf: pikepdf.Pdf, *, title: str, authors: list[str], date: dt.date | None, subject: str | None,
              producer: str, created: dt.datetime) -> list[str]:
    """Make ``pdf`` PDF/A-2b in place; returns the problems left (empty: it is PDF/A-2b)."""
    root = pdf.Root
    for key in ("/OpenAction", "/AA", "/Names", "/Threads", "/SpiderInfo", "/Collection", "/NeedsRendering"):
        if key == "/Names" and key in root:
            names = root.Names
            for sub in ("/JavaScript", "/EmbeddedFiles"):
                if sub in names:
                    del names[sub]
            continue
        if key in root:
            del root[key]
    if "/AcroForm" in root:
        form = root.AcroForm
        if "/NeedAppearances" in form:
            del form["/NeedAppearances"]
        if "/XFA" in form:
            del form["/XFA"]
    for page in pdf.pages:
        if "/AA" in page.obj:
            del page.obj["/AA"]
        for annot in page.obj.get("/Annots", []):
            if "/A" in annot and annot.A.get("/S") in (pikepdf.Name.JavaScript, pikepdf.Name.Launch):
                del annot["/A"]
            if "/F" not in annot or not int(annot.F) & 4:
                annot.F = int(annot.get("/F", 0)) | 4  # printable, as PDF/A wants
    root.OutputIntents = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFA1,
        OutputConditionIdentifier=pikepdf.String(OUTPUT_CONDITION),
        Info=pikepdf.String(OUTPUT_CONDITION),
        RegistryName=pikepdf.String("http://www.color.org"),
        DestOutputProfile=_profile_stream(pdf),
    ))])
    if "/MarkInfo" not in root:
        root.MarkInfo = pikepdf.Dictionary(Marked=False)
    _metadata(pdf, title=title, authors=authors, date=date, subject=subject, producer=producer, created=created)
    return problems(pdf)


def _profile_stream(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    stream = pikepdf.Stream(pdf, srgb_profile())
    stream.N = 3
    return pdf.make_indirect(stream)


def _metadata(pdf: pikepdf.Pdf, *, title: str, authors: list[str], date: dt.date | None, subject: str | None,
              producer: str, created: dt.datetime) -> None:
    if "/Info" in pdf.trailer:
        del pdf.trailer["/Info"]  # rebuilt from the XMP below: the two must agree
    stamp = created.replace(microsecond=0)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=True) as meta:
        for key in list(meta.keys()):
            del meta[key]
        meta["dc:title"] = title
        if authors:
            meta["dc:creator"] = list(authors)
        if subject:
            meta["dc:description"] = subject
        if date:
            meta["dc:date"] = [date.isoformat()]
        meta["pdf:Producer"] = producer
        meta["xmp:CreatorTool"] = producer
        meta["xmp:CreateDate"] = stamp.isoformat()
        meta["xmp:ModifyDate"] = stamp.isoformat()
        meta["xmp:MetadataDate"] = stamp.isoformat()
        meta["pdfaid:part"] = PART
        meta["pdfaid:conformance"] = CONFORMANCE


def problems(pdf: pikepdf.Pdf) -> list[str]:
    """What keeps ``pdf`` from PDF/A-2b that :func:`make_pdfa` could not mend, page by page."""
    found: list[str] = []
    if pdf.is_encrypted:
        found.append("the source is encrypted")
    for number, page in enumerate(pdf.pages, start=1):
        for what in sorted(_page_problems(page.obj)):
            found.append(f"page {number}: {what}")
    return found


def _page_problems(page: pikepdf.Dictionary) -> set[str]:
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources, depth: int) -> None:
        if resources is None or depth > 8:
            return
        for _, font in (resources.get("/Font") or {}).items():
            _check_font(font, found)
        for _, xobject in (resources.get("/XObject") or {}).items():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            filters = xobject.get("/Filter")
            names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
            if pikepdf.Name.LZWDecode in names:
                found.add("LZW-compressed data (forbidden in PDF/A)")
            if xobject.get("/Subtype") == pikepdf.Name.Form:
                walk(xobject.get("/Resources"), depth + 1)

    walk(page.get("/Resources"), 0)
    for stream in _contents(page):
        filters = stream.get("/Filter")
        names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
        if pikepdf.Name.LZWDecode in names:
            found.add("LZW-compressed content (forbidden in PDF/A)")
    return found


def _contents(page):
    contents = page.get("/Contents")
    if contents is None:
        return []
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def _check_font(font, found: set[str]) -> None:
    if font.get("/Subtype") == pikepdf.Name.Type3:
        return
    descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
    descriptor = descendant.get("/FontDescriptor")
    name = str(font.get("/BaseFont", "?"))[1:]
    if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
        found.add(f"font {name} not embedded")
