"""What a load costs as the archive grows: 1 and 100 new documents into warehouses of 0, 1,000,
10,000 and 100,000 articles, time and peak memory, against the previous implementation in the
same run.

    .venv/bin/python bench/growth.py [--sizes 0,1000,10000,100000] [--previous-sizes 0,1000,10000]

For each size, a warehouse of that many synthetic articles (bench/search.py's generator, 150–450
words each) is built once per implementation; then, each in a fresh process, the loader loads
1 new document (three times, the median is kept), then 100 new documents, then 1 document
again with another text (a replacement), staged as the reading step leaves them. This
implementation: one DuckLake transaction for the batch, the search index updated
incrementally, the search cache refreshed. The previous implementation
(the commit before it, from git history: bench/warehouses.py): a transaction per document into
one DuckDB file, then the whole BM25 index rebuilt and the whole database copied to the
published copy. Peak memory is the loading process's (Python, DuckDB and the extensions
included). Last, the same 1-document load end to end (`archive ingest` of one new text file:
planning, reading, loading, in a fresh process; the median of three after a first run that
creates the Dagster instance) into the largest and the empty warehouse.

Writes bench/results/growth.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import warehouses  # noqa: E402
from results_file import write_result  # noqa: E402

REPEAT_ONE = 3


def measure(kind: str, base: Path, corpus, first: int, previous: Path | None) -> dict:
    """Stage ``corpus`` (new documents numbered from ``first``) and load it in a fresh process."""
    staging = base / "staging" if kind == "lake" else base.parent / "staging"
    warehouses.stage(staging, corpus, first)
    return warehouses.run(["load", str(base)], previous=previous)


def ingest_one(warehouse: Path, corpus, work: Path) -> float:
    """`archive ingest` of one new text file, end to end, in a fresh process, with the run
    history already there (the first ingestion into a new Dagster instance also creates its
    storage: one such run first, not timed)."""
    env = dict(os.environ, DAGSTER_HOME=str(work / "dagster"))
    times = []
    for title, body in corpus:
        folder = work / f"drop-{time.monotonic_ns()}"
        folder.mkdir()
        (folder / "tin-moi.txt").write_text(f"{title.upper()}\n\n{body}\n", encoding="utf-8")
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "-w", str(warehouse)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(done.stdout + done.stderr)
    return round(statistics.median(times[1:]), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,10000,100000")
    parser.add_argument("--previous-sizes", default="0,1000,10000",
                        help="sizes also measured with the previous implementation (100000 takes about an hour)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    previous_sizes = {int(s) for s in args.previous_sizes.split(",") if s}
    largest = max(sizes)
    fresh = REPEAT_ONE + 100 + 4  # new documents per size: 1 (× 3), then 100, then 4 ingested end to end
    started = time.perf_counter()
    corpus = warehouses.articles(largest + fresh)
    generated = time.perf_counter() - started
    rows, builds = [], {}
    with warehouses.scratch() as tmp:
        work = Path(tmp)
        previous = warehouses.unpack_previous(work) if previous_sizes else None
        for size in sizes:
            base_articles, new_articles = corpus[:size], corpus[largest:largest + fresh]
            for kind in ("lake", "previous"):
                if kind == "previous" and size not in previous_sizes:
                    continue
                code = previous if kind == "previous" else None
                target = work / f"{kind}-{size}" / ("wh" if kind == "lake" else "archive.duckdb")
                target.parent.mkdir(parents=True, exist_ok=True)
                if kind == "lake":
                    builds[f"lake {size}"] = round(warehouses.build_lake(target, base_articles), 1)
                else:
                    builds[f"previous {size}"] = warehouses.run(["build-previous", str(target), str(size)], previous=code)["seconds"]
                ones = [measure(kind, target, new_articles[n:n + 1], largest + n, code) for n in range(REPEAT_ONE)]
                hundred = measure(kind, target, new_articles[REPEAT_ONE:REPEAT_ONE + 100], largest + REPEAT_ONE, code)
                title, body = new_articles[0]  # the first new document read again with another text: replaced
                replaced = measure(kind, target, [(title, body + " Bản sửa lại.")], largest, code)
                row = {
                    "implementation": kind, "articles": size,
                    "load_1_s": statistics.median(m["seconds"] for m in ones),
                    "load_1_peak_mb": max(m["peak_rss_mb"] for m in ones),
                    "load_100_s": hundred["seconds"], "load_100_peak_mb": hundred["peak_rss_mb"],
                    "replace_1_s": replaced["seconds"],
                    "load_1_runs_s": [m["seconds"] for m in ones],
                }
                if kind == "lake" and size in (0, largest):
                    row["ingest_1_end_to_end_s"] = ingest_one(target, corpus[largest + fresh - 4:largest + fresh], work)
                rows.append(row)
                print(row, flush=True)
                if kind == "previous" or size != largest:
                    shutil.rmtree(target.parent, ignore_errors=True)
        baseline_commit = (previous / "COMMIT").read_text() if previous else None
    by = {(r["implementation"], r["articles"]): r for r in rows}
    ratios = {}
    for size in sizes:
        lake, old = by.get(("lake", size)), by.get(("previous", size))
        if lake and old:
            ratios[size] = {"load_1": round(old["load_1_s"] / lake["load_1_s"], 1),
                            "load_100": round(old["load_100_s"] / lake["load_100_s"], 1)}
    empty, big = by.get(("lake", 0)), by.get(("lake", largest))
    result = {
        "sizes": sizes, "generate_seconds": round(generated, 1), "build_seconds": builds, "rows": rows,
        "previous_over_lake": ratios, "previous_commit": baseline_commit,
        "lake_largest_over_empty": {
            "load_1": round(big["load_1_s"] / empty["load_1_s"], 2),
            "load_100": round(big["load_100_s"] / empty["load_100_s"], 2),
            "ingest_1_end_to_end": round(big["ingest_1_end_to_end_s"] / empty["ingest_1_end_to_end_s"], 2),
        } if empty and big and empty is not big else None,
        "load_average": os.getloadavg(),
    }
    write_result("growth", result)
    print("\n| warehouse | load 1 new document | load 100 new documents | replace 1 document | peak memory (1 / 100) |")
    print("|---|---|---|---|---|")
    for r in rows:
        name = "this (DuckLake)" if r["implementation"] == "lake" else "previous (DuckDB file)"
        print(f"| {r['articles']:,} articles, {name} | {r['load_1_s']} s | {r['load_100_s']} s | {r['replace_1_s']} s | "
              f"{r['load_1_peak_mb']} / {r['load_100_peak_mb']} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
