"""metadata/leading.py: a pattern behind a lookahead for its first characters finds the same."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata import dates
from pipelines.core.metadata.leading import first_characters, leading

_OWN = [
    re.compile(r"(?P<lead>(?<!\w)từ\s+)?(?:(?<!\w)ngày\s+)?(?<![0-9])(?P<d>[0-9]{1,2})", re.IGNORECASE),
    re.compile(r"(?:quý|tháng)\s+(?:IV|I{1,3}|[1-4])(?!\w)", re.IGNORECASE),
    re.compile(r"(?:\s*,)?\s*năm\s+[0-9]{4}", re.IGNORECASE),
    re.compile(r"x*y?z"),
]
_ALL = _OWN + [p for p, _ in dates._PATTERNS] + [p for p, _ in dates._PARTIAL_PATTERNS]
_TEXT = st.lists(
    st.sampled_from(["từ ", "Từ", "TỪ ", "ngày ", "NGÀY ", "12", "2014", "/", " ", "\n", "quý ", "QUÝ ", "IV", "tháng ",
                     "Tháng ", "năm ", " , ", "xxy", "z", "ſ", "K", "ı", "İ", "đ", "Đ", "lần ", "Thứ Năm, ", "CN "]),
    max_size=30,
).map("".join)


def _matches(pattern, text):
    found, pos = [], 0
    while (match := pattern.search(text, pos)) is not None:
        found.append((match.span(), match.groupdict()))
        pos = match.start() + 1
    return found


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_a_pattern_behind_its_first_characters_finds_the_same_matches(text):
    for pattern in _ALL:
        assert _matches(leading(pattern), text) == _matches(pattern, text), pattern.pattern[:60]


def test_the_first_characters_are_those_a_match_can_begin_with():
    assert first_characters(re.compile(r"(?<!\w)(?:ab|c)d")) == "[ac]"
    assert first_characters(re.compile(r"(?:từ\s+)?[0-9]+")) == "[t0-9]"
    assert first_characters(re.compile(r"\s*năm")) == r"[\sn]"


def test_without_a_class_the_pattern_is_kept():
    for source in (r"a?", r"[^a]b", r".b", r"(?:a|.)b", r"(?:x|)y?"):
        pattern = re.compile(source)
        assert first_characters(pattern) is None
        assert leading(pattern) is pattern


def test_a_position_that_cannot_begin_a_match_is_passed_over():
    pattern = re.compile(r"(?:(?<!\w)ngày\s+)?(?<![0-9])[0-9]{1,2}/[0-9]{1,2}", re.IGNORECASE)
    quick = leading(pattern)
    assert quick.pattern.startswith("(?=[n0-9])")
    assert quick.search("Hội thảo khai mạc ngày 22/5").group() == "ngày 22/5"
