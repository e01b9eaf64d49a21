"""Assets that find files and read them: source_files → staged_documents."""


from collections import Counter
from pathlib import Path

import dagster as dg
from pydantic import Field

from pipelines.config import PIPELINE_VERSION, load_settings
from pipelines.core import scan, staging
from pipelines.core.models import Extraction
from pipelines.core.reading import read_isolated
from pipelines.core.warehouse import known_documents, known_files
from pipelines.defs.resources import Progress, WarehouseResource


class IngestConfig(dg.Config):
    paths: list[str] = Field(
        default=[],
        description="Files and folders to ingest, recursively. Empty: the raw/ drop folder.",
    )
    reprocess: bool = Field(
        default=False,
        description="Read every file again even if its bytes are already loaded (after the extractor improved).",
    )


@dg.asset(group_name="ingest", code_version=PIPELINE_VERSION, kinds={"python"})
def source_files(context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource) -> list[scan.ScannedFile]:
    """Every file under the ingested folders: path, size, mtime, SHA-256 and media type.

    Files whose path, size and mtime match the warehouse are not hashed again.
    """
    settings = load_settings()
    roots = [Path(p) for p in config.paths] or [settings.raw_dir]
    known = {}
    if (con := warehouse.read()) is not None:  # the published copy: never waits for a writer
        with con:
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
    config: IngestConfig,
    source_files: list[scan.ScannedFile],
    warehouse: WarehouseResource,
    progress: dg.ResourceParam[Progress],
) -> list[str]:
    """Each new document read in its own worker process (text layer or OCR, page by page),
    split into articles, and staged as a JSON file under warehouse/staging/."""
    settings = load_settings()
    already_loaded = set()
    if (con := warehouse.read()) is not None:
        with con:
            already_loaded = known_documents(con)
    to_read = scan.documents_to_read(source_files, already_loaded, reread=config.reprocess)
    paths_of: dict[str, list] = {}
    for item in source_files:
        paths_of.setdefault(item.document_id, []).append(item.file_row())
    by_id = {item.document_id: item for item in to_read}

    staged: list[str] = []
    failures: list[dict] = []
    previews: list[str] = []
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
            failures.append({"path": item.source_path, "status": extraction.status, "reason": extraction.error})
        previews.extend(
            f"- **{a.title or '(untitled)'}** {a.published_date or ''} {a.location or ''} ({Path(item.source_path).name})"
            for a in extraction.articles[:3]
        )
        progress.advance(Path(item.source_path).name)

    progress.start(len(to_read), "reading")
    seconds = 0.0
    for _item, extraction, worker_seconds in read_isolated(to_read, settings):
        seconds += worker_seconds
        stage(extraction)
    # Paths whose bytes are already in the warehouse: only their files rows are new.
    read_ids = {item.document_id for item in to_read}
    known_paths = [s.file_row() for s in source_files if s.document_id not in read_ids and not s.unchanged]
    if known_paths:
        staging.write_staged_paths(warehouse.staging_dir, known_paths)
    progress.finish()
    context.add_output_metadata(
        {
            "documents_read": len(staged),
            "by_status": dg.MetadataValue.json(dict(status)),
            "pages_by_method": dg.MetadataValue.json(dict(methods)),
            "pages": pages,
            "pipeline_version": PIPELINE_VERSION,
            "worker_seconds": round(seconds, 1),
            "pages_per_minute": round(60 * pages * settings.workers / seconds, 1) if seconds else 0.0,
            "failures": dg.MetadataValue.json(failures[:200]),
            "articles_preview": dg.MetadataValue.md("\n".join(previews[:30]) or "(no new article)"),
        }
    )
    return staged
