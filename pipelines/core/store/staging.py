"""Per-document results wait as JSON files between reading and loading.

Reading runs anywhere (another process, another machine); loading reads these files. A file
is written under a temporary name and renamed, so a crash never leaves half of one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.core.models import Extraction, extraction_from_json, to_jsonable
from pipelines.core.store.warehouse import FileRow


def stage_path(staging_dir: Path, document_id: str) -> Path:
    safe = document_id.replace(":", "_").replace("/", "_")
    return staging_dir / f"{safe}.json"


def write_staged(
    staging_dir: Path,
    extraction: Extraction,
    *,
    source_path: str,
    byte_size: int | None,
    file_rows: list[FileRow],
    run_id: str | None = None,
    read_seconds: float | None = None,
) -> Path:
    """Stage one document with every path it was found at, so that loading needs nothing else;
    ``run_id`` is the run that read it (the warehouse's ``run_documents`` keeps it)."""
    payload = {
        "source_path": source_path,
        "byte_size": byte_size,
        "run_id": run_id,
        "read_seconds": read_seconds,
        "files": [to_jsonable(row) for row in file_rows],
        "extraction": to_jsonable(extraction),
    }
    return _write(stage_path(staging_dir, extraction.document_id), payload)


def write_staged_paths(staging_dir: Path, file_rows: list[FileRow]) -> Path:
    """Stage paths whose bytes are already in the warehouse: only their files rows load."""
    import hashlib

    key = hashlib.sha256("\n".join(sorted(r.source_path for r in file_rows)).encode("utf-8", "surrogateescape")).hexdigest()
    return _write(staging_dir / f"paths-{key[:32]}.json", {"files": [to_jsonable(row) for row in file_rows], "extraction": None})


def _write(target: Path, payload: dict) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(payload, ensure_ascii=False))  # dumps is C; dump is pure Python
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


@dataclass
class StagedDocument:
    path: Path
    extraction: Extraction | None  # None: only paths of documents already loaded
    source_path: str | None
    byte_size: int | None
    file_rows: list[FileRow]
    run_id: str | None = None
    read_seconds: float | None = None


def read_staged(path: Path) -> StagedDocument:
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    rows = [
        FileRow(r["source_path"], r["document_id"], r["byte_size"],
                dt.datetime.fromisoformat(r["modified_at"]) if r["modified_at"] else None)
        for r in payload["files"]
    ]
    extraction = extraction_from_json(payload["extraction"]) if payload["extraction"] else None
    return StagedDocument(path, extraction, payload.get("source_path"), payload.get("byte_size"), rows,
                          payload.get("run_id"), payload.get("read_seconds"))


REJECTED_DIR = "rejected"


def reject(path: Path, reason: str) -> Path:
    """Set aside a staged file the loader cannot use (kept with its reason, never deleted):
    its file is not in the warehouse, so the next ingestion reads it again."""
    target_dir = path.parent / REJECTED_DIR
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    os.replace(path, target)
    (target_dir / f"{path.name}.reason.txt").write_text(reason + "\n", encoding="utf-8")
    return target


def rejected_files(staging_dir: Path) -> list[tuple[Path, str]]:
    """Staged files the loader set aside, with why."""
    folder = staging_dir / REJECTED_DIR
    if not folder.exists():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        reason = folder / f"{path.name}.reason.txt"
        out.append((path, reason.read_text(encoding="utf-8").strip() if reason.exists() else "(no reason recorded)"))
    return out


def staged_files(staging_dir: Path) -> list[Path]:
    """Staged documents waiting to be loaded, oldest first (temporary files are not included)."""
    if not staging_dir.exists():
        return []
    return sorted(staging_dir.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))

