"""The packaged DuckDB extensions: signatures checked once a process, not at every session."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from pipelines.core.store import extensions


def unsigned_allowed(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0]


def loaded(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}


def test_the_first_connection_checks_the_extensions_and_later_ones_trust_them(monkeypatch):
    monkeypatch.setattr(extensions, "_checked", set())
    first = extensions.connect()
    try:
        assert not unsigned_allowed(first), "the first connection must check signatures"
        assert {"ducklake", "sqlite_scanner"} <= loaded(first)
    finally:
        first.close()
    later = extensions.connect()
    try:
        assert unsigned_allowed(later)
        later.execute("LOAD ducklake")  # the same files, from the same directory
        assert "ducklake" in loaded(later)
    finally:
        later.close()
    # a session needing an extension not checked yet checks it (and trusts nothing unchecked)
    other = extensions.connect(needs=("fts",))
    try:
        assert not unsigned_allowed(other) and "fts" in loaded(other)
    finally:
        other.close()


def test_a_damaged_extension_file_fails_the_connection_that_would_check_it(monkeypatch, tmp_path):
    """A file whose signature does not hold is refused, and nothing is trusted after it."""
    real = extensions.extension_path("fts")
    platform = duckdb.execute("SELECT platform FROM pragma_platform()").fetchone()[0]
    folder = tmp_path / f"v{duckdb.__version__}" / platform
    folder.mkdir(parents=True)
    damaged = folder / "fts.duckdb_extension"
    shutil.copyfile(real, damaged)
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    monkeypatch.setattr(extensions, "_checked", set())
    monkeypatch.setattr(extensions, "extension_directory", lambda: tmp_path)
    for _ in range(2):  # the failure is not forgotten: the next connection checks again
        with pytest.raises(duckdb.Error, match="signature"):
            extensions.connect(needs=("fts",))
        assert "fts" not in extensions._checked
