"""Regenerate the shipped samples in raw/samples/ from the seed article.

One news item from the association's bulletin (May 2014) in four forms, so that every
reader of the pipeline has something to chew on:

    bulletin-2014-05-hoi-nghi-bch.txt       the seed text, byte for byte
    bulletin-2014-05-hoi-nghi-bch.pdf       a born-digital PDF with a Unicode text layer
    bulletin-2014-05-hoi-nghi-bch-scan.tif  the same page "scanned": bilevel 300 dpi TIFF (CCITT G4)
    bulletin-2014-05-hoi-nghi-bch-scan.pdf  that scan as an image-only PDF (no text layer)

Run with ``make samples`` or ``python scripts/make_samples.py``; the output is the same bytes
every time (fixed dates, fixed noise seed). ``--check`` then runs Tesseract ('vie') on both
scans and fails unless the key phrases come back with their diacritics.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a plain checkout, installed or not
    sys.path.insert(0, str(ROOT))

from pipelines.samples import Block, seed_blocks, write_scanned_pdf, write_scanned_tiff, write_text_pdf  # noqa: E402

SEED = ROOT / "scripts" / "seed_2014_05.txt"
OUT = ROOT / "raw" / "samples"
STEM = "bulletin-2014-05-hoi-nghi-bch"
MASTHEAD = "BẢN TIN HỘI THƯ VIỆN VIỆT NAM — Số 2/2014"
DPI = 300
SCAN = {"skew_deg": 0.3, "noise": 0.0005, "blur": 0.0, "bilevel": True, "seed": 2014}
"""A mildly imperfect scan: a third of a degree of skew and a few specks of dust."""

KEY_PHRASES = {
    "date": re.compile(r"Ngày 22/ ?5/ ?2014"),
    "place": re.compile(r"tại Viện Thông tin Khoa học Xã hội"),
    "byline": re.compile(r"Tin, ảnh: Hồng Vân"),
}
"""What OCR of the scans must read back, diacritics and digits intact."""

MAX_TOTAL_BYTES = 3 * 1024 * 1024


def sample_pages(seed_text: str) -> list[list[Block]]:
    """The bulletin page: masthead, then the article's title, paragraphs and byline."""
    return [[Block(MASTHEAD, "masthead"), *seed_blocks(seed_text)]]


def build(out: Path = OUT, seed: Path = SEED) -> list[Path]:
    """Write the four samples into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    seed_bytes = seed.read_bytes()
    pages = sample_pages(seed_bytes.decode("utf-8"))

    text_copy = out / f"{STEM}.txt"
    text_copy.write_bytes(seed_bytes)
    return [
        text_copy,
        write_text_pdf(out / f"{STEM}.pdf", pages),
        write_scanned_tiff(out / f"{STEM}-scan.tif", pages, dpi=DPI, **SCAN),
        write_scanned_pdf(out / f"{STEM}-scan.pdf", pages, dpi=DPI, **SCAN),
    ]


def ocr_scans(out: Path = OUT) -> dict[str, str]:
    """Tesseract ('vie') text of each scanned sample, by file name."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    import pypdfium2
    import pytesseract
    from PIL import Image

    texts = {}
    with Image.open(out / f"{STEM}-scan.tif") as tiff:
        texts[f"{STEM}-scan.tif"] = pytesseract.image_to_string(tiff, lang="vie")
    document = pypdfium2.PdfDocument(str(out / f"{STEM}-scan.pdf"))
    try:
        page_image = document[0].render(scale=DPI / 72).to_pil()
    finally:
        document.close()
    texts[f"{STEM}-scan.pdf"] = pytesseract.image_to_string(page_image, lang="vie")
    return texts


def check_phrases(text: str) -> dict[str, str | None]:
    """For each key phrase, the OCR line that contains it (None when it was not read)."""
    lines = text.splitlines()
    found = {}
    for name, pattern in KEY_PHRASES.items():
        found[name] = next((line for line in lines if pattern.search(line)), None)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output folder (default: {OUT.relative_to(ROOT)})")
    parser.add_argument("--check", action="store_true", help="OCR the scans and verify the key phrases")
    args = parser.parse_args(argv)

    written = build(args.out)
    total = 0
    for path in written:
        size = path.stat().st_size
        total += size
        print(f"{size:>9,} bytes  {path}")
    print(f"{total:>9,} bytes  in total")
    if total > MAX_TOTAL_BYTES:
        print(f"error: the samples exceed {MAX_TOTAL_BYTES:,} bytes", file=sys.stderr)
        return 1

    if args.check:
        failed = False
        for name, text in ocr_scans(args.out).items():
            for phrase, line in check_phrases(text).items():
                print(f"{name}: {phrase:<6} {'ok  ' if line else 'MISSING'} {line or ''}")
                failed |= line is None
        if failed:
            print("error: OCR did not read every key phrase back", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
