"""Kill `archive ingest` at random moments, then check that the next one completes the batch.

    .venv/bin/python scripts/kill_at_random.py [--trials 20] [--seed 1] [--timeout 240]

The SIGKILL test in tests/test_hardening.py kills at four fixed moments; this tries many. Each
trial copies a small batch (four text files, two scanned TIFFs, one broken PDF: the test's own
batch) into a fresh folder, warehouse and Dagster instance, starts `archive ingest` one to four
times and kills each after a random 0.1–9 s, then runs it once more and checks that it ends
within --timeout seconds and that every table equals a clean ingestion's (no duplicates, no
losses). A hung ingestion has its threads' stacks printed (py-spy when installed, else
faulthandler via SIGABRT). Two bugs were found this way that four fixed moments had not shown:
a Dagster index left half made, and the loader's pool slot kept by a killed run.

Exits 1 when a trial hung or ended with other tables. Needs Tesseract (the scans are OCR'd).
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_hardening import content, ingest_process, make_batch, stop_hung  # noqa: E402


def stacks(process: subprocess.Popen) -> str:
    """Where a hung ingestion's threads stand."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if Path(spy).exists():
        done = subprocess.run([spy, "dump", "--pid", str(process.pid)], capture_output=True, text=True)
        process.kill()
        return done.stdout + done.stderr
    return stop_hung(process)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=240, help="seconds the final ingestion may take")
    parser.add_argument("--keep", action="store_true", help="keep the folders of failed trials")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="kill-at-random-"))
    reference = base / "reference"
    folder = make_batch(reference / "raw")
    clean = ingest_process(folder, reference / "wh", reference / "dagster")
    clean.communicate(timeout=600)
    expected = content(reference / "wh", folder)
    bad = 0
    for trial in range(1, args.trials + 1):
        work = base / f"trial-{trial}"
        shutil.copytree(folder, work / "raw")
        delays = [round(rng.uniform(0.1, 9.0), 2) for _ in range(rng.randint(1, 4))]
        for delay in delays:
            process = ingest_process(work / "raw", work / "wh", work / "dagster")
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            process.wait()
        process = ingest_process(work / "raw", work / "wh", work / "dagster")
        started = time.monotonic()
        try:
            output = process.communicate(timeout=args.timeout)[0]
        except subprocess.TimeoutExpired:
            bad += 1
            print(f"trial {trial}: killed after {delays} s: the next ingestion did not end in {args.timeout:g} s\n"
                  f"{stacks(process)}", flush=True)
            continue
        try:
            same = content(work / "wh", work / "raw") == expected
            why = "" if same else "tables differ from a clean ingestion's"
        except Exception as exc:  # noqa: BLE001 (any failure to read the warehouse is the finding)
            same, why = False, f"{type(exc).__name__}: {exc}"
        took = time.monotonic() - started
        print(f"trial {trial}: killed after {delays} s; the next ingestion: exit {process.returncode}, "
              f"{took:.1f} s, {'same tables' if same else why}", flush=True)
        if not same:
            bad += 1
            print(output[-3000:], flush=True)
        if same or not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{args.trials - bad} of {args.trials} trials complete and equal" + (f"; kept in {base}" if bad and args.keep else ""))
    if not (bad and args.keep):
        shutil.rmtree(base, ignore_errors=True)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
