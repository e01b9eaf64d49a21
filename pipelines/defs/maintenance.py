"""Housekeeping on schedules, stopped until switched on: the run history is pruned so that an
archive ingesting every night for years keeps a history in proportion to its files (see
pipelines/defs/history.py), and the warehouse is maintained (small files merged, snapshots past
their retention expired, unused files deleted: pipelines/core/store/maintain.py)."""

import os

import dagster as dg

from pipelines.config import load_settings
from pipelines.core.store import maintain
from pipelines.defs.history import DEFAULT_RETENTION_DAYS, prune_runs
from pipelines.defs.resources import WarehouseResource


def retention_days() -> float:
    value = os.environ.get("ARCHIVE_RUN_RETENTION_DAYS")
    try:
        return float(value) if value else DEFAULT_RETENTION_DAYS
    except ValueError as exc:
        raise ValueError(f"$ARCHIVE_RUN_RETENTION_DAYS must be a number of days, not {value!r}") from exc


@dg.op(description="Delete runs older than the retention, keeping those that hold any file's latest materialization.")
def prune_old_runs(context: dg.OpExecutionContext) -> dg.Output[int]:
    days = retention_days()
    report = prune_runs(context.instance, days)
    context.log.info(f"deleted {len(report.deleted)} run(s) older than {days:g} days; "
                     f"kept {report.kept_as_latest} that hold a file's latest materialization")
    return dg.Output(len(report.deleted), metadata={
        "deleted_runs": len(report.deleted),
        "kept_as_latest": report.kept_as_latest,
        "retention_days": days,
        "freed_mb": round((report.bytes_before - report.bytes_after) / 1e6, 1),
    })


@dg.job(description="Prune the run history past its retention ($ARCHIVE_RUN_RETENTION_DAYS, default 90).")
def prune_run_history():
    prune_old_runs()


prune_run_history_schedule = dg.ScheduleDefinition(
    name="prune_run_history",
    job=prune_run_history,
    cron_schedule=os.environ.get("ARCHIVE_PRUNE_CRON", "0 3 * * 0"),
    execution_timezone=os.environ.get("ARCHIVE_TIMEZONE", "Asia/Ho_Chi_Minh"),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every Sunday at 03:00, prunes the run history past its retention.",
)


def run_maintenance(warehouse: WarehouseResource, retention: float | None = None) -> maintain.MaintenanceReport:
    """What the job and `archive maintain` do: every step, under the writer lock."""
    days = load_settings().snapshot_retention_days if retention is None else retention
    with warehouse.write() as con:
        return maintain.maintain(con, warehouse.location, days)


@dg.op(description="Merge small data files, expire snapshots past their retention, delete unused files, "
                   "rebuild the search cache.")
def maintain_warehouse_op(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> dg.Output[int]:
    report = run_maintenance(warehouse)
    context.log.info(report.summary())
    return dg.Output(report.files_after, metadata={
        "files_before": report.files_before,
        "files_after": report.files_after,
        "snapshots_before": report.snapshots_before,
        "snapshots_after": report.snapshots_after,
        "retention_days": report.retention_days,
        "freed_mb": round((report.bytes_before - report.bytes_after) / 1e6, 1),
        "seconds_by_step": dg.MetadataValue.json(report.steps),
        "search_cache": report.cache,
    })


@dg.job(description="Maintain the warehouse: merge small files, expire snapshots older than "
                    "$ARCHIVE_SNAPSHOT_RETENTION_DAYS (default 30), delete unused files.")
def maintain_warehouse():
    maintain_warehouse_op()


maintain_warehouse_schedule = dg.ScheduleDefinition(
    name="maintain_warehouse",
    job=maintain_warehouse,
    cron_schedule=os.environ.get("ARCHIVE_MAINTENANCE_CRON", "30 3 * * *"),
    execution_timezone=os.environ.get("ARCHIVE_TIMEZONE", "Asia/Ho_Chi_Minh"),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Every night at 03:30, maintains the warehouse (merges small files, expires old snapshots).",
)
