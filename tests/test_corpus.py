"""The shared corpus of real files written by others: every file gets a row, no run crashes.

Needs ../shared/corpus (present on the project's machines); skips with a message elsewhere.
"""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import needs_tesseract, open_warehouse, shared_path

pytestmark = [pytest.mark.corpus, needs_tesseract]


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    real_pdfs = shared_path("corpus", "real-pdfs")
    vietnamese = shared_path("corpus", "vietnamese")
    base = tmp_path_factory.mktemp("corpus")
    warehouse = base / "wh"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(base / "dagster"))
        result = CliRunner().invoke(app, ["ingest", str(real_pdfs), str(vietnamese), "-w", str(warehouse)])
    on_disk = sorted(str(p) for root in (real_pdfs, vietnamese) for p in root.rglob("*") if p.is_file())
    return result, warehouse, on_disk


def rows(warehouse, sql):
    with open_warehouse(warehouse) as con:
        return con.execute(sql).fetchall()


def test_every_corpus_file_is_recorded_with_a_status_in_one_run(corpus_run):
    result, warehouse, on_disk = corpus_run
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output  # 1: some files failed, each with a reason
    recorded = rows(warehouse, "SELECT f.source_path, d.status, d.error FROM files f JOIN documents d USING (document_id)")
    assert sorted(r[0] for r in recorded) == on_disk
    statuses = {r[1] for r in recorded}
    assert statuses <= {"ok", "partial", "failed"}
    unexplained = [r[0] for r in recorded if r[1] != "ok" and not (r[2] or "").strip()]
    assert unexplained == []
    ok = sum(r[1] != "failed" for r in recorded)
    print(f"\ncorpus: {ok} of {len(recorded)} files read ({ok / len(recorded):.0%})")
    assert ok / len(recorded) > 0.7


def test_encrypted_files_fail_with_a_plain_reason_unless_the_password_is_empty(corpus_run):
    _, warehouse, _ = corpus_run
    found = dict(rows(warehouse, "SELECT file_name, coalesce(error, status) FROM documents"))
    assert found["password-example.pdf"] == "encrypted: the PDF needs a password to open"
    assert found["encryption__rc4-128.pdf"] == "encrypted: the PDF needs a password to open"
    # RC4-encrypted with an empty user password and copying disallowed: read, as archives need
    assert found["vietsample1.pdf"] == "ok"
    assert found["empty.pdf"] == "empty file (0 bytes)"


def test_real_vietnamese_scans_are_read_with_diacritics(corpus_run):
    _, warehouse, _ = corpus_run
    pages = dict(
        ((r[0], r[1]), r[2:])
        for r in rows(warehouse, "SELECT d.file_name, p.page_number, p.method, p.text, p.confidence FROM pages p JOIN documents d USING (document_id)")
    )
    method, text, _ = pages[("vietsample1.pdf", 1)]
    assert method == "text" and "Áo Lụa Hà Đông" in text
    method, text, confidence = pages[("vietsample2.png", 1)]
    assert method == "ocr" and "Tôi Đi Học" in text and confidence > 80
    assert pages[("vietsample1.tif", 2)][0] == "ocr"  # a multi-page TIFF is one document, page by page
