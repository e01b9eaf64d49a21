"""Which files are there, which are new or changed, and which documents need reading.

A file whose path, size and modification time match the warehouse is unchanged and is not
even hashed again; anything else is hashed, and its SHA-256 decides whether its bytes are
already known (the same bytes at another path, or an unchanged file touched) or need reading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.read import files
from pipelines.core.store.warehouse import FileRow, KnownFile


@dataclass
class ScannedFile:
    source_path: str
    byte_size: int | None
    modified_at: dt.datetime | None
    document_id: str
    media_type: str | None = None
    error: str | None = None  # the file could not be read at all (permissions, vanished)
    unchanged: bool = False

    def file_row(self) -> FileRow:
        return FileRow(self.source_path, self.document_id, self.byte_size, self.modified_at)


def unreadable_id(path: str) -> str:
    """An id for a file whose bytes could not be read: derived from its path, marked as such."""
    return "unreadable:" + hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def scan(paths: list[Path], known: dict[str, KnownFile]) -> tuple[list[ScannedFile], list[tuple[str, str]]]:
    found, problems = files.discover(paths)
    scanned = [scan_file(path, known) for path in found]
    return scanned, [(str(p), reason) for p, reason in problems]


def scan_file(path: Path, known: dict[str, KnownFile]) -> ScannedFile:
    key = str(path)
    try:
        info = files.stat_file(path)
        previous = known.get(key)
        if previous and previous.byte_size == info.byte_size and previous.modified_at == info.modified_at:
            return ScannedFile(key, info.byte_size, info.modified_at, previous.document_id, unchanged=True)
        document_id = files.sha256_file(path)
        media_type = files.sniff_media_type(path)
        return ScannedFile(key, info.byte_size, info.modified_at, document_id, media_type)
    except FileNotFoundError:
        return ScannedFile(key, None, None, unreadable_id(key), error="the file disappeared while it was being read")
    except PermissionError:
        return ScannedFile(key, None, None, unreadable_id(key), error="permission denied: the file cannot be read")
    except OSError as exc:
        return ScannedFile(key, None, None, unreadable_id(key), error=f"cannot read the file: {exc.strerror or exc}")


def documents_to_read(scanned: list[ScannedFile], known_documents: set[str]) -> list[ScannedFile]:
    """One representative file per document not in the warehouse yet (the first path wins);
    unchanged files and bytes already loaded are left out. To read everything again, pass no
    known documents."""
    chosen: dict[str, ScannedFile] = {}
    for item in scanned:
        if item.unchanged or item.document_id in chosen or item.document_id in known_documents:
            continue
        chosen[item.document_id] = item
    return list(chosen.values())
