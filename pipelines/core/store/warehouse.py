"""The warehouse: a DuckLake (a catalog and Parquet files), its schema, and loads.

One source of truth. Writers and readers attach the same DuckLake: a reader (``read_only``)
sees the last committed snapshot, whole, and is never blocked by a load nor blocks one; there
is no copy to publish. Each load is one transaction, hence one snapshot, recorded in ``loads``
so that it can be read again with ``AT (VERSION => snapshot_id)``.

A load takes a whole batch of documents (all a run staged): their rows are written to files
one document at a time (memory bounded by the largest document), read in bulk by DuckDB, and
inserted with one statement per table, together with the search index's rows for the new
articles (``search.py``). Only documents actually replaced cost a delete; a new document never
touches existing rows, so a load costs what it adds, whatever the size of the warehouse.

DuckLake has no key constraints: the loader keeps ``files.source_path``,
``documents.document_id``, ``articles.article_id`` and ``search_docs.doc`` unique itself, and
checks ``documents.status``. Several loaders take turns on a lock outside this module
(``runtime/locks.py``); a commit that still meets another one ("database is locked",
"Transaction conflict") is retried whole.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import duckdb

from pipelines.core.models import Extraction
from pipelines.core.store import duplicates, extensions, migrations, search
from pipelines.core.store.location import Location, LocationError, parse
from pipelines.core.store.transactions import transaction  # noqa: F401  (wh.transaction for callers)

ALIAS = "wh"
STATUSES = ("ok", "partial", "failed")
COMMIT_ATTEMPTS = 6


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


class WarehouseError(RuntimeError):
    """The warehouse cannot be used as it is; the message names the problem and the way out."""


class SchemaError(WarehouseError):
    """The warehouse's schema cannot be used by this pipeline."""


class LoadError(WarehouseError):
    """A batch was refused before anything was written."""


# --- opening --------------------------------------------------------------------------------


def location_of(warehouse: Location | str | Path) -> Location:
    return warehouse if isinstance(warehouse, Location) else parse(warehouse)


def connect(
    warehouse: Location | str | Path,
    read_only: bool = False,
    *,
    threads: int | None = None,
    snapshot: int | None = None,
) -> duckdb.DuckDBPyConnection:
    """A session on the warehouse, its tables and views unqualified (``USE wh``).

    ``read_only``: an analyst's session, at the last committed snapshot (or ``snapshot``).
    Otherwise a writer's: the warehouse is created if there is none, its schema brought up to
    date, and its data files checked against the catalog. The caller holds the writer lock."""
    location = location_of(warehouse)
    if read_only:
        if not location.exists():
            raise FileNotFoundError(f"no warehouse at {location.describe()}: run `archive ingest` first")
        if snapshot is None and threads is None:
            return _shared_reader(location)
    else:
        _prepare_catalog(location)
    return _open(location, read_only, threads, snapshot)


def _open(location: Location, read_only: bool, threads: int | None = None, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
    """A session on an instance of its own (see :func:`connect`)."""
    con = extensions.connect(threads=threads, needs=location.extensions)
    try:
        try:
            con.execute(attach_statement(location, read_only, snapshot))
        except duckdb.Error as exc:
            if read_only and location.kind == "sqlite" and not _has_ducklake_tables(location.sqlite_file):
                raise FileNotFoundError(f"no warehouse at {location.describe()} yet: run `archive ingest` first") from exc
            # A PostgreSQL database with no DuckLake in it yet: nothing loaded (the first writer creates it).
            if read_only and location.kind == "postgres" and "creating a new DuckLake is explicitly disabled" in str(exc):
                raise FileNotFoundError(f"no warehouse at {location.describe()} yet: run `archive ingest` first") from exc
            raise WarehouseError(f"cannot open the warehouse at {location.describe()}: {exc}") from exc
        con.execute(f"USE {ALIAS}")
        if read_only:
            try:
                _check_readable(con, location)
            except duckdb.IOException:
                check_data_files(con, location)  # says which files are missing, and why that can be
                raise
        else:
            check_data_files(con, location)  # before anything is read or written
            ensure_schema(con)
    except BaseException:
        con.close()
        raise
    return con


_readers: dict[tuple, duckdb.DuckDBPyConnection] = {}
_readers_lock = threading.Lock()


def _reader_key(location: Location) -> tuple:
    """The warehouse as a reader sees it: its catalog file (a new file is another warehouse,
    even at the same path), in this process (an instance never crosses a fork)."""
    identity = None
    if location.kind == "sqlite":
        stat = location.sqlite_file.stat()
        identity = (stat.st_dev, stat.st_ino)
    return os.getpid(), location.catalog, location.data_path, identity


def _shared_reader(location: Location) -> duckdb.DuckDBPyConnection:
    """A read-only session at the last committed snapshot, as a cursor of one DuckDB instance
    per process that keeps the warehouse attached: an ATTACH of DuckLake costs about half a
    second of CPU, a cursor next to nothing, and an attached DuckLake reads the latest
    snapshot at each transaction, so a cursor sees every commit made before it began."""
    key = _reader_key(location)
    with _readers_lock:
        base = _readers.get(key)
        if base is None:
            for stale in [k for k in _readers if k[0] != key[0] or k[1:3] == key[1:3]]:
                old = _readers.pop(stale)
                if stale[0] == key[0]:
                    with contextlib.suppress(Exception):
                        old.close()
            base = _open_reader(location)
            if base is None:
                return connect_uncached(location)
            _readers[key] = base
        con = base.cursor()
    try:
        con.execute(f"USE {ALIAS}")
        _check_readable(con, location)
    except Exception:
        con.close()
        return connect_uncached(location)  # which says what is wrong, as before
    return con


def _open_reader(location: Location) -> duckdb.DuckDBPyConnection | None:
    """The shared instance with the warehouse attached, or None when it cannot be opened as
    is (the unshared path then says why)."""
    base = extensions.connect(needs=location.extensions)
    try:
        base.execute(attach_statement(location, True))
        probe = base.cursor()
        try:
            probe.execute(f"USE {ALIAS}")
            _check_readable(probe, location)
        finally:
            probe.close()
    except Exception:
        base.close()
        return None
    return base


def connect_uncached(location: Location) -> duckdb.DuckDBPyConnection:
    """A read-only session on an instance of its own (what :func:`connect` gave before)."""
    return _open(location, True)


def attach_statement(location: Location, read_only: bool = True, snapshot: int | None = None, alias: str = ALIAS) -> str:
    """The ATTACH that opens the warehouse (what analysts type in their own tools). The data
    path is given, absolute, every time: the catalog stores it as first given, and a relative
    one would be resolved against the reader's working directory."""
    options = [f"DATA_PATH {sql_literal(location.data_path)}", "OVERRIDE_DATA_PATH true"]
    if read_only:
        options.append("READ_ONLY")
    if snapshot is not None:
        options.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return f"ATTACH {sql_literal(location.attach_uri)} AS {alias} ({', '.join(options)})"


def _has_ducklake_tables(catalog: Path) -> bool:
    with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)) as db:
        return bool(db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'ducklake_snapshot'").fetchone()[0])
    return False


def sql_literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def check_location(location: Location) -> None:
    """Refuse a warehouse whose catalog is missing beside data files: starting afresh would
    forget every row the lost catalog listed (and the planner would take the empty warehouse as
    the record of what is loaded)."""
    if location.kind != "sqlite" or location.sqlite_file.exists():
        return
    data = location.local_data_dir
    leftovers = sorted(data.rglob("*.parquet")) if data and data.exists() else []
    if leftovers:
        raise WarehouseError(
            f"{location.sqlite_file} is missing but {data} holds {len(leftovers)} data file(s) of a warehouse: its "
            f"catalog was deleted or moved. Restore catalog.sqlite from a backup (the data files are kept), or remove "
            f"{data} too to start an empty warehouse (`make clean-warehouse`; the next `archive ingest` reads every "
            f"file again)."
        )


def _prepare_catalog(location: Location) -> None:
    """A new SQLite catalog starts in WAL mode (readers then never block a commit, nor a commit
    them)."""
    check_location(location)
    if location.kind != "sqlite":
        return
    catalog = location.sqlite_file
    catalog.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(catalog, timeout=30)) as db:
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        if mode.lower() != "wal":
            try:
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                pass  # another process has it open: it stays as it is until a later writer


def _check_readable(con: duckdb.DuckDBPyConnection, location: Location) -> None:
    found = schema_version(con)
    if found is None:
        raise FileNotFoundError(f"no warehouse at {location.describe()} yet (its catalog is empty): run `archive ingest` first")
    if found > migrations.LATEST:
        raise SchemaError(_newer(found))


def _newer(found: int) -> str:
    return (
        f"this warehouse has schema version {found}, newer than this pipeline's ({migrations.LATEST}): "
        "upgrade the pipeline (git pull && make setup) before using it"
    )


def schema_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The warehouse's schema version; None for a catalog with no schema yet.

    Asked directly: listing the catalog's tables first (``duckdb_tables()``) enumerates every
    attached database, DuckLake's catalog included, and cost 0.1–0.17 s a time where this costs
    0.02–0.04; every session opened on the warehouse asks. Not for use inside a transaction (a
    missing table would abort it); every caller asks before one begins."""
    try:
        row = con.execute(f"SELECT value FROM {ALIAS}.main.schema_info WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return None
    return int(row[0]) if row else 0


def _sql(name: str) -> str:
    return resources.files("pipelines.core.store").joinpath(name).read_text(encoding="utf-8")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> int:
    """Create the schema in a new warehouse, or bring an older one up to date, in one
    transaction; returns the version found (0 for a new warehouse). A newer one is refused."""
    found = schema_version(con) or 0
    if found > migrations.LATEST:
        raise SchemaError(_newer(found))
    views = _sql("views.sql")
    views_hash = hashlib.sha256(views.encode("utf-8")).hexdigest()[:16]
    if found == migrations.LATEST:
        row = con.execute("SELECT value FROM schema_info WHERE key = 'views'").fetchone()
        if row and row[0] == views_hash:
            return found
    with transaction(con):
        if not found:
            # Small inserts would otherwise go into the catalog ("inlining"), and a flush of them
            # by another process is seen by readers' open transactions (an upstream bug).
            con.execute(f"CALL {ALIAS}.set_option('data_inlining_row_limit', 0)")
            con.execute(_sql("schema.sql"))
            for table, columns in SORTED_BY.items():
                con.execute(f"ALTER TABLE {table} SET SORTED BY ({columns})")
            con.execute(
                "INSERT INTO schema_info VALUES ('schema_version', ?), ('warehouse_id', ?), ('created_at', ?)",
                [str(migrations.LATEST), str(uuid.uuid4()), utcnow().isoformat(timespec="seconds")],
            )
        else:
            before = {r[0] for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'", [ALIAS]
            ).fetchall()}
            con.execute(_sql("schema.sql"))  # the tables new since (CREATE TABLE IF NOT EXISTS)
            for table, columns in SORTED_BY.items():
                if table not in before:
                    con.execute(f"ALTER TABLE {table} SET SORTED BY ({columns})")
            for version in range(found + 1, migrations.LATEST + 1):
                for statement in migrations.UPGRADES.get(version, []):
                    con.execute(statement)
            con.execute("UPDATE schema_info SET value = ? WHERE key = 'schema_version'", [str(migrations.LATEST)])
        con.execute(views)
        con.execute("DELETE FROM schema_info WHERE key = 'views'")
        con.execute("INSERT INTO schema_info VALUES ('views', ?)", [views_hash])
    return found


# Files are written in this order, so that a query's filter skips the row groups of other
# values (and merges keep the order).
SORTED_BY = {
    "search_postings": "idx, term, doc",
    "search_df": "idx, term",
    "search_docs": "doc",
    "article_signatures": "band, key",
}


def warehouse_id(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("SELECT value FROM schema_info WHERE key = 'warehouse_id'").fetchone()[0]


def data_files(con: duckdb.DuckDBPyConnection, location: Location) -> list[str]:
    """Every data and delete file the last snapshot reads, as full paths: one query of the
    catalog (DuckLake's metadata tables, spec 1.0), read without opening any of them."""
    meta = f"__ducklake_metadata_{ALIAS}"
    rows = con.execute(f"""
        WITH dirs AS (
            SELECT t.table_id,
                   CASE WHEN t.path_is_relative
                        THEN (CASE WHEN s.path_is_relative THEN $data || s.path ELSE s.path END) || t.path
                        ELSE t.path END AS dir
            FROM {meta}.ducklake_table t JOIN {meta}.ducklake_schema s USING (schema_id)
            WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL
        )
        SELECT CASE WHEN f.path_is_relative THEN d.dir || f.path ELSE f.path END
        FROM {meta}.ducklake_data_file f JOIN dirs d USING (table_id) WHERE f.end_snapshot IS NULL
        UNION ALL
        SELECT CASE WHEN f.path_is_relative THEN d.dir || f.path ELSE f.path END
        FROM {meta}.ducklake_delete_file f JOIN dirs d USING (table_id) WHERE f.end_snapshot IS NULL
    """, {"data": location.data_path}).fetchall()
    return [r[0] for r in rows]


def check_data_files(con: duckdb.DuckDBPyConnection, location: Location) -> None:
    """Refuse a catalog that lists data files which are not there: a catalog restored from a
    backup older than the files' clean-up, or a data folder lost. Reading it would fail, and
    loading into it would build on rows that cannot be read."""
    if location.local_data_dir is None:
        return
    missing = [p for p in data_files(con, location) if not os.path.exists(p)]
    if missing:
        raise WarehouseError(
            f"the catalog of {location.describe()} lists {len(missing)} data file(s) that are not in "
            f"{location.data_path} (first: {missing[0]}): the catalog is older than the data folder's clean-up "
            "(restored from a backup?) or files were deleted. Restore the data folder from the same backup as the "
            "catalog, or start a new warehouse and ingest again."
        )


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(f"SELECT id FROM {ALIAS}.current_snapshot()").fetchone()[0]


# The kinds of change DuckLake lists per snapshot that only add or remove rows of a table.
_ROW_CHANGES = {"tables_inserted_into": "inserted", "tables_deleted_from": "deleted",
                "inlined_insert": "inserted", "inlined_delete": "deleted"}


def changed_tables(con: duckdb.DuckDBPyConnection, after: int, upto: int) -> dict[str, set[str]] | None:
    """The tables whose rows the snapshots after ``after`` up to ``upto`` inserted into
    (``inserted``) or deleted from (``deleted``), by name: one query of the catalog, which tells
    a reader what it can keep of what it read at ``after``. None when a snapshot did anything
    else (a table created, dropped or altered, a compaction): then anything may have changed."""
    rows = con.execute(f"SELECT changes FROM {ALIAS}.snapshots() WHERE snapshot_id > ? AND snapshot_id <= ?",
                       [after, upto]).fetchall()
    if len(rows) != upto - after:
        return None  # snapshots expired in between: nothing can be told
    ids: dict[str, set[str]] = {"inserted": set(), "deleted": set()}
    for (changes,) in rows:
        for kind, values in (changes or {}).items():
            if kind not in _ROW_CHANGES:
                return None
            ids[_ROW_CHANGES[kind]].update(str(v) for v in values)
    if not ids["inserted"] and not ids["deleted"]:
        return {"inserted": set(), "deleted": set()}
    names = dict(con.execute(
        f"SELECT table_id::VARCHAR, table_name FROM __ducklake_metadata_{ALIAS}.ducklake_table "
        "WHERE end_snapshot IS NULL").fetchall())
    if not (ids["inserted"] | ids["deleted"]) <= names.keys():
        return None  # a table since dropped: not a change of rows alone
    return {kind: {names[i] for i in found} for kind, found in ids.items()}


def inserted_for(con: duckdb.DuckDBPyConnection, table: str, after: int, upto: int, document_id: str) -> int:
    """Rows of ``document_id`` that the snapshots after ``after`` up to ``upto`` inserted into
    ``table``: reads what those snapshots added, not the table."""
    return con.execute(
        f"SELECT count(*) FROM ducklake_table_insertions('{ALIAS}', 'main', '{table}', {int(after) + 1}, {int(upto)}) "
        "WHERE document_id = ?", [document_id]).fetchone()[0]


def latest_snapshot(location: Location, con: duckdb.DuckDBPyConnection | None = None) -> tuple[int, str] | None:
    """The warehouse's last committed snapshot, as (id, commit time): from the SQLite catalog
    directly (a millisecond, no extension to load), else through a warehouse session."""
    if location.kind == "sqlite":
        return _sqlite_snapshot(location.sqlite_file, None)
    if con is None:
        return None
    row = con.execute(
        f"SELECT snapshot_id, snapshot_time::VARCHAR FROM {ALIAS}.snapshots() ORDER BY snapshot_id DESC LIMIT 1"
    ).fetchone()
    return (row[0], row[1]) if row else None


def snapshot_of(location: Location, con: duckdb.DuckDBPyConnection, snapshot_id: int) -> tuple[int, str] | None:
    """(id, commit time) of one snapshot, if the warehouse still has it."""
    if location.kind == "sqlite":
        return _sqlite_snapshot(location.sqlite_file, snapshot_id)
    row = con.execute(
        f"SELECT snapshot_id, snapshot_time::VARCHAR FROM {ALIAS}.snapshots() WHERE snapshot_id = ?", [snapshot_id]
    ).fetchone()
    return (row[0], row[1]) if row else None


def _sqlite_snapshot(catalog: Path, snapshot_id: int | None) -> tuple[int, str] | None:
    if not catalog.exists():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=5)) as db:
            if snapshot_id is None:
                row = db.execute(
                    "SELECT snapshot_id, snapshot_time FROM ducklake_snapshot ORDER BY snapshot_id DESC LIMIT 1"
                ).fetchone()
            else:
                row = db.execute(
                    "SELECT snapshot_id, snapshot_time FROM ducklake_snapshot WHERE snapshot_id = ?", [snapshot_id]
                ).fetchone()
    except sqlite3.Error:
        return None
    return (int(row[0]), str(row[1])) if row else None


# --- what is known ----------------------------------------------------------------------------


def known_files(con: duckdb.DuckDBPyConnection) -> dict[str, KnownFile]:
    rows = con.execute("SELECT source_path, document_id, byte_size, modified_at FROM files").fetchall()
    return {r[0]: KnownFile(r[1], r[2], r[3]) for r in rows}


def known_documents(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()}


COUNTED = ("files", "documents", "pages", "articles")


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows of the main tables, at one snapshot (one statement: each statement on the lake
    reads the catalog again)."""
    row = con.execute("SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in COUNTED)).fetchone()
    return dict(zip(COUNTED, map(int, row)))


def run_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[int, int, int]:
    """(documents, pages, articles) that a run read, as loaded."""
    row = con.execute(
        "SELECT count(*), coalesce(sum(page_count), 0), coalesce(sum(article_count), 0) FROM run_documents WHERE run_id = ?",
        [run_id],
    ).fetchone()
    return int(row[0]), int(row[1]), int(row[2])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


# --- loading ----------------------------------------------------------------------------------


@dataclass
class LoadItem:
    """One thing to load: a document read (``extraction``) with every path of its bytes, or
    only paths of bytes already loaded (``extraction`` None). staging.StagedDocument is one."""

    extraction: Extraction | None
    source_path: str | None = None
    byte_size: int | None = None
    file_rows: list[FileRow] = field(default_factory=list)
    run_id: str | None = None
    read_seconds: float | None = None


@dataclass
class LoadResult:
    load_id: int | None  # None: nothing changed, nothing committed
    snapshot_id: int | None
    documents: int = 0
    paths: int = 0
    articles: int = 0
    replaced: int = 0
    attempts: int = 1
    duplicates: int = 0  # articles loaded that are near-identical to an earlier one (duplicate_of)


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
    "duplicate_of": "VARCHAR",
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
DOCUMENT_COLUMNS = {
    "document_id": "VARCHAR", "source_path": "VARCHAR", "file_name": "VARCHAR", "media_type": "VARCHAR",
    "byte_size": "BIGINT", "page_count": "INTEGER", "status": "VARCHAR", "error": "VARCHAR",
    "ingested_at": "TIMESTAMP", "pipeline_version": "VARCHAR", "masthead": "VARCHAR", "issue_number": "VARCHAR",
    "issue_date": "DATE", "issue_date_precision": "VARCHAR",
}
RUN_COLUMNS = {
    "run_id": "VARCHAR", "document_id": "VARCHAR", "source_path": "VARCHAR", "status": "VARCHAR", "error": "VARCHAR",
    "page_count": "INTEGER", "article_count": "INTEGER", "read_seconds": "DOUBLE", "pipeline_version": "VARCHAR",
    "loaded_at": "TIMESTAMP",
}
FILE_COLUMNS = {"source_path": "VARCHAR", "document_id": "VARCHAR", "byte_size": "BIGINT", "modified_at": "TIMESTAMP"}
SEARCH_COLUMNS = {"doc": "BIGINT", "article_id": "VARCHAR", "document_id": "VARCHAR", "folded": "VARCHAR", "exact": "VARCHAR"}

# The tables holding a document's rows, emptied of it when it is replaced or no path holds its
# bytes any more (files rows are handled by path).
DOCUMENT_TABLES = ("search_docs", "search_folded", "search_exact", "article_signatures", "article_places",
                   "article_people", "articles",
                   "ocr_words", "pages", "documents")
BATCH_TABLES = {
    "documents": DOCUMENT_COLUMNS, "pages": PAGE_COLUMNS, "ocr_words": WORD_COLUMNS, "articles": ARTICLE_COLUMNS,
    "article_places": PLACE_COLUMNS, "article_people": PEOPLE_COLUMNS, "run_documents": RUN_COLUMNS,
    "files": FILE_COLUMNS, "search": SEARCH_COLUMNS,
}


class _BatchFiles:
    """The batch's rows as newline-delimited JSON, one file per table, written one document at
    a time: DuckDB reads them in bulk (binding parameters row by row costs about a millisecond
    a row, and an OCR'd page has hundreds of words)."""

    def __init__(self, directory: Path):
        self.paths = {name: directory / f"{name}.jsonl" for name in BATCH_TABLES}
        self.handles = {name: open(path, "w", encoding="utf-8") for name, path in self.paths.items()}
        self.rows = dict.fromkeys(BATCH_TABLES, 0)

    def add(self, table: str, row: dict) -> None:
        handle = self.handles[table]
        handle.write(json.dumps(row, ensure_ascii=False, default=_json_default))
        handle.write("\n")
        self.rows[table] += 1

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()


def _json_default(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot stage {type(value).__name__}")


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
) -> LoadResult:
    """Replace one document's rows and point its paths at it: a batch of one."""
    item = LoadItem(extraction, source_path, byte_size, list(file_rows), run_id, read_seconds)
    return load_batch(con, [item], pipeline_version=pipeline_version, now=now)


def record_files(con: duckdb.DuckDBPyConnection, rows: list[FileRow], now: dt.datetime | None = None,
                 pipeline_version: str = "") -> int:
    """Insert or update ``files`` rows of documents already loaded, in one transaction; the
    number of rows inserted or changed (0: nothing changed, nothing committed)."""
    return load_batch(con, [LoadItem(None, file_rows=list(rows))], pipeline_version=pipeline_version, now=now).paths


def load_batch(
    con: duckdb.DuckDBPyConnection,
    items: Iterable,
    *,
    pipeline_version: str,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    work_dir: Path | None = None,
) -> LoadResult:
    """Load a batch in one transaction: documents replace their earlier rows, paths point at
    their bytes' document, documents no path holds any more go, and the search index follows.

    ``items`` (LoadItem-like: extraction, source_path, byte_size, file_rows, run_id,
    read_seconds) come newest first: when a document or a path comes twice, the first one
    wins. Nothing is written when the batch changes nothing. A bad item (unknown status, two
    articles or pages with one key) refuses the whole batch with LoadError, before any write."""
    now = now or utcnow()
    if work_dir is not None:  # a fresh warehouse has no staging folder until a document is staged
        work_dir.mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="archive-load-", dir=work_dir))
    try:
        files = _BatchFiles(directory)
        try:
            summary = _write_batch(files, items, pipeline_version, now)
        finally:
            files.close()
        if not summary["documents"] and not files.rows["files"]:
            return LoadResult(None, None)
        _read_batch(con, files)
        search.stage_batch(con, "temp.b_search")
        duplicates.stage_batch(con)
        attempt = 0
        while True:
            attempt += 1
            try:
                result = _commit_batch(con, summary, files.rows, pipeline_version, run_id, now)
                break
            except duckdb.Error as exc:
                if attempt >= COMMIT_ATTEMPTS or not _retryable(exc):
                    raise
                time.sleep(0.2 * 2 ** attempt)
        result.attempts = attempt
        return result
    finally:
        for name in [*BATCH_TABLES, "files_changed", "replaced", *search.BATCH_TABLES, *duplicates.BATCH_TABLES]:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS temp.b_{name}")
        shutil.rmtree(directory, ignore_errors=True)


def _retryable(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "database is locked" in text or "Transaction conflict" in text or "conflict" in text.lower() and "commit" in text.lower()


def _write_batch(files: _BatchFiles, items: Iterable, pipeline_version: str, now: dt.datetime) -> dict:
    seen_documents: set[str] = set()
    seen_paths: set[str] = set()
    documents = articles = 0
    for item in items:
        extraction = item.extraction
        if extraction is not None and extraction.document_id not in seen_documents:
            seen_documents.add(extraction.document_id)
            _check_extraction(extraction)
            _write_document(files, item, pipeline_version, now)
            documents += 1
            articles += len(extraction.articles)
        for row in item.file_rows:
            if row.source_path in seen_paths:
                continue
            seen_paths.add(row.source_path)
            files.add("files", {"source_path": row.source_path, "document_id": row.document_id,
                                "byte_size": row.byte_size, "modified_at": row.modified_at})
    return {"documents": documents, "articles": articles}


def _check_extraction(extraction: Extraction) -> None:
    where = f"document {extraction.document_id}"
    if not extraction.document_id:
        raise LoadError("a staged document has no document_id")
    if extraction.status not in STATUSES:
        raise LoadError(f"{where}: status {extraction.status!r} is not one of {', '.join(STATUSES)}")
    for what, keys in (("article", [a.seq for a in extraction.articles]), ("page", [p.page_number for p in extraction.pages])):
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise LoadError(f"{where}: two {what}s numbered {duplicates[0]}; nothing was loaded")


def article_doc(article_id: str) -> int:
    """The search index's key of an article: the first 8 bytes of the SHA-256 of its id, as a
    signed 64-bit integer (stable, and the same whichever loader comes first)."""
    return int.from_bytes(hashlib.sha256(article_id.encode("utf-8", "surrogateescape")).digest()[:8], "big", signed=True)


def _write_document(files: _BatchFiles, item, pipeline_version: str, now: dt.datetime) -> None:
    extraction = item.extraction
    document_id = extraction.document_id
    source_path = item.source_path or (item.file_rows[0].source_path if item.file_rows else "")
    files.add("documents", {
        "document_id": document_id, "source_path": source_path, "file_name": Path(source_path).name,
        "media_type": extraction.media_type, "byte_size": item.byte_size, "page_count": extraction.page_count,
        "status": extraction.status, "error": extraction.error, "ingested_at": now,
        "pipeline_version": pipeline_version, "masthead": extraction.masthead, "issue_number": extraction.issue_number,
        "issue_date": extraction.issue_date, "issue_date_precision": extraction.issue_date_precision,
    })
    for p in extraction.pages:
        files.add("pages", {
            "document_id": document_id, "page_number": p.page_number, "method": p.method, "text": p.text,
            "char_count": p.char_count, "confidence": p.confidence, "engine": p.engine, "reason": p.reason,
            "error": p.error, "text_layer_chars": p.text_layer_chars, "quality": p.quality, "cleanup": p.cleanup,
            "dpi": p.dpi, "original_text": p.original_text, "flags": p.flags,
        })
        for n, w in enumerate(p.words, start=1):
            files.add("ocr_words", {
                "document_id": document_id, "page_number": p.page_number, "word_number": n, "text": w.text,
                "confidence": w.confidence, "left": w.left, "top": w.top, "width": w.width, "height": w.height,
            })
    for a in extraction.articles:
        article_id = f"{document_id}-{a.seq}"
        files.add("articles", _article_row(document_id, a))
        for p in a.places:
            files.add("article_places", {
                "article_id": article_id, "document_id": document_id, "name": p.name, "role": p.role,
                "span_start": _at(p.span, 0), "span_end": _at(p.span, 1), "confidence": p.confidence,
                "province_code_legacy": p.province_code_legacy, "province_name_legacy": p.province_name_legacy,
                "province_code_2025": p.province_code_2025, "province_name_2025": p.province_name_2025,
            })
        for p in a.people:
            files.add("article_people", {
                "article_id": article_id, "document_id": document_id, "name": p.name, "role": p.role,
                "contribution": p.contribution, "title": p.title, "kind": p.kind, "affiliation": p.affiliation,
                "span_start": _at(p.span, 0), "span_end": _at(p.span, 1), "confidence": p.confidence,
            })
        folded, exact = search.search_texts(search.article_text(a.title, a.body, a.location, a.authors))
        files.add("search", {"doc": article_doc(article_id), "article_id": article_id, "document_id": document_id,
                             "folded": folded, "exact": exact})
    run_id = item.run_id
    if run_id:
        files.add("run_documents", {
            "run_id": run_id, "document_id": document_id, "source_path": source_path, "status": extraction.status,
            "error": extraction.error, "page_count": extraction.page_count, "article_count": len(extraction.articles),
            "read_seconds": item.read_seconds, "pipeline_version": pipeline_version, "loaded_at": now,
        })


def _at(span, index: int):
    return span[index] if span else None


def _article_row(document_id: str, a) -> dict:
    return {
        "article_id": f"{document_id}-{a.seq}", "document_id": document_id, "seq": a.seq, "title": a.title,
        "body": a.body, "published_date": a.published_date, "date_text": a.date_text, "location": a.location,
        "authors": a.authors or [], "page_start": a.page_start, "page_end": a.page_end, "date_end": a.date_end,
        "date_precision": a.date_precision, "date_source": a.date_source, "date_confidence": a.date_confidence,
        "date_span_start": _at(a.date_span, 0), "date_span_end": _at(a.date_span, 1),
        "location_confidence": a.location_confidence,
        "location_span_start": _at(a.location_span, 0), "location_span_end": _at(a.location_span, 1),
        "duplicate_of": None,  # set by the load (duplicates.py)
    }


def _read_batch(con: duckdb.DuckDBPyConnection, files: _BatchFiles) -> None:
    """The batch's files → temporary tables (in the session's memory database, not the lake)."""
    for name, columns in BATCH_TABLES.items():
        names = ", ".join(f'"{c}"' for c in columns)
        if files.rows[name]:
            spec = "{" + ", ".join(f"'{c}': '{t}'" for c, t in columns.items()) + "}"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE b_{name} AS SELECT {names} FROM read_json(?, format = 'newline_delimited', "
                f"columns = {spec})",
                [str(files.paths[name])],
            )
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE b_{name} ({', '.join(f'{_q(c)} {t}' for c, t in columns.items())})")


def _q(column: str) -> str:
    return f'"{column}"'


def _columns(columns: dict[str, str]) -> str:
    return ", ".join(_q(c) for c in columns)


def _commit_batch(con, summary: dict, rows: dict[str, int], pipeline_version: str, run_id: str | None,
                  now: dt.datetime) -> LoadResult:
    con.execute("BEGIN TRANSACTION")
    try:
        changes = _plan_files(con, now)
        documents = [r[0] for r in con.execute("SELECT document_id FROM temp.b_documents").fetchall()]
        existing = {r[0] for r in con.execute(
            "SELECT DISTINCT document_id FROM documents WHERE document_id IN (SELECT document_id FROM temp.b_documents)"
        ).fetchall()} if documents else set()
        replaced = sorted(existing | changes["orphans"])
        if not documents and not changes["changed"]:
            con.execute("ROLLBACK")
            return LoadResult(None, None)
        con.execute("CREATE OR REPLACE TEMP TABLE b_replaced AS SELECT unnest(?::VARCHAR[]) AS document_id", [replaced])
        search.remove_documents(con, "temp.b_replaced")  # before the deletes: it reads the old search rows
        if replaced:
            duplicates.note_removed(con, "temp.b_replaced")
            for table in DOCUMENT_TABLES:
                con.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT document_id FROM temp.b_replaced)")
        copies = duplicates.resolve(con, "temp.b_replaced", bool(replaced))
        if changes["changed"]:
            con.execute("DELETE FROM files WHERE source_path IN (SELECT source_path FROM temp.b_files_changed)")
            con.execute("INSERT INTO files (source_path, document_id, byte_size, modified_at, seen_at) "
                        "SELECT source_path, document_id, byte_size, modified_at, seen_at FROM temp.b_files_changed")
        for table in ("documents", "pages", "ocr_words", "articles", "article_places", "article_people"):
            if rows[table]:  # each statement on the lake costs a round of catalog reads: none for nothing
                columns = _columns(BATCH_TABLES[table])
                con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM temp.b_{table}")
        if rows["search"]:
            con.execute("INSERT INTO search_folded SELECT article_id, document_id, folded FROM temp.b_search")
            con.execute("INSERT INTO search_exact SELECT article_id, document_id, exact FROM temp.b_search")
        search.insert_staged(con)
        if rows["run_documents"]:
            con.execute("DELETE FROM run_documents WHERE (run_id, document_id) IN "
                        "(SELECT (run_id, document_id) FROM temp.b_run_documents)")
            columns = _columns(RUN_COLUMNS)
            con.execute(f"INSERT INTO run_documents ({columns}) SELECT {columns} FROM temp.b_run_documents")
        load_id = con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchone()[0]
        # Inside a transaction DuckLake still shows the previous snapshot; under the writer
        # lock nobody else commits, so this commit becomes the next one (checked below).
        snapshot = current_snapshot(con) + 1
        run_ids = sorted({r[0] for r in con.execute("SELECT DISTINCT run_id FROM temp.b_run_documents").fetchall()})
        load_run = run_id or (run_ids[0] if len(run_ids) == 1 else None)
        con.execute(f"CALL {ALIAS}.set_commit_message('archive', ?, extra_info => ?)",
                    [f"load {load_id}", json.dumps({"load_id": load_id, "run_id": load_run})])
        result = LoadResult(load_id, snapshot, documents=len(documents), paths=changes["changed"],
                            articles=summary["articles"], replaced=len(replaced), duplicates=copies)
        con.execute(
            "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [load_id, snapshot, load_run, now, utcnow(), result.documents, result.paths, result.articles,
             result.replaced, pipeline_version],
        )
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    actual = current_snapshot(con)
    if actual != snapshot:  # another writer committed in between (no shared lock): say which it was
        with transaction(con):
            con.execute("UPDATE loads SET snapshot_id = ? WHERE load_id = ?", [actual, load_id])
        result.snapshot_id = actual
    return result


def _plan_files(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dict:
    """Which of the batch's paths are new or changed (temp.b_files_changed, with their seen_at:
    kept unless the bytes at that path changed), and the documents no path holds any more once
    they are written. In SQL: a batch may hold thousands of paths."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE b_files_changed AS
        SELECT b.source_path, b.document_id, b.byte_size, b.modified_at,
               CASE WHEN o.source_path IS NULL OR o.document_id <> b.document_id THEN $now ELSE o.seen_at END AS seen_at,
               o.document_id AS old_document_id
        FROM temp.b_files b
        LEFT JOIN (SELECT * FROM files WHERE source_path IN (SELECT source_path FROM temp.b_files)) o USING (source_path)
        WHERE o.source_path IS NULL OR o.document_id <> b.document_id
              OR o.byte_size IS DISTINCT FROM b.byte_size OR o.modified_at IS DISTINCT FROM b.modified_at
    """, {"now": now})
    changed = con.execute("SELECT count(*) FROM temp.b_files_changed").fetchone()[0]
    orphans = {r[0] for r in con.execute("""
        WITH left_behind AS (
            SELECT DISTINCT old_document_id AS document_id FROM temp.b_files_changed
            WHERE old_document_id IS NOT NULL AND old_document_id <> document_id
        )
        SELECT document_id FROM left_behind
        WHERE document_id NOT IN (SELECT document_id FROM temp.b_files)
          AND document_id NOT IN (
              SELECT document_id FROM files
              WHERE document_id IN (SELECT document_id FROM left_behind)
                AND source_path NOT IN (SELECT source_path FROM temp.b_files_changed))
    """).fetchall()} if changed else set()
    return {"changed": changed, "orphans": orphans}
