"""The fixture builders make the files they promise: text layers that round-trip, real scans."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from PIL import Image, ImageChops, ImageSequence

from pipelines import samples as fixtures
from pipelines.samples import (
    Block,
    find_font,
    render_page_image,
    seed_blocks,
    write_image,
    write_scanned_pdf,
    write_scanned_tiff,
    write_text_pdf,
)

SEED = Path(__file__).resolve().parents[1] / "scripts" / "seed_2014_05.txt"

PAGE_ONE = [
    Block("BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014", "masthead"),
    Block("HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II", "title"),
    Block(
        "Ngày 22/5/2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam "
        "đã tổ chức Hội nghị mở rộng lần thứ 4. Hơn 40 đại biểu là ủy viên BCH và đại diện một số "
        "chi hội tiêu biểu về tham dự hội nghị."
    ),
    Block("Tin, ảnh: Hồng Vân", "byline"),
]
PAGE_TWO = [
    Block("Thư viện tỉnh Quảng Ninh đón đoàn đại biểu", "title"),
    Block("Đoàn đã tham quan kho sách, phòng đọc và học tập kinh nghiệm số hóa tài liệu."),
]
SMALL = {"dpi": 72}  # low resolution keeps the image tests fast


def _words(text: str) -> str:
    return " ".join(text.split())


def _sha(image: Image.Image) -> str:
    return hashlib.sha256(image.tobytes()).hexdigest()


# ------------------------------------------------------------------------------------ blocks


def test_seed_blocks_splits_title_paragraphs_and_byline():
    blocks = seed_blocks(SEED.read_text(encoding="utf-8"))
    kinds = [b.kind for b in blocks]
    assert kinds[0] == "title" and kinds[-1] == "byline"
    assert set(kinds[1:-1]) == {"body"} and len(kinds) == 7
    assert blocks[0].text == "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II"
    assert blocks[-1].text == "Tin, ảnh: Hồng Vân"
    assert blocks[-2].text.endswith("Thư viện tỉnh Quảng Ninh.")  # byline split out of its paragraph
    assert all("\n" not in b.text and "  " not in b.text for b in blocks)  # hard breaks joined


def test_seed_blocks_simple_text():
    blocks = seed_blocks("Tiêu đề\n\nDòng một\ndòng hai.\n\n\nĐoạn hai.\nTin, ảnh: An\n")
    assert [(b.kind, b.text) for b in blocks] == [
        ("title", "Tiêu đề"),
        ("body", "Dòng một dòng hai."),
        ("body", "Đoạn hai."),
        ("byline", "Tin, ảnh: An"),
    ]


def test_block_rejects_unknown_kind():
    with pytest.raises(ValueError, match="unknown block kind"):
        Block("x", "footer")


def test_missing_font_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(fixtures, "FONT_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match="fonts-dejavu-core"):
        find_font(bold=True)


# ------------------------------------------------------------------------------- text PDF


def test_text_pdf_round_trips_through_pdfplumber(tmp_path):
    path = write_text_pdf(tmp_path / "born.pdf", [PAGE_ONE, PAGE_TWO])
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        for page, blocks in zip(pdf.pages, [PAGE_ONE, PAGE_TWO]):
            text = page.extract_text()
            assert unicodedata.is_normalized("NFC", text)
            assert _words(text) == _words(" ".join(b.text for b in blocks))
        assert "Ngày 22/5/2014" in pdf.pages[0].extract_text()


def test_text_pdf_title_is_larger_and_bold(tmp_path):
    path = write_text_pdf(tmp_path / "born.pdf", [PAGE_ONE], title_size=18, body_size=10)
    with pdfplumber.open(path) as pdf:
        chars = [c for c in pdf.pages[0].chars if c["text"].strip()]
    largest = max(c["size"] for c in chars)
    title_chars = [c for c in chars if c["size"] == largest]
    body_chars = [c for c in chars if c["size"] == pytest.approx(10)]
    assert largest == pytest.approx(18)
    assert "".join(c["text"] for c in title_chars) == PAGE_ONE[1].text.replace(" ", "")
    assert all("Bold" in c["fontname"] for c in title_chars)
    assert "".join(c["text"] for c in body_chars).startswith("Ngày22/5/2014")


def test_text_pdf_is_deterministic(tmp_path):
    first = write_text_pdf(tmp_path / "a.pdf", [PAGE_ONE]).read_bytes()
    second = write_text_pdf(tmp_path / "b.pdf", [PAGE_ONE]).read_bytes()
    assert first == second


# ---------------------------------------------------------------------------------- scans


def test_scanned_tiff_has_one_bilevel_frame_per_page_with_dpi(tmp_path):
    path = write_scanned_tiff(tmp_path / "scan.tif", [PAGE_ONE, PAGE_TWO], skew_deg=0.3, noise=0.001, **SMALL)
    with Image.open(path) as tiff:
        assert tiff.n_frames == 2
        for frame in ImageSequence.Iterator(tiff):
            assert frame.mode == "1"
            assert frame.size == (round(8.27 * 72), round(11.69 * 72))
            assert tuple(round(v) for v in frame.info["dpi"]) == (72, 72)
            assert frame.info["compression"] == "group4"


def test_greyscale_tiff_keeps_mode_l(tmp_path):
    path = write_scanned_tiff(tmp_path / "grey.tif", [PAGE_TWO], bilevel=False, **SMALL)
    with Image.open(path) as tiff:
        assert tiff.mode == "L" and tiff.n_frames == 1


def test_scanned_pdf_is_image_only_a4(tmp_path):
    path = write_scanned_pdf(tmp_path / "scan.pdf", [PAGE_ONE, PAGE_TWO], **SMALL)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            assert page.chars == []
            assert len(page.images) == 1
            assert page.width == pytest.approx(595.28, abs=1) and page.height == pytest.approx(841.89, abs=1)
    assert write_scanned_pdf(tmp_path / "scan.pdf", [PAGE_ONE, PAGE_TWO], **SMALL).read_bytes() == path.read_bytes()


def test_write_image_png_and_jpeg(tmp_path):
    png = write_image(tmp_path / "page.png", PAGE_TWO, **SMALL)
    jpeg = write_image(tmp_path / "page.jpg", PAGE_TWO, **SMALL)
    with Image.open(png) as image:
        assert image.format == "PNG" and image.mode == "1"
        assert round(image.info["dpi"][0]) == 72
    with Image.open(jpeg) as image:
        assert image.format == "JPEG" and image.mode == "L"
    with pytest.raises(ValueError, match="png"):
        write_image(tmp_path / "page.gif", PAGE_TWO, **SMALL)


def test_page_that_does_not_fit_is_an_error():
    with pytest.raises(ValueError, match="do not fit"):
        render_page_image([Block("chữ " * 400)], height_in=2, **SMALL)


# ---------------------------------------------------------------------------- degradation


def test_degradations_change_pixels_deterministically():
    clean = render_page_image(PAGE_ONE, **SMALL)
    assert clean.mode == "1" and _sha(clean) == _sha(render_page_image(PAGE_ONE, **SMALL))

    noisy = render_page_image(PAGE_ONE, noise=0.01, seed=1, **SMALL)
    assert _sha(noisy) == _sha(render_page_image(PAGE_ONE, noise=0.01, seed=1, **SMALL))
    assert _sha(noisy) != _sha(render_page_image(PAGE_ONE, noise=0.01, seed=2, **SMALL))
    changed = ImageChops.difference(clean.convert("L"), noisy.convert("L")).histogram()[255]
    assert 0.002 < changed / (clean.width * clean.height) < 0.02  # about half the flips show

    for options in ({"skew_deg": 1.0}, {"blur": 1.5}):
        degraded = render_page_image(PAGE_ONE, **options, **SMALL)
        assert _sha(degraded) != _sha(clean)
        assert _sha(degraded) == _sha(render_page_image(PAGE_ONE, **options, **SMALL))


def test_greyscale_render_is_antialiased():
    grey = render_page_image(PAGE_TWO, bilevel=False, **SMALL)
    assert grey.mode == "L"
    assert len([count for count in grey.histogram() if count]) > 2


# -------------------------------------------------------------------------------- one OCR


def _has_vietnamese_ocr() -> bool:
    if shutil.which("tesseract") is None:
        return False
    langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout.split()
    return "vie" in langs


@pytest.mark.skipif(not _has_vietnamese_ocr(), reason="needs tesseract with the 'vie' model")
def test_rendered_scan_ocrs_back_with_diacritics(monkeypatch):
    pytesseract = pytest.importorskip("pytesseract")
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    strip = [Block("Tin, ảnh: Hồng Vân — Ngày 22/5/2014", "body")]
    image = render_page_image(strip, dpi=300, height_in=2.0, skew_deg=0.3, noise=0.0005)
    text = pytesseract.image_to_string(image, lang="vie")
    assert "Tin, ảnh: Hồng Vân" in text
    assert "22/5/2014" in text
