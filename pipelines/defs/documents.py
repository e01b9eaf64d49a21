"""One dynamic partition per source file: the per-file path, for the sensor, schedule and
backfills. Each partition reads its file in an isolated worker and stages the result; the
loader (pipelines/defs/load.py) writes staged results to DuckDB in a pool of one."""

import urllib.parse
from collections import Counter
from pathlib import Path

import dagster as dg

from pipelines.config import PIPELINE_VERSION, load_settings
from pipelines.core import scan, staging
from pipelines.core.reading import read_isolated
from pipelines.defs.resources import WarehouseResource

source_file_partitions = dg.DynamicPartitionsDefinition(name="source_files")

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
    code_version=PIPELINE_VERSION,
    group_name="documents",
    kinds={"python"},
    check_specs=[dg.AssetCheckSpec("document_quality", asset="document",
                                   description="OCR confidence and text quality above their thresholds (a warning).")],
)
def document(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """One source file read (text layer or OCR, page by page, in an isolated worker), split
    into articles and staged for the loader. Bytes already in the warehouse are not read again:
    only the path is staged."""
    settings = load_settings()
    path = key_to_path(context.partition_key)
    item = scan.scan_file(path, known={})
    if item.document_id in _known_documents(warehouse):
        staging.write_staged_paths(warehouse.staging_dir, [item.file_row()])
        return dg.MaterializeResult(
            metadata={"document_id": item.document_id, "read": False, "path": str(path)},
            check_results=[quality_result({})],
        )
    ((item, extraction, seconds),) = list(read_isolated([item], settings))
    staging.write_staged(
        warehouse.staging_dir, extraction, source_path=item.source_path, byte_size=item.byte_size,
        file_rows=[item.file_row()],
    )
    if extraction.status != "ok":
        context.log.warning(f"{path}: {extraction.status}: {extraction.error}")
    confidences = [p.confidence for p in extraction.pages if p.confidence is not None]
    qualities = [p.quality for p in extraction.pages if p.quality is not None]
    mean_confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    min_quality = min(qualities) if qualities else None
    return dg.MaterializeResult(
        check_results=[quality_result({"mean_ocr_confidence": mean_confidence, "min_quality": min_quality})],
        metadata={
            "document_id": extraction.document_id,
            "path": str(path),
            "read": True,
            "status": extraction.status,
            "error": extraction.error or "",
            "pages": extraction.page_count,
            "pages_by_method": dg.MetadataValue.json(dict(Counter(p.method for p in extraction.pages))),
            "pages_per_minute": round(60 * extraction.page_count / seconds, 1) if seconds else 0.0,
            "mean_ocr_confidence": mean_confidence,
            "min_quality": min_quality,
            "articles": len(extraction.articles),
            "preview": dg.MetadataValue.md(
                "\n".join(f"- **{a.title or '(untitled)'}** {a.published_date or ''} {a.location or ''}"
                          for a in extraction.articles[:10]) or "(no article)"
            ),
        }
    )


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
