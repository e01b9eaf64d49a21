"""Search with or without diacritics: folding on both sides, exact matches ranked first; the
incremental index ranks exactly as the full-text-search extension's index did."""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import search
from pipelines.core.store import warehouse as wh
from pipelines.core.text.tones import canonical_tones, fold
from tests.helpers import fts_reference

ARTICLES = {
    "quang-ninh": ("Thư viện tỉnh Quảng Ninh khai trương phòng đọc", "Ngày 5/3/2015, tại Thư viện tỉnh Quảng Ninh, phòng đọc thiếu nhi đã khai trương."),
    "dong-thap": ("Đồng Tháp tổ chức ngày sách", "Thư viện tỉnh Đồng Tháp tổ chức ngày hội đọc sách cho học sinh."),
    "hoa-binh-old": ("Thư viện Hoà Bình", "Thư viện tỉnh Hoà Bình nhận sách tặng."),  # new-style tone placement
    "quang-no-marks": ("Tin vắn", "Dai bieu tham quan thu vien Quang Ninh."),  # typed without diacritics
    "quang-other": ("Hội thảo", "Hội thảo về quảng bá dịch vụ thư viện tại Hà Nội."),  # 'quảng' as a common word
}


def extraction(key: str, title: str, body: str) -> Extraction:
    return Extraction(key, "text/plain", "ok", pages=[Page(1, "text", body)],
                      articles=[Article(1, title, body, 1, 1, dt.date(2015, 3, 5))])


@pytest.fixture
def con(warehouse_dir):
    con = wh.connect(warehouse_dir)
    for key, (title, body) in ARTICLES.items():
        wh.load_document(con, extraction(key, title, body), source_path=f"/raw/{key}.txt", byte_size=1, pipeline_version="t")
    yield con
    con.close()


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
    assert "dong-thap" not in found(con, "dong thap")
    assert found(con, "noi dung khac")[0] == "dong-thap"


def test_telex_spells_every_mark():
    assert search.telex("Thư viện tỉnh Quảng Ninh, đọc") == "thuw vieenj tinhr quangr ninh ddocj"
    assert search.has_diacritics("Hà Nội") and not search.has_diacritics("Ha Noi")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["hoà", "hòa", "thuỷ", "thủy", "Quảng", "QUẢNG", "uỷ", "ủy", "khuya", "giữa", "quý",
                                 "qu\u0301a", "hoa\u0300", "ươ", "ưở", "đọc", "Đ", " ", ", ", "\n", "a\u0301\u0300",
                                 "x", "12", "ñ", "ǅ"]), max_size=20).map("".join))
def test_telex_reads_a_tone_mark_wherever_it_sits(text):
    """The index reads a word's tone wherever its mark is placed: the same tokens as the text
    with every tone mark moved to one place, in either style."""
    assert search.telex(text) == search.telex(canonical_tones(text, "old")) == search.telex(canonical_tones(text, "new"))


QUERIES = ["thu vien quang ninh", "Thư viện Quảng Ninh", "Quảng Ninh", "quang ninh", "Đồng Tháp", "dong thap",
           "hòa bình", "hoà bình", "hoa binh", "phòng đọc thiếu nhi", "thư viện thư viện", "zzzz", "thu zzzz",
           "Quảng", "quảng bá", "hội thảo", "sách", "Hà Nội", "ngày", "đọc sách cho học sinh", "tin vắn"]


def ranking(con, query):
    """The ranking by words alone, every article (no pair boost, copies kept): what the
    extension's index computed."""
    return [(h.article_id, h.score) for h in search.search(con, query, limit=1000, pairs=False, unique=False)]


def test_the_ranking_and_scores_equal_the_previous_full_text_index(con, warehouse_dir):
    reference = fts_reference.reference_database(wh.location_of(warehouse_dir))
    for query in QUERIES:
        expected = fts_reference.reference_search(reference, query, limit=1000)
        assert ranking(con, query) == expected, query  # same articles, same order, bit-identical scores


def corpus(rng: random.Random, n: int) -> dict[str, tuple[str, str]]:
    """Articles of Vietnamese words from the seed bulletin, frequent words more often."""
    seed = (Path(__file__).parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    words = re.findall(r"\w+", seed)
    out = {}
    for i in range(n):
        body = " ".join(rng.choice(words) for _ in range(rng.randint(0 if i == 0 else 5, 60)))  # one empty article
        out[f"doc{i:03d}"] = (" ".join(rng.choice(words) for _ in range(3)).capitalize(), body)
    return out


def test_the_index_stays_equal_to_a_rebuild_through_loads_replacements_and_removals(warehouse_dir):
    rng = random.Random(5)
    articles = corpus(rng, 120)
    con = wh.connect(warehouse_dir)
    keys = list(articles)
    for start in range(0, len(keys), 40):  # three loads
        batch = [wh.LoadItem(extraction(k, *articles[k]), f"/raw/{k}.txt", 1, [wh.FileRow(f"/raw/{k}.txt", k, 1, None)])
                 for k in keys[start:start + 40]]
        wh.load_batch(con, batch, pipeline_version="t")
    # documents read again with other text, and files whose bytes changed (their old documents go)
    for k in keys[:10]:
        wh.load_document(con, extraction(k, "Tin khác", articles[keys[-1]][1]), source_path=f"/raw/{k}.txt", byte_size=1,
                         pipeline_version="t")
    wh.load_batch(con, [wh.LoadItem(extraction(f"new{k}", "Mới", articles[k][1]), f"/raw/{k}.txt", 2,
                                    [wh.FileRow(f"/raw/{k}.txt", f"new{k}", 2, None)]) for k in keys[10:20]],
                  pipeline_version="t")
    assert con.execute("SELECT count(*) FROM documents WHERE document_id IN (SELECT unnest(?))", [keys[10:20]]).fetchone() == (0,)
    reference = fts_reference.reference_database(wh.location_of(warehouse_dir))
    vocabulary = sorted({w for _t, b in articles.values() for w in b.split()})
    queries = QUERIES + [" ".join(rng.sample(vocabulary, rng.randint(1, 4))) for _ in range(40)]
    queries += [fold(q) for q in queries[-20:]]
    for query in queries:
        assert ranking(con, query) == fts_reference.reference_search(reference, query, limit=1000), query
    # the deltas folded by maintenance change nothing
    with wh.transaction(con):
        search.compact(con)
    assert con.execute("SELECT count(*) FROM (SELECT idx, term FROM search_df GROUP BY ALL HAVING count(*) > 1)").fetchone() == (0,)
    for query in queries[:20]:
        assert ranking(con, query) == fts_reference.reference_search(reference, query, limit=1000), query


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80)
       | st.text(alphabet="aăâeêioôơuưyđAĂÂĐƯƠ\u0300\u0301\u0303\u0309\u0323 .,İßﬁ", max_size=80))
def test_snippet_folds_each_character_to_one(text):
    """The snippet finds query words in a folded copy of the body whose offsets are the body's:
    each character folded alone, to one character (a translate table filled as characters are
    met, the same as folding them one by one)."""
    folded = text.translate(search._ONE_CHAR_FOLD)
    assert folded == "".join(fold(c)[:1] or c for c in text)
    assert len(folded) == len(text)
