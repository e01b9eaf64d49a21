"""The search cache follows the warehouse load by load from the change feed alone: a slot brought
up to date holds what the warehouse holds, and bringing it up to date after a load of new
articles reads neither the warehouse's earlier rows nor the slot's own."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil

import duckdb

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import search, search_cache
from pipelines.core.store import warehouse as wh
from tests.helpers.profiled import Profiled

WORDS = ("thư viện tỉnh huyện xã sách báo đọc giả hội nghị tổng kết phong trào thiếu nhi học sinh giáo viên "
         "Quảng Ninh Đồng Tháp Hoà Bình Thái Bình Đà Nẵng Hà Nội ngày tháng năm khai trương luân chuyển").split()
BASE = ("Buổi giao lưu đọc sách tại thư viện xã Quỳnh Lưu thu hút hơn hai trăm em học sinh cùng thầy cô giáo "
        "tham gia các trò chơi và kể chuyện theo sách trong suốt buổi sáng chủ nhật vừa qua.")


def text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 40)))


def item(key: str, body: str, path: str | None = None, title: str = "Tin") -> wh.LoadItem:
    path = path or f"/raw/{key}.txt"
    extraction = Extraction(key, "text/plain", "ok", pages=[Page(1, "text", body)],
                            articles=[Article(1, title, body, 1, 1, dt.date(2020, 1, 2), location="Hà Nội")])
    return wh.LoadItem(extraction, path, 1, [wh.FileRow(path, key, 1, None)])


def slot_rows(location) -> dict:
    """What the slot readers are pointed at holds, as the warehouse would say it."""
    pointer = json.loads((location.search_dir / search_cache.POINTER).read_text())
    with duckdb.connect(str(search_cache.slot_path(location, pointer["slot"])), read_only=True) as cache:
        return {
            "postings": sorted(cache.execute("SELECT idx, term, doc, tf, len FROM postings").fetchall()),
            "df": sorted(cache.execute("SELECT idx, term, sum(df) FROM df GROUP BY ALL HAVING sum(df) <> 0").fetchall()),
            "stats": sorted(cache.execute("SELECT idx, sum(docs), sum(total_len) FROM stats GROUP BY idx").fetchall()),
            "hits": sorted(cache.execute("SELECT * FROM hits").fetchall()),
        }


def warehouse_rows(con) -> dict:
    return {
        "postings": sorted(con.execute("SELECT idx, term, doc, tf, len FROM search_postings").fetchall()),
        "df": sorted(con.execute("SELECT idx, term, sum(df) FROM search_df GROUP BY ALL HAVING sum(df) <> 0").fetchall()),
        "stats": sorted(con.execute("SELECT idx, sum(docs), sum(total_len) FROM search_stats GROUP BY idx").fetchall()),
        "hits": sorted(con.execute(search_cache._HITS.replace(f"{wh.ALIAS}.main.", "")).fetchall()),
    }


def test_a_slot_kept_up_to_date_holds_what_the_warehouse_holds(warehouse_dir):
    rng = random.Random(11)
    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    bodies = {f"d{i:02d}": text(rng) for i in range(30)}
    wh.load_batch(con, [item(k, b) for k, b in bodies.items()], pipeline_version="t")
    assert search_cache.refresh(con, location).state == "rebuilt"
    steps = [
        [item("n1", text(rng)), item("n2", text(rng))],  # new articles
        [item("d03", text(rng)), item("d04", "")],  # read again with other text, one now empty
        [item("moved", text(rng), "/raw/d05.txt")],  # a file changed in place: its old document goes
        [item("first", BASE), item("copy", BASE.replace("sáng", "sang"))],  # a copy of another
        [item("first2", text(rng), "/raw/first.txt")],  # the first goes: its copy takes its place
    ]
    for n, batch in enumerate(steps):
        wh.load_batch(con, batch, pipeline_version="t")
        if n % 2 == 0:  # slots behind by one load or by several
            refreshed = search_cache.refresh(con, location)
            assert refreshed.state == "updated", refreshed.describe()
            assert slot_rows(location) == warehouse_rows(con)
    assert con.execute("SELECT duplicate_of FROM articles WHERE article_id = 'copy-1'").fetchone() == (None,)
    with wh.transaction(con):  # maintenance folds the deltas: the slot still follows
        search.compact(con)
    for key in ("n3", "n4"):  # each slot in turn crosses it
        wh.load_batch(con, [item(key, text(rng))], pipeline_version="t")
        assert search_cache.refresh(con, location).state == "updated"
        assert slot_rows(location) == warehouse_rows(con)
    with search_cache.Searcher(location) as searcher:
        for query in ("thư viện", "hoa binh", "giao lưu đọc sách", "Quảng Ninh học sinh"):
            assert [(h.article_id, h.score, h.snippet) for h in searcher.search(query)] == \
                [(h.article_id, h.score, h.snippet) for h in search.search(con, query)], query
            assert searcher.last_used == "cache"


def test_after_a_load_of_new_articles_the_refresh_reads_only_what_the_load_added(warehouse_dir):
    rng = random.Random(3)
    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    wh.load_batch(con, [item(f"d{i:02d}", text(rng)) for i in range(40)], pipeline_version="t")
    search_cache.refresh(con, location)
    assert search_cache.refresh(con, location, rebuild=True).state == "rebuilt"  # both slots at this snapshot
    earlier = {p for p in location.local_data_dir.rglob("*.parquet") if "schema_info" not in str(p)}
    wh.load_batch(con, [item("new1", text(rng)), item("new2", text(rng))], pipeline_version="t")
    # The warehouse's earlier files out of reach: reading a table whole (the articles for the
    # hits, the frequencies) would fail; the change feed reads only the load's own files.
    hidden = warehouse_dir.parent / "hidden"
    for path in earlier:
        target = hidden / path.relative_to(location.local_data_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    profiled = Profiled(con)
    refreshed = search_cache.refresh(profiled, location)
    assert refreshed.state == "updated", refreshed.describe()
    # nor the slot's own tables: new articles are appended, nothing of the slot is looked up
    profiled.stop()
    assert [s.table for s in profiled.scans if s.table.startswith(f"{search_cache.CACHE}.") and "cache_info" not in s.table] == []
    for path in earlier:
        shutil.move(hidden / path.relative_to(location.local_data_dir), path)
    assert slot_rows(location) == warehouse_rows(con)


def test_a_search_reads_its_hits_by_key_not_every_article(warehouse_dir):
    """The hits hold every article's body: a search looks up its ten by key (the slot's tables
    are sorted by doc, so a lookup reads one row group), never the whole table."""
    rng = random.Random(4)
    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    wh.load_batch(con, [item(f"d{i:02d}", text(rng)) for i in range(40)], pipeline_version="t")
    search_cache.refresh(con, location)
    with search_cache.Searcher(location) as searcher:
        searcher.search("thư viện")
        profiled = Profiled(searcher._slot[2])
        expected = [(h.article_id, h.score) for h in search.search(con, "thư viện tỉnh")]
        assert [(h.article_id, h.score) for h in search.search(profiled, "thư viện tỉnh", tables=search_cache.CACHE_TABLES)] \
            == expected
        profiled.stop()
    hits = [s for s in profiled.scans if s.table.endswith(".hits") and "body" in s.columns]
    assert len(hits) == len(expected) == 10
    assert all(s.filters.startswith("doc=") for s in hits), [s.filters for s in hits]
