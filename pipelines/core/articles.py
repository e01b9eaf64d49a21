"""Split a bulletin's pages into articles and attach each article's date, place and authors.

First cut: headings come from the layout where there is one (lines in a clearly larger font,
or bold upper-case lines, in a PDF text layer); one article per document otherwise, titled by
its first heading-like paragraph. Text before the first heading that is short is the issue's
masthead, not an article. Metadata fields stay null when the text does not state them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from pipelines.core import dates, people, places
from pipelines.core.models import Article, Line, Page
from pipelines.core.vietnamese.normalize import to_paragraphs

# A line at least this much larger than the body text is a heading.
HEADING_SIZE_RATIO = 1.15
MAX_HEADING_CHARS = 220
MAX_MASTHEAD_CHARS = 400

_MASTHEAD = re.compile(
    r"^\s*(BẢN TIN|TẬP SAN|THÔNG TIN|NEWSLETTER|BULLETIN)\b|\bSố\s*\d+\s*[/-]\s*\d{4}\b",
    re.IGNORECASE,
)


@dataclass
class _Item:
    page: int
    line: Line


def build_articles(pages: list[Page], issue_date=None) -> list[Article]:
    # Empty lines are kept: they mark paragraph breaks.
    items = [_Item(p.page_number, ln) for p in pages if p.method not in ("failed",) for ln in p.lines]
    if not any(i.line.text.strip() for i in items):
        return []
    flags = _layout_heading_flags(items)
    sections = _split_at_headings(items, flags)
    articles: list[Article] = []
    for index, (heading, body) in enumerate(sections):
        if heading is None and index == 0 and len(sections) > 1:
            if sum(len(i.line.text) for i in body) <= MAX_MASTHEAD_CHARS:
                continue  # the issue's masthead, a document attribute rather than an article
        article = _make_article(len(articles) + 1, heading, body, issue_date)
        if article is not None:
            articles.append(article)
    return articles


def _layout_heading_flags(items: list[_Item]) -> list[bool]:
    sized = [i for i in items if i.line.size]
    if not sized:
        return [False] * len(items)
    weight: Counter[float] = Counter()
    for i in sized:
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


def _make_article(seq: int, heading: list[_Item] | None, body: list[_Item], issue_date) -> Article | None:
    paragraphs = to_paragraphs("\n".join(i.line.text for i in body))
    title = " ".join(i.line.text.strip() for i in heading) if heading else None
    if title is None:
        paragraphs = [p for p in paragraphs]
        while paragraphs and _MASTHEAD.search(paragraphs[0]) and len(paragraphs[0]) <= MAX_MASTHEAD_CHARS:
            paragraphs.pop(0)
        title_parts = []
        while paragraphs and _looks_like_title(paragraphs[0]):
            title_parts.append(paragraphs.pop(0))
        title = " ".join(title_parts) or None
    text = "\n\n".join(paragraphs)
    if not text.strip() and not title:
        return None
    members = [i for i in (heading or []) + body if i.line.text.strip()]
    mention = dates.article_date(text, issue_date=issue_date)
    byline = people.find_byline(text)
    return Article(
        seq=seq,
        title=title,
        body=text,
        page_start=min(i.page for i in members),
        page_end=max(i.page for i in members),
        published_date=mention.start if mention else None,
        date_text=mention.text if mention else None,
        location=places.find_venue(text),
        authors=list(byline.names) if byline else [],
    )


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _looks_like_title(paragraph: str) -> bool:
    text = paragraph.strip()
    return 0 < len(text) <= MAX_HEADING_CHARS and _is_upper(text) and not text.endswith((".", ";", ","))
