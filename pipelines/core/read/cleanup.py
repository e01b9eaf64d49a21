"""Clean a scanned page image before OCR: orientation, resolution, skew, binarization, specks.

Many bulletins only survive as photocopies scanned bi-level at 200 dpi: tilted, speckled with
toner dust, strokes pitted with white holes. Tesseract reads such pages badly (its own Otsu
threshold keeps every speck, and its line finder is tuned for ~300 dpi, straight lines), so
:func:`prepare_for_ocr` hands it a straight, upright, speck-free black-on-white page at 300 dpi.

Each step is a plain function on a greyscale numpy array (uint8, ink dark on white paper), so
it can be tested on its own; :func:`clean` runs them in order on a page's array (what the page
reader uses), :func:`prepare_for_ocr` does the same for a PIL image, with orientation first.
Nothing here imports Dagster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from pipelines.core.read import tesseract

__all__ = [
    "CleanupReport",
    "clean",
    "prepare_for_ocr",
    "detect_orientation",
    "estimate_skew",
    "deskew",
    "binarize",
    "denoise",
    "upsample",
    "to_gray",
    "resolution",
]

MIN_OSD_CONFIDENCE = 2.0
"""A turn OSD reports with less confidence is not made: a wrong 180° turn is worse than none.
Text pages, even speckled ones, measured 12 to 24 here."""

MAX_SKEW_DEG = 10.0
"""Skew search range, ± degrees: enough for a page laid crooked on a photocopier glass."""

MIN_SKEW_DEG = 0.1
"""Smaller skews are left alone: rotating resamples every pixel for no gain in reading."""

SKEW_MAX_SIDE = 1200
"""The skew search works on a copy whose longer side is at most this (about 100 dpi for A4)."""

SKEW_MAX_POINTS = 400_000
"""At most this many ink pixels go into each projection of the skew search."""

BLUR_SIGMA = 2.0
"""Gaussian blur before the threshold, in pixels at the working (300 dpi) resolution."""

MAX_THRESHOLD = 200
"""Cap on the Otsu threshold (after background flattening). Otsu splits whatever it is given
in two: on a page of paper and specks with no print it splits the speckle itself and turns a
blank photocopy into a field of blobs. On printed pages Otsu lands near 180."""

BACKGROUND_SCALE = 8
BACKGROUND_KERNEL = 9
"""The paper brightness is estimated on a copy shrunk BACKGROUND_SCALE times, with a max filter
BACKGROUND_KERNEL pixels wide there (72 px, 6 mm at 300 dpi): wider than any stroke and than the
gap between lines, narrow enough to follow a shadow along a fold or the copier's edge."""

DARK_AREA_MEAN = 96
"""Where the page averages darker than this over a BACKGROUND_KERNEL square (6 mm), it is a
dark area, not print: text on paper averages 180-240 there. Such areas get a threshold of
their own (see :func:`binarize`)."""

SPECK_MM = 0.2
"""Ink blobs smaller than a square of this side (in mm) are dust, not print: the dot under
'ạ' in 8-point type is about 0.3 mm across."""

DARK_BLOCK_FILL = 0.6
DARK_BLOCK_LETTERS = (2, 6)
"""A blob of ink at least this many typical letters tall and wide (its box), and at least
DARK_BLOCK_FILL ink, is a dark block: a band or box printed solid where white letters can
stand (a masthead, a boxed heading), or a dark picture that stays solid after binarization.
Letters, rules and frames are not."""

MAX_PAGE_IN = 20
"""A stated resolution that makes the scan longer than this (inches) is a placeholder."""


@dataclass
class CleanupReport:
    """What :func:`prepare_for_ocr` did to a page, for the page's provenance."""

    rotated: int = 0  # degrees clockwise applied from orientation detection (0/90/180/270)
    deskew_deg: float = 0.0  # skew removed, degrees counter-clockwise (as fixtures' skew_deg)
    upsampled_from_dpi: int | None = None
    steps: list[str] = field(default_factory=list)
    ink_blobs: int | None = None  # letter-sized blobs of the cleaned page (readcheck.ink_blobs), from the speck labels
    dark_blocks: int | None = None  # solid dark areas where white letters could stand (dark_blocks), from the same labels


def prepare_for_ocr(
    image: Image.Image,
    *,
    dpi: int | None = None,
    target_dpi: int = 300,
    detect_orientation: bool = True,
    osd_timeout_s: int = 30,
) -> tuple[Image.Image, CleanupReport]:
    """Turn one scanned page into a clean black-on-white 'L' image for Tesseract.

    Steps, in this order: turn the page upright (Tesseract OSD), upsample to ``target_dpi``
    when the scan is coarser, straighten the skew, binarize, remove specks. ``dpi`` defaults
    to the image's ``info['dpi']``; when neither is known (or the value is implausible) the
    page is not resampled and specks are sized as if at ``target_dpi``. The returned image
    carries its resolution in ``info['dpi']`` when known (for the page's record: Tesseract is
    not told it, and estimates the resolution from the height of the text, as it always has
    here; telling it would move some paragraph breaks, a change to measure on its own).
    """
    report = CleanupReport()
    source_dpi = resolution(image, dpi)
    gray = to_gray(image)
    if detect_orientation:
        report.rotated = _osd_rotation(gray, osd_timeout_s)
    if report.rotated:
        gray = turn(gray, report.rotated)
        report.steps.append(f"orientation:{report.rotated}")
    binary, after, work_dpi = clean(gray, source_dpi, target_dpi)
    report.deskew_deg, report.upsampled_from_dpi = after.deskew_deg, after.upsampled_from_dpi
    report.steps += after.steps
    return _as_image(binary, work_dpi), report


def clean(gray: np.ndarray, source_dpi: int | None, target_dpi: int = 300) -> tuple[np.ndarray, CleanupReport, int | None]:
    """:func:`prepare_for_ocr`'s steps after orientation, on a page's greyscale array (left as
    it is): upsample, deskew, binarize, remove specks. Returns the black-on-white page, what was
    done, and the resolution the page now has (None when unknown)."""
    report = CleanupReport()
    if source_dpi and source_dpi < target_dpi:
        gray = upsample(gray, source_dpi, target_dpi)
        report.upsampled_from_dpi = source_dpi
        report.steps.append(f"upsample:{source_dpi}->{target_dpi}")
    work_dpi = max(source_dpi, target_dpi) if source_dpi else None
    report.deskew_deg = estimate_skew(gray)
    if abs(report.deskew_deg) >= MIN_SKEW_DEG:
        gray = deskew(gray, report.deskew_deg)
        report.steps.append(f"deskew:{report.deskew_deg:.2f}")
    else:
        report.deskew_deg = 0.0
    binary = binarize(gray)
    del gray
    report.steps.append("binarize")
    binary, report.ink_blobs, report.dark_blocks = _denoise(binary, dpi=work_dpi or target_dpi)
    report.steps.append("denoise")
    if report.dark_blocks:  # Tesseract is then asked to try white-on-black readings too (pages.py)
        report.steps.append(f"dark-blocks:{report.dark_blocks}")
    return binary, report, work_dpi


def turn(gray: np.ndarray, degrees: int) -> np.ndarray:
    """The page turned ``degrees`` clockwise (90, 180 or 270)."""
    return np.ascontiguousarray(np.rot90(gray, k=-(degrees // 90)))  # rot90 turns anticlockwise


def detect_orientation(image: Image.Image | np.ndarray, timeout_s: int = 30) -> int:
    """Degrees clockwise (0, 90, 180 or 270) that turn the page upright, by Tesseract OSD.

    A page fed in sideways or upside down reads as garbage, and skew estimation only looks
    within ±10°. Returns 0 whenever OSD cannot tell: too little text, low confidence, no
    ``osd`` traineddata, a timeout or any Tesseract failure (a wrong turn is worse than none).
    """
    if not tesseract.available():
        return _osd_with_command(image, timeout_s)
    gray = image if isinstance(image, np.ndarray) else to_gray(image)
    try:
        rotate, confidence = tesseract.detect_orientation(gray)
    except tesseract.TesseractError:
        return 0
    if rotate not in (90, 180, 270) or confidence < MIN_OSD_CONFIDENCE:
        return 0
    return rotate


def _osd_with_command(image: Image.Image | np.ndarray, timeout_s: int) -> int:
    import pytesseract

    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    try:
        osd = pytesseract.image_to_osd(
            image, config="--psm 0", output_type=pytesseract.Output.DICT, timeout=timeout_s
        )
    except (pytesseract.TesseractError, pytesseract.TesseractNotFoundError, RuntimeError, OSError, ValueError):
        return 0
    rotate = int(osd.get("rotate", 0)) % 360
    if rotate not in (90, 180, 270) or float(osd.get("orientation_conf", 0)) < MIN_OSD_CONFIDENCE:
        return 0
    return rotate


_osd_rotation = detect_orientation  # inside prepare_for_ocr, its flag of the same name hides it


def estimate_skew(gray: np.ndarray) -> float:
    """Skew of the text lines in degrees, counter-clockwise positive, within ±MAX_SKEW_DEG.

    Projection-profile search: at the right angle the ink of each text line falls into the
    same few rows, so the row histogram is most peaked (largest sum of squares). Done on a
    page shrunk to ~100 dpi, where averaging already greys out single-pixel specks and Otsu
    drops them; specks that survive are spread evenly and barely move the peak. A coarse pass
    over the whole range, then a fine one around the best angle. Returns 0.0 for a page with
    no ink, or with more ink than paper (no lines of print to align).
    """
    ys, xs, share = _ink_coordinates(gray)
    if ys.size == 0 or share > 0.5:
        return 0.0
    coarse = _best_angle(ys, xs, np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, 0.25))
    fine = _best_angle(ys, xs, np.arange(coarse - 0.3, coarse + 0.3 + 1e-9, 0.02))
    return round(float(fine), 2)


def deskew(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate a page skewed ``angle`` degrees (counter-clockwise) back to level.

    The canvas grows to hold every rotated corner and the new area is white, so no text near
    the page edge is cut off and no black wedges appear for Tesseract to read as marks.
    Bicubic: bilinear costs less than half as much on a 300 dpi page, but read the bench's
    phone photos at 0.87% CER where bicubic reads them at 0.33-0.40% (bench/ocr.py).
    """
    height, width = gray.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), -angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = int(math.ceil(width * cos + height * sin))
    new_height = int(math.ceil(width * sin + height * cos))
    matrix[0, 2] += (new_width - width) / 2
    matrix[1, 2] += (new_height - height) / 2
    return cv2.warpAffine(
        gray, matrix, (new_width, new_height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT, borderValue=255
    )


def binarize(gray: np.ndarray, *, blur_sigma: float = BLUR_SIGMA) -> np.ndarray:
    """Black ink (0) on white paper (255).

    Three moves, each for a photocopy defect: (1) divide by an estimate of the paper's own
    brightness, so a shaded edge or a grey copy becomes white paper and one threshold fits the
    whole page; (2) a light gaussian blur, which greys out lone black specks and fills the
    white pits that toner dropout leaves in strokes, so both fall on the right side of (3) a
    global Otsu threshold (at most MAX_THRESHOLD); a page's dark areas (a band printed white
    on black, a photograph: :func:`_dark_areas`) get an Otsu threshold of their own, and the
    print around them one taken without them. Adaptive (local-mean) thresholds were not
    used: on blank paper the local mean is white and every faint speck falls below it. The
    blur was measured on the seed page as 200 dpi photocopies with 5-10% specks: sigma 2 px (at
    300 dpi) read them at 0.3-1.1% CER, sigma 1 at 1.7-11%, sigma 0.7 at 12-27%; a clean page
    read the same (0.1%), clean 8-point type slightly worse (1.3% against 0.8%).
    """
    flat, small = _flatten(gray)
    if blur_sigma > 0:
        flat = cv2.GaussianBlur(flat, (0, 0), blur_sigma)
    dark = _dark_areas(small, flat.shape)
    if dark is None:
        threshold, binary = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        if threshold > MAX_THRESHOLD:
            _, binary = cv2.threshold(flat, MAX_THRESHOLD, 255, cv2.THRESH_BINARY)
        return binary
    # The print and the dark areas each get their own threshold: a band or a photograph
    # weighs on a single one enough to thin every stroke elsewhere (a 4% masthead band moved
    # it from 192 to 137 and cost the body most of its tone marks), and the white letters in
    # a band need a threshold between the band's black and their own white.
    print_areas = cv2.bitwise_not(dark)
    binary = cv2.threshold(flat, min(_otsu(flat, print_areas), MAX_THRESHOLD), 255, cv2.THRESH_BINARY)[1]
    in_dark = cv2.threshold(flat, min(_otsu(flat, dark), MAX_THRESHOLD), 255, cv2.THRESH_BINARY)[1]
    cv2.copyTo(in_dark, dark, binary)
    return binary


def _dark_areas(small: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
    """A full-size mask (255) of the page's dark areas, or None when it has none. ``small`` is
    the page shrunk BACKGROUND_SCALE times: where its mean over a BACKGROUND_KERNEL square is
    below DARK_AREA_MEAN, grown by the same square back to the area's edges, is a dark area
    (a solid band, a box printed white on black, a dark photograph), unless it reaches the edge
    of the image. Text never averages that dark."""
    dark = cv2.blur(small, (BACKGROUND_KERNEL, BACKGROUND_KERNEL)) < DARK_AREA_MEAN
    if not dark.any():
        return None
    # What touches the edge of the image lies around the page, not on it (a desk, the
    # copier's black border): it stays under the page's own threshold, as it always was, so
    # that a photo missed by the photo test still reads as badly as it is and gets flagged.
    labels, stats = components(dark.astype(np.uint8))
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    right, bottom = left + stats[:, cv2.CC_STAT_WIDTH], top + stats[:, cv2.CC_STAT_HEIGHT]
    inside = (left > 0) & (top > 0) & (right < dark.shape[1]) & (bottom < dark.shape[0])
    inside[0] = False  # the background label
    if not inside.any():
        return None
    dark = inside[labels]
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (BACKGROUND_KERNEL, BACKGROUND_KERNEL))
    dark = cv2.dilate(dark.astype(np.uint8) * 255, kernel)
    return cv2.resize(dark, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def _otsu(image: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Otsu's threshold (OpenCV's) over the pixels under ``mask``: all of them without one, or
    when the mask leaves fewer than 1% of them."""
    if mask is not None:
        chosen = image[mask > 0]
        if chosen.size >= 0.01 * image.size:
            image = chosen.reshape(1, -1)
    threshold, _ = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return threshold


def denoise(binary: np.ndarray, *, dpi: int = 300) -> np.ndarray:
    """Remove isolated ink blobs smaller than SPECK_MM across; leave everything else alone.

    Connected-component filtering instead of a median or an opening: those shave every
    stroke and can erase a tone mark or the dot under 'ạ' outright, while a component's size
    tells dust from a dot (the smallest diacritic is several times the speck limit).
    """
    return _denoise(binary, dpi=dpi)[0]


def _denoise(binary: np.ndarray, *, dpi: int = 300) -> tuple[np.ndarray, int, int]:
    """:func:`denoise`, the letter-sized blobs of ink left (readcheck.ink_blobs of the result)
    and the dark blocks left (:func:`dark_blocks`): the blobs left are the labels that are not
    specks, so the reading checks need not label the page a second time."""
    ink = cv2.compare(binary, 128, cv2.CMP_LT)  # 255 on ink
    labels, stats = components(ink)
    del ink
    min_area = (SPECK_MM / 25.4 * dpi) ** 2
    specks = stats[:, cv2.CC_STAT_AREA] < min_area
    specks[0] = False  # label 0 is the paper
    _, out = cv2.threshold(binary, 127, 255, cv2.THRESH_BINARY)  # ink 0, paper 255, as the labels say
    if specks.any():
        out[specks[labels]] = 255  # only the specks are painted: a lookup per label, not per pixel
    kept = stats[1:][~specks[1:]]
    return out, letter_sized(kept[:, cv2.CC_STAT_HEIGHT], kept[:, cv2.CC_STAT_WIDTH]), dark_blocks(kept)


def components(ink: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 8-connected blobs of a mask (non-zero on ink): each pixel's label and each label's
    statistics (cv2.CC_STAT_*; label 0 is the background). Labels are 16-bit while they fit,
    which OpenCV computes about three times faster than 32-bit ones; a page with 65,535 blobs
    or more (a noisy photograph) is labelled again with 32-bit labels. Same labels either way."""
    try:
        _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(ink, 8, cv2.CV_16U, cv2.CCL_DEFAULT)
    except cv2.error:  # more labels than 16 bits hold
        _, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(ink, 8, cv2.CV_32S, cv2.CCL_DEFAULT)
    return labels, stats


def dark_blocks(stats: np.ndarray) -> int:
    """How many blobs (rows of cv2 component statistics, background excluded) are solid dark
    areas where white letters could stand: DARK_BLOCK_LETTERS typical letters tall and wide
    or more, and DARK_BLOCK_FILL ink or more. White letters cut holes in such a blob, not
    blobs of their own, so only the dark area shows; Tesseract reads them only when it tries
    a line as white on black, which it need not try on a page with none."""
    if not len(stats):
        return 0
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    typical = float(np.median(heights))
    tall, wide = DARK_BLOCK_LETTERS
    solid = stats[:, cv2.CC_STAT_AREA] >= DARK_BLOCK_FILL * heights.astype(np.int64) * widths
    return int(np.count_nonzero((heights >= tall * typical) & (widths >= wide * typical) & solid))


def letter_sized(heights: np.ndarray, widths: np.ndarray) -> int:
    """How many blobs of ink (by their boxes) are about a letter's size: letters, tone marks
    and dots, not rules, frames or pictures' large shapes."""
    if not len(heights):
        return 0
    typical = float(np.median(heights))
    return int(np.count_nonzero((heights <= 3 * typical) & (widths <= 4 * typical)))


def upsample(gray: np.ndarray, from_dpi: int, to_dpi: int) -> np.ndarray:
    """Resample a coarse scan up to ``to_dpi`` (Lanczos); unchanged when already that fine.

    Tesseract's line finding and its LSTM are trained on ~300 dpi text: at 200 dpi the
    x-height of 10-point type is ~13 px and accents merge into letters. Lanczos rebuilds
    smooth stroke edges from the grey (or bi-level) scan; the result is binarized after.
    """
    if from_dpi >= to_dpi:
        return gray
    scale = to_dpi / from_dpi
    size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
    return cv2.resize(gray, size, interpolation=cv2.INTER_LANCZOS4)


# ------------------------------------------------------------------------------ helpers


def to_gray(image: Image.Image) -> np.ndarray:
    """The page as a writable uint8 greyscale array (mode '1' becomes 0/255)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, "white")
        image = Image.alpha_composite(background, image.convert("RGBA"))
    return np.array(image.convert("L"))


def _as_image(gray: np.ndarray, dpi: int | None) -> Image.Image:
    """A PIL 'L' image of the array, with its resolution recorded when known."""
    image = Image.fromarray(gray)  # uint8, two dimensions: mode "L"
    if dpi:
        image.info["dpi"] = (dpi, dpi)
    return image


def resolution(image: Image.Image | tuple[int, int], dpi: int | None) -> int | None:
    """The scan resolution: the given one, else the file's, when it fits a real page.

    Files often carry a placeholder (72 dpi in JPEGs and screenshots); taken at its word it
    would blow a 300 dpi page up to four times its size. A resolution implying a sheet longer
    than MAX_PAGE_IN inches is treated as unknown. ``image`` may be a (width, height) size.
    """
    size = image if isinstance(image, tuple) else image.size
    if dpi is None:
        try:
            dpi = round(float(image.info["dpi"][0]))
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            return None
    if dpi <= 0 or max(size) / dpi > MAX_PAGE_IN:
        return None
    return dpi


def _ink_coordinates(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Row and column (centred, float32) of the ink pixels of a copy at most SKEW_MAX_SIDE long,
    and the share of that copy's pixels that are ink."""
    small = shrink(gray, -(-max(gray.shape) // SKEW_MAX_SIDE))
    _, ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    ys, xs = np.nonzero(ink)
    share = ys.size / ink.size
    if ys.size > SKEW_MAX_POINTS:  # a dark photo: an even subsample keeps the search fast
        step = ys.size // SKEW_MAX_POINTS + 1
        ys, xs = ys[::step], xs[::step]
    return ys.astype(np.float32) - small.shape[0] / 2, xs.astype(np.float32) - small.shape[1] / 2, share


def _best_angle(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> float:
    """The angle (degrees) whose row projection of the ink is the most peaked."""
    offset = float(np.hypot(ys.max() - ys.min(), xs.max() - xs.min())) + 1  # rows stay >= 0
    scores = []
    for angle in angles:
        theta = math.radians(angle)
        rows = (ys * math.cos(theta) + xs * math.sin(theta) + offset).astype(np.int32)
        counts = np.bincount(rows).astype(np.float64)
        scores.append(float(np.dot(counts, counts)))
    return float(angles[int(np.argmax(scores))])


def _flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide the page by its paper brightness (a max filter that no stroke survives)."""
    return _flatten(gray)[0]


def _flatten(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_flatten_background`, and the page shrunk BACKGROUND_SCALE times on the way."""
    height, width = gray.shape
    small = shrink(gray, BACKGROUND_SCALE)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (BACKGROUND_KERNEL, BACKGROUND_KERNEL))
    paper = cv2.dilate(small, kernel)  # brightest value nearby: ink is dark, so this is paper
    paper = np.maximum(cv2.blur(paper, (BACKGROUND_KERNEL, BACKGROUND_KERNEL)), 1)  # no division by 0
    paper = cv2.resize(paper, (width, height), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, paper, scale=255), small


def shrink(gray: np.ndarray, factor: int) -> np.ndarray:
    """The page shrunk ``factor`` times by averaging factor × factor squares (the last rows and
    columns that do not fill a square are left out). OpenCV averages whole squares four to six
    times faster than it resamples by a fraction (INTER_AREA at, say, 0.342)."""
    if factor <= 1:
        return gray
    height, width = gray.shape[:2]
    rows, columns = max(1, height // factor), max(1, width // factor)
    return cv2.resize(gray[: rows * factor, : columns * factor], (columns, rows), interpolation=cv2.INTER_AREA)
