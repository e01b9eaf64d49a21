"""`archive ingest` through the Dagster definitions: the `read_files` job over the partitions of
new and changed files, then `load_warehouse`, in-process against the project's persistent
instance (so command-line runs appear in the UI's run history), and what the command line
reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.config import Settings
from pipelines.core.runtime import processes
from pipelines.core.runtime.locks import ingest_lock
from pipelines.core.store import staging
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import from_settings
from pipelines.defs import history
from pipelines.defs.abandoned import PROCESS_TAG, end_abandoned_runs
from pipelines.defs.documents import REPROCESS_TAG, plan_partitions, range_tags
from pipelines.defs.load import LOAD_TAG, SNAPSHOT_TAG
from pipelines.defs.resources import Progress, WarehouseResource


@dataclass
class IngestReport:
    run_id: str
    success: bool
    run_error: str | None = None
    files: int = 0
    new_or_changed: int = 0
    documents_read: int = 0
    pages: int = 0
    articles: int = 0
    # (path, status, reason) of this run's documents that failed or were partly read, and of
    # folders that could not be listed
    failures: list[tuple[str, str, str | None]] = field(default_factory=list)
    partial: list[tuple[str, str, str | None]] = field(default_factory=list)
    # files under the ingested paths that failed in an earlier run and were not read again
    earlier_failures: list[tuple[str, str, str | None]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    load_id: int | None = None  # the load that committed this run's rows, if anything changed
    snapshot_id: int | None = None
    # earlier runs whose process ended before they did (killed, crashed), marked failed now
    abandoned: list[str] = field(default_factory=list)

    def summary_rows(self) -> list[tuple[str, object]]:
        return [
            ("files found", self.files),
            ("new or changed", self.new_or_changed),
            ("documents read", self.documents_read),
            ("pages read", self.pages),
            ("articles found", self.articles),
            ("failures", len(self.failures)),
            ("partly read", len(self.partial)),
            ("failed earlier, not read again", len(self.earlier_failures)),
            ("warehouse", ", ".join(f"{n} {t}" for t, n in self.totals.items())),
            ("snapshot", f"{self.snapshot_id} (load {self.load_id})" if self.load_id is not None else "unchanged"),
            ("run", self.run_id or "none needed: nothing new"),
        ]


def project_instance(settings: Settings) -> dg.DagsterInstance:
    return history.project_instance(settings.dagster_home)


def run_ingest(
    settings: Settings,
    roots: list[Path],
    progress: Progress | None = None,
    reprocess: bool = False,
    on_wait: Callable[[], None] | None = None,
) -> IngestReport:
    """One ingestion at a time per warehouse: a second one waits for the first (``on_wait``
    is told), then runs and finds what is left to do."""
    progress = progress or Progress()
    try:
        home = from_settings(settings).home
        home.mkdir(parents=True, exist_ok=True)
        with ingest_lock(home, on_wait):
            return _run_ingest(settings, roots, progress, reprocess)
    finally:
        progress.finish()


def _run_ingest(settings: Settings, roots: list[Path], progress: Progress, reprocess: bool) -> IngestReport:
    """Through the same partitions as the sensor: every file becomes a partition of `document`,
    one ranged run of `read_files` reads those that are new or changed, then `load_warehouse`."""
    from pipelines.definitions import defs

    instance = project_instance(settings)
    abandoned = end_abandoned_runs(instance, sole_user=settings.dagster_home_override is None)
    resource = WarehouseResource(path=settings.warehouse)
    resources = {"warehouse": resource, "progress": progress}
    quiet = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
    try:
        # What is loaded is what the warehouse holds: nothing in Dagster's history is taken as
        # the record of it. A warehouse that cannot say (its catalog lost beside its data files,
        # or files its catalog lists gone) is refused here, before anything is read.
        scanned, problems, keys = plan_partitions(instance, roots, resource, reprocess)
    except wh.WarehouseError as exc:
        return IngestReport(run_id="", success=False, run_error=str(exc))
    report = IngestReport(run_id="", success=True, files=len(scanned), new_or_changed=sum(not s.unchanged for s in scanned),
                          abandoned=abandoned)
    owner = {PROCESS_TAG: processes.this_process()}
    read_run = None
    if keys:
        tags = {"archive/command": "reprocess" if reprocess else "ingest", **owner, **range_tags(keys)}
        if reprocess:
            tags[REPROCESS_TAG] = "true"
        result = defs.resolve_job_def("read_files").execute_in_process(
            run_config=quiet, instance=instance, resources=resources, raise_on_error=False, tags=tags
        )
        report.run_id = result.run_id
        if not result.success:
            report.success, report.run_error = False, _first_error(result)
            return report
        read_run = result.run_id
    if keys or not resource.location.exists() or staging.staged_files(resource.staging_dir):
        progress.status("loading into the warehouse")
        result = defs.resolve_job_def("load_warehouse").execute_in_process(
            run_config=quiet, instance=instance, resources=resources, raise_on_error=False,
            tags={"archive/command": "reprocess" if reprocess else "ingest", **owner},
        )
        report.run_id = report.run_id or result.run_id
        if not result.success:
            report.success, report.run_error = False, _first_error(result)
            return report
        tags = instance.get_run_by_id(result.run_id).tags
        if LOAD_TAG in tags:
            report.load_id, report.snapshot_id = int(tags[LOAD_TAG]), int(tags[SNAPSHOT_TAG])
    progress.finish()
    con = resource.read()
    if con is None:
        return report
    with con:
        report.totals = wh.counts(con)
        if read_run:
            report.documents_read, report.pages, report.articles = wh.run_counts(con, read_run)
        if scanned:
            con.execute(
                "CREATE TEMP TABLE run_files AS SELECT unnest(?::VARCHAR[]) AS source_path", [[s.source_path for s in scanned]]
            )
            rows = con.execute(
                """
                SELECT f.source_path, d.status, d.error,
                       d.document_id IN (SELECT document_id FROM run_documents WHERE run_id = ?) AS this_run
                FROM run_files r JOIN files f USING (source_path) JOIN documents d USING (document_id)
                WHERE d.status <> 'ok' ORDER BY f.source_path
                """,
                [read_run or ""],
            ).fetchall()
            report.failures = [r[:3] for r in rows if r[1] == "failed" and r[3]]
            report.partial = [r[:3] for r in rows if r[1] == "partial" and r[3]]
            report.earlier_failures = [r[:3] for r in rows if not r[3]]
    # Folders that could not be listed (gone mid-scan, no permission): no file to record, but said.
    report.failures += [(path, "failed", reason) for path, reason in problems]
    return report


def _first_error(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.is_failure and event.step_failure_data and event.step_failure_data.error:
            error = event.step_failure_data.error
            while error.cause is not None and "DagsterExecutionStepExecutionError" in error.cls_name:
                error = error.cause
            message = error.message.strip()
            if "database is locked" in message:
                return "the warehouse's catalog is busy with another writer; try again when it has finished"
            return message
    return "the run failed; see `archive ui` for its logs"
