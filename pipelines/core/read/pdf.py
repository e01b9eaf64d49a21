"""PDF pages: text layers from pdfium's text page (pdfplumber for the files pdfium cannot open),
rendering with pdfium.

A text layer's characters (text, box, font size, font name) come from pypdfium2's text page
API, a few C calls per character; pdfminer (under pdfplumber) parses the page in Python and
costs five to six times as much, so it only reads the files pdfium refuses. Either way the
characters are laid out into lines by the same code (layout.py), which restates pdfplumber's
grouping: the same lines, sizes, bold and fonts come out of both.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from pipelines.core.models import Line, StageClock
from pipelines.core.read import layout
from pipelines.core.read.layout import Chars, font_name  # noqa: F401  (font_name: part of this module's API)
from pipelines.core.text.encodings import TCVN3_TABLE, VNI_TABLE, as_text_layer, parse_font_hint

# pdfminer logs every oddity of a damaged file as a warning; the reasons that matter are recorded
# on the document and its pages instead.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


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
    import pdfplumber

    return f"pdfplumber {pdfplumber.__version__}"


@functools.lru_cache(maxsize=1)
def pdfium_engine() -> str:
    return f"pypdfium2 {pdfium.PYPDFIUM_INFO} (pdfium {pdfium.PDFIUM_INFO.build})"


def text_layer_pages(path: Path, clock: StageClock | None = None) -> Iterator[TextLayerPage]:
    """Each page's text layer, one page at a time (``clock`` gets the time as 'text_layer').

    pdfium reads the file (it also repairs many broken cross-reference tables); a file it cannot
    open is tried with pdfplumber. Raises PdfError when neither can open the file."""
    clock = clock or StageClock()
    try:
        with clock("text_layer"):
            document = pdfium.PdfDocument(str(path), password="")
            pages = len(document)
    except pdfium.PdfiumError as exc:
        yield from _plumber_pages(path, exc, clock)
        return
    try:
        if not pages:  # pdfminer finds pages in some damaged files pdfium finds none in
            yield from _plumber_pages(path, PdfError("no pages found"), clock)
            return
        for index in range(pages):
            with clock("text_layer"):
                layer = _pdfium_page(document, index)
            yield layer
    finally:
        document.close()


def _quietly(close) -> None:
    try:
        close()
    except Exception:
        pass


# ------------------------------------------------------------------------------ pdfium pages


def _pdfium_page(document: pdfium.PdfDocument, index: int) -> TextLayerPage:
    page = None
    try:
        page = document[index]
        frame = _Frame.of(page)
        textpage = page.get_textpage()
        try:
            chars = pdfium_chars(textpage, frame)
        finally:
            textpage.close()
        lines = layout.page_lines(chars, frame.bbox)
        return TextLayerPage(page_number=index + 1, lines=lines, image_coverage=_image_coverage(page, frame),
                             engine=pdfium_engine())
    except Exception as exc:
        return TextLayerPage(page_number=index + 1, engine=pdfium_engine(), error=_describe(exc))
    finally:
        if page is not None:
            _quietly(page.close)


@dataclass(frozen=True)
class _Frame:
    """From pdfium's page space (points, origin bottom left, before the page's /Rotate) to
    pdfplumber's coordinates (origin top left of the media box, as displayed)."""

    x0: float  # the media box in page space
    y0: float
    x1: float
    y1: float
    rotation: int
    bbox: tuple[float, float, float, float]  # pdfplumber's page.bbox
    height: float
    mb_x0: float
    mb_top: float

    @classmethod
    def of(cls, page: pdfium.PdfPage) -> _Frame:
        box = page.get_mediabox(fallback_ok=False) or page.get_bbox()  # the former does not inherit
        x0, x1 = sorted((box[0], box[2]))
        y0, y1 = sorted((box[1], box[3]))
        rotation = page.get_rotation() % 360
        nx0, ny0, nx1, ny1 = (y0, x0, y1, x1) if rotation in (90, 270) else (x0, y0, x1, y1)
        height = ny1 - ny0
        bbox = (nx0, height - ny1, nx1, height - ny0)
        return cls(x0, y0, x1, y1, rotation, bbox, bbox[3] - bbox[1], bbox[0], bbox[1])

    def point(self, x: float, y: float) -> tuple[float, float]:
        """pdfminer's device point (its page CTM for the rotation)."""
        r = self.rotation
        if r == 90:
            return y - self.y0, self.x1 - x
        if r == 180:
            return self.x1 - x, self.y1 - y
        if r == 270:
            return self.y1 - y, x - self.x0
        return x - self.x0, y - self.y0

    def linear(self, a: float, b: float, c: float, d: float) -> tuple[float, float, float, float]:
        """A character's matrix (its linear part) after the rotation."""
        ra, rb, rc, rd = {0: (1, 0, 0, 1), 90: (0, -1, 1, 0), 180: (-1, 0, 0, -1), 270: (0, 1, -1, 0)}.get(self.rotation, (1, 0, 0, 1))
        return a * ra + b * rc, a * rb + b * rd, c * ra + d * rc, c * rb + d * rd


class _MATRIX(ctypes.Structure):
    _fields_ = [(k, ctypes.c_float) for k in "abcdef"]


def _function(name: str, restype, *argtypes):
    """A pdfium function with plain-integer handles (cheaper per call than pypdfium2's own
    prototypes)."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype, *argtypes)(address)


_vp, _int = ctypes.c_void_p, ctypes.c_int
_count_chars = _function("FPDFText_CountChars", _int, _vp)
_get_text = _function("FPDFText_GetText", _int, _vp, _int, _int, _vp)
_font_size = _function("FPDFText_GetFontSize", ctypes.c_double, _vp, _int)
_matrix = _function("FPDFText_GetMatrix", _int, _vp, _int, ctypes.POINTER(_MATRIX))
_unicode = _function("FPDFText_GetUnicode", ctypes.c_uint, _vp, _int)
_map_error = _function("FPDFText_HasUnicodeMapError", _int, _vp, _int)
_object_font = _function("FPDFTextObj_GetFont", _vp, _vp)
_base_font_name = _function("FPDFFont_GetBaseFontName", ctypes.c_size_t, _vp, ctypes.c_char_p, ctypes.c_size_t)
_font_ascent = _function("FPDFFont_GetAscent", _int, _vp, ctypes.c_float, ctypes.POINTER(ctypes.c_float))
_font_descent = _function("FPDFFont_GetDescent", _int, _vp, ctypes.c_float, ctypes.POINTER(ctypes.c_float))


def _unchecked(name: str, restype):
    """A pdfium function whose arguments ctypes passes as given, without declared types: the
    handles and pointers as ctypes objects, the indices as ints (a C int). It skips converting
    each argument, a third of the cost of a call, which matters at two calls per character."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    return ctypes.CFUNCTYPE(restype)(address)


# (text page, index): the character's text object, 0 for none (some characters pdfium generated)
_text_object_at = _unchecked("FPDFText_GetTextObject", ctypes.c_size_t)
_loose_box_at = _unchecked("FPDFText_GetLooseCharBox", _int)  # (text page, index, FS_RECTF pointer)
_is_generated_at = _unchecked("FPDFText_IsGenerated", _int)  # (text page, index)


@dataclass
class _Style:
    """What the characters of one text object share."""

    font: str
    upright: bool  # as displayed (after the page's /Rotate), by pdfminer's rule
    axis: str  # the page axis the text's height runs along: "y" (upright or upside down), "x" (turned 90°), "" (other)
    scale: float = 0.0  # the text's height direction on that axis, per point of font size (signed)
    shift: float = 0.0  # from pdfium's descent to pdfminer's, in points along that axis
    height: float = 0.0  # pdfminer's box height: the font size, in points along that axis


def _style(handle: int, index: int, text_object: int, frame: _Frame, fonts: dict, matrix: _MATRIX, known: dict) -> _Style:
    """The style of the text object of character ``index``; ``known``: the styles met on the
    page so far by font, size and matrix (most of a page's text objects repeat a few)."""
    _matrix(handle, index, ctypes.byref(matrix))
    a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
    tf = _font_size(handle, index)
    key = (_object_font(text_object), tf, a, b, c, d)
    found = known.get(key)
    if found is None:
        found = known[key] = _new_style(text_object, a, b, c, d, tf, frame, fonts)
    return found


def _new_style(text_object: int, a: float, b: float, c: float, d: float, tf: float, frame: _Frame, fonts: dict) -> _Style:
    name, _ascent, descent = _font_of(text_object, fonts)
    da, db, dc, dd = frame.linear(a, b, c, d)
    upright = da * dd > 0 and db * dc <= 0
    if b == 0 and c == 0 and d:
        axis, scale = "y", d
    elif a == 0 and d == 0 and c:
        axis, scale = "x", c
    else:
        return _Style(name, upright, "")
    # pdfium's loose box reaches down to the font's descent; pdfminer's box goes one font size
    # up from the descent the PDF states (the standard 14 fonts: their AFM metrics' own)
    shift = scale * tf * (_pdfminer_descent(name, descent) - descent) / 1000
    return _Style(name, upright, axis, scale, shift, abs(scale) * tf)


def _font_of(text_object: int, cache: dict) -> tuple[str, float, float]:
    """(base font name as the PDF gives it, subset prefix included, as pdfminer does; ascent;
    descent), the metrics in thousandths of the size, as the font descriptor states them."""
    font = _object_font(text_object)
    found = cache.get(font)
    if found is None:
        size = _base_font_name(font, None, 0) if font else 0
        name = ""
        if size:
            buffer = ctypes.create_string_buffer(size)
            _base_font_name(font, buffer, size)
            name = buffer.value.decode("utf-8", "replace")
        ascent, descent = ctypes.c_float(0), ctypes.c_float(0)
        if font:
            _font_ascent(font, 1000.0, ctypes.byref(ascent))
            _font_descent(font, 1000.0, ctypes.byref(descent))
        found = cache[font] = (name, ascent.value, descent.value)
    return found


@functools.lru_cache(maxsize=256)
def _pdfminer_descent(name: str, descent: float) -> float:
    """The descent pdfminer uses: the standard 14 fonts' (and their aliases') from their AFM
    metrics, whatever the PDF says; otherwise the font descriptor's, made negative."""
    if name in _STANDARD_FONT_NAMES:
        from pdfminer.fontmetrics import FONT_METRICS

        return float(FONT_METRICS[name][0].get("Descent") or 0.0)
    return -abs(descent)


_STANDARD_FONT_NAMES = frozenset({
    "Courier", "Courier-Bold", "Courier-BoldOblique", "Courier-Oblique", "Helvetica", "Helvetica-Bold",
    "Helvetica-BoldOblique", "Helvetica-Oblique", "Symbol", "Times-Bold", "Times-BoldItalic", "Times-Italic",
    "Times-Roman", "ZapfDingbats", "Arial", "Arial,Italic", "Arial,Bold", "Arial,BoldItalic", "CourierNew",
    "CourierNew,Italic", "CourierNew,Bold", "CourierNew,BoldItalic", "TimesNewRoman", "TimesNewRoman,Italic",
    "TimesNewRoman,Bold", "TimesNewRoman,BoldItalic",
})


def pdfium_chars(textpage: pdfium.PdfTextPage, frame: _Frame) -> Chars:
    """A page's characters from pdfium's text page, in pdfplumber's coordinates.

    Per character two calls (its text object, its loose box: the glyph's advance across),
    made in bulk (``map`` over the indices, the boxes written straight into one array); per
    text object (one Tj/TJ run: one font, one size) its font, size and matrix, once; the rest
    is done on arrays. Spaces and line breaks pdfium generates (no text object) are not
    characters of the page, but a generated space still ends a word: pdfium measured a word
    gap there. What pdfium does otherwise than pdfminer is undone here:
    ``FPDFText_GetFontSize`` is the Tf operand (the size is that times the matrix's scale);
    the loose box spans ascent to descent scaled to the size, pdfminer's box one size up from
    the stated descent; a glyph without a Unicode mapping is U+FFFD (pdfminer: '(cid:N)'); and
    a '-' or U+00AD ending a line comes out as U+FFFE, which is U+00AD on a TCVN3 page (the
    letter 'ư' there) and '-' otherwise.
    """
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    count = _count_chars(handle)
    if count <= 0:
        return Chars()
    buffer = ctypes.create_string_buffer((count + 1) * 2)
    got = _get_text(handle, 0, count, buffer)
    page_text = buffer.raw[: max(0, got - 1) * 2].decode("utf-16-le", "replace")
    if len(page_text) == count:  # a character outside the BMP takes two UTF-16 units
        chars = page_text
    else:
        chars = "".join(chr(code) for code in map(_unicode, itertools.repeat(handle, count), range(count)))
    text_page = ctypes.c_void_p(handle)
    objects = np.fromiter(map(_text_object_at, itertools.repeat(text_page, count), range(count)), dtype=np.uint64, count=count)
    # styles in the order their text objects first appear (found among the runs of characters
    # of one object: far fewer than the characters)
    run_starts = np.flatnonzero(np.concatenate(([True], objects[1:] != objects[:-1])))
    distinct, first_run, run_inverse = np.unique(objects[run_starts], return_index=True, return_inverse=True)
    inverse = np.repeat(run_inverse.reshape(-1), np.diff(np.append(run_starts, count)))
    matrix, fonts, known = _MATRIX(), {}, {}
    styles: list[_Style] = []
    style_of = np.zeros(distinct.size, dtype=np.int64)  # the style of each distinct text object
    for k in np.argsort(first_run).tolist():
        text_object = int(distinct[k])
        if text_object:
            style_of[k] = len(styles)
            styles.append(_style(handle, int(run_starts[first_run[k]]), text_object, frame, fonts, matrix, known))
    # a space in a text object that pdfium generated is a word gap, as is a space outside one
    codes = np.frombuffer(chars.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    kept = objects != 0
    gaps = (codes == 32) & ~kept
    generated = [i for i in np.flatnonzero((codes == 32) & kept).tolist() if _is_generated_at(text_page, i)]
    if generated:
        kept[generated] = False
        gaps[generated] = True
    kept_index = np.flatnonzero(kept)
    if kept_index.size == 0:
        return Chars()
    kept_count = kept_index.size
    raw = (ctypes.c_float * (4 * kept_count))()  # the kept characters' boxes only
    list(map(_loose_box_at, itertools.repeat(text_page, kept_count), kept_index.tolist(),
             map(ctypes.byref, itertools.repeat(raw, kept_count), range(0, 16 * kept_count, 16))))
    box = np.frombuffer(raw, dtype=np.float32).reshape(kept_count, 4).astype(np.float64)
    x_a, y_b, x_b, y_a = box[:, 0], box[:, 1], box[:, 2], box[:, 3]  # left, top, right, bottom
    style = style_of[inverse[kept_index]]
    axis = np.array([s.axis for s in styles])[style]
    scale = np.array([s.scale for s in styles], dtype=np.float64)[style]
    shift = np.array([s.shift for s in styles], dtype=np.float64)[style]
    height = np.array([s.height for s in styles], dtype=np.float64)[style]
    forward = scale > 0
    signed = np.where(forward, height, -height)
    on_y, on_x = axis == "y", axis == "x"  # the descent edge is the bottom when upright, else the top
    y_a = np.where(on_y, np.where(forward, y_a, y_b) + shift, y_a)
    y_b = np.where(on_y, y_a + signed, y_b)
    x_a = np.where(on_x, np.where(forward, x_a, x_b) + shift, x_a)
    x_b = np.where(on_x, x_a + signed, x_b)
    # one blank before a kept character when a gap came since the previous kept one
    seen = np.cumsum(gaps)[kept_index]
    blank = np.diff(seen, prepend=0) > 0
    blank_at = np.flatnonzero(blank) + np.arange(int(blank.sum()))  # where the blanks land
    place = np.arange(kept_index.size) + np.cumsum(blank)  # where the kept characters land
    total = kept_index.size + blank_at.size
    text = np.full(total, ord(" "), dtype=np.uint32)
    text[place] = codes[kept_index]
    source = np.empty(total, dtype=np.int64)  # the kept character each output takes its box from
    source[place] = np.arange(kept_index.size)
    source[blank_at] = np.flatnonzero(blank)
    left, right = x_a[source], x_b[source]
    right[blank_at] = left[blank_at]  # a blank is as wide as nothing, at the next one's left
    lower, upper = y_a[source], y_b[source]
    line_end = text == 0xFFFE
    if line_end.any():
        soft = _looks_tcvn3(page_text) or any(parse_font_hint(s.font) for s in styles)
        text[line_end] = ord("\u00ad" if soft else "-")
    text[text == 0] = 0xFFFD
    letters = text.tobytes().decode("utf-32-le", "surrogatepass")
    return _to_frame(letters, left, right, lower, upper, style[source], styles, frame)


def _to_frame(text: str, left, right, lower, upper, objects, styles: list[_Style], frame: _Frame) -> Chars:
    """Page-space boxes → pdfplumber's coordinates (top left of the media box, as displayed)."""
    if not text:
        return Chars()
    x_a, x_b = np.array(left, dtype=np.float64), np.array(right, dtype=np.float64)
    y_a, y_b = np.array(lower, dtype=np.float64), np.array(upper, dtype=np.float64)
    r = frame.rotation
    if r == 90:
        dx_a, dy_a, dx_b, dy_b = y_a - frame.y0, frame.x1 - x_a, y_b - frame.y0, frame.x1 - x_b
    elif r == 180:
        dx_a, dy_a, dx_b, dy_b = frame.x1 - x_a, frame.y1 - y_a, frame.x1 - x_b, frame.y1 - y_b
    elif r == 270:
        dx_a, dy_a, dx_b, dy_b = frame.y1 - y_a, x_a - frame.x0, frame.y1 - y_b, x_b - frame.x0
    else:
        dx_a, dy_a, dx_b, dy_b = x_a - frame.x0, y_a - frame.y0, x_b - frame.x0, y_b - frame.y0
    x0, x1 = np.minimum(dx_a, dx_b), np.maximum(dx_a, dx_b)
    y0, y1 = np.minimum(dy_a, dy_b), np.maximum(dy_a, dy_b)
    style = np.asarray(objects, dtype=np.int64)
    upright = np.array([s.upright for s in styles], dtype=bool)[style]
    sizes = y1 - y0  # pdfminer's size: the height of its box
    if frame.mb_x0:
        x0, x1 = x0 + frame.mb_x0, x1 + frame.mb_x0
    top = (frame.height - y1) + frame.mb_top
    bottom = (frame.height - y0) + frame.mb_top
    return Chars(text=text, x0=x0, x1=x1, top=top, bottom=bottom, size=sizes, font=style,
                 fonts=[s.font for s in styles], upright=upright)


@functools.lru_cache(maxsize=1)
def _tcvn3_only() -> frozenset[str]:
    """Characters a TCVN3 text layer shows that Vietnamese in Unicode never uses (Ö, ¸, µ, …)."""
    vietnamese = set("".join(VNI_TABLE)) | set("".join(VNI_TABLE).upper())
    return frozenset(c for byte in TCVN3_TABLE for c in as_text_layer(bytes([byte])) if c not in vietnamese and c != "\u00ad")


def _looks_tcvn3(text: str) -> bool:
    legacy = _tcvn3_only()
    return sum(c in legacy for c in text) >= 3


def _image_coverage(page: pdfium.PdfPage, frame: _Frame) -> float:
    """Share of the page covered by images (clipped to the page), as pdfplumber measures it."""
    width, height = frame.bbox[2] - frame.bbox[0], frame.height
    area = float(width * height) or 1.0
    covered = 0.0
    for left, bottom, right, top in _image_bounds(ctypes.cast(page.raw, ctypes.c_void_p).value):
        (ax, ay), (bx, by) = frame.point(left, bottom), frame.point(right, top)
        x0, x1 = sorted((ax, bx))
        y0, y1 = sorted((ay, by))
        t, b = height - y1, height - y0
        w = max(0.0, min(x1, width) - max(x0, 0.0))
        h = max(0.0, min(b, height) - max(t, 0.0))
        covered += w * h
    return min(1.0, covered / area)


_page_object_count = _function("FPDFPage_CountObjects", _int, _vp)
_page_object = _function("FPDFPage_GetObject", _vp, _vp, _int)
_form_object_count = _function("FPDFFormObj_CountObjects", _int, _vp)
_form_object = _function("FPDFFormObj_GetObject", _vp, _vp, ctypes.c_ulong)
_object_type = _function("FPDFPageObj_GetType", _int, _vp)
_object_bounds = _function("FPDFPageObj_GetBounds", _int, _vp, *[ctypes.POINTER(ctypes.c_float)] * 4)


def _image_bounds(page: int, form: int | None = None, level: int = 0, max_depth: int = 5) -> Iterator[tuple[float, ...]]:
    """(left, bottom, right, top) of each image on the page, in page space: what pypdfium2's
    ``get_objects(filter=(FPDF_PAGEOBJ_IMAGE,), max_depth=5)`` and ``get_bounds`` give, in the
    same order and failing the same way, without a Python object for every object of the page."""
    count = _form_object_count(form) if form else _page_object_count(page)
    if count < 0:
        raise pdfium.PdfiumError("Failed to get number of pageobjects.")
    for index in range(count):
        handle = _form_object(form, index) if form else _page_object(page, index)
        if not handle:
            raise pdfium.PdfiumError("Failed to get pageobject.")
        kind = _object_type(handle)
        if kind == pdfium_c.FPDF_PAGEOBJ_UNKNOWN:
            raise pdfium.PdfiumError("Failed to determine pageobject type, did you pass in a valid FPDF_PAGEOBJECT handle?")
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            box = [ctypes.c_float() for _ in range(4)]
            if not _object_bounds(handle, *box):
                raise pdfium.PdfiumError("Failed to locate pageobject.")
            yield tuple(value.value for value in box)
        if kind == pdfium_c.FPDF_PAGEOBJ_FORM and level < max_depth - 1:
            yield from _image_bounds(page, handle, level + 1, max_depth)


# --------------------------------------------------------------------------- pdfplumber pages


def _plumber_pages(path: Path, pdfium_error: BaseException, clock: StageClock) -> Iterator[TextLayerPage]:
    """The file pdfium could not open (or found no page in), read with pdfplumber."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    needs_password = "password" in str(pdfium_error).lower()
    try:
        with clock("text_layer"):
            pdf = pdfplumber.open(path, password="")
    except Exception as exc:  # pdfminer raises many kinds on damaged files
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if needs_password:
            raise EncryptedPdfError("encrypted: the PDF needs a password to open") from exc
        reason = str(pdfium_error) if isinstance(cause, PDFPasswordIncorrect) else _describe(cause)
        raise PdfError(f"damaged PDF, cannot be read: {reason}") from exc
    try:
        try:
            with clock("text_layer"):
                pages = pdf.pages
        except Exception as exc:
            raise PdfError(f"damaged PDF, cannot be read: {_describe(exc)}") from exc
        if not pages:  # neither finds a page: say so, not why pdfium refused the file
            raise PdfError("damaged PDF, cannot be read: no pages found")
        for number, page in enumerate(pages, start=1):
            with clock("text_layer"):
                try:
                    layer = _plumber_page(page, number)
                except Exception as exc:
                    layer = TextLayerPage(page_number=number, engine=pdfplumber_engine(), error=_describe(exc))
                finally:
                    _quietly(page.close)
            yield layer
    finally:
        _quietly(pdf.close)  # closing re-reads the page tree, which fails on some damaged files


def plumber_chars(page) -> Chars:
    """A pdfplumber page's characters as columns."""
    chars = page.chars
    font, fonts = Chars.font_columns([c.get("fontname") or "" for c in chars])
    return Chars(
        text=[c.get("text") or "" for c in chars],
        x0=np.array([float(c["x0"]) for c in chars], dtype=np.float64),
        x1=np.array([float(c["x1"]) for c in chars], dtype=np.float64),
        top=np.array([float(c["top"]) for c in chars], dtype=np.float64),
        bottom=np.array([float(c["bottom"]) for c in chars], dtype=np.float64),
        size=np.array([float(c["size"]) for c in chars], dtype=np.float64),
        font=font,
        fonts=fonts,
        upright=np.array([bool(c["upright"]) for c in chars], dtype=bool),
    )


def _plumber_page(page, number: int) -> TextLayerPage:
    lines = layout.page_lines(plumber_chars(page), tuple(float(v) for v in page.bbox))
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for image in page.images:
        w = max(0.0, min(float(image["x1"]), float(page.width)) - max(float(image["x0"]), 0.0))
        h = max(0.0, min(float(image["bottom"]), float(page.height)) - max(float(image["top"]), 0.0))
        covered += w * h
    return TextLayerPage(page_number=number, lines=lines, image_coverage=min(1.0, covered / area), engine=pdfplumber_engine())


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


def page_image_gray(document: pdfium.PdfDocument, page_number: int, dpi: int) -> np.ndarray | None:
    """A scanned page's own pixels, without rendering: when the page (1-based) is one greyscale
    or bi-level image laid square over the whole page at ``dpi`` (within 1%), that image
    decoded, which is what rendering at ``dpi`` would show without pdfium's resampling by a
    fraction of a pixel. None for any other page (colour, rotated, cropped, several objects,
    another resolution): render it."""
    page = document[page_number - 1]
    try:
        found = full_page_image(page, dpi)
        if found is None:
            return None
        image, meta = found
        bitmap = image.get_bitmap(render=False)  # freed with its Python object
        if bitmap.format != pdfium_c.FPDFBitmap_Gray:
            return None
        return np.array(bitmap.to_numpy().reshape(meta.height, -1)[:, : meta.width])  # owns its memory
    except Exception:  # anything unusual in the page: rendering decides
        return None
    finally:
        page.close()


_count_objects = _function("FPDFPage_CountObjects", _int, _vp)


def full_page_image(page: pdfium.PdfPage, dpi: int):
    """(the image object, its metadata) when the page is one greyscale or bi-level image laid
    square over the whole page at ``dpi`` (within 1%): what :func:`page_image_gray` takes instead
    of rendering. None for any other page. Reads the image's metadata only, never its pixels."""
    if page.get_rotation() % 360 or _count_objects(page.raw) != 1:
        return None
    (image,) = page.get_objects(max_depth=1)
    if image.type != pdfium_c.FPDF_PAGEOBJ_IMAGE:
        return None
    a, b, c, d, e, f = image.get_matrix().get()
    left, bottom, right, top = page.get_mediabox()
    width, height = right - left, top - bottom
    if b or c or a <= 0 or d <= 0 or abs(e - left) > 0.5 or abs(f - bottom) > 0.5 \
            or abs(a - width) > 0.5 or abs(d - height) > 0.5:
        return None
    meta = image.get_metadata()
    if meta.colorspace != pdfium_c.FPDF_COLORSPACE_DEVICEGRAY or meta.bits_per_pixel not in (1, 8):
        return None
    expected = (round(width / 72 * dpi), round(height / 72 * dpi))
    if abs(meta.width - expected[0]) > 0.01 * expected[0] or abs(meta.height - expected[1]) > 0.01 * expected[1]:
        return None
    return image, meta


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
    if type(exc).__name__ == "PdfminerException" and exc.args:
        exc = exc.args[0] if isinstance(exc.args[0], BaseException) else exc
    text = str(exc).strip() or type(exc).__name__
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(exc).__name__}: {text}" if type(exc).__name__ not in text else text
