"""Export the warehouse: every table and view as one file each (Parquet or CSV), or the whole
warehouse as one self-contained DuckDB file.

CSV has one way to write a list (or any nested value), the same as `archive sql -f csv`: a JSON
array in the cell, ``["Hồng Vân", "Nguyễn Văn A, B"]`` (a name holding a comma reads back whole).
``excel``: the file starts with a UTF-8 byte order mark, so that Excel reads the diacritics."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

# The search index's own tables and the articles' signatures: internals, not for analysts' files
# (the DuckDB export keeps them).
INDEX_TABLES = {"search_docs", "search_postings", "search_df", "search_stats", "article_signatures"}
BOM = "\ufeff"
# Column types written as JSON in a CSV cell: lists, arrays, structs, maps (DuckDB's own text
# for them, `[Vũ Nguyệt]`, cannot be read back when a value holds a comma).
NESTED = ("[]", "[", "STRUCT", "MAP", "UNION")


def is_nested(type_name: str) -> bool:
    return any(mark in type_name.upper() for mark in NESTED)


def csv_select(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """SELECT of a table or view for CSV: nested columns as JSON text, the rest as they are."""
    columns = con.execute(f'DESCRIBE SELECT * FROM "{name}"').fetchall()
    parts = [f'to_json("{c[0]}")::VARCHAR AS "{c[0]}"' if is_nested(str(c[1])) else f'"{c[0]}"' for c in columns]
    return f'SELECT {", ".join(parts)} FROM "{name}"'


def add_bom(path: Path) -> None:
    """Prefix a UTF-8 file with a byte order mark (written beside it and renamed)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.bom")
    with open(path, "rb") as source, open(temporary, "wb") as target:
        target.write(BOM.encode("utf-8"))
        while chunk := source.read(1 << 20):
            target.write(chunk)
    os.replace(temporary, path)


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        SELECT table_name, table_type FROM information_schema.tables
        WHERE table_schema = 'main' AND table_catalog = current_database()
        ORDER BY table_type, table_name
        """
    ).fetchall()


def exportable(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The analyst-facing tables and views (the main schema; not the search index internals)."""
    return [name for name, _kind in _tables(con) if name not in INDEX_TABLES]


def export_all(con: duckdb.DuckDBPyConnection, directory: Path, fmt: str = "parquet",
               excel: bool = False) -> list[tuple[str, Path, int]]:
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"unknown export format {fmt!r}: use parquet or csv")
    if excel and fmt != "csv":
        raise ValueError("excel applies to CSV files only")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER true"
    written = []
    for name in exportable(con):
        target = directory / f"{name}.{fmt}"
        path = str(target).replace("'", "''")
        select = csv_select(con, name) if fmt == "csv" else f'SELECT * FROM "{name}"'
        con.execute(f"COPY ({select}) TO '{path}' ({options})")
        if excel:
            add_bom(target)
        rows = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
        written.append((name, target, rows))
    return written


def export_duckdb(con: duckdb.DuckDBPyConnection, target: Path) -> list[tuple[str, int]]:
    """The snapshot ``con`` reads, whole, as one DuckDB file: tables (the search index's
    included, so `archive search -w FILE` works on it) and views. Written under a temporary
    name and renamed: a file by that name is always complete."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    for leftover in (temporary, Path(f"{temporary}.wal")):
        leftover.unlink(missing_ok=True)
    source = con.execute("SELECT current_database()").fetchone()[0]
    quoted = str(temporary).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS archive_export")
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO archive_export')
        con.execute("CHECKPOINT archive_export")
        written = [(name, con.execute(f'SELECT count(*) FROM archive_export.main."{name}"').fetchone()[0])
                   for name, _kind in con.execute(
                       "SELECT table_name, table_type FROM information_schema.tables WHERE table_catalog = 'archive_export' "
                       "ORDER BY table_type, table_name").fetchall()]
    finally:
        con.execute("DETACH archive_export")
    os.replace(temporary, target)
    return written
