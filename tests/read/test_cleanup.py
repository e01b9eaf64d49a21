"""Image clean-up before OCR (pipelines.core.read.cleanup) and the OCR quality metrics.

The pages are drawn from the seed article with pipelines.samples and degraded like the worst
of the archive: bi-level 200 dpi photocopies, tilted, with salt-and-pepper specks on the paper
and white pits in the strokes. Every page is rendered once per module and OCR runs on five
pages in all, so the file stays well under a minute on two cores.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from pipelines.core.read.cleanup import (
    binarize,
    denoise,
    deskew,
    detect_orientation,
    estimate_skew,
    prepare_for_ocr,
    upsample,
)
from pipelines.core.text.metrics import cer, lost_blocks, wer
from pipelines.samples import degrade, render_page_image, seed_blocks
from tests.conftest import needs_tesseract

SEED = Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt"

PHOTOCOPY = {"dpi": 200, "bilevel": True, "blur": 0.6, "noise": 0.06}
"""Photocopy grade: 200 dpi bi-level, softened edges, 6% of pixels flipped black or white."""


def _has_osd() -> bool:
    if shutil.which("tesseract") is None:
        return False
    import pytesseract

    return "osd" in pytesseract.get_languages(config="")


needs_osd = pytest.mark.skipif(not _has_osd(), reason="Tesseract's osd.traineddata is not installed")


@pytest.fixture(scope="module")
def blocks():
    return seed_blocks(SEED.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def paragraphs(blocks) -> list[str]:
    return [block.text for block in blocks]


@pytest.fixture(scope="module")
def reference(paragraphs) -> str:
    return "\n\n".join(paragraphs)


@pytest.fixture(scope="module")
def photocopy(blocks) -> Image.Image:
    """The target page: the seed article as a bad photocopy, tilted 3° clockwise."""
    return render_page_image(blocks, skew_deg=-3, seed=2, **PHOTOCOPY)


@pytest.fixture(scope="module")
def grey_200(blocks) -> Image.Image:
    """The seed article drawn in grey at 200 dpi, not yet degraded (degrade() tilts it)."""
    return render_page_image(blocks, dpi=200, bilevel=False)


@pytest.fixture(scope="module")
def clean_300(blocks) -> np.ndarray:
    """A clean bi-level 300 dpi page as a 0/255 array."""
    return np.array(render_page_image(blocks, dpi=300, bilevel=True).convert("L"))


def _ocr_text(image: Image.Image) -> str:
    from pipelines.core.read.ocr import ocr_image

    return ocr_image(image, languages="vie", timeout_s=120).text


# ------------------------------------------------------------------------------------ skew


@pytest.mark.parametrize("angle", [-7.5, -2.0, -0.6, 1.3, 4.0, 9.0])
def test_estimate_skew_recovers_the_angle_of_a_speckled_page(grey_200, angle):
    page = degrade(grey_200, skew_deg=angle, noise=PHOTOCOPY["noise"], blur=PHOTOCOPY["blur"], seed=7)
    assert estimate_skew(np.array(page.convert("L"))) == pytest.approx(angle, abs=0.3)


def test_estimate_skew_of_a_blank_page_is_zero():
    assert estimate_skew(np.full((400, 300), 255, np.uint8)) == 0.0


def test_deskew_levels_the_page_and_keeps_every_corner(grey_200):
    tilted = np.array(degrade(grey_200, skew_deg=5, bilevel=False))
    level = deskew(tilted, 5)
    assert level.shape[0] > tilted.shape[0] and level.shape[1] > tilted.shape[1]  # canvas grew
    assert abs(estimate_skew(level)) <= 0.3
    ink_before, ink_after = (tilted < 128).sum(), (level < 128).sum()
    assert ink_after == pytest.approx(ink_before, rel=0.03)
    corners = [level[0, 0], level[0, -1], level[-1, 0], level[-1, -1]]
    assert all(value == 255 for value in corners)  # white fill, no black wedges


# ------------------------------------------------------------------------ upsample, binarize


def test_upsample_scales_to_the_target_resolution_and_leaves_fine_scans_alone():
    gray = np.full((200, 100), 255, np.uint8)
    assert upsample(gray, 200, 300).shape == (300, 150)
    assert upsample(gray, 300, 300) is gray
    assert upsample(gray, 600, 300) is gray


def test_binarize_gives_black_and_white_only(grey_200):
    binary = binarize(np.array(grey_200))
    assert set(np.unique(binary)) == {0, 255}


def test_binarize_copes_with_a_shaded_copy(clean_300):
    """A copy darkening towards one edge: one global threshold alone would blacken that side."""
    height, width = clean_300.shape
    shade = np.linspace(0.3, 1.0, width, dtype=np.float32)[None, :] * np.linspace(0.8, 1.0, height, dtype=np.float32)[:, None]
    shaded = (clean_300.astype(np.float32) * shade).astype(np.uint8)
    assert (binarize(shaded) == binarize(clean_300)).mean() > 0.995


def test_binarize_leaves_a_speckled_blank_copy_blank():
    """Otsu alone would split the speckle of a page without print into a field of blobs."""
    speckled = degrade(Image.new("L", (800, 1100), 255), noise=PHOTOCOPY["noise"], blur=PHOTOCOPY["blur"], seed=5)
    blank = np.array(speckled.convert("L"))
    assert (denoise(binarize(upsample(blank, 200, 300))) == 0).mean() < 0.005


# ------------------------------------------------------------------------------------ specks


def _ink_components(binary: np.ndarray) -> int:
    return cv2.connectedComponents((binary < 128).astype(np.uint8), connectivity=8)[0] - 1


@pytest.mark.parametrize("dpi,body_size", [(200, 11), (300, 11), (300, 8)])
def test_denoise_keeps_every_mark_of_clean_print(blocks, dpi, body_size):
    """Tone marks and the dots under ạ, ị, ọ are small components; none may go."""
    page = np.array(render_page_image(blocks, dpi=dpi, body_size=body_size, title_size=body_size + 5).convert("L"))
    assert np.array_equal(denoise(page, dpi=dpi), page)


def test_denoise_removes_isolated_specks(clean_300):
    rng = np.random.default_rng(3)
    speckled = clean_300.copy()
    ys, xs = rng.integers(0, clean_300.shape[0] - 1, 20_000), rng.integers(0, clean_300.shape[1] - 1, 20_000)
    speckled[ys, xs] = 0
    speckled[ys[::4] + 1, xs[::4]] = 0  # a quarter of the specks are two pixels
    added = _ink_components(speckled) - _ink_components(clean_300)
    left = _ink_components(denoise(speckled, dpi=300)) - _ink_components(clean_300)
    assert added > 15_000 and left < 0.02 * added


def test_the_clean_up_counts_the_ink_blobs_the_reading_checks_would(clean_300, blocks):
    """The reading checks take the letter-sized blobs from the clean-up's own labels instead of
    labelling the cleaned page again: the same count."""
    from pipelines.core.read import readcheck
    from pipelines.core.read.cleanup import clean

    rng = np.random.default_rng(5)
    speckled = clean_300.copy()
    ys, xs = rng.integers(0, clean_300.shape[0] - 1, 5_000), rng.integers(0, clean_300.shape[1] - 1, 5_000)
    speckled[ys, xs] = 0
    photocopy = np.array(degrade(render_page_image(blocks, dpi=200), skew_deg=2.0, noise=0.05, seed=9).convert("L"))
    ruled = clean_300.copy()
    ruled[400:406, 50:-50] = 0  # a rule across the page: not letter-sized
    for gray, dpi in ((clean_300, 300), (speckled, 300), (photocopy, 200), (ruled, 300), (np.full((300, 200), 255, np.uint8), 300)):
        binary, report, _dpi = clean(gray, dpi)
        assert report.ink_blobs == readcheck.ink_blobs(binary)


@needs_tesseract
def test_denoise_does_not_change_what_tesseract_reads(clean_300, reference):
    """OCR of the clean page, and of the same page speckled then denoised, read alike."""
    rng = np.random.default_rng(4)
    speckled = clean_300.copy()
    speckled[rng.integers(0, clean_300.shape[0], 30_000), rng.integers(0, clean_300.shape[1], 30_000)] = 0
    before = cer(reference, _ocr_text(_page(clean_300, 300)))
    after = cer(reference, _ocr_text(_page(denoise(speckled, dpi=300), 300)))
    print(f"\nclean page CER {before:.2%}; speckled then denoised {after:.2%}")
    assert after <= before + 0.005


def _page(gray: np.ndarray, dpi: int) -> Image.Image:
    image = Image.fromarray(gray)
    image.info["dpi"] = (dpi, dpi)
    return image


# ------------------------------------------------------------------------------ orientation


@needs_osd
@pytest.mark.parametrize("turned_anticlockwise,expected", [(180, 180), (90, 90)])
def test_detect_orientation_finds_the_turn_that_makes_the_page_upright(photocopy, turned_anticlockwise, expected):
    assert detect_orientation(photocopy.rotate(turned_anticlockwise, expand=True)) == expected


@needs_tesseract
def test_detect_orientation_of_a_page_without_text_is_zero():
    assert detect_orientation(Image.new("L", (1654, 2338), 255)) == 0


# ---------------------------------------------------------------------------- whole clean-up


def test_prepare_for_ocr_reports_what_it_did(photocopy):
    page, report = prepare_for_ocr(photocopy, detect_orientation=False)
    assert page.mode == "L" and page.info["dpi"] == (300, 300)
    assert report.upsampled_from_dpi == 200 and report.rotated == 0
    assert report.deskew_deg == pytest.approx(-3, abs=0.3)
    assert report.steps == ["upsample:200->300", f"deskew:{report.deskew_deg:.2f}", "binarize", "denoise"]
    assert page.width >= photocopy.width * 1.5  # upsampled, and grown by the deskew


def test_prepare_for_ocr_trusts_no_placeholder_resolution(grey_200):
    stated_72 = grey_200.copy()
    stated_72.info["dpi"] = (72, 72)  # would make the A4 page 32 inches tall
    page, report = prepare_for_ocr(stated_72, detect_orientation=False)
    assert report.upsampled_from_dpi is None and "dpi" not in page.info
    assert page.size == grey_200.size


@needs_tesseract
def test_photocopy_reads_under_5_percent_cer_after_clean_up(photocopy, reference, paragraphs):
    """THE TARGET: plain Tesseract garbles the photocopy; cleaned, it reads almost all of it."""
    plain = _ocr_text(photocopy)
    cleaned_page, report = prepare_for_ocr(photocopy)
    cleaned = _ocr_text(cleaned_page)
    plain_cer, cleaned_cer = cer(reference, plain), cer(reference, cleaned)
    print(
        f"\nphotocopy page ({report.steps}): CER plain {plain_cer:.2%} (WER {wer(reference, plain):.2%}, "
        f"lost paragraphs {lost_blocks(paragraphs, plain)}) | cleaned {cleaned_cer:.2%} "
        f"(WER {wer(reference, cleaned):.2%}, lost paragraphs {lost_blocks(paragraphs, cleaned)})"
    )
    assert cleaned_cer < 0.05
    assert lost_blocks(paragraphs, cleaned) == []
    assert plain_cer > 0.05, "the test page is no longer hard for plain Tesseract: degrade it more"


@needs_osd
def test_an_upside_down_photocopy_is_turned_and_read(photocopy, reference, paragraphs):
    page, report = prepare_for_ocr(photocopy.rotate(180))
    assert report.rotated == 180 and report.steps[0] == "orientation:180"
    text = _ocr_text(page)
    assert cer(reference, text) < 0.05 and lost_blocks(paragraphs, text) == []


# ----------------------------------------------------------------------------------- metrics


def test_cer_counts_character_edits_over_the_reference_length():
    assert cer("Hội Thư viện", "Hội Thư viện") == 0.0
    assert cer("abcdefghij", "abcdefghiX") == pytest.approx(0.1)
    assert cer("abcde", "abcdefghij") == pytest.approx(1.0)  # insertions count too


def test_cer_ignores_layout_whitespace_and_unicode_composition():
    nfd = "Vie\u0302\u0323t Nam"  # 'Việt' with combining marks, as some OCR engines emit it
    assert cer("Việt Nam", nfd) == 0.0
    assert cer("Hội nghị\n\nlần thứ 4", "  Hội   nghị lần\nthứ 4 ") == 0.0


def test_cer_and_wer_of_an_empty_reference():
    assert cer("", "") == 0.0 and wer(" ", "") == 0.0
    assert cer("", "x") == 1.0 and wer("", "x") == 1.0


def test_wer_counts_word_edits():
    assert wer("Hội Thư viện Việt Nam", "Hội Thư viên Việt Nam") == pytest.approx(0.2)
    assert wer("một hai ba bốn", "một ba bốn") == pytest.approx(0.25)


def test_lost_blocks_names_the_paragraphs_that_went_missing():
    paragraphs = ["Hội nghị lần thứ tư", "Báo cáo đánh giá hoạt động năm 2013", "Tin, ảnh: Hồng Vân"]
    read = "Hội nghị lần thứ tư\n\nTin, ảnh: Hồng Vân"
    assert lost_blocks(paragraphs, read) == [1]
    assert lost_blocks(paragraphs, read + " Báo cáo đánh") == [1]  # 2 of 7 words
    assert lost_blocks(paragraphs, read + " Báo cáo đánh giá") == []  # 4 of 7 words
    assert lost_blocks(paragraphs, read + " Báo cáo đánh", threshold=0.25) == []


def test_lost_blocks_counts_repeated_words_once_per_occurrence():
    assert lost_blocks(["hội hội hội hội"], "hội") == [0]
    assert lost_blocks(["", "   "], "") == []


@given(st.text())
def test_a_text_has_no_errors_against_itself(text):
    assert cer(text, text) == 0.0 and wer(text, text) == 0.0


@given(st.lists(st.text(), max_size=6))
def test_no_paragraph_is_lost_from_the_whole_text(paragraphs):
    assert lost_blocks(paragraphs, "\n\n".join(paragraphs)) == []
