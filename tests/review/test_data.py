"""What the reading room keeps in memory between requests is never stale: at each new snapshot a
document is read again unless nothing it shows can have changed (a load of other files, a save
of a correction), and corrections always show at the next request, conflicts and orphans in the
queue included."""

import datetime as dt
import json
import subprocess
import sys

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.store import corrections as cx
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import parse
from pipelines.review import queue
from pipelines.review.data import Archive

BODY = "Ngày 22/5/2014, tại Hà Nội, Hội Thư viện Việt Nam họp Ban Chấp hành."


def _load(warehouse, document_id, title, paths, body=BODY):
    con = wh.connect(warehouse)
    try:
        if title is None:  # only paths: a copy of a file already loaded
            wh.record_files(con, [wh.FileRow(p, document_id, 100, dt.datetime(2024, 1, 2)) for p in paths])
            return
        wh.load_document(con, Extraction(
            document_id=document_id, media_type="application/pdf", status="ok",
            pages=[Page(page_number=1, method="ocr", text=f"{title}\n\n{body}", confidence=80.0)],
            articles=[Article(seq=1, title=title, body=body, page_start=1, page_end=1,
                              published_date=dt.date(2014, 5, 22), location="Hà Nội")],
        ), source_path=paths[0], byte_size=100, pipeline_version="t",
            file_rows=[wh.FileRow(p, document_id, 100, dt.datetime(2024, 1, 1)) for p in paths])
    finally:
        con.close()


def load(warehouse, document_id, title, paths=("/raw/a.pdf",), body=BODY):
    """A load by another process, as `archive ingest` is (a second DuckDB session on the catalog
    in this process would break SQLite's locking)."""
    arguments = json.dumps([str(warehouse), document_id, title, list(paths), body])
    subprocess.run([sys.executable, "-c", f"import json, sys; from tests.review.test_data import _load; "
                    f"_load(*json.loads(sys.argv[1]))", arguments], check=True, timeout=120)


def test_a_document_is_read_again_exactly_when_it_may_have_changed(tmp_path, monkeypatch):
    warehouse = tmp_path / "wh"
    _load(warehouse, "doc1", "HỘI NGHỊ", ("/raw/a.pdf",))
    archive = Archive(parse(warehouse))
    archive.open()
    reads = []
    read_base = archive._document_base
    monkeypatch.setattr(archive, "_document_base", lambda document_id: reads.append(document_id) or read_base(document_id))
    try:
        first = archive.document("doc1")
        assert (first.articles[0].title, archive.page("doc1", 1, first)[0].startswith("HỘI NGHỊ")) == ("HỘI NGHỊ", True)
        assert reads == ["doc1"]

        load(warehouse, "doc2", "TIN VẮN", paths=("/raw/b.pdf",))  # other files loaded: doc1 carried over
        after_other = archive.document("doc1")
        assert after_other.snapshot > first.snapshot and reads == ["doc1"]

        # a correction saved here: shown at once, nothing of the extractor's read again
        archive.write(lambda con: cx.save(con, article_id="doc1-1", field="title", value="Hội nghị Ban Chấp hành",
                                          expected="HỘI NGHỊ", reviewer="Lan"))
        corrected = archive.document("doc1")
        assert corrected.articles[0].values["title"].value == "Hội nghị Ban Chấp hành" and reads == ["doc1"]

        load(warehouse, "doc1", "HỘI NGHỊ LẦN THỨ 4")  # doc1 read again by the pipeline: read again here
        reread = archive.document("doc1")
        assert reads == ["doc1", "doc1"]
        assert reread.articles[0].title == "HỘI NGHỊ LẦN THỨ 4"
        assert archive.page("doc1", 1, reread)[0].startswith("HỘI NGHỊ LẦN THỨ 4")
        assert reread.articles[0].values["title"].value == "Hội nghị Ban Chấp hành"  # the correction still applies
        assert [t["state"] for t in reread.threads] == ["conflict"]  # under a changed extracted value
        assert waiting(archive) == [("conflict", "doc1-1", "title")]  # and the queue asks a reviewer to confirm it

        # re-segmented: the article is gone, its correction stays, orphaned, in the document and the queue
        load(warehouse, "doc1", "TIN VẮN", body="Thư viện tỉnh Bắc Ninh mở lớp tập huấn nghiệp vụ cho cán bộ cấp huyện.")
        gone = archive.document("doc1")
        assert [(t["state"], t["value"], t["article_title"]) for t in gone.threads] == [
            ("orphaned", "Hội nghị Ban Chấp hành", "HỘI NGHỊ")]
        assert gone.articles[0].values["title"].value == "TIN VẮN"  # applied nowhere
        assert waiting(archive) == [("orphan", "doc1-1", "title")]

        load(warehouse, "doc1", None, paths=("/raw/copy/a.pdf",))  # a copy found elsewhere: rows kept, a path more
        assert archive.document("doc1").paths == ["/raw/a.pdf", "/raw/copy/a.pdf"]
        assert reads == ["doc1", "doc1", "doc1", "doc1"]
    finally:
        archive.close()


def waiting(archive):
    """The queue's corrections to decide on: (kind, article, field)."""
    with archive.read() as con:
        return [(i.kind, i.article_id, i.field) for i in queue.items(con) if i.kind in ("conflict", "orphan")]


def _save_elsewhere(warehouse, article_id, value, expected):
    con = wh.connect(warehouse)
    try:
        cx.save(con, article_id=article_id, field="title", value=value, expected=expected, reviewer="Minh")
    finally:
        con.close()


def test_after_another_process_writes_only_what_changed_is_read(tmp_path, monkeypatch):
    """The first view after a load or a save by another process: the catalog says which tables
    changed, so corrections are not read again when no snapshot touched them, and the document
    is not fingerprinted (a scan of two tables) when it was not replaced and got no new path."""
    warehouse = tmp_path / "wh"
    _load(warehouse, "doc1", "HỘI NGHỊ", ("/raw/a.pdf",))
    archive = Archive(parse(warehouse))
    archive.open()
    calls = []
    latest_rows, fingerprint = cx.latest_rows, archive._fingerprint
    monkeypatch.setattr(cx, "latest_rows", lambda con: calls.append("corrections") or latest_rows(con))
    monkeypatch.setattr(archive, "_fingerprint", lambda d: calls.append("fingerprint") or fingerprint(d))
    try:
        first = archive.document("doc1")
        assert calls == ["corrections"]

        load(warehouse, "doc2", "TIN VẮN", paths=("/raw/b.pdf",))  # other files, by another process
        calls.clear()
        after = archive.document("doc1")
        assert after.snapshot > first.snapshot and calls == []
        assert archive.page("doc1", 1, after)[0].startswith("HỘI NGHỊ")

        # a correction saved by another process: read at once, the document still not read again
        subprocess.run([sys.executable, "-c", "import sys; from tests.review.test_data import _save_elsewhere; "
                        "_save_elsewhere(*sys.argv[1:])", str(warehouse), "doc1-1", "Hội nghị thường niên", "HỘI NGHỊ"],
                       check=True, timeout=120)
        corrected = archive.document("doc1")
        assert calls == ["corrections"]
        assert corrected.articles[0].values["title"].value == "Hội nghị thường niên"

        load(warehouse, "doc1", None, paths=("/raw/copy/a.pdf",))  # a path more for doc1: noticed
        assert archive.document("doc1").paths == ["/raw/a.pdf", "/raw/copy/a.pdf"]
    finally:
        archive.close()
