import json
import shutil

from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import SAMPLES

runner = CliRunner()


def make_warehouse(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", folder)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    warehouse = tmp_path / "wh.duckdb"
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(warehouse)])
    assert result.exit_code == 1, result.output  # one file failed
    return warehouse


def test_sql_formats(tmp_path):
    warehouse = make_warehouse(tmp_path)
    query = "SELECT published_date, location, authors FROM articles"
    as_json = runner.invoke(app, ["sql", query, "-w", str(warehouse), "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == [
        {"published_date": "2014-05-22", "location": "Viện Thông tin Khoa học Xã hội", "authors": ["Hồng Vân"]}
    ]
    as_csv = runner.invoke(app, ["sql", query, "-w", str(warehouse), "--format", "csv"])
    assert as_csv.stdout.splitlines()[0] == "published_date,location,authors"
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
    result = runner.invoke(app, ["status", "-w", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2 and "archive ingest" in result.output


def test_reprocess_reads_selected_documents_again(tmp_path):
    import duckdb

    warehouse = make_warehouse(tmp_path)
    with duckdb.connect(str(warehouse)) as con:  # as if an older extractor had read everything
        con.execute("UPDATE documents SET pipeline_version = '0.0.1'")
        before = con.execute("SELECT max(ingested_at) FROM documents").fetchone()[0]
    from pipelines.core.store.publish import publish

    with duckdb.connect(str(warehouse)) as con:
        publish(con, warehouse)
    nothing = runner.invoke(app, ["reprocess", "--method", "ocr", "-w", str(warehouse)])
    assert nothing.exit_code == 0 and "Nothing to reprocess" in nothing.output
    result = runner.invoke(app, ["reprocess", "-w", str(warehouse)])  # default: the stale ones
    assert "Reprocessing 2 file(s)" in result.output
    with duckdb.connect(str(warehouse), read_only=True) as con:
        versions = con.execute("SELECT DISTINCT pipeline_version FROM documents").fetchall()
        after = con.execute("SELECT min(ingested_at) FROM documents").fetchone()[0]
    from pipelines.config import PIPELINE_VERSION

    assert versions == [(PIPELINE_VERSION,)] and after > before
    assert runner.invoke(app, ["reprocess", "--since", "yesterday", "-w", str(warehouse)]).exit_code == 2


def test_a_no_op_ingest_exits_0_despite_old_failures_unless_asked(tmp_path):
    """A nightly job must not alert forever about a file that failed once."""
    warehouse = make_warehouse(tmp_path)  # its first run exits 1: a file failed in it
    again = runner.invoke(app, ["ingest", str(tmp_path / "raw"), "-w", str(warehouse)])
    assert again.exit_code == 0, again.output
    assert "1 file(s) failed in an earlier run" in again.stdout
    strict = runner.invoke(app, ["ingest", str(tmp_path / "raw"), "-w", str(warehouse), "--fail-on-any"])
    assert strict.exit_code == 1


def test_an_unknown_reprocess_method_is_a_usage_error(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["reprocess", "--method", "bogus", "-w", str(warehouse)])
    assert result.exit_code == 2
    assert "unknown method 'bogus'" in result.output and "legacy-tcvn3" in result.output and "ocr" in result.output


def test_every_command_says_which_warehouse_it_uses(tmp_path):
    warehouse = make_warehouse(tmp_path)
    for command in (["status"], ["sql", "SELECT 1"], ["search", "thu vien"], ["verify", str(tmp_path / "raw")],
                    ["ingest", str(tmp_path / "raw")]):
        result = runner.invoke(app, [*command, "-w", str(warehouse)])
        assert f"warehouse {warehouse}" in result.stderr, command
        assert f"warehouse {warehouse}" not in result.stdout  # machine-readable output stays clean


def test_status_names_the_file_it_read(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["status", "-w", str(warehouse)])
    (line,) = [ln for ln in result.stdout.splitlines() if ln.startswith("Warehouse: ")]
    from pathlib import Path

    assert Path(line.removeprefix("Warehouse: ")).is_file()


def test_a_table_too_wide_for_the_terminal_becomes_records(tmp_path):
    warehouse = make_warehouse(tmp_path)
    query = "SELECT repeat('x', 60) AS long_name, d.file_name, a.location FROM articles a JOIN documents d USING (document_id)"
    result = runner.invoke(app, ["sql", query, "-w", str(warehouse)])
    assert "── row 1 ──" in result.stdout
    assert "Viện Thông tin Khoa học Xã hội" in result.stdout  # whole, not folded mid-word
    narrow = runner.invoke(app, ["sql", "SELECT 1 AS one", "-w", str(warehouse)])
    assert "── row" not in narrow.stdout and "┃ one ┃" in narrow.stdout
