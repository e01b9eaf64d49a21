"""One dynamic partition per source file: the per-file path, for the sensor, schedule and
backfills. Each partition reads its file in an isolated worker and stages the result; the
loader (pipelines/defs/load.py) writes staged results to the warehouse in a pool of one.

What is already loaded is always asked of the warehouse itself, never of Dagster's record of
materialized partitions: a warehouse deleted or restored from an older backup makes its missing
files new again."""

import time
import urllib.parse
import warnings
from collections import Counter
from pathlib import Path

import dagster as dg

from pipelines.config import PIPELINE_VERSION, load_settings
from pipelines.core.runtime import plan
from pipelines.core.store import staging
from pipelines.core.runtime.reading import read_isolated
from pipelines.core.store.warehouse import known_documents, known_files
from pipelines.defs.resources import Progress, WarehouseResource
from pipelines.deploy.celery import executor as celery_executor

# A single-run backfill policy is what lets one run read many files in parallel workers; it is
# marked beta in this Dagster release, and the warning would print on every command.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)
# Likewise a check with partitions (file_read: one result per file) is a preview feature.
warnings.filterwarnings("ignore", message=".*partitions_def.*", category=dg.PreviewWarning)

source_file_partitions = dg.DynamicPartitionsDefinition(name="source_files")
REPROCESS_TAG = "archive/reprocess"  # a run with this tag 'true' reads files even if already loaded

# Dagster refuses some substrings in partition keys; they are percent-escaped.
_ESCAPES = {"%": "%25", "...": "%2E%2E%2E", "\a": "%07", "\b": "%08", "\f": "%0C", "\n": "%0A",
            "\r": "%0D", "\t": "%09", "\v": "%0B", "\0": "%00"}


def path_to_key(path: str | Path) -> str:
    """A stable partition key from a file's absolute path (readable in the UI)."""
    key = str(Path(path).absolute())
    for raw, escaped in _ESCAPES.items():
        key = key.replace(raw, escaped)
    return key


def key_to_path(key: str) -> Path:
    return Path(urllib.parse.unquote(key))


def _known(warehouse: WarehouseResource, paths: list[str]) -> tuple[set[str], dict[str, str]]:
    """Documents already loaded, and the status each of these paths had when last loaded, at
    the warehouse's last snapshot (a reader: never blocked)."""
    con = warehouse.read()
    if con is None:
        return set(), {}
    with con:
        documents = known_documents(con)
        statuses = dict(con.execute(
            "SELECT f.source_path, d.status FROM files f JOIN documents d USING (document_id) "
            "WHERE f.source_path IN (SELECT unnest(?::VARCHAR[]))", [paths]).fetchall())
    return documents, statuses


@dg.asset(
    partitions_def=source_file_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    code_version=PIPELINE_VERSION,
    group_name="documents",
    kinds={"python"},
    check_specs=[
        dg.AssetCheckSpec("document_quality", asset="document",
                          description="OCR confidence and text quality above their thresholds (a warning)."),
        dg.AssetCheckSpec("files_read", asset="document",
                          description="Every file of the run was read (a warning names those that failed); "
                                      "the run's figures: documents, pages, methods, speed, failures."),
    ],
)
def document(context: dg.AssetExecutionContext, warehouse: WarehouseResource, progress: dg.ResourceParam[Progress]):
    """Source files read (text layer or OCR, page by page, each in an isolated worker, several
    at once), split into articles and staged for the loader. One run reads one partition (the
    sensor) or a range of them (`archive ingest`, the nightly batch, a backfill). Bytes already
    in the warehouse are not read again: only their paths are staged.

    Each partition's materialization carries its own file's result only; what the run did as a
    whole is told once, by the `files_read` check, so the run history grows with the number of
    files, not with its square."""
    settings = load_settings()
    items = [plan.scan_file(key_to_path(key), known={}) for key in context.partition_keys]
    reprocess = context.run.tags.get(REPROCESS_TAG) == "true"
    loaded_documents, previous = _known(warehouse, [item.source_path for item in items])
    to_read = plan.documents_to_read(items, set() if reprocess else loaded_documents)
    chosen = {item.document_id: item for item in to_read}
    paths_of: dict[str, list[plan.ScannedFile]] = {}
    for item in items:
        paths_of.setdefault(item.document_id, []).append(item)
    described: dict[str, dict] = {}  # each partition's own result
    paths_only = [item for item in items if item.document_id not in chosen]
    if paths_only:
        staging.write_staged_paths(warehouse.staging_dir, [item.file_row() for item in paths_only])
        for item in paths_only:
            described[path_to_key(item.source_path)] = known_metadata(item)

    read, seconds, started, staged_s = [], 0.0, time.monotonic(), 0.0
    progress.start(len(to_read), "reading")
    for item, extraction, worker_seconds in read_isolated(to_read, settings):
        staging_started = time.perf_counter()
        staging.write_staged(warehouse.staging_dir, extraction, source_path=item.source_path,
                             byte_size=item.byte_size, file_rows=[p.file_row() for p in paths_of[item.document_id]],
                             run_id=context.run.run_id, read_seconds=worker_seconds)
        staged_s += time.perf_counter() - staging_started
        if extraction.status != "ok":
            context.log.warning(f"{item.source_path}: {extraction.status}: {extraction.error}")
        read.append((item, extraction))
        seconds += worker_seconds
        for other in paths_of[item.document_id]:  # this file, and other paths of the same bytes
            same_as = None if other is item else item.source_path
            described[path_to_key(other.source_path)] = file_metadata(other, extraction, worker_seconds, same_as)
        progress.advance(Path(item.source_path).name)
    progress.finish()
    summary = run_summary(read, seconds, settings, wall_seconds=time.monotonic() - started, staging_seconds=staged_s)
    describe_partitions(context, described)
    if read:
        progress.status(f"recording {len(items)} file(s) in the run history")
        _tag_run(context, summary)
    yield from file_read_evaluations(described, previous)
    yield dg.MaterializeResult(check_results=[quality_result(_quality(read)), files_read_result(summary)])


def file_read_evaluations(described: dict[str, dict], previous: dict[str, str]):
    """The `file_read` check of each partition whose file failed or was partly read, so that
    the partition shows as failed in the UI, and of each that reads well again after failing
    (so its old failure does not linger). Files read well the first time need none: their
    materialization says `ok`, and the run history stays small."""
    for key, metadata in described.items():
        status = metadata["status"]
        if status in ("failed", "partial") or previous.get(str(key_to_path(key)), "ok") != "ok":
            yield file_read_result(key, status, metadata.get("reason"))


def file_read_result(key: str, status: str, reason: str | None) -> dg.AssetCheckEvaluation:
    return dg.AssetCheckEvaluation(
        asset_key=dg.AssetKey("document"),
        check_name="file_read",
        passed=status not in ("failed", "partial"),
        severity=dg.AssetCheckSeverity.WARN if status == "partial" else dg.AssetCheckSeverity.ERROR,
        description=f"{status}: {reason}" if reason and status in ("failed", "partial") else status,
        metadata={"status": status, "reason": reason or ""},
        partition=key,
    )


@dg.asset_check(
    asset=document,
    name="file_read",
    partitions_def=source_file_partitions,
    description="This file was read (fails for a file that could not be read, warns for one partly read, with the reason).",
)
def file_read(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Run on its own (the UI's *Execute* on a partition), it looks the file up in the warehouse;
    the `document` asset reports the same check as it reads each file."""
    path = str(key_to_path(context.partition_key))
    con = warehouse.read()
    row = None
    if con is not None:
        with con:
            row = con.execute("SELECT d.status, d.error FROM files f JOIN documents d USING (document_id) "
                              "WHERE f.source_path = ?", [path]).fetchone()
    if row is None:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                   description="not in the warehouse yet", metadata={"status": "not loaded", "reason": ""})
    evaluation = file_read_result(context.partition_key, row[0], row[1])
    return dg.AssetCheckResult(passed=evaluation.passed, severity=evaluation.severity,
                               description=evaluation.description, metadata=evaluation.metadata)


def describe_partitions(context: dg.AssetExecutionContext, metadata_by_key: dict[str, dict]) -> None:
    """Give each partition of the run its own metadata: what ``context.add_asset_metadata(m,
    partition_key=k)`` does for one partition, done for all at once. Dagster's method lists every
    partition of the range again and copies what it has gathered so far at each call, so one
    call per file costs the square of the batch (a 2,000-file run spent most of its time
    there); this sets the same per-partition metadata, through the same accumulator, once.
    Dagster is pinned (pyproject.toml); tests/test_run_history.py fails if this stops working."""
    from dagster._core.execution.context.metadata_logging import AssetMetadataHandle, OutputMetadataAccumulator

    unknown = set(metadata_by_key) - set(context.partition_keys)
    if unknown:
        raise dg.DagsterInvariantViolationError(f"metadata for partitions this run does not target: {sorted(unknown)[:3]}")
    step = context.op_execution_context._step_execution_context  # noqa: SLF001
    gathered = step._metadata_accumulator.per_output_metadata  # noqa: SLF001
    added = {AssetMetadataHandle(asset_key=context.assets_def.key, partition_key=k): m for k, m in metadata_by_key.items()}
    step._metadata_accumulator = OutputMetadataAccumulator(per_output_metadata={**gathered, **added})  # noqa: SLF001


def file_metadata(item: plan.ScannedFile, extraction, seconds: float | None = None, same_as: str | None = None) -> dict:
    """One file's own result, for its partition (whose key is the file's path): its status, the
    reason when it is not ok, and the figures in one JSON entry (every entry costs a few hundred
    bytes of envelope in the run history, for every file)."""
    result = {
        "document_id": extraction.document_id,
        "media_type": extraction.media_type,
        "pages": extraction.page_count,
        "methods": page_methods(extraction.pages),
        "articles": len(extraction.articles),
        **{k: v for k, v in _quality([(item, extraction)]).items() if v is not None},
    }
    if same_as:
        result["same_bytes_as"] = same_as
    elif seconds is not None:
        result["read_seconds"] = round(seconds, 2)
    metadata = {"status": extraction.status, "result": dg.MetadataValue.json(result)}
    if extraction.status != "ok":
        metadata["reason"] = extraction.error or "(no reason recorded)"
    return metadata


def known_metadata(item: plan.ScannedFile) -> dict:
    """A file whose bytes were already in the warehouse: only its path is recorded."""
    result = dg.MetadataValue.json({"document_id": item.document_id})
    if item.error:
        return {"status": "failed", "result": result, "reason": item.error}
    return {"status": "already loaded", "result": result,
            "reason": "the same bytes are in the warehouse: not read again"}


def page_methods(pages: list, limit: int = 12) -> str:
    """How each page was read, as runs: 'p1-3 text, p4 ocr, p5 empty' (bounded)."""
    runs: list[list] = []
    for page in pages:
        if runs and runs[-1][2] == page.method and runs[-1][1] == page.page_number - 1:
            runs[-1][1] = page.page_number
        else:
            runs.append([page.page_number, page.page_number, page.method])
    parts = [f"p{a} {m}" if a == b else f"p{a}-{b} {m}" for a, b, m in runs[:limit]]
    if len(runs) > limit:
        parts.append(f"… {len(runs) - limit} more")
    return ", ".join(parts) or "no pages"


MAX_LISTED_FLAGS = 20


def _quality(read: list) -> dict:
    """The weakest document's figures: the check warns if any document read poorly, and lists
    the pages flagged for review (a reading that does not hold together, whatever its
    confidence: pages.flags)."""
    confidences, qualities, flagged = [], [], []
    for item, extraction in read:
        values = [p.confidence for p in extraction.pages if p.confidence is not None]
        if values:
            confidences.append(sum(values) / len(values))
        qualities += [p.quality for p in extraction.pages if p.quality is not None]
        flagged += [f"{Path(item.source_path).name} p{p.page_number}: {p.flags}" for p in extraction.pages if p.flags]
    return {
        "mean_ocr_confidence": round(min(confidences), 1) if confidences else None,
        "min_quality": min(qualities) if qualities else None,
        "flagged_pages": flagged,
    }


# Lists in run metadata are cut here, with a count of what was left out.
MAX_LISTED_FAILURES = 50
MAX_PREVIEWED_ARTICLES = 20


def run_summary(read: list, seconds: float, settings, wall_seconds: float | None = None,
                staging_seconds: float | None = None) -> dict:
    """What the run did as a whole, told once (on the `files_read` check), with bounded lists."""
    pages = sum(e.page_count for _i, e in read)
    failures = [{"path": i.source_path, "status": e.status, "reason": e.error} for i, e in read if e.status != "ok"]
    articles = [a for _i, e in read for a in e.articles]
    preview = "\n".join(f"- **{a.title or '(untitled)'}** {a.published_date or ''} {a.location or ''}"
                         for a in articles[:MAX_PREVIEWED_ARTICLES])
    if len(articles) > MAX_PREVIEWED_ARTICLES:
        preview += f"\n- … and {len(articles) - MAX_PREVIEWED_ARTICLES} more"
    return {
        "documents_read": len(read),
        "by_status": dg.MetadataValue.json(dict(Counter(e.status for _i, e in read))),
        "pages": pages,
        "pages_by_method": dg.MetadataValue.json(dict(Counter(p.method for _i, e in read for p in e.pages))),
        "pages_per_minute": round(60 * pages * settings.workers / seconds, 1) if seconds else 0.0,
        "reading_seconds": round(wall_seconds, 2) if wall_seconds is not None else None,
        "stage_seconds": dg.MetadataValue.json(stage_seconds(read, staging_seconds)),
        "articles": len(articles),
        "failures": dg.MetadataValue.json(failures[:MAX_LISTED_FAILURES]),
        "failures_not_listed": max(0, len(failures) - MAX_LISTED_FAILURES),
        "preview": dg.MetadataValue.md(preview or "(no new article)"),
        **_quality(read),
    }


def stage_seconds(read: list, staging_seconds: float | None = None) -> dict[str, float]:
    """Seconds per stage summed over the run's documents (render, orientation, cleanup, ocr,
    text_layer, repair, metadata: worker time, summed over its OCR threads), and the time spent
    staging the results: a slow stage shows on the `files_read` check."""
    totals: dict[str, float] = {}
    for _item, extraction in read:
        for stage, value in (extraction.timings or {}).items():
            totals[stage] = totals.get(stage, 0.0) + value
    if staging_seconds is not None:
        totals["staging"] = staging_seconds
    return {stage: round(value, 2) for stage, value in sorted(totals.items())}


def files_read_result(summary: dict) -> dg.AssetCheckResult:
    failed = summary["by_status"].value.get("failed", 0) if summary["documents_read"] else 0
    return dg.AssetCheckResult(
        passed=not failed,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{failed} of {summary['documents_read']} file(s) failed: see `failures`" if failed
        else f"{summary['documents_read']} file(s) read",
        metadata=summary,
        asset_key="document",
        check_name="files_read",
    )


def _tag_run(context: dg.AssetExecutionContext, summary: dict) -> None:
    """A few counts on the run itself, shown in the UI's run list."""
    counts = summary["by_status"].value
    context.instance.add_run_tags(context.run.run_id, {
        "archive/documents_read": str(summary["documents_read"]),
        "archive/failed": str(counts.get("failed", 0)),
        "archive/pages": str(summary["pages"]),
    })


MIN_CONFIDENCE = 60.0
MIN_QUALITY = 0.5


def quality_result(metadata: dict) -> dg.AssetCheckResult:
    """Warn (never fail the run) when a document read poorly."""
    confidence, quality = metadata.get("mean_ocr_confidence"), metadata.get("min_quality")
    problems = []
    if confidence is not None and confidence < MIN_CONFIDENCE:
        problems.append(f"mean OCR confidence {confidence} < {MIN_CONFIDENCE}")
    if quality is not None and quality < MIN_QUALITY:
        problems.append(f"a page's text quality {quality} < {MIN_QUALITY}")
    flagged = metadata.get("flagged_pages") or []
    if flagged:
        listed = "; ".join(flagged[:MAX_LISTED_FLAGS]) + (f"; … {len(flagged) - MAX_LISTED_FLAGS} more"
                                                           if len(flagged) > MAX_LISTED_FLAGS else "")
        problems.append(f"{len(flagged)} page(s) flagged for review: {listed}")
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(problems) or "read well",
        metadata={"mean_ocr_confidence": confidence, "min_quality": quality, "flagged_pages": len(flagged)},
        asset_key="document",
        check_name="document_quality",
    )


JOB_TAG = "archive/job"  # the deployment's run queue limits reading and loading runs by it (deploy/dagster.yaml)

read_files_job = dg.define_asset_job(
    "read_files",
    # file_read is reported by `document` itself as it reads; run alone, it reads the warehouse.
    selection=dg.AssetSelection.assets(document) - dg.AssetSelection.checks(file_read),
    description="Read source files, one partition per file, and stage the results for the loader.",
    tags={JOB_TAG: "read_files"},
    # On a deployment (ARCHIVE_EXECUTOR=celery) the step runs on a Celery worker; `archive
    # ingest` executes in-process whatever this says.
    executor_def=celery_executor(),
)
load_job = dg.define_asset_job(
    "load_warehouse",
    selection=dg.AssetSelection.assets("files", "documents", "pages", "articles"),
    description="Load whatever is staged into the warehouse, in one transaction (one snapshot).",
    tags={JOB_TAG: "load_warehouse"},
    # One writer, and checks that only read: a process per step (Dagster's default) only adds
    # process starts, a minute of them on a busy machine.
    executor_def=dg.in_process_executor,
)


def plan_partitions(
    instance: dg.DagsterInstance, roots: list[Path], warehouse: WarehouseResource, reprocess: bool = False,
    skip=None,
) -> tuple[list[plan.ScannedFile], list[tuple[str, str]], list[str]]:
    """Scan the folders, make every file a partition, and give back the keys of those to read
    (new or changed files; all of them when reprocessing; not those ``skip`` says are in hand),
    placed last in the partitions' order so that one ranged run covers exactly them."""
    known = {}
    con = warehouse.read(check_files=True)
    if con is not None:
        with con:
            known = known_files(con)
    scanned, problems = plan.scan(roots, known)
    todo = [path_to_key(s.source_path) for s in scanned if (reprocess or not s.unchanged) and not (skip and skip(s))]
    existing = set(instance.get_dynamic_partitions(source_file_partitions.name))
    for key in todo:
        if key in existing:
            instance.delete_dynamic_partition(source_file_partitions.name, key)
    everything = [path_to_key(s.source_path) for s in scanned]
    instance.add_dynamic_partitions(source_file_partitions.name, [k for k in everything if k not in existing and k not in todo])
    instance.add_dynamic_partitions(source_file_partitions.name, todo)
    return scanned, problems, todo


def range_tags(keys: list[str]) -> dict[str, str]:
    """Tags that make one run read the partitions from the first key to the last."""
    return {"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]}
