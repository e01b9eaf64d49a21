"""Pages photographed with a phone: tell a photo from a scan, find the page, straighten it.

A volunteer's photo of a bulletin is not a scan: the page lies on a desk (wood, a checked
cloth) that fills the frame around it, is seen at an angle (its far edge narrower, no single
skew angle), and is lit by a lamp whose light falls off by half across the page. Tesseract,
handed such a page, can split every line in two at a river of word spaces and still report a
high confidence. So before the usual clean-up (cleanup.py) a photo is

1. recognised (:func:`examine`): the camera's EXIF fields, a page lying on a darker
   background, light that varies across the paper where a scanner's does not;
2. cut out and straightened (:func:`find_page`, :func:`straighten`): the page's four corners
   found on a small copy (text closed over, then the bright region around the centre grown
   out, its outline reduced to a quadrilateral), the page warped to a rectangle at 300 dpi;
3. evened out (:func:`flatten`): divided by the paper's own brightness, so the lamp's
   fall-off is gone before deskew and binarization look at the page.

A page that fills the frame (no background around it) is not warped: only flattened and
scaled to 300 dpi (taken as A4), then deskewed as scans are. The steps go into
``pages.cleanup`` as ``photo, perspective:x0,y0;x1,y1;x2,y2;x3,y3->WxH, flatten`` (corners
top-left, top-right, bottom-right, bottom-left, in pixels of the upright source image) or
``photo, fills-frame, upsample:130->300, flatten, mask`` (``mask``: the desk seen beyond its
edges painted white). Nothing here imports Dagster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from pipelines.core.read import cleanup

__all__ = ["PhotoCheck", "examine", "camera", "find_page", "straighten", "warp", "flatten", "prepare_photo"]

TARGET_DPI = 300
PAGE_LONG_IN = 11.69
"""The page's long side when nothing says otherwise (A4: the bulletins' size), in inches."""

MIN_STATED_DPI = 150
"""A resolution stated in a photo below this (phones write 72) says nothing about the page."""

FIND_SIDE = 800
"""Page finding works on a copy whose longer side is at most this many pixels."""

MIN_PAGE_SHARE = 0.2
"""A bright region smaller than this share of the frame is not taken for the page."""

MAX_PAGE_SHARE = 0.97
"""A region covering more than this share of the frame is the page filling it."""

DARK_SURROUND = 0.85
"""The frame around a page found is a background when its median brightness is below this
share of the paper's (wood, cloth, a desk's shadow); a scanner's lid or glass is paper-white."""

UNEVEN_LIGHT = 0.25
"""Paper whose brightness varies by more than this share (5th to 95th percentile) was lit by a
lamp, not a scanner's bar; scans, photocopies included, vary by a few percent."""


@dataclass
class PhotoCheck:
    """Whether a page image is a photo, and why (for ``pages.reason``)."""

    photo: bool
    reasons: list[str] = field(default_factory=list)
    corners: np.ndarray | None = None  # the page's corners TL, TR, BR, BL, source pixels (float32 4x2)
    light_variation: float = 0.0
    outline: np.ndarray | None = None  # a page filling the frame: the paper's outline (source pixels), desk beyond

    def describe(self) -> str:
        return ("photo: " if self.photo else "scan: ") + ", ".join(self.reasons or ["nothing says otherwise"])


def camera(image: Image.Image | None) -> str | None:
    """The phone or camera named by the image's EXIF fields (make, model), or 'camera' when only
    exposure fields say so; None for an image without them (scanners rarely write them)."""
    if image is None:
        return None
    try:
        exif = image.getexif()
    except Exception:  # damaged EXIF must not cost a page
        return None
    make, model = str(exif.get(0x010F, "") or "").strip(), str(exif.get(0x0110, "") or "").strip()
    if make or model:
        name = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
        return name.replace(",", " ")[:60]
    try:
        details = exif.get_ifd(0x8769)  # Exif IFD: exposure time, f-number, focal length
    except Exception:
        return None
    if any(tag in details for tag in (0x829A, 0x829D, 0x920A)):
        return "camera"
    return None


def examine(gray: np.ndarray, image: Image.Image | None = None, dpi: int | None = None,
            camera_name: str | None = None) -> PhotoCheck:
    """Photo or scan, from the camera's EXIF fields (read from ``image``, or given as
    ``camera_name`` by :func:`camera`), a page on a darker background, the light across the
    paper and the stated resolution. Cheap (a small copy): run on every page."""
    check = PhotoCheck(photo=False)
    maker = camera_name or camera(image)
    if maker:
        check.reasons.append(f"EXIF camera {maker}")
    small, scale = _small(gray)
    closed = _close_text(small)
    corners, surround, outline = _page_outline(closed)
    if outline is not None:
        check.outline = outline / scale
    check.light_variation = _light_variation(closed, None if corners is None else _inside(closed, corners))
    if corners is not None and surround is not None:
        check.corners = (corners / scale).astype(np.float32)
        check.reasons.append(f"page on a background ({surround:.0%} of the paper's brightness)")
    if check.light_variation > UNEVEN_LIGHT:
        check.reasons.append(f"light varies {check.light_variation:.0%} across the page")
    if not dpi:
        check.reasons.append("no scan resolution")
    check.photo = bool(maker) or check.corners is not None or (check.light_variation > UNEVEN_LIGHT and not dpi)
    if not check.photo:
        check.reasons = [r for r in check.reasons if r != "no scan resolution"]
    return check


def find_page(gray: np.ndarray) -> np.ndarray | None:
    """The page's four corners (TL, TR, BR, BL; float32, source pixels) when it lies on a
    background that shows around it; None when it fills the frame or cannot be told apart."""
    small, scale = _small(gray)
    corners, surround, _outline = _page_outline(_close_text(small))
    if corners is None or surround is None:
        return None
    return (corners / scale).astype(np.float32)


def straighten(gray: np.ndarray, corners: np.ndarray, target_dpi: int = TARGET_DPI,
               source_dpi: int | None = None) -> tuple[np.ndarray, str]:
    """The page inside ``corners`` warped to an upright rectangle at ``target_dpi`` (its long
    side taken as A4's, unless the image states a plausible ``source_dpi``: a page on a
    scanner's dark lid), and the step for ``pages.cleanup``."""
    tl, tr, br, bl = corners.astype(np.float64)
    width = (np.hypot(*(tr - tl)) + np.hypot(*(br - bl))) / 2
    height = (np.hypot(*(bl - tl)) + np.hypot(*(br - tr))) / 2
    if source_dpi:
        scale = max(1.0, target_dpi / source_dpi)
    else:
        scale = PAGE_LONG_IN * target_dpi / max(width, height)
    out_w, out_h = round(width * scale), round(height * scale)
    points = ";".join(f"{x:.0f},{y:.0f}" for x, y in corners)
    return warp(gray, corners, out_w, out_h), f"perspective:{points}->{out_w}x{out_h}"


def warp(gray: np.ndarray, corners: np.ndarray, width: int, height: int) -> np.ndarray:
    """The quadrilateral ``corners`` (TL, TR, BR, BL) of ``gray`` mapped onto a ``width`` x
    ``height`` rectangle: the ``perspective:…->WxH`` step, replayable from ``pages.cleanup``."""
    target = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    matrix = cv2.getPerspectiveTransform(np.float32(corners), target)
    return cv2.warpPerspective(gray, matrix, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


def flatten(gray: np.ndarray) -> np.ndarray:
    """The page divided by its paper's brightness (estimated with every stroke closed over),
    so a lamp's fall-off, a shadow or a grey cast become white paper; ink keeps its contrast."""
    return cleanup._flatten_background(gray)


def prepare_photo(gray: np.ndarray, check: PhotoCheck, target_dpi: int = TARGET_DPI,
                  source_dpi: int | None = None) -> tuple[np.ndarray, list[str], int]:
    """A photo's own steps before the scan clean-up: straighten it (or, filling the frame,
    scale it to ``target_dpi`` taken as A4 unless ``source_dpi`` is known), flatten the light.
    Returns the page, the steps and its resolution now."""
    steps = ["photo"]
    outline = None
    if source_dpi and (source_dpi < MIN_STATED_DPI or any(r.startswith("EXIF camera") for r in check.reasons)):
        source_dpi = None  # a phone's 72 dpi is a placeholder, not the page's resolution
    if check.corners is not None:
        gray, step = straighten(gray, check.corners, target_dpi, source_dpi)
        steps.append(step)
        if source_dpi and source_dpi > target_dpi:
            target_dpi = source_dpi
    else:
        steps.append("fills-frame")
        dpi = source_dpi or round(max(gray.shape) / PAGE_LONG_IN)
        target_dpi = max(target_dpi, dpi)
        outline = check.outline
        if dpi < target_dpi:
            gray = cleanup.upsample(gray, dpi, target_dpi)
            steps.append(f"upsample:{dpi}->{target_dpi}")
            outline = None if outline is None else outline * (target_dpi / dpi)
    steps.append("flatten")
    page = flatten(gray)
    if outline is not None:
        page = _whiten_outside(page, outline, target_dpi)
        steps.append("mask")
    return page, steps, target_dpi


MASK_INSET_MM = 4.0
"""The paper's outline is pulled in this much before what lies outside it is painted white:
the page's own edge (a shadow, a bright rim after flattening) goes too."""


FRAME_BORDER_MM = 4.0
"""Along the frame's own edges this much is painted white too: a sliver of desk thinner than
the page finder sees; a page's print keeps well clear of its edges (margins of 15-25 mm)."""


def _whiten_outside(page: np.ndarray, outline: np.ndarray, dpi: int) -> np.ndarray:
    """The desk seen beyond a page that fills the frame painted white: flattened, a checked
    cloth or wood grain turns into print-like marks Tesseract reads as letters."""
    mask = np.zeros(page.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 255)
    inset = max(1, round(MASK_INSET_MM / 25.4 * dpi))
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (2 * inset + 1, 2 * inset + 1)))
    border = max(1, round(FRAME_BORDER_MM / 25.4 * dpi))  # a sliver of desk along the frame's edge
    mask[:border], mask[-border:], mask[:, :border], mask[:, -border:] = 0, 0, 0, 0
    page[mask == 0] = 255
    return page


# ------------------------------------------------------------------------------ helpers


def _small(gray: np.ndarray) -> tuple[np.ndarray, float]:
    scale = min(1.0, FIND_SIDE / max(gray.shape))
    if scale == 1.0:
        return gray, 1.0
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def _close_text(small: np.ndarray) -> np.ndarray:
    """Print closed over with the paper around it (a max filter wider than a line of text, then
    a min filter to bring the page's edges back), smoothed against JPEG and sensor noise."""
    side = max(3, round(max(small.shape) / 100) | 1)  # ~3 mm on a photographed A4 page
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    return cv2.GaussianBlur(closed, (5, 5), 0)


def _page_outline(closed: np.ndarray) -> tuple[np.ndarray | None, float | None, np.ndarray | None]:
    """The page's corners on the small copy and the surround's brightness (a share of the
    paper's) when a bright region around the centre stands out from a darker frame; when the
    page runs out of the frame instead (desk seen only in its corners or along an edge), no
    corners but the outline of the paper seen, to paint what lies outside it white.

    The page is grown from the brightest spot near the centre, each pixel joining when it is
    within a few levels of its neighbour (so the light may fall off smoothly across the paper,
    but the step onto wood or cloth stops it); its outline is reduced to four corners."""
    height, width = closed.shape
    cy, cx = height // 2, width // 2
    window = closed[cy - height // 6: cy + height // 6, cx - width // 6: cx + width // 6]
    wy, wx = np.unravel_index(int(np.argmax(window)), window.shape)
    seed = (int(cx - width // 6 + wx), int(cy - height // 6 + wy))
    mask = np.zeros((height + 2, width + 2), np.uint8)
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (255 << 8)
    cv2.floodFill(closed.copy(), mask, seed, 0, loDiff=2, upDiff=2, flags=flags)
    region = mask[1:-1, 1:-1]
    region = cv2.morphologyEx(region, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    # Where the light is low the fill can creep onto a pale patch of the desk touching the
    # page: an opening wider than such a patch's neck cuts it off again.
    side = max(9, round(0.03 * max(width, height)) | 1)
    region = cv2.morphologyEx(region, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    share = np.count_nonzero(region) / region.size
    if share < MIN_PAGE_SHARE:
        return None, None, None
    contours, _ = cv2.findContours(region, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None, None, None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    paper = float(np.median(closed[region > 0]))
    outside = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15))) == 0
    if np.count_nonzero(outside) < 0.005 * region.size or paper <= 0:
        return None, None, None
    surround = float(np.median(closed[outside])) / paper
    if surround > DARK_SURROUND:
        return None, None, None
    quad = _quadrilateral(hull)
    if quad is None or _touches_frame(quad, width, height) or share > MAX_PAGE_SHARE:
        return None, None, hull.reshape(-1, 2).astype(np.float32)  # the page runs out of the frame
    return _refine(closed, quad), surround, None


def _quadrilateral(hull: np.ndarray) -> np.ndarray | None:
    """Four corners (TL, TR, BR, BL) from a convex outline: the coarsest polygon approximation
    with four vertices, else the hull's extreme points along the diagonals."""
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.01, 0.02, 0.03, 0.05):
        approx = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(approx) == 4:
            return _order(approx.reshape(4, 2).astype(np.float32))
    points = hull.reshape(-1, 2).astype(np.float32)
    sums, diffs = points.sum(axis=1), points[:, 0] - points[:, 1]
    quad = np.float32([points[np.argmin(sums)], points[np.argmax(diffs)], points[np.argmax(sums)], points[np.argmin(diffs)]])
    return quad if cv2.contourArea(quad) > 0.8 * cv2.contourArea(hull) else None


EDGE_DROP = 0.12
"""The page's edge is where the brightness first falls this share below the paper's: a pale
patch of cloth touching the page is darker than that, and it is found before the dark one
beyond it."""

REFINE_SAMPLES = 24
"""Points looked for along each side of the page when its edges are refined."""


def _refine(closed: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The corners moved onto the page's real edges: along each side, where the brightness
    first falls below the paper's by EDGE_DROP (or halfway to the desk's, if less; looked for across the side, up to
    4% of the page's size either way), a line fitted through those points (Huber: points on a
    pale patch of the desk weigh little), the corners where the lines meet. A side with too
    few points, or corners that would move too far, keep the first estimate."""
    reach = 0.04 * float(np.hypot(*(quad[2] - quad[0])))
    centre = quad.mean(axis=0)
    lines = []
    for k in range(4):
        p0, p1 = quad[k].astype(np.float64), quad[(k + 1) % 4].astype(np.float64)
        direction = (p1 - p0) / max(np.hypot(*(p1 - p0)), 1e-6)
        normal = np.array([direction[1], -direction[0]])
        if np.dot(normal, (p0 + p1) / 2 - centre) < 0:
            normal = -normal  # pointing out of the page
        offsets = np.linspace(-reach, reach, max(8, int(2 * reach * 4)))
        found = []
        for t in np.linspace(0.1, 0.9, REFINE_SAMPLES):
            base = p0 + t * (p1 - p0)
            xs = (base[0] + offsets * normal[0]).astype(np.float32)[None, :]
            ys = (base[1] + offsets * normal[1]).astype(np.float32)[None, :]
            profile = cv2.remap(closed, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)[0].astype(np.float32)
            inside = float(np.median(profile[: len(profile) // 4]))
            outside = float(profile[len(profile) // 2:].min())
            if inside - outside < 15:
                continue
            level = inside - min((inside - outside) / 2, EDGE_DROP * inside)
            below = np.nonzero(profile < level)[0]
            below = below[below > len(profile) // 8]
            if below.size == 0:
                continue
            i = int(below[0])
            a, b = profile[i - 1], profile[i]
            frac = (a - level) / max(a - b, 1e-6)
            found.append(base + (offsets[i - 1] + frac * (offsets[i] - offsets[i - 1])) * normal)
        if len(found) < REFINE_SAMPLES // 3:
            lines.append((p0, direction))
            continue
        vx, vy, x0, y0 = cv2.fitLine(np.float32(found), cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0], np.float64), np.array([vx, vy], np.float64)))
    refined = []
    for k in range(4):
        (a, da), (b, db) = lines[(k - 1) % 4], lines[k]  # corner k joins side k-1 and side k
        matrix = np.array([da, -db]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return quad
        s, _ = np.linalg.solve(matrix, b - a)
        refined.append(a + s * da)
    refined = np.float32(refined)
    if np.abs(refined - quad).max() > 1.5 * reach:
        return quad
    return refined


def _order(points: np.ndarray) -> np.ndarray:
    """Corners in the order top-left, top-right, bottom-right, bottom-left."""
    sums, diffs = points.sum(axis=1), points[:, 0] - points[:, 1]
    return np.float32([points[np.argmin(sums)], points[np.argmax(diffs)], points[np.argmax(sums)], points[np.argmin(diffs)]])


def _touches_frame(quad: np.ndarray, width: int, height: int, margin: int = 2) -> bool:
    """More than one corner on the frame's edge: the page runs out of the picture."""
    xs, ys = quad[:, 0], quad[:, 1]
    on_edge = (xs <= margin) | (xs >= width - 1 - margin) | (ys <= margin) | (ys >= height - 1 - margin)
    return int(np.count_nonzero(on_edge)) > 1


def _inside(closed: np.ndarray, corners: np.ndarray) -> np.ndarray:
    """A mask of the page inside its corners, shrunk a little off its edges."""
    mask = np.zeros(closed.shape, np.uint8)
    centre = corners.mean(axis=0)
    shrunk = centre + (corners - centre) * 0.92
    cv2.fillConvexPoly(mask, shrunk.astype(np.int32), 255)
    return mask


def _light_variation(closed: np.ndarray, mask: np.ndarray | None) -> float:
    """How much the light falls off across the paper: 1 - darkest/brightest of a plane fitted
    to the paper's brightness cell by cell (the brightest tenth of each cell of a 12 x 12
    grid, on the text-closed copy). Cells far below the plane (a picture, a dark heading) are
    dropped and the plane fitted again, so print weighs little and only a smooth fall-off of
    the light counts."""
    height, width = closed.shape
    rows, xs, ys = [], [], []
    for i in range(12):
        for j in range(12):
            y0, y1, x0, x1 = i * height // 12, (i + 1) * height // 12, j * width // 12, (j + 1) * width // 12
            cell = closed[y0:y1, x0:x1]
            if mask is not None:
                cell = cell[mask[y0:y1, x0:x1] > 0]
            if cell.size < 20:
                continue
            rows.append(float(np.percentile(cell, 90)))
            xs.append((x0 + x1) / 2 / width)
            ys.append((y0 + y1) / 2 / height)
    if len(rows) < 6:
        return 0.0
    values, design = np.array(rows), np.column_stack([np.ones(len(rows)), xs, ys])
    keep = np.ones(len(rows), bool)
    for _ in range(3):
        coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        fitted = design @ coef
        keep = values > fitted - 0.1 * max(float(fitted.max()), 1.0)
        if keep.sum() < 6:
            return 0.0
    corners = np.array([[1, x, y] for x in (0, 1) for y in (0, 1)]) @ coef
    high, low = float(corners.max()), float(max(corners.min(), 0.0))
    return 1 - low / high if high > 0 else 0.0
