"""The reading room's access to the warehouse: one reader session, one writer session.

Opening a DuckLake session costs about a second here (its extensions, the catalog), so the app
opens two at start and keeps them: a read-only one, whose every query sees the last committed
snapshot (a load or another reviewer's save shows at the next request), and a writer's, used
only while holding the warehouse's writer lock, so that saves take turns with loads and
maintenance as every writer does (``runtime/locks.py``). A save that cannot have the lock
within ``WRITE_WAIT_S`` (a long load) is refused with a message and nothing saved.

The catalog is only ever reached through these DuckDB sessions in this process (see write).

What a document view reads is kept in memory per snapshot: nothing in the warehouse can change
without a new snapshot, so the same page asked again at the same snapshot costs no query.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipelines.core.runtime import locks
from pipelines.core.store import corrections as cx
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import Location

WRITE_WAIT_S = 20.0
MEMO_ENTRIES = 256


class Busy(RuntimeError):
    """The writer lock stayed taken (a load is running)."""


class _Taken(Exception):
    pass


def _taken() -> None:
    raise _Taken


@dataclass
class Article:
    article_id: str
    seq: int
    title: str | None
    body: str
    published_date: Any
    date_text: str | None
    date_precision: str | None
    date_source: str | None
    date_confidence: float | None
    date_span: tuple[int, int] | None
    location: str | None
    location_confidence: float | None
    location_span: tuple[int, int] | None
    authors: list[str]
    page_start: int | None
    page_end: int | None
    places: list[dict]
    people: list[dict]
    values: dict[str, cx.FieldValue] = field(default_factory=dict)

    @property
    def provinces(self) -> list[str]:
        return sorted({p["province_name_legacy"] for p in self.places if p.get("province_name_legacy")})

    def on_page(self, number: int) -> bool:
        start = self.page_start or 1
        return start <= number <= (self.page_end or start)


@dataclass
class Document:
    document_id: str
    source_path: str
    file_name: str
    media_type: str
    byte_size: int | None
    page_count: int
    status: str
    error: str | None
    pipeline_version: str
    masthead: str | None
    issue_number: str | None
    issue_date: Any
    paths: list[str]
    pages: list[dict]
    articles: list[Article]
    threads: list[dict]  # v_corrections rows about this document, newest first

    def page(self, number: int) -> dict | None:
        return next((p for p in self.pages if p["page_number"] == number), None)


class Archive:
    def __init__(self, location: Location):
        self.location = location
        self._reader: duckdb.DuckDBPyConnection | None = None
        self._writer: duckdb.DuckDBPyConnection | None = None
        self._write_guard = threading.Lock()
        self._memo: OrderedDict = OrderedDict()
        self._memo_guard = threading.Lock()

    # --- sessions ----------------------------------------------------------------------------

    def open(self) -> None:
        """The writer first (it brings an older warehouse's schema up to date, under the lock),
        then the reader. FileNotFoundError when there is no warehouse yet."""
        if not self.location.exists():
            raise FileNotFoundError(f"no warehouse at {self.location.describe()}: run `archive ingest` first")
        with self._lock():
            self._writer = wh.connect(self.location)
        self._reader = wh.connect(self.location, read_only=True)

    def close(self) -> None:
        for con in (self._reader, self._writer):
            if con is not None:
                with contextlib.suppress(duckdb.Error):
                    con.close()
        self._reader = self._writer = None

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the reader session for one request (cursors may run in parallel)."""
        cursor = self._reader.cursor()
        try:
            cursor.execute(f"USE {wh.ALIAS}")
            yield cursor
        finally:
            cursor.close()

    @contextlib.contextmanager
    def _lock(self, wait_s: float = WRITE_WAIT_S):
        deadline = time.monotonic() + wait_s
        while True:
            try:
                with locks.writer_lock(self.location.home, on_wait=_taken):
                    yield
                return
            except _Taken:
                if time.monotonic() >= deadline:
                    raise Busy(f"the warehouse's writer lock stayed taken for {wait_s:g} s (a load is running)") from None
                time.sleep(0.2)

    def write(self, action: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        """Run ``action`` on the writer session under the writer lock.

        The search cache is not refreshed here: that reads the SQLite catalog with Python's own
        sqlite3, and a second SQLite library in a process whose DuckDB sessions hold the same
        catalog open breaks SQLite's locking (closing one library's file releases the other's
        locks: "database disk image is malformed"). Corrections do not change the index; the
        next load brings the cache up to date, and searches meanwhile read the warehouse."""
        with self._write_guard, self._lock():
            return action(self._writer)

    # --- what is read ---------------------------------------------------------------------------

    def snapshot(self) -> int:
        """The last committed snapshot, asked through DuckDB (never Python's sqlite3: see write)."""
        with self.read() as con:
            return wh.current_snapshot(con)

    def memo(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per snapshot and key."""
        full = (self.snapshot(), *key)
        with self._memo_guard:
            if full in self._memo:
                self._memo.move_to_end(full)
                return self._memo[full]
        value = compute()
        with self._memo_guard:
            self._memo[full] = value
            while len(self._memo) > MEMO_ENTRIES:
                self._memo.popitem(last=False)
        return value

    def document(self, document_id: str) -> Document | None:
        return self.memo(("document", document_id), lambda: self._document(document_id))

    def _document(self, document_id: str) -> Document | None:
        with self.read() as con:
            row = con.execute(
                "SELECT document_id, source_path, file_name, media_type, byte_size, page_count, status, error, "
                "pipeline_version, masthead, issue_number, issue_date FROM documents WHERE document_id = ?",
                [document_id],
            ).fetchone()
            if row is None:
                return None
            paths = [r[0] for r in con.execute(
                "SELECT source_path FROM files WHERE document_id = ? ORDER BY source_path", [document_id]).fetchall()]
            pages = _dicts(con.execute(
                "SELECT page_number, method, confidence, quality, flags, dpi, cleanup, reason, error, engine "
                "FROM pages WHERE document_id = ? ORDER BY page_number", [document_id]))
            articles = [self._article(r) for r in con.execute(
                """
                SELECT a.article_id, a.seq, a.title, a.body, a.published_date, a.date_text, a.date_precision,
                       a.date_source, a.date_confidence, a.date_span_start, a.date_span_end, a.location,
                       a.location_confidence, a.location_span_start, a.location_span_end, coalesce(a.authors, []),
                       a.page_start, a.page_end,
                       coalesce((SELECT list({'name': p.name, 'role': p.role, 'span_start': p.span_start,
                                              'span_end': p.span_end, 'confidence': p.confidence,
                                              'province_name_legacy': p.province_name_legacy,
                                              'province_name_2025': p.province_name_2025} ORDER BY p.span_start)
                                 FROM article_places p WHERE p.article_id = a.article_id), []),
                       coalesce((SELECT list({'name': p.name, 'role': p.role, 'span_start': p.span_start,
                                              'span_end': p.span_end, 'confidence': p.confidence} ORDER BY p.span_start)
                                 FROM article_people p WHERE p.article_id = a.article_id), [])
                FROM articles a WHERE a.document_id = ? ORDER BY a.seq
                """,
                [document_id],
            ).fetchall()]
            threads = cx.threads(con, document_id=document_id)
        for article in articles:
            mine = [t for t in threads if t["target"] == "article" and t["article_id"] == article.article_id]
            extracted = cx.extracted_article_values(article.title, article.published_date, article.location,
                                                    article.authors, article.provinces)
            article.values = cx.decide(extracted, mine)
        return Document(*row, paths=paths or [row[1]], pages=pages, articles=articles, threads=threads)

    @staticmethod
    def _article(r: tuple) -> Article:
        return Article(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], _span(r[9], r[10]), r[11], r[12],
                       _span(r[13], r[14]), list(r[15]), r[16], r[17], list(r[18]), list(r[19]))

    def page(self, document_id: str, number: int) -> tuple[str | None, list[dict], dict[str, cx.FieldValue] | None]:
        """A page's text, its OCR words, and its text's value in force."""
        return self.memo(("page", document_id, number), lambda: self._page(document_id, number))

    def _page(self, document_id: str, number: int):
        with self.read() as con:
            row = con.execute("SELECT text FROM pages WHERE document_id = ? AND page_number = ?",
                              [document_id, number]).fetchone()
            if row is None:
                return None, [], None
            words = _dicts(con.execute(
                'SELECT word_number, text, confidence, "left", top, width, height FROM ocr_words '
                "WHERE document_id = ? AND page_number = ? ORDER BY word_number", [document_id, number]))
            rows = [t for t in cx.threads(con, document_id=document_id)
                    if t["target"] == "page" and t["page_number"] == number and t["document_id"] == document_id]
        return row[0], words, cx.decide({"text": row[0]}, rows)


def _span(start, end) -> tuple[int, int] | None:
    return (start, end) if start is not None and end is not None else None


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]
