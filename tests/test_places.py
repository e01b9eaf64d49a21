"""Tests for pipelines.core.places: the venue of the event, from the opening's "tại …" phrase."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.places import find_venue

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
SEED_FILE = SEEDS / "000_67f4d1abc44ae8ef.txt"

# The seed's opening (heading, hard line breaks, a no-break space) and its last sentence,
# whose "tại Thư viện Viện Thông tin …" is a visit, not the venue.
SEED_EXCERPT = (
    "\n"
    "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II\n"
    "\n"
    "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam\n"
    "đã tổ chức Hội nghị mở rộng lần thứ 4. \u00a0Hơn 40 đại biểu là ủy viên BCH và đại diện một số chi\n"
    "hội tiêu biểu về tham dự hội nghị. \n"
    "\n"
    "  \n"
    "\n"
    "Sau Hội nghị, các đại biểu đã tới tham quan, học tập kinh nghiệm tại Thư viện Viện Thông tin\n"
    "Khoa học Xã hội và Thư viện tỉnh Quảng Ninh.\n"
    " Tin, ảnh: Hồng Vân    \n"
    " "
)
SEED_VENUE = "Viện Thông tin Khoa học Xã hội"


@pytest.mark.parametrize(
    "text",
    [
        SEED_EXCERPT,
        SEED_EXCERPT.replace("\n", " "),  # lines already joined
        "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam"
        " đã tổ chức Hội nghị mở rộng lần thứ 4.\n\nTin, ảnh: Hồng Vân",
    ],
    ids=["raw-lines", "one-line", "paragraphs"],
)
def test_seed_venue(text):
    assert find_venue(text) == SEED_VENUE


def test_seed_file():
    if not SEEDS.is_dir():
        pytest.skip(f"{SEEDS} is absent (a clone outside the workplace): the seed file cannot be read")
    if not SEED_FILE.is_file():
        pytest.skip(f"seed file {SEED_FILE} is absent")
    assert find_venue(SEED_FILE.read_text(encoding="utf-8")) == SEED_VENUE


@pytest.mark.parametrize(
    "text, venue",
    [
        (
            "Sáng ngày 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội),"
            " Hội Thư viện đã tổ chức hội thảo.",
            "Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội)",
        ),
        ("Hội thảo được tổ chức tại Hà Nội.", "Hà Nội"),
        ("Tại Hà Nội, Hội Thư viện Việt Nam tổ chức hội nghị.", "Hà Nội"),
        ("Hội nghị diễn ra tại TP. Hồ Chí Minh ngày 5/3/2015.", "TP. Hồ Chí Minh"),
        ("Ngày 5/3, tại Bộ Văn hóa, Thể thao và Du lịch đã diễn ra lễ ký kết.", "Bộ Văn hóa, Thể thao và Du lịch"),
        ("Ngày 5/3/2015, tại Thư viện tỉnh Quảng Ninh\ndiễn ra hội thảo.", "Thư viện tỉnh Quảng Ninh"),
        ("Tại trụ sở Hội Thư viện Việt Nam đã diễn ra cuộc họp.", "trụ sở Hội Thư viện Việt Nam"),
        ("Hội thảo tổ chức tại Trường Đại học Văn hóa Hà Nội nhằm trao đổi kinh nghiệm.", "Trường Đại học Văn hóa Hà Nội"),
        ("Lớp tập huấn mở tại Thư viện tỉnh Bắc Ninh với sự tham gia của 50 học viên.", "Thư viện tỉnh Bắc Ninh"),
        ("Hội nghị tại Thư viện Hà Nội do Sở Văn hóa chủ trì.", "Thư viện Hà Nội"),
        ("Chương trình diễn ra tại Hà Nội – Hội Thư viện tham gia.", "Hà Nội"),
        ("Hội thảo tại Đà Nẵng; các đại biểu thảo luận.", "Đà Nẵng"),
        ("Lớp học mở tại Gia Lâm.", "Gia Lâm"),  # "tại gia" (at home) is lower case
        ("Hội nghị tổ chức tại Thư viện Quốc gia Việt Nam vào sáng 5/3.", "Thư viện Quốc gia Việt Nam"),
        ("Sáng nay, tại\u00a0Hội trường\u00a0A, Hội tổ chức họp.", "Hội trường A"),
        ("Sáng nay, tại Nhà Văn hóa\nThanh niên, Hội tổ chức họp.", "Nhà Văn hóa Thanh niên"),
        # the venue in the second sentence
        ("Hội Thư viện tổ chức hội thảo khoa học. Hội thảo diễn ra tại Cần Thơ.", "Cần Thơ"),
        # "hiện tại" skipped, the real "tại" found
        ("Hiện tại, Hội họp tại Hà Nội.", "Hà Nội"),
        # an explicit label
        (
            "Hội Thư viện Việt Nam thông báo.\nThời gian: 8h ngày 5/3/2015.\n"
            "Địa điểm: Hội trường A, số 31 Tràng Thi, Hà Nội.\nThành phần: hội viên.",
            "Hội trường A, số 31 Tràng Thi, Hà Nội",
        ),
        ("Thời gian: 8h ngày 5/3/2015; Địa điểm: Thư viện tỉnh Nghệ An; Thành phần: hội viên.", "Thư viện tỉnh Nghệ An"),
    ],
)
def test_find_venue(text, venue):
    assert find_venue(text) == venue


@pytest.mark.parametrize(
    "text",
    [
        "hiện tại, thư viện có 2 triệu bản sách.",  # "currently"
        "Hiện tại, thư viện có 2 triệu bản sách.",
        "Thư viện vẫn tồn tại và phát triển.",  # "to exist"
        "Tại sao bạn đọc ít đến thư viện?",  # "why"
        "Thư viện thiếu sách tại vì kinh phí hạn hẹp.",  # "because"
        "Tại các thư viện, bạn đọc ngày càng đông.",  # not a named place
        "Tại nhiều địa phương, phong trào đọc sách phát triển.",
        "Tại đây, các đại biểu đã trao đổi kinh nghiệm.",  # "here"
        "Hội thảo được tổ chức tại hội trường lớn.",  # nothing named
        "Hội Thư viện tổ chức hội nghị. Các đại biểu thảo luận sôi nổi. Sau đó đoàn tham quan tại Thư viện tỉnh.",
        "Ngày 22/5/2014, Hội tổ chức hội nghị.",  # no venue
        "HỘI NGHỊ TẠI HÀ NỘI",  # a heading only
        "Các khóa đào tạo tại chức đã mở.",  # "in-service"
        "Địa điểm: sẽ thông báo sau.",
        "",
    ],
)
def test_no_venue(text):
    assert find_venue(text) is None


def test_run_on_phrase_is_not_a_venue():
    words = " ".join(["Thư viện"] * 30)
    assert find_venue(f"Hội nghị tại {words}.") is None


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "tại ", "Tại ", "hiện tại", "Hà Nội", "Hội trường", "Thư viện", "(", ")", ", ", ". ", ".",
        "\n", "\n\n", "\u00a0", "đã ", "Địa điểm: ", "TP. ", "Văn hóa, Thể thao và Du lịch", "các ",
        "HỘI NGHỊ", "Ngày 22/5/2014", " – ", ";", "x",
    ]
)
_PLACEISH = st.lists(_FRAGMENTS, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _PLACEISH))
def test_find_venue_never_raises_and_never_invents(text):
    venue = find_venue(text)
    if venue is not None:
        assert venue == venue.strip() and venue
        # Every word of the venue is in the text, in order (whitespace aside).
        assert " ".join(venue.split()) in " ".join(text.split())
