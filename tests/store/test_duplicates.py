"""Near-identical articles across documents (a bulletin and a single-article file of the same
text): both rows kept, the later one linked by duplicate_of, found at load time from what the
warehouse holds, and left out of v_articles_unique, the counting views and search."""

from __future__ import annotations

import datetime as dt

import duckdb

from pipelines.core.models import Article, Extraction, Page, PersonRef, PlaceRef
from pipelines.core.store import migrations, search, search_cache
from pipelines.core.store import warehouse as wh

# Texts written for the test.
OPENING = ("Ngày 12/6/2019, tại Thư viện tỉnh Nghệ An, Hội Thư viện tỉnh đã tổ chức buổi giao lưu giới thiệu sách "
           "mới cho hơn hai trăm học sinh của các trường trung học trên địa bàn thành phố Vinh. Các em được nghe "
           "giới thiệu về những cuốn sách hay, được tham gia trò chơi đố vui và nhận nhiều phần quà từ ban tổ chức. "
           "Buổi giao lưu khép lại với lời hứa của các em sẽ đến thư viện thường xuyên hơn.")
# The same article as a separate file would give it: other line breaks, the other tone-mark
# placement, a misread letter.
COPY = OPENING.replace(", Hội", ",\nHội").replace("hoà", "hòa").replace("trò chơi", "trò choi")
OTHER = ("Ngày 3/9/2019, tại Hà Nội, Vụ Thư viện đã tổng kết mười năm xây dựng mạng lưới thư viện xã, với báo "
         "cáo của các tỉnh miền núi về việc luân chuyển sách và đào tạo người làm thư viện tại cơ sở. Nhiều ý "
         "kiến đề nghị tăng kinh phí mua sách cho các điểm bưu điện văn hoá xã trong giai đoạn tới.")


def article(seq: int, title: str, body: str) -> Article:
    return Article(seq, title, body, 1, 1, dt.date(2019, 6, 12), authors=["Minh Châu"],
                   places=[PlaceRef("Thư viện tỉnh Nghệ An", "venue", province_code_legacy="40",
                                    province_name_legacy="Nghệ An", province_code_2025="40", province_name_2025="Nghệ An")],
                   people=[PersonRef("Minh Châu", "author")])


def document(key: str, *articles: Article) -> Extraction:
    return Extraction(key, "text/plain", "ok", pages=[Page(1, "text", "…")], articles=list(articles))


def load(con, *extractions: Extraction):
    return wh.load_batch(con, [wh.LoadItem(e, f"/raw/{e.document_id}.txt", 1, [wh.FileRow(f"/raw/{e.document_id}.txt",
                                                                                       e.document_id, 1, None)])
                               for e in extractions], pipeline_version="t")


def links(con) -> dict[str, str | None]:
    return dict(con.execute("SELECT article_id, duplicate_of FROM articles ORDER BY article_id").fetchall())


def test_a_later_copy_is_linked_to_the_first_and_counted_once(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document("bulletin", article(1, "Giao lưu giới thiệu sách", OPENING), article(2, "Tổng kết", OTHER)))
    result = load(con, document("single", article(1, "GIAO LƯU GIỚI THIỆU SÁCH", COPY)))
    assert result.duplicates == 1
    assert links(con) == {"bulletin-1": None, "bulletin-2": None, "single-1": "bulletin-1"}
    assert con.execute("SELECT count(*) FROM v_articles").fetchone() == (3,)  # both rows kept
    assert con.execute("SELECT article_id, copies, copy_ids FROM v_articles_unique ORDER BY 1").fetchall() == [
        ("bulletin-1", 1, ["single-1"]), ("bulletin-2", 0, [])]
    assert con.execute("SELECT articles FROM v_places WHERE province_name_legacy = 'Nghệ An'").fetchone() == (2,)
    assert con.execute("SELECT articles FROM v_people WHERE name = 'Minh Châu'").fetchone() == (2,)
    found = [h.article_id for h in search.search(con, "giao luu gioi thieu sach")]
    assert found[0] == "bulletin-1" and "single-1" not in found
    assert "single-1" in [h.article_id for h in search.search(con, "giao luu gioi thieu sach", unique=False)]


def test_copies_in_one_load_and_different_texts(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document("b", article(1, "Giao lưu", COPY)), document("a", article(1, "Giao lưu", OPENING), article(2, "x", OTHER)))
    assert links(con) == {"a-1": None, "a-2": None, "b-1": "a-1"}
    # a text sharing a few phrases is not a copy, nor is an article with the same text in its own document
    other = OTHER.replace("tổng kết mười năm", "giới thiệu sách mới cho hơn hai trăm học sinh")
    load(con, document("c", article(1, "Khác", other[: len(other) // 2] + " " + OPENING[: len(OPENING) // 3])))
    assert links(con)["c-1"] is None


def test_when_the_first_goes_its_copy_takes_its_place(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document("bulletin", article(1, "Giao lưu", OPENING)))
    load(con, document("single", article(1, "Giao lưu", COPY)))
    load(con, document("third", article(1, "Giao lưu", OPENING + " Tin: Minh Châu.")))
    assert links(con) == {"bulletin-1": None, "single-1": "bulletin-1", "third-1": "bulletin-1"}
    location = wh.location_of(warehouse_dir)
    search_cache.refresh(con, location)
    # the bulletin's file changes: its old document goes, and the copies point at the earliest left
    wh.load_batch(con, [wh.LoadItem(document("bulletin2", article(1, "Khác", OTHER)), "/raw/bulletin.txt", 2,
                                    [wh.FileRow("/raw/bulletin.txt", "bulletin2", 2, None)])], pipeline_version="t")
    assert links(con) == {"bulletin2-1": None, "single-1": None, "third-1": "single-1"}
    assert con.execute("SELECT count(*) FROM article_signatures WHERE document_id = 'bulletin'").fetchone() == (0,)
    # the search cache follows, incrementally: the copy that became the first is found there too
    assert search_cache.refresh(con, location).state == "updated"
    with search_cache.Searcher(location) as searcher:
        assert [h.article_id for h in searcher.search("giao luu")] == ["single-1"]
        assert searcher.last_used == "cache"
    assert [h.article_id for h in search.search(con, "giao luu")] == ["single-1"]
    assert sorted(h.article_id for h in search.search(con, "giao luu", unique=False)) == ["single-1", "third-1"]


def test_a_warehouse_of_schema_6_is_upgraded_with_its_copies_linked_and_pairs_indexed(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document("bulletin", article(1, "Giao lưu", OPENING), article(2, "Tổng kết", OTHER)))
    load(con, document("single", article(1, "Giao lưu", COPY)))
    expected = {q: [(h.article_id, h.score) for h in search.search(con, q)] for q in ("giao lưu", "thu vien xa", "Hà Nội")}
    location = wh.location_of(warehouse_dir)
    search_cache.refresh(con, location)
    with wh.transaction(con):  # back to what version 6 had
        con.execute("DROP VIEW v_articles_unique")
        con.execute("CREATE OR REPLACE VIEW v_articles AS SELECT * FROM articles")
        con.execute("ALTER TABLE articles DROP COLUMN duplicate_of")
        con.execute("DROP TABLE article_signatures")
        for table in ("search_postings", "search_df", "search_stats"):
            con.execute(f"DELETE FROM {table} WHERE idx >= 2")
        con.execute("UPDATE schema_info SET value = '6' WHERE key = 'schema_version'")
    con.close()
    for slot in search_cache.SLOTS:  # and the search cache as version 6 made it
        with duckdb.connect(str(search_cache.slot_path(location, slot))) as cache:
            cache.execute("DELETE FROM cache_info WHERE key = 'schema'")
    con = wh.connect(warehouse_dir)  # a writer brings it up to date
    assert wh.schema_version(con) == migrations.LATEST
    assert links(con) == {"bulletin-1": None, "bulletin-2": None, "single-1": "bulletin-1"}
    assert {q: [(h.article_id, h.score) for h in search.search(con, q)] for q in expected} == expected
    assert search_cache.refresh(con, location).state == "rebuilt"  # the cache copies the new index whole
    with search_cache.Searcher(location) as searcher:
        assert [(h.article_id, h.score) for h in searcher.search("giao lưu")] == expected["giao lưu"]
        assert searcher.last_used == "cache"


def test_short_items_written_to_one_pattern_are_not_copies(warehouse_dir):
    """Their signatures share many values by chance: the exact count of common shingles decides."""
    con = wh.connect(warehouse_dir)

    def item(n):
        return document(f"d{n}", Article(1, f"Hội nghị {n}", f"Ngày {n % 28 + 1}/5/2014, tại Hà Nội, hội nghị thư viện lần "
                                                          f"thứ {n} đã diễn ra với {n * 7} đại biểu.", 1, 1))

    load(con, *(item(n) for n in range(40)))
    load(con, *(item(n) for n in range(40, 60)))
    assert [a for a, first in links(con).items() if first] == []


def test_a_load_with_no_copy_reads_no_earlier_article(warehouse_dir):
    """The articles' bodies are read only for a stored article whose signature matches: the
    earlier articles' files out of reach, a load of a new text still goes through, and a copy
    is still found once they are back."""
    import shutil

    con = wh.connect(warehouse_dir)
    load(con, document("bulletin", article(1, "Giao lưu", OPENING)))
    location = wh.location_of(warehouse_dir)
    articles = location.local_data_dir / "main" / "articles"
    hidden = warehouse_dir.parent / "hidden-articles"
    shutil.move(articles, hidden)
    articles.mkdir()
    assert load(con, document("other", article(1, "Tổng kết", OTHER))).duplicates == 0
    for path in hidden.iterdir():
        shutil.move(path, articles / path.name)
    assert load(con, document("single", article(1, "Giao lưu", COPY))).duplicates == 1
    assert links(con) == {"bulletin-1": None, "other-1": None, "single-1": "bulletin-1"}


# --- signatures: the load's numpy minima equal the SQL that fills older warehouses -------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
import numpy as np  # noqa: E402

from pipelines.core.store import duplicates  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40))
def test_minhash_in_64_bit_pieces_equals_the_arithmetic_on_whole_numbers(hashes):
    expected = [min((h % duplicates.PRIME * a + b) % duplicates.PRIME for h in hashes) for a, b in duplicates._COEFFICIENTS]
    assert duplicates.minhash(np.array(hashes, dtype=np.uint64), [len(hashes)]) == expected


def test_a_load_signs_articles_as_the_sql_of_older_warehouses_does():
    bodies = [OPENING, COPY, OTHER, "quá ngắn để so", "", " ".join(["Thư viện"] * 30), OPENING.upper(),
              "Đà Nẵng – ĐÀ NẴNG: 12/6/2019; ½ ﬁ ß İstanbul ǅ ９ " * 5]
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE b_articles (article_id VARCHAR, document_id VARCHAR, body VARCHAR)")
    con.executemany("INSERT INTO temp.b_articles VALUES (?, ?, ?)", [(f"doc{i % 3}:{i}", f"doc{i % 3}", b)
                                                                      for i, b in enumerate(bodies * 40)])
    duplicates.stage_batch(con)
    got = con.execute("SELECT * FROM temp.b_signatures ORDER BY ALL").fetchall()
    want = con.execute(f"SELECT * FROM ({duplicates.signatures_sql('temp.b_articles')}) ORDER BY ALL").fetchall()
    assert got == want and len(got) == 16 * 40 * 5  # the short and the repetitive ones get no signature
