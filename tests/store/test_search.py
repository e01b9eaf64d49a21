"""Search with or without diacritics: folding on both sides, exact matches ranked first."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.core.store import search
from pipelines.core.store import warehouse as wh
from pipelines.core.models import Article, Extraction, Page

ARTICLES = {
    "quang-ninh": ("Thư viện tỉnh Quảng Ninh khai trương phòng đọc", "Ngày 5/3/2015, tại Thư viện tỉnh Quảng Ninh, phòng đọc thiếu nhi đã khai trương."),
    "dong-thap": ("Đồng Tháp tổ chức ngày sách", "Thư viện tỉnh Đồng Tháp tổ chức ngày hội đọc sách cho học sinh."),
    "hoa-binh-old": ("Thư viện Hoà Bình", "Thư viện tỉnh Hoà Bình nhận sách tặng."),  # new-style tone placement
    "quang-no-marks": ("Tin vắn", "Dai bieu tham quan thu vien Quang Ninh."),  # typed without diacritics
    "quang-other": ("Hội thảo", "Hội thảo về quảng bá dịch vụ thư viện tại Hà Nội."),  # 'quảng' as a common word
}


@pytest.fixture
def con(warehouse_file):
    con = wh.connect(warehouse_file)
    for key, (title, body) in ARTICLES.items():
        extraction = Extraction(key, "text/plain", "ok", pages=[Page(1, "text", body)],
                                articles=[Article(1, title, body, 1, 1, dt.date(2015, 3, 5))])
        wh.load_document(con, extraction, source_path=f"/raw/{key}.txt", byte_size=1, pipeline_version="t")
    wh.refresh_search(con)
    return con


def found(con, query):
    return [hit.article_id.rsplit("-", 1)[0] for hit in search.search(con, query)]


def test_folding_finds_with_and_without_diacritics(con):
    assert "quang-ninh" in found(con, "thu vien quang ninh")
    assert "quang-ninh" in found(con, "Thư viện Quảng Ninh")
    assert "quang-no-marks" in found(con, "Quảng Ninh")  # text typed without diacritics


def test_d_with_stroke_folds_to_d(con):
    assert found(con, "dong thap")[0] == "dong-thap"
    assert found(con, "Đồng Tháp")[0] == "dong-thap"


def test_both_tone_placements_match(con):
    assert found(con, "hòa bình")[0] == "hoa-binh-old"  # query old style, text new style
    assert found(con, "hoà bình")[0] == "hoa-binh-old"
    assert search.telex("hoà") == search.telex("hòa") == "hoaf"


def test_a_query_with_diacritics_ranks_the_exact_match_first(con):
    assert found(con, "Quảng Ninh")[0] == "quang-ninh"
    # without diacritics the query cannot prefer one spelling: both are found
    assert {"quang-ninh", "quang-no-marks"} <= set(found(con, "quang ninh"))


def test_hits_carry_snippet_date_and_file(con):
    (hit, *_) = search.search(con, "phòng đọc thiếu nhi")
    assert hit.title == "Thư viện tỉnh Quảng Ninh khai trương phòng đọc"
    assert "phòng đọc thiếu nhi" in hit.snippet
    assert hit.published_date == dt.date(2015, 3, 5) and hit.source_path == "/raw/quang-ninh.txt"


def test_the_index_follows_replaced_documents(con):
    extraction = Extraction("dong-thap", "text/plain", "ok", pages=[Page(1, "text", "x")],
                            articles=[Article(1, "Tin mới", "Nội dung khác hẳn.", 1, 1)])
    wh.load_document(con, extraction, source_path="/raw/dong-thap.txt", byte_size=1, pipeline_version="t")
    wh.refresh_search(con)
    assert "dong-thap" not in found(con, "dong thap")
    assert found(con, "noi dung khac")[0] == "dong-thap"


def test_telex_spells_every_mark():
    assert search.telex("Thư viện tỉnh Quảng Ninh, đọc") == "thuw vieenj tinhr quangr ninh ddocj"
    assert search.has_diacritics("Hà Nội") and not search.has_diacritics("Ha Noi")
