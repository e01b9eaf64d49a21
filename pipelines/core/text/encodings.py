"""Legacy Vietnamese encodings — TCVN3 (ABC), VNI, VIQR: tables, detection and repair.

Bulletins typed in the 1990s-2000s used 8-bit fonts: ".VnTime", ".VnTimeH", ".VnArial" ...
(TCVN3, also called ABC) or "VNI-Times" ... (VNI). Their PDFs carry a text layer in which
each byte became the Windows-1252 (Latin-1) character of that byte: "Héi Th\u00ad viÖn ViÖt
Nam" for "Hội Thư viện Việt Nam". Every PDF library extracts it without error; it only reads
as nonsense. Some text was also written in VIQR, the ASCII convention "Vie^.t Nam".

What this module offers, as plain functions:

* the mapping tables, as data (:data:`TCVN3_TABLE`, :data:`VNI_TABLE`, the VIQR marks);
* converters: :func:`tcvn3_to_unicode`, :func:`vni_to_unicode`, :func:`viqr_to_unicode`
  (on text-layer strings), and the inverses :func:`encode_tcvn3`, :func:`encode_vni`,
  :func:`encode_viqr` (used by tests and fixtures to make legacy documents from known text);
* detection with a score, per span: :func:`detect`, :func:`detect_encoding`;
* :func:`repair`: converts the spans detected as legacy, leaves Unicode spans alone, restores
  the TCVN3 'ư' that extraction lost where that is unambiguous, and says what it changed;
* :func:`decode_legacy_bytes` for ``.txt`` files (wired into
  :func:`pipelines.core.read.textfile.decode_text`).

How detection works. Text is cut into chunks at whitespace. Each chunk is read four ways
(as Unicode, as TCVN3, as VNI, as VIQR) and each reading is checked with the Vietnamese
syllable rules of :mod:`pipelines.core.text.quality`; a reading that the encoding could
not have produced at all (an 'ư' in a TCVN3 text layer, a VNI mark with no vowel before it)
counts worse than an invalid one. Chunks that read the same every way ("Nam", "2014") carry
no evidence. A Viterbi pass then picks one encoding per chunk, minimising invalid readings
plus a cost for switching encoding (cheap at a line break, dear inside a line), so a
converted Unicode body with an unconverted TCVN3 heading comes out as two spans. Ties go to
Unicode (or to the font hint's encoding): text that is valid as it is never changes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace

from pipelines.core.text.quality import (
    EDGE_PUNCTUATION,
    classify_token,
    split_tokens,
    strip_token,
    syllable_ok,
)

__all__ = [
    "ENCODINGS",
    "TCVN3_TABLE",
    "VNI_TABLE",
    "Change",
    "Detection",
    "Repair",
    "as_text_layer",
    "decode_legacy_bytes",
    "detect",
    "detect_encoding",
    "encode_tcvn3",
    "encode_viqr",
    "encode_vni",
    "parse_font_hint",
    "repair",
    "tcvn3_to_unicode",
    "viqr_to_unicode",
    "vni_to_unicode",
]

ENCODINGS = ("unicode", "tcvn3", "vni", "viqr")

# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

# TCVN3 / ABC: byte -> letter. From TCVN 5712:1993 (Vietnamese national standard for 8-bit
# coding), table VN3, the subset the ABC fonts (.VnTime, .VnArial, ...) implement: ASCII in
# 0x00-0x7F, the 7 capitals with a vowel mark but no tone in 0xA1-0xA7, and all 67 small
# letters with marks in 0xA8-0xFE. VN3 has no capitals with a tone: headings are set in the
# ".VnTimeH" style fonts, which draw these same small-letter codes as capitals (see
# ``uppercase`` in :func:`tcvn3_to_unicode`). Byte 0xAD, 'ư', is the soft hyphen U+00AD in
# Windows-1252, which layout programs and PDF libraries may hide or drop. Checked against the
# small-letter part of glibc's TCVN5712-1 (VN1, a superset whose extra capitals in 0x80-0x9F
# and in VN3's unused codes are not decoded here: in VN3 text those are Windows-1252
# punctuation such as curly quotes).
TCVN3_TABLE: dict[int, str] = {
    # capitals (no tone): Ă Â Ê Ô Ơ Ư Đ
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    # small letters with a vowel mark, no tone; đ
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    # tones in the order huyền, hỏi, ngã, sắc, nặng (grave, hook, tilde, acute, dot below)
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip

# VNI (VNI-Windows, the code table of VNI Software Co.'s VNI-Times ... fonts, as its VNI
# keyboard/font package documents it; checked against the VNI table of the xvnkb input
# method): small letter -> its bytes, shown as their Windows-1252 characters. VNI writes a base letter followed by a mark
# character: tone marks ù ø û õ ï (sắc, huyền, hỏi, ngã, nặng), â for the circumflex (á à å ã ä
# with a tone), ê for the breve (é è ú ü ë with a tone). ơ ư đ and the toned i, and ỵ, have one
# byte of their own. Capitals are the same sequences in capitals ("AØ" for À, "Ñ" for Đ), built
# below with str.upper(), which maps each of these Latin-1 characters to its capital byte.
VNI_TABLE: dict[str, str] = {
    "à": "aø", "á": "aù", "ả": "aû", "ã": "aõ", "ạ": "aï",
    "ă": "aê", "ằ": "aè", "ắ": "aé", "ẳ": "aú", "ẵ": "aü", "ặ": "aë",
    "â": "aâ", "ầ": "aà", "ấ": "aá", "ẩ": "aå", "ẫ": "aã", "ậ": "aä",
    "đ": "ñ",
    "è": "eø", "é": "eù", "ẻ": "eû", "ẽ": "eõ", "ẹ": "eï",
    "ê": "eâ", "ề": "eà", "ế": "eá", "ể": "eå", "ễ": "eã", "ệ": "eä",
    "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò",
    "ò": "oø", "ó": "où", "ỏ": "oû", "õ": "oõ", "ọ": "oï",
    "ô": "oâ", "ồ": "oà", "ố": "oá", "ổ": "oå", "ỗ": "oã", "ộ": "oä",
    "ơ": "ô", "ờ": "ôø", "ớ": "ôù", "ở": "ôû", "ỡ": "ôõ", "ợ": "ôï",
    "ù": "uø", "ú": "uù", "ủ": "uû", "ũ": "uõ", "ụ": "uï",
    "ư": "ö", "ừ": "öø", "ứ": "öù", "ử": "öû", "ữ": "öõ", "ự": "öï",
    "ỳ": "yø", "ý": "yù", "ỷ": "yû", "ỹ": "yõ", "ỵ": "î",
}  # fmt: skip

# VIQR (RFC 1456): a mark character after the vowel. Vowel marks first, then the tone.
VIQR_VOWEL_MARKS = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}  # breve, circumflex, horn
VIQR_TONE_MARKS = {"'": "\u0301", "`": "\u0300", "?": "\u0309", "~": "\u0303", ".": "\u0323"}
# Which vowel takes which vowel mark: ă; â ê ô; ơ ư.
_VIQR_MARKABLE = {"(": "a", "^": "aeo", "+": "ou"}
_VIQR_ESCAPE = "\\"


def _byte_chars() -> tuple[str, ...]:
    """The character a text layer shows for each byte: Windows-1252, else Latin-1."""
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:  # 0x81 0x8D 0x8F 0x90 0x9D
            chars.append(chr(byte))
    return tuple(chars)


_BYTE_CHARS = _byte_chars()
_CHAR_BYTES = {char: byte for byte, char in enumerate(_BYTE_CHARS)}


def as_text_layer(data: bytes) -> str:
    """Legacy bytes as a PDF text layer shows them: each byte as its Windows-1252 character.

    >>> as_text_layer(encode_tcvn3("Hội Thư viện"))
    'Héi Th\\xad viÖn'
    """
    return "".join(_BYTE_CHARS[b] for b in bytes(data))


_TCVN3_DECODE = {_BYTE_CHARS[byte]: letter for byte, letter in TCVN3_TABLE.items()}
_TCVN3_ENCODE = {letter: byte for byte, letter in TCVN3_TABLE.items()}
_TCVN3_CHARS = frozenset(_TCVN3_DECODE)
_TCVN3_CAPITAL_CHARS = frozenset(_BYTE_CHARS[b] for b in range(0xA1, 0xA8))

_VNI_ENCODE = {**VNI_TABLE, **{k.upper(): v.upper() for k, v in VNI_TABLE.items()}}
_VNI_DECODE = {sequence: letter for letter, sequence in _VNI_ENCODE.items()}
# Characters that in VNI only ever follow a vowel (the second character of a pair).
_VNI_MARK_CHARS = frozenset(seq[1] for seq in _VNI_DECODE if len(seq) == 2)
_VNI_CHARS = frozenset("".join(_VNI_DECODE))

# ---------------------------------------------------------------------------
# Font hints
# ---------------------------------------------------------------------------

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_STYLE_SUFFIX = re.compile(r"[\s,-]*(?:Bold|Italic|Oblique|Regular|BoldItalic|PSMT|MT)*$", re.I)


@functools.lru_cache(maxsize=1024)  # asked of every line; a document uses a few fonts
def parse_font_hint(font_name: str | None) -> tuple[str, bool] | None:
    """(encoding, uppercase) that a PDF font name suggests, or None.

    ".VnTime", "VnTime", "ABCDEF+.VnTimeH,Bold", "#2EVnArialH" -> TCVN3 (uppercase for the
    "...H" heading fonts); "VNI-Times", "VNI-Helve-Bold" -> VNI. A hint, not a verdict:
    :func:`detect` only uses it to break ties.
    """
    if not font_name:
        return None
    name = _SUBSET_PREFIX.sub("", font_name.strip().lstrip("/")).replace("#2E", ".")
    if re.match(r"VNI[-_ ]", name, re.I):
        return "vni", False
    if re.match(r"\.?Vn[A-Z]", name):
        family = re.split(r"[,]", name)[0]
        family = re.sub(r"-.*$", "", family)
        family = _STYLE_SUFFIX.sub("", family)
        return "tcvn3", family.endswith("H")
    return None


# ---------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------


def _looks_upper(line: str) -> bool:
    """Whether a TCVN3 line was typed in capitals (its ASCII letters and capital codes)."""
    upper = sum(1 for c in line if (c.isascii() and c.isupper()) or c in _TCVN3_CAPITAL_CHARS)
    lower = sum(1 for c in line if c.isascii() and c.islower())
    return upper >= 2 and upper >= 0.8 * (upper + lower)


def tcvn3_to_unicode(text: str, uppercase: bool | None = None) -> str:
    """A TCVN3 text layer ("Héi Th\u00ad viÖn") in Unicode ("Hội Thư viện"), NFC.

    ``uppercase``: True for text set in a ".VnTimeH" heading font (small-letter codes drawn
    as capitals): everything is upper-cased. False: never. None (default): each line whose
    ASCII letters are (almost) all capitals ("HéI NGHÞ") is upper-cased, since its small
    letter codes stand for capitals that TCVN3 has no code for.
    """
    lines = text.split("\n")
    out = []
    for line in lines:
        converted = "".join(_TCVN3_DECODE.get(c, c) for c in line)
        if uppercase or (uppercase is None and _looks_upper(line)):
            converted = converted.upper()
        out.append(converted)
    return unicodedata.normalize("NFC", "\n".join(out))


def _vni_decode(text: str) -> tuple[str, bool]:
    """(Unicode, clean) for a VNI text layer; clean=False if some character cannot be VNI.

    Pairs are matched before single characters (longest match first): "oâ" is ô, "ô" alone ơ.
    """
    out: list[str] = []
    clean = True
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in _VNI_DECODE:
            out.append(_VNI_DECODE[pair])
            i += 2
            continue
        char = text[i]
        if char in _VNI_DECODE:
            out.append(_VNI_DECODE[char])
        else:
            out.append(char)
            if char in _VNI_MARK_CHARS or _foreign_letter(char, _VNI_CHARS):
                clean = False
        i += 1
    return "".join(out), clean


def vni_to_unicode(text: str) -> str:
    """A VNI text layer ("Hoäi Thö vieän") in Unicode ("Hội Thư viện"), NFC."""
    return unicodedata.normalize("NFC", _vni_decode(text)[0])


def _compose(base: str, marks: str) -> str:
    return unicodedata.normalize("NFC", base + marks)


def _viqr_decode(text: str) -> str:
    """VIQR text in Unicode (not yet NFC), following RFC 1456.

    A vowel takes the vowel mark and then the tone mark that follow it; "dd" is đ; a
    backslash makes the next mark character literal ("Ha\\." is "Ha."). One tone per
    syllable: a second tone character in the same word is punctuation ("Nam." and "nghi.."
    -> "nghị."). As the RFC says, an unescaped '.' or '?' right after a toneless vowel is a
    tone: "chu+a?" is "chửa", and a writer meant "chưa?" by "chu+a\\?".
    """
    out: list[str] = []
    toned = False
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        following = text[i + 1] if i + 1 < n else ""
        if char == _VIQR_ESCAPE and (following in VIQR_TONE_MARKS or following in VIQR_VOWEL_MARKS):
            out.append(following)
            toned = False  # a literal mark character is punctuation: a new word
            i += 2
            continue
        if char in "dD" and following in ("d", "D"):
            out.append("đ" if char == "d" else "Đ")
            i += 2
            continue
        if char.lower() in "aeiouy":
            marks, j = "", i + 1
            if j < n and text[j] in VIQR_VOWEL_MARKS and char.lower() in _VIQR_MARKABLE[text[j]]:
                marks += VIQR_VOWEL_MARKS[text[j]]
                j += 1
            if j < n and text[j] in VIQR_TONE_MARKS and not toned:
                marks += VIQR_TONE_MARKS[text[j]]
                toned = True
                j += 1
            out.append(_compose(char, marks))
            i = j
            continue
        if not char.isalpha():
            toned = False  # a new word
        out.append(char)
        i += 1
    return "".join(out)


def viqr_to_unicode(text: str) -> str:
    """VIQR ("Ho^.i Thu+ vie^.n Vie^.t Nam.") in Unicode ("Hội Thư viện Việt Nam."), NFC."""
    return unicodedata.normalize("NFC", _viqr_decode(text))


# ---------------------------------------------------------------------------
# Encoders (Unicode -> legacy), for tests and fixtures
# ---------------------------------------------------------------------------


def _fallback_byte(char: str, used: frozenset[int] | set[int]) -> int | None:
    """The Windows-1252 byte of a non-letter character the legacy encoding leaves alone."""
    byte = _CHAR_BYTES.get(char)
    if byte is None or byte in used:
        return None
    return byte


def _encode_error(encoding: str, text: str, index: int) -> UnicodeEncodeError:
    return UnicodeEncodeError(encoding, text, index, index + 1, f"no {encoding} code")


def encode_tcvn3(text: str, *, heading: bool = False, errors: str = "strict") -> bytes:
    """Unicode text as TCVN3 bytes: what a .VnTime document holds.

    Capitals with a tone have no TCVN3 code: they are written with the small letter's code,
    as a typist did in a .VnTimeH heading ("HỘI" -> b"H\\xe9I"). ``heading=True`` writes
    everything in small letters, the .VnTimeH way ("hội"): decode it with ``uppercase=True``.
    Characters TCVN3 cannot hold raise UnicodeEncodeError, or become '?' with
    ``errors="replace"``. Windows-1252 punctuation (curly quotes, dashes) is kept.
    """
    text = unicodedata.normalize("NFC", text)
    if heading:
        text = text.lower()
    used = set(TCVN3_TABLE)
    out = bytearray()
    for index, char in enumerate(text):
        if char in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[char])
        elif char.isascii():
            out.append(ord(char))
        elif char.lower() in _TCVN3_ENCODE:
            out.append(_TCVN3_ENCODE[char.lower()])
        elif (byte := _fallback_byte(char, used)) is not None:
            out.append(byte)
        elif errors == "replace":
            out.append(ord("?"))
        else:
            raise _encode_error("tcvn3", text, index)
    return bytes(out)


def encode_vni(text: str, *, errors: str = "strict") -> bytes:
    """Unicode text as VNI bytes ("Hội" -> b"Ho\\xe4i", shown "Hoäi").

    See :func:`encode_tcvn3` for ``errors``; VNI has every capital, so nothing is lowered.
    """
    text = unicodedata.normalize("NFC", text)
    used = {_CHAR_BYTES[c] for c in _VNI_CHARS if not c.isascii()}
    out = bytearray()
    for index, char in enumerate(text):
        if char in _VNI_ENCODE:
            out.extend(_CHAR_BYTES[c] for c in _VNI_ENCODE[char])
        elif char.isascii():
            out.append(ord(char))
        elif (byte := _fallback_byte(char, used)) is not None:
            out.append(byte)
        elif errors == "replace":
            out.append(ord("?"))
        else:
            raise _encode_error("vni", text, index)
    return bytes(out)


_VIQR_MARK_OF = {v: k for k, v in VIQR_VOWEL_MARKS.items()}
_VIQR_TONE_OF = {v: k for k, v in VIQR_TONE_MARKS.items()}


def encode_viqr(text: str) -> str:
    """Unicode text in VIQR ("Việt Nam" -> "Vie^.t Nam").

    A mark character that the decoder would otherwise take for a mark of the vowel before it
    is escaped ("Ha." -> "Ha\\.", but "Hà." -> "Ha`."), so the text decodes back unchanged.
    Limit: a literal "dd" in the text reads back as đ, as the RFC has it.
    """
    out: list[str] = []
    base = ""  # the vowel just written, if the last thing written was a vowel
    vowel_mark = tone = toned_word = False
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        marks = decomposed[1:]
        if char in "đĐ":
            out.append("dd" if char == "đ" else "DD")
            base = ""
            continue
        writable = all(m in _VIQR_MARK_OF or m in _VIQR_TONE_OF for m in marks)
        if decomposed[0].lower() in "aeiouy" and writable:
            vowel_mark = any(m in _VIQR_MARK_OF for m in marks)
            tone = any(m in _VIQR_TONE_OF for m in marks)
            toned_word = toned_word or tone
            out.append(
                decomposed[0]
                + "".join(_VIQR_MARK_OF[m] for m in marks if m in _VIQR_MARK_OF)
                + "".join(_VIQR_TONE_OF[m] for m in marks if m in _VIQR_TONE_OF)
            )
            base = decomposed[0].lower()
            continue
        if base and not tone:
            takes_mark = (
                char in VIQR_VOWEL_MARKS and not vowel_mark and base in _VIQR_MARKABLE[char]
            )
            takes_tone = char in VIQR_TONE_MARKS and not toned_word
            if takes_mark or takes_tone:
                out.append(_VIQR_ESCAPE)
        if not char.isalpha():
            toned_word = False
        out.append(char)
        base = ""
    return "".join(out)


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------

# Costs of the segmentation (see the module docstring).
_COST_INVALID = 1.0  # the reading is not Vietnamese (nor a number, acronym, Latin word)
_COST_IMPOSSIBLE = 1.5  # the encoding cannot have produced the chunk
_COST_NOT_PREFERRED = 0.1  # tie-breaker towards Unicode (or the hinted encoding)
_COST_AGAINST_HINT = 0.3  # tie-breaker towards the font hint's encoding
_COST_RESTORABLE = 0.25  # a TCVN3 reading that is valid once its lost 'ư' is put back
_COST_SWITCH_AT_LINE = 0.75
_COST_SWITCH_IN_LINE = 2.0


def _foreign_letter(char: str, own: frozenset[str]) -> bool:
    """A non-ASCII letter or combining mark that the legacy encoding does not produce."""
    if char.isascii() or char in own:
        return False
    return unicodedata.category(char)[0] in "LM"


@dataclass
class _Chunk:
    start: int
    end: int
    line: int
    text: str
    readings: dict[str, str | None]
    costs: dict[str, float] = field(default_factory=dict)
    valid: dict[str, bool] = field(default_factory=dict)
    informative: bool = False


@functools.lru_cache(maxsize=65536)  # a pure function of the word: bulletins repeat words
def _reading_valid(reading: str) -> bool:
    core = strip_token(reading)
    return not core or classify_token(core) != "invalid"


@functools.lru_cache(maxsize=65536)  # a pure function of the word: bulletins repeat words
def _readings(chunk: str) -> dict[str, str | None]:
    tcvn3 = None
    if not any(_foreign_letter(c, _TCVN3_CHARS) for c in chunk):
        tcvn3 = "".join(_TCVN3_DECODE.get(c, c) for c in chunk)
    vni, clean = _vni_decode(chunk)
    ascii_letters = not any(_foreign_letter(c, frozenset()) for c in chunk)
    viqr = _viqr_decode(chunk) if ascii_letters else None
    return {
        "unicode": chunk,
        "tcvn3": unicodedata.normalize("NFC", tcvn3) if tcvn3 is not None else None,
        "vni": unicodedata.normalize("NFC", vni) if clean else None,
        "viqr": unicodedata.normalize("NFC", viqr) if viqr is not None else None,
    }


@functools.lru_cache(maxsize=65536)  # a pure function of the word: bulletins repeat words
def _unicode_cheapest(chunk: str) -> bool:
    """Without a font hint, Unicode is the cheapest reading of the chunk, strictly, or the chunk
    carries no evidence (it reads the same in every encoding); the costs are :func:`_chunks`'.
    A valid Unicode reading costs 0 and any other at least _COST_NOT_PREFERRED; an invalid one
    costs _COST_INVALID, less than any other reading unless that one is valid or a restorable
    TCVN3 word."""
    if _reading_valid(chunk):  # (first: most words are valid Unicode, and decoding them is dearer)
        return True
    readings = _readings(chunk)
    if len(set(readings.values())) <= 1:
        return True
    for encoding in ENCODINGS[1:]:
        reading = readings[encoding]
        if reading is not None and (_reading_valid(reading) or (encoding == "tcvn3" and _restorable(reading))):
            return False
    return True


def plainly_unicode(text: str) -> bool:
    """True when detection without a font hint can only find Unicode in ``text``, so that
    :func:`repair` changes nothing (but NFC): every chunk that carries evidence is strictly
    cheapest in Unicode (:func:`_unicode_cheapest`), and staying in one encoding costs no
    switch, so the cheapest path of the Viterbi pass is Unicode throughout, the only one, and
    the chunks without evidence take Unicode from their neighbours. Plain ASCII is not enough
    to say so: VIQR is ASCII ("Vie^.t")."""
    return all(map(_unicode_cheapest, _CHUNK.findall(text)))


_CHUNK = re.compile(r"\S+")


@functools.lru_cache(maxsize=65536)  # a pure function of the word: bulletins repeat words
def _restorable(reading: str) -> bool:
    core = strip_token(reading)
    return bool(core) and _restore(core, evidence=False) is not None


def _chunks(text: str, preferred: str, hinted: bool) -> list[_Chunk]:
    matches = list(_CHUNK.finditer(text))
    chunks = []
    line = 0
    last = 0
    for match in matches:
        line += text.count("\n", last, match.start())
        last = match.start()
        readings = _readings(match.group())
        chunk = _Chunk(match.start(), match.end(), line, match.group(), readings)
        distinct = set(readings.values())
        chunk.informative = len(distinct) > 1
        for encoding, reading in readings.items():
            valid = reading is not None and _reading_valid(reading)
            chunk.valid[encoding] = valid
            if not chunk.informative:
                chunk.costs[encoding] = 0.0
                continue
            cost = 0.0 if valid else _COST_INVALID if reading is not None else _COST_IMPOSSIBLE
            if encoding == "tcvn3" and reading is not None and not valid and _restorable(reading):
                cost = _COST_RESTORABLE
            if encoding != preferred:
                cost += _COST_AGAINST_HINT if hinted else _COST_NOT_PREFERRED
            chunk.costs[encoding] = cost
        chunks.append(chunk)
    return chunks


def _viterbi(chunks: list[_Chunk]) -> list[str]:
    """The cheapest encoding per informative chunk (ties: the order of ENCODINGS)."""
    if not chunks:
        return []
    cost = {s: chunks[0].costs[s] for s in ENCODINGS}
    back: list[dict[str, str]] = []
    for previous, chunk in zip(chunks, chunks[1:]):
        switch = _COST_SWITCH_AT_LINE if chunk.line != previous.line else _COST_SWITCH_IN_LINE
        new_cost, pointers = {}, {}
        for state in ENCODINGS:
            # Staying wins ties; then the order of ENCODINGS.
            options = [
                (cost[p] + (0.0 if p == state else switch), p != state, ENCODINGS.index(p), p)
                for p in ENCODINGS
            ]
            total, _, _, best = min(options)
            new_cost[state] = total + chunk.costs[state]
            pointers[state] = best
        cost = new_cost
        back.append(pointers)
    state = min(ENCODINGS, key=lambda s: (cost[s], ENCODINGS.index(s)))
    path = [state]
    for pointers in reversed(back):
        state = pointers[state]
        path.append(state)
    return path[::-1]


@dataclass(frozen=True)
class Detection:
    """The encoding of one span of a text.

    ``span`` is (start, end) in the text; the spans of :func:`detect` cover it end to end.
    ``score``: the share of the span's distinctive chunks (those that read differently in
    different encodings) that are valid Vietnamese — or numbers, acronyms, Latin words — when
    read in ``encoding``; 1.0 when the span has none. ``margin``: ``score`` minus the best
    share any other encoding achieves (how clearly this encoding wins). ``tokens``: the
    number of distinctive chunks, the evidence behind the score.
    """

    encoding: str
    score: float
    span: tuple[int, int]
    margin: float = 0.0
    tokens: int = 0


def _assign_states(chunks: list[_Chunk], preferred: str) -> list[str]:
    """An encoding for every chunk: informative ones from the Viterbi pass; the others take
    the encoding of the informative chunk before them on their line, else of the one after
    them, else the text's main encoding (the preferred one if nothing is informative)."""
    informative = [k for k, chunk in enumerate(chunks) if chunk.informative]
    states: list[str | None] = [None] * len(chunks)
    for k, state in zip(informative, _viterbi([chunks[k] for k in informative])):
        states[k] = state
    counts = Counter(state for state in states if state)
    default = max(ENCODINGS, key=lambda s: (counts[s], s == preferred)) if counts else preferred
    lines: dict[int, list[int]] = {}
    for k, chunk in enumerate(chunks):
        lines.setdefault(chunk.line, []).append(k)
    for indices in lines.values():
        pending: list[int] = []
        last: str | None = None
        for k in indices:
            if states[k] is None and last is None:
                pending.append(k)
            elif states[k] is None:
                states[k] = last
            else:
                last = states[k]
                for j in pending:
                    states[j] = last
                pending = []
        for j in pending:
            states[j] = default
    return [state or default for state in states]


@dataclass(frozen=True)
class _Span:
    detection: Detection
    chunks: list[_Chunk]


def _span_detection(encoding: str, chunks: list[_Chunk], span: tuple[int, int]) -> Detection:
    evidence = [c for c in chunks if c.informative]
    if not evidence:
        return Detection(encoding, 1.0, span, 0.0, 0)
    shares = {s: sum(c.valid[s] for c in evidence) / len(evidence) for s in ENCODINGS}
    other = max(shares[s] for s in ENCODINGS if s != encoding)
    return Detection(encoding, shares[encoding], span, shares[encoding] - other, len(evidence))


def _detect_spans(text: str, font_hint: str | None) -> list[_Span]:
    """The spans of a text (covering it end to end), each with its detection and chunks."""
    hint = parse_font_hint(font_hint)
    preferred = hint[0] if hint else "unicode"
    chunks = _chunks(text, preferred, hinted=hint is not None)
    if not chunks:
        return [_Span(Detection(preferred, 1.0, (0, len(text))), [])]
    groups: list[tuple[str, list[_Chunk]]] = []
    for state, chunk in zip(_assign_states(chunks, preferred), chunks):
        if groups and groups[-1][0] == state:
            groups[-1][1].append(chunk)
        else:
            groups.append((state, [chunk]))
    spans = []
    for k, (state, members) in enumerate(groups):
        # A span runs from its first chunk to the next span's first chunk.
        start = 0 if k == 0 else members[0].start
        end = groups[k + 1][1][0].start if k + 1 < len(groups) else len(text)
        spans.append(_Span(_span_detection(state, members, (start, end)), members))
    return spans


def detect(text: str, font_hint: str | None = None) -> list[Detection]:
    """The encoding of each span of a text: 'unicode', 'tcvn3', 'vni' or 'viqr', with a score.

    A text can mix encodings (a converted body under an unconverted heading); spans follow
    the evidence, switching most easily at line breaks. ``font_hint`` is the PDF font name
    the text was drawn in (".VnTime", "ABCDEF+VNI-Times"): it breaks ties, it does not
    override the letters. See :class:`Detection` for the score.
    """
    return [span.detection for span in _detect_spans(text, font_hint)]


def _overall(detections: list[Detection]) -> tuple[str, float]:
    evidence = {s: 0 for s in ENCODINGS}
    valid = 0.0
    for d in detections:
        evidence[d.encoding] += d.tokens
        valid += d.score * d.tokens
    total = sum(evidence.values())
    if not total:
        return detections[0].encoding if detections else "unicode", 1.0
    encoding = max(ENCODINGS, key=lambda s: evidence[s])
    return encoding, valid / total


def detect_encoding(text: str, font_hint: str | None = None) -> tuple[str, float]:
    """(encoding, score) of a whole text (a page): the encoding of most of its distinctive
    chunks, and the share of them that read as valid in their span's encoding."""
    return _overall(detect(text, font_hint))


# ---------------------------------------------------------------------------
# Repair
# ---------------------------------------------------------------------------

# Frequent syllables, used to choose between completions when restoring a lost 'ư' (and to
# keep frequent words that are valid without it, such as "cha" or "trung", as they are).
COMMON_SYLLABLES = frozenset(
    """
    thư như tư sư dư cư hư lư nhưng hưng trưng chưng cưng dưng lưng bưng
    chưa mưa thưa xưa đưa ưa cưa dưa trưa lưu ưu hưu bưu sưu mưu
    người được trường nước thường đường hướng lượng phương chương hương trương dương
    lương tương thương cường mười mươi trước bước ước vườn mượn sương tươi cười dưới
    lười lưới cưới tưới rượu giường xương gương nương khương mường vương phường
    tưởng trưởng hưởng xưởng dưỡng thượng tượng vượt lướt ướt cướp nướng sướng vướng
    thước phước lược sườn
    cha ma tha xa đa ca da tra u hu bu su mu cu tu
    trung chung cung dung hung lung ung bung mung nhung
    mời lời đời mới với tới chơi hơi nơi trời tơi ớt
    """.split()
)

_LOST_LETTER = "ư"


@dataclass(frozen=True)
class Change:
    """One thing :func:`repair` changed: ``kind`` 'convert' (a span converted from
    ``encoding``) or 'restore' (a lost letter put back); ``start``/``end`` in the input text;
    ``before`` and ``after`` the text there before and after (after conversion, for
    'restore'); ``note`` says why."""

    kind: str
    start: int
    end: int
    before: str
    after: str
    encoding: str
    note: str = ""


@dataclass(frozen=True)
class Repair:
    """What :func:`repair` made of a text: the repaired ``text`` (NFC), the text's main
    ``encoding`` and its ``score`` (see :func:`detect_encoding`), every change, and the
    per-span detections."""

    text: str
    encoding: str
    score: float
    changes: list[Change] = field(default_factory=list)
    spans: list[Detection] = field(default_factory=list)


def _completions(core: str) -> list[str]:
    """The valid syllables made by putting the lost 'ư' back somewhere into a word."""
    letter = _LOST_LETTER.upper() if core.isupper() else _LOST_LETTER
    found = []
    for i in range(len(core) + 1):
        candidate = unicodedata.normalize("NFC", core[:i] + letter + core[i:])
        if syllable_ok(candidate) and candidate not in found:
            found.append(candidate)
    return found


def _restore(core: str, evidence: bool) -> tuple[str, str] | None:
    """(restored word, reason) for a TCVN3 word that lost its 'ư', or None.

    An invalid word is restored when exactly one completion is a valid syllable, or exactly
    one of several is a frequent one. A valid word is restored only with ``evidence`` (the
    same text already lost an 'ư' for sure) when it is not frequent itself and exactly one
    completion is ("ngời" -> "người").
    """
    if not core.isalpha():
        return None
    if classify_token(core) == "invalid":
        candidates = _completions(core)
        if len(candidates) == 1:
            return candidates[0], "the only completion that is a valid syllable"
        frequent = [c for c in candidates if c.lower() in COMMON_SYLLABLES]
        if len(frequent) == 1:
            return frequent[0], "the only completion that is a frequent syllable"
        return None
    if evidence and syllable_ok(core) and core.lower() not in COMMON_SYLLABLES:
        frequent = [c for c in _completions(core) if c.lower() in COMMON_SYLLABLES]
        if len(frequent) == 1:
            return frequent[0], "a frequent syllable, in a text that lost 'ư' elsewhere"
    return None


def _restore_lost_letters(
    words: list[str], chunks: list[_Chunk], allow_valid: bool
) -> tuple[list[str], list[Change]]:
    """Put the TCVN3 'ư' (byte 0xAD, the soft hyphen) back into words that lost it.

    First the invalid words; then, if that found a loss and ``allow_valid``, the valid words
    whose only frequent completion says they lost one too (see :func:`_restore`).
    """
    changes: list[Change] = []
    result = list(words)
    for second_pass in (False, True):
        if second_pass and not (allow_valid and changes):
            break
        for k, (word, chunk) in enumerate(zip(result, chunks)):
            core = strip_token(word)
            if not core or (second_pass and classify_token(core) == "invalid"):
                continue
            restored = _restore(core, evidence=second_pass)
            if restored is None:
                continue
            new_core, reason = restored
            lead = word[: len(word) - len(word.lstrip(EDGE_PUNCTUATION))]
            trail = word[len(lead) + len(core) :]
            result[k] = lead + new_core + trail
            note = f"lost 'ư' (TCVN3 byte 0xAD, the soft hyphen) restored: {reason}"
            change = Change("restore", chunk.start, chunk.end, word, result[k], "tcvn3", note)
            changes.append(change)
    return result, changes


def _line_of(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)]


def _tcvn3_word(chunk: str) -> str:
    return unicodedata.normalize("NFC", "".join(_TCVN3_DECODE.get(c, c) for c in chunk))


_WORD_CONVERTERS = {
    "unicode": lambda chunk: chunk,
    "tcvn3": _tcvn3_word,
    "vni": vni_to_unicode,
    "viqr": viqr_to_unicode,
}


def _tcvn3_words(
    text: str, chunks: list[_Chunk], uppercase: bool | None, allow_valid: bool
) -> tuple[list[str], list[Change]]:
    """The chunks of a TCVN3 span converted: lost 'ư' restored (judged on the letters as
    typed, so a .VnTimeH "th" is not taken for an acronym "TH"), then capitals line by line
    (see :func:`tcvn3_to_unicode`); and the restores."""
    words, restores = _restore_lost_letters([_tcvn3_word(c.text) for c in chunks], chunks, allow_valid)
    upper_lines: dict[int, bool] = {}
    for chunk in chunks:
        if chunk.line not in upper_lines:
            upper = uppercase
            if upper is None:
                upper = _looks_upper(_line_of(text, chunk.start))
            upper_lines[chunk.line] = upper
    upper_chunks = {(c.start, c.end) for c in chunks if upper_lines[c.line]}
    words = [w.upper() if (c.start, c.end) in upper_chunks else w for w, c in zip(words, chunks)]
    restores = [
        replace(r, after=r.after.upper()) if (r.start, r.end) in upper_chunks else r
        for r in restores
    ]
    return words, restores


def _convert_span(
    text: str, span: _Span, uppercase: bool | None, allow_valid: bool
) -> tuple[str, list[Change]]:
    """The text of one span in Unicode (its whitespace as it was) and the restores in it."""
    start, end = span.detection.span
    encoding = span.detection.encoding
    if encoding == "unicode" or not span.chunks:
        return text[start:end], []
    if encoding == "tcvn3":
        words, restores = _tcvn3_words(text, span.chunks, uppercase, allow_valid)
    else:
        words, restores = [_WORD_CONVERTERS[encoding](c.text) for c in span.chunks], []
    pieces, cursor = [], start
    for word, chunk in zip(words, span.chunks):
        pieces.append(text[cursor : chunk.start])
        pieces.append(word)
        cursor = chunk.end
    pieces.append(text[cursor:end])
    return "".join(pieces), restores


def repair(text: str, font_hint: str | None = None, uppercase: bool | None = None) -> Repair:
    """Text with its legacy-encoded spans converted to Unicode, NFC.

    * spans detected as TCVN3, VNI or VIQR (see :func:`detect`) are converted; Unicode spans
      are left as they are (clean Unicode text comes back unchanged, but for NFC);
    * in TCVN3 spans, an 'ư' that extraction dropped (byte 0xAD is the soft hyphen U+00AD,
      which layout and PDF tools hide: "Th viÖn") is put back where exactly one completion is
      a valid (or, among several, a frequent) syllable: "Th viện" -> "Thư viện";
    * ``uppercase``: True for text set in a .VnTimeH heading font (or give that font as
      ``font_hint``); None to upper-case only TCVN3 lines typed in capitals; False never.

    Every conversion and restore is listed in ``changes``. Never raises on any text.
    """
    hint = parse_font_hint(font_hint)
    if uppercase is None and hint == ("tcvn3", True):
        uppercase = True
    spans = _detect_spans(text, font_hint)
    # A valid word is only completed when the soft hyphens are gone from the text entirely.
    allow_valid = "\u00ad" not in text
    pieces: list[str] = []
    changes: list[Change] = []
    for span in spans:
        detection = span.detection
        original = text[detection.span[0] : detection.span[1]]
        converted, restores = _convert_span(text, span, uppercase, allow_valid)
        pieces.append(converted)
        if converted != original:
            note = f"span read as {detection.encoding} (score {detection.score:.2f})"
            changes.append(
                Change("convert", *detection.span, original, converted, detection.encoding, note)
            )
        changes.extend(restores)
    detections = [span.detection for span in spans]
    encoding, score = _overall(detections)
    repaired = unicodedata.normalize("NFC", "".join(pieces))
    return Repair(repaired, encoding, score, changes, detections)


# ---------------------------------------------------------------------------
# .txt files
# ---------------------------------------------------------------------------

# A .txt file is legacy when the legacy reading makes at least this share of its distinctive
# (non-ASCII) tokens valid, with at least this many different valid ones, and beats the
# Windows-1258 reading by this much.
_TXT_MIN_SHARE = 0.8
_TXT_MIN_DISTINCT = 5
_TXT_MIN_LEAD = 0.3


def _distinctive_evidence(text: str) -> tuple[float, int]:
    """(share valid, distinct valid) over the tokens of a text that are not plain ASCII."""
    tokens = [t for t in split_tokens(text) if not t.isascii()]
    if not tokens:
        return 0.0, 0
    valid = [t for t in tokens if classify_token(t) != "invalid"]
    return len(valid) / len(tokens), len({t.lower() for t in valid})


def decode_legacy_bytes(data: bytes) -> tuple[str, str] | None:
    """(Unicode text, 'tcvn3' or 'vni') when the bytes are clearly a legacy Vietnamese
    encoding, else None (ASCII, UTF-8, Windows-1258, anything unclear).

    "Clearly": read that way, at least 80% of the non-ASCII words are valid Vietnamese
    syllables, at least 5 different ones, and 30 points more than read as Windows-1258.
    TCVN3 lines typed in capitals are upper-cased (see :func:`tcvn3_to_unicode`).
    """
    data = bytes(data)
    if not data or data.isascii() or b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    layer = as_text_layer(data)
    baseline, _ = _distinctive_evidence(
        unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))
    )
    candidates = {"tcvn3": tcvn3_to_unicode(layer), "vni": vni_to_unicode(layer)}
    best, best_share, best_distinct = None, 0.0, 0
    for encoding, converted in candidates.items():
        share, distinct = _distinctive_evidence(converted)
        if share > best_share:
            best, best_share, best_distinct = encoding, share, distinct
    if (
        best is not None
        and best_share >= _TXT_MIN_SHARE
        and best_distinct >= _TXT_MIN_DISTINCT
        and best_share - baseline >= _TXT_MIN_LEAD
    ):
        return candidates[best], best
    return None
