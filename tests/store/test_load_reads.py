"""What a load of new documents reads of the warehouse, whatever its size: key columns to find
what it replaces and copies, never an earlier article's text. Reading a table's text whole made
a load's memory grow with the archive (bench/growth.py)."""

from __future__ import annotations

import datetime as dt
import random

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import search_cache
from pipelines.core.store import warehouse as wh
from tests.helpers.profiled import Profiled

WORDS = ("thư viện tỉnh huyện xã sách báo bạn đọc hội nghị tổng kết phong trào thiếu nhi học sinh giáo viên "
         "Quảng Ninh Đồng Tháp Hoà Bình Đà Nẵng Hà Nội ngày tháng năm khai trương luân chuyển số hoá").split()
# The columns holding text, long or many: what a load must not read of earlier rows.
TEXT = {"body", "text", "original_text", "folded", "exact", "term"}


def item(key: str, body: str) -> wh.LoadItem:
    extraction = Extraction(key, "text/plain", "ok", pages=[Page(1, "text", body)],
                            articles=[Article(1, "Tin", body, 1, 1, dt.date(2021, 4, 5), location="Hà Nội")])
    return wh.LoadItem(extraction, f"/raw/{key}.txt", 1, [wh.FileRow(f"/raw/{key}.txt", key, 1, None)])


def test_a_load_of_new_documents_and_the_cache_refresh_read_no_earlier_text(warehouse_dir):
    rng = random.Random(8)

    def body():
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))

    location = wh.location_of(warehouse_dir)
    con = wh.connect(location)
    wh.load_batch(con, [item(f"d{i:02d}", body()) for i in range(30)], pipeline_version="t")
    search_cache.refresh(con, location)
    search_cache.refresh(con, location, rebuild=True)
    earlier = {str(p) for p in location.local_data_dir.rglob("*.parquet")}
    profiled = Profiled(con)
    result = wh.load_batch(profiled, [item("new1", body()), item("new2", body())], pipeline_version="t")
    assert result.documents == 2 and result.replaced == 0
    assert search_cache.refresh(profiled, location).state == "updated"
    profiled.stop()
    read = [(s.table, sorted(s.columns & TEXT)) for s in profiled.scans if s.files & earlier and s.columns & TEXT]
    assert read == []
    assert any(s.files & earlier for s in profiled.scans)  # earlier files are read (keys), and seen here


def test_the_checks_after_a_load_read_no_article_text(warehouse_dir):
    """The checks run after every load: the copies check reads the loader's links, not the bodies."""
    from pipelines.defs import checks

    con = wh.connect(warehouse_dir)
    text = "Ngày 5/3/2015, tại Hà Nội, hội thảo về thư viện số đã diễn ra với nhiều đại biểu các tỉnh phía Bắc. " * 3
    wh.load_batch(con, [item("first", text), item("other", " ".join(WORDS))], pipeline_version="t")
    wh.load_batch(con, [item("copy", text.replace("đại biểu", "đại biêu"))], pipeline_version="t")  # a misread letter
    profiled = Profiled(con)
    assert checks.duplicate_articles(profiled) == [{"title": "Tin", "files": ["copy.txt", "first.txt"]}]
    checks.completeness(profiled)
    profiled.stop()
    assert [s.table for s in profiled.scans if s.columns & TEXT] == []
