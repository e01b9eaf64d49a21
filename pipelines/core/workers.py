"""Run each document in its own worker process, with a wall-clock limit and a memory cap.

A file that hangs the PDF parser, crashes it, or exhausts memory takes only its own worker
down; the caller gets an error result for it and the batch goes on (Apache Tika does the same).
Workers are forked from a forkserver that has already imported the readers, so starting one
costs milliseconds.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

_PRELOAD = ["pipelines.core.preload"]


@dataclass
class Outcome:
    key: Any
    value: Any = None
    error: str | None = None  # set when the worker died, timed out or raised
    seconds: float = 0.0


def _child(conn: Connection, func: Callable, args: tuple, memory_limit_mb: int | None) -> None:
    try:
        if memory_limit_mb:
            limit = memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        value = func(*args)
        conn.send(("ok", value))
    except MemoryError:
        conn.send(("error", f"out of memory (over the {memory_limit_mb} MB limit)"))
    except BaseException as exc:  # report anything, including a reader bug, to the parent
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
        conn.send(("error", f"worker error: {type(exc).__name__}: {exc}{where}"))
    finally:
        conn.close()


def _context() -> mp.context.BaseContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def run_isolated(
    func: Callable,
    jobs: Iterable[tuple[Any, tuple]],
    *,
    workers: int = 2,
    timeout_s: float = 1800,
    memory_limit_mb: int | None = None,
) -> Iterator[Outcome]:
    """Run ``func(*args)`` for each ``(key, args)`` in a fresh process; yield outcomes as they finish."""
    ctx = _context()
    pending = list(jobs)
    pending.reverse()
    running: dict[Connection, tuple[Any, mp.Process, float]] = {}
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                key, args = pending.pop()
                parent, child = ctx.Pipe(duplex=False)
                process = ctx.Process(target=_child, args=(child, func, args, memory_limit_mb), daemon=True)
                process.start()
                child.close()
                running[parent] = (key, process, time.monotonic())
            ready = wait(list(running), timeout=0.5)
            for conn in ready:
                key, process, started = running.pop(conn)
                yield _collect(conn, key, process, started)
            now = time.monotonic()
            for conn, (key, process, started) in list(running.items()):
                if now - started > timeout_s:
                    process.kill()
                    process.join()
                    conn.close()
                    del running[conn]
                    yield Outcome(key, error=f"timed out after {timeout_s:g} s", seconds=now - started)
    finally:
        for conn, (_key, process, _started) in running.items():
            process.kill()
            process.join()
            conn.close()


def _collect(conn: Connection, key: Any, process: mp.Process, started: float) -> Outcome:
    try:
        status, value = conn.recv()
    except (EOFError, OSError):
        process.join()
        code = process.exitcode
        if code is not None and code < 0:
            reason = f"the reader crashed (killed by signal {-code})"
            if -code == 9:
                reason += "; it may have run out of memory"
        else:
            reason = f"the reader exited unexpectedly (exit code {code})"
        return Outcome(key, error=reason, seconds=time.monotonic() - started)
    finally:
        conn.close()
    process.join()
    seconds = time.monotonic() - started
    if status == "ok":
        return Outcome(key, value=value, seconds=seconds)
    return Outcome(key, error=value, seconds=seconds)
