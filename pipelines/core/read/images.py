"""Page images (TIFF, PNG, JPEG, …): a multi-page TIFF is one document, one page per frame."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError


class ImageReadError(RuntimeError):
    pass


def count_frames(path: Path) -> int:
    with _open(path) as image:
        return getattr(image, "n_frames", 1)


def iter_frames(path: Path) -> Iterator[Image.Image]:
    """Each frame as its own image, loaded one at a time (a 300-page TIFF is not held at once)."""
    with _open(path) as image:
        for frame in ImageSequence.Iterator(image):
            try:
                page = frame.copy()
            except (OSError, ValueError) as exc:
                raise ImageReadError(f"damaged image data: {exc}") from exc
            dpi = frame.info.get("dpi")
            if dpi:
                page.info["dpi"] = dpi
            yield page


def _open(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageReadError(f"image too large to read safely: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise ImageReadError("not a readable image: unknown or damaged image data") from exc
    except OSError as exc:
        raise ImageReadError(f"cannot read image: {exc}") from exc
