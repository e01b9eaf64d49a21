"""Readers and per-page routing on files the tests build from known text."""

from __future__ import annotations

import pypdfium2 as pdfium
from PIL import Image

from pipelines.config import ReadOptions
from pipelines.core.read.pages import is_blank
from pipelines.core.runtime.document import process_document
from pipelines.samples import (
    Block,
    write_image,
    write_scanned_pdf,
    write_scanned_tiff,
    write_text_pdf,
)
from tests.conftest import needs_tesseract

BODY = "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam đã tổ chức Hội nghị."
PAGE_ONE = [Block("HỘI NGHỊ BAN CHẤP HÀNH", "title"), Block(BODY, "body"), Block("Tin, ảnh: Hồng Vân", "byline")]
PAGE_TWO = [Block("Sau Hội nghị, các đại biểu đã tới tham quan Thư viện tỉnh Quảng Ninh.", "body")]


def merge_pdfs(target, *sources):
    merged = pdfium.PdfDocument.new()
    for source in sources:
        merged.import_pages(pdfium.PdfDocument(str(source)))
    merged.save(str(target))
    return target


@needs_tesseract
def test_a_mixed_pdf_is_routed_page_by_page(tmp_path):
    digital = write_text_pdf(tmp_path / "a.pdf", [PAGE_ONE])
    scanned = write_scanned_pdf(tmp_path / "b.pdf", [PAGE_TWO])
    mixed = merge_pdfs(tmp_path / "mixed.pdf", digital, scanned)
    result = process_document(mixed, "d", "application/pdf", ReadOptions())
    assert result.status == "ok"
    first, second = result.pages
    assert (first.method, first.confidence) == ("text", None)
    assert first.reason.startswith("text layer (")
    assert (second.method, second.reason) == ("ocr", "no text layer")
    assert second.confidence > 50 and "Quảng Ninh" in second.text
    assert second.engine.startswith("tesseract")


@needs_tesseract
def test_a_multi_page_tiff_is_one_document(tmp_path):
    tiff = write_scanned_tiff(tmp_path / "scan.tif", [PAGE_ONE, PAGE_TWO])
    result = process_document(tiff, "d", "image/tiff", ReadOptions())
    assert [p.method for p in result.pages] == ["ocr", "ocr"]
    assert "Viện Thông tin Khoa học Xã hội" in result.pages[0].text
    assert len(result.articles) == 1 and result.articles[0].page_end == 2


def test_blank_pages_are_not_sent_to_tesseract(tmp_path):
    blank = write_image(tmp_path / "blank.png", [Block("", "body")])
    result = process_document(blank, "d", "image/png", ReadOptions(ocr_languages="no-such-model"))
    assert result.pages[0].method == "empty"
    assert "blank page" in result.pages[0].reason
    assert is_blank(Image.new("L", (100, 100), 255))
    assert not is_blank(Image.new("L", (100, 100), 0))


@needs_tesseract
def test_an_ocr_time_limit_fails_the_page_with_that_reason(tmp_path):
    tiff = write_scanned_tiff(tmp_path / "scan.tif", [PAGE_ONE])
    result = process_document(tiff, "d", "image/tiff", ReadOptions(ocr_timeout_s=0.01))
    page = result.pages[0]
    assert page.method == "failed" and page.error == "OCR timed out after 0.01 s"
    assert result.status == "failed" and "OCR timed out" in result.error


def test_text_files_in_windows_1258_are_detected(tmp_path):
    import unicodedata

    text = "Hội Thư viện Việt Nam\n\nNgày 22/ 5/ 2014, tại Hà Nội, hội nghị đã khai mạc."
    # Windows-1258 writes precomposed vowels with combining tone marks
    windows_form = "".join(
        unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", ch) if c not in "\u0300\u0301\u0303\u0309\u0323"))
        + "".join(c for c in unicodedata.normalize("NFD", ch) if c in "\u0300\u0301\u0303\u0309\u0323")
        for ch in text
    )
    path = tmp_path / "old.txt"
    path.write_bytes(windows_form.encode("cp1258"))
    result = process_document(path, "d", "text/plain", ReadOptions())
    assert result.pages[0].engine == "plain text (windows-1258)"
    assert "Hội Thư viện Việt Nam" in result.pages[0].text
    assert result.articles[0].location == "Hà Nội"


def test_a_worker_sends_back_no_layout_lines_and_nothing_else_changes(tmp_path):
    """The laid-out lines serve the article split inside the worker; what leaves it (pickled,
    staged, parsed again by the loader) has the same pages, text, articles and provenance."""
    from pipelines.core.runtime.reading import read_document

    pdf = write_text_pdf(tmp_path / "a.pdf", [PAGE_ONE, PAGE_TWO])
    full = process_document(pdf, "d", "application/pdf", ReadOptions())
    assert any(page.lines for page in full.pages)  # the split had them
    sent = read_document(pdf, "d", "application/pdf", ReadOptions())
    assert all(page.lines == [] for page in sent.pages)
    for page in full.pages:
        page.lines = []
    full.timings = sent.timings  # how long each stage took differs from one reading to the next
    assert sent == full
    assert sent.articles and sent.articles[0].title == "HỘI NGHỊ BAN CHẤP HÀNH"
