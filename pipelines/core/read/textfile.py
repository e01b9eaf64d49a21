"""Reading plain-text files whose encoding nobody wrote down.

Detect, don't guess wrong. In order:

1. a byte-order mark (UTF-32 LE/BE, UTF-8, UTF-16 LE/BE) decides;
2. UTF-16 without a byte-order mark, when NUL bytes sit in every other position the way
   mostly-ASCII text (Vietnamese included) looks in UTF-16;
3. any other NUL byte means binary data;
4. strict UTF-8 (unless it yields C1 control characters, which nobody types);
5. a legacy Vietnamese encoding (TCVN3, VNI), when its reading is clearly Vietnamese, see
   :func:`_decode_legacy_vietnamese`;
6. Windows-1258, the Vietnamese Windows code page.

Decoded text that is mostly control characters is binary data too. The text returned is NFC
(Windows-1258 writes tone marks as separate combining characters, macOS files are often
decomposed) and otherwise exactly what the file holds: line breaks, spaces and invisible
characters are :func:`pipelines.core.text.normalize.normalize_text`'s business.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from pathlib import Path

__all__ = ["NotTextError", "decode_text", "read_text_file"]


class NotTextError(ValueError):
    """The bytes are not text this project can read (binary data, empty, unknown encoding)."""


# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# UTF-16 without a mark: at least this share of the 2-byte units have a NUL high byte
# (mostly-ASCII text; Vietnamese text is well above it: spaces, plain letters, à á â ê ô ...)
_UTF16_MIN_NUL_SHARE = 0.3
# ... and at most this share have a NUL low byte (U+0100, U+0200, ... are rare).
_UTF16_MAX_OTHER_NUL_SHARE = 0.02

# Text may hold a few stray control characters; more than this share of them is binary data.
_MAX_CONTROL_SHARE = 0.05
# Control characters that are ordinary in text files: tab, line feed, vertical tab, form feed
# (pdftotext's page break), carriage return.
_TEXT_CONTROLS = frozenset("\t\n\x0b\x0c\r")

_NUL_MESSAGE = "not a text file: contains binary data (NUL bytes)"


def _from_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) when the data starts with a byte-order mark, else None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            payload = data[len(bom) :]
            try:
                text = payload.decode(encoding if encoding != "utf-8-sig" else "utf-8")
            except UnicodeDecodeError as err:
                label = encoding.upper().replace("-SIG", "")
                raise NotTextError(
                    f"not a text file: starts with a {label} byte-order mark but is not valid "
                    f"{label} (at byte {err.start + len(bom)})"
                ) from None
            return text, encoding
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the NUL bytes say the data is UTF-16, else None."""
    if len(data) < 2 or len(data) % 2:
        return None
    units = len(data) // 2
    even_nuls = data[0::2].count(0)  # NUL first byte: high byte of UTF-16-BE
    odd_nuls = data[1::2].count(0)  # NUL second byte: high byte of UTF-16-LE
    for high, low, encoding in ((odd_nuls, even_nuls, "utf-16-le"), (even_nuls, odd_nuls, "utf-16-be")):
        if high >= _UTF16_MIN_NUL_SHARE * units and low <= _UTF16_MAX_OTHER_NUL_SHARE * units:
            return encoding
    return None


def _decode_utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) for UTF-16 without a byte-order mark, else None."""
    encoding = _utf16_without_bom(data)
    if encoding is None:
        return None
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:  # e.g. a lone surrogate: binary data after all
        return None


def _decode_legacy_vietnamese(data: bytes) -> tuple[str, str] | None:
    """(text, 'tcvn3' or 'vni') for text in a legacy Vietnamese 8-bit encoding, else None.

    TCVN3 (ABC) and VNI files predate Unicode in Vietnam. Their bytes usually also decode as
    valid Windows-1258 (into wrong letters), so detecting them needs a look at the letters,
    not at byte validity: :func:`pipelines.core.text.encodings.decode_legacy_bytes`
    reads the bytes each way and accepts a legacy reading only when it is clearly
    Vietnamese (mostly valid syllables) and clearly better than the Windows-1258 reading.
    Anything unclear returns None and decodes as Windows-1258, which keeps every byte
    recoverable (0xAD as U+00AD included; normalize_text keeps it for that reason).
    """
    from pipelines.core.text.encodings import decode_legacy_bytes

    return decode_legacy_bytes(data)


def _decode_windows_1258(data: bytes) -> tuple[str, str]:
    """(text, 'windows-1258'), or NotTextError for the bytes that code page leaves undefined."""
    try:
        return data.decode("cp1258"), "windows-1258"
    except UnicodeDecodeError as err:
        raise NotTextError(
            "not a text file, or in an encoding not supported yet: neither UTF-8 nor "
            f"Windows-1258 (byte 0x{data[err.start]:02X} at offset {err.start})"
        ) from None


def _check_is_text(text: str) -> None:
    """NotTextError when decoded text is really binary data (NULs, mostly controls)."""
    if "\x00" in text:
        raise NotTextError(_NUL_MESSAGE)
    controls = sum(
        1 for c in text if c not in _TEXT_CONTROLS and unicodedata.category(c) == "Cc"
    )
    if controls > _MAX_CONTROL_SHARE * len(text):
        raise NotTextError(
            f"not a text file: contains binary data ({controls} control characters "
            f"in {len(text)})"
        )


def _decode(data: bytes) -> tuple[str, str]:
    """(text, encoding) before the binary-data check and NFC."""
    found = _from_bom(data) or _decode_utf16_without_bom(data)
    if found is not None:
        return found
    if b"\x00" in data:
        raise NotTextError(_NUL_MESSAGE)
    try:
        text = data.decode("utf-8")
        # C1 controls (U+0080–U+009F) are never typed: bytes that decode to them are a
        # Windows code page that happens to be valid UTF-8 ("Â–" is C2 96 in Windows-1258).
        if not any("\x80" <= c <= "\x9f" for c in text):
            return text, "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_legacy_vietnamese(data) or _decode_windows_1258(data)


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of the bytes of a text file; NotTextError if they are not text.

    ``encoding`` is one of 'utf-8', 'utf-8-sig', 'utf-16-le', 'utf-16-be', 'utf-32-le',
    'utf-32-be', 'tcvn3', 'vni', 'windows-1258' (with a byte-order mark, the mark is not part
    of the text). The text is NFC-normalized and otherwise unchanged (legacy TCVN3/VNI bytes
    are converted to the Unicode letters they stand for).

    Limits: UTF-16 without a byte-order mark is recognized only for text that is mostly
    ASCII or Latin-1 letters (Vietnamese is); a Windows-1258 file that happens to be valid
    UTF-8 decodes as UTF-8 (real Vietnamese text practically never is) unless it holds C1
    control characters; TCVN3 and VNI are recognized only when their reading is clearly
    Vietnamese, and otherwise decode as Windows-1258 (wrong letters, but every byte kept); a
    Windows-1258 text that begins with the bytes of a byte-order mark ("ÿþ", "þÿ", "ï»¿") is read
    as that mark's encoding.
    """
    data = bytes(data)
    if not data:
        raise NotTextError("empty file")
    text, encoding = _decode(data)
    if not text:
        raise NotTextError("empty file (only a byte-order mark)")
    _check_is_text(text)
    return unicodedata.normalize("NFC", text), encoding


def read_text_file(path: str | os.PathLike[str]) -> tuple[str, str]:
    """(text, encoding) of a text file; see :func:`decode_text`.

    NotTextError names the file; OSError (missing, unreadable) passes through.
    """
    path = Path(path)
    try:
        return decode_text(path.read_bytes())
    except NotTextError as err:
        raise NotTextError(f"{path}: {err}") from None
