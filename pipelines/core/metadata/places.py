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
more than 20 words are dropped). A comma ends the phrase unless what follows is part of the
name or the larger unit the place is in (``Bộ Văn hóa, Thể thao và Du lịch``, ``thành phố Hạ
Long, tỉnh Quảng Ninh``, ``31 Tràng Thi, Hà Nội``, ``Bangkok, Thái Lan``); a dash inside a
province's name (``Thừa Thiên - Huế``) does not end it. Not venues: a birthplace, grave or
workplace (``sinh năm 1935 tại …``, ``công tác tại …``) and a count of places (``tại 20
trường``). Text without diacritics is not read (``tai`` is not ``tại``).

Evidence: :func:`find_venue_evidence` gives the same venue with the span of the phrase as
written (``text[span]``, line breaks and all) and a confidence: 0.9 for the "tại" phrase of
the opening sentence, 0.75 for the second sentence's, 0.85 for a "Địa điểm:" label.

Provinces: :func:`article_places` lists the places an article names, for the
``article_places`` table: its venue (role 'venue', with the province the venue names, if any)
and every other province or centrally-run city named in the text (role 'mentioned'), each
resolved in both administrative systems by :mod:`pipelines.core.metadata.gazetteer`. Provinces named in
the closing credits (an author's affiliation, a cited newspaper) are not the article's places.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from pipelines.core.metadata import dates, gazetteer, people
from pipelines.core.metadata.dates import sentence_spans

__all__ = ["Evidence", "PlaceMention", "find_venue", "find_venue_evidence", "article_places"]


@dataclass(frozen=True)
class Evidence:
    """An extracted value with the text it came from."""

    value: str  # the value, whitespace normalised ("Viện Thông tin Khoa học Xã hội")
    span: tuple[int, int]  # text[span[0]:span[1]] is the phrase as written
    confidence: float  # 0–1


@dataclass(frozen=True)
class PlaceMention:
    """A row of ``article_places``: a place the article names, resolved where possible."""

    name: str  # as written (whitespace normalised): the venue, or the province's words
    role: str  # 'venue' | 'mentioned'
    span: tuple[int, int] | None  # None for a province named only in the headline
    confidence: float
    code_legacy: str | None = None  # 63-province code (None: a venue naming no province)
    name_legacy: str | None = None
    code_2025: str | None = None  # 34-province code
    name_2025: str | None = None


# Confidence of a venue by where it was found.
_VENUE_CONFIDENCE = {"opening_sentence": 0.9, "second_sentence": 0.75, "label": 0.85, "lead": 0.7}

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
# Words before "tại" that make its phrase a birthplace or a grave (anywhere in the same
# clause: "sinh năm 1935 tại Nam Định") or a workplace (right before: "công tác tại …"), not
# the venue of the event.
_NOT_EVENT_VERB_BEFORE = re.compile(
    r"(?<!\w)(?:(?:sinh|qua\s+đời|từ\s+trần|an\s+táng|quê)(?!\w)[^,;.]*"
    r"|(?:công\s+tác|làm\s+việc|sinh\s+sống|cư\s+trú|học\s+tập)\s*)$",
    re.IGNORECASE,
)
# A count of places, not a place: "tại 20 trường", "tại 3 thư viện" (but "tại 31 Tràng Thi",
# "tại 57 phố Huế" are addresses).
_COUNT_OF_PLACES = re.compile(r"[0-9]+\s+(?!(?:phố|đường|ngõ|ngách|số)(?!\w))(?P<next>[^\W\d_])")
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
    r"khai\s+mạc|thu\s+hút|gồm|ngày|vào|lúc|từ|sáng|chiều|tối|trong|theo|(?<!công\s)nhân(?!\s+(?:dân|viên|sự|loại))|trước|sau|"
    r"nhưng|thì|mà|khi|mới\s+(?:có|diễn|được|tổ))(?!\w)"
)
# A comma that is part of a name ("Bộ Văn hóa, Thể thao và Du lịch") or that goes on to the
# larger unit the place is in ("thành phố Hạ Long, tỉnh Quảng Ninh", "Bangkok, Thái Lan"), its
# address ("thư viện Tổng hợp tỉnh, số 25 Lê Lợi", "Hội trường A, 144 Xuân Thủy") or the building
# and floor ("Hội trường tầng 3, nhà A0").
_COMMA_IN_NAME = re.compile(
    r",\s*(?:(?i:Thể\s+thao\s+và\s+Du\s+lịch)"
    r"|(?:(?i:tỉnh|thành\s+phố|quận|huyện|thị\s+xã|phường|xã)\s+|T[Pp]\.?\s*)[^\W\d_]"
    r"|(?i:số)\s+[0-9]|[0-9]+[A-Za-z]?\s+[A-ZĐ]"  # the address: ", số 25 Lê Lợi", ", 144 Xuân Thủy"
    r"|(?i:nhà|tòa\s+nhà|tòa|tầng|lầu|phòng|khu|dãy|cơ\s+sở)\s+[A-ZĐ0-9][\w.\-]{0,5}(?!\w)(?!\s+[a-zđà-ỹ])"  # a building, a floor: ", nhà A0"
    r"|(?:Việt\s+Nam|Thái\s+Lan|Lào|Campuchia|Trung\s+Quốc|Nhật\s+Bản|Hàn\s+Quốc|Malaysia|Singapore|"
    r"Indonesia|Philippines|Hoa\s+Kỳ|Mỹ|Pháp|Đức|Anh|Úc|Nga|Ấn\s+Độ)(?!\w))"
)
# Abbreviations whose period is not the end of the phrase: "TP. Hồ Chí Minh", "Q. 1".
_ABBREVIATION = re.compile(r"(?<!\w)(?:TP|Tp|TX|Q|P|TT|St|[^\W\d_])$")
# A dash between spaces ends the phrase: "tại Hà Nội – Hội nghị …".
_SPACED_DASH = re.compile(r"\s[-–—]\s")
_WORD = re.compile(r"\w+")


def _lead_sentences(text: str) -> list[tuple[int, int]]:
    """The sentences of the lead: its first paragraphs, headings, posting lines, captions and
    site furniture skipped (see :func:`pipelines.core.metadata.dates.opening_spans`)."""
    posting = [span for span, _ in dates.posting_lines(text)]
    return [span for s, e in dates._lead_paragraphs(text, posting) for span in sentence_spans(text, s, e)]


def _phrase_end(text: str, start: int, end: int) -> int | None:
    """Where the "tại" phrase starting at ``start`` ends (at most ``end``), or None for a run-on.

    Parentheses are kept whole; outside them the phrase ends at , ; : ! ? a sentence
    period, a spaced dash or a clause word.
    """
    depth = 0
    limit = min(end, start + _MAX_PHRASE_CHARS)
    # Province names with a dash ("Thừa Thiên - Huế", "Bà Rịa - Vũng Tàu") stay whole.
    names = [(start + p.span[0], start + p.span[1]) for p in gazetteer.find_provinces(text[start:limit])]
    for i in range(start, limit):
        char = text[i]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and _ends_phrase(text, i, start) and not _continues(text, i, names, limit):
            return i
    return end if limit == end else None


# After a province name that follows a comma: punctuation, so the name closes the venue
# ("Hội trường A, Hà Nội." but not "Đà Nẵng, Hà Nội và TP.HCM").
_AFTER_CLOSING_PROVINCE = re.compile(r"\s*(?:[.,;:!?)]|$)")


def _continues(text: str, i: int, names: list[tuple[int, int]], limit: int) -> bool:
    """Whether the phrase goes on at ``i`` although it would end there: inside a province
    name ("Thừa Thiên - Huế"), or at a comma followed by the province the place is in."""
    if any(s < i < e for s, e in names):
        return True
    if text[i] != ",":
        return False
    following = i + 1
    while following < limit and text[following].isspace():
        following += 1
    if any(s == following and _AFTER_CLOSING_PROVINCE.match(text[e:limit]) for s, e in names):
        return True
    return _province_list_follows(text, i, following, names, limit)


_LIST_JOIN = re.compile(r"\s*,\s*|\s+(?:và|cùng)\s+")


def _province_list_follows(text: str, i: int, following: int, names: list[tuple[int, int]], limit: int) -> bool:
    """Whether a comma after a province goes on to more provinces, the last after "và", that
    close the phrase: "tại TP HCM, Cần Thơ và Đà Nẵng, …" (one venue: the three cities)."""
    if not any(e == i for _, e in names):
        return False
    starts = {s: e for s, e in names}
    position, joined = following, False
    while position in starts:
        end = starts[position]
        join = _LIST_JOIN.match(text, end, limit)
        if join is None or not join.group().strip(" ,"):
            if joined and _AFTER_CLOSING_PROVINCE.match(text[end:limit]):
                return True
            if join is None:
                return False
        joined = joined or bool(join.group().strip(" ,"))
        position = join.end()
    return False


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
        return _SPACED_DASH.match(text, i) is not None and not _dash_continues(text, i)
    at_word_start = i == start or not text[i - 1].isalnum()
    return at_word_start and _CLAUSE_WORD.match(text, i) is not None


# After a dash inside a venue: the rest of its name ("Trung tâm Văn hóa - Thông tin tỉnh",
# "Hoàng thành Thăng Long - khu di tích trung tâm") is short and ends the phrase.
_AFTER_DASH = re.compile(r"\s*[-–—]\s*(?P<rest>[^,;:.!?()\n]{1,80})")
_DASH_NAME_WORDS = 6


# Lower-case words that may follow a dash in a venue's name: a part of the place, its level.
_PLACE_PART = re.compile(
    r"(?:khu|tòa|nhà|số|tầng|phòng|sảnh|cơ\s+sở|trụ\s+sở|di\s+tích|phường|xã|quận|huyện|tỉnh|thành\s+phố|"
    r"thị\s+xã|trung\s+tâm|đường|phố|ngõ)(?!\w)"
)
# Capitalised words after a dash that start a new subject, not the rest of a name.
_SUBJECT_START = re.compile(r"(?:Hội(?!\s+trường)|Ban|Sở|Đoàn|Chi\s+hội|Câu\s+lạc\s+bộ|CLB|Nhóm|Các|Những|Đại\s+biểu)(?!\w)")


def _dash_continues(text: str, i: int) -> bool:
    """Whether a spaced dash at ``i`` is inside the venue's name rather than ending it: what
    follows, up to the end of the clause, is a few words that continue a name ("Thông tin
    tỉnh") or name a part of the place ("khu di tích trung tâm")."""
    match = _AFTER_DASH.match(text, i)
    if match is None:
        return False
    rest = match["rest"].strip()
    clause = next((m for m in _CLAUSE_WORD.finditer(rest) if m.start() and not rest[m.start() - 1].isalnum()), None)
    if clause is not None:  # "Hội trường 272 - Võ Văn Tần vào ngày …": the name ends at "vào"
        rest = rest[: clause.start()].strip()
    if not rest or _EVENT_NOUN.match(rest) or _CLAUSE_WORD.match(rest) or _SUBJECT_START.match(rest):
        return False
    words = rest.split()
    if len(words) > _DASH_NAME_WORDS:
        return False
    if _PLACE_PART.match(rest):
        return True
    # a capitalised word first ("Thông tin tỉnh"); lower-case syllables beyond a place's level
    # only in a short name (a longer run is a clause: "Hội Thư viện tham gia")
    lower = [w for w in words[1:] if not w[:1].isupper() and not w[:1].isdigit() and not _PLACE_PART.fullmatch(w)]
    return words[0][:1].isupper() and (not lower or len(words) <= 3)


# The acting subject run into the venue without a comma: "tại Nhà Văn hóa Thanh niên Câu lạc
# bộ Sách xưa tổ chức …" — an association's name right before the verb "tổ chức".
_SUBJECT_HEAD = re.compile(r"\s(?:Câu\s+lạc\s+bộ|CLB|Hội(?!\s+trường)|Chi\s+hội|Liên\s+chi\s+hội|Đoàn|Nhóm)\s+[A-ZĐ]")
_AGENT_VERB = re.compile(r"\s*(?:đã\s+|vừa\s+|long\s+trọng\s+)?(?:tổ\s+chức|phối\s+hợp)(?!\w)")


def _without_subject(text: str, start: int, end: int) -> int:
    """The end of the venue when its phrase ran on into the acting subject."""
    if not _AGENT_VERB.match(text, end):
        return end
    heads = list(_SUBJECT_HEAD.finditer(text, start, end))
    return heads[-1].start() if heads else end


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


# An event after "tại" is no venue: "Tại Hội nghị, …", "tại Kỳ họp thứ 7", "tại lễ khai mạc".
_EVENT_NOUN = re.compile(
    r"(?:hội\s+nghị|đại\s+hội|kỳ\s+họp|phiên\s+(?:họp|thảo\s+luận|khai\s+mạc|bế\s+mạc)|lễ|buổi|liên\s+hoan|"
    r"cuộc\s+thi|hội\s+thi|hội\s+thảo|tọa\s+đàm|chương\s+trình|ngày\s+hội|sự\s+kiện|lớp|khóa\s+học|"
    r"hội\s+diễn|diễn\s+đàn|đợt|chuyến|kỳ\s+thi|vòng)(?!\w)",
    re.IGNORECASE,
)
# A title held at a place is no venue: "Đại sứ Việt Nam tại Cộng hòa Séc", "Tổng Lãnh sự
# Nhật Bản tại Đà Nẵng", "đại sứ văn hóa đọc tại Đồng Tháp", "phóng viên thường trú tại …".
_TITLE_BEFORE = re.compile(
    r"(?<!\w)(?:đại\s+sứ|lãnh\s+sự|đại\s+diện|thường\s+trú|phóng\s+viên|văn\s+phòng\s+đại\s+diện|chi\s+nhánh|"
    r"tùy\s+viên|tham\s+tán|trưởng\s+cơ\s+quan)(?!\w)[^,;.()]{0,40}$",
    re.IGNORECASE,
)
# A count of places followed by their names is a venue: "tại 2 xã Púng Luông và La Pán Tẩn".
_NAMED_COUNT = re.compile(r"[0-9]+\s+(?:[^\W\d_]+\s+){1,2}[A-ZĐÀ-Ỹ]")


def _is_venue(phrase: str) -> bool:
    """A plausible venue: names something, not too long, not an event."""
    if not phrase or _NOT_A_VENUE_START.match(phrase) or _EVENT_NOUN.match(phrase):
        return False
    count = _COUNT_OF_PLACES.match(phrase)
    if count is not None and count.group("next").islower() and not _NAMED_COUNT.match(phrase):
        return False
    if not any(word[0].isupper() for word in _WORD.findall(phrase)):
        return False
    outside_parentheses = re.sub(r"\([^()]*\)", " ", phrase)
    return len(_WORD.findall(outside_parentheses)) <= _MAX_WORDS


# Later in the lead, a "tại" counts when the event's verb or date comes right before it:
# "Buổi lễ được tổ chức tại …", "… diễn ra tại …", "… sáng 2/11 tại …".
_REPORTED_BEFORE = re.compile(
    r"(?:(?<!\w)(?:tổ\s+chức|diễn\s+ra|khai\s+mạc|bế\s+mạc|khai\s+giảng|bế\s+giảng|ra\s+mắt|trao\s+giải|"
    r"tổng\s+kết|khánh\s+thành|khai\s+trương)|[0-9]{1,2}\s*[/.\-]\s*[0-9]{1,2}(?:\s*[/.\-]\s*[0-9]{4})?)\s*$",
    re.IGNORECASE,
)


def _venue_after_tai(text: str, sentence: tuple[int, int], reported: bool = False) -> tuple[str, tuple[int, int]] | None:
    """The first venue introduced by "tại" in one sentence, with its span; with ``reported``,
    only a "tại" right after the event's verb or date."""
    s, e = sentence
    for count, match in enumerate(_TAI.finditer(text, s, e)):
        if count >= _MAX_TAI_PER_SENTENCE:
            break
        if _COMPOUND_BEFORE.search(text, max(s, match.start() - 20), match.start()):
            continue
        if _NOT_EVENT_VERB_BEFORE.search(text, max(s, match.start() - 60), match.start()):
            continue
        if _TITLE_BEFORE.search(text, max(s, match.start() - 60), match.start()):
            continue
        if reported and not _REPORTED_BEFORE.search(text, max(s, match.start() - 40), match.start()):
            continue
        phrase_end = _phrase_end(text, match.end(), e)
        if phrase_end is None:
            continue
        phrase_end = _without_subject(text, match.end(), phrase_end)
        phrase = _clean(text[match.end() : phrase_end])
        if _is_venue(phrase):
            return phrase, _span_of(text, phrase, match.end(), phrase_end)
        if _COUNT_OF_PLACES.match(phrase) and not _NAMED_COUNT.match(phrase):
            return None  # "học tại 6 khu vực: … tại tỉnh A, … tại tỉnh B": places of a list
    return None


def _venue_after_label(text: str) -> tuple[str, tuple[int, int]] | None:
    """The venue of an explicit "Địa điểm:" label, anywhere in the text, with its span."""
    for match in _LABEL.finditer(text):
        end = _LABEL_END.search(text, match.end())
        phrase_end = end.start() if end else len(text)
        phrase = _clean(text[match.end() : phrase_end])
        if _is_venue(phrase):
            return phrase, _span_of(text, phrase, match.end(), phrase_end)
    return None


def _span_of(text: str, phrase: str, start: int, end: int) -> tuple[int, int]:
    """Where the cleaned ``phrase`` lies in ``text[start:end]``: its words, as written."""
    found = _words_span(text[start:end], phrase.split())
    if found is None:  # cannot happen: the phrase is made of the text's words
        return start, end
    return start + found[0], start + found[1]


def _words_span(part: str, words: list[str]) -> tuple[int, int] | None:
    """The first span of ``part`` where ``words`` follow each other, whitespace between them:
    what re.search finds of the escaped words joined by r"\\s+", without compiling a pattern
    for each phrase (a word holds no whitespace, so the spaces before it are all taken)."""
    if not words:
        return 0, 0
    first = words[0]
    at = part.find(first)
    while at >= 0:
        pos = at + len(first)
        for word in words[1:]:
            gap_start = pos
            while pos < len(part) and part[pos].isspace():
                pos += 1
            if pos == gap_start or not part.startswith(word, pos):
                break
            pos += len(word)
        else:
            return at, pos
        at = part.find(first, at + 1)
    return None


# An article's venue is asked for twice (its location, then its places): found once. The
# evidence is frozen, so the cached one can be shared.
@functools.lru_cache(maxsize=256)
def find_venue_evidence(text: str) -> Evidence | None:
    """The venue as written, with its span and a confidence, or None (see :func:`find_venue`)."""
    lead = _lead_sentences(text)
    for index, sentence in enumerate(lead[:_OPENING_SENTENCES]):
        found = _venue_after_tai(text, sentence)
        if found:
            where = "opening_sentence" if index == 0 else "second_sentence"
            return Evidence(found[0], found[1], _VENUE_CONFIDENCE[where])
    found = _venue_after_label(text)
    if found:
        return Evidence(found[0], found[1], _VENUE_CONFIDENCE["label"])
    for sentence in lead[_OPENING_SENTENCES:]:
        found = _venue_after_tai(text, sentence, reported=True)
        if found:
            return Evidence(found[0], found[1], _VENUE_CONFIDENCE["lead"])
    return None


def find_venue(text: str) -> str | None:
    """The venue as written, or None when the opening does not state one.

    ``"Sáng ngày 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội),
    Hội Thư viện đã tổ chức…"`` gives ``"Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi,
    Hà Nội)"``. The "tại" phrase of the first two sentences wins; else an explicit
    "Địa điểm: …" label anywhere in the text.
    """
    evidence = find_venue_evidence(text)
    return evidence.value if evidence else None


def _credit_spans(text: str) -> list[tuple[int, int]]:
    """The credits: provinces there (an affiliation, a cited newspaper) are not the article's
    places."""
    return people.credit_spans(text)


def _province_place(province: gazetteer.Province, role: str) -> PlaceMention:
    return PlaceMention(
        " ".join(province.name_as_written.split()), role, province.span, province.confidence,
        province.code_legacy, province.name_legacy, province.code_2025, province.name_2025,
    )


def article_places(text: str, title: str | None = None) -> list[PlaceMention]:
    """The places an article names: its venue (role 'venue') first, if it states one, with
    the province the venue names (the last one: "Hội trường A (31 Tràng Thi, Hà Nội)" →
    Hà Nội); then every other province named in the text (role 'mentioned'), once each, in
    order of appearance, other provinces the venue names included; then those named only in
    the headline ``title`` (span None: the offsets are the body's). Provinces in the credits
    (an affiliation, a cited newspaper) are left out."""
    places: list[PlaceMention] = []
    venue = find_venue_evidence(text)
    seen: set[str] = set()
    venue_province = None
    if venue is not None:
        in_venue = gazetteer.find_provinces(text[venue.span[0] : venue.span[1]])
        resolved = in_venue[-1] if in_venue else None
        if resolved is not None:
            seen.add(resolved.code_legacy)
            venue_province = (venue.span[0] + resolved.span[0], venue.span[0] + resolved.span[1])
        places.append(
            PlaceMention(
                venue.value, "venue", venue.span, venue.confidence,
                *(
                    (resolved.code_legacy, resolved.name_legacy, resolved.code_2025, resolved.name_2025)
                    if resolved else (None, None, None, None)
                ),
            )
        )
    skipped = _credit_spans(text) + ([venue_province] if venue_province else [])
    for province in gazetteer.find_all_provinces(text):
        if province.code_legacy in seen or any(s <= province.span[0] < e for s, e in skipped):
            continue
        seen.add(province.code_legacy)
        places.append(_province_place(province, "mentioned"))
    for province in gazetteer.find_provinces(title or ""):
        if province.code_legacy not in seen:
            seen.add(province.code_legacy)
            places.append(replace(_province_place(province, "mentioned"), span=None))
    return places
