"""Tests for pipelines.core.text.encodings: TCVN3, VNI, VIQR tables, detection, repair.

Legacy documents are made from known Unicode text with the module's own encoders (the
canonical seed, headings in capitals as a .VnTimeH font shows them), converted back, and
held to a character error rate under 2% — the uncorrected text's rate is printed beside it
(run pytest with -s to see the figures).
"""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from pipelines.core.read.textfile import decode_text
from pipelines.core.text.encodings import (
    TCVN3_TABLE,
    VNI_TABLE,
    as_text_layer,
    decode_legacy_bytes,
    detect,
    detect_encoding,
    encode_tcvn3,
    encode_viqr,
    encode_vni,
    parse_font_hint,
    repair,
    tcvn3_to_unicode,
    viqr_to_unicode,
    vni_to_unicode,
)
from pipelines.core.text.quality import split_tokens, syllable_ok

ROOT = Path(__file__).resolve().parents[2]
SEED = unicodedata.normalize("NFC", (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8"))
HEADING = "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II"
BODY = SEED.split(HEADING, 1)[1].lstrip("\n")
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

MAX_CER = 0.02

# The 67 small Vietnamese letters that carry a mark, and their capitals.
SMALL_LETTERS = "".join(VNI_TABLE)
ALL_LETTERS = SMALL_LETTERS + SMALL_LETTERS.upper()


def cer(hypothesis: str, reference: str) -> float:
    """Character error rate: edit distance over the reference length."""
    return Levenshtein.distance(hypothesis, reference) / max(1, len(reference))


def squeeze(text: str) -> str:
    """Whitespace made uniform (PDF extraction does not keep blank lines or indentation)."""
    return " ".join(text.split())


def report(label: str, legacy: str, repaired: str, reference: str) -> tuple[float, float]:
    before, after = cer(legacy, reference), cer(repaired, reference)
    print(f"\n{label}: CER uncorrected {before:.2%}, repaired {after:.2%}")
    return before, after


# --- tables ------------------------------------------------------------------------------------


def test_tables_are_complete():
    assert len(SMALL_LETTERS) == 67 and len(set(SMALL_LETTERS)) == 67
    # TCVN3: the 67 small letters and the 7 capitals Ă Â Ê Ô Ơ Ư Đ, one byte each.
    assert sorted(TCVN3_TABLE.values()) == sorted(SMALL_LETTERS + "ĂÂÊÔƠƯĐ")
    assert all(0xA1 <= byte <= 0xFE for byte in TCVN3_TABLE)
    assert TCVN3_TABLE[0xAD] == "ư"  # the soft hyphen position


def test_tcvn3_known_words():
    assert tcvn3_to_unicode("Héi Th\u00ad viÖn ViÖt Nam") == "Hội Thư viện Việt Nam"
    assert tcvn3_to_unicode("Ngµy 22/ 5/ 2014") == "Ngày 22/ 5/ 2014"
    assert tcvn3_to_unicode("§¹i häc Quèc gia Hµ Néi, ®­îc") == "Đại học Quốc gia Hà Nội, được"
    assert as_text_layer(encode_tcvn3("Hội Thư viện Việt Nam")) == "Héi Th\u00ad viÖn ViÖt Nam"


def test_vni_known_words():
    assert vni_to_unicode("Hoäi Thö vieän Vieät Nam") == "Hội Thư viện Việt Nam"
    assert vni_to_unicode("Xin chaøo caùc baïn") == "Xin chào các bạn"
    assert as_text_layer(encode_vni("Việt Nam")) == "Vieät Nam"


def test_vni_two_character_sequences_match_first():
    # "ô" alone is ơ, "oâ" is ô; "ôù" is ớ: the longest match wins.
    assert vni_to_unicode("Hôn") == "Hơn"
    assert vni_to_unicode("Thoâng") == "Thông"
    assert vni_to_unicode("môùi") == "mới"
    assert vni_to_unicode("ñöôïc") == "được"
    assert vni_to_unicode("NGÖÔØI VIEÄT") == "NGƯỜI VIỆT"
    # single-byte letters: ỉ ĩ ị ỵ
    assert vni_to_unicode("æ ó ò î") == "ỉ ĩ ị ỵ"


@pytest.mark.parametrize("letter", list(ALL_LETTERS))
def test_every_letter_round_trips(letter):
    assert vni_to_unicode(as_text_layer(encode_vni(letter))) == letter
    assert viqr_to_unicode(encode_viqr(letter)) == letter
    # TCVN3 has no capitals with a tone: they come back as capitals only with uppercase=True.
    tcvn3 = tcvn3_to_unicode(as_text_layer(encode_tcvn3(letter)), uppercase=letter.isupper())
    assert tcvn3 == letter


def test_encoders_refuse_what_they_cannot_hold():
    with pytest.raises(UnicodeEncodeError):
        encode_tcvn3("Müller")  # ü is 0xFC, which TCVN3 uses for ỹ
    assert encode_tcvn3("Müller", errors="replace") == b"M?ller"
    with pytest.raises(UnicodeEncodeError):
        encode_vni("Ø")  # 0xD8 is VNI's capital huyền mark
    # Windows-1252 punctuation passes through both ways.
    assert tcvn3_to_unicode(as_text_layer(encode_tcvn3("“Thư viện” – 2014"))) == "“Thư viện” – 2014"


# --- VIQR --------------------------------------------------------------------------------------


def test_viqr():
    assert viqr_to_unicode("Vie^.t Nam") == "Việt Nam"
    assert viqr_to_unicode("Ho^.i Thu+ vie^.n Vie^.t Nam.") == "Hội Thư viện Việt Nam."
    assert viqr_to_unicode("ddu+o+.c nghi..") == "được nghị."
    assert viqr_to_unicode("DDa^`u") == "Đầu"
    assert viqr_to_unicode("Ha\\. No^.i") == "Ha. Nội"  # an escaped mark stays literal
    assert encode_viqr("Hà.") == "Ha`."  # toned already: the period needs no escape
    assert encode_viqr("Ha.") == "Ha\\."


def test_viqr_is_detected_and_repaired():
    text = "Ho^.i nghi. la^`n thu+' 4 Ban Cha^'p ha`nh Ho^.i Thu+ vie^.n Vie^.t Nam"
    result = repair(text)
    assert result.encoding == "viqr"
    assert result.text == "Hội nghị lần thứ 4 Ban Chấp hành Hội Thư viện Việt Nam"


# --- the seed, encoded and repaired ------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "make"),
    [
        ("tcvn3", lambda text: as_text_layer(encode_tcvn3(text))),
        ("vni", lambda text: as_text_layer(encode_vni(text))),
        ("viqr", encode_viqr),
    ],
)
def test_seed_round_trip(encoding, make):
    legacy = make(SEED)
    result = repair(legacy)
    before, after = report(f"seed via {encoding}", legacy, result.text, SEED)
    assert result.encoding == encoding
    assert after < MAX_CER < before
    assert result.score > 0.95


def test_vntimeh_heading_needs_the_font_hint():
    legacy = as_text_layer(encode_tcvn3(HEADING, heading=True))
    assert legacy == "héi nghÞ lÇn thø 4 ban chÊp hµnh héi th\u00ad viÖn khãa ii"
    assert repair(legacy).text == HEADING.lower()  # nothing says it is a heading
    for result in (repair(legacy, font_hint="ABCDEF+.VnTimeH"), repair(legacy, uppercase=True)):
        report("heading (.VnTimeH)", legacy, result.text, HEADING)
        assert result.text == HEADING


def test_heading_typed_in_capitals_is_upper_cased_without_hint():
    # Capitals with a tone have no code: the typist used the small letter's code.
    legacy = as_text_layer(encode_tcvn3(HEADING))
    assert legacy.startswith("HéI NGHÞ LÇN THø")
    assert repair(legacy).text == HEADING


def test_font_hints():
    assert parse_font_hint(".VnTime") == ("tcvn3", False)
    assert parse_font_hint("ABCDEF+.VnTimeH") == ("tcvn3", True)
    assert parse_font_hint("VnTimeH,Bold") == ("tcvn3", True)
    assert parse_font_hint("#2EVnArial-Italic") == ("tcvn3", False)
    assert parse_font_hint("GHIJKL+VNI-Times") == ("vni", False)
    assert parse_font_hint("TimesNewRomanPSMT") is None
    assert parse_font_hint(None) is None


def test_font_hint_is_only_a_hint():
    # Text drawn in a .VnTime font but with a proper Unicode text layer stays as it is.
    assert repair(BODY, font_hint=".VnTime").text == BODY


# --- detection ---------------------------------------------------------------------------------


def test_detect_encoding_scores():
    assert detect_encoding(SEED)[0] == "unicode" and detect_encoding(SEED)[1] > 0.95
    for name, legacy in [
        ("tcvn3", as_text_layer(encode_tcvn3(SEED))),
        ("vni", as_text_layer(encode_vni(SEED))),
        ("viqr", encode_viqr(SEED)),
    ]:
        encoding, score = detect_encoding(legacy)
        assert (encoding, score > 0.95) == (name, True)
        (span,) = detect(legacy)
        assert span.encoding == name and span.margin > 0.5 and span.tokens > 100


def test_mixed_page_is_repaired_per_span():
    """A converted Unicode body under a heading left in TCVN3."""
    heading = as_text_layer(encode_tcvn3(HEADING))
    page = heading + "\n\n" + BODY
    spans = detect(page)
    assert [d.encoding for d in spans] == ["tcvn3", "unicode"]
    # The spans cover the page; the blank line after the heading belongs to the heading's.
    assert [d.span for d in spans] == [(0, len(heading) + 2), (len(heading) + 2, len(page))]
    result = repair(page)
    assert result.text == HEADING + "\n\n" + BODY
    (change,) = result.changes
    assert change.kind == "convert" and change.encoding == "tcvn3"
    assert change.before.strip() == heading and change.after.strip() == HEADING
    # And the other way round: a Unicode heading over a TCVN3 body.
    page = HEADING + "\n" + as_text_layer(encode_tcvn3(BODY))
    assert [d.encoding for d in detect(page)] == ["unicode", "tcvn3"]
    assert repair(page).text == HEADING + "\n" + BODY


def test_mixed_line_vni_body_and_unicode_names():
    page = "Hội Thư viện Việt Nam\n" + as_text_layer(encode_vni("Ngày 22/ 5/ 2014, tại Viện Thông tin"))
    assert repair(page).text == "Hội Thư viện Việt Nam\nNgày 22/ 5/ 2014, tại Viện Thông tin"


def test_clean_unicode_is_unchanged():
    result = repair(SEED)
    assert result.text == SEED and result.changes == [] and result.encoding == "unicode"


# --- the lost 'ư' ------------------------------------------------------------------------------


def test_lost_letter_is_restored_and_recorded():
    result = repair("Héi Th viÖn ViÖt Nam")
    assert result.text == "Hội Thư viện Việt Nam"
    restore = [c for c in result.changes if c.kind == "restore"]
    assert len(restore) == 1
    (change,) = restore
    assert (change.before, change.after, change.encoding) == ("Th", "Thư", "tcvn3")
    assert (change.start, change.end) == (4, 6)  # "Th" in the input
    assert "only completion" in change.note


def test_lost_letter_in_the_middle_of_a_word():
    # tr­êng -> "trêng" (trờng, not a syllable) -> trường; ®­îc -> "®îc" -> được
    assert repair("Tr\u00eang ®îc").text == "Trường được"


def test_ambiguous_lost_letter_is_left_alone():
    # "ng" could be "ngư" or "ưng": two valid completions, neither frequent enough to choose.
    result = repair("Héi ng viÖn")
    assert result.text == "Hội ng viện"
    assert not [c for c in result.changes if c.kind == "restore"]
    # A valid frequent word is never "completed": "cha" stays "cha" (not "chưa").
    assert repair("cha mÑ cña héi viªn").text == "cha mẹ của hội viên"


def test_seed_with_every_soft_hyphen_lost():
    legacy = as_text_layer(encode_tcvn3(SEED)).replace("\u00ad", "")
    result = repair(legacy)
    report("seed via tcvn3, every 0xAD lost", legacy, result.text, SEED)
    assert cer(result.text, SEED) < MAX_CER
    restores = [c for c in result.changes if c.kind == "restore"]
    assert len(restores) > 20
    assert all(c.after.replace("ư", "").replace("Ư", "") == c.before for c in restores)


def test_lost_letter_in_a_vntimeh_heading():
    legacy = as_text_layer(encode_tcvn3(HEADING, heading=True)).replace("\u00ad", "")
    assert "th vi" in legacy
    result = repair(legacy, font_hint=".VnTimeH")
    assert result.text == HEADING
    (restore,) = [c for c in result.changes if c.kind == "restore"]
    assert (restore.before, restore.after) == ("th", "THƯ")


def test_second_pass_completes_valid_words_once_a_loss_is_proven():
    # "ngêi" reads "ngời" (a valid syllable) after the soft hyphen was lost; the text lost
    # one elsewhere ("Th"), so the frequent "người" is restored.
    assert repair("Th viÖn phôc vô ngêi ®äc").text == "Thư viện phục vụ người đọc"
    # With a surviving soft hyphen the loss is not general: "ngời" stays.
    assert repair("Th\u00ad viÖn phôc vô ngêi ®äc").text == "Thư viện phục vụ ngời đọc"


# --- PDF text layers ---------------------------------------------------------------------------


def _legacy_pdf(path: Path, lines: list[str], *, flow: bool = False) -> Path:
    """A PDF whose text layer carries the legacy code points of ``lines``.

    ``flow=False`` draws each string with ``pdf.text`` (U+00AD stays in the text layer);
    ``flow=True`` lays it out with ``multi_cell``, which treats U+00AD as a soft hyphen the
    way word processors do, and drops it.
    """
    pdf = FPDF(orientation="landscape")
    pdf.add_font("dejavu", "", str(FONT))
    pdf.set_font("dejavu", size=8)
    pdf.add_page()
    y = 15.0
    for line in lines:
        if flow:
            pdf.set_xy(10, y)
            pdf.multi_cell(w=270, h=5, text=line)
            y = pdf.get_y() + 1
        else:
            pdf.text(10, y, line)
            y += 5
    pdf.output(str(path))
    return path


def _extract(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


needs_font = pytest.mark.skipif(not FONT.is_file(), reason=f"{FONT} is not installed")


@needs_font
def test_tcvn3_pdf_keeps_the_soft_hyphen_and_repairs(tmp_path):
    lines = [as_text_layer(encode_tcvn3(line)) for line in SEED.split("\n") if line.strip()]
    extracted = _extract(_legacy_pdf(tmp_path / "tcvn3.pdf", lines))
    # What survives pdfplumber: every code point of the text layer, U+00AD included.
    assert "\u00ad" in extracted
    assert extracted.count("\u00ad") == sum(line.count("\u00ad") for line in lines)
    assert "Héi Th\u00ad viÖn ViÖt Nam" in extracted
    result = repair(extracted)
    before, after = report("TCVN3 PDF (pdf.text)", squeeze(extracted), squeeze(result.text), squeeze(SEED))
    assert after < MAX_CER < before
    assert result.encoding == "tcvn3"


@needs_font
def test_tcvn3_pdf_laid_out_loses_the_soft_hyphen_and_repair_restores_it(tmp_path):
    lines = [as_text_layer(encode_tcvn3(line)) for line in SEED.split("\n") if line.strip()]
    extracted = _extract(_legacy_pdf(tmp_path / "flow.pdf", lines, flow=True))
    assert "\u00ad" not in extracted  # the layout engine took it for a soft hyphen
    assert "Héi Th viÖn ViÖt Nam" in extracted
    result = repair(extracted)
    before, after = report("TCVN3 PDF (multi_cell, 0xAD lost)", squeeze(extracted), squeeze(result.text), squeeze(SEED))
    assert after < MAX_CER < before
    assert any(c.kind == "restore" and c.after == "Thư" for c in result.changes)


@needs_font
def test_vnitimeh_heading_and_unicode_body_in_one_pdf(tmp_path):
    heading = as_text_layer(encode_tcvn3(HEADING))  # capitals typed with small-letter codes
    body = [line for line in BODY.split("\n") if line.strip()]
    extracted = _extract(_legacy_pdf(tmp_path / "mixed.pdf", [heading, *body]))
    spans = detect(extracted)
    assert [d.encoding for d in spans] == ["tcvn3", "unicode"]
    result = repair(extracted)
    assert result.text.split("\n")[0] == HEADING
    assert result.text.split("\n")[1:] == extracted.split("\n")[1:]  # body untouched


@needs_font
def test_vni_pdf_repairs(tmp_path):
    lines = [as_text_layer(encode_vni(line)) for line in SEED.split("\n") if line.strip()]
    extracted = _extract(_legacy_pdf(tmp_path / "vni.pdf", lines))
    result = repair(extracted, font_hint="ABCDEF+VNI-Times")
    before, after = report("VNI PDF", squeeze(extracted), squeeze(result.text), squeeze(SEED))
    assert after < MAX_CER < before


# --- .txt files --------------------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "encode"), [("tcvn3", encode_tcvn3), ("vni", encode_vni)])
def test_legacy_txt_files(encoding, encode):
    data = encode(SEED)
    assert decode_legacy_bytes(data) == (SEED, encoding)
    assert decode_text(data) == (SEED, encoding)


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_form(char: str) -> str:
    """A letter as code page 1258 writes it: vowel marks composed, the tone mark apart."""
    decomposed = unicodedata.normalize("NFD", char)
    rest = "".join(c for c in decomposed if c not in TONE_MARKS)
    return unicodedata.normalize("NFC", rest) + "".join(c for c in decomposed if c in TONE_MARKS)


def test_txt_files_that_are_not_legacy():
    assert decode_legacy_bytes(SEED.encode("utf-8")) is None
    assert decode_legacy_bytes(b"Hoi Thu vien Viet Nam") is None
    assert decode_legacy_bytes(b"") is None
    assert decode_legacy_bytes(as_text_layer(encode_tcvn3("Hội")).encode("latin-1")) is None  # too little
    # Windows-1258 Vietnamese (tone marks as combining characters) is not mistaken for TCVN3.
    cp1258 = "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội"
    windows = "".join(map(cp1258_form, cp1258)).encode("cp1258")
    assert decode_legacy_bytes(windows) is None
    assert decode_text(windows) == (cp1258, "windows-1258")


# --- properties --------------------------------------------------------------------------------

VIETNAMESE_WORDS = sorted({t for t in split_tokens(SEED) if syllable_ok(t)})
PUNCTUATION = [",", ".", ":", ";", "BCH", "2014", "“Hội", "nghị”", "(Hà", "Nội)"]
clean_vietnamese = st.lists(
    st.tuples(st.sampled_from(VIETNAMESE_WORDS + PUNCTUATION), st.sampled_from([" ", " ", "\n", ", "])),
    min_size=1,
    max_size=60,
).map(lambda pairs: "".join(word + sep for word, sep in pairs).strip())


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_repair_never_raises(text):
    result = repair(text)
    assert unicodedata.is_normalized("NFC", result.text)
    assert result.encoding in {"unicode", "tcvn3", "vni", "viqr"}
    assert 0.0 <= result.score <= 1.0


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=300))
def test_repair_never_raises_on_latin1_text_layers(text):
    repair(text)
    repair(text, font_hint=".VnTimeH")
    detect(text, font_hint="VNI-Times")


@settings(max_examples=150, deadline=None)
@given(clean_vietnamese)
def test_repair_leaves_clean_vietnamese_unchanged(text):
    result = repair(text)
    assert result.text == text
    assert result.changes == []


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=ALL_LETTERS + "abcdeghiklmnopqrstuvxy ,.\n", max_size=200))
def test_vni_round_trip(text):
    assert vni_to_unicode(as_text_layer(encode_vni(text))) == text


# Words of at most one tone each (VIQR reads a second tone character in a word as
# punctuation), followed by characters that are also VIQR marks.
viqr_words = st.lists(
    st.tuples(
        st.sampled_from(VIETNAMESE_WORDS + list(ALL_LETTERS) + ["Nam", "BCH", "Ha"]),
        st.sampled_from([" ", ". ", "? ", "' ", "(", "^ ", "+", ".\n", "..", "?"]),
    ),
    max_size=40,
).map(lambda pairs: "".join(word + sep for word, sep in pairs))


@settings(max_examples=150, deadline=None)
@given(viqr_words)
def test_viqr_round_trip(text):
    assert viqr_to_unicode(encode_viqr(text)) == text


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=SMALL_LETTERS + "abcdefghiklmnopqrstuvxy ,.\n", max_size=200))
def test_tcvn3_round_trip(text):
    assert tcvn3_to_unicode(as_text_layer(encode_tcvn3(text)), uppercase=False) == text


def test_random_bytes_are_not_legacy():
    rng = random.Random(1)
    for _ in range(200):
        data = bytes(rng.randrange(0x20, 0x100) for _ in range(rng.randrange(1, 400)))
        assert decode_legacy_bytes(data) is None
