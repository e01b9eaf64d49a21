"""The masthead of a bulletin issue: its title, issue number and issue date.

The masthead is document metadata, not an article: :func:`find_masthead` reads it from the
top of the first page and the caller stores it on ``documents`` (``masthead``,
``issue_number``, ``issue_date``, ``issue_date_precision``). The issue date is the reference
for dates an article states only in part (see :func:`pipelines.core.metadata.dates.article_date`).

Recognised (case-insensitive, on one line or spread over up to three short lines):

* ``BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014`` → title, issue "2/2014", date 2014 (year);
* ``Bản tin Hội Thư viện Việt Nam Số 3 (tháng 6/2015)`` → issue "3", date 2015-06 (month);
* ``THÔNG TIN THƯ VIỆN — Số 1 - 2016`` → issue "1/2016", date 2016 (year);
* ``Tập san Thư viện Quý II/2014`` → no issue number, date 2014-04-01 (quarter);
* ``NEWSLETTER OF THE VIETNAM LIBRARY ASSOCIATION No. 4, 2013`` → issue "4/2013", 2013;
* a title line followed by ``Số 2/2014 - Tháng 5/2014`` on the next line;
* an issue line alone at the top (``Số 2/2014``), without a title.

Conventions: ``issue_date`` is the first day of the finest period stated (a month, a
quarter, else the year of the issue number or a bare year), with ``precision`` saying which;
``issue_number`` is "N/YYYY" when the number carries its year, else "N"; ``title`` is the
title as written, whitespace normalised; ``text == source[span[0]:span[1]]``.

Limits: only the first lines are read (:data:`MAX_LINES`); a title must start with one of the
title words (:data:`_TITLE_WORDS`) — an association name on its own line above "BẢN TIN" is not
part of the title; without an issue number or date a title line is not taken for a masthead
(an article could be headed "THÔNG TIN THƯ VIỆN").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from pipelines.core.metadata.dates import find_dates

__all__ = ["Masthead", "find_masthead", "MAX_LINES"]

MAX_LINES = 8  # non-empty lines read from the top
_MAX_LINE_CHARS = 160
_MAX_ISSUE_LINE_CHARS = 80
_ISSUE_LINES_AFTER_TITLE = 2


@dataclass(frozen=True)
class Masthead:
    """The masthead of an issue."""

    text: str  # the masthead as written
    title: str | None  # "BẢN TIN HỘI THƯ VIỆN VIỆT NAM"
    issue_number: str | None  # "2/2014" or "3"
    issue_date: dt.date | None  # first day of the period stated
    precision: str | None  # 'day' | 'month' | 'quarter' | 'year'
    span: tuple[int, int]
    confidence: float  # 0–1


# Words a masthead title starts with.
_TITLE_WORDS = r"bản\s+tin|tập\s+san|thông\s+tin|newsletter|bulletin|tạp\s+chí|thông\s+báo"
# A title: a title word and what follows up to a separator or an issue element.
_TITLE = re.compile(
    rf"(?<!\w)(?:{_TITLE_WORDS})(?!\w)"
    r".*?(?=\s*(?:[—–|•(]|\s-\s|,\s*(?:số|no)|(?<!\w)(?:số|no\.?|issue|quý|tháng|năm)\s*[0-9IVX]|$))",
    re.IGNORECASE,
)
# An issue number: "Số 2/2014", "Số 1 - 2016", "No. 4, 2013", "Số 3".
_ISSUE = re.compile(
    r"(?<!\w)(?:số|no\.?|issue)\s*(?P<number>[0-9]{1,3})(?![0-9])"
    r"(?:\s*(?:[/\-–]|,)\s*(?P<year>(?:19|20)[0-9]{2})(?![0-9/]))?",
    re.IGNORECASE,
)
# English month names in English mastheads: "June 2013".
_ENGLISH_MONTH = re.compile(
    r"(?<!\w)(?P<month>january|february|march|april|may|june|july|august|september|october|"
    r"november|december)\s*,?\s*(?P<year>(?:19|20)[0-9]{2})(?![0-9])",
    re.IGNORECASE,
)
_MONTHS = (
    "january february march april may june july august september october november december".split()
)
# A bare year: "2013" in "No. 4 2013".
_BARE_YEAR = re.compile(r"(?<![0-9/])(?P<year>(?:19|20)[0-9]{2})(?![0-9/])")
_PRECISION_ORDER = {"day": 0, "month": 1, "quarter": 2, "year": 3}
# What may stand around the issue elements on an issue line: separators, "Năm thứ …".
_ISSUE_LINE_FILLER = re.compile(r"[\s—–\-|•,.:;()]*")


@dataclass(frozen=True)
class _Element:
    span: tuple[int, int]
    date: dt.date | None = None
    precision: str | None = None
    number: str | None = None


def _lines(text: str) -> list[tuple[int, int]]:
    """Spans of the first non-empty lines, without surrounding whitespace."""
    spans, pos = [], 0
    for line in text.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
        if len(spans) >= MAX_LINES:
            break
    return spans


def _elements(text: str, s: int, e: int) -> list[_Element]:
    """The issue numbers and dates in ``text[s:e]``."""
    elements = []
    for match in _ISSUE.finditer(text, s, e):
        number = match["number"] + (f"/{match['year']}" if match["year"] else "")
        year_date = dt.date(int(match["year"]), 1, 1) if match["year"] else None
        elements.append(_Element(match.span(), year_date, "year" if year_date else None, number))
    for mention in find_dates(text[s:e]):
        if mention.lunar:
            continue
        span = (s + mention.span[0], s + mention.span[1])
        elements.append(_Element(span, mention.start, mention.precision))
    for match in _ENGLISH_MONTH.finditer(text, s, e):
        month = _MONTHS.index(match["month"].lower()) + 1
        elements.append(_Element(match.span(), dt.date(int(match["year"]), month, 1), "month"))
    taken = [el.span for el in elements]
    for match in _BARE_YEAR.finditer(text, s, e):
        if not any(a <= match.start() < b for a, b in taken):
            elements.append(_Element(match.span(), dt.date(int(match["year"]), 1, 1), "year"))
    return sorted(elements, key=lambda el: el.span)


def _issue_date(elements: list[_Element]) -> tuple[dt.date | None, str | None]:
    """The finest date stated (a month before a year)."""
    dated = [el for el in elements if el.date is not None]
    if not dated:
        return None, None
    best = min(dated, key=lambda el: _PRECISION_ORDER[el.precision or "year"])
    return best.date, best.precision


def _is_issue_line(text: str, s: int, e: int, elements: list[_Element]) -> bool:
    """A short line made of issue elements only ("Số 2/2014 - Tháng 5/2014")."""
    if e - s > _MAX_ISSUE_LINE_CHARS or s >= e or not elements:
        return False
    rest, pos = [], s
    for element in elements:
        rest.append(text[pos : element.span[0]])
        pos = element.span[1]
    rest.append(text[pos:e])
    return all(_ISSUE_LINE_FILLER.fullmatch(part) for part in rest)


def _title(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The span of a masthead title starting the line ``text[s:e]``."""
    if e - s > _MAX_LINE_CHARS:
        return None
    match = _TITLE.match(text, s, e)
    if match is None:
        return None
    title_end = match.end()
    while title_end > s and text[title_end - 1] in " ,.:;-–—":
        title_end -= 1
    words = text[s:title_end].split()
    if not 1 <= len(words) <= 14 or text[s:e].rstrip().endswith((".", ";")) and not _ISSUE.search(text, s, e):
        return None
    return s, title_end


def _masthead(text: str, title: tuple[int, int] | None, element_spans: list[tuple[int, int]]) -> Masthead | None:
    """The masthead from a title span and the lines holding its issue elements."""
    elements = [el for s, e in element_spans for el in _elements(text, s, e)]
    if not elements:
        return None
    numbers = [el.number for el in elements if el.number]
    issue_date, precision = _issue_date(elements)
    start = title[0] if title else elements[0].span[0]
    end = max([el.span[1] for el in elements] + ([title[1]] if title else []))
    end = _close_parenthesis(text, start, end)
    confidence = 0.6 if title is None else (0.95 if numbers and issue_date else 0.85)
    title_text = " ".join(text[title[0] : title[1]].split()) if title else None
    return Masthead(text[start:end], title_text, numbers[0] if numbers else None, issue_date, precision, (start, end), confidence)


def _close_parenthesis(text: str, start: int, end: int) -> int:
    """``end`` moved past a ")" that closes a "(" of the masthead: "Số 3 (tháng 6/2015)"."""
    if text.count("(", start, end) > text.count(")", start, end):
        match = re.compile(r"\s*\)").match(text, end)
        if match:
            return match.end()
    return end


def find_masthead(text: str) -> Masthead | None:
    """The masthead at the top of ``text`` (the first page's first lines), or None.

    A title line (``BẢN TIN …``) with an issue number or date on the same line or one of the
    next two short lines; or, without a title, a line of issue elements only (``Số 2/2014``).
    """
    lines = _lines(text)
    for index, (s, e) in enumerate(lines):
        title = _title(text, s, e)
        if title is None:
            continue
        rest_elements = _elements(text, title[1], e)
        if rest_elements and not _is_issue_line(text, title[1], e, rest_elements):
            continue  # "Thông tin về hội nghị năm 2014 đã …": a sentence, not a masthead
        spans = [(title[1], e)]
        for ls, le in lines[index + 1 : index + 1 + _ISSUE_LINES_AFTER_TITLE]:
            if not _is_issue_line(text, ls, le, _elements(text, ls, le)):
                break
            spans.append((ls, le))
        masthead = _masthead(text, title, spans)
        if masthead is not None:
            return masthead
    for s, e in lines[:3]:
        if _is_issue_line(text, s, e, _elements(text, s, e)) and _ISSUE.search(text, s, e):
            return _masthead(text, None, [(s, e)])
    return None
