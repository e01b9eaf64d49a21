"""Tesseract: one page image in, text with lines, words, boxes and confidences out.

Tesseract runs in this process through its C API (tesseract.py): no process start, no model
reload, no temporary PNG per page. Where libtesseract cannot be loaded, the ``tesseract``
command is run through pytesseract instead; both give the same result for the same pixels.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

from pipelines.core.models import Line, Word
from pipelines.core.read import tesseract

# Tesseract's OpenMP threading makes it several times slower on small machines: parallelism
# comes from one single-threaded engine per core instead. Child processes inherit this.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class OcrError(RuntimeError):
    """Tesseract could not read a page (missing, timed out, crashed)."""


@dataclass
class OcrResult:
    text: str
    lines: list[Line]
    confidence: float | None  # mean word confidence, 0–100; None when no words
    words: list[Word]
    sideways: bool = False  # Tesseract found most of the text written top to bottom: the page lies on its side


@functools.lru_cache(maxsize=1)
def tesseract_version() -> str:
    if tesseract.available():
        return tesseract.version()
    import pytesseract

    try:
        return str(pytesseract.get_tesseract_version()).split()[0]
    except (pytesseract.TesseractNotFoundError, OSError) as exc:
        raise OcrError(
            "Tesseract is not installed: run `apt-get install tesseract-ocr tesseract-ocr-vie`"
        ) from exc


def engine_name(languages: str) -> str:
    return f"tesseract {tesseract_version()} ({languages})"


def ocr_image(image: Image.Image | np.ndarray, *, languages: str = "vie", timeout_s: float = 120,
              invert: bool = True) -> OcrResult:
    """Read one page image (a PIL image, or the page's pixels: a greyscale or RGB uint8 array).
    Blocks and paragraphs found by Tesseract become blank-line breaks. No resolution is given to
    Tesseract: it estimates one from the height of the text, as it always has here.

    ``invert=False`` spares Tesseract its second, white-on-black reading of uncertain lines: for
    a cleaned page with no dark band where white letters could stand (cleanup.dark_blocks)."""
    if not tesseract.available():
        return _ocr_with_command(_as_image(image), languages, timeout_s, invert)
    try:
        data, sideways = tesseract.recognize(pixels(image), languages, timeout_s=timeout_s, invert=invert)
    except tesseract.Timeout as exc:
        raise OcrError(str(exc)) from exc
    except tesseract.TesseractError as exc:
        raise OcrError(f"Tesseract failed: {exc}") from exc
    result = _assemble(data)
    result.sideways = sideways
    return result


def pixels(image: Image.Image | np.ndarray) -> np.ndarray:
    """The pixels Tesseract is given: grey as it is, bi-level as 0/255 grey, anything else as
    RGB (what the PNG that pytesseract wrote held)."""
    if isinstance(image, np.ndarray):
        return image
    if image.mode == "L":
        return np.asarray(image)
    if image.mode == "1":
        return np.asarray(image.convert("L"))
    return np.asarray(image if image.mode == "RGB" else image.convert("RGB"))


def _as_image(image: Image.Image | np.ndarray) -> Image.Image:
    if isinstance(image, np.ndarray):
        return Image.fromarray(image)
    return image if image.mode in ("1", "L", "RGB") else image.convert("RGB")


def _ocr_with_command(image: Image.Image, languages: str, timeout_s: float, invert: bool = True) -> OcrResult:
    """The fallback: the ``tesseract`` command through pytesseract (a process and a PNG per page)."""
    import pytesseract

    try:
        data = pytesseract.image_to_data(
            image,
            lang=languages,
            config=" ".join(["--psm 3", *(f"-c {k}={v}" for k, v in {**tesseract.SETTINGS,
                                                                       "tessedit_do_invert": int(invert)}.items())]),
            output_type=pytesseract.Output.DICT,
            timeout=timeout_s,
        )
    except RuntimeError as exc:  # pytesseract raises RuntimeError on its timeout
        if "timeout" in str(exc).lower():
            raise OcrError(f"OCR timed out after {timeout_s} s") from exc
        raise OcrError(f"Tesseract failed: {exc}") from exc
    except pytesseract.TesseractError as exc:
        raise OcrError(f"Tesseract failed: {exc.message or exc}") from exc
    except pytesseract.TesseractNotFoundError as exc:
        raise OcrError("Tesseract is not installed") from exc
    return _assemble(data)


def _assemble(data: dict) -> OcrResult:
    lines: list[Line] = []
    paragraphs: list[list[str]] = []
    confidences: list[float] = []
    boxes: list[Word] = []
    current_par = None
    current_line = None
    words: list[str] = []
    line_start = 0  # index in boxes of the current line's first word

    def flush_line() -> None:
        if words:
            text = " ".join(words)
            lines.append(line_geometry(text, boxes[line_start:]))
            paragraphs[-1].append(text)
            words.clear()

    for i, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        par = (data["block_num"][i], data["par_num"][i])
        line = par + (data["line_num"][i],)
        if line != current_line:
            flush_line()
            current_line = line
            line_start = len(boxes)
        if par != current_par:
            if paragraphs:
                lines.append(Line(text=""))  # Tesseract's paragraph break, kept for re-joining
            paragraphs.append([])
            current_par = par
        words.append(word)
        conf = float(data["conf"][i])
        if conf >= 0:
            confidences.append(conf)
        boxes.append(
            Word(word, round(conf, 2), int(data["left"][i]), int(data["top"][i]), int(data["width"][i]), int(data["height"][i]))
        )
    flush_line()
    text = "\n\n".join("\n".join(p) for p in paragraphs if p)
    mean = round(sum(confidences) / len(confidences), 2) if confidences else None
    return OcrResult(text=text, lines=lines, confidence=mean, words=boxes)


def line_geometry(text: str, words: list[Word]) -> Line:
    """An OCR line with the box of its words (pixels): what tells a heading from body text."""
    if not words:
        return Line(text=text)
    left = min(w.left for w in words)
    top = min(w.top for w in words)
    right = max(w.left + w.width for w in words)
    bottom = max(w.top + w.height for w in words)
    return Line(text=text, top=top, left=left, width=right - left, height=bottom - top)
