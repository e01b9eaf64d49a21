"""One ingestion and one writer at a time per warehouse, across processes.

Two `archive ingest` runs started together would read the same files twice; with the ingestion
lock the second waits for the first, then finds that its files are already in (or reads only
what the first did not), so two runs end with the same warehouse as one. Writers (loads,
maintenance) take turns on the writer lock: DuckLake's SQLite catalog lets one transaction
commit at a time, and a commit that meets another fails instead of waiting. Readers take no
lock. Each lock is an flock on a file in the warehouse's local folder: the kernel releases it
when its holder exits, even after a SIGKILL, so a crash never leaves it stuck. (With a
PostgreSQL catalog shared by several machines the lock is per machine; the loader also retries
a commit that meets another.)
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def ingest_lock(home: Path, on_wait: Callable[[], None] | None = None):
    """Held by a whole command-line ingestion (``home``: the warehouse's local folder). The
    thread that holds it may take it again (the command takes it before it reads ahead, the
    run inside it again); any other thread or process waits."""
    return _reentrant(Path(home) / ".ingest.lock", on_wait)


def writer_lock(home: Path, on_wait: Callable[[], None] | None = None):
    """Held while writing the warehouse: loaders from the command line, the UI, the sensor and
    the schedule, and maintenance, take turns instead of failing on a busy catalog."""
    return _flock(Path(home) / ".writer.lock", on_wait)


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


_held: dict[tuple[str, int, int], int] = {}  # (lock file, process, thread): times taken


@contextlib.contextmanager
def _reentrant(lock_path: Path, on_wait: Callable[[], None] | None) -> Iterator[None]:
    key = (str(lock_path.absolute()), os.getpid(), threading.get_ident())
    if _held.get(key):
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    with _flock(lock_path, on_wait):
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
