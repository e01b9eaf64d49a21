"""How much of a text reads as Vietnamese: a syllable validity check and a text score.

Vietnamese is written one syllable per space-separated word, and its syllables follow strict
rules: an optional initial consonant (onset), a rhyme from a closed inventory (a vowel
nucleus with an optional glide and an optional final), and one of six tones. So whether a
token *can* be a Vietnamese syllable is decidable without a dictionary:

* :func:`parse_syllable` / :func:`syllable_ok` check onset + rhyme + tone, with the spelling
  rules ("k", "gh", "ngh" before i, y, e, ê; "c", "g", "ng" elsewhere; "qu" + glide rhymes;
  "gi" merging with a following i) and the tone rule (rhymes ending in p, t, c, ch take only
  sắc or nặng);
* :func:`classify_token` adds what else a bulletin legitimately contains: numbers and dates,
  acronyms (BCH, UBND, HĐND), abbreviations (TP., PGS.TS), capitalised Latin names and
  English words;
* :func:`text_quality` is the share of a text's tokens that pass.

Text in a legacy encoding read as Latin-1 ("Héi Th\u00ad viÖn") and garbled OCR both score
low; clean Vietnamese scores close to 1. This is a plausibility check, not a spelling check:
"viêt" passes (it could be a syllable), and so does a foreign word that looks like a word.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "QualityScore",
    "Syllable",
    "classify_token",
    "parse_syllable",
    "split_tokens",
    "strip_token",
    "syllable_ok",
    "text_quality",
]

# ---------------------------------------------------------------------------
# The inventory
# ---------------------------------------------------------------------------

# Initial consonants, as written. "q" occurs only as "qu"; "p" alone only in loanwords
# ("pin", "pa-nô") but is accepted.
ONSETS = (
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
)  # fmt: skip

# Rhymes without tone, as written (the standard inventory of about 160 vần). Rhymes
# beginning with "yê" are written so only without an onset ("yên", "yêu") or after "qu";
# the "iê" forms need an onset ("tiên"). The glide rhymes "oa", "oe", "uy", "uê", "uơ", "uâ"
# follow a consonant or stand alone; after "qu" the glide is the u of the onset.
RHYMES = frozenset(
    """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăk ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu
    iêc iêm iên iêng iêp iêt iêu
    yêm yên yêng yêt yêu
    o oc oi om on ong op ot ooc oong
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut
    uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưng ưt ưu
    ươc ươi ươm ươn ương ươp ươt ươu
    y
    oa oac oach oai oam oan oang oanh oao oap oat oay
    oăc oăm oăn oăng oăt
    oe oen oeo oet
    uân uâng uât uây
    uê uêch uên uênh
    uơ
    uy uya uych uyên uyêt uynh uyt uyu
    """.split()
)

# After "qu" the rhyme is written without its glide: "qua" is qu + a (glide rhyme "oa"),
# "quê" is qu + ê ("uê"), "quyết" is qu + yêt ("uyêt"), "quốc" is qu + ôc.
_QU_GLIDES = ("o", "u")

# Letters of the Vietnamese alphabet (plus f, j, w, z, which never occur in a syllable).
_VOWELS = frozenset("aăâeêioôơuưy")
_LETTERS = frozenset("abcdđeghiklmnopqrstuvxy") | _VOWELS

# Spelling: k, gh, ngh only before front vowels; c, g, ng never before them.
_FRONT_FOR_K = frozenset("ieêy")
_FRONT_FOR_GH = frozenset("ieê")

# Tone marks as combining characters (after NFD), and their names.
TONE_MARKS = {
    "\u0300": "huyền",  # grave
    "\u0301": "sắc",  # acute
    "\u0303": "ngã",  # tilde
    "\u0309": "hỏi",  # hook above
    "\u0323": "nặng",  # dot below
}
# A syllable closed by a stop (p, t, c, ch; k in "Đắk Lắk") takes sắc or nặng only.
_STOP_TONES = frozenset({"sắc", "nặng"})
_STOP_FINALS = ("ch", "p", "t", "c", "k")

# The longest written syllable is 7 letters ("nghiêng"); anything longer is not one.
_MAX_SYLLABLE_LENGTH = 8


@dataclass(frozen=True)
class Syllable:
    """A parsed syllable, lower case: onset and rhyme as written (toneless), tone name.

    ``tone`` is 'ngang' (no mark), 'huyền', 'sắc', 'hỏi', 'ngã' or 'nặng'. ``onset + rhyme``
    is the syllable's toneless spelling; with "gi" before a consonant or alone ("gì", "gìn")
    the onset is "g" and the rhyme starts with the i.
    """

    onset: str
    rhyme: str
    tone: str


def _split_tone(word: str) -> tuple[str, str] | None:
    """(toneless NFC letters, tone name) of a lower-case word; None if marks are misplaced."""
    tone = "ngang"
    letters: list[str] = []
    last_base = ""
    for char in unicodedata.normalize("NFD", word):
        if char in TONE_MARKS:
            if tone != "ngang" or last_base not in "aeiouy" or not last_base:
                return None  # two tones, or a tone on a consonant
            tone = TONE_MARKS[char]
            continue
        if not unicodedata.combining(char):
            last_base = char
        letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters)), tone


def _spelling_ok(onset: str, rhyme: str) -> bool:
    """Whether an onset may be written before a rhyme (both toneless, lower case)."""
    first = rhyme[0]
    if onset == "k":
        return first in _FRONT_FOR_K
    if onset in ("gh", "ngh"):
        return first in _FRONT_FOR_GH
    if onset in ("c", "g", "ng"):
        return first not in _FRONT_FOR_K
    return True


def _rhyme_ok(onset: str, rhyme: str) -> bool:
    """Whether ``onset + rhyme`` is a well-formed toneless syllable."""
    if not rhyme:
        return False
    if onset == "qu":
        return rhyme[0] not in "uưo" and any(glide + rhyme in RHYMES for glide in _QU_GLIDES)
    if rhyme not in RHYMES:
        return False
    if rhyme.startswith("yê") and onset:
        return False  # "tiên", not "tyên"
    if rhyme.startswith("iê") and not onset:
        return False  # "yên", not "iên"
    if onset == "gi" and rhyme[0] in "iy":
        return False  # "gi" + i is written "gi" (see parse_syllable)
    return _spelling_ok(onset, rhyme)


def _tone_ok(rhyme: str, tone: str) -> bool:
    return not rhyme.endswith(_STOP_FINALS) or tone in _STOP_TONES


def _parse_toneless(toneless: str, tone: str) -> Syllable | None:
    """The first (longest-onset) reading of a toneless syllable that follows the rules."""
    for onset in ONSETS + ("",):
        if not toneless.startswith(onset):
            continue
        rhyme = toneless[len(onset) :]
        if onset == "gi":
            if rhyme and _rhyme_ok("gi", rhyme) and _tone_ok(rhyme, tone):
                return Syllable("gi", rhyme, tone)
            # "gì", "gìn", "giếng": the i of "gi" is also the first letter of the rhyme.
            merged = "i" + rhyme
            if merged in RHYMES and _tone_ok(merged, tone):
                return Syllable("g", merged, tone)
            continue
        if _rhyme_ok(onset, rhyme) and _tone_ok(rhyme, tone):
            return Syllable(onset, rhyme, tone)
    return None


@lru_cache(maxsize=1 << 16)
def parse_syllable(token: str) -> Syllable | None:
    """The onset, rhyme and tone of a token that is one Vietnamese syllable, else None.

    Case-insensitive, NFC or NFD; the tone mark may sit on either vowel of "oa", "oe", "uy"
    (both placements are in use, see :mod:`pipelines.core.text.tones`).
    """
    if not token or len(token) > 3 * _MAX_SYLLABLE_LENGTH:
        return None
    split = _split_tone(token.lower())
    if split is None:
        return None
    toneless, tone = split
    if not toneless or len(toneless) > _MAX_SYLLABLE_LENGTH:
        return None
    if any(char not in _LETTERS for char in toneless):
        return None
    return _parse_toneless(toneless, tone)


def syllable_ok(token: str) -> bool:
    """Whether a token (a word, no punctuation) can be one Vietnamese syllable.

    >>> syllable_ok("Thư"), syllable_ok("nghiêng"), syllable_ok("Héi"), syllable_ok("mát")
    (True, True, False, True)
    >>> syllable_ok("mảt")  # a stop final takes only sắc or nặng
    False
    """
    return parse_syllable(token) is not None


# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

# Punctuation stripped from both ends of a token (ASCII, quotes, dashes, ellipsis, guillemets).
# Not "·" or "§", which are letters in text misread from TCVN3: a token like "®·" must count.
EDGE_PUNCTUATION = "\"'()[]{}<>.,;:!?*-–—…“”‘’„‟«»‹›/\\|"

_NUMBER = re.compile(r"[+\-−]?(?:\d[\d.,:/%\-–]*|\d+(?:st|nd|rd|th))")
_ACRONYM = re.compile(r"[A-ZĐ]{1,8}\.?")
_ABBREVIATION = re.compile(r"(?:[A-ZĐ][A-Za-zđ]{0,3}\.)+[A-ZĐ]?[A-Za-zđ]{0,4}")
_ASCII_WORD = re.compile(r"[A-Za-z][a-z]*|[A-Z]+")
_CONSONANT_RUN = re.compile(r"[^aeiouy]{5,}")
_VOWEL_RUN = re.compile(r"[aeiouy]{4,}")
_COMPOUND_SEPARATOR = re.compile(r"[-/–]")


def strip_token(token: str) -> str:
    """A whitespace-free chunk without the punctuation around it: '“Thư,' -> 'Thư'."""
    return token.strip(EDGE_PUNCTUATION)


def _is_punctuation_only(token: str) -> bool:
    return all(
        c in EDGE_PUNCTUATION or c.isascii() and not c.isalnum() or "\u2000" <= c <= "\u206f"
        for c in token
    )


def split_tokens(text: str) -> list[str]:
    """The tokens of a text: whitespace-separated, edge punctuation stripped, empty ones dropped.

    A chunk of punctuation only ("-", "…", "“") is not a token; a chunk of symbols outside
    ASCII ("®·", TCVN3 for "đã") is one.
    """
    return [token for token in map(_token, text.split()) if token is not None]


@lru_cache(maxsize=1 << 16)
def _token(chunk: str) -> str | None:
    """The token a whitespace-free chunk stands for, None for none (a text repeats its chunks:
    a page's syllables are a few hundred distinct ones)."""
    core = strip_token(chunk)
    return core if core and not _is_punctuation_only(core) else None


def _looks_like_ascii_word(token: str) -> bool:
    """A Latin name, an English word, an acronym: ASCII letters in a word-like pattern."""
    if not _ASCII_WORD.fullmatch(token):
        return False
    lower = token.lower()
    if token.isupper() and len(token) <= 8:
        return True  # an acronym: BCH, UBND, II, IFLA
    return (
        any(c in "aeiouy" for c in lower)
        and not _CONSONANT_RUN.search(lower)
        and not _VOWEL_RUN.search(lower)
    )


def _is_foreign(token: str) -> bool:
    if _NUMBER.fullmatch(token):
        return True
    if _ACRONYM.fullmatch(token) and len(token.rstrip(".")) >= 2:
        return True  # HĐND, ĐHQG, TP.
    if token.isascii() and _ABBREVIATION.fullmatch(token) and "." in token:
        return True  # TP., PGS.TS, Th.S
    return token.isascii() and _looks_like_ascii_word(token)


@lru_cache(maxsize=1 << 16)
def classify_token(token: str) -> str:
    """'vietnamese', 'foreign' or 'invalid' for a token (see :func:`split_tokens`).

    * 'vietnamese': a valid syllable (:func:`syllable_ok`), or a hyphenated/slashed compound
      of them ("Mác-Lênin" counts as foreign if a part is);
    * 'foreign': a number or date ("22/", "2014-2015", "40%"), an acronym ("BCH", "HĐND"),
      an abbreviation ("TP.", "PGS.TS"), or an ASCII word that looks like one (a Latin name,
      an English word: has a vowel, no run of 5 consonants or 4 vowels, sane letter case);
    * 'invalid': anything else: mojibake ("Héi", "Th\u00ad"), garbled OCR ("Hxội").
    """
    if syllable_ok(token):
        return "vietnamese"
    if _is_foreign(token):
        return "foreign"
    parts = [strip_token(part) for part in _COMPOUND_SEPARATOR.split(token)]
    if len(parts) < 2 or not all(parts):
        return "invalid"
    kinds = {classify_token(part) for part in parts}
    if "invalid" in kinds:
        return "invalid"
    return "vietnamese" if kinds == {"vietnamese"} else "foreign"


# ---------------------------------------------------------------------------
# Text score
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QualityScore:
    """How much of a text reads as Vietnamese.

    ``score`` = (valid + foreign) / tokens, in 0..1 (0.0 for a text without tokens);
    ``valid`` counts valid Vietnamese syllables, ``foreign`` the acceptable others (numbers,
    acronyms, Latin words), so ``tokens - valid - foreign`` tokens are invalid.
    """

    score: float
    tokens: int
    valid: int
    foreign: int


def text_quality(text: str) -> QualityScore:
    """The share of a text's tokens that are valid Vietnamese syllables or acceptable others.

    Clean bulletin text scores above 0.9; text in a legacy encoding read as Latin-1 ("Héi
    Th\u00ad viÖn ViÖt Nam") and badly garbled OCR score far lower. Never raises.
    """
    tokens = split_tokens(text)
    valid = foreign = 0
    for token in tokens:
        kind = classify_token(token)
        if kind == "vietnamese":
            valid += 1
        elif kind == "foreign":
            foreign += 1
    score = (valid + foreign) / len(tokens) if tokens else 0.0
    return QualityScore(score=score, tokens=len(tokens), valid=valid, foreign=foreign)
