"""Per-page routing: every decision has a reason, and garbage text layers go to OCR."""

from __future__ import annotations

from pipelines.config import ReadOptions
from pipelines.core.runtime.document import process_document
from pipelines.core.models import Line
from pipelines.core.read.pdf import TextLayerPage
from pipelines.core.read.routing import OCR, TEXT, glyph_quality, route_pdf_page
from pipelines.samples import Block, write_scanned_pdf, write_scanned_tiff
from tests.conftest import needs_tesseract

OPTIONS = ReadOptions()
GOOD = "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam"


def layer(text: str, coverage: float = 0.0, error: str | None = None) -> TextLayerPage:
    return TextLayerPage(1, lines=[Line(t) for t in text.split("\n") if t], image_coverage=coverage, error=error)


def test_a_good_text_layer_is_used():
    route = route_pdf_page(layer(GOOD), OPTIONS)
    assert route.method == TEXT and route.reason == f"text layer ({len(GOOD.replace(' ', ''))} characters)"
    assert route.quality == 1.0


def test_no_text_layer_goes_to_ocr():
    assert route_pdf_page(layer(""), OPTIONS).reason == "no text layer"


def test_a_few_characters_on_a_page_image_go_to_ocr_but_not_on_a_plain_page():
    assert route_pdf_page(layer("Trang 3", coverage=0.9), OPTIONS).method == OCR
    route = route_pdf_page(layer("Trang 3", coverage=0.0), OPTIONS)
    assert route.method == TEXT and route.reason.startswith("short text layer")


def test_broken_character_maps_fail_the_quality_check():
    garbage = " ".join(["(cid:12)(cid:87)(cid:3)"] * 30) + " Hội"
    route = route_pdf_page(layer(garbage), OPTIONS)
    assert route.method == OCR
    assert route.reason.startswith("text layer fails the quality check (score 0.")
    assert glyph_quality("\ue000\ue001abc") == 1 - 2 / 5
    assert glyph_quality(GOOD) == 1.0


def test_an_unreadable_text_layer_goes_to_ocr_with_the_error():
    route = route_pdf_page(layer("", error="PSEOF: Unexpected EOF"), OPTIONS)
    assert (route.method, route.reason) == (OCR, "text layer unreadable (PSEOF: Unexpected EOF)")


def test_the_quality_score_is_pluggable():
    route = route_pdf_page(layer(GOOD), OPTIONS, score=lambda text: 0.1)
    assert route.method == OCR and route.quality == 0.1


PAGES = [[Block("TIN VẮN", "title"), Block(GOOD + ".", "body")], [Block("", "body")], [Block(GOOD + ".", "body")]]


@needs_tesseract
def test_a_page_past_the_ocr_time_limit_makes_its_document_partial(tmp_path, monkeypatch):
    import pipelines.core.read.pages as extract

    tiff = write_scanned_tiff(tmp_path / "scan.tif", PAGES)
    real = extract.ocr_image
    calls = []

    def slow_second_page(image, *, languages, timeout_s, invert=True):
        calls.append(1)
        # the third frame gets a limit no Tesseract run can meet
        return real(image, languages=languages, timeout_s=0.01 if len(calls) == 2 else timeout_s, invert=invert)

    monkeypatch.setattr(extract, "ocr_image", slow_second_page)
    result = process_document(tiff, "d", "image/tiff", OPTIONS)
    assert [p.method for p in result.pages] == ["ocr", "empty", "failed"]
    assert result.pages[2].error.startswith("OCR timed out after 0.01 s")
    assert result.status == "partial"
    assert result.error == "1 of 3 pages could not be read: page 3: OCR timed out after 0.01 s"
    assert result.articles  # what was read is kept


@needs_tesseract
def test_parallel_page_ocr_gives_the_same_pages_as_sequential(tmp_path):
    pdf = write_scanned_pdf(tmp_path / "scan.pdf", PAGES)
    one = process_document(pdf, "d", "application/pdf", ReadOptions(ocr_threads=1))
    two = process_document(pdf, "d", "application/pdf", ReadOptions(ocr_threads=2))
    assert [(p.page_number, p.method, p.text) for p in one.pages] == [(p.page_number, p.method, p.text) for p in two.pages]
    assert [p.method for p in one.pages] == ["ocr", "empty", "ocr"]
    words = one.pages[0].words
    assert words and all(0 <= w.confidence <= 100 for w in words) and one.pages[0].dpi == 300
