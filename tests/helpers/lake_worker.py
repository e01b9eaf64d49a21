"""Processes for the concurrency tests, run as ``python -m tests.helpers.lake_worker COMMAND …``.

    load WAREHOUSE FIRST LAST GO      wait for the file GO, then load documents FIRST..LAST-1 in one
                                      batch (as the loader does: under the writer lock)
    hold-query WAREHOUSE SIGNALS      run one query over two tables that pauses in the middle until
                                      SIGNALS/committed exists (saying SIGNALS/reading when it
                                      pauses), print its counts, then a new query's counts
    read WAREHOUSE                    print the counts of one query
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

from pipelines.core.models import Article, Extraction, Page
from pipelines.core.runtime.locks import writer_lock
from pipelines.core.store import warehouse as wh

WAIT = 120  # seconds before a pause gives up (a failure, never a measurement)


def document(n: int) -> wh.LoadItem:
    body = f"Ngày {n % 28 + 1}/5/2014, tại Hà Nội, hội nghị thư viện lần thứ {n} đã diễn ra với {n * 7} đại biểu."
    extraction = Extraction(f"doc{n:04d}", "text/plain", "ok",
                            pages=[Page(1, "text", body), Page(2, "text", "Trang hai.")],
                            articles=[Article(1, f"HỘI NGHỊ {n}", body, 1, 2, dt.date(2014, 5, n % 28 + 1), authors=["Hồng Vân"])])
    path = f"/raw/tin-{n:04d}.txt"
    return wh.LoadItem(extraction, path, len(body), [wh.FileRow(path, extraction.document_id, len(body), dt.datetime(2024, 1, 1))])


def load(warehouse: str, first: int, last: int, go: str | None = None) -> None:
    location = wh.location_of(warehouse)
    if go:
        deadline = time.monotonic() + WAIT
        while not Path(go).exists():
            if time.monotonic() > deadline:
                raise SystemExit("never told to go")
            time.sleep(0.01)
    with writer_lock(location.home), wh.connect(location) as con:
        result = wh.load_batch(con, [document(n) for n in range(first, last)], pipeline_version="t")
    print(json.dumps({"load_id": result.load_id, "attempts": result.attempts}), flush=True)


COUNTS = """
    SELECT (SELECT count(*) FROM documents WHERE gate(document_id)) AS documents,
           (SELECT count(*) FROM pages WHERE gate(document_id)) AS pages,
           (SELECT count(*) FROM articles) AS articles
"""


def hold_query(warehouse: str, signals: str) -> None:
    folder = Path(signals)
    con = wh.connect(warehouse, read_only=True)
    calls = {"n": 0}

    def gate(_value: str) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:  # the query has read part of its snapshot: pause until a load commits
            (folder / "reading").touch()
            deadline = time.monotonic() + WAIT
            while not (folder / "committed").exists():
                if time.monotonic() > deadline:
                    raise RuntimeError("no load committed while this query was held")
                time.sleep(0.01)
        return True

    con.create_function("gate", gate, ["VARCHAR"], "BOOLEAN", side_effects=True)
    held = con.execute(COUNTS).fetchone()
    after = con.execute(COUNTS).fetchone()
    print(json.dumps({"held": held, "after": after}), flush=True)


def read(warehouse: str) -> None:
    con = wh.connect(warehouse, read_only=True)
    con.create_function("gate", lambda _v: True, ["VARCHAR"], "BOOLEAN")
    print(json.dumps(con.execute(COUNTS).fetchone()), flush=True)


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "load":
        load(args[0], int(args[1]), int(args[2]), args[3] if len(args) > 3 else None)
    elif command == "hold-query":
        hold_query(*args)
    elif command == "read":
        read(*args)
    else:
        raise SystemExit(f"unknown command {command}")
