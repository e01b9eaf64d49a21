"""Born-digital text layers: pdfium's characters laid out give what pdfplumber gave.

The text layer used to come from pdfplumber (pdfminer); it now comes from pdfium's text page
(five to six times cheaper), laid out by layout.py, which restates pdfplumber's grouping. These
tests hold the two sources to the same lines, sizes, bold and fonts (what heading detection and
legacy-font detection use), and layout.py to pdfplumber's own words and lines.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest
from fontTools.ttLib import TTFont
from fpdf import FPDF

from pipelines.config import ReadOptions
from pipelines.core.read import layout
from pipelines.core.read.pdf import _Frame, pdfium_chars, plumber_chars, text_layer_pages
from pipelines.core.runtime.document import process_document
from pipelines.core.text.encodings import as_text_layer, encode_tcvn3, encode_vni, parse_font_hint
from pipelines.samples import FIXED_DATE, Block, find_font, write_text_pdf
from tests.read.test_columns import two_columns

SEED = [
    "HỘI THƯ VIỆN VIỆT NAM TỔ CHỨC HỘI THẢO",
    "Ngày 5/3/2015, tại Thư viện Quốc gia Việt Nam, hội thảo về thư viện số đã diễn ra.",
    "Thư viện tỉnh Quảng Ninh đã khai trương phòng đọc thiếu nhi mới, thu hút đông đảo bạn đọc.",
    "Các đại biểu trao đổi kinh nghiệm về số hoá tài liệu và chia sẻ dữ liệu thư mục.",
    "Nguyễn Văn An",
]


def renamed_font(source: Path, name: str, folder: Path) -> Path:
    """A copy of a TrueType font named ``name`` (embedded as /BaseFont /ABCDEF+name, the way
    old bulletins carry .VnTime or VNI-Times)."""
    font = TTFont(str(source))
    for record in font["name"].names:
        if record.nameID in (1, 4, 6, 16):
            record.string = name
    target = folder / f"{name.lstrip('.')}.ttf"
    font.save(str(target))
    return target


def legacy_pdf(path: Path, lines: list[str], body: Path, head: Path) -> Path:
    """A heading in ``head`` over body lines in ``body``, placed line by line."""
    pdf = FPDF(orientation="landscape")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_font("body", "", str(body))
    pdf.add_font("head", "", str(head))
    pdf.add_page()
    y = 15.0
    for index, line in enumerate(lines):
        pdf.set_font("head" if index == 0 else "body", size=12 if index == 0 else 8)
        pdf.text(10, y, line)
        y += 5
    pdf.output(str(path))
    return path


def bulletin(path: Path) -> Path:
    blocks = [Block("BẢN TIN HỘI THƯ VIỆN VIỆT NAM - Số 5/2014", "masthead"), Block(SEED[0], "title"),
              *(Block(text, "body") for text in SEED[1:4]), Block(SEED[4], "byline")]
    return write_text_pdf(path, [blocks, blocks[1:]])


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("layout")
    vntime = renamed_font(find_font(), ".VnTime", folder)
    vntimeh = renamed_font(find_font(bold=True), ".VnTimeH", folder)
    vni = renamed_font(find_font(), "VNI-Times", folder)
    tcvn3 = [as_text_layer(encode_tcvn3(line)) for line in SEED]
    return {
        "bulletin": bulletin(folder / "bulletin.pdf"),
        "columns": two_columns(folder / "columns.pdf"),
        "tcvn3": legacy_pdf(folder / "tcvn3.pdf", [as_text_layer(encode_tcvn3(SEED[0].lower())), *tcvn3[1:]], vntime, vntimeh),
        "vni": legacy_pdf(folder / "vni.pdf", [as_text_layer(encode_vni(line)) for line in SEED], vni, vni),
        "mixed": legacy_pdf(folder / "mixed.pdf", [as_text_layer(encode_tcvn3(SEED[0].lower())), *SEED[1:]], find_font(), vntimeh),
    }


def _styled(lines) -> list[tuple]:
    return [(line.text, line.size, line.bold, line.font, line.top) for line in lines]


def _both(path: Path) -> list[tuple[list[tuple], list[tuple]]]:
    """Each page's lines from pdfium's characters and from pdfplumber's."""
    pages = []
    document = pdfium.PdfDocument(str(path))
    with pdfplumber.open(path) as plumber:
        for index, plumber_page in enumerate(plumber.pages):
            page = document[index]
            frame = _Frame.of(page)
            textpage = page.get_textpage()
            ours = layout.page_lines(pdfium_chars(textpage, frame), frame.bbox)
            textpage.close()
            page.close()
            theirs = layout.page_lines(plumber_chars(plumber_page), tuple(float(v) for v in plumber_page.bbox))
            pages.append((_styled(ours), _styled(theirs)))
    document.close()
    return pages


@pytest.mark.parametrize("name", ["bulletin", "columns", "tcvn3", "vni", "mixed"])
def test_pdfium_and_pdfplumber_characters_give_the_same_lines(pdfs, name):
    for ours, theirs in _both(pdfs[name]):
        assert ours == theirs
        assert ours


@pytest.mark.parametrize("name", ["bulletin", "columns", "tcvn3"])
def test_words_and_lines_are_pdfplumbers_own(pdfs, name):
    with pdfplumber.open(pdfs[name]) as pdf:
        for page in pdf.pages:
            chars = plumber_chars(page)
            words = layout.words_of(chars, layout.np.arange(len(chars)))
            expected = page.extract_words()
            assert words.text == [w["text"] for w in expected]
            assert [round(float(v), 3) for v in words.x0] == [round(float(w["x0"]), 3) for w in expected]
            assert [round(float(v), 3) for v in words.top] == [round(float(w["top"]), 3) for w in expected]
            lines = [line.text for line in layout.region_lines(chars, words)]
            assert lines == [line["text"] for line in page.extract_text_lines(layout=False, strip=True)]


def test_headings_fonts_and_legacy_fonts_come_through(pdfs):
    bulletin_lines = [line for page in text_layer_pages(pdfs["bulletin"]) for line in page.lines if line.text]
    title = next(line for line in bulletin_lines if line.text == SEED[0])
    body = next(line for line in bulletin_lines if line.text.startswith("Ngày 5/3/2015"))
    assert title.size > body.size and title.bold and not body.bold
    assert all(page.engine.startswith("pypdfium2") for page in text_layer_pages(pdfs["bulletin"]))
    tcvn3 = [line for page in text_layer_pages(pdfs["tcvn3"]) for line in page.lines if line.text]
    assert parse_font_hint(tcvn3[0].font) == ("tcvn3", True)  # .VnTimeH…: the heading font
    assert {parse_font_hint(line.font) for line in tcvn3[1:]} == {("tcvn3", False)}
    # the .VnTimeH heading typed in small-letter codes comes out in capitals, the body converted
    result = process_document(pdfs["tcvn3"], "d", "application/pdf", ReadOptions())
    page = result.pages[0]
    assert page.method == "legacy-tcvn3"
    assert SEED[0] in page.text and SEED[2] in page.text
    vni = process_document(pdfs["vni"], "d", "application/pdf", ReadOptions()).pages[0]
    assert vni.method == "legacy-vni" and SEED[1] in vni.text


def test_a_tcvn3_u_at_the_end_of_a_line_is_kept(tmp_path):
    """pdfium reports a line-final U+00AD (TCVN3's 'ư') as U+FFFE, as it does a line-final '-':
    on a TCVN3 page it is the letter."""
    vntime = renamed_font(find_font(), ".VnTime", tmp_path)
    lines = [as_text_layer(encode_tcvn3(line)) for line in ("Hội Thư viện Việt Nam", "Hội Thư", "Thư viện tỉnh Quảng Ninh")]
    path = legacy_pdf(tmp_path / "u.pdf", lines, vntime, vntime)
    ours, theirs = _both(path)[0]
    assert ours == theirs
    assert ours[1][0].endswith("\u00ad")
    page = process_document(path, "d", "application/pdf", ReadOptions()).pages[0]
    assert "Hội Thư\n" in page.text + "\n" or "Hội Thư " in page.text


def test_a_file_pdfium_cannot_open_is_read_with_pdfplumber(tmp_path, monkeypatch):
    path = bulletin(tmp_path / "b.pdf")

    def refuse(*args, **kwargs):
        raise pdfium.PdfiumError("Failed to load document (PDFium: Data format error).")

    monkeypatch.setattr(pdfium, "PdfDocument", refuse)
    pages = list(text_layer_pages(path))
    assert pages and all(page.engine.startswith("pdfplumber") for page in pages)
    assert any(line.text == SEED[0] for line in pages[0].lines)
