"""Sensors and the schedule: files dropped into raw/ flow in; staged results get loaded; a
nightly batch reads whatever is pending. All can be switched on or off in the UI. Each asks the
warehouse what it holds; none takes Dagster's history as the record of it."""

import hashlib
import json
import os
from pathlib import Path

import dagster as dg

from pipelines.config import load_settings
from pipelines.core.read import files
from pipelines.core.store import staging
from pipelines.core.store import warehouse as wh
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
    description="Adds a partition per new file under raw/ and asks for a run for each file the warehouse does not hold.",
)
def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
    """A file is read when the warehouse does not hold its bytes at its path — asked of the
    warehouse at each tick, never taken from the sensor's own memory or from partitions
    already materialized. The cursor only saves work: each file's size, mtime and hash (an
    unchanged file is not hashed again) and the generation in which it was last requested, so
    that a file is requested once per generation. The generation goes up when the warehouse
    loses rows (deleted, replaced by another, or restored from an older backup): every file it
    no longer holds is then requested again. The run key (path, hash, generation) keeps Dagster
    from running the same request twice; a vanished file's partition is removed (its rows stay
    in the warehouse's history)."""
    roots = [r.absolute() for r in watched_folders()]
    cursor = _load_cursor(context.cursor)
    seen = cursor["files"]
    held, state = _warehouse_state(warehouse, cursor["warehouse"])
    generation = state["generation"]
    existing = set(context.instance.get_dynamic_partitions(source_file_partitions.name))
    found, problems = files.discover([r for r in roots if r.exists()])
    for path, reason in problems:
        context.log.warning(f"{path}: {reason}")
    current: dict[str, list] = {}
    added, requests = [], []
    for path in found:
        key = path_to_key(path)
        try:
            stat = path.stat()
            signature = [stat.st_size, stat.st_mtime_ns]
            before = seen.get(key, [])
            digest = before[2] if before[:2] == signature and len(before) > 2 else files.sha256_file(path)
        except OSError as exc:  # vanished or unreadable between listing and reading: next time
            context.log.warning(f"{path}: {exc}")
            continue
        requested = before[3] if before[:3] == [*signature, digest] and len(before) > 3 else None
        if key not in existing:
            added.append(key)
        if held.get(str(path)) == digest or requested == generation:
            current[key] = [*signature, digest, requested]
            continue
        current[key] = [*signature, digest, generation]
        requests.append(dg.RunRequest(partition_key=key, run_key=f"{key}@{digest}@{generation}"))
    gone = sorted(k for k in existing if k not in current and any(key_to_path(k).is_relative_to(r) for r in roots))
    partition_requests = []
    if added:
        partition_requests.append(source_file_partitions.build_add_request(added))
    if gone:
        partition_requests.append(source_file_partitions.build_delete_request(gone))
    return dg.SensorResult(run_requests=requests, dynamic_partitions_requests=partition_requests,
                           cursor=json.dumps({"files": current, "warehouse": state}))


def _load_cursor(text: str | None) -> dict:
    data = json.loads(text) if text else {}
    if "files" not in data:  # the earlier format: {key: [size, mtime_ns]}
        data = {"files": data, "warehouse": {}}
    return data


def _warehouse_state(warehouse: WarehouseResource, previous: dict) -> tuple[dict[str, str], dict]:
    """What the warehouse holds (path → document), and the generation: raised when the
    warehouse seen last time is gone, replaced, or rewound to an older snapshot."""
    generation = previous.get("generation", 0)
    con = warehouse.read()
    if con is None:
        lost = previous.get("id") is not None
        return {}, {"generation": generation + lost, "id": None, "snapshot": None}
    with con:
        held = dict(con.execute("SELECT source_path, document_id FROM files").fetchall())
        identity = wh.warehouse_id(con)
        latest = wh.latest_snapshot(warehouse.location, con)
        before = previous.get("snapshot")
        if previous.get("id") is not None and identity != previous["id"]:
            generation += 1
        elif previous.get("id") is not None and before:
            kept = wh.snapshot_of(warehouse.location, con, before[0])
            if kept is None or list(kept) != before:
                generation += 1
    return held, {"generation": generation, "id": identity, "snapshot": list(latest) if latest else None}


@dg.sensor(
    job=load_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Loads staged documents into the warehouse (one writer at a time) when any are waiting.",
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
