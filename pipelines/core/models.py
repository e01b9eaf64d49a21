"""The records that flow through the pipeline: file → pages → articles.

Plain dataclasses, serializable to JSON for the staging area, so that each step can run in
another process (or on another machine) than the next.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import Any


# How a page can be read (pages.method).
PAGE_METHODS = ("text", "legacy-tcvn3", "legacy-vni", "legacy-viqr", "ocr", "empty", "failed")


@dataclass
class Line:
    """One line of text as laid out on a page.

    ``size`` and ``bold`` come from the PDF's fonts; they are None where the source has no
    fonts (OCR, plain text). ``top`` is the line's position from the top of the page: points in
    a PDF text layer; on an OCR page, ``left``, ``top``, ``width`` and ``height`` are the box of
    the line's words, in pixels of the image Tesseract read (``Page.dpi``). None where unknown.
    """

    text: str
    size: float | None = None
    bold: bool | None = None
    top: float | None = None
    font: str | None = None  # the line's main font, without its subset prefix (a legacy-encoding hint)
    left: float | None = None
    width: float | None = None
    height: float | None = None


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
    original_text: str | None = None  # the text as extracted, when a repair changed it
    flags: str | None = None  # warnings for a reviewer, e.g. quality far below the neighbouring pages
    words: list[Word] = field(default_factory=list)  # OCR words, boxes and confidences

    @property
    def char_count(self) -> int:
        return len(self.text)


@dataclass
class PlaceRef:
    """A place an article names: its venue or a province it mentions, with both systems' codes."""

    name: str
    role: str  # 'venue' | 'mentioned'
    span: tuple[int, int] | None = None  # offsets in the article body
    confidence: float | None = None
    province_code_legacy: str | None = None
    province_name_legacy: str | None = None
    province_code_2025: str | None = None
    province_name_2025: str | None = None


@dataclass
class PersonRef:
    """A credited person or organization: author, photographer or cited source."""

    name: str
    role: str  # 'author' | 'photo' | 'source'
    contribution: str | None = None  # e.g. 'text+photo' for "Tin, ảnh:"
    title: str | None = None  # academic or professional title, e.g. 'TS.'
    kind: str | None = None  # 'person' | 'organization'
    affiliation: str | None = None
    span: tuple[int, int] | None = None
    confidence: float | None = None


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
    date_end: dt.date | None = None
    date_precision: str | None = None  # 'day' | 'month' | 'quarter' | 'year'
    date_source: str | None = None  # 'text' | 'text+context_year' | 'text+issue_year' | 'issue'
    date_confidence: float | None = None
    date_span: tuple[int, int] | None = None
    location_confidence: float | None = None
    location_span: tuple[int, int] | None = None
    places: list[PlaceRef] = field(default_factory=list)
    people: list[PersonRef] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything read from one document."""

    document_id: str
    media_type: str
    status: str  # 'ok' | 'partial' | 'failed'
    error: str | None = None
    pages: list[Page] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    masthead: str | None = None
    issue_number: str | None = None
    issue_date: dt.date | None = None
    issue_date_precision: str | None = None
    # Seconds spent in each stage of reading this document (render, orientation, cleanup, ocr,
    # text_layer, repair, metadata), summed over its pages: for the run's figures, not loaded.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def page_count(self) -> int:
        return len(self.pages)


class StageClock:
    """Seconds spent per stage, summed over pages and threads: ``with clock("ocr"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}  # the CPU time of the thread that ran each stage
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self, stage: str):
        started, cpu_started = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - started)
            with self._lock:
                self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + time.thread_time() - cpu_started

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def rounded(self, digits: int = 3) -> dict[str, float]:
        with self._lock:
            return {stage: round(value, digits) for stage, value in self.seconds.items()}


_PLAIN = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def to_jsonable(obj: Any) -> Any:
    """Dataclasses → dicts, dates → ISO strings (for staging files). Plain values are not
    walked into: an OCR'd page has hundreds of words of six fields each, and a call per value
    cost about a third of a second for a 48-page scan."""
    kind = type(obj)
    if kind in _PLAIN:
        return obj
    if kind is list:
        return [x if type(x) in _PLAIN else to_jsonable(x) for x in obj]
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        names = _FIELD_NAMES.setdefault(kind, tuple(f.name for f in dataclasses.fields(obj)))
    if names is not None:
        out = {}
        for name in names:
            value = getattr(obj, name)
            out[name] = value if type(value) in _PLAIN else to_jsonable(value)
        return out
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
        for key in ("published_date", "date_end"):
            if a.get(key):
                a[key] = dt.date.fromisoformat(a[key])
        for key in ("date_span", "location_span"):
            if a.get(key):
                a[key] = tuple(a[key])
        a["places"] = [PlaceRef(**{**p, "span": tuple(p["span"]) if p.get("span") else None}) for p in a.get("places", [])]
        a["people"] = [PersonRef(**{**p, "span": tuple(p["span"]) if p.get("span") else None}) for p in a.get("people", [])]
        articles.append(Article(**a))
    data = dict(data)
    if data.get("issue_date"):
        data["issue_date"] = dt.date.fromisoformat(data["issue_date"])
    return Extraction(**{**data, "pages": pages, "articles": articles})
