import json
import shutil

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store import warehouse as wh
from tests.conftest import SAMPLES, open_warehouse

runner = CliRunner()


def make_warehouse(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    warehouse = tmp_path / "wh"
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(warehouse)])
    assert result.exit_code == 1, result.output  # one file failed
    return warehouse


def test_sql_formats(tmp_path):
    warehouse = make_warehouse(tmp_path)
    query = "SELECT published_date, location, authors FROM articles"
    as_json = runner.invoke(app, ["sql", query, "-w", str(warehouse), "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.output) == [
        {"published_date": "2014-05-22", "location": "Viện Thông tin Khoa học Xã hội", "authors": ["Hồng Vân"]}
    ]
    as_csv = runner.invoke(app, ["sql", query, "-w", str(warehouse), "--format", "csv"])
    assert as_csv.output.splitlines()[0] == "published_date,location,authors"
    assert "2014-05-22" in as_csv.output
    table = runner.invoke(app, ["sql", query, "-w", str(warehouse)])
    assert "Hồng Vân" in table.output and "1 row" in table.output


def test_bad_sql_is_a_usage_error(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["sql", "SELEC nonsense", "-w", str(warehouse)])
    assert result.exit_code == 2
    assert "error" in result.output.lower()


def test_status_lists_failures_with_reasons(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["status", "-w", str(warehouse)])
    assert result.exit_code == 0
    assert "broken.pdf" in result.output and "failed" in result.output
    assert "damaged PDF" in result.output


def test_commands_on_a_missing_warehouse_say_so(tmp_path):
    result = runner.invoke(app, ["status", "-w", str(tmp_path / "none")])
    assert result.exit_code == 2 and "archive ingest" in result.output
    # a DuckDB file of the earlier layout is not read as a warehouse: the command that moves it is named
    old = tmp_path / "archive.duckdb"
    duckdb.connect(str(old)).close()
    result = runner.invoke(app, ["sql", "SELECT 1", "-w", str(old)])
    assert result.exit_code == 2 and "archive migrate" in result.output


def test_reprocess_reads_selected_documents_again(tmp_path):
    warehouse = make_warehouse(tmp_path)
    with wh.connect(warehouse) as con:  # as if an older extractor had read everything
        con.execute("UPDATE documents SET pipeline_version = '0.0.1'")
        before = con.execute("SELECT max(ingested_at) FROM documents").fetchone()[0]
    nothing = runner.invoke(app, ["reprocess", "--method", "ocr", "-w", str(warehouse)])
    assert nothing.exit_code == 0 and "Nothing to reprocess" in nothing.output
    result = runner.invoke(app, ["reprocess", "-w", str(warehouse)])  # default: the stale ones
    assert "Reprocessing 2 file(s)" in result.output
    with open_warehouse(warehouse) as con:
        versions = con.execute("SELECT DISTINCT pipeline_version FROM documents").fetchall()
        after = con.execute("SELECT min(ingested_at) FROM documents").fetchone()[0]
    from pipelines.config import PIPELINE_VERSION

    assert versions == [(PIPELINE_VERSION,)] and after > before
    assert runner.invoke(app, ["reprocess", "--since", "yesterday", "-w", str(warehouse)]).exit_code == 2
