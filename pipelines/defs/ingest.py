"""Assets that find files and read them: source_files → staged_documents."""


from collections import Counter
from dataclasses import replace
from pathlib import Path

import dagster as dg
from pydantic import Field

from pipelines.config import PIPELINE_VERSION, load_settings
from pipelines.core import scan, staging, workers
from pipelines.core.extract import process_document
from pipelines.core.models import Extraction
from pipelines.core.warehouse import known_documents, known_files
from pipelines.defs.resources import Progress, WarehouseResource


class IngestConfig(dg.Config):
    paths: list[str] = Field(
        default=[],
        description="Files and folders to ingest, recursively. Empty: the raw/ drop folder.",
    )


@dg.asset(group_name="ingest", code_version=PIPELINE_VERSION, kinds={"python"})
def source_files(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource) -> list[scan.ScannedFile]:
    """Every file under the ingested folders: path, size, mtime, SHA-256 and media type.

    Files whose path, size and mtime match the warehouse are not hashed again.
    """
    settings = load_settings()
    roots = [Path(p) for p in config.paths] or [settings.raw_dir]
    with warehouse.connect() as con:
        known = known_files(con)
    scanned, problems = scan.scan(roots, known)
    for path, reason in problems:
        context.log.warning(f"{path}: {reason}")
    changed = [s for s in scanned if not s.unchanged]
    context.add_output_metadata(
        {
            "roots": dg.MetadataValue.json([str(r) for r in roots]),
            "files": len(scanned),
            "new_or_changed": len(changed),
            "unchanged": len(scanned) - len(changed),
            "problems": dg.MetadataValue.json([{"path": p, "reason": r} for p, r in problems]),
        }
    )
    return scanned


@dg.asset(group_name="ingest", code_version=PIPELINE_VERSION, kinds={"python"})
def staged_documents(
    context: dg.AssetExecutionContext,
    source_files: list[scan.ScannedFile],
    warehouse: WarehouseResource,
    progress: dg.ResourceParam[Progress],
) -> list[str]:
    """Each new document read in its own worker process (text layer or OCR, page by page),
    split into articles, and staged as a JSON file under warehouse/staging/."""
    settings = load_settings()
    with warehouse.connect() as con:
        already_loaded = known_documents(con)
    to_read = scan.documents_to_read(source_files, already_loaded)
    paths_of: dict[str, list] = {}
    for item in source_files:
        paths_of.setdefault(item.document_id, []).append(item.file_row())
    by_id = {item.document_id: item for item in to_read}

    staged: list[str] = []
    status: Counter[str] = Counter()
    methods: Counter[str] = Counter()
    pages = 0

    def stage(extraction: Extraction) -> None:
        nonlocal pages
        item = by_id[extraction.document_id]
        staging.write_staged(
            warehouse.staging_dir,
            extraction,
            source_path=item.source_path,
            byte_size=item.byte_size,
            file_rows=paths_of[item.document_id],
        )
        staged.append(extraction.document_id)
        status[extraction.status] += 1
        methods.update(p.method for p in extraction.pages)
        pages += extraction.page_count
        if extraction.status != "ok":
            context.log.warning(f"{item.source_path}: {extraction.status}: {extraction.error}")
        progress.advance(Path(item.source_path).name)

    progress.start(len(to_read), "reading")
    readable = []
    for item in to_read:
        if item.error:  # could not even be opened: recorded, not read
            stage(Extraction(item.document_id, media_type="unknown", status="failed", error=item.error))
        else:
            readable.append(item)
    # Cores not used by parallel documents go to the pages of each document (one Tesseract each).
    read_options = replace(settings.read, ocr_threads=max(1, settings.workers // max(1, min(settings.workers, len(readable)))))
    jobs = [
        (item.document_id, (Path(item.source_path), item.document_id, item.media_type, read_options))
        for item in readable
    ]
    outcomes = workers.run_isolated(
        process_document,
        jobs,
        workers=settings.workers,
        timeout_s=settings.document_timeout_s,
        memory_limit_mb=settings.memory_limit_mb,
    )
    seconds = 0.0
    for outcome in outcomes:
        seconds += outcome.seconds
        if outcome.error:
            item = by_id[outcome.key]
            stage(Extraction(item.document_id, media_type=item.media_type or "unknown", status="failed", error=outcome.error))
        else:
            stage(outcome.value)
    progress.finish()
    context.add_output_metadata(
        {
            "documents_read": len(staged),
            "by_status": dg.MetadataValue.json(dict(status)),
            "pages_by_method": dg.MetadataValue.json(dict(methods)),
            "pages": pages,
            "pipeline_version": PIPELINE_VERSION,
            "worker_seconds": round(seconds, 1),
        }
    )
    return staged
