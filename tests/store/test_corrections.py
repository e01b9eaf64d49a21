"""Corrections: applied again after every re-read, conflicts and orphans listed, compare-and-set,
validation, export and import."""

import datetime as dt
import json
import re

import pytest

from pipelines.core.models import Article, Extraction, Page, PersonRef, PlaceRef
from pipelines.core.store import corrections as cx
from pipelines.core.store import migrations
from pipelines.core.store import warehouse as wh

MEETING = ("Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Hội Thư viện Việt Nam đã tổ chức Hội nghị "
           "lần thứ 4 Ban Chấp hành khóa II. Tham dự có đại biểu các thư viện tỉnh Quảng Ninh.")
TRAINING = ("Từ ngày 19 đến 25/9/2014, Thư viện tỉnh Bắc Ninh mở lớp tập huấn nghiệp vụ cho cán bộ thư viện "
            "cấp huyện và xã trong tỉnh, với sự tham gia của nhiều học viên.")
NEWS = ("Thư viện Quốc gia Việt Nam vừa tiếp nhận một bộ sưu tập sách cổ quý hiếm do một nhà nghiên cứu "
        "hiến tặng, gồm hơn hai trăm cuốn sách Hán Nôm.")


def article(seq, title, body, date=None, location=None, authors=(), provinces=()):
    places = [PlaceRef(name=f"tỉnh {name}", role="mentioned", province_code_legacy=code, province_name_legacy=name,
                       province_code_2025=code, province_name_2025=name) for code, name in provinces]
    people = [PersonRef(name=a, role="author", kind="person") for a in authors]
    return Article(seq=seq, title=title, body=body, page_start=1, page_end=1, published_date=date,
                   location=location, authors=list(authors), places=places, people=people,
                   date_confidence=0.9 if date else None)


def document(articles, document_id="doc1", page_text="văn bản trang một"):
    return Extraction(document_id=document_id, media_type="application/pdf", status="ok",
                      pages=[Page(page_number=1, method="ocr", text=page_text, confidence=60.0)],
                      articles=articles)


def load(con, extraction, path="/raw/a.pdf"):
    wh.load_document(con, extraction, source_path=path, byte_size=100, pipeline_version="t",
                     file_rows=[wh.FileRow(path, extraction.document_id, 100, dt.datetime(2024, 1, 1))])


def three():
    return [
        article(1, "HỘI NGHỊ BAN CHẤP HÀNH", MEETING, dt.date(2014, 5, 2), "Viện Thông tin Khoa học Xã hội", ["Hóng Vân"],
                [("22", "Quảng Ninh")]),
        article(2, "TẬP HUẤN NGHIỆP VỤ", TRAINING, dt.date(2014, 9, 19), None, []),
        article(3, "TIẾP NHẬN SÁCH CỔ", NEWS, None, None, ["Minh Anh"]),
    ]


@pytest.fixture
def con(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document(three()))
    yield con
    con.close()


def state_of(con, thread_id):
    return con.execute("SELECT state, article_id, matched_by FROM v_corrections WHERE thread_id = ?", [thread_id]).fetchone()


def agree(con, document_id="doc1"):
    """The reading room's resolution of a document's corrections is the view's."""
    pages = {r[0] for r in con.execute("SELECT page_number FROM pages WHERE document_id = ?", [document_id]).fetchall()}
    mine = cx.document_threads(con, document_id, cx.articles_now(con, document_id), pages)
    assert mine == cx.threads(con, document_id=document_id)
    return mine


def v_article(con, article_id, *columns):
    return con.execute(f"SELECT {', '.join(columns)} FROM v_articles WHERE article_id = ?", [article_id]).fetchone()


def test_the_table_is_the_same_in_a_new_warehouse_and_an_upgraded_one():
    schema = open(wh.resources.files("pipelines.core.store").joinpath("schema.sql"), encoding="utf-8").read()
    assert cx.TABLE_SQL in schema
    assert migrations.UPGRADES[7] == [cx.TABLE_SQL]
    assert re.findall(r"^\s+(\w+)\s+(\w+)", cx.TABLE_SQL, re.M) == list(cx.COLUMNS.items())


def test_a_warehouse_of_schema_6_gets_the_table_and_keeps_its_rows(warehouse_dir):
    con = wh.connect(warehouse_dir)
    load(con, document(three()))
    with wh.transaction(con):  # as an i15 warehouse was: no corrections, no copies or pairs, version 6
        con.execute("DROP VIEW v_articles_unique")
        con.execute("DROP VIEW v_pages")
        con.execute("DROP VIEW v_places")
        con.execute("DROP VIEW v_people")
        con.execute("DROP VIEW v_articles")
        con.execute("DROP VIEW v_article_corrections")
        con.execute("DROP VIEW v_corrections")
        con.execute("DROP TABLE corrections")
        con.execute("DROP TABLE article_signatures")
        con.execute("ALTER TABLE articles DROP COLUMN duplicate_of")
        for table in ("search_postings", "search_df", "search_stats"):
            con.execute(f"DELETE FROM {table} WHERE idx IN (2, 3)")
        con.execute("UPDATE schema_info SET value = '6' WHERE key = 'schema_version'")
    con.close()
    con = wh.connect(warehouse_dir)
    assert wh.schema_version(con) == migrations.LATEST
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM v_articles").fetchone() == (3,)


def test_corrected_values_show_in_the_views_and_the_extracted_ones_stay(con):
    cx.save(con, article_id="doc1-1", field="published_date", value="22/05/2014", expected="2014-05-02", reviewer="Lan")
    cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vân", expected='["Hóng Vân"]', reviewer="Lan")
    cx.save(con, article_id="doc1-1", field="provinces", value="Quảng Ninh; ha noi", expected='["Quảng Ninh"]',
            reviewer="Lan")
    row = v_article(con, "doc1-1", "published_date", "authors", "provinces", "provinces_2025", "corrected",
                    "corrected_fields", "extracted_published_date", "extracted_authors", "date_source")
    assert row == (dt.date(2014, 5, 22), ["Hồng Vân"], ["Hà Nội", "Quảng Ninh"], ["Hà Nội", "Quảng Ninh"], True,
                   ["authors", "provinces", "published_date"], dt.date(2014, 5, 2), ["Hóng Vân"], "review")
    assert con.execute("SELECT published_date, authors FROM articles WHERE article_id = 'doc1-1'").fetchone() == (
        dt.date(2014, 5, 2), ["Hóng Vân"])  # the extractor's table keeps the extractor's values
    assert v_article(con, "doc1-2", "corrected", "corrected_fields") == (False, [])
    assert len(agree(con)) == 3
    people = dict(con.execute("SELECT name, articles FROM v_people WHERE role = 'author'").fetchall())
    assert people == {"Hồng Vân": 1, "Minh Anh": 1}
    places = con.execute("SELECT province_name_legacy, first_date FROM v_places ORDER BY 1").fetchall()
    assert places == [("Hà Nội", dt.date(2014, 5, 22)), ("Quảng Ninh", dt.date(2014, 5, 22))]


def test_a_page_text_correction(con):
    cx.save(con, document_id="doc1", page_number=1, field="text", value="Văn bản trang một.",
            expected="văn bản trang một", reviewer="Lan")
    assert con.execute("SELECT text, corrected, extracted_text FROM v_pages").fetchone() == (
        "Văn bản trang một.", True, "văn bản trang một")
    load(con, document(three(), page_text="văn bản trang một, đọc lại"))
    assert [(t["target"], t["state"]) for t in agree(con)] == [("page", "conflict")]


def test_corrections_apply_again_after_the_document_is_read_again(con):
    saved = cx.save(con, article_id="doc1-1", field="published_date", value="2014-05-22", expected="2014-05-02",
                    reviewer="Lan")
    load(con, document(three()))  # reprocess: the same extraction again, every row replaced
    assert state_of(con, saved.thread_id) == ("applied", "doc1-1", "same")
    assert v_article(con, "doc1-1", "published_date") == (dt.date(2014, 5, 22),)
    assert len(agree(con)) == 1


def test_an_article_renumbered_at_resegmentation_keeps_its_corrections(con):
    saved = cx.save(con, article_id="doc1-2", field="location", value="Thư viện tỉnh Bắc Ninh", expected=None,
                    reviewer="Lan")
    arts = three()
    split = article(2, "TIN VẮN", "Hội Thư viện tổ chức nhiều hoạt động trong tháng.")
    arts[1].seq, arts[2].seq = 3, 4
    load(con, document([arts[0], split, arts[1], arts[2]]))
    assert state_of(con, saved.thread_id) == ("applied", "doc1-3", "same")
    assert v_article(con, "doc1-3", "location", "title") == ("Thư viện tỉnh Bắc Ninh", "TẬP HUẤN NGHIỆP VỤ")
    assert v_article(con, "doc1-2", "location") == (None,)
    agree(con)


def test_an_article_found_by_its_opening_when_its_title_was_read_differently(con):
    saved = cx.save(con, article_id="doc1-3", field="authors", value="Minh Anh, Thu Hà", expected='["Minh Anh"]',
                    reviewer="Lan")
    arts = three()
    arts[2].title = "TIEP NHAN SACH CO QUY"  # a new OCR of the heading
    load(con, document(arts))
    assert state_of(con, saved.thread_id) == ("applied", "doc1-3", "opening")
    agree(con)


def test_a_changed_extracted_value_is_a_conflict_and_the_correction_still_applies(con):
    saved = cx.save(con, article_id="doc1-1", field="published_date", value="22/5/2014", expected="2014-05-02",
                    reviewer="Lan")
    arts = three()
    arts[0].published_date = dt.date(2014, 5, 21)  # a new extractor reads another date
    load(con, document(arts))
    state = con.execute("SELECT state, extracted_value, current_extracted_value FROM v_corrections WHERE thread_id = ?",
                        [saved.thread_id]).fetchone()
    assert state == ("conflict", "2014-05-02", "2014-05-21")
    assert [t["state"] for t in agree(con)] == ["conflict"]
    assert v_article(con, "doc1-1", "published_date") == (dt.date(2014, 5, 22),)
    # a reviewer confirms it: the conflict is settled, the value stays
    confirmed = cx.save(con, article_id="doc1-1", field="published_date", value="2014-05-22", expected="2014-05-22",
                        reviewer="Minh", confirm=True)
    assert confirmed.thread_id == saved.thread_id
    assert state_of(con, saved.thread_id)[0] == "applied"
    assert con.execute("SELECT count(*) FROM corrections WHERE thread_id = ?", [saved.thread_id]).fetchone() == (2,)


def test_an_article_that_disappears_leaves_its_corrections_orphaned_not_lost(con):
    saved = cx.save(con, article_id="doc1-3", field="title", value="Tiếp nhận sách cổ quý hiếm", expected="TIẾP NHẬN SÁCH CỔ",
                    reviewer="Lan")
    load(con, document(three()[:2]))  # re-segmented: the third article is gone
    assert state_of(con, saved.thread_id) == ("orphaned", None, None)
    orphan = cx.threads(con, state="orphaned")
    assert [(o["field"], o["value"], o["article_title"]) for o in orphan] == [
        ("title", "Tiếp nhận sách cổ quý hiếm", "TIẾP NHẬN SÁCH CỔ")]
    assert con.execute("SELECT count(*) FROM v_articles WHERE title = 'Tiếp nhận sách cổ quý hiếm'").fetchone() == (0,)
    assert [t["state"] for t in agree(con)] == ["orphaned"]
    # attached by a reviewer to the article it belongs to now
    cx.reattach(con, saved.thread_id, "doc1-2", reviewer="Lan")
    assert state_of(con, saved.thread_id) == ("applied", "doc1-2", "same")
    assert v_article(con, "doc1-2", "title") == ("Tiếp nhận sách cổ quý hiếm",)
    agree(con)


def test_a_changed_file_at_the_same_path_takes_its_corrections_along(con):
    saved = cx.save(con, article_id="doc1-2", field="location", value="Bắc Ninh", expected=None, reviewer="Lan")
    load(con, document(three(), document_id="doc2"))  # new bytes at /raw/a.pdf
    assert state_of(con, saved.thread_id) == ("applied", "doc2-2", "same")
    agree(con, "doc2")


def test_the_second_of_two_reviewers_is_refused_with_the_value_in_force(con):
    cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vân", expected='["Hóng Vân"]', reviewer="Lan")
    with pytest.raises(cx.StaleValue) as refused:
        cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vận", expected='["Hóng Vân"]', reviewer="Minh")
    assert refused.value.current.value == '["Hồng Vân"]' and refused.value.current.reviewer == "Lan"
    assert "Hồng Vân" in str(refused.value) and "nothing was saved" in str(refused.value)
    assert v_article(con, "doc1-1", "authors") == (["Hồng Vân"],)
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (1,)


def test_saving_the_value_in_force_writes_nothing_and_revert_restores_the_extracted(con):
    assert cx.save(con, article_id="doc1-1", field="location", value=" Viện Thông tin  Khoa học Xã hội ",
                   expected="Viện Thông tin Khoa học Xã hội", reviewer="Lan").correction_id is None
    cx.save(con, article_id="doc1-1", field="location", value="Hà Nội", expected="Viện Thông tin Khoa học Xã hội",
            reviewer="Lan")
    reverted = cx.save(con, article_id="doc1-1", field="location", value=None, expected="Hà Nội", reviewer="Lan",
                       action="revert")
    assert state_of(con, reverted.thread_id)[0] == "reverted"
    agree(con)
    assert v_article(con, "doc1-1", "location", "corrected") == ("Viện Thông tin Khoa học Xã hội", False)


def test_clearing_a_wrong_date(con):
    cx.save(con, article_id="doc1-2", field="published_date", value="", expected="2014-09-19", reviewer="Lan")
    assert v_article(con, "doc1-2", "published_date", "date_precision", "corrected") == (None, None, True)


@pytest.mark.parametrize("field, value, code", [
    ("published_date", "31/02/2014", "no_such_day"),
    ("published_date", "hôm qua", "not_a_date"),
    ("published_date", "2014-13-01", "no_such_day"),
    ("published_date", "01/01/0214", "year_out_of_range"),
    ("provinces", "Quảng Ninh, Xứ Đoài", "not_a_province"),
    ("provinces", "Nam", "not_a_province"),
    ("authors", "Hồng Vân, 1234", "not_a_name"),
])
def test_bad_values_are_refused_with_a_reason_and_nothing_is_written(con, field, value, code):
    with pytest.raises(cx.InvalidValue) as refused:
        cx.save(con, article_id="doc1-1", field=field, value=value, expected=cx.article_target(con, "doc1-1").extracted[field],
                reviewer="Lan")
    assert refused.value.code == code
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (0,)


def test_values_are_read_as_people_type_them():
    assert cx.canonical("published_date", "22/5/2014").value == "2014-05-22"
    assert cx.canonical("published_date", "2014-05-22").value == "2014-05-22"
    assert cx.canonical("authors", "Hồng Vân;  Minh   Anh\nHồng Vân").value == '["Hồng Vân","Minh Anh"]'
    provinces = cx.canonical("provinces", "TP.HCM, tinh Quang Ninh, Hà Giang")
    assert json.loads(provinces.value) == ["Hà Giang", "Hồ Chí Minh", "Quảng Ninh"]
    assert [p["name_2025"] for p in json.loads(provinces.detail)] == ["Tuyên Quang", "Hồ Chí Minh", "Quảng Ninh"]
    assert cx.display("published_date", "2014-05-22") == "22/05/2014"


def test_a_reviewer_name_is_needed_and_a_gone_article_is_said(con):
    with pytest.raises(cx.CorrectionError) as nobody:
        cx.save(con, article_id="doc1-1", field="title", value="X", expected="HỘI NGHỊ BAN CHẤP HÀNH", reviewer=" ")
    assert nobody.value.code == "no_reviewer"
    with pytest.raises(cx.TargetGone):
        cx.save(con, article_id="doc1-9", field="title", value="X", expected=None, reviewer="Lan")


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_and_import_move_the_work_and_importing_twice_changes_nothing(con, tmp_path, fmt):
    cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vân", expected='["Hóng Vân"]', reviewer="Lan",
            note='lỗi OCR, "ó"')
    cx.save(con, article_id="doc1-2", field="published_date", value="", expected="2014-09-19", reviewer="Lan")
    cx.save(con, article_id="doc1-1", field="provinces", value="Quảng Ninh, Hà Nội", expected='["Quảng Ninh"]',
            reviewer="Lan")
    cx.save(con, document_id="doc1", page_number=1, field="text", value="Dòng một\n\nDòng hai", expected="văn bản trang một",
            reviewer="Lan")
    text = cx.dumps(cx.export_rows(con), fmt)
    other = wh.connect(tmp_path / "other")
    load(other, document(three()))
    first = cx.import_rows(other, cx.loads(text, fmt))
    again = cx.import_rows(other, cx.loads(text, fmt))
    assert (first.added, first.already, again.added, again.already) == (4, 0, 0, 4)
    assert cx.export_rows(other) == cx.export_rows(con)
    query = "SELECT * EXCLUDE (correction_id) FROM v_corrections ORDER BY thread_id"
    assert other.execute(query).fetchall() == con.execute(query).fetchall()
    assert v_article(other, "doc1-2", "published_date, corrected") == (None, True)


def test_a_bad_import_file_is_refused_whole(con):
    good = cx.save(con, article_id="doc1-1", field="title", value="Hội nghị", expected="HỘI NGHỊ BAN CHẤP HÀNH", reviewer="Lan")
    rows = cx.export_rows(con)
    bad = dict(rows[0], correction_id="6f1e6a43-3f7b-4c43-9d2e-0f6f0d7d9a11", field="published_date", value="2014-02-30")
    with pytest.raises(cx.CorrectionError, match="row 2: .*no such day"):
        cx.import_rows(con, [dict(rows[0], correction_id="0b7c1f8e-7a57-4a0e-9c55-2d5b1f86a9c2"), bad])
    assert con.execute("SELECT count(*) FROM corrections").fetchone() == (1,)
    for broken, message in [
        (dict(rows[0], field="colour"), "no field 'colour'"),
        (dict(rows[0], corrected_at="yesterday"), "not a time"),
        (dict(rows[0], thread_id="x"), "not a UUID"),
        ({k: v for k, v in rows[0].items() if k != "reviewer"}, "no reviewer"),
    ]:
        with pytest.raises(cx.CorrectionError, match=message):
            cx.import_rows(con, [broken])
    with pytest.raises(cx.CorrectionError, match="not a JSON file"):
        cx.loads("{", "json")
    with pytest.raises(cx.CorrectionError, match="no column"):
        cx.loads("a,b\n1,2\n", "csv")
    assert good.correction_id


def test_every_save_is_kept_with_who_when_what_it_replaced_and_why(con):
    """The audit trail: a field's corrections are rows added one after another, never updated,
    and a re-read of the document keeps every one of them."""
    first = cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vân", expected='["Hóng Vân"]', reviewer="Lan",
                    note="lỗi OCR")
    second = cx.save(con, article_id="doc1-1", field="authors", value="Hồng Vân, Minh Anh", expected='["Hồng Vân"]',
                     reviewer="Minh", note="ảnh của Minh Anh")
    third = cx.save(con, article_id="doc1-1", field="authors", value=None, expected='["Hồng Vân","Minh Anh"]',
                    reviewer="Lan", action="revert")
    assert first.thread_id == second.thread_id == third.thread_id
    trail = "SELECT reviewer, action, extracted_value, value, note, corrected_at FROM corrections ORDER BY corrected_at"
    rows = con.execute(trail).fetchall()
    assert [r[:5] for r in rows] == [
        ("Lan", "set", '["Hóng Vân"]', '["Hồng Vân"]', "lỗi OCR"),
        ("Minh", "set", '["Hóng Vân"]', '["Hồng Vân","Minh Anh"]', "ảnh của Minh Anh"),
        ("Lan", "revert", '["Hóng Vân"]', None, None),
    ]
    assert all(isinstance(r[5], dt.datetime) for r in rows) and rows[0][5] < rows[1][5] < rows[2][5]
    load(con, document(three()))  # reprocess: the extractor's rows replaced, the trail untouched
    assert con.execute(trail).fetchall() == rows
    assert v_article(con, "doc1-1", "authors", "corrected") == (["Hóng Vân"], False)
