"""Tests for pipelines.core.metadata.people: the byline closing an article."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata.people import (
    Byline,
    Credit,
    authors,
    closing_span,
    find_byline,
    find_credits,
)

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
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
        # pen names without a common surname, as most bare bylines are (issue 13)
        ("Hồng Vân", ["Hồng Vân"], None, "Hồng Vân"),
        ("Minh Hà - Thu Trang", ["Minh Hà", "Thu Trang"], None, "Minh Hà - Thu Trang"),
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
        # a closing line that is no name
        "Trân Trọng Kính Mời",
        "Quang Cảnh Hội Nghị",
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


# --- find_credits ---------------------------------------------------------------------------

SEED_TEXT = (Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")


def _credits(body: str) -> list[tuple]:
    """(name, role, title, kind, contribution) of each credit, checking its span."""
    found = find_credits(body)
    for credit in found:
        assert body[credit.span[0] : credit.span[1]] == credit.name
        assert 0 < credit.confidence <= 1
    return [(c.name, c.role, c.title, c.kind, c.contribution) for c in found]


@pytest.mark.parametrize("body", [SEED_TEXT, SEED_ENDING, SEED_ENDING_PARAGRAPHS], ids=["seed", "raw-lines", "paragraphs"])
def test_seed_credit_is_hong_van_author_of_text_and_photos(body):
    assert _credits(body) == [("Hồng Vân", "author", None, "person", "text+photo")]
    assert authors(find_credits(body)) == ["Hồng Vân"]


@pytest.mark.parametrize(
    "last_lines, expected",
    [
        # text and photos by one person: one credit
        ("Tin, ảnh: Hồng Vân", [("Hồng Vân", "author", None, "person", "text+photo")]),
        ("Bài và ảnh: Nguyễn Thị Lan", [("Nguyễn Thị Lan", "author", None, "person", "text+photo")]),
        # an organization as author, its comma kept
        ("Tin và bài: Khoa TT, TV", [("Khoa TT, TV", "author", None, "organization", "text")]),
        (
            "Tin và bài: Phòng Thông tin - Thư viện, Sở Giáo dục và Đào tạo Vĩnh Long",
            [("Phòng Thông tin - Thư viện, Sở Giáo dục và Đào tạo Vĩnh Long", "author", None, "organization", "text")],
        ),
        ("Tin: Thư viện tỉnh Quảng Ninh", [("Thư viện tỉnh Quảng Ninh", "author", None, "organization", "text")]),
        # initials
        ("Bài: N.T.Yên", [("N.T.Yên", "author", None, "person", "text")]),
        ("Bài: Đ.T.Hương", [("Đ.T.Hương", "author", None, "person", "text")]),
        ("Tin: N.V.T", [("N.V.T", "author", None, "person", "text")]),
        # photo credits
        ("Ảnh: Thu Trang", [("Thu Trang", "photo", None, "person", "photo")]),
        ("Photo: Quang Huy", [("Quang Huy", "photo", None, "person", "photo")]),
        ("Tin: Minh Hà, ảnh: Thu Trang", [("Minh Hà", "author", None, "person", "text"), ("Thu Trang", "photo", None, "person", "photo")]),
        (
            "Bài: Thanh Tâm\nPhoto: Quang Huy",
            [("Thanh Tâm", "author", None, "person", "text"), ("Quang Huy", "photo", None, "person", "photo")],
        ),
        ("Tin: Minh Hà\nẢnh: Minh Hà", [("Minh Hà", "author", None, "person", "text+photo")]),  # one person, both
        ("Bài: ThS. Võ Thị Hạnh\nẢnh: BTC", [("Võ Thị Hạnh", "author", "ThS.", "person", "text"), ("BTC", "photo", None, "organization", "photo")]),
        # several names, ALL-CAPS names
        (
            "Tin: Hồng Vân - Thu Trang\nẢnh: Minh Hà",
            [("Hồng Vân", "author", None, "person", "text"), ("Thu Trang", "author", None, "person", "text"), ("Minh Hà", "photo", None, "person", "photo")],
        ),
        ("Tin: LÊ MINH TUẤN và NGUYỄN THU HÀ", [("LÊ MINH TUẤN", "author", None, "person", "text"), ("NGUYỄN THU HÀ", "author", None, "person", "text")]),
        ("Bài, ảnh: TRẦN MINH KHOA", [("TRẦN MINH KHOA", "author", None, "person", "text+photo")]),
        ("Tin, ảnh: Y Bluết - H'Linh", [("Y Bluết", "author", None, "person", "text+photo"), ("H'Linh", "author", None, "person", "text+photo")]),
        # titles, split off and spelled canonically
        ("Bài viết: PGS.TS. Nguyễn Văn A", [("Nguyễn Văn A", "author", "PGS.TS.", "person", "text")]),
        ("Bài: GS. TS. Nguyễn Văn A", [("Nguyễn Văn A", "author", "GS.TS.", "person", "text")]),
        ("Th.S Lê Thị Hoa", [("Lê Thị Hoa", "author", "ThS.", "person", None)]),
        ("Ths. Lê Thị Hoa", [("Lê Thị Hoa", "author", "ThS.", "person", None)]),
        ("TS. NGUYỄN VĂN HÀNH", [("NGUYỄN VĂN HÀNH", "author", "TS.", "person", None)]),
        (
            "Bài và ảnh: ThS. Hồ Thị Mai, CN. Lê Quang Vinh, KS. Đào Văn Nam",
            [
                ("Hồ Thị Mai", "author", "ThS.", "person", "text+photo"),
                ("Lê Quang Vinh", "author", "CN.", "person", "text+photo"),
                ("Đào Văn Nam", "author", "KS.", "person", "text+photo"),
            ],
        ),
        # bare lines, reporters, the newsroom
        ("Nguyễn Hữu Giới", [("Nguyễn Hữu Giới", "author", None, "person", None)]),
        ("PV", [("PV", "author", None, "person", None)]),
        ("BBT", [("BBT", "author", None, "organization", None)]),
        # sources: never authors
        ("Nguồn: Báo Nhân dân", [("Báo Nhân dân", "source", None, "organization", None)]),
        ("Theo Báo Quảng Ninh", [("Báo Quảng Ninh", "source", None, "organization", None)]),
        ("(Theo TTXVN)", [("TTXVN", "source", None, "organization", None)]),
        ("Nguồn: vietnamplus.vn", [("vietnamplus.vn", "source", None, "organization", None)]),
        ("Nguồn: Báo Hà Nam, Báo Nam Định", [("Báo Hà Nam", "source", None, "organization", None), ("Báo Nam Định", "source", None, "organization", None)]),
        (
            "Tin, ảnh: Hồng Vân\n(Theo Báo Quảng Ninh)",
            [("Hồng Vân", "author", None, "person", "text+photo"), ("Báo Quảng Ninh", "source", None, "organization", None)],
        ),
        (
            "Hoàng Lan\n(Theo Tạp chí Thư viện Việt Nam)",
            [("Hoàng Lan", "author", None, "person", None), ("Tạp chí Thư viện Việt Nam", "source", None, "organization", None)],
        ),
        ("Hội nghị kết thúc. (Theo Báo Nhân dân)", [("Báo Nhân dân", "source", None, "organization", None)]),
        # a photo note crediting no one, below the byline
        ("Tin: Bảo Ngọc\nẢnh: Internet", [("Bảo Ngọc", "author", None, "person", "text")]),
    ],
)
def test_find_credits(last_lines, expected):
    assert _credits(BODY + last_lines) == expected


def test_affiliations_are_kept_apart():
    (credit,) = find_credits(BODY + "Tin, ảnh: Thu Hằng (Thư viện tỉnh Bắc Ninh)")
    assert (credit.name, credit.affiliation) == ("Thu Hằng", "Thư viện tỉnh Bắc Ninh")
    (credit,) = find_credits(BODY + "Bài và ảnh: Lan Hương - Thư viện Quân đội")
    assert (credit.name, credit.affiliation) == ("Lan Hương", "Thư viện Quân đội")
    (credit,) = find_credits(BODY + "ThS. Nông Văn Hải\nTrường Đại học Sư phạm Thái Nguyên")
    assert (credit.name, credit.title, credit.affiliation) == ("Nông Văn Hải", "ThS.", "Trường Đại học Sư phạm Thái Nguyên")


@pytest.mark.parametrize(
    "body",
    [
        # people named in the body are not credits
        "Phát biểu khai mạc, ThS. Phạm Thị Hà, Giám đốc Thư viện tỉnh, nhấn mạnh vai trò của thư viện.",
        "Tham dự có PGS.TS. Trần Thị Quyên và TS. Nguyễn Thị Minh Châu.\nHội nghị kết thúc tốt đẹp.",
        # "Theo …" opening a sentence is not a source
        BODY + "Theo kế hoạch, hội nghị sẽ diễn ra năm 2015.",
        BODY + "Theo báo cáo của Sở, số bạn đọc tăng 20%.",
        BODY + "Theo báo cáo tổng kết của Sở",
        BODY + "Theo Giám đốc Sở Văn hóa số lượng bạn đọc tăng mạnh",
        BODY + "Theo Quyết định 12/2014/QĐ-BVHTTDL",
        BODY + "Theo đánh giá của các nhà trường, mô hình đã giúp học sinh tiếp cận nhiều nguồn tài liệu hơn.",
        # captions and notes
        BODY + "Ảnh: Internet",
        BODY + "Ảnh: Hội nghị tổng kết năm 2014",
        BODY + "Ảnh: Quang cảnh hội nghị",
        BODY + "Hà Nội",
        "",
    ],
)
def test_no_credits(body):
    assert find_credits(body) == []


def test_authors_lists_authors_only():
    credits = find_credits(BODY + "Tin: Minh Hà, ảnh: Thu Trang\n(Theo TTXVN)")
    assert authors(credits) == ["Minh Hà"]
    assert [c.role for c in credits] == ["author", "photo", "source"]


def test_find_byline_skips_sources_below_it():
    body = BODY + "Tin, ảnh: Hồng Vân\n(Theo Báo Quảng Ninh)"
    _check(body, find_byline(body), ["Hồng Vân"], "text+photo", "Tin, ảnh: Hồng Vân")


def test_closing_span_covers_byline_affiliation_and_sources():
    body = BODY + "Tin: Hồng Vân\nThư viện tỉnh Bắc Ninh\n(Theo Báo Lạng Sơn)\n"
    s, e = closing_span(body)
    assert body[s:e] == "Tin: Hồng Vân\nThư viện tỉnh Bắc Ninh\n(Theo Báo Lạng Sơn)"
    assert closing_span(BODY) is None


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "Tin", "ảnh", "Bài", "Ảnh", ", ", ": ", " và ", " - ", " – ", "; ", "Hồng Vân", "Nguyễn Hữu Giới",
        "ThS. ", "PGS.TS. ", "(", ")", "Thư viện tỉnh Quảng Ninh", "PV", ".", "\n", "\n\n", "\u00a0", " ",
        "Internet", "x", "Theo ", "Nguồn: ", "Photo", "Khoa TT", "TV", "N.T.Yên", "H'Linh", "BBT", "Báo ",
    ]
)
_BYLINEISH = st.lists(_FRAGMENTS, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _BYLINEISH))
def test_find_credits_never_raises_and_spans_index_the_text(body):
    for credit in find_credits(body):
        assert isinstance(credit, Credit)
        s, e = credit.span
        assert 0 <= s < e <= len(body)
        assert body[s:e] == credit.name
        assert credit.role in ("author", "photo", "source")
        assert credit.kind in ("person", "organization")
        assert credit.contribution in (None, "text", "photo", "text+photo")
        assert 0 < credit.confidence <= 1
        assert credit.role != "source" or credit.contribution is None


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
