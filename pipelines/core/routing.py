"""Per-page decision: read the PDF's text layer, or render the page and OCR it.

The decision and its reason are recorded on the page, so an archivist can see why a page was
read the way it was. Later work adds a text-quality score as a further reason to OCR.
"""

from __future__ import annotations

from pipelines.config import ReadOptions
from pipelines.core.pdf import TextLayerPage

# A page whose images cover at least this share of it is a scan (or mostly a picture).
IMAGE_PAGE_COVERAGE = 0.3

TEXT = "text"
OCR = "ocr"


def route_pdf_page(page: TextLayerPage, options: ReadOptions) -> tuple[str, str]:
    """(method, reason) for one PDF page."""
    chars = page.visible_chars
    if page.error:
        return OCR, f"text layer unreadable ({page.error})"
    if chars == 0:
        return OCR, "no text layer"
    if chars >= options.min_text_chars:
        return TEXT, f"text layer ({chars} characters)"
    if page.image_coverage < IMAGE_PAGE_COVERAGE:
        return TEXT, f"short text layer ({chars} characters), no page image"
    return OCR, f"text layer too small ({chars} characters) on a page image"
