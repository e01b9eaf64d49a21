"""The records that flow through the pipeline: file → pages → articles.

Plain dataclasses, serializable to JSON for the staging area, so that each step can run in
another process (or on another machine) than the next.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Line:
    """One line of text as laid out on a page.

    ``size`` and ``bold`` come from the PDF's fonts; they are None where the source has no
    layout (OCR, plain text).
    """

    text: str
    size: float | None = None
    bold: bool | None = None
    top: float | None = None


@dataclass
class Word:
    """One OCR word with its box on the rendered page image (pixels at the OCR resolution)."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int


@dataclass
class Page:
    """One page's text and how it was obtained (its provenance)."""

    page_number: int  # 1-based
    method: str  # 'text' | 'ocr' | 'empty' | 'failed'
    text: str
    lines: list[Line] = field(default_factory=list)
    confidence: float | None = None  # mean OCR word confidence 0–100; None for text layers
    engine: str | None = None  # e.g. 'pdfplumber 0.11.10', 'tesseract 5.3.0 (vie+eng)'
    reason: str | None = None  # why this method was chosen
    error: str | None = None  # set when the page could not be read
    text_layer_chars: int | None = None  # non-blank characters in the PDF's text layer, if any
    quality: float | None = None  # text-quality score 0–1 of the text kept
    cleanup: str | None = None  # image clean-up steps applied before OCR
    dpi: int | None = None  # resolution of the image OCR read
    words: list[Word] = field(default_factory=list)  # OCR words, boxes and confidences

    @property
    def char_count(self) -> int:
        return len(self.text)


@dataclass
class Article:
    seq: int
    title: str | None
    body: str
    page_start: int | None
    page_end: int | None
    published_date: dt.date | None = None
    date_text: str | None = None
    location: str | None = None
    authors: list[str] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything read from one document."""

    document_id: str
    media_type: str
    status: str  # 'ok' | 'partial' | 'failed'
    error: str | None = None
    pages: list[Page] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)

    @property
    def page_count(self) -> int:
        return len(self.pages)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses → dicts, dates → ISO strings (for staging files)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def extraction_from_json(data: dict) -> Extraction:
    pages = [
        Page(**{**p, "lines": [Line(**ln) for ln in p.get("lines", [])], "words": [Word(**w) for w in p.get("words", [])]})
        for p in data["pages"]
    ]
    articles = []
    for a in data["articles"]:
        a = dict(a)
        if a.get("published_date"):
            a["published_date"] = dt.date.fromisoformat(a["published_date"])
        articles.append(Article(**a))
    return Extraction(**{**data, "pages": pages, "articles": articles})
