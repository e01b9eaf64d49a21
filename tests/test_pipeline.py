"""End to end: files → Dagster assets (in-process, the `ingest` job) → the DuckDB warehouse."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import SAMPLES, needs_tesseract, open_warehouse

SEED_TITLE = "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II"
runner = CliRunner()


def ingest(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *args], catch_exceptions=False)
    return result.exit_code, result.output


def query(warehouse: Path, sql: str, params=()) -> list[tuple]:
    with open_warehouse(warehouse) as con:
        return con.execute(sql, list(params)).fetchall()


def snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table's rows, in a stable order."""
    return {
        "files": query(warehouse, "SELECT * FROM files ORDER BY source_path"),
        "documents": query(warehouse, "SELECT * FROM documents ORDER BY document_id"),
        "pages": query(warehouse, "SELECT * FROM pages ORDER BY document_id, page_number"),
        "articles": query(warehouse, "SELECT * FROM articles ORDER BY article_id"),
    }


@pytest.fixture(scope="module")
def samples_run(tmp_path_factory):
    """The shipped samples ingested once (OCR is the slow part), shared by this module's tests."""
    base = tmp_path_factory.mktemp("samples")
    folder = base / "raw"
    shutil.copytree(SAMPLES, folder)
    warehouse = base / "wh"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(base / "dagster"))
        code, output = ingest(str(folder), "--warehouse", str(warehouse))
    return folder, warehouse, code, output


@needs_tesseract
@pytest.mark.parametrize(
    "name, method",
    [
        ("bulletin-2014-05-hoi-nghi-bch.txt", "text"),
        ("bulletin-2014-05-hoi-nghi-bch.pdf", "text"),
        ("bulletin-2014-05-hoi-nghi-bch-scan.tif", "ocr"),
        ("bulletin-2014-05-hoi-nghi-bch-scan.pdf", "ocr"),
    ],
)
def test_the_seed_article_comes_out_right_from_every_kind_of_file(samples_run, name, method):
    folder, warehouse, code, output = samples_run
    assert code == 0, output
    rows = query(
        warehouse,
        """
        SELECT a.title, a.published_date, a.date_text, a.location, a.authors, d.status, p.method
        FROM files f JOIN documents d USING (document_id) JOIN articles a USING (document_id)
        JOIN pages p ON p.document_id = d.document_id AND p.page_number = a.page_start
        WHERE f.source_path = ?
        """,
        [str(folder / name)],
    )
    assert len(rows) == 1, rows
    title, published, date_text, location, authors, status, page_method = rows[0]
    assert status == "ok"
    assert page_method == method
    assert title == SEED_TITLE
    assert published == dt.date(2014, 5, 22)
    assert "22/ 5/ 2014" in date_text
    assert location == "Viện Thông tin Khoa học Xã hội"
    assert authors == ["Hồng Vân"]


@needs_tesseract
def test_pages_record_how_they_were_read(samples_run):
    folder, warehouse, _, _ = samples_run
    rows = dict(
        (Path(r[0]).name, r[1:])
        for r in query(
            warehouse,
            "SELECT f.source_path, p.method, p.engine, p.confidence, p.reason FROM files f JOIN pages p USING (document_id)",
        )
    )
    method, engine, confidence, reason = rows["bulletin-2014-05-hoi-nghi-bch-scan.pdf"]
    assert (method, reason) == ("ocr", "no text layer")
    assert engine.startswith("tesseract ") and "(vie)" in engine
    assert 60 < confidence <= 100
    method, engine, confidence, reason = rows["bulletin-2014-05-hoi-nghi-bch.pdf"]
    assert method == "text" and engine.startswith("pypdfium2 ") and confidence is None
    assert rows["bulletin-2014-05-hoi-nghi-bch.txt"][1] == "plain text (utf-8)"


@needs_tesseract
def test_text_is_nfc_paragraphs_without_hard_line_breaks(samples_run):
    _, warehouse, _, _ = samples_run
    import unicodedata

    for (body,) in query(warehouse, "SELECT body FROM articles"):
        assert unicodedata.is_normalized("NFC", body)
        paragraphs = body.split("\n\n")
        assert all("\n" not in p for p in paragraphs)
        assert any(p.startswith("Hội nghị đã thông qua Báo cáo") for p in paragraphs)


@needs_tesseract
def test_reingesting_the_same_folder_changes_nothing(samples_run):
    folder, warehouse, _, _ = samples_run
    before = snapshot(warehouse)
    code, output = ingest(str(folder), "--warehouse", str(warehouse))
    assert code == 0, output
    assert snapshot(warehouse) == before
    assert "documents read" in output


def test_a_changed_file_replaces_its_rows(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    target = folder / "tin.txt"
    warehouse = tmp_path / "wh"
    text = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
    target.write_text(text, encoding="utf-8")
    assert ingest(str(folder), "-w", str(warehouse))[0] == 0
    (old_id,) = query(warehouse, "SELECT document_id FROM files")[0]

    target.write_text(text.replace("Ngày 22/ 5/ 2014", "Ngày 23/ 5/ 2014"), encoding="utf-8")
    os.utime(target, (1_700_000_000, 1_700_000_000))
    assert ingest(str(folder), "-w", str(warehouse))[0] == 0
    files = query(warehouse, "SELECT source_path, document_id FROM files")
    assert len(files) == 1 and files[0][1] != old_id
    assert query(warehouse, "SELECT count(*) FROM documents") == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM pages WHERE document_id = ?", [old_id]) == [(0,)]
    assert query(warehouse, "SELECT published_date FROM articles") == [(dt.date(2014, 5, 23),)]


def test_same_bytes_at_two_paths_are_one_document(tmp_path):
    folder = tmp_path / "raw"
    (folder / "copy").mkdir(parents=True)
    for path in (folder / "a.txt", folder / "copy" / "a (1).txt"):
        shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", path)
    warehouse = tmp_path / "wh"
    assert ingest(str(folder), "-w", str(warehouse))[0] == 0
    assert query(warehouse, "SELECT count(*), count(DISTINCT document_id) FROM files") == [(2, 1)]
    assert query(warehouse, "SELECT count(*) FROM documents") == [(1,)]


def test_bad_files_each_get_a_row_and_a_reason(tmp_path):
    from pipelines import samples as fixtures

    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    (folder / "random.pdf").write_bytes(os.urandom(2048))
    sample_pdf = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(sample_pdf[: len(sample_pdf) // 3])
    (folder / "letter.docx").write_bytes(b"PK\x03\x04 not a bulletin")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    fixtures.write_image(folder / "photo-named.pdf.png", [fixtures.Block("", "body")])
    shutil.copy(folder / "photo-named.pdf.png", folder / "photo.pdf")
    warehouse = tmp_path / "wh"

    code, output = ingest(str(folder), "-w", str(warehouse))
    assert code == 1, output
    rows = {
        Path(r[0]).name: r[1:]
        for r in query(warehouse, "SELECT f.source_path, d.status, d.error, d.media_type FROM files f JOIN documents d USING (document_id)")
    }
    assert set(rows) == {p.name for p in folder.iterdir()}
    assert rows["empty.pdf"][:2] == ("failed", "empty file (0 bytes)")
    assert rows["random.pdf"][0] == "failed" and "no PDF header" in rows["random.pdf"][1]
    assert rows["truncated.pdf"][0] == "failed" and rows["truncated.pdf"][1]
    assert rows["letter.docx"][0] == "failed" and "unsupported file type" in rows["letter.docx"][1]
    assert rows["binary.txt"][0] == "failed" and "binary" in rows["binary.txt"][1]
    assert rows["photo.pdf"][0] == "ok" and rows["photo.pdf"][2] == "image/png"  # identified by content
    for name in ("empty.pdf", "random.pdf", "letter.docx"):
        assert name in output  # the summary lists every failure


def test_usage_errors_exit_2(tmp_path):
    code, output = ingest(str(tmp_path / "nowhere"), "-w", str(tmp_path / "wh"))
    assert code == 2 and "no such file or folder" in output


def test_cli_runs_are_in_the_dagster_instance_history(tmp_path, monkeypatch):
    import dagster as dg

    home = tmp_path / "dagster"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    assert ingest(str(folder), "-w", str(tmp_path / "wh"))[0] == 0
    instance = dg.DagsterInstance.from_config(str(home))  # not `with`: it would stay Dagster's current instance
    runs = instance.get_runs()
    assert sorted(r.job_name for r in runs) == ["load_warehouse", "read_files"]
    assert all(r.status == dg.DagsterRunStatus.SUCCESS for r in runs)
    # the command line goes through the same per-file partitions as the sensor
    key = str(folder / "bulletin-2014-05-hoi-nghi-bch.txt")
    assert instance.get_materialized_partitions(dg.AssetKey("document")) == {key}
    materialized = instance.get_latest_materialization_event(dg.AssetKey("articles"))
    assert materialized is not None
    instance.dispose()


@needs_tesseract
def test_the_seed_credits_and_places_are_resolved_in_both_province_systems(samples_run):
    folder, warehouse, _, _ = samples_run
    for name in ("bulletin-2014-05-hoi-nghi-bch.txt", "bulletin-2014-05-hoi-nghi-bch-scan.tif"):
        path = str(folder / name)
        people = query(warehouse, """SELECT p.name, p.role, p.contribution FROM article_people p
                                     JOIN files f USING (document_id) WHERE f.source_path = ?""", [path])
        assert people == [("Hồng Vân", "author", "text+photo")]
        places = query(warehouse, """SELECT p.name, p.role, p.province_code_legacy, p.province_name_legacy,
                                            p.province_code_2025, p.province_name_2025
                                     FROM article_places p JOIN files f USING (document_id)
                                     WHERE f.source_path = ? ORDER BY p.role DESC""", [path])
        assert places[0][:2] == ("Viện Thông tin Khoa học Xã hội", "venue")
        assert ("tỉnh Quảng Ninh", "mentioned", "22", "Quảng Ninh", "22", "Quảng Ninh") in places  # name as written


@needs_tesseract
def test_analyst_views_flatten_articles_people_places_and_health(samples_run):
    _, warehouse, _, _ = samples_run
    rows = query(warehouse, "SELECT file_name, provinces, provinces_2025, authors, date_precision FROM v_articles ORDER BY file_name")
    assert len(rows) == 4
    assert all(r[1:] == (["Quảng Ninh"], ["Quảng Ninh"], ["Hồng Vân"], "day") for r in rows)
    # The four samples are one text in four files: linked as copies, counted once.
    assert query(warehouse, "SELECT count(*), max(copies) FROM v_articles_unique") == [(1, 3)]
    assert query(warehouse, "SELECT name, role, articles FROM v_people") == [("Hồng Vân", "author", 1)]
    assert query(warehouse, "SELECT province_name_legacy, articles FROM v_places") == [("Quảng Ninh", 1)]
    health = dict(query(warehouse, "SELECT file_name, methods FROM v_ingestion_health"))
    assert health["bulletin-2014-05-hoi-nghi-bch-scan.tif"] == ["ocr"]
    masthead = query(warehouse, "SELECT masthead, issue_number FROM documents WHERE file_name = 'bulletin-2014-05-hoi-nghi-bch.pdf'")
    assert masthead[0][1] == "2/2014"
