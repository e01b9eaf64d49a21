"""Finding files, fingerprinting them, and identifying what they are by their bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

# Magic numbers: identify by content, never trust the extension alone.
_MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"II+\x00", "image/tiff"),  # BigTIFF
    (b"MM\x00+", "image/tiff"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
]
TEXT_SUFFIXES = {".txt", ".text"}
SUPPORTED = "PDF, TIFF, PNG, JPEG, GIF, BMP, WebP, HEIC and plain text (.txt)"
# Some producers write bytes before the header; PDF readers accept it within the first 1 KiB.
_PDF_HEADER_WINDOW = 1024


@dataclass(frozen=True)
class FileInfo:
    path: Path
    byte_size: int
    modified_at: dt.datetime


def discover(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every file under the given files and folders, recursively, sorted.

    Returns (files, problems): a path that does not exist or cannot be listed is a problem
    with a reason, never a silent skip. Symlinks to files are followed; symlinked folders are
    not (they could loop).
    """
    found: set[Path] = set()
    problems: list[tuple[Path, str]] = []
    for root in paths:
        root = Path(root).absolute()
        if root.is_file():
            found.add(root)
        elif root.is_dir():

            def onerror(err: OSError) -> None:
                problems.append((Path(err.filename or root), f"cannot list folder: {err.strerror}"))

            for folder, _dirs, names in os.walk(root, onerror=onerror):
                for name in names:
                    found.add(Path(folder) / name)
        elif root.exists():
            problems.append((root, "not a regular file or folder"))
        else:
            problems.append((root, "no such file or folder"))
    return sorted(found), problems


def stat_file(path: Path) -> FileInfo:
    st = path.stat()
    modified = dt.datetime.fromtimestamp(st.st_mtime, tz=dt.timezone.utc).replace(tzinfo=None)
    return FileInfo(path=path, byte_size=st.st_size, modified_at=modified)


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
"""ISO base media 'ftyp' brands of HEIC/HEIF photos (what phones save)."""


def sniff_media_type(path: Path) -> str | None:
    """The file's media type from its first bytes (and, for text, its name); None if unknown."""
    with open(path, "rb") as handle:
        head = handle.read(_PDF_HEADER_WINDOW)
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if b"%PDF-" in head:
        return "application/pdf"
    if path.suffix.lower() in TEXT_SUFFIXES:
        return "text/plain"
    return None


def unsupported_reason(path: Path, byte_size: int) -> str:
    """A sentence an archivist understands, for a file no reader accepts."""
    if byte_size == 0:
        return "empty file (0 bytes)"
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return "not a PDF: the file has a .pdf name but no PDF header (%PDF-); it may be damaged or another kind of file"
    if suffix in {".tif", ".tiff", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".heic", ".heif"}:
        return f"not a readable image: the file has a {suffix} name but its bytes are not that format"
    kind = f"'{suffix}' files" if suffix else "files without an extension"
    return f"unsupported file type: {kind} are not read; supported: {SUPPORTED}"
