"""Warehouse maintenance: small files merged, old snapshots expired, files nobody needs deleted.

Each load writes a few small Parquet files (one per table it touches) and a snapshot; reading
costs grow with the number of files, and disk with the snapshots kept. Maintenance, under the
writer lock (loads wait for it, readers do not):

1. folds the search index's frequency and size deltas into one row each;
2. merges adjacent small files (``ducklake_merge_adjacent_files``; sorted as the tables say);
3. expires snapshots older than the retention the archivist sets (``$ARCHIVE_SNAPSHOT_RETENTION_DAYS``,
   default 30): time travel (``AT (VERSION => n)``) reaches back that far, no further;
4. deletes files only expired snapshots used, and files of loads that never committed (a crash),
   once they are older than a grace period, so that a reader still inside a transaction on an
   older snapshot is not cut short;
5. rebuilds the search cache from the merged warehouse (its postings sorted again).

The Dagster job ``maintain_warehouse`` (its schedule stopped by default) and ``archive
maintain`` both run :func:`maintain`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field

import duckdb

from pipelines.core.store import search, search_cache
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import Location

GRACE = dt.timedelta(minutes=10)


@dataclass
class MaintenanceReport:
    retention_days: float
    files_before: int = 0
    files_after: int = 0
    snapshots_before: int = 0
    snapshots_after: int = 0
    bytes_before: int = 0
    bytes_after: int = 0
    merged_tables: int = 0
    steps: dict[str, float] = field(default_factory=dict)
    cache: str = ""

    def summary(self) -> str:
        freed = (self.bytes_before - self.bytes_after) / 1e6
        return (f"data files {self.files_before} → {self.files_after}, snapshots {self.snapshots_before} → "
                f"{self.snapshots_after} (kept: the last {self.retention_days:g} days), {freed:.1f} MB freed "
                f"on disk; search cache {self.cache}")


def live_files(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(data and delete files the last snapshot reads, their bytes)."""
    count = size = 0
    for (table,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [wh.ALIAS]
    ).fetchall():
        row = con.execute(
            "SELECT count(*) + count(delete_file), coalesce(sum(data_file_size_bytes), 0) + "
            "coalesce(sum(delete_file_size_bytes), 0) FROM ducklake_list_files(?, ?)", [wh.ALIAS, table]
        ).fetchone()
        count, size = count + row[0], size + row[1]
    return count, size


def _disk_bytes(location: Location) -> int:
    data = location.local_data_dir
    if data is None or not data.exists():
        return 0
    return sum(p.stat().st_size for p in data.rglob("*") if p.is_file())


def maintain(con: duckdb.DuckDBPyConnection, location: Location, retention_days: float,
             now: dt.datetime | None = None) -> MaintenanceReport:
    """Run every step on a writer's session (the caller holds the writer lock)."""
    if retention_days < 0:
        raise ValueError(f"the snapshot retention must be 0 days or more, not {retention_days}")
    now = now or wh.utcnow()
    report = MaintenanceReport(retention_days)
    report.files_before = live_files(con)[0]
    report.snapshots_before = _snapshots(con)
    report.bytes_before = _disk_bytes(location)

    def step(name, action):
        started = time.monotonic()
        result = action()
        report.steps[name] = round(time.monotonic() - started, 2)
        return result

    def compact():
        with wh.transaction(con):
            search.compact(con)

    step("compact search deltas", compact)
    merged = step("merge files", lambda: con.execute(f"CALL ducklake_merge_adjacent_files('{wh.ALIAS}')").fetchall())
    report.merged_tables = len(merged)
    keep_after = now - dt.timedelta(days=retention_days)
    step("expire snapshots", lambda: con.execute(
        f"SELECT count(*) FROM ducklake_expire_snapshots('{wh.ALIAS}', older_than => ?::TIMESTAMPTZ)",
        [_utc(keep_after)]).fetchall())
    step("delete old files", lambda: con.execute(
        f"SELECT count(*) FROM ducklake_cleanup_old_files('{wh.ALIAS}', older_than => ?::TIMESTAMPTZ)",
        [_utc(now - GRACE)]).fetchall())
    step("delete orphaned files", lambda: con.execute(
        f"SELECT count(*) FROM ducklake_delete_orphaned_files('{wh.ALIAS}', older_than => ?::TIMESTAMPTZ)",
        [_utc(now - GRACE)]).fetchall())
    report.cache = step("rebuild search cache", lambda: search_cache.refresh(con, location, rebuild=True)).describe()
    report.files_after = live_files(con)[0]
    report.snapshots_after = _snapshots(con)
    report.bytes_after = _disk_bytes(location)
    return report


def _utc(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"


def _snapshots(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT count(*) FROM {wh.ALIAS}.snapshots()").fetchone()[0]
