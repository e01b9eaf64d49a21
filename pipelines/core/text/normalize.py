"""Unicode clean-up and paragraph reconstruction for Vietnamese bulletin text.

Two steps, both pure functions of their input:

* :func:`normalize_text` makes text from any source (PDF text layer, OCR, a ``.txt`` file
  decoded by :mod:`pipelines.core.read.textfile`) comparable: NFC, one kind of space, one kind of
  line break, no invisible characters.
* :func:`to_paragraphs` / :func:`join_lines` undo the hard line breaks that PDFs and OCR put
  in the middle of sentences, and give one string per paragraph.

The soft hyphen U+00AD is deliberately left alone by both: text in a legacy Vietnamese
encoding (TCVN3, VNI) that was decoded as Windows-1258 carries byte 0xAD as U+00AD, and the
later legacy-encoding repair needs it intact to map the bytes back.
"""

from __future__ import annotations

import functools
import re
import statistics
import unicodedata

__all__ = ["normalize_text", "join_lines", "to_paragraphs"]

# ---------------------------------------------------------------------------
# normalize_text
# ---------------------------------------------------------------------------

# Zero-width characters that carry no text: ZERO WIDTH SPACE, ZERO WIDTH NON-JOINER,
# ZERO WIDTH JOINER, WORD JOINER and ZERO WIDTH NO-BREAK SPACE (a stray byte-order mark).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"

# Line and paragraph separators (U+2028, U+2029) are line breaks, like CR LF and CR.
_LINE_BREAK = re.compile(r"\r\n|\r|\u2028|\u2029")

# A run of spaces or tabs, anywhere in a line (after every Unicode space became ' ').
_SPACE_RUN = re.compile(r"[ \t]+")

# Spaces at the end of a line (before '\n' or at the end of the text).
_TRAILING_SPACE = re.compile(r" +(?=\n|\Z)")


def _translate_char(char: str) -> str:
    """What one character becomes before NFC: '' (dropped), ' ' or itself."""
    if char in _ZERO_WIDTH:
        return ""
    category = unicodedata.category(char)
    if category == "Zs":  # U+00A0, U+202F, U+2007, U+3000, ...: every Unicode space
        return " "
    if category == "Cc" and char not in "\n\t":  # C0/C1 controls, DEL; '\r' is gone by now
        return ""
    return char


class _Translation(dict):
    """:func:`_translate_char` as a ``str.translate`` table, filled as characters are met."""

    def __missing__(self, code: int) -> str:
        self[code] = value = _translate_char(chr(code))
        return value


_TRANSLATION = _Translation()

# Every character _translate_char changes (the zero-width ones, the Unicode spaces but ' ', the
# controls but '\n' and '\t'), and a few it keeps: a text without one of these is unchanged by
# the translation, which a search for them finds faster (tests/text/test_normalize.py checks
# the class against every code point).
_TRANSLATED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00a0\u1680\u2000-\u200d\u2028-\u202f\u205f\u2060\u3000\ufeff]"
)


def normalize_text(text: str) -> str:
    """Text cleaned so that equal-looking text compares equal.

    * '\\r\\n', '\\r', U+2028 and U+2029 become '\\n';
    * zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) are removed;
    * every Unicode space (no-break spaces U+00A0, U+202F, U+2007, ...) becomes ' ';
    * control characters other than '\\n' and '\\t' are removed (a form feed between PDF
      pages too, so a sentence running over a page break can still be joined);
    * NFC: decomposed input with combining tone marks (macOS, Windows-1258) becomes
      precomposed;
    * each run of spaces and tabs becomes one space, and spaces at line ends are removed
      (so a line of only whitespace becomes empty).

    The soft hyphen U+00AD is kept (see the module docstring). Blank lines are kept as they
    are: paragraph structure is :func:`to_paragraphs`' job. Idempotent.
    """
    # Each substitution runs only when the text holds what it replaces (a plain substring
    # test): most lines have none, and this is asked of every line of every page.
    if "\r" in text or "\u2028" in text or "\u2029" in text:
        text = _LINE_BREAK.sub("\n", text)
    if _TRANSLATED.search(text):
        text = text.translate(_TRANSLATION)
    # NFC last among the per-character steps: dropping a zero-width character can put a
    # combining mark next to its base letter, and they must then compose.
    text = unicodedata.normalize("NFC", text)
    if "\t" in text or "  " in text:  # a run of one space is already what it would become
        text = _SPACE_RUN.sub(" ", text)
    if " \n" in text or text.endswith(" "):
        text = _TRAILING_SPACE.sub("", text)
    return text


# ---------------------------------------------------------------------------
# Paragraph reconstruction
# ---------------------------------------------------------------------------

# A line ending in one of these may end a paragraph (if it is also clearly short).
_SENTENCE_END = (".", "!", "?", ":", "…", "”", '"')

# A line ending with sentence punctuation ends its paragraph when it is shorter than this
# share of the block's typical line length: the wrapped lines of a paragraph are all about as
# long as the column is wide, and its last line is whatever is left over.
_SHORT_LINE_RATIO = 0.8

# A block whose typical line is longer than this was not wrapped to a printed column (a
# .txt file with one paragraph per line): each of its lines is a paragraph of its own.
_UNWRAPPED_LINE_LENGTH = 200

# A block whose typical line is shorter than this is a list of short lines (a byline and its
# affiliation, a name printed twice, a posting date), not prose wrapped to a column: each of
# its lines is a paragraph of its own.
_LIST_LINE_LENGTH = 30

# A heading needs at least this many upper-case letters, and this share of its cased letters
# upper-case: "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II".
_HEADING_MIN_UPPER = 3
_HEADING_UPPER_SHARE = 0.8

# A closing byline: "Tin, ảnh: Hồng Vân", "Tin: ...", "Ảnh: ...", "Bài và ảnh: ...",
# "Bài, ảnh: ...", "Tin - ảnh: ...", optionally in parentheses; any letter case.
_BYLINE = re.compile(
    r"""
    \(?                                    # optional opening parenthesis
    (?:tin|bài|ảnh)                        # what was contributed ...
    (?:\s*(?:,|-|–|&|/|\bvà\b)\s*(?:tin|bài|ảnh))?   # ... optionally two things
    \s*:\s*\S                              # colon, then a name
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Longer than this, a line starting "Tin: ..." is a sentence, not a byline.
_BYLINE_MAX_LENGTH = 60

# A word broken at the end of a line: letters, then a hyphen that ends the line.
_BROKEN_WORD = re.compile(r"([^\W\d_]+)-\Z")

# Tone marks (combining): grave, acute, tilde, hook above, dot below. Removed before the
# syllable check; vowel marks (breve, circumflex, horn) stay part of the letter.
_TONE_MARKS = dict.fromkeys(map(ord, "\u0300\u0301\u0303\u0309\u0323"))

# Shape of a Vietnamese syllable without its tone: optional initial consonant(s), one to
# three vowels, optional final consonant(s). Loose on purpose (it accepts some non-words
# such as "tion"): a false "yes" only keeps a hyphen, which is the conservative outcome.
_VIETNAMESE_SYLLABLE = re.compile(
    r"""
    (?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?   # initial consonant
    [aăâeêioôơuưy]{1,3}                                        # vowel nucleus
    (?:ch|nh|ng|[cmnpt])?                                      # final consonant
    """,
    re.VERBOSE,
)


@functools.lru_cache(maxsize=16384)  # a pure function of the line, asked of each line many times
def _is_heading(line: str) -> bool:
    """A mostly upper-case line: a title or section heading."""
    upper = sum(map(str.isupper, line))
    lower = sum(map(str.islower, line))
    return upper >= _HEADING_MIN_UPPER and upper >= _HEADING_UPPER_SHARE * (upper + lower)


def _is_byline(line: str) -> bool:
    """A closing credit line such as "Tin, ảnh: Hồng Vân"."""
    return len(line) <= _BYLINE_MAX_LENGTH and _BYLINE.match(line) is not None


@functools.lru_cache(maxsize=16384)  # asked twice of each line per block, and again per article
def _stands_alone(line: str) -> bool:
    """A line that is never joined with its neighbours."""
    return _is_heading(line) or _is_byline(line)


def _typical_length(lines: list[str]) -> int:
    """The length of a typical body line of a block (the upper median)."""
    body = [len(line) for line in lines if not _stands_alone(line)]
    return statistics.median_high(body) if body else 0


def _ends_paragraph(line: str, typical: int) -> bool:
    """Whether a body line is the last line of its paragraph."""
    if typical > _UNWRAPPED_LINE_LENGTH:
        return True
    return line.endswith(_SENTENCE_END) and len(line) < _SHORT_LINE_RATIO * typical


def _looks_like_vietnamese_syllable(word: str) -> bool:
    """Whether a lower-case word has the shape of one Vietnamese syllable ("thư", "viện")."""
    toneless = unicodedata.normalize("NFD", word).translate(_TONE_MARKS)
    toneless = unicodedata.normalize("NFC", toneless)
    return _VIETNAMESE_SYLLABLE.fullmatch(toneless) is not None


def _is_latin_lower(word: str) -> bool:
    """Whether every character of a word is a lower-case Latin letter (Vietnamese included)."""
    return all(c.islower() and unicodedata.name(c, "").startswith("LATIN") for c in word)


def _join_hyphenated(text: str, line: str) -> str:
    """Join ``line`` to ``text``, which ends with a hyphen glued to a word ("xxx-").

    The rule, conservative because Vietnamese writes one syllable per space-separated word
    and uses hyphens in real compounds ("Mác-Lênin", "2014-2015"):

    * the pieces are joined with the hyphen kept: "xxx-" + "yyy" -> "xxx-yyy";
    * the hyphen is dropped ("infor-" + "mation" -> "information") only when the piece
      before it is a lower-case Latin word of at least two letters that is *not* shaped
      like a Vietnamese syllable, and the next line starts with a lower-case letter.
      So "thư-" + "viện" stays "thư-viện": "thư" is a whole syllable and the hyphen may
      be real.
    """
    match = _BROKEN_WORD.search(text)
    fragment = match.group(1) if match else ""
    if (
        len(fragment) >= 2
        and _is_latin_lower(fragment)
        and line[:1].islower()
        and not _looks_like_vietnamese_syllable(fragment)
    ):
        return text[:-1] + line
    return text + line


def _append_line(text: str, line: str) -> str:
    """Add the next line of a paragraph: a space between them, or a word split at a hyphen."""
    if not text:
        return line
    if text.endswith("-") and len(text) >= 2 and not text[-2].isspace():
        return _join_hyphenated(text, line)
    return f"{text} {line}"


def _split_blocks(lines: list[str]) -> list[list[str]]:
    """Lines grouped into blocks separated by blank (or whitespace-only) lines, each stripped."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        line = line.strip()
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _join_block(block: list[str]) -> list[str]:
    """The paragraphs of one block of non-blank, stripped lines."""
    typical = _typical_length(block)
    paragraphs: list[str] = []
    current = ""
    short_lines = typical < _LIST_LINE_LENGTH
    for index, line in enumerate(block):
        if _stands_alone(line):
            if current:
                paragraphs.append(current)
            paragraphs.append(line)
            current = ""
            continue
        current = _append_line(current, line)
        following = block[index + 1] if index + 1 < len(block) else ""
        listed = short_lines and not line.endswith(("-", "–", "—", ",", ";", "(")) and not following[:1].islower()
        if listed or _ends_paragraph(line, typical):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def join_lines(lines: list[str]) -> list[str]:
    """Paragraphs rebuilt from hard-wrapped lines (of a PDF text layer or OCR).

    Lines are stripped (leading indentation is dropped) and the lines of one paragraph are
    joined with a single space. A paragraph ends:

    * at a blank or whitespace-only line;
    * before and after a heading line (mostly upper-case), which is a paragraph of its own;
    * before and after a closing byline ("Tin, ảnh: Hồng Vân", "Tin: ...", "Ảnh: ...",
      "Bài và ảnh: ..."), which is a paragraph of its own;
    * after a line that ends with sentence punctuation (. ! ? : … ” ") and is clearly
      shorter than the block's typical line (under 80% of its upper-median length);
    * after every line of a block whose typical line is over 200 characters: such text was
      never wrapped to a column, so each line already is a paragraph;
    * in a block whose typical line is under 30 characters, after every line that the next
      does not continue (the next starts with a capital, a digit or a bracket): a list of short
      lines (a name and its affiliation, a name printed twice, a posting date), not prose
      wrapped to a column.

    A line ending in a hyphen glued to a word is joined to the next without a space; see
    :func:`_join_hyphenated` for when the hyphen is dropped. Expects normalized lines (see
    :func:`normalize_text`); other than stripping them, it does not change their text.
    """
    paragraphs: list[str] = []
    for block in _split_blocks(lines):
        paragraphs.extend(_join_block(block))
    return paragraphs


def to_paragraphs(text: str) -> list[str]:
    """The paragraphs of a text: :func:`normalize_text`, then :func:`join_lines`."""
    return join_lines(normalize_text(text).split("\n"))
