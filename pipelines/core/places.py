"""The venue of the event an article reports, as written in its opening.

:func:`find_venue` reads the ``tại …`` ("at …") phrase of the opening sentences, or failing
that an explicit ``Địa điểm: …`` ("Venue: …") label, and returns the phrase as written
(whitespace runs and line breaks become single spaces). It never guesses: no phrase, no
venue.

Limits: only the first two sentences are searched for ``tại`` (a ``tại`` later in the article
is usually a visit or a side remark); the phrase must name something (contain a capitalised
word) and must not start with a determiner ("tại các thư viện" is not a venue); the end of the
phrase is found with punctuation and a list of clause words (``đã``, ``với``, ``nhằm``, ``do``,
``ngày`` …), so a venue followed directly by an unlisted verb may come out too long (phrases of
more than 20 words are dropped).
"""

from __future__ import annotations

import re

from pipelines.core.dates import is_heading, paragraph_spans, sentence_spans

__all__ = ["find_venue"]

# How many sentences of the opening are searched for "tại".
_OPENING_SENTENCES = 2
# A venue longer than this (in words, outside parentheses) is a run-on, not a venue.
_MAX_WORDS = 20
# A "tại" phrase that has not ended after this many characters is a run-on, not a venue.
_MAX_PHRASE_CHARS = 250
# At most this many "tại" are tried per sentence.
_MAX_TAI_PER_SENTENCE = 5

# "tại" as a word of its own ("Tại", "tại"), then the phrase.
_TAI = re.compile(r"(?<!\w)tại\s+", re.IGNORECASE)
# Words before "tại" that make it part of another word: "hiện tại" (currently),
# "tồn tại" (to exist), "thực tại" (reality).
_COMPOUND_BEFORE = re.compile(r"(?<!\w)(?:hiện|tồn|thực)\s*$", re.IGNORECASE)
# Words after "tại" that make it another word or a non-venue: "tại sao" (why), "tại vì"
# (because), "tại chỗ" (on the spot), "tại chức" (in-service), "tại đây" (here) …, and
# determiners: "tại các thư viện", "tại nhiều địa phương", "tại một số …". Lower case only:
# "tại Gia Lâm", "tại Vị Thanh" are places.
_NOT_A_VENUE_START = re.compile(
    r"(?:sao|vì|chỗ|chức|ngũ|gia|vị|nhiệm|đây|đó|này|nơi|các|những|nhiều|một|mỗi|mọi|hầu|từng)(?!\w)"
)
# An explicit label: "Địa điểm: Hội trường A, 31 Tràng Thi, Hà Nội".
_LABEL = re.compile(r"(?<!\w)địa\s+điểm\s*:\s*", re.IGNORECASE)
# Where a labelled venue ends: a line break, ';', a sentence end, or the next label
# ("Thời gian:", "Thành phần:").
_LABEL_END = re.compile(r"\n|;|\.(?=\s|$)|(?<!\w)(?:thời\s+gian|thành\s+phần|nội\s+dung)\s*:", re.IGNORECASE)

# Words that start the next clause, so end a "tại" phrase (lower case only: "Sáng" or
# "Do" inside a proper name is not affected): verbs and conjunctions of the main clause,
# and the date or time that often follows the venue.
_CLAUSE_WORD = re.compile(
    r"(?:đã|đang|sẽ|vừa|với|nhằm|do|để|cho|được|bị|là|có|và\s+(?:đã|được)|diễn\s+ra|tổ\s+chức|"
    r"khai\s+mạc|thu\s+hút|gồm|ngày|vào|lúc|từ|sáng|chiều|tối|trong|theo|nhân|trước|sau|"
    r"nhưng|thì|mà|khi)(?!\w)"
)
# A comma that is part of a name: "Bộ Văn hóa, Thể thao và Du lịch".
_COMMA_IN_NAME = re.compile(r",\s*Thể\s+thao\s+và\s+Du\s+lịch", re.IGNORECASE)
# Abbreviations whose period is not the end of the phrase: "TP. Hồ Chí Minh", "Q. 1".
_ABBREVIATION = re.compile(r"(?<!\w)(?:TP|Tp|TX|Q|P|TT|St|[^\W\d_])$")
# A dash between spaces ends the phrase: "tại Hà Nội – Hội nghị …".
_SPACED_DASH = re.compile(r"\s[-–—]\s")
_WORD = re.compile(r"\w+")


def _opening_sentences(text: str) -> list[tuple[int, int]]:
    """The first sentences of the text's body (headings skipped)."""
    sentences: list[tuple[int, int]] = []
    for s, e in paragraph_spans(text):
        if is_heading(text[s:e]):
            continue
        sentences.extend(sentence_spans(text, s, e))
        if len(sentences) >= _OPENING_SENTENCES:
            break
    return sentences[:_OPENING_SENTENCES]


def _phrase_end(text: str, start: int, end: int) -> int | None:
    """Where the "tại" phrase starting at ``start`` ends (at most ``end``), or None for a run-on.

    Parentheses are kept whole; outside them the phrase ends at , ; : ! ? a sentence
    period, a spaced dash or a clause word.
    """
    depth = 0
    limit = min(end, start + _MAX_PHRASE_CHARS)
    for i in range(start, limit):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_phrase(text, i, start):
            return i
    return end if limit == end else None


def _ends_phrase(text: str, i: int, start: int) -> bool:
    """Whether the phrase (outside parentheses) ends at position ``i``."""
    char = text[i]
    if char == ",":
        return _COMMA_IN_NAME.match(text, i) is None
    if char in ";:!?…\"“”":
        return True
    if char == ".":
        followed_by_space = i + 1 >= len(text) or text[i + 1].isspace()
        return followed_by_space and _ABBREVIATION.search(text, max(start, i - 4), i) is None
    if char.isspace():
        return _SPACED_DASH.match(text, i) is not None
    at_word_start = i == start or not text[i - 1].isalnum()
    return at_word_start and _CLAUSE_WORD.match(text, i) is not None


def _without_open_parenthesis(phrase: str) -> str:
    """The phrase cut before an opening parenthesis that is never closed."""
    depth, cut = 0, None
    for index, char in enumerate(phrase):
        if char == "(":
            if depth == 0:
                cut = index
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                cut = None
    return phrase if cut is None else phrase[:cut]


def _clean(phrase: str) -> str:
    """Single spaces, no trailing punctuation or dangling parenthesis."""
    phrase = _without_open_parenthesis(" ".join(phrase.split()))
    return phrase.strip(" ,.;:-–—").strip()


def _is_venue(phrase: str) -> bool:
    """A plausible venue: names something, not too long."""
    if not phrase or _NOT_A_VENUE_START.match(phrase):
        return False
    if not any(word[0].isupper() for word in _WORD.findall(phrase)):
        return False
    outside_parentheses = re.sub(r"\([^()]*\)", " ", phrase)
    return len(_WORD.findall(outside_parentheses)) <= _MAX_WORDS


def _venue_after_tai(text: str, sentence: tuple[int, int]) -> str | None:
    """The first venue introduced by "tại" in one sentence."""
    s, e = sentence
    for count, match in enumerate(_TAI.finditer(text, s, e)):
        if count >= _MAX_TAI_PER_SENTENCE:
            break
        if _COMPOUND_BEFORE.search(text, max(s, match.start() - 20), match.start()):
            continue
        phrase_end = _phrase_end(text, match.end(), e)
        if phrase_end is None:
            continue
        phrase = _clean(text[match.end() : phrase_end])
        if _is_venue(phrase):
            return phrase
    return None


def _venue_after_label(text: str) -> str | None:
    """The venue of an explicit "Địa điểm:" label, anywhere in the text."""
    for match in _LABEL.finditer(text):
        end = _LABEL_END.search(text, match.end())
        phrase = _clean(text[match.end() : end.start() if end else len(text)])
        if _is_venue(phrase):
            return phrase
    return None


def find_venue(text: str) -> str | None:
    """The venue as written, or None when the opening does not state one.

    ``"Sáng ngày 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội),
    Hội Thư viện đã tổ chức…"`` gives ``"Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi,
    Hà Nội)"``. The "tại" phrase of the first two sentences wins; else an explicit
    "Địa điểm: …" label anywhere in the text.
    """
    for sentence in _opening_sentences(text):
        venue = _venue_after_tai(text, sentence)
        if venue:
            return venue
    return _venue_after_label(text)
