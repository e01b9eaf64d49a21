"""The reading room end to end, in Debian's chromium: correct an article's date and author on a
scanned sample, read everything again with `archive reprocess --all`, and find the corrections
still there, in the page and in v_articles; a conflicting edit is refused; the queue lists a
failed file with its reason. Every wait is bounded (Playwright's 30 s default, process timeouts)."""

import os
import shutil

import pytest

from pipelines.core.store import warehouse as wh
from tests.conftest import SAMPLES, needs_tesseract
from tests.review.browser import CHROMIUM, archive, chromium, reading_room

SCAN = "bulletin-2014-05-hoi-nghi-bch-scan.pdf"

pytestmark = [pytest.mark.browser, needs_tesseract]


@pytest.fixture
def scanned_warehouse(tmp_path):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: `make setup` installs Debian's chromium (as root)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLES / SCAN, raw)
    (raw / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    warehouse = tmp_path / "wh"
    result = archive("ingest", str(raw), "-w", str(warehouse))
    assert result.returncode == 1 and "broken.pdf" in result.stdout, result.stdout + result.stderr
    return warehouse


def field(page, name):
    return page.locator(f".article .field[data-field='{name}']").first


def edit(page, name, value):
    field(page, name).get_by_role("button", name="Sửa").click()
    editing = page.locator(f".field.editing[data-field='{name}']")
    editing.locator("input[name=value]").fill(value)
    editing.get_by_role("button", name="Lưu").click()
    return editing


def test_corrections_survive_reprocessing_in_the_browser(scanned_warehouse):
    warehouse = scanned_warehouse
    with reading_room(warehouse) as (_process, url), chromium() as browser:
        page = browser.new_page()
        page.goto(url)
        # the queue lists the failed file with its reason, in Vietnamese by default
        failed = page.locator("tr.item", has_text="broken.pdf")
        assert failed.locator(".badge").inner_text() == "Tài liệu lỗi"
        assert "damaged PDF, cannot be read" in failed.locator(".reason").inner_text()

        page.get_by_label("Người duyệt").fill("Lan")
        page.get_by_role("button", name="Lưu").click()
        page.get_by_role("searchbox").fill("hoi nghi ban chap hanh")
        page.get_by_role("searchbox").press("Enter")
        page.locator("ol.hits a").first.click()
        assert page.locator("h1.doc").inner_text().startswith(SCAN)
        assert page.locator(".scan img").evaluate("img => img.complete && img.naturalWidth > 0")

        # a click on the date shows its words in the page text
        field(page, "published_date").locator(".value").click()
        assert page.locator("mark.active-ref").first.inner_text() == "Ngày 22/ 5/ 2014"

        # a date that is no date is refused with a message in the page; then the right one
        editing = edit(page, "published_date", "31/02/2014")
        assert "không có ngày như vậy" in editing.locator(".error").inner_text()
        editing.locator("input[name=value]").fill("23/05/2014")
        editing.get_by_role("button", name="Lưu").click()
        assert field(page, "published_date").locator(".value").inner_text() == "23/05/2014"
        assert "Lan" in field(page, "published_date").locator(".badge.corrected").inner_text()
        edit(page, "authors", "Hồng Vân, Minh Anh")
        assert field(page, "authors").locator(".value").inner_text() == "Hồng Vân, Minh Anh"

        # two reviewers on one field: the second save is refused, with the value in force shown
        field(page, "location").get_by_role("button", name="Sửa").click()
        other = browser.new_page()
        other.goto(page.url)
        edit(other, "location", "Hội trường Viện Thông tin")
        assert field(other, "location").locator(".value").inner_text() == "Hội trường Viện Thông tin"
        mine = page.locator(".field.editing[data-field='location']")
        mine.locator("input[name=value]").fill("Viện TTKHXH")
        mine.get_by_role("button", name="Lưu").click()
        refusal = mine.locator(".error").inner_text()
        assert "chưa lưu gì" in refusal and "Hội trường Viện Thông tin" in refusal

        before = _read(warehouse, "SELECT max(ingested_at) FROM documents")[0][0]
        result = archive("reprocess", "--all", "-w", str(warehouse))
        assert "Reprocessing 2 file(s)" in result.stdout, result.stdout + result.stderr
        assert _read(warehouse, "SELECT min(ingested_at) FROM documents")[0][0] > before  # everything read again

        page.reload()
        assert field(page, "published_date").locator(".value").inner_text() == "23/05/2014"
        assert field(page, "authors").locator(".value").inner_text() == "Hồng Vân, Minh Anh"
        assert field(page, "location").locator(".value").inner_text() == "Hội trường Viện Thông tin"
        assert page.locator("section.threads").count() == 0  # nothing in conflict, nothing orphaned

    rows = _read(warehouse, "SELECT published_date::VARCHAR, authors, location, corrected, extracted_published_date::VARCHAR, "
                            "extracted_authors FROM v_articles WHERE file_name = ?", [SCAN])
    assert rows == [("2014-05-23", ["Hồng Vân", "Minh Anh"], "Hội trường Viện Thông tin", True, "2014-05-22", ["Hồng Vân"])]
    assert _read(warehouse, "SELECT published_date::VARCHAR FROM articles a JOIN documents d USING (document_id) "
                            "WHERE d.file_name = ?", [SCAN]) == [("2014-05-22",)]  # the extractor's table keeps its value


def _read(warehouse, sql, params=()):
    con = wh.connect(warehouse, read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()
