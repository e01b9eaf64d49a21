"""DuckDB's extensions from their packages, never downloaded.

The warehouse needs DuckLake and the catalog's scanner (SQLite on one machine, PostgreSQL in a
deployment); the benchmark's baseline needs full-text search. Each comes from PyPI as a package
holding one file, ``site-packages/duckdb_extension_<name>/extensions/v<duckdb>/<file>``, pinned
to DuckDB's version in pyproject.toml.

DuckDB finds an extension by its canonical name in an *extension directory* laid out as
``<dir>/v<version>/<platform>/<name>.duckdb_extension``. We make that directory of symlinks to
the packages' files (``make setup`` does it; :func:`extension_directory` again if missing) in
``<site-packages>/.duckdb_extensions``, which is also where the ``duckdb`` command of the
``duckdb-cli`` package looks: Python and the CLI share one set-up, and ``ATTACH
'ducklake:sqlite:…'`` loads what it needs by itself. Loading by path would not do: the postgres
package's file is named ``postgres`` while the extension is ``postgres_scanner``, and DuckDB
derives the entry point from the file name.

Connections are made with ``autoinstall_known_extensions`` off: a missing extension is an error
naming the package, never a download attempt.
"""

from __future__ import annotations

import importlib
import json
import os
import sysconfig
from pathlib import Path

import duckdb

# canonical extension name → (package, file name inside the package)
PACKAGES = {
    "ducklake": ("duckdb_extension_ducklake", "ducklake"),
    "sqlite_scanner": ("duckdb_extension_sqlite_scanner", "sqlite_scanner"),
    "postgres_scanner": ("duckdb_extension_postgres", "postgres"),
    "fts": ("duckdb_extension_fts", "fts"),
}
REQUIRED = ("ducklake", "sqlite_scanner")


class ExtensionMissing(RuntimeError):
    """An extension's package is not installed for this DuckDB version."""


def extension_path(name: str) -> Path:
    """The installed file of one extension (canonical name)."""
    package, file = PACKAGES[name]
    pip_name = package.replace("_", "-")
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise ExtensionMissing(
            f"the DuckDB extension {name!r} is not installed (package {pip_name}=={duckdb.__version__}): run `make setup`"
        ) from exc
    path = Path(module.__file__).parent / "extensions" / f"v{duckdb.__version__}" / f"{file}.duckdb_extension"
    if not path.exists():
        raise ExtensionMissing(
            f"the DuckDB extension {name!r} for DuckDB {duckdb.__version__} is not installed (looked for {path}): "
            f"reinstall {pip_name}=={duckdb.__version__} with `make setup`"
        )
    return path


def _platform() -> str:
    return duckdb.execute("SELECT platform FROM pragma_platform()").fetchone()[0]


def _candidates() -> list[Path]:
    """Where the directory can live: beside the packages (where the duckdb CLI looks), or in
    the user's cache when site-packages is not writable (a system-wide install)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bulletin-archive" / "duckdb_extensions"
    return [Path(sysconfig.get_paths()["purelib"]) / ".duckdb_extensions", cache]


_prepared: Path | None = None


def extension_directory() -> Path:
    """The extension directory with a symlink per installed extension package (made if missing)."""
    global _prepared
    if _prepared is not None:
        return _prepared
    targets = {}
    for name in PACKAGES:
        try:
            targets[name] = extension_path(name)
        except ExtensionMissing:
            if name in REQUIRED:
                raise
    platform = _platform()
    problems = []
    for root in _candidates():
        folder = root / f"v{duckdb.__version__}" / platform
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for name, target in targets.items():
                link = folder / f"{name}.duckdb_extension"
                if link.is_symlink() and link.resolve() == target.resolve():
                    continue
                temporary = folder / f".{name}.{os.getpid()}.tmp"
                temporary.unlink(missing_ok=True)
                temporary.symlink_to(target)
                os.replace(temporary, link)  # atomic: two processes preparing at once both succeed
        except OSError as exc:
            problems.append(f"{folder}: {exc.strerror or exc}")
            continue
        _prepared = root
        return root
    raise ExtensionMissing("cannot lay out DuckDB's extensions: " + "; ".join(problems))


_checked: set[str] = set()
"""The extensions a connection of this process has loaded with their signatures checked, or
found checked before by another process in the very same file (:func:`_checked_before`)."""

VERIFIED = "verified.json"
"""In the extension directory: the files whose signatures a connection has checked, each with
the identity its file had then (device, inode, size, modification and change times)."""


def connect(database: str = ":memory:", *, read_only: bool = False, needs: tuple[str, ...] = REQUIRED,
            **config) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that finds the packaged extensions and never downloads one.

    DuckDB checks an extension's signature each time an instance loads it, reading and hashing
    the whole file: 0.2-0.25 s for DuckLake's 36 MB on an idle machine (up to a second on a busy
    one), and every session on the warehouse is an instance of its own, several a run, every
    command a process. So a file's signature is checked once: by the first connection that
    loads it (a file that fails the check fails that connection), which then notes the file's
    identity in the extension directory (``verified.json``). Later connections of any process
    load the same files without checking again (``allow_unsigned_extensions``): 15 ms instead of
    0.25 s a command. A file replaced, rewritten or touched since has another identity (its
    change time cannot be set back) and is checked again. They are the installed packages' own
    files either way, reached only through the extension directory (nothing is ever downloaded)."""
    unchecked = [name for name in needs if name not in _checked and not _checked_before(name)]
    settings = {
        "extension_directory": str(extension_directory()),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": True,
        **({} if unchecked else {"allow_unsigned_extensions": True}),
        **{k: v for k, v in config.items() if v is not None},
    }
    con = duckdb.connect(database, read_only=read_only, config=settings)
    try:
        for name in unchecked:
            con.execute(f"LOAD {name}")
            _checked.add(name)
    except BaseException:
        con.close()
        raise
    if unchecked:
        _note_checked(unchecked)
    return con


def _loaded_file(name: str) -> Path:
    """The file DuckDB loads for an extension: its link in the extension directory."""
    global _platform_name
    if _platform_name is None:
        _platform_name = _platform()
    return extension_directory() / f"v{duckdb.__version__}" / _platform_name / f"{name}.duckdb_extension"


_platform_name: str | None = None


def _identity(path: Path) -> list[int] | None:
    try:
        stat = path.stat()  # of the package's file the link points at
    except OSError:
        return None
    return [stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns]


def _verified() -> tuple[Path, dict]:
    record = extension_directory() / VERIFIED
    try:
        with open(record, encoding="utf-8") as handle:
            data = json.load(handle)
        return record, data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return record, {}


def _checked_before(name: str) -> bool:
    """Whether a connection (of any process) checked this very file: same path, same identity."""
    path = _loaded_file(name)
    identity = _identity(path)
    if identity is None or _verified()[1].get(str(path)) != identity:
        return False
    _checked.add(name)
    return True


def _note_checked(names: list[str]) -> None:
    """Note the files just checked (written whole under another name, then renamed; a folder
    that cannot be written only means the next process checks again)."""
    record, data = _verified()
    for name in names:
        path = _loaded_file(name)
        identity = _identity(path)
        if identity is not None:
            data[str(path)] = identity
    temporary = record.parent / f".{record.name}.{os.getpid()}.tmp"
    try:
        temporary.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(temporary, record)
    except OSError:
        temporary.unlink(missing_ok=True)


def main() -> None:
    """`python -m pipelines.core.store.extensions`: lay the directory out (make setup) and check
    that DuckLake loads from it."""
    root = extension_directory()
    con = connect()
    for name in REQUIRED:
        con.execute(f"LOAD {name}")
    print(f"DuckDB extensions ready in {root}")


if __name__ == "__main__":
    main()
