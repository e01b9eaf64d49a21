"""Run each document in a worker process, with a wall-clock limit and a memory cap.

A file that hangs the PDF parser, crashes it, or exhausts memory takes only its own worker
down; the caller gets an error result for it and the batch goes on (Apache Tika does the same).
Workers are forked from a forkserver that has already imported the readers, and each worker
reads documents one after another (one at a time, so a crash costs only the document it was
reading): a batch of small files pays for a process start once per worker, not once per file.
A worker is replaced after a failure of any kind and after ``jobs_per_worker`` documents, so
that nothing a reader leaves behind (memory, threads) accumulates.
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

_PRELOAD = ["pipelines.core.runtime.preload"]
JOBS_PER_WORKER = 200


@dataclass
class Outcome:
    key: Any
    value: Any = None
    error: str | None = None  # set when the worker died, timed out or raised
    seconds: float = 0.0


def _serve(conn: Connection, func: Callable, memory_limit_mb: int | None) -> None:
    """A worker: read (key, args) jobs until told to stop (None), answer each one."""
    if memory_limit_mb:
        limit = memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        while True:
            args = conn.recv()
            if args is None:
                return
            conn.send(_call(func, args, memory_limit_mb))
    except (EOFError, OSError):  # the parent went away
        return
    finally:
        conn.close()


def _call(func: Callable, args: tuple, memory_limit_mb: int | None) -> tuple[str, Any]:
    try:
        return "ok", func(*args)
    except MemoryError:
        return "error", f"out of memory (over the {memory_limit_mb} MB limit)"
    except BaseException as exc:  # report anything, including a reader bug, to the parent
        last = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
        where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
        return "error", f"worker error: {type(exc).__name__}: {exc}{where}"


def _context() -> mp.context.BaseContext:
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    return ctx


def start_early() -> None:
    """Start the workers' server now: it imports the readers and builds their caches (about a
    second of CPU) on another core while this process goes on (importing Dagster, planning the
    run), instead of the first document waiting for it. When nothing is read, the server just
    exits with this process."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


@dataclass
class _Worker:
    process: mp.Process
    conn: Connection
    done: int = 0
    key: Any = None  # the job it is reading, if any
    started: float = 0.0

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                kill = True
        if kill:
            self.process.kill()
        self.process.join(timeout=None if kill else 5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def run_isolated(
    func: Callable,
    jobs: Iterable[tuple[Any, tuple]],
    *,
    workers: int = 2,
    timeout_s: float = 1800,
    memory_limit_mb: int | None = None,
    jobs_per_worker: int = JOBS_PER_WORKER,
    wanted: Callable[[Any], bool] | None = None,
    stop: Callable[[], bool] | None = None,
) -> Iterator[Outcome]:
    """Run ``func(*args)`` for each ``(key, args)`` in a worker process; yield outcomes as they finish.

    ``wanted``: asked about each job as a worker comes free for it; a job it refuses is dropped
    (nothing is yielded for it). ``stop``: polled at least twice a second; once it says so, no
    job is started, those under way are abandoned (their workers killed) and the iteration ends.
    Both serve a caller on another thread that changes its mind (runtime/readahead.py)."""
    ctx = _context()
    pending = list(jobs)
    pending.reverse()
    idle: list[_Worker] = []
    busy: dict[Connection, _Worker] = {}

    def start() -> _Worker:
        parent, child = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(child, func, memory_limit_mb), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def retire(worker: _Worker, failed: bool) -> None:
        if failed or worker.done >= jobs_per_worker:
            worker.stop(kill=failed)
        else:
            idle.append(worker)

    try:
        while pending or busy:
            if stop is not None and stop():
                return
            while pending and len(busy) < max(1, workers):
                key, args = pending.pop()
                if wanted is not None and not wanted(key):
                    continue
                worker = idle.pop() if idle else start()
                worker.key, worker.started = key, time.monotonic()
                worker.conn.send(args)
                busy[worker.conn] = worker
            if not pending:  # no more work for the idle ones
                while idle:
                    idle.pop().stop()
            for conn in wait(list(busy), timeout=0.5):
                worker = busy.pop(conn)
                worker.done += 1
                outcome = _collect(worker)
                retire(worker, failed=outcome.error is not None)
                yield outcome
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if now - worker.started > timeout_s:
                    del busy[conn]
                    worker.stop(kill=True)
                    yield Outcome(worker.key, error=f"timed out after {timeout_s:g} s", seconds=now - worker.started)
    finally:
        for worker in list(busy.values()) + idle:
            worker.stop(kill=True)


def _collect(worker: _Worker) -> Outcome:
    try:
        status, value = worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join()
        code = worker.process.exitcode
        if code is not None and code < 0:
            reason = f"the reader crashed (killed by signal {-code})"
            if -code == 9:
                reason += "; it may have run out of memory"
        else:
            reason = f"the reader exited unexpectedly (exit code {code})"
        return Outcome(worker.key, error=reason, seconds=time.monotonic() - worker.started)
    seconds = time.monotonic() - worker.started
    if status == "ok":
        return Outcome(worker.key, value=value, seconds=seconds)
    return Outcome(worker.key, error=value, seconds=seconds)
