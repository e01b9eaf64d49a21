"""Word boxes of the cleaned image map back onto the original scan: the clean-up's own functions
turn, upsample and straighten a page holding one ink mark, and the mark found in the result
maps back to where it was."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.core.publish.geometry import CleanupStepsError, Steps, ToSource, parse_steps
from pipelines.core.read import cleanup


def page_with_mark(x: int, y: int, size=(1240, 1754)) -> np.ndarray:
    gray = np.full((size[1], size[0]), 255, np.uint8)
    gray[y - 4:y + 5, x - 4:x + 5] = 0
    return gray


def mark_of(gray: np.ndarray) -> tuple[float, float]:
    ys, xs = np.nonzero(gray < 128)
    return float(xs.mean()) + 0.5, float(ys.mean()) + 0.5  # pixel centres, in edge coordinates


@pytest.mark.parametrize("turn", [0, 90, 180, 270])
@pytest.mark.parametrize("upsample", [None, (200, 300)])
@pytest.mark.parametrize("skew", [0.0, 2.5, -4.0])
def test_a_mark_maps_back_to_its_place(turn, upsample, skew):
    x, y = 301, 1402
    gray = page_with_mark(x, y)
    cleaned = cleanup.turn(gray, turn) if turn else gray
    if upsample:
        cleaned = cleanup.upsample(cleaned, *upsample)
    if skew:
        cleaned = cleanup.deskew(cleaned, skew)
    recorded = [f"orientation:{turn}"] if turn else []
    recorded += [f"upsample:{upsample[0]}->{upsample[1]}"] if upsample else []
    recorded += [f"deskew:{skew:.2f}"] if skew else []
    steps = parse_steps(", ".join(recorded + ["binarize", "denoise"]))
    to_source = ToSource(steps, (gray.shape[1], gray.shape[0]))
    assert to_source.cleaned_size == (cleaned.shape[1], cleaned.shape[0])
    mapped = to_source(*mark_of(cleaned))
    assert mapped == pytest.approx((x + 0.5, y + 0.5), abs=2.0)


def test_notes_are_not_steps_and_unknown_turns_are_refused():
    assert parse_steps("orientation:90 tried, not kept, deskew:-1.20, binarize") == Steps(0, None, -1.2)
    assert parse_steps("clean-up failed (ValueError: x); page read as scanned") == Steps()
    assert parse_steps(None) == Steps()
    with pytest.raises(CleanupStepsError, match="multiples of 90"):
        parse_steps("orientation:45")

