"""The analysts' copy: a read-only snapshot of the warehouse, replaced atomically.

DuckDB lets one process write a database file and, while it does, no other process read it.
Analysts therefore never open the live warehouse: at the end of each ingestion the loader
copies the whole database into a new file beside the published one and renames it over it. An
analyst's open session keeps reading the snapshot it opened (the old file lives on until it is
closed); a new session sees the new snapshot, whole. Nobody is blocked, nobody sees half.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PUBLISHED_DIR = "published"


def published_path(warehouse: Path) -> Path:
    """warehouse/archive.duckdb → warehouse/published/archive.duckdb"""
    return Path(warehouse).parent / PUBLISHED_DIR / Path(warehouse).name


def publish(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Snapshot the database ``con`` writes (the warehouse) into its published copy."""
    target = published_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    source = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(f"ATTACH '{_quote(temporary)}' AS publish_snapshot")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO publish_snapshot')
    finally:
        con.execute("DETACH publish_snapshot")
    _fsync(temporary)
    os.replace(temporary, target)
    return target


def connect_published(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A read-only session on the published copy."""
    target = published_path(warehouse)
    if not target.exists():
        raise FileNotFoundError(
            f"no published warehouse at {target}: run `archive ingest` (it publishes at the end of each run)"
        )
    return duckdb.connect(str(target), read_only=True)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
