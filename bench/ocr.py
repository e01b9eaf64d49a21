"""OCR quality and cost of the image clean-up on photocopy-grade pages, against plain Tesseract.

    .venv/bin/python bench/ocr.py [--pages 6]

Each page is the seed article rendered as a bad photocopy (200 dpi bi-level, edges softened,
6% of pixels flipped to specks or pits), each with its own noise seed and tilt. Every page
is read twice, one Tesseract process at a time: plain (ocr_image on the page as it is) and
cleaned (prepare_for_ocr, then ocr_image). Reports CER, WER, lost paragraphs and seconds per
page; the machine is shared and noisy, so the cost is given as the cleaned/plain time ratio.
Writes bench/results/ocr.json; exits 1 when the mean cleaned CER is 5% or more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.core.read.cleanup import prepare_for_ocr  # noqa: E402  (needs ROOT on the path)
from pipelines.core.text.metrics import cer, lost_blocks, wer  # noqa: E402
from pipelines.core.read.ocr import ocr_image  # noqa: E402  (sets OMP_THREAD_LIMIT=1)
from pipelines.samples import render_page_image, seed_blocks  # noqa: E402

PHOTOCOPY = {"dpi": 200, "bilevel": True, "blur": 0.6, "noise": 0.06}
ANGLES = (2.0, -3.0, 4.0, -1.5, 3.0, -4.5)
"""Tilts of the successive pages, degrees counter-clockwise (cycled when --pages > 6)."""
TARGET_CER = 0.05
RESULT = ROOT / "bench" / "results" / "ocr.json"


def measure(page, paragraphs: list[str]) -> dict:
    """Plain and cleaned reading of one page: quality and seconds (clean-up timed apart)."""
    reference = "\n\n".join(paragraphs)
    start = time.perf_counter()
    plain = ocr_image(page).text
    plain_s = time.perf_counter() - start

    start = time.perf_counter()
    cleaned_page, report = prepare_for_ocr(page)
    cleanup_s = time.perf_counter() - start
    cleaned = ocr_image(cleaned_page).text
    cleaned_s = time.perf_counter() - start
    return {
        "steps": report.steps,
        "plain": _scores(reference, paragraphs, plain, plain_s),
        "cleaned": {**_scores(reference, paragraphs, cleaned, cleaned_s), "cleanup_seconds": round(cleanup_s, 2)},
    }


def _scores(reference: str, paragraphs: list[str], text: str, seconds: float) -> dict:
    return {
        "cer": round(cer(reference, text), 4),
        "wer": round(wer(reference, text), 4),
        "lost_blocks": lost_blocks(paragraphs, text),
        "seconds": round(seconds, 2),
    }


def summarize(pages: list[dict]) -> dict:
    def mean(path: str, key: str) -> float:
        return round(statistics.fmean(page[path][key] for page in pages), 4)

    plain_s = sum(page["plain"]["seconds"] for page in pages)
    cleaned_s = sum(page["cleaned"]["seconds"] for page in pages)
    return {
        "mean_cer": {"plain": mean("plain", "cer"), "cleaned": mean("cleaned", "cer")},
        "mean_wer": {"plain": mean("plain", "wer"), "cleaned": mean("cleaned", "wer")},
        "lost_blocks": {
            "plain": sum(len(page["plain"]["lost_blocks"]) for page in pages),
            "cleaned": sum(len(page["cleaned"]["lost_blocks"]) for page in pages),
        },
        "seconds_per_page": {
            "plain": round(plain_s / len(pages), 2),
            "cleaned": round(cleaned_s / len(pages), 2),
            "of_which_cleanup": round(mean("cleaned", "cleanup_seconds"), 2),
        },
        # Plain Tesseract is quick on the pages it gives up on, so the median is shown as well.
        "time_ratio_cleaned_to_plain": round(cleaned_s / plain_s, 2),
        "median_page_time_ratio": round(statistics.median(_ratio(page) for page in pages), 2),
    }


def _ratio(page: dict) -> float:
    return page["cleaned"]["seconds"] / max(page["plain"]["seconds"], 0.01)


def print_table(pages: list[dict], summary: dict) -> None:
    print(f"{'page':>4} {'tilt':>5} | {'plain CER':>9} {'lost':>12} {'s':>5} | {'clean CER':>9} {'lost':>12} {'s':>5} {'ratio':>5}")
    for page in pages:
        plain, cleaned = page["plain"], page["cleaned"]
        print(
            f"{page['page']:>4} {page['tilt']:>5} | {plain['cer']:>9.2%} {_lost(plain):>12} {plain['seconds']:>5.1f}"
            f" | {cleaned['cer']:>9.2%} {_lost(cleaned):>12} {cleaned['seconds']:>5.1f} {_ratio(page):>5.2f}"
        )
    cer_, per_page = summary["mean_cer"], summary["seconds_per_page"]
    print(
        f"mean CER plain {cer_['plain']:.2%}, cleaned {cer_['cleaned']:.2%}; lost paragraphs plain "
        f"{summary['lost_blocks']['plain']}, cleaned {summary['lost_blocks']['cleaned']}\n"
        f"seconds per page plain {per_page['plain']}, cleaned {per_page['cleaned']} "
        f"(clean-up {per_page['of_which_cleanup']}); cleaned/plain time ratio "
        f"{summary['time_ratio_cleaned_to_plain']} (median page {summary['median_page_time_ratio']})"
    )


def _lost(scores: dict) -> str:
    return ",".join(map(str, scores["lost_blocks"])) or "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6)
    args = parser.parse_args()
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    blocks = seed_blocks((ROOT / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8"))
    paragraphs = [block.text for block in blocks]
    pages = []
    for number in range(args.pages):
        tilt = ANGLES[number % len(ANGLES)]
        page = render_page_image(blocks, skew_deg=tilt, seed=number + 1, **PHOTOCOPY)
        pages.append({"page": number + 1, "tilt": tilt, "seed": number + 1, **measure(page, paragraphs)})
        del page
    summary = summarize(pages)
    print_table(pages, summary)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    result = {"degradation": PHOTOCOPY, "target_cer": TARGET_CER, **summary, "pages": pages}
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if summary["mean_cer"]["cleaned"] < TARGET_CER else 1


if __name__ == "__main__":
    sys.exit(main())
