"""Staged documents: what the readers hand the loader, written and read back unchanged."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

from pipelines.core.models import (
    Article,
    Extraction,
    Line,
    Page,
    PersonRef,
    PlaceRef,
    Word,
    extraction_from_json,
    to_jsonable,
)
from pipelines.core.store import staging
from pipelines.core.store.warehouse import FileRow


def _walk(obj):
    """The plain field-by-field walk to_jsonable stands for."""
    if dataclasses.is_dataclass(obj):
        return {f.name: _walk(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list):
        return [_walk(x) for x in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def _extraction() -> Extraction:
    scanned = Page(2, "ocr", "Thư viện tỉnh mở cửa", confidence=91.5, engine="tesseract 5.3.0 (vie)", dpi=300,
                   cleanup="deskew 1.2°", quality=0.93, flags=None,
                   words=[Word("Thư", 96.0, 10, 20, 40, 18), Word("viện", 88.25, 55, 20, 52, 18)])
    typed = Page(1, "text", "HỘI NGHỊ\nNgày 5/3/2019", lines=[Line("HỘI NGHỊ", 14.0, True, 72.0, "Times")],
                 engine="pdfium", text_layer_chars=20, original_text="HéI NGHÞ")
    article = Article(1, "HỘI NGHỊ", "Ngày 5/3/2019 tại Hà Nội", 1, 2, published_date=dt.date(2019, 3, 5),
                      date_text="5/3/2019", location="Hà Nội", authors=["Hồng Vân"], date_end=dt.date(2019, 3, 6),
                      date_precision="day", date_span=(0, 13), location_span=(18, 24),
                      places=[PlaceRef("Hà Nội", "venue", (18, 24), 0.9, "01", "Hà Nội", "01", "Hà Nội")],
                      people=[PersonRef("Hồng Vân", "author", None, None, "person", None, (0, 8), 0.8)])
    return Extraction("doc-1", "application/pdf", "ok", pages=[typed, scanned], articles=[article],
                      masthead="Bản tin", issue_date=dt.date(2019, 3, 1), issue_date_precision="month")


def test_to_jsonable_is_the_plain_walk_and_reads_back_the_same():
    extraction = _extraction()
    assert json.dumps(to_jsonable(extraction)) == json.dumps(_walk(extraction))
    assert to_jsonable([extraction.pages[1].words[0], dt.date(2020, 1, 2), None, 3]) == [
        {"text": "Thư", "confidence": 96.0, "left": 10, "top": 20, "width": 40, "height": 18}, "2020-01-02", None, 3]
    assert extraction_from_json(json.loads(json.dumps(to_jsonable(extraction)))) == extraction


def test_a_staged_document_reads_back_as_it_was_written(tmp_path):
    extraction = _extraction()
    rows = [FileRow("raw/a.pdf", "doc-1", 1234, dt.datetime(2024, 5, 6, 7, 8, 9))]
    path = staging.write_staged(tmp_path, extraction, source_path="raw/a.pdf", byte_size=1234, file_rows=rows,
                                run_id="run-1", read_seconds=1.5)
    staged = staging.read_staged(path)
    assert staged.extraction == extraction
    assert (staged.source_path, staged.byte_size, staged.file_rows, staged.run_id, staged.read_seconds) == (
        "raw/a.pdf", 1234, rows, "run-1", 1.5)
