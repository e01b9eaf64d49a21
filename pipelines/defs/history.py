"""The project's Dagster instance: where run history lives, and how it is written fast.

A batch of N files is one run with N partitions, and Dagster records two events per partition
(materialization planned, materialization). Its SQLite event log opens a new database engine
for every event and commits it alone, so a 10,000-file batch spent longer recording itself
than reading the files. Dagster already hands partitioned events over in batches when
``DAGSTER_EVENT_BATCH_SIZE`` is set; ``BatchedSqliteEventLogStorage`` is its SQLite event log
with the one method it lacks, ``store_event_batch``: a batch costs one transaction on the
run's database and one on the index, whatever its size. Everything else is Dagster's own.
Together with a single "planned" event per run (``DAGSTER_ENV``) and a few hundred bytes of
metadata per file (pipelines/defs/documents.py), a file costs the history a few KB.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.events import ASSET_CHECK_EVENTS, ASSET_EVENTS, EVENT_TYPE_TO_PIPELINE_RUN_STATUS, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SqliteEventLogStorage
from dagster._core.storage.sqlalchemy_compat import db_result
import sqlalchemy
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

# Dagster's own settings for large partitioned runs, set for every process of the project
# (`archive` commands, and `archive ui` with its daemon and run workers):
DAGSTER_ENV = {
    # events handed to the storage at once (0 writes them one by one);
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
    # one "materialization planned" event per asset and run, naming its partitions as a range,
    # instead of one per file (Dagster's note: the partitions of a run that crashes as a whole
    # are then not marked failed; the run is, and every file it did not stage is read again by
    # the next one).
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "true",
}


def set_dagster_env(env=os.environ) -> None:
    for name, value in DAGSTER_ENV.items():
        env.setdefault(name, value)

_MARKER = "# managed by `archive`"
INSTANCE_YAML = f"""\
{_MARKER}: the project's Dagster instance (run history for `archive ingest` and `archive ui`).
# Remove the line above to keep your own edits: the file is then left as it is.
telemetry:
  enabled: false
# One DuckDB writer at a time: the loader runs in the pool `duckdb_writer`.
concurrency:
  pools:
    default_limit: 1
# Dagster's SQLite event log, with partitioned events written a batch per transaction.
event_log_storage:
  module: pipelines.defs.history
  class: BatchedSqliteEventLogStorage
  config:
    base_dir: {{base_dir}}
"""


# What earlier versions wrote: replaced like a managed file.
_FIRST_YAML = """\
# The project's Dagster instance: run history for `archive ingest` and `archive ui`.
telemetry:
  enabled: false
# One DuckDB writer at a time: the loader runs in the pool `duckdb_writer`.
concurrency:
  pools:
    default_limit: 1
"""


class BatchedSqliteEventLogStorage(SqliteEventLogStorage):
    """SQLite event log whose batches (a partitioned run's materializations and planned
    materializations) are written in one transaction per database."""

    def __init__(self, base_dir: str, inst_data=None) -> None:
        super().__init__(base_dir, inst_data)
        self._finish_index()

    def _finish_index(self) -> None:
        """Dagster makes the cross-run index only when its file does not exist yet. A process
        killed while making it (the file created, its tables not yet, e.g. an `archive ingest`
        stopped in its first second) left a history Dagster cannot use: the next ingestion
        failed on "requires the dynamic partitions table". An index without Dagster's stamp
        is finished as Dagster's own first connection to an index would: the tables it lacks
        are made (each was made whole or not at all), then it is stamped and reindexed."""
        path = Path(self.path_for_shard(INDEX_SHARD_NAME))
        try:
            with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS)) as db:
                stamped = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'").fetchone()
                if stamped:
                    stamped = db.execute("SELECT 1 FROM alembic_version LIMIT 1").fetchone()
        except sqlite3.Error:
            stamped = None  # unreadable: Dagster's initialization says what is wrong
        if stamped:
            return
        engine = create_engine(self.conn_string_for_shard(INDEX_SHARD_NAME), poolclass=NullPool,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        try:  # as Dagster's own first connection to an index does: missing tables made, stamped
            super()._initdb(engine)
        finally:
            engine.dispose()
        self.reindex_events()
        self.reindex_assets()

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> BatchedSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """Dagster's own (SqliteEventLogStorage._connect), and two things more. Dagster opens
        and closes a database per event; closing the last connection to a WAL database folds
        the log back into it and syncs it to disk, ~15 ms an event here, most of a small
        ingestion's time. So this process keeps one idle connection open to each database it
        writes (no lock held; closed at dispose and when more than a few are open), and its
        connections sync at checkpoints, not at every commit (``synchronous=NORMAL``, SQLite's
        advice for WAL: a crash of the program loses nothing; a power cut may lose the last
        events recorded — the warehouse, not the run history, is the record of what is loaded)."""
        with self._db_lock:
            engine = create_engine(self.conn_string_for_shard(shard), poolclass=NullPool,
                                   connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
            sqlalchemy.event.listen(engine, "connect", _sync_at_checkpoints)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            self._keep_open(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
            engine.dispose()

    def _keep_open(self, shard: str) -> None:
        held = self.__dict__.setdefault("_held", OrderedDict())
        if shard in held:
            held.move_to_end(shard)
            return
        path = Path(self._base_dir) / f"{shard}.db"
        if not path.exists():
            return
        con = sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_SECONDS, check_same_thread=False)
        con.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # maps the WAL; no lock kept
        held[shard] = con
        while len(held) > _HELD_DATABASES:
            _shard, oldest = held.popitem(last=False)
            oldest.close()

    def dispose(self) -> None:
        for con in self.__dict__.pop("_held", {}).values():
            con.close()
        super().dispose()

    def store_event(self, event: EventLogEntry) -> None:
        super().store_event(event)
        self._after(event)

    def _after(self, event: EventLogEntry) -> None:
        """A run that has ended has its database folded and let go (its log truncated), and
        the index's log with it: the history on disk is what it was before, run by run."""
        if event.is_dagster_event and event.dagster_event_type in _RUN_ENDS:
            held = self.__dict__.get("_held", {})
            with self._db_lock:
                ended = held.pop(event.run_id, None)
                for con in (ended, held.get("index")):
                    if con is not None:
                        with contextlib.suppress(sqlite3.Error):
                            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
                if ended is not None:
                    ended.close()

    def _initdb(self, engine, for_index_shard: bool = False) -> None:
        """A new run's database copied from a template made once per Dagster version:
        creating one (its tables, then an alembic stamp) cost ~0.3 s of CPU per run, and an
        ingestion makes two runs. The template is made by Dagster's own initialization, so
        the copy is what Dagster would have made; anything else goes the usual way."""
        path = Path(engine.url.database or "")
        if for_index_shard or path.name == "index.db" or path.parent != Path(self._base_dir) or path.exists():
            super()._initdb(engine, for_index_shard)
            return
        try:
            _copy_new(self._shard_template(), path)
        except FileExistsError:  # made meanwhile by another process: check it the usual way
            super()._initdb(engine, for_index_shard)

    def _shard_template(self) -> Path:
        template = Path(self._base_dir) / f".run-template-{dg.__version__}.sqlite"
        if not template.exists():
            draft = template.with_name(f"{template.name}.{os.getpid()}")
            draft.unlink(missing_ok=True)
            engine = create_engine(f"sqlite:///{draft}", poolclass=NullPool)
            try:
                super()._initdb(engine)
            finally:
                engine.dispose()  # the last connection closed: SQLite folds the WAL into the file
            os.replace(draft, template)  # made alike by whoever gets there: the last one stays
        return template

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        if len({event.run_id for event in events}) != 1:  # not a batch this method knows
            for event in events:
                self.store_event(event)
            return
        self._store_batch(events)
        for event in events:
            self._after(event)

    def _store_batch(self, events: Sequence[EventLogEntry]) -> None:
        statements = [self.prepare_insert_event(event) for event in events]
        with self.run_connection(events[0].run_id) as conn:
            for statement in statements:
                conn.execute(statement)
        # Mirrored in the cross-run index as SqliteEventLogStorage.store_event does, asset
        # events in a single transaction.
        assets = [(e, st) for e, st in zip(events, statements) if _is_asset_event(e)]
        if assets:
            with self.index_transaction() as conn:
                ids = []
                for _event, statement in assets:
                    with db_result(conn, statement) as result:
                        ids.append(result.inserted_primary_key[0])
                self._store_asset_event_tags(conn, [e for e, _st in assets], ids)
                # The asset's summary row keeps the latest event of each kind: writing only the
                # last one of each gives the same row as writing them all in turn.
                latest = {(e.dagster_event.asset_key, e.dagster_event_type): (e, i) for (e, _st), i in zip(assets, ids)}
                for event, event_id in sorted(latest.values(), key=lambda pair: pair[1]):
                    self._store_asset_event(conn, event, event_id)
        for event, statement in zip(events, statements):
            if event.is_dagster_event and event.dagster_event_type in ASSET_CHECK_EVENTS:
                with self.index_connection() as conn, db_result(conn, statement) as result:
                    event_id = result.inserted_primary_key[0]
                self.store_asset_check_event(event, event_id)
            elif event.is_dagster_event and event.dagster_event_type in EVENT_TYPE_TO_PIPELINE_RUN_STATUS:
                with self.index_connection() as conn:
                    conn.execute(statement)


_RUN_ENDS = frozenset({DagsterEventType.RUN_SUCCESS, DagsterEventType.RUN_FAILURE, DagsterEventType.RUN_CANCELED})
_HELD_DATABASES = 8  # the index and the runs of this process: a daemon's old runs are let go


def _sync_at_checkpoints(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def _copy_new(source: Path, target: Path) -> None:
    """``source``'s bytes at ``target``, which must not exist yet (FileExistsError): written
    beside it, then linked in place, so no reader ever sees half a database."""
    draft = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.copyfile(source, draft)
    try:
        os.link(draft, target)
    finally:
        draft.unlink(missing_ok=True)


def _is_asset_event(event: EventLogEntry) -> bool:
    return bool(event.is_dagster_event and event.dagster_event_type in ASSET_EVENTS and event.dagster_event.asset_key)


def write_workspace(home: Path, project_dir: Path) -> Path:
    """The workspace the UI and daemon load: the project's definitions, under the code location
    name of pyproject.toml's [tool.dagster]."""
    path = home / "workspace.yaml"
    path.write_text(
        "# written by `archive ui`\n"
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: pipelines.definitions\n"
        f"      location_name: {CODE_LOCATION}\n"
        f"      working_directory: {project_dir}\n",
        encoding="utf-8",
    )
    return path


CODE_LOCATION = "bulletin_archive"


def instance_yaml(home: Path) -> str:
    return INSTANCE_YAML.format(base_dir=str(home / "history" / "runs"))


def project_instance(home: Path) -> dg.DagsterInstance:
    """The Dagster instance in ``home`` (created on first use)."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = instance_yaml(home)
    current = config.read_text(encoding="utf-8") if config.exists() else None
    # An empty file is what a process killed while writing it leaves: made again, like a new one.
    if not current or (current != wanted and (current.startswith(_MARKER) or current == _FIRST_YAML)):
        draft = config.with_name(f".{config.name}.{os.getpid()}")
        draft.write_text(wanted, encoding="utf-8")
        os.replace(draft, config)  # whole or not at all
    set_dagster_env()
    return dg.DagsterInstance.from_config(str(home))


# Runs older than this are pruned by `archive prune-runs` and the `prune_run_history` schedule.
DEFAULT_RETENTION_DAYS = 90


@dataclass
class PruneReport:
    deleted: list[str]
    kept_as_latest: int  # old runs kept: they hold the latest materialization of an asset or file
    bytes_before: int
    bytes_after: int


def prune_runs(instance: dg.DagsterInstance, older_than_days: float, now: dt.datetime | None = None) -> PruneReport:
    """Delete finished runs created more than ``older_than_days`` ago, with their events and
    logs, except those holding the latest materialization of an asset or of a file's partition
    (the UI keeps showing every file's current state; the warehouse keeps everything else, run
    by run, in ``run_documents``). A nightly archive grows its history with the files it holds,
    not with the nights it has run."""
    now = now or dt.datetime.now(dt.timezone.utc)
    home = Path(instance.root_directory)
    before = _size(home)
    cutoff = now - dt.timedelta(days=older_than_days)
    finished = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
    old = [r.dagster_run.run_id for r in instance.get_run_records(filters=dg.RunsFilter(created_before=cutoff, statuses=finished))]
    latest = _runs_holding_latest_materializations(instance)
    deleted = [run_id for run_id in old if run_id not in latest]
    for run_id in deleted:
        instance.delete_run(run_id)
        instance.compute_log_manager.delete_logs(prefix=[run_id])
        (home / "history" / "runs" / f"{run_id}.db").unlink(missing_ok=True)  # its emptied shard
    if deleted:
        _vacuum(home / "history" / "runs" / "index.db")
        _vacuum(home / "history" / "runs.db")
    return PruneReport(deleted, len(old) - len(deleted), before, _size(home))


def _runs_holding_latest_materializations(instance: dg.DagsterInstance) -> set[str]:
    with instance.event_log_storage.index_connection() as conn:
        rows = conn.exec_driver_sql(
            """
            SELECT DISTINCT run_id FROM event_logs WHERE id IN (
                SELECT max(id) FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'
                GROUP BY asset_key, partition)
            """
        ).fetchall()
    return {row[0] for row in rows}


def _vacuum(path: Path) -> None:
    """Give deleted rows' space back to the disk (SQLite keeps it otherwise)."""
    if not path.exists():
        return
    con = sqlite3.connect(path, timeout=30)
    try:
        con.execute("VACUUM")
        # and its log folded back and emptied now, not when the last connection closes (this
        # process may keep one open: BatchedSqliteEventLogStorage._keep_open)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except sqlite3.OperationalError:  # in use (the UI is writing): the space is reused later
        pass
    finally:
        con.close()


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
