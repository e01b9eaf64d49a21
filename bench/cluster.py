"""Pages per minute through the deployment (deploy/: PostgreSQL, Redis, the code server, the daemon, Celery
workers) with one worker process and with two, against `archive ingest` on one machine, on the
same scanned pages, in the same run (the machine is shared: compare the ratios). `archive
ingest` runs first and last, and the mean of the two is the baseline, so that a neighbour's
load that comes or goes during the run weighs on both sides.

    nice -n 5 .venv/bin/python bench/cluster.py [--files 12] [--pages-per-file 4] [--files-per-run N]

The pages: FILES scanned PDFs of PAGES_PER_FILE pages each (48 by default), every page OCR'd.
Each Celery worker runs one step at a time with one Tesseract (ARCHIVE_WORKERS=1,
OMP_THREAD_LIMIT=1); `archive ingest` reads with one Tesseract per core. Without
--files-per-run, `archive submit` chooses: one run per worker process (pipelines/deploy/submit.py).
Each configuration starts from an empty warehouse and run history (a fresh PostgreSQL and
Redis; their start, and the code server's and the workers', is not timed); the time is `archive submit`'s (queueing, runs, retries if any, the loader's run)
or `archive ingest`'s, end to end. The overhead per run: a reading run's time from its start to
its end, less its step's own time, averaged. The timeline: when each reading step started and
ended, and the loader's run was queued and ended, counted from `archive submit`'s start.
Writes bench/results/cluster.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_file import write_result  # noqa: E402

DEPLOYMENT_VARS = ("DAGSTER_HOME", "ARCHIVE_DAGSTER_POSTGRES", "ARCHIVE_WAREHOUSE", "ARCHIVE_DATA_PATH",
                   "ARCHIVE_STATE_DIR", "ARCHIVE_EXECUTOR", "ARCHIVE_CELERY_BROKER", "ARCHIVE_RUN_FILES")


def build_scans(folder: Path, files: int, pages: int) -> Path:
    from pipelines.samples import seed_blocks, write_scanned_pdf

    seed = (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    folder.mkdir(parents=True)
    for n in range(files):  # different words on each file: different documents
        text = seed.replace("\n\n", f"\n\nBản tin số {n + 1}.\n\n", 1)
        write_scanned_pdf(folder / f"scan-{n + 1:02d}.pdf", [seed_blocks(text)] * pages, dpi=300)
    return folder


def one_machine(folder: Path, base: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARS}
    env.update(DAGSTER_HOME=str(base / "dagster"), ARCHIVE_WAREHOUSE=str(base / "warehouse"), OMP_THREAD_LIMIT="1")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipelines.cli", "ingest", str(folder)], env=env, check=True,
                   capture_output=True, timeout=7200)
    return time.perf_counter() - start


def deployment(folder: Path, workers: int, files_per_run: int | None) -> dict:
    from pipelines.deploy.cluster import start_cluster

    cluster = start_cluster(files_per_run=files_per_run)
    try:
        cluster.start_daemon()
        for n in range(workers):
            cluster.start_worker(f"bench{n + 1}", readers=1)
        cluster.wait_for_workers(workers, timeout_s=300)
        start, start_clock = time.perf_counter(), time.time()
        subprocess.run([sys.executable, "-m", "pipelines.cli", "submit", str(folder),
                        *(["--files-per-run", str(files_per_run)] if files_per_run else [])],
                       env=cluster.env, check=True, capture_output=True, timeout=7200)
        seconds = time.perf_counter() - start
        print(f"deployment, {workers} worker(s): {seconds:.1f} s", flush=True)
        try:
            overheads = _overheads(cluster)
        except Exception as exc:  # the figure is optional; the time is not
            print(f"overhead per run not measured: {exc}", flush=True)
            overheads = []
        try:
            timeline = _timeline(cluster, start_clock)
        except Exception as exc:
            print(f"timeline not measured: {exc}", flush=True)
            timeline = {}
        return {"seconds": round(seconds, 1), "runs": len(overheads),
                "overhead_per_run_seconds": round(statistics.mean(overheads), 1) if overheads else None, **timeline}
    finally:
        cluster.stop()


def _overheads(cluster) -> list[float]:
    """Each reading run: (run end − run start) − (step end − step start), from the run storage."""
    import psycopg2

    with psycopg2.connect(cluster.postgres.libpq("dagster")) as con, con.cursor() as cursor:
        cursor.execute("""
            SELECT r.run_id, r.end_time - r.start_time,
                   extract(epoch FROM max(e.timestamp) FILTER (WHERE e.dagster_event_type = 'STEP_SUCCESS')
                                     - min(e.timestamp) FILTER (WHERE e.dagster_event_type = 'STEP_START'))
            FROM runs r JOIN event_logs e USING (run_id)
            WHERE r.pipeline_name = 'read_files' AND r.status = 'SUCCESS'
            GROUP BY r.run_id, r.start_time, r.end_time""")
        return [float(run) - float(step) for _id, run, step in cursor.fetchall() if run is not None and step is not None]


def _timeline(cluster, start_clock: float) -> dict:
    """When, counted from `archive submit`'s start, each reading step started and ended, and
    the loader's run was queued and ended (event timestamps from the run storage): where a
    batch's time goes besides reading."""
    import psycopg2

    with psycopg2.connect(cluster.postgres.libpq("dagster")) as con, con.cursor() as cursor:
        cursor.execute("""
            SELECT r.pipeline_name, r.run_id,
                   extract(epoch FROM min(e.timestamp) FILTER (WHERE e.dagster_event_type IN ('STEP_START', 'PIPELINE_ENQUEUED'))),
                   extract(epoch FROM max(e.timestamp) FILTER (WHERE e.dagster_event_type IN ('STEP_SUCCESS', 'PIPELINE_SUCCESS')))
            FROM runs r JOIN event_logs e USING (run_id)
            WHERE (r.pipeline_name = 'read_files' AND e.step_key = 'document') OR r.pipeline_name = 'load_warehouse'
            GROUP BY 1, 2 ORDER BY 3""")
        rows = cursor.fetchall()
    at = lambda t: round(float(t) - start_clock, 1) if t is not None else None  # noqa: E731 (UTC epoch both)
    return {"reading_steps_from_submit_seconds": [[at(a), at(b)] for job, _r, a, b in rows if job == "read_files"],
            "loader_run_from_submit_seconds": [[at(a), at(b)] for job, _r, a, b in rows if job == "load_warehouse"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=12)
    parser.add_argument("--pages-per-file", type=int, default=4)
    parser.add_argument("--files-per-run", type=int, default=None, help="default: archive submit's choice")
    args = parser.parse_args()
    pages = args.files * args.pages_per_file
    load_at_start = round(os.getloadavg()[0], 1)
    with tempfile.TemporaryDirectory(prefix="archive-bench-cluster-") as tmp:
        folder = build_scans(Path(tmp) / "scans", args.files, args.pages_per_file)
        first_s = one_machine(folder, Path(tmp) / "one")
        print(f"archive ingest: {first_s:.1f} s", flush=True)
        one = deployment(folder, 1, args.files_per_run)
        two = deployment(folder, 2, args.files_per_run)
        last_s = one_machine(folder, Path(tmp) / "again")
        print(f"archive ingest, again: {last_s:.1f} s", flush=True)
    ingest_s = (first_s + last_s) / 2
    rate = lambda s: round(60 * pages / s, 1)  # noqa: E731
    result = {
        "pages": pages, "files": args.files, "files_per_run": args.files_per_run or "auto", "cores": os.cpu_count(),
        "load_average_at_start": load_at_start, "load_average_at_end": round(os.getloadavg()[0], 1),
        "archive_ingest": {"seconds": round(ingest_s, 1), "pages_per_minute": rate(ingest_s),
                           "first_and_last_seconds": [round(first_s, 1), round(last_s, 1)]},
        "deployment_1_worker": {**one, "pages_per_minute": rate(one["seconds"])},
        "deployment_2_workers": {**two, "pages_per_minute": rate(two["seconds"])},
        "two_over_one": round(one["seconds"] / two["seconds"], 2),
        "two_workers_over_archive_ingest": round(ingest_s / two["seconds"], 2),
    }
    write_result("cluster", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
