"""From the cleaned page image OCR read back to the page as scanned.

``ocr_words`` boxes are pixels of the image Tesseract read: the scan turned upright, upsampled
and straightened by clean-up (``pages.cleanup``: ``orientation:90, upsample:200->300,
deskew:-2.00, binarize, denoise``). The steps are replayed here as geometry only — the sizes
each step produced and its affine map, computed with the same formulas as
``pipelines.core.read.cleanup`` (turn, upsample, deskew with its grown canvas) — and inverted,
so a point of the cleaned image lands on the same ink of the original image. Binarization and
speck removal move nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

_STEP = re.compile(r"^(orientation|upsample|deskew):(\S+)$")


class CleanupStepsError(ValueError):
    """The recorded clean-up cannot be replayed (a step this module does not know)."""


@dataclass(frozen=True)
class Steps:
    """The geometric steps of a page's clean-up, in the order clean-up takes them."""

    orientation: int = 0  # degrees clockwise the page was turned
    upsample: tuple[int, int] | None = None  # (from dpi, to dpi)
    deskew: float = 0.0  # degrees counter-clockwise removed


def parse_steps(text: str | None) -> Steps:
    """The steps of a ``pages.cleanup`` value. Notes such as ``orientation:90 tried, not kept``
    and ``binarize``/``denoise`` are not geometry; a clean-up that failed read the page as it was."""
    if not text or text.startswith("clean-up failed") or text == "none needed":
        return Steps()
    orientation, up, skew = 0, None, 0.0
    for token in (t.strip() for t in text.split(",")):
        match = _STEP.match(token)
        if not match:
            continue
        name, value = match.groups()
        try:
            if name == "orientation":
                orientation = int(value) % 360
                if orientation % 90:
                    raise CleanupStepsError(f"cannot replay clean-up step {token!r}: turns are multiples of 90°")
            elif name == "upsample":
                a, b = value.split("->")
                up = (int(a), int(b))
            else:
                skew = float(value)
        except ValueError as exc:
            raise CleanupStepsError(f"cannot replay clean-up step {token!r}: {exc}") from exc
    return Steps(orientation, up, skew)


class ToSource:
    """Maps points of the cleaned image (pixels, x right, y down) to the original image.

    ``size`` is the original image's (width, height) in pixels: the scan's frame, or the PDF page
    as rendered for OCR.
    """

    def __init__(self, steps: Steps, size: tuple[int, int]):
        self.steps = steps
        self.source_size = size
        width, height = size
        self._turn = steps.orientation
        if self._turn in (90, 270):
            width, height = height, width
        self.turned_size = (width, height)
        self._scale = (1.0, 1.0)
        if steps.upsample and steps.upsample[0] < steps.upsample[1]:
            factor = steps.upsample[1] / steps.upsample[0]
            new = (round(width * factor), round(height * factor))  # as cleanup.upsample
            self._scale = (new[0] / width, new[1] / height)
            width, height = new
        self._inverse = None
        if steps.deskew:
            # as cleanup.deskew: cv2.getRotationMatrix2D((w/2, h/2), -angle, 1) on a grown canvas
            theta = math.radians(-steps.deskew)
            alpha, beta = math.cos(theta), math.sin(theta)
            cx, cy = width / 2, height / 2
            matrix = np.array([[alpha, beta, (1 - alpha) * cx - beta * cy],
                               [-beta, alpha, beta * cx + (1 - alpha) * cy]])
            cos, sin = abs(alpha), abs(beta)
            new_width = int(math.ceil(width * cos + height * sin))
            new_height = int(math.ceil(width * sin + height * cos))
            matrix[0, 2] += (new_width - width) / 2
            matrix[1, 2] += (new_height - height) / 2
            linear = matrix[:, :2]
            inverse = np.linalg.inv(linear)
            self._inverse = (inverse, -inverse @ matrix[:, 2])
            width, height = new_width, new_height
        self.cleaned_size = (width, height)

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        if self._inverse is not None:
            linear, offset = self._inverse
            x, y = linear[0, 0] * x + linear[0, 1] * y + offset[0], linear[1, 0] * x + linear[1, 1] * y + offset[1]
        x, y = x / self._scale[0], y / self._scale[1]
        width, height = self.source_size
        if self._turn == 90:  # turned clockwise: (x, y) of the source went to (height - y, x)
            return y, height - x
        if self._turn == 180:
            return width - x, height - y
        if self._turn == 270:  # turned anticlockwise: (x, y) went to (y, width - x)
            return width - y, x
        return x, y
