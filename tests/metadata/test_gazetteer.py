"""Tests for pipelines.core.metadata.gazetteer: provinces named in a text, in both administrative systems."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.metadata.gazetteer import Province, find_provinces, lookup, provinces

SEED = (Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")


def _names(text: str) -> list[tuple[str, str]]:
    return [(p.name_as_written, p.name_legacy) for p in find_provinces(text)]


# --- the index, from vietnamadminunits -------------------------------------------------------


def test_index_has_the_63_legacy_provinces_and_the_34_of_2025():
    records = provinces()
    assert len(records) == 63
    assert len({r.code_legacy for r in records}) == 63
    assert len({r.code_2025 for r in records}) == 34
    assert len({r.name_2025 for r in records}) == 34


def test_link_between_systems_agrees_with_the_package_conversion_table():
    from vietnamadminunits.converter.converter_2025 import DICT_PROVINCE as CONVERSION
    from vietnamadminunits.parser.parser_from_2025 import DICT_PROVINCE as NEW
    from vietnamadminunits.parser.parser_legacy import DICT_PROVINCE as LEGACY

    code_of_legacy_key = {key: entry["provinceCode"] for key, entry in LEGACY.items()}
    for new_key, legacy_keys in CONVERSION.items():
        for legacy_key in legacy_keys:
            record = next(r for r in provinces() if r.code_legacy == code_of_legacy_key[legacy_key])
            assert record.code_2025 == NEW[new_key]["provinceCode"], record


@pytest.mark.parametrize(
    "legacy, code_legacy, code_2025, name_2025",
    [
        ("Quảng Ninh", "22", "22", "Quảng Ninh"),  # unchanged
        ("Hà Nội", "01", "01", "Hà Nội"),
        ("Hà Giang", "02", "08", "Tuyên Quang"),  # merged
        ("Bắc Giang", "24", "24", "Bắc Ninh"),
        ("Hải Dương", "30", "31", "Hải Phòng"),
        ("Nam Định", "36", "37", "Ninh Bình"),
        ("Quảng Nam", "49", "48", "Đà Nẵng"),
        ("Bà Rịa - Vũng Tàu", "77", "79", "Hồ Chí Minh"),
        ("Bình Dương", "74", "79", "Hồ Chí Minh"),
        ("Hòa Bình", "17", "25", "Phú Thọ"),
        ("Bạc Liêu", "95", "96", "Cà Mau"),
    ],
)
def test_legacy_province_resolves_in_both_systems(legacy, code_legacy, code_2025, name_2025):
    (province,) = find_provinces(f"Thư viện tỉnh {legacy} tổ chức hội nghị.")
    assert (province.code_legacy, province.name_legacy) == (code_legacy, legacy)
    assert (province.code_2025, province.name_2025) == (code_2025, name_2025)


@pytest.mark.parametrize("record", provinces(), ids=lambda r: r.name_legacy)
def test_every_province_is_found_after_a_prefix_and_without_diacritics(record):
    from pipelines.core.metadata.gazetteer import fold

    prefix = "thành phố" if record.full_name_legacy.startswith("Thành phố") else "tỉnh"
    assert [p.code_legacy for p in find_provinces(f"Hội nghị tại {prefix} {record.name_legacy}.")] == [record.code_legacy]
    assert [p.code_legacy for p in find_provinces(fold(f"Hoi nghi tai {prefix} {record.name_legacy}."))] == [
        record.code_legacy
    ]


# --- the seed -------------------------------------------------------------------------------


def test_seed_names_quang_ninh_in_both_systems():
    found = find_provinces(SEED)
    assert [(p.name_as_written, p.code_legacy, p.name_legacy, p.code_2025, p.name_2025) for p in found] == [
        ("tỉnh Quảng Ninh", "22", "Quảng Ninh", "22", "Quảng Ninh")
    ]
    s, e = found[0].span
    assert SEED[s:e] == "tỉnh Quảng Ninh"


# --- spellings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thư viện tỉnh Quảng Ninh", [("tỉnh Quảng Ninh", "Quảng Ninh")]),
        ("Thu vien tinh Quang Ninh", [("tinh Quang Ninh", "Quảng Ninh")]),  # no diacritics, a prefix
        ("Hoi thao o Quang Ninh", [("Quang Ninh", "Quảng Ninh")]),  # no diacritics, title case
        ("thanh pho ha noi", [("thanh pho ha noi", "Hà Nội")]),  # no diacritics, lower case after a prefix
        ("HỘI THẢO TẠI QUẢNG NINH", [("QUẢNG NINH", "Quảng Ninh")]),  # upper case
        ("tại thành phố Hà Nội", [("thành phố Hà Nội", "Hà Nội")]),
        ("tại Thành phố Hồ Chí Minh", [("Thành phố Hồ Chí Minh", "Hồ Chí Minh")]),
        ("tại TP. Hồ Chí Minh", [("TP. Hồ Chí Minh", "Hồ Chí Minh")]),
        ("tại Tp.Hồ Chí Minh", [("Tp.Hồ Chí Minh", "Hồ Chí Minh")]),
        ("Đại học Quốc gia TP.HCM", [("TP.HCM", "Hồ Chí Minh")]),
        ("ĐH Sư phạm Tp HCM", [("Tp HCM", "Hồ Chí Minh")]),
        ("sách về Sài Gòn xưa", [("Sài Gòn", "Hồ Chí Minh")]),
        ("tỉnh Thừa Thiên Huế", [("tỉnh Thừa Thiên Huế", "Huế")]),
        ("tỉnh Thừa Thiên - Huế", [("tỉnh Thừa Thiên - Huế", "Huế")]),
        ("Đại học Huế", [("Huế", "Huế")]),
        ("tỉnh Bà Rịa - Vũng Tàu", [("tỉnh Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu")]),
        ("Vũng Tàu", [("Vũng Tàu", "Bà Rịa - Vũng Tàu")]),
        # a city named by part of its province's name is the city, not the province (issue 13,
        # docs/metadata.md: provinces are recorded when named); a city that bears the whole
        # name counts ("thành phố Sơn La")
        ("thành phố Vũng Tàu", []),
        ("thành phố Sơn La", [("thành phố Sơn La", "Sơn La")]),
        ("Thư viện tỉnh Đăk Lăk", [("tỉnh Đăk Lăk", "Đắk Lắk")]),
        ("tỉnh Khánh Hoà", [("tỉnh Khánh Hoà", "Khánh Hòa")]),  # the old tone placement
        ("Thanh Hoá và Hoà Bình", [("Thanh Hoá", "Thanh Hóa"), ("Hoà Bình", "Hòa Bình")]),
        ("Kontum", [("Kontum", "Kon Tum")]),
        ("Tỉnh\u00a0Quảng\u00a0Ninh", [("Tỉnh\u00a0Quảng\u00a0Ninh", "Quảng Ninh")]),
        ("tỉnh Quảng\nNinh", [("tỉnh Quảng\nNinh", "Quảng Ninh")]),
    ],
)
def test_spellings(text, expected):
    assert _names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "vì hòa bình và hữu nghị",  # "peace", lower case
        "Hòa bình là khát vọng",  # only the first word capitalised
        "Miền Nam và miền Bắc",  # "Nam", "Bắc" alone are no provinces
        "Hội Thư viện Việt Nam",
        "Tư tưởng Hồ Chí Minh",  # the president, not the city
        "Lăng Chủ tịch Hồ Chí Minh",
        "ông Nguyễn Thái Bình phát biểu",  # a person
        "em Nguyễn Thị Huế đọc sách",
        "ông Trần Hải Dương",
        "châu Á - Thái Bình Dương",  # the Pacific Ocean
        "hoa binh",  # no diacritics, no capitals, no prefix
        "Hội thảo tại Hà Nộii",  # a longer word
        "ĐHQGHN",
        "HCM",  # initials without a city prefix
        "tp hcm",  # initials in lower case
        "",
    ],
)
def test_no_province(text):
    assert find_provinces(text) == []


def test_each_province_once_in_order_of_first_mention():
    text = "Đại biểu Hà Nội, TP. Hồ Chí Minh, Quảng Ninh, Hà Nội và TP.HCM; Sài Gòn."
    assert [p.name_legacy for p in find_provinces(text)] == ["Hà Nội", "Hồ Chí Minh", "Quảng Ninh"]
    assert find_provinces(text)[1].name_as_written == "TP. Hồ Chí Minh"


def test_prefixed_and_accented_matches_are_surer():
    accented, bare = find_provinces("tỉnh Quảng Ninh"), find_provinces("Quang Ninh")
    assert accented[0].confidence > bare[0].confidence
    assert all(0 < p.confidence <= 1 for p in accented + bare)


def test_lookup():
    assert lookup("Quảng Ninh").code_legacy == "22"
    assert lookup("TP.HCM").name_legacy == "Hồ Chí Minh"
    assert lookup("Sài Gòn").code_2025 == "79"
    assert lookup("Atlantis") is None


# --- properties -----------------------------------------------------------------------------

_FRAGMENTS = st.sampled_from(
    [
        "tỉnh ", "thành phố ", "TP.", "Tp ", "Quảng", "Ninh", "Quang", "ninh", " ", "\n", "\u00a0", "-", " - ",
        "Hà", "Nội", "Huế", "Thừa Thiên", "HCM", "Nguyễn", "Thị", "Thái Bình", "Dương", "hòa bình", "Hòa Bình",
        "Bà Rịa", "Vũng Tàu", ", ", ".", "x", "Đắk", "Lắk",
    ]
)
_PLACEISH = st.lists(_FRAGMENTS, max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _PLACEISH))
def test_find_provinces_never_raises_and_spans_index_the_text(text):
    found = find_provinces(text)
    codes = {r.code_legacy for r in provinces()}
    for province in found:
        assert isinstance(province, Province)
        s, e = province.span
        assert 0 <= s < e <= len(text)
        assert text[s:e] == province.name_as_written
        assert province.code_legacy in codes and province.code_2025
        assert 0 < province.confidence <= 1
    assert len({p.code_legacy for p in found}) == len(found)  # once each
    starts = [p.span[0] for p in found]
    assert starts == sorted(starts)


# --- the case-sensitive scan (gazetteer._caseless_index) ----------------------------------


def test_no_character_matches_two_letters_when_case_is_ignored():
    import re
    import string
    import sys

    every = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i < 0xE000)
    letters: dict[str, set[str]] = {}
    for letter in string.ascii_lowercase:
        for char in re.compile(letter, re.IGNORECASE).findall(every):
            letters.setdefault(char, set()).add(letter)
    assert all(len(found) == 1 for found in letters.values())


_SCAN_FRAGMENTS = st.sampled_from(
    ["Quảng Ninh", "QUẢNG NINH", "quang ninh", "tỉnh ", "TP. ", "Tp.", "thành phố ", "HCM", "Hồ Chí Minh",
     "Bà Rịa - Vũng Tàu", "Thừa Thiên Huế", "Đắk Lắk", "Ðồng Tháp", "\u212aon Tum", "Kon Tum", "Hà ſơn Bình",
     "İ", "ı", " ", "  ", "\n", "-", "–", ".", ",", "Nguyễn ", "huyện ", "Thái Bình Dương", "x", "3"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_SCAN_FRAGMENTS, max_size=25).map("".join))
def test_the_case_sensitive_scan_matches_as_the_index_pattern_does(text):
    from pipelines.core.metadata import gazetteer

    pattern, _ = gazetteer._index()
    caseless = gazetteer._caseless_index()
    folded = gazetteer.fold(text)

    def spans(p, t):
        return [(m.span(), m.span("prefix"), m.span("name")) for m in p.finditer(t)]

    assert spans(caseless, folded.translate(gazetteer._CASELESS)) == spans(pattern, folded)
