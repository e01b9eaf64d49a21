"""One dynamic partition per source file: the per-file path, for the sensor, schedule and
backfills. Each partition reads its file in an isolated worker and stages the result; the
loader (pipelines/defs/load.py) writes staged results to DuckDB in a pool of one."""

import urllib.parse
import warnings
from collections import Counter
from pathlib import Path

import dagster as dg

from pipelines.config import PIPELINE_VERSION, load_settings
from pipelines.core import scan, staging
from pipelines.core.reading import read_isolated
from pipelines.core.warehouse import known_files
from pipelines.defs.resources import Progress, WarehouseResource

# A single-run backfill policy is what lets one run read many files in parallel workers; it is
# marked beta in this Dagster release, and the warning would print on every command.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

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


def _known_documents(warehouse: WarehouseResource) -> set[str]:
    """Documents already loaded, read from the published copy (never locked by a writer)."""
    con = warehouse.read()
    if con is None:
        return set()
    with con:
        return {r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()}


@dg.asset(
    partitions_def=source_file_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    code_version=PIPELINE_VERSION,
    group_name="documents",
    kinds={"python"},
    check_specs=[dg.AssetCheckSpec("document_quality", asset="document",
                                   description="OCR confidence and text quality above their thresholds (a warning).")],
)
def document(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, progress: dg.ResourceParam[Progress]
) -> dg.MaterializeResult:
    """Source files read (text layer or OCR, page by page, each in an isolated worker, several
    at once), split into articles and staged for the loader. One run reads one partition (the
    sensor) or a range of them (`archive ingest`, the nightly batch, a backfill). Bytes already
    in the warehouse are not read again: only their paths are staged."""
    settings = load_settings()
    items = [scan.scan_file(key_to_path(key), known={}) for key in context.partition_keys]
    reprocess = context.run.tags.get(REPROCESS_TAG) == "true"
    to_read = scan.documents_to_read(items, set() if reprocess else _known_documents(warehouse))
    chosen = {item.document_id for item in to_read}
    rows_of: dict[str, list] = {}
    for item in items:
        rows_of.setdefault(item.document_id, []).append(item.file_row())
    paths_only = [item.file_row() for item in items if item.document_id not in chosen]
    if paths_only:
        staging.write_staged_paths(warehouse.staging_dir, paths_only)

    read, seconds = [], 0.0
    progress.start(len(to_read), "reading")
    for item, extraction, worker_seconds in read_isolated(to_read, settings):
        staging.write_staged(warehouse.staging_dir, extraction, source_path=item.source_path,
                             byte_size=item.byte_size, file_rows=rows_of[item.document_id])
        if extraction.status != "ok":
            context.log.warning(f"{item.source_path}: {extraction.status}: {extraction.error}")
        read.append((item, extraction))
        seconds += worker_seconds
        progress.advance(Path(item.source_path).name)
    progress.finish()
    return dg.MaterializeResult(check_results=[quality_result(_quality(read))], metadata=_run_metadata(read, seconds, settings))


def _quality(read: list) -> dict:
    """The weakest document's figures: the check warns if any document read poorly."""
    confidences, qualities = [], []
    for _item, extraction in read:
        values = [p.confidence for p in extraction.pages if p.confidence is not None]
        if values:
            confidences.append(sum(values) / len(values))
        qualities += [p.quality for p in extraction.pages if p.quality is not None]
    return {
        "mean_ocr_confidence": round(min(confidences), 1) if confidences else None,
        "min_quality": min(qualities) if qualities else None,
    }


def _run_metadata(read: list, seconds: float, settings) -> dict:
    pages = sum(e.page_count for _i, e in read)
    metadata = {
        "documents_read": len(read),
        "document_ids": dg.MetadataValue.json([e.document_id for _i, e in read]),
        "by_status": dg.MetadataValue.json(dict(Counter(e.status for _i, e in read))),
        "pages": pages,
        "pages_by_method": dg.MetadataValue.json(dict(Counter(p.method for _i, e in read for p in e.pages))),
        "pages_per_minute": round(60 * pages * settings.workers / seconds, 1) if seconds else 0.0,
        "failures": dg.MetadataValue.json(
            [{"path": i.source_path, "status": e.status, "reason": e.error} for i, e in read if e.status != "ok"][:200]
        ),
        "articles": sum(len(e.articles) for _i, e in read),
        "preview": dg.MetadataValue.md(
            "\n".join(f"- **{a.title or '(untitled)'}** {a.published_date or ''} {a.location or ''}"
                      for _i, e in read for a in e.articles[:3][:30]) or "(no new article)"
        ),
        **_quality(read),
    }
    if len(read) == 1:
        (item, extraction), = read
        metadata |= {"document_id": extraction.document_id, "path": item.source_path,
                     "status": extraction.status, "error": extraction.error or ""}
    return metadata


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
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(problems) or "read well",
        metadata={"mean_ocr_confidence": confidence, "min_quality": quality},
        asset_key="document",
        check_name="document_quality",
    )


read_files_job = dg.define_asset_job(
    "read_files",
    selection=dg.AssetSelection.assets(document),
    description="Read source files, one partition per file, and stage the results for the loader.",
)
load_job = dg.define_asset_job(
    "load_warehouse",
    selection=dg.AssetSelection.assets("files", "documents", "pages", "articles"),
    description="Load whatever is staged into DuckDB and publish the analysts' copy.",
)


def plan_partitions(
    instance: dg.DagsterInstance, roots: list[Path], warehouse: WarehouseResource, reprocess: bool = False
) -> tuple[list[scan.ScannedFile], list[tuple[str, str]], list[str]]:
    """Scan the folders, make every file a partition, and give back the keys of those to read
    (new or changed files; all of them when reprocessing), placed last in the partitions' order
    so that one ranged run covers exactly them."""
    known = {}
    con = warehouse.read()
    if con is not None:
        with con:
            known = known_files(con)
    scanned, problems = scan.scan(roots, known)
    todo = [path_to_key(s.source_path) for s in scanned if reprocess or not s.unchanged]
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
