"""Check raw files against the warehouse: every file is represented, and unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.core.read import files


@dataclass
class Verification:
    checked: int = 0
    not_ingested: list[str] = field(default_factory=list)  # on disk, no files row
    changed: list[str] = field(default_factory=list)  # bytes differ from the recorded SHA-256
    missing: list[str] = field(default_factory=list)  # recorded, no longer on disk
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.not_ingested or self.changed or self.missing or self.unreadable)


def verify(con: duckdb.DuckDBPyConnection, roots: list[Path]) -> Verification:
    roots = [Path(r).absolute() for r in roots]
    recorded = {
        path: document_id
        for path, document_id in con.execute("SELECT source_path, document_id FROM files").fetchall()
        if any(Path(path).is_relative_to(root) for root in roots)
    }
    found, problems = files.discover(roots)
    result = Verification(unreadable=[(str(p), reason) for p, reason in problems])
    on_disk = {str(p) for p in found}
    for path in sorted(on_disk):
        result.checked += 1
        if path not in recorded:
            result.not_ingested.append(path)
            continue
        try:
            if files.sha256_file(Path(path)) != recorded[path]:
                result.changed.append(path)
        except OSError as exc:
            result.unreadable.append((path, exc.strerror or str(exc)))
    result.missing = sorted(set(recorded) - on_disk)
    return result
