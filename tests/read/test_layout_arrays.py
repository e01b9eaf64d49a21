"""The array helpers layout.py and pdf.py measure pages with, against the plain computations
they stand for: pdfplumber's clustering, np.median and a first-met most-common count per
stretch, one page's characters as a string or as a list, pypdfium2's own object walk."""

from __future__ import annotations

import ctypes
from collections import Counter
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import cluster_list

from pipelines.core.read import layout
from pipelines.core.read.pdf import _image_bounds

ROOT = Path(__file__).resolve().parents[2]


def _stretches(rng: np.random.Generator, sizes: list[int], high: int) -> tuple[np.ndarray, np.ndarray]:
    values = rng.integers(0, high, sum(sizes))
    begins = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    return values, begins


def test_clusters_are_pdfplumbers():
    rng = np.random.default_rng(7)
    for _ in range(200):
        values = np.round(rng.uniform(0, 60, int(rng.integers(1, 40))) * 2) / 2  # repeats and 3 pt steps
        ids = layout._cluster_ids(values)
        clusters = cluster_list(values.tolist(), layout.TOLERANCE)
        expected = {v: n for n, cluster in enumerate(clusters) for v in cluster}
        assert ids.tolist() == [expected[v] for v in values.tolist()]
    assert layout._cluster_ids(np.zeros(0)).size == 0


def test_medians_modes_and_sums_by_stretch():
    rng = np.random.default_rng(11)
    for _ in range(200):
        sizes = rng.integers(0, 6, int(rng.integers(1, 8))).tolist()  # empty stretches too
        values, begins = _stretches(rng, sizes, 4)
        floats = values * 0.5 + 7
        medians = layout._segment_medians(floats, begins)
        modes = layout._segment_modes(values, begins)
        sums = layout._segment_reduce(np.add, values, begins)
        for k, (begin, size) in enumerate(zip(begins.tolist(), sizes)):
            stretch = values[begin:begin + size]
            if not size:
                assert medians[k] == 0 and modes[k] == 0 and sums[k] == 0
                continue
            assert medians[k] == np.median(floats[begin:begin + size])
            tally = Counter(stretch.tolist())
            most = max(tally.values())
            assert modes[k] == next(v for v in stretch.tolist() if tally[v] == most)  # the first met
            assert sums[k] == stretch.sum()


def _chars(text: str | list[str], rng: np.random.Generator) -> layout.Chars:
    n = len(text)
    top = np.round(rng.uniform(0, 40, n) / 3) * 3
    x0 = np.round(rng.uniform(0, 200, n))
    size = np.round(rng.uniform(6, 12, n))
    font, fonts = layout.Chars.font_columns([["ABCDEF+Serif-Bold", "Serif", "Serif-Bold"][i] for i in rng.integers(0, 3, n)])
    return layout.Chars(text=text, x0=x0, x1=x0 + 4, top=top, bottom=top + size, size=size, font=font, fonts=fonts,
                        upright=rng.random(n) < 0.9)


def test_a_page_as_one_string_is_laid_out_as_the_same_page_as_a_list():
    rng = np.random.default_rng(3)
    for letters in ("abc đêư \u00a0\t", "abcﬁ "):  # the second: a ligature, spelled out
        for _ in range(50):
            text = "".join(rng.choice(list(letters), int(rng.integers(0, 300))))
            seed = int(rng.integers(1 << 30))
            as_string = _chars(text, np.random.default_rng(seed))
            as_list = _chars(list(text), np.random.default_rng(seed))
            assert layout.page_lines(as_string, (0, 0, 210, 60)) == layout.page_lines(as_list, (0, 0, 210, 60))
            assert as_string.spelled(np.arange(len(text)))[0] == "".join(as_list.letters)


def test_image_bounds_are_pypdfium2s():
    document = pdfium.PdfDocument(str(ROOT / "raw" / "samples" / "bulletin-2014-05-hoi-nghi-bch-scan.pdf"))
    try:
        for page in document:
            expected = [image.get_bounds() for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=5)]
            assert expected
            assert list(_image_bounds(ctypes.cast(page.raw, ctypes.c_void_p).value)) == expected
            page.close()
    finally:
        document.close()
