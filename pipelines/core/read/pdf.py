"""PDF pages: text layers with pdfplumber (pdfium as the fallback for damaged files), rendering with pdfium."""

from __future__ import annotations

import logging
import re
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException
from PIL import Image

from pipelines.core.models import Line

# pdfminer logs every oddity of a damaged file as a warning; the reasons that matter are recorded
# on the document and its pages instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


class PdfError(RuntimeError):
    """The PDF cannot be read at all; the message is the reason a person reads."""


class EncryptedPdfError(PdfError):
    pass


@dataclass
class TextLayerPage:
    page_number: int
    lines: list[Line] = field(default_factory=list)
    image_coverage: float = 0.0  # share of the page area covered by images, 0–1
    engine: str = ""
    error: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    @property
    def visible_chars(self) -> int:
        return sum(len(line.text.replace(" ", "")) for line in self.lines)


def pdfplumber_engine() -> str:
    return f"pdfplumber {pdfplumber.__version__}"


def pdfium_engine() -> str:
    return f"pypdfium2 {pdfium.PYPDFIUM_INFO} (pdfium {pdfium.PDFIUM_INFO.build})"


def font_name(raw: str | None) -> str:
    """'ABCDEF+.VnTime-Bold' → '.VnTime-Bold': subset prefixes carry no meaning."""
    return _SUBSET_PREFIX.sub("", raw or "")


def text_layer_pages(path: Path, clock=None) -> Iterator[TextLayerPage]:
    """Each page's text layer, one page at a time.

    pdfplumber first (it keeps fonts and sizes, which segmentation uses); a file pdfminer
    cannot parse is read with pdfium, which repairs many broken cross-reference tables.
    Raises PdfError when neither can open the file.
    """
    try:
        pdf = pdfplumber.open(path, password="")
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            # pdfium knows more encryption schemes; it decides whether a password is needed.
            yield from _pdfium_pages(path)
            return
        yield from _pdfium_pages(path, first_error=cause)
        return
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        yield from _pdfium_pages(path, first_error=exc)
        return
    try:
        try:
            pages = pdf.pages
        except Exception as exc:
            yield from _pdfium_pages(path, first_error=exc)
            return
        if not pages:
            # pdfminer finds no page tree in some damaged files that pdfium can still read.
            yield from _pdfium_pages(path, first_error=PdfError("no pages found"))
            return
        for number, page in enumerate(pages, start=1):
            try:
                yield _plumber_page(page, number)
            except Exception as exc:
                yield TextLayerPage(page_number=number, engine=pdfplumber_engine(), error=_describe(exc))
            finally:
                _quietly(page.close)
    finally:
        _quietly(pdf.close)  # closing re-reads the page tree, which fails on some damaged files


def _quietly(close) -> None:
    try:
        close()
    except Exception:
        pass


def _plumber_page(page, number: int) -> TextLayerPage:
    lines = []
    for region in reading_regions(page):
        lines.extend(_mark_paragraph_gaps(_region_lines(region)))
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        w = max(0.0, min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0))
        h = max(0.0, min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0))
        covered += w * h
    return TextLayerPage(page_number=number, lines=lines, image_coverage=min(1.0, covered / area), engine=pdfplumber_engine())


def reading_regions(page) -> list:
    """The page in reading order: for a two-column layout, each band of the page read left
    column then right column (full-width lines, like a title over both columns, stay in place);
    otherwise the page itself."""
    gutter = find_gutter(page)
    if gutter is None:
        return [page]
    x, spanning = gutter
    left, top_edge, right, bottom = (float(v) for v in page.bbox)
    regions, top = [], top_edge
    for y0, y1 in spanning + [(bottom, bottom)]:
        y0, y1 = max(top, y0 - 0.5), min(bottom, y1 + 0.5)
        if y0 > top:  # the two columns of this band, whole characters only
            regions += [page.within_bbox((left, top, x, y0)), page.within_bbox((x, top, right, y0))]
        if y1 > y0:
            regions.append(page.within_bbox((left, y0, right, y1)))
        top = max(top, y1)
    return regions


def find_gutter(page, min_words: int = 60) -> tuple[float, list[tuple[float, float]]] | None:
    """(x of the gap between two columns, the (top, bottom) of the rows that cross it), or None
    when the page is not laid out in two columns: a vertical band in the middle third that no
    word crosses on at least 85% of the text rows, with text on both sides."""
    words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    if len(words) < min_words:
        return None
    x0, x1 = float(page.bbox[0]), float(page.bbox[2])
    width = x1 - x0
    rows: dict[int, list[dict]] = {}
    for word in words:
        rows.setdefault(round(float(word["top"]) / 2), []).append(word)
    best = None
    for step in range(0, 41):
        x = x0 + width * (0.3 + 0.4 * step / 40)
        crossing = [r for r in rows.values() if any(float(w["x0"]) < x < float(w["x1"]) for w in r)]
        left = sum(1 for w in words if float(w["x1"]) <= x)
        right = sum(1 for w in words if float(w["x0"]) >= x)
        if min(left, right) < 0.25 * len(words):
            continue
        if best is None or len(crossing) < len(best[1]):
            best = (x, crossing)
    if best is None or len(best[1]) > 0.15 * len(rows):
        return None
    x = best[0]
    # A row also spans the columns when its words close up around the gap (a centred title).
    gaps = {}
    for key, row in rows.items():
        left = [float(w["x1"]) for w in row if float(w["x1"]) <= x]
        right = [float(w["x0"]) for w in row if float(w["x0"]) >= x]
        if left and right:
            gaps[key] = min(right) - max(left)
    usual = statistics.median(gaps.values()) if gaps else 0.0
    spanning_rows = [r for key, r in rows.items() if r in best[1] or (key in gaps and gaps[key] < usual / 2)]
    spanning = sorted((min(float(w["top"]) for w in r), max(float(w["bottom"]) for w in r)) for r in spanning_rows)
    return x, spanning


def _region_lines(region) -> list[Line]:
    lines = []
    for raw in region.extract_text_lines(layout=False, strip=True, return_chars=True):
        chars = [c for c in raw["chars"] if c.get("text", "").strip()]
        if not raw["text"].strip():
            continue
        sizes = [float(c["size"]) for c in chars] or [0.0]
        fonts = Counter(font_name(c.get("fontname")) for c in chars)
        font = fonts.most_common(1)[0][0] if fonts else None
        bold = bool(chars) and sum(bool(_BOLD.search(font_name(c.get("fontname")))) for c in chars) > len(chars) / 2
        lines.append(
            Line(text=raw["text"], size=round(statistics.median(sizes), 2), bold=bold, top=round(float(raw["top"]), 2),
                 font=font)
        )
    return lines


def _mark_paragraph_gaps(lines: list[Line], ratio: float = 1.3) -> list[Line]:
    """Insert an empty line where the vertical gap is clearly wider than the usual line spacing:
    that is how most layouts separate paragraphs."""
    gaps = [b.top - a.top for a, b in zip(lines, lines[1:]) if a.top is not None and b.top is not None and b.top > a.top]
    if len(gaps) < 3:
        return lines
    usual = statistics.median(gaps)
    marked = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        if previous.top is not None and line.top is not None and line.top - previous.top > usual * ratio:
            marked.append(Line(text=""))
        marked.append(line)
    return marked


def _pdfium_pages(path: Path, first_error: BaseException | None = None) -> Iterator[TextLayerPage]:
    document = open_pdfium(path, first_error)
    try:
        for index in range(len(document)):
            page = None
            try:
                page = document[index]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded()
                textpage.close()
                lines = [Line(text=t.strip()) for t in text.splitlines() if t.strip()]
                has_images = any(obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects())
                yield TextLayerPage(
                    page_number=index + 1,
                    lines=lines,
                    image_coverage=1.0 if has_images else 0.0,
                    engine=pdfium_engine(),
                )
            except Exception as exc:
                yield TextLayerPage(page_number=index + 1, engine=pdfium_engine(), error=_describe(exc))
            finally:
                if page is not None:
                    _quietly(page.close)
    finally:
        document.close()


def open_pdfium(path: Path, first_error: BaseException | None = None) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path), password="")
    except pdfium.PdfiumError as exc:
        message = str(exc)
        if "password" in message.lower():
            raise EncryptedPdfError("encrypted: the PDF needs a password to open") from exc
        reason = _describe(first_error) if first_error else message
        raise PdfError(f"damaged PDF, cannot be read: {reason}") from exc


def render_gray(document: pdfium.PdfDocument, page_number: int, dpi: int) -> np.ndarray:
    """Render one page (1-based) at the given resolution to a greyscale array (the pixels
    :func:`render_page` would give, without a PIL image in between)."""
    page = document[page_number - 1]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        try:
            pixels = bitmap.to_numpy()
            return np.array(pixels[:, :, 0] if pixels.ndim == 3 else pixels)  # owns its memory
        finally:
            bitmap.close()
    finally:
        page.close()


def render_page(document: pdfium.PdfDocument, page_number: int, dpi: int) -> Image.Image:
    """Render one page (1-based) to a greyscale image at the given resolution."""
    page = document[page_number - 1]
    try:
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        image = bitmap.to_pil()
        image.info["dpi"] = (dpi, dpi)
        return image
    finally:
        page.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PdfminerException) and exc.args:
        exc = exc.args[0] if isinstance(exc.args[0], BaseException) else exc
    text = str(exc).strip() or type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text
