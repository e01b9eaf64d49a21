"""The Dagster run history grows with the files processed, not with the square of the batch:
each partition carries its own file's result, the batch's figures are told once, and old runs
can be pruned."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import dagster as dg
import pytest

from pipelines.config import load_settings
from pipelines.core.models import Article, Extraction, Page
from pipelines.core.runtime.plan import ScannedFile
from pipelines.defs import history
from pipelines.defs.documents import (
    MAX_LISTED_FAILURES,
    MAX_PREVIEWED_ARTICLES,
    page_methods,
    path_to_key,
    plan_partitions,
    range_tags,
    run_summary,
)
from pipelines.defs.resources import Progress, WarehouseResource
from pipelines.defs.runner import project_instance, run_ingest

QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


def _folder_size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _tiny_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"tin-{i:05d}.txt"
        path.write_text(f"TIN SỐ {i}\n\nNgày 3/4/2015, tại Thư viện tỉnh Quảng Ninh, buổi họp thứ {i} đã diễn ra.\n\nTin: Minh Anh\n",
                        encoding="utf-8")
        paths.append(path)
    return paths


def _read_batch(instance: dg.DagsterInstance, roots: list[Path], warehouse: WarehouseResource) -> dg.ExecuteInProcessResult:
    """What `archive ingest` does before loading: every file a partition, one ranged run."""
    from pipelines.definitions import defs

    _scanned, _problems, keys = plan_partitions(instance, roots, warehouse)
    return defs.resolve_job_def("read_files").execute_in_process(
        run_config=QUIET, instance=instance, resources={"warehouse": warehouse, "progress": Progress()},
        raise_on_error=False, tags=range_tags(keys),
    )


def _latest_metadata(instance: dg.DagsterInstance, key: str) -> dict:
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("document"), asset_partitions=[key]), limit=1
    ).records
    return {name: value.value for name, value in records[0].asset_materialization.metadata.items()}


def test_a_batch_of_2000_files_grows_the_run_history_by_a_few_kb_a_file(tmp_path):
    raw = tmp_path / "raw"
    paths = _tiny_files(raw, 2000)
    (raw / "empty.pdf").write_bytes(b"")
    settings = load_settings()
    instance = project_instance(settings)
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    home = settings.dagster_home
    before = _folder_size(home)

    result = _read_batch(instance, [raw], warehouse)

    assert result.success
    grown = _folder_size(home) - before
    assert grown < 20_000_000, f"the run history grew by {grown / 1e6:.1f} MB for 2,001 files"

    # One partition's materialization names its own file and nothing else of the batch.
    mine = _latest_metadata(instance, path_to_key(paths[7]))
    assert mine["status"] == "ok"
    assert mine["result"]["document_id"] == hashlib.sha256(paths[7].read_bytes()).hexdigest()
    assert mine["result"]["methods"] == "p1 text" and mine["result"]["articles"] == 1
    text = json.dumps(mine, ensure_ascii=False, default=str)
    assert "tin-00008" not in text and hashlib.sha256(paths[8].read_bytes()).hexdigest() not in text
    assert len(text) < 1000
    # A failed file's partition says why.
    failed = _latest_metadata(instance, path_to_key(raw / "empty.pdf"))
    assert failed["status"] == "failed" and "empty file" in failed["reason"]

    # The batch's figures are told once, by the files_read check, which warns about the failure.
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "files_read"]
    assert not evaluation.passed
    summary = {name: value.value for name, value in evaluation.metadata.items()}
    assert summary["documents_read"] == 2001 and summary["by_status"] == {"ok": 2000, "failed": 1}
    assert [f["path"] for f in summary["failures"]] == [str(raw / "empty.pdf")]
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["archive/documents_read"] == "2001" and tags["archive/failed"] == "1"
    instance.dispose()


def _extraction(i: int, status: str = "ok", articles: int = 0) -> tuple[ScannedFile, Extraction]:
    item = ScannedFile(f"/raw/f{i}.pdf", 10, None, f"doc{i}", "application/pdf")
    extraction = Extraction(f"doc{i}", "application/pdf", status, error=None if status == "ok" else f"reason {i}",
                            pages=[Page(1, "text", "x")],
                            articles=[Article(seq=n, title=f"T{i}.{n}", body="b", page_start=1, page_end=1) for n in range(articles)])
    return item, extraction


def test_lists_in_run_metadata_are_bounded_and_say_what_was_left_out():
    read = [_extraction(i, "failed") for i in range(MAX_LISTED_FAILURES + 7)] + [_extraction(999, articles=MAX_PREVIEWED_ARTICLES + 5)]
    summary = run_summary(read, seconds=10.0, settings=load_settings())
    assert len(summary["failures"].value) == MAX_LISTED_FAILURES
    assert summary["failures_not_listed"] == 7
    assert summary["preview"].value.count("\n- **") == MAX_PREVIEWED_ARTICLES - 1
    assert summary["preview"].value.endswith("… and 5 more")


def test_page_methods_are_runs_and_bounded():
    pages = [Page(n, "ocr" if n == 4 else "text", "") for n in range(1, 8)]
    assert page_methods(pages) == "p1-3 text, p4 ocr, p5-7 text"
    alternating = [Page(n, "ocr" if n % 2 else "text", "") for n in range(1, 41)]
    assert page_methods(alternating).endswith("… 28 more")


def _history_of(instance: dg.DagsterInstance, keys: list[str]) -> list:
    """What the UI shows per partition: its latest materialization's metadata, and the asset's
    latest materialization and run."""
    per_partition = [_latest_metadata(instance, key) for key in keys]
    for metadata in per_partition:
        metadata["result"].pop("read_seconds", None)
    record = instance.get_asset_records([dg.AssetKey("document")])[0].asset_entry
    return [per_partition, record.last_materialization.asset_materialization.partition,
            record.last_run_id is not None, sorted(instance.get_materialized_partitions(dg.AssetKey("document")))]


def test_the_batched_event_log_records_what_dagsters_own_records(tmp_path, monkeypatch):
    """BatchedSqliteEventLogStorage relies on Dagster internals (pinned): it must store the
    same events as Dagster's SqliteEventLogStorage, one by one."""
    raw = tmp_path / "raw"
    paths = _tiny_files(raw, 5)
    keys = [path_to_key(p) for p in paths]
    outcomes = []
    for name, batched in (("plain", False), ("batched", True)):
        home = tmp_path / name
        home.mkdir()
        if batched:
            (home / "dagster.yaml").write_text(history.instance_yaml(home), encoding="utf-8")
            monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "1000")
        else:
            monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "0")
        instance = dg.DagsterInstance.from_config(str(home))
        assert isinstance(instance.event_log_storage, history.BatchedSqliteEventLogStorage) == batched
        warehouse = WarehouseResource(path=str(tmp_path / f"wh-{name}"))
        assert _read_batch(instance, [raw], warehouse).success
        outcomes.append(_history_of(instance, keys))
        instance.dispose()
    assert outcomes[0] == outcomes[1]


def _schema(database: Path) -> tuple:
    import sqlite3

    con = sqlite3.connect(database)
    try:
        return (sorted(con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()),
                con.execute("SELECT version_num FROM alembic_version").fetchall(),
                con.execute("PRAGMA journal_mode").fetchall())
    finally:
        con.close()


def test_a_new_runs_database_is_copied_from_a_template_dagster_made(tmp_path):
    """Run shards are copied from a template made once by Dagster's own initialization:
    the copy has Dagster's schema, stamp and journal mode, and a run reads back its events."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    own = SqliteEventLogStorage(str(tmp_path / "own"))
    with own.run_connection("r0"):
        pass
    storage = history.BatchedSqliteEventLogStorage(str(tmp_path / "batched"))
    for run_id in ("r1", "r2"):
        with storage.run_connection(run_id):
            pass
    templates = list((tmp_path / "batched").glob(".run-template-*.sqlite"))
    assert len(templates) == 1 and dg.__version__ in templates[0].name
    assert _schema(tmp_path / "batched" / "r2.db") == _schema(tmp_path / "own" / "r0.db")
    assert not list((tmp_path / "batched").glob(".*.db.*"))  # no draft left behind
    assert sorted(p.name for p in (tmp_path / "batched").glob("*.db")) == ["index.db", "r1.db", "r2.db"]


def test_the_event_log_keeps_a_database_open_and_syncs_it_at_checkpoints(tmp_path):
    """Dagster opens and closes a database per event: closing the last connection folds and
    syncs the log each time. The project's event log keeps one idle connection per database,
    its connections sync at checkpoints, and a run's log is folded and emptied when it ends."""
    storage = history.BatchedSqliteEventLogStorage(str(tmp_path / "runs"))
    with storage.run_connection("r1") as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with storage.run_connection("r1") as conn:
        conn.exec_driver_sql("SELECT count(*) FROM event_logs").scalar()
    assert set(storage._held) == {"index", "r1"}
    assert (tmp_path / "runs" / "r1.db-wal").exists()  # not folded at every close
    storage.dispose()
    assert not storage.__dict__.get("_held")

    raw = tmp_path / "raw"
    _tiny_files(raw, 3)
    settings = load_settings().with_warehouse(tmp_path / "wh")
    report = run_ingest(settings, [raw])
    assert report.success
    shards = Path(settings.dagster_home) / "history" / "runs"
    for run in project_instance(settings).get_runs():
        wal = shards / f"{run.run_id}.db-wal"
        assert not wal.exists() or wal.stat().st_size == 0, f"{run.run_id}: its log was not folded when it ended"


def test_an_existing_project_instance_is_moved_to_the_batched_event_log(tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(history._FIRST_YAML, encoding="utf-8")
    instance = history.project_instance(home)
    assert isinstance(instance.event_log_storage, history.BatchedSqliteEventLogStorage)
    instance.dispose()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # a user's own file
    history.project_instance(home).dispose()
    assert (home / "dagster.yaml").read_text(encoding="utf-8") == "telemetry:\n  enabled: false\n"


@pytest.mark.parametrize("via", ["function", "cli"])
def test_old_runs_are_pruned_but_every_files_latest_materialization_is_kept(tmp_path, via):
    raw = tmp_path / "raw"
    _tiny_files(raw, 3)
    settings = load_settings().with_warehouse(tmp_path / "wh")
    first = run_ingest(settings, [raw])
    (raw / "tin-00001.txt").write_text("TIN MỚI\n\nNgày 5/6/2016, một buổi khác.\n", encoding="utf-8")
    second = run_ingest(settings, [raw])
    assert first.success and second.success and first.run_id != second.run_id
    instance = project_instance(settings)
    runs_before = {r.run_id for r in instance.get_runs()}
    assert len(runs_before) == 4  # two reads, two loads

    if via == "cli":
        from typer.testing import CliRunner

        from pipelines.cli import app

        instance.dispose()
        outcome = CliRunner().invoke(app, ["prune-runs", "--older-than", "0", "-w", settings.warehouse])
        assert outcome.exit_code == 0, outcome.output
        assert "Deleted 1 run(s)" in outcome.output
        instance = project_instance(settings)
    else:
        report = history.prune_runs(instance, older_than_days=0, now=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
        assert report.kept_as_latest == 3
        assert report.deleted and report.bytes_after < report.bytes_before
    left = {r.run_id for r in instance.get_runs()}
    # The first load was superseded by the second; the first read still holds two files' latest
    # materializations; the second read and load hold the rest.
    assert len(left) == 3 and first.run_id in left and second.run_id in left
    assert len(instance.get_materialized_partitions(dg.AssetKey("document"))) == 3
    (gone,) = runs_before - left
    assert not (settings.dagster_home / "history" / "runs" / f"{gone}.db").exists()
    instance.dispose()


@pytest.mark.parametrize("left", ["an empty file", "tables without a stamp"])
def test_a_history_index_left_half_made_by_a_kill_is_finished(tmp_path, left):
    """Dagster makes its cross-run index only when the file does not exist. An ingestion killed
    in its first second left the file without Dagster's tables (seen in the SIGKILL test), and
    every later ingestion failed: "requires the dynamic partitions table"."""
    import contextlib
    import sqlite3

    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    SqliteEventLogStorage(str(tmp_path / "own"))  # a whole index, as Dagster makes it
    base = tmp_path / "runs"
    base.mkdir()
    index = base / "index.db"
    if left == "an empty file":
        index.touch()
    else:  # killed after some of the tables were made: each is whole (SQLite's DDL is atomic)
        import shutil

        shutil.copyfile(tmp_path / "own" / "index.db", index)
        with contextlib.closing(sqlite3.connect(index)) as db:
            for table in ("alembic_version", "dynamic_partitions", "asset_keys"):
                db.execute(f"DROP TABLE {table}")
            db.commit()
    storage = history.BatchedSqliteEventLogStorage(str(base))
    assert storage.get_dynamic_partitions("source_files") == []
    storage.add_dynamic_partitions("source_files", ["a.pdf"])
    assert storage.get_dynamic_partitions("source_files") == ["a.pdf"]
    own, made = _schema(tmp_path / "own" / "index.db"), _schema(index)
    assert {row[1] for row in own[0]} <= {row[1] for row in made[0]}
    assert made[1:] == own[1:]  # Dagster's stamp and journal mode
    storage.dispose()


def test_an_ingestion_after_one_killed_while_making_the_history_reads_everything(tmp_path):
    import dataclasses

    settings = dataclasses.replace(load_settings().with_warehouse(tmp_path / "wh"), dagster_home_override=tmp_path / "dagster")
    (tmp_path / "dagster" / "history" / "runs").mkdir(parents=True)
    (tmp_path / "dagster" / "history" / "runs" / "index.db").touch()  # what the kill left
    (tmp_path / "dagster" / "dagster.yaml").write_text("")  # killed while writing it, too
    _tiny_files(tmp_path / "raw", 3)
    report = run_ingest(settings, [tmp_path / "raw"])
    assert report.success and report.run_error is None, report.run_error
    assert report.totals["files"] == 3
    assert "BatchedSqliteEventLogStorage" in (tmp_path / "dagster" / "dagster.yaml").read_text()
