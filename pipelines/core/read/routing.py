"""Per-page decision: read the PDF's text layer, or render the page and OCR it.

The decision and its reason are recorded on the page, so an archivist can see why a page was
read the way it was. A text layer is OCR'd instead when it is missing, too small on a page
image, unreadable, or fails the quality check (broken character maps, an old OCR layer full of
errors): the score function is pluggable, and the Vietnamese syllable score plugs in here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.config import ReadOptions
from pipelines.core.read.pdf import TextLayerPage

# A page whose images cover at least this share of it is a scan (or mostly a picture).
IMAGE_PAGE_COVERAGE = 0.3

TEXT = "text"
OCR = "ocr"

# pdfminer writes glyphs it cannot map to Unicode as "(cid:123)".
_CID = re.compile(r"\(cid:\d+\)")


@dataclass(frozen=True)
class Route:
    method: str  # TEXT or OCR
    reason: str
    quality: float | None = None  # the text layer's score, when it was scored


def glyph_quality(text: str) -> float:
    """Share of characters that are real text: not unmapped glyphs "(cid:N)", not U+FFFD, not
    private-use code points, not control characters. 1.0 for an empty string."""
    if not text:
        return 1.0
    cleaned = _CID.sub("\ufffd", text)
    bad = sum(
        1
        for ch in cleaned
        if ch == "\ufffd" or "\ue000" <= ch <= "\uf8ff" or (ord(ch) < 32 and ch not in "\n\t")
    )
    visible = sum(1 for ch in cleaned if not ch.isspace()) or 1
    return max(0.0, 1.0 - bad / visible)


def route_pdf_page(
    page: TextLayerPage,
    options: ReadOptions,
    score: Callable[[str], float] = glyph_quality,
) -> Route:
    """How to read one PDF page, and why."""
    chars = page.visible_chars
    if page.error:
        return Route(OCR, f"text layer unreadable ({page.error})")
    if chars == 0:
        return Route(OCR, "no text layer")
    if chars < options.min_text_chars and page.image_coverage >= IMAGE_PAGE_COVERAGE:
        return Route(OCR, f"text layer too small ({chars} characters) on a page image")
    quality = round(score(page.text), 3)
    if quality < options.min_text_quality and chars >= options.min_text_chars:
        return Route(OCR, f"text layer fails the quality check (score {quality:.2f} < {options.min_text_quality:.2f})", quality)
    if chars < options.min_text_chars:
        return Route(TEXT, f"short text layer ({chars} characters), no page image", quality)
    return Route(TEXT, f"text layer ({chars} characters)", quality)
