"""A local copy of the search index in DuckDB's own storage, for fast searches.

Why: the warehouse is a DuckLake, and DuckLake reads its catalog at each table scan (about
10 ms of CPU per table here, whatever its size) and its data from Parquet; a search scans four
tables, and misses the p95 ≤ 50 ms target at 100,000 articles (docs/scaling.md). The same
query on DuckDB's own storage meets it. So the loader keeps a copy of the index tables — the
postings, the document frequencies, the collection sizes, and each article's hit fields (title,
date, venue, path, body for the snippet) — in a DuckDB file, derived from the warehouse and
never a second truth: a search that cannot trust it asks the warehouse itself.

How it never blocks nor is blocked: two files, ``search/slot-a.duckdb`` and ``slot-b.duckdb``,
and ``search/current.json`` naming the one last brought up to date with the snapshot it
holds. After each commit the writer (under the writer lock) brings the other slot up to the
new snapshot from the warehouse's change feed (``table_changes``: the rows of the loads since
that slot's snapshot, O(what changed)), then points ``current.json`` at it. A reader opens the
current slot read-only and uses it only if it holds the warehouse's latest snapshot (its id and
commit time, read from the catalog in a millisecond); otherwise — a slot being written, a load
just committed and not yet copied, no cache — it runs the same query on the warehouse.
DuckDB lets a file be written by one process and read by none meanwhile: a writer finding a
slot open in a reader tries the other one, and leaves the cache behind (readers then use the
warehouse) rather than wait. When the change feed cannot say what changed (snapshots expired,
another warehouse restored in place), the slot is rebuilt from the warehouse.

What answers a query on a slot is its arrays (``search_arrays.py``: the postings as numpy
arrays and the hits' fields, beside the slot, kept up to date by the same refresh): the same
BM25 to the last bit, about ten times faster than the SQL at 100,000 articles. A slot without
arrays at its snapshot is scored by the SQL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.store import migrations, search, search_arrays
from pipelines.core.store.location import Location
from pipelines.core.store.transactions import transaction
from pipelines.core.store.warehouse import ALIAS, latest_snapshot, snapshot_of

SLOTS = ("a", "b")
POINTER = "current.json"
CACHE = "search_cache"
# Rows per row group in a slot: DuckDB's default. A scan checks every row group's ranges before
# it skips it, so the cost of finding one term's postings grows with the number of row groups:
# at 100,000 articles (90 million postings) 8,192-row groups made 11,000 of them and a term
# cost 4-9 ms to find however few its postings; 122,880-row groups, 0.8-1.3 ms.
ROW_GROUP_ROWS = 122_880

CACHE_TABLES = search.Tables(
    postings="postings",
    df="df",
    stats="stats",
    hits="""
        SELECT h.article_id, top.score, h.title, h.published_date, h.location, h.source_path, h.body
        FROM top JOIN {rows of hits} h USING (doc)
    """,
    unique="doc IN (SELECT doc FROM hits)",  # hits holds the articles that are not copies
)

_SCHEMA = """
CREATE TABLE {db}.cache_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE {db}.postings (idx TINYINT NOT NULL, term VARCHAR NOT NULL, doc BIGINT NOT NULL, tf INTEGER NOT NULL,
                            len INTEGER NOT NULL);
CREATE TABLE {db}.df (idx TINYINT NOT NULL, term VARCHAR NOT NULL, df BIGINT NOT NULL);
CREATE TABLE {db}.stats (idx TINYINT NOT NULL, docs BIGINT NOT NULL, total_len BIGINT NOT NULL);
CREATE TABLE {db}.hits (doc BIGINT NOT NULL, article_id VARCHAR NOT NULL, title VARCHAR, published_date DATE,
                        location VARCHAR, source_path VARCHAR, body VARCHAR);
"""
_HITS = f"""
    SELECT s.doc, a.article_id, a.title, a.published_date, a.location, d.source_path, a.body
    FROM {ALIAS}.main.search_docs s JOIN {ALIAS}.main.articles a ON a.article_id = s.article_id
    JOIN {ALIAS}.main.documents d ON d.document_id = a.document_id
    WHERE a.duplicate_of IS NULL
"""


@dataclass
class Refresh:
    state: str  # 'up to date' | 'updated' | 'rebuilt' | 'busy' | 'failed'
    slot: str | None = None
    snapshot: int | None = None
    changed_docs: int = 0
    seconds: float = 0.0
    detail: str = ""

    def describe(self) -> str:
        text = f"{self.state}"
        if self.slot:
            text += f" (slot {self.slot}, snapshot {self.snapshot}"
            text += f", {self.changed_docs} articles changed)" if self.state == "updated" else ")"
        return text + (f": {self.detail}" if self.detail else "")


# --- where readers look -----------------------------------------------------------------------


def _pointer(location: Location) -> dict:
    try:
        return json.loads((location.search_dir / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_pointer(location: Location, slot: str, snapshot: tuple[int, str]) -> None:
    target = location.search_dir / POINTER
    temporary = target.with_name(f".{POINTER}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"slot": slot, "snapshot": snapshot[0], "time": snapshot[1]}), encoding="utf-8")
    os.replace(temporary, target)


def slot_path(location: Location, slot: str) -> Path:
    return location.search_dir / f"slot-{slot}.duckdb"


# --- the writer's side ------------------------------------------------------------------------


def refresh(con: duckdb.DuckDBPyConnection, location: Location, rebuild: bool = False) -> Refresh:
    """Bring a slot up to the warehouse's last snapshot and point readers at it (the caller
    holds the writer lock; ``con`` is its warehouse session). Never waits for a reader."""
    started = time.monotonic()
    target = latest_snapshot(location, con)
    if target is None:
        return Refresh("failed", detail="the warehouse has no snapshot")
    pointer = _pointer(location)
    current = pointer.get("slot")
    if not rebuild and current in SLOTS and (pointer.get("snapshot"), pointer.get("time")) == target:
        return Refresh("up to date", current, target[0])
    location.search_dir.mkdir(parents=True, exist_ok=True)
    order = [s for s in SLOTS if s != current] + ([current] if current in SLOTS else [])
    busy = []
    for slot in order:
        try:
            con.execute(f"ATTACH '{_quote(slot_path(location, slot))}' AS {CACHE} (ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
        except duckdb.Error as exc:
            busy.append(f"slot {slot}: {str(exc).splitlines()[0]}")
            continue
        arrays = search_arrays.directory_for(slot_path(location, slot))
        try:
            state, changed = _bring_up_to_date(con, location, target, rebuild, arrays)
        except duckdb.Error as exc:
            search_arrays.remove(arrays)
            return Refresh("failed", slot, target[0], detail=str(exc).splitlines()[0])
        finally:
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DETACH {CACHE}")  # its checkpoint writes what a load appended
        _write_pointer(location, slot, target)
        if state == "rebuilt":
            _copy_to_other_slots(location, slot)
        return Refresh(state, slot, target[0], changed, time.monotonic() - started)
    return Refresh("busy", detail="; ".join(busy) + ": readers use the warehouse until the next load")


def _copy_to_other_slots(location: Location, slot: str) -> None:
    """After a rebuild (O(archive) anyway), the other slot starts from the same snapshot as a
    copy, so that the next load brings it up to date incrementally instead of rebuilding it.
    Copied under another name and renamed: a reader holding the old file keeps reading it."""
    source = slot_path(location, slot)
    for other in SLOTS:
        if other == slot:
            continue
        target = slot_path(location, other)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            shutil.copyfile(source, temporary)
            Path(f"{target}.wal").unlink(missing_ok=True)
            os.replace(temporary, target)
        except OSError:
            temporary.unlink(missing_ok=True)  # the next refresh rebuilds it instead
            continue
        try:
            search_arrays.copy(search_arrays.directory_for(source), search_arrays.directory_for(target))
        except OSError:
            search_arrays.remove(search_arrays.directory_for(target))  # its searches keep to DuckDB


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """What the slot holds ({} for a new slot). Asked directly, not by listing tables first:
    ``duckdb_tables()`` would enumerate the attached warehouse's catalog too (~0.1 s)."""
    try:
        return dict(con.execute(f"SELECT key, value FROM {CACHE}.cache_info").fetchall())
    except duckdb.CatalogException:
        return {}


def _bring_up_to_date(con, location: Location, target: tuple[int, str], rebuild: bool,
                      arrays: Path | None = None) -> tuple[str, int]:
    info = _info(con)
    base = (int(info["snapshot"]), info["time"]) if "snapshot" in info else None
    warehouse_id = con.execute(f"SELECT value FROM {ALIAS}.main.schema_info WHERE key = 'warehouse_id'").fetchone()[0]
    usable = (not rebuild and base is not None and info.get("warehouse_id") == warehouse_id
              and info.get("schema") == str(migrations.LATEST)  # an upgrade rewrote the index: copy it whole
              and base[0] <= target[0] and snapshot_of(location, con, base[0]) == base)
    if usable and base == target:
        return "up to date", 0
    if usable:
        try:
            return "updated", _apply_changes(con, base, target, arrays)
        except duckdb.InvalidInputException:
            pass  # the change feed no longer reaches back to the slot's snapshot (expired)
    _rebuild(con, target, warehouse_id)
    if arrays is not None:
        _arrays(arrays, lambda: search_arrays.rebuild(
            con, arrays, postings=f"SELECT * FROM {CACHE}.postings", hits=f"{CACHE}.hits", stats=f"{CACHE}.stats",
            snapshot=target))
    return "rebuilt", 0


def _arrays(directory: Path, write) -> None:
    """Write the slot's search arrays; when they cannot be written, none are kept (the
    slot's searches keep to DuckDB: slower, the same results)."""
    try:
        if write() is False:
            search_arrays.remove(directory)  # behind the slot: of no use until its next rebuild
    except (search_arrays.ArraysError, duckdb.Error, OSError, ValueError):
        search_arrays.remove(directory)


# The change feed's kinds of row: what a snapshot added, and what it took away (with the values
# the row had).
_ADDED = "change_type IN ('insert', 'update_postimage')"
_REMOVED = "change_type IN ('delete', 'update_preimage')"


def _apply_changes(con, base: tuple[int, str], target: tuple[int, str], arrays: Path | None = None) -> int:
    """The articles whose rows changed between the slot's snapshot and the target take their
    rows as of the target: for each article the last snapshot that touched it says whether it
    is there and with which postings (a load replaces all of an article's rows at once).

    Everything comes from the change feed, whose rows are those the loads since the slot's
    snapshot added or removed, values included: nothing reads a whole table, of the warehouse
    or of the slot, so the memory and time of a refresh are those of what changed. A removed
    row's values say which postings, frequencies and hits the slot holds for it; frequencies
    and sizes are appended as deltas (summed when read, as in the warehouse; a rebuild folds
    them)."""
    since = base[0]
    first, last = since + 1, target[0]

    def feed(table: str, columns: str) -> str:
        return f"SELECT snapshot_id, change_type, {columns} FROM {ALIAS}.table_changes('{table}', {first}, {last})"

    con.execute(f"CREATE OR REPLACE TEMP TABLE cache_changed_postings AS {feed('search_postings', 'idx, term, doc, tf, len')}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE cache_changed_docs AS {feed('search_docs', 'doc, article_id')}")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE cache_docs AS
        SELECT doc, max(snapshot_id) AS snapshot_id, bool_or(removed) AS removed FROM (
            SELECT doc, snapshot_id, change_type IN ('delete', 'update_preimage') AS removed FROM temp.cache_changed_postings
            UNION ALL
            SELECT doc, snapshot_id, change_type IN ('delete', 'update_preimage') FROM temp.cache_changed_docs
        ) GROUP BY doc
    """)
    # The articles' rows as of the target, for those the window touched: rows it added and no
    # later snapshot of it removed (a row keeps its id through an update, and an id is never
    # reused).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cache_changed_articles AS
        {feed('articles', f'rowid, {search.doc_key_sql("article_id")} AS doc, article_id, document_id, title, '
                          'published_date, location, body, duplicate_of')}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cache_articles AS
        SELECT doc, article_id, document_id, title, published_date, location, body, duplicate_of
        FROM temp.cache_changed_articles a WHERE {_ADDED} AND {_kept('temp.cache_changed_articles')}
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE cache_hit_docs AS
        SELECT doc, bool_or(removed) AS removed FROM (
            SELECT doc, removed FROM temp.cache_docs
            UNION ALL
            SELECT doc, change_type IN ('delete', 'update_preimage') FROM temp.cache_changed_articles
        ) GROUP BY doc
    """)
    changed = con.execute("SELECT count(*) FROM temp.cache_docs").fetchone()[0]
    hit_docs = con.execute("SELECT count(*) FROM temp.cache_hit_docs").fetchone()[0]
    con.execute("BEGIN TRANSACTION")
    try:
        if changed:
            # Only an article the window removed rows of can have postings in the slot (an id
            # is in the index once): a load of new articles deletes nothing here.
            if con.execute("SELECT count(*) FROM temp.cache_docs WHERE removed").fetchone()[0]:
                con.execute(f"DELETE FROM {CACHE}.postings WHERE doc IN (SELECT doc FROM temp.cache_docs WHERE removed)")
            con.execute(f"INSERT INTO {CACHE}.postings {_ADDED_POSTINGS} ORDER BY idx, term, doc")
        _append_deltas(con, feed("search_df", "idx, term, df"), "idx, term", "df", "df")
        _append_deltas(con, feed("search_stats", "idx, docs, total_len"), "idx", "docs, total_len", "stats")
        if hit_docs:  # the hit fields as of now, for every article whose rows changed
            if con.execute("SELECT count(*) FROM temp.cache_hit_docs WHERE removed").fetchone()[0]:
                con.execute(f"DELETE FROM {CACHE}.hits WHERE doc IN (SELECT doc FROM temp.cache_hit_docs WHERE removed)")
            _insert_hits(con, first, last)
        _set_info(con, target)
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    else:
        if arrays is not None:
            # the window's hits are the articles _insert_hits added; its other changed articles are not hits
            shown = _SHOWN if hit_docs else None
            _arrays(arrays, lambda: search_arrays.append(
                con, arrays, since=base, postings=_ADDED_POSTINGS, removed="SELECT doc FROM temp.cache_docs WHERE removed",
                shown=shown, hidden=f"SELECT doc FROM temp.cache_hit_docs WHERE doc NOT IN (SELECT doc FROM ({shown}))" if shown else None,
                stats_delta="SELECT idx, docs, total_len FROM temp.cache_stats_delta", snapshot=target))
    finally:
        for name in ("changed_postings", "changed_docs", "docs", "changed_articles", "articles", "hit_docs",
                     "changed_documents", "paths", "df_delta", "stats_delta"):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS temp.cache_{name}")
    return changed


# The postings a window added that are the articles' rows as of its end.
_ADDED_POSTINGS = f"""
    SELECT p.idx, p.term, p.doc, p.tf, p.len FROM temp.cache_changed_postings p
    JOIN temp.cache_docs c ON c.doc = p.doc AND c.snapshot_id = p.snapshot_id
    WHERE p.{_ADDED}
"""


# The articles of a window that are hits as of its end, with their hit fields: what _insert_hits
# adds to the slot, and what the arrays' segment of the window records.
_SHOWN = """
    SELECT a.doc, a.article_id, a.title, a.published_date, a.location, p.source_path, a.body
    FROM temp.cache_articles a JOIN temp.cache_paths p USING (document_id) WHERE a.duplicate_of IS NULL
"""


def _kept(feed: str) -> str:
    """A condition on a row ``a`` the window added: no later snapshot of the window removed it."""
    return (f"NOT EXISTS (SELECT 1 FROM {feed} r WHERE r.rowid = a.rowid AND r.snapshot_id > a.snapshot_id "
            f"AND r.{_REMOVED})")


def _append_deltas(con, feed: str, keys: str, values: str, table: str) -> None:
    """What the window added to a table of deltas (search_df, search_stats) less what it
    removed (maintenance folding them), per key, appended to the slot's copy (and kept in
    ``temp.cache_<table>_delta`` until the refresh ends)."""
    sums = ", ".join(f"sum(CASE WHEN {_ADDED} THEN {v} ELSE -{v} END)::BIGINT AS {v}" for v in values.split(", "))
    nonzero = " OR ".join(f"{v} <> 0" for v in values.split(", "))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cache_{table}_delta AS
        SELECT * FROM (SELECT {keys}, {sums} FROM ({feed}) GROUP BY {keys}) WHERE {nonzero}
    """)
    con.execute(f"INSERT INTO {CACHE}.{table} SELECT * FROM temp.cache_{table}_delta ORDER BY {keys}")


def _insert_hits(con, first: int, last: int) -> None:
    """The hit fields of the window's articles as of the target (those that are not copies),
    with their documents' paths: from the documents the window added, and only for the others
    (an article changed without its document: its copy's first went) a look-up by id."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cache_changed_documents AS
        SELECT snapshot_id, rowid, change_type, document_id, source_path
        FROM {ALIAS}.table_changes('documents', {first}, {last})
        WHERE document_id IN (SELECT document_id FROM temp.cache_articles)
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE cache_paths AS
        SELECT document_id, source_path FROM temp.cache_changed_documents a
        WHERE {_ADDED} AND {_kept('temp.cache_changed_documents')}
    """)
    if con.execute("""
        SELECT count(*) FROM temp.cache_articles
        WHERE duplicate_of IS NULL AND document_id NOT IN (SELECT document_id FROM temp.cache_paths)
    """).fetchone()[0]:
        con.execute(f"""
            INSERT INTO temp.cache_paths
            SELECT document_id, source_path FROM {ALIAS}.main.documents
            WHERE document_id IN (SELECT document_id FROM temp.cache_articles WHERE duplicate_of IS NULL)
              AND document_id NOT IN (SELECT document_id FROM temp.cache_paths)
        """)
    con.execute(f"INSERT INTO {CACHE}.hits {_SHOWN} ORDER BY doc")


def _copy_stats(con) -> None:
    con.execute(f"DELETE FROM {CACHE}.stats")
    con.execute(f"""
        INSERT INTO {CACHE}.stats
        SELECT idx, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM {ALIAS}.main.search_stats GROUP BY idx
    """)


def _set_info(con, target: tuple[int, str], warehouse_id: str | None = None) -> None:
    values = {"snapshot": str(target[0]), "time": target[1]}
    if warehouse_id:
        values["warehouse_id"] = warehouse_id
        values["schema"] = str(migrations.LATEST)
    for key, value in values.items():
        con.execute(f"INSERT OR REPLACE INTO {CACHE}.cache_info VALUES (?, ?)", [key, value])


def _rebuild(con, target: tuple[int, str], warehouse_id: str) -> None:
    """The slot made again from the warehouse at the target snapshot, postings sorted by term
    (so a query reads only its terms' row groups), hits by doc, their bodies stored
    uncompressed (see _uncompressed)."""
    with transaction(con):
        for table in ("cache_info", "postings", "df", "stats", "hits"):
            con.execute(f"DROP TABLE IF EXISTS {CACHE}.{table}")
        con.execute(_SCHEMA.format(db=CACHE))
        con.execute(f"""
            INSERT INTO {CACHE}.postings SELECT idx, term, doc, tf, len FROM {ALIAS}.main.search_postings
            ORDER BY idx, term, doc
        """)
        con.execute(f"""
            INSERT INTO {CACHE}.df SELECT idx, term, sum(df)::BIGINT FROM {ALIAS}.main.search_df
            GROUP BY idx, term HAVING sum(df) <> 0 ORDER BY idx, term
        """)
        _copy_stats(con)
    con.execute(f"CHECKPOINT {CACHE}")
    with _uncompressed(con):
        with transaction(con):
            con.execute(f"INSERT INTO {CACHE}.hits SELECT * FROM ({_HITS}) ORDER BY doc")
            _set_info(con, target, warehouse_id)  # last: until then the slot is not used
        con.execute(f"CHECKPOINT {CACHE}")


@contextlib.contextmanager
def _uncompressed(con):
    """What is written to the slot meanwhile is stored uncompressed: a search fetches ten hits'
    bodies, and a compressed (FSST) body costs decoding its whole vector of bodies, about 3 ms
    of CPU for each hit (uncompressed: under 1 ms), for a file about 2.5 times larger."""
    con.execute("SET force_compression = 'uncompressed'")
    try:
        yield
    finally:
        con.execute("RESET force_compression")


def remove(location: Location) -> None:
    """Delete the cache (readers use the warehouse until the next refresh rebuilds it; one
    holding a slot open keeps reading it)."""
    for path in [location.search_dir / POINTER, *(slot_path(location, s) for s in SLOTS)]:
        path.unlink(missing_ok=True)
        Path(f"{path}.wal").unlink(missing_ok=True)
    for slot in SLOTS:
        search_arrays.remove(search_arrays.directory_for(slot_path(location, slot)))


# --- the reader's side ------------------------------------------------------------------------


class Searcher:
    """Searches at the warehouse's last snapshot: on the cache when it holds that snapshot,
    else on the warehouse. Keeps what it opened between queries (close() when done)."""

    def __init__(self, location: Location, warehouse_session=None):
        self.location = location
        self._open_warehouse = warehouse_session  # () -> a read-only warehouse connection
        self._warehouse: duckdb.DuckDBPyConnection | None = None
        self._slot: tuple[str, tuple[int, str], duckdb.DuckDBPyConnection] | None = None
        self._arrays: search_arrays.ArrayIndex | None = None  # the slot's, when they hold its snapshot
        self.last_used = ""  # 'cache' (scored by its arrays, or by DuckDB) | 'warehouse', for reports and tests
        self.scored_by = ""  # 'arrays' | 'duckdb'

    def search(self, query: str, limit: int = 10) -> list[search.Hit]:
        latest = latest_snapshot(self.location, self._warehouse_con() if self.location.kind != "sqlite" else None)
        cache = self._cache_at(latest) if latest else None
        if cache is not None:
            try:
                found = self._by_arrays(cache, query, limit)
                if found is not None:
                    hits = search.results(*found, query)
                    self.scored_by = "arrays"
                else:
                    hits = search.search(cache, query, limit, tables=CACHE_TABLES)
                    self.scored_by = "duckdb"
                self.last_used = "cache"
                return hits
            except duckdb.Error:
                self._close_slot()
        self.last_used, self.scored_by = "warehouse", "duckdb"
        return search.search(self._warehouse_con(), query, limit)

    def _by_arrays(self, cache, query: str, limit: int) -> tuple[list[tuple], list[str]] | None:
        """(hit rows, unmatched words) from the slot's arrays, or None without them. Arrays that
        cannot be read (damaged files) are dropped: the slot is scored by DuckDB, with the same
        results."""
        if self._arrays is None:
            return None
        try:
            top, unmatched = self._arrays.ranked(query, limit)
            rows = self._arrays.hit_rows(top)
        except (ValueError, IndexError, KeyError, OSError):
            self._arrays.close()
            self._arrays = None
            return None
        if rows is None:  # a hit without its record: its fields from the slot
            rows = search.hit_rows(cache, top, CACHE_TABLES)
        return rows, unmatched

    def _warehouse_con(self) -> duckdb.DuckDBPyConnection:
        if self._warehouse is None:
            if self._open_warehouse is None:
                from pipelines.core.store import warehouse

                self._warehouse = warehouse.connect(self.location, read_only=True)
            else:
                self._warehouse = self._open_warehouse()
        return self._warehouse

    def _cache_at(self, latest: tuple[int, str]) -> duckdb.DuckDBPyConnection | None:
        if self._slot is not None and self._slot[1] == latest:
            return self._slot[2]
        self._close_slot()
        pointer = _pointer(self.location)
        slots = [pointer.get("slot")] + [s for s in SLOTS if s != pointer.get("slot")]
        for slot in slots:
            path = slot_path(self.location, slot) if slot in SLOTS else None
            if path is None or not path.exists():
                continue
            try:
                con = duckdb.connect(str(path), read_only=True)
            except duckdb.Error:
                continue  # being written: the other slot, or the warehouse
            try:
                info = dict(con.execute("SELECT key, value FROM cache_info").fetchall())
            except duckdb.Error:
                con.close()
                continue
            if (int(info.get("snapshot", -1)), info.get("time")) == latest:
                self._slot = (slot, latest, con)
                self._arrays = _open_arrays(search_arrays.directory_for(path), latest)
                return con
            con.close()
        return None

    def _close_slot(self) -> None:
        if self._arrays is not None:
            self._arrays.close()
            self._arrays = None
        if self._slot is not None:
            with contextlib.suppress(duckdb.Error):
                self._slot[2].close()
            self._slot = None

    def close(self) -> None:
        self._close_slot()
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _open_arrays(directory: Path, snapshot: tuple[int, str]) -> search_arrays.ArrayIndex | None:
    """The slot's arrays when they hold ``snapshot`` (the slot's, read while the slot is open, so
    no writer is changing them), else None: the slot is then scored by DuckDB."""
    manifest = search_arrays.read_manifest(directory)
    if manifest is None or (manifest.get("snapshot"), manifest.get("time")) != tuple(snapshot):
        return None
    try:
        return search_arrays.ArrayIndex(directory)
    except (OSError, ValueError, KeyError):
        return None
