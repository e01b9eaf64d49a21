"""Where a value came from: an article's evidence spans (offsets in its body) found in the page
text and among the page's OCR words, so that the document view can mark them.

An article's body is made of its pages' text (paragraphs re-joined, the title and masthead taken
out), so a span's words are looked for in the page text near where the article's body starts on
that page; and among the OCR words of the page as the same sequence of words, compared folded
(no diacritics, case or punctuation), so that a value is traced to the pixels it was read from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.core.text.tones import fold

_WORD = re.compile(r"\w+")


@dataclass
class Mark:
    ref: str  # what it marks: '<article_id>:<field>'
    start: int  # offsets in the page text
    end: int
    kind: str  # 'published_date' | 'location' | 'provinces' | 'authors'


@dataclass
class Segment:
    text: str
    refs: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def find_in_page(page_text: str, body: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """The span of ``body`` located in ``page_text``: its exact words, the occurrence after the
    article's start on the page (or the first one); None when the page does not hold them."""
    if not span or span[0] is None or span[1] is None or span[1] <= span[0]:
        return None
    needle = body[span[0]:span[1]]
    if not needle.strip():
        return None
    anchor = page_text.find(body[: min(60, len(body))].strip()) if body else -1
    start = max(anchor, 0) + max(0, span[0] - 20) if anchor >= 0 else 0
    found = page_text.find(needle, start)
    if found < 0:
        found = page_text.find(needle)
    if found < 0:
        return _find_folded(page_text, needle)
    return found, found + len(needle)


def _find_folded(page_text: str, needle: str) -> tuple[int, int] | None:
    """The same words ignoring spacing, case and diacritics (a line break inside a date)."""
    words = [fold(w) for w in _WORD.findall(needle)]
    if not words:
        return None
    page_words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(page_text)]
    for i in range(len(page_words) - len(words) + 1):
        if all(page_words[i + k][2] == words[k] for k in range(len(words))):
            return page_words[i][0], page_words[i + len(words) - 1][1]
    return None


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """The page text cut at every mark boundary, each piece with the marks covering it (marks
    may overlap: a venue holding a province)."""
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    pieces = []
    for a, b in zip(cuts, cuts[1:]):
        if a >= b:
            continue
        covering = [m for m in marks if m.start <= a and m.end >= b]
        pieces.append(Segment(text[a:b], [m.ref for m in covering], sorted({m.kind for m in covering})))
    return pieces


def _key(word: str) -> str:
    return "".join(fold(word).split()).strip(".,;:!?()[]\"'“”‘’«»-–—/")


def find_words(words: list[tuple[int, str]], phrase: str) -> list[int]:
    """The word numbers of ``words`` ((word_number, text), in reading order) that spell
    ``phrase``: the first run of consecutive words matching its words folded; [] if none."""
    wanted = [_key(w) for w in phrase.split()]
    wanted = [w for w in wanted if w]
    if not wanted:
        return []
    keys = [(n, _key(t)) for n, t in words]
    keys = [(n, k) for n, k in keys if k]
    for i in range(len(keys) - len(wanted) + 1):
        if all(keys[i + k][1] == wanted[k] for k in range(len(wanted))):
            return [keys[i + k][0] for k in range(len(wanted))]
    return []
