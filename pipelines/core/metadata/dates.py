"""Dates in Vietnamese bulletin text, and the choice of an article's date.

:func:`find_dates` lists every date expression it recognises, in order of appearance, with
its exact source words and character offsets. :func:`article_date` picks the one that dates
the article (the event reported in its opening sentence).

Recognised forms (case-insensitive; spaces may be ordinary, no-break or a line break):

* day: ``Ngày 22/ 5/ 2014``, ``22/05/2014``, ``22-5-2014``, ``22.5.2014``,
  ``ngày 22 tháng 5 năm 2014``, optionally after a weekday (``Thứ Năm, 22/5/2014``,
  ``Chủ nhật, ngày …``);
* day ranges: ``từ ngày 19/09/2022 – 25/09/2022``, ``từ 19 đến 25/9/2022``,
  ``19-25/9/2022``, ``từ 28/9 đến 2/10/2022``, ``ngày 19-20 tháng 5 năm 2014``;
* month: ``tháng 5/2014``, ``tháng 5 năm 2014``, ``tháng 5-6/2014`` (a range);
* quarter: ``Quý II/2014``, ``quý 3 năm 2014``;
* year: ``năm 2014``, ``năm 2014-2015`` / ``giai đoạn 2014 – 2020`` / ``năm học 2014/2015``
  (ranges of years);
* lunar dates: a date followed by ``âm lịch``/``(ÂL)``, ``Rằm tháng Giêng năm 2014``,
  ``mùng 1 tháng Chạp năm 2013``; returned with ``lunar=True`` and their numbers left as
  written (no conversion to the solar calendar).

Conventions and limits:

* ``start`` (and ``end``) is the first day of the period named: ``tháng 5/2014`` starts on
  2014-05-01, ``năm 2014-2015`` is start 2014-01-01, end 2015-01-01, precision 'year'.
  ``end`` is None except for ranges; for a day range it is the last day (inclusive).
* ``text`` includes the words that introduce the date (``Ngày``, a weekday, the ``từ`` of a
  range, ``tháng``/``năm``/``quý``), so ``text == source[span[0]:span[1]]`` always.
* Only four-digit years 1900–2100. Dates without a year (``ngày 22/5``), bare month/year
  numbers (``5/2014`` without ``tháng``), bare years without ``năm`` and lunar dates whose
  year is a cyclical name (``năm Giáp Ngọ``) are not dates here: nothing is inferred.
* Impossible dates (31/2/2014) are skipped; so are numbers that continue into other numbers
  (phone numbers), document numbers (``Số 12/2014/NĐ-CP``, ``01/05/2014/QĐ``) and numbers after
  ``số``, ``lần thứ``, ``trang``, ``điện thoại`` ….

Partial dates and the issue date: :func:`find_partial_dates` lists dates stated without a
year (``Sáng 22/5``, ``ngày 22 tháng 5``, ``từ 19 - 21/5``, ``tháng 5``), completed with the
year of the issue they were printed in (``year_from_issue=True``; a date more than six months
after the issue date is put in the year before: an issue of January 2015 reporting "ngày
28/12" means 28/12/2014). :func:`article_date` uses them only when given the issue date.

Evidence: every mention carries a ``confidence`` (0–1). From :func:`find_dates` it says how
surely the words are a date (a full day 0.95 … a bare "năm 2014" 0.8, lunar 0.7); from
:func:`article_date` it says how surely the mention dates the article (see there).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import itertools
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

from pipelines.core.metadata.leading import leading

__all__ = [
    "DateMention",
    "find_dates",
    "find_partial_dates",
    "find_dates_in_year",
    "posting_lines",
    "article_date",
    # text layout helpers, shared with pipelines.core.metadata.places
    "paragraph_spans",
    "sentence_spans",
    "opening_spans",
    "is_heading",
]

MIN_YEAR, MAX_YEAR = 1900, 2100

# How far from the issue date an article's own date may lie (see article_date).
_MAX_YEARS_BEFORE_ISSUE = 3
_MAX_DAYS_AFTER_ISSUE = 366


@dataclass(frozen=True)
class DateMention:
    """One date expression found in a text."""

    start: dt.date
    end: dt.date | None  # for ranges
    precision: str  # 'day' | 'month' | 'quarter' | 'year'
    text: str  # the source words exactly as in the text, e.g. "Ngày 22/ 5/ 2014"
    span: tuple[int, int]  # character offsets in the input
    lunar: bool = False  # 'âm lịch', 'Rằm tháng Giêng' …: numbers are lunar, not converted
    confidence: float = 1.0  # 0–1: that these words are a date (find_dates) or date the article (article_date)
    year_from_issue: bool = False  # the text gives no year: it is the issue date's (find_partial_dates)
    year_from_context: bool = False  # the date gives no year: another part of the text states it


# How surely each kind of expression is a date (find_dates): a full day is unmistakable; a
# bare year ("năm 2014") is more often context; lunar numbers are not solar dates.
_RECOGNITION_CONFIDENCE = {"day": 0.95, "month": 0.9, "quarter": 0.9, "year": 0.8}
_LUNAR_CONFIDENCE = 0.7


# ---------------------------------------------------------------------------
# Regular-expression building blocks (all patterns are compiled IGNORECASE)
# ---------------------------------------------------------------------------

# Up to three spaces around a separator: "22/ 5/ 2014" in PDF exports, or a line break.
_WS = r"\s{0,3}"
# Separators inside a numeric date.
_SEP = r"[/.\-]"
# A weekday: "Thứ Năm", "thứ 5", "Chủ nhật", "CN" (but not the ordinal "lần thứ 4").
_WEEKDAY = r"(?<!lần )(?<!lần\u00a0)(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|CN)(?!\w)"
# Words that may introduce a day: an optional weekday (and comma), then an optional
# "ngày" / "ngày mùng" / "mồng".
_PREFIX = rf"(?:(?<!\w){_WEEKDAY}\s*,?\s*)?(?:(?<!\w)ngày\s+)?(?:(?<!\w)(?:mùng|mồng)\s+)?"
# "từ" opening a range ("từ ngày 19 đến 25/9/2022"); kept in the mention's text.
_FROM = r"(?P<lead>(?<!\w)từ\s+)?"
# What joins the two ends of a range: a dash, "đến", "tới" ("đến hết ngày").
_TO = r"(?P<to>\s*(?:[-–—]|(?:đến|tới)(?:\s+hết)?(?:\s+ngày)?)\s*)"
# "năm" between month and year ("tháng 5 năm 2014", "tháng 5, năm 2014") or a separator.
_MONTH_YEAR_SEP = r"(?:\s*,?\s*năm\s+|" + _WS + _SEP + _WS + r")"


def _dmy(i: str) -> str:
    """Day, month and year with one separator used twice: "22/ 5/ 2014", "22.5.2014"."""
    return (
        rf"(?<![0-9])(?P<d{i}>[0-9]{{1,2}}){_WS}(?P<s{i}>{_SEP}){_WS}"
        rf"(?P<m{i}>[0-9]{{1,2}}){_WS}(?P=s{i}){_WS}(?P<y{i}>[0-9]{{4}})(?![0-9])"
    )


def _words_dmy(i: str) -> str:
    """Day, month and year in words: "22 tháng 5 năm 2014" (also "22 tháng 5/2014")."""
    return (
        rf"(?<![0-9])(?P<d{i}>[0-9]{{1,2}})\s+tháng\s+(?P<m{i}>[0-9]{{1,2}})"
        rf"{_MONTH_YEAR_SEP}(?P<y{i}>[0-9]{{4}})(?![0-9])"
    )


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# "từ ngày 19/09/2022 – 25/09/2022", "19/9/2022 đến ngày 25/9/2022"
_RANGE_DMY = _compile(rf"{_FROM}{_PREFIX}{_dmy('1')}{_TO}{_PREFIX}{_dmy('2')}")
# "19-25/9/2022", "từ 19 đến 25/9/2022", "ngày 19 - 25.9.2022"
_RANGE_DAYS = _compile(rf"{_FROM}(?P<pre>{_PREFIX})(?<![0-9])(?P<d1>[0-9]{{1,2}}){_TO}{_PREFIX}{_dmy('2')}")
# "từ 28/9 đến 2/10/2022", "19/9 - 25/9/2022"
_RANGE_DM = _compile(
    rf"{_FROM}{_PREFIX}(?<![0-9])(?P<d1>[0-9]{{1,2}}){_WS}(?P<s1>[/.]){_WS}(?P<m1>[0-9]{{1,2}})"
    rf"{_TO}{_PREFIX}{_dmy('2')}"
)
# A list of days: "(Trong hai) ngày 9 và 10/11/2023", "ngày 8/9, 9/9 và 10/9/2020",
# "ngày 14 và 15 tháng 6 năm 2018": the first day to the last.
_LIST_ITEM_JOIN = r"\s*(?:,|và|&)\s*"
_LIST_DMY = _compile(
    rf"(?<!\w)ngày\s+(?<![0-9])(?P<d1>[0-9]{{1,2}})(?:{_WS}[/.\-]{_WS}(?P<m1>[0-9]{{1,2}}))?"
    rf"(?:{_LIST_ITEM_JOIN}[0-9]{{1,2}}(?:{_WS}[/.\-]{_WS}[0-9]{{1,2}})?)*{_LIST_ITEM_JOIN}{_dmy('2')}"
)
_LIST_WORDS = _compile(
    rf"(?<!\w)ngày\s+(?<![0-9])(?P<d1>[0-9]{{1,2}})(?:{_LIST_ITEM_JOIN}[0-9]{{1,2}})*{_LIST_ITEM_JOIN}{_words_dmy('2')}"
)
# "22/ 5/ 2014", "Thứ Năm, ngày 22-5-2014"
_SINGLE_DMY = _compile(rf"{_PREFIX}{_dmy('1')}")
# "ngày 19-20 tháng 5 năm 2014", "từ ngày 28 tháng 9 đến ngày 2 tháng 10 năm 2022"
_WORDS_RANGE = _compile(
    rf"{_FROM}{_PREFIX}(?<![0-9])(?P<d1>[0-9]{{1,2}})(?:\s+tháng\s+(?P<m1>[0-9]{{1,2}}))?"
    rf"{_TO}{_PREFIX}{_words_dmy('2')}"
)
# "ngày 22 tháng 5 năm 2014", "mồng 2 tháng 9 năm 1945"
_WORDS_DMY = _compile(rf"{_PREFIX}{_words_dmy('1')}")
# Lunar by its words: "Rằm tháng Giêng năm 2014", "mùng 1 tháng Chạp năm 2013",
# "tháng Giêng năm 2014". Other numbers are left to the solar patterns.
_LUNAR_WORDS = _compile(
    r"(?:(?P<ram>(?<!\w)rằm)\s+|(?:(?<!\w)(?:ngày\s+)?(?:mùng|mồng)\s+)?(?<![0-9])(?P<d>[0-9]{1,2})\s+)?"
    r"(?<!\w)tháng\s+(?P<m>giêng|chạp|[0-9]{1,2})(?!\w)\s*,?\s*năm\s+(?P<y>[0-9]{4})(?![0-9])"
)
# "tháng 5/2014", "tháng 5 năm 2014", "tháng 5-6/2014", "từ tháng 5 đến tháng 8 năm 2014"
_MONTH = _compile(
    rf"{_FROM}(?<!\w)(?P<kw>tháng)\s+(?P<m1>[0-9]{{1,2}})(?:{_TO}(?:tháng\s+)?(?P<m2>[0-9]{{1,2}}))?"
    rf"{_MONTH_YEAR_SEP}(?P<y>[0-9]{{4}})(?![0-9])"
)
# "Quý II/2014", "quý 3 năm 2014"
_QUARTER = _compile(
    rf"(?<!\w)quý\s+(?P<q>IV|I{{1,3}}|[1-4])(?!\w){_MONTH_YEAR_SEP}(?P<y>[0-9]{{4}})(?![0-9])"
)
# "năm 2014", "năm 2014-2015", "từ năm 2014 đến năm 2016", "giai đoạn 2014 – 2020",
# "nhiệm kỳ 2013-2018", "năm học 2014/2015"
_YEAR = _compile(
    r"(?P<lead>(?<!\w)từ\s+)?(?<!\w)(?P<kw>năm\s+học|năm|giai\s+đoạn|nhiệm\s+kỳ|niên\s+kh[óo]á?)\s+"
    r"(?<![0-9])(?P<y1>[0-9]{4})(?![0-9])"
    r"(?:(?P<to>\s*(?:[-–—/]|(?:đến|tới)(?:\s+năm)?)\s*)(?P<y2>[0-9]{4})(?![0-9]))?"
)

# After a date: "âm lịch" or "(ÂL)" makes it lunar.
_LUNAR_SUFFIX = _compile(r"\s*(?:\(\s*(?:âm\s+lịch|ÂL)\s*\)|(?:âm\s+lịch|ÂL)(?!\w))")
# Right after a date, a digit or a separator + digit: part of a longer number (phone,
# reference); a slash + letters: a document number ("01/05/2014/QĐ-BVHTTDL").
_BAD_AFTER = re.compile(r"[0-9]|[./\-][0-9]|\s?/\s?[^\W\d_]")
# Right before a date that starts with a digit: a digit, or a digit and a separator.
_BAD_BEFORE = re.compile(r"[0-9][./\-]?$")
# A word before a bare number that makes it a number, not a day: "số 12/5/2014",
# "lần thứ 4", "trang 12", "ĐT: 04.3.8.2014".
_BAD_WORD_BEFORE = _compile(
    r"(?<!\w)(?:số|thứ|lần|trang|tr|kỳ|điều|khoản|mục|chương|tập|quyển|mã|no|tel|fax|đt|"
    r"điện\s+thoại|hotline)\s*[.:]?\s*$"
)

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


# ---------------------------------------------------------------------------
# Building mentions from matches
# ---------------------------------------------------------------------------


def _date(year: int | str, month: int | str, day: int | str = 1) -> dt.date | None:
    """A valid date in 1900–2100, or None (31/2/2014, year 1800 …)."""
    year, month, day = int(year), int(month), int(day)
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _mention(
    text: str, s: int, e: int, start: dt.date | None, end: dt.date | None, precision: str, lunar: bool = False
) -> DateMention | None:
    """A mention of ``text[s:e]``, or None when its start is invalid or its range is reversed."""
    if start is None:
        return None
    if end is not None and end <= start:
        return None
    confidence = _LUNAR_CONFIDENCE if lunar else _RECOGNITION_CONFIDENCE[precision]
    return DateMention(start, end, precision, text[s:e], (s, e), lunar, confidence)


def _bare_range_ok(m: re.Match[str]) -> bool:
    """A range of days written without "từ"/"ngày" must be tight: "19-25/9/2022".

    "lần thứ 4 - 22/5/2014" or "4 đến 22/5/2014" are not ranges.
    """
    if m.group("lead") or m.group("pre").strip():
        return True
    return m.group("to") in ("-", "–", "—")


def _build_range_dmy(text: str, m: re.Match[str]) -> DateMention | None:
    start = _date(m["y1"], m["m1"], m["d1"])
    end = _date(m["y2"], m["m2"], m["d2"])
    return _mention(text, m.start(), m.end(), start, end, "day") if end else None


def _build_range_days(text: str, m: re.Match[str]) -> DateMention | None:
    if not _bare_range_ok(m):
        return None
    start = _date(m["y2"], m["m2"], m["d1"])
    end = _date(m["y2"], m["m2"], m["d2"])
    return _mention(text, m.start(), m.end(), start, end, "day") if end else None


def _build_range_dm(text: str, m: re.Match[str]) -> DateMention | None:
    end = _date(m["y2"], m["m2"], m["d2"])
    if end is None:
        return None
    start = _date(end.year, m["m1"], m["d1"])
    if start is not None and start > end:  # "28/12 – 3/1/2015": the start is in 2014
        start = _date(end.year - 1, m["m1"], m["d1"])
    return _mention(text, m.start(), m.end(), start, end, "day")


def _build_list(text: str, m: re.Match[str]) -> DateMention | None:
    end = _date(m["y2"], m["m2"], m["d2"])
    if end is None:
        return None
    start = _date(end.year, m.groupdict().get("m1") or end.month, m["d1"])
    if start is not None and start > end:
        start = _date(end.year - 1, m.groupdict().get("m1") or end.month, m["d1"])
    return _mention(text, m.start(), m.end(), start, end, "day")


def _build_single_dmy(text: str, m: re.Match[str]) -> DateMention | None:
    return _mention(text, m.start(), m.end(), _date(m["y1"], m["m1"], m["d1"]), None, "day")


def _build_words_range(text: str, m: re.Match[str]) -> DateMention | None:
    end = _date(m["y2"], m["m2"], m["d2"])
    if end is None:
        return None
    start = _date(end.year, m["m1"] or end.month, m["d1"])
    if start is not None and start > end and m["m1"]:
        start = _date(end.year - 1, m["m1"], m["d1"])
    return _mention(text, m.start(), m.end(), start, end, "day")


def _build_words_dmy(text: str, m: re.Match[str]) -> DateMention | None:
    return _mention(text, m.start(), m.end(), _date(m["y1"], m["m1"], m["d1"]), None, "day")


def _build_lunar_words(text: str, m: re.Match[str]) -> DateMention | None:
    month_word = m["m"].lower()
    named_month = {"giêng": 1, "chạp": 12}.get(month_word)
    if not (m["ram"] or named_month):
        return None  # no lunar word: a solar pattern handles it
    month = named_month or int(month_word)
    day = 15 if m["ram"] else m["d"]
    if day is None:
        return _mention(text, m.start(), m.end(), _date(m["y"], month), None, "month", lunar=True)
    return _mention(text, m.start(), m.end(), _date(m["y"], month, day), None, "day", lunar=True)


def _build_month(text: str, m: re.Match[str]) -> DateMention | None:
    start = _date(m["y"], m["m1"])
    end = _date(m["y"], m["m2"]) if m["m2"] else None
    if m["m2"] and end is None:
        return None
    # Without a second month, "từ" (since) is context, not part of the mention.
    s = m.start() if end is not None else m.start("kw")
    return _mention(text, s, m.end(), start, end, "month")


def _build_quarter(text: str, m: re.Match[str]) -> DateMention | None:
    q = m["q"].lower()
    quarter = _ROMAN.get(q) or int(q)
    return _mention(text, m.start(), m.end(), _date(m["y"], 3 * (quarter - 1) + 1), None, "quarter")


def _build_year(text: str, m: re.Match[str]) -> DateMention | None:
    start = _date(m["y1"], 1)
    end = _date(m["y2"], 1) if m["y2"] else None
    if start is None:
        return None
    if end is None or end <= start or end.year - start.year > 100:
        # A single year. Without a second year, "từ" (since) is context, not part of the
        # mention. (A reversed span, "năm 2014-2013", is then dropped: a number follows.)
        return _mention(text, m.start("kw"), m.end("y1"), start, None, "year")
    return _mention(text, m.start(), m.end(), start, end, "year")


_Builder = Callable[[str, re.Match], "DateMention | None"]

# Every pattern with the function that turns its matches into mentions.
_PATTERNS: tuple[tuple[re.Pattern[str], _Builder], ...] = (
    (_RANGE_DMY, _build_range_dmy),
    (_RANGE_DAYS, _build_range_days),
    (_RANGE_DM, _build_range_dm),
    (_LIST_DMY, _build_list),
    (_LIST_WORDS, _build_list),
    (_SINGLE_DMY, _build_single_dmy),
    (_WORDS_RANGE, _build_words_range),
    (_WORDS_DMY, _build_words_dmy),
    (_LUNAR_WORDS, _build_lunar_words),
    (_MONTH, _build_month),
    (_QUARTER, _build_quarter),
    (_YEAR, _build_year),
)


# ---------------------------------------------------------------------------
# find_dates
# ---------------------------------------------------------------------------


def _context_ok(text: str, mention: DateMention) -> bool:
    """False for numbers that are not dates: phone numbers, document numbers, "số 12/5/2014"."""
    s, e = mention.span
    if _BAD_AFTER.match(text, e):
        return False
    if mention.text[:1].isdigit():
        if _BAD_BEFORE.search(text, max(0, s - 2), s):
            return False
        if _BAD_WORD_BEFORE.search(text, max(0, s - 20), s):
            return False
    return True


def _with_lunar_suffix(text: str, mention: DateMention) -> DateMention:
    """The mention extended over a following "âm lịch" / "(ÂL)", flagged lunar."""
    suffix = _LUNAR_SUFFIX.match(text, mention.span[1])
    if suffix is None:
        return mention
    s, e = mention.span[0], suffix.end()
    return replace(mention, text=text[s:e], span=(s, e), lunar=True, confidence=_LUNAR_CONFIDENCE)


_CACHE_SIZE = 256  # texts whose scans are kept (an article's body and its sentences)

# Every date pattern (full and yearless) matches a digit and ends with one: at most a few words
# ("từ Chủ nhật, ngày mùng", "Rằm tháng Giêng năm") come before its first digit, and between
# two digits of one date at most a joint and a prefix ("đến hết ngày Thứ Hai, ngày"): under 40
# characters once each run of spaces counts as one. So every match lies inside a window that
# reaches _REACH such characters before its digits and ends with them (every pattern's last
# item is a number), and the patterns need only be searched there. Windows that touch are
# merged, so a window ends with a whole run of digits; the patterns' lookarounds see the whole
# text (a search's pos and endpos do not hide what lies before pos, and a date's closing "not
# a digit" reads the same at the end of a run of digits as at a window's end).
# tests/metadata/test_dates.py checks the windows against whole-text scans.
_REACH = 64
_SPACE_RUN = re.compile(r"\s+")
_DIGIT_RUN = re.compile(r"[0-9]+")


def _collapsed_length(part: str) -> int:
    return len(_SPACE_RUN.sub(" ", part))


def _reach_back(text: str, at: int) -> int:
    """The position _REACH characters (a run of spaces counting once) before ``at``, or 0."""
    width = _REACH
    while True:
        edge = max(0, at - width)
        if edge == 0 or _collapsed_length(text[edge:at]) >= _REACH:
            return edge
        width *= 2


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _windows(text: str) -> tuple[tuple[int, int], ...]:
    """The stretches of ``text`` where a date can be: up to and including its digits (see _REACH)."""
    windows: list[list[int]] = []
    for run in _DIGIT_RUN.finditer(text):
        if windows and run.start() - _REACH <= windows[-1][1]:
            windows[-1][1] = run.end()  # _reach_back is at least _REACH back: it would touch
            continue
        start = _reach_back(text, run.start())
        if windows and start <= windows[-1][1]:
            windows[-1][1] = run.end()
        else:
            windows.append([start, run.end()])
    return tuple((s, e) for s, e in windows)


def _search_windows(pattern: re.Pattern[str], text: str, pos: int) -> re.Match[str] | None:
    """``pattern.search(text, pos)``, looking only where a date can be (see _REACH), in the
    windows holding the pattern's token (see _TOKENS), and passing over quickly where the
    pattern cannot begin (see metadata/leading.py)."""
    quick = leading(pattern)
    for start, end in _windows_holding(_TOKENS.get(pattern), text):
        if end <= pos:
            continue
        match = quick.search(text, max(start, pos), end)
        if match is not None:
            return match
    return None


# Most windows hold no date, yet each pattern would be tried at every character of each (the
# patterns open with optional words: the engine tries them all). A pattern is only searched in
# the windows that hold a token every match of it contains: a full "22/5/2014", a "22/5" or the
# word "tháng" or "quý" (see _TOKENS). A match lies inside its window and holds its token
# there, with the same lookarounds (seen in the whole text, and at the same window end), so a
# search for the token in that window finds it: the windows left out cannot hold a match.
# A range of two full dates (or of two days and months) holds two tokens, apart: a window is
# then searched only if it holds two. A token covers whole runs of digits, three (or two) in a
# row and fixed by its first, so two apart are found as two by a scan from the window's start.
_DMY_TOKEN = _compile(_dmy(""))
_DAY_MONTH_TOKEN = _compile(rf"(?<![0-9])[0-9]{{1,2}}{_WS}[/.\-]{_WS}[0-9]{{1,2}}(?![0-9])")
_MONTH_TOKEN = _compile(r"tháng\s")
_QUARTER_TOKEN = _compile(r"quý\s")


@functools.lru_cache(maxsize=8 * _CACHE_SIZE)
def _windows_holding(token: tuple[re.Pattern[str], int] | None, text: str) -> tuple[tuple[int, int], ...]:
    """The windows of ``text`` (see _windows) in which ``token`` (a pattern, and how many
    times) occurs; all of them for None."""
    windows = _windows(text)
    if token is None:
        return windows
    pattern, times = token
    quick = leading(pattern)
    if times == 1:
        return tuple((start, end) for start, end in windows if quick.search(text, start, end))
    return tuple(
        (start, end) for start, end in windows
        if len(list(itertools.islice(quick.finditer(text, start, end), times))) == times
    )


def _candidates(text: str) -> Iterator[DateMention]:
    """Every acceptable match of every pattern (overlapping each other)."""
    for pattern, build in _PATTERNS:
        pos = 0
        while (match := _search_windows(pattern, text, pos)) is not None:
            mention = build(text, match)
            if mention is not None and _context_ok(text, mention):
                yield _with_lunar_suffix(text, mention)
                pos = match.end()
            else:  # try again one character further: a rejected match may hide a good one
                pos = match.start() + 1


def _longest_first(candidates: Iterable[DateMention]) -> list[DateMention]:
    """Non-overlapping mentions, preferring the longest, in order of appearance."""
    chosen: list[tuple[int, int]] = []  # spans taken so far, sorted and disjoint
    by_span: dict[tuple[int, int], DateMention] = {}
    for mention in sorted(candidates, key=lambda m: (m.span[0] - m.span[1], m.span[0])):
        s, e = mention.span
        index = bisect.bisect_left(chosen, (s, e))
        overlaps_previous = index > 0 and chosen[index - 1][1] > s
        overlaps_next = index < len(chosen) and chosen[index][0] < e
        if not (overlaps_previous or overlaps_next):
            chosen.insert(index, (s, e))
            by_span[(s, e)] = mention
    return [by_span[span] for span in chosen]


def find_dates(text: str) -> list[DateMention]:
    """All date expressions in ``text``, in order of appearance (see the module docstring)."""
    return list(_found(text))


# One article's dates are asked for several times over (its candidates, its yearless days,
# the end of its event, the year of a sentence): the scan is done once per text. Mentions are
# frozen, so a cached tuple can be shared.

@functools.lru_cache(maxsize=_CACHE_SIZE)
def _found(text: str) -> tuple[DateMention, ...]:
    return tuple(_longest_first(_candidates(text)))


# ---------------------------------------------------------------------------
# find_partial_dates: dates without a year, completed from the issue date
# ---------------------------------------------------------------------------

# Words that make a yearless "22/5" a day: a time of day, "ngày", "mùng", a weekday, a
# relative day with its date in parentheses ("Sáng nay (19/4)"), "thời gian".
_PARTIAL_CUE = (
    rf"(?:(?<!\w)(?:sáng|chiều|tối|trưa|đêm|hôm)\s+nay\s*\(\s*(?:ngày\s+)?"
    rf"|(?<!\w)(?:sáng|chiều|tối|trưa|đêm|hôm|vào)(?:\s+ngày)?(?:\s+(?:mùng|mồng))?\s+"
    rf"|(?<!\w){_WEEKDAY}\s*,?\s*(?:ngày\s+)?(?:(?:mùng|mồng)\s+)?"
    rf"|(?<!\w)ngày\s+(?:(?:mùng|mồng)\s+)?|(?<!\w)(?:mùng|mồng)\s+|(?<!\w)thời\s+gian\s*:?\s*"
    rf"|(?<!các\s)(?<!những\s)(?<!\w)ngày\s+lễ\s+)"
)
_DAY = r"(?<![0-9])(?P<d2>[0-9]{1,2})"
_MONTH_NUMBER = r"(?P<m2>[0-9]{1,2})(?![0-9])"
# "từ 19/5 đến 21/5", "ngày 28/9 – 2/10", "từ ngày 5-2 đến hết ngày 18-2"
_PARTIAL_RANGE_DM = _compile(
    rf"{_FROM}(?P<cue>{_PARTIAL_CUE})?(?<![0-9])(?P<d1>[0-9]{{1,2}}){_WS}(?P<s1>[/.\-]){_WS}(?P<m1>[0-9]{{1,2}})"
    rf"{_TO}(?:ngày\s+)?{_DAY}{_WS}(?P=s1){_WS}{_MONTH_NUMBER}"
)
# "từ ngày 19 đến 21/5", "ngày 19-21/5", "từ 19 - 21/4", "thời gian 5 - 25/2"
_PARTIAL_RANGE_D = _compile(
    rf"{_FROM}(?P<cue>{_PARTIAL_CUE})?(?<![0-9])(?P<d1>[0-9]{{1,2}}){_TO}(?:ngày\s+)?{_DAY}{_WS}[/.]{_WS}{_MONTH_NUMBER}"
)
# A list of days: "ngày 17, 18/11", "hai ngày 9 và 10/11", "ngày 8/9, 9/9 và 10/9"
_LIST_JOIN = r"\s*(?:,|và|&)\s*"
_PARTIAL_LIST = _compile(
    rf"(?P<cue>(?<!\w)ngày\s+)(?<![0-9])(?P<d1>[0-9]{{1,2}})(?:{_WS}(?P<s1>[/.\-]){_WS}(?P<m1>[0-9]{{1,2}}))?"
    rf"(?:{_LIST_JOIN}[0-9]{{1,2}}(?:{_WS}[/.\-]{_WS}[0-9]{{1,2}})?)*{_LIST_JOIN}{_DAY}{_WS}[/.\-]{_WS}{_MONTH_NUMBER}"
)
# "Sáng 22/5", "ngày 22-5", "Thứ Năm, 22.5"
_PARTIAL_DM = _compile(rf"{_PARTIAL_CUE}{_DAY}{_WS}[/.\-]{_WS}{_MONTH_NUMBER}")
# "ngày 22 tháng 5", "ngày 19-20 tháng 5", "ngày 14 và 15 tháng 6"
_PARTIAL_WORDS = _compile(
    rf"{_PARTIAL_CUE}(?:(?P<d1>[0-9]{{1,2}})(?:{_TO}|{_LIST_JOIN}))?{_DAY}\s+tháng\s+{_MONTH_NUMBER}"
)
# "tháng 5" (not "22 tháng 5", not "5 tháng": a duration)
_PARTIAL_MONTH = _compile(rf"(?<![0-9]\s)(?<!\w)tháng\s+{_MONTH_NUMBER}")
# After a partial date: a year after all (find_dates' business), or a number going on.
_YEAR_FOLLOWS = _compile(r"[0-9]|\s{0,3}[/.\-]\s{0,3}[0-9]|\s*,?\s*năm\s+[0-9]|\s?/\s?[^\W\d_]")
# "tháng 5 năm ngoái" (last year) moves the completed year back by one.
_LAST_YEAR_FOLLOWS = _compile(r"\s*,?\s*năm\s+(?:ngoái|trước)(?!\w)")
# A completed date more than this after the issue date belongs to the year before.
_MAX_DAYS_AHEAD_OF_ISSUE = 183
_PARTIAL_CONFIDENCE = {"day": 0.8, "month": 0.6}


def _period_end(date: dt.date, precision: str | None) -> dt.date:
    """The last day of the period that starts on ``date`` ("month" of 2015-06-01: 2015-06-30)."""
    months = {"month": 1, "quarter": 3, "year": 12}.get(precision or "day")
    if months is None:
        return date
    month_index = date.month - 1 + months
    return dt.date(date.year + month_index // 12, month_index % 12 + 1, 1) - dt.timedelta(days=1)


def _complete(issue_end: dt.date, month: str, day: str | int = 1, back: int = 0) -> dt.date | None:
    """``day``/``month`` in the issue's year, or the year before when that is too far ahead
    of the end of the issue's period."""
    date = _date(issue_end.year - back, month, day)
    if date is not None and (date - issue_end).days > _MAX_DAYS_AHEAD_OF_ISSUE:
        date = _date(issue_end.year - back - 1, month, day)
    return date


# How a yearless date gets its year: (month, day, back) -> the date.
_Completer = Callable[[str, "str | int", int], "dt.date | None"]


def _in_year(year: int) -> _Completer:
    """Completion with a year the text states elsewhere (its context)."""
    return lambda month, day=1, back=0: _date(year - back, month, day)


def _partial(
    text: str, m: re.Match[str], precision: str, complete: _Completer, from_issue: bool = True
) -> DateMention | None:
    """The mention of a yearless match completed by ``complete``, or None."""
    if _YEAR_FOLLOWS.match(text, m.end()):
        return None
    groups = m.groupdict()
    if "cue" in groups and groups["cue"] is None and not groups.get("lead"):
        return None  # a bare "19-21/5" with neither "từ" nor a cue word: not surely a date
    back = 1 if _LAST_YEAR_FOLLOWS.match(text, m.end()) else 0
    end = complete(groups["m2"], groups.get("d2") or 1, back)
    if end is None:
        return None
    start = None
    if groups.get("d1"):
        start = _date(end.year, groups.get("m1") or end.month, groups["d1"])
        if start is not None and start > end:
            start = _date(end.year - 1, groups.get("m1") or end.month, groups["d1"])
        if start is None or start >= end:
            return None
    elif precision == "day" and groups.get("lead"):
        return None  # "từ 22/5" alone: a "since", kept out like "từ năm 1990"
    first = start or end
    s = m.start() if start is not None else m.start() + len(groups.get("lead") or "")
    return DateMention(
        first, end if start is not None else None, precision, text[s : m.end()], (s, m.end()),
        confidence=_PARTIAL_CONFIDENCE[precision], year_from_issue=from_issue, year_from_context=not from_issue,
    )


# Each partial pattern and the precision of its dates.
_PARTIAL_PATTERNS = (
    (_PARTIAL_RANGE_DM, "day"),
    (_PARTIAL_RANGE_D, "day"),
    (_PARTIAL_LIST, "day"),
    (_PARTIAL_DM, "day"),
    (_PARTIAL_WORDS, "day"),
    (_PARTIAL_MONTH, "month"),
)


# The tokens every match of a pattern holds (see _windows_holding): each pattern below ends
# with a full date (_dmy), a day and month ("22/5", the partial patterns' _DAY … _MONTH_NUMBER),
# or holds "tháng" or "quý" followed by a space; _RANGE_DMY two full dates, _PARTIAL_RANGE_DM
# two days and months (its first month is followed by _TO: not a digit). _YEAR has none worth
# testing (it is cheap).
_TOKENS: dict[re.Pattern[str], tuple[re.Pattern[str], int]] = {
    _RANGE_DMY: (_DMY_TOKEN, 2),
    **dict.fromkeys((_RANGE_DAYS, _RANGE_DM, _LIST_DMY, _SINGLE_DMY), (_DMY_TOKEN, 1)),
    **dict.fromkeys((_LIST_WORDS, _WORDS_RANGE, _WORDS_DMY, _LUNAR_WORDS, _MONTH), (_MONTH_TOKEN, 1)),
    _QUARTER: (_QUARTER_TOKEN, 1),
    _PARTIAL_RANGE_DM: (_DAY_MONTH_TOKEN, 2),
    **dict.fromkeys((_PARTIAL_RANGE_D, _PARTIAL_LIST, _PARTIAL_DM), (_DAY_MONTH_TOKEN, 1)),
    **dict.fromkeys((_PARTIAL_WORDS, _PARTIAL_MONTH), (_MONTH_TOKEN, 1)),
}


def _yearless(text: str, complete: _Completer, from_issue: bool) -> list[DateMention]:
    """The yearless dates of ``text`` completed by ``complete``, never overlapping a full date."""
    full = [m.span for m in find_dates(text)]
    candidates = []
    searched = _partial_searches(text)
    for index, (pattern, precision) in enumerate(_PARTIAL_PATTERNS):
        pos = 0
        while (match := _search(searched, index, pattern, text, pos)) is not None:
            mention = _partial(text, match, precision, complete, from_issue)
            pos = match.start() + 1
            if mention is None or any(s < mention.span[1] and mention.span[0] < e for s, e in full):
                continue
            candidates.append(mention)
            pos = match.end()
    return _longest_first(candidates)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _partial_searches(text: str) -> dict[tuple[int, int], re.Match[str] | None]:
    """The yearless patterns' searches of ``text`` done so far, by (pattern, position): the
    same text is scanned with its issue's year, with a stated year and with a leap-year
    template, and the scans differ only where a completion fails."""
    return {}


def _search(
    searched: dict[tuple[int, int], re.Match[str] | None], index: int, pattern: re.Pattern[str], text: str, pos: int
) -> re.Match[str] | None:
    key = (index, pos)
    if key not in searched:
        searched[key] = _search_windows(pattern, text, pos)
    return searched[key]


def find_partial_dates(text: str, issue_date: dt.date, issue_precision: str | None = None) -> list[DateMention]:
    """Dates the text states without a year ("Sáng 22/5", "ngày 22 tháng 5", "tháng 5",
    "Trong 2 ngày 17, 18/11"), completed with ``issue_date``'s year and flagged
    ``year_from_issue``; in order of appearance, never overlapping a full date of
    :func:`find_dates` (see the module doc).

    ``issue_precision`` ('day', 'month', 'quarter', 'year'; default 'day') is that of the
    issue date: a date is "too far ahead" when it lies more than six months after the end of
    the issue's period (an issue dated only "2013" covers the whole year).
    """
    return list(_partial_found(text, _period_end(issue_date, issue_precision)))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _partial_found(text: str, issue_end: dt.date) -> tuple[DateMention, ...]:
    return tuple(_yearless(text, lambda month, day=1, back=0: _complete(issue_end, month, day, back), True))


def find_dates_in_year(text: str, year: int) -> list[DateMention]:
    """The yearless dates of ``text`` (as :func:`find_partial_dates` finds them) placed in
    ``year``, a year the text states elsewhere; flagged ``year_from_context``."""
    return list(_in_year_found(text, year))


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _in_year_found(text: str, year: int) -> tuple[DateMention, ...]:
    return tuple(_yearless(text, _in_year(year), False))


# ---------------------------------------------------------------------------
# Paragraphs and sentences (also used by places)
# ---------------------------------------------------------------------------

# A line break, then a line of only whitespace (spaces, NBSP) and another line break.
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")
# The end of a sentence: . ! ? … (or the Vietnamese "./."), then closing quotes/brackets.
_SENTENCE_END = re.compile(r"(?:\./\.|[.!?…]+)[\"”’»)\]]*")
# Words whose final period is an abbreviation, not the end of a sentence: titles (TS.,
# ThS., PGS.), "TP. Hồ Chí Minh", "Q. 1", "v.v.", initials ("Nguyễn V. An").
_ABBREVIATION = re.compile(
    r"(?<!\w)(?:TS|ThS|Ths|PGS|GS|NCS|CN|KS|BS|TP|Tp|TX|St|Mr|Mrs|Ms|Dr|v\.v|[^\W\d_])$"
)
_NON_SPACE = re.compile(r"\S")
# Characters that may open a sentence besides upper-case letters and digits.
_SENTENCE_OPENERS = "\"“«‘'([-–—"


def _strip_span(text: str, s: int, e: int) -> tuple[int, int]:
    """The span without leading and trailing whitespace."""
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


@functools.lru_cache(maxsize=16384)  # a pure function of the line, asked of each line many times
def is_heading(line: str) -> bool:
    """A mostly upper-case line: a title ("HỘI NGHỊ LẦN THỨ 4 …"), not a sentence."""
    upper = sum(map(str.isupper, line))
    lower = sum(map(str.islower, line))
    return upper >= 4 and upper >= 0.8 * (upper + lower)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of ``text``: blocks between blank (or whitespace-only) lines.

    Works on raw text (hard line breaks inside paragraphs) and on paragraphs joined with
    "\\n\\n" alike. A heading line (mostly upper case) is a paragraph of its own.
    """
    return list(_paragraph_spans(text))


# An article's paragraphs and posting lines are asked for by its date, its venue and its
# credits: found once per text (tuples, so a caller cannot change the cached value).
@functools.lru_cache(maxsize=_CACHE_SIZE)
def _paragraph_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _BLANK_LINE.finditer(text):
        spans.extend(_split_headings(text, pos, match.start()))
        pos = match.end()
    spans.extend(_split_headings(text, pos, len(text)))
    return tuple(spans)


def _split_headings(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """The block text[s:e] with each heading line split off as a paragraph of its own."""
    spans: list[tuple[int, int]] = []
    current = None  # start of the current run of body lines
    pos = s
    for line in text[s:e].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if is_heading(line):
            if current is not None:
                spans.append((current, line_start))
                current = None
            spans.append((line_start, line_end))
        elif current is None and line.strip():
            current = line_start
    if current is not None:
        spans.append((current, e))
    return [span for span in (_strip_span(text, *sp) for sp in spans) if span[0] < span[1]]


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text[start:end]`` (one paragraph, say).

    A sentence ends at . ! ? … (or "./.") followed by whitespace and an upper-case letter, a
    digit or an opening quote/bracket; a period after an abbreviation (TS., TP., initials)
    does not end it. Line breaks inside a sentence are just spaces.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if not _ends_sentence(text, match, end):
            continue
        spans.append(_strip_span(text, pos, match.end()))
        pos = match.end()
    spans.append(_strip_span(text, pos, end))
    return [span for span in spans if span[0] < span[1]]


def _ends_sentence(text: str, match: re.Match[str], end: int) -> bool:
    """Whether a sentence-final punctuation match really ends a sentence."""
    after = match.end()
    if after < end and not text[after].isspace():
        return False  # "22.5.2014", "Tp.HCM"
    following = _NON_SPACE.search(text, after, end)
    if following and not (following[0].isupper() or following[0].isdigit() or following[0] in _SENTENCE_OPENERS):
        return False
    if match.group().startswith(".") and _ABBREVIATION.search(text, max(0, match.start() - 8), match.start()):
        return False
    return True


def opening_spans(text: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Spans of the opening sentence and the opening paragraph (headings skipped).

    Both are (0, 0) when the text has no body paragraph.
    """
    for s, e in paragraph_spans(text):
        if is_heading(text[s:e]):
            continue
        sentences = sentence_spans(text, s, e)
        return (sentences[0] if sentences else (s, e)), (s, e)
    return (0, 0), (0, 0)


# ---------------------------------------------------------------------------
# article_date
# ---------------------------------------------------------------------------

# Words just before a date that make it history, a deadline or a "since", not the date of
# the event reported: "thành lập năm 1961", "từ năm 1990", "trước ngày 30/6", "đến năm 2020".
_NOT_EVENT_BEFORE = _compile(
    r"(?<!\w)(?:thành\s+lập|ra\s+đời|sinh|mất|qua\s+đời|từ|kể\s+từ|trước|sau|cho\s+đến|đến|tới|"
    r"hạn|hồi|vào\s+những)(?:\s+(?:vào|từ|ngày|khoảng|cuối|đầu|giữa|trong|hết))*\s*[,:]?\s*$"
)
# A document's number right before a date: the date is the document's, not the event's
# ("Quyết định số 1862/QĐ-UBND ngày 20/4/2013", "Nghị định 02/2009/NĐ-CP ngày 6/1/2009").
_DOCUMENT_BEFORE = _compile(
    r"(?:[0-9]+(?:/[0-9]{2,4})?/[^\W\d_][\w\-]*|(?<!\w)(?:số|quyết\s+định|nghị\s+định|thông\s+tư|"
    r"chỉ\s+thị|công\s+văn|luật|kế\s+hoạch)\s+(?:số\s+)?[0-9][\w/\-.]*)\s*,?\s*$"
)
# After a date set off from a document's number by a comma, words that keep it the document's
# ("Quyết định số 12/QĐ-UBND, ngày 2/3/2020 của UBND tỉnh"); otherwise the date opens the main
# clause ("Thực hiện Nghị định số 93/2020/NĐ-CP, ngày 18/9/2020, tại …, Sở … tổ chức …").
_DOCUMENT_AFTER = _compile(r"\s*(?:của|về|do|ban\s+hành|quy\s+định|hướng\s+dẫn|v/v)(?!\w)")
# Words earlier in the same sentence that put it in the past: "Trước đây, năm 2010 …".
_PAST_SENTENCE = _compile(r"(?<!\w)(?:trước\s+đây|cách\s+đây|hồi\s+đó|năm\s+xưa|thuở|khi\s+ấy|lúc\s+đó)(?!\w)")
# A dateline's place before the date: "Hà Nội, ", "TP. Hồ Chí Minh, ".
_DATELINE_PLACE = re.compile(r"\s*(?:[^\W\d_][\w.]*(?:\s+[^\W\d_][\w.]*){0,4}\s*,\s*)?")
# Earlier in the clause of a date, words that make it the background of the event, not its
# date: "kể từ khi phát động vào tháng 7", "đóng cổng nhận bài ngày 30/6", "ban hành ngày …".
_BACKGROUND_CLAUSE = _compile(
    r"(?<!\w)(?:kể\s+từ|từ\s+khi|đóng\s+cổng|hạn\s+chót|ban\s+hành|được\s+ký|ký\s+ngày|phê\s+duyệt)(?!\w)"
    r"|(?<!\w)ký\s*$"
)
# Periods that are not events: a term of office or a plan's period ("nhiệm kỳ 2016 - 2021").
_TERM = _compile(r"(?<!\w)(?:nhiệm\s+kỳ|giai\s+đoạn|niên\s+kh[óo]á?|khóa|năm\s+học)(?!\w)")
# A sentence that opens with a year: "Năm 2010, …", "Trong năm 2004, …" (a year's report).
_YEAR_OPENING = _compile(r"(?:\(?[^\W\d_][\w.]*\)?\s*[-–—]\s*)?(?:(?:trong|vào|cuối|đầu|suốt)\s+)?$")
# A labelled announcement line: "Thời gian: 8h30, Thứ Ba, ngày 20/3/2012."
_TIME_LABEL = _compile(r"(?:^|\n)[^\S\n]*[-–•+*]?[^\S\n]*thời\s+gian\s*:")
# Words right before a date that make it the end of the event stated earlier: "kéo dài đến
# hết ngày 13/12", "bế giảng vào ngày 17/8/2007".
_END_BEFORE = _compile(
    r"(?<!\w)(?:(?:đến|tới)(?:\s+hết)?|bế\s+mạc|bế\s+giảng|kết\s+thúc|khép\s+lại)(?:\s+(?:vào|ngày|hôm))*\s*$"
)
# Words right after a later date that make it the event's last day: "Ngày 6/6 là buổi thi
# cuối", "… là ngày bế mạc".
_LAST_DAY_AFTER = _compile(
    r"\s*,?\s*(?:là\s+)?(?:buổi|ngày|phiên)\s+(?:(?:thi|họp|làm\s+việc|học)\s+)?(?:cuối|bế\s+mạc|kết\s+thúc|bế\s+giảng)(?!\w)"
)
# How long after its start the end of an event may lie (date_end from a later sentence).
_MAX_EVENT_DAYS = 92
# A web page's posting or crawl line: "Thứ Hai, 13/05/2024, 08:40 [GMT+7]", "18/10/2024 10:05
# GMT+7", "09:20, 23/01/2014", "Thứ hai, Ngày: 03/02/2025", a bare "12.03.2015".
_CLOCK = r"[0-9]{1,2}\s*[:h]\s*[0-9]{2}(?:\s*:\s*[0-9]{2})?(?:\s*(?:AM|PM|SA|CH))?"
_POSTING_LINE = re.compile(
    rf"""[^\S\n]*
    (?:(?:cập\s+nhật|đăng\s+(?:ngày|lúc)|ngày\s+đăng|ngày\s+cập\s+nhật|posted|published)\s*:?\s*)?
    (?:{_WEEKDAY}\s*[,\-–|]?\s*)?
    (?:ngày\s*:\s*)?
    (?:{_CLOCK}\s*[,\-–|]?\s*)?
    (?<![0-9])(?P<d>[0-9]{{1,2}})(?P<s>[/.\-])(?P<m>[0-9]{{1,2}})(?P=s)(?P<y>[0-9]{{4}})(?![0-9])
    (?:\s*[,\-–|]?\s*{_CLOCK})?
    (?:\s*[\[(]?\s*GMT\s*[+\-]\s*[0-9]{{1,2}}\s*[\])]?)?
    [^\S\n]*[|.]?[^\S\n]*""",
    re.IGNORECASE | re.VERBOSE,
)
# A photo caption's credit: "… khai mạc triển lãm. Ảnh: Quốc Tuấn", "(Ảnh: TL)".
_CAPTION_CREDIT = _compile(r"(?:^|[.!?)]\s*|\(\s*)(?:ảnh|photo)\s*:\s*[^\n.]{1,60}\)?\.?\s*$")
_WORDS = re.compile(r"\w+")
# How many paragraphs (noise apart) make the lead, where a later event date is looked for.
_LEAD_PARAGRAPHS = 5
# A bare year in the text (an event's name, a headline): "Đại sứ văn hóa đọc 2022", "Xuân 2026".
_BARE_YEAR = re.compile(r"(?<![\w/.\-])(?P<y>(?:19|20)[0-9]{2})(?![\w/]|[.,\-–][0-9])")
# A bare span of years: "(2016-2021)", "(1957 - 1997)".
_YEAR_SPAN = re.compile(r"(?<![\w/.\-])(?P<y1>(?:19|20)[0-9]{2})\s*[-–—]\s*(?P<y2>(?:19|20)[0-9]{2})(?![\w/])")
# Words before a bare number that make it a count, not a year: "hơn 2000 cuốn".
_COUNT_BEFORE = _compile(r"(?<!\w)(?:hơn|gần|khoảng|trên|dưới|với|có|gồm|tổng|số|lần|thứ)\s*$")
# A year a meeting reviews or plans is not the meeting's: "tổng kết công tác năm 2016",
# "triển khai nhiệm vụ năm 2017" (held in January, or in December before).
_REVIEWED_YEAR_BEFORE = _compile(
    r"(?<!\w)(?:tổng\s+kết|kế\s+hoạch|phương\s+hướng|nhiệm\s+vụ|chương\s+trình\s+công\s+tác|báo\s+cáo)"
    r"(?:\s+[^\s.;]+){0,6}?\s+(?:năm\s+)?$"
)
# A congress opens its term (the year of its start); a closing meeting ends it.
_OPENS_TERM = _compile(r"(?<!\w)đại\s+hội(?!\w)")
_CLOSES_TERM = _compile(r"(?<!\w)(?:tổng\s+kết|khép\s+lại|kết\s+thúc|bế\s+mạc)(?!\w)")
# History words that keep a year out of an event's context: "thành lập năm 1957".
_HISTORY_BEFORE = _compile(
    r"(?<!\w)(?:thành\s+lập|ra\s+đời|sinh|mất|qua\s+đời|xây\s+dựng|khánh\s+thành)(?:\s+(?:vào|từ|ngày|năm|khoảng))*\s*[,:]?\s*$"
)


def posting_lines(text: str) -> list[tuple[tuple[int, int], dt.date]]:
    """The web page's posting or crawl lines of ``text`` (a line holding only a date, with a
    weekday, a clock time or a time zone: "Thứ Hai, 13/05/2024, 08:40 [GMT+7]"), with the date
    each gives. Such a date is the page's, never the event's; it is a reference for a day and
    month stated without a year, as an issue's masthead is."""
    return list(_posting_lines(text))


@functools.lru_cache(maxsize=_CACHE_SIZE)  # see _paragraph_spans
def _posting_lines(text: str) -> tuple[tuple[tuple[int, int], dt.date], ...]:
    found = []
    pos = 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        if not line.strip():
            continue
        match = _POSTING_LINE.fullmatch(text, s, e) if len(line) <= 80 else None
        if match is None:
            glued = _GLUED_STAMP.match(text, s, e)  # the stamp run into the lead's first line
            if glued is not None and re.search(_CLOCK, glued.group()):
                date = _date(glued["y"], glued["m"], glued["d"])
                if date is not None:
                    found.append((_strip_span(text, s, glued.end()), date))
            continue
        date = _date(match["y"], match["m"], match["d"])
        if date is not None:
            found.append((_strip_span(text, s, e), date))
    return tuple(found)


# A posting stamp with its clock time run into the lead's first sentence, as text layers join
# lines across a page break: "Tin tức hoạt động / 08:15 | 02/06/2025 Từ ngày 20 - 22/5/2025, …".
_DMY_STAMP = r"(?<![0-9])(?P<d>[0-9]{1,2})(?P<s>[/.\-])(?P<m>[0-9]{1,2})(?P=s)(?P<y>[0-9]{4})(?![0-9])"
_GLUED_STAMP = re.compile(
    rf"""[^\S\n]*(?:[^\W\d_][^\n/|0-9]{{0,30}}[/|][^\S\n]*)?(?:{_WEEKDAY}\s*[,\-–|]?\s*)?
    (?:{_CLOCK}\s*[,\-–|]?\s*)?{_DMY_STAMP}(?:\s*[,\-–|]?\s*{_CLOCK})?
    (?:\s*[\[(]?\s*GMT\s*[+\-]\s*[0-9]{{1,2}}\s*[\])]?)?
    (?=[^\S\n]+[A-ZĐÀ-Ỹ])""",
    re.IGNORECASE | re.VERBOSE,
)


def _all_sentence_spans(text: str) -> list[tuple[int, int]]:
    """The spans of every sentence of every paragraph, in order."""
    return [span for ps, pe in paragraph_spans(text) for span in sentence_spans(text, ps, pe)]


def _sentence_of(sentences: list[tuple[int, int]], position: int) -> tuple[int, int]:
    """The sentence that contains ``position`` ((position, position) if none)."""
    index = bisect.bisect_right(sentences, (position, float("inf"))) - 1
    if index >= 0 and sentences[index][0] <= position < sentences[index][1]:
        return sentences[index]
    return position, position


def _sentence_start(sentences: list[tuple[int, int]], position: int) -> int:
    """The start of the sentence that contains ``position`` (``position`` itself if none)."""
    return _sentence_of(sentences, position)[0]


# "…, từ ngày 5/4/2021, …" opening a clause: the day an activity starts (its date), unlike
# "từ năm 1990" or "mở từ ngày 21/4" (since).
_STARTS_FROM = _compile(
    r"(?:^|[,;:]\s*|[.!?]\s+|(?<!\w)(?:mở\s+(?:lại|cửa)|bắt\s+đầu|khai\s+trương|hoạt\s+động|phục\s+vụ|"
    r"áp\s+dụng|vận\s+hành|triển\s+khai|đi\s+vào\s+hoạt\s+động)\s+)từ\s+$"
)


# "phải đến sáng 2/11 … mới có buổi tổng kết" (not until): the event's date, not a deadline.
_NOT_UNTIL = _compile(r"(?<!\w)(?:phải|chờ|tận|mãi)\s+(?:đợi\s+)?(?:đến|tới)\s*$")


def _is_reported_history(text: str, mention: DateMention, sentences: list[tuple[int, int]]) -> bool:
    """Whether the words before the mention make it history/deadline rather than the event."""
    s = mention.span[0]
    sentence_start = _sentence_start(sentences, s)
    starts_activity = (
        mention.precision == "day" and mention.text[:4].lower() == "ngày" and not mention.year_from_context
        and not mention.year_from_issue and _STARTS_FROM.search(text, max(0, sentence_start - 2), s) is not None
    )
    not_until = _NOT_UNTIL.search(text, max(sentence_start, s - 30), s) is not None
    if _NOT_EVENT_BEFORE.search(text, max(sentence_start, s - 40), s) and not starts_activity and not not_until:
        return True
    document = _DOCUMENT_BEFORE.search(text, max(sentence_start, s - 40), s)
    if document and ("," not in document.group() or _DOCUMENT_AFTER.match(text, mention.span[1])):
        return True
    return _PAST_SENTENCE.search(text, max(sentence_start, s - 120), s) is not None


def _clause_start(text: str, sentence_start: int, position: int) -> int:
    """Where the clause holding ``position`` starts: after the last , ; : of its sentence."""
    cut = max(text.rfind(c, sentence_start, position) for c in ",;:")
    return sentence_start if cut < 0 else cut + 1


def _in_parentheses(text: str, span: tuple[int, int], sentence: tuple[int, int]) -> bool:
    """Whether ``span`` lies inside parentheses (opened before it in its sentence)."""
    before = text[sentence[0] : span[0]]
    return before.count("(") > before.count(")")


def _is_anniversary_span(mention: DateMention) -> bool:
    """ "(3/2/1930 - 3/2/2025)", "năm 1945 – 2025": a span of years being commemorated."""
    if mention.end is None or mention.end.year == mention.start.year:
        return False
    same_day = (mention.start.month, mention.start.day) == (mention.end.month, mention.end.day)
    return same_day and mention.precision == "day" or mention.end.year - mention.start.year >= 10


def _excluded(text: str, mention: DateMention, sentences: list[tuple[int, int]], posting: list[tuple[int, int]]) -> bool:
    """Whether a date cannot be the event's: lunar, the page's posting date, history, a cited
    document, the background of the event, an explanation in parentheses (a named day, an
    anniversary span, a lunar equivalent), a term of office, an anniversary."""
    s, e = mention.span
    if mention.lunar or any(ps <= s < pe for ps, pe in posting):
        return True
    if _is_reported_history(text, mention, sentences):
        return True
    sentence = _sentence_of(sentences, s)
    if _BACKGROUND_CLAUSE.search(text, max(_clause_start(text, sentence[0], s), s - 60), s):
        return True
    if _in_parentheses(text, mention.span, sentence):
        return True
    if mention.precision == "year" and _TERM.match(mention.text):
        return True
    return _is_anniversary_span(mention)


def _near_issue(mention: DateMention, issue_date: dt.date | None) -> bool:
    """Whether the mention is plausible for an article of an issue dated ``issue_date``."""
    if issue_date is None:
        return True
    earliest = dt.date(max(MIN_YEAR, issue_date.year - _MAX_YEARS_BEFORE_ISSUE), 1, 1)
    latest = issue_date + dt.timedelta(days=_MAX_DAYS_AFTER_ISSUE)
    return earliest <= mention.start <= latest


def _is_dateline(text: str, mention: DateMention) -> bool:
    """A line that holds only an optional place and the date: "Hà Nội, ngày 22 tháng 5 năm 2014"."""
    s, e = mention.span
    line_start = text.rfind("\n", 0, s) + 1
    line_end = text.find("\n", e)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[line_start:s], text[e:line_end]
    return _DATELINE_PLACE.fullmatch(before) is not None and after.strip(" \t\u00a0.") == ""


def _is_labelled(text: str, mention: DateMention) -> bool:
    """A date on a "Thời gian: …" line of an announcement."""
    line_start = text.rfind("\n", 0, mention.span[0]) + 1
    return _TIME_LABEL.match(text, max(0, line_start - 1), mention.span[0]) is not None


def _is_noise_paragraph(text: str, span: tuple[int, int], posting: list[tuple[int, int]], title: str | None) -> bool:
    """A paragraph that is not the article's lead: a posting line, a photo caption, the
    headline printed again, a short line without a full stop (site furniture, a section
    label, a byline at the top)."""
    s, e = span
    paragraph = text[s:e]
    if any(s <= ps < e for ps, pe in posting if not text[pe:e].strip() or "\n" in text[pe:e]):
        return True  # (a stamp run into the lead's first sentence leaves the paragraph the lead)
    if title and " ".join(paragraph.split()).casefold() == " ".join(title.split()).casefold():
        return True
    if _CAPTION_CREDIT.search(paragraph) and len(_WORDS.findall(paragraph)) <= 30:
        return True
    words = len(_WORDS.findall(paragraph))
    return words <= 16 and not paragraph.rstrip("”\"’)").endswith((".", "!", "?", "…", ":", ";"))


def _lead_paragraphs(text: str, posting: list[tuple[int, int]], title: str | None = None) -> list[tuple[int, int]]:
    """The first paragraphs of the body that carry its text (headings and noise skipped)."""
    lead = []
    for span in paragraph_spans(text):
        if is_heading(text[span[0] : span[1]]) or _is_noise_paragraph(text, span, posting, title):
            continue
        lead.append(span)
        if len(lead) >= _LEAD_PARAGRAPHS:
            break
    return lead


def opening_spans(text: str, title: str | None = None) -> tuple[tuple[int, int], tuple[int, int]]:
    """Spans of the opening sentence and the opening paragraph: the first paragraph of the
    lead (headings, posting lines, captions, furniture and a repeated headline skipped).

    Both are (0, 0) when the text has no body paragraph.
    """
    posting = [span for span, _ in posting_lines(text)]
    lead = _lead_paragraphs(text, [(s, e) for s, e in posting], title)
    if not lead:
        return (0, 0), (0, 0)
    s, e = lead[0]
    sentences = sentence_spans(text, s, e)
    return (sentences[0] if sentences else (s, e)), (s, e)


def _inside(mention: DateMention, span: tuple[int, int]) -> bool:
    return span[0] <= mention.span[0] and mention.span[1] <= span[1]


# ---------------------------------------------------------------------------
# The year of a date stated without one, from its context
# ---------------------------------------------------------------------------


def _term_year(text: str, sentence: tuple[int, int], y1: int, y2: int) -> int | None:
    """The year a term of office "y1 - y2" gives to an event of ``sentence``: a congress opens
    the term (y1), a closing meeting ends it (y2); otherwise none."""
    words = text[sentence[0] : sentence[1]]
    if _OPENS_TERM.search(words):
        return y1
    if _CLOSES_TERM.search(words):
        return y2
    return None


def _span_year(text: str, sentence: tuple[int, int], y1: int, y2: int, words: str) -> int | None:
    """The year a span of years lends an event: a term of office or a plan's period (named so,
    or six years at most) gives its first or last year (see _term_year); an anniversary span
    ("(1945 – 2025)") its last."""
    if _TERM.search(words) or y2 - y1 <= 6:
        return _term_year(text, sentence, y1, y2)
    return y2


def _years_in(text: str, scope: tuple[int, int], sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """(position, year) of the years ``text[scope]`` states that may date an event of it:
    full dates, months and years (the end of an anniversary span, a term's year for its
    congress) and bare years ("… 2022”"); not a cited document's, not history."""
    s, e = scope
    years: list[tuple[int, int]] = []
    taken: list[tuple[int, int]] = []
    for mention in find_dates(text[s:e]):
        ms, me = s + mention.span[0], s + mention.span[1]
        taken.append((ms, me))
        sentence_start = _sentence_start(sentences, ms) if sentences else s
        low = max(sentence_start, s, ms - 40)
        if mention.lunar or _DOCUMENT_BEFORE.search(text, low, ms) or _HISTORY_BEFORE.search(text, low, ms):
            continue
        if _REVIEWED_YEAR_BEFORE.search(text, max(sentence_start, s, ms - 60), ms):
            continue  # "tổng kết công tác năm 2016": the year reviewed, the meeting is after it
        if mention.end is not None and mention.end.year != mention.start.year:
            year = _span_year(text, _sentence_of(sentences, ms) if sentences else scope,
                              mention.start.year, mention.end.year, text[max(s, ms - 20) : me])
        else:
            year = mention.start.year
        if year is not None:
            years.append((ms, year))
    for match in _YEAR_SPAN.finditer(text, s, e):
        if any(a <= match.start() < b for a, b in taken):
            continue
        taken.append(match.span())
        sentence = _sentence_of(sentences, match.start()) if sentences else scope
        year = _span_year(text, sentence, int(match["y1"]), int(match["y2"]), text[max(s, match.start() - 20) : match.end()])
        if year is not None:
            years.append((match.start(), year))
    for match in _BARE_YEAR.finditer(text, s, e):
        if any(a <= match.start() < b for a, b in taken):
            continue
        if _COUNT_BEFORE.search(text, max(s, match.start() - 12), match.start()):
            continue
        following = text[match.end() : match.end() + 3].lstrip()
        if following[:1].islower() or _HISTORY_BEFORE.search(text, max(s, match.start() - 30), match.start()):
            continue  # "2000 cuốn sách": a count
        if _REVIEWED_YEAR_BEFORE.search(text, max(s, match.start() - 60), match.start()):
            continue
        years.append((match.start(), int(match["y"])))
    return sorted(years)


def _nearest_year(years: list[tuple[int, int]], position: int) -> int | None:
    if not years:
        return None
    return min(years, key=lambda item: (abs(item[0] - position), item[0] < position))[1]


def _context_year(
    body: str, mention: DateMention, sentences: list[tuple[int, int]], title: str | None, excluded: list[tuple[int, int]]
) -> int | None:
    """The year the text itself gives a date stated without one, nearest first: a year of the
    same sentence (the event's name, the end of an anniversary span, a term's year for its
    congress), a year of the headline, another full date of the same day, the one year the
    rest of the text states (credits, posting lines and history apart)."""
    sentence = _sentence_of(sentences, mention.span[0])
    year = _nearest_year([y for y in _years_in(body, sentence, sentences) if not _covers(mention, y[0])], mention.span[0])
    if year is not None:
        return year
    if title:
        year = _nearest_year(_years_in(title, (0, len(title)), []), 0)
        if year is not None:
            return year
    others = [m for m in find_dates(body) if not m.lunar and not any(a <= m.span[0] < b for a, b in excluded)]
    for other in others:
        last = other.end or other.start
        if other.precision == "day" and (mention.start.month, mention.start.day) in (
            (other.start.month, other.start.day), (last.month, last.day)
        ):
            return other.start.year if (other.start.month, other.start.day) == (mention.start.month, mention.start.day) else last.year
    years = {y for pos, y in _years_in(body, (0, len(body)), sentences) if not any(a <= pos < b for a, b in excluded)}
    return years.pop() if len(years) == 1 else None


def _covers(mention: DateMention, position: int) -> bool:
    return mention.span[0] <= position < mention.span[1]


def _moved_to_year(mention: DateMention, year: int) -> DateMention | None:
    """A yearless mention (completed in any year) moved to ``year`` (its end's year)."""
    last = mention.end or mention.start
    shift = year - last.year
    try:
        start = mention.start.replace(year=mention.start.year + shift)
        end = mention.end.replace(year=mention.end.year + shift) if mention.end else None
    except ValueError:  # 29/2 in a year that has none
        return None
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        return None
    return replace(mention, start=start, end=end, year_from_issue=False, year_from_context=True)


def _plausible(date: dt.date, issue_date: dt.date | None, issue_precision: str | None, posted: bool = False) -> bool:
    """Whether a date may be that of an article of an issue dated ``issue_date``; a page's
    posting date (``posted``) bounds it from above only: pages are reposted and crawled years
    after the event ("Thứ 6, 12/09/2025" over a report of 10/4/2008)."""
    if issue_date is None:
        return True
    earliest = dt.date(max(MIN_YEAR, issue_date.year - _MAX_YEARS_BEFORE_ISSUE), 1, 1)
    return (posted or earliest <= date) and (date - _period_end(issue_date, issue_precision)).days <= _MAX_DAYS_AHEAD_OF_ISSUE


# ---------------------------------------------------------------------------
# article_date
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """A date that may be the event's; ``mention`` is None for a yearless date nothing
    completes (the event's date then stays unknown)."""

    span: tuple[int, int]
    precision: str
    mention: DateMention | None
    cued: bool  # introduced by a time of day, a weekday, "Ngày …," opening its sentence


# How surely the chosen mention dates the article, by the rule that chose it (article_date).
_CHOICE_CONFIDENCE = {
    "labelled": 0.9,
    "day_in_opening_sentence": 0.95,
    "day_in_opening_paragraph": 0.8,
    "dateline": 0.85,
    "month_in_opening_paragraph": 0.7,
    "cued_day_in_lead": 0.75,
    "day_in_lead": 0.65,
    "month_in_lead": 0.6,
    "year_in_opening_sentence": 0.5,
}
# A date whose year was taken from the issue date (or from elsewhere in the text) is less sure.
_FROM_ISSUE_FACTOR = 0.8
_FROM_CONTEXT_FACTOR = 0.85
# A time of day, a weekday or a relative day before a date: the event's day.
_CUED = _compile(rf"^(?:(?:sáng|chiều|tối|trưa|đêm|hôm)(?!\w)|{_WEEKDAY}|vào\s+(?:lúc|sáng|chiều|tối))")


def _is_cued(text: str, mention_text: str, span: tuple[int, int], sentences: list[tuple[int, int]]) -> bool:
    if _CUED.match(mention_text):
        return True
    sentence_start = _sentence_start(sentences, span[0])
    before = text[sentence_start : span[0]]
    # "Ngày 6/2, …" opening its sentence (after an outlet tag such as "(TTXVN) -" or "BGO-").
    return mention_text[:4].lower() == "ngày" and re.fullmatch(r"\s*(?:\([^()]{1,40}\)\s*[-–—]?|[^\W\d_]{2,12}\s*[-–—])?\s*", before) is not None


def article_date(
    body: str, issue_date: dt.date | None = None, issue_precision: str | None = None, title: str | None = None
) -> DateMention | None:
    """The date of the event the article reports, or None when the body does not state one.

    The event's date is the one tied to the reporting of the event, found in this order:

    1. a date on a "Thời gian: …" line (an announcement);
    2. a day (or a range, or a list of days) in the opening sentence, then in the opening
       paragraph; the opening skips posting lines, captions, site furniture and the headline
       printed again;
    3. a dateline: a line holding only "[Place, ]ngày 22 tháng 5 năm 2014";
    4. a month or quarter in the opening paragraph;
    5. a day with a time of day or a weekday ("sáng 2/11", "Thứ Năm, …") or opening its
       sentence ("Ngày 6/2, …") in the lead (the first five paragraphs), then any day there,
       then a month there;
    6. a year opening the opening sentence ("Năm 2010, …", a year's report).

    Never the event's: lunar dates, a web page's posting line (see :func:`posting_lines`),
    reported history, deadlines and "since" ("thành lập năm 1961", "từ năm 1990", "trước ngày
    30/6/2014", "kể từ khi phát động vào tháng 7"), dates of cited documents ("Quyết định số …
    ngày …", "ban hành ngày …"), dates in parentheses (a named day "Ngày Sách (21/4/2017)", an
    anniversary span "(3/2/1930 - 3/2/2025)"), terms of office and plan periods ("nhiệm kỳ
    2016 - 2021"), and with ``issue_date`` dates more than three years before it or more than
    a year after it.

    A day and month stated without a year ("Sáng 22/5", "Ngày 25.11", "Chiều nay (12/5)", "Trong
    2 ngày 17, 18/11") take their year from the text when it states it (``year_from_context``):
    a year of the same sentence (the event's name "… năm 2014", the end of an anniversary
    span, the first year of the term a congress opens), a year of ``title`` (the headline),
    another full date of the same day, or the one year the rest of the text states; else from
    ``issue_date`` (the masthead's, with its ``issue_precision``) or, without one, from the
    page's posting line (``year_from_issue``; see :func:`find_partial_dates`). When nothing
    states the year, the date stays unknown: None (a yearless day is never replaced by
    another date of the text).

    ``end`` is the end of a range, or an end stated in a later sentence ("kéo dài đến hết
    ngày 13/12", "Bạn đọc có thể đến xem từ ngày 5-2 đến hết ngày 18-2").

    The returned mention's ``confidence`` is that of the rule that chose it (0.95 for a day in
    the opening sentence … 0.5 for a bare year), times 0.85 when its year came from elsewhere
    in the text and 0.8 when it came from the issue.
    """
    posting_found = posting_lines(body)
    posting = [span for span, _ in posting_found]
    reference, reference_precision = issue_date, issue_precision
    if reference is None and posting_found:
        reference, reference_precision = posting_found[0][1], "day"
    sentences = _all_sentence_spans(body)
    candidates = _candidates_of(body, reference, reference_precision, title, sentences, posting, issue_date)
    if not candidates:
        return None
    lead = _lead_paragraphs(body, posting, title)
    opening_paragraph = lead[0] if lead else (0, 0)
    opening_sentence = next(iter(sentence_spans(body, *opening_paragraph)), (0, 0)) if lead else (0, 0)
    lead_span = (lead[0][0], lead[-1][1]) if lead else (0, 0)

    def within(c: _Candidate, span: tuple[int, int]) -> bool:
        return span[0] <= c.span[0] and c.span[1] <= span[1]

    days = [c for c in candidates if c.precision == "day"]
    months = [c for c in candidates if c.precision in ("month", "quarter")]
    choices = (
        ("labelled", (c for c in candidates if c.mention and _is_labelled(body, c.mention))),
        ("day_in_opening_sentence", (c for c in days if within(c, opening_sentence))),
        ("day_in_opening_paragraph", (c for c in days if within(c, opening_paragraph))),
        ("dateline", (c for c in days if c.mention and not c.mention.year_from_issue and not c.mention.year_from_context
                      and _is_dateline(body, c.mention))),
        ("month_in_opening_paragraph", (c for c in months if within(c, opening_paragraph))),
        ("cued_day_in_lead", (c for c in days if c.cued and within(c, lead_span))),
        ("day_in_lead", (c for c in days if within(c, lead_span))),
        ("month_in_lead", (c for c in months if within(c, lead_span))),
        ("year_in_opening_sentence", (
            c for c in candidates if c.precision == "year" and within(c, opening_sentence)
            and _YEAR_OPENING.fullmatch(body, opening_sentence[0], c.span[0])
        )),
    )
    for rule, choice in choices:
        found = next(choice, None)
        if found is None:
            continue
        if found.mention is None:
            return None  # the event's day is stated, its year nowhere: unknown
        mention = found.mention
        if mention.end is None and mention.precision == "day":
            mention = _with_later_end(body, mention, candidates)
        factor = _FROM_CONTEXT_FACTOR if mention.year_from_context else _FROM_ISSUE_FACTOR if mention.year_from_issue else 1.0
        return replace(mention, confidence=round(_CHOICE_CONFIDENCE[rule] * factor, 3))
    return None


def _candidates_of(
    body: str, reference: dt.date | None, reference_precision: str | None, title: str | None,
    sentences: list[tuple[int, int]], posting: list[tuple[int, int]], issue_date: dt.date | None,
) -> list[_Candidate]:
    """Every date that may be the event's, completed where its year is missing, in order."""
    full = find_dates(body)
    excluded = list(posting)  # the page's dates lend no year to the event (the issue's may)
    candidates = [
        _Candidate(m.span, m.precision, m, _is_cued(body, m.text, m.span, sentences))
        for m in full
        if not _excluded(body, m, sentences, posting) and _near_issue(m, issue_date)
    ]
    by_issue = {m.span: m for m in find_partial_dates(body, reference, reference_precision)} if reference else {}
    for template in find_dates_in_year(body, 2000):  # a leap year: 29/2 is kept until placed
        if _excluded(body, template, sentences, posting):
            continue
        completed = None
        year = _context_year(body, template, sentences, title, excluded)
        if year is not None:
            completed = _moved_to_year(template, year)
            if completed is not None and not _plausible(
                completed.start, reference, reference_precision, posted=issue_date is None
            ):
                completed = None
        if completed is None and template.span in by_issue:
            completed = by_issue[template.span]
        if completed is not None and not _near_issue(completed, issue_date):
            continue
        candidates.append(_Candidate(template.span, template.precision, completed,
                                     _is_cued(body, template.text, template.span, sentences)))
    return sorted(candidates, key=lambda c: c.span)


def _with_later_end(body: str, mention: DateMention, candidates: list[_Candidate]) -> DateMention:
    """The mention with the end of its event when a later sentence states it: a range that
    starts on the same day ("kéo dài từ ngày 6 đến 22/2/2026"), or "đến hết ngày 13/12",
    "bế giảng vào ngày 17/8/2007" a few weeks later at most."""
    for candidate in candidates:
        other = candidate.mention
        if other is None or other.span[0] < mention.span[1] or other.precision != "day":
            continue
        if other.end is not None and other.start == mention.start:
            return replace(mention, end=other.end)
    full_and_partial = find_dates(body) + find_dates_in_year(body, mention.start.year)
    for other in sorted(full_and_partial, key=lambda m: m.span):
        if other.span[0] < mention.span[1] or other.precision != "day" or other.lunar:
            continue
        if other.end is not None and other.start == mention.start:
            return replace(mention, end=other.end)
        closes = _END_BEFORE.search(body, max(0, other.span[0] - 30), other.span[0]) or _LAST_DAY_AFTER.match(
            body, other.span[1]
        )
        if other.end is None and closes and 0 < (other.start - mention.start).days <= _MAX_EVENT_DAYS:
            return replace(mention, end=other.start)
    return mention
