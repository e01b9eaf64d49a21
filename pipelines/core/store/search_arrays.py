"""The search cache's postings as arrays: BM25 summed by numpy over memory-mapped files.

Why: at 100,000 articles a query of common words adds up 300,000–400,000 postings into ~70,000
articles. DuckDB does it as a hash aggregate over 64-bit keys after one scan per term, and
reads the terms' frequencies by checking a list against three million rows: a median of
110–320 ms a search on this shared machine, against a target p95 of 50 ms (docs/scaling.md). Here each
article has a dense number, a term's postings are two slices of a file (article numbers and
term frequencies), its frequency is their length, and the sum per article is one
``numpy.bincount``: the same BM25, the same scores (the tests compare them with the SQL's), in
10–20 ms at 100,000 articles.

Layout (``search/slot-<x>.arrays/``, beside the slot it was made from):

* ``manifest.json``: the snapshot the arrays hold (the slot's), each index's document count and
  total length, and the segments in order.
* a segment (``seg-<id>/``), written once and never changed: its articles (``docs``: their
  search keys, sorted; ``lens``: their folded and exact lengths), its terms (``keys``: a 64-bit
  hash of index and term, sorted; ``rows``: where each key's postings are), its postings
  (``starts``, ``post_doc``: article numbers within the segment, ``post_tf``), and what it
  changes in the segments before it: ``removed`` (keys of articles that left the index), and
  ``shown`` / ``hidden`` (keys of articles that became, or stopped being, hits: an article
  that duplicates another is not shown).

A cache rebuild (maintenance, or a slot that must start again) writes one segment from the slot;
each load's refresh appends one segment of the articles it changed (O(what changed)); past
``MAX_SEGMENTS`` the segments after the first are merged into one (O(what the loads since the
last rebuild changed); maintenance, which rebuilds the cache, starts again from one). An
article's number is its place among all segments' articles; one removed later stays numbered
and is masked out.

The term hash is the lower half of the MD5 of ``"<index> <term>"``, computed by DuckDB
(``md5_number_lower``) when a segment is written and by Python when a query is read. Two terms
of one segment with the same hash would be one term here: a segment is not written then (the
search keeps to DuckDB); across segments, a query term matching another term's hash would need
two terms' 64-bit hashes to meet: about 2 chances in 10^12 for a query of twelve terms at
100,000 articles (3 million terms).

Readers never wait and never see a half-written state: segments are written under temporary
names and renamed, the manifest replaced in one rename; a reader keeps the files it mapped
(removed ones included) until it closes them. A reader uses the arrays only when the manifest
holds the same snapshot as the slot it reads hits from.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from pipelines.core.store import search

MANIFEST = "manifest.json"
FORMAT = 1
# Past this many segments the ones after the first are merged (a query looks each term up in
# every segment: about 20 µs each).
MAX_SEGMENTS = 8
# Postings fetched from DuckDB at a time when a segment is written: the memory of a rebuild is
# bounded by this, not by the archive.
CHUNK_POSTINGS = 4_000_000
KEY_SQL = "md5_number_lower(CAST(idx AS VARCHAR) || ' ' || term)"


class ArraysError(RuntimeError):
    """The arrays cannot be written (the search keeps to DuckDB)."""


def term_key(idx: int, term: str) -> int:
    """The hash DuckDB's ``md5_number_lower`` gives ``"<idx> <term>"``."""
    return int.from_bytes(hashlib.md5(f"{idx} {term}".encode()).digest()[8:16], "little")


def directory_for(slot_file: Path) -> Path:
    return slot_file.with_name(slot_file.name.removesuffix(".duckdb") + ".arrays")


# --- writing ------------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict | None:
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("format") == FORMAT else None


def _write_manifest(directory: Path, manifest: dict) -> None:
    temporary = directory / f".{MANIFEST}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({**manifest, "format": FORMAT}), encoding="utf-8")
    _fsync(temporary)
    os.replace(temporary, directory / MANIFEST)
    _fsync(directory)


def _stats(con: duckdb.DuckDBPyConnection, stats_table: str) -> dict[str, list[int]]:
    rows = con.execute(f"SELECT idx, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM {stats_table} GROUP BY idx").fetchall()
    return {str(idx): [docs, total] for idx, docs, total in rows}


def rebuild(con: duckdb.DuckDBPyConnection, directory: Path, *, postings: str, hits: str, stats: str,
            snapshot: tuple[int, str]) -> None:
    """Arrays of one segment made from the tables a slot holds (``postings`` with idx, term,
    doc, tf, len; ``hits`` with HIT_COLUMNS: the articles shown), replacing whatever the
    directory held."""
    directory.mkdir(parents=True, exist_ok=True)
    name, _changes = _write_segment(con, directory, postings, shown=f"SELECT {HIT_COLUMNS} FROM {hits}")
    _write_manifest(directory, {"snapshot": snapshot[0], "time": snapshot[1], "stats": _stats(con, stats),
                                "segments": [name]})
    _remove_unlisted(directory)


def append(con: duckdb.DuckDBPyConnection, directory: Path, *, since: tuple[int, str], postings: str, removed: str,
           shown: str | None, hidden: str | None, stats_delta: str, snapshot: tuple[int, str]) -> bool:
    """A segment of what one refresh changed, after the segments of the arrays at ``since``:
    the postings of the articles it (re)added, the keys of articles it removed, and those whose
    hit status it decided (``shown``: their rows of HIT_COLUMNS; ``hidden``: their doc);
    ``stats_delta`` (idx, docs, total_len) what it changed in each
    index's size. False (nothing written) when the arrays are not at ``since``."""
    manifest = read_manifest(directory)
    if manifest is None or (manifest["snapshot"], manifest["time"]) != tuple(since):
        return False
    name, changes = _write_segment(con, directory, postings, shown=shown, hidden=hidden, removed=removed)
    segments = [*manifest["segments"], name] if changes else manifest["segments"]  # an empty one goes below
    if len(segments) > MAX_SEGMENTS:
        segments = [segments[0], _merge(directory, segments)]
    stats = {idx: list(values) for idx, values in manifest["stats"].items()}
    for idx, docs, total in con.execute(stats_delta).fetchall():
        before = stats.setdefault(str(idx), [0, 0])
        stats[str(idx)] = [before[0] + docs, before[1] + total]
    _write_manifest(directory, {"snapshot": snapshot[0], "time": snapshot[1], "stats": stats, "segments": segments})
    _remove_unlisted(directory)
    return True


def _remove_unlisted(directory: Path) -> None:
    """Segments the manifest no longer lists (a reader that mapped them keeps them until it
    closes them), and temporary files a crashed writer left."""
    manifest = read_manifest(directory) or {"segments": []}
    keep = set(manifest["segments"])
    for path in directory.iterdir():
        if path.name == MANIFEST or path.name in keep:
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _keys_of(con, sql: str | None) -> np.ndarray:
    if not sql:
        return np.zeros(0, np.int64)
    return np.sort(con.execute(f"SELECT DISTINCT doc FROM ({sql})").fetchnumpy()["doc"].astype(np.int64))


@contextlib.contextmanager
def _new_segment(directory: Path):
    """(a folder to write a new segment in, the segment's name): the folder is put in place
    under that name once written (_install), removed if the writing fails."""
    name = f"seg-{uuid.uuid4().hex}"
    work = directory / f".{name}.tmp"
    work.mkdir()
    try:
        yield work, name
        _install(work, directory / name)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _write_segment(con, directory: Path, postings: str, *, shown: str | None = None, hidden: str | None = None,
                   removed: str | None = None) -> tuple[str, bool]:
    """A segment from SQL: (its name, whether it changes anything: articles, removals or hit
    decisions)."""
    with _new_segment(directory) as (work, name):
        docs = con.execute(f"""
            SELECT doc, coalesce(any_value(len) FILTER (WHERE idx = 0), 0)::INTEGER AS lf,
                   coalesce(any_value(len) FILTER (WHERE idx = 1), 0)::INTEGER AS le
            FROM ({postings}) GROUP BY doc ORDER BY doc
        """).fetchnumpy()
        doc_keys = docs["doc"].astype(np.int64)
        np.save(work / "docs.npy", doc_keys)
        np.save(work / "lens.npy", np.stack([docs["lf"], docs["le"]], axis=1).astype(np.int32))
        terms = con.execute(f"""
            SELECT idx, term, {KEY_SQL} AS key, count(*) AS n FROM ({postings}) GROUP BY idx, term ORDER BY idx, term
        """).fetchnumpy()
        keys = terms["key"].astype(np.uint64)
        counts = terms["n"].astype(np.int64)
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        if len(sorted_keys) > 1 and bool(np.any(sorted_keys[1:] == sorted_keys[:-1])):
            raise ArraysError("two terms of the index have the same 64-bit hash")
        starts = np.zeros(len(counts) + 1, np.int64)
        np.cumsum(counts, out=starts[1:])
        np.save(work / "keys.npy", sorted_keys)
        np.save(work / "rows.npy", order.astype(np.int64))
        np.save(work / "starts.npy", starts)
        total = int(starts[-1])
        post_doc = np.lib.format.open_memmap(work / "post_doc.npy", mode="w+", dtype=np.int32, shape=(total,))
        post_tf = np.lib.format.open_memmap(work / "post_tf.npy", mode="w+", dtype=np.int32, shape=(total,))
        for first, last in _chunks(counts):
            where = _term_range(terms["idx"][first], terms["term"][first], terms["idx"][last - 1], terms["term"][last - 1])
            chunk = con.execute(f"SELECT doc, tf FROM ({postings}) WHERE {where} ORDER BY idx, term, doc").fetchnumpy()
            a, b = starts[first], starts[last]
            if len(chunk["doc"]) != b - a:
                raise ArraysError("the postings changed while they were read")
            post_doc[a:b] = np.searchsorted(doc_keys, chunk["doc"].astype(np.int64))
            post_tf[a:b] = chunk["tf"]
        post_doc.flush()
        post_tf.flush()
        del post_doc, post_tf
        removed_keys, shown_keys, hidden_keys = _keys_of(con, removed), _keys_of(con, shown), _keys_of(con, hidden)
        np.save(work / "removed.npy", removed_keys)
        np.save(work / "shown.npy", shown_keys)
        _write_records(work, _hit_records(con, shown, shown_keys))
        np.save(work / "hidden.npy", hidden_keys)
    return name, bool(len(doc_keys) or len(removed_keys) or len(shown_keys) or len(hidden_keys))


def _install(work: Path, target: Path) -> None:
    """A segment written under a temporary name put in place, its files on disk first: a
    manifest naming a segment after a power cut must not find it half written."""
    for path in work.iterdir():
        _fsync(path)
    _fsync(work)
    os.replace(work, target)
    _fsync(target.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


HIT_COLUMNS = "doc, article_id, title, published_date, location, source_path, body"
HITS_AT_ONCE = 2_000  # hit records fetched at a time when a segment is written (bodies are long)


def _hit_records(con, hits: str | None, keys: np.ndarray):
    """The hit fields of the shown articles ``keys`` (``hits``: rows of HIT_COLUMNS), as JSON
    records in the order of the keys, fetched a few thousand at a time (bodies are long)."""
    for first in range(0, len(keys), HITS_AT_ONCE):
        chunk = keys[first:first + HITS_AT_ONCE]
        rows = con.execute(f"""
            SELECT {HIT_COLUMNS} FROM ({hits}) WHERE doc BETWEEN {int(chunk[0])} AND {int(chunk[-1])} ORDER BY doc
        """).fetchall()
        if [r[0] for r in rows] != chunk.tolist():
            raise ArraysError("the hits changed while they were read")
        for _doc, article_id, title, published, location, path, body in rows:
            yield json.dumps([article_id, title, published.isoformat() if published else None, location, path, body],
                             ensure_ascii=False).encode()


def _write_records(work: Path, records) -> None:
    """Hit records one after the other in ``hits.bin``, ``hit_offsets`` where each starts: a
    search reads its ten hits from here instead of asking DuckDB."""
    offsets = [0]
    with open(work / "hits.bin", "wb") as out:
        for record in records:
            out.write(record)
            offsets.append(offsets[-1] + len(record))
    np.save(work / "hit_offsets.npy", np.array(offsets, np.int64))


def _chunks(counts: np.ndarray) -> list[tuple[int, int]]:
    """Runs of whole terms of about CHUNK_POSTINGS postings: (first term, last term + 1)."""
    out, first, size = [], 0, 0
    for i, n in enumerate(counts.tolist()):
        if size and size + n > CHUNK_POSTINGS:
            out.append((first, i))
            first, size = i, 0
        size += n
    if first < len(counts):
        out.append((first, len(counts)))
    return out


def _term_range(idx0, term0, idx1, term1) -> str:
    t0, t1 = search._literals([term0]), search._literals([term1])
    if idx0 == idx1:
        return f"idx = {int(idx0)} AND term BETWEEN {t0} AND {t1}"
    return (f"((idx = {int(idx0)} AND term >= {t0}) OR (idx > {int(idx0)} AND idx < {int(idx1)}) "
            f"OR (idx = {int(idx1)} AND term <= {t1}))")


def _merge(directory: Path, segments: list[str]) -> str:
    """The segments after the first merged into one that changes the first as they did in
    turn; read whole (they hold what the loads since the last rebuild changed)."""
    parts = [Segment(directory / name) for name in segments[1:]]
    offsets = np.cumsum([0] + [len(p.docs) for p in parts])
    all_keys = np.concatenate([p.docs for p in parts])
    alive = np.ones(len(all_keys), bool)
    removed: set[int] = set()
    decided: dict[int, bool] = {}
    records: dict[int, bytes] = {}  # the newest hit record of each key shown
    for k, part in enumerate(parts):
        for later in part.removed.tolist():
            removed.add(later)
            decided.pop(later, None)
        if len(part.removed):  # what it removes from the segments before it, among these
            for j in range(k):
                found = _positions(parts[j].docs, part.removed)
                alive[offsets[j] + found] = False
        for key in part.hidden.tolist():
            decided[key] = False
        for i, key in enumerate(part.shown.tolist()):
            decided[key] = True
            records[key] = part.record(i)
    # postings of the live articles, each under its term's key
    keys_per_posting, docs_per_posting, tfs = [], [], []
    for k, part in enumerate(parts):
        term_keys = np.empty(len(part.keys), np.uint64)
        term_keys[part.rows] = part.keys
        counts = np.diff(part.starts)
        per = np.repeat(term_keys, counts)
        doc = np.asarray(part.post_doc) + offsets[k]
        keep = alive[doc]
        keys_per_posting.append(per[keep])
        docs_per_posting.append(doc[keep])
        tfs.append(np.asarray(part.post_tf)[keep])
    per_key = np.concatenate(keys_per_posting)
    per_doc = np.concatenate(docs_per_posting)
    per_tf = np.concatenate(tfs)
    live_positions = np.flatnonzero(alive)
    by_key = np.argsort(all_keys[live_positions], kind="stable")
    new_docs = all_keys[live_positions][by_key]
    renumber = np.full(len(all_keys), -1, np.int64)
    renumber[live_positions[by_key]] = np.arange(len(new_docs))
    lens = np.concatenate([p.lens for p in parts])[live_positions][by_key]
    local = renumber[per_doc]
    order = np.lexsort((local, per_key))
    per_key, local, per_tf = per_key[order], local[order], per_tf[order]
    unique_keys, first = np.unique(per_key, return_index=True)
    starts = np.append(first, len(per_key)).astype(np.int64)
    with _new_segment(directory) as (work, name):
        np.save(work / "docs.npy", new_docs.astype(np.int64))
        np.save(work / "lens.npy", lens.astype(np.int32))
        np.save(work / "keys.npy", unique_keys.astype(np.uint64))
        np.save(work / "rows.npy", np.arange(len(unique_keys), dtype=np.int64))
        np.save(work / "starts.npy", starts)
        np.save(work / "post_doc.npy", local.astype(np.int32))
        np.save(work / "post_tf.npy", per_tf.astype(np.int32))
        np.save(work / "removed.npy", np.array(sorted(removed), np.int64))
        shown = sorted(k for k, v in decided.items() if v)
        np.save(work / "shown.npy", np.array(shown, np.int64))
        _write_records(work, (records[key] for key in shown))
        np.save(work / "hidden.npy", np.array(sorted(k for k, v in decided.items() if not v), np.int64))
    for part in parts:
        part.close()
    return name


def _positions(sorted_keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Positions in ``sorted_keys`` of those of ``wanted`` it holds."""
    if not len(sorted_keys) or not len(wanted):
        return np.zeros(0, np.int64)
    at = np.searchsorted(sorted_keys, wanted)
    inside = at < len(sorted_keys)
    at = at[inside]
    return at[sorted_keys[at] == wanted[inside]]


def copy(source: Path, target: Path) -> None:
    """The arrays of ``source`` made those of ``target`` too (after a rebuild, for the other
    slot): the segments linked (they never change), then the manifest; a reader of the target's
    old arrays keeps the files it mapped."""
    manifest = read_manifest(source)
    if manifest is None:
        return
    target.mkdir(parents=True, exist_ok=True)
    for name in manifest["segments"]:
        if not (target / name).exists():
            work = target / f".{name}.tmp"
            shutil.rmtree(work, ignore_errors=True)
            try:
                shutil.copytree(source / name, work, copy_function=os.link)
            except OSError:
                shutil.rmtree(work, ignore_errors=True)
                shutil.copytree(source / name, work)
            _install(work, target / name)
    _write_manifest(target, manifest)
    _remove_unlisted(target)


def remove(directory: Path) -> None:
    """No arrays (readers holding them keep what they mapped): the search keeps to DuckDB."""
    with contextlib.suppress(OSError):
        (directory / MANIFEST).unlink()
    shutil.rmtree(directory, ignore_errors=True)


# --- reading ------------------------------------------------------------------------------------


class Segment:
    def __init__(self, path: Path) -> None:
        def load(name: str, mmap: bool = True) -> np.ndarray:
            array = np.load(path / f"{name}.npy", mmap_mode="r" if mmap else None)
            self._mapped.append(array) if mmap else None
            return array.view(np.ndarray)  # the same pages, without np.memmap's bookkeeping per slice

        self._mapped: list = []

        self.docs = load("docs", False)
        self.lens = load("lens", False)
        self.keys = load("keys")
        self.rows = load("rows")
        self.starts = load("starts")
        self.post_doc = load("post_doc")
        self.post_tf = load("post_tf")
        self.removed = load("removed", False)
        self.shown = load("shown", False)
        self.hidden = load("hidden", False)
        self.hit_offsets = load("hit_offsets", False)
        self._hits = b"" if not self.hit_offsets[-1] else None  # mapped when first read (an empty file cannot be)
        self._hits_path = path / "hits.bin"
        if len(self.hit_offsets) != len(self.shown) + 1:
            raise ValueError(f"{path}: hit records do not match the keys shown")

    def record(self, i: int) -> bytes:
        """The i-th shown article's hit record (JSON)."""
        if self._hits is None:
            import mmap

            with open(self._hits_path, "rb") as blob:
                self._hits = mmap.mmap(blob.fileno(), 0, access=mmap.ACCESS_READ)
        return bytes(self._hits[self.hit_offsets[i]:self.hit_offsets[i + 1]])

    def hit(self, key: int) -> bytes | None:
        at = _positions(self.shown, np.array([key], np.int64))
        return self.record(int(at[0])) if len(at) else None

    def find(self, key: int) -> tuple[int, int] | None:
        keys = self.keys
        at = int(np.searchsorted(keys, np.uint64(key)))
        if at >= len(keys) or int(keys[at]) != key:
            return None
        row = int(self.rows[at])
        return int(self.starts[row]), int(self.starts[row + 1])

    def close(self) -> None:
        for name in ("keys", "rows", "starts", "post_doc", "post_tf"):
            setattr(self, name, None)
        hits, self._hits = self._hits, None
        if hasattr(hits, "close"):
            hits.close()
        for array in self._mapped:
            mapped = getattr(array, "_mmap", None)
            if mapped is not None:
                with contextlib.suppress(Exception):  # BufferError while a view is still held: the GC unmaps it
                    mapped.close()
        self._mapped = []


@dataclass
class _Part:
    segment: Segment
    offset: int
    whole: bool  # none of its articles was removed later


class ArrayIndex:
    """The arrays at one snapshot, open for queries (close() when done)."""

    def __init__(self, directory: Path) -> None:
        manifest = read_manifest(directory)
        if manifest is None:
            raise FileNotFoundError(f"no search arrays in {directory}")
        self.snapshot = (manifest["snapshot"], manifest["time"])
        self.stats = {int(idx): (docs, total) for idx, (docs, total) in manifest["stats"].items()}
        segments = [Segment(directory / name) for name in manifest["segments"]]
        offsets = np.cumsum([0] + [len(s.docs) for s in segments])
        self.keys = np.concatenate([s.docs for s in segments]) if segments else np.zeros(0, np.int64)
        self.lens = np.concatenate([s.lens for s in segments]) if segments else np.zeros((0, 2), np.int32)
        self.alive = np.ones(len(self.keys), bool)
        self.shown = np.zeros(len(self.keys), bool)
        for k, segment in enumerate(segments):
            for j in range(k):
                self.alive[offsets[j] + _positions(segments[j].docs, segment.removed)] = False
            for keys, value in ((segment.hidden, False), (segment.shown, True)):
                for j in range(k + 1):
                    at = offsets[j] + _positions(segments[j].docs, keys)
                    self.shown[at[self.alive[at]]] = value
        self.shown &= self.alive
        self._lengths = (np.ascontiguousarray(self.lens[:, 0], np.float64), np.ascontiguousarray(self.lens[:, 1], np.float64))
        self._norms: dict[int, np.ndarray] = {}
        self._parts = [_Part(s, int(offsets[k]), bool(self.alive[offsets[k]:offsets[k + 1]].all()))
                       for k, s in enumerate(segments)]

    def _norm(self, idx: int) -> np.ndarray:
        """Each article's length term of BM25 in an index, ``k1 · (1 - b + b · len / avgdl)``,
        computed as the SQL computes it (a pair index's length is the token count less one):
        the same for every query of the snapshot, so made once."""
        norm = self._norms.get(idx)
        if norm is None:
            docs_n, total = self.stats[idx]
            length = self._lengths[idx % 2] - (1.0 if idx >= search.FOLDED_PAIRS else 0.0)
            norm = self._norms[idx] = search.K1 * ((1 - search.B) + search.B * length / (total / docs_n))
        return norm

    def close(self) -> None:
        for part in self._parts:
            part.segment.close()
        self._parts = []

    def postings(self, idx: int, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The live postings of a term: article numbers and term frequencies."""
        key = term_key(idx, term)
        docs, tfs = [], []
        for part in self._parts:
            found = part.segment.find(key)
            if found is None:
                continue
            a, b = found
            doc = part.segment.post_doc[a:b] + part.offset
            tf = part.segment.post_tf[a:b]
            if not part.whole:
                keep = self.alive[doc]
                doc, tf = doc[keep], tf[keep]
            docs.append(doc)
            tfs.append(tf)
        if not docs:
            return np.zeros(0, np.int64), np.zeros(0, np.int32)
        if len(docs) == 1:
            return docs[0], tfs[0]
        return np.concatenate(docs), np.concatenate(tfs)

    def hit_rows(self, top: list[tuple[int, float]]) -> list[tuple] | None:
        """``search.hit_rows`` for the ranked (doc, score) pairs, from the segments' hit records
        (the newest holding each), ordered as the SQL orders them; None when one is missing."""
        import datetime as dt

        rows = []
        for doc, score in top:
            record = next((r for r in (part.segment.hit(doc) for part in reversed(self._parts)) if r is not None), None)
            if record is None:
                return None
            article_id, title, published, location, path, body = json.loads(record)
            rows.append((article_id, score, title, dt.date.fromisoformat(published) if published else None, location,
                         path, body))
        rows.sort(key=lambda row: (-row[1], row[0]))
        return rows

    def ranked(self, query: str, limit: int, *, pairs: bool = True, unique: bool = True
               ) -> tuple[list[tuple[int, float]], list[str]]:
        """(doc, score) of the best ``limit`` articles and the query's unmatched words, as
        ``search._ranked`` computes them in SQL (same weights, same sums, same order)."""
        terms = search.query_terms(query)
        if not terms.folded:
            return [], []
        n = len(self.keys)
        found = {}
        for idx, term in sorted(terms.wanted(pairs)):
            docs, tfs = self.postings(idx, term)
            if len(docs) and self.stats.get(idx, (0, 0))[0]:
                found[(idx, term)] = (docs, tfs)
        unmatched = search.unmatched_words(query, {t for idx, t in found if idx == search.FOLDED})
        if not any(idx == search.FOLDED for idx, _term in found):
            return [], unmatched
        # One sum per index over its terms' postings in (index, term) order: each article's
        # weights are added in the order the SQL adds them, so the sums are the same to the bit.
        sums = {}
        for idx in sorted({idx for idx, _term in found}):
            docs_n, _total = self.stats[idx]
            norm = self._norm(idx)
            docs_of, weights = [], []
            for (term_idx, _term), (docs, tfs) in found.items():
                if term_idx != idx:
                    continue
                df = len(docs)
                idf = math.log((docs_n - df + 0.5) / (df + 0.5) + 1)
                tf = tfs.astype(np.float64)
                weights.append((idf * tf * (search.K1 + 1) / (tf + norm[docs])).astype(np.float32))
                docs_of.append(docs)
            sums[idx] = np.bincount(np.concatenate(docs_of), weights=np.concatenate(weights), minlength=n)
        matched = sums[search.FOLDED] > 0  # every weight is above zero: idf > 0, tf ≥ 1
        zero = np.zeros(n)
        score = sums[search.FOLDED] + search.EXACT_WEIGHT * sums.get(search.EXACT, zero)
        if pairs:
            score = score + search.PAIR_WEIGHT * (sums.get(search.FOLDED_PAIRS, zero)
                                                  + search.EXACT_WEIGHT * sums.get(search.EXACT_PAIRS, zero))
        wanted = matched & (self.shown if unique else self.alive)
        candidates = np.flatnonzero(wanted)
        values = score[candidates]
        if len(candidates) > limit > 0:
            floor = np.partition(values, len(values) - limit)[len(values) - limit]
            keep = values >= floor  # ties at the floor kept: the key decides among them
            candidates, values = candidates[keep], values[keep]
        order = np.lexsort((self.keys[candidates], -values))[:limit]
        return [(int(self.keys[c]), float(v)) for c, v in zip(candidates[order], values[order])], unmatched
