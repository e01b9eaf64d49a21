"""Tests for pipelines.core.people: the byline closing an article."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.people import Byline, find_byline

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_FILE = SEEDS / "000_67f4d1abc44ae8ef.txt"

# The seed's ending as in the file: the byline on the line right after the last sentence,
# with a leading space, trailing spaces and a last line of one space.
SEED_ENDING = (
    "Sau Hội nghị, các đại biểu đã tới tham quan, học tập kinh nghiệm tại Thư viện Viện Thông tin\n"
    "Khoa học Xã hội và Thư viện tỉnh Quảng Ninh.\n"
    " Tin, ảnh: Hồng Vân    \n"
    " "
)
# The same after paragraph reconstruction.
SEED_ENDING_PARAGRAPHS = (
    "Sau Hội nghị, các đại biểu đã tới tham quan, học tập kinh nghiệm tại Thư viện Viện Thông"
    " tin Khoa học Xã hội và Thư viện tỉnh Quảng Ninh.\n\nTin, ảnh: Hồng Vân"
)

BODY = "Hội nghị đã thông qua Báo cáo đánh giá về hoạt động Hội năm 2013.\n"


def _check(body: str, byline: Byline | None, names, role, text) -> None:
    assert byline is not None
    assert (byline.names, byline.role, byline.text) == (names, role, text)
    assert body[byline.span[0] : byline.span[1]] == byline.text


@pytest.mark.parametrize(
    "body",
    [
        SEED_ENDING,
        SEED_ENDING_PARAGRAPHS,
        SEED_ENDING.replace("\n", " "),  # everything joined into one line
        SEED_ENDING.replace(" Tin", "\u00a0Tin").replace("    \n", "\u00a0\u00a0\n"),  # no-break spaces
    ],
    ids=["raw-lines", "paragraphs", "one-line", "nbsp"],
)
def test_seed_byline(body):
    _check(body, find_byline(body), ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân")


def test_seed_file():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent (a clone outside the workplace): the seed file cannot be read")
    if not SEED_FILE.is_file():
        pytest.skip(f"seed file {SEED_FILE} is absent")
    body = SEED_FILE.read_text(encoding="utf-8")
    _check(body, find_byline(body), ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân")


@pytest.mark.parametrize(
    "last_lines, names, role, text",
    [
        # labelled credits
        ("Tin, ảnh: Hồng Vân", ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân"),
        ("Tin và ảnh: Hồng Vân", ["Hồng Vân"], "text+photo", "Tin và ảnh: Hồng Vân"),
        ("Bài và ảnh: Nguyễn Thị Lan", ["Nguyễn Thị Lan"], "text+photo", "Bài và ảnh: Nguyễn Thị Lan"),
        ("Bài, ảnh: Nguyễn Thị Lan.", ["Nguyễn Thị Lan"], "text+photo", "Bài, ảnh: Nguyễn Thị Lan"),
        ("Tin - ảnh: Minh Hà", ["Minh Hà"], "text+photo", "Tin - ảnh: Minh Hà"),
        ("TIN, ẢNH: HỒNG VÂN", ["HỒNG VÂN"], "text+photo", "TIN, ẢNH: HỒNG VÂN"),
        ("Tin: Minh Hà - Thu Trang", ["Minh Hà", "Thu Trang"], "text", "Tin: Minh Hà - Thu Trang"),
        ("Tin: Minh Hà – Thu Trang", ["Minh Hà", "Thu Trang"], "text", "Tin: Minh Hà – Thu Trang"),
        ("Bài: Minh Hà, Thu Trang; Lan Anh", ["Minh Hà", "Thu Trang", "Lan Anh"], "text", "Bài: Minh Hà, Thu Trang; Lan Anh"),
        ("Tin bài: Minh Hà và Thu Trang", ["Minh Hà", "Thu Trang"], "text", "Tin bài: Minh Hà và Thu Trang"),
        ("Bài viết: PGS.TS. Nguyễn Văn A", ["Nguyễn Văn A"], "text", "Bài viết: PGS.TS. Nguyễn Văn A"),
        ("Ảnh: Thu Trang", ["Thu Trang"], "photo", "Ảnh: Thu Trang"),
        ("Tin: PV", ["PV"], "text", "Tin: PV"),
        ("Tin: T.H", ["T.H"], "text", "Tin: T.H"),
        (
            "Tin: Nguyễn Văn A (Thư viện tỉnh Quảng Ninh)",
            ["Nguyễn Văn A"],
            "text",
            "Tin: Nguyễn Văn A (Thư viện tỉnh Quảng Ninh)",
        ),
        (
            "Bài: Nguyễn Văn A (Thư viện tỉnh Quảng Ninh, Việt Nam), Trần Thị B (Thư viện Hà Nội)",
            ["Nguyễn Văn A", "Trần Thị B"],
            "text",
            "Bài: Nguyễn Văn A (Thư viện tỉnh Quảng Ninh, Việt Nam), Trần Thị B (Thư viện Hà Nội)",
        ),
        ("Tin: Hồng Vân - Thư viện tỉnh Quảng Ninh", ["Hồng Vân"], "text", "Tin: Hồng Vân - Thư viện tỉnh Quảng Ninh"),
        ("(Tin, ảnh: Hồng Vân)", ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân"),
        ("Tin, ảnh: Hồng Vân   \u00a0", ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân"),
        # two credits, on one line or two
        ("Tin: Minh Hà, ảnh: Thu Trang", ["Minh Hà", "Thu Trang"], "text+photo", "Tin: Minh Hà, ảnh: Thu Trang"),
        ("Tin: Minh Hà. Ảnh: Thu Trang.", ["Minh Hà", "Thu Trang"], "text+photo", "Tin: Minh Hà. Ảnh: Thu Trang"),
        ("Tin: Minh Hà\nẢnh: Thu Trang", ["Minh Hà", "Thu Trang"], "text+photo", "Tin: Minh Hà\nẢnh: Thu Trang"),
        # a credit followed by an affiliation line
        ("Tin: Hồng Vân\nThư viện tỉnh Quảng Ninh", ["Hồng Vân"], "text", "Tin: Hồng Vân"),
        # reporters
        ("PV", ["PV"], None, "PV"),
        ("(PV)", ["PV"], None, "PV"),
        ("Phóng viên", ["Phóng viên"], None, "Phóng viên"),
        # bare name lines
        ("Nguyễn Hữu Giới", ["Nguyễn Hữu Giới"], None, "Nguyễn Hữu Giới"),
        ("NGUYỄN HỮU GIỚI", ["NGUYỄN HỮU GIỚI"], None, "NGUYỄN HỮU GIỚI"),
        ("ThS. Nguyễn Văn A", ["Nguyễn Văn A"], None, "ThS. Nguyễn Văn A"),
        ("PGS.TS. Trần Thị Minh Nguyệt", ["Trần Thị Minh Nguyệt"], None, "PGS.TS. Trần Thị Minh Nguyệt"),
        ("TS. Lan Anh", ["Lan Anh"], None, "TS. Lan Anh"),  # a title vouches for a name without a known surname
        (
            "ThS. Nguyễn Văn A (Thư viện tỉnh Quảng Ninh)",
            ["Nguyễn Văn A"],
            None,
            "ThS. Nguyễn Văn A (Thư viện tỉnh Quảng Ninh)",
        ),
        ("Nguyễn Văn A\nThư viện tỉnh Quảng Ninh", ["Nguyễn Văn A"], None, "Nguyễn Văn A"),
        ("Lê Văn Hùng - Trần Thị Mai", ["Lê Văn Hùng", "Trần Thị Mai"], None, "Lê Văn Hùng - Trần Thị Mai"),
    ],
)
def test_find_byline(last_lines, names, role, text):
    body = BODY + last_lines
    _check(body, find_byline(body), names, role, text)


def test_byline_after_the_last_sentence_of_a_joined_paragraph():
    body = "Hội nghị đã kết thúc tốt đẹp. Tin, ảnh: Hồng Vân"
    _check(body, find_byline(body), ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân")


def test_photo_caption_before_the_credit_is_skipped():
    body = "Hội nghị kết thúc. Ảnh: Quang cảnh hội nghị. Các đại biểu thảo luận. Tin: Hồng Vân"
    _check(body, find_byline(body), ["Hồng Vân"], "text", "Tin: Hồng Vân")


def test_reporter_after_the_last_sentence():
    body = "Hội nghị kết thúc tốt đẹp./. PV"
    _check(body, find_byline(body), ["PV"], None, "PV")


@pytest.mark.parametrize(
    "last_lines",
    [
        # a final sentence of body text
        "Các đại biểu đã tới tham quan Thư viện tỉnh Quảng Ninh.",
        "Nguyễn Hữu Giới phát biểu tại hội nghị.",
        "Nguyễn Hữu Giới.",  # a final period: a sentence
        "Hội nghị kết thúc tốt đẹp",
        # headings, organisations and places
        "Hội Thư viện Việt Nam",
        "BAN CHẤP HÀNH HỘI THƯ VIỆN",
        "Thư Viện Quốc Gia",
        "Hà Nội",
        "Hà Nội, ngày 22 tháng 5 năm 2014",
        # credits that are not people
        "Ảnh: Internet",
        "Ảnh: Tư liệu",
        "Ảnh: TL",
        "Ảnh: Quang cảnh hội nghị",  # a photo caption
        "Nguồn: Báo Nhân dân",
        # too vague: a two-syllable bare line without a surname or title
        "Hồng Vân",
        "Minh Hà - Thu Trang",
        # text after an affiliation: not a list of names
        "Tin: Nguyễn (Thư viện) Văn",
        # a label in the middle of a sentence is not a credit
        "Hội đã gửi tin: Hồng Vân phụ trách.",
        # the byline is not on the last lines
        "Tin, ảnh: Hồng Vân\nHội nghị đã thông qua nghị quyết về công tác năm 2015.",
    ],
)
def test_no_byline(last_lines):
    assert find_byline(BODY + last_lines) is None


@pytest.mark.parametrize("body", ["", "   \n\u00a0\n", "Nguyễn Hữu Giới", "\n\n"])
def test_no_byline_in_empty_or_one_line_text(body):
    assert find_byline(body) is None


def test_labelled_credit_alone_is_still_a_byline():
    _check("Tin: Hồng Vân", find_byline("Tin: Hồng Vân"), ["Hồng Vân"], "text", "Tin: Hồng Vân")


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "Tin", "ảnh", "Bài", "Ảnh", ", ", ": ", " và ", " - ", " – ", "; ", "Hồng Vân", "Nguyễn Hữu Giới",
        "ThS. ", "PGS.TS. ", "(", ")", "Thư viện tỉnh Quảng Ninh", "PV", ".", "\n", "\n\n", "\u00a0", " ",
        "Internet", "x",
    ]
)
_BYLINEISH = st.lists(_FRAGMENTS, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _BYLINEISH))
def test_find_byline_never_raises_and_span_indexes_the_text(body):
    byline = find_byline(body)
    if byline is not None:
        s, e = byline.span
        assert 0 <= s < e <= len(body)
        assert body[s:e] == byline.text
        assert byline.text == byline.text.strip()
        assert byline.role in (None, "text", "photo", "text+photo")
        assert byline.names
        for name in byline.names:  # never invented: every name is written in the byline
            assert name and name in byline.text
