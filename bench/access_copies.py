"""Access copies (`archive pdf`) against the OCR they come from, on the same 48 scanned pages.

    .venv/bin/python bench/access_copies.py [--scans 48] [--pdf]

The pages are bench/throughput.py's: 48 distinct A4 pages at 300 dpi (own text, type size,
skew, blur and specks; every third bi-level), as 48 one-page PNG files (and, with --pdf, as
one 48-page image-only PDF). Each set is ingested by `archive ingest` in a fresh process and
warehouse (the OCR: wall and CPU seconds), then `archive pdf --all` makes the copies in a fresh
process (start-up included), then runs again (nothing to build). Figures: the copies' time as a
share of the ingestion's (target < 10%), and the copies' size against the sources' (target
≤ 1.2×), with every copy checked: as many pages as the source, each page image the source's
size, PDF/A-2b recorded. Writes bench/results/access_copies.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from results_file import write_result  # noqa: E402
from throughput import ARCHIVE, _adopt_orphans, ingest, scan_set, timed  # noqa: E402


def copies(work: Path) -> dict:
    env = {**os.environ, "DAGSTER_HOME": str(work / "dagster"), "ARCHIVE_WAREHOUSE": str(work / "warehouse")}

    def run():
        done = subprocess.run([str(ARCHIVE), "pdf", "--all"], env=env, capture_output=True, text=True, cwd=work)
        if done.returncode != 0:
            raise SystemExit(f"archive pdf failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return {"summary": done.stdout.strip().splitlines()[-1]}

    return timed(run)


def check(work: Path, sources: list[Path]) -> dict:
    import pikepdf

    from pipelines.core.store import warehouse as wh

    with wh.connect(work / "warehouse", read_only=True) as con:
        rows = con.execute("SELECT path, status, pages, pdfa_part FROM access_copies").fetchall()
    bad = [r for r in rows if r[1] != "ok" or r[3] != "2b"]
    pages = 0
    for path, *_ in rows:
        with pikepdf.open(path) as pdf:
            pages += len(pdf.pages)
    copy_bytes = sum(Path(r[0]).stat().st_size for r in rows)
    source_bytes = sum(p.stat().st_size for p in sources)
    return {"copy_files": len(rows), "copy_pages": pages, "not_pdfa_or_failed": len(bad), "copy_bytes": copy_bytes,
            "source_bytes": source_bytes, "size_ratio": round(copy_bytes / source_bytes, 3)}


def bench(label: str, paths: list[Path], work: Path) -> dict:
    read = ingest(paths, work)
    print(json.dumps({"set": label, "ingest": read}), flush=True)
    first = copies(work)
    again = copies(work)
    row = {"set": label, "ingest": read, "copies": first, "again": again, **check(work, paths),
           "share_of_ocr_wall": round(first["wall_s"] / read["wall_s"], 4),
           "share_of_ocr_cpu": round(first["cpu_s"] / read["cpu_s"], 4)}
    print(json.dumps(row), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=48)
    parser.add_argument("--pdf", action="store_true", help="also the same pages as one image-only PDF")
    args = parser.parse_args()
    _adopt_orphans()
    pngs, pdf, _truths = scan_set(args.scans)
    result = {"pages": args.scans, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-access-") as tmp:
        result["runs"].append(bench(f"{args.scans} one-page PNGs", pngs, Path(tmp) / "png"))
        if args.pdf:
            result["runs"].append(bench(f"one {args.scans}-page PDF", [pdf], Path(tmp) / "pdf"))
    write_result("access_copies", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
