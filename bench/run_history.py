"""How Dagster's run history grows with the batch, and what its bookkeeping costs.

    .venv/bin/python bench/run_history.py [--sizes 1000 10000] [--baseline-sizes 1000]

For each size N, N one-article text files are ingested as `archive ingest` does up to the
load (every file a partition of `document`, one ranged run of `read_files`) into a fresh
Dagster instance, and the benchmark reports:

* the instance's growth on disk, in all and per file (the goal: flat in N, a few KB);
* the read run's wall time, split into reading (the asset's own loop over the files: workers,
  staging) and Dagster's bookkeeping (everything else in the run: planned events, per-partition
  materializations, checks), as seconds and as a share of the reading.

Baseline, in the same run: the same files through Dagster's default configuration (its SQLite
event log writing events one by one, one planned event per partition), at --baseline-sizes.
Writes bench/results/run_history.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_result  # noqa: E402


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def measure(count: int, work: Path, batched: bool) -> dict:
    import dagster as dg

    from pipelines.definitions import defs  # sets the project's Dagster settings: imported before they are changed
    from pipelines.defs import history
    from pipelines.defs.documents import plan_partitions, range_tags
    from pipelines.defs.resources import Progress, WarehouseResource

    raw = work / "raw"
    raw.mkdir(parents=True)
    for i in range(count):
        (raw / f"tin-{i:06d}.txt").write_text(
            f"TIN SỐ {i}\n\nNgày 3/4/2015, tại Thư viện tỉnh Quảng Ninh, buổi họp thứ {i} đã diễn ra.\n\nTin: Minh Anh\n",
            encoding="utf-8",
        )
    home = work / "dagster"
    home.mkdir()
    saved = {name: os.environ.get(name) for name in history.DAGSTER_ENV}
    if batched:
        (home / "dagster.yaml").write_text(history.instance_yaml(home), encoding="utf-8")
        for name, value in history.DAGSTER_ENV.items():
            os.environ[name] = value
    else:  # Dagster's defaults
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        for name in history.DAGSTER_ENV:
            os.environ.pop(name, None)
    try:
        instance = dg.DagsterInstance.from_config(str(home))
        warehouse = WarehouseResource(path=str(work / "wh"))
        before = _size(home)
        started = time.perf_counter()
        _scanned, _problems, keys = plan_partitions(instance, [raw], warehouse)
        result = defs.resolve_job_def("read_files").execute_in_process(
            run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
            instance=instance, resources={"warehouse": warehouse, "progress": Progress()}, tags=range_tags(keys),
        )
        wall = time.perf_counter() - started
        (check,) = [e for e in result.get_asset_check_evaluations() if e.check_name == "files_read"]
        reading = check.metadata["reading_seconds"].value
        grown = _size(home) - before
        instance.dispose()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {
        "files": count,
        "configuration": "project (batched)" if batched else "Dagster defaults",
        "instance_growth_mb": round(grown / 1e6, 2),
        "growth_per_file_kb": round(grown / count / 1e3, 2),
        "run_seconds": round(wall, 1),
        "reading_seconds": round(reading, 1),
        "bookkeeping_seconds": round(wall - reading, 1),
        "bookkeeping_share_of_reading": round((wall - reading) / reading, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[1000])
    args = parser.parse_args()
    rows = []
    for count, batched in [(n, False) for n in args.baseline_sizes] + [(n, True) for n in args.sizes]:
        work = Path(tempfile.mkdtemp(prefix="run-history-"))
        try:
            rows.append(measure(count, work, batched))
            print(rows[-1], flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    header = "| files | configuration | instance growth | per file | run | reading | bookkeeping (share of reading) |"
    lines = [header, "|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['files']:,} | {r['configuration']} | {r['instance_growth_mb']} MB | {r['growth_per_file_kb']} KB | "
                     f"{r['run_seconds']} s | {r['reading_seconds']} s | {r['bookkeeping_seconds']} s "
                     f"({r['bookkeeping_share_of_reading']:.0%}) |")
    print("\n".join(lines))
    write_result("run_history", {"rows": rows, "markdown": "\n".join(lines)})


if __name__ == "__main__":
    main()
