"""A file in, pages out: every page of a PDF, image or text file, each read by its own route.

PDF pages are read from their text layer (repaired when typed in a legacy Vietnamese encoding)
or rendered and read by OCR after clean-up; each frame of a TIFF or image is a page read by OCR;
a text file is one page. Each page records how and why it was read (its provenance). Failures
that concern the whole file raise the readers' own errors (PdfError, ImageReadError,
NotTextError, OcrError); a page that cannot be read becomes a failed page.
"""

from __future__ import annotations

from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from pipelines.config import ReadOptions
from pipelines.core.models import Line, Page, StageClock
from pipelines.core.read import cleanup, photo, readcheck
from pipelines.core.read.images import iter_frames
from pipelines.core.read.ocr import OcrError, OcrResult, engine_name, ocr_image
from pipelines.core.read.pdf import open_pdfium, page_image_gray, render_gray, text_layer_pages
from pipelines.core.read.routing import OCR, route_pdf_page
from pipelines.core.read.textfile import decode_text
from pipelines.core.text.encodings import as_text_layer
from pipelines.core.text.lines import repair_lines
from pipelines.core.text.normalize import normalize_text, to_paragraphs
from pipelines.core.text.quality import text_quality
from pipelines.core.text.tones import canonical_tones

IMAGE_TYPES = {"image/tiff", "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp", "image/heic"}


class UnsupportedType(ValueError):
    """The file is of a type no reader handles."""


def read_pages(path: Path, media_type: str, options: ReadOptions, clock: StageClock | None = None) -> list[Page]:
    """Every page of a file of a known media type, in order (``clock`` gets each stage's time)."""
    clock = clock or StageClock()
    if media_type == "application/pdf":
        return read_pdf(path, options, clock)
    if media_type in IMAGE_TYPES:
        return read_image(path, options, clock)
    if media_type == "text/plain":
        with clock("repair"):
            return [read_text(path)]
    raise UnsupportedType(media_type)


def read_pdf(path: Path, options: ReadOptions, clock: StageClock | None = None) -> list[Page]:
    """Each page by its own route: the text layer, or a 300 dpi render read by OCR."""
    clock = clock or StageClock()
    renderer = None
    with PageQueue(options.ocr_threads) as queue:
        try:
            for layer in text_layer_pages(path, clock):
                with clock("repair"):
                    original = layer.text
                    layer.lines, legacy, changes = repair_lines(layer.lines)
                    route = route_pdf_page(layer, options, score=vietnamese_quality)
                    chars = layer.visible_chars if not layer.error else None
                    if route.method != OCR:
                        method = f"legacy-{legacy}" if legacy else "text"
                        reason = route.reason + _repair_note(legacy, changes)
                        page = _page_from_lines(layer.page_number, method, layer.lines, layer.engine, reason)
                        page.text_layer_chars, page.quality = chars, route.quality
                        page.original_text = original if changes else None
                        queue.done(page)
                        continue
                with clock("render"):
                    if renderer is None:
                        renderer = open_pdfium(path)
                    try:
                        image = page_image_gray(renderer, layer.page_number, options.ocr_dpi)
                        if image is None:
                            image = render_gray(renderer, layer.page_number, options.ocr_dpi)
                    except Exception as exc:
                        queue.done(_failed_page(layer.page_number, route.reason, f"cannot render page: {exc}"))
                        continue
                queue.submit(_ocr_page, layer.page_number, image, options, route.reason, chars, clock, options.ocr_dpi)
        finally:
            if renderer is not None:
                renderer.close()
        return queue.pages()


def read_image(path: Path, options: ReadOptions, clock: StageClock | None = None) -> list[Page]:
    """Each frame of a TIFF (or the one frame of a PNG/JPEG) is a page read by OCR."""
    clock = clock or StageClock()
    with PageQueue(options.ocr_threads) as queue:
        frames = iter_frames(path)
        number = 0
        while True:
            with clock("render"):  # decoding the frame
                image = next(frames, None)
            if image is None:
                break
            number += 1
            queue.submit(_ocr_page, number, image, options, "page image", None, clock)
        return queue.pages()


class PageQueue:
    """Pages in order, with OCR running on up to ``threads`` pages at once.

    Each OCR job is a Tesseract process, so threads are enough to use several cores. At most
    ``threads`` rendered page images are held at a time: a 300-page scan streams through in
    bounded memory.
    """

    def __init__(self, threads: int) -> None:
        self._threads = max(1, threads)
        self._pool = ThreadPoolExecutor(self._threads) if self._threads > 1 else None
        self._slots: list[Future | Page] = []

    def __enter__(self) -> PageQueue:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def done(self, page: Page) -> None:
        self._slots.append(page)

    def submit(self, fn, *args) -> None:
        if self._pool is None:
            self._slots.append(fn(*args))
            return
        in_flight = [f for f in self._slots if isinstance(f, Future) and not f.done()]
        if len(in_flight) >= self._threads:
            wait(in_flight, return_when=FIRST_COMPLETED)
        self._slots.append(self._pool.submit(fn, *args))

    def pages(self) -> list[Page]:
        return [slot.result() if isinstance(slot, Future) else slot for slot in self._slots]


def read_text(path: Path) -> Page:
    data = path.read_bytes()
    text, encoding = decode_text(data)
    lines = [Line(text=line) for line in normalize_text(text).split("\n")]
    legacy = encoding in ("tcvn3", "vni")
    page = _page_from_lines(1, f"legacy-{encoding}" if legacy else "text", lines, f"plain text ({encoding})", f"text file ({encoding})")
    if legacy:
        page.original_text = as_text_layer(data)
    page.quality = round(vietnamese_quality(page.text), 3)
    return page


MIN_QUALITY = 0.7
MIN_CONFIDENCE = 65.0
"""An upright page reads well: over 0.98 syllable quality and 94 mean confidence on the test
pages (photocopies, a title page, a half-photo page); a page on its side or upside down reads
below 0.4 and 50. Orientation detection runs only on a page reading below either of these."""

MAX_QUALITY_LOSS = 0.05
"""A page Tesseract read sideways (it turns vertical lines by itself) is read again turned
upright, for upright word boxes and a skew measured along the lines; the turned reading is
kept unless its quality is lower by more than this."""


@dataclass
class _Reading:
    result: OcrResult
    text: str  # NFC, canonical tone marks
    quality: float
    steps: list[str]
    dpi: int | None  # the resolution of what Tesseract read, when known
    pixels: np.ndarray | None = None  # what Tesseract read (for the reading checks)
    ink_blobs: int | None = None  # readcheck.ink_blobs of ``pixels``, when the clean-up counted them

    def poor(self) -> bool:
        return bool(self.result.words) and (self.quality < MIN_QUALITY or (self.result.confidence or 0.0) < MIN_CONFIDENCE)


def _ocr_page(number: int, image, options: ReadOptions, reason: str, text_layer_chars: int | None,
              clock: StageClock | None = None, dpi: int | None = None) -> Page:
    """OCR one page (a PIL image, or a greyscale array rendered at ``dpi``); a failure (time
    limit, Tesseract error) fails this page only.

    The page is decoded, tested for ink and cleaned up once, then read. Only a page that reads
    poorly (or that Tesseract found lying on its side) goes through orientation detection; it
    is then turned, cleaned up and read again, and the better reading is kept."""
    clock = clock or StageClock()
    engine = engine_name(options.ocr_languages)
    maker, exif_steps = None, []
    if isinstance(image, np.ndarray):
        source_dpi = cleanup.resolution((image.shape[1], image.shape[0]), dpi) if dpi else None
        pixels = gray = image
        bilevel = False
    else:
        dpi = _dpi(image)
        source_dpi = cleanup.resolution(image, dpi)
        bilevel = image.mode == "1"
        if image.info.get("exif_orientation"):
            exif_steps = [f"exif-orientation:{image.info['exif_orientation']}"]
        with clock("render"):
            gray = cleanup.to_gray(image)
            pixels = gray if options.cleanup or image.mode in ("1", "L") else _pixels(image)
            maker = photo.camera(image)  # the EXIF fields are all the photo test needs of the file
            image.close()
    if is_blank_array(gray):
        return Page(page_number=number, method="empty", text="", reason=f"{reason}; blank page (no ink)",
                    text_layer_chars=text_layer_chars, dpi=dpi)
    steps: str | None = None
    try:
        if options.cleanup:
            try:
                with clock("photo"):  # photo or scan; a photo straightened and evened out
                    base, base_dpi, first_steps = gray, source_dpi, list(exif_steps)
                    check = None if bilevel else photo.examine(gray, dpi=source_dpi, camera_name=maker)
                    if check is not None and check.photo:
                        reason = f"{reason}; {check.describe()}"
                        base, photo_steps, base_dpi = photo.prepare_photo(gray, check, source_dpi=source_dpi)
                        first_steps += photo_steps
                with clock("cleanup"):
                    binary, report, work_dpi = cleanup.clean(base, base_dpi)
                steps_taken = first_steps + report.steps
            except Exception as exc:  # clean-up must never cost a page: read it as scanned
                steps = f"clean-up failed ({type(exc).__name__}: {exc}); page read as scanned"
                reading = _read(gray, [], dpi, options, clock)
            else:
                steps = ", ".join(steps_taken)
                reading = _read(binary, steps_taken, work_dpi, options, clock, report)
                if options.detect_orientation and (reading.poor() or reading.result.sideways):
                    reading = _orient(reading, base, binary, base_dpi, options, clock, first_steps)
                    steps = ", ".join(reading.steps)
        else:
            reading = _read(pixels, list(exif_steps), dpi, options, clock)
            steps = ", ".join(exif_steps) or None
    except OcrError as exc:
        if "not installed" in str(exc):
            raise
        page = _failed_page(number, reason, str(exc), engine)
        page.text_layer_chars, page.cleanup, page.dpi = text_layer_chars, steps, dpi
        return page
    ocr = reading.result
    lines = [replace(line, text=canonical_tones(normalize_text(line.text))) for line in ocr.lines]
    quality, problems = round(reading.quality, 3), None
    if options.cleanup:  # the checks need the cleaned page's ink
        with clock("check"):
            problems = readcheck.reading_problems(ocr.lines, reading.text, reading.quality, reading.pixels,
                                                  ocr.confidence, reading.ink_blobs)
        if problems:
            quality = readcheck.flagged_quality(reading.quality)
    return Page(
        page_number=number,
        method="ocr",
        text="\n\n".join(to_paragraphs(reading.text)),
        lines=lines,
        confidence=ocr.confidence,
        quality=quality,
        flags="; ".join(problems) if problems else None,
        engine=engine,
        reason=reason,
        text_layer_chars=text_layer_chars,
        cleanup=(steps or "none needed") if options.cleanup else steps,
        dpi=reading.dpi or dpi,
        words=ocr.words,
    )


def _read(pixels: np.ndarray, steps: list[str], dpi: int | None, options: ReadOptions, clock: StageClock,
          report: cleanup.CleanupReport | None = None) -> _Reading:
    """Read ``pixels``; ``report``: the clean-up that made them, when they are a cleaned page.
    Tesseract tries uncertain lines as white on black only where the clean-up found a dark
    block such letters could stand in (or when the page was not cleaned up)."""
    invert = report is None or report.dark_blocks is None or report.dark_blocks > 0
    with clock("ocr"):
        result = ocr_image(pixels, languages=options.ocr_languages, timeout_s=options.ocr_timeout_s, invert=invert)
    text = canonical_tones(normalize_text(result.text))
    return _Reading(result, text, vietnamese_quality(text), list(steps), dpi, pixels,
                    report.ink_blobs if report is not None else None)


def _orient(first: _Reading, gray: np.ndarray, binary: np.ndarray, source_dpi: int | None, options: ReadOptions,
            clock: StageClock, before: list[str] | None = None) -> _Reading:
    """Orientation detection (Tesseract OSD on the cleaned page) after a poor or sideways read:
    the page turned upright, cleaned up and read again; the better of the two readings.
    ``gray`` is the page as the clean-up got it, after ``before`` (a photo's own steps)."""
    with clock("orientation"):
        degrees = cleanup.detect_orientation(binary)
    if not degrees:
        return first
    with clock("cleanup"):
        turned, report, work_dpi = cleanup.clean(cleanup.turn(gray, degrees), source_dpi)
    try:
        second = _read(turned, [*(before or []), f"orientation:{degrees}", *report.steps], work_dpi, options, clock,
                       report)
    except OcrError as exc:
        first.steps.append(f"orientation:{degrees} tried, not read ({exc})")
        return first
    if first.result.sideways and not first.poor():
        better = second.quality >= first.quality - MAX_QUALITY_LOSS
    else:
        better = (second.quality, second.result.confidence or 0.0) > (first.quality, first.result.confidence or 0.0)
    if better:
        return second
    first.steps.append(f"orientation:{degrees} tried, not kept")
    return first


def _pixels(image) -> np.ndarray:
    """What Tesseract reads when there is no clean-up: the page's own pixels (colour kept)."""
    from pipelines.core.read.ocr import pixels

    return pixels(image)


def _dpi(image) -> int | None:
    dpi = image.info.get("dpi")
    try:
        return int(round(float(dpi[0]))) if dpi else None
    except (TypeError, ValueError, IndexError):
        return None


def is_blank(image, dark: int = 128, share: float = 0.0001) -> bool:
    """True when (almost) no pixel is dark: a blank page or separator sheet, not worth OCR.

    Counted at full resolution (a histogram is cheap): downsampling would grey out a page that
    holds a single line of text. One short word at 300 dpi is over a thousand dark pixels.
    """
    grey = image if image.mode == "L" else image.convert("L")
    histogram = grey.histogram()
    return sum(histogram[:dark]) <= share * grey.width * grey.height


def is_blank_array(gray: np.ndarray, dark: int = 128, share: float = 0.0001) -> bool:
    """:func:`is_blank` on a page's greyscale array."""
    return int(np.count_nonzero(gray < dark)) <= share * gray.size


def _repair_note(legacy: str | None, changes) -> str:
    """What the repair did, for pages.reason: 'TCVN3 legacy encoding converted; 3 lost letters restored (Th viện → Thư viện, …)'."""
    note = f"; {legacy.upper()} legacy encoding converted" if legacy else ""
    restored = [c for c in changes if c.kind == "restore"]
    if restored:
        examples = ", ".join(f"{c.before} → {c.after}" for c in restored[:3])
        note += f"; {len(restored)} lost letter(s) restored ({examples}{', …' if len(restored) > 3 else ''})"
    return note


def vietnamese_quality(text: str) -> float:
    """Share of tokens that are valid Vietnamese syllables or known foreign tokens (0–1)."""
    return text_quality(text).score if text.strip() else 1.0


def _page_from_lines(number: int, method: str, lines: list[Line], engine: str, reason: str) -> Page:
    """NFC, tone marks in the canonical place, lines re-joined into paragraphs."""
    lines = [
        Line(text=canonical_tones(normalize_text(ln.text)), size=ln.size, bold=ln.bold, top=ln.top, font=ln.font)
        for ln in lines
    ]
    text = "\n\n".join(to_paragraphs("\n".join(ln.text for ln in lines)))
    if not text.strip():
        method = "empty"
    return Page(page_number=number, method=method, text=text, lines=lines, engine=engine, reason=reason)


def _failed_page(number: int, reason: str, error: str, engine: str | None = None) -> Page:
    return Page(page_number=number, method="failed", text="", engine=engine, reason=reason, error=error)
