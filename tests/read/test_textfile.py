"""Tests for pipelines.core.read.textfile: decoding text files without a declared encoding."""

from __future__ import annotations

import codecs
import unicodedata
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pipelines.core.read.textfile import NotTextError, decode_text, read_text_file
from pipelines.core.text.normalize import to_paragraphs

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEED_FILE = SHARED / "seeds" / "000_67f4d1abc44ae8ef.txt"

# An excerpt of the canonical seed (NFC, a no-break space, curly quotes, a photo gap).
SAMPLE = (
    "HỘI NGHỊ LẦN THỨ 4 BAN CHẤP HÀNH HỘI THƯ VIỆN KHÓA II\n"
    "\n"
    "Ngày 22/ 5/ 2014, tại Viện Thông tin Khoa học Xã hội, Ban Chấp hành Hội Thư viện Việt Nam\n"
    "đã tổ chức Hội nghị mở rộng lần thứ 4. \u00a0Hơn 40 đại biểu là ủy viên BCH và đại diện một số chi\n"
    "hội tiêu biểu về tham dự hội nghị. \n"
    "\n"
    "  \n"
    "\n"
    "Phát huy vị trí “một tổ chức xã hội nghề nghiệp”.\n"
    " Tin, ảnh: Hồng Vân    \n"
)

ENCODINGS = {
    "utf-8",
    "utf-8-sig",
    "utf-16-le",
    "utf-16-be",
    "utf-32-le",
    "utf-32-be",
    "windows-1258",
}

# Tone marks, which Windows-1258 writes as separate combining characters.
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258_form(text: str) -> str:
    """Text as Windows writes it in code page 1258: vowel marks composed, tone marks apart.

    Neither NFC ("ộ" is not in the code page) nor NFD (nor is the combining circumflex)
    can be encoded as cp1258; this in-between form can.
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        rest = "".join(c for c in decomposed if c not in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", rest) + tones)
    return "".join(out)


# --- encodings that are recognized -------------------------------------------------------------


def test_utf8():
    assert decode_text(SAMPLE.encode("utf-8")) == (SAMPLE, "utf-8")


def test_utf8_is_not_otherwise_altered():
    text = "a\r\nb\u00a0\u200b c\t\u00ad\f"
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")


def test_utf8_nfd_becomes_nfc():
    data = unicodedata.normalize("NFD", SAMPLE).encode("utf-8")
    assert decode_text(data) == (SAMPLE, "utf-8")


def test_utf8_with_bom():
    assert decode_text(codecs.BOM_UTF8 + SAMPLE.encode("utf-8")) == (SAMPLE, "utf-8-sig")


@pytest.mark.parametrize(
    ("bom", "codec"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_byte_order_marks(bom, codec):
    assert decode_text(bom + SAMPLE.encode(codec)) == (SAMPLE, codec)


def test_python_utf16_codec_output():
    """What Python (and Windows Notepad's "Unicode") writes: BOM, native order."""
    text, encoding = decode_text(SAMPLE.encode("utf-16"))
    assert text == SAMPLE and encoding in {"utf-16-le", "utf-16-be"}


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(codec):
    assert decode_text(SAMPLE.encode(codec)) == (SAMPLE, codec)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_short_utf16_without_bom(codec):
    assert decode_text("Hội".encode(codec)) == ("Hội", codec)


def test_cp1258_round_trip_needs_the_windows_form():
    """Python's cp1258 codec encodes neither NFC nor NFD Vietnamese, only the Windows form."""
    with pytest.raises(UnicodeEncodeError):
        "Hội".encode("cp1258")
    with pytest.raises(UnicodeEncodeError):
        unicodedata.normalize("NFD", "Hội").encode("cp1258")
    # ô (0xF4) + combining dot below (0xF2); ư (0xFD); ê (0xEA) + dot below.
    assert to_cp1258_form("Hội Thư viện").encode("cp1258") == b"H\xf4\xf2i Th\xfd vi\xea\xf2n"


def test_cp1258_decodes_to_nfc():
    data = to_cp1258_form("Hội Thư viện").encode("cp1258")
    assert data == b"H\xf4\xf2i Th\xfd vi\xea\xf2n"
    assert decode_text(data) == ("Hội Thư viện", "windows-1258")


def test_cp1258_with_precomposed_latin1_letters():
    # Code page 1258 also has à, á, é, ... precomposed; both spellings decode alike.
    assert decode_text(b"Ng\xe0y, c\xe1c") == ("Ngày, các", "windows-1258")
    assert decode_text(b"Nga\xccy, ca\xecc") == ("Ngày, các", "windows-1258")


def test_cp1258_sample():
    data = to_cp1258_form(SAMPLE).encode("cp1258")
    assert decode_text(data) == (SAMPLE, "windows-1258")


def test_cp1258_sample_gives_the_same_paragraphs_as_utf8():
    text, _ = decode_text(to_cp1258_form(SAMPLE).encode("cp1258"))
    assert to_paragraphs(text) == to_paragraphs(SAMPLE)
    assert to_paragraphs(text)[-1] == "Tin, ảnh: Hồng Vân"


def test_crlf_is_kept():
    data = "Hội\r\nThư viện\r\n".encode("utf-8")
    assert decode_text(data) == ("Hội\r\nThư viện\r\n", "utf-8")


def test_a_few_stray_control_characters_are_still_text():
    text = "Hội nghị mở rộng lần thứ 4\x1b[0m, Hà Nội.\x1a"
    assert decode_text(text.encode("utf-8")) == (text, "utf-8")


def test_bytearray_and_memoryview_accepted():
    data = SAMPLE.encode("utf-8")
    assert decode_text(bytearray(data)) == (SAMPLE, "utf-8")
    assert decode_text(memoryview(data)) == (SAMPLE, "utf-8")


# --- what is not text --------------------------------------------------------------------------


def test_empty():
    with pytest.raises(NotTextError, match="^empty file$"):
        decode_text(b"")


def test_only_a_bom_is_empty():
    with pytest.raises(NotTextError, match="empty file"):
        decode_text(codecs.BOM_UTF8)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02\nendstream",
        "Hội nghị".encode("utf-8") + b"\x00" + "mở rộng".encode("utf-8"),
        b"\x00\x00\x00\x00",
        b"\x00",
    ],
)
def test_nul_bytes_are_binary(data):
    with pytest.raises(NotTextError, match=r"binary data \(NUL"):
        decode_text(data)


def test_many_control_characters_are_binary():
    data = bytes(range(1, 32)) * 4 + b"some text"
    with pytest.raises(NotTextError, match="binary data.*control characters"):
        decode_text(data)


def test_utf16_looking_binary_is_binary():
    # 16-bit little-endian integers: NULs in every other byte, but no text.
    data = b"".join(n.to_bytes(2, "little") for n in range(1, 200))
    with pytest.raises(NotTextError, match="binary data"):
        decode_text(data)


def test_bytes_undefined_in_windows_1258():
    # Not UTF-8, and 0x81 has no character in code page 1258.
    with pytest.raises(NotTextError, match=r"neither UTF-8 nor Windows-1258 \(byte 0x81 at offset 3\)"):
        decode_text(b"abc\x81\xff")


def test_bom_that_lies():
    with pytest.raises(NotTextError, match="UTF-8 byte-order mark but is not valid UTF-8"):
        decode_text(codecs.BOM_UTF8 + b"H\xf4\xf2i")
    with pytest.raises(NotTextError, match="UTF-16-LE byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + "Hội".encode("utf-16-le") + b"\x41")  # odd length


def test_not_text_error_is_a_value_error():
    assert issubclass(NotTextError, ValueError)


# --- read_text_file ----------------------------------------------------------------------------


def test_read_text_file(tmp_path):
    path = tmp_path / "tin.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"))
    assert read_text_file(path) == (SAMPLE, "utf-16-le")
    assert read_text_file(str(path)) == (SAMPLE, "utf-16-le")


def test_read_text_file_error_names_the_file(tmp_path):
    path = tmp_path / "anh.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(NotTextError, match=r"anh\.txt: not a text file: contains binary data"):
        read_text_file(path)
    empty = tmp_path / "rong.txt"
    empty.write_bytes(b"")
    with pytest.raises(NotTextError, match=r"rong\.txt: empty file"):
        read_text_file(empty)


def test_read_text_file_missing(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_text_file(tmp_path / "khong-co.txt")


def test_read_seed_file():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a clone outside the workplace): seed file not available")
    if not SEED_FILE.is_file():
        pytest.skip(f"seed file {SEED_FILE} is absent")
    text, encoding = read_text_file(SEED_FILE)
    assert encoding == "utf-8"
    assert text == SEED_FILE.read_text(encoding="utf-8")
    assert len(to_paragraphs(text)) == 7


# --- properties --------------------------------------------------------------------------------

# Text without control characters (or surrogates, which UTF-8 cannot encode).
printable_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1
).filter(lambda s: not s.startswith("\ufeff"))

# Every character code page 1258 has, except the C0 controls and DEL.
CP1258_CHARS = "".join(
    bytes([b]).decode("cp1258")
    for b in range(0x20, 0x100)
    if b != 0x7F and b not in (0x81, 0x8A, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9D, 0x9E)
)


@given(st.binary())
def test_arbitrary_bytes_decode_or_raise_not_text_error(data):
    try:
        text, encoding = decode_text(data)
    except NotTextError as err:
        assert str(err)
    else:
        assert encoding in ENCODINGS
        assert unicodedata.is_normalized("NFC", text)
        assert text and "\x00" not in text


@given(printable_text)
def test_utf8_round_trip(text):
    assert decode_text(text.encode("utf-8")) == (unicodedata.normalize("NFC", text), "utf-8")


@given(printable_text, st.sampled_from(["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]))
def test_bom_round_trip(text, codec):
    bom = codecs.BOM_UTF16_LE if codec == "utf-16-le" else codecs.BOM_UTF16_BE
    if codec.startswith("utf-32"):
        bom = codecs.BOM_UTF32_LE if codec == "utf-32-le" else codecs.BOM_UTF32_BE
    assert decode_text(bom + text.encode(codec)) == (unicodedata.normalize("NFC", text), codec)


@given(st.text(alphabet=CP1258_CHARS, min_size=1))
def test_cp1258_round_trip(text):
    data = text.encode("cp1258")
    # The documented limit: a code-page text that starts with the bytes of a byte-order mark
    # ("ÿþ", "þÿ", "ï»¿") is read as that mark's encoding.
    assume(not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)))
    try:
        as_utf8 = data.decode("utf-8")
    except UnicodeDecodeError:
        expected_encoding = "windows-1258"
    else:
        # ASCII, or by chance valid UTF-8 (the documented limit), unless that reading holds C1
        # controls, which nobody types: then it is the code page after all
        c1 = any("\x80" <= c <= "\x9f" for c in as_utf8)
        expected_encoding = "windows-1258" if c1 else "utf-8"
    decoded, encoding = decode_text(data)
    assert encoding == expected_encoding
    if encoding == "windows-1258":
        assert decoded == unicodedata.normalize("NFC", text)
