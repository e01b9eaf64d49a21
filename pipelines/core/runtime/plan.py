"""Which files are there, which are new or changed, and which documents need reading.

A file whose path, size and modification time match the warehouse is unchanged and is not
even hashed again; anything else is hashed, and its SHA-256 decides whether its bytes are
already known (the same bytes at another path, or an unchanged file touched) or need reading.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections import OrderedDict
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
        document_id, media_type = _identify(path)
        return ScannedFile(key, info.byte_size, info.modified_at, document_id, media_type)
    except FileNotFoundError:
        return ScannedFile(key, None, None, unreadable_id(key), error="the file disappeared while it was being read")
    except PermissionError:
        return ScannedFile(key, None, None, unreadable_id(key), error="permission denied: the file cannot be read")
    except OSError as exc:
        return ScannedFile(key, None, None, unreadable_id(key), error=f"cannot read the file: {exc.strerror or exc}")


_identified: OrderedDict[tuple, tuple[str, str | None]] = OrderedDict()
_identified_lock = threading.Lock()
_IDENTIFIED_MAX = 100_000


def _identify(path: Path) -> tuple[str, str | None]:
    """The file's SHA-256 and media type. One ingestion scans its files more than once in one
    process (the command's read-ahead, the run's plan, the `document` asset), so they are
    remembered while the file's inode, size and change times stay the same (a write, even one
    that puts the modification time back, moves the change time): a 50 MB scan is hashed once,
    not three times. `archive verify` hashes for itself, never from here."""
    before = os.stat(path)
    key = (str(path), before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns)
    with _identified_lock:
        found = _identified.get(key)
        if found is not None:
            _identified.move_to_end(key)
            return found
    found = files.sha256_file(path), files.sniff_media_type(path)
    after = os.stat(path)
    if (after.st_size, after.st_mtime_ns, after.st_ctime_ns) == key[3:]:  # not written while read
        with _identified_lock:
            _identified[key] = found
            while len(_identified) > _IDENTIFIED_MAX:
                _identified.popitem(last=False)
    return found


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
