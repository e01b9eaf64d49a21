"""One ingestion at a time per warehouse, across processes.

DuckDB allows one writer per file; two `archive ingest` runs started together would otherwise
race for it and one would fail. With this lock the second waits for the first, then finds that
its files are already in (or reads only what the first did not), so two runs end with the same
warehouse as one. The lock is an flock on a file beside the warehouse: the kernel releases it
when its holder exits, even after a SIGKILL, so a crash never leaves it stuck.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable, Iterator
from pathlib import Path


def ingest_lock(warehouse: Path, on_wait: Callable[[], None] | None = None):
    """Held by a whole command-line ingestion."""
    return _flock(Path(warehouse).parent / f".{Path(warehouse).name}.ingest.lock", on_wait)


def writer_lock(warehouse: Path, on_wait: Callable[[], None] | None = None):
    """Held while writing the live warehouse file: loaders from the command line, the UI, the
    sensor and the schedule take turns instead of failing on DuckDB's lock."""
    return _flock(Path(warehouse).parent / f".{Path(warehouse).name}.writer.lock", on_wait)


@contextlib.contextmanager
def _flock(lock_path: Path, on_wait: Callable[[], None] | None) -> Iterator[None]:
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock
