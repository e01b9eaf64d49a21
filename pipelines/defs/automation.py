"""Sensors and the schedule: files dropped into raw/ flow in; staged results get loaded; a
nightly batch reads whatever is pending. All can be switched on or off in the UI."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from pipelines.config import load_settings
from pipelines.core.read import files
from pipelines.core.store import staging
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


@dg.sensor(
    job=read_files_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Adds a partition per new file under raw/ and asks for a run when a file is new or changed.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """The cursor remembers each file's size and mtime: an unchanged file is not hashed again.
    A new or changed file gets a run whose run_key is its content hash, so the same bytes never
    run twice; a vanished file's partition is removed (its rows stay in the warehouse's history)."""
    roots = [r.absolute() for r in watched_folders()]
    seen = json.loads(context.cursor) if context.cursor else {}
    existing = set(context.instance.get_dynamic_partitions(source_file_partitions.name))
    found, problems = files.discover([r for r in roots if r.exists()])
    for path, reason in problems:
        context.log.warning(f"{path}: {reason}")
    current: dict[str, list[int]] = {}
    added, requests = [], []
    for path in found:
        key = path_to_key(path)
        try:
            stat = path.stat()
            signature = [stat.st_size, stat.st_mtime_ns]
            if seen.get(key) == signature and key in existing:
                current[key] = signature
                continue
            digest = files.sha256_file(path)
        except OSError as exc:  # vanished or unreadable between listing and reading: next time
            context.log.warning(f"{path}: {exc}")
            continue
        current[key] = signature
        if key not in existing:
            added.append(key)
        requests.append(dg.RunRequest(partition_key=key, run_key=f"{key}@{digest}"))
    gone = sorted(k for k in existing if k not in current and any(key_to_path(k).is_relative_to(r) for r in roots))
    partition_requests = []
    if added:
        partition_requests.append(source_file_partitions.build_add_request(added))
    if gone:
        partition_requests.append(source_file_partitions.build_delete_request(gone))
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests, cursor=json.dumps(current))


@dg.sensor(
    job=load_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Loads staged documents into DuckDB (one writer at a time) when any are waiting.",
)
def staged_documents_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
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
