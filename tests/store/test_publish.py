"""Analysts read a published copy: never blocked by an ingestion, never half of one; exports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store.publish import connect_published, published_path
from pipelines.samples import Block, write_scanned_tiff
from tests.conftest import SAMPLES, needs_tesseract

runner = CliRunner()
TABLES = ["files", "documents", "pages", "articles", "ocr_words"]


def ingest(folder: Path, warehouse: Path) -> None:
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(warehouse)])
    assert result.exit_code == 0, result.output


def consistent_counts(con) -> dict[str, int]:
    """Counts of a snapshot, after checking it is whole: every document's pages are all there,
    every file points at a document."""
    broken = con.execute(
        """
        SELECT d.document_id FROM documents d LEFT JOIN pages p USING (document_id)
        GROUP BY d.document_id, d.page_count HAVING count(p.page_number) <> d.page_count
        UNION ALL
        SELECT f.document_id FROM files f LEFT JOIN documents d USING (document_id) WHERE d.document_id IS NULL
        """
    ).fetchall()
    assert broken == []
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def test_commands_read_the_published_copy_not_the_live_file(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    warehouse = tmp_path / "wh.duckdb"
    ingest(folder, warehouse)
    assert published_path(warehouse).exists()
    live = duckdb.connect(str(warehouse))  # a writer holding the live file's lock
    try:
        result = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM articles", "-w", str(warehouse), "-f", "csv"])
        assert result.exit_code == 0, result.output
        assert result.stdout.split() == ["n", "1"]
    finally:
        live.close()


@needs_tesseract
def test_reading_while_an_ingestion_runs_in_another_process(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    warehouse = tmp_path / "wh.duckdb"
    ingest(folder, warehouse)
    with connect_published(warehouse) as con:
        before = consistent_counts(con)

    text = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
    for n in range(3):  # scans: long enough to read during
        write_scanned_tiff(folder / f"scan-{n}.tif", [[Block(f"TIN SỐ {n}", "title"), Block(text[200:900], "body")]] * 2)
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path / "dagster2"))
    process = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "-w", str(warehouse)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    seen = []
    while process.poll() is None:
        # A new session each time (closed after: DuckDB shares one open database per path in a
        # process, so a session left open keeps its snapshot): never blocked, never an error.
        with connect_published(warehouse) as con:
            seen.append(consistent_counts(con))
        time.sleep(0.05)
    out, errors = process.communicate()
    assert process.returncode == 0, out + errors
    with connect_published(warehouse) as con:
        after = consistent_counts(con)
    assert len(seen) > 5
    assert all(counts in (before, after) for counts in seen)  # old snapshot or new, never half
    assert after["documents"] == before["documents"] + 3, out + errors


def test_export_round_trips_through_parquet(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 broken")
    warehouse = tmp_path / "wh.duckdb"
    runner.invoke(app, ["ingest", str(folder), "-w", str(warehouse)])
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", str(out), "-w", str(warehouse)])
    assert result.exit_code == 0, result.output
    with connect_published(warehouse) as con:
        for table in TABLES:
            original = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            exported = con.execute("SELECT * FROM read_parquet(?) ORDER BY ALL", [str(out / f"{table}.parquet")]).fetchall()
            assert exported == original, table
        types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{out / 'articles.parquet'}')").fetchall()[i][:2]
                     for i in range(11))
    assert types["published_date"] == "DATE" and types["authors"] == "VARCHAR[]"

    csv_out = tmp_path / "csv"
    assert runner.invoke(app, ["export", str(csv_out), "-f", "csv", "-w", str(warehouse)]).exit_code == 0
    assert (csv_out / "documents.csv").read_text(encoding="utf-8").startswith("document_id,source_path,")
