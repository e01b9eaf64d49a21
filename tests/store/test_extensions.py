"""The packaged DuckDB extensions: each file's signature checked once, not at every session or
command."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines.core.store import extensions


def unsigned_allowed(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0]


def loaded(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}


@pytest.fixture
def fresh_process(monkeypatch, tmp_path):
    """As in a new process, with no file noted as checked yet: the record lives in tmp_path."""
    monkeypatch.setattr(extensions, "_checked", set())
    record = tmp_path / "verified.json"
    monkeypatch.setattr(extensions, "VERIFIED", str(record))  # an absolute name: the folder is ignored
    return record


def test_the_first_connection_checks_the_extensions_and_later_ones_trust_them(fresh_process):
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


def test_a_file_checked_by_one_process_is_not_checked_again_by_the_next(fresh_process, monkeypatch):
    first = extensions.connect()
    first.close()
    noted = json.loads(fresh_process.read_text(encoding="utf-8"))
    assert {str(extensions._loaded_file(name)) for name in ("ducklake", "sqlite_scanner")} <= set(noted)
    monkeypatch.setattr(extensions, "_checked", set())  # the next command
    later = extensions.connect()
    try:
        assert unsigned_allowed(later), "a file checked before in the same state is not hashed again"
        later.execute("LOAD ducklake")
        later.execute("LOAD sqlite_scanner")
        assert {"ducklake", "sqlite_scanner"} <= loaded(later)
    finally:
        later.close()


def test_a_file_changed_since_it_was_checked_is_checked_again(fresh_process, monkeypatch):
    extensions.connect().close()
    noted = json.loads(fresh_process.read_text(encoding="utf-8"))
    ducklake = str(extensions._loaded_file("ducklake"))
    noted[ducklake][4] -= 1  # its change time then: the file has been written to since
    fresh_process.write_text(json.dumps(noted), encoding="utf-8")
    monkeypatch.setattr(extensions, "_checked", set())
    again = extensions.connect()
    try:
        assert not unsigned_allowed(again)
    finally:
        again.close()
    assert json.loads(fresh_process.read_text(encoding="utf-8"))[ducklake] == extensions._identity(
        extensions._loaded_file("ducklake"))


def test_a_noted_file_damaged_afterwards_is_refused(fresh_process, monkeypatch, tmp_path):
    real = extensions.extension_path("fts")
    platform = duckdb.execute("SELECT platform FROM pragma_platform()").fetchone()[0]
    folder = tmp_path / "extensions" / f"v{duckdb.__version__}" / platform
    folder.mkdir(parents=True)
    copy = folder / "fts.duckdb_extension"
    shutil.copyfile(real, copy)
    monkeypatch.setattr(extensions, "extension_directory", lambda: tmp_path / "extensions")
    extensions.connect(needs=("fts",)).close()
    assert str(copy) in json.loads(fresh_process.read_text(encoding="utf-8"))
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    # Replaced as an installer would (the loaded file stays mapped in this process, intact):
    # same path, same size, another file.
    damaged = folder / "fts.tmp"
    damaged.write_bytes(bytes(data))
    damaged.replace(copy)
    monkeypatch.setattr(extensions, "_checked", set())
    with pytest.raises(duckdb.Error, match="signature"):
        extensions.connect(needs=("fts",))


def test_a_damaged_extension_file_fails_the_connection_that_would_check_it(fresh_process, monkeypatch, tmp_path):
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
    monkeypatch.setattr(extensions, "extension_directory", lambda: tmp_path)
    for _ in range(2):  # the failure is not forgotten: the next connection checks again
        with pytest.raises(duckdb.Error, match="signature"):
            extensions.connect(needs=("fts",))
        assert "fts" not in extensions._checked
    assert not fresh_process.exists() or str(damaged) not in fresh_process.read_text(encoding="utf-8")
