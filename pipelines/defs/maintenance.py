"""Housekeeping on a schedule: the run history is pruned so that an archive ingesting every
night for years keeps a history in proportion to its files (see pipelines/defs/history.py)."""

import os

import dagster as dg

from pipelines.defs.history import DEFAULT_RETENTION_DAYS, prune_runs


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
