import json
import shutil

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store import warehouse as wh
from tests.conftest import SAMPLES, open_warehouse

runner = CliRunner()



def _said(result) -> str:
    """A command's output with its line breaks as spaces: the console wraps a long temporary
    path (under xdist, a long one) wherever the terminal's width falls."""
    return " ".join(result.output.split())

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


def test_status_lists_failures_with_reasons(tmp_path, monkeypatch):
    warehouse = make_warehouse(tmp_path)
    # A terminal wide enough for the path: in 80 columns a long temporary path wraps inside
    # the file name (how long depends on where pytest puts tmp_path)
    from pipelines import cli

    monkeypatch.setattr(cli.out, "_width", 250)
    result = runner.invoke(app, ["status", "-w", str(warehouse)])
    assert result.exit_code == 0
    assert "broken.pdf" in _said(result) and "failed" in _said(result)
    assert "damaged PDF" in _said(result)


def test_commands_on_a_missing_warehouse_say_so(tmp_path):
    result = runner.invoke(app, ["status", "-w", str(tmp_path / "none")])
    assert result.exit_code == 2 and "archive ingest" in _said(result)
    # a DuckDB file of the earlier layout is not read as a warehouse: the command that moves it is named
    old = tmp_path / "archive.duckdb"
    duckdb.connect(str(old)).close()
    result = runner.invoke(app, ["sql", "SELECT 1", "-w", str(old)])
    assert result.exit_code == 2 and "archive migrate" in _said(result)


def test_reprocess_reads_selected_documents_again(tmp_path):
    warehouse = make_warehouse(tmp_path)
    with wh.connect(warehouse) as con:  # as if an older extractor had read everything
        con.execute("UPDATE documents SET pipeline_version = '0.0.1'")
        before = con.execute("SELECT max(ingested_at) FROM documents").fetchone()[0]
    nothing = runner.invoke(app, ["reprocess", "--method", "ocr", "-w", str(warehouse)])
    assert nothing.exit_code == 0 and "Nothing to reprocess" in nothing.output
    result = runner.invoke(app, ["reprocess", "-w", str(warehouse)])  # default: the stale ones
    assert "Reprocessing 2 file(s)" in _said(result)
    with open_warehouse(warehouse) as con:
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
    assert "unknown method 'bogus'" in _said(result) and "legacy-tcvn3" in _said(result) and "ocr" in _said(result)


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

    assert Path(line.removeprefix("Warehouse: ").split(" (snapshot")[0]) == Path(warehouse)


def test_a_table_too_wide_for_the_terminal_becomes_records(tmp_path):
    warehouse = make_warehouse(tmp_path)
    query = "SELECT repeat('x', 60) AS long_name, d.file_name, a.location FROM articles a JOIN documents d USING (document_id)"
    result = runner.invoke(app, ["sql", query, "-w", str(warehouse)])
    assert "── row 1 ──" in result.stdout
    assert "Viện Thông tin Khoa học Xã hội" in result.stdout  # whole, not folded mid-word
    narrow = runner.invoke(app, ["sql", "SELECT 1 AS one", "-w", str(warehouse)])
    assert "── row" not in narrow.stdout and "┃ one ┃" in narrow.stdout


def test_status_says_which_snapshot_it_read(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["status", "-w", str(warehouse)])
    assert result.exit_code == 0
    assert "(snapshot 2, load 1 at" in _said(result) and "data files" in _said(result)


def test_export_to_one_duckdb_file_that_sql_and_search_read_as_it_is(tmp_path):
    warehouse = make_warehouse(tmp_path)
    target = tmp_path / "carry" / "archive.duckdb"
    result = runner.invoke(app, ["export", "--duckdb", str(target), "-w", str(warehouse)])
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(target), read_only=True) as con, open_warehouse(warehouse) as lake:
        for table in ("files", "documents", "pages", "articles", "loads", "search_postings", "search_df"):
            assert sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr) == \
                sorted(lake.execute(f"SELECT * FROM {table}").fetchall(), key=repr), table
        assert con.execute("SELECT count(*) FROM v_articles").fetchone() == (1,)  # the views came along
    assert runner.invoke(app, ["export", "--duckdb", str(target), "-w", str(warehouse)]).exit_code == 2  # never overwritten
    sql = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM v_articles", "-w", str(target), "-f", "csv"])
    assert sql.exit_code == 0 and sql.stdout.split() == ["n", "1"]
    found = runner.invoke(app, ["search", "hội nghị ban chấp hành", "-w", str(target), "-f", "json"])
    assert found.exit_code == 0 and json.loads(found.stdout)[0]["title"].startswith("HỘI NGHỊ")


def test_search_reads_the_cache_and_finds_what_the_warehouse_holds(tmp_path):
    from pipelines.core.models import Article, Extraction, Page
    from pipelines.core.store import search, search_cache

    warehouse = make_warehouse(tmp_path)
    location = wh.location_of(warehouse)
    with search_cache.Searcher(location) as searcher, open_warehouse(warehouse) as con:
        cached = searcher.search("hoi nghi")
        assert searcher.last_used == "cache"
        assert [(h.article_id, h.score, h.snippet) for h in cached] == \
            [(h.article_id, h.score, h.snippet) for h in search.search(con, "hoi nghi")]
    with wh.connect(location) as con:  # a commit the cache has not followed: never a stale answer
        wh.load_document(con, Extraction("later", "text/plain", "ok", pages=[Page(1, "text", "x")],
                                         articles=[Article(1, "Hội nghị mới", "Hội nghị thư viện mới.", 1, 1)]),
                         source_path="/raw/later.txt", byte_size=1, pipeline_version="t")
    with search_cache.Searcher(location) as searcher:
        assert "later-1" in [h.article_id for h in searcher.search("hoi nghi")]
        assert searcher.last_used == "warehouse"
        with wh.connect(location) as con:
            assert search_cache.refresh(con, location).state == "updated"
        assert "later-1" in [h.article_id for h in searcher.search("hoi nghi")]
        assert searcher.last_used == "cache"
    search_cache.remove(location)  # no cache at all: the same answer, from the warehouse
    with search_cache.Searcher(location) as searcher:
        assert "later-1" in [h.article_id for h in searcher.search("hoi nghi")]
        assert searcher.last_used == "warehouse"


def test_sql_reads_an_earlier_snapshot(tmp_path):
    warehouse = make_warehouse(tmp_path)
    with wh.connect(warehouse) as con:
        con.execute("DELETE FROM articles")
    now = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM articles", "-w", str(warehouse), "-f", "csv"])
    then = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM articles", "-w", str(warehouse), "-f", "csv", "--snapshot", "2"])
    assert now.stdout.split() == ["n", "0"] and then.stdout.split() == ["n", "1"]
    gone = runner.invoke(app, ["sql", "SELECT 1", "-w", str(warehouse), "--snapshot", "999"])
    assert gone.exit_code == 2 and "no snapshot 999" in gone.output


def test_shell_opens_the_duckdb_cli_on_the_warehouse(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    warehouse = make_warehouse(tmp_path)
    archive = Path(sys.executable).with_name("archive")
    done = subprocess.run([str(archive), "shell", "-w", str(warehouse), "-csv", "-c", "SELECT title FROM v_articles"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=dict(os.environ, HOME=str(tmp_path)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].strip('"').startswith("HỘI NGHỊ")
    refused = subprocess.run([str(archive), "shell", "-w", str(warehouse), "-c", "DELETE FROM articles"],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert refused.returncode != 0 and "read-only" in (refused.stdout + refused.stderr).lower()


def test_maintain_merges_and_keeps_what_analysts_read(tmp_path):
    warehouse = make_warehouse(tmp_path)
    with open_warehouse(warehouse) as con:
        before = con.execute("SELECT * FROM v_articles").fetchall()
    result = runner.invoke(app, ["maintain", "-w", str(warehouse), "--retention-days", "0"])
    assert result.exit_code == 0, result.output
    assert "data files" in _said(result) and "snapshots" in _said(result)
    with open_warehouse(warehouse) as con:
        assert con.execute("SELECT * FROM v_articles").fetchall() == before
    assert runner.invoke(app, ["maintain", "-w", str(tmp_path / "none")]).exit_code == 2


def test_the_command_freezes_its_objects_out_of_the_last_collection():
    """The interpreter's final garbage collection cost 0.8-1.1 s after an ingestion's report;
    `archive` freezes what it made before exiting, in a real process (a subprocess, so that
    this test process's own collector is left alone), and still exits with the command's code."""
    import subprocess
    import sys

    script = ("import gc, sys\n"
              "from pipelines import cli\n"
              "sys.argv = ['archive', '--help']\n"
              "try:\n"
              "    cli.main()\n"
              "except SystemExit as exc:\n"
              "    print(gc.get_freeze_count() > 0, exc.code)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.split()[-2:] == ["True", "0"], done.stderr
