"""Resources: the warehouse, and where progress is reported (a terminal bar, or nowhere)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import load_settings
from pipelines.core.runtime.locks import writer_lock
from pipelines.core.store import warehouse
from pipelines.core.store.location import Location, from_settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckLake warehouse (a folder, a catalog.sqlite, or ducklake:postgres:…); staging,
    the search cache and the locks live in its local folder."""

    path: str = load_settings().warehouse

    @property
    def location(self) -> Location:
        settings = load_settings()
        return from_settings(settings, settings.with_warehouse(self.path).warehouse)

    @property
    def staging_dir(self) -> Path:
        return self.location.staging_dir

    @contextlib.contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A writer's session: one at a time, across processes (the writer lock)."""
        location = self.location
        location.home.mkdir(parents=True, exist_ok=True)
        with writer_lock(location.home), warehouse.connect(location) as con:
            yield con

    def read(self, check_files: bool = False) -> duckdb.DuckDBPyConnection | None:
        """A reader's session at the last committed snapshot (never blocked by a load, never
        blocking one), or None when there is no warehouse yet. ``check_files``: refuse, as a
        writer would, a catalog whose data files are missing, or data files without a catalog
        (before anything is read for a warehouse that cannot take it)."""
        location = self.location
        if check_files:
            warehouse.check_location(location)
        try:
            con = warehouse.connect(location, read_only=True)
        except FileNotFoundError:
            return None
        if check_files:
            try:
                warehouse.check_data_files(con, location)
            except BaseException:
                con.close()
                raise
        return con


class Progress:
    """Told how much work there is and when each piece is done. This one tells no one;
    the command line passes one that draws a progress bar."""

    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, description: str = "") -> None:
        pass

    def status(self, description: str) -> None:
        """Work of unknown length is under way (until the next start or finish)."""

    def finish(self) -> None:
        pass
