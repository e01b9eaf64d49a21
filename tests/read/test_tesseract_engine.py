"""The settings every Tesseract engine is given, in this process and through the command.

``textord_all_prop`` spares the layout analysis its search for fixed-pitch (typewriter) rows;
the LSTM recogniser reads whole lines and finds its own spaces, so what it reads must not
change, typewritten pages included: old association bulletins were often typed. The page here
is drawn by the test in a monospaced font, as a typewriter would space it.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from pipelines.core.read import ocr, tesseract
from pipelines.core.read.cleanup import clean
from tests.conftest import needs_tesseract

TYPED = [
    "HỘI THƯ VIỆN TỈNH - THÔNG BÁO SỐ 7",
    "Ngày 14 tháng 3 năm 1996, ban chấp hành họp tại phòng đọc",
    "của thư viện tỉnh để bàn việc lập mục lục sách địa chí và",
    "góp tiền mua máy chữ mới cho tổ biên mục. Các hội viên ở",
    "huyện xa gửi ý kiến bằng thư trước ngày 30 tháng 3.",
    "Người đánh máy: Lê Thị Hoa",
]
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def _typed_page() -> np.ndarray:
    """A 300 dpi grey page of monospaced lines, every character cell the same width."""
    image = Image.new("L", (2480, 1400), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(MONO, 40)
    for number, line in enumerate(TYPED):
        draw.text((160, 160 + number * 70), line, font=font, fill=0)
    return np.asarray(image)


def _typed_binary() -> np.ndarray:
    """The typed page as the clean-up makes it (skipped without the monospaced font)."""
    import pathlib

    if not pathlib.Path(MONO).exists():
        pytest.skip("DejaVu Sans Mono is not installed")
    return clean(_typed_page(), 300)[0]


@pytest.fixture
def engine():
    if not tesseract.available():
        pytest.skip("libtesseract cannot be loaded here")
    made = tesseract.Engine("vie")
    try:
        yield made
    finally:
        for name, value in tesseract.SETTINGS.items():  # the parameter is global to the library
            tesseract._library().TessBaseAPISetVariable(made._handle, name.encode(), value.encode())
        made.close()


@needs_tesseract
def test_every_engine_takes_rows_as_proportional(engine):
    assert engine.setting("textord_all_prop") is True
    assert engine.setting("no_such_parameter_here") is None


@needs_tesseract
def test_a_typewritten_page_reads_the_same_without_the_fixed_pitch_search(engine):
    binary = _typed_binary()
    with_setting, _ = engine.recognize(binary, timeout_s=60, invert=False)
    tesseract._library().TessBaseAPISetVariable(engine._handle, b"textord_all_prop", b"0")
    assert engine.setting("textord_all_prop") is False
    without, _ = engine.recognize(binary, timeout_s=60, invert=False)
    assert ocr._assemble(with_setting).text == ocr._assemble(without).text
    read = ocr._assemble(with_setting).text
    assert "Lê Thị Hoa" in read and "1996" in read


def test_the_command_fallback_passes_the_same_settings(monkeypatch):
    pytesseract = pytest.importorskip("pytesseract")
    seen = []

    def image_to_data(image, lang, config, output_type, timeout):
        seen.append(config)
        return {key: [] for key in tesseract.TSV_KEYS}

    monkeypatch.setattr(pytesseract, "image_to_data", image_to_data)
    page = Image.new("L", (50, 50), 255)
    ocr._ocr_with_command(page, "vie", 10, invert=False)
    ocr._ocr_with_command(page, "vie", 10, invert=True)
    assert all("--psm 3" in c and "-c textord_all_prop=1" in c for c in seen)
    assert "-c tessedit_do_invert=0" in seen[0] and "-c tessedit_do_invert=1" in seen[1]


def test_black_and_white_pages_go_to_tesseract_as_one_bit_per_pixel():
    page = np.full((3, 10), 255, np.uint8)
    page[1, 2] = page[2, 9] = 0
    data, width, height, bytes_per_pixel, bytes_per_line = tesseract.image_arguments(page)
    assert (width, height, bytes_per_pixel, bytes_per_line) == (10, 3, 0, 2)
    bits = np.unpackbits(data, axis=1)[:, :10]
    assert (bits == (page == 255)).all()  # 1 for white, as the API takes binary pages
    grey = page.copy()
    grey[0, 0] = 254
    assert tesseract.image_arguments(grey)[3] == 1
    assert tesseract.image_arguments(np.zeros((3, 10, 3), np.uint8))[3:] == (3, 30)
    assert tesseract.image_arguments(clean(_typed_page(), 300)[0])[3] == 0  # what the clean-up makes is binary


@needs_tesseract
def test_a_binary_page_reads_the_same_at_one_bit_and_at_eight(engine):
    binary = _typed_binary()
    one_bit, _ = engine.recognize(binary, timeout_s=60, invert=False)
    eight_bits = binary.copy()
    eight_bits[0, 0] = 254  # one near-white corner pixel: the page goes at 8 bits, thresholded the same
    assert tesseract.image_arguments(eight_bits)[3] == 1
    grey, _ = engine.recognize(eight_bits, timeout_s=60, invert=False)
    assert one_bit == grey
    assert "Lê Thị Hoa" in ocr._assemble(one_bit).text
