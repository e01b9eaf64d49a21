"""Two-column bulletin pages are read column by column, titles over both columns in place."""

from __future__ import annotations

from fpdf import FPDF

from pipelines.config import ReadOptions
from pipelines.core.runtime.document import process_document
from pipelines.samples import find_font

LEFT = ("Ngày 5/3/2015, tại Thư viện Quốc gia Việt Nam, hội thảo về thư viện số đã diễn ra với sự tham dự "
        "của nhiều đại biểu từ các thư viện tỉnh. ") * 6
RIGHT = ("Thư viện tỉnh Quảng Ninh đã khai trương phòng đọc thiếu nhi mới, thu hút đông đảo bạn đọc "
         "nhỏ tuổi tham gia các hoạt động đọc sách. ") * 6


def two_columns(path):
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("serif", "", str(find_font()))
    pdf.add_font("serif", "B", str(find_font(bold=True)))
    pdf.add_page()
    pdf.set_font("serif", "B", 16)
    pdf.set_xy(50, 50)
    pdf.cell(495, 24, "BẢN TIN THƯ VIỆN SỐ RA MẮT BẠN ĐỌC", align="C")
    pdf.set_font("serif", "", 10)
    pdf.set_xy(50, 100)
    pdf.multi_cell(230, 13, LEFT, align="J")
    pdf.set_xy(315, 100)
    pdf.multi_cell(230, 13, RIGHT, align="J")
    pdf.output(str(path))
    return path


def test_two_columns_are_read_one_after_the_other(tmp_path):
    result = process_document(two_columns(tmp_path / "cols.pdf"), "d", "application/pdf", ReadOptions())
    text = " ".join(result.pages[0].text.split())
    title = text.find("BẢN TIN THƯ VIỆN SỐ")
    right_start = text.find("Thư viện tỉnh Quảng Ninh đã khai trương")
    assert 0 <= title < text.find("Ngày 5/3/2015") < right_start
    assert text.rfind("Ngày 5/3/2015") < right_start  # all of the left column before the right one
    assert " ".join(LEFT.split()) in text and " ".join(RIGHT.split()) in text
