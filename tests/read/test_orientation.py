"""Orientation only where it is needed: an upright page is read without orientation detection;
a page on its side or upside down is still turned and read.

One page of the seed article, drawn as a slightly tilted 300 dpi scan, read through the page
path every scanned page takes (decode, ink test, clean-up, OCR, orientation when needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import ReadOptions
from pipelines.core.read import cleanup, pages
from pipelines.core.text.metrics import cer, lost_blocks
from pipelines.samples import render_page_image, seed_blocks
from tests.conftest import needs_tesseract

SEED = Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt"


@pytest.fixture(scope="module")
def blocks():
    return seed_blocks(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scan(blocks):
    return render_page_image(blocks, skew_deg=0.8, blur=0.6, noise=0.01, seed=3)


@pytest.fixture
def osd_calls(monkeypatch) -> list[int]:
    """Each orientation detection the page path makes, with what it found."""
    calls, detect = [], cleanup.detect_orientation

    def counted(image):
        calls.append(detect(image))
        return calls[-1]

    monkeypatch.setattr(cleanup, "detect_orientation", counted)
    return calls


def _read(image):
    copy = image.copy()
    copy.info["dpi"] = image.info.get("dpi", (300, 300))
    return pages._ocr_page(1, copy, ReadOptions(ocr_threads=1), "page image", None)


@needs_tesseract
def test_an_upright_page_is_read_without_orientation_detection(scan, blocks, osd_calls):
    page = _read(scan)
    reference = "\n\n".join(block.text for block in blocks)
    assert osd_calls == []
    assert page.method == "ocr" and "orientation" not in page.cleanup
    assert cer(reference, page.text) < 0.02
    assert page.quality > 0.95


@needs_tesseract
@pytest.mark.parametrize("turned_anticlockwise", [90, 180, 270])
def test_a_turned_page_is_turned_back_and_read(scan, blocks, osd_calls, turned_anticlockwise):
    page = _read(scan.rotate(turned_anticlockwise, expand=True))
    reference = "\n\n".join(block.text for block in blocks)
    assert len(osd_calls) == 1
    assert page.cleanup.startswith(f"orientation:{turned_anticlockwise}")
    assert cer(reference, page.text) < 0.02
    assert lost_blocks([block.text for block in blocks], page.text) == []
    # the words' boxes are those of the upright page: taller than wide
    assert max(word.top + word.height for word in page.words) > max(word.left + word.width for word in page.words)
