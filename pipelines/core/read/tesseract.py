"""Tesseract in this process, through the C API of the system's libtesseract (ctypes).

The command line (and pytesseract, which drives it) costs, for every call: a process start, the
language model loaded again, and the page written to a temporary PNG and decoded back. Here an
engine loads its model once and is kept for the life of the process; a page is handed over as
the pixels of a numpy array. It is the same library the ``tesseract`` command uses, so a page
reads exactly as it did through pytesseract (same text, same words, boxes and confidences).

* Engines are pooled: one per thread that is reading at that moment, each used by one thread
  at a time. ctypes releases the GIL during a call, so two threads read on two cores.
* Each page gets a deadline (Tesseract's ETEXT_DESC monitor): past it, recognition stops and
  the page fails with the time limit as its reason. The monitor does not reach into the page
  layout analysis, which comes before recognition (it is quick on real pages); there the
  document's own time limit (runtime/workers.py) is the backstop.
* Tesseract's and Leptonica's messages ("Estimating resolution as 474", "Detected 65
  diacritics") go to /dev/null instead of the terminal.

When the library cannot be loaded (another platform, another soname), ``available()`` is False
and pipelines/core/read/ocr.py falls back to the ``tesseract`` command through pytesseract.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

# Tesseract's OpenMP threading makes it several times slower on small machines: parallelism
# comes from one engine per core instead. Must be set before the library (and OpenMP) loads.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

TSV_KEYS = ("level", "page_num", "block_num", "par_num", "line_num", "word_num",
            "left", "top", "width", "height", "conf", "text")

# Set on every engine. ``textord_all_prop``: every text row is taken as proportionally spaced,
# so the layout analysis skips its search for typewriter (fixed-pitch) rows (``tune_row_pitch``,
# about 3% of a page's time in a profile of the benchmark's pages). The LSTM recogniser reads
# whole lines and finds its own spaces, so the search changes nothing it reads: the 48 benchmark
# pages, the corpus's real scans and typewriter-style pages in a monospaced font read to the
# same words with it on and off (one corpus poem lost two blank lines between verses).
SETTINGS = {"textord_all_prop": "1"}

# tesseract::PageIteratorLevel, tesseract::Orientation, tesseract::WritingDirection
RIL_BLOCK = 0
ORIENTATION_PAGE_UP = 0
WRITING_DIRECTION_TOP_TO_BOTTOM = 2


class TesseractError(RuntimeError):
    """The engine could not be started or could not read a page."""


class Timeout(TesseractError):
    """Recognition ran past the page's deadline."""


_vp = ctypes.c_void_p
_int = ctypes.c_int


@functools.lru_cache(maxsize=1)
def _library() -> ctypes.CDLL | None:
    """libtesseract with the prototypes used here, or None when it cannot be loaded."""
    names = [n for n in (ctypes.util.find_library("tesseract"), "libtesseract.so.5", "libtesseract.so.4") if n]
    lib = None
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    if lib is None:
        return None
    try:
        for name, restype, argtypes in (
            ("TessVersion", ctypes.c_char_p, []),
            ("TessBaseAPICreate", _vp, []),
            ("TessBaseAPIDelete", None, [_vp]),
            ("TessBaseAPIEnd", None, [_vp]),
            ("TessBaseAPIInit3", _int, [_vp, ctypes.c_char_p, ctypes.c_char_p]),
            ("TessBaseAPISetVariable", _int, [_vp, ctypes.c_char_p, ctypes.c_char_p]),
            ("TessBaseAPIGetBoolVariable", _int, [_vp, ctypes.c_char_p, ctypes.POINTER(_int)]),
            ("TessBaseAPISetPageSegMode", None, [_vp, _int]),
            ("TessBaseAPISetImage", None, [_vp, _vp, _int, _int, _int, _int]),
            ("TessBaseAPISetSourceResolution", None, [_vp, _int]),
            ("TessBaseAPIRecognize", _int, [_vp, _vp]),
            ("TessBaseAPIGetTsvText", ctypes.POINTER(ctypes.c_char), [_vp, _int]),
            ("TessDeleteText", None, [ctypes.POINTER(ctypes.c_char)]),
            ("TessBaseAPIClear", None, [_vp]),
            ("TessBaseAPIDetectOrientationScript", _int,
             [_vp, ctypes.POINTER(_int), ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_char_p),
              ctypes.POINTER(ctypes.c_float)]),
            ("TessBaseAPIGetIterator", _vp, [_vp]),
            ("TessResultIteratorDelete", None, [_vp]),
            ("TessResultIteratorGetPageIterator", _vp, [_vp]),
            ("TessPageIteratorBegin", None, [_vp]),
            ("TessPageIteratorNext", _int, [_vp, _int]),
            ("TessPageIteratorBoundingBox", _int, [_vp, _int] + [ctypes.POINTER(_int)] * 4),
            ("TessPageIteratorOrientation", None, [_vp] + [ctypes.POINTER(_int)] * 3 + [ctypes.POINTER(ctypes.c_float)]),
            ("TessMonitorCreate", _vp, []),
            ("TessMonitorDelete", None, [_vp]),
            ("TessMonitorSetDeadlineMSecs", None, [_vp, _int]),
        ):
            function = getattr(lib, name)
            function.restype = restype
            function.argtypes = argtypes
    except AttributeError:  # an older library without part of this API
        return None
    _silence_leptonica()
    return lib


def _silence_leptonica() -> None:
    """Leptonica (Tesseract's image library) prints its warnings to stderr; a worker's stderr is
    the user's terminal. Severity 6 is L_SEVERITY_NONE."""
    name = ctypes.util.find_library("lept") or ctypes.util.find_library("leptonica")
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(name or "liblept.so.5").setMsgSeverity(6)


def available() -> bool:
    return _library() is not None


def version() -> str:
    """'5.3.0'."""
    lib = _library()
    if lib is None:
        raise TesseractError("libtesseract cannot be loaded")
    return lib.TessVersion().decode("ascii", "replace").split()[0]


class Engine:
    """One Tesseract engine for one set of languages (or 'osd'); one thread at a time."""

    def __init__(self, languages: str, psm: int = 3) -> None:
        lib = _library()
        if lib is None:
            raise TesseractError("libtesseract cannot be loaded")
        self._lib = lib
        self.languages = languages
        self._handle = lib.TessBaseAPICreate()
        lib.TessBaseAPISetVariable(self._handle, b"debug_file", os.devnull.encode())
        if lib.TessBaseAPIInit3(self._handle, None, languages.encode("utf-8")) != 0:
            self.close()
            raise TesseractError(f"cannot load the Tesseract language data {languages!r} "
                                 "(is tesseract-ocr-vie, or the language named, installed?)")
        lib.TessBaseAPISetPageSegMode(self._handle, psm)
        for name, value in SETTINGS.items():
            lib.TessBaseAPISetVariable(self._handle, name.encode(), value.encode())

    def setting(self, name: str) -> bool | None:
        """A boolean parameter's value as the engine holds it (None: no such parameter)."""
        value = _int()
        if not self._lib.TessBaseAPIGetBoolVariable(self._handle, name.encode(), ctypes.byref(value)):
            return None
        return bool(value.value)

    def _set_image(self, pixels: np.ndarray, dpi: int | None) -> np.ndarray:
        data, width, height, bytes_per_pixel, bytes_per_line = image_arguments(pixels)
        self._lib.TessBaseAPISetImage(self._handle, data.ctypes.data, width, height, bytes_per_pixel, bytes_per_line)
        if dpi:
            self._lib.TessBaseAPISetSourceResolution(self._handle, int(dpi))
        return data  # Tesseract copies the pixels; the caller keeps this alive meanwhile anyway

    def recognize(self, pixels: np.ndarray, *, timeout_s: float, dpi: int | None = None,
                  invert: bool = True) -> tuple[dict, bool]:
        """Read a page: (pytesseract's ``image_to_data`` dict, whether Tesseract found most of
        its text turned sideways). Raises Timeout past ``timeout_s`` seconds.

        ``invert``: Tesseract's own default (``tessedit_do_invert``): every line holding a
        character read with little certainty is read a second time as white on black, and the
        better reading kept. That second reading is what finds white letters on a dark band,
        and costs about 6% of a page's recognition where there is none (the clean-up tells:
        cleanup.dark_blocks)."""
        lib = self._lib
        lib.TessBaseAPISetVariable(self._handle, b"tessedit_do_invert", b"1" if invert else b"0")
        keep = self._set_image(pixels, dpi)
        monitor = lib.TessMonitorCreate()
        try:
            lib.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout_s * 1000)))
            started = time.monotonic()
            status = lib.TessBaseAPIRecognize(self._handle, monitor)
            if status != 0:
                if time.monotonic() - started >= timeout_s * 0.999:
                    raise Timeout(f"OCR timed out after {timeout_s} s")
                raise TesseractError("recognition failed")
            text = lib.TessBaseAPIGetTsvText(self._handle, 0)
            if not text:
                raise TesseractError("no result")
            try:
                tsv = ctypes.string_at(text).decode("utf-8", "replace")
            finally:
                lib.TessDeleteText(text)
            sideways = self._mostly_sideways()
        finally:
            lib.TessMonitorDelete(monitor)
            lib.TessBaseAPIClear(self._handle)
            del keep
        return parse_tsv(tsv), sideways

    def _mostly_sideways(self) -> bool:
        """True when blocks holding most of the text area are turned: a page lying on its side
        is read by Tesseract as vertical text (written top to bottom), correctly, but its word
        boxes are those of the turned page and its skew was measured across the lines."""
        lib = self._lib
        iterator = lib.TessBaseAPIGetIterator(self._handle)
        if not iterator:
            return False
        try:
            page = lib.TessResultIteratorGetPageIterator(iterator)
            lib.TessPageIteratorBegin(page)
            orientation, direction, order = _int(), _int(), _int()
            angle = ctypes.c_float()
            box = [_int() for _ in range(4)]
            upright = turned = 0
            while True:
                lib.TessPageIteratorOrientation(page, ctypes.byref(orientation), ctypes.byref(direction),
                                                ctypes.byref(order), ctypes.byref(angle))
                if lib.TessPageIteratorBoundingBox(page, RIL_BLOCK, *(ctypes.byref(b) for b in box)):
                    area = max(0, box[2].value - box[0].value) * max(0, box[3].value - box[1].value)
                    if orientation.value == ORIENTATION_PAGE_UP and direction.value != WRITING_DIRECTION_TOP_TO_BOTTOM:
                        upright += area
                    else:
                        turned += area
                if not lib.TessPageIteratorNext(page, RIL_BLOCK):
                    break
            return turned > upright
        finally:
            lib.TessResultIteratorDelete(iterator)

    def orientation(self, pixels: np.ndarray, dpi: int | None = None) -> tuple[int, float]:
        """(degrees clockwise that turn the page upright, confidence), as ``tesseract --psm 0``
        reports them ('Rotate', 'Orientation confidence'); (0, 0.0) when it cannot tell."""
        lib = self._lib
        keep = self._set_image(pixels, dpi)
        degrees, confidence, script_confidence = _int(0), ctypes.c_float(0), ctypes.c_float(0)
        script = ctypes.c_char_p()
        try:
            found = lib.TessBaseAPIDetectOrientationScript(self._handle, ctypes.byref(degrees), ctypes.byref(confidence),
                                                           ctypes.byref(script), ctypes.byref(script_confidence))
        finally:
            lib.TessBaseAPIClear(self._handle)
            del keep
        if not found:
            return 0, 0.0
        # DetectOrientationScript gives the page's orientation (anticlockwise); the CLI's
        # 'Rotate' is the turn that undoes it.
        return (360 - degrees.value) % 360, float(confidence.value)

    def close(self) -> None:
        if self._handle:
            self._lib.TessBaseAPIEnd(self._handle)
            self._lib.TessBaseAPIDelete(self._handle)
            self._handle = None


def image_arguments(pixels: np.ndarray) -> tuple[np.ndarray, int, int, int, int]:
    """What TessBaseAPISetImage is given for ``pixels``: (data, width, height, bytes per pixel,
    bytes per line).

    A page of black and white only (0 and 255: what the clean-up makes) goes as 1 bit per pixel,
    packed, 1 for white, as the API takes binary pages. Given 8 bits, Tesseract would threshold
    the page again (Otsu over its tiles) to the very same bits and keep the 8-bit copy for
    cutting out the text lines, which it turns back into the same 0/255 lines: the same reading
    for about 4% fewer instructions of its recognition (callgrind, docs/scaling.md). Grey and
    colour pages go as they are."""
    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    if pixels.ndim == 2:
        height, width = pixels.shape
        if not np.any((pixels - np.uint8(1)) < 254):  # no value from 1 to 254: black and white only
            packed = np.ascontiguousarray(np.packbits(pixels, axis=1))  # nonzero (white) → 1
            return packed, width, height, 0, packed.shape[1]
        return pixels, width, height, 1, width
    if pixels.ndim == 3 and pixels.shape[2] in (3, 4):
        height, width, depth = pixels.shape
        return pixels, width, height, depth, width * depth
    raise TesseractError(f"cannot read an image of shape {pixels.shape}")


def parse_tsv(tsv: str) -> dict:
    """Tesseract's TSV as pytesseract's DICT output gives it: numbers as ints (confidences
    truncated, as pytesseract does), the text as it is."""
    out: dict[str, list] = {key: [] for key in TSV_KEYS}
    numeric = TSV_KEYS[:11]
    for row in tsv.split("\n"):
        cells = row.split("\t")
        if len(cells) < 11 or not cells[0].isdigit():  # a header or an empty line
            continue
        for key, value in zip(numeric, cells):
            out[key].append(int(float(value)))
        out["text"].append(cells[11] if len(cells) > 11 else "")
    return out


@dataclass
class _Pool:
    """Engines kept for the life of the process, lent to one thread at a time."""

    idle: dict
    lock: threading.Lock

    @contextlib.contextmanager
    def engine(self, languages: str, psm: int) -> Iterator[Engine]:
        key = (languages, psm)
        with self.lock:
            engines = self.idle.setdefault(key, [])
            engine = engines.pop() if engines else None
        if engine is None:
            engine = Engine(languages, psm)  # raises when the language data is missing: not pooled
        try:
            yield engine
        finally:
            with self.lock:
                self.idle[key].append(engine)


_POOL = _Pool({}, threading.Lock())


def recognize(pixels: np.ndarray, languages: str, *, timeout_s: float, dpi: int | None = None,
              invert: bool = True) -> tuple[dict, bool]:
    """Read a page with an engine of the pool (see Engine.recognize)."""
    with _POOL.engine(languages, 3) as engine:
        return engine.recognize(pixels, timeout_s=timeout_s, dpi=dpi, invert=invert)


def detect_orientation(pixels: np.ndarray, dpi: int | None = None) -> tuple[int, float]:
    """Tesseract's orientation and script detection (OSD) on a page (see Engine.orientation)."""
    with _POOL.engine("osd", 0) as engine:
        return engine.orientation(pixels, dpi)
