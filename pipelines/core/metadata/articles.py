"""Split a bulletin's pages into articles and attach each article's date, place and authors.

First cut: headings come from the layout where there is one (lines in a clearly larger font,
or bold upper-case lines, in a PDF text layer); one article per document otherwise, titled by
its first heading-like paragraph. Text before the first heading that is short is the issue's
masthead, not an article. Metadata fields stay null when the text does not state them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from pipelines.core.metadata import dates, people, places
from pipelines.core.models import Article, Line, Page, PersonRef, PlaceRef
from pipelines.core.text.normalize import to_paragraphs
from pipelines.core.text.quality import syllable_ok

# A line at least this much larger than the body text is a heading.
HEADING_SIZE_RATIO = 1.15
MAX_HEADING_CHARS = 220
MAX_MASTHEAD_CHARS = 400

_MASTHEAD = re.compile(
    r"^\s*(BẢN TIN|TẬP SAN|THÔNG TIN|BAN TIN|TAP SAN|THONG TIN|NEWSLETTER|BULLETIN)\b|\bS[ốo]\s*\d+\s*[/-]\s*\d{4}\b"
    r"|^\s*(?:Số|No\.?)\s*\d{1,3}\s*(?:\(\s*tháng|[-–—,]\s*(?:tháng|năm|quý)|$)",  # "Số 2 (tháng 5/2016)"
    re.IGNORECASE,
)


# A line that closes an article with its credits: "Tin, ảnh: Hồng Vân", "Bài và ảnh: …".
_BYLINE = re.compile(r"^\(?\s*(tin|bài|ảnh|tin bài)(\s*(,|và|-|&)\s*(tin|bài|ảnh))*\s*:", re.IGNORECASE)


@dataclass
class _Item:
    page: int
    line: Line
    method: str = "text"


def build_articles(pages: list[Page], issue_date=None, issue_precision: str | None = None) -> list[Article]:
    """The articles of a document, with their metadata; ``issue_date`` (from the masthead) is
    the reference for partial dates and the article date of last resort."""
    running = running_lines(pages)
    # Empty lines are kept: they mark paragraph breaks. Running headers, footers and page
    # numbers are not article text (they stay in pages.text).
    items = [
        _Item(p.page_number, ln, p.method)
        for p in pages
        if p.method not in ("failed",)
        for ln in (_laid_out_ocr_lines(p.lines) if p.method == "ocr" else p.lines)
        if not running or _running_key(ln.text) not in running  # (most documents have none)
    ]
    if not any(i.line.text.strip() for i in items):
        return []
    flags = heading_flags(items)
    sections = _split_at_headings(items, flags)
    articles: list[Article] = []
    for index, (heading, body) in enumerate(sections):
        if heading is None and index == 0 and len(sections) > 1:
            if sum(len(i.line.text) for i in body) <= MAX_MASTHEAD_CHARS:
                continue  # the issue's masthead, a document attribute rather than an article
        article = _make_article(len(articles) + 1, heading, body, issue_date, issue_precision)
        if article is not None:
            articles.append(article)
    return articles


_PAGE_NUMBER = re.compile(r"^[\s\-–—.]*(trang|page|tr\.)?\s*\d{1,4}\s*([/]\s*\d{1,4})?[\s\-–—.]*$", re.IGNORECASE)


_DIGITS = re.compile(r"\d+")


def _running_key(text: str) -> str:
    """A line as a running header or footer is compared: digits (page numbers) blanked."""
    return _DIGITS.sub("#", text.strip().lower())


def running_lines(pages: list[Page], edge: int = 3) -> set[str]:
    """Keys of the lines that repeat at the top or bottom of at least half the pages (three
    pages at least): running headers and footers, page numbers included."""
    readable = [p for p in pages if p.method not in ("failed", "empty")]
    if len(readable) < 3:
        return set()
    seen: Counter[str] = Counter()
    for page in readable:
        lines = [ln.text for ln in page.lines if ln.text.strip()]
        keys = {_running_key(t) for t in lines[:edge] + lines[-edge:]}
        seen.update(keys)
    threshold = max(3, (len(readable) + 1) // 2)
    running = {key for key, count in seen.items() if count >= threshold}
    # a bare page number ('#', '- # -', 'trang #') repeats by shape even on few pages
    running |= {key for key in seen if _PAGE_NUMBER.match(key.replace("#", "1")) and seen[key] >= 2}
    return running


# An OCR "line" this much shorter than the body text's lines, with a few characters, is
# Tesseract reading the tone marks of a large heading as a line of their own ('ˆ ~ Z sgg').
_NOISE_HEIGHT_RATIO = 0.7
_NOISE_MAX_CHARS = 15
# A vertical gap this much wider than the page's line spacing separates two paragraphs.
_PARAGRAPH_GAP_RATIO = 1.3


def _laid_out_ocr_lines(lines: list[Line]) -> list[Line]:
    """An OCR page's lines as laid out: fragments of tone marks dropped, and a paragraph
    break (an empty line) wherever the gap above a line is clearly wider than the page's
    line spacing (a posting line, a caption and a byline are paragraphs of their own even
    when Tesseract puts them in one block). Lines without boxes are kept as they are."""
    measured = [ln for ln in lines if ln.text.strip() and ln.height]
    body = [ln for ln in measured if len(ln.text.strip()) >= _BODY_LINE_CHARS]
    if len(body) < 2:
        return lines
    body_height = statistics.median(ln.height for ln in body)
    kept = [ln for ln in lines if not _is_tone_mark_fragment(ln, body_height)]
    # Line tops move with tone marks stacked above capitals, bottoms with descenders: the step
    # from one line to the next is the smaller of the two, and a paragraph gap widens both.
    steps = [_step(a, b) for a, b in zip(body, body[1:]) if b.top > a.top]
    if not steps:
        return kept
    spacing = sorted(steps)[len(steps) // 4]
    laid_out: list[Line] = []
    previous = None
    for line in kept:
        if line.text.strip() and line.height:
            gap = previous is not None and _step(previous, line) > _PARAGRAPH_GAP_RATIO * spacing
            if gap and laid_out and laid_out[-1].text.strip():
                laid_out.append(Line(text=""))
            previous = line
        laid_out.append(line)
    return laid_out


def _step(a: Line, b: Line) -> float:
    return min(b.top - a.top, (b.top + b.height) - (a.top + a.height))


_TONE_MARK_CHARACTERS = frozenset("ˆ˜~`´¨^'’ˋˊ")


def _is_tone_mark_fragment(line: Line, body_height: float) -> bool:
    """A low 'line' of loose tone marks read off a large heading ('ˆ ~ Z sgg')."""
    text = line.text.strip()
    if not text or not line.height or line.height >= _NOISE_HEIGHT_RATIO * body_height or len(text) > _NOISE_MAX_CHARS:
        return False
    if any(c in _TONE_MARK_CHARACTERS for c in text):
        return True
    return not any(c.isdigit() for c in text) and not any(syllable_ok(w.lower()) and len(w) > 1 for w in re.findall(r"\w+", text))


def heading_flags(items: list[_Item]) -> list[bool]:
    """Which lines are headings, each by what its page offers: the fonts of a PDF text layer,
    the geometry of an OCR page's lines, or the text alone (plain-text files, OCR without
    boxes). A mixed PDF gets each kind of page read its own way."""
    flags = [False] * len(items)
    sized = [n for n, i in enumerate(items) if i.line.size]
    measured = [n for n, i in enumerate(items) if not i.line.size and i.line.height and i.method == "ocr"]
    taken = set(sized) | set(measured)
    # blank lines belong to the plain run they sit in (they mark its paragraph breaks)
    plain = [n for n, i in enumerate(items) if n not in taken]
    for n, flag in zip(sized, _size_heading_flags([items[n] for n in sized])):
        flags[n] = flag
    pages: dict[int, list[int]] = {}
    for n in measured:
        pages.setdefault(items[n].page, []).append(n)
    for numbers in pages.values():
        for n, flag in zip(numbers, _geometry_heading_flags([items[n].line for n in numbers])):
            flags[n] = flag
    if plain:
        plain_items = [items[n] for n in plain]
        plain_flags = _text_heading_flags(plain_items)
        if not sized and not measured:
            plain_flags = _first_line_title(plain_items, plain_flags)
        for n, flag in zip(plain, plain_flags):
            flags[n] = flag
    return _bylines_in_capitals(items, flags)


def _size_heading_flags(items: list[_Item]) -> list[bool]:
    """Headings of a PDF text layer: lines in a clearly larger font, or bold capitals."""
    if not items:
        return []
    weight: Counter[float] = Counter()
    for i in items:
        weight[round(i.line.size, 1)] += len(i.line.text)
    body_size = weight.most_common(1)[0][0]
    flags = []
    for i in items:
        line = i.line
        if not line.text.strip():
            flags.append(False)
            continue
        short = len(line.text) <= MAX_HEADING_CHARS
        larger = bool(line.size) and line.size >= body_size * HEADING_SIZE_RATIO
        bold_caps = bool(line.bold) and _is_upper(line.text) and len(line.text) <= 120
        flags.append(short and (larger or bold_caps) and not _MASTHEAD.search(line.text))
    return flags


# On an OCR page: a line is a heading when its letters are clearly larger than the body
# text's (taller, or wider per character and not shorter: capitals, bold), or when it is set
# apart: centred in the text column and in capitals or followed by a gap.
GEOMETRY_HEIGHT_RATIO = 1.3
GEOMETRY_WIDTH_RATIO = 1.35
_BODY_LINE_CHARS = 30


def _char_width(line: Line) -> float:
    return line.width / max(1, len(line.text.strip()))


def _geometry_heading_flags(lines: list[Line]) -> list[bool]:
    """Headings of one OCR page from the boxes of its lines (see :func:`line_geometry` in
    pipelines.core.read.ocr): a title is larger than the body text, or centred and set apart;
    it may wrap over several lines. Mixed-case titles count."""
    texts = [ln for ln in lines if ln.text.strip() and ln.height]
    body = [ln for ln in texts if len(ln.text.strip()) >= _BODY_LINE_CHARS] or texts
    if not body:
        return [False] * len(lines)
    body_height = statistics.median(ln.height for ln in body)
    body_width = statistics.median(_char_width(ln) for ln in body)
    column_left = statistics.median(ln.left for ln in body)
    column_right = max(ln.left + ln.width for ln in body)
    column = max(1.0, column_right - column_left)
    body_gap = statistics.median(
        [b.top - a.top for a, b in zip(texts, texts[1:]) if b.top > a.top] or [body_height * 1.3]
    )
    flags = []
    for index, line in enumerate(lines):
        text = line.text.strip()
        if not text or not line.height or len(text) > MAX_HEADING_CHARS or _MASTHEAD.search(text):
            flags.append(False)
            continue
        taller = line.height >= body_height * GEOMETRY_HEIGHT_RATIO
        wider = _char_width(line) >= body_width * GEOMETRY_WIDTH_RATIO and line.height >= body_height * 1.05
        left_gap, right_gap = line.left - column_left, column_right - (line.left + line.width)
        centred = min(left_gap, right_gap) >= 0.08 * column and abs(left_gap - right_gap) <= 0.08 * column
        following = next((ln for ln in lines[index + 1 :] if ln.text.strip() and ln.height), None)
        gap_after = following is None or following.top - line.top >= 1.6 * body_gap
        set_apart = centred and (_is_upper(text) or gap_after)
        flags.append(bool(taller or wider or set_apart))
    return flags


def _text_heading_flags(items: list[_Item]) -> list[bool]:
    """Headings where there is no layout (OCR, text exports): an upper-case line that starts a
    paragraph (after a blank line, or after a byline that closed the previous article)."""
    flags = []
    previous_blank, previous_flag, previous_byline = True, False, False
    for item in items:
        text = item.line.text.strip()
        heading = (
            bool(text)
            and (previous_blank or previous_flag or previous_byline)
            and _looks_like_title(text)
            and not _MASTHEAD.search(text)
            and not _BYLINE.match(text)  # "ẢNH: PHAN THỊ NGỌC DIỄM" under a caption
        )
        flags.append(heading)
        if text:
            previous_blank, previous_flag, previous_byline = False, heading, bool(_BYLINE.match(text))
        else:
            previous_blank = True
    return flags


def _bylines_in_capitals(items: list[_Item], flags: list[bool]) -> list[bool]:
    """A name in capitals closing an article ("THANH NGA") is its byline, not the next
    article's title: a one-line capitals 'heading' that reads as a name and is followed by
    nothing (or only by sources and page furniture), or by a blank line and another heading."""
    flags = list(flags)
    texts = [i.line.text.strip() for i in items]
    for n, flag in enumerate(flags):
        if not flag or (n > 0 and flags[n - 1]) or (n + 1 < len(items) and texts[n + 1] and flags[n + 1]):
            continue  # part of a heading of several lines
        rest = [m for m in range(n + 1, len(items)) if texts[m]]
        following = next((m for m in rest if not people.is_closing_line(texts[m])), None)
        if following is not None and not flags[following]:
            continue  # body text follows: a title ("SÁCH MỚI")
        if people.is_byline_name(texts[n]):
            flags[n] = False
    return flags


def _first_line_title(items: list[_Item], flags: list[bool]) -> list[bool]:
    """A text without layout (a plain-text export, a legacy-encoded file): its first block of
    lines (after the masthead) is the title when it reads as one: short, no final full stop,
    followed by a blank line; or when the next block prints it again (a web page's headline
    repeated, final full stop and all)."""
    blocks: list[list[int]] = [[]]
    for n, item in enumerate(items):
        if item.line.text.strip():
            blocks[-1].append(n)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    for number, block in enumerate(blocks):
        texts = [items[n].line.text.strip() for n in block]
        if _MASTHEAD.search(" ".join(texts)) and sum(map(len, texts)) <= MAX_MASTHEAD_CHARS:
            continue  # the issue's masthead comes first
        followed = number + 1 < len(blocks)
        repeated = followed and _same_words(" ".join(texts), " ".join(items[n].line.text.strip() for n in blocks[number + 1]))
        if followed and (_reads_as_title(texts) or repeated and len(" ".join(texts)) <= MAX_HEADING_CHARS):
            flags = list(flags)
            for n in block:
                flags[n] = True
        return flags
    return flags


def _reads_as_title(texts: list[str]) -> bool:
    """Lines that read as a headline: at most three, short, the last without a full stop,
    not a credit."""
    joined = " ".join(texts)
    return (
        0 < len(texts) <= 3
        and len(joined) <= MAX_HEADING_CHARS
        and not texts[-1].endswith((".", ";", ",", ":"))
        and not _BYLINE.match(texts[-1])
        and any(c.isalpha() for c in joined)
    )


def _split_at_headings(items: list[_Item], flags: list[bool]) -> list[tuple[list[_Item] | None, list[_Item]]]:
    sections: list[tuple[list[_Item] | None, list[_Item]]] = []
    heading: list[_Item] | None = None
    body: list[_Item] = []
    previous_flag = False
    for item, flag in zip(items, flags):
        if flag and not previous_flag:  # a new heading starts a new section
            if heading is not None or body:
                sections.append((heading, body))
            heading, body = [item], []
        elif flag and heading is not None and not body:
            heading.append(item)  # a heading wrapped over several lines
        elif not item.line.text.strip() and (heading is not None and not body or not sections and not body):
            continue  # spacing after a heading, or before anything
        else:
            body.append(item)
        previous_flag = flag
    if heading is not None or body:
        sections.append((heading, body))
    return sections


def _is_posting_stamp(line: str) -> bool:
    """A web page's posting line ("22/04/2023 07:30 GMT+7") set apart like a heading."""
    return bool(line.strip()) and any(span == (0, len(line.strip())) for span, _ in dates.posting_lines(line.strip()))


def _make_article(seq: int, heading, body, issue_date, issue_precision) -> Article | None:
    if heading and any(_is_posting_stamp(i.line.text) for i in heading):
        # the page's posting line is no part of the headline: it opens the body (the year of
        # a day stated without one may come from it)
        stamps = [i for i in heading if _is_posting_stamp(i.line.text)]
        heading = [i for i in heading if not _is_posting_stamp(i.line.text)] or None
        body = stamps + body
    paragraphs = to_paragraphs("\n".join(i.line.text for i in body))
    title = _title_of([i.line.text for i in heading]) if heading else None
    if title is None:
        while paragraphs and _MASTHEAD.search(paragraphs[0]) and len(paragraphs[0]) <= MAX_MASTHEAD_CHARS:
            paragraphs.pop(0)
        title_parts = []
        while paragraphs and _looks_like_title(paragraphs[0]):
            title_parts.append(paragraphs.pop(0))
        title = " ".join(title_parts) or None
    if title and paragraphs and _same_words(paragraphs[0], title):
        paragraphs.pop(0)  # the headline printed again as the body's first line
    text = "\n\n".join(paragraphs)
    if not text.strip() and not title:
        return None
    members = [i for i in (heading or []) + body if i.line.text.strip()]
    article = Article(
        seq=seq,
        title=title,
        body=text,
        page_start=min(i.page for i in members),
        page_end=max(i.page for i in members),
    )
    _attach_date(article, text, issue_date, issue_precision)
    venue = places.find_venue_evidence(text)
    if venue:
        article.location, article.location_span, article.location_confidence = venue.value, venue.span, venue.confidence
    article.places = [
        PlaceRef(p.name, p.role, p.span, p.confidence, p.code_legacy, p.name_legacy, p.code_2025, p.name_2025)
        for p in places.article_places(text, title)
    ]
    credits = people.find_credits(text)
    article.people = [
        PersonRef(c.name, c.role, c.contribution, c.title, c.kind, c.affiliation, c.span, c.confidence) for c in credits
    ]
    article.authors = people.authors(credits)
    return article


# Section labels printed above a headline on web pages and in some bulletins ("Tin tức",
# "Sự kiện"): not part of the title.
_SECTION_LABEL = re.compile(
    r"(?:tin\s+tức|tin\s+hoạt\s+động|hoạt\s+động|sự\s+kiện|tin\s+tức\s*[-–—|]\s*sự\s+kiện|tin\s+mới|"
    r"văn\s+hóa\s+cơ\s+sở|tin\s+trong\s+(?:tỉnh|nước|ngành)|tin\s+ngành|tin\s+địa\s+phương|thời\s+sự|"
    r"văn\s+hóa|xã\s+hội|giáo\s+dục|tin\s+văn\s+hóa|hoạt\s+động\s+thư\s+viện|tin\s+thư\s+viện)",
    re.IGNORECASE,
)


def _title_of(lines: list[str]) -> str | None:
    """The title from its heading lines, one title however many lines it wraps over; a
    section label above it is dropped."""
    lines = [ln.strip() for ln in lines if ln.strip()]
    if len(lines) > 1 and _SECTION_LABEL.fullmatch(lines[0].rstrip(" :|»>")):
        lines = lines[1:]
    if lines:
        # a list page's posting date glued before the headline: "16/05/2018 Liên hiệp …"
        lines[0] = _LIST_DATE_PREFIX.sub("", lines[0], count=1) or lines[0]
    return " ".join(lines) or None


_LIST_DATE_PREFIX = re.compile(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{4}(?:\s+[0-9]{1,2}:[0-9]{2})?\s*[|\-–]?\s+(?=[^\W\d_])")


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _attach_date(article: Article, text: str, issue_date, issue_precision) -> None:
    """The date the text states for the article; else the issue's date, marked as such."""
    mention = dates.article_date(text, issue_date=issue_date, issue_precision=issue_precision, title=article.title)
    if mention is not None:
        article.published_date, article.date_end = mention.start, mention.end
        article.date_text, article.date_span = mention.text, mention.span
        article.date_precision, article.date_confidence = mention.precision, mention.confidence
        article.date_source = (
            "text+context_year" if mention.year_from_context else "text+issue_year" if mention.year_from_issue else "text"
        )
    elif issue_date is not None:
        article.published_date, article.date_precision = issue_date, issue_precision
        article.date_source, article.date_confidence = "issue", 0.5


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _looks_like_title(paragraph: str) -> bool:
    text = paragraph.strip()
    return 0 < len(text) <= MAX_HEADING_CHARS and _is_upper(text) and not text.endswith((".", ";", ","))
