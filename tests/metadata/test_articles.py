"""Segmentation, first cut: layout headings split a bulletin; text without layout is one article."""

from __future__ import annotations

import datetime as dt

from pipelines.config import ReadOptions
from pipelines.core.metadata.articles import build_articles
from pipelines.core.runtime.document import process_document
from pipelines.core.models import Line, Page
from pipelines.samples import Block, write_text_pdf

ISSUE = [
    [
        Block("BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 3/2015", "masthead"),
        Block("HỘI THẢO KHOA HỌC VỀ THƯ VIỆN SỐ", "title"),
        Block("Sáng ngày 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam, Hội Thư viện đã tổ chức "
              "hội thảo khoa học về thư viện số với hơn 100 đại biểu tham dự. Các tham luận tập trung "
              "vào chuẩn siêu dữ liệu và số hóa tài liệu quý hiếm.", "body"),
        Block("Tin: Minh Hà", "byline"),
        Block("TẬP HUẤN NGHIỆP VỤ TẠI QUẢNG NINH", "title"),
        Block("Ngày 12/4/2015, tại Thư viện tỉnh Quảng Ninh, lớp tập huấn biên mục cho cán bộ thư viện "
              "cấp huyện đã khai giảng. Lớp học kéo dài năm ngày với sự tham gia của 40 học viên.", "body"),
        Block("Bài và ảnh: Nguyễn Thị Lan", "byline"),
    ],
    [
        Block("GIAO LƯU ĐỌC SÁCH MÙA HÈ", "title"),
        Block("Hưởng ứng phong trào đọc sách, nhiều thư viện đã mở cửa phòng đọc thiếu nhi vào buổi "
              "tối trong suốt mùa hè, thu hút đông đảo bạn đọc nhỏ tuổi.", "body"),
    ],
]


def test_a_multi_article_issue_is_split_on_its_titles(tmp_path):
    path = write_text_pdf(tmp_path / "issue.pdf", ISSUE)
    result = process_document(path, "doc", "application/pdf", ReadOptions())
    assert result.status == "ok", result.error
    articles = result.articles
    assert [a.title for a in articles] == [
        "HỘI THẢO KHOA HỌC VỀ THƯ VIỆN SỐ",
        "TẬP HUẤN NGHIỆP VỤ TẠI QUẢNG NINH",
        "GIAO LƯU ĐỌC SÁCH MÙA HÈ",
    ]
    first, second, third = articles
    assert (first.published_date, first.location, first.authors) == (
        dt.date(2015, 3, 5), "Hội trường Thư viện Quốc gia Việt Nam", ["Minh Hà"])
    assert (second.published_date, second.location, second.authors) == (
        dt.date(2015, 4, 12), "Thư viện tỉnh Quảng Ninh", ["Nguyễn Thị Lan"])
    assert (third.location, third.authors) == (None, [])  # not stated: null, never invented
    # no date in its text: the issue's date from the masthead, marked as such
    assert (third.published_date, third.date_precision, third.date_source) == (dt.date(2015, 1, 1), "year", "issue")
    assert (first.date_source, first.date_precision, first.date_text) == ("text", "day", "ngày 5/3/2015")
    assert first.body[slice(*first.date_span)] == first.date_text
    assert result.issue_number == "3/2015" and result.masthead.startswith("BẢN TIN HỘI THƯ VIỆN VIỆT NAM")
    assert (third.page_start, third.page_end) == (2, 2)
    assert all("BẢN TIN" not in a.body for a in articles)  # the masthead is not an article's text
    assert [a.seq for a in articles] == [1, 2, 3]


def test_an_article_continuing_onto_the_next_page_stays_one():
    pages = [
        Page(1, "text", "", lines=[Line("TIN HOẠT ĐỘNG", 16, True), Line("Ngày 2/3/2016, tại Hà Nội, hội nghị", 11, False),
                                    Line("đã khai mạc với nhiều", 11, False)]),
        Page(2, "text", "", lines=[Line("đại biểu tham dự.", 11, False), Line("Tin: Thu Trang", 11, False)]),
    ]
    (article,) = build_articles(pages)
    assert (article.page_start, article.page_end) == (1, 2)
    assert article.body.startswith("Ngày 2/3/2016, tại Hà Nội, hội nghị đã khai mạc với nhiều đại biểu tham dự.")
    assert article.authors == ["Thu Trang"]


def test_text_without_layout_is_one_article_titled_by_its_heading():
    text_lines = ["BẢN TIN SỐ 1/2016", "", "KHAI TRƯƠNG THƯ VIỆN", "SỐ ĐẦU TIÊN", "",
                  "Ngày 9/1/2016, thư viện đã khai trương.", "Tin, ảnh: Hồng Vân"]
    (article,) = build_articles([Page(1, "ocr", "", lines=[Line(t) for t in text_lines])])
    assert article.title == "KHAI TRƯƠNG THƯ VIỆN SỐ ĐẦU TIÊN"
    assert article.published_date == dt.date(2016, 1, 9)
    assert "BẢN TIN" not in article.body


def test_failed_and_empty_pages_give_no_articles():
    assert build_articles([Page(1, "failed", "", error="boom")]) == []
    assert build_articles([Page(1, "empty", "", lines=[Line("")])]) == []


def test_running_headers_footers_and_page_numbers_stay_out_of_article_bodies():
    pages = []
    for n in range(1, 5):
        lines = [Line("BẢN TIN HỘI THƯ VIỆN VIỆT NAM - SỐ 2/2014"), Line("")]
        if n == 1:
            lines += [Line("TIN HOẠT ĐỘNG", 16, True)]
        sentence = ["Hội thảo khai mạc sáng nay.", "Các đại biểu thảo luận sôi nổi.", "Đoạn văn thứ ba nói về sách.",
                    "Hội thảo bế mạc chiều cùng ngày."][n - 1]
        lines += [Line(sentence, 11, False), Line(""), Line(f"- {n} -")]
        pages.append(Page(n, "text", "", lines=[Line(ln.text, ln.size or 11, ln.bold or False) for ln in lines]))
    (article,) = build_articles(pages)
    assert "BẢN TIN" not in article.body and "- 2 -" not in article.body
    assert "Đoạn văn thứ ba" in article.body and (article.page_start, article.page_end) == (1, 4)


def test_an_ocr_page_far_below_its_neighbours_is_flagged():
    from pipelines.core.runtime.document import flag_outlier_pages

    pages = [Page(n, "ocr", "chữ", quality=q) for n, q in enumerate([0.95, 0.93, 0.41, 0.96], start=1)]
    flag_outlier_pages(pages)
    assert [p.flags is not None for p in pages] == [False, False, True, False]
    assert pages[2].flags == "OCR quality 0.41 far below the other pages' median 0.95"


def test_text_cues_split_an_ocr_or_text_bulletin_into_its_articles():
    text = """BẢN TIN HỘI THƯ VIỆN VIỆT NAM - Số 4/2016

HỘI THẢO THƯ VIỆN SỐ

Ngày 10/10/2016, tại Hà Nội, Hội Thư viện đã tổ chức hội thảo về thư viện số.
Tin: Minh Hà
TẬP HUẤN BIÊN MỤC TẠI
QUẢNG NINH

Ngày 20/10/2016, tại Thư viện tỉnh Quảng Ninh, lớp tập huấn đã khai giảng.

Bài và ảnh: Nguyễn Thị Lan

SÁCH MỚI

Thư viện vừa bổ sung nhiều đầu sách quý."""
    for method in ("ocr", "text"):
        articles = build_articles([Page(1, method, "", lines=[Line(t) for t in text.split("\n")])])
        assert [a.title for a in articles] == ["HỘI THẢO THƯ VIỆN SỐ", "TẬP HUẤN BIÊN MỤC TẠI QUẢNG NINH", "SÁCH MỚI"]
        assert [a.authors for a in articles] == [["Minh Hà"], ["Nguyễn Thị Lan"], []]
        assert articles[1].location == "Thư viện tỉnh Quảng Ninh"
