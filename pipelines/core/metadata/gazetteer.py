"""Vietnam's provinces and centrally-run cities named in a text, in both systems analysts use.

:func:`find_provinces` lists every province or centrally-run city a text names, once each, in
order of first appearance, resolved to

* the **legacy** system: the 63 provinces in force until the reorganisation of 1 July 2025
  (``code_legacy``, ``name_legacy``), and
* the **2025** system: the 34 provinces after it (``code_2025``, ``name_2025``); where a legacy
  province was merged (Hà Giang into Tuyên Quang, Bà Rịa - Vũng Tàu into Hồ Chí Minh …), the
  2025 fields name the merged province.

The names and codes are not typed by hand: the index is built once (cached) from the kept
gazetteer package ``vietnamadminunits`` — its province tables for each system
(``parser_legacy.DICT_PROVINCE``, ``parser_from_2025.DICT_PROVINCE``) and its conversion API
(``convert_address``) for the link between them. Only spellings the package lacks are added
here, in :data:`_EXTRA_ALIASES` (``Thừa Thiên Huế``, ``Sài Gòn``, ``Đăk Lăk`` …). The package
calls the legacy Thừa Thiên Huế by its name since January 2025, "Huế" (code 46).

Matching rules (``text[span] == name_as_written`` always; the prefix, if any, is included):

* a name written with diacritics matches when its words are capitalised (``Quảng Ninh``,
  ``QUẢNG NINH``; old and new tone placement alike, ``Khánh Hoà`` = ``Khánh Hòa``): ``hòa
  bình`` (peace) in lower case is not Hòa Bình;
* a name written without diacritics (``Quang Ninh``) matches after a prefix (``tinh Quang
  Ninh``, ``thanh pho Ha Noi``, ``TP HCM``) or when all its words are title case;
* ``tỉnh``, ``thành phố``, ``TP.``, ``Tp``, ``T.P`` may precede a name and are kept in the span;
* ambiguous names need more: ``Hồ Chí Minh`` (also the president) and the initials ``HCM``
  need a city prefix (``TP. Hồ Chí Minh``, ``TP.HCM``, ``Thành phố Hồ Chí Minh``); any name
  right after a surname or middle name (``Nguyễn Thái Bình``, ``Nguyễn Thị Huế``) is part of a
  personal name; ``Thái Bình Dương`` is the Pacific Ocean, not Thái Bình;
* single words that are not province names ("Nam", "Bắc") never match.

Limits: text is expected in NFC (the pipeline's normaliser guarantees it); district, ward and
street names are not resolved (``Hội trường A (31 Tràng Thi)`` names no province); an
institution named after a province (``Trường Đại học Văn hóa Hà Nội``) counts as naming it.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass, replace

from pipelines.core.metadata.leading import leading

__all__ = ["Province", "ProvinceRecord", "find_provinces", "find_all_provinces", "provinces", "lookup"]


@dataclass(frozen=True)
class Province:
    """A province or centrally-run city named in a text."""

    name_as_written: str  # "tỉnh Quảng Ninh", "TP.HCM", "Quang Ninh"
    span: tuple[int, int]  # text[span[0]:span[1]] == name_as_written
    code_legacy: str  # "22": the code in the 63-province system (before July 2025)
    name_legacy: str  # "Quảng Ninh"
    code_2025: str  # "22": the code in the 34-province system
    name_2025: str  # "Quảng Ninh"
    confidence: float = 1.0  # how sure the match is (see _confidence)


@dataclass(frozen=True)
class ProvinceRecord:
    """One legacy province with its 2025 successor (a row of the index)."""

    code_legacy: str
    name_legacy: str  # short name: "Quảng Ninh", "Hồ Chí Minh", "Bà Rịa - Vũng Tàu"
    full_name_legacy: str  # "Tỉnh Quảng Ninh", "Thành phố Hồ Chí Minh"
    code_2025: str
    name_2025: str
    full_name_2025: str


# Spellings the package does not know, by legacy code: former or colloquial names, other
# tone marks or spacing in common use.
_EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "46": ("Thừa Thiên Huế", "Thừa Thiên - Huế"),
    "79": ("Sài Gòn", "Saigon"),
    "06": ("Bắc Cạn",),
    "66": ("Đăk Lăk", "Đắk Lăk", "Đắc Lắc", "Daklak"),
    "67": ("Đăk Nông", "Đắc Nông"),
    "62": ("Kontum",),
    "77": ("BR-VT", "BRVT"),
}
# Abbreviations made of initials joined to a short name: "TT-Huế", "ĐHQG-HCM" (the national
# university of the city), written as one token with a dash.
_EXTRA_ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "46": ("TT-Huế", "TT Huế"),
    "79": ("ĐHQG-HCM", "TPHCM"),
}
# Names that also name a person and so need a city prefix: "Chủ tịch Hồ Chí Minh".
_NEEDS_PREFIX = frozenset({"hồ chí minh"})
# Proper names that contain a province's name but are something else: no province is
# looked for inside them ("Thái Bình Dương" is the Pacific Ocean, not Thái Bình nor Bình Dương).
_NOT_PLACES = ("Thái Bình Dương", "Điện Biên Phủ")
# Units below a province: a name right after one of them is a district, a town or a ward
# (since 2025 many wards bear a former province's name), not the province: "huyện Quảng
# Ninh" (in Quảng Bình), "phường Bến Tre", "TX. Quảng Trị".
_SUBUNIT_BEFORE = re.compile(
    r"(?<![^\W_])(?:huyện|quận|thị\s+xã|thị\s+trấn|phường|xã|H\.|Q\.|P\.|TX\.?)\s*$", re.IGNORECASE
)
# Words that, right before a name, make it part of a personal name ("Nguyễn Thái Bình",
# "Nguyễn Thị Huế"): the common surnames and the most common middle names.
_PERSON_WORDS = frozenset(
    """
    nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào vương
    trịnh trương lâm phùng mai tô tạ lưu cao đinh lương kiều châu quách tăng triệu hứa khúc
    nghiêm chu lại mạc tống diệp âu doãn lò mã thân tôn nông
    văn thị hữu đức đình công bá duy trọng ngọc
    """.split()
)

# A prefix before a name: "tỉnh ", "thành phố ", "TP. ", "Tp.", "T.P ", matched in the folded
# (diacritics-free) text.
_PREFIX = r"(?P<prefix>(?:tinh|thanh\s+pho|t\.?\s?p)\.?\s*)"
# What may stand between the words of a name: spaces, or a dash ("Bà Rịa - Vũng Tàu").
_WORD_JOIN = r"(?:\s*[-–]\s*|\s+)"
_WORD = re.compile(r"[^\W_]+")
# Đ/đ typed as the Icelandic eth Ð/ð, a common slip of old fonts and keyboards.
_ETH_AS_DJE = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
# Vietnamese tone marks (combining): grave, acute, hook above, tilde, dot below.
_TONE_MARKS = frozenset("\u0300\u0301\u0309\u0303\u0323")


# ---------------------------------------------------------------------------
# Folding: comparing words with and without diacritics
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One character without diacritics ("ả" → "a", "Đ" → "D"); others unchanged."""
    if char in "đĐ":
        return "d" if char == "đ" else "D"
    base = unicodedata.normalize("NFD", char)[0]
    return base if base.isascii() else char


class _FoldTable(dict):
    """str.translate's table for :func:`_fold_char`, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """``text`` without diacritics, character for character (same length, same offsets)."""
    return text.translate(_FOLD_TABLE)


@functools.lru_cache(maxsize=4096)  # a pure function of the word, asked of every match
def _tone_key(word: str) -> tuple[str, frozenset[str]]:
    """A word's letters and tone apart: "Hoà" and "Hòa" give the same key."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    letters = "".join(c for c in decomposed if c not in _TONE_MARKS)
    tones = frozenset(c for c in decomposed if c in _TONE_MARKS)
    return unicodedata.normalize("NFC", letters), tones


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


# ---------------------------------------------------------------------------
# The index, built once from vietnamadminunits
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Variant:
    """One way of writing a province's name."""

    words: tuple[str, ...]  # with diacritics: ("Quảng", "Ninh")
    record: ProvinceRecord
    needs_prefix: bool  # "Hồ Chí Minh", "HCM"
    acronym: bool  # "HCM": upper case, directly after a prefix
    partial: bool = False  # part of the name ("Vũng Tàu" of Bà Rịa - Vũng Tàu): after "TP." it is the city


@functools.lru_cache(maxsize=1)
def provinces() -> tuple[ProvinceRecord, ...]:
    """The 63 legacy provinces, each with its 2025 successor, from vietnamadminunits."""
    from vietnamadminunits import convert_address
    from vietnamadminunits.parser.parser_legacy import DICT_PROVINCE as LEGACY

    records = []
    for entry in LEGACY.values():
        unit = convert_address(entry["province"])  # a province alone: no ward, no geocoding
        records.append(
            ProvinceRecord(
                code_legacy=entry["provinceCode"],
                name_legacy=entry["provinceShort"],
                full_name_legacy=entry["province"],
                code_2025=unit.province_code,
                name_2025=unit.short_province,
                full_name_2025=unit.province,
            )
        )
    return tuple(sorted(records, key=lambda r: r.code_legacy))


def _keyword_variants(record: ProvinceRecord, keywords: list[str]) -> list[tuple[tuple[str, ...], bool]]:
    """Extra spellings from the package's keywords: a run of the name's words ("vungtau" →
    ("Vũng", "Tàu")) or initials ("hcm" → ("HCM",), an acronym). Two-letter initials
    ("hn") are too ambiguous and skipped."""
    words = tuple(_WORD.findall(record.name_legacy))
    keys = [fold(w).lower() for w in words]
    variants = []
    for keyword in keywords:
        if keyword.startswith(("tinh", "thanhpho")) or keyword == "".join(keys):
            continue
        runs = [words[i:j] for i in range(len(words)) for j in range(i + 2, len(words) + 1)]
        run = next((r for r in runs if "".join(fold(w).lower() for w in r) == keyword), None)
        if run is not None:
            variants.append((run, False))
        elif keyword == "".join(k[0] for k in keys) and len(keyword) >= 3:
            variants.append(((keyword.upper(),), True))
    return variants


@functools.lru_cache(maxsize=1)
def _index() -> tuple[re.Pattern[str], dict[str, list[_Variant]]]:
    """The pattern of every spelling (in folded text) and the variants behind each."""
    from vietnamadminunits.parser.parser_legacy import DICT_PROVINCE as LEGACY

    keywords = {entry["provinceCode"]: entry["provinceKeywords"] for entry in LEGACY.values()}
    variants: list[_Variant] = []
    for record in provinces():
        full = tuple(_WORD.findall(record.name_legacy))
        spellings = [(full, False)]
        spellings += _keyword_variants(record, keywords.get(record.code_legacy, []))
        spellings += [(tuple(_WORD.findall(a)), False) for a in _EXTRA_ALIASES.get(record.code_legacy, ())]
        for words, acronym in spellings:
            needs_prefix = acronym or " ".join(words).lower() in _NEEDS_PREFIX
            partial = len(words) < len(full) and not acronym and all(w in full for w in words)
            variants.append(_Variant(words, record, needs_prefix, acronym, partial))
        for abbreviation in _EXTRA_ABBREVIATIONS.get(record.code_legacy, ()):
            variants.append(_Variant(tuple(_WORD.findall(abbreviation)), record, False, False))

    by_key: dict[str, list[_Variant]] = {}
    for variant in variants:
        by_key.setdefault(_key(variant.words), []).append(variant)
    alternatives = sorted(by_key, key=len, reverse=True)  # longest first: "Thừa Thiên Huế" before "Huế"
    names = "|".join(_WORD_JOIN.join(re.escape(w) for w in key.split()) for key in alternatives)
    pattern = re.compile(rf"(?<![^\W_]){_PREFIX}?(?P<name>{names})(?![^\W_])", re.IGNORECASE)
    return pattern, by_key


def _key(words: tuple[str, ...] | list[str]) -> str:
    """Folded, lower-case words joined by one space: the index key of a spelling."""
    return " ".join(fold(w).lower() for w in words)


@functools.lru_cache(maxsize=4096)  # each match's name is keyed twice (_skip_to, _resolve)
def _name_key(name: str) -> str:
    """The index key of a name as matched in the folded text."""
    return _key(_WORD.findall(name))


class _CaselessTable(dict):
    """str.translate's table putting each character that a letter of the index matches when
    case is ignored (re.IGNORECASE: "Q", and "K" the Kelvin sign for "k") as that lower-case
    ASCII letter, filled as characters are met. Every letter of the index's pattern is a
    lower-case ASCII letter (see _caseless_index), so the pattern without IGNORECASE finds in
    the translated text what it finds with it in the folded text: same length, and each
    character changed is a letter put as a letter (\\s, [^\\W_] and the dashes read the same)."""

    _LETTERS = [re.compile(letter, re.IGNORECASE) for letter in string.ascii_lowercase]

    def __missing__(self, code: int) -> str:
        char = chr(code)
        letters = [p.pattern for p in self._LETTERS if p.fullmatch(char)]
        self[code] = value = letters[0] if len(letters) == 1 else char
        return value


_CASELESS = _CaselessTable()


@functools.lru_cache(maxsize=1)
def _caseless_index() -> re.Pattern[str] | None:
    """The index's pattern without IGNORECASE, for text translated by _CASELESS (Python's
    engine tests each of a hundred names at each word when case is ignored; with case it
    passes over the names whose first letter differs); None if the index holds a letter that
    is not lower-case ASCII."""
    pattern, by_key = _index()
    if not all(key.isascii() and key == key.lower() for key in by_key):
        return None
    return leading(re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE))  # (see leading.py)


def lookup(name: str) -> ProvinceRecord | None:
    """The legacy province with this name or spelling ("Quảng Ninh", "TP.HCM", "Huế"), if any."""
    found = find_provinces(name)
    return _record_by_code(found[0].code_legacy) if found else None


def _record_by_code(code: str) -> ProvinceRecord:
    return next(r for r in provinces() if r.code_legacy == code)


# ---------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------


def _words_match(written: list[str], variant: _Variant) -> bool | None:
    """True when written with the variant's diacritics, False when written without any,
    None when the words do not spell the variant ("Hà Tinh" half-accented, other tones)."""
    exact = True
    for word, name_word in zip(written, variant.words):
        if _tone_key(word) == _tone_key(name_word):
            continue
        if word.isascii() and word.lower() == fold(name_word).lower():
            exact = False
            continue
        return None
    return exact


_LAST_WORD = re.compile(r"([^\W_]+)[ \t\u00a0]+$")


def _previous_word(text: str, start: int) -> str:
    """The word right before ``start``, separated by spaces only ("" if none)."""
    match = _LAST_WORD.search(text[max(0, start - 30) : start])
    return match.group(1) if match else ""


def _accept(text: str, name_span: tuple[int, int], prefixed: bool, variant: _Variant) -> float | None:
    """The confidence of the words at ``name_span`` as ``variant``, or None when the rules
    reject them."""
    s, e = name_span
    written = _WORD.findall(text[s:e])
    if len(written) != len(variant.words):
        return None
    exact = _words_match(written, variant)
    if exact is None:
        return None
    if variant.acronym:
        return 0.9 if prefixed and text[s:e].isupper() else None
    if variant.needs_prefix and not prefixed:
        return None
    if prefixed and variant.partial:
        return None  # "TP. Vũng Tàu", "thành phố Bà Rịa": the city, not the province
    capitalised = all(_is_capitalised(w) for w in written)
    if exact and not capitalised:
        return None  # "hòa bình" (peace), "bắc ninh" in lower case
    if not exact and not (prefixed or capitalised):
        return None  # "hoa binh", "quang ninh" without a prefix
    if not prefixed and _in_personal_name(text, s):
        return None  # "Nguyễn Thái Bình", "Nguyễn Thị Huế": a person
    return _confidence(exact, prefixed)


def _in_personal_name(text: str, start: int) -> bool:
    """Whether the words at ``start`` continue a personal name: a capitalised surname or
    middle name right before them."""
    previous = _previous_word(text, start)
    return _is_capitalised(previous) and previous.lower() in _PERSON_WORDS


def _confidence(exact: bool, prefixed: bool) -> float:
    """Diacritics and a prefix: near certain; a bare title-case name without diacritics: less."""
    if exact:
        return 0.95 if prefixed else 0.9
    if prefixed:
        return 0.85
    return 0.7


def _resolve(text: str, match: re.Match[str], by_key: dict[str, list[_Variant]]) -> Province | None:
    """The province of a match in the folded text, or None when no variant accepts it."""
    name_span = match.span("name")
    prefixed = match.group("prefix") is not None
    for variant in by_key.get(_name_key(fold(text[name_span[0] : name_span[1]])), []):
        confidence = _accept(text, name_span, prefixed, variant)
        if confidence is not None:
            r = variant.record
            s, e = match.span()
            return Province(text[s:e], (s, e), r.code_legacy, r.name_legacy, r.code_2025, r.name_2025, confidence)
    return None


@functools.lru_cache(maxsize=1)
def _not_places() -> re.Pattern[str]:
    names = "|".join(_WORD_JOIN.join(re.escape(fold(w)) for w in _WORD.findall(n)) for n in _NOT_PLACES)
    return re.compile(rf"(?<![^\W_])(?:{names})(?![^\W_])", re.IGNORECASE)


def _skip_to(text: str, folded: str, match: re.Match[str], by_key: dict[str, list[_Variant]]) -> int | None:
    """Where to resume when the match lies in a name that is not a place, else None."""
    variants = by_key.get(_name_key(folded[match.start("name") : match.end("name")]), [])
    if match.group("prefix") is not None and variants and all(v.partial for v in variants):
        return match.end()  # "TP. Vũng Tàu": the city, and its words are not the province either
    if match.group("prefix") is None and _in_personal_name(text, match.start("name")):
        return match.end()
    if _SUBUNIT_BEFORE.search(text, max(0, match.start() - 12), match.start()):
        return match.end()  # "huyện Quảng Ninh", "phường Bến Tre": a district or a ward
    for blocked in _not_places().finditer(folded, max(0, match.start() - 40), match.end() + 40):
        if blocked.start() <= match.start("name") < blocked.end():
            return blocked.end()
    return None


def find_provinces(text: str) -> list[Province]:
    """Every province or centrally-run city named in ``text``, once each (first mention), in
    order of appearance (see the module docstring for the rules)."""
    found: list[Province] = []
    seen: set[str] = set()
    for province in find_all_provinces(text):
        if province.code_legacy not in seen:
            seen.add(province.code_legacy)
            found.append(province)
    return found


def find_all_provinces(text: str) -> list[Province]:
    """Every mention of a province or centrally-run city in ``text``, repeated ones included,
    in order of appearance."""
    return list(_all_provinces(text))


# The same text is scanned more than once (an article's body for its places, a venue's phrase
# for its province each time the venue is looked for): the scan is kept for the last texts.
# Provinces are frozen, so the cached tuple can be shared.
@functools.lru_cache(maxsize=1024)
def _all_provinces(text: str) -> tuple[Province, ...]:
    pattern, by_key = _index()
    written = text
    if "\u00d0" in text or "\u00f0" in text:
        text = text.translate(_ETH_AS_DJE)  # "Ðồng Tháp" typed with the Icelandic eth: Đồng Tháp
    folded = fold(text)  # same offsets as text
    searched = folded
    if (caseless := _caseless_index()) is not None:
        pattern, searched = caseless, folded.translate(_CASELESS)  # the matches' text is read from folded
    found: list[Province] = []
    pos = 0
    while (match := pattern.search(searched, pos)) is not None:
        if (skip_to := _skip_to(text, folded, match, by_key)) is not None:
            pos = skip_to  # a personal name or a non-place proper name: skipped whole
            continue
        province = _resolve(text, match, by_key)
        if province is None:
            pos = match.start() + 1  # a rejected match may hide a shorter good one
            continue
        if text is not written:  # an eth was replaced: the name as written keeps it
            province = replace(province, name_as_written=written[province.span[0] : province.span[1]])
        found.append(province)
        pos = match.end()
    return tuple(found)
