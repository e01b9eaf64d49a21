"""The search cache's arrays score as the SQL does, load after load: new articles, articles read
again with other text or none, files changed in place, copies of other articles (not shown), the
first of a pair of copies going, segments merged. Every search is compared with the warehouse's
own SQL search: the same articles, the same order, the same scores to the last bit."""

from __future__ import annotations

import random

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.store import search, search_arrays, search_cache
from pipelines.core.store import warehouse as wh
from pipelines.core.text.tones import fold
from tests.store.test_search_cache import BASE, item, text

QUERIES = ("thư viện", "hoa binh", "Hoà Bình", "giao lưu đọc sách", "Quảng Ninh học sinh", "tổng kết phong trào",
           "sách báo", "zzz", "thu zzz", "đà nẵng hà nội", "ngày tháng năm", "em học sinh cùng thầy cô")


def same_as_sql(con, location, queries=QUERIES, scored_by="arrays"):
    with search_cache.Searcher(location) as searcher:
        for query in queries:
            for limit in (3, 1000):
                got = searcher.search(query, limit=limit)
                want = search.search(con, query, limit=limit)
                assert (searcher.last_used, searcher.scored_by) == ("cache", scored_by), query
                assert got == want, (query, limit)  # every field of every hit: id, score, title, date, place, path, snippet
                assert got.unmatched == want.unmatched


def loaded(warehouse_dir, seed: int, articles: int = 10):
    """A warehouse of ``articles`` articles, its search cache refreshed: (rng, location, con)."""
    rng = random.Random(seed)
    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    wh.load_batch(con, [item(f"d{i:02d}", text(rng)) for i in range(articles)], pipeline_version="t")
    state = search_cache.refresh(con, location).state
    assert state == "rebuilt", state
    return rng, location, con


def arrays_of(location) -> search_arrays.ArrayIndex:
    pointer = search_cache._pointer(location)
    return search_arrays.ArrayIndex(search_arrays.directory_for(search_cache.slot_path(location, pointer["slot"])))


def test_the_arrays_score_as_the_sql_through_loads_replacements_copies_and_merges(warehouse_dir, monkeypatch):
    monkeypatch.setattr(search_arrays, "MAX_SEGMENTS", 3)  # merged every few loads
    rng, location, con = loaded(warehouse_dir, 17, 30)
    same_as_sql(con, location)
    steps = [
        [item("n1", text(rng)), item("n2", text(rng))],  # new articles
        [item("d03", text(rng)), item("d04", "")],  # read again with other text, one now empty
        [item("moved", text(rng), "/raw/d05.txt")],  # a file changed in place: its old document goes
        [item("first", BASE), item("copy", BASE.replace("sáng", "sang"))],  # a copy of another: not shown
        [item("first2", text(rng), "/raw/first.txt")],  # the first goes: its copy is shown now
        [item(f"m{i}", text(rng)) for i in range(5)],
        [item("d03", text(rng)), item("d07", text(rng))],  # read again once more
        [item("n1", BASE)],
    ]
    for n, batch in enumerate(steps):
        wh.load_batch(con, batch, pipeline_version="t")
        if n % 3 != 1:  # slots behind by one load or by several
            assert search_cache.refresh(con, location).state == "updated"
            same_as_sql(con, location)
    assert search_cache.refresh(con, location).state == "updated"
    index = arrays_of(location)
    try:
        assert len(index._parts) <= 3
        hits = {r[0] for r in con.execute(search_cache._HITS.replace(f"{wh.ALIAS}.main.", "")).fetchall()}
        with_terms = {d for (d,) in con.execute("SELECT DISTINCT doc FROM search_postings").fetchall()}
        assert set(index.keys[index.shown].tolist()) == hits & with_terms
    finally:
        index.close()
    with wh.transaction(con):  # maintenance folds the deltas; a rebuild starts one segment again
        search.compact(con)
    assert search_cache.refresh(con, location, rebuild=True).state == "rebuilt"
    same_as_sql(con, location)
    index = arrays_of(location)
    try:
        assert len(index._parts) == 1
    finally:
        index.close()


def test_without_ranking_pairs_or_dropping_copies_too(warehouse_dir):
    rng = random.Random(2)
    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    wh.load_batch(con, [item(f"d{i:02d}", text(rng)) for i in range(20)] + [item("first", BASE), item("copy", BASE)],
                  pipeline_version="t")
    search_cache.refresh(con, location)
    index = arrays_of(location)
    try:
        for query in QUERIES:
            for pairs in (True, False):
                for unique in (True, False):
                    want = search._ranked(con, query, 50, search.WAREHOUSE_TABLES, pairs, unique)
                    top, unmatched = index.ranked(query, 50, pairs=pairs, unique=unique)
                    got = search.hit_rows(con, top)
                    assert [(r[0], r[1]) for r in got] == [(r[0], r[1]) for r in want[0]], (query, pairs, unique)
                    if unique:  # the hits' fields from the arrays' own records
                        assert index.hit_rows(top) == [tuple(r) for r in got]
                    assert unmatched == want[1]
    finally:
        index.close()


def test_terms_whose_hashes_meet_leave_the_search_to_duckdb(warehouse_dir, monkeypatch):
    monkeypatch.setattr(search_arrays, "KEY_SQL", "(length(term) % 3)::UBIGINT")  # three keys for every term
    _rng, location, con = loaded(warehouse_dir, 5, 10)
    assert search_arrays.read_manifest(search_arrays.directory_for(search_cache.slot_path(location, "a"))) is None
    same_as_sql(con, location, QUERIES[:4], scored_by="duckdb")


def test_arrays_behind_their_slot_are_not_used_and_a_rebuild_makes_them_again(warehouse_dir):
    rng, location, con = loaded(warehouse_dir, 8, 10)
    for slot in search_cache.SLOTS:  # as after an upgrade: slots without arrays
        search_arrays.remove(search_arrays.directory_for(search_cache.slot_path(location, slot)))
    wh.load_batch(con, [item("n1", text(rng))], pipeline_version="t")
    assert search_cache.refresh(con, location).state == "updated"  # a load does not rebuild them (O(archive))
    same_as_sql(con, location, QUERIES[:4], scored_by="duckdb")
    assert search_cache.refresh(con, location, rebuild=True).state == "rebuilt"  # maintenance does
    same_as_sql(con, location, QUERIES[:4])
    wh.load_batch(con, [item("n2", text(rng))], pipeline_version="t")
    assert search_cache.refresh(con, location).state == "updated"  # the other slot, copied at the rebuild
    same_as_sql(con, location, QUERIES[:4])


def test_a_reader_keeps_its_arrays_while_a_load_merges_and_removes_them(warehouse_dir, monkeypatch):
    monkeypatch.setattr(search_arrays, "MAX_SEGMENTS", 2)
    rng, location, con = loaded(warehouse_dir, 9, 10)
    held = arrays_of(location)
    try:
        before = held.ranked("thư viện", 5)
        for n in range(4):  # every slot's segments merged and the old ones deleted meanwhile
            wh.load_batch(con, [item(f"n{n}", text(rng)), item(f"d0{n}", text(rng))], pipeline_version="t")
            search_cache.refresh(con, location)
        assert held.ranked("thư viện", 5) == before
    finally:
        held.close()
    same_as_sql(con, location, QUERIES[:4])


def test_damaged_arrays_leave_the_search_to_duckdb(warehouse_dir):
    _rng, location, con = loaded(warehouse_dir, 6, 10)
    directory = search_arrays.directory_for(search_cache.slot_path(location, search_cache._pointer(location)["slot"]))
    postings = next(directory.glob("seg-*/post_doc.npy"))
    postings.write_bytes(postings.read_bytes()[:-8])  # cut short, as a disk error would leave it
    same_as_sql(con, location, QUERIES[:4], scored_by="duckdb")
    assert search_cache.refresh(con, location, rebuild=True).state == "rebuilt"
    same_as_sql(con, location, QUERIES[:1])
    for records in directory.parent.glob("slot-*.arrays/seg-*/hits.bin"):  # records garbled, offsets intact
        records.write_bytes(b"\xff" * records.stat().st_size)
    same_as_sql(con, location, QUERIES[:4], scored_by="duckdb")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3), st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ", min_size=1, max_size=40))
def test_the_term_hash_is_duckdbs(idx, term):
    with duckdb.connect() as db:
        expected = db.execute(f"SELECT {search_arrays.KEY_SQL} FROM (SELECT ?::TINYINT AS idx, ? AS term)",
                              [idx, term]).fetchone()[0]
    assert search_arrays.term_key(idx, term) == expected


def test_unfolded_queries_too(warehouse_dir):
    _rng, location, con = loaded(warehouse_dir, 12, 25)
    same_as_sql(con, location, [fold(q) for q in QUERIES])
