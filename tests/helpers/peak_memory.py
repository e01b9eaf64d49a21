"""Run read_pdf on a file in this process and print its peak resident memory (MiB) as JSON.

Tesseract runs in this process (one engine per OCR thread, each holding its model and a page):
the first pages are read for real, so the engines' memory is counted; after them Tesseract is
replaced by a stub that only touches the page, to keep the test short. Orientation detection
(Tesseract again) is off: what is measured is the pipeline's streaming of pages, rendering and
image clean-up included, on top of the engines.
"""

import json
import resource
import sys
import threading
from pathlib import Path

import pipelines.core.read.pages as extract
from pipelines.config import ReadOptions
from pipelines.core.read.ocr import OcrResult

real_ocr = extract.ocr_image
real_pages = 0
lock = threading.Lock()


def ocr_first_pages_for_real(image, *, languages, timeout_s, invert=True):
    global real_pages
    with lock:
        real_pages += 1
        real = real_pages <= 2 * int(sys.argv[2])
    if real:
        return real_ocr(image, languages=languages, timeout_s=timeout_s, invert=invert)
    int(image[::97, ::97].sum())  # the page is there, whole
    return OcrResult(text="Trang", lines=[], confidence=90.0, words=[])


if __name__ == "__main__":
    extract.ocr_image = ocr_first_pages_for_real
    pages = extract.read_pdf(Path(sys.argv[1]), ReadOptions(ocr_threads=int(sys.argv[2]), detect_orientation=False))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": len(pages), "methods": sorted({p.method for p in pages}), "peak_mib": peak_mib,
                      "read_for_real": min(real_pages, 2 * int(sys.argv[2]))}))
