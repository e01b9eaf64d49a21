"""One file in, one Extraction out: route by media type, read every page, build the articles.

This is the unit of work that runs in an isolated worker process. It never raises for bad
input: whatever goes wrong becomes the document's status and a reason a person understands.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.config import ReadOptions
from pipelines.core import articles as article_builder
from pipelines.core import files
from pipelines.core.images import ImageReadError, iter_frames
from pipelines.core.models import Extraction, Line, Page
from pipelines.core.ocr import OcrError, engine_name, ocr_image
from pipelines.core.pdf import PdfError, open_pdfium, render_page, text_layer_pages
from pipelines.core.routing import OCR, route_pdf_page
from pipelines.core.textfile import NotTextError, decode_text
from pipelines.core.vietnamese.normalize import normalize_text, to_paragraphs

IMAGE_TYPES = {"image/tiff", "image/png", "image/jpeg", "image/gif", "image/bmp", "image/webp"}


def process_document(path: Path, document_id: str, media_type: str | None, options: ReadOptions) -> Extraction:
    """Read a file into pages and articles; failures are recorded, never raised."""
    path = Path(path)
    result = Extraction(document_id=document_id, media_type=media_type or "unknown", status="ok")
    try:
        size = path.stat().st_size
        if size == 0:
            return _failed(result, files.unsupported_reason(path, size))
        if media_type is None and path.suffix.lower() == ".pdf":
            # A damaged header: PDF readers, like poppler, try anyway.
            return _headerless_pdf(result, path, options)
        if media_type is None:
            return _failed(result, files.unsupported_reason(path, size))
        if media_type == "application/pdf":
            result.pages = read_pdf(path, options)
        elif media_type in IMAGE_TYPES:
            result.pages = read_image(path, options)
        elif media_type == "text/plain":
            result.pages = [read_text(path)]
        else:
            return _failed(result, files.unsupported_reason(path, size))
    except (PdfError, ImageReadError, NotTextError, OcrError) as exc:
        return _failed(result, str(exc))
    except MemoryError:
        return _failed(result, "out of memory while reading the file")
    except OSError as exc:
        return _failed(result, f"cannot read the file: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not take the batch down; say what it was
        return _failed(result, f"unexpected error while reading: {type(exc).__name__}: {exc}")

    return _finish(result)


def _headerless_pdf(result: Extraction, path: Path, options: ReadOptions) -> Extraction:
    try:
        result.pages = read_pdf(path, options)
    except Exception as exc:
        return _failed(result, f"{files.unsupported_reason(path, 1)} ({exc})")
    result.media_type = "application/pdf"
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
    try:
        result.articles = article_builder.build_articles(result.pages)
    except Exception as exc:  # keep the pages even if segmentation has a bug
        result.status = "partial"
        result.error = f"article segmentation failed: {type(exc).__name__}: {exc}"
    return result


def _failed(result: Extraction, reason: str) -> Extraction:
    result.status = "failed"
    result.error = reason
    result.articles = []
    return result


def read_pdf(path: Path, options: ReadOptions) -> list[Page]:
    pages: list[Page] = []
    renderer = None
    try:
        for layer in text_layer_pages(path):
            method, reason = route_pdf_page(layer, options)
            if method != OCR:
                pages.append(_page_from_lines(layer.page_number, "text", layer.lines, layer.engine, reason))
                continue
            if renderer is None:
                renderer = open_pdfium(path)
            try:
                image = render_page(renderer, layer.page_number, options.ocr_dpi)
            except Exception as exc:
                pages.append(_failed_page(layer.page_number, reason, f"cannot render page: {exc}"))
                continue
            pages.append(_ocr_page(layer.page_number, image, options, reason))
    finally:
        if renderer is not None:
            renderer.close()
    return pages


def read_image(path: Path, options: ReadOptions) -> list[Page]:
    pages = []
    for number, image in enumerate(iter_frames(path), start=1):
        pages.append(_ocr_page(number, image, options, "page image"))
        image.close()
    return pages


def read_text(path: Path) -> Page:
    text, encoding = decode_text(path.read_bytes())
    lines = [Line(text=line) for line in normalize_text(text).split("\n")]
    return _page_from_lines(1, "text", lines, f"plain text ({encoding})", f"text file ({encoding})")


def _ocr_page(number: int, image, options: ReadOptions, reason: str) -> Page:
    engine = engine_name(options.ocr_languages)
    if is_blank(image):
        return Page(page_number=number, method="empty", text="", reason=f"{reason}; blank page (no ink)")
    try:
        ocr = ocr_image(image, languages=options.ocr_languages, timeout_s=options.ocr_timeout_s)
    except OcrError as exc:
        if "not installed" in str(exc):
            raise
        return _failed_page(number, reason, str(exc), engine)
    text = normalize_text(ocr.text)
    lines = [Line(text=normalize_text(line.text)) for line in ocr.lines]
    return Page(
        page_number=number,
        method="ocr",
        text="\n\n".join(to_paragraphs(text)),
        lines=lines,
        confidence=ocr.confidence,
        engine=engine,
        reason=reason,
    )


def is_blank(image, dark: int = 128, share: float = 0.0001) -> bool:
    """True when (almost) no pixel is dark: a blank page or separator sheet, not worth OCR.

    Counted at full resolution (a histogram is cheap): downsampling would grey out a page that
    holds a single line of text. One short word at 300 dpi is over a thousand dark pixels.
    """
    grey = image if image.mode == "L" else image.convert("L")
    histogram = grey.histogram()
    return sum(histogram[:dark]) <= share * grey.width * grey.height


def _page_from_lines(number: int, method: str, lines: list[Line], engine: str, reason: str) -> Page:
    lines = [Line(text=normalize_text(ln.text), size=ln.size, bold=ln.bold, top=ln.top) for ln in lines]
    text = "\n\n".join(to_paragraphs("\n".join(ln.text for ln in lines)))
    if not text.strip():
        method = "empty"
    return Page(page_number=number, method=method, text=text, lines=lines, engine=engine, reason=reason)


def _failed_page(number: int, reason: str, error: str, engine: str | None = None) -> Page:
    return Page(page_number=number, method="failed", text="", engine=engine, reason=reason, error=error)
