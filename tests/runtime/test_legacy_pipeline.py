"""Legacy-encoded bulletins through the whole reader: TCVN3/VNI PDFs and .txt files come out as
Unicode, with the method saying so and the original text kept."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from rapidfuzz.distance import Levenshtein

from pipelines.config import ReadOptions
from pipelines.core.runtime.document import process_document
from pipelines.core.text.encodings import as_text_layer, encode_tcvn3, encode_vni
from pipelines.samples import find_font

SEED = (Path(__file__).parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
LINES = [line.strip() for line in SEED.split("\n") if line.strip()]


def legacy_pdf(path: Path, lines: list[str]) -> Path:
    """Legacy code points drawn straight on the canvas (so U+00AD stays in the text layer)."""
    pdf = FPDF(orientation="landscape")
    pdf.add_font("legacy", "", str(find_font()))
    pdf.set_font("legacy", size=8)
    y = 15.0
    for index, line in enumerate(lines):
        if index % 30 == 0:
            pdf.add_page()
            y = 15.0
        pdf.text(10, y, line)
        y += 5
    pdf.output(str(path))
    return path


def cer(reference: str, hypothesis: str) -> float:
    squash = lambda t: " ".join(t.split())  # noqa: E731
    return Levenshtein.normalized_distance(squash(reference), squash(hypothesis))


def test_a_tcvn3_pdf_is_converted_and_its_original_kept(tmp_path):
    pdf = legacy_pdf(tmp_path / "tcvn3.pdf", [as_text_layer(encode_tcvn3(line)) for line in LINES])
    result = process_document(pdf, "d", "application/pdf", ReadOptions())
    page = result.pages[0]
    assert {p.method for p in result.pages} == {"legacy-tcvn3"}
    assert "TCVN3 legacy encoding converted" in page.reason
    assert "Héi Th\u00ad viÖn" in page.original_text  # what every PDF library extracts
    repaired = " ".join(p.text for p in result.pages)
    extracted = " ".join(p.original_text for p in result.pages)
    error = cer(" ".join(LINES), repaired)
    print(f"\nTCVN3 PDF: CER {cer(' '.join(LINES), extracted):.1%} as extracted, {error:.2%} after repair")
    assert error < 0.02
    (article,) = result.articles
    assert (str(article.published_date), article.location, article.authors) == (
        "2014-05-22", "Viện Thông tin Khoa học Xã hội", ["Hồng Vân"])
    assert page.quality > 0.9


def test_a_vni_txt_export_is_detected_and_converted(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes(encode_vni(SEED))
    result = process_document(path, "d", "text/plain", ReadOptions())
    page = result.pages[0]
    assert (page.method, page.engine) == ("legacy-vni", "plain text (vni)")
    assert cer(" ".join(LINES), page.text) < 0.02
    assert page.original_text and "Thư viện" not in page.original_text
    assert result.articles[0].authors == ["Hồng Vân"]


def test_decomposed_and_new_style_tone_marks_come_out_canonical(tmp_path):
    import unicodedata

    text = "Hội nghị ủy viên hòa bình thúy\n"
    variants = {
        "nfd.txt": unicodedata.normalize("NFD", text),
        "new-style.txt": "Hội nghị uỷ viên hoà bình thuý\n",
    }
    texts = set()
    for name, content in variants.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        texts.add(process_document(tmp_path / name, "d", "text/plain", ReadOptions()).pages[0].text)
    assert texts == {text.strip()}


def test_letters_lost_in_extraction_are_restored_and_recorded(tmp_path):
    lines = [as_text_layer(encode_tcvn3(line)).replace("\u00ad", "") for line in LINES]  # 'ư' dropped
    result = process_document(legacy_pdf(tmp_path / "lost.pdf", lines), "d", "application/pdf", ReadOptions())
    page = result.pages[0]
    assert "Thư viện" in page.text
    assert "lost letter(s) restored (" in page.reason and "→" in page.reason
