"""The reading room's server side, through Starlette's test client: the queue, the document view,
page images drawn once, saves (validation, compare-and-set), the token and the form key."""

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from starlette.testclient import TestClient

from pipelines import samples
from pipelines.core.models import Article, Extraction, Page, PersonRef, Word
from pipelines.core.read.files import sha256_file
from pipelines.core.store import warehouse as wh
from pipelines.core.store.location import parse
from pipelines.review import images
from pipelines.review.app import Config, create_app
from pipelines.review.data import Archive
from pipelines.review.server import is_loopback, prepare

BODY = "Ngày 22/5/2014, tại Hà Nội, Hội Thư viện họp.\n\nTin, ảnh: Hóng Vân"
PAGE_TEXT = "HỘI NGHỊ\n\n" + BODY


def words():
    """The page's OCR words, with boxes in the pixels of the page image as OCR saw it."""
    spelled = ["Ngày", "22/5/2014,", "tại", "Hà", "Nội,", "Hội", "Thư", "viện", "họp.", "Tin,", "ảnh:", "Hóng", "Vân"]
    return [Word(text=w, confidence=30.0 if w == "Hóng" else 95.0, left=40 + 60 * (i % 6), top=80 + 40 * (i // 6),
                 width=55, height=30) for i, w in enumerate(spelled)]


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    base = tmp_path_factory.mktemp("room")
    scan = samples.write_image(base / "raw" / "2014" / "scan.png",
                               [samples.Block("HỘI NGHỊ", "title"), samples.Block(BODY, "body")], dpi=100)
    document_id = sha256_file(scan)
    warehouse = base / "wh"
    con = wh.connect(warehouse)
    article = Article(seq=1, title="HỘI NGHỊ", body=BODY, page_start=1, page_end=1,
                      published_date=dt.date(2014, 5, 22), date_text="Ngày 22/5/2014", date_span=(0, 14),
                      date_confidence=0.95, date_source="text", location="Hà Nội", location_span=(20, 26),
                      location_confidence=0.5, authors=["Hóng Vân"],
                      people=[PersonRef(name="Hóng Vân", role="author", span=(len(BODY) - 8, len(BODY)), confidence=0.9)])
    wh.load_document(con, Extraction(
        document_id=document_id, media_type="image/png", status="ok",
        pages=[Page(page_number=1, method="ocr", text=PAGE_TEXT, confidence=62.0, dpi=100,
                    cleanup="deskew:1.50, binarize, denoise", words=words())],
        articles=[article],
    ), source_path=str(scan), byte_size=scan.stat().st_size, pipeline_version="t",
        file_rows=[wh.FileRow(str(scan), document_id, scan.stat().st_size, dt.datetime(2024, 1, 1))])
    broken = base / "raw" / "2014" / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    wh.load_document(con, Extraction(document_id="b" * 64, media_type="application/pdf", status="failed",
                                     error="damaged PDF, cannot be read: no /Root object"),
                     source_path=str(broken), byte_size=16, pipeline_version="t",
                     file_rows=[wh.FileRow(str(broken), "b" * 64, 16, dt.datetime(2024, 1, 1))])
    con.close()
    archive = Archive(parse(warehouse))
    archive.open()
    app = create_app(archive, Config(reviewer="Lan"), cache_dir=base / "cache")
    with TestClient(app) as client:
        yield client, document_id, base, archive
    archive.close()


def form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([^"]+)"', html).group(1)


def edit_form(client, article_id, field):
    html = client.get(f"/articles/{article_id}/fields/{field}/edit").text
    return form_key(html), json.loads(re.search(r'name="expected" value="([^"]*)"', html).group(1).replace("&#34;", '"'))


def test_the_queue_lists_the_failed_file_with_its_reason_and_the_weak_page_and_article(room):
    client, document_id, _base, _archive = room
    page = client.get("/?lang=vi").text
    assert "broken.pdf" in page and "damaged PDF, cannot be read: no /Root object" in page
    assert "Tài liệu lỗi" in page and "độ tin cậy OCR thấp" in page  # Vietnamese by default
    assert f"/documents/{document_id}?page=1#a-{document_id}-1" in page  # the unsure venue
    english = client.get("/?lang=en").text
    assert "Failed document" in english and "low OCR confidence" in english
    only_docs = client.get("/?kind=document&lang=en").text
    assert "broken.pdf" in only_docs and "scan.png" not in only_docs
    by_method = client.get("/?method=ocr&lang=en").text
    assert "broken.pdf" not in by_method and "scan.png" in by_method
    assert "Nothing to review" in client.get("/?year=1999&lang=en").text


def test_the_document_view_marks_the_evidence_and_outlines_weak_words(room):
    client, document_id, _base, _archive = room
    page = client.get(f"/documents/{document_id}?page=1").text
    date_ref = f'data-refs="{document_id}-1:published_date"'
    assert re.search(date_ref + r">Ngày 22/5/2014</mark>", page)
    assert page.count(date_ref) == 3  # the words in the text, and the two OCR words on the image
    assert page.count('class="box low"') == 1 and 'title="Hóng (30)"' in page
    assert f'data-source="{document_id}-1:published_date"' in page and "22/05/2014" in page


def test_a_page_image_is_drawn_as_ocr_saw_it_once_then_read_from_the_cache(room):
    client, document_id, base, archive = room
    first = client.get(f"/documents/{document_id}/pages/1/image")
    assert first.status_code == 200 and first.headers["content-type"] == "image/png"
    cached = list((base / "cache").rglob("*.png"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    pictures = images.PageImages(base / "cache")  # a new process: reads the file, draws nothing
    source = images.PageSource(document_id, "image/png", None, (str(base / "raw" / "2014" / "scan.png"),), 1, "ocr",
                               100, "deskew:1.50, binarize, denoise")
    pictures._render = lambda page: pytest.fail("drawn again")
    assert pictures.get(source).path == cached[0]
    assert client.get(f"/documents/{document_id}/pages/1/image").content == first.content
    assert cached[0].stat().st_mtime_ns == stamp
    scan = np.array(Image.open(base / "raw" / "2014" / "scan.png").convert("L"))
    straight = images.as_ocr_saw_it(scan, "deskew:1.50, binarize, denoise")
    assert straight.shape[1] > scan.shape[1] and straight.shape[0] > scan.shape[0]  # turned: the canvas grows
    with Image.open(cached[0]) as drawn:
        assert drawn.size[0] == min(images.DISPLAY_WIDTH, straight.shape[1])


def test_a_source_file_changed_since_reading_gives_no_image_and_says_why(room, tmp_path):
    _client, document_id, base, _archive = room
    copy = tmp_path / "scan.png"
    copy.write_bytes((base / "raw" / "2014" / "scan.png").read_bytes()[:-10] + b"0123456789")
    pictures = images.PageImages(tmp_path / "cache")
    source = images.PageSource(document_id, "image/png", copy.stat().st_size, (str(copy), str(tmp_path / "gone.png")), 1,
                               "ocr", 100, None)
    with pytest.raises(images.NoImage, match="changed since it was read.*gone.png \\(not found\\)"):
        pictures.get(source)


def test_saves_are_validated_with_a_message_in_the_page(room):
    client, document_id, _base, _archive = room
    key, expected = edit_form(client, f"{document_id}-1", "published_date")
    refused = client.post(f"/articles/{document_id}-1/fields/published_date?lang=vi", headers={"HX-Request": "true"},
                          data={"form_key": key, "expected": json.dumps(expected), "value": "31/02/2014", "action": "set"})
    assert refused.status_code == 422
    assert "không phải là ngày: không có ngày như vậy" in refused.text and 'value="31/02/2014"' in refused.text
    refused = client.post(f"/articles/{document_id}-1/fields/provinces?lang=en", headers={"HX-Request": "true"},
                          data={"form_key": key, "expected": "[]", "value": "Quảng Ninh, Atlantis", "action": "set"})
    assert refused.status_code == 422 and "“Atlantis” is not a province" in refused.text


def test_the_second_of_two_edits_from_the_same_value_is_refused_with_the_current_value(room):
    client, document_id, _base, archive = room
    article_id = f"{document_id}-1"
    key, expected = edit_form(client, article_id, "authors")
    first = client.post(f"/articles/{article_id}/fields/authors?lang=vi", headers={"HX-Request": "true"},
                        data={"form_key": key, "expected": json.dumps(expected), "value": "Hồng Vân", "action": "set"})
    assert first.status_code == 200 and "Hồng Vân" in first.text and "Đã lưu" in first.text
    second = client.post(f"/articles/{article_id}/fields/authors?lang=vi", headers={"HX-Request": "true"},
                         data={"form_key": key, "expected": json.dumps(expected), "value": "Hông Văn", "action": "set"})
    assert second.status_code == 409
    assert "chưa lưu gì" in second.text and "«Hồng Vân»" in second.text
    with archive.read() as con:
        assert con.execute("SELECT authors, extracted_authors FROM v_articles WHERE article_id = ?",
                           [article_id]).fetchone() == (["Hồng Vân"], ["Hóng Vân"])


def test_a_form_without_the_app_key_is_refused(room):
    client, document_id, _base, archive = room
    refused = client.post(f"/articles/{document_id}-1/fields/title", data={"value": "X", "expected": '"HỘI NGHỊ"'})
    assert refused.status_code == 403
    with archive.read() as con:
        assert con.execute("SELECT count(*) FROM corrections WHERE field = 'title'").fetchone() == (0,)


def test_a_page_text_correction_without_htmx_redirects_to_the_page(room):
    client, document_id, _base, archive = room
    html = client.get(f"/documents/{document_id}/pages/1/text/edit").text
    response = client.post(f"/documents/{document_id}/pages/1/text", follow_redirects=False, data={
        "form_key": form_key(html), "expected": json.dumps(PAGE_TEXT), "value": PAGE_TEXT.replace("Hóng", "Hồng"),
        "action": "set"})
    assert response.status_code == 303 and response.headers["location"] == f"/documents/{document_id}?page=1"
    with archive.read() as con:
        assert con.execute("SELECT corrected, text LIKE '%Hồng Vân' FROM v_pages WHERE document_id = ?",
                           [document_id]).fetchone() == (True, True)


def test_search_ranks_like_archive_search_and_links_to_the_article(room):
    client, document_id, _base, _archive = room
    page = client.get("/search?q=hoi thu vien").text
    assert f'href="/documents/{document_id}?page=1#a-{document_id}-1"' in page


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                            ("0.0.0.0", False), ("192.0.2.7", False)])
def test_only_the_loopback_goes_without_a_token(host, loopback):
    assert is_loopback(host) is loopback


def test_off_the_loopback_every_request_needs_the_token(room):
    _client, document_id, base, _archive = room
    prepared = prepare(parse(base / "wh"), "0.0.0.0", 8018, "Lan", token="s3cret-token")
    try:
        assert prepared.url.endswith("/?token=s3cret-token")
        with TestClient(prepared.app) as client:
            for path in ("/", f"/documents/{document_id}", f"/documents/{document_id}/pages/1/image", "/static/review.css"):
                refused = client.get(path)
                assert refused.status_code == 401 and "mã truy cập" in refused.text
            assert client.get("/?token=wrong").status_code == 401
            assert client.get("/", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200
            assert client.get("/?token=s3cret-token").status_code == 200
            assert client.get(f"/documents/{document_id}").status_code == 200  # the cookie it set
    finally:
        prepared.archive.close()
    local = prepare(parse(base / "wh"), "127.0.0.1", 8018, "Lan")
    try:
        assert local.token is None and local.url == "http://127.0.0.1:8018/"
    finally:
        local.archive.close()


def test_no_warehouse_is_said(tmp_path):
    with pytest.raises(FileNotFoundError, match="archive ingest"):
        Archive(parse(tmp_path / "none")).open()


def test_paths_are_what_the_document_was_read_from(room):
    _client, document_id, base, archive = room
    document = archive.document(document_id)
    assert document.paths == [str(Path(base / "raw" / "2014" / "scan.png"))]
