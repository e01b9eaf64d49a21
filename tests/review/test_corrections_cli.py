"""`archive corrections export|import`: a reviewer's work moves between warehouses, and
importing twice changes nothing."""

import json
import shutil

from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store import corrections as cx
from pipelines.core.store import warehouse as wh
from tests.conftest import SAMPLES

runner = CliRunner()


def ingest(tmp_path, name):
    raw = tmp_path / f"raw-{name}"
    raw.mkdir()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", raw)
    warehouse = tmp_path / name
    assert runner.invoke(app, ["ingest", str(raw), "-w", str(warehouse)]).exit_code == 0
    return warehouse


def test_export_then_import_twice(tmp_path):
    here, there = ingest(tmp_path, "here"), ingest(tmp_path, "there")
    con = wh.connect(here)
    article_id = con.execute("SELECT article_id FROM articles").fetchone()[0]
    cx.save(con, article_id=article_id, field="published_date", value="23/05/2014", expected="2014-05-22", reviewer="Lan")
    cx.save(con, article_id=article_id, field="authors", value="Hồng Vân, Minh Anh", expected='["Hồng Vân"]', reviewer="Lan")
    con.close()
    for fmt in ("csv", "json"):
        exported = tmp_path / f"work.{fmt}"
        result = runner.invoke(app, ["corrections", "export", str(exported), "-w", str(here)])
        assert result.exit_code == 0, result.output
        assert runner.invoke(app, ["corrections", "export", str(exported), "-w", str(here)]).exit_code == 2  # no overwrite
    assert len(json.loads((tmp_path / "work.json").read_text(encoding="utf-8"))) == 2
    first = runner.invoke(app, ["corrections", "import", str(tmp_path / "work.csv"), "-w", str(there)])
    assert first.exit_code == 0 and "2 correction row(s) added, 0 already there" in first.output
    assert "2 applied" in first.output
    again = runner.invoke(app, ["corrections", "import", str(tmp_path / "work.json"), "-w", str(there)])
    assert again.exit_code == 0 and "0 correction row(s) added, 2 already there" in again.output
    con = wh.connect(there, read_only=True)
    assert con.execute("SELECT published_date::VARCHAR, authors FROM v_articles").fetchall() == [
        ("2014-05-23", ["Hồng Vân", "Minh Anh"])]
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (2,)
    con.close()


def test_a_bad_file_is_a_usage_error_and_imports_nothing(tmp_path):
    warehouse = ingest(tmp_path, "wh")
    bad = tmp_path / "bad.json"
    bad.write_text('[{"correction_id": "x"}]', encoding="utf-8")
    result = runner.invoke(app, ["corrections", "import", str(bad), "-w", str(warehouse)])
    assert result.exit_code == 2 and "row 1: no thread_id" in result.output
    assert runner.invoke(app, ["corrections", "import", str(tmp_path / "none.csv"), "-w", str(warehouse)]).exit_code == 2
    (tmp_path / "work.txt").write_text("", encoding="utf-8")
    assert "--format" in runner.invoke(app, ["corrections", "import", str(tmp_path / "work.txt"), "-w", str(warehouse)]).output
    con = wh.connect(warehouse, read_only=True)
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (0,)
    con.close()


def test_archive_export_carries_the_corrections_and_the_values_in_force(tmp_path):
    warehouse = ingest(tmp_path, "wh")
    con = wh.connect(warehouse)
    article_id = con.execute("SELECT article_id FROM articles").fetchone()[0]
    cx.save(con, article_id=article_id, field="authors", value="Hồng Vân, Minh Anh", expected='["Hồng Vân"]', reviewer="Lan",
            note="ảnh của Minh Anh")
    con.close()
    folder = tmp_path / "exports"
    assert runner.invoke(app, ["export", str(folder), "--format", "parquet", "-w", str(warehouse)]).exit_code == 0
    assert runner.invoke(app, ["export", "--duckdb", str(tmp_path / "copy.duckdb"), "-w", str(warehouse)]).exit_code == 0
    import duckdb

    local = duckdb.connect()
    assert local.execute(f"SELECT field, value, extracted_value, reviewer, note FROM '{folder / 'corrections.parquet'}'"
                         ).fetchall() == [("authors", '["Hồng Vân","Minh Anh"]', '["Hồng Vân"]', "Lan", "ảnh của Minh Anh")]
    assert local.execute(f"SELECT authors, extracted_authors, corrected FROM '{folder / 'v_articles.parquet'}'").fetchall() == [
        (["Hồng Vân", "Minh Anh"], ["Hồng Vân"], True)]
    assert local.execute(f"SELECT state FROM '{folder / 'v_corrections.parquet'}'").fetchall() == [("applied",)]
    copy = duckdb.connect(str(tmp_path / "copy.duckdb"), read_only=True)
    assert copy.execute("SELECT authors, corrected FROM v_articles").fetchall() == [(["Hồng Vân", "Minh Anh"], True)]
    assert copy.execute("SELECT reviewer, note FROM corrections").fetchall() == [("Lan", "ảnh của Minh Anh")]
    copy.close()
