"""OCR throughput of the scan path against plain Tesseract, measured in the same run.

    .venv/bin/python bench/throughput.py [--pages 8]

Baseline: pytesseract on each rendered page, one after another, with Tesseract's default
threading (what a naive script does). Pipeline: `read_pdf` on the same scanned PDF, pages
rendered, cleaned and OCR'd with one single-threaded Tesseract per core. The machine is shared
and noisy, so the result is a ratio of the two, not an absolute time. Writes
bench/results/throughput.json.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_result  # noqa: E402  (bench/ is on sys.path when run as a script)


def build_pdf(folder: Path, pages: int) -> Path:
    from pipelines.samples import seed_blocks, write_scanned_pdf

    seed = (ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    return write_scanned_pdf(folder / "scan.pdf", [seed_blocks(seed)] * pages, dpi=300)


def baseline(pdf: Path) -> float:
    """Plain Tesseract, default threading, in a fresh process so OMP_THREAD_LIMIT is unset."""
    code = f"""
import time, pypdfium2 as pdfium, pytesseract
doc = pdfium.PdfDocument({str(pdf)!r})
start = time.perf_counter()
for i in range(len(doc)):
    image = doc[i].render(scale=300 / 72, grayscale=True).to_pil()
    pytesseract.image_to_string(image, lang="vie")
print(time.perf_counter() - start)
"""
    env = {k: v for k, v in os.environ.items() if k != "OMP_THREAD_LIMIT"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip())


def pipeline(pdf: Path, threads: int) -> float:
    code = f"""
import time
from pathlib import Path
from pipelines.config import ReadOptions
from pipelines.core.read.pages import read_pdf
start = time.perf_counter()
pages = read_pdf(Path({str(pdf)!r}), ReadOptions(ocr_threads={threads}))
assert all(p.method == "ocr" for p in pages), [p.method for p in pages]
print(time.perf_counter() - start)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    args = parser.parse_args()
    threads = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        pdf = build_pdf(Path(tmp), args.pages)
        base = baseline(pdf)
        ours = pipeline(pdf, threads)
    result = {
        "pages": args.pages,
        "cores": threads,
        "baseline_seconds": round(base, 2),
        "pipeline_seconds": round(ours, 2),
        "baseline_pages_per_minute": round(60 * args.pages / base, 1),
        "pipeline_pages_per_minute": round(60 * args.pages / ours, 1),
        "speedup": round(base / ours, 2),
    }
    write_result("throughput", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
