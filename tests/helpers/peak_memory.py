"""Run read_pdf on a file in this process and print its peak resident memory (MiB) as JSON.

Tesseract is replaced by a stub that only touches the image (its own processes are separate,
bounded by one page each), and orientation detection (Tesseract again) is off: what is measured
is the pipeline's streaming of pages, rendering and image clean-up included.
"""

import json
import resource
import sys
from pathlib import Path

import pipelines.core.read.pages as extract
from pipelines.config import ReadOptions
from pipelines.core.read.ocr import OcrResult


def fake_ocr(image, *, languages, timeout_s):
    image.load()
    return OcrResult(text="Trang", lines=[], confidence=90.0, words=[])


if __name__ == "__main__":
    extract.ocr_image = fake_ocr
    pages = extract.read_pdf(Path(sys.argv[1]), ReadOptions(ocr_threads=int(sys.argv[2]), detect_orientation=False))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": len(pages), "methods": sorted({p.method for p in pages}), "peak_mib": peak_mib}))
