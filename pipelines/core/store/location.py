"""Where a warehouse is: its DuckLake catalog, its data files, and the local folder beside them.

One setting names it (``--warehouse`` / ``$ARCHIVE_WAREHOUSE``):

- a folder (the default, ``warehouse/``): the SQLite catalog ``catalog.sqlite`` and the Parquet
  files under ``data/`` inside it, with ``staging/``, ``search/`` and the lock files beside them;
- a catalog file ``…/catalog.sqlite`` (or ``ducklake:sqlite:…/catalog.sqlite``): the same, its
  folder being the one it is in;
- ``ducklake:postgres:<connection string>``: a PostgreSQL catalog for several machines, with the
  data files at ``$ARCHIVE_DATA_PATH`` (a shared folder or object storage) and the local folder
  at ``$ARCHIVE_STATE_DIR``.

A DuckDB file (``archive.duckdb``, the layout of schema versions up to 5) is not a warehouse any
more: it is refused with the command that migrates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATALOG_NAME = "catalog.sqlite"
DATA_DIR = "data"


class LocationError(ValueError):
    """The warehouse setting names nothing this pipeline can use."""


@dataclass(frozen=True)
class Location:
    kind: str  # 'sqlite' | 'postgres'
    catalog: str  # what follows 'ducklake:' in ATTACH: 'sqlite:/abs/catalog.sqlite' or 'postgres:…'
    data_path: str  # where Parquet files go: an absolute folder ending in '/', or a URL
    home: Path  # the local folder: staging/, search/, locks

    @property
    def extensions(self) -> tuple[str, ...]:
        """The DuckDB extensions a session on this warehouse loads."""
        return ("ducklake", "sqlite_scanner" if self.kind == "sqlite" else "postgres_scanner")

    @property
    def sqlite_file(self) -> Path | None:
        return Path(self.catalog.removeprefix("sqlite:")) if self.kind == "sqlite" else None

    @property
    def local_data_dir(self) -> Path | None:
        """The data folder when it is on this machine (not object storage)."""
        return None if "://" in self.data_path else Path(self.data_path)

    @property
    def staging_dir(self) -> Path:
        return self.home / "staging"

    @property
    def search_dir(self) -> Path:
        return self.home / "search"

    @property
    def attach_uri(self) -> str:
        return f"ducklake:{self.catalog}"

    def describe(self) -> str:
        if self.kind == "sqlite":
            return str(self.home)
        return f"ducklake:postgres (data at {self.data_path})"

    def exists(self) -> bool:
        """Whether a catalog is there (always assumed for PostgreSQL: the server says)."""
        return self.kind != "sqlite" or self.sqlite_file.exists()


def from_settings(settings, warehouse: str | None = None) -> Location:
    """The warehouse of ``settings`` (``pipelines.config.Settings``), or another one named with
    the same data path and local folder settings."""
    return parse(warehouse or settings.warehouse, data_path=settings.data_path, state_dir=settings.state_dir)


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(12)[8:12] == b"DUCK"
    except OSError:
        return False


def parse(setting: str | Path, *, data_path: str | None = None, state_dir: Path | None = None) -> Location:
    """The warehouse a setting names (see the module's docstring)."""
    text = str(setting).strip()
    if not text:
        raise LocationError("the warehouse setting is empty: give a folder, e.g. --warehouse warehouse/")
    if text.startswith("ducklake:postgres:"):
        if not data_path:
            raise LocationError(
                "a PostgreSQL catalog needs a data path shared by every machine: set $ARCHIVE_DATA_PATH "
                "(a shared folder or an s3:// URL)"
            )
        if state_dir is None:
            raise LocationError("a PostgreSQL catalog needs a local folder for staging and locks: set $ARCHIVE_STATE_DIR")
        data = data_path if "://" in data_path else str(Path(data_path).expanduser().resolve())
        return Location("postgres", text.removeprefix("ducklake:"), data.rstrip("/") + "/", Path(state_dir).expanduser().resolve())
    if text.startswith("ducklake:sqlite:"):
        text = text.removeprefix("ducklake:sqlite:")
    elif text.startswith("ducklake:"):
        raise LocationError(
            f"{text!r}: only SQLite (a folder or catalog.sqlite) and PostgreSQL (ducklake:postgres:…) catalogs are supported"
        )
    path = Path(text).expanduser().resolve()
    if path.suffix == ".duckdb" or (path.is_file() and _is_duckdb_file(path)):
        hint = (f"it is a DuckDB warehouse of an earlier version: move it into a DuckLake warehouse with "
                f"`archive migrate {path} --warehouse {path.parent / 'warehouse'}`, then use that folder"
                if path.exists() else "give the warehouse's folder instead, e.g. --warehouse warehouse/")
        raise LocationError(f"{path} names a DuckDB file, not a DuckLake warehouse (a folder): {hint}")
    if path.suffix in (".sqlite", ".sqlite3", ".db"):
        catalog, home = path, path.parent
    else:
        if path.is_file():
            raise LocationError(f"{path} is a file, not a warehouse folder or a catalog (.sqlite)")
        catalog, home = path / CATALOG_NAME, path
    return Location("sqlite", f"sqlite:{catalog}", f"{home / DATA_DIR}/", home)
