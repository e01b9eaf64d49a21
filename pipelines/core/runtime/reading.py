"""Read documents in isolated worker processes, turning every failure into a recorded one.

Shared by the batch asset (many files in one run) and the per-file partitions: a file that
could not be opened, a worker that crashed, hung or ran out of memory all come back as an
Extraction with status 'failed' and the reason, never as an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from pipelines.config import Settings
from pipelines.core.read import files
from pipelines.core.runtime import workers
from pipelines.core.models import Extraction
from pipelines.core.runtime.plan import ScannedFile


def _media_type(item: ScannedFile) -> str | None:
    """Unchanged files are not sniffed when scanned; a re-read needs their type."""
    if item.media_type is None:
        try:
            return files.sniff_media_type(Path(item.source_path))
        except OSError:
            return None
    return item.media_type


def read_document(path: Path, document_id: str, media_type: str | None, options) -> Extraction:
    """What a worker runs for one file. The readers (pdfium, OpenCV, Tesseract, the metadata
    rules and the gazetteer) are imported here, not when this module is: the process that only
    hands files out (`archive ingest`, the Dagster step) never needs them, and importing them
    cost it about 0.3 s before its first file went out; the workers' server has them loaded
    already (preload.py)."""
    from pipelines.core.runtime.document import process_document

    return process_document(path, document_id, media_type, options)


def read_isolated(items: list[ScannedFile], settings: Settings) -> Iterator[tuple[ScannedFile, Extraction, float]]:
    """(file, extraction, worker seconds) for each file, in the order they finish."""
    by_id = {item.document_id: item for item in items}
    readable = []
    for item in items:
        if item.error:  # could not even be opened: recorded, not read
            yield item, Extraction(item.document_id, media_type="unknown", status="failed", error=item.error), 0.0
        else:
            readable.append(item)
    # Cores not used by parallel documents go to the pages of each document (one Tesseract each).
    parallel = max(1, min(settings.workers, len(readable)))
    options = replace(settings.read, ocr_threads=max(1, settings.workers // parallel))
    jobs = [(i.document_id, (Path(i.source_path), i.document_id, _media_type(i), options)) for i in readable]
    for outcome in workers.run_isolated(
        read_document,
        jobs,
        workers=settings.workers,
        timeout_s=settings.document_timeout_s,
        memory_limit_mb=settings.memory_limit_mb,
    ):
        item = by_id[outcome.key]
        if outcome.error:
            failed = Extraction(item.document_id, media_type=item.media_type or "unknown", status="failed", error=outcome.error)
            yield item, failed, outcome.seconds
        else:
            yield item, outcome.value, outcome.seconds
