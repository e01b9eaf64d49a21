"""Ingestion through a deployment: the files to read become runs of at most M files each,
submitted to the instance's run queue (deploy/dagster.yaml); the daemon launches them, their
steps run on Celery workers, failed runs are retried; then one loader run loads everything
staged. What the sensor does on a schedule, done now and waited for (`archive submit`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from dagster._core.definitions.selector import JobSubsetSelector
from dagster._core.storage.tags import MAX_RUNTIME_SECONDS_TAG, ROOT_RUN_ID_TAG, WILL_RETRY_TAG
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import WorkspaceFileTarget

from pipelines.config import Settings
from pipelines.core.store import warehouse as wh
from pipelines.defs.documents import JOB_TAG, load_job, plan_partitions, range_tags, read_files_job
from pipelines.defs.history import set_dagster_env
from pipelines.defs.resources import WarehouseResource

# When ARCHIVE_RUN_FILES is not set, a batch is split evenly into one run per worker slot (a
# Celery worker process that can take a step), so that each worker gets one large run and the
# cost of a run (its process, its events, its queueing) is paid once per worker, not once per
# few files; but into runs of at most this many files, so that a run lost with its worker
# costs at most that many files read again.
MAX_AUTO_FILES_PER_RUN = 50
# Slots assumed when no worker answers (the deploy/dagster.yaml limit of reading runs at once).
DEFAULT_SLOTS = 4
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


class DeploymentError(RuntimeError):
    pass


@dataclass
class SubmitReport:
    files: int = 0
    to_read: int = 0
    reading_runs: list[str] = field(default_factory=list)  # the runs first submitted
    retried: list[str] = field(default_factory=list)  # runs that were retries of them
    failed_runs: list[str] = field(default_factory=list)  # roots whose last attempt failed
    load_run: str | None = None
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return not self.failed_runs and self.load_run is not None


def deployment_instance(settings: Settings) -> dg.DagsterInstance:
    if not settings.dagster_home_override:
        raise DeploymentError("a deployment's instance is named by $DAGSTER_HOME (a folder holding deploy/dagster.yaml)")
    home = settings.dagster_home_override
    if not (home / "dagster.yaml").exists():
        raise DeploymentError(f"{home}/dagster.yaml is missing: copy deploy/dagster.yaml there")
    set_dagster_env()
    return dg.DagsterInstance.from_config(str(home))


def workspace_file(instance: dg.DagsterInstance) -> Path:
    path = Path(instance.root_directory) / "workspace.yaml"
    if not path.exists():
        raise DeploymentError(f"{path} is missing: copy deploy/workspace.yaml there")
    return path


def split_runs(keys: list[str], files_per_run: int | None, slots: int) -> list[list[str]]:
    """The batch as consecutive ranges of nearly equal size (they differ by one at most): of at
    most ``files_per_run`` files each when given, else one per slot (``slots``: the workers'
    processes, bounded by the runs the queue starts at once), each of at most
    MAX_AUTO_FILES_PER_RUN files. Every key is in exactly one range, in order."""
    if not keys:
        return []
    cap = max(1, files_per_run) if files_per_run else MAX_AUTO_FILES_PER_RUN
    count = -(-len(keys) // cap)
    if not files_per_run:
        count = max(count, max(1, slots))
    count = min(count, len(keys))
    size, extra = divmod(len(keys), count)
    runs, start = [], 0
    for n in range(count):
        end = start + size + (1 if n < extra else 0)
        runs.append(keys[start:end])
        start = end
    return runs


def reading_slots(instance: dg.DagsterInstance) -> int:
    """Steps the deployment can read at once: the Celery workers' processes that answer, at most
    the reading runs the queue starts at once (tag `archive/job: read_files`)."""
    from pipelines.deploy.celery import worker_slots

    slots = worker_slots() or DEFAULT_SLOTS
    try:
        limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits or []
    except Exception:  # no queue: no limit
        limits = []
    for limit in limits:
        if limit.get("key") == JOB_TAG and limit.get("value") == read_files_job.name and limit.get("limit"):
            slots = min(slots, int(limit["limit"]))
    return max(1, slots)


def max_runtime_tag(settings: Settings, files: int) -> dict[str, str]:
    """A run whose worker vanished is failed by run monitoring after this long, then retried."""
    return {MAX_RUNTIME_SECONDS_TAG: str(int(settings.document_timeout_s * files + 600))}


def submit_ingest(
    settings: Settings,
    roots: list[Path],
    files_per_run: int | None = None,
    timeout_s: float = 3600,
    say: Callable[[str], None] = lambda _m: None,
) -> SubmitReport:
    """Plan like `archive ingest`, submit the batch as runs (of at most ``files_per_run`` files,
    or when None one run per worker slot: split_runs), wait for them (and their retries), then
    submit the loader's run and wait for it. Bounded by ``timeout_s``."""
    started = time.monotonic()
    deadline = started + timeout_s
    instance = deployment_instance(settings)
    resource = WarehouseResource(path=settings.warehouse)
    scanned, problems, keys = plan_partitions(instance, roots, resource)
    for path, reason in problems:
        say(f"{path}: {reason}")
    report = SubmitReport(files=len(scanned), to_read=len(keys))
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(workspace_file(instance))])) as process:
        workspace = process.create_request_context()
        runs = split_runs(keys, files_per_run, 1 if files_per_run or not keys else reading_slots(instance))
        for batch in runs:
            tags = {"archive/command": "submit", **range_tags(batch), **max_runtime_tag(settings, len(batch))}
            report.reading_runs.append(_submit(instance, workspace, read_files_job.name, tags))
        if report.reading_runs:
            say(f"{len(keys)} file(s) to read in {len(report.reading_runs)} run(s) of at most {max(map(len, runs))}")
        finals = wait_for_runs(instance, report.reading_runs, deadline)
        report.retried = sorted(run.run_id for root, run in finals.items() if run.run_id != root)
        report.failed_runs = [root for root, run in finals.items() if run.status != dg.DagsterRunStatus.SUCCESS]
        load = _submit(instance, workspace, load_job.name, {"archive/command": "submit"})
        final = wait_for_runs(instance, [load], deadline)[load]
        report.load_run = final.run_id if final.status == dg.DagsterRunStatus.SUCCESS else None
        if report.load_run is None:
            report.failed_runs.append(load)
    con = resource.read()
    if con is not None:
        with con:
            report.totals = wh.counts(con)
    report.seconds = time.monotonic() - started
    return report


def _submit(instance: dg.DagsterInstance, workspace, job_name: str, tags: dict[str, str]) -> str:
    location = next(iter(workspace.code_locations))
    repository = next(iter(location.get_repositories().values()))
    selector = JobSubsetSelector(location_name=location.name, repository_name=repository.name, job_name=job_name,
                                 op_selection=None)
    remote_job = location.get_job(selector)
    plan = location.get_execution_plan(remote_job, {}, step_keys_to_execute=None, known_state=None, instance=instance)
    run = instance.create_run(
        job_name=job_name, run_id=None, run_config={}, resolved_op_selection=None,
        step_keys_to_execute=plan.execution_plan_snapshot.step_keys_to_execute, op_selection=None, status=None,
        root_run_id=None, parent_run_id=None, tags={**remote_job.tags, **tags}, job_snapshot=remote_job.job_snapshot,
        execution_plan_snapshot=plan.execution_plan_snapshot, parent_job_snapshot=remote_job.parent_job_snapshot,
        remote_job_origin=remote_job.get_remote_origin(), job_code_origin=remote_job.get_python_origin(),
        asset_selection=None, asset_check_selection=None, asset_graph=repository.asset_graph,
    )
    instance.submit_run(run.run_id, workspace)
    return run.run_id


def wait_for_runs(instance: dg.DagsterInstance, roots: list[str], deadline: float, poll_s: float = 0.5) -> dict[str, dg.DagsterRun]:
    """Each root run's last attempt, once every one is final: succeeded, or failed with no
    retry to come (Dagster tags a failed run `dagster/will_retry`)."""
    pending = set(roots)
    finals: dict[str, dg.DagsterRun] = {}
    while pending:
        for root in sorted(pending):
            attempts = [instance.get_run_by_id(root)]
            attempts += instance.get_runs(filters=dg.RunsFilter(tags={ROOT_RUN_ID_TAG: root}))
            last = max((r for r in attempts if r is not None), key=lambda r: int(r.tags.get("dagster/retry_number", "0")))
            if last.status == dg.DagsterRunStatus.SUCCESS or last.status == dg.DagsterRunStatus.CANCELED or (
                last.status == dg.DagsterRunStatus.FAILURE
                and (not instance.run_retries_enabled or last.tags.get(WILL_RETRY_TAG) == "false")
            ):
                finals[root] = last
                pending.discard(root)
        if pending and time.monotonic() > deadline:
            raise DeploymentError(f"{len(pending)} run(s) not finished in time: {sorted(pending)[:4]}")
        if pending:
            time.sleep(poll_s)
    return finals
