"""Resources: the warehouse, and where progress is reported (a terminal bar, or nowhere)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from pipelines.config import load_settings
from pipelines.core import warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file; staging lives beside it in ``staging/``."""

    path: str = str(load_settings().warehouse_path)

    @property
    def file(self) -> Path:
        return Path(self.path).expanduser().resolve()

    @property
    def staging_dir(self) -> Path:
        return self.file.parent / "staging"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        return warehouse.connect(self.file, read_only=read_only)


class Progress:
    """Told how much work there is and when each piece is done. This one tells no one;
    the command line passes one that draws a progress bar."""

    def start(self, total: int, description: str) -> None:
        pass

    def advance(self, description: str = "") -> None:
        pass

    def finish(self) -> None:
        pass
