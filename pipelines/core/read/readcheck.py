"""Does an OCR reading hold together? Checks that do not trust Tesseract's confidence alone.

Tesseract can read every word of a page right and still garble it: on a page photographed at
an angle it may take a river of word spaces for a column gutter, cut every line in two and
read the left halves, then the right ones, with a mean confidence of 95. Confidence is per
word; these checks look at the page as a whole:

* lines cut in two: pairs of OCR lines side by side on the same baseline, closer than a
  column gutter (less than CUT_GAP of the text's height apart), several of them;
* text far shorter than the ink: fewer characters read than MIN_TEXT_PER_INK of the blobs of
  ink on the cleaned page (a reading that lost lines or a block; print reads 0.85-0.9);
* syllable quality below the usual: well-read pages score above 0.98;
* a confidence far below a clean page's, or confidence and syllable quality both short of
  it (a 150 dpi photo read as it is: 73-75 and 0.94-0.98, 15-40% of its characters wrong;
  clean pages and cleaned photocopies read at 94 and 0.98 or better).

A page with a problem gets ``pages.flags`` (for a reviewer; the ``document_quality`` check
lists it) and its quality score is lowered (FLAGGED_QUALITY_FACTOR). Nothing here imports
Dagster.
"""

from __future__ import annotations

import statistics

import cv2
import numpy as np

from pipelines.core.models import Line
from pipelines.core.read.cleanup import components, letter_sized

__all__ = ["reading_problems", "cut_lines", "ink_blobs", "flagged_quality"]

CUT_GAP = 1.2
"""Two lines on one baseline less than this many text heights apart are one line cut in two:
word spaces, even in justified lines, are under one text height; column gutters are wider."""

MIN_CUT_LINES = 3
MIN_CUT_SHARE = 0.15
"""A page is flagged when at least this many lines, and this share of its lines, are cut."""

MIN_TEXT_PER_INK = 0.5
"""Characters read per blob of ink below this: text is missing (print measured 0.86-0.90)."""

MIN_INK_BLOBS = 200
"""The text-length check needs a page with this much print (a few lines) to say anything."""

USUAL_QUALITY = 0.93
"""Well-read pages score above 0.98 (syllable quality); below this a page is flagged, even
when its confidence is high."""

VERY_LOW_CONFIDENCE = 80.0
"""Below this alone a page is flagged: clean pages and cleaned photocopies read at 94-96, a
150 dpi photo read as it is at 73-75 with 15% of its characters wrong and valid syllables."""

LOW_CONFIDENCE = 85.0
IMPERFECT_QUALITY = 0.97
"""Below both together a page is flagged: either alone happens on pages that read well (a
page of names and numbers, a faint but right reading)."""

FLAGGED_QUALITY_FACTOR = 0.5
"""A flagged page's quality is multiplied by this: a page scoring 0.98 drops below the 0.5 the
batch check and the review queue warn at."""


def reading_problems(lines: list[Line], text: str, quality: float, binary: np.ndarray | None,
                     confidence: float | None = None, blobs: int | None = None) -> list[str]:
    """What is wrong with a page's reading, in words for a reviewer; empty when nothing is.
    ``blobs``: :func:`ink_blobs` of ``binary`` when the clean-up already counted them."""
    problems = []
    cuts, cut_x, boxed = cut_lines(lines)
    if cuts >= MIN_CUT_LINES and cuts >= MIN_CUT_SHARE * boxed:
        problems.append(f"reading order: {cuts} of {boxed} lines cut in two near x={cut_x}")
    if binary is not None or blobs is not None:
        blobs = ink_blobs(binary) if blobs is None else blobs
        chars = len("".join(text.split()))
        if blobs >= MIN_INK_BLOBS and chars < MIN_TEXT_PER_INK * blobs:
            problems.append(f"text far shorter than the ink ({chars} characters for {blobs} marks)")
    if text.strip() and quality < USUAL_QUALITY:
        problems.append(f"syllable quality {quality:.2f} below the usual {USUAL_QUALITY}")
    elif text.strip() and confidence is not None and confidence < VERY_LOW_CONFIDENCE:
        problems.append(f"confidence {confidence:.0f} far below a clean page's")
    elif text.strip() and confidence is not None and confidence < LOW_CONFIDENCE and quality < IMPERFECT_QUALITY:
        problems.append(f"confidence {confidence:.0f} and syllable quality {quality:.2f} both below a clean page's")
    return problems


def flagged_quality(quality: float) -> float:
    return round(quality * FLAGGED_QUALITY_FACTOR, 3)


def cut_lines(lines: list[Line]) -> tuple[int, int | None, int]:
    """Lines cut in two: (how many pairs of lines sit side by side on one baseline closer than a
    gutter, the median x of the cuts, how many lines have a box)."""
    boxed = [ln for ln in lines if ln.text.strip() and ln.left is not None and ln.width and ln.height]
    if len(boxed) < 2:
        return 0, None, len(boxed)
    height = statistics.median(ln.height for ln in boxed)
    ordered = sorted(boxed, key=lambda ln: ln.left)
    cuts = []
    for i, left in enumerate(ordered):
        right_edge = left.left + left.width
        best = None
        for right in ordered[i + 1:]:
            gap = right.left - right_edge
            if gap < -0.2 * height:
                continue  # overlapping across: not side by side
            if gap > CUT_GAP * height:
                break  # sorted by left edge: every later line is further away
            overlap = min(left.top + left.height, right.top + right.height) - max(left.top, right.top)
            if overlap >= 0.5 * min(left.height, right.height):
                best = right_edge + max(gap, 0) / 2
                break
        if best is not None:
            cuts.append(best)
    return len(cuts), (round(statistics.median(cuts)) if cuts else None), len(boxed)


def ink_blobs(binary: np.ndarray) -> int:
    """Blobs of ink of about a letter's size on a cleaned (black on white) page: letters, tone
    marks and dots; rules, frames and pictures' large shapes are left out."""
    ink = cv2.compare(binary, 128, cv2.CMP_LT)
    _labels, stats = components(ink)
    if len(stats) <= 1:
        return 0
    return letter_sized(stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH])
