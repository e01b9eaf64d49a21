"""A regular expression that fails fast where it cannot start.

The metadata patterns open with optional words guarded by lookbehinds ("từ", a weekday,
"ngày", "mùng" …) before the digits they are about. Python's engine then tries every
alternative at every position of a text: most of the time spent finding dates went there.
:func:`leading` returns the same pattern behind a lookahead for the characters a match can
begin with, computed from the pattern itself, so a position that cannot start a match costs
one character-class test. The matches, groups and spans are the same (the lookahead is
zero-width, the class is compiled with the pattern's own flags, so IGNORECASE folds it alike).
"""

from __future__ import annotations

import functools
import re

try:  # the parser Python's own compiler uses (a private module: without it, no speed-up)
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _parser  # type: ignore[no-redef]

_CATEGORIES = {
    _c.CATEGORY_DIGIT: r"\d", _c.CATEGORY_NOT_DIGIT: r"\D", _c.CATEGORY_SPACE: r"\s",
    _c.CATEGORY_NOT_SPACE: r"\S", _c.CATEGORY_WORD: r"\w", _c.CATEGORY_NOT_WORD: r"\W",
}


class _Anything(Exception):
    """The pattern may begin with any character (or none): no class to test."""


def _first_of_sequence(items) -> tuple[list[str], bool]:
    """The class parts a sequence can begin with, and whether it can match the empty string."""
    parts: list[str] = []
    for op, av in items:
        first, empty = _first_of_item(op, av)
        parts += first
        if not empty:
            return parts, False
    return parts, True


def _first_of_item(op, av) -> tuple[list[str], bool]:
    if op is _c.LITERAL:
        return [re.escape(chr(av))], False
    if op is _c.IN:
        parts = []
        for kind, value in av:
            if kind is _c.LITERAL:
                parts.append(re.escape(chr(value)))
            elif kind is _c.RANGE:
                parts.append(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            elif kind is _c.CATEGORY and value in _CATEGORIES:
                parts.append(_CATEGORIES[value])
            else:  # a negated class, a Unicode category the class syntax cannot say
                raise _Anything
        return parts, False
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):  # zero-width: the next item begins the match
        return [], True
    if op is _c.SUBPATTERN:
        return _first_of_sequence(av[3])
    if op is _c.BRANCH:
        parts, empty = [], False
        for alternative in av[1]:
            first, may_be_empty = _first_of_sequence(alternative)
            parts += first
            empty = empty or may_be_empty
        return parts, empty
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, inner = av
        first, empty = _first_of_sequence(inner)
        return first, empty or low == 0
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _first_of_sequence(av)
    raise _Anything  # ANY, NOT_LITERAL, back-references, conditionals …


def first_characters(pattern: re.Pattern[str]) -> str | None:
    """A character class (``"[tcn0-9]"``) every match of ``pattern`` begins with, or None
    when a match may begin with any character or be empty."""
    try:
        parts, empty = _first_of_sequence(_parser.parse(pattern.pattern, pattern.flags))
    except _Anything:
        return None
    except Exception:  # a parser of another Python version: go without
        return None
    if empty or not parts:
        return None
    return "[" + "".join(dict.fromkeys(parts)) + "]"


@functools.lru_cache(maxsize=None)
def leading(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` behind a lookahead for :func:`first_characters` (itself when there is none)."""
    first = first_characters(pattern)
    if first is None:
        return pattern
    return re.compile(f"(?={first})(?:{pattern.pattern})", pattern.flags)
