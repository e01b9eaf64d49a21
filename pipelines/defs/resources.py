"""Resources: the warehouse, and where progress is reported (a terminal bar, or nowhere)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import load_settings
from pipelines.core.store import warehouse
from pipelines.core.runtime.locks import writer_lock
from pipelines.core.store.publish import connect_published, published_path


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file; staging lives beside it in ``staging/``."""

    path: str = str(load_settings().warehouse_path)

    @property
    def file(self) -> Path:
        return Path(self.path).expanduser().resolve()

    @property
    def staging_dir(self) -> Path:
        return self.file.parent / "staging"

    @contextlib.contextmanager
    def write(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The live warehouse, for the loader: one writer at a time, across processes."""
        with writer_lock(self.file), warehouse.connect(self.file) as con:
            yield con

    def read(self) -> duckdb.DuckDBPyConnection | None:
        """The published copy (never locked by a writer), or None before the first load."""
        if not published_path(self.file).exists():
            return None
        return connect_published(self.file)


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
