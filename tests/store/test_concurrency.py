"""Readers and writers in separate processes, on one DuckLake warehouse: a reader sees one
whole snapshot and is never blocked by a load nor blocks one; loaders committing at once end
as if one had run after the other. (Waits have generous limits: they detect a block, they do
not measure speed.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from pipelines.core.store import warehouse as wh
from tests.helpers import lake_worker

ROOT = Path(__file__).resolve().parents[2]


def worker(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "tests.helpers.lake_worker", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 300) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, out + err
    return out


def wait_for(path: Path, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + lake_worker.WAIT
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path.name} never came"
        time.sleep(0.01)


def test_a_reader_holding_a_long_query_sees_one_snapshot_and_neither_blocks_nor_is_blocked(tmp_path):
    warehouse = tmp_path / "wh"
    lake_worker.load(str(warehouse), 0, 5)  # 5 documents of 2 pages

    # 1. A load holds an open transaction with rows written: a reader runs a whole query meanwhile.
    writer = wh.connect(warehouse)
    writer.execute("BEGIN TRANSACTION")
    writer.execute("DELETE FROM pages WHERE document_id = 'doc0000'")
    writer.execute("INSERT INTO documents SELECT * REPLACE ('doc9999' AS document_id) FROM documents WHERE document_id = 'doc0001'")
    assert json.loads(finish(worker("read", str(warehouse)))) == [5, 10, 5]  # not blocked; the last snapshot
    writer.execute("ROLLBACK")
    writer.close()

    # 2. A reader's query is held in the middle of its reading while a load commits.
    signals = tmp_path / "signals"
    signals.mkdir()
    reader = worker("hold-query", str(warehouse), str(signals))
    wait_for(signals / "reading", reader)
    lake_worker.load(str(warehouse), 5, 8)  # commits while the query is held: it does not wait for it
    (signals / "committed").touch()
    seen = json.loads(finish(reader))
    assert seen["held"] == [5, 10, 5]  # one whole snapshot: the one the query began on, both tables
    assert seen["after"] == [8, 16, 8]  # the next query sees the load, whole


def content(warehouse: Path) -> dict[str, list]:
    """Every table's rows without the columns that say when, and the search index's totals."""
    when = {"ingested_at", "seen_at", "loaded_at"}
    out = {}
    with wh.connect(warehouse, read_only=True) as con:
        for table in ("files", "documents", "pages", "articles", "search_folded", "search_exact", "search_docs",
                      "search_postings"):
            columns = [c[0] for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] not in when]
            out[table] = sorted(con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr)
        out["search_df"] = con.execute(
            "SELECT idx, term, sum(df) FROM search_df GROUP BY ALL HAVING sum(df) <> 0 ORDER BY ALL").fetchall()
        out["search_stats"] = con.execute("SELECT idx, sum(docs), sum(total_len) FROM search_stats GROUP BY ALL ORDER BY ALL").fetchall()
        out["loads"] = con.execute("SELECT load_id, documents FROM loads ORDER BY load_id").fetchall()
    return out


def test_two_loaders_committing_at_once_end_with_the_tables_of_one_after_the_other(tmp_path):
    together, apart = tmp_path / "together", tmp_path / "apart"
    for warehouse in (together, apart):
        lake_worker.load(str(warehouse), 0, 4)  # the same start
    go = tmp_path / "go"
    loaders = [worker("load", str(together), "4", "40", str(go)), worker("load", str(together), "30", "70", str(go))]
    time.sleep(1.0)  # both started, waiting at the line
    go.touch()
    for loader in loaders:
        finish(loader)
    ours = content(together)
    # Whichever took the writer lock first committed first (a race the machine's load decides):
    # one after the other in that order. 4–40 holds 36 documents, 30–70 holds 40.
    order = [(4, 40), (30, 70)] if ours["loads"][1][1] == 36 else [(30, 70), (4, 40)]
    for start, end in order:
        lake_worker.load(str(apart), start, end)
    theirs = content(apart)
    assert ours["documents"] and len(ours["documents"]) == 70
    assert ours == theirs
