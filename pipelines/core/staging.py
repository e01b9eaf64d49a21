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
from pipelines.core.warehouse import FileRow


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
) -> Path:
    """Stage one document with every path it was found at, so that loading needs nothing else."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    target = stage_path(staging_dir, extraction.document_id)
    temporary = target.with_suffix(f".{os.getpid()}.tmp")
    payload = {
        "source_path": source_path,
        "byte_size": byte_size,
        "files": [to_jsonable(row) for row in file_rows],
        "extraction": to_jsonable(extraction),
    }
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


@dataclass
class StagedDocument:
    path: Path
    extraction: Extraction
    source_path: str
    byte_size: int | None
    file_rows: list[FileRow]


def read_staged(path: Path) -> StagedDocument:
    with open(path, encoding="utf-8") as handle:
        payload = json.load(handle)
    rows = [
        FileRow(r["source_path"], r["document_id"], r["byte_size"],
                dt.datetime.fromisoformat(r["modified_at"]) if r["modified_at"] else None)
        for r in payload["files"]
    ]
    return StagedDocument(path, extraction_from_json(payload["extraction"]), payload["source_path"], payload["byte_size"], rows)


def staged_files(staging_dir: Path) -> list[Path]:
    """Staged documents waiting to be loaded, oldest first (temporary files are not included)."""
    if not staging_dir.exists():
        return []
    return sorted(staging_dir.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))

