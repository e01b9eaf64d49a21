"""Page images for the document view: rendered on demand from the source file, cached on disk.

A page is drawn the way OCR saw it, minus the ink clean-up: the PDF page rendered at the
resolution OCR read it (``pages.dpi``), or the TIFF frame or image, then turned, upsampled and
straightened by the steps ``pages.cleanup`` records (``orientation:180, upsample:200->300,
deskew:-2.00, …``) with the same functions, so that the boxes of ``ocr_words`` (pixels of that
image) fall on their words. It is then scaled to ``DISPLAY_WIDTH`` and written once, as PNG,
under the warehouse's local folder (``review/pages/``), keyed by the document, the page, the
steps and the renderer's version: the next view of the page reads the file. Text-layer pages
are rendered straight at the display width.

The raw file is only read. It is found at the paths ``files`` records for the document and
used only if its size and SHA-256 are the document's (checked once per path, size and
modification time): a file changed or moved since ingestion gives no image, and says so.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from pipelines.core.read import cleanup, pdf, photo
from pipelines.core.read.files import sha256_file
from pipelines.core.read.images import iter_frames

RENDERER = "1"
DISPLAY_WIDTH = 1100
TEXT_PAGE_DPI = 110

_ORIENTATION = re.compile(r"(?<![-\w])orientation:(\d+)")  # not exif-orientation: the decoder applies that
_PERSPECTIVE = re.compile(r"perspective:((?:-?\d+,-?\d+;){3}-?\d+,-?\d+)->(\d+)x(\d+)")
_UPSAMPLE = re.compile(r"upsample:(\d+)->(\d+)")
_DESKEW = re.compile(r"deskew:(-?\d+(?:\.\d+)?)")


class NoImage(RuntimeError):
    """The page cannot be drawn; the message says why, for the reviewer."""


@dataclass(frozen=True)
class PageImage:
    path: Path
    width: int  # the image's pixels
    height: int
    ocr_width: int  # the image OCR read (its pixels are ocr_words' coordinates); 0 when none
    ocr_height: int
    key: str  # changes whenever the image would


@dataclass(frozen=True)
class PageSource:
    document_id: str
    media_type: str
    byte_size: int | None
    paths: tuple[str, ...]
    page_number: int
    method: str
    dpi: int | None
    cleanup: str | None


class PageImages:
    def __init__(self, cache_dir: Path):
        self.cache_dir = Path(cache_dir)
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._verified: dict[tuple[str, int, int], str] = {}
        self._known: dict[str, PageImage] = {}

    def key(self, page: PageSource) -> str:
        text = "|".join(str(v) for v in (RENDERER, DISPLAY_WIDTH, page.document_id, page.page_number, page.method,
                                          page.dpi, page.cleanup))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]

    def _files(self, key: str, document_id: str) -> tuple[Path, Path]:
        folder = self.cache_dir / document_id[:2]
        return folder / f"{document_id}-{key}.png", folder / f"{document_id}-{key}.json"

    def cached(self, page: PageSource) -> PageImage | None:
        key = self.key(page)
        if key in self._known:
            return self._known[key]
        image_path, meta_path = self._files(key, page.document_id)
        if image_path.exists() and meta_path.exists():
            with contextlib.suppress(OSError, ValueError, KeyError):
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                found = PageImage(image_path, meta["width"], meta["height"], meta["ocr_width"], meta["ocr_height"], key)
                self._known[key] = found
                return found
        return None

    def get(self, page: PageSource) -> PageImage:
        """The page's image, rendered now if it never was (once, even with requests racing)."""
        found = self.cached(page)
        if found:
            return found
        key = self.key(page)
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            found = self.cached(page)
            if found:
                return found
            image, ocr_size = self._render(page)
            scale = DISPLAY_WIDTH / image.width if image.width > DISPLAY_WIDTH else 1.0
            if scale < 1.0:
                image = image.resize((DISPLAY_WIDTH, max(1, round(image.height * scale))), Image.Resampling.LANCZOS)
            image_path, meta_path = self._files(key, page.document_id)
            image_path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(image_path, lambda handle: image.save(handle, format="PNG", compress_level=6))
            meta = {"width": image.width, "height": image.height, "ocr_width": ocr_size[0], "ocr_height": ocr_size[1]}
            _atomic_write(meta_path, lambda handle: handle.write(json.dumps(meta).encode("utf-8")))
            found = PageImage(image_path, image.width, image.height, ocr_size[0], ocr_size[1], key)
            self._known[key] = found
            return found

    # --- drawing ---------------------------------------------------------------------------

    def _render(self, page: PageSource) -> tuple[Image.Image, tuple[int, int]]:
        path = self._source(page)
        ocr = page.method == "ocr" and page.dpi
        if page.media_type == "application/pdf":
            document = pdf.open_pdfium(path)
            try:
                if page.page_number > len(document):
                    raise NoImage(f"the PDF has no page {page.page_number}")
                if ocr:
                    image = pdf.render_page(document, page.page_number, page.dpi)
                else:
                    width_pt = document[page.page_number - 1].get_width()
                    dpi = max(36, min(300, round(DISPLAY_WIDTH / (width_pt / 72)))) if width_pt else TEXT_PAGE_DPI
                    image = pdf.render_page(document, page.page_number, dpi)
            finally:
                document.close()
        elif page.media_type.startswith("image/"):
            image = None
            for number, frame in enumerate(iter_frames(path), start=1):
                if number == page.page_number:
                    image = frame
                    break
                frame.close()
            if image is None:
                raise NoImage(f"the image file has no frame {page.page_number}")
        else:
            raise NoImage(f"{page.media_type} files have no page image")
        if not ocr:
            return image.convert("L"), (0, 0)
        gray = _as_gray(image)
        gray = as_ocr_saw_it(gray, page.cleanup)
        return Image.fromarray(gray), (gray.shape[1], gray.shape[0])

    def _source(self, page: PageSource) -> Path:
        """A path holding the document's bytes now (checked), or NoImage saying why none does."""
        tried = []
        for text in page.paths:
            path = Path(text)
            try:
                stat = path.stat()
            except OSError:
                tried.append(f"{text} (not found)")
                continue
            if page.byte_size is not None and stat.st_size != page.byte_size:
                tried.append(f"{text} (changed since it was read)")
                continue
            signature = (text, stat.st_size, stat.st_mtime_ns)
            digest = self._verified.get(signature) or sha256_file(path)
            if digest != page.document_id:
                tried.append(f"{text} (changed since it was read)")
                continue
            self._verified[signature] = digest
            return path
        raise NoImage("the source file is not where it was read: " + "; ".join(tried or ["no path recorded"]))


def as_ocr_saw_it(gray: np.ndarray, steps: str | None) -> np.ndarray:
    """The geometric steps of clean-up (a photo's perspective, orientation, upsampling, deskew),
    in its order, with its functions: what OCR's word boxes are measured on. Ink steps (binarize, denoise) are left
    out: the reviewer sees the scan. A clean-up that failed changed nothing."""
    if not steps or steps.startswith("clean-up failed"):
        return gray
    warp = _PERSPECTIVE.search(steps)  # a phone photo: the page cut out and straightened first
    if warp:
        corners = np.float32([[float(v) for v in point.split(",")] for point in warp.group(1).split(";")])
        gray = photo.warp(gray, corners, int(warp.group(2)), int(warp.group(3)))
    turned = _ORIENTATION.search(steps)
    if turned and int(turned.group(1)) % 360:
        gray = np.ascontiguousarray(np.rot90(gray, k=-(int(turned.group(1)) // 90)))
    up = _UPSAMPLE.search(steps)
    if up:
        gray = cleanup.upsample(gray, int(up.group(1)), int(up.group(2)))
    skew = _DESKEW.search(steps)
    if skew:
        gray = cleanup.deskew(gray, float(skew.group(1)))
    return gray


def _as_gray(image: Image.Image) -> np.ndarray:
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return np.array(image.convert("L"))


def _atomic_write(path: Path, write) -> None:
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False)
    try:
        with handle:
            write(handle)
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise
