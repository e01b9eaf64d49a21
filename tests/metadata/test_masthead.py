"""Tests for pipelines.core.metadata.masthead: the masthead of a bulletin issue."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata.masthead import Masthead, find_masthead


def _summary(masthead: Masthead) -> tuple:
    date = masthead.issue_date.isoformat() if masthead.issue_date else None
    return (masthead.title, masthead.issue_number, date, masthead.precision)


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014",
            ("BẢN TIN HỘI THƯ VIỆN VIỆT NAM", "2/2014", "2014-01-01", "year"),
        ),
        (
            "Bản tin Hội Thư viện Việt Nam Số 3 (tháng 6/2015)",
            ("Bản tin Hội Thư viện Việt Nam", "3", "2015-06-01", "month"),
        ),
        ("THÔNG TIN THƯ VIỆN — Số 1 - 2016", ("THÔNG TIN THƯ VIỆN", "1/2016", "2016-01-01", "year")),
        ("Tập san Thư viện Quý II/2014", ("Tập san Thư viện", None, "2014-04-01", "quarter")),
        (
            "NEWSLETTER OF THE VIETNAM LIBRARY ASSOCIATION No. 4, 2013",
            ("NEWSLETTER OF THE VIETNAM LIBRARY ASSOCIATION", "4/2013", "2013-01-01", "year"),
        ),
        # the issue line under the title
        (
            "BẢN TIN HỘI THƯ VIỆN VIỆT NAM\nSố 2/2014 - Tháng 5/2014\n\nHỘI NGHỊ LẦN THỨ 4",
            ("BẢN TIN HỘI THƯ VIỆN VIỆT NAM", "2/2014", "2014-05-01", "month"),
        ),
        (
            "  THÔNG TIN THƯ VIỆN\n  Số 2 - 2016 (Tháng 6/2016)\nBài viết",
            ("THÔNG TIN THƯ VIỆN", "2/2016", "2016-06-01", "month"),
        ),
        (
            "BẢN TIN HỘI THƯ VIỆN VIỆT NAM - SỐ 3/2016 - THÁNG 9/2016",
            ("BẢN TIN HỘI THƯ VIỆN VIỆT NAM", "3/2016", "2016-09-01", "month"),
        ),
        ("Tập san Thư viện\nQuý 3 năm 2014", ("Tập san Thư viện", None, "2014-07-01", "quarter")),
        ("BULLETIN | June 2013 | Issue 12", ("BULLETIN", "12", "2013-06-01", "month")),
        # no title: an issue line alone at the top
        ("Số 2/2014\nHỘI NGHỊ LẦN THỨ 4", (None, "2/2014", "2014-01-01", "year")),
    ],
)
def test_find_masthead(text, expected):
    masthead = find_masthead(text)
    assert masthead is not None
    assert _summary(masthead) == expected
    s, e = masthead.span
    assert text[s:e] == masthead.text
    assert 0 < masthead.confidence <= 1


def test_masthead_text_covers_title_and_issue_line():
    text = "BẢN TIN HỘI THƯ VIỆN VIỆT NAM\nSố 2/2014 - Tháng 5/2014\n\nHỘI NGHỊ LẦN THỨ 4"
    assert find_masthead(text).text == "BẢN TIN HỘI THƯ VIỆN VIỆT NAM\nSố 2/2014 - Tháng 5/2014"
    assert find_masthead("Bản tin Hội Số 3 (tháng 6/2015)").text == "Bản tin Hội Số 3 (tháng 6/2015)"


def test_issue_date_is_a_date_with_its_precision():
    masthead = find_masthead("Tập san Thư viện Quý II/2014")
    assert masthead.issue_date == dt.date(2014, 4, 1) and masthead.precision == "quarter"


@pytest.mark.parametrize(
    "text",
    [
        "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II\n\nNgày 22/ 5/ 2014, tại Viện Thông tin",
        "Thông tin về hội nghị năm 2014 đã được gửi tới các chi hội.",  # a sentence
        "BẢN TIN\nHỘI THƯ VIỆN VIỆT NAM",  # a title without an issue number or date
        "Bản tin số 12/2014/NĐ-CP",  # a document number
        "",
        "\n\n  \n",
    ],
)
def test_no_masthead(text):
    assert find_masthead(text) is None


def test_masthead_only_in_the_first_lines():
    text = "\n".join(f"Dòng {i} của bài viết" for i in range(20)) + "\nBẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014"
    assert find_masthead(text) is None


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "BẢN TIN ", "Bản tin ", "THÔNG TIN ", "Tập san ", "NEWSLETTER ", "HỘI THƯ VIỆN VIỆT NAM", " — ", " - ",
        "Số ", "No. ", "2", "/", "2014", "(", ")", "tháng ", "Quý ", "II", ", ", "\n", " ", "x", "June ", "13",
    ]
)
_MASTHEADISH = st.lists(_FRAGMENTS, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _MASTHEADISH))
def test_find_masthead_never_raises_and_span_indexes_the_text(text):
    masthead = find_masthead(text)
    if masthead is not None:
        s, e = masthead.span
        assert 0 <= s < e <= len(text)
        assert text[s:e] == masthead.text
        assert masthead.issue_number or masthead.issue_date
        assert masthead.precision in (None, "day", "month", "quarter", "year")
        assert (masthead.issue_date is None) == (masthead.precision is None)
        if masthead.title is not None:
            assert masthead.title.split()[0] in " ".join(masthead.text.split())
