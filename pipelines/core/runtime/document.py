"""One file in, one Extraction out: the stages composed for one document.

    read (pages) → text (repaired as each page is read) → metadata (masthead, articles) → Extraction

This is the unit of work that runs in an isolated worker process. It never raises for bad
input: whatever goes wrong becomes the document's status and a reason a person understands.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.config import ReadOptions
from pipelines.core.metadata import articles as article_builder
from pipelines.core.metadata.masthead import find_masthead
from pipelines.core.models import Extraction, Line, Page, StageClock
from pipelines.core.read import files
from pipelines.core.read.images import ImageReadError
from pipelines.core.read.ocr import OcrError
from pipelines.core.read.pages import UnsupportedType, read_pages, read_pdf
from pipelines.core.read.pdf import PdfError
from pipelines.core.read.textfile import NotTextError


def process_document(path: Path, document_id: str, media_type: str | None, options: ReadOptions) -> Extraction:
    """Read a file into pages and articles; failures are recorded, never raised."""
    clock = StageClock()
    result = _process(Path(path), document_id, media_type, options, clock)
    result.timings = clock.rounded()
    return result


def _process(path: Path, document_id: str, media_type: str | None, options: ReadOptions, clock: StageClock) -> Extraction:
    result = Extraction(document_id=document_id, media_type=media_type or "unknown", status="ok")
    try:
        size = path.stat().st_size
        if size == 0:
            return _failed(result, files.unsupported_reason(path, size))
        if media_type is None and path.suffix.lower() == ".pdf":
            # A damaged header: PDF readers, like poppler, try anyway.
            return _headerless_pdf(result, path, options, clock)
        if media_type is None:
            return _failed(result, files.unsupported_reason(path, size))
        result.pages = read_pages(path, media_type, options, clock)
    except UnsupportedType:
        return _failed(result, files.unsupported_reason(path, size))
    except (PdfError, ImageReadError, NotTextError, OcrError) as exc:
        return _failed(result, str(exc))
    except MemoryError:
        return _failed(result, "out of memory while reading the file")
    except OSError as exc:
        return _failed(result, f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not take the batch down; say what it was
        return _failed(result, f"unexpected error while reading: {type(exc).__name__}: {exc}")

    with clock("metadata"):
        return _finish(result)


def _headerless_pdf(result: Extraction, path: Path, options: ReadOptions, clock: StageClock) -> Extraction:
    try:
        result.pages = read_pdf(path, options, clock)
    except Exception as exc:
        return _failed(result, f"{files.unsupported_reason(path, 1)} ({exc})")
    result.media_type = "application/pdf"
    with clock("metadata"):
        return _finish(result)


def _finish(result: Extraction) -> Extraction:
    """Status from the pages, then the articles."""
    if not result.pages:
        return _failed(result, "the document has no pages")
    failed = [p for p in result.pages if p.method == "failed"]
    if len(failed) == len(result.pages):
        return _failed(result, f"no page could be read: {failed[0].error}")
    if failed:
        result.status = "partial"
        result.error = f"{len(failed)} of {len(result.pages)} pages could not be read: " + "; ".join(
            f"page {p.page_number}: {p.error}" for p in failed[:3]
        )
    flag_outlier_pages(result.pages)
    try:
        masthead = find_masthead("\n".join(ln.text for ln in _first_lines(result.pages)))
        if masthead:
            result.masthead, result.issue_number = masthead.text, masthead.issue_number
            result.issue_date, result.issue_date_precision = masthead.issue_date, masthead.precision
        result.articles = article_builder.build_articles(result.pages, result.issue_date, result.issue_date_precision)
    except Exception as exc:  # keep the pages even if segmentation has a bug
        result.status = "partial"
        result.error = f"article segmentation failed: {type(exc).__name__}: {exc}"
    return result


def _first_lines(pages: list[Page], count: int = 12) -> list[Line]:
    for page in pages:
        lines = [ln for ln in page.lines if ln.text.strip()]
        if lines:
            return lines[:count]
    return []


def flag_outlier_pages(pages: list[Page], gap: float = 0.3) -> None:
    """Flag an OCR page whose quality score is far below its document's other pages: a page
    Tesseract misread (upside down, a photo, a damaged scan) while its neighbours read well."""
    scored = [p for p in pages if p.method == "ocr" and p.quality is not None and p.text.strip()]
    if len(scored) < 3:
        return
    for page in scored:
        others = sorted(p.quality for p in scored if p is not page)
        median = others[len(others) // 2]
        if page.quality < median - gap:
            flag = f"OCR quality {page.quality:.2f} far below the other pages' median {median:.2f}"
            page.flags = f"{page.flags}; {flag}" if page.flags else flag


def _failed(result: Extraction, reason: str) -> Extraction:
    result.status = "failed"
    result.error = reason
    result.articles = []
    return result


