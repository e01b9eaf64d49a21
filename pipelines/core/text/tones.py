"""Where the tone mark goes, made consistent; and a folded form for search.

Vietnamese has two accepted placements of the tone mark in the open syllables whose vowel is
"oa", "oe" or "uy":

* the *old style* (traditional, "kiểu cũ"): on the first vowel — hòa, khỏe, thúy, ủy;
* the *new style* ("kiểu mới", the school-spelling rules of the 1980s): on the main vowel,
  the second — hoà, khoẻ, thuý, uỷ.

Both are correct and both are in the archive, so "ủy viên" and "uỷ viên" must compare equal.
:func:`canonical_tones` rewrites every syllable to ONE style, the **old style**, because:

* it is what the corpus itself uses: the bulletins write "ủy viên", "tận tụy", "KHÓA II";
* it is what most Vietnamese Unicode text, and the default of the common input methods,
  produces today, so canonical text looks like what readers and analysts type;
* the choice only affects display: search goes through :func:`fold`, which drops every mark.

Everywhere else the two styles agree, and the canonical placement follows the one rule:
a vowel with a vowel mark takes the tone (ơ in "ươ"; ê in "iê", "uyê"; ô in "uô"); otherwise
the last vowel of a closed syllable ("hoàng", "toán", "quýt"); otherwise, in an open
syllable, the middle of three vowels ("ngoái") and the first of two ("mía", "của", "hai").
In "qu" and "gi" the u and i belong to the onset ("quý", "già"). So misplaced marks such as
"tóan" are corrected too. Only tokens that are valid syllables
(:func:`pipelines.core.text.quality.parse_syllable`) are touched; everything else,
foreign words included, is left as it is (after NFC).

:func:`fold` is the search key: no diacritics at all, đ -> d, lower case, so "Thư viện",
"thu vien", "THƯ VIỆN" and both tone placements all fold alike.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata

from pipelines.core.text.quality import TONE_MARKS, parse_syllable

__all__ = ["CANONICAL_STYLE", "canonical_tones", "fold", "tone_position"]

CANONICAL_STYLE = "old"

# The open two-vowel nuclei whose tone placement depends on the style.
_STYLE_DEPENDENT = frozenset({"oa", "oe", "uy"})
_MARKED_VOWELS = "ăâêôư"
_VOWELS = frozenset("aăâeêioôơuưy")
_FINALS = ("ch", "nh", "ng", "c", "k", "m", "n", "p", "t")

# A run of letters: a candidate syllable.
_WORD = re.compile(r"[^\W\d_]+")
# The same, as the separator of re.split: the text's pieces, its words at the odd indexes.
_WORD_PIECES = re.compile(r"([^\W\d_]+)")
# A character that is not a word character, a space or common punctuation. No combining mark
# is a word character or a space, so a text without one of these holds no combining mark.
_UNCOMMON = re.compile(r"[^\w\s!-/:-@\[-`{-~–—“”‘’…]")


def tone_position(onset: str, rhyme: str, style: str = CANONICAL_STYLE) -> int:
    """Index, in ``onset + rhyme`` (toneless, lower case), of the letter that takes the tone.

    ``style`` is 'old' (hòa, thúy, ủy) or 'new' (hoà, thuý, uỷ); see the module docstring.
    """
    final = next((f for f in _FINALS if rhyme.endswith(f) and len(rhyme) > len(f)), "")
    nucleus = rhyme[: len(rhyme) - len(final)]
    if "ơ" in nucleus:
        index = nucleus.index("ơ")
    elif any(v in nucleus for v in _MARKED_VOWELS):
        index = min(nucleus.index(v) for v in _MARKED_VOWELS if v in nucleus)
    elif final or len(nucleus) == 1:
        index = len(nucleus) - 1
    elif len(nucleus) == 3:
        index = 1
    elif nucleus in _STYLE_DEPENDENT and style == "new":
        index = 1
    else:
        index = 0
    return len(onset) + index


@functools.lru_cache(maxsize=65536)  # a pure function of the word: text repeats words
def _place_tone(word: str, style: str) -> str:
    """A word with its tone mark moved to the canonical vowel; unchanged if not a syllable.
    (Cached: a text repeats its words, and search indexes every article's text.)"""
    syllable = parse_syllable(word)
    if syllable is None or syllable.tone == "ngang":
        return word
    mark = next(m for m, name in TONE_MARKS.items() if name == syllable.tone)
    # The letters without the tone, one NFC character per letter, case kept.
    letters = [
        unicodedata.normalize(
            "NFC", "".join(c for c in unicodedata.normalize("NFD", char) if c not in TONE_MARKS)
        )
        for char in word
    ]
    if len(letters) != len(syllable.onset) + len(syllable.rhyme):
        return word
    target = tone_position(syllable.onset, syllable.rhyme, style)
    letters[target] = unicodedata.normalize("NFC", letters[target] + mark)
    return "".join(letters)


def canonical_tones(text: str, style: str = CANONICAL_STYLE) -> str:
    """Text in NFC with every syllable's tone mark in the canonical place.

    >>> canonical_tones("uỷ viên hoà bình, thuý")
    'ủy viên hòa bình, thúy'
    >>> canonical_tones("hòa", style="new")
    'hoà'

    Case is kept ("HOÀ" -> "HÒA"); tokens that are not Vietnamese syllables are unchanged.
    Idempotent; never raises.
    """
    if style not in ("old", "new"):
        raise ValueError(f"style must be 'old' or 'new', not {style!r}")
    text = unicodedata.normalize("NFC", text)
    if _UNCOMMON.search(text) is None:
        # No combining mark anywhere (the usual case): every word is placed, without a
        # Python call per word (see _place_words).
        return _place_words(text, style)

    def fix(match: re.Match[str]) -> str:
        end = match.end()
        if end < len(text) and unicodedata.combining(text[end]):
            return match.group()  # a stray combining mark follows: leave the word alone
        return _place_tone(match.group(), style)

    return _WORD.sub(fix, text)


def _place_words(text: str, style: str) -> str:
    """:func:`canonical_tones` of an NFC text without combining marks: the same words as
    _WORD.sub finds, each through _place_tone."""
    pieces = _WORD_PIECES.split(text)
    pieces[1::2] = map(_place_tone, pieces[1::2], itertools.repeat(style))
    return "".join(pieces)


def fold(text: str) -> str:
    """The search key of a text: no diacritics, 'đ' -> 'd', lower case.

    >>> fold("Hội Thư viện Việt Nam"), fold("ĐẠI HỌC"), fold("hoà") == fold("hòa")
    ('hoi thu vien viet nam', 'dai hoc', True)

    Every combining mark is dropped (tone and vowel marks alike), so the two tone placements
    and text typed without diacritics all match. Idempotent; never raises.
    """
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return unicodedata.normalize("NFC", decomposed.translate(_NO_COMBINING))


class _CombiningMarks(dict):
    """A str.translate table deleting every combining mark, filled as characters are met (one
    C-level pass over a text instead of a Python call per character)."""

    def __missing__(self, code: int):
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_NO_COMBINING = _CombiningMarks()
