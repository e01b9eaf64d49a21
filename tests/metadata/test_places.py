"""Tests for pipelines.core.metadata.places: the venue of the event, from the opening's "tại …" phrase."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata.places import (
    Evidence,
    PlaceMention,
    article_places,
    find_venue,
    find_venue_evidence,
)

SEED_TEXT = (Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
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
        (
            "Chi hội tổ chức sinh hoạt.\nĐịa điểm: Phòng đọc 2, Thư viện Hà Nội, 47 Bà Triệu, quận Hoàn Kiếm.\n",
            "Phòng đọc 2, Thư viện Hà Nội, 47 Bà Triệu, quận Hoàn Kiếm",
        ),
        # the larger unit after a comma stays with the venue
        (
            "Trong hai ngày 26-27/5/2016, tại thành phố Hạ Long, tỉnh Quảng Ninh, Ban Chấp hành đã họp.",
            "thành phố Hạ Long, tỉnh Quảng Ninh",
        ),
        ("Sáng 21/4/2016, tại Quảng trường Tháng Tư, thành phố Vũng Tàu, Sở khai mạc.", "Quảng trường Tháng Tư, thành phố Vũng Tàu"),
        ("Hội sách diễn ra tại Công viên Lê Văn Tám, Tp.HCM với 50 đơn vị.", "Công viên Lê Văn Tám, Tp.HCM"),
        ("Đoàn đã tham dự hội nghị tại Bangkok, Thái Lan. Đoàn trình bày tham luận.", "Bangkok, Thái Lan"),
        # a province name with a dash stays whole
        ("Từ ngày 1 đến ngày 10/3/2012, tại Thư viện Tổng hợp tỉnh Thừa Thiên - Huế đã diễn ra triển lãm.", "Thư viện Tổng hợp tỉnh Thừa Thiên - Huế"),
        # a visit's venue ("làm việc với … tại …")
        ("Ngày 22/11, đoàn đã làm việc với Hội Thư viện Việt Nam tại trụ sở Hội ở Hà Nội.", "trụ sở Hội ở Hà Nội"),
        # an address starting with a number
        ("Hội họp tại 31 Tràng Thi, Hà Nội.", "31 Tràng Thi, Hà Nội"),
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
        # birthplaces, graves and workplaces are not the event's venue
        "Nhà thư viện học Nguyễn Văn Thanh sinh năm 1935 tại Nam Định, qua đời ngày 3/7/2015 tại Hà Nội.",
        "Ông công tác tại Thư viện tỉnh Quảng Ninh từ năm 1990.",
        # a count of places is not a place
        "Bộ thí điểm mô hình tại 20 trường trung học cơ sở ở các tỉnh Hà Giang, Cao Bằng.",
        # no-diacritics "tai" is not read (see the limits)
        "Ngay 10/9/2015, tai Thu vien tinh Nghe An, Chi hoi to chuc hoi thao.",
        "",
    ],
)
def test_no_venue(text):
    assert find_venue(text) is None


def test_run_on_phrase_is_not_a_venue():
    words = " ".join(["Thư viện"] * 30)
    assert find_venue(f"Hội nghị tại {words}.") is None


# --- evidence -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [SEED_EXCERPT, SEED_TEXT], ids=["excerpt", "seed"])
def test_seed_venue_evidence(text):
    evidence = find_venue_evidence(text)
    assert isinstance(evidence, Evidence)
    assert evidence.value == SEED_VENUE
    assert text[evidence.span[0] : evidence.span[1]] == SEED_VENUE
    assert evidence.confidence >= 0.9


def test_venue_evidence_span_is_the_phrase_as_written():
    text = "Sáng nay, tại Nhà Văn hóa\nThanh niên, Hội tổ chức họp."
    evidence = find_venue_evidence(text)
    assert evidence.value == "Nhà Văn hóa Thanh niên"
    assert text[evidence.span[0] : evidence.span[1]] == "Nhà Văn hóa\nThanh niên"


def test_venue_confidence_by_where_it_was_found():
    first = find_venue_evidence("Hội thảo tổ chức tại Hà Nội.")
    second = find_venue_evidence("Hội tổ chức hội thảo khoa học. Hội thảo diễn ra tại Cần Thơ.")
    label = find_venue_evidence("Hội thông báo.\nĐịa điểm: Thư viện tỉnh Nghệ An.")
    assert first.confidence > label.confidence > second.confidence
    assert find_venue_evidence("Ngày 22/5/2014, Hội tổ chức hội nghị.") is None


# --- article_places ---------------------------------------------------------------------------


def _rows(text: str) -> list[tuple]:
    rows = article_places(text)
    for row in rows:
        assert isinstance(row, PlaceMention)
        assert " ".join(text[row.span[0] : row.span[1]].split()) == row.name
    return [(r.name, r.role, r.code_legacy, r.name_legacy, r.code_2025, r.name_2025) for r in rows]


@pytest.mark.parametrize("text", [SEED_TEXT, SEED_EXCERPT], ids=["seed", "excerpt"])
def test_seed_places(text):
    assert _rows(text) == [
        ("Viện Thông tin Khoa học Xã hội", "venue", None, None, None, None),  # names no province
        ("tỉnh Quảng Ninh", "mentioned", "22", "Quảng Ninh", "22", "Quảng Ninh"),
    ]


def test_venue_province_and_mentioned_provinces():
    text = (
        "Ngày 18/12/2015, tại Hà Nội, Hội tổ chức hội nghị. Đại biểu đến từ Quảng Ninh, Hà Giang và Hà Nội.\n\n"
        "Tin: Hồng Vân"
    )
    assert _rows(text) == [
        ("Hà Nội", "venue", "01", "Hà Nội", "01", "Hà Nội"),
        ("Quảng Ninh", "mentioned", "22", "Quảng Ninh", "22", "Quảng Ninh"),
        ("Hà Giang", "mentioned", "02", "Hà Giang", "08", "Tuyên Quang"),
    ]


def test_venue_naming_a_province_inside_parentheses():
    text = "Sáng 5/3/2015, tại Hội trường Thư viện Quốc gia Việt Nam (31 Tràng Thi, Hà Nội), Hội họp."
    (venue,) = article_places(text)
    assert (venue.role, venue.name_legacy) == ("venue", "Hà Nội")


def test_no_diacritics_provinces():
    text = "Ngay 10/9/2015, Chi hoi Thu vien tinh Nghe An to chuc hoi thao voi cac thu vien tinh Ha Tinh, Quang Binh."
    assert [(r.name_legacy, r.name_2025) for r in article_places(text)] == [
        ("Nghệ An", "Nghệ An"), ("Hà Tĩnh", "Hà Tĩnh"), ("Quảng Bình", "Quảng Trị"),
    ]


def test_provinces_in_the_closing_credits_are_not_the_articles():
    text = "Ngày 5/3/2015, Hội tổ chức hội thảo.\nTin: Hồng Vân (Thư viện tỉnh Bắc Ninh)\nThư viện Lạng Sơn\n(Theo Báo Cao Bằng)"
    assert article_places(text) == []


def test_no_places():
    assert article_places("") == []
    assert article_places("Hội nghị diễn ra tốt đẹp.") == []


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
def test_article_places_never_raises_and_spans_index_the_text(text):
    for row in article_places(text):
        s, e = row.span
        assert 0 <= s < e <= len(text)
        assert " ".join(text[s:e].split()) == row.name
        assert row.role in ("venue", "mentioned")
        assert (row.code_legacy is None) == (row.code_2025 is None)
        assert row.role == "venue" or row.code_legacy is not None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _PLACEISH))
def test_find_venue_never_raises_and_never_invents(text):
    evidence = find_venue_evidence(text)
    if evidence is not None:
        assert " ".join(text[evidence.span[0] : evidence.span[1]].split()) == evidence.value
    venue = find_venue(text)
    if venue is not None:
        assert venue == venue.strip() and venue
        # Every word of the venue is in the text, in order (whitespace aside).
        assert " ".join(venue.split()) in " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="Hà Nội a b\n\t\u00a0()-.,", max_size=40),
    st.lists(st.text(alphabet="Hà Nội ab()-.,", min_size=1, max_size=4).map(str.strip).filter(bool), max_size=4),
)
def test_words_span_finds_what_a_search_of_the_joined_words_finds(part, words):
    import re

    from pipelines.core.metadata.places import _words_span

    words = [w for word in words for w in word.split()]
    match = re.search(r"\s+".join(re.escape(w) for w in words), part)
    assert _words_span(part, words) == (match.span() if match else None)
