"""Read documents in isolated worker processes, turning every failure into a recorded one.

Shared by the batch asset (many files in one run) and the per-file partitions: a file that
could not be opened, a worker that crashed, hung or ran out of memory all come back as an
Extraction with status 'failed' and the reason, never as an exception.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from pipelines.config import Settings
from pipelines.core.read import files
from pipelines.core.runtime import workers
from pipelines.core.models import Extraction
from pipelines.core.runtime.plan import ScannedFile


def media_type_of(item: ScannedFile) -> str | None:
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

    return without_lines(process_document(path, document_id, media_type, options))


def without_lines(extraction: Extraction) -> Extraction:
    """The extraction as it leaves a worker: the pages' laid-out lines (fonts, sizes, boxes)
    served the article split, done in the worker; nothing after it reads them and the warehouse
    has no place for them, yet they were half of what a born-digital document sent back,
    staged and parsed again (3.5 of 7.2 MB for 440 pages). Text, words and provenance stay."""
    for page in extraction.pages:
        page.lines = []
    return extraction


@dataclass(frozen=True)
class Job:
    key: str  # the document id
    args: tuple  # what the worker is given: (path, document id, media type, options)

    def same_reading(self, other: Job) -> bool:
        """The same file, bytes and options (the number of page threads does not change what
        is read, only how fast)."""
        return _comparable(self.args) == _comparable(other.args)


def _comparable(args: tuple) -> tuple:
    path, document_id, media_type, options = args
    return str(path), document_id, media_type, replace(options, ocr_threads=1)


def jobs_for(items: list[ScannedFile], settings: Settings) -> list[Job]:
    """The worker's arguments for each readable file: every core goes to documents read in
    parallel, and cores not used that way to the pages of each document (one Tesseract each)."""
    readable = [item for item in items if not item.error]
    parallel = max(1, min(settings.workers, len(readable)))
    options = replace(settings.read, ocr_threads=max(1, settings.workers // parallel))
    return [Job(i.document_id, (Path(i.source_path), i.document_id, media_type_of(i), options)) for i in readable]


def read_isolated(items: list[ScannedFile], settings: Settings) -> Iterator[tuple[ScannedFile, Extraction, float]]:
    """(file, extraction, worker seconds) for each file, in the order they finish. Documents
    a read-ahead of this process has read, or is reading, for the same bytes and options are
    taken from it (runtime/readahead.py); the others are read here."""
    by_id = {item.document_id: item for item in items}
    for item in items:
        if item.error:  # could not even be opened: recorded, not read
            yield item, Extraction(item.document_id, media_type="unknown", status="failed", error=item.error), 0.0
    from pipelines.core.runtime import readahead  # which builds on this module

    jobs = jobs_for(items, settings)
    ahead = readahead.take()
    if ahead is not None:
        try:
            wanted = {job.key: job for job in jobs}
            served, jobs = ahead.claim(jobs)
            for key, outcome in ahead.outcomes(served):
                if outcome is None:  # stopped before it was read: read here
                    jobs.append(wanted[key])
                else:
                    yield _result(by_id[key], outcome)
        finally:
            ahead.close()
    for outcome in read_jobs(jobs, settings):
        yield _result(by_id[outcome.key], outcome)


def read_jobs(jobs: list[Job], settings: Settings, **options) -> Iterator[workers.Outcome]:
    """Each job read by an isolated worker, within the settings' limits (``options``: more of
    workers.run_isolated's)."""
    return workers.run_isolated(
        read_document,
        [(job.key, job.args) for job in jobs],
        workers=settings.workers,
        timeout_s=settings.document_timeout_s,
        memory_limit_mb=settings.memory_limit_mb,
        **options,
    )


def _result(item: ScannedFile, outcome: workers.Outcome) -> tuple[ScannedFile, Extraction, float]:
    if outcome.error:
        failed = Extraction(item.document_id, media_type=item.media_type or "unknown", status="failed", error=outcome.error)
        return item, failed, outcome.seconds
    return item, outcome.value, outcome.seconds
