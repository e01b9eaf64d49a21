"""One document's access copy: gathered from the warehouse, built from the raw file, written
beside the warehouse, recorded in ``access_copies``.

A copy is made for every document with pages read by OCR (scanned PDFs, TIFFs, page images,
mixed PDFs): its pages show the raw file's own images — a PDF's pages as they are, an image
file's frames wrapped without recompression by img2pdf (JPEG kept as JPEG, PNG and CCITT data
copied) — and each OCR page carries an invisible text layer: the page text in force
(``v_pages``: the extractor's, or a reviewer's correction) laid word by word on the boxes of
``ocr_words``, mapped back through clean-up (``geometry.py``). Text-layer pages of a PDF are kept
as they are. The metadata (title, date, authors, the articles' titles) are the values in force
(``v_articles``). The raw file is only read: its bytes are checked against the document's
SHA-256 first, and it is opened from a copy in memory.

A copy is rebuilt only when what it is made of changed: its ``inputs`` digest covers the
pipeline and copy versions, the document's reading, the text and metadata in force.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pikepdf

from pipelines.config import PIPELINE_VERSION
from pipelines.core.publish import geometry, pdfa, textlayer
from pipelines.core.read.files import sha256_file
from pipelines.core.text.normalize import normalize_text
from pipelines.core.text.tones import canonical_tones

COPY_VERSION = "1"
"""Bumped when the way copies are made changes: every copy is rebuilt."""

PRODUCER = f"bulletin-archive {PIPELINE_VERSION} (access copies {COPY_VERSION}; pikepdf {pikepdf.__version__})"
COPY_MEDIA_TYPES = ("application/pdf", "image/")


class CopyError(RuntimeError):
    """This document's copy cannot be made; the message says why, for a person."""


@dataclass
class PageInput:
    number: int
    method: str
    text: str  # in force
    cleanup: str | None
    dpi: int | None
    words: list[tuple[str, int, int, int, int]] = field(default_factory=list)  # text, left, top, width, height


@dataclass
class DocumentInput:
    document_id: str
    media_type: str
    file_name: str
    paths: list[str]
    byte_size: int | None
    status: str
    pipeline_version: str
    ingested_at: str
    title: str
    authors: list[str]
    date: dt.date | None
    subject: str | None
    pages: list[PageInput]

    def why_not(self) -> str | None:
        """Why this document gets no copy (None: it gets one)."""
        if self.status == "failed":
            return "the document failed to read: there is nothing to copy"
        if not self.media_type.startswith(COPY_MEDIA_TYPES):
            return f"{self.media_type} files have no page images: the file itself is the access copy"
        if not any(p.method == "ocr" or (p.method.startswith("legacy-") and self.media_type == "application/pdf")
                   for p in self.pages):
            return "no page was read by OCR or converted from a legacy encoding: the file itself is the access copy"
        return None

    def digest(self) -> str:
        """What the copy is made of: when this changes, the copy is rebuilt."""
        state = {
            "copy": COPY_VERSION, "pipeline": PIPELINE_VERSION, "document": self.document_id,
            "read_by": self.pipeline_version, "ingested_at": self.ingested_at, "title": self.title,
            "authors": self.authors, "date": self.date.isoformat() if self.date else None, "subject": self.subject,
            "pages": [(p.number, p.method, p.text, p.cleanup, p.dpi, len(p.words)) for p in self.pages],
        }
        return hashlib.sha256(json.dumps(state, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass
class Built:
    document_id: str
    path: Path
    status: str  # 'ok' | 'failed'
    sha256: str | None
    pages: int | None
    pdfa_part: str | None
    note: str | None
    inputs: str


# ------------------------------------------------------------------------------ gathering


def eligible_documents(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Documents that get a copy: not failed, a PDF or an image file, a page read by OCR (or a
    PDF page typed in a legacy encoding)."""
    return [r[0] for r in con.execute(
        """SELECT d.document_id FROM documents d
           WHERE d.status <> 'failed' AND (d.media_type = 'application/pdf' OR d.media_type LIKE 'image/%')
             AND EXISTS (SELECT 1 FROM pages p WHERE p.document_id = d.document_id
                         AND (p.method = 'ocr' OR (p.method LIKE 'legacy-%' AND d.media_type = 'application/pdf')))
           ORDER BY d.source_path""").fetchall()]


def has_corrections(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM corrections").fetchone()[0] > 0


def documents_at(con: duckdb.DuckDBPyConnection, paths: list[Path]) -> tuple[list[str], list[Path]]:
    """The documents read from these files, or from the files under these folders (as ingested);
    and the paths that name no ingested file."""
    found: list[str] = []
    unknown: list[Path] = []
    for path in paths:
        path = Path(path).expanduser().absolute()
        if path.is_dir():
            rows = con.execute("SELECT document_id FROM files WHERE starts_with(source_path, ?) ORDER BY source_path",
                               [str(path).rstrip("/") + "/"]).fetchall()
        else:
            rows = con.execute("SELECT document_id FROM files WHERE source_path = ?", [str(path)]).fetchall()
        if not rows:
            unknown.append(path)
        found += [r[0] for r in rows if r[0] not in found]
    return found, unknown


def gather(con: duckdb.DuckDBPyConnection, document_id: str, corrected: bool = True) -> DocumentInput:
    """Everything a copy is made of, as the warehouse holds it now: the values in force (the
    views that apply reviewers' corrections; with ``corrected`` False, when the warehouse holds
    no correction at all, the extracted tables, which are then the same and much faster)."""
    found = gather_many(con, [document_id], corrected)
    if document_id not in found:
        raise CopyError(f"no document {document_id} in the warehouse")
    return found[document_id]


GATHER_BATCH = 200
"""Documents gathered per round of queries (five queries a round, whatever its size)."""


def gather_many(con: duckdb.DuckDBPyConnection, ids: list[str], corrected: bool = True) -> dict[str, DocumentInput]:
    """:func:`gather` for many documents in one round of queries (a DuckLake query costs tens of
    milliseconds however little it reads); documents not in the warehouse are left out."""
    page_text = "v.text" if corrected else "p.text"
    page_join = "JOIN v_pages v USING (document_id, page_number)" if corrected else ""
    articles_from = "v_articles" if corrected else "articles"
    wanted = "(SELECT unnest(?::VARCHAR[]))"
    docs = {r[0]: r[1:] for r in con.execute(
        f"""SELECT document_id, media_type, file_name, byte_size, status, pipeline_version, ingested_at::VARCHAR,
                   masthead, issue_date FROM documents WHERE document_id IN {wanted}""", [ids]).fetchall()}
    paths: dict[str, list[str]] = {}
    for document_id, path in con.execute(
            f"SELECT document_id, source_path FROM files WHERE document_id IN {wanted} ORDER BY seen_at, source_path",
            [ids]).fetchall():
        paths.setdefault(document_id, []).append(path)
    pages: dict[str, dict[int, PageInput]] = {}
    for document_id, number, method, text, cleanup, dpi in con.execute(
            f"""SELECT p.document_id, p.page_number, p.method, {page_text}, p.cleanup, p.dpi FROM pages p {page_join}
                WHERE p.document_id IN {wanted} ORDER BY p.document_id, p.page_number""", [ids]).fetchall():
        pages.setdefault(document_id, {})[number] = PageInput(number, method, text or "", cleanup, dpi)
    for document_id, number, text, left, top, width, height in con.execute(
            f"""SELECT document_id, page_number, text, "left", top, width, height FROM ocr_words
                WHERE document_id IN {wanted} ORDER BY document_id, page_number, word_number""", [ids]).fetchall():
        page = pages.get(document_id, {}).get(number)
        if page is not None and None not in (left, top, width, height):
            page.words.append((text, left, top, width, height))
    articles: dict[str, list[tuple]] = {}
    for document_id, title, date, names in con.execute(
            f"""SELECT document_id, title, published_date, authors FROM {articles_from}
                WHERE document_id IN {wanted} ORDER BY document_id, seq""", [ids]).fetchall():
        articles.setdefault(document_id, []).append((title, date, names))
    found = {}
    for document_id, (media_type, file_name, byte_size, status, version, ingested_at, masthead, issue_date) \
            in docs.items():
        rows = articles.get(document_id, [])
        titles = [t for t, _, _ in rows if t]
        authors: list[str] = []
        for _, _, names in rows:
            for name in names or []:
                if name not in authors:
                    authors.append(name)
        dates = [d for _, d, _ in rows if d]
        title = masthead or (titles[0] if titles else None) or Path(file_name).stem
        subject = "; ".join(titles) if titles and (masthead or len(titles) > 1) else None
        of_doc = pages.get(document_id, {})
        found[document_id] = DocumentInput(
            document_id, media_type, file_name, paths.get(document_id, []), byte_size, status, version, ingested_at,
            title, authors, issue_date or (min(dates) if dates else None), subject, [of_doc[n] for n in sorted(of_doc)])
    return found


def source_file(doc: DocumentInput) -> Path:
    """A path holding the document's bytes now (size and SHA-256 checked), or CopyError saying why none does."""
    tried = []
    for text in doc.paths:
        path = Path(text)
        try:
            size = path.stat().st_size
        except OSError:
            tried.append(f"{text} (not found)")
            continue
        if (doc.byte_size is not None and size != doc.byte_size) or sha256_file(path) != doc.document_id:
            tried.append(f"{text} (changed since it was read)")
            continue
        return path
    raise CopyError("the raw file is not where it was read: " + "; ".join(tried or ["no path recorded"]))


def copy_name(doc: DocumentInput) -> str:
    """``<file stem>-<first 12 of the SHA-256>.pdf``: readable, and one per content."""
    stem = re.sub(r"[\x00-\x1f/\\]", "_", Path(doc.file_name).stem)[:80] or "document"
    return f"{stem}-{doc.document_id[:12]}.pdf"


# ------------------------------------------------------------------------------ the text


def _tokens(text: str) -> list[str]:
    return text.split()


def page_words(page: PageInput) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The page text in force, laid on the OCR words' boxes in reading order.

    The OCR words and the page text are aligned token by token (difflib): a word the text keeps
    gets the text's spelling (NFC, canonical tones, a reviewer's correction), a replaced run of
    words gets the text's run spread over its boxes, text the words lack is added to the word
    before it, and words the text dropped are left out. So the copy's text is the warehouse's."""
    boxes = [(w[1], w[2], w[3], w[4]) for w in page.words]
    ocr = [canonical_tones(normalize_text(w[0])).strip() for w in page.words]
    text = _tokens(page.text)
    assigned: list[list[str]] = [[] for _ in ocr]
    matcher = difflib.SequenceMatcher(None, ocr, text, autojunk=False)
    pending: list[str] = []  # text before the first word
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal" or (op == "replace" and i2 - i1 == j2 - j1):
            for k in range(i2 - i1):
                assigned[i1 + k].append(text[j1 + k])
        elif op == "replace":
            count = i2 - i1
            for k, token in enumerate(text[j1:j2]):
                assigned[i1 + min(count - 1, k * count // (j2 - j1))].append(token)
        elif op == "insert":
            if i1 > 0:
                assigned[i1 - 1].extend(text[j1:j2])
            else:
                pending.extend(text[j1:j2])
    if pending:
        if assigned:
            assigned[0][:0] = pending
    placed = []
    for tokens, box in zip(assigned, boxes):
        placed += _split(tokens, box)
    return placed


def _split(tokens: list[str], box: tuple[int, int, int, int]) -> list[tuple[str, tuple[int, int, int, int]]]:
    """Several tokens on one word's box share it, each on a part as wide as its letters (and a
    space between), so that readers still see separate words."""
    if len(tokens) <= 1:
        return [(tokens[0], box)] if tokens else []
    left, top, width, height = box
    units = sum(len(t) for t in tokens) + len(tokens) - 1
    parts, x = [], float(left)
    for token in tokens:
        w = width * len(token) / units
        parts.append((token, (round(x), top, max(1, round(w)), height)))
        x += w + width / units
    return parts


def _same_line(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return b[0] >= a[0] + a[2] / 2 and overlap > 0.5 * min(a[3], b[3])


# ------------------------------------------------------------------------------ building


def build(doc: DocumentInput, source: Path, target: Path, now: dt.datetime | None = None) -> Built:
    """Write ``doc``'s access copy to ``target`` (atomically); the raw file is only read."""
    now = now or dt.datetime.now(dt.timezone.utc)
    data = source.read_bytes()
    if hashlib.sha256(data).hexdigest() != doc.document_id:
        raise CopyError(f"{source} changed while it was read")
    notes: list[str] = []
    closers: list = []
    inputs = doc.digest()  # before the legacy pages' words are read from the file
    try:
        built = _build(doc, data, target, now, notes, closers)
        built.inputs = inputs
        return built
    finally:
        for close in closers:
            close()


def _build(doc: DocumentInput, data: bytes, target: Path, now: dt.datetime, notes: list[str], closers: list) -> Built:
    legacy: dict[int, list] = {}
    if doc.media_type == "application/pdf":
        pdf, frames = _open_pdf(data, closers)
        legacy = _legacy_words(data, [p for p in doc.pages if p.method.startswith("legacy-")], notes)
    else:
        pdf, frames = _wrap_images(data, notes)
    closers.append(pdf.close)
    texts = {p.number: page_words(p) for p in doc.pages if p.method == "ocr" and p.words}
    texts.update({number: words for number, (words, _) in legacy.items()})
    chars = {c for words in texts.values() for t, _ in words for c in t}
    font = textlayer.make_font(chars)
    missing = sorted({c for c in chars if not c.isspace() and not font.covers(c)})
    if missing:
        notes.append(f"characters the font lacks, left out of the text layer: {''.join(missing[:20])}")
    font_ref = textlayer.font_object(pdf, font) if texts else None
    for page_input in doc.pages:
        words = texts.get(page_input.number)
        if not words:
            continue
        if page_input.number > len(pdf.pages):
            raise CopyError(f"the file has no page {page_input.number}, which the warehouse read")
        page = pdf.pages[page_input.number - 1]
        if page_input.number in legacy:
            _, frame = legacy[page_input.number]
            placed = [textlayer.PlacedWord(text, frame(x0, bottom), frame(x1, bottom), frame(x0, top), space_after=bool(
                index + 1 < len(words) and _same_line(box, words[index + 1][1])))
                for index, (text, box) in enumerate(words)
                for x0, top, x1, bottom in [(box[0], box[1], box[0] + box[2], box[1] + box[3])]]
            page.add_resource(font_ref, pikepdf.Name.Font, textlayer.FONT_RESOURCE)
            # The legacy glyphs stay visible; their text (Ö for ệ…) is replaced by nothing for
            # readers that honour ActualText, and the Unicode layer is laid over them.
            page.contents_add(pikepdf.Stream(pdf, b"/Span <</ActualText ()>> BDC q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"\nQ EMC\n" + textlayer.content(placed, font)))
            continue
        to_user = frames(page_input.number, page, page_input.dpi)
        to_source = geometry.ToSource(geometry.parse_steps(page_input.cleanup), to_user.size)
        placed = []
        for index, (text, (left, top, width, height)) in enumerate(words):
            nxt = words[index + 1][1] if index + 1 < len(words) else None
            corners = [to_user(*to_source(x, y)) for x, y in
                       ((left, top + height), (left + width, top + height), (left, top))]
            placed.append(textlayer.PlacedWord(text, *corners, space_after=bool(nxt and _same_line(
                (left, top, width, height), nxt))))
        page.add_resource(font_ref, pikepdf.Name.Font, textlayer.FONT_RESOURCE)
        page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
        page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + textlayer.content(placed, font)))
    problems = pdfa.make_pdfa(pdf, title=doc.title, authors=doc.authors, date=doc.date, subject=doc.subject,
                              producer=PRODUCER, created=now)
    pages = len(pdf.pages)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            pdf.save(handle, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                     fix_metadata_version=False)
            handle.flush()
            os.fsync(handle.fileno())
        digest = sha256_file(Path(handle.name))
        os.chmod(handle.name, 0o644)  # a temporary file is private; a copy is for readers
        os.replace(handle.name, target)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    notes.extend(problems[:5])
    if len(problems) > 5:
        notes.append(f"… and {len(problems) - 5} more")
    return Built(doc.document_id, target, "ok", digest, pages, None if problems else "2b",
                 "; ".join(notes) or None, doc.digest())


def _legacy_words(data: bytes, pages: list[PageInput], notes: list[str]) -> dict[int, tuple[list, object]]:
    """For each legacy-encoded page: its text layer's words with their boxes (points, from the
    top left as pdfplumber gives them, scaled by 1000 to keep integers' precision), carrying the
    page text in force (``page_words``), and the map from those coordinates to user space."""
    if not pages:
        return {}
    import pypdfium2 as pdfium

    from pipelines.core.read import layout
    from pipelines.core.read import pdf as pdf_reader
    from pipelines.core.text.encodings import tcvn3_to_unicode, vni_to_unicode

    found: dict[int, tuple[list, object]] = {}
    document = pdfium.PdfDocument(data)
    try:
        for page_input in pages:
            page = document[page_input.number - 1]
            try:
                frame = pdf_reader._Frame.of(page)
                if frame.rotation:
                    notes.append(f"page {page_input.number}: a turned legacy page keeps its legacy text layer only")
                    continue
                textpage = page.get_textpage()
                try:
                    chars = pdf_reader.pdfium_chars(textpage, frame)
                finally:
                    textpage.close()
            finally:
                page.close()
            words = layout.words_of(chars, np.arange(len(chars)))
            convert = tcvn3_to_unicode if page_input.method == "legacy-tcvn3" else vni_to_unicode
            scale = 1000
            page_input.words = [
                (convert(text), round(x0 * scale), round(top * scale), round((x1 - x0) * scale), round((bottom - top) * scale))
                for text, x0, x1, top, bottom in zip(words.text, words.x0.tolist(), words.x1.tolist(),
                                                     words.top.tolist(), words.bottom.tolist())]
            left, top = frame.x0, frame.y1

            def to_user(x: float, y: float, left=left, top=top) -> tuple[float, float]:
                return left + x / scale, top - y / scale

            found[page_input.number] = (page_words(page_input), to_user)
    finally:
        document.close()
    return found


@dataclass
class _ToUser:
    """Pixels of the image OCR was given for a page → PDF user space (points)."""

    size: tuple[float, float]  # that image's pixels
    scale: tuple[float, float]  # points per pixel
    box: tuple[float, float, float, float]  # left, bottom, right, top
    rotate: int = 0

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        u, v = x * self.scale[0], y * self.scale[1]
        left, bottom, right, top = self.box
        if self.rotate == 90:
            return left + v, bottom + u
        if self.rotate == 180:
            return right - u, bottom + v
        if self.rotate == 270:
            return right - v, top - u
        return left + u, top - v


def _open_pdf(data: bytes, closers: list):
    """The raw PDF opened from memory, and how each page's OCR pixels map to its points: as the
    reader rendered it (pdfium, at ``pages.dpi``, the crop box turned by /Rotate), or the page's
    own image when the reader took that instead (``pdf.page_image_gray``)."""
    import pypdfium2 as pdfium

    try:
        document = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise CopyError("encrypted: the PDF needs a password to open") from exc
    except pikepdf.PdfError as exc:
        raise CopyError(f"pikepdf cannot open the PDF: {exc}") from exc
    closers.append(document.close)
    try:
        renderer = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise CopyError(f"pdfium cannot open the PDF: {exc}") from exc
    closers.append(renderer.close)

    def frames(number: int, page: pikepdf.Page, dpi: int | None) -> _ToUser:
        if not dpi:
            raise CopyError(f"page {number} has no recorded OCR resolution (pages.dpi)")
        rendered = renderer[number - 1]
        try:
            rotate = rendered.get_rotation() % 360
            box = tuple(float(v) for v in rendered.get_cropbox())
            width, height = rendered.get_width(), rendered.get_height()
        finally:
            rendered.close()
        own = _own_image_size(renderer, number, dpi)
        if own is not None:
            return _ToUser(own, (width / own[0], height / own[1]), box, rotate)
        size = (width * dpi / 72, height * dpi / 72)
        return _ToUser(size, (72 / dpi, 72 / dpi), box, rotate)

    return document, frames


def _own_image_size(renderer, number: int, dpi: int) -> tuple[int, int] | None:
    """The pixel size of the page's own image when the reader took that image instead of a
    render (``pdf.page_image_gray``'s conditions, read from the image's metadata without
    decoding it); None when the page was rendered."""
    from pipelines.core.read import pdf as pdf_reader

    page = renderer[number - 1]
    try:
        found = pdf_reader.full_page_image(page, dpi)
        if found is None:
            return None
        _image, meta = found
        return meta.width, meta.height
    except Exception:
        return None
    finally:
        page.close()


def _wrap_images(data: bytes, notes: list[str]):
    """An image file's frames as PDF pages, by img2pdf: no recompression (JPEG stays JPEG, PNG
    and CCITT group 4 data are copied); what it cannot wrap as is (an alpha channel, a palette
    with transparency) is decoded once and stored losslessly (Flate), composited on white as OCR saw it."""
    import img2pdf
    from PIL import Image, ImageSequence

    try:
        wrapped = img2pdf.convert(data, rotation=img2pdf.Rotation.ifvalid)
    except (img2pdf.AlphaChannelError, img2pdf.ImageOpenError, ValueError, TypeError, OSError) as exc:
        frames_png = []
        try:
            with Image.open(io.BytesIO(data)) as image:
                for frame in ImageSequence.Iterator(image):
                    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
                        rgba = frame.convert("RGBA")
                        flat = Image.new("RGB", rgba.size, "white")
                        flat.paste(rgba, mask=rgba.getchannel("A"))
                    else:
                        flat = frame.convert("RGB") if frame.mode not in ("1", "L", "RGB") else frame.copy()
                    out = io.BytesIO()
                    flat.save(out, format="PNG", dpi=frame.info.get("dpi", (300, 300)))
                    frames_png.append(out.getvalue())
            wrapped = img2pdf.convert(frames_png)
        except Exception as inner:
            raise CopyError(f"cannot wrap the image in a PDF: {exc}; {inner}") from inner
        notes.append(f"image re-encoded losslessly ({type(exc).__name__}: {exc})")
    document = pikepdf.open(io.BytesIO(wrapped))
    sizes = []
    for page in document.pages:
        images = list(page.images.values())
        sizes.append((int(images[0].Width), int(images[0].Height)) if images else None)

    def frames(number: int, page: pikepdf.Page, dpi: int | None) -> _ToUser:
        size = sizes[number - 1]
        if size is None:
            raise CopyError(f"page {number} holds no image")
        left, bottom, right, top = (float(v) for v in page.mediabox)
        return _ToUser(size, ((right - left) / size[0], (top - bottom) / size[1]), (left, bottom, right, top))

    return document, frames


# ------------------------------------------------------------------------------ recording


COLUMNS = ("document_id", "path", "status", "sha256", "pages", "pdfa_part", "note", "inputs", "created_at", "pipeline_version")


def recorded(con: duckdb.DuckDBPyConnection, document_id: str, path: Path) -> dict | None:
    row = con.execute(f"SELECT {', '.join(COLUMNS)} FROM access_copies WHERE document_id = ? AND path = ?",
                      [document_id, str(path)]).fetchone()
    return dict(zip(COLUMNS, row)) if row else None


def up_to_date(row: dict | None, doc: DocumentInput, path: Path) -> bool:
    """The recorded copy is still this document's: same inputs, and the file is the one written."""
    if not row or row["status"] != "ok" or row["inputs"] != doc.digest() or row["pipeline_version"] != PIPELINE_VERSION:
        return False
    try:
        return path.is_file() and sha256_file(path) == row["sha256"]
    except OSError:
        return False


def record(con: duckdb.DuckDBPyConnection, built: list[Built], now: dt.datetime | None = None) -> None:
    """Replace the rows of these copies, in one transaction of a writer's session."""
    if not built:
        return
    from pipelines.core.store.transactions import transaction

    now = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None)
    with transaction(con):
        for b in built:
            con.execute("DELETE FROM access_copies WHERE document_id = ? AND path = ?", [b.document_id, str(b.path)])
        con.executemany(
            f"INSERT INTO access_copies ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [[b.document_id, str(b.path), b.status, b.sha256, b.pages, b.pdfa_part, b.note, b.inputs, now, PIPELINE_VERSION]
             for b in built])


# ------------------------------------------------------------------------------ a batch


@dataclass
class Outcome:
    document_id: str
    action: str  # 'built' | 'up to date' | 'skipped' | 'failed'
    path: Path | None = None
    detail: str | None = None  # why skipped or failed; the note of a built copy
    built: Built | None = None  # to record ('built' and 'failed')


def make_copies(con: duckdb.DuckDBPyConnection, out_dir: Path, document_ids: list[str], *, force: bool = False,
                now: dt.datetime | None = None, on_done=None) -> list[Outcome]:
    """Build the copies of ``document_ids`` that are missing or out of date into ``out_dir``,
    reading the warehouse with ``con`` (a reader). Nothing is recorded here: pass each outcome's
    ``built`` to :func:`record` in a writer's session. A document that cannot be copied is a
    'failed' outcome with its reason; the batch goes on."""
    outcomes = []
    corrected = has_corrections(con)
    try:
        rows = {(r[0], r[1]): dict(zip(COLUMNS, r))
                for r in con.execute(f"SELECT {', '.join(COLUMNS)} FROM access_copies").fetchall()}
    except duckdb.CatalogException:  # a warehouse of schema 8, not yet upgraded by a writer
        rows = {}
    for start in range(0, len(document_ids), GATHER_BATCH):
        batch = document_ids[start:start + GATHER_BATCH]
        gathered = gather_many(con, batch, corrected)
        for document_id in batch:
            outcome = make_copy(con, out_dir, document_id, force=force, now=now, corrected=corrected, rows=rows,
                                doc=gathered.get(document_id))
            outcomes.append(outcome)
            if on_done:
                on_done(outcome)
    return outcomes


def make_copy(con: duckdb.DuckDBPyConnection, out_dir: Path, document_id: str, *, force: bool = False,
              now: dt.datetime | None = None, corrected: bool = True, rows: dict | None = None,
              doc: DocumentInput | None = None) -> Outcome:
    if doc is None:
        try:
            doc = gather(con, document_id, corrected)
        except CopyError as exc:
            return Outcome(document_id, "skipped", detail=str(exc))
    reason = doc.why_not()
    if reason:
        return Outcome(document_id, "skipped", detail=reason)
    target = Path(out_dir).absolute() / copy_name(doc)
    row = rows.get((document_id, str(target))) if rows is not None else recorded(con, document_id, target)
    if not force and up_to_date(row, doc, target):
        return Outcome(document_id, "up to date", target)
    try:
        built = build(doc, source_file(doc), target, now)
    except (CopyError, textlayer.FontError, geometry.CleanupStepsError) as exc:
        failed = Built(document_id, target, "failed", None, None, None, str(exc), doc.digest())
        return Outcome(document_id, "failed", target, str(exc), failed)
    except Exception as exc:  # a damaged file must not stop the batch: recorded with its reason
        detail = f"{type(exc).__name__}: {exc}"
        failed = Built(document_id, target, "failed", None, None, None, detail, doc.digest())
        return Outcome(document_id, "failed", target, detail, failed)
    return Outcome(document_id, "built", target, built.note, built)
