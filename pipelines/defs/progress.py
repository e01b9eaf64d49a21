"""A progress bar on the terminal for `archive ingest` (a Progress resource)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichBar

from pipelines.defs.resources import Progress


class RichProgress(Progress):
    def __init__(self, console: Console) -> None:
        self._bar = RichBar(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[current]}"),
            console=console,
            transient=True,
        )
        self._task = None

    def start(self, total: int, description: str) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._bar.start()
        self._task = self._bar.add_task(description, total=total, current="")

    def advance(self, description: str = "") -> None:
        if self._task is not None:
            self._bar.update(self._task, advance=1, current=description[:40])

    def status(self, description: str) -> None:
        if self._task is not None:
            self._bar.remove_task(self._task)
        self._bar.start()
        self._task = self._bar.add_task(description, total=None, current="")

    def finish(self) -> None:
        self._bar.stop()
        if self._task is not None:
            self._bar.remove_task(self._task)
            self._task = None
