"""Legacy-encoding detection is skipped on a page that cannot be legacy: the shortcut must give
exactly what the full detection gives, on legacy text (VIQR is plain ASCII!), on Unicode text
and on anything in between."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.models import Line
from pipelines.core.text import encodings, lines as lines_module
from pipelines.core.text.encodings import as_text_layer, encode_tcvn3, encode_viqr, encode_vni, plainly_unicode
from pipelines.core.text.lines import repair_lines

ROOT = Path(__file__).resolve().parents[2]
SEED = unicodedata.normalize("NFC", (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8"))
SEED_LINES = [line for line in SEED.split("\n") if line.strip()]


def full_repair(lines: list[Line], monkeypatch) -> tuple:
    with monkeypatch.context() as patch:
        patch.setattr(lines_module, "plainly_unicode", lambda text: False)
        return repair_lines(lines)


def both(lines: list[Line], monkeypatch) -> tuple[tuple, tuple]:
    return repair_lines(lines), full_repair(lines, monkeypatch)


def as_lines(texts: list[str], font: str | None = "DejaVuSerif") -> list[Line]:
    return [Line(text=t, size=10.0, bold=False, top=12.0 * k, font=font) for k, t in enumerate(texts)]


LEGACY = {
    "tcvn3": lambda text: as_text_layer(encode_tcvn3(text)),
    "vni": lambda text: as_text_layer(encode_vni(text)),
    "viqr": encode_viqr,
}


@pytest.mark.parametrize("encoding", sorted(LEGACY))
def test_legacy_pages_are_never_skipped(encoding, monkeypatch):
    texts = [LEGACY[encoding](line) for line in SEED_LINES[:40]]
    assert not plainly_unicode("\n".join(texts))
    fast, full = both(as_lines(texts), monkeypatch)
    assert fast == full
    assert fast[1] == encoding


def test_viqr_is_plain_ascii_and_still_detected(monkeypatch):
    text = "Ho^.i nghi. la^`n thu+' 4 Ban Cha^'p ha`nh Ho^.i Thu+ vie^.n Vie^.t Nam"
    assert text.isascii() and not plainly_unicode(text)
    fast, full = both(as_lines([text]), monkeypatch)
    assert fast == full and fast[1] == "viqr"


def test_a_legacy_font_is_never_skipped(monkeypatch):
    texts = SEED_LINES[:10]
    fast, full = both(as_lines(texts, font="ABCDEF+.VnTime"), monkeypatch)
    assert fast == full


def test_unicode_pages_are_skipped_with_the_same_result(monkeypatch):
    texts = SEED_LINES
    assert plainly_unicode("\n".join(texts))
    fast, full = both(as_lines(texts), monkeypatch)
    assert fast == full and fast[1] is None and fast[2] == []


def test_mixed_pages(monkeypatch):
    heading = as_text_layer(encode_tcvn3("HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH"))
    for texts in ([heading, *SEED_LINES[5:15]], [*SEED_LINES[5:15], encode_viqr(SEED_LINES[3])],
                  ["Is there no information? What's new: a', e^, d-? (cost 10.5.)", "Hà Nội, 2014"]):
        fast, full = both(as_lines(texts), monkeypatch)
        assert fast == full


_POOL = ("abcdefghijklmnopqrstuvwxyzAĐDHT0123456789 .,:;?!'`~^+-()\\\n"
         "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
         "¸µ¶·¹¨»¾¼½Æ©ÇÊÈÉËÐÌÎÏÑÒÓÔÕÖ×ØÞÝÛÜß®øõöôóò\u00ad")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_POOL, max_size=40), min_size=1, max_size=6))
def test_any_text_gives_what_the_full_detection_gives(texts):
    lines = as_lines(texts)
    fast = repair_lines(lines)
    original = lines_module.plainly_unicode
    lines_module.plainly_unicode = lambda text: False
    try:
        full = repair_lines(lines)
    finally:
        lines_module.plainly_unicode = original
    assert fast == full


def test_the_costs_the_shortcut_relies_on():
    # an invalid Unicode reading must cost less than an invalid or impossible other one
    assert 0 < encodings._COST_NOT_PREFERRED <= encodings._COST_AGAINST_HINT
    assert encodings._COST_INVALID < encodings._COST_IMPOSSIBLE
    assert encodings._COST_SWITCH_AT_LINE >= 0 and encodings._COST_SWITCH_IN_LINE >= 0
