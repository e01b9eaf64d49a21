"""White letters on a dark band: how the clean-up thresholds the band and the print around it,
and what its labels tell the reader.

Tesseract finds white-on-black letters only by reading a doubtful line a second time inverted
(its ``tessedit_do_invert``), which costs about 6% of a page's recognition. The clean-up
counts the solid dark areas such letters could stand in (``cleanup.dark_blocks``), and the
page reader asks for that second reading only on pages that have one. The pages here are
drawn by the test: a plain bulletin page, and the same page with its masthead printed white
on a black band, as many association bulletins print theirs.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from pipelines.config import ReadOptions
from pipelines.core.read import cleanup, pages
from pipelines.core.read.cleanup import binarize, clean, components, dark_blocks, shrink
from pipelines.samples import Block, find_font, render_page_image
from tests.conftest import needs_tesseract

BODY = (
    "Chi hội thư viện các trường đại học phía Nam họp mặt cuối năm tại thư viện tỉnh, bàn kế "
    "hoạch số hóa tài liệu cũ và trao đổi kinh nghiệm phục vụ bạn đọc ở vùng sâu vùng xa."
)
MASTHEAD = "BẢN TIN THƯ VIỆN"


def _page(*, band: bool) -> Image.Image:
    """A 300 dpi grey page of two paragraphs; with ``band``, the masthead white on black."""
    image = render_page_image([Block("Tin hoạt động", "title"), Block(BODY, "body"), Block(BODY, "body")],
                              dpi=300, bilevel=False, blur=0.5, noise=0.0, seed=3)
    if band:
        draw = ImageDraw.Draw(image)
        font = ImageFont.truetype(str(find_font(bold=True)), 70)
        draw.rectangle((150, 40, image.width - 150, 190), fill=0)
        draw.text((260, 70), MASTHEAD, font=font, fill=255)
    return image


def _report(image: Image.Image) -> cleanup.CleanupReport:
    return clean(cleanup.to_gray(image), 300)[1]


def test_a_dark_band_is_a_dark_block():
    assert _report(_page(band=True)).dark_blocks == 1
    assert "dark-blocks:1" in _report(_page(band=True)).steps


def test_letters_rules_frames_and_bold_headings_are_not():
    gray = cleanup.to_gray(_page(band=False))
    gray[300:308, 100:-100] = 0  # a rule across the page
    cv2.rectangle(gray, (120, 2000), (gray.shape[1] - 120, 2600), 0, 6)  # a frame around a box
    report = clean(gray, 300)[1]
    assert report.dark_blocks == 0 and not any(step.startswith("dark-blocks") for step in report.steps)


def test_a_dark_band_leaves_the_threshold_of_the_print_alone():
    """A single Otsu threshold over the page with the band fell from 192 to 137: every stroke
    elsewhere thinner, most tone marks of the body lost. The band gets its own threshold, and
    the print away from it comes out as it does on the page without the band."""
    plain = binarize(cleanup.to_gray(_page(band=False)))
    banded = binarize(cleanup.to_gray(_page(band=True)))
    assert np.array_equal(plain[400:], banded[400:])
    band = banded[60:170, 200:-200]
    assert 0.6 < np.count_nonzero(band == 0) / band.size < 0.95  # black, with white letters in it


def test_a_page_without_dark_areas_has_one_threshold():
    gray = cleanup.to_gray(_page(band=False))
    flat = cv2.GaussianBlur(cleanup._flatten_background(gray), (0, 0), cleanup.BLUR_SIGMA)
    _, single = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert np.array_equal(binarize(gray), single)


def test_darkness_around_the_page_stays_under_the_pages_threshold():
    """A desk or a copier's black border reaches the edge of the image: it is not a printed
    band, and is thresholded with the page as it always was (a photo the photo test missed
    then still reads as badly as it is, and the reading checks flag it)."""
    gray = cleanup.to_gray(_page(band=False))
    gray[:, :180] = 20  # a black border down the left edge
    flat = cv2.GaussianBlur(cleanup._flatten_background(gray), (0, 0), cleanup.BLUR_SIGMA)
    _, single = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert np.array_equal(binarize(gray), single)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_otsu_under_a_mask_is_opencvs_on_those_pixels(seed, share):
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (60, 80), dtype=np.uint8)
    mask = np.where(rng.random((60, 80)) < share, 255, 0).astype(np.uint8)
    chosen = image[mask > 0] if np.count_nonzero(mask) >= 0.01 * image.size else image.ravel()
    expected, _ = cv2.threshold(chosen.reshape(1, -1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    assert cleanup._otsu(image, mask) == expected


def test_no_labels_no_dark_blocks():
    assert dark_blocks(np.zeros((0, 5), np.int32)) == 0


def test_labels_are_the_same_when_16_bits_do_not_hold_them():
    """Over 65,534 blobs (a speckled photograph) the 16-bit labelling fails and the blobs are
    labelled again in 32 bits: the same statistics as OpenCV's own 32-bit call."""
    ink = np.zeros((1400, 1000), np.uint8)
    ink[::4, ::4] = 255  # 350 × 250 = 87,500 one-pixel blobs
    ink[700:760, 100:900] = 255  # and a band
    labels, stats = components(ink)
    count, labels32, stats32, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    assert labels.dtype == np.int32 and len(stats) == count > 65_535
    assert np.array_equal(stats, stats32) and np.array_equal(labels, labels32)


def test_16_bit_labels_are_the_32_bit_ones():
    rng = np.random.default_rng(7)
    ink = np.where(rng.random((600, 500)) < 0.3, 255, 0).astype(np.uint8)
    labels, stats = components(ink)
    _, labels32, stats32, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    assert labels.dtype == np.uint16 and np.array_equal(stats, stats32) and np.array_equal(labels, labels32)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.integers(1, 60), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_shrink_averages_whole_squares(height, width, factor, seed):
    gray = np.random.default_rng(seed).integers(0, 256, (height, width), dtype=np.uint8)
    small = shrink(gray, factor)
    if factor == 1:
        assert small is gray
        return
    rows, columns = max(1, height // factor), max(1, width // factor)
    assert small.shape == (rows, columns)
    if height >= factor and width >= factor:  # every output pixel is the mean of one whole square
        squares = gray[: rows * factor, : columns * factor].reshape(rows, factor, columns, factor)
        assert np.abs(small.astype(int) - squares.mean(axis=(1, 3))).max() <= 1


# ------------------------------------------------------------------------------- reading


@pytest.fixture
def invert_calls(monkeypatch) -> list[bool]:
    calls: list[bool] = []
    real = pages.ocr_image

    def spy(image, *, languages, timeout_s, invert=True):
        calls.append(invert)
        return real(image, languages=languages, timeout_s=timeout_s, invert=invert)

    monkeypatch.setattr(pages, "ocr_image", spy)
    return calls


def _read(tmp_path, image: Image.Image, **options) -> pages.Page:
    path = tmp_path / "page.png"
    image.save(path, dpi=(300, 300))
    return pages.read_pages(path, "image/png", ReadOptions(**options))[0]


@needs_tesseract
def test_a_page_without_dark_blocks_is_read_once_per_line(tmp_path, invert_calls):
    page = _read(tmp_path, _page(band=False))
    assert invert_calls == [False]
    assert "số hóa tài liệu" in page.text


@needs_tesseract
def test_white_letters_on_a_band_are_read(tmp_path, invert_calls):
    page = _read(tmp_path, _page(band=True))
    assert invert_calls == [True]
    assert MASTHEAD in page.text and "số hóa tài liệu" in page.text


@needs_tesseract
def test_without_the_second_reading_the_band_is_lost(tmp_path):
    """What the count guards against: the same cleaned page, read without inverted lines."""
    from pipelines.core.read.ocr import ocr_image

    binary = clean(cleanup.to_gray(_page(band=True)), 300)[0]
    assert MASTHEAD not in ocr_image(binary, invert=False).text
    assert MASTHEAD in ocr_image(binary, invert=True).text


@needs_tesseract
def test_a_page_read_without_clean_up_keeps_tesseracts_default(tmp_path, invert_calls):
    _read(tmp_path, _page(band=False), cleanup=False)
    assert invert_calls == [True]
