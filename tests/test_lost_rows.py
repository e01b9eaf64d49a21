"""One source of truth: whatever happens to the warehouse's files, an ingestion ends with every
file under raw/ in `files`, or refuses with the problem named — never with rows silently lost.

Before, the planner took a published copy as the record of what was loaded: after the live
file was deleted or restored from an older backup, it skipped the files the live warehouse no
longer held, and the next publish overwrote the copy that still had them."""

from __future__ import annotations

import contextlib
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.core.store import maintain
from pipelines.core.store import warehouse as wh
from tests.conftest import SAMPLES, open_warehouse

runner = CliRunner()
TEXT = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))  # one run history across the runs
    raw = tmp_path / "raw"
    raw.mkdir()
    return raw, tmp_path / "wh"


def add(raw: Path, name: str) -> None:
    (raw / name).write_text(TEXT.replace("lần thứ 4", f"lần thứ {name}"), encoding="utf-8")


def ingest(raw: Path, warehouse: Path):
    return runner.invoke(app, ["ingest", str(raw), "-w", str(warehouse)])


def held(warehouse: Path) -> set[str]:
    with open_warehouse(warehouse) as con:
        return {Path(r[0]).name for r in con.execute("SELECT source_path FROM files").fetchall()}


def backup(warehouse: Path, to: Path) -> None:
    """A consistent copy of the catalog (the SQLite backup API: committed pages in the WAL too)."""
    with contextlib.closing(sqlite3.connect(warehouse / "catalog.sqlite")) as source, \
            contextlib.closing(sqlite3.connect(to)) as target:
        source.backup(target)


def restore(copy: Path, warehouse: Path) -> None:
    for suffix in ("-wal", "-shm"):
        (warehouse / f"catalog.sqlite{suffix}").unlink(missing_ok=True)
    shutil.copy(copy, warehouse / "catalog.sqlite")


def test_the_whole_warehouse_deleted_then_an_ingestion_reads_every_file_again(setup):
    raw, warehouse = setup
    add(raw, "a.txt"), add(raw, "b.txt")
    assert ingest(raw, warehouse).exit_code == 0
    shutil.rmtree(warehouse)  # what `rm wh.duckdb*` was: the live warehouse gone, Dagster's history kept
    add(raw, "c.txt")
    result = ingest(raw, warehouse)
    assert result.exit_code == 0, result.output
    assert held(warehouse) == {"a.txt", "b.txt", "c.txt"}
    assert re.search(r"new or changed\s*│ 3 ", result.output)


def test_the_catalog_deleted_beside_its_data_is_refused_naming_the_problem(setup):
    raw, warehouse = setup
    add(raw, "a.txt"), add(raw, "b.txt")
    assert ingest(raw, warehouse).exit_code == 0
    for name in ("catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm"):
        (warehouse / name).unlink(missing_ok=True)
    add(raw, "c.txt")
    result = ingest(raw, warehouse)
    assert result.exit_code == 1
    assert "catalog.sqlite is missing" in result.output and "data file(s)" in result.output
    assert not list((warehouse / "staging").glob("*.json"))  # refused before reading anything
    shutil.rmtree(warehouse / "data")  # the way out the message gives: start empty, read everything again
    assert ingest(raw, warehouse).exit_code == 0
    assert held(warehouse) == {"a.txt", "b.txt", "c.txt"}


def test_an_older_catalog_restored_then_an_ingestion_loses_nothing(setup, tmp_path):
    raw, warehouse = setup
    add(raw, "a.txt"), add(raw, "b.txt")
    assert ingest(raw, warehouse).exit_code == 0
    backup(warehouse, tmp_path / "backup.sqlite")
    add(raw, "c.txt")
    assert ingest(raw, warehouse).exit_code == 0
    assert held(warehouse) == {"a.txt", "b.txt", "c.txt"}
    restore(tmp_path / "backup.sqlite", warehouse)  # c.txt is materialized in Dagster, not in this catalog
    assert held(warehouse) == {"a.txt", "b.txt"}
    add(raw, "d.txt")
    result = ingest(raw, warehouse)
    assert result.exit_code == 0, result.output
    assert re.search(r"new or changed\s*│ 2 ", result.output)  # c.txt and d.txt
    assert held(warehouse) == {"a.txt", "b.txt", "c.txt", "d.txt"}
    verify = runner.invoke(app, ["verify", str(raw), "-w", str(warehouse)])
    assert verify.exit_code == 0, verify.output


def test_a_catalog_older_than_the_data_clean_up_is_refused_naming_the_problem(setup, tmp_path):
    raw, warehouse = setup
    add(raw, "a.txt"), add(raw, "b.txt")
    assert ingest(raw, warehouse).exit_code == 0
    backup(warehouse, tmp_path / "backup.sqlite")
    (raw / "a.txt").write_text(TEXT + "\nSửa.", encoding="utf-8")  # new bytes: a.txt's old rows go
    assert ingest(raw, warehouse).exit_code == 0
    location = wh.location_of(warehouse)
    with wh.connect(location) as con:  # maintenance with no retention, after the grace period
        maintain.maintain(con, location, 0, now=wh.utcnow() + maintain.GRACE * 2)
    restore(tmp_path / "backup.sqlite", warehouse)
    result = ingest(raw, warehouse)
    assert result.exit_code == 1
    assert "data file(s) that are not in" in result.output and "restored from a backup" in result.output


def test_make_clean_warehouse_leaves_nothing_behind(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    folder = tmp_path / "warehouse"
    for name in ("data/main/files", "staging", "search", "published"):
        (folder / name).mkdir(parents=True)
    for name in (".gitkeep", "catalog.sqlite", "catalog.sqlite-wal", ".writer.lock", "archive.duckdb", "search/slot-a.duckdb",
                 "data/main/files/x.parquet", "staging/doc.json", "published/archive.duckdb"):
        (folder / name).write_text("x")
    (tmp_path / ".dagster").mkdir()
    subprocess.run(["make", "clean-warehouse"], cwd=tmp_path, check=True, capture_output=True)
    assert [p.name for p in folder.iterdir()] == [".gitkeep"]
    assert not (tmp_path / ".dagster").exists()
