"""Tests for pipelines.core.text.tones: one tone-mark placement, and the search fold."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.text.normalize import normalize_text
from pipelines.core.text.tones import (
    CANONICAL_STYLE,
    canonical_tones,
    fold,
    tone_position,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = unicodedata.normalize("NFC", (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8"))


def test_the_canonical_style_is_old_style():
    assert CANONICAL_STYLE == "old"


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("thuý", "thúy"),
        ("oé", "óe"),
        ("uỷ", "ủy"),
        ("khoẻ", "khỏe"),
        ("Hoà Bình", "Hòa Bình"),
        ("UỶ BAN", "ỦY BAN"),
        ("KHOÁ II", "KHÓA II"),
        ("tận tuỵ", "tận tụy"),
    ],
)
def test_both_placements_become_the_old_style(new_style, old_style):
    assert canonical_tones(new_style) == old_style
    assert canonical_tones(old_style) == old_style
    assert canonical_tones(old_style, style="new") == new_style


@pytest.mark.parametrize(
    "word",
    # Placements on which both styles agree: closed syllables, marked vowels, qu/gi onsets,
    # three-vowel nuclei, falling diphthongs.
    ["hoàng", "toán", "quý", "quyết", "quả", "già", "giữa", "thuở", "người", "Nguyễn",
     "khuỷu", "ngoái", "mía", "của", "hai", "thuế", "chuyện", "muốn", "hoặc"],
)  # fmt: skip
def test_placements_both_styles_agree_on(word):
    assert canonical_tones(word) == word
    assert canonical_tones(word, style="new") == word


def test_misplaced_tones_are_corrected():
    assert canonical_tones("tóan học, hòang, qúy, mìa") == "toán học, hoàng, quý, mìa"


def test_non_syllables_are_left_alone():
    text = "Müller, café, IFLA, 2014-2015, ÀÀ, x\u0301"
    assert canonical_tones(text) == unicodedata.normalize("NFC", text)


def test_tone_position():
    assert tone_position("h", "oa") == 1  # hòa: on the o (index 1 of "hoa")
    assert tone_position("h", "oa", style="new") == 2
    assert tone_position("ng", "ươi") == 3  # on ơ
    assert tone_position("qu", "y") == 2


def test_the_seed_is_already_canonical():
    assert canonical_tones(SEED) == SEED


def test_nfd_and_mixed_placement_inputs_come_out_identical():
    canonical = canonical_tones(SEED)
    new_style = canonical_tones(SEED, style="new")
    assert new_style != SEED  # "uỷ viên", "tận tuỵ", "KHOÁ II"
    variants = [
        unicodedata.normalize("NFD", SEED),
        new_style,
        unicodedata.normalize("NFD", new_style),
        SEED.replace("\n", "\r\n"),
    ]
    for variant in variants:
        assert canonical_tones(normalize_text(variant)) == canonical_tones(normalize_text(SEED))
    assert canonical_tones(normalize_text(unicodedata.normalize("NFD", new_style))) == normalize_text(canonical)


def test_fold():
    assert fold("Hội Thư viện Việt Nam") == "hoi thu vien viet nam"
    assert fold("ĐẠI HỌC Đà Nẵng") == "dai hoc da nang"
    assert fold("hoà") == fold("hòa") == fold("HOA") == "hoa"
    assert fold("uỷ viên") == fold("ủy viên") == fold("uy vien")
    assert fold(unicodedata.normalize("NFD", "Thư viện")) == "thu vien"


def test_fold_matches_a_search_across_spellings():
    haystack = fold(SEED)
    for needle in ["Thư viện", "thu vien", "THƯ VIỆN", "uỷ viên BCH", "KHOÁ II", "Quang Ninh"]:
        assert fold(needle) in haystack


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_canonical_tones_never_raises_and_is_idempotent(text):
    once = canonical_tones(text)
    assert canonical_tones(once) == once
    assert unicodedata.is_normalized("NFC", once)
    assert fold(once) == fold(text)  # only tone marks move


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fold_never_raises_and_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once


VIETNAMESE = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "bcghklmnpqrstvx \n,.", max_size=80))
def test_canonical_tones_on_vietnamese_letters(text):
    once = canonical_tones(text)
    assert canonical_tones(once) == once
    assert canonical_tones(canonical_tones(text, style="new")) == once
    assert len(once) == len(text)


def _word_by_word(text: str, style: str = CANONICAL_STYLE) -> str:
    """canonical_tones as one call per word: a word with a stray combining mark after it stays."""
    from pipelines.core.text import tones

    text = unicodedata.normalize("NFC", text)

    def fix(match):
        end = match.end()
        if end < len(text) and unicodedata.combining(text[end]):
            return match.group()
        return tones._place_tone(match.group(), style)

    return tones._WORD.sub(fix, text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(VIETNAMESE + "HOAUY bcghklmnpqrstvx0-9 \n,.;:“”…–()\u0300\u0301\u0309\u0303\u0323\u0306\u00b7©•")
                      | st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_the_quick_pass_places_tones_as_a_word_by_word_pass_does(text):
    for style in ("old", "new"):
        assert canonical_tones(text, style=style) == _word_by_word(text, style)

