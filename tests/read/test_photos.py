"""Pages photographed with a phone (pipelines.core.read.photo) and the reading checks
(pipelines.core.read.readcheck).

The photos are made here (pipelines.samples.photograph) from a page of known text in our own
words (photo_text.py): A4 at about 150 dpi on a dark wooden desk or a checked cloth, seen at
an angle, turned, lit by a lamp whose light falls off by 45% across the frame, JPEG quality
60 with a phone's EXIF fields. Four pages are read by OCR in all (a few seconds each); the
rest works on the images alone.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from pipelines.config import ReadOptions
from pipelines.core.models import Line
from pipelines.core.read import cleanup, photo, readcheck
from pipelines.core.read.images import iter_frames
from pipelines.core.read.pages import read_pages
from pipelines.core.text.metrics import cer
from pipelines.samples import photograph, render_page_image
from tests.conftest import needs_tesseract
from tests.read.photo_text import BLOCKS, REFERENCE

DESK = {"perspective": 0.05, "rotation_deg": 2.5, "falloff": 0.45, "jpeg_quality": 60, "seed": 3}
"""A page on a dark desk, not filling the frame: 5% narrower at the far edge, turned 2.5°."""

CLOTH = {"desk": "pattern", "perspective": 0.06, "rotation_deg": -2.0, "falloff": 0.45, "jpeg_quality": 60,
         "seed": 4}
"""A page on a checked tablecloth whose pale squares are brighter than the page's dim corner."""

STEP = re.compile(r"perspective:((?:\d+,\d+;){3}\d+,\d+)->(\d+)x(\d+)")


@pytest.fixture(scope="module")
def page() -> Image.Image:
    return render_page_image(BLOCKS, bilevel=False)


def _save(tmp_path, made, name="photo.jpg"):
    path = tmp_path / name
    path.write_bytes(made.data)
    return path


def _upright(made, tmp_path) -> Image.Image:
    """The photo as the page reader gets it (EXIF orientation applied)."""
    return next(iter_frames(_save(tmp_path, made)))


def _corner_error(found: np.ndarray, made) -> float:
    """Largest distance of a found corner from the true one, as a share of the page's diagonal."""
    true = np.array(made.corners)
    return float(np.hypot(*(found - true).T).max() / np.hypot(*(true[2] - true[0])))


# ----------------------------------------------------------------------- without OCR


@pytest.mark.parametrize("setting", [DESK, CLOTH, {**CLOTH, "exif_orientation": 6}], ids=["desk", "cloth", "exif-6"])
def test_the_page_is_found_on_the_desk_to_within_half_a_percent(tmp_path, page, setting):
    made = photograph(page, **setting)
    image = _upright(made, tmp_path)
    assert image.size == made.size  # EXIF orientation honoured: the photo is upright
    check = photo.examine(cleanup.to_gray(image), image, None)
    assert check.photo and check.corners is not None
    assert _corner_error(check.corners, made) < 0.005
    text = check.describe()
    assert text.startswith("photo: EXIF camera PhoneMaker Pocket Camera 3, page on a background")
    assert "light varies" in text


def test_scans_and_photocopies_are_not_photos(page):
    scan = render_page_image(BLOCKS, bilevel=False, skew_deg=2)
    copy = render_page_image(BLOCKS, dpi=200, skew_deg=-3, noise=0.06, blur=0.6)
    for image, dpi in ((scan, 300), (copy, 200), (page, None)):
        check = photo.examine(cleanup.to_gray(image), image, dpi)
        assert not check.photo and check.corners is None, check.describe()


def test_a_page_filling_the_frame_is_scaled_and_flattened_not_warped(tmp_path, page):
    made = photograph(page, margin=0.0, perspective=0.03, seed=5)
    image = _upright(made, tmp_path)
    gray = cleanup.to_gray(image)
    check = photo.examine(gray, image, None)
    assert check.photo and check.corners is None
    flat, steps, dpi = photo.prepare_photo(gray, check)
    assert steps == ["photo", "fills-frame", "upsample:150->300", "flatten", "mask"] and dpi == 300
    # the lamp's fall-off is gone: the paper is as white in the dim corner as in the lit one
    h, w = flat.shape
    lit, dim = flat[h // 10: h // 5, w // 10: w // 5], flat[-h // 5: -h // 10, -w // 5: -w // 10]
    assert abs(float(np.percentile(lit, 90)) - float(np.percentile(dim, 90))) < 8


def test_the_perspective_step_records_the_corners_in_source_pixels(tmp_path, page):
    made = photograph(page, **DESK)
    gray = cleanup.to_gray(_upright(made, tmp_path))
    check = photo.examine(gray, None, None)
    straight, step = photo.straighten(gray, check.corners)
    points, width, height = STEP.fullmatch(step).groups()
    corners = np.array([[float(v) for v in p.split(",")] for p in points.split(";")])
    assert np.abs(corners - check.corners).max() <= 0.5
    assert straight.shape == (int(height), int(width)) and int(height) == round(11.69 * 300)


def test_lines_cut_in_two_at_the_same_x_are_found():
    def line(left, top, width):
        return Line(text="chữ " * 5, left=left, top=top, width=width, height=40)

    whole = [line(300, 400 + 60 * k, 1800) for k in range(12)]
    cut = [half for k in range(12) for half in (line(300, 400 + 60 * k, 880), line(1200, 402 + 60 * k, 900))]
    columns = [half for k in range(12) for half in (line(300, 400 + 60 * k, 850), line(1300, 400 + 60 * k, 850))]
    assert readcheck.cut_lines(whole)[0] == 0
    assert readcheck.cut_lines(cut) == (12, 1190, 24)
    assert readcheck.cut_lines(columns)[0] == 0  # a 120 px gutter (3 text heights) is a column break
    problems = readcheck.reading_problems(cut, "chữ " * 120, 1.0, None)
    assert problems == ["reading order: 12 of 24 lines cut in two near x=1190"]


def test_text_far_shorter_than_the_ink_is_found(page):
    binary, _report, _dpi = cleanup.clean(cleanup.to_gray(page), 300)
    blobs = readcheck.ink_blobs(binary)
    assert 0.8 < len("".join(REFERENCE.split())) / blobs < 1.0  # print: about 0.9 characters a mark
    half = REFERENCE[: len(REFERENCE) // 3]
    assert readcheck.reading_problems([], REFERENCE, 1.0, binary) == []
    assert readcheck.reading_problems([], half, 1.0, binary)[0].startswith("text far shorter than the ink")


def test_the_batch_check_lists_flagged_pages():
    from pipelines.defs.documents import quality_result

    result = quality_result({"mean_ocr_confidence": 95.0, "min_quality": 0.49,
                             "flagged_pages": ["a.jpg p1: reading order: 8 of 25 lines cut in two near x=690"]})
    assert not result.passed
    assert "1 page(s) flagged for review: a.jpg p1: reading order" in result.description


# -------------------------------------------------------------------------- with OCR


@needs_tesseract
@pytest.mark.parametrize("setting", [DESK, CLOTH], ids=["desk", "cloth"])
def test_a_photographed_page_reads_as_well_as_a_scan(tmp_path, page, setting):
    made = photograph(page, **setting)
    [read] = read_pages(_save(tmp_path, made), "image/jpeg", ReadOptions())
    assert cer(REFERENCE, read.text) <= 0.01, read.text
    assert read.cleanup.startswith("photo, perspective:") and read.cleanup.endswith("binarize, denoise")
    assert "flatten" in read.cleanup and "orientation:" not in read.cleanup
    assert read.reason.startswith("page image; photo: EXIF camera")
    assert read.flags is None and read.quality > 0.95


@needs_tesseract
def test_an_exif_rotated_photo_filling_the_frame_is_read_upright(tmp_path, page):
    made = photograph(page, margin=0.0, perspective=0.03, rotation_deg=-1.5, exif_orientation=6, seed=6)
    assert Image.open(io.BytesIO(made.data)).size == made.size[::-1]  # stored sideways
    [read] = read_pages(_save(tmp_path, made), "image/jpeg", ReadOptions())
    assert read.cleanup.startswith("exif-orientation:6, photo, fills-frame, upsample:150->300, flatten, mask, deskew:")
    assert "orientation:90" not in read.cleanup and "orientation:270" not in read.cleanup  # no second reading
    assert cer(REFERENCE, read.text) <= 0.01, read.text
    assert read.flags is None


@needs_tesseract
def test_a_garbled_page_is_flagged_not_trusted(tmp_path, page, monkeypatch):
    """The failure the issue met: the photo read as if scanned (not straightened), Tesseract
    cuts its lines in two; the page is flagged and its quality lowered."""
    monkeypatch.setattr(photo, "examine", lambda gray, image=None, dpi=None, camera_name=None: photo.PhotoCheck(photo=False))
    made = photograph(page, desk="pattern", rotation_deg=-2.5, perspective=0.06, seed=1)
    [read] = read_pages(_save(tmp_path, made), "image/jpeg", ReadOptions(detect_orientation=False))
    assert cer(REFERENCE, read.text) > 0.2  # garbled indeed
    assert read.flags and "lines cut in two" in read.flags
    assert read.quality < 0.5


def test_a_heic_photo_is_recognised_and_decoded(tmp_path, page):
    pytest.importorskip("pillow_heif").register_heif_opener()  # to write the HEIC file
    from pipelines.core.read.files import sniff_media_type

    made = photograph(page, **{**DESK, "dpi": 60})  # small: encoding HEIC is slow
    path = tmp_path / "photo.heic"
    Image.open(io.BytesIO(made.data)).save(path, format="HEIF", quality=60, exif=Image.open(io.BytesIO(made.data)).getexif())
    assert sniff_media_type(path) == "image/heic"
    [image] = list(iter_frames(path))
    assert image.size == made.size
    check = photo.examine(cleanup.to_gray(image), image, None)
    assert check.photo and "EXIF camera PhoneMaker" in check.describe()
    assert _corner_error(check.corners, made) < 0.005


def test_the_reading_room_draws_a_photo_as_ocr_saw_it(tmp_path, page):
    from pipelines.review.images import as_ocr_saw_it

    made = photograph(page, **DESK)
    gray = cleanup.to_gray(_upright(made, tmp_path))
    straight, steps, _dpi = photo.prepare_photo(gray, photo.examine(gray, None, None))
    drawn = as_ocr_saw_it(gray, ", ".join(steps + ["binarize", "denoise"]))
    assert drawn.shape == straight.shape
    # the same page, in the same place: dark where the print is (the drawing is not flattened)
    ink = straight < 128
    assert float(drawn[ink].mean()) < float(drawn[~ink].mean()) - 60


def test_a_clipping_scanned_on_a_dark_lid_keeps_the_scans_resolution(page):
    """A half page on a scanner's black lid is found and cut out like a photo, but at the
    resolution the scan states, not blown up to an A4 page."""
    canvas = np.full((2200, 2700), 20, np.uint8)
    half = np.asarray(page.convert("L"))[:1754]
    canvas[200:200 + half.shape[0], 110:110 + half.shape[1]] = half
    check = photo.examine(canvas, None, 300)
    assert check.photo and check.reasons[0].startswith("page on a background")
    straight, steps, dpi = photo.prepare_photo(canvas, check, source_dpi=300)
    assert dpi == 300 and abs(straight.shape[1] - 2480) < 12 and abs(straight.shape[0] - 1754) < 12
