"""Tests for pipelines.core.text.normalize: Unicode clean-up and paragraph rebuilding."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.core.text.normalize import (
    join_lines,
    normalize_text,
    to_paragraphs,
)

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED_FILE = SHARED / "seeds" / "000_67f4d1abc44ae8ef.txt"

# The canonical seed, byte for byte: the project's copy (scripts/seed_2014_05.txt) of the shared
# seed file. Hard line breaks mid-sentence, no-break spaces, lines of spaces where photos stood,
# a line starting with a stray space, and the byline right after the last sentence.
SEED = (Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")

EXPECTED_PARAGRAPHS = [
    "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II",
    "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam"
    " đã tổ chức Hội nghị mở rộng lần thứ 4. Hơn 40 đại biểu là ủy viên BCH và đại diện một số"
    " chi hội tiêu biểu về tham dự hội nghị.",
    "Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013 và triển khai công tác"
    " năm 2014-2015. Báo cáo đã nêu rõ đường hướng về những nội dung hoạt động cơ bản của một"
    " xã hội nghề nghiệp. Trong năm qua, Lãnh đạo Hội đã tập trung xây dựng các văn bản pháp"
    " lý, tăng cường tuyên truyền vận động, tập trung cho mục tiêu trọng tâm: nhanh chóng kiện"
    " toàn tổ chức cơ sở. Để nâng cao tính hấp dẫn thu hút đông đảo cá nhân và tập thể tham"
    " gia, Hội đã tích cực đổi mới hoạt động, tăng cường chăm lo và bảo vệ quyền lợi cho hội"
    " viên; Phát huy vị trí “một tổ chức xã hội nghề nghiệp”, các Liên chi hội, Liên hiệp và"
    " Chi hội đã chủ động, sáng tạo nhiều hoạt động góp phần nâng cao chất lượng chuyên môn;"
    " Công tác hợp tác quốc tế tiếp tục được duy trì, tiếp tục nâng cao uy tín ngành Thư viện"
    " và Hội Thư viện Việt Nam. Vai trò đoàn kết, năng động, trách nhiệm và tinh thần tận tụy,"
    " nhiệt tình của Ban Thường vụ, đặc biệt của Thường trực tiếp tục được phát huy mạnh mẽ và"
    " hiệu quả tốt trong lãnh đạo Hội.",
    "Hội nghị nhất trí xác định phương hướng, nhiệm vụ năm 2014 và 2015 của Hội Thư viện là:"
    " Tiếp tục tăng cường tuyên truyền, vận động đông đảo cá nhân và tập thể gia nhập Hội."
    " Đẩy mạnh kiện toàn tổ chức hội từ cơ sở tới Trung ương. Đổi mới mạnh mẽ hơn nữa hoạt"
    " động, nâng cao tính hấp dẫn, thiết thực và mang đậm màu sắc hoạt động Hội. Đặc biệt"
    " quan tâm các hoạt động bảo vệ quyền lợi tinh thần và vật chất cho cán bộ thư viện. Phối"
    " hợp chặt chẽ với các cơ quan quản lý và chỉ đạo chuyên môn, động viên hội viên cả nước"
    " thực hiện xuất sắc phương hướng, mục tiêu xây dựng ngành thư viện vững mạnh. Chủ động"
    " tham gia hoạt động hợp tác quốc tế, nâng cao vị thế của Hội trong các tổ chức thư viện"
    " khu vực và thế giới. Phát huy mạnh mẽ thế mạnh của ngành, tăng cường nhiều hoạt động"
    " tuyên truyền, giáo dục, khơi dậy lòng yêu nước, bảo vệ Tổ quốc của nhân dân.",
    "Để thực hiện tốt các mục tiêu trên, BCH đề nghị các thành viên BCH Trung ương Hội, BCH"
    " các Liên Chi hội, Chi hội và lãnh đạo các thư viện cần nêu cao tinh thần trách nhiệm,"
    " chủ động hoàn thành trách nhiệm, đi đầu thực hiện ngay tại đơn vị mình các chủ trương,"
    " nhiệm vụ và kế hoạch mà hội nghị BCH Hội Thư viện lần thứ 4 đã thống nhất. Căn cứ nhiệm"
    " vụ đó, Thường trực Hội có trách nhiệm phân công cá nhân phụ trách, tăng cường công tác"
    " kiểm tra, thông tin, tổng kết kịp thời.",
    "Sau Hội nghị, các đại biểu đã tới tham quan, học tập kinh nghiệm tại Thư viện Viện Thông"
    " tin Khoa học Xã hội và Thư viện tỉnh Quảng Ninh.",
    "Tin, ảnh: Hồng Vân",
]


# --- the canonical seed ---------------------------------------------------------------------


def test_seed_has_the_traps_it_is_meant_to_have():
    """Guard for the inline copy: the features the paragraph rules are tested against."""
    assert "\u00a0" in SEED
    assert "\n  \n" in SEED  # a line of spaces where a photo stood
    assert "\n mạnh kiện toàn" in SEED  # stray leading space
    assert "Quảng Ninh.\n Tin, ảnh: Hồng Vân" in SEED  # byline without a blank line


def test_seed_paragraphs():
    paragraphs = to_paragraphs(SEED)
    assert paragraphs == EXPECTED_PARAGRAPHS
    assert len(paragraphs) == 7


def test_seed_file_paragraphs():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a clone outside the workplace): seed file not available")
    if not SEED_FILE.is_file():
        pytest.skip(f"seed file {SEED_FILE} is absent")
    text = SEED_FILE.read_text(encoding="utf-8")
    assert text == SEED, "scripts/seed_2014_05.txt no longer matches the shared seed file"
    assert to_paragraphs(text) == EXPECTED_PARAGRAPHS


def test_seed_from_windows_line_endings_and_nfd():
    """The same seed saved on Windows (CR LF) from a decomposed source gives the same result."""
    mangled = unicodedata.normalize("NFD", SEED).replace("\n", "\r\n")
    assert to_paragraphs(mangled) == EXPECTED_PARAGRAPHS


# --- normalize_text ---------------------------------------------------------------------------


def test_nfd_becomes_nfc():
    decomposed = unicodedata.normalize("NFD", "Hội Thư viện Việt Nam")
    assert decomposed != "Hội Thư viện Việt Nam"
    assert normalize_text(decomposed) == "Hội Thư viện Việt Nam"


def test_windows_1258_style_decomposition_becomes_nfc():
    # Windows-1258 keeps vowel marks precomposed (ô, ê) and writes tone marks separately.
    assert normalize_text("Hô\u0323i Thư viê\u0323n") == "Hội Thư viện"


@pytest.mark.parametrize("space", ["\u00a0", "\u202f", "\u2007", "\u2009", "\u3000", "\u2000"])
def test_unicode_spaces_become_one_space(space):
    assert normalize_text(f"lần thứ 4.{space}{space}Hơn 40") == "lần thứ 4. Hơn 40"


@pytest.mark.parametrize("zero_width", ["\u200b", "\u200c", "\u200d", "\ufeff", "\u2060"])
def test_zero_width_characters_removed(zero_width):
    assert normalize_text(f"{zero_width}Thư{zero_width} viện") == "Thư viện"


def test_removing_zero_width_lets_a_tone_mark_compose():
    assert normalize_text("e\u200b\u0301") == "é"


def test_control_characters_removed_but_newline_and_tab_kept_as_whitespace():
    assert normalize_text("a\x00b\x07c\x1bd\x7fe\x85f") == "abcdef"
    assert normalize_text("cột 1\tcột 2") == "cột 1 cột 2"  # a tab is a run of spaces/tabs


def test_form_feed_between_pages_is_removed_so_lines_can_join():
    text = normalize_text("đại biểu\n\fvề tham dự")
    assert text == "đại biểu\nvề tham dự"
    assert to_paragraphs("đại biểu\n\fvề tham dự") == ["đại biểu về tham dự"]


def test_line_endings():
    assert normalize_text("a\r\nb\rc\nd\u2028e") == "a\nb\nc\nd\ne"
    assert normalize_text("a\r\r\nb") == "a\n\nb"


def test_space_runs_collapsed_and_trailing_spaces_stripped():
    text = "Hội  nghị \t mở rộng   \n  \n\u00a0\u00a0 \n  mạnh kiện toàn \u00a0"
    assert normalize_text(text) == "Hội nghị mở rộng\n\n\n mạnh kiện toàn"


def test_blank_lines_are_kept():
    assert normalize_text("a\n\n\nb\n") == "a\n\n\nb\n"


def test_soft_hyphen_is_kept():
    # Needed intact by the later legacy-encoding (TCVN3/VNI) repair.
    assert normalize_text("th\u00adư vi\u00ad\u00adện") == "th\u00adư vi\u00ad\u00adện"


def test_empty():
    assert normalize_text("") == ""


@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(
    "\r\n\t \u00a0\u202f\u2007\u200b\u200d\ufeff\u00ad\u0300\u0301\u0303\u0309\u0323aoêư"
)))
def test_normalize_text_output_is_clean(text):
    out = normalize_text(text)
    assert unicodedata.is_normalized("NFC", out)
    assert "\r" not in out and "\t" not in out and "  " not in out
    assert not any(c in out for c in "\u00a0\u202f\u2007\u200b\u200c\u200d\ufeff\u2060")
    assert all(line == line.rstrip(" ") for line in out.split("\n"))
    assert all(c == "\n" or unicodedata.category(c) != "Cc" for c in out)
    assert out.count("\u00ad") == text.count("\u00ad")


def _every_step(text: str) -> str:
    """normalize_text with every substitution run whatever the text holds."""
    from pipelines.core.text import normalize

    text = normalize._LINE_BREAK.sub("\n", text).translate(normalize._TRANSLATION)
    text = normalize._SPACE_RUN.sub(" ", unicodedata.normalize("NFC", text))
    return normalize._TRAILING_SPACE.sub("", text)


def test_every_character_the_translation_changes_is_searched_for():
    import sys

    from pipelines.core.text import normalize

    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if normalize._translate_char(char) != char:
            assert normalize._TRANSLATED.match(char), hex(code)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(
    "\r\n\t \u00a0\u2028\u2029\u200b\u0301aê"
)))
def test_normalize_text_skips_only_substitutions_that_change_nothing(text):
    assert normalize_text(text) == _every_step(text)


# --- join_lines and to_paragraphs ---------------------------------------------------------

BODY = "Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013 và triển khai"  # 78


def test_blank_and_whitespace_only_lines_separate_paragraphs():
    assert join_lines(["một", "hai", "", "ba", "   ", "bốn", "\u00a0 ", "năm"]) == [
        "một hai",
        "ba",
        "bốn",
        "năm",
    ]


def test_leading_indentation_dropped():
    assert join_lines(["    Đoạn một", "\ttiếp theo", " cuối."]) == ["Đoạn một tiếp theo cuối."]


def test_heading_stands_alone_even_without_blank_lines():
    lines = ["HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II", BODY, BODY, "I. MỞ ĐẦU", BODY]
    assert join_lines(lines) == [lines[0], f"{BODY} {BODY}", "I. MỞ ĐẦU", BODY]


def test_abbreviations_in_body_text_are_not_headings():
    lines = ["đại diện BCH và UBND", "tỉnh Quảng Ninh đã dự."]
    assert join_lines(lines) == ["đại diện BCH và UBND tỉnh Quảng Ninh đã dự."]


@pytest.mark.parametrize(
    "byline",
    [
        "Tin, ảnh: Hồng Vân",
        "Tin: Minh Thu",
        "Ảnh: Nguyễn Văn An",
        "Bài và ảnh: Lê Thị Hoa",
        "Bài, ảnh: Trần Bình",
        "Tin - ảnh: Hồng Vân",
        "TIN, ẢNH: HỒNG VÂN",
        "(Tin, ảnh: Hồng Vân)",
    ],
)
def test_byline_stands_alone(byline):
    lines = [BODY, "tỉnh Quảng Ninh.", f" {byline}   "]
    assert join_lines(lines) == [f"{BODY} tỉnh Quảng Ninh.", byline]
    assert join_lines([BODY, byline, BODY]) == [BODY, byline, BODY]


def test_long_sentence_starting_like_a_byline_is_body_text():
    line = "Tin: Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013 và"
    assert join_lines([line, "triển khai công tác."]) == [f"{line} triển khai công tác."]


def test_short_line_with_sentence_punctuation_ends_a_paragraph():
    lines = [BODY, BODY, "năm 2014.", BODY, "kết thúc!"]
    assert join_lines(lines) == [f"{BODY} {BODY} năm 2014.", f"{BODY} kết thúc!"]


@pytest.mark.parametrize("end", [".", "!", "?", ":", "…", "”", '"'])
def test_each_sentence_end(end):
    assert join_lines([BODY, f"ngắn{end}", BODY]) == [f"{BODY} ngắn{end}", BODY]


def test_full_length_line_with_sentence_punctuation_does_not_end_a_paragraph():
    full = BODY[:-4] + "là:"  # as long as the others: the column simply ended there
    assert join_lines([BODY, full, BODY]) == [f"{BODY} {full} {BODY}"]


def test_short_line_without_punctuation_does_not_end_a_paragraph():
    assert join_lines([BODY, "ngắn", BODY]) == [f"{BODY} ngắn {BODY}"]


def test_unwrapped_text_one_paragraph_per_line():
    long_a = "Hội nghị đã thông qua. " * 12
    long_b = "Báo cáo đã nêu rõ đường hướng, " * 9
    assert join_lines([long_a, long_b]) == [long_a.strip(), long_b.strip()]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("triển khai năm 2014-", "2015 và", "triển khai năm 2014-2015 và"),
        ("ngành thư-", "viện", "ngành thư-viện"),  # "thư" is a whole syllable: keep
        ("chủ nghĩa Mác-", "Lênin", "chủ nghĩa Mác-Lênin"),
        ("the infor-", "mation age", "the information age"),  # not Vietnamese: rejoin
        ("a docu-", "ment", "a document"),
        ("hệ thống com-", "puter", "hệ thống com-puter"),  # "com" looks Vietnamese: keep
        ("the inter-", "Net", "the inter-Net"),  # next piece not lower-case: keep
        ("x-", "ray", "x-ray"),  # one letter before the hyphen: keep
        ("Hà Nội -", "Huế", "Hà Nội - Huế"),  # a dash between words, not a split word
        ("Hà Nội –", "Huế", "Hà Nội – Huế"),
    ],
)
def test_hyphen_at_line_end(first, second, joined):
    assert join_lines([first, second]) == [joined]


def test_empty_inputs():
    assert join_lines([]) == []
    assert join_lines(["", "  ", "\u00a0"]) == []
    assert to_paragraphs("") == []
    assert to_paragraphs("\n \n\u00a0\u00a0\n") == []


def test_to_paragraphs_normalizes():
    assert to_paragraphs("Hô\u0323i  nghi\u0323\u00a0mở\r\nrộng.") == ["Hội nghị mở rộng."]


@given(st.text())
def test_to_paragraphs_never_raises_and_gives_clean_paragraphs(text):
    for paragraph in to_paragraphs(text):
        assert paragraph and paragraph == paragraph.strip()
        assert "\n" not in paragraph


@given(st.lists(st.text(alphabet=st.characters(blacklist_characters="-"))))
def test_join_lines_keeps_every_visible_character(lines):
    """Without hyphens, joining only adds or drops whitespace."""
    visible = "".join("".join(line.split()) for line in lines)
    assert "".join("".join(p.split()) for p in join_lines(lines)) == visible
