"""Page images (TIFF, PNG, JPEG, …): a multi-page TIFF is one document, one page per frame."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

EXIF_ORIENTATION = 0x0112


class ImageReadError(RuntimeError):
    pass


def count_frames(path: Path) -> int:
    with _open(path) as image:
        return getattr(image, "n_frames", 1)


def iter_frames(path: Path) -> Iterator[Image.Image]:
    """Each frame as its own image, loaded one at a time (a 300-page TIFF is not held at once),
    turned upright as its EXIF orientation says (a phone stores a portrait photo sideways and
    tags it): the value applied is kept in ``info['exif_orientation']`` for the page's record."""
    with _open(path) as image:
        for frame in ImageSequence.Iterator(image):
            try:
                page = frame.copy()
            except (OSError, ValueError) as exc:
                raise ImageReadError(f"damaged image data: {exc}") from exc
            dpi = frame.info.get("dpi")
            if dpi:
                page.info["dpi"] = dpi
            yield upright(page)


def upright(page: Image.Image) -> Image.Image:
    """The frame turned or mirrored as its EXIF orientation (2-8) says; unchanged without one."""
    try:
        orientation = int(page.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:  # damaged EXIF: the pixels as stored
        return page
    if orientation not in range(2, 9):
        return page
    try:
        turned = ImageOps.exif_transpose(page)
    except Exception:
        return page
    for key in ("dpi", "exif"):
        if key in page.info and key not in turned.info:
            turned.info[key] = page.info[key]
    if orientation in (5, 6, 7, 8) and "dpi" in turned.info:
        turned.info["dpi"] = tuple(reversed(turned.info["dpi"]))
    turned.info["exif_orientation"] = orientation
    page.close()
    return turned


def _register_heif() -> None:
    """HEIC/HEIF (phone photos) through pillow-heif, registered once; without it such files
    are refused as unreadable images, like any format Pillow cannot open."""
    global _HEIF
    if _HEIF is None:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _HEIF = True
        except ImportError:
            _HEIF = False


_HEIF: bool | None = None


def _open(path: Path) -> Image.Image:
    _register_heif()
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
