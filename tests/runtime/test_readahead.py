"""Reading ahead: `archive ingest` starts reading while Dagster starts, and the run's reading
takes what was read, reads what was not, and never reads a file for nothing.

The documents are plain-text exports the tests write (quick to read); what is checked is who
read each one, and that the results are those a run reading alone would have had."""

from __future__ import annotations

import threading
import time

import pytest

from pipelines.config import load_settings
from pipelines.core.runtime import locks, plan, readahead, reading, workers

TEXT = "BẢN TIN HỘI THƯ VIỆN\n\nSố {n}. Ngày {n} tháng 5 năm 2014, chi hội họp tại thư viện tỉnh.\n"


@pytest.fixture
def settings(tmp_path):
    return load_settings().with_warehouse(str(tmp_path / "warehouse"))


@pytest.fixture
def spy(monkeypatch):
    """Every job handed to a worker, with the thread that handed it out."""
    handed: list[tuple[str, str]] = []
    real = workers.run_isolated

    def run_isolated(func, jobs, **kwargs):
        wanted = kwargs.get("wanted")

        def counted(key):
            ok = wanted is None or wanted(key)
            if ok:
                handed.append((threading.current_thread().name, key))
            return ok

        kwargs["wanted"] = counted
        yield from real(func, jobs, **kwargs)

    monkeypatch.setattr(workers, "run_isolated", run_isolated)
    yield handed
    leftover = readahead.take()
    if leftover is not None:
        leftover.close()


def _files(folder, numbers):
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        (folder / f"ban-tin-{n}.txt").write_text(TEXT.format(n=n), encoding="utf-8")
    return folder


def _as_the_run_plans(roots, settings):
    """What the `document` asset would hand to read_isolated for these folders."""
    return readahead.to_read(roots, settings)


def _texts(results):
    return {item.source_path: [p.text for p in extraction.pages] for item, extraction, _ in results}


def test_the_run_takes_every_document_the_read_ahead_read(tmp_path, settings, spy):
    folder = _files(tmp_path / "raw", range(1, 5))
    alone = _texts(reading.read_isolated(_as_the_run_plans([folder], settings), settings))
    spy.clear()

    ahead = readahead.start([folder], settings)
    deadline = time.monotonic() + 60
    while len(ahead._outcomes) < 4 and time.monotonic() < deadline:  # let it finish before the run asks
        time.sleep(0.05)
    results = list(reading.read_isolated(_as_the_run_plans([folder], settings), settings))

    assert _texts(results) == alone
    assert all(status == "ok" for status in (e.status for _, e, _ in results))
    assert [thread for thread, _ in spy] == ["read-ahead"] * 4  # the run itself read nothing
    assert readahead.take() is None  # one run only takes it


def test_files_the_read_ahead_did_not_plan_are_read_by_the_run(tmp_path, settings, spy):
    folder = _files(tmp_path / "raw", range(1, 4))
    ahead = readahead.start([folder], settings)
    assert len(ahead.planned()) == 3
    _files(folder, [9])  # dropped in after the read-ahead planned
    wanted = _as_the_run_plans([folder], settings)
    results = list(reading.read_isolated(wanted, settings))

    assert sorted(_texts(results)) == sorted(str(folder / f"ban-tin-{n}.txt") for n in (1, 2, 3, 9))
    by_thread = {key: thread for thread, key in spy}
    late = next(item.document_id for item in wanted if item.source_path.endswith("ban-tin-9.txt"))
    assert by_thread[late] == "MainThread"
    assert sorted(t for t in by_thread.values()).count("read-ahead") == 3


def test_what_the_run_does_not_want_is_never_read(tmp_path, settings, spy, monkeypatch):
    folder = _files(tmp_path / "raw", range(1, 7))
    release = threading.Event()
    real_wanted = readahead.ReadAhead._wanted

    def slow_start(self, key):  # hold the read-ahead at its first job until the run has claimed
        release.wait(30)
        return real_wanted(self, key)

    monkeypatch.setattr(readahead.ReadAhead, "_wanted", slow_start)
    readahead.start([folder], settings)
    wanted = [item for item in _as_the_run_plans([folder], settings) if item.source_path.endswith("ban-tin-2.txt")]
    results = []
    reader = threading.Thread(target=lambda: results.extend(reading.read_isolated(wanted, settings)))
    reader.start()
    time.sleep(0.5)
    release.set()
    reader.join(60)

    assert [item.source_path for item, _, _ in results] == [wanted[0].source_path]
    assert spy == [("read-ahead", wanted[0].document_id)]  # read once, ahead; the other five never


def test_a_file_changed_since_the_read_ahead_is_read_again(tmp_path, settings, spy):
    folder = _files(tmp_path / "raw", [1])
    ahead = readahead.start([folder], settings)
    assert len(ahead.planned()) == 1
    (folder / "ban-tin-1.txt").write_text(TEXT.format(n=42), encoding="utf-8")  # other bytes now
    results = list(reading.read_isolated(_as_the_run_plans([folder], settings), settings))

    (item, extraction, _), = results
    assert "Số 42" in extraction.pages[0].text
    assert spy[-1] == ("MainThread", item.document_id)


def test_a_read_ahead_stopped_early_leaves_its_documents_to_the_run(tmp_path, settings, spy):
    folder = _files(tmp_path / "raw", range(1, 4))
    ahead = readahead.start([folder], settings)
    ahead.close()  # stopped (as on Ctrl-C) before or while reading
    readahead._active = ahead  # still offered to the run, which must not lose a document
    results = list(reading.read_isolated(_as_the_run_plans([folder], settings), settings))
    assert len(results) == 3 and all(e.status == "ok" for _, e, _ in results)


def test_the_plan_leaves_out_documents_already_read(tmp_path, settings):
    folder = _files(tmp_path / "raw", range(1, 3))
    items = _as_the_run_plans([folder], settings)
    assert len(items) == 2
    # the same bytes at a second path are one document, read once
    (folder / "copy.txt").write_bytes((folder / "ban-tin-1.txt").read_bytes())
    assert len(_as_the_run_plans([folder], settings)) == 2
    assert {i.document_id for i in plan.documents_to_read(items, {items[0].document_id})} == {items[1].document_id}


def test_the_ingestion_lock_can_be_taken_again_by_its_holder_only(tmp_path):
    home = tmp_path / "home"
    entered = threading.Event()
    with locks.ingest_lock(home):
        with locks.ingest_lock(home):  # the command, then the run inside it
            pass

        def other():
            with locks.ingest_lock(home):
                entered.set()

        thread = threading.Thread(target=other)
        thread.start()
        assert not entered.wait(0.5)  # another thread waits for the holder
    assert entered.wait(10)
    thread.join()
