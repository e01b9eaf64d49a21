"""Tests for pipelines.core.metadata.dates: date mentions in Vietnamese text and the article's date."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata.dates import (
    MAX_YEAR,
    MIN_YEAR,
    DateMention,
    article_date,
    find_dates,
    find_dates_in_year,
    find_partial_dates,
    paragraph_spans,
    posting_lines,
    sentence_spans,
)

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
SEED_FILE = SEEDS / "000_67f4d1abc44ae8ef.txt"

# The key parts of the canonical seed, with its traps: a heading, hard line breaks inside
# sentences, a no-break space, lines of spaces where photos stood, years in reported history
# ("năm 2013", "năm 2014-2015"), "lần thứ 4", and the byline glued to the last sentence.
SEED_EXCERPT = (
    "\n"
    "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II\n"
    "\n"
    "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam\n"
    "đã tổ chức Hội nghị mở rộng lần thứ 4. \u00a0Hơn 40 đại biểu là ủy viên BCH và đại diện một số chi\n"
    "hội tiêu biểu về tham dự hội nghị. \n"
    "\n"
    "  \n"
    "\n"
    "Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013 và triển khai công tác\n"
    "năm 2014-2015. Báo cáo đã nêu rõ đường hướng về những nội dung hoạt động cơ bản của một\n"
    "xã hội nghề nghiệp.\n"
    "\n"
    "\u00a0\u00a0\u00a0\u00a0\u00a0 \n"
    "\n"
    "Hội nghị nhất trí xác định phương hướng, nhiệm vụ năm 2014 và 2015 của Hội Thư viện là:\n"
    "Tiếp tục tăng cường tuyên truyền, vận động đông đảo cá nhân và tập thể gia nhập Hội.\n"
    "\n"
    "Sau Hội nghị, các đại biểu đã tới tham quan, học tập kinh nghiệm tại Thư viện Viện Thông tin\n"
    "Khoa học Xã hội và Thư viện tỉnh Quảng Ninh.\n"
    " Tin, ảnh: Hồng Vân    \n"
    " "
)

# The same opening as paragraphs joined by the normalizer ("\n\n" between paragraphs).
SEED_PARAGRAPHS = (
    "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II\n\n"
    "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam"
    " đã tổ chức Hội nghị mở rộng lần thứ 4. Hơn 40 đại biểu là ủy viên BCH và đại diện một số"
    " chi hội tiêu biểu về tham dự hội nghị.\n\n"
    "Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013 và triển khai công tác"
    " năm 2014-2015.\n\n"
    "Tin, ảnh: Hồng Vân"
)


def _summary(mention: DateMention) -> tuple:
    return (mention.text, mention.start.isoformat(), mention.end.isoformat() if mention.end else None, mention.precision)


# --- the canonical seed -------------------------------------------------------------------


@pytest.mark.parametrize("text", [SEED_EXCERPT, SEED_PARAGRAPHS], ids=["raw-lines", "paragraphs"])
def test_seed_article_date(text):
    mention = article_date(text)
    assert mention is not None
    assert mention.start == dt.date(2014, 5, 22)
    assert mention.end is None
    assert mention.precision == "day"
    assert mention.text == "Ngày 22/ 5/ 2014"
    assert text[mention.span[0] : mention.span[1]] == mention.text
    assert not mention.lunar


def test_seed_mentions():
    assert [_summary(m) for m in find_dates(SEED_EXCERPT)] == [
        ("Ngày 22/ 5/ 2014", "2014-05-22", None, "day"),
        ("năm 2013", "2013-01-01", None, "year"),
        ("năm 2014-2015", "2014-01-01", "2015-01-01", "year"),
        ("năm 2014", "2014-01-01", None, "year"),  # "năm 2014 và 2015": "2015" alone is no date
    ]


def test_seed_file():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent (a clone outside the workplace): the seed file cannot be read")
    if not SEED_FILE.is_file():
        pytest.skip(f"seed file {SEED_FILE} is absent")
    text = SEED_FILE.read_text(encoding="utf-8")
    mention = article_date(text)
    assert mention is not None
    assert (mention.start, mention.text) == (dt.date(2014, 5, 22), "Ngày 22/ 5/ 2014")
    assert text[mention.span[0] : mention.span[1]] == "Ngày 22/ 5/ 2014"
    texts = [m.text for m in find_dates(text)]
    assert texts[0] == "Ngày 22/ 5/ 2014"
    assert "năm 2014-2015" in texts


# --- find_dates: forms ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # day
        ("Ngày 22/ 5/ 2014, tại Hà Nội", ("Ngày 22/ 5/ 2014", "2014-05-22", None, "day")),
        ("vào 22/05/2014.", ("22/05/2014", "2014-05-22", None, "day")),
        ("sáng 22-5-2014 tại", ("22-5-2014", "2014-05-22", None, "day")),
        ("(22.5.2014)", ("22.5.2014", "2014-05-22", None, "day")),
        ("ngày 22 tháng 5 năm 2014", ("ngày 22 tháng 5 năm 2014", "2014-05-22", None, "day")),
        ("Ngày 22 tháng 5, năm 2014", ("Ngày 22 tháng 5, năm 2014", "2014-05-22", None, "day")),
        ("mồng 2 tháng 9 năm 1945", ("mồng 2 tháng 9 năm 1945", "1945-09-02", None, "day")),
        ("ngày 29/2/2016", ("ngày 29/2/2016", "2016-02-29", None, "day")),
        ("NGÀY 22/5/2014", ("NGÀY 22/5/2014", "2014-05-22", None, "day")),
        ("ngày\u00a022/5/2014", ("ngày\u00a022/5/2014", "2014-05-22", None, "day")),
        ("Ngày\n22/\n5/\n2014 hội nghị", ("Ngày\n22/\n5/\n2014", "2014-05-22", None, "day")),
        ("22 / 5 / 2014", ("22 / 5 / 2014", "2014-05-22", None, "day")),
        # weekday prefixes
        ("Thứ Năm, 22/5/2014", ("Thứ Năm, 22/5/2014", "2014-05-22", None, "day")),
        ("thứ 5, ngày 22/5/2014", ("thứ 5, ngày 22/5/2014", "2014-05-22", None, "day")),
        ("Chủ nhật, ngày 1.6.2014", ("Chủ nhật, ngày 1.6.2014", "2014-06-01", None, "day")),
        ("Thứ hai 2/6/2014", ("Thứ hai 2/6/2014", "2014-06-02", None, "day")),
        # day ranges
        ("từ ngày 19/09/2022 – 25/09/2022", ("từ ngày 19/09/2022 – 25/09/2022", "2022-09-19", "2022-09-25", "day")),
        ("từ ngày 19/9/2022 đến ngày 25/9/2022", ("từ ngày 19/9/2022 đến ngày 25/9/2022", "2022-09-19", "2022-09-25", "day")),
        ("từ 19 đến 25/9/2022", ("từ 19 đến 25/9/2022", "2022-09-19", "2022-09-25", "day")),
        ("Tuần lễ 19-25/9/2022 tại", ("19-25/9/2022", "2022-09-19", "2022-09-25", "day")),
        ("ngày 19 - 25.9.2022", ("ngày 19 - 25.9.2022", "2022-09-19", "2022-09-25", "day")),
        ("từ 28/9 đến 2/10/2022", ("từ 28/9 đến 2/10/2022", "2022-09-28", "2022-10-02", "day")),
        ("từ 28/12 đến 3/1/2015", ("từ 28/12 đến 3/1/2015", "2014-12-28", "2015-01-03", "day")),
        ("ngày 19-20 tháng 5 năm 2014", ("ngày 19-20 tháng 5 năm 2014", "2014-05-19", "2014-05-20", "day")),
        (
            "từ ngày 28 tháng 9 đến ngày 2 tháng 10 năm 2022",
            ("từ ngày 28 tháng 9 đến ngày 2 tháng 10 năm 2022", "2022-09-28", "2022-10-02", "day"),
        ),
        # month
        ("trong tháng 5/2014,", ("tháng 5/2014", "2014-05-01", None, "month")),
        ("Tháng 5 năm 2014", ("Tháng 5 năm 2014", "2014-05-01", None, "month")),
        ("tháng 12-2014", ("tháng 12-2014", "2014-12-01", None, "month")),
        ("tháng 5-6/2014", ("tháng 5-6/2014", "2014-05-01", "2014-06-01", "month")),
        ("từ tháng 5 đến tháng 8 năm 2014", ("từ tháng 5 đến tháng 8 năm 2014", "2014-05-01", "2014-08-01", "month")),
        # quarter
        ("Quý II/2014", ("Quý II/2014", "2014-04-01", None, "quarter")),
        ("trong quý IV năm 2013", ("quý IV năm 2013", "2013-10-01", None, "quarter")),
        ("quý 3/2014", ("quý 3/2014", "2014-07-01", None, "quarter")),
        ("Quý I/2015", ("Quý I/2015", "2015-01-01", None, "quarter")),
        # year
        ("năm 2014", ("năm 2014", "2014-01-01", None, "year")),
        ("năm 2014-2015", ("năm 2014-2015", "2014-01-01", "2015-01-01", "year")),
        ("năm 2014 – 2015", ("năm 2014 – 2015", "2014-01-01", "2015-01-01", "year")),
        ("năm học 2014/2015", ("năm học 2014/2015", "2014-01-01", "2015-01-01", "year")),
        ("giai đoạn 2014-2020", ("giai đoạn 2014-2020", "2014-01-01", "2020-01-01", "year")),
        ("nhiệm kỳ 2013 - 2018", ("nhiệm kỳ 2013 - 2018", "2013-01-01", "2018-01-01", "year")),
        ("từ năm 2014 đến năm 2016", ("từ năm 2014 đến năm 2016", "2014-01-01", "2016-01-01", "year")),
        ("Năm 1900", ("Năm 1900", "1900-01-01", None, "year")),
        ("năm 2100", ("năm 2100", "2100-01-01", None, "year")),
    ],
)
def test_find_dates_forms(text, expected):
    mentions = find_dates(text)
    assert [_summary(m) for m in mentions] == [expected]
    assert not mentions[0].lunar


@pytest.mark.parametrize(
    "text",
    [
        "Số 12/2014/NĐ-CP",  # a decree number
        "Luật số 46/2019/QH14",
        "Quyết định số 01/05/2014/QĐ-BVHTTDL",  # a document number that looks like a date
        "số 22/5/2014",
        "ĐT: 0912.345.678",  # phone numbers
        "Điện thoại 04.22.5.2014",
        "Tel: 22.5.2014",
        "ISBN 978-604-22-5201-4",
        "122/5/2014",
        "31/2/2014",  # impossible dates
        "ngày 29/2/2015",
        "32/12/2014",
        "tháng 13/2014",
        "Quý V/2014",
        "22/5/1850",  # out of 1900–2100
        "22/5/2150",
        "năm 1800",
        "năm 20",
        "ngày 22/5",  # no year: nothing is inferred
        "ngày 22 tháng 5",
        "5/2014",  # a bare month/year (issue numbers look like this)
        "Bản tin số 4/2014",
        "2014",  # a bare number
        "lần thứ 4",
        "trang 12",
        "trang 22-25/5/2014",
        "Hơn 40 đại biểu",
        "năm Giáp Ngọ",  # a cyclical year name has no number
        "Rằm tháng Giêng",
        "năm 2015-2014",  # a reversed span of years
        "",
    ],
)
def test_find_dates_negatives(text):
    assert find_dates(text) == []


def test_ordinal_is_not_a_weekday():
    # "lần thứ 4 - 22/5/2014": the date is there, "thứ 4" (Wednesday) is not part of it.
    assert [m.text for m in find_dates("Hội nghị lần thứ 4 - 22/5/2014")] == ["22/5/2014"]


def test_reversed_day_range_keeps_only_the_real_date():
    assert [m.text for m in find_dates("từ 25 đến 19/9/2022")] == ["19/9/2022"]


def test_decree_number_then_its_date():
    text = "Thông tư 02/2020/TT-BVHTTDL ngày 5 tháng 3 năm 2020 quy định"
    assert [_summary(m) for m in find_dates(text)] == [("ngày 5 tháng 3 năm 2020", "2020-03-05", None, "day")]


def test_order_of_appearance_and_longest_match():
    text = "Ngày 22 tháng 5 năm 2014, Hội tổng kết năm 2013; Quý II/2014 và tháng 6/2014."
    assert [m.text for m in find_dates(text)] == ["Ngày 22 tháng 5 năm 2014", "năm 2013", "Quý II/2014", "tháng 6/2014"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Nhân dịp Rằm tháng Giêng năm 2014, thư viện", ("Rằm tháng Giêng năm 2014", "2014-01-15", None, "day")),
        ("ngày 15/8/2014 âm lịch", ("ngày 15/8/2014 âm lịch", "2014-08-15", None, "day")),
        ("ngày 15 tháng 8 năm 2014 (âm lịch)", ("ngày 15 tháng 8 năm 2014 (âm lịch)", "2014-08-15", None, "day")),
        ("mùng 1 tháng Chạp năm 2013", ("mùng 1 tháng Chạp năm 2013", "2013-12-01", None, "day")),
        ("tháng Giêng năm 2015", ("tháng Giêng năm 2015", "2015-01-01", None, "month")),
        ("Rằm tháng 7 năm 2014", ("Rằm tháng 7 năm 2014", "2014-07-15", None, "day")),
    ],
)
def test_lunar_dates_are_flagged(text, expected):
    mentions = find_dates(text)
    assert [_summary(m) for m in mentions] == [expected]
    assert mentions[0].lunar


def test_solar_mung_is_not_lunar():
    [mention] = find_dates("Kỷ niệm mùng 2 tháng 9 năm 2014")
    assert not mention.lunar


# --- article_date -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, text, start",
    [
        # the event date of the opening sentence
        (
            "Sáng ngày 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội),"
            " Hội Thư viện đã tổ chức hội thảo. Hội Thư viện được thành lập năm 2006.",
            "ngày 5/3/2015",
            "2015-03-05",
        ),
        ("Thứ Năm, 22/5/2014, Hội Thư viện tổ chức hội nghị.", "Thứ Năm, 22/5/2014", "2014-05-22"),
        (
            "Từ ngày 19/09/2022 – 25/09/2022, tại Hà Nội diễn ra Tuần lễ Thư viện.",
            "Từ ngày 19/09/2022 – 25/09/2022",
            "2022-09-19",
        ),
        ("Trong hai ngày 19-20 tháng 5 năm 2014, lớp tập huấn đã diễn ra.", "ngày 19-20 tháng 5 năm 2014", "2014-05-19"),
        # a day date is preferred to a year earlier in the opening sentence
        ("Năm 2014, Hội tổ chức hội nghị vào ngày 22/5/2014 tại Hà Nội.", "ngày 22/5/2014", "2014-05-22"),
        # the opening paragraph when the first sentence has no day
        (
            "Hội Thư viện Việt Nam tổ chức hội thảo khoa học. Hội thảo diễn ra ngày 22/5/2014 tại Hà Nội.",
            "ngày 22/5/2014",
            "2014-05-22",
        ),
        # a dateline
        (
            "Hội Thư viện Việt Nam thông báo tổ chức Hội thảo.\n\nHà Nội, ngày 22 tháng 5 năm 2014\nTM. BAN CHẤP HÀNH",
            "ngày 22 tháng 5 năm 2014",
            "2014-05-22",
        ),
        # a month or a quarter in the opening paragraph
        ("Tháng 5/2014, Hội tổ chức lớp tập huấn nghiệp vụ.", "Tháng 5/2014", "2014-05-01"),
        ("Trong Quý II/2014, các chi hội đã sinh hoạt chuyên đề.", "Quý II/2014", "2014-04-01"),
        # a bare year in the opening sentence, when nothing better exists
        ("Năm 2014, Hội đã tổ chức nhiều hoạt động.\n\nCác chi hội tích cực.", "Năm 2014", "2014-01-01"),
        # history in the opening is skipped, the event date is found
        (
            "Hội Thư viện (thành lập năm 2006) đã tổ chức hội nghị ngày 22/5/2014 tại Hà Nội.",
            "ngày 22/5/2014",
            "2014-05-22",
        ),
        # headings are not the opening sentence
        ("HỘI THẢO NĂM 2013\n\nNgày 22/5/2014, Hội tổ chức hội thảo.", "Ngày 22/5/2014", "2014-05-22"),
        # the opening states no date: the event's day later in the lead (issue 13: the date
        # tied to the event, not only the opening's)
        (
            "Thư viện phục vụ bạn đọc.\n\nNgày 5/6/2014 các đại biểu tham quan. Năm 2014 là năm bản lề.",
            "Ngày 5/6/2014",
            "2014-06-05",
        ),
    ],
)
def test_article_date(body, text, start):
    mention = article_date(body)
    assert mention is not None
    assert (mention.text, mention.start.isoformat()) == (text, start)
    assert body[mention.span[0] : mention.span[1]] == mention.text


@pytest.mark.parametrize(
    "body",
    [
        "Hội Thư viện được thành lập năm 1961. Từ đó Hội phát triển không ngừng.",  # history
        "Từ năm 1990, thư viện đã phục vụ hàng triệu lượt bạn đọc.",  # "since"
        "Trước đây, ngày 1/1/2010 thư viện mở cửa. Hiện nay thư viện có nhiều sách.",
        "Hạn nộp bài trước ngày 30/6/2014.",  # a deadline
        "Chiến lược phát triển đến năm 2020 đã được phê duyệt.",  # a target
        "Hội nghị đã thành công.\n\nTrong năm 2014, Hội tổ chức nhiều hoạt động.",  # year not in the opening
        "Nhân dịp Rằm tháng Giêng năm 2014, thư viện tổ chức Ngày thơ Việt Nam.",  # lunar only
        "Thực hiện Nghị định số 12/2014/NĐ-CP, thư viện triển khai công tác.",
        "Hội nghị lần thứ 4 có hơn 40 đại biểu tham dự.",
        "Sáng 22/5, Hội tổ chức hội nghị.",  # no year: never invented
        "HỘI NGHỊ NĂM 2014",  # a heading only
        "",
    ],
)
def test_article_date_none(body):
    assert article_date(body) is None


# --- confidence, partial dates and the issue date ----------------------------------------------


def test_find_dates_gives_a_recognition_confidence():
    by_text = {m.text: m.confidence for m in find_dates("Ngày 22/5/2014, tháng 6/2014, quý II/2014, năm 2015, Rằm tháng Giêng năm 2014")}
    assert by_text["Ngày 22/5/2014"] > by_text["năm 2015"]
    assert by_text["Rằm tháng Giêng năm 2014"] < by_text["năm 2015"]
    assert all(0 < c <= 1 for c in by_text.values())


def test_article_date_confidence_follows_the_rule_that_chose_it():
    opening = article_date("Ngày 22/5/2014, Hội tổ chức hội nghị.")
    year_only = article_date("Năm 2014, Hội đã tổ chức nhiều hoạt động.")
    assert opening.confidence > year_only.confidence
    assert not opening.year_from_issue


@pytest.mark.parametrize(
    "body, issue_date, precision, text, start, end, expected_precision",
    [
        ("Sáng 15/4, tại Thư viện tỉnh Quảng Ninh, Hội khai giảng lớp học.", "2014-05-01", "month", "Sáng 15/4", "2014-04-15", None, "day"),
        ("Ngày 22-5 vừa qua, Hội tổ chức hội nghị.", "2014-06-01", "month", "Ngày 22-5", "2014-05-22", None, "day"),
        ("Ngày 23 tháng 4, tại Thư viện tỉnh, Sở tổ chức ngày hội.", "2015-01-01", "year", "Ngày 23 tháng 4", "2015-04-23", None, "day"),
        ("Thứ Năm, 22/5, Hội họp.", "2014-05-01", "month", "Thứ Năm, 22/5", "2014-05-22", None, "day"),
        ("Từ ngày 5 đến ngày 9/8, Trung tâm tổ chức lớp tập huấn.", "2013-01-01", "year", "Từ ngày 5 đến ngày 9/8", "2013-08-05", "2013-08-09", "day"),
        ("Ngày 28/12 - 3/1, Hội tổ chức trại sáng tác.", "2015-01-01", "month", "Ngày 28/12 - 3/1", "2014-12-28", "2015-01-03", "day"),
        ("Trong tháng 8, Thư viện tỉnh đã tổ chức 12 chuyến xe lưu động.", "2015-09-01", "month", "tháng 8", "2015-08-01", None, "month"),
        # more than six months after the issue: the year before
        ("Ngày 15/10, Hội tổ chức đại hội.", "2015-01-01", "month", "Ngày 15/10", "2014-10-15", None, "day"),
        # ... but an issue dated by its year only covers the whole year
        ("Ngày 15/10, Hội tổ chức đại hội.", "2013-01-01", "year", "Ngày 15/10", "2013-10-15", None, "day"),
        ("Hội tổ chức hội nghị trong tháng 12 năm ngoái.", "2016-01-01", "year", "tháng 12", "2015-12-01", None, "month"),
    ],
)
def test_partial_date_completed_with_the_issue_year(body, issue_date, precision, text, start, end, expected_precision):
    mention = article_date(body, issue_date=dt.date.fromisoformat(issue_date), issue_precision=precision)
    assert mention is not None
    assert (mention.text, mention.start.isoformat()) == (text, start)
    assert (mention.end.isoformat() if mention.end else None) == end
    assert mention.precision == expected_precision
    assert mention.year_from_issue  # the year came from the issue date
    assert body[mention.span[0] : mention.span[1]] == mention.text
    assert mention.confidence < article_date("Ngày 22/5/2014, Hội họp.").confidence
    assert article_date(body) is None  # without the issue date, no year is invented


def test_a_full_date_is_preferred_and_never_completed():
    body = "Ngày 22/5/2014, Hội tổ chức hội nghị; ngày 23/5 các đại biểu đi thăm."
    mention = article_date(body, issue_date=dt.date(2014, 5, 1), issue_precision="month")
    assert (mention.text, mention.year_from_issue) == ("Ngày 22/5/2014", False)
    assert [m.text for m in find_partial_dates(body, dt.date(2014, 5, 1))] == ["ngày 23/5"]


@pytest.mark.parametrize(
    "body",
    [
        "Từ 22/5 thư viện mở cửa cả ngày thứ Bảy.",  # "since"
        "Hạn nộp bài trước ngày 30/6.",  # a deadline
        "Số 22/5 của bản tin đã phát hành.",  # no cue word
        "Tỷ lệ 22/5 là cao.",
        "Hội nghị kéo dài 5 tháng.",  # a duration
        "Lớp học kéo dài 22 tháng 5 ngày.",
        "Ngày 31/2, Hội họp.",  # impossible
        "Quyết định số 10/2013/QĐ-BVHTTDL ngày 5/3 của Bộ.",  # a document's date
    ],
)
def test_no_partial_article_date(body):
    assert article_date(body, issue_date=dt.date(2014, 5, 1), issue_precision="month") is None


@pytest.mark.parametrize(
    "body",
    [
        "Thực hiện Chỉ thị số 15/CT-BVHTTDL ngày 10/1/2012 của Bộ, Hội đề nghị các chi hội báo cáo.",
        "Theo Nghị định số 02/2009/NĐ-CP ngày 6/1/2009 của Chính phủ, mỗi trường phải có thư viện.",
        "Thư viện được đầu tư theo Quyết định số 1862/QĐ-UBND ngày 20/4/2013 của Ủy ban nhân dân.",
        "Nhà thư viện học sinh năm 1935, qua đời ngày 3/7/2015 tại Hà Nội.",
    ],
)
def test_dates_of_documents_and_lives_are_not_the_article_date(body):
    assert article_date(body) is None


def test_seed_date_with_its_issue():
    seed = (Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    mention = article_date(seed, issue_date=dt.date(2014, 5, 1), issue_precision="month")
    assert (mention.start, mention.precision, mention.text) == (dt.date(2014, 5, 22), "day", "Ngày 22/ 5/ 2014")
    assert not mention.year_from_issue and mention.confidence >= 0.9


def test_issue_date_is_not_a_fallback():
    assert article_date("Hội nghị diễn ra thành công tốt đẹp.", issue_date=dt.date(2014, 6, 1)) is None


def test_issue_date_rejects_implausible_dates():
    body = "Ngày 22/5/1990, Hội tổ chức hội nghị đầu tiên."
    assert article_date(body) is not None
    assert article_date(body, issue_date=dt.date(2014, 6, 1)) is None
    assert article_date("Ngày 22/5/2014, Hội tổ chức hội nghị.", issue_date=dt.date(2014, 6, 1)).start == dt.date(
        2014, 5, 22
    )


def test_lunar_date_is_never_the_article_date_but_a_solar_one_is():
    body = "Ngày 14/2/2014 (tức Rằm tháng Giêng năm 2014), thư viện tổ chức Ngày thơ."
    mention = article_date(body)
    assert mention is not None and mention.text == "Ngày 14/2/2014" and not mention.lunar


# --- paragraphs and sentences ---------------------------------------------------------------


def test_paragraph_spans_skip_blank_and_whitespace_lines_and_split_headings():
    text = "TIÊU ĐỀ BÀI VIẾT\nDòng một\ndòng hai.\n \u00a0\n\nĐoạn hai."
    assert [text[s:e] for s, e in paragraph_spans(text)] == ["TIÊU ĐỀ BÀI VIẾT", "Dòng một\ndòng hai.", "Đoạn hai."]


def test_sentence_spans_respect_abbreviations_and_numbers():
    text = "PGS.TS. Nguyễn Văn A về TP. Hồ Chí Minh ngày 22.5.2014. Hội nghị kết thúc./. Tin: Hà"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "PGS.TS. Nguyễn Văn A về TP. Hồ Chí Minh ngày 22.5.2014.",
        "Hội nghị kết thúc./.",
        "Tin: Hà",
    ]


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "Ngày ", "ngày ", "22", "5", "2014", "/", "/ ", ".", "-", "–", " ", "\n", "\n\n", "\u00a0",
        "tháng ", "năm ", "Quý ", "II", "từ ", "đến ", "Thứ Năm, ", "âm lịch", "Rằm ", "Giêng",
        "số ", "lần thứ ", "thành lập ", "HỘI NGHỊ", "tại ", "Hà Nội", ", ", ". ", "(", ")", "31", "12",
    ]
)
_DATEISH = st.lists(_FRAGMENTS, max_size=40).map("".join)


def _check_mention(text: str, mention: DateMention) -> None:
    s, e = mention.span
    assert 0 <= s < e <= len(text)
    assert text[s:e] == mention.text
    assert mention.precision in ("day", "month", "quarter", "year")
    assert MIN_YEAR <= mention.start.year <= MAX_YEAR
    if mention.end is not None:
        assert mention.end > mention.start


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _DATEISH))
def test_find_dates_never_raises_and_spans_index_the_text(text):
    mentions = find_dates(text)
    for mention in mentions:
        _check_mention(text, mention)
    spans = [m.span for m in mentions]
    assert spans == sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))  # no overlaps


def _without_confidence(mentions: list[DateMention]) -> list[DateMention]:
    return [replace(m, confidence=0.0) for m in mentions]


_PRECISIONS = st.sampled_from([None, "day", "month", "quarter", "year"])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.text(), _DATEISH),
    st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
    _PRECISIONS,
)
def test_article_date_never_raises_and_is_one_of_the_mentions(text, issue_date, issue_precision):
    mention = article_date(text, issue_date=issue_date, issue_precision=issue_precision)
    if mention is not None:
        _check_mention(text, mention)
        assert not mention.lunar
        assert 0 < mention.confidence <= 1
        # the same mention as found (its confidence is the choice's, not the recognition's;
        # its end may come from a later sentence, its year from elsewhere in the text)
        if mention.year_from_issue:
            reference = (issue_date, issue_precision) if issue_date else (posting_lines(text)[0][1], "day")
            pool = find_partial_dates(text, *reference)
        elif mention.year_from_context:
            pool = find_dates_in_year(text, (mention.end or mention.start).year)
        else:
            pool = find_dates(text)
        assert replace(mention, confidence=0.0, end=None) in [replace(m, end=None) for m in _without_confidence(pool)]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _DATEISH), st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), _PRECISIONS)
def test_find_partial_dates_never_raises_and_never_overlaps_full_dates(text, issue_date, issue_precision):
    partial = find_partial_dates(text, issue_date, issue_precision)
    full = [m.span for m in find_dates(text)]
    for mention in partial:
        _check_mention(text, mention)
        assert mention.year_from_issue and mention.precision in ("day", "month")
        assert not any(s < mention.span[1] and mention.span[0] < e for s, e in full)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(), _DATEISH))
def test_sentences_lie_inside_their_paragraphs(text):
    for ps, pe in paragraph_spans(text):
        assert 0 <= ps < pe <= len(text)
        for s, e in sentence_spans(text, ps, pe):
            assert ps <= s < e <= pe


# ---------------------------------------------------------------------------
# The scan looks for dates only around digits: it must find what a whole-text scan finds
# ---------------------------------------------------------------------------

from pipelines.core.metadata import dates as dates_module  # noqa: E402

_WIDE_FRAGMENTS = st.sampled_from(
    [
        "Ngày ", "ngày ", "mùng ", "mồng ", "22", "5", "9", "2014", "2016", "/", "/ ", ".", "-", " – ", " ",
        "\n", "\n\n", "   \n\n  ", " " * 70, "\u00a0", "tháng ", "năm ", "năm học ", "Quý ", "IV", "II ", "từ ",
        "đến hết ngày ", "tới ", " và ", ", ", "Chủ nhật, ", "Thứ Hai, ", "thứ 5 ", "Sáng nay (", "chiều ",
        "thời gian: ", "Rằm ", "tháng Giêng ", "tháng Chạp ", "âm lịch", "(ÂL)", "giai đoạn ", "nhiệm kỳ ",
        "niên khoá ", "số ", "lần thứ ", "ngày lễ ", "các ngày ", "thư viện tỉnh tổ chức hội thảo ",
        "Hà Nội", ". ", "(", ")", "31", "12", "29", "02",
    ]
)


def _every_match(search, pattern, text):
    """Every match a scan meets, as find_dates walks them (retrying one character on)."""
    found, pos = [], 0
    while (match := search(pattern, text, pos)) is not None:
        found.append((match.span(), match.groupdict()))
        pos = match.start() + 1
    return found


def _whole_text(pattern, text, pos):
    return pattern.search(text, pos)


@settings(max_examples=400, deadline=None)
@given(st.lists(_WIDE_FRAGMENTS, max_size=60).map("".join))
def test_searching_around_digits_finds_what_a_whole_text_search_finds(text):
    patterns = [p for p, _ in dates_module._PATTERNS] + [p for p, _ in dates_module._PARTIAL_PATTERNS]
    for pattern in patterns:
        assert _every_match(dates_module._search_windows, pattern, text) == _every_match(_whole_text, pattern, text)


def test_searching_around_digits_finds_what_a_whole_text_search_finds_in_the_labelled_articles():
    import json

    cases = json.loads((Path(__file__).parents[1] / "data" / "metadata_cases.json").read_text(encoding="utf-8"))["cases"]
    patterns = [p for p, _ in dates_module._PATTERNS] + [p for p, _ in dates_module._PARTIAL_PATTERNS]
    for case in cases:
        for pattern in patterns:
            assert _every_match(dates_module._search_windows, pattern, case["body"]) == _every_match(
                _whole_text, pattern, case["body"]
            ), (case["id"], pattern.pattern[:60])


def test_the_windows_leave_out_text_far_from_any_digit():
    text = "Thư viện mở cửa cả tuần. " * 20 + "Ngày 22/5/2014 khai mạc." + " Bạn đọc đến đông." * 20
    windows = dates_module._windows(text)
    assert len(windows) == 1
    start, end = windows[0]
    assert text[start:end].count("Ngày 22/5/2014") == 1 and end - start < len(text) / 3
    assert [m.text for m in find_dates(text)] == ["Ngày 22/5/2014"]
