"""The reading room's access to the warehouse: one reader session, one writer session.

Opening a DuckLake session costs about a second here (its extensions, the catalog), so the app
opens two at start and keeps them: a read-only one, whose every query sees the last committed
snapshot (a load or another reviewer's save shows at the next request), and a writer's, used
only while holding the warehouse's writer lock, so that saves take turns with loads and
maintenance as every writer does (``runtime/locks.py``). A save that cannot have the lock
within ``WRITE_WAIT_S`` (a long load) is refused with a message and nothing saved.

The catalog is only ever reached through these DuckDB sessions in this process (see write).

What a document view reads is kept in memory per snapshot: nothing in the warehouse can change
without a new snapshot, so the same page asked again at the same snapshot costs no query. At a
new snapshot what was read is carried over when it cannot have changed: after a save here (only
``corrections`` changed); after a load or save by another process, by what the catalog lists as
changed between the two snapshots (one query: ``warehouse.changed_tables``) — corrections when no
snapshot touched them, a document when no row of the document tables was deleted and no path
was added for it (``warehouse.inserted_for`` reads only what the load added) — and otherwise
when the document's ``ingested_at`` and paths are the same. Corrections are read once per snapshot for all documents
and resolved per document in Python (``corrections.document_threads``), not through the view.
bench/review.py measures it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
    snapshot: int | None = None  # the warehouse snapshot it was read at

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
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="archive-read")
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_guard = threading.Lock()
        # snapshot -> (the earlier snapshot its memo entries were carried from, what changed
        # in between by changed_tables), for the snapshots met since the app started
        self._changes: OrderedDict[int, tuple[int, dict[str, set[str]]] | None] = OrderedDict()

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
        with self._cursors_guard:
            cursors, self._cursors = self._cursors, []
        for con in (*cursors, self._reader, self._writer):
            if con is not None:
                with contextlib.suppress(duckdb.Error):
                    con.close()
        self._reader = self._writer = None
        self._pool.shutdown(wait=False)

    @contextlib.contextmanager
    def read(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the reader session (cursors may run in parallel): one per thread, kept, so
        that a request does not pay for a new one (at a new snapshot, each new cursor reads the
        catalog again). Every query on it is a transaction of its own: it sees the last committed
        snapshot."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._reader.cursor()
            cursor.execute(f"USE {wh.ALIAS}")
            self._local.cursor = cursor
            with self._cursors_guard:
                self._cursors.append(cursor)
        yield cursor

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
        next load brings the cache up to date, and searches meanwhile read the warehouse.

        When the commit is the only one since the snapshot before it (the ids follow), nothing
        but ``corrections`` changed: what views read from the extractor's tables is carried over
        to the new snapshot instead of being read again."""
        with self._write_guard, self._lock():
            before = wh.current_snapshot(self._writer)
            result = action(self._writer)
            after = wh.current_snapshot(self._writer)
        if after == before + 1:
            with self._memo_guard:
                for key in [k for k in self._memo if k[0] == before and k[1] in EXTRACTED]:
                    self._memo[(after, *key[1:])] = self._memo[key]
                self._changes[after] = (before, {"inserted": {"corrections"}, "deleted": {"corrections"}})
        return result

    # --- what is read ---------------------------------------------------------------------------

    def snapshot(self) -> int:
        """The last committed snapshot, asked through DuckDB (never Python's sqlite3: see write)."""
        with self.read() as con:
            return wh.current_snapshot(con)

    def memo(self, key: tuple, compute: Callable[[], Any], snapshot: int | None = None) -> Any:
        """``compute()`` once per snapshot and key."""
        full = (self.snapshot() if snapshot is None else snapshot, *key)
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

    def _parallel(self, *queries: Callable[[duckdb.DuckDBPyConnection], Any]) -> list:
        """Queries on cursors of their own, at once: each DuckLake table scan pays a fixed cost
        for reading the catalog, and the cursors run side by side. Queries are leaves: they never
        use the pool themselves."""
        def run(query):
            with self.read() as con:
                return query(con)

        return list(self._pool.map(run, queries))

    def _carry_over(self, snapshot: int) -> tuple[int, dict[str, set[str]]] | None:
        """The first time a snapshot is met: what changed since the last one read (one catalog
        query), and every memo entry that change cannot have touched, carried to it."""
        with self._memo_guard:
            if snapshot in self._changes:
                return self._changes[snapshot]
            earlier = max((k[0] for k in self._memo if k[0] < snapshot), default=None)
        changes = None
        if earlier is not None:
            with self.read() as con:
                found = wh.changed_tables(con, earlier, snapshot)
            changes = (earlier, found) if found is not None else None
        with self._memo_guard:
            self._changes[snapshot] = changes
            while len(self._changes) > MEMO_ENTRIES:
                self._changes.popitem(last=False)
            if changes is not None:
                touched = changes[1]["inserted"] | changes[1]["deleted"]
                same_corrections = "corrections" not in touched
                same_documents = not (changes[1]["deleted"] & DOCUMENT_TABLES) and "files" not in changes[1]["inserted"]
                for key in [k for k in self._memo if k[0] == earlier]:
                    kind = key[1]
                    if ((kind == "corrections" and same_corrections) or (kind in EXTRACTED and same_documents)
                            or (kind == "doc_threads" and same_corrections and same_documents)):
                        self._memo.setdefault((snapshot, *key[1:]), self._memo[key])
        return changes

    def document(self, document_id: str, snapshot: int | None = None) -> Document | None:
        snapshot = self.snapshot() if snapshot is None else snapshot
        self._carry_over(snapshot)
        # every thread's latest correction on a cursor of the pool while this thread reads the
        # document (whose own queries are leaves of the pool too: no task of the pool waits for another)
        latest = self._pool.submit(self.memo, ("corrections",), self._latest, snapshot)
        base = self._base(document_id, snapshot)
        latest = latest.result()
        if base is None:
            return None
        row, paths, pages, articles, _fingerprint = base
        threads = self.memo(("doc_threads", document_id),
                            lambda: self._threads(document_id, paths, pages, articles, latest), snapshot)
        articles = [dataclasses.replace(a) for a in articles]
        for article in articles:
            mine = [t for t in threads if t["target"] == "article" and t["article_id"] == article.article_id]
            extracted = cx.extracted_article_values(article.title, article.published_date, article.location,
                                                    article.authors, article.provinces)
            article.values = cx.decide(extracted, mine)
        return Document(*row, paths=paths or [row[1]], pages=pages, articles=articles, threads=threads, snapshot=snapshot)

    def _latest(self) -> dict[str, dict]:
        with self.read() as con:
            return cx.latest_rows(con)

    def _threads(self, document_id: str, paths: list[str], pages: list[dict], articles: list[Article],
                 latest: dict[str, dict]) -> list[dict]:
        """The v_corrections rows about a document, resolved here by the view's rules from what
        the view has read already (cx.document_threads): no query in the common case."""
        now = [cx.ArticleNow(a.article_id, a.seq, a.title, a.body, a.page_start, a.published_date, a.location,
                             a.authors, a.provinces) for a in articles]
        with self.read() as con:
            return cx.document_threads(con, document_id, now, {p["page_number"] for p in pages}, paths=paths,
                                       latest=latest)

    def _base(self, document_id: str, snapshot: int):
        """The document as extracted, at ``snapshot``: read once, and at a later snapshot (a load
        of other files, by this process or another) carried over with its pages' text and words
        when the document is the same. A load replaces every row of a document it reads again and
        gives it a new ``ingested_at``; a file moved or copied changes its paths: one query of the
        two tells whether anything the view shows changed."""
        key = ("doc_base", document_id)
        with self._memo_guard:
            if (snapshot, *key) in self._memo:
                self._memo.move_to_end((snapshot, *key))
                return self._memo[(snapshot, *key)]
            earlier = max((k[0] for k in self._memo if k[1:] == key and k[0] < snapshot), default=None)
            previous = self._memo.get((earlier, *key)) if earlier is not None else None
        if previous is not None and self._unchanged(document_id, earlier, snapshot, previous[-1]):
            changes = self._changes.get(snapshot)
            same_corrections = changes is not None and changes[0] == earlier and "corrections" not in (
                changes[1]["inserted"] | changes[1]["deleted"])
            with self._memo_guard:
                for k in [k for k in self._memo if k[0] == earlier and len(k) > 2 and k[2] == document_id
                          and (k[1] in EXTRACTED or (k[1] == "doc_threads" and same_corrections))]:
                    self._memo.setdefault((snapshot, *k[1:]), self._memo[k])
            return previous
        return self.memo(key, lambda: self._document_base(document_id), snapshot)

    def _unchanged(self, document_id: str, earlier: int, snapshot: int, fingerprint: tuple | None) -> bool:
        """Whether the document read at ``earlier`` is the same at ``snapshot``: by what the
        catalog says changed and the paths added for it when that is known (no row of the
        document tables deleted: it was not replaced), else by its fingerprint."""
        changes = self._changes.get(snapshot)
        if changes is not None and changes[0] == earlier and not (changes[1]["deleted"] & DOCUMENT_TABLES):
            if "files" not in changes[1]["inserted"]:
                return True
            with self.read() as con:
                return wh.inserted_for(con, "files", earlier, snapshot, document_id) == 0
        return self._fingerprint(document_id) == fingerprint

    def _fingerprint(self, document_id: str) -> tuple | None:
        with self.read() as con:
            row = con.execute(
                "SELECT d.ingested_at, coalesce((SELECT list(f.source_path ORDER BY f.source_path) FROM files f "
                "WHERE f.document_id = d.document_id), []) FROM documents d WHERE d.document_id = ?",
                [document_id]).fetchone()
        return (row[0], tuple(row[1])) if row else None

    def _document_base(self, document_id: str):
        documents, paths, pages, articles = self._parallel(
            lambda con: con.execute(
                "SELECT document_id, source_path, file_name, media_type, byte_size, page_count, status, error, "
                "pipeline_version, masthead, issue_number, issue_date, ingested_at FROM documents WHERE document_id = ?",
                [document_id]).fetchone(),
            lambda con: [r[0] for r in con.execute(
                "SELECT source_path FROM files WHERE document_id = ? ORDER BY source_path", [document_id]).fetchall()],
            lambda con: _dicts(con.execute(
                "SELECT page_number, method, confidence, quality, flags, dpi, cleanup, reason, error, engine "
                "FROM pages WHERE document_id = ? ORDER BY page_number", [document_id])),
            lambda con: [self._article(r) for r in con.execute(_ARTICLES, [document_id]).fetchall()],
        )
        if documents is None:
            return None
        return documents[:-1], paths, pages, articles, (documents[-1], tuple(paths))

    @staticmethod
    def _article(r: tuple) -> Article:
        return Article(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], _span(r[9], r[10]), r[11], r[12],
                       _span(r[13], r[14]), list(r[15]), r[16], r[17], list(r[18]), list(r[19]))

    def page(self, document_id: str, number: int, document: Document | None = None,
             ) -> tuple[str | None, list[dict], dict[str, cx.FieldValue] | None]:
        """A page's text, its OCR words, and its text's value in force (at ``document``'s snapshot
        when it is given)."""
        if document is None:
            document = self.document(document_id)
        if document is None:
            return None, [], None
        text, words = self.memo(("page_base", document_id, number), lambda: self._page(document_id, number),
                                document.snapshot)
        if text is None:
            return None, [], None
        rows = [t for t in document.threads
                if t["target"] == "page" and t["page_number"] == number and t["document_id"] == document_id]
        return text, words, cx.decide({"text": text}, rows)

    def _page(self, document_id: str, number: int):
        text, words = self._parallel(
            lambda con: con.execute("SELECT text FROM pages WHERE document_id = ? AND page_number = ?",
                                    [document_id, number]).fetchone(),
            lambda con: _dicts(con.execute(
                'SELECT word_number, text, confidence, "left", top, width, height FROM ocr_words '
                "WHERE document_id = ? AND page_number = ? ORDER BY word_number", [document_id, number])),
        )
        return (text[0] if text else None), words


# What a view reads from the extractor's tables (not from corrections), by memo kind.
EXTRACTED = ("doc_base", "page_base")
# The tables those are read from: a document is replaced by deleting its rows from them.
DOCUMENT_TABLES = {"documents", "files", "pages", "ocr_words", "articles", "article_places", "article_people"}

_ARTICLES = """
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
"""


def _span(start, end) -> tuple[int, int] | None:
    return (start, end) if start is not None and end is not None else None


def _dicts(cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]
