"""Sensors and the schedule: files dropped into raw/ flow in; staged results get loaded; a
nightly batch reads whatever is pending. All can be switched on or off in the UI. Each asks the
warehouse what it holds; none takes Dagster's history as the record of it."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from pipelines.config import load_settings
from pipelines.core.store import staging
from pipelines.core.store import warehouse as wh
from pipelines.defs.abandoned import end_abandoned_runs
from pipelines.defs.documents import (
    key_to_path,
    load_job,
    path_to_key,
    plan_partitions,
    range_tags,
    read_files_job,
    source_file_partitions,
)
from pipelines.defs.resources import WarehouseResource


def watched_folders() -> list[Path]:
    """raw/ and any folders listed in $ARCHIVE_WATCH (separated by the OS path separator)."""
    extra = [Path(p) for p in os.environ.get("ARCHIVE_WATCH", "").split(os.pathsep) if p]
    return [load_settings().raw_dir, *extra]


# New and changed files go in runs of at most this many files (a single run covers a range).
SENSOR_BATCH = 500
IN_FLIGHT = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING,
             dg.DagsterRunStatus.STARTED]


def sensor_batch_size() -> int:
    value = os.environ.get("ARCHIVE_SENSOR_BATCH")
    return max(1, int(value)) if value and value.isdigit() else SENSOR_BATCH


@dg.sensor(
    job=read_files_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Reads what is new or changed under raw/ in a few ranged runs (what the warehouse holds is skipped).",
)
def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult | dg.SkipReason:
    """Plans like `archive ingest` and the nightly batch: a file whose path, size and mtime match
    the warehouse is skipped without being read or hashed; the others become partitions, placed
    last, and are requested in runs of at most $ARCHIVE_SENSOR_BATCH files, each covering a
    range. The run key is the batch's paths and content hashes, so the same batch never runs
    twice (also while its results wait to be loaded). The cursor is a few counts, not a list of
    files: the warehouse is the record of what is in. Partitions of files that are gone are
    removed (their rows stay in the warehouse)."""
    running = context.instance.get_run_records(filters=dg.RunsFilter(job_name=read_files_job.name, statuses=IN_FLIGHT), limit=1)
    if running:
        return dg.SkipReason(f"run {running[0].dagster_run.run_id} is still reading; new files wait for the next evaluation")
    roots = [r.absolute() for r in watched_folders()]
    scanned, problems, keys = plan_partitions(context.instance, [r for r in roots if r.exists()], warehouse,
                                              skip=lambda s: staging.stage_path(warehouse.staging_dir, s.document_id).exists())
    for path, reason in problems:
        context.log.warning(f"{path}: {reason}")
    found = {path_to_key(s.source_path) for s in scanned}
    existing = context.instance.get_dynamic_partitions(source_file_partitions.name)
    gone = sorted(k for k in existing if k not in found and any(key_to_path(k).is_relative_to(r) for r in roots))
    digest_of = {path_to_key(s.source_path): s.document_id for s in scanned}
    size = sensor_batch_size()
    requests = []
    previous = json.loads(context.cursor).get("warehouse") if context.cursor else None
    state = _warehouse_state(warehouse, previous)
    for batch in _batches(context.instance, keys, size):
        lines = [state, *(f"{k}@{digest_of[k]}" for k in batch)]
        run_key = hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()
        requests.append(dg.RunRequest(run_key=run_key, tags={"archive/command": "sensor", **range_tags(batch),
                                                             **_deployment_tags(batch)}))
    cursor = json.dumps({"files": len(scanned), "new_or_changed": len(keys), "runs_requested": len(requests),
                         "warehouse": state})
    partition_requests = [source_file_partitions.build_delete_request(gone)] if gone else []
    if not requests and not partition_requests:
        return dg.SensorResult(skip_reason=f"nothing new among {len(scanned)} file(s)", cursor=cursor)
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests, cursor=cursor)


def _batches(instance: dg.DagsterInstance, keys: list[str], size: int) -> list[list[str]]:
    """Runs of at most ``size`` files; on a deployment (ARCHIVE_EXECUTOR=celery) whose
    ARCHIVE_SENSOR_BATCH is not set, the batch split evenly into one run per worker process as
    `archive submit` does: a run's step goes to one worker, so one run of 500 files would leave
    the other workers idle."""
    from pipelines.deploy.celery import uses_celery

    if uses_celery() and not os.environ.get("ARCHIVE_SENSOR_BATCH"):
        from pipelines.deploy.submit import reading_slots, split_runs

        return split_runs(keys, None, reading_slots(instance) if keys else 1)
    return [keys[start:start + size] for start in range(0, len(keys), size)]


def _deployment_tags(batch: list[str]) -> dict[str, str]:
    """On a deployment, a run's maximum runtime (as `archive submit` sets it): a run whose worker
    vanished is failed by run monitoring after it, then retried."""
    from pipelines.deploy.celery import uses_celery

    if not uses_celery():
        return {}
    from pipelines.deploy.submit import max_runtime_tag

    return max_runtime_tag(load_settings(), len(batch))


def _warehouse_state(warehouse: WarehouseResource, previous: str | None) -> str:
    """The warehouse as it stands: its identity and last snapshot. Part of each run key, so
    that a batch is requested again once the warehouse has changed without it: rows lost (the
    warehouse deleted, replaced or restored from an older backup) or a run that died before
    staging. The same batch at the same state is never requested twice. A warehouse that is
    gone is "none" — after the one seen last, if any, so that its files run again."""
    con = warehouse.read()
    if con is None:
        return previous if previous and previous.startswith("none") else f"none after {previous}" if previous else "none"
    with con:
        latest = wh.latest_snapshot(warehouse.location, con)
        return f"{wh.warehouse_id(con)}@{latest[0] if latest else 0}"


@dg.sensor(
    job=load_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Loads staged documents into the warehouse (one writer at a time) when any are waiting.",
)
def staged_documents_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    # A loader whose process died (the machine stopped mid-load) would keep the loader's slot,
    # and every load run after it would wait: ended here, with the reason.
    for run_id in end_abandoned_runs(context.instance):
        context.log.warning(f"run {run_id} marked failed: its process ended before it did")
    waiting = staging.staged_files(warehouse.staging_dir)
    if not waiting:
        return dg.SkipReason("nothing staged")
    state = "\n".join(f"{p.name}:{p.stat().st_mtime_ns}" for p in waiting)
    return dg.RunRequest(run_key=hashlib.sha256(state.encode()).hexdigest())


@dg.schedule(
    name="nightly_batch",
    job=read_files_job,
    cron_schedule=os.environ.get("ARCHIVE_NIGHTLY_CRON", "0 1 * * *"),
    execution_timezone=os.environ.get("ARCHIVE_TIMEZONE", "Asia/Ho_Chi_Minh"),
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="At night, reads every new or changed file under raw/ in one run (the loader sensor loads it).",
)
def nightly_batch(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    """The same planning as `archive ingest`: every file becomes a partition, and one ranged run
    reads the new and changed ones."""
    roots = [r for r in watched_folders() if r.exists()]
    _scanned, problems, keys = plan_partitions(context.instance, roots, warehouse)
    for path, reason in problems:
        context.log.warning(f"{path}: {reason}")
    if not keys:
        return dg.SkipReason("nothing new under the watched folders")
    return dg.RunRequest(tags=range_tags(keys))
