"""The credits that close an article: who wrote it, who took its photos, what it cites.

Two views of the same closing lines:

* :func:`find_credits` lists every credit, one per name: :class:`Credit` with its role
  ('author', 'photo' or 'source'), academic title, kind (person or organization), the span of
  the name and a confidence;
* :func:`find_byline` gives the byline as one :class:`Byline` (its names, a combined role,
  its text and span), as the article builder has always used it.

Recognised closings (the last non-empty line, and where it helps the one before):

* a labelled credit: ``Tin, ảnh: Hồng Vân`` (text and photos), ``Bài và ảnh: …``,
  ``Tin và bài: Khoa TT, TV`` (an organization as author), ``Bài: N.T.Yên``, ``Tin: Minh Hà -
  Thu Trang`` (text), ``Ảnh: Thu Trang`` / ``Photo: …`` (photos); also after the last sentence
  of a paragraph ("… Quảng Ninh. Tin, ảnh: Hồng Vân") and in parentheses; ``Tin: Minh Hà,
  ảnh: Thu Trang`` on one line, or a ``Tin: …`` line followed by an ``Ảnh: …`` line;
* ``PV`` / ``Phóng viên`` on its own (an unnamed reporter), ``BBT`` / ``Ban biên tập`` (the
  newsroom, an organization);
* a bare line that is only a personal name, optionally with academic titles and an
  affiliation in parentheses: ``Nguyễn Hữu Giới``, ``ThS. Nguyễn Văn A (Thư viện tỉnh Quảng
  Ninh)``, ``NGUYỄN HỮU GIỚI``; the line may be followed by an affiliation line;
* below any of these (or alone), cited sources: ``Theo Báo Quảng Ninh``, ``(Theo TTXVN)``,
  ``Nguồn: vietnamplus.vn``, ``Nguồn: Báo Hà Nam, Báo Nam Định`` (two sources). A source is
  never an author. A photo note crediting no one below the byline (``Ảnh: Internet``) is
  skipped.

Several names are joined by ``,`` ``;`` ``-`` ``–`` ``&`` ``/`` or ``và``. Titles (``GS.TS.``,
``PGS.TS.``, ``TS.``, ``ThS.``/``Th.S``, ``CN.``, ``KS.``, ``NCS.``, ``Nhà báo`` …) are split off
into :attr:`Credit.title`, in a canonical spelling (``Th.S`` → ``ThS.``). An organization
credited first (``Khoa TT, TV``, ``Thư viện tỉnh Quảng Ninh``) is an author of kind
'organization', commas and all; after a person it is that person's affiliation.

Roles (the design of :class:`Credit`): ``role`` says what the credit is for the warehouse —
'author' (wrote the text, possibly also the photos), 'photo' (photos only) or 'source' (cited,
not written here); ``contribution`` keeps what the label said: ``Tin, ảnh: Hồng Vân`` is one
credit, role 'author', contribution 'text+photo'. ``articles.authors`` lists the names of the
'author' credits only.

It never guesses: a bare name line must be 2–5 capitalised syllables starting with a common
Vietnamese surname (or carry a title); a labelled credit must consist only of names
(capitalised words, initials such as ``N.T.Yên``, acronyms such as ``PV``, ``BBT``) or an
organization; "Ảnh: Internet", "Ảnh: Tư liệu" are no credits; people named in the body
(speakers, officials) are never credits. Names are kept as written (``HỒNG VÂN`` stays upper
case).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from pipelines.core.text.quality import syllable_ok

__all__ = ["Byline", "Credit", "SURNAMES", "find_byline", "find_credits", "closing_span", "credit_spans", "authors", "is_byline_name", "is_closing_line"]


@dataclass(frozen=True)
class Byline:
    """The closing credit of an article."""

    names: list[str]  # ["Hồng Vân"]
    role: str | None  # 'text+photo' | 'text' | 'photo' | None (a bare name line)
    text: str  # the byline line as written
    span: tuple[int, int]


@dataclass(frozen=True)
class Credit:
    """One name credited at the end of an article."""

    name: str  # as written, without title or affiliation: "Hồng Vân", "Khoa TT, TV"
    role: str  # 'author' | 'photo' | 'source'
    title: str | None  # canonical academic/professional title: "PGS.TS.", "ThS." or None
    kind: str  # 'person' | 'organization'
    span: tuple[int, int]  # body[span[0]:span[1]] == name
    confidence: float  # 0–1
    contribution: str | None = None  # the label's words: 'text+photo' | 'text' | 'photo' | None
    affiliation: str | None = None  # "Thư viện tỉnh Quảng Ninh" in "Nguyễn Văn A (Thư viện …)"


def authors(credits: list[Credit]) -> list[str]:
    """The names of the authors (not photographers, not sources), in order."""
    return [c.name for c in credits if c.role == "author"]


# ---------------------------------------------------------------------------
# Tables and patterns
# ---------------------------------------------------------------------------

# A credit label and its colon. Groups: text (Tin/Bài/Tin bài/Tin và bài/Bài viết), both
# ("… và ảnh") and photo (Ảnh / Photo alone).
_LABEL = re.compile(
    r"""
    (?<!\w)
    (?:
        (?P<text>tin(?:\s*(?:,|và|-|–|&|/)?\s*bài)?|bài(?:\s+viết)?     # Tin, Bài, Tin bài, Bài viết
                |người\s+(?:đưa\s+tin|viết)|tác\s+giả|thực\s+hiện)       # Người đưa tin, Tác giả
        (?:\s*(?:,|-|–|&|/|\+|\bvà\b)\s*(?P<both>ảnh))?              # ... optionally "và ảnh"
      | (?P<photo>ảnh|photo)                                          # Ảnh / Photo alone
    )
    \s*:\s*
    """,
    re.IGNORECASE | re.VERBOSE,
)
# What may come before a label on its line: nothing, an opening parenthesis or a dash;
# or the end of the last sentence of a paragraph ("… Quảng Ninh. Tin, ảnh: …").
_BEFORE_LABEL = re.compile(r"(?:[\s(\-–—]*|.*(?:[.!?…]|\./\.)[\"”’)]*\s*\(?)", re.DOTALL)
# "PV" / "Phóng viên" alone (or in parentheses), after the last sentence or on its own line.
_REPORTER = re.compile(
    r"(?:^|(?<=[.!?…\"”])\s+)\(?\s*(?P<name>(?:nhóm\s+)?(?:PV|P\.V|phóng\s+viên)|BBT|ban\s+biên\s+tập)\s*\.?\s*\)?$",
    re.IGNORECASE,
)
# A photo note that credits no one, below the byline: "Ảnh: Internet", "Ảnh minh họa".
_PHOTO_NOTE = re.compile(
    r"\(?\s*(?:ảnh|photo)\s*:?\s*(?:internet|tư\s+liệu|tl|sưu\s+tầm|st|minh\s+họa|minh\s+hoạ|google)\s*\)?\.?",
    re.IGNORECASE,
)
# Separators between names: , ; & / a dash, "và".
_NAME_SEPARATOR = re.compile(r"\s*(?:[,;&/]|\s[-–—]\s|[-–—]|\s+và\s+)\s*", re.IGNORECASE)
# Academic and professional titles before a name: "ThS.", "PGS.TS.", "Th.S", "TS ", "Nhà báo".
_TITLES = re.compile(
    r"(?:(?:PGS|GS|TSKH|TS|ThS|Ths|Th\.S|NCS|CN|KS|BS|NB)(?:\.\s*|\s+)|nhà\s+báo\s+)+", re.IGNORECASE
)
_TITLE_WORD = re.compile(r"Th\.S|nhà\s+báo|[^\W\d_]+", re.IGNORECASE)
# Canonical spelling of each title word ("Ths", "Th.S" → "ThS").
_TITLE_SPELLING = {
    "pgs": "PGS", "gs": "GS", "tskh": "TSKH", "ts": "TS", "ths": "ThS", "th.s": "ThS",
    "ncs": "NCS", "cn": "CN", "ks": "KS", "bs": "BS", "nb": "NB",
}
# Initials: "T.H", "N.V.A." (letters each followed by a period, the last one optionally not).
_INITIALS = re.compile(r"(?:[^\W\d_]\.){1,4}[^\W\d_]?\.?")
# Initials glued to a given name: "N.T.Yên", "N.T. Yên".
_INITIALS_NAME = re.compile(r"(?:[^\W\d_]\.\s?){1,4}[^\W\d_]{2,}")
# An organization: starts with an organization word.
_ORGANISATION = re.compile(
    r"\(?\s*(?:thư\s+viện|trường|viện|trung\s+tâm|liên\s+chi\s+hội|chi\s+hội|hội|sở|phòng|ban|khoa|"
    r"đại\s+học|bộ|cục|vụ|công\s+ty|văn\s+phòng|tạp\s+chí|tòa\s+soạn|câu\s+lạc\s+bộ|CLB|TV|ĐH|TTXVN|"
    r"báo|nhóm|tổ)(?!\w)",
    re.IGNORECASE,
)
# An organization named by its kind and level only: "Thư viện tỉnh", "Trung tâm Văn hóa huyện".
_GENERIC_ORGANISATION = re.compile(
    r"(?:Thư\s+viện|Trung\s+tâm(?:\s+[A-ZĐ][\w]*){0,3}|Nhà\s+văn\s+hóa)\s+(?:tỉnh|huyện|thành\s+phố|quận|thị\s+xã|xã|trường)"
)
# Acronyms that name an organization rather than a person's initials.
_ORGANISATION_ACRONYMS = frozenset({"BBT", "BTC", "TTXVN", "VNA", "TV", "TVQG", "VP", "CLB", "BCH", "VTV", "VOV"})
# A web site's account name after a label: "Tác giả: thuvientinh", "Người đăng: admin_tv".
_ACCOUNT = re.compile(r"[a-z][a-z0-9_.]{3,29}")
# Credits that are not people: "Ảnh: Internet", "Ảnh: TL" (tư liệu, archive), "Nguồn: …".
_NOT_A_PERSON = frozenset(
    {"internet", "tl", "tư liệu", "sưu tầm", "st", "nguồn", "google", "minh họa", "minh hoạ", "web", "website",
     "facebook", "youtube", "zalo", "admin", "shutterstock", "freepik", "pixabay"}
)
# The most common Vietnamese surnames: a bare name line must start with one.
SURNAMES = frozenset(
    """
    nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đoàn vương
    trịnh trương lâm phùng mai tô tạ hà lưu cao đinh lương kiều châu thái quách tăng triệu
    hứa khúc giang nghiêm chu lại mạc tống diệp âu doãn la lò mã thân tôn vi nông
    """.split()
)
# First words of a closing line that is not a name: courtesy formulas, notes.
_NOT_PEN_NAME_START = frozenset({"trân", "kính", "xin", "chúc", "cảm", "ảnh", "nguồn", "theo", "tin", "bài", "xem"})
# Roles after a name: "Đặng Thị Thu Sương – Cộng tác viên" (not a second name).
_ROLE_PART = re.compile(r"(?:cộng\s+tác\s+viên|CTV|phóng\s+viên|biên\s+tập\s+viên|thông\s+tín\s+viên)\.?", re.IGNORECASE)
# Place names that look like a surname and a given name.
_PLACES = frozenset({"hà nội", "hà nam", "hà giang", "hà tĩnh", "cao bằng", "thái bình", "thái nguyên"})
# (wrote the text, took the photos) -> role of a byline / contribution of a credit
_ROLE = {(True, False): "text", (False, True): "photo", (True, True): "text+photo"}
# Punctuation around one part of a credit: "Minh Hà, " in "Tin: Minh Hà, ảnh: Thu Trang".
_PART_PUNCTUATION = " ,;.-–—\u00a0"
_MAX_BARE_LINE = 80
# How sure each kind of credit is.
_CONFIDENCE = {
    "labelled": 0.95,  # "Tin: Hồng Vân"
    "initials": 0.85,  # "Tin: N.T.Yên", "Tin: T.H"
    "acronym": 0.8,  # "Tin: BBT"
    "organization": 0.85,  # "Tin và bài: Khoa TT, TV"
    "bare_titled": 0.85,  # "ThS. Nguyễn Văn A" alone on the last line
    "bare": 0.8,  # "Nguyễn Hữu Giới" alone on the last line
    "pen_name": 0.7,  # "Thu Hương", "HẢI ĐĂNG" alone on the last line
    "top": 0.7,  # a byline above the lead
    "caption_photo": 0.85,  # "… khai mạc triển lãm. Ảnh: Quốc Tuấn" in a caption
    "reporter": 0.6,  # "PV"
    "source_labelled": 0.9,  # "Nguồn: …", "(Theo …)"
    "source": 0.8,  # "Theo …" as the last line
}

# A cited source: "Theo Báo Quảng Ninh", "(Theo TTXVN)", "Nguồn: vietnamplus.vn", on a line of
# its own or after the last sentence of a paragraph.
_SOURCE = re.compile(
    r"(?P<open>\()?\s*(?:(?P<theo>theo)\s+|(?P<nguon>nguồn)\s*:\s*)(?P<source>[^()\n]+?)\s*\)?\s*\.?$",
    re.IGNORECASE,
)
_BEFORE_SOURCE = re.compile(r"(?:\s*|.*(?:[.!?…]|\./\.)[\"”’)]*\s+)", re.DOTALL)
# Words that start the name of a publication ("Theo báo Nhân dân", "Theo trang …").
_MEDIA_WORD = re.compile(
    r"(?:báo(?!\s+cáo)|tạp\s+chí|trang|website|cổng|đài|kênh|bản\s+tin|thông\s+tấn|tin)(?!\w)", re.IGNORECASE
)
_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)*\.(?:vn|com|net|org|gov|edu|info)(?:\.vn)?(?:/\S*)?", re.IGNORECASE)
_MAX_SOURCE_WORDS = 12
_MAX_ORGANISATION_WORDS = 16


# ---------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------


def _line_spans(body: str) -> list[tuple[int, int]]:
    """Spans of the non-empty lines of ``body``, without surrounding whitespace (NBSP too)."""
    return list(_line_spans_of(body))


# The credits, the caption credits and the top byline each walk the article's lines: they are
# split once per text (a tuple: _closing_lines shortens its own copy).
@functools.lru_cache(maxsize=256)
def _line_spans_of(body: str) -> tuple[tuple[int, int], ...]:
    spans = []
    pos = 0
    for line in body.split("\n"):
        s, e = pos, pos + len(line)
        pos = e + 1
        s, e = _strip(body, s, e)
        if s < e:
            spans.append((s, e))
    return tuple(spans)


def _strip(body: str, s: int, e: int, chars: str | None = None) -> tuple[int, int]:
    """The span without leading and trailing whitespace (or ``chars``)."""
    def strippable(c: str) -> bool:
        return c.isspace() if chars is None else c in chars

    while s < e and strippable(body[s]):
        s += 1
    while e > s and strippable(body[e - 1]):
        e -= 1
    return s, e


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def _is_capitalised(word: str) -> bool:
    """ "Vân", "VÂN", "H'Linh": an upper-case letter, then letters of one case; an apostrophe
    may join two such parts (names of the Central Highlands)."""
    parts = word.replace("’", "'").split("'")
    return word[:1].isupper() and all(_is_capitalised_part(p) for p in parts)


def _is_capitalised_part(part: str) -> bool:
    rest = part[1:]
    return part.isalpha() and (not rest or rest.islower() or rest.isupper())


def _is_acronym(name: str) -> bool:
    """ "PV", "BBT", "TTXVN": 2–6 upper-case letters."""
    return 2 <= len(name) <= 6 and name.isalpha() and name.isupper()


def _is_initials_name(name: str) -> bool:
    """ "N.T.Yên", "N.T. Yên": upper-case initials, then a capitalised given name."""
    return _INITIALS_NAME.fullmatch(name) is not None and all(
        w[:1].isupper() for w in re.split(r"[.\s]+", name) if w
    )


def _is_name(name: str) -> bool:
    """A person's (or a newsroom's) name in a labelled credit."""
    if not name or name.lower() in _NOT_A_PERSON:
        return False
    if _INITIALS.fullmatch(name) or _is_acronym(name) or _is_initials_name(name):
        return True
    if _ACCOUNT.fullmatch(name):
        return True  # "Tác giả: thuvientinh": a site's account name
    words = name.split()
    return 1 <= len(words) <= 6 and all(_is_capitalised(w) or _INITIALS.fullmatch(w) for w in words)


def _is_personal_name(name: str, titled: bool) -> bool:
    """A bare line's name: 2–5 capitalised syllables, first a surname (unless titled)."""
    words = name.split()
    if not 2 <= len(words) <= 5 or not all(_is_capitalised(w) for w in words):
        return False
    if name.lower() in _PLACES:
        return False
    return titled or words[0].lower() in SURNAMES


def is_closing_line(line: str) -> bool:
    """Whether a line is one that may follow a byline: a cited source ("Nguồn: …", "Theo
    …"), a photo note, page furniture ("Lượt xem: 74")."""
    line = line.strip()
    if not line:
        return False
    span = (0, len(line))
    return bool(
        _PHOTO_NOTE.fullmatch(line) or _FURNITURE.fullmatch(line) or _collected_source(line, span)
        or _source_credits(line, span)
    )


def is_byline_name(line: str) -> bool:
    """Whether a line alone reads as a byline's name (or names): "THANH NGA", "Nguyễn Văn A",
    "Minh Tú, Hải Yến"."""
    line = line.strip()
    return bool(line) and len(line) <= _MAX_BARE_LINE and _bare_names(line, 0, len(line)) is not None


def _is_pen_name(name: str) -> bool:
    """A pen name closing an article: two or three capitalised Vietnamese syllables, in mixed
    case or capitals ("Thu Hương", "HẢI ĐĂNG", "Sông Hậu"), that do not start like an
    organization or name a province."""
    words = name.split()
    if not 2 <= len(words) <= 3 or not all(_is_capitalised(w) and w.isalpha() for w in words):
        return False
    if _ORGANISATION.match(name) or name.lower() in _PLACES or words[0].lower() in _NOT_PEN_NAME_START:
        return False
    return all(syllable_ok(w.lower()) for w in words)


def _is_organisation_name(name: str) -> bool:
    """ "Khoa TT, TV", "Thư viện tỉnh Quảng Ninh": an organization word first, no digits,
    at most 16 words, at least half of them capitalised (not "Hội nghị tổng kết")."""
    if not _ORGANISATION.match(name) or any(c.isdigit() for c in name):
        return False
    words = re.findall(r"[^\W\d_]+", name)
    # the organization word counts as capitalised: "nhóm Truyền thông", "tổ Thông tin"
    capitalised = sum(1 for index, w in enumerate(words) if w[:1].isupper() or index == 0)
    if _GENERIC_ORGANISATION.fullmatch(name):
        return True  # "Thư viện tỉnh", "Thư viện trường"
    return 0 < len(words) <= _MAX_ORGANISATION_WORDS and capitalised * 2 >= len(words)


def _canonical_title(title: str) -> str | None:
    """ "PGS. TS." → "PGS.TS.", "Th.S" → "ThS.", "nhà báo" → "Nhà báo"."""
    words = []
    for word in _TITLE_WORD.findall(title):
        key = " ".join(word.lower().split())
        words.append("Nhà báo" if key == "nhà báo" else _TITLE_SPELLING.get(key, word) + ".")
    return "".join(w if w.endswith(".") else w + " " for w in words).strip() or None


def _kind(name: str) -> str:
    """ 'organization' for organization names and acronyms, 'person' otherwise."""
    if name.upper() in _ORGANISATION_ACRONYMS or _ORGANISATION.match(name) or name.lower() == "ban biên tập":
        return "organization"
    return "person"


def _name_confidence(name: str) -> float:
    if _is_acronym(name):
        return _CONFIDENCE["acronym"]
    if _INITIALS.fullmatch(name) or _is_initials_name(name):
        return _CONFIDENCE["initials"]
    return _CONFIDENCE["labelled"]


# ---------------------------------------------------------------------------
# Splitting a credit into names
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    """One name of a closing credit, with what its label credits it for."""

    name: str
    span: tuple[int, int]
    title: str | None
    kind: str
    confidence: float
    affiliation: str | None = None
    wrote: bool = False
    photographed: bool = False


def _part_spans(body: str, s: int, e: int) -> list[tuple[int, int]]:
    """The parts of ``body[s:e]`` between name separators outside parentheses."""
    parts = []
    depth, start, i = 0, s, s
    while i < e:
        char = body[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            separator = _NAME_SEPARATOR.match(body, i, e)
            if separator is not None:
                parts.append((start, separator.start()))
                start = i = separator.end()
                continue
        i += 1
    parts.append((start, e))
    return [span for span in (_strip(body, *p) for p in parts) if span[0] < span[1]]


def _matching_open(body: str, s: int, close: int) -> int | None:
    """The index of the "(" that the ")" at ``close`` closes, not before ``s``."""
    depth = 0
    for i in range(close, s - 1, -1):
        if body[i] == ")":
            depth += 1
        elif body[i] == "(":
            depth -= 1
            if depth == 0:
                return i
    return None


def _analyse_part(body: str, s: int, e: int) -> tuple[tuple[int, int], str | None, str | None] | None:
    """A part's name span, title and trailing "(affiliation)"; None if text follows a
    parenthesis ("Nguyễn (TV) Văn") or nothing but a title is left."""
    affiliation = None
    if body[e - 1] == ")":
        opening = _matching_open(body, s, e - 1)
        if opening is None:
            return None
        affiliation = " ".join(body[opening + 1 : e - 1].split()) or None
        s, e = _strip(body, s, opening)
    if "(" in body[s:e] or ")" in body[s:e]:
        return None
    title = None
    titles = _TITLES.match(body, s, e)
    if titles is not None and titles.end() < e:
        title = _canonical_title(titles.group())
        s = titles.end()
    return ((s, e), title, affiliation) if s < e else None


def _labelled_names(body: str, s: int, e: int) -> list[_Name] | None:
    """The names of one labelled part ("Minh Hà - Thu Trang (TV Hà Nội)", "Khoa TT, TV"),
    or None if any part is neither a name nor an organization.

    An organization credited first absorbs the parts that follow it until a personal name
    ("Khoa TT, TV": one organization); an organization after a person is their affiliation.
    """
    names: list[_Name] = []
    organisation: tuple[int, int] | None = None
    for part in _part_spans(body, s, e):
        analysed = _analyse_part(body, *part)
        if analysed is None:
            return None
        (ns, ne), title, affiliation = analysed
        text = body[ns:ne]
        is_organisation_part = title is None and _ORGANISATION.match(text) is not None
        if organisation is None and is_organisation_part and names:
            if names[-1].affiliation is None:  # "Hồng Vân - Thư viện tỉnh Quảng Ninh"
                names[-1] = replace(names[-1], affiliation=" ".join(text.split()))
            continue
        if organisation is None and is_organisation_part:
            organisation = (ns, ne)
            continue
        if organisation is not None and (is_organisation_part or not _is_name(text) or _is_acronym(text)):
            organisation = (organisation[0], ne)  # "Khoa TT, TV": "TV" continues "Khoa TT"
            continue
        if organisation is not None:
            names.append(_organisation(body, organisation))
            organisation = None
        if not _is_name(text):
            return None
        names.append(_Name(text, (ns, ne), title, _kind(text), _name_confidence(text), affiliation))
    if organisation is not None:
        names.append(_organisation(body, organisation))
    if any(n.kind == "organization" and not _is_acronym(n.name) and not _is_organisation_name(n.name) for n in names):
        return None
    return names


def _organisation(body: str, span: tuple[int, int]) -> _Name:
    name = body[span[0] : span[1]]
    return _Name(name, span, None, "organization", _CONFIDENCE["organization"])


def _bare_names(body: str, s: int, e: int) -> list[_Name] | None:
    """The names of a bare line: each a personal name; organizations are affiliations."""
    names: list[_Name] = []
    for part in _part_spans(body, s, e):
        analysed = _analyse_part(body, *part)
        if analysed is None:
            return None
        (ns, ne), title, affiliation = analysed
        text = body[ns:ne]
        if title is None and (_ORGANISATION.match(text) or _ROLE_PART.fullmatch(text)) and names:
            # "Nguyễn Văn A - Thư viện tỉnh X", "Đặng Thị Thu Sương – Cộng tác viên"
            if names[-1].affiliation is None:
                names[-1] = replace(names[-1], affiliation=" ".join(text.split()))
            continue
        if _is_personal_name(text, title is not None):
            confidence = _CONFIDENCE["bare_titled" if title else "bare"]
        elif _is_pen_name(text):
            confidence = _CONFIDENCE["pen_name"]
        elif _INITIALS.fullmatch(text) and len(names) == 0 and e - s <= 8:
            confidence = _CONFIDENCE["initials"]  # "T.H" alone
        else:
            return None
        names.append(_Name(text, (ns, ne), title, "person", confidence, affiliation))
    return names or None


# ---------------------------------------------------------------------------
# Kinds of closing credit
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Closing:
    """The byline found at the end of an article, with its names."""

    names: tuple[_Name, ...]
    role: str | None
    span: tuple[int, int]


def _labelled(body: str, span: tuple[int, int]) -> _Closing | None:
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


def _credit(body: str, labels: list[re.Match[str]], line_end: int) -> _Closing | None:
    """The credit from ``labels[0]`` to the end of its line, or None if a part is not names."""
    start, end = labels[0].start(), _credit_end(body, labels[0].end(), line_end)
    names: list[_Name] = []
    for label, following in zip(labels, labels[1:] + [None]):
        part_start, part_end = _strip(body, label.end(), following.start() if following else end, _PART_PUNCTUATION)
        part_names = _labelled_names(body, part_start, part_end) if part_start < part_end else None
        if not part_names:
            return None
        wrote, photographed = bool(label["text"]), bool(label["both"] or label["photo"])
        for name in part_names:
            names = _add_name(names, replace(name, wrote=wrote, photographed=photographed))
    return _closing(names, (start, end))


def _add_name(names: list[_Name], name: _Name) -> list[_Name]:
    """``names`` with ``name`` added, or merged into an earlier credit of the same name."""
    for index, other in enumerate(names):
        if other.name == name.name:
            merged = replace(other, wrote=other.wrote or name.wrote, photographed=other.photographed or name.photographed)
            return names[:index] + [merged] + names[index + 1 :]
    return names + [name]


def _closing(names: list[_Name], span: tuple[int, int]) -> _Closing:
    wrote = any(n.wrote for n in names)
    photographed = any(n.photographed for n in names)
    return _Closing(tuple(names), _ROLE.get((wrote, photographed)), span)


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


def _combined(first: _Closing, second: _Closing) -> _Closing:
    """Two credit lines ("Tin: Minh Hà" / "Ảnh: Thu Trang") as one byline."""
    names = list(first.names)
    for name in second.names:
        names = _add_name(names, name)
    return _closing(names, (first.span[0], second.span[1]))


def _reporter(body: str, span: tuple[int, int]) -> _Closing | None:
    """ "PV", "Phóng viên", "(PV)" closing the line ``span``."""
    s, e = span
    match = _REPORTER.search(body[s:e])
    if match is None:
        return None
    start, end = s + match.start("name"), s + match.end("name")
    name = _Name(body[start:end], (start, end), None, _kind(body[start:end]), _CONFIDENCE["reporter"])
    return _Closing((name,), None, (start, end))


# "Tin Thư viện tỉnh Bình Định": the news of an organization, its label without a colon.
_TIN_ORGANISATION = re.compile(r"(?:tin|bài)\s+(?=\S)", re.IGNORECASE)


def _unlabelled_organisation(body: str, span: tuple[int, int]) -> _Closing | None:
    s, e = span
    label = _TIN_ORGANISATION.match(body, s, e)
    if label is None or not _is_organisation_name(body[label.end() : e].rstrip(".")):
        return None
    ns, ne = _strip(body, label.end(), e, " .")
    name = _Name(body[ns:ne], (ns, ne), None, "organization", _CONFIDENCE["organization"], wrote=True)
    return _Closing((name,), "text", (s, ne))


def _bare_name(body: str, span: tuple[int, int]) -> _Closing | None:
    """A line that is only a personal name: "Nguyễn Hữu Giới", "ThS. Nguyễn Văn A (TV Quảng Ninh)"."""
    s, e = span
    line = body[s:e]
    if len(line) > _MAX_BARE_LINE or line.endswith((".", ":", ",", ";")):
        return None
    names = _bare_names(body, s, e)
    return _Closing(tuple(names), None, span) if names else None


# A role that opens a writer's affiliation: "Trưởng phòng Phát triển tài liệu, Thư viện …".
_AFFILIATION_ROLE = re.compile(
    r"(?:trưởng|phó|giám\s+đốc|chủ\s+tịch|cán\s+bộ|giảng\s+viên|nghiên\s+cứu\s+viên|chuyên\s+viên|thủ\s+thư|"
    r"cộng\s+tác\s+viên|phóng\s+viên)(?!\w)",
    re.IGNORECASE,
)
_MAX_NAME_WORDS = 6


def _name_with_affiliation(body: str, span: tuple[int, int]) -> _Name | None:
    """A name and its affiliation run together on one line, as a plain-text export joins
    them: "Ngọc Diệp Phòng Mạng lưới – Thư viện tỉnh BR-VT", "PGS.TS. Trần Thị Quý Trường Đại
    học …". The affiliation starts at a capitalised organization or role word."""
    s, e = span
    if e - s > 2 * _MAX_BARE_LINE or body[s:e].rstrip().endswith((".", ":", ";")):
        return None
    for count, word in enumerate(re.finditer(r"\S+", body[s:e])):
        if count > _MAX_NAME_WORDS:
            break
        p = s + word.start()
        if count < 2 or not body[p].isupper() or not (_ORGANISATION.match(body, p) or _AFFILIATION_ROLE.match(body, p)):
            continue
        affiliation = " ".join(body[p:e].strip(" ()").split())
        if _EVENT_WORDS.match(affiliation) or len(affiliation.split()) < 3:
            continue  # "Quang Cảnh Hội Nghị": a caption, not a name and its organization
        if _ORGANISATION.match(affiliation) and not _is_organisation_name(affiliation.split(",")[0]):
            continue
        ns, ne = _strip(body, s, p, _PART_PUNCTUATION)
        names = _bare_names(body, ns, ne) if ns < ne else None
        if names and len(names) == 1 and names[0].affiliation is None:
            return replace(names[0], affiliation=affiliation)
    return None


# Events, not organizations, although they start like one: "Hội nghị", "Hội thảo", "Hội sách".
_EVENT_WORDS = re.compile(r"hội\s+(?:nghị|thảo|thi|sách|diễn|chợ|trại)(?!\w)", re.IGNORECASE)


def _is_affiliation_line(line: str) -> bool:
    """ "Thư viện tỉnh Quảng Ninh", "(Trường Đại học Văn hóa Hà Nội)" under a name."""
    return len(line) <= _MAX_BARE_LINE and not line.endswith(".") and _ORGANISATION.match(line) is not None


def _with_affiliation(closing: _Closing, affiliation: str) -> _Closing:
    """A one-name byline given the affiliation line under it."""
    if len(closing.names) != 1 or closing.names[0].affiliation:
        return closing
    name = replace(closing.names[0], affiliation=" ".join(affiliation.strip("() ").split()))
    return replace(closing, names=(name,))


# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------


def _is_source(source: str, labelled: bool) -> bool:
    """Whether the words after "Theo"/"Nguồn:" name a source rather than start a sentence.

    "Theo kế hoạch, …", "Theo Giám đốc Sở Văn hóa số lượng tăng" are sentences; "Theo Báo
    Quảng Ninh", "Theo TTXVN", "Theo vietnamplus.vn" and "Nguồn: Thư viện Quốc gia" are sources.
    """
    words = source.split()
    if not words or len(words) > _MAX_SOURCE_WORDS or source.lower() in _NOT_A_PERSON:
        return False
    if re.search(r",\s*[^\W\d_]*[a-zà-ỹđ]", source) and not labelled:
        return False  # "Theo Giám đốc, số lượng …": a clause follows
    if re.search(r"\d\s*/", source):
        return False  # "Theo Quyết định 12/2014/QĐ-…": a document, not a source line
    if _DOMAIN.search(source) or _MEDIA_WORD.match(source):
        return True
    if labelled:
        return any(w[:1].isupper() for w in words)
    capitalised = sum(1 for w in words if w[:1].isupper() or _is_acronym(w.strip(".,")))
    return words[0][:1].isupper() and capitalised * 2 >= len(words)


def _source_credits(body: str, span: tuple[int, int]) -> tuple[list[Credit], int] | None:
    """The sources cited on the line ``span`` and where the line's other text ends, or None.

    The source may fill the line ("Theo Báo Quảng Ninh", "(Theo TTXVN)") or follow the last
    sentence of a paragraph ("… tốt đẹp. (Nguồn: TTXVN)").
    """
    s, e = span
    for start in _source_starts(body, s, e):
        match = _SOURCE.match(body, start, e)
        if match is None or (match["open"] is None and body[e - 1] == ")"):
            continue
        labelled = bool(match["nguon"] or match["open"])
        source_start, source_end = _strip(body, *match.span("source"), " .,;\u00a0")
        if source_start >= source_end or not _is_source(body[source_start:source_end], labelled):
            continue
        confidence = _CONFIDENCE["source_labelled" if labelled else "source"]
        credits = [
            Credit(body[a:b], "source", None, _source_kind(body[a:b]), (a, b), confidence)
            for a, b in _source_parts(body, source_start, source_end)
        ]
        return credits, _strip(body, s, start)[1]
    return None


def _source_starts(body: str, s: int, e: int) -> list[int]:
    """Where a source may start on a line: its start, or after a sentence end."""
    starts = [s]
    for match in re.finditer(r"(?:[.!?…]|\./\.)[\"”’)]*\s+(?=\(?\s*(?:theo|nguồn)\b)", body[s:e], re.IGNORECASE):
        starts.append(s + match.end())
    named = _NAME_BEFORE_SOURCE.match(body, s, e)
    if named is not None and _is_name(named["name"]):
        starts.append(named.end("name") + 1)  # "Thu Hà Theo cinet.vn": the writer, then the source
    return starts


# A short name, then "Theo"/"Nguồn:" on the same line.
_NAME_BEFORE_SOURCE = re.compile(r"(?P<name>[^\W\d_]+(?:\s+[^\W\d_]+){1,4})\s+(?=\(?(?:Theo|Nguồn)\b)")


def _source_parts(body: str, s: int, e: int) -> list[tuple[int, int]]:
    """ "Báo Nhân dân; TTXVN" → two sources; commas split only when every part is a source."""
    parts = [p for p in _split_at(body, s, e, r"\s*[;,]\s*")]
    if len(parts) > 1 and all(
        _is_source(body[a:b], True) and (body[a].isupper() or _DOMAIN.fullmatch(body, a, b)) for a, b in parts
    ):
        return parts
    return [(s, e)]


def _split_at(body: str, s: int, e: int, separator: str) -> list[tuple[int, int]]:
    spans, start = [], s
    for match in re.finditer(separator, body[s:e]):
        spans.append((start, s + match.start()))
        start = s + match.end()
    spans.append((start, e))
    return [span for span in spans if span[0] < span[1]]


def _source_kind(name: str) -> str:
    return "person" if _is_personal_name(name, False) else "organization"


# ---------------------------------------------------------------------------
# The closing lines
# ---------------------------------------------------------------------------


# Lines a web page or a layout adds after the article: view counts, comment prompts,
# ratings, sharing, separator rules, and credits for the design or the editing (not authors).
_FURNITURE = re.compile(
    r"(?:(?:lượt\s+xem|số\s+lần\s+đọc|lượt\s+đọc|lượt\s+thích|đánh\s+giá|thống\s+kê|bình\s+luận|ý\s+kiến|"
    r"trả\s+lời|chia\s+sẻ|in\s+bài(?:\s+này)?|gửi\s+bài|từ\s+khóa|tags?|bài\s+viết\s+liên\s+quan|"
    r"tin\s+liên\s+quan|xem\s+thêm|cỡ\s+chữ|thiết\s+kế|biên\s+tập|trình\s+bày|đồ\s+họa|kỹ\s+thuật|"
    r"quay\s+phim|dựng\s+video|thời\s+tiết|truy\s+cập|views?|lượt\s+truy\s+cập|đang\s+online|trực\s+tuyến\s*:)(?!\w)[^\n]{0,80}"
    r"|email\s+của\s+bạn[^\n]{0,80}|[_\-–—=*.•·~\s]{3,})",
    re.IGNORECASE,
)
# "Lê Khánh Sưu tầm (https://…)": a reposted text, its source the address (or the collector).
_COLLECTED = re.compile(r"(?P<name>[^\n()]{2,60}?)\s+sưu\s+tầm\s*(?:\(\s*(?P<url>[^()\s]+)\s*\))?\s*\.?", re.IGNORECASE)


def _collected_source(body: str, span: tuple[int, int]) -> Credit | None:
    match = _COLLECTED.fullmatch(body, *span)
    if match is None:
        return None
    group = "url" if match["url"] else "name"
    a, b = match.span(group)
    return Credit(body[a:b], "source", None, "organization" if group == "url" else "person", (a, b),
                  _CONFIDENCE["source_labelled"])


def _closing_lines(body: str) -> tuple[list[tuple[int, int]], list[Credit]]:
    """The lines of ``body`` without the trailing source lines and page furniture, and
    those sources."""
    lines, sources = _closing_lines_of(body)
    return list(lines), list(sources)


@functools.lru_cache(maxsize=256)  # asked by the credits and by the closing span
def _closing_lines_of(body: str) -> tuple[tuple[tuple[int, int], ...], tuple[Credit, ...]]:
    lines = _line_spans(body)
    sources: list[Credit] = []
    while lines:
        if _PHOTO_NOTE.fullmatch(body, *lines[-1]) and len(lines) > 1:
            lines.pop()  # "Ảnh: Internet" under the byline: no one to credit
            continue
        if _FURNITURE.fullmatch(body, *lines[-1]) and len(lines) > 1:
            lines.pop()  # "Lượt xem: 74", "Thiết kế: Mỹ Hạnh", "__________"
            continue
        collected = _collected_source(body, lines[-1])
        if collected is not None:
            sources = [collected] + sources
            lines.pop()
            continue
        found = _source_credits(body, lines[-1])
        if found is None:
            break
        credits, rest_end = found
        sources = credits + sources
        if rest_end > lines[-1][0]:
            lines[-1] = (lines[-1][0], rest_end)  # the source followed the last sentence
            break
        lines.pop()
    return tuple(lines), tuple(sources)


@functools.lru_cache(maxsize=256)  # asked by the credits and by the closing span (frozen)
def _closing_byline(body: str) -> _Closing | None:
    """The byline closing ``body``'s lines (see :func:`_closing_lines`), or None."""
    lines, _ = _closing_lines(body)
    return _byline(body, lines)


def _byline(body: str, lines: list[tuple[int, int]]) -> _Closing | None:
    """The byline closing ``lines`` (see the module docstring), or None."""
    if not lines:
        return None
    last = lines[-1]
    previous = lines[-2] if len(lines) >= 2 else None

    credit = _labelled(body, last)
    if credit is not None:
        if previous is not None:
            earlier = _labelled(body, previous)
            if earlier is not None and earlier.span[0] == previous[0] and earlier.role != credit.role:
                return _combined(earlier, credit)
        return credit

    reporter = _reporter(body, last)
    if reporter is not None:
        return reporter

    organisation = _unlabelled_organisation(body, last)
    if organisation is not None:
        return organisation

    if previous is None:
        return None  # a text of one line is not an article with a byline
    name = _bare_name(body, last)
    if name is not None:
        return name
    joined = _name_with_affiliation(body, last)
    if joined is not None:
        return _Closing((joined,), None, last)
    if _is_affiliation_line(body[last[0] : last[1]]):
        affiliation = body[last[0] : last[1]]
        credit = _labelled(body, previous)
        if credit is not None:
            return _with_affiliation(credit, affiliation)
        if len(lines) >= 3:
            name = _bare_name(body, previous)
            return _with_affiliation(name, affiliation) if name else None
    return None


def find_byline(body: str) -> Byline | None:
    """The article's closing byline, or None when its last lines are not one (see module doc).

    Cited sources below the byline ("Theo Báo Quảng Ninh") are skipped; they are not part of
    the byline (see :func:`find_credits`).
    """
    closing = _closing_byline(body)
    if closing is None:
        return None
    s, e = closing.span
    return Byline([n.name for n in closing.names], closing.role, body[s:e], (s, e))


def find_credits(body: str) -> list[Credit]:
    """Every credit of the article, one per name: the closing byline's authors and
    photographers in the order written (or, when the article closes with none, a byline
    above its lead), photographers credited in captions, then cited sources (see the module
    docstring)."""
    return list(_credits(body))


# An article's credits are asked for twice (its people, and the credits its places leave
# out): found once. Credits are frozen, so the cached tuple can be shared.
@functools.lru_cache(maxsize=256)
def _credits(body: str) -> tuple[Credit, ...]:
    _, sources = _closing_lines(body)
    closing = _closing_byline(body)
    credits = []
    for name in closing.names if closing else ():
        contribution = _ROLE.get((name.wrote, name.photographed))
        role = "photo" if contribution == "photo" else "author"
        credits.append(
            Credit(name.name, role, name.title, name.kind, name.span, name.confidence, contribution, name.affiliation)
        )
    if not any(c.role == "author" for c in credits):
        credits += _top_byline(body)
    closing_start = closing.span[0] if closing else len(body)
    for credit in _caption_photo_credits(body, closing_start):
        if not any(c.role == "photo" and c.name == credit.name for c in credits):
            credits.append(credit)
    return tuple(credits + sources)


# A caption's photo credit: "… cắt băng khai mạc. Ảnh: Quốc Tuấn", "(Ảnh: TL)", "ẢNH: AN KHÊ".
_CAPTION_PHOTO = re.compile(
    r"(?:^|(?<=[.!?…”\"])\s+|\(\s*)(?:ảnh|photo)\s*:\s*(?P<names>[^()\n:]+?)\s*\)?\s*\.?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_MAX_CAPTION_CHARS = 300


def _caption_photo_credits(body: str, end: int) -> list[Credit]:
    """Photographers credited in the captions before ``end`` (the closing byline)."""
    credits: list[Credit] = []
    for s, e in _line_spans(body):
        if e > end or e - s > _MAX_CAPTION_CHARS:
            continue
        match = _CAPTION_PHOTO.search(body, s, e)
        if match is None or _PHOTO_NOTE.fullmatch(body, match.start() if body[match.start()] != " " else match.start() + 1, e):
            continue
        ns, ne = _strip(body, *match.span("names"), _PART_PUNCTUATION)
        names = _labelled_names(body, ns, ne) if ns < ne else None
        for name in names or ():
            if name.name.lower() in _NOT_A_PERSON:
                continue
            credits.append(Credit(name.name, "photo", name.title, name.kind, name.span, _CONFIDENCE["caption_photo"],
                                  "photo", name.affiliation))
    return credits


# A unit signing at the top of a notice: "Phòng Thông tin - Thư mục".
_TOP_UNIT = re.compile(r"(?:phòng|ban|khoa|tổ|trung\s+tâm|văn\s+phòng)\s+[A-ZĐ]", re.IGNORECASE)
_TOP_LINES = 3


def _top_byline(body: str) -> list[Credit]:
    """A byline above the lead: a personal name (with a common surname, or titled) or a unit
    alone on one of the first lines, before the first sentence, or a name run together with
    its affiliation; printed twice, one credit."""
    return [credit for credit, _ in _top_bylines(body)]


def _top_bylines(body: str) -> list[tuple[Credit, tuple[int, int]]]:
    """The credits above the lead (see :func:`_top_byline`), each with its line."""
    from pipelines.core.metadata.dates import posting_lines

    posting = {span for span, _ in posting_lines(body)}
    credits: list[tuple[Credit, tuple[int, int]]] = []
    lines = _line_spans(body)
    for index, (s, e) in enumerate(lines[:_TOP_LINES]):
        line = body[s:e]
        if (s, e) in posting or credits and credits[-1][1][1] >= e:
            continue  # a posting line, or the affiliation of the name above
        joined = _name_with_affiliation(body, (s, e))
        if joined is not None:  # "Lê Thị Minh Nguyệt Trưởng phòng …, Thư viện …" (one line)
            name = replace(joined, confidence=_CONFIDENCE["top"])
        elif line.endswith((".", ":", ",", ";", "!", "?")) or len(line.split()) > 8:
            break  # the lead has begun
        elif _TOP_UNIT.match(line) and _is_organisation_name(line):
            name = _Name(line, (s, e), None, "organization", _CONFIDENCE["top"])
        else:
            names = _bare_names(body, s, e)
            if not names or len(names) != 1 or names[0].confidence < _CONFIDENCE["bare"]:
                continue
            name = replace(names[0], confidence=_CONFIDENCE["top"])
            following = lines[index + 1] if index + 1 < len(lines) else None
            if following and name.kind == "person" and name.affiliation is None and _is_top_affiliation(body, following):
                # "Trưởng phòng Phát triển tài liệu, Thư viện Trường Đại học Cần Thơ" under the name
                name = replace(name, affiliation=" ".join(body[following[0] : following[1]].strip("() ").split()))
                e = following[1]
        if not any(c.name.casefold() == name.name.casefold() for c, _ in credits):
            credit = Credit(name.name, "author", name.title, name.kind, name.span, name.confidence, None, name.affiliation)
            credits.append((credit, (s, e)))
    return credits


def _is_top_affiliation(body: str, span: tuple[int, int]) -> bool:
    """A line under a top byline's name that is its affiliation: an organization or a role
    first, not a sentence."""
    line = body[span[0] : span[1]].strip("() ")
    return (
        len(line) <= 2 * _MAX_BARE_LINE and not line.endswith((".", ":", ";", "!", "?"))
        and (_ORGANISATION.match(line) is not None or _AFFILIATION_ROLE.match(line) is not None)
    )


def credit_spans(body: str) -> list[tuple[int, int]]:
    """The spans of every credit: the closing credits (see :func:`closing_span`), a byline
    above the lead, the names of photo credits in captions."""
    spans = [span] if (span := closing_span(body)) else []
    top = {credit.span: line for credit, line in _top_bylines(body)}  # the affiliation with the name
    return spans + [top.get(c.span, c.span) for c in find_credits(body) if not any(s <= c.span[0] < e for s, e in spans)]


def closing_span(body: str) -> tuple[int, int] | None:
    """The span of the closing credits: from the byline (or the first cited source) to the
    end of the text, affiliation lines included; None when the article closes with none."""
    _, sources = _closing_lines(body)
    closing = _closing_byline(body)
    starts = [c.span[0] for c in sources] + ([closing.span[0]] if closing else [])
    if not starts:
        return None
    return min(starts), _strip(body, 0, len(body))[1]
