import datetime as dt
from pathlib import Path

import duckdb
import pytest

from pipelines.core.store import migrations
from pipelines.core.store import warehouse as wh
from pipelines.core.models import Article, Extraction, Page


def extraction(document_id: str, body: str = "Nội dung", status: str = "ok") -> Extraction:
    return Extraction(
        document_id=document_id,
        media_type="text/plain",
        status=status,
        pages=[Page(page_number=1, method="text", text=body, engine="plain text (utf-8)")],
        articles=[Article(seq=1, title="TIN", body=body, page_start=1, page_end=1,
                          published_date=dt.date(2014, 5, 22), date_text="Ngày 22/ 5/ 2014",
                          location="Hà Nội", authors=["Hồng Vân"])],
    )


def row(path: str, document_id: str, size: int = 10) -> wh.FileRow:
    return wh.FileRow(path, document_id, size, dt.datetime(2024, 1, 1))


def test_schema_is_created_and_versioned(warehouse_file):
    con = wh.connect(warehouse_file)
    assert con.execute("SELECT value FROM schema_info WHERE key='schema_version'").fetchone() == (str(migrations.LATEST),)
    assert wh.counts(con) == {"files": 0, "documents": 0, "pages": 0, "articles": 0}


def test_loading_a_document_twice_replaces_its_rows(warehouse_file):
    con = wh.connect(warehouse_file)
    for body in ("một", "hai"):
        wh.load_document(con, extraction("d1", body), source_path="/raw/a.txt", byte_size=3,
                         pipeline_version="t", file_rows=[row("/raw/a.txt", "d1")])
    assert wh.counts(con) == {"files": 1, "documents": 1, "pages": 1, "articles": 1}
    assert con.execute("SELECT body, authors, published_date FROM articles").fetchone() == (
        "hai", ["Hồng Vân"], dt.date(2014, 5, 22))


def test_a_changed_file_replaces_the_old_document_and_keeps_shared_bytes(warehouse_file):
    con = wh.connect(warehouse_file)
    wh.load_document(con, extraction("old"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "old"), row("/raw/copy.txt", "old")])
    wh.load_document(con, extraction("new"), source_path="/raw/a.txt", byte_size=4, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "new", 4)])
    # the old bytes are still at copy.txt: their document stays
    assert sorted(r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()) == ["new", "old"]
    wh.load_document(con, extraction("newer"), source_path="/raw/copy.txt", byte_size=5, pipeline_version="t",
                     file_rows=[row("/raw/copy.txt", "newer", 5)])
    assert sorted(r[0] for r in con.execute("SELECT document_id FROM documents").fetchall()) == ["new", "newer"]
    assert con.execute("SELECT count(*) FROM articles WHERE document_id = 'old'").fetchone() == (0,)


def test_record_files_changes_nothing_the_second_time(warehouse_file):
    con = wh.connect(warehouse_file)
    rows = [row("/raw/a.txt", "d1"), row("/raw/b.txt", "d1")]
    assert wh.record_files(con, rows) == 2
    first = con.execute("SELECT * FROM files ORDER BY source_path").fetchall()
    assert wh.record_files(con, rows) == 0
    assert con.execute("SELECT * FROM files ORDER BY source_path").fetchall() == first


def test_a_failed_load_leaves_the_previous_version(warehouse_file, monkeypatch):
    con = wh.connect(warehouse_file)
    wh.load_document(con, extraction("d1", "cũ"), source_path="/raw/a.txt", byte_size=3, pipeline_version="t",
                     file_rows=[row("/raw/a.txt", "d1")])
    broken = extraction("d1", "mới")
    broken.articles.append(broken.articles[0])  # duplicate article id: the insert fails mid-way
    try:
        wh.load_document(con, broken, source_path="/raw/a.txt", byte_size=3, pipeline_version="t")
    except Exception:
        pass
    else:
        raise AssertionError("expected a constraint error")
    assert con.execute("SELECT body FROM articles").fetchall() == [("cũ",)]
    assert wh.counts(con)["documents"] == 1


def test_a_newer_schema_is_refused(warehouse_file):
    con = wh.connect(warehouse_file)
    con.execute("UPDATE schema_info SET value = '99' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(wh.SchemaError, match="schema version 99, newer than this pipeline's"):
        wh.connect(warehouse_file)


def test_a_version_1_warehouse_is_upgraded_in_place_without_losing_rows(warehouse_file):
    warehouse_file.parent.mkdir(parents=True)
    old = duckdb.connect(str(warehouse_file))
    old.execute((Path(__file__).parents[1] / "data" / "schema_v1.sql").read_text(encoding="utf-8"))
    old.execute("INSERT INTO schema_info VALUES ('schema_version', '1')")
    old.execute("INSERT INTO files VALUES ('/raw/a.txt', 'd1', 3, NULL, now())")
    old.execute("INSERT INTO documents VALUES ('d1', '/raw/a.txt', 'a.txt', 'text/plain', 3, 1, 'ok', NULL, now(), '0.0.1')")
    old.execute("INSERT INTO pages VALUES ('d1', 1, 'text', 'Hội', 3, NULL, 'plain text (utf-8)', 'text file', NULL)")
    old.execute("INSERT INTO articles VALUES ('d1-1', 'd1', 1, NULL, 'Hội', NULL, NULL, NULL, [], 1, 1)")
    old.close()

    con = wh.connect(warehouse_file)
    assert con.execute("SELECT value FROM schema_info").fetchone() == (str(migrations.LATEST),)
    assert wh.counts(con) == {"files": 1, "documents": 1, "pages": 1, "articles": 1}
    assert con.execute("SELECT text, text_layer_chars, dpi FROM pages").fetchone() == ("Hội", None, None)
    # the upgraded warehouse takes new rows with the new columns
    wh.load_document(con, extraction("d2"), source_path="/raw/b.txt", byte_size=3, pipeline_version="t",
                     file_rows=[row("/raw/b.txt", "d2")])
    assert wh.counts(con)["documents"] == 2
