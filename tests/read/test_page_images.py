"""A scanned PDF page that is one full-page greyscale or bi-level image is read from that image
directly, not rendered: the image's own pixels, read as accurately as the rendered page.

Not the very same text: pdfium renders an A4 page at 300 dpi 2482 pixels wide (595.44 pt is a
hair over 2481 pixels), so the rendered page is the 2481-pixel scan stretched by one pixel, and
Tesseract reads a word here or there otherwise. The test holds the error against the page's true
text to what the rendered page gives."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image

from pipelines.config import ReadOptions
from pipelines.core.read import pages
from pipelines.core.read.pdf import page_image_gray, render_gray
from pipelines.core.text.metrics import cer
from pipelines.samples import render_page_image, seed_blocks, write_text_pdf
from tests.conftest import needs_tesseract

SEED = Path(__file__).resolve().parents[2] / "scripts" / "seed_2014_05.txt"


@pytest.fixture(scope="module")
def images():
    blocks = seed_blocks(SEED.read_text(encoding="utf-8"))
    grey = render_page_image(blocks, skew_deg=0.6, blur=0.6, noise=0.01, bilevel=False, seed=3)
    bilevel = render_page_image(blocks, skew_deg=-0.4, blur=0.5, noise=0.005, bilevel=True, seed=4)
    return {"grey": grey, "bilevel": bilevel}


def _pdf(path: Path, image: Image.Image) -> Path:
    """Stored as the project's scanned PDFs and the benchmark's: G4 when bi-level, else JPEG."""
    image.save(path, format="PDF", resolution=300.0, **({} if image.mode == "1" else {"quality": 75}))
    return path


@pytest.mark.parametrize("kind", ["grey", "bilevel"])
def test_the_embedded_image_is_taken_as_it_is(tmp_path, images, kind):
    image = images[kind]
    document = pdfium.PdfDocument(str(_pdf(tmp_path / f"{kind}.pdf", image)))
    pixels = page_image_gray(document, 1, 300)
    assert pixels is not None and pixels.dtype == np.uint8
    assert pixels.shape == (image.height, image.width)
    if kind == "bilevel":  # lossless: exactly the page's pixels
        assert np.array_equal(pixels, np.asarray(image.convert("L")))
    else:  # the page's JPEG as decoded
        page = document[0]
        (embedded,) = page.get_objects()
        assert embedded.get_filters() == ["DCTDecode"]
        stream = bytes(embedded.get_data(decode_simple=False))
        page.close()
        assert np.array_equal(pixels, np.asarray(Image.open(io.BytesIO(stream)).convert("L")))
    rendered = render_gray(document, 1, 300)
    assert abs(rendered.shape[1] - pixels.shape[1]) <= 1 and abs(rendered.shape[0] - pixels.shape[0]) <= 1
    document.close()


def test_other_pages_are_rendered(tmp_path, images):
    document = pdfium.PdfDocument(str(_pdf(tmp_path / "grey.pdf", images["grey"])))
    assert page_image_gray(document, 1, 200) is None  # another resolution: rendering scales it
    colour = images["grey"].convert("RGB")
    colour_doc = pdfium.PdfDocument(str(_pdf(tmp_path / "colour.pdf", colour)))
    assert page_image_gray(colour_doc, 1, 300) is None
    text = write_text_pdf(tmp_path / "text.pdf", [seed_blocks(SEED.read_text(encoding="utf-8"))[:3]])
    text_doc = pdfium.PdfDocument(str(text))
    assert page_image_gray(text_doc, 1, 300) is None
    for d in (document, colour_doc, text_doc):
        d.close()


@needs_tesseract
@pytest.mark.parametrize("kind", ["grey", "bilevel"])
def test_the_image_reads_as_the_rendered_page_reads(tmp_path, images, kind, monkeypatch):
    pdf = _pdf(tmp_path / f"{kind}.pdf", images[kind])
    options = ReadOptions(ocr_threads=1)
    taken = []
    original = pages.page_image_gray

    def spy(*args):
        taken.append(original(*args))
        return taken[-1]

    monkeypatch.setattr(pages, "page_image_gray", spy)
    (direct,) = pages.read_pdf(pdf, options)
    assert taken and taken[0] is not None
    monkeypatch.setattr(pages, "page_image_gray", lambda *args: None)
    (rendered,) = pages.read_pdf(pdf, options)
    assert direct.method == rendered.method == "ocr"
    assert direct.dpi == rendered.dpi
    truth = "\n\n".join(block.text for block in seed_blocks(SEED.read_text(encoding="utf-8")))
    direct_cer, rendered_cer = cer(truth, direct.text), cer(truth, rendered.text)
    print(f"\n{kind}: CER {direct_cer:.4f} from the image, {rendered_cer:.4f} rendered")
    assert direct_cer <= rendered_cer + 0.002
