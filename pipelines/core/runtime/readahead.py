"""Reading that starts before the run that will want it.

`archive ingest` spends its first seconds importing Dagster, opening the run history and
planning the run, on one core, while the readers' workers wait; on a 2-core machine that is
a core idle for the length of the start-up, and more at the first run of a new instance. A
read-ahead plans the ingestion the way the `document` asset will (the same scan, the same
documents already in the warehouse, the same choice of what to read) and starts the workers on
it at once, in a thread of the command's own process. When the asset then reads, it takes what
the read-ahead has read or is reading (``reading.read_isolated``); anything the asset wants
that the read-ahead does not hold is read as usual, and what the read-ahead holds that the
asset does not want is dropped unread (its workers stopped).

A result is only ever used for the same file, the same bytes (its SHA-256) and the same
reading options: the worker's result for those is the same whichever run asked for it. The
read-ahead reads nothing that the asset would not: it runs under the ingestion lock of the
command that started it, and whatever it reads goes through the same isolated workers, with
the same time and memory limits, as any document.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from pipelines.config import Settings
from pipelines.core.runtime import plan, workers
from pipelines.core.runtime.plan import ScannedFile
from pipelines.core.runtime.reading import Job, jobs_for, read_jobs

_active: ReadAhead | None = None
_active_lock = threading.Lock()


class ReadAhead:
    """Documents read in the background for a run that has not started yet."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._jobs: dict[str, Job] = {}
        self._outcomes: dict[str, workers.Outcome] = {}
        self._arrived: deque[str] = deque()  # keys of outcomes not yet taken, in the order read
        self._dropped: set[str] = set()
        self._planned = False
        self._finished = False
        self.error: str | None = None  # why the read-ahead stopped early, if it did
        self._condition = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ the background thread

    def start(self, plan_jobs) -> None:
        """Run ``plan_jobs()`` (which gives the jobs to read) and read them, in a thread."""
        self._thread = threading.Thread(target=self._run, args=(plan_jobs,), name="read-ahead", daemon=True)
        self._thread.start()

    def _run(self, plan_jobs) -> None:
        try:
            jobs = plan_jobs()
            with self._condition:
                self._jobs = {job.key: job for job in jobs}
                self._planned = True
                self._condition.notify_all()
            if not jobs or self._stop.is_set():
                return
            for outcome in read_jobs(jobs, self._settings, wanted=self._wanted, stop=self._stop.is_set):
                with self._condition:
                    self._outcomes[outcome.key] = outcome
                    self._arrived.append(outcome.key)
                    self._condition.notify_all()
        except Exception as exc:  # the run reads for itself what was not read here
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            with self._condition:
                self._finished = True
                self._condition.notify_all()

    def _wanted(self, key: str) -> bool:
        with self._condition:
            return key not in self._dropped

    def planned(self) -> list[str]:
        """The documents it reads (their ids), once it has planned them (a scan of the files)."""
        with self._condition:
            self._condition.wait_for(lambda: self._planned or self._finished)
            return list(self._jobs)

    # ------------------------------------------------------------------ the run that reads

    def claim(self, jobs: list[Job]) -> tuple[list[str], list[Job]]:
        """Which of ``jobs`` this read-ahead serves (their keys), and those it does not (to be
        read by the caller). Whatever else it planned is dropped from now on. Waits for the
        read-ahead's plan, which comes before any reading (a scan of the files)."""
        self.planned()
        with self._condition:
            served, rest = [], []
            for job in jobs:
                mine = self._jobs.get(job.key)
                if mine is not None and mine.same_reading(job):
                    served.append(job.key)
                else:
                    rest.append(job)
            self._dropped = set(self._jobs) - set(served)
        return served, rest

    def outcomes(self, keys: list[str]) -> Iterator[tuple[str, workers.Outcome | None]]:
        """(key, outcome) for each of ``keys`` as it is read (those read already first); the
        outcome is None for a key the read-ahead stopped before reading: the caller reads it."""
        waiting = set(keys)
        while waiting:
            with self._condition:
                self._condition.wait_for(lambda: self._finished or bool(self._arrived))
                results = []
                while self._arrived:
                    key = self._arrived.popleft()
                    outcome = self._outcomes.pop(key)
                    if key in waiting:
                        results.append((key, outcome))
                if not results and self._finished:
                    results = [(key, None) for key in waiting]
            for key, outcome in results:
                waiting.discard(key)
                yield key, outcome

    def close(self) -> None:
        """Stop reading: workers under way are stopped within half a second. A plan still being
        made (a scan of a large folder) is not waited for: the thread starts no worker after it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def start(roots: list[Path], settings: Settings, reprocess: bool = False) -> ReadAhead:
    """Plan and start reading what an ingestion of ``roots`` into ``settings.warehouse`` will
    read, and hold it for that ingestion's `document` asset in this process. The caller holds
    the ingestion lock, and closes the read-ahead when the ingestion ends."""
    global _active
    ahead = ReadAhead(settings)

    def plan_jobs() -> list[Job]:
        return jobs_for(to_read(roots, settings, reprocess), settings)

    with _active_lock:
        if _active is not None:
            _active.close()
        _active = ahead
    ahead.start(plan_jobs)
    return ahead


def take() -> ReadAhead | None:
    """The read-ahead started in this process, for the one run that reads (then no longer
    offered to another)."""
    global _active
    with _active_lock:
        ahead, _active = _active, None
    return ahead


def to_read(roots: list[Path], settings: Settings, reprocess: bool = False) -> list[ScannedFile]:
    """What an ingestion of ``roots`` reads, decided as the `document` asset decides it: files
    new or changed since the warehouse recorded them, one path per document, documents the
    warehouse holds left out (all of them read again when reprocessing)."""
    from pipelines.core.store import warehouse as wh
    from pipelines.core.store.location import from_settings

    location = from_settings(settings)
    known_files, known_documents = {}, set()
    wh.check_location(location)
    try:
        con = wh.connect(location, read_only=True)
    except FileNotFoundError:
        con = None
    if con is not None:
        with con:
            known_files = wh.known_files(con)
            known_documents = wh.known_documents(con)
    scanned, _ = plan.scan(roots, {} if reprocess else known_files)
    changed = [item for item in scanned if reprocess or not item.unchanged]
    return plan.documents_to_read(changed, set() if reprocess else known_documents)
