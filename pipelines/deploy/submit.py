"""Ingestion through a deployment: the files to read become runs of at most M files each,
submitted to the instance's run queue (deploy/dagster.yaml); the daemon launches them, their
steps run on Celery workers, failed runs are retried; then one loader run loads everything
staged. What the sensor does on a schedule, done now and waited for (`archive submit`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
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
from pipelines.deploy.daemon import pooled

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
    instance = dg.DagsterInstance.from_config(str(home))
    # One connection kept open for this command's queries (as Dagster's webserver and the
    # deployment's daemon do), not one opened and closed for each: `archive submit` watches
    # its runs for minutes, and each new connection is a PostgreSQL backend started for it.
    pooled(instance)
    return instance


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


def reading_slots(instance: dg.DagsterInstance, workers: int | None = None) -> int:
    """Steps the deployment can read at once: the Celery workers' processes that answer
    (``workers``, asked here when None), at most the reading runs the queue starts at once
    (tag `archive/job: read_files`)."""
    if workers is None:
        workers = _worker_slots()
    slots = workers or DEFAULT_SLOTS
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
    # The workers are asked how many they are (a Celery broadcast waits a second for replies)
    # while the batch is planned, not before.
    slots = None if files_per_run else _in_background(_worker_slots)
    instance = deployment_instance(settings)
    resource = WarehouseResource(path=settings.warehouse)
    scanned, problems, keys = plan_partitions(instance, roots, resource)
    for path, reason in problems:
        say(f"{path}: {reason}")
    report = SubmitReport(files=len(scanned), to_read=len(keys))
    with WorkspaceProcessContext(instance, WorkspaceFileTarget(paths=[str(workspace_file(instance))])) as process:
        submitter = _Submitter(instance, process.create_request_context())
        if keys and slots is not None:
            count = reading_slots(instance, slots.result())
        else:
            count = 1
        runs = split_runs(keys, files_per_run, count)
        for batch in runs:
            tags = {"archive/command": "submit", **range_tags(batch), **max_runtime_tag(settings, len(batch))}
            report.reading_runs.append(submitter.submit(read_files_job.name, tags))
        if report.reading_runs:
            say(f"{len(keys)} file(s) to read in {len(report.reading_runs)} run(s) of at most {max(map(len, runs))}")
        submitter.prepare(load_job.name)  # while the reading runs run: the loader's run is submitted at once after them
        finals = wait_for_runs(instance, report.reading_runs, deadline)
        report.retried = sorted(run.run_id for root, run in finals.items() if run.run_id != root)
        report.failed_runs = [root for root, run in finals.items() if run.status != dg.DagsterRunStatus.SUCCESS]
        load = submitter.submit(load_job.name, {"archive/command": "submit"})
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


def _worker_slots() -> int:
    from pipelines.deploy.celery import worker_slots

    return worker_slots()


def _in_background(function: Callable[[], int]) -> Future:
    """``function()`` in a thread of its own (a daemon thread: never keeps the command alive)."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function())
        except BaseException as exc:  # handed to whoever asks for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="archive-worker-slots", daemon=True).start()
    return future


class _Submitter:
    """Creates and submits runs of the workspace's jobs; a job's execution plan (a call to the
    code server) is asked for once, whatever the number of its runs."""

    def __init__(self, instance: dg.DagsterInstance, workspace):
        self.instance = instance
        self.workspace = workspace
        location = next(iter(workspace.code_locations))
        self.location = location
        self.repository = next(iter(location.get_repositories().values()))
        self.plans: dict[str, tuple] = {}

    def prepare(self, job_name: str) -> tuple:
        if job_name not in self.plans:
            selector = JobSubsetSelector(location_name=self.location.name, repository_name=self.repository.name,
                                         job_name=job_name, op_selection=None)
            remote_job = self.location.get_job(selector)
            plan = self.location.get_execution_plan(remote_job, {}, step_keys_to_execute=None, known_state=None,
                                                    instance=self.instance)
            self.plans[job_name] = (remote_job, plan)
        return self.plans[job_name]

    def submit(self, job_name: str, tags: dict[str, str]) -> str:
        remote_job, plan = self.prepare(job_name)
        run = self.instance.create_run(
            job_name=job_name, run_id=None, run_config={}, resolved_op_selection=None,
            step_keys_to_execute=plan.execution_plan_snapshot.step_keys_to_execute, op_selection=None, status=None,
            root_run_id=None, parent_run_id=None, tags={**remote_job.tags, **tags}, job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot, parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(), job_code_origin=remote_job.get_python_origin(),
            asset_selection=None, asset_check_selection=None, asset_graph=self.repository.asset_graph,
        )
        self.instance.submit_run(run.run_id, self.workspace)
        return run.run_id


def wait_for_runs(instance: dg.DagsterInstance, roots: list[str], deadline: float, poll_s: float = 0.5) -> dict[str, dg.DagsterRun]:
    """Each root run's last attempt, once every one is final: succeeded, or failed with no
    retry to come (Dagster tags a failed run `dagster/will_retry`). One query a poll for the
    attempts watched; a failed attempt's retries are looked for only then."""
    watched = {root: root for root in roots}  # root → the attempt watched (a retry once there is one)
    finals: dict[str, dg.DagsterRun] = {}
    while watched:
        records = instance.get_run_records(filters=dg.RunsFilter(run_ids=sorted(set(watched.values()))))
        runs = {record.dagster_run.run_id: record.dagster_run for record in records}
        for root, attempt in sorted(watched.items()):
            run = runs.get(attempt)
            if run is None or run.status not in FINISHED:
                continue
            if run.status == dg.DagsterRunStatus.FAILURE and instance.run_retries_enabled and run.tags.get(WILL_RETRY_TAG) != "false":
                retry = _next_attempt(instance, root, run)
                if retry is not None:
                    watched[root] = retry.run_id
                continue  # a retry to come: not final yet
            finals[root] = run
            del watched[root]
        if watched and time.monotonic() > deadline:
            raise DeploymentError(f"{len(watched)} run(s) not finished in time: {sorted(watched)[:4]}")
        if watched:
            time.sleep(poll_s)
    return finals


def _next_attempt(instance: dg.DagsterInstance, root: str, failed: dg.DagsterRun) -> dg.DagsterRun | None:
    """The latest retry of ``root`` after ``failed`` (None while the daemon has not made it)."""
    number = lambda run: int(run.tags.get("dagster/retry_number", "0"))  # noqa: E731
    retries = [run for run in instance.get_runs(filters=dg.RunsFilter(tags={ROOT_RUN_ID_TAG: root})) if number(run) > number(failed)]
    return max(retries, key=number) if retries else None
