"""Export every table and view of the warehouse, one file each, in Parquet or CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb


def exportable(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The analyst-facing tables and views (the main schema; not the search index internals)."""
    rows = con.execute(
        """
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'main' AND table_catalog = current_database()
        ORDER BY table_type, table_name
        """
    ).fetchall()
    return [r[0] for r in rows]


def export_all(con: duckdb.DuckDBPyConnection, directory: Path, fmt: str = "parquet") -> list[tuple[str, Path, int]]:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    written = []
    for name in exportable(con):
        target = directory / f"{name}.{fmt}"
        path = str(target).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM \"{name}\") TO '{path}' ({options})")
        rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        written.append((name, target, rows))
    return written
