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
import re
from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

__all__ = [
    "DateMention",
    "find_dates",
    "find_partial_dates",
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


def _candidates(text: str) -> Iterator[DateMention]:
    """Every acceptable match of every pattern (overlapping each other)."""
    for pattern, build in _PATTERNS:
        pos = 0
        while (match := pattern.search(text, pos)) is not None:
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
    return _longest_first(_candidates(text))


# ---------------------------------------------------------------------------
# find_partial_dates: dates without a year, completed from the issue date
# ---------------------------------------------------------------------------

# Words that make a yearless "22/5" a day: a time of day, "ngày", "mùng", a weekday.
_PARTIAL_CUE = (
    rf"(?:(?<!\w)(?:sáng|chiều|tối|trưa|đêm|hôm|vào)(?:\s+ngày)?(?:\s+(?:mùng|mồng))?\s+"
    rf"|(?<!\w){_WEEKDAY}\s*,?\s*(?:ngày\s+)?(?:(?:mùng|mồng)\s+)?"
    rf"|(?<!\w)ngày\s+(?:(?:mùng|mồng)\s+)?|(?<!\w)(?:mùng|mồng)\s+)"
)
_DAY = r"(?<![0-9])(?P<d2>[0-9]{1,2})"
_MONTH_NUMBER = r"(?P<m2>[0-9]{1,2})(?![0-9])"
# "từ 19/5 đến 21/5", "ngày 28/9 – 2/10"
_PARTIAL_RANGE_DM = _compile(
    rf"{_FROM}{_PARTIAL_CUE}(?<![0-9])(?P<d1>[0-9]{{1,2}}){_WS}/{_WS}(?P<m1>[0-9]{{1,2}})"
    rf"{_TO}(?:ngày\s+)?{_DAY}{_WS}/{_WS}{_MONTH_NUMBER}"
)
# "từ ngày 19 đến 21/5", "ngày 19-21/5"
_PARTIAL_RANGE_D = _compile(
    rf"{_FROM}{_PARTIAL_CUE}(?<![0-9])(?P<d1>[0-9]{{1,2}}){_TO}(?:ngày\s+)?{_DAY}{_WS}[/.]{_WS}{_MONTH_NUMBER}"
)
# "Sáng 22/5", "ngày 22-5", "Thứ Năm, 22.5"
_PARTIAL_DM = _compile(rf"{_PARTIAL_CUE}{_DAY}{_WS}[/.\-]{_WS}{_MONTH_NUMBER}")
# "ngày 22 tháng 5", "ngày 19-20 tháng 5"
_PARTIAL_WORDS = _compile(rf"{_PARTIAL_CUE}(?:(?P<d1>[0-9]{{1,2}}){_TO})?{_DAY}\s+tháng\s+{_MONTH_NUMBER}")
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


def _partial(text: str, m: re.Match[str], issue_end: dt.date, precision: str) -> DateMention | None:
    """The mention of a yearless match completed with the issue's year, or None."""
    if _YEAR_FOLLOWS.match(text, m.end()):
        return None
    back = 1 if _LAST_YEAR_FOLLOWS.match(text, m.end()) else 0
    groups = m.groupdict()
    end = _complete(issue_end, groups["m2"], groups.get("d2") or 1, back)
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
        confidence=_PARTIAL_CONFIDENCE[precision], year_from_issue=True,
    )


# Each partial pattern and the precision of its dates.
_PARTIAL_PATTERNS = (
    (_PARTIAL_RANGE_DM, "day"),
    (_PARTIAL_RANGE_D, "day"),
    (_PARTIAL_DM, "day"),
    (_PARTIAL_WORDS, "day"),
    (_PARTIAL_MONTH, "month"),
)


def find_partial_dates(text: str, issue_date: dt.date, issue_precision: str | None = None) -> list[DateMention]:
    """Dates the text states without a year ("Sáng 22/5", "ngày 22 tháng 5", "tháng 5"),
    completed with ``issue_date``'s year and flagged ``year_from_issue``; in order of
    appearance, never overlapping a full date of :func:`find_dates` (see the module doc).

    ``issue_precision`` ('day', 'month', 'quarter', 'year'; default 'day') is that of the
    issue date: a date is "too far ahead" when it lies more than six months after the end of
    the issue's period (an issue dated only "2013" covers the whole year).
    """
    issue_end = _period_end(issue_date, issue_precision)
    full = [m.span for m in find_dates(text)]
    candidates = []
    for pattern, precision in _PARTIAL_PATTERNS:
        pos = 0
        while (match := pattern.search(text, pos)) is not None:
            mention = _partial(text, match, issue_end, precision)
            pos = match.start() + 1
            if mention is None or any(s < mention.span[1] and mention.span[0] < e for s, e in full):
                continue
            candidates.append(mention)
            pos = match.end()
    return _longest_first(candidates)


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
    spans: list[tuple[int, int]] = []
    pos = 0
    for match in _BLANK_LINE.finditer(text):
        spans.extend(_split_headings(text, pos, match.start()))
        pos = match.end()
    spans.extend(_split_headings(text, pos, len(text)))
    return spans


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
# Words earlier in the same sentence that put it in the past: "Trước đây, năm 2010 …".
_PAST_SENTENCE = _compile(r"(?<!\w)(?:trước\s+đây|cách\s+đây|hồi\s+đó|năm\s+xưa|thuở|khi\s+ấy|lúc\s+đó)(?!\w)")
# A dateline's place before the date: "Hà Nội, ", "TP. Hồ Chí Minh, ".
_DATELINE_PLACE = re.compile(r"\s*(?:[^\W\d_][\w.]*(?:\s+[^\W\d_][\w.]*){0,4}\s*,\s*)?")


def _all_sentence_spans(text: str) -> list[tuple[int, int]]:
    """The spans of every sentence of every paragraph, in order."""
    return [span for ps, pe in paragraph_spans(text) for span in sentence_spans(text, ps, pe)]


def _sentence_start(sentences: list[tuple[int, int]], position: int) -> int:
    """The start of the sentence that contains ``position`` (``position`` itself if none)."""
    index = bisect.bisect_right(sentences, (position, float("inf"))) - 1
    if index >= 0 and sentences[index][0] <= position < sentences[index][1]:
        return sentences[index][0]
    return position


def _is_reported_history(text: str, mention: DateMention, sentences: list[tuple[int, int]]) -> bool:
    """Whether the words before the mention make it history/deadline rather than the event."""
    s = mention.span[0]
    sentence_start = _sentence_start(sentences, s)
    if _NOT_EVENT_BEFORE.search(text, max(sentence_start, s - 40), s):
        return True
    if _DOCUMENT_BEFORE.search(text, max(sentence_start, s - 40), s):
        return True
    return _PAST_SENTENCE.search(text, max(sentence_start, s - 120), s) is not None


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


def _inside(mention: DateMention, span: tuple[int, int]) -> bool:
    return span[0] <= mention.span[0] and mention.span[1] <= span[1]


# How surely the chosen mention dates the article, by the rule that chose it (article_date).
_CHOICE_CONFIDENCE = {
    "day_in_opening_sentence": 0.95,
    "dateline": 0.85,
    "day_in_opening_paragraph": 0.8,
    "month_in_opening_paragraph": 0.7,
    "year_in_opening_sentence": 0.5,
}
# A date whose year was taken from the issue date is less sure by this factor.
_FROM_ISSUE_FACTOR = 0.8


def article_date(
    body: str, issue_date: dt.date | None = None, issue_precision: str | None = None
) -> DateMention | None:
    """The date of the article, or None when the body does not state one.

    In order of preference:

    1. a day-precision date (or day range) in the opening sentence (headings skipped);
    2. a day-precision date elsewhere in the opening paragraph;
    3. a dateline anywhere: a line holding only "[Place, ]ngày 22 tháng 5 năm 2014";
    4. a month or quarter in the opening paragraph;
    5. a bare year ("năm 2014") in the opening sentence.

    Never considered: lunar dates (their numbers are not solar dates), dates in reported
    history or deadlines ("thành lập năm 1961", "từ năm 1990", "trước đây …", "trước ngày
    30/6/2014", "đến năm 2020"), and, when ``issue_date`` is given, dates more than three
    years before it or more than a year after it.

    With ``issue_date``, dates stated without a year ("Sáng 22/5, …", "Trong tháng 5, …")
    compete too, completed with the issue's year (see :func:`find_partial_dates`): precision
    kept, ``year_from_issue=True``; ``issue_precision`` is the issue date's precision (the
    masthead's: an issue dated "Số 4/2013" covers all of 2013). The issue date itself is never returned: when nothing in
    the body qualifies the answer is None, and the caller decides whether to fall back to the
    issue's date (that fallback is then visibly the issue's, not the article's).

    The returned mention's ``confidence`` is that of the rule that chose it (0.95 for a day in
    the opening sentence … 0.5 for a bare year), times 0.8 when its year came from the issue.
    """
    sentences = _all_sentence_spans(body)
    mentions = find_dates(body)
    if issue_date is not None:
        partial = find_partial_dates(body, issue_date, issue_precision)
        mentions = sorted(mentions + partial, key=lambda m: m.span)
    mentions = [
        m
        for m in mentions
        if not m.lunar and _near_issue(m, issue_date) and not _is_reported_history(body, m, sentences)
    ]
    if not mentions:
        return None
    sentence, paragraph = opening_spans(body)
    days = [m for m in mentions if m.precision == "day"]
    choices = (
        ("day_in_opening_sentence", (m for m in days if _inside(m, sentence))),
        ("day_in_opening_paragraph", (m for m in days if _inside(m, paragraph))),
        ("dateline", (m for m in days if _is_dateline(body, m))),
        ("month_in_opening_paragraph", (m for m in mentions if m.precision in ("month", "quarter") and _inside(m, paragraph))),
        ("year_in_opening_sentence", (m for m in mentions if m.precision == "year" and _inside(m, sentence))),
    )
    for rule, choice in choices:
        found = next(choice, None)
        if found is not None:
            confidence = _CHOICE_CONFIDENCE[rule] * (_FROM_ISSUE_FACTOR if found.year_from_issue else 1.0)
            return replace(found, confidence=round(confidence, 3))
    return None
