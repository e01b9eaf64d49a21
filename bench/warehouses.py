"""Warehouses of synthetic articles for the benchmarks, in this implementation and in the previous
one (one DuckDB file, the whole BM25 index rebuilt and the whole database copied to a published
copy at each load), so that a benchmark compares the two in the same run.

The previous implementation is the code of the commit before the DuckLake warehouse (found in
git history: the parent of the commit that removed pipelines/core/store/publish.py), unpacked
with `git archive` into a temporary folder and run in a subprocess that imports it instead of
the installed package. Commands of that subprocess (and of this one, for the current code):

    python bench/warehouses.py load WAREHOUSE          load what is staged; print seconds and peak memory
    python bench/warehouses.py build-previous FILE N   the previous implementation's warehouse of N articles
    python bench/warehouses.py time-queries FILE PHRASES.json   its search latency
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PREVIOUS = os.environ.get("ARCHIVE_BENCH_PREVIOUS")  # set in the previous implementation's subprocess


def _use_previous_code() -> None:
    """Import the unpacked previous tree, not the installed (editable) package."""
    sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
    sys.path.insert(0, PREVIOUS)


if PREVIOUS:
    _use_previous_code()


def articles(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """bench/search.py's generator: n (title, body) pairs, 150–450 words each."""
    sys.path.insert(0, str(BENCH))
    from search import make_articles

    return make_articles(n, random.Random(seed))


def document_id(i: int) -> str:
    return hashlib.sha256(f"bench-article-{i}".encode()).hexdigest()


def extraction(i: int, title: str, body: str):
    from pipelines.core.models import Article, Extraction, Page

    text = f"{title}\n\n{body}"
    return Extraction(document_id(i), "text/plain", "ok", pages=[Page(1, "text", text, engine="plain text (utf-8)",
                                                                       reason="text file")],
                      articles=[Article(1, title, body, 1, 1)])


def file_row(i: int):
    from pipelines.core.store.warehouse import FileRow

    return FileRow(f"/archive/raw/bench-{i:06d}.txt", document_id(i), 2000, dt.datetime(2026, 1, 1))


def build_lake(path: Path, corpus: list[tuple[str, str]], first: int = 0, chunk: int = 5000) -> float:
    """This implementation's warehouse of the articles, loaded in batches of ``chunk`` documents
    (as ingestion runs would), then maintained (files merged, search cache built)."""
    from pipelines.core.store import maintain
    from pipelines.core.store import warehouse as wh

    start = time.perf_counter()
    location = wh.location_of(path)
    with wh.connect(location) as con:
        for offset in range(0, len(corpus), chunk):
            items = [wh.LoadItem(extraction(first + offset + j, t, b), file_rows=[file_row(first + offset + j)])
                     for j, (t, b) in enumerate(corpus[offset:offset + chunk])]
            wh.load_batch(con, items, pipeline_version="bench")
        maintain.maintain(con, location, 30)
    return time.perf_counter() - start


def stage(staging_dir: Path, corpus: list[tuple[str, str]], first: int) -> None:
    """New documents staged as the reading step leaves them (the format is the same in both
    implementations)."""
    from pipelines.core.store import staging

    for j, (title, body) in enumerate(corpus):
        row = file_row(first + j)
        staging.write_staged(staging_dir, extraction(first + j, title, body), source_path=row.source_path,
                             byte_size=row.byte_size, file_rows=[row], run_id="bench", read_seconds=0.1)


def reset_peak_memory() -> None:
    """Start this process's peak-memory count from now (Linux: a process started by a large
    one inherits its high-water mark otherwise)."""
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def peak_memory_mb() -> int:
    """The process's peak resident memory since the last reset (VmHWM)."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def load(warehouse: str) -> dict:
    """What the loader step does, timed: this implementation's (one transaction, incremental
    index, search cache refreshed), or the previous one's (a transaction per document, then the
    whole index rebuilt and the whole database copied to the published copy)."""
    reset_peak_memory()
    rss_before = peak_memory_mb()
    if PREVIOUS:
        from pipelines.config import PIPELINE_VERSION
        from pipelines.core.runtime.locks import writer_lock
        from pipelines.core.store import staging
        from pipelines.core.store import warehouse as wh
        from pipelines.core.store.publish import publish

        start = time.perf_counter()
        path = Path(warehouse)
        with writer_lock(path), wh.connect(path) as con:
            for staged in staging.staged_files(path.parent / "staging"):
                _fit_to_previous(staged)
                doc = staging.read_staged(staged)
                wh.load_document(con, doc.extraction, source_path=doc.source_path, byte_size=doc.byte_size,
                                 pipeline_version=PIPELINE_VERSION, file_rows=doc.file_rows, run_id=doc.run_id,
                                 read_seconds=doc.read_seconds)
                staged.unlink()
            wh.refresh_search(con)
            publish(con, path)
        seconds = time.perf_counter() - start
    else:
        from pipelines.defs.load import load_staged
        from pipelines.defs.resources import WarehouseResource

        start = time.perf_counter()
        outcome = load_staged(WarehouseResource(path=warehouse))
        seconds = time.perf_counter() - start
        assert outcome.result.documents, "nothing was loaded"
    return {"seconds": round(seconds, 2), "peak_rss_mb": peak_memory_mb(), "rss_before_mb": rss_before}


def _fit_to_previous(path: Path) -> None:
    """A staged file as the previous implementation wrote them: without the fields added since
    (its reader refuses a field it does not know, e.g. the extraction's ``timings``)."""
    import dataclasses

    from pipelines.core.models import Article, Extraction, Page

    payload = json.loads(path.read_text(encoding="utf-8"))
    extraction = payload.get("extraction")
    if extraction:
        for record, kind in [(extraction, Extraction), *((p, Page) for p in extraction.get("pages", [])),
                             *((a, Article) for a in extraction.get("articles", []))]:
            known = {f.name for f in dataclasses.fields(kind)}
            for key in [k for k in record if k not in known]:
                del record[key]
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def build_previous(path: str, n: int) -> dict:
    """The previous implementation's warehouse of n articles: rows inserted in bulk, then the
    index built and the published copy made, as its loader left a warehouse."""
    from pipelines.core.store import search, warehouse
    from pipelines.core.store.publish import publish

    corpus = articles(n)
    start = time.perf_counter()
    target = Path(path)
    con = warehouse.connect(target)
    folded, exact = [], []
    for i, (title, body) in enumerate(corpus):
        f, e = search.search_rows(f"{document_id(i)}-1", search.article_text(title, body, None, []))
        folded.append(f | {"document_id": document_id(i)})
        exact.append(e | {"document_id": document_id(i)})
    warehouse._bulk_insert(con, "search_folded", warehouse.SEARCH_COLUMNS, folded)
    warehouse._bulk_insert(con, "search_exact", warehouse.SEARCH_COLUMNS, exact)
    warehouse._bulk_insert(con, "articles", warehouse.ARTICLE_COLUMNS, (
        {"article_id": f"{document_id(i)}-1", "document_id": document_id(i), "seq": 1, "title": t, "body": b,
         "authors": [], "page_start": 1, "page_end": 1} for i, (t, b) in enumerate(corpus)))
    warehouse._bulk_insert(con, "pages", warehouse.PAGE_COLUMNS, (
        {"document_id": document_id(i), "page_number": 1, "method": "text", "text": f"{t}\n\n{b}",
         "char_count": len(t) + len(b) + 2, "engine": "plain text (utf-8)", "reason": "text file"}
        for i, (t, b) in enumerate(corpus)))
    warehouse._bulk_insert(con, "documents", {
        "document_id": "VARCHAR", "source_path": "VARCHAR", "file_name": "VARCHAR", "media_type": "VARCHAR",
        "byte_size": "BIGINT", "page_count": "INTEGER", "status": "VARCHAR", "ingested_at": "TIMESTAMP",
        "pipeline_version": "VARCHAR"},
        ({"document_id": document_id(i), "source_path": file_row(i).source_path, "file_name": Path(file_row(i).source_path).name,
          "media_type": "text/plain", "byte_size": 2000, "page_count": 1, "status": "ok",
          "ingested_at": "2026-01-01 00:00:00", "pipeline_version": "bench"} for i in range(n)))
    warehouse._bulk_insert(con, "files", {"source_path": "VARCHAR", "document_id": "VARCHAR", "byte_size": "BIGINT",
                                          "modified_at": "TIMESTAMP", "seen_at": "TIMESTAMP"},
                           ({"source_path": file_row(i).source_path, "document_id": document_id(i), "byte_size": 2000,
                             "modified_at": "2026-01-01 00:00:00", "seen_at": "2026-01-01 00:00:00"} for i in range(n)))
    warehouse.refresh_search(con)
    publish(con, target)
    con.close()
    return {"seconds": round(time.perf_counter() - start, 1)}


def time_queries(warehouse: str, phrases_file: str) -> dict:
    """The previous implementation's search (its published copy, the extension's index), timed as
    bench/search.py times this one's."""
    from pipelines.core.store import search
    from pipelines.core.store.publish import connect_published
    from pipelines.core.text.tones import fold
    from search import summary, time_queries as timed

    phrases = json.loads(Path(phrases_file).read_text(encoding="utf-8"))
    with connect_published(Path(warehouse)) as con:
        return {label: summary(timed(lambda q: search.search(con, q, limit=10), qs))
                for label, qs in (("with_diacritics", phrases), ("without_diacritics", [fold(q) for q in phrases]))}


# --- running the previous implementation --------------------------------------------------------


def previous_commit() -> str:
    """The commit before the DuckLake warehouse: the parent of the commit that removed the
    published copy (pipelines/core/store/publish.py)."""
    removed = subprocess.run(["git", "rev-list", "-1", "HEAD", "--", "pipelines/core/store/publish.py"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.strip()
    return subprocess.run(["git", "rev-parse", f"{removed}^"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def unpack_previous(into: Path) -> Path:
    """The previous implementation's pipelines/ and bench/ under ``into``."""
    commit = previous_commit()
    archive = into / "previous.tar"
    with open(archive, "wb") as handle:
        subprocess.run(["git", "archive", commit, "pipelines", "bench", "scripts"], cwd=ROOT, stdout=handle, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "previous", filter="data")
    (into / "previous" / "COMMIT").write_text(commit)
    return into / "previous"


def run(command: list[str], previous: Path | None = None, env: dict | None = None, timeout: float = 7200) -> dict:
    """``python bench/warehouses.py COMMAND …`` in a fresh process (its own peak memory), with
    the previous implementation's code when ``previous`` is given; its printed JSON."""
    environment = dict(os.environ, **(env or {}))
    environment.pop("ARCHIVE_BENCH_PREVIOUS", None)
    if previous is not None:
        environment["ARCHIVE_BENCH_PREVIOUS"] = str(previous)
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), *command], env=environment, capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="archive-bench-")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "load":
        print(json.dumps(load(args[0])))
    elif command == "time-queries":
        sys.path.insert(0, str(BENCH))
        print(json.dumps(time_queries(*args)))
    elif command == "build-previous":
        print(json.dumps(build_previous(args[0], int(args[1]))))
    else:
        raise SystemExit(f"unknown command {command}")
