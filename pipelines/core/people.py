"""The byline that closes an article: who wrote it and/or took its photos.

:func:`find_byline` reads the last non-empty line (and, where it helps, the one before):

* a labelled credit: ``Tin, ảnh: Hồng Vân`` (role 'text+photo'), ``Tin: Minh Hà - Thu
  Trang`` ('text'), ``Ảnh: Thu Trang`` ('photo'), also at the end of a paragraph after its
  last sentence ("… Quảng Ninh. Tin, ảnh: Hồng Vân") and in parentheses; ``Tin: Minh Hà,
  ảnh: Thu Trang`` on one line, or a ``Tin: …`` line followed by an ``Ảnh: …`` line, gives one
  byline with both names, role 'text+photo';
* ``PV`` / ``Phóng viên`` on its own (role None, names as written);
* a bare line that is only a personal name, optionally with academic titles (``ThS.``,
  ``TS.``, ``PGS.TS.``, ``GS.``) and an affiliation in parentheses: ``Nguyễn Hữu Giới``,
  ``ThS. Nguyễn Văn A (Thư viện tỉnh Quảng Ninh)`` (role None). The line may be followed by
  an affiliation line.

Names are returned as written, without titles or affiliations. It never guesses: a bare
name line must be 2–5 capitalised syllables starting with a common Vietnamese surname (or
carry a title); a labelled credit must consist only of names (capitalised words, initials,
or acronyms such as "PV", "BBT"); "Ảnh: Internet", "Ảnh: Tư liệu", "Nguồn: …" are not bylines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Byline", "find_byline"]


@dataclass(frozen=True)
class Byline:
    """The closing credit of an article."""

    names: list[str]  # ["Hồng Vân"]
    role: str | None  # 'text+photo' | 'text' | 'photo' | None (a bare name line)
    text: str  # the byline line as written
    span: tuple[int, int]


# A credit label and its colon. Groups: text (Tin/Bài/Tin bài/Bài viết) and photo (ảnh).
_LABEL = re.compile(
    r"""
    (?<!\w)
    (?:
        (?P<text>tin(?:\s*(?:,|và|-|–|&|/)?\s*bài)?|bài(?:\s+viết)?)   # Tin, Bài, Tin bài, Bài viết
        (?:\s*(?:,|-|–|&|/|\+|\bvà\b)\s*(?P<both>ảnh))?              # ... optionally "và ảnh"
      | (?P<photo>ảnh)                                                # Ảnh alone
    )
    \s*:\s*
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What may come before a label on its line: nothing, an opening parenthesis or a dash;
# or the end of the last sentence of a paragraph ("… Quảng Ninh. Tin, ảnh: …").
_BEFORE_LABEL = re.compile(r"(?:[\s(\-–—]*|.*(?:[.!?…]|\./\.)[\"”’)]*\s+\(?)", re.DOTALL)
# "PV" / "Phóng viên" alone (or in parentheses), after the last sentence or on its own line.
_REPORTER = re.compile(
    r"(?:^|(?<=[.!?…\"”])\s+)\(?\s*(?P<name>(?:nhóm\s+)?(?:PV|P\.V|phóng\s+viên))\s*\.?\s*\)?$",
    re.IGNORECASE,
)
# Separators between names: , ; & / a dash, "và".
_NAME_SEPARATOR = re.compile(r"\s*(?:[,;&/]|\s[-–—]\s|[-–—]|\s+và\s+)\s*", re.IGNORECASE)
# Academic and professional titles before a name: "ThS.", "PGS.TS.", "TS ", "Nhà báo".
_TITLES = re.compile(
    r"^(?:(?:PGS|GS|TS|ThS|Ths|Th\.S|TSKH|NCS|CN|KS|BS|NB)(?:\.\s*|\s+)|nhà\s+báo\s+)+"
)
# An affiliation in parentheses: "(Thư viện tỉnh Quảng Ninh)". Replaced by a marker before
# names are split (commas inside it do not separate names); a name may only end with one.
_PARENTHESES = re.compile(r"\s*\([^()]*\)")
_AFFILIATION = "\x00"
# Initials: "T.H", "N.V.A." (letters each followed by a period, the last one optionally not).
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,4}[^\W\d_]?\.?")
# An affiliation part or line: starts with an organisation word.
_ORGANISATION = re.compile(
    r"^\(?\s*(?:thư\s+viện|trường|viện|trung\s+tâm|hội|sở|phòng|ban|khoa|đại\s+học|bộ|công\s+ty|"
    r"TV|ĐH|TTXVN|báo)(?!\w)",
    re.IGNORECASE,
)
# Credits that are not people: "Ảnh: Internet", "Ảnh: TL" (tư liệu, archive), "Nguồn: …".
_NOT_A_PERSON = frozenset(
    {"internet", "tl", "tư liệu", "sưu tầm", "st", "nguồn", "google", "minh họa", "minh hoạ", "web", "website"}
)

# The most common Vietnamese surnames: a bare name line must start with one.
_SURNAMES = frozenset(
    """
    nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đoàn vương
    trịnh trương lâm phùng mai tô tạ hà lưu cao đinh lương kiều châu thái quách tăng triệu
    hứa khúc giang nghiêm chu lại mạc tống diệp âu doãn la lò mã thân tôn vi nông
    """.split()
)
# Place names that look like a surname and a given name.
_PLACES = frozenset({"hà nội", "hà nam", "hà giang", "hà tĩnh", "cao bằng", "thái bình", "thái nguyên"})
# (wrote the text, took the photos) -> role
_ROLE = {(True, False): "text", (False, True): "photo", (True, True): "text+photo"}
# Punctuation around one part of a credit: "Minh Hà, " in "Tin: Minh Hà, ảnh: Thu Trang".
_PART_PUNCTUATION = " ,;.-–—\u00a0"
_MAX_BARE_LINE = 80


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------


def _line_spans(body: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of ``body``, without surrounding whitespace (NBSP too)."""
    spans = []
    pos = 0
    for line in body.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        while s < e and body[s].isspace():
            s += 1
        while e > s and body[e - 1].isspace():
            e -= 1
        if s < e:
            spans.append((s, e))
    return spans


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def _is_capitalised(word: str) -> bool:
    """ "Vân", "VÂN": an upper-case letter, then letters of one case."""
    rest = word[1:]
    return word[:1].isupper() and word.isalpha() and (not rest or rest.islower() or rest.isupper())


def _is_acronym(name: str) -> bool:
    """ "PV", "BBT", "TTXVN": 2–6 upper-case letters."""
    return 2 <= len(name) <= 6 and name.isalpha() and name.isupper()


def _is_name(name: str) -> bool:
    """A person's (or a newsroom's) name in a labelled credit."""
    if not name or name.lower() in _NOT_A_PERSON:
        return False
    if _INITIALS.fullmatch(name) or _is_acronym(name):
        return True
    words = name.split()
    return 1 <= len(words) <= 6 and all(_is_capitalised(w) or _INITIALS.fullmatch(w) for w in words)


def _strip_title(name: str) -> tuple[str, bool]:
    """The name without its titles ("PGS.TS. Nguyễn Văn A" → "Nguyễn Văn A"), and whether it had one."""
    stripped = _TITLES.sub("", name)
    return stripped, stripped != name


def _parts(credit: str) -> list[str] | None:
    """The parts of a list of names, each without its trailing "(affiliation)".

    None when a part has text after a parenthesis ("Nguyễn (TV) Văn"): not a list of names.
    """
    parts = []
    for part in _NAME_SEPARATOR.split(_PARENTHESES.sub(_AFFILIATION, credit).strip().rstrip(".")):
        part = part.strip()
        if part.endswith(_AFFILIATION):
            part = part.rstrip(_AFFILIATION).strip()
        if _AFFILIATION in part:
            return None
        if part and not _ORGANISATION.match(part):  # "Hồng Vân - Thư viện tỉnh X": skip the affiliation
            parts.append(part)
    return parts


def _split_names(credit: str) -> list[str] | None:
    """The names of a credit ("Minh Hà - Thu Trang (TV Hà Nội)"), or None if any part is not one."""
    parts = _parts(credit)
    if not parts:
        return None
    names: list[str] = []
    for part in parts:
        name, _ = _strip_title(part)
        if not _is_name(name):
            return None
        if name not in names:
            names.append(name)
    return names


def _is_personal_name(name: str, titled: bool) -> bool:
    """A bare line's name: 2–5 capitalised syllables, first a surname (unless titled)."""
    words = name.split()
    if not 2 <= len(words) <= 5 or not all(_is_capitalised(w) for w in words):
        return False
    if name.lower() in _PLACES:
        return False
    return titled or words[0].lower() in _SURNAMES


# ---------------------------------------------------------------------------
# Kinds of byline
# ---------------------------------------------------------------------------


def _labelled(body: str, span: tuple[int, int]) -> Byline | None:
    """A labelled credit ending the line ``span``: "Tin, ảnh: Hồng Vân", "Tin: A, ảnh: B".

    The credit starts at a label that opens the line or follows the last sentence of a
    paragraph; later labels on the line ("…, ảnh: B") add their names and roles.
    """
    s, e = span
    labels = list(_LABEL.finditer(body, s, e))
    for index, label in enumerate(labels):
        if _BEFORE_LABEL.fullmatch(body, s, label.start()):
            credit = _credit(body, labels[index:], e)
            if credit is not None:
                return credit
    return None


def _credit(body: str, labels: list[re.Match[str]], line_end: int) -> Byline | None:
    """The credit from ``labels[0]`` to the end of its line, or None if a part is not names."""
    start, end = labels[0].start(), _credit_end(body, labels[0].end(), line_end)
    names: list[str] = []
    wrote = photographed = False
    for label, following in zip(labels, labels[1:] + [None]):
        part = body[label.end() : following.start() if following else end]
        part_names = _split_names(part.strip(_PART_PUNCTUATION))
        if part_names is None:
            return None
        names.extend(n for n in part_names if n not in names)
        wrote = wrote or bool(label["text"])
        photographed = photographed or bool(label["both"] or label["photo"])
    return Byline(names, _ROLE[(wrote, photographed)], body[start:end], (start, end))


def _credit_end(body: str, start: int, end: int) -> int:
    """The end of a credit's names: a trailing period, space or unmatched ")" left out.

    "(Tin, ảnh: Hồng Vân)." ends before ")."; "Tin: Nguyễn Văn A (Thư viện X)" keeps its ")".
    """
    while end > start:
        last = body[end - 1]
        unmatched = last == ")" and body.count("(", start, end) < body.count(")", start, end)
        if not (last in ". \u00a0" or unmatched):
            break
        end -= 1
    return end


def _combined(body: str, first: Byline, second: Byline) -> Byline:
    """Two credit lines ("Tin: Minh Hà" / "Ảnh: Thu Trang") as one byline."""
    names = first.names + [n for n in second.names if n not in first.names]
    roles = {first.role, second.role}
    role = "text+photo" if "text+photo" in roles or roles == {"text", "photo"} else second.role
    s, e = first.span[0], second.span[1]
    return Byline(names, role, body[s:e], (s, e))


def _reporter(body: str, span: tuple[int, int]) -> Byline | None:
    """ "PV", "Phóng viên", "(PV)" closing the line ``span``."""
    s, e = span
    match = _REPORTER.search(body[s:e])
    if match is None:
        return None
    start, end = s + match.start("name"), s + match.end("name")
    return Byline([body[start:end]], None, body[start:end], (start, end))


def _bare_name(body: str, span: tuple[int, int]) -> Byline | None:
    """A line that is only a personal name: "Nguyễn Hữu Giới", "ThS. Nguyễn Văn A (TV Quảng Ninh)"."""
    s, e = span
    line = body[s:e]
    if len(line) > _MAX_BARE_LINE or line.endswith((".", ":", ",", ";")):
        return None
    parts = _parts(line)
    if not parts:
        return None
    names = []
    for part in parts:
        name, titled = _strip_title(part)
        if not _is_personal_name(name, titled):
            return None
        names.append(name)
    return Byline(names, None, line, span)


def _is_affiliation_line(line: str) -> bool:
    """ "Thư viện tỉnh Quảng Ninh", "(Trường Đại học Văn hóa Hà Nội)" under a name."""
    return len(line) <= _MAX_BARE_LINE and not line.endswith(".") and _ORGANISATION.match(line) is not None


# ---------------------------------------------------------------------------
# find_byline
# ---------------------------------------------------------------------------


def find_byline(body: str) -> Byline | None:
    """The article's closing byline, or None when its last lines are not one (see module doc)."""
    lines = _line_spans(body)
    if not lines:
        return None
    last = lines[-1]
    previous = lines[-2] if len(lines) >= 2 else None

    credit = _labelled(body, last)
    if credit is not None:
        if previous is not None:
            earlier = _labelled(body, previous)
            if earlier is not None and earlier.span[0] == previous[0] and earlier.role != credit.role:
                return _combined(body, earlier, credit)
        return credit

    reporter = _reporter(body, last)
    if reporter is not None:
        return reporter

    if previous is None:
        return None  # a text of one line is not an article with a byline
    name = _bare_name(body, last)
    if name is not None:
        return name
    if _is_affiliation_line(body[last[0] : last[1]]):
        credit = _labelled(body, previous)
        if credit is not None:
            return credit
        if len(lines) >= 3:
            return _bare_name(body, previous)
    return None
