"""The DuckDB warehouse: schema, what is already known, and loading one document atomically."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb

from pipelines.core.store import migrations, search
from pipelines.core.models import Extraction


@dataclass(frozen=True)
class FileRow:
    source_path: str
    document_id: str
    byte_size: int | None
    modified_at: dt.datetime | None


@dataclass(frozen=True)
class KnownFile:
    document_id: str
    byte_size: int | None
    modified_at: dt.datetime | None


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no warehouse at {path}: run `archive ingest` first")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    ensure_schema(con)
    return con


class SchemaError(RuntimeError):
    """The warehouse's schema cannot be used by this pipeline."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create the schema, or upgrade an older warehouse in place; returns the version found
    (0 for a new warehouse). A newer warehouse is refused: this pipeline would not know its
    columns."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_info' AND table_schema = 'main'"
    ).fetchone()[0]
    found = 0
    if exists:
        row = con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'").fetchone()
        found = int(row[0]) if row else 0
    if found > migrations.LATEST:
        raise SchemaError(
            f"this warehouse has schema version {found}, newer than this pipeline's ({migrations.LATEST}): "
            "upgrade the pipeline (git pull && make setup) before using it"
        )
    if exists and found == migrations.LATEST:
        _create_views(con)
        return found
    with _transaction(con):
        if exists:
            for version in range(found + 1, migrations.LATEST + 1):
                for statement in migrations.UPGRADES.get(version, []):
                    con.execute(statement)
        con.execute(resources.files("pipelines.core.store").joinpath("schema.sql").read_text(encoding="utf-8"))
        if exists and found < 3:
            _backfill_search(con)
        con.execute(
            "INSERT INTO schema_info VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(migrations.LATEST)],
        )
    if not exists or found < 3:
        refresh_search(con)
    _create_views(con)
    return found


def _create_views(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(resources.files("pipelines.core.store").joinpath("views.sql").read_text(encoding="utf-8"))


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, KnownFile]:
    rows = con.execute("SELECT source_path, document_id, byte_size, modified_at FROM files").fetchall()
    return {r[0]: KnownFile(r[1], r[2], r[3]) for r in rows}


def known_documents(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()}


def load_document(
    con: duckdb.DuckDBPyConnection,
    extraction: Extraction,
    *,
    source_path: str,
    byte_size: int | None,
    pipeline_version: str,
    file_rows: list[FileRow] = (),
    now: dt.datetime | None = None,
    run_id: str | None = None,
    read_seconds: float | None = None,
) -> None:
    """Replace one document's rows (documents, pages, articles) and point its paths at it, in
    one transaction: a reader sees the old version or the new one, never half of either.
    ``run_id`` (the run that read it) is recorded in ``run_documents``."""
    now = now or utcnow()
    with _transaction(con):
        _delete_document(con, extraction.document_id)
        con.execute(
            """
            INSERT INTO documents (document_id, source_path, file_name, media_type, byte_size, page_count, status,
                                   error, ingested_at, pipeline_version, masthead, issue_number, issue_date,
                                   issue_date_precision)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                extraction.document_id,
                source_path,
                Path(source_path).name,
                extraction.media_type,
                byte_size,
                extraction.page_count,
                extraction.status,
                extraction.error,
                now,
                pipeline_version,
                extraction.masthead,
                extraction.issue_number,
                extraction.issue_date,
                extraction.issue_date_precision,
            ],
        )
        document_id = extraction.document_id
        _bulk_insert(con, "pages", PAGE_COLUMNS, (
            {"document_id": document_id, "page_number": p.page_number, "method": p.method, "text": p.text,
             "char_count": p.char_count, "confidence": p.confidence, "engine": p.engine, "reason": p.reason,
             "error": p.error, "text_layer_chars": p.text_layer_chars, "quality": p.quality,
             "cleanup": p.cleanup, "dpi": p.dpi, "original_text": p.original_text, "flags": p.flags}
            for p in extraction.pages
        ))
        _bulk_insert(con, "ocr_words", WORD_COLUMNS, (
            {"document_id": document_id, "page_number": p.page_number, "word_number": n, "text": w.text,
             "confidence": w.confidence, "left": w.left, "top": w.top, "width": w.width, "height": w.height}
            for p in extraction.pages
            for n, w in enumerate(p.words, start=1)
        ))
        _insert_search_rows(con, document_id, extraction.articles)
        _bulk_insert(con, "articles", ARTICLE_COLUMNS, (_article_row(document_id, a) for a in extraction.articles))
        _bulk_insert(con, "article_places", PLACE_COLUMNS, (
            {"article_id": f"{document_id}-{a.seq}", "document_id": document_id, "name": p.name, "role": p.role,
             "span_start": _at(p.span, 0), "span_end": _at(p.span, 1), "confidence": p.confidence,
             "province_code_legacy": p.province_code_legacy, "province_name_legacy": p.province_name_legacy,
             "province_code_2025": p.province_code_2025, "province_name_2025": p.province_name_2025}
            for a in extraction.articles for p in a.places
        ))
        _bulk_insert(con, "article_people", PEOPLE_COLUMNS, (
            {"article_id": f"{document_id}-{a.seq}", "document_id": document_id, "name": p.name, "role": p.role,
             "contribution": p.contribution, "title": p.title, "kind": p.kind, "affiliation": p.affiliation,
             "span_start": _at(p.span, 0), "span_end": _at(p.span, 1), "confidence": p.confidence}
            for a in extraction.articles for p in a.people
        ))
        _upsert_files(con, list(file_rows), now)
        if run_id:
            con.execute(
                "INSERT OR REPLACE INTO run_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, document_id, source_path, extraction.status, extraction.error, extraction.page_count,
                 len(extraction.articles), read_seconds, pipeline_version, now],
            )


def _at(span, index: int):
    return span[index] if span else None


def _article_row(document_id: str, a) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "article_id": f"{document_id}-{a.seq}", "document_id": document_id, "seq": a.seq, "title": a.title,
        "body": a.body, "published_date": iso(a.published_date), "date_text": a.date_text, "location": a.location,
        "authors": a.authors, "page_start": a.page_start, "page_end": a.page_end, "date_end": iso(a.date_end),
        "date_precision": a.date_precision, "date_source": a.date_source, "date_confidence": a.date_confidence,
        "date_span_start": _at(a.date_span, 0), "date_span_end": _at(a.date_span, 1),
        "location_confidence": a.location_confidence,
        "location_span_start": _at(a.location_span, 0), "location_span_end": _at(a.location_span, 1),
    }


PAGE_COLUMNS = {
    "document_id": "VARCHAR", "page_number": "INTEGER", "method": "VARCHAR", "text": "VARCHAR",
    "char_count": "INTEGER", "confidence": "DOUBLE", "engine": "VARCHAR", "reason": "VARCHAR",
    "error": "VARCHAR", "text_layer_chars": "INTEGER", "quality": "DOUBLE", "cleanup": "VARCHAR", "dpi": "INTEGER",
    "original_text": "VARCHAR", "flags": "VARCHAR",
}
WORD_COLUMNS = {
    "document_id": "VARCHAR", "page_number": "INTEGER", "word_number": "INTEGER", "text": "VARCHAR",
    "confidence": "DOUBLE", "left": "INTEGER", "top": "INTEGER", "width": "INTEGER", "height": "INTEGER",
}
ARTICLE_COLUMNS = {
    "article_id": "VARCHAR", "document_id": "VARCHAR", "seq": "INTEGER", "title": "VARCHAR", "body": "VARCHAR",
    "published_date": "DATE", "date_text": "VARCHAR", "location": "VARCHAR", "authors": "VARCHAR[]",
    "page_start": "INTEGER", "page_end": "INTEGER", "date_end": "DATE", "date_precision": "VARCHAR",
    "date_source": "VARCHAR", "date_confidence": "DOUBLE", "date_span_start": "INTEGER", "date_span_end": "INTEGER",
    "location_confidence": "DOUBLE", "location_span_start": "INTEGER", "location_span_end": "INTEGER",
}
PLACE_COLUMNS = {
    "article_id": "VARCHAR", "document_id": "VARCHAR", "name": "VARCHAR", "role": "VARCHAR",
    "span_start": "INTEGER", "span_end": "INTEGER", "confidence": "DOUBLE",
    "province_code_legacy": "VARCHAR", "province_name_legacy": "VARCHAR",
    "province_code_2025": "VARCHAR", "province_name_2025": "VARCHAR",
}
PEOPLE_COLUMNS = {
    "article_id": "VARCHAR", "document_id": "VARCHAR", "name": "VARCHAR", "role": "VARCHAR",
    "contribution": "VARCHAR", "title": "VARCHAR", "kind": "VARCHAR", "affiliation": "VARCHAR",
    "span_start": "INTEGER", "span_end": "INTEGER", "confidence": "DOUBLE",
}


def _bulk_insert(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str], rows) -> None:
    """Insert many rows fast: through a newline-delimited JSON file that DuckDB reads in bulk
    (row-by-row parameter binding costs about a millisecond a row; an OCR'd page has hundreds of
    words)."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", encoding="utf-8", delete=False) as handle:
        count = 0
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False))
            handle.write("\n")
            count += 1
    try:
        if count:
            names = ", ".join(f'"{c}"' for c in columns)
            spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
            con.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM read_json(?, format = 'newline_delimited', "
                f"columns = {spec})",
                [handle.name],
            )
    finally:
        os.unlink(handle.name)


SEARCH_COLUMNS = {"article_id": "VARCHAR", "document_id": "VARCHAR", "text": "VARCHAR"}


def _insert_search_rows(con: duckdb.DuckDBPyConnection, document_id: str, articles) -> None:
    folded, exact = [], []
    for a in articles:
        text = search.article_text(a.title, a.body, a.location, a.authors)
        f, e = search.search_rows(f"{document_id}-{a.seq}", text)
        folded.append(f | {"document_id": document_id})
        exact.append(e | {"document_id": document_id})
    _bulk_insert(con, "search_folded", SEARCH_COLUMNS, folded)
    _bulk_insert(con, "search_exact", SEARCH_COLUMNS, exact)


def refresh_search(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the search indexes from the search rows."""
    search.rebuild_indexes(con)


def _backfill_search(con: duckdb.DuckDBPyConnection) -> None:
    """Search rows for articles loaded before the search tables existed (schema < 3)."""
    from pipelines.core.models import Article

    by_document: dict[str, list] = {}
    for r in con.execute("SELECT document_id, seq, title, body, location, authors FROM articles").fetchall():
        by_document.setdefault(r[0], []).append(Article(seq=r[1], title=r[2], body=r[3], page_start=None,
                                                        page_end=None, location=r[4], authors=r[5] or []))
    for document_id, articles in by_document.items():
        _insert_search_rows(con, document_id, articles)


def record_files(con: duckdb.DuckDBPyConnection, rows: list[FileRow], now: dt.datetime | None = None) -> int:
    """Insert or update ``files`` rows for documents already in the warehouse, in one transaction.

    Returns the number of rows inserted or changed (0 when nothing changed).
    """
    with _transaction(con):
        return _upsert_files(con, rows, now or utcnow())


def _upsert_files(con: duckdb.DuckDBPyConnection, rows: list[FileRow], now: dt.datetime) -> int:
    """A path whose bytes changed points at its new document; the old document's rows go when
    no path refers to them any more. ``seen_at`` is when these bytes were first seen there."""
    if not rows:
        return 0
    found = con.execute(
        "SELECT source_path, document_id, byte_size, modified_at FROM files WHERE source_path IN (SELECT unnest(?))",
        [[r.source_path for r in rows]],
    ).fetchall()
    known = {f[0]: KnownFile(*f[1:]) for f in found}
    changed = [r for r in rows if known.get(r.source_path) != KnownFile(r.document_id, r.byte_size, r.modified_at)]
    replaced = set()
    for r in changed:
        old = known.get(r.source_path)
        new_bytes = old is None or old.document_id != r.document_id
        if old is not None and new_bytes:
            replaced.add(old.document_id)
        con.execute(
            """
            INSERT INTO files VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (source_path) DO UPDATE SET
                document_id = excluded.document_id,
                byte_size = excluded.byte_size,
                modified_at = excluded.modified_at,
                seen_at = CASE WHEN ? THEN excluded.seen_at ELSE files.seen_at END
            """,
            [r.source_path, r.document_id, r.byte_size, r.modified_at, now, new_bytes],
        )
    for document_id in replaced:
        still_used = con.execute("SELECT count(*) FROM files WHERE document_id = ?", [document_id]).fetchone()[0]
        if not still_used:
            _delete_document(con, document_id)
    return len(changed)


@contextlib.contextmanager
def _transaction(con: duckdb.DuckDBPyConnection):
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _delete_document(con: duckdb.DuckDBPyConnection, document_id: str) -> None:
    for table in ("search_folded", "search_exact", "article_places", "article_people", "articles", "ocr_words",
                  "pages", "documents"):
        con.execute(f"DELETE FROM {table} WHERE document_id = ?", [document_id])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def run_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, int]:
    """(documents, pages, articles) that a run read, as loaded."""
    row = con.execute(
        "SELECT count(*), coalesce(sum(page_count), 0), coalesce(sum(article_count), 0) FROM run_documents WHERE run_id = ?",
        [run_id],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("files", "documents", "pages", "articles")}
