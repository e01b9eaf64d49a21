"""Tests for pipelines.core.text.quality: syllable rules and the text quality score."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.text.encodings import as_text_layer, encode_tcvn3, encode_vni
from pipelines.core.text.quality import (
    classify_token,
    parse_syllable,
    split_tokens,
    syllable_ok,
    text_quality,
)

ROOT = Path(__file__).resolve().parents[2]
SEED = unicodedata.normalize("NFC", (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8"))


# --- syllables ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    ["Thư", "viện", "nghiêng", "người", "được", "quốc", "quý", "quyết", "quỳnh", "gì", "gìn",
     "giếng", "giữa", "khuỷu", "Nguyễn", "kỳ", "ghi", "nghe", "ớt", "yêu", "ưu", "xoong",
     "hòa", "hoà", "ủy", "uỷ", "KHÓA", "Đắk", "Lắk", "a", "ở", "học", "mát", "hoạch"],
)  # fmt: skip
def test_valid_syllables(word):
    assert syllable_ok(word)
    assert syllable_ok(unicodedata.normalize("NFD", word))


@pytest.mark.parametrize(
    ("word", "rule"),
    [
        ("ke", None), ("ce", "c before e"), ("ki", None), ("ci", "c before i"),
        ("gi", None), ("ge", "g before e"), ("ghe", None), ("gha", "gh before a"),
        ("nghe", None), ("nge", "ng before e"), ("ngha", "ngh before a"), ("ka", "k before a"),
        ("tyên", "yê after an onset"), ("iên", "iê without an onset"),
        ("mảt", "stop final with hỏi"), ("học", None), ("hoc", "stop final, no tone"),
        ("hòc", "stop final with huyền"), ("lịch", None), ("lĩch", "ch final with ngã"),
        ("trờng", "no rhyme ơng"), ("Th", "no vowel"), ("Héi", "no rhyme ei"),
        ("viÖn", "Ö is not a Vietnamese letter"), ("Th\u00ad", "soft hyphen"),
        ("hóá", "two tones"), ("x\u0301", "tone on a consonant"), ("film", "f"),
        ("quo", "qu + o"), ("nghiêngg", "too long / no rhyme"),
    ],
)  # fmt: skip
def test_syllable_rules(word, rule):
    assert syllable_ok(word) is (rule is None), rule


def test_parse_syllable():
    syllable = parse_syllable("Người")
    assert (syllable.onset, syllable.rhyme, syllable.tone) == ("ng", "ươi", "huyền")
    assert parse_syllable("giếng").onset == "g" and parse_syllable("giếng").rhyme == "iêng"
    assert parse_syllable("quốc").onset == "qu"
    assert parse_syllable("Héi") is None


@pytest.mark.parametrize(
    ("token", "kind"),
    [
        ("Thư", "vietnamese"), ("Việt-Nam", "vietnamese"), ("IFLA-2014", "foreign"), ("22/", "foreign"),
        ("2014-2015", "foreign"), ("40%", "foreign"), ("BCH", "foreign"), ("UBND", "foreign"),
        ("HĐND", "foreign"), ("TP.", "foreign"), ("PGS.TS", "foreign"), ("II", "foreign"),
        ("Smith", "foreign"), ("library", "foreign"), ("IFLA", "foreign"),
        ("Héi", "invalid"), ("Th\u00ad", "invalid"), ("®·", "invalid"), ("viÖn", "invalid"),
        ("Hxội", "invalid"), ("qxzvbn", "invalid"), ("hElLo", "invalid"),
    ],
)  # fmt: skip
def test_classify_token(token, kind):
    assert classify_token(token) == kind


def test_split_tokens():
    assert split_tokens("“Hội nghị” - BCH, 22/ 5/ 2014… ®· xong.") == [
        "Hội", "nghị", "BCH", "22", "5", "2014", "®·", "xong",
    ]  # fmt: skip


# --- text quality ------------------------------------------------------------------------------


def garble(text: str, rate: float, seed: int) -> str:
    """Bad OCR: each non-space character substituted (by a letter of the text) or dropped
    with probability ``rate``."""
    rng = random.Random(seed)
    alphabet = sorted({c for c in text if c.isalpha()})
    out = []
    for char in text:
        if not char.isspace() and rng.random() < rate:
            if rng.random() < 0.5:
                out.append(rng.choice(alphabet))
            continue
        out.append(char)
    return "".join(out)


def test_quality_separates_clean_mojibake_and_bad_ocr():
    clean = text_quality(SEED)
    tcvn3 = text_quality(as_text_layer(encode_tcvn3(SEED)))
    vni = text_quality(as_text_layer(encode_vni(SEED)))
    ocr = [text_quality(garble(SEED, 0.3, seed)) for seed in range(5)]
    print(
        f"\nquality: clean {clean.score:.2f}, TCVN3 mojibake {tcvn3.score:.2f}, "
        f"VNI mojibake {vni.score:.2f}, OCR 30% garbled {[round(q.score, 2) for q in ocr]}"
    )
    assert clean.score > 0.9
    assert tcvn3.score < 0.5 and vni.score < 0.5
    for quality in ocr:
        assert quality.score < 0.75 and quality.score < clean.score - 0.25
    assert clean.tokens == clean.valid + clean.foreign  # every token of the seed passes


def test_quality_of_the_issue_examples():
    assert text_quality("Héi Th\u00ad viÖn ViÖt Nam").score < 0.5
    assert text_quality("Hội Thư viện Việt Nam").score == 1.0
    assert text_quality("Ngµy 22/ 5/ 2014").score < text_quality("Ngày 22/ 5/ 2014").score


def test_quality_grows_with_damage():
    scores = [text_quality(garble(SEED, rate, 3)).score for rate in (0.0, 0.05, 0.15, 0.3, 0.6)]
    assert scores == sorted(scores, reverse=True)


def test_quality_of_nothing():
    assert text_quality("") == text_quality(" - … ") == text_quality("\n")
    assert text_quality("").score == 0.0 and text_quality("").tokens == 0


# --- properties --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_text_quality_never_raises(text):
    quality = text_quality(text)
    assert 0.0 <= quality.score <= 1.0
    assert quality.valid + quality.foreign <= quality.tokens


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
def test_syllable_ok_never_raises(word):
    assert syllable_ok(word) in (True, False)
