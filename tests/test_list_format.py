"""One format for a list in every CSV the archive writes: a JSON array in the cell. A name with
a comma and diacritics reads back whole from `archive sql -f csv` and `archive export` CSV, and
`--excel` adds the UTF-8 byte order mark Excel needs to show the diacritics."""

from __future__ import annotations

import csv
import io
import json

import duckdb
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import warehouse as wh

runner = CliRunner()
# Made-up names: one holding a comma (as a byline "Trần Thị Mai, Lê Văn Bình" read as one name
# could), one with quotes, one plain.
AUTHORS = ["Trần Thị Mai, Lê Văn Bình", 'Phạm "Út" Hoà', "Vũ Nguyệt"]


def make_warehouse(tmp_path):
    warehouse = tmp_path / "wh"
    with wh.connect(warehouse) as con:
        body = "Ngày 3/4/2016, tại Thư viện tỉnh Nghệ An, hội thảo về sách điện tử đã diễn ra."
        wh.load_document(con, Extraction("doc1", "text/plain", "ok", pages=[Page(1, "text", body)],
                                         articles=[Article(1, "Hội thảo sách điện tử", body, 1, 1, authors=AUTHORS)]),
                         source_path="/raw/doc1.txt", byte_size=1, pipeline_version="t")
    return warehouse


def authors_of(text: str) -> list[str]:
    (row,) = list(csv.DictReader(io.StringIO(text)))
    return json.loads(row["authors"])


def test_sql_csv_writes_lists_as_json_arrays_that_read_back(tmp_path):
    warehouse = make_warehouse(tmp_path)
    result = runner.invoke(app, ["sql", "SELECT title, authors FROM articles", "-w", str(warehouse), "-f", "csv"])
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("\ufeff")
    assert authors_of(result.stdout) == AUTHORS
    assert '"[""Trần Thị Mai, Lê Văn Bình"",' in result.stdout  # JSON, not Python's ['…'] nor DuckDB's […]
    excel = runner.invoke(app, ["sql", "SELECT title, authors FROM articles", "-w", str(warehouse), "--excel"])
    assert excel.exit_code == 0 and excel.stdout.startswith("\ufeff")
    assert authors_of(excel.stdout.removeprefix("\ufeff")) == AUTHORS


def test_export_csv_writes_the_same_format_and_reads_back(tmp_path):
    warehouse = make_warehouse(tmp_path)
    out = tmp_path / "out"
    result = runner.invoke(app, ["export", str(out), "--format", "csv", "-w", str(warehouse)])
    assert result.exit_code == 0, result.output
    for name in ("articles", "v_articles"):
        raw = (out / f"{name}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert authors_of(raw.decode("utf-8")) == AUTHORS, name
    # the same cell as `archive sql -f csv` writes
    sql = runner.invoke(app, ["sql", "SELECT * FROM articles", "-w", str(warehouse), "-f", "csv"])
    assert list(csv.DictReader(io.StringIO(sql.stdout)))[0]["authors"] == \
        list(csv.DictReader(io.StringIO((out / "articles.csv").read_text(encoding="utf-8"))))[0]["authors"]
    # DuckDB reads the list back too
    back = duckdb.sql(f"SELECT from_json(authors, '[\"VARCHAR\"]') FROM read_csv('{out / 'articles.csv'}')").fetchone()[0]
    assert back == AUTHORS


def test_export_excel_starts_with_a_byte_order_mark(tmp_path):
    warehouse = make_warehouse(tmp_path)
    out = tmp_path / "excel"
    result = runner.invoke(app, ["export", str(out), "--excel", "-w", str(warehouse)])
    assert result.exit_code == 0, result.output
    raw = (out / "v_articles.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert authors_of(raw.decode("utf-8-sig")) == AUTHORS
    assert runner.invoke(app, ["export", str(out), "--excel", "--format", "parquet", "-w", str(warehouse)]).exit_code == 2
