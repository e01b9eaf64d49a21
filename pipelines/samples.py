"""Build bulletin files from known text: born-digital PDFs, scanned TIFFs/PDFs and page images.

The shipped samples (``scripts/make_samples.py``), the tests and the benchmarks all need
documents whose true text is known. This module lays out a list of :class:`Block` (masthead,
title, body paragraphs, byline) on A4 pages and writes it as

* a born-digital PDF with a real Unicode text layer (:func:`write_text_pdf`, fpdf2 + DejaVu),
* a page image drawn with Pillow, optionally degraded like a scan (:func:`render_page_image`),
* a multi-page TIFF (:func:`write_scanned_tiff`), an image-only PDF (:func:`write_scanned_pdf`)
  or a single PNG/JPEG (:func:`write_image`),
* a phone photo of a page (:func:`photograph`): on a desk, at an angle, under a lamp, as JPEG.

Everything is deterministic: fixed creation dates, seeded noise. Nothing here imports Dagster.
"""

from __future__ import annotations

import os
import random
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = [
    "Block",
    "FONT_DIR",
    "FIXED_DATE",
    "find_font",
    "write_text_pdf",
    "render_page_image",
    "degrade",
    "write_scanned_tiff",
    "write_scanned_pdf",
    "write_image",
    "seed_blocks",
    "paginate",
    "photograph",
    "Photo",
]

FONT_DIR = Path(os.environ.get("ARCHIVE_FONT_DIR", "/usr/share/fonts/truetype/dejavu"))
"""Where the DejaVu TrueType fonts live (Debian/Ubuntu package ``fonts-dejavu-core``)."""

FIXED_DATE = datetime(2014, 5, 22, tzinfo=timezone.utc)
"""Creation date written into generated PDFs, so the same input gives the same bytes."""

KINDS = ("masthead", "title", "body", "byline")

# Page geometry shared by the PDF and the image renderer, in points (1/72 inch).
MARGIN_LEFT_PT = MARGIN_RIGHT_PT = 70.0  # about 25 mm
MARGIN_TOP_PT = MARGIN_BOTTOM_PT = 57.0  # about 20 mm
LINE_SPACING = 1.35  # line height as a multiple of the font size

BYLINE_PREFIXES = ("Tin, ảnh:", "Tin và ảnh:", "Bài, ảnh:", "Bài và ảnh:", "Tin:", "Bài:", "Ảnh:")
"""A line starting with one of these (case-insensitive) is the byline."""


@dataclass
class Block:
    """One piece of text on a page, drawn in the style of its kind. Runs of spaces are one
    space; a line break in ``text`` is kept as a forced break (a headline set on two lines)."""

    text: str
    kind: str = "body"  # 'masthead' | 'title' | 'body' | 'byline'

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}; expected one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class _Style:
    """How a kind of block is drawn: size in points, weight, slant, alignment, space after."""

    size: float
    bold: bool = False
    italic: bool = False
    align: str = "L"  # 'L' | 'C' | 'R' | 'J'
    space_after: float = 0.0  # points
    rule_below: bool = False


def _styles(title_size: float, body_size: float) -> dict[str, _Style]:
    return {
        "masthead": _Style(max(body_size - 2, 6), bold=True, align="C", space_after=14, rule_below=True),
        "title": _Style(title_size, bold=True, align="C", space_after=title_size * 0.9),
        "body": _Style(body_size, align="J", space_after=body_size * 0.6),
        "byline": _Style(body_size, italic=True, align="R", space_after=body_size * 0.6),
    }


# --------------------------------------------------------------------------------------- fonts


def find_font(bold: bool = False, italic: bool = False) -> Path:
    """The DejaVu Serif TrueType file for this weight/slant, with DejaVu Sans as a fallback.

    The upright faces come with the Debian/Ubuntu package ``fonts-dejavu-core``; the italic
    ones with ``fonts-dejavu-extra``, and without them an italic request gets the upright
    face. Raises FileNotFoundError naming the package to install when no font is found.
    """
    weight = "-Bold" if bold else ""
    names = []
    if italic:
        names += [f"DejaVuSerif{weight or '-'}Italic.ttf", f"DejaVuSans{weight or '-'}Oblique.ttf"]
    names += [f"DejaVuSerif{weight}.ttf", f"DejaVuSans{weight}.ttf"]
    for name in names:
        if (FONT_DIR / name).is_file():
            return FONT_DIR / name
    raise FileNotFoundError(
        f"no DejaVu font found in {FONT_DIR} (looked for {', '.join(names)}); install the "
        "Debian/Ubuntu package 'fonts-dejavu-core' (sudo apt-get install fonts-dejavu-core) "
        "or point $ARCHIVE_FONT_DIR at a folder holding the DejaVu .ttf files"
    )


# ------------------------------------------------------------------------------- seed text


def seed_blocks(text: str) -> list[Block]:
    """Split a plain-text article into title, body paragraphs and byline.

    The first non-blank line is the title; blank (or whitespace-only) lines separate
    paragraphs, whose hard line breaks are joined with single spaces; a line starting with
    ``Tin, ảnh:`` (or a similar credit) is the byline, even inside a paragraph.
    """
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            kind = "title" if not blocks else "body"
            blocks.append(Block(_squash(" ".join(paragraph)), kind))
            paragraph.clear()

    for raw_line in unicodedata.normalize("NFC", text).splitlines():
        line = raw_line.strip()
        if not line:
            flush()
        elif blocks and _is_byline(line):
            flush()
            blocks.append(Block(_squash(line), "byline"))
        elif not blocks and not paragraph:
            blocks.append(Block(_squash(line), "title"))  # the title is the first line only
        else:
            paragraph.append(line)
    flush()
    return blocks


def _is_byline(line: str) -> bool:
    lowered = line.casefold()
    return any(lowered.startswith(prefix.casefold()) for prefix in BYLINE_PREFIXES)


def _squash(text: str) -> str:
    """Collapse runs of whitespace to one space: the text as a reader (and a PDF) sees it."""
    return re.sub(r"\s+", " ", text).strip()


def _block_lines(text: str) -> list[str]:
    """A block's text as it is drawn: NFC, its forced line breaks kept, other spaces squashed."""
    parts = [_squash(part) for part in unicodedata.normalize("NFC", text).split("\n")]
    return [part for part in parts if part] or [""]


# ---------------------------------------------------------------------- born-digital PDF


def write_text_pdf(
    path: str | os.PathLike,
    pages: list[list[Block]],
    *,
    title_size: float = 16,
    body_size: float = 11,
    created: datetime = FIXED_DATE,
) -> Path:
    """Write a born-digital A4 PDF with a Unicode text layer; each inner list is one page.

    Masthead: small bold, centred, ruled off; title: large bold, centred; body: justified
    paragraphs; byline: right-aligned italic. A page whose blocks overflow continues on a
    new page (as a word processor would). Returns the path written.
    """
    from fpdf import FPDF  # imported here so image-only users need not load fpdf2

    styles = _styles(title_size, body_size)
    pdf = FPDF(orientation="P", unit="pt", format="A4")
    pdf.set_margins(MARGIN_LEFT_PT, MARGIN_TOP_PT, MARGIN_RIGHT_PT)
    pdf.set_auto_page_break(True, margin=MARGIN_BOTTOM_PT)
    pdf.set_creation_date(created)
    pdf.set_lang("vi")
    title = next((b.text for page in pages for b in page if b.kind == "title"), None)
    if title:
        pdf.set_title(_squash(title))
    _register_pdf_fonts(pdf)
    for blocks in pages:
        pdf.add_page()
        for block in blocks:
            _pdf_block(pdf, block, styles[block.kind])
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target


def _register_pdf_fonts(pdf) -> None:
    for style, (bold, italic) in {"": (False, False), "B": (True, False), "I": (False, True), "BI": (True, True)}.items():
        pdf.add_font("Body", style, str(find_font(bold=bold, italic=italic)))


def _pdf_block(pdf, block: Block, style: _Style) -> None:
    """Draw one block at the cursor and move the cursor below it."""
    pdf.set_font("Body", ("B" if style.bold else "") + ("I" if style.italic else ""), style.size)
    text = "\n".join(_block_lines(block.text))
    pdf.multi_cell(0, style.size * LINE_SPACING, text, align=style.align, new_x="LMARGIN", new_y="NEXT")
    if style.rule_below:
        y = pdf.get_y() + 2
        pdf.set_line_width(0.6)
        pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.ln(style.space_after)


# ------------------------------------------------------------------------------ page images


def render_page_image(
    blocks: list[Block],
    *,
    dpi: int = 300,
    width_in: float = 8.27,
    height_in: float = 11.69,
    skew_deg: float = 0.0,
    noise: float = 0.0,
    blur: float = 0.0,
    bilevel: bool = True,
    seed: int = 0,
    title_size: float = 16,
    body_size: float = 11,
) -> Image.Image:
    """Draw one page as a scanner would see it (white paper, black text) at ``dpi``.

    Degradations, applied in this order: rotate by ``skew_deg`` degrees (counter-clockwise,
    white fill), gaussian blur of radius ``blur`` pixels, salt-and-pepper noise flipping each
    pixel with probability ``noise`` (seeded by ``seed``), then a threshold to mode '1' when
    ``bilevel`` (otherwise the page stays greyscale, mode 'L'). The dpi is stored in
    ``image.info['dpi']``. Raises ValueError when the blocks do not fit on the page.
    """
    size = (round(width_in * dpi), round(height_in * dpi))
    page = Image.new("L", size, 255)
    _draw_blocks(ImageDraw.Draw(page), blocks, size, dpi, _styles(title_size, body_size))
    page = degrade(page, skew_deg=skew_deg, noise=noise, blur=blur, bilevel=bilevel, seed=seed)
    page.info["dpi"] = (dpi, dpi)
    return page


def degrade(
    page: Image.Image, *, skew_deg: float = 0.0, noise: float = 0.0, blur: float = 0.0, bilevel: bool = True, seed: int = 0
) -> Image.Image:
    """Skew, blur, speckle and threshold a greyscale page image (see :func:`render_page_image`)."""
    if page.mode != "L":
        page = page.convert("L")
    if skew_deg:
        page = page.rotate(skew_deg, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(radius=blur))
    if noise:
        page = _salt_and_pepper(page, noise, seed)
    if bilevel:
        page = page.convert("1", dither=Image.Dither.NONE)  # threshold at mid-grey
    return page


def _salt_and_pepper(page: Image.Image, probability: float, seed: int) -> Image.Image:
    """Flip about ``probability`` of the pixels to pure black or white, reproducibly."""
    if not 0 <= probability <= 1:
        raise ValueError(f"noise is a probability between 0 and 1, not {probability}")
    page = page.copy()
    pixels = page.load()
    width, height = page.size
    rng = random.Random(seed)
    for _ in range(round(probability * width * height)):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = 0 if rng.random() < 0.5 else 255
    return page


class _Fonts:
    """Pillow fonts by (size in pixels, bold, italic), loaded once each."""

    def __init__(self) -> None:
        self._cache: dict[tuple[int, bool, bool], ImageFont.FreeTypeFont] = {}

    def get(self, size_px: int, bold: bool, italic: bool) -> ImageFont.FreeTypeFont:
        key = (size_px, bold, italic)
        if key not in self._cache:
            self._cache[key] = ImageFont.truetype(str(find_font(bold=bold, italic=italic)), size_px)
        return self._cache[key]


def _draw_blocks(draw: ImageDraw.ImageDraw, blocks: list[Block], size: tuple[int, int], dpi: int, styles) -> None:
    """Lay the blocks out top to bottom inside the margins, as the PDF writer does."""
    scale = dpi / 72.0  # pixels per point
    left, right = MARGIN_LEFT_PT * scale, size[0] - MARGIN_RIGHT_PT * scale
    bottom = size[1] - MARGIN_BOTTOM_PT * scale
    y = MARGIN_TOP_PT * scale
    fonts = _Fonts()
    for block in blocks:
        style = styles[block.kind]
        font = fonts.get(round(style.size * scale), style.bold, style.italic)
        line_height = style.size * LINE_SPACING * scale
        lines = [(words, i == len(wrapped) - 1) for part in _block_lines(block.text)
                 for wrapped in [_wrap(draw, part, font, right - left)] for i, words in enumerate(wrapped)]
        for words, last in lines:
            if y + line_height > bottom:
                raise ValueError(f"the blocks do not fit on one page (overflow in a {block.kind} block)")
            _draw_line(draw, words, font, left, right, y + line_height * 0.78, style.align, last)
            y += line_height
        if style.rule_below:
            rule_y = y + 2 * scale
            draw.line([(left, rule_y), (right, rule_y)], fill=0, width=max(1, round(0.6 * scale)))
        y += style.space_after * scale


def paginate(blocks: list[Block], *, dpi: int = 300, title_size: float = 16, body_size: float = 11) -> list[list[Block]]:
    """The blocks split into pages that :func:`render_page_image` can draw, breaking between
    blocks (a page starts with the block that would overflow the one before)."""
    scale = dpi / 72.0
    width_px = round(8.27 * dpi)
    usable_width = width_px - (MARGIN_LEFT_PT + MARGIN_RIGHT_PT) * scale
    usable_height = round(11.69 * dpi) - (MARGIN_TOP_PT + MARGIN_BOTTOM_PT) * scale
    styles = _styles(title_size, body_size)
    draw = ImageDraw.Draw(Image.new("L", (1, 1), 255))
    fonts = _Fonts()
    pages: list[list[Block]] = [[]]
    y = 0.0
    for block in blocks:
        style = styles[block.kind]
        font = fonts.get(round(style.size * scale), style.bold, style.italic)
        lines = sum(len(_wrap(draw, part, font, usable_width)) for part in _block_lines(block.text))
        height = lines * style.size * LINE_SPACING * scale
        if pages[-1] and y + height > usable_height:
            pages.append([])
            y = 0.0
        pages[-1].append(block)
        y += height + style.space_after * scale
    return pages


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: float) -> list[list[str]]:
    """Greedy word wrap: lines (as lists of words) no wider than ``width`` pixels."""
    lines: list[list[str]] = []
    current: list[str] = []
    for word in text.split(" "):
        candidate = " ".join([*current, word])
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = [word]
        else:
            current.append(word)
    if current:
        lines.append(current)
    return lines


def _draw_line(draw, words: list[str], font, left: float, right: float, baseline: float, align: str, last: bool) -> None:
    """Draw one line of words at ``baseline``; justified lines stretch their gaps (not the last)."""
    text = " ".join(words)
    width = draw.textlength(text, font=font)
    if align == "J" and not last and len(words) > 1:
        word_widths = [draw.textlength(w, font=font) for w in words]
        gap = (right - left - sum(word_widths)) / (len(words) - 1)
        x = left
        for word, word_width in zip(words, word_widths):
            draw.text((round(x), round(baseline)), word, font=font, fill=0, anchor="ls")
            x += word_width + gap
        return
    x = {"C": left + (right - left - width) / 2, "R": right - width}.get(align, left)
    draw.text((round(x), round(baseline)), text, font=font, fill=0, anchor="ls")


# -------------------------------------------------------------------------------- writers


def _render_pages(pages: list[list[Block]], dpi: int, degrade_options: dict) -> list[Image.Image]:
    """Render every page; page i gets noise seed ``seed + i`` so pages are not identical."""
    seed = degrade_options.pop("seed", 0)
    return [render_page_image(blocks, dpi=dpi, seed=seed + i, **degrade_options) for i, blocks in enumerate(pages)]


def write_scanned_tiff(path: str | os.PathLike, pages: list[list[Block]], *, dpi: int = 300, **degrade_options) -> Path:
    """Write a multi-page TIFF, one frame per page: CCITT group 4 when bilevel, else LZW.

    ``degrade_options`` are passed to :func:`render_page_image` (skew_deg, noise, blur,
    bilevel, seed, ...). The resolution is stored in the file.
    """
    if not pages:
        raise ValueError("a TIFF needs at least one page")
    images = _render_pages(pages, dpi, dict(degrade_options))
    compression = "group4" if images[0].mode == "1" else "tiff_lzw"
    target = _prepare(path)
    images[0].save(
        target, format="TIFF", save_all=True, append_images=images[1:], compression=compression, dpi=(dpi, dpi)
    )
    return target


def write_scanned_pdf(
    path: str | os.PathLike,
    pages: list[list[Block]],
    *,
    dpi: int = 300,
    created: datetime = FIXED_DATE,
    jpeg_quality: int = 75,
    **degrade_options,
) -> Path:
    """Write an image-only PDF (no text layer), one image per A4 page.

    Bilevel pages are stored CCITT group 4 compressed, greyscale ones as JPEG. The page size
    follows from the image size and ``dpi``, so the default page is A4.
    """
    if not pages:
        raise ValueError("a PDF needs at least one page")
    images = _render_pages(pages, dpi, dict(degrade_options))
    stamp = time.gmtime(created.timestamp())
    target = _prepare(path)
    # Pillow encodes mode '1' as CCITT G4 by itself; the JPEG quality only applies to greyscale.
    extra = {} if images[0].mode == "1" else {"quality": jpeg_quality}
    images[0].save(
        target,
        format="PDF",
        save_all=True,
        append_images=images[1:],
        resolution=float(dpi),
        title=target.stem,
        creationDate=stamp,
        modDate=stamp,
        **extra,
    )
    return target


def write_image(path: str | os.PathLike, blocks: list[Block], *, dpi: int = 300, **degrade_options) -> Path:
    """Write one page as PNG or JPEG (chosen by the file suffix), with its dpi recorded.

    JPEG cannot hold a bilevel image, so a bilevel page is saved to JPEG as greyscale.
    """
    target = _prepare(path)
    suffix = target.suffix.lower()
    image = render_page_image(blocks, dpi=dpi, **degrade_options)
    if suffix == ".png":
        image.save(target, format="PNG", dpi=(dpi, dpi), optimize=True)
    elif suffix in (".jpg", ".jpeg"):
        image.convert("L").save(target, format="JPEG", dpi=(dpi, dpi), quality=85)
    else:
        raise ValueError(f"write_image writes .png, .jpg or .jpeg files, not {target.suffix or 'no suffix'!r}")
    return target


def _prepare(path: str | os.PathLike) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


# ---------------------------------------------------------------------------------- photos


@dataclass
class Photo:
    """A phone photo made by :func:`photograph`: the JPEG bytes and where the page lies in them."""

    data: bytes
    corners: list[tuple[float, float]]  # the page's corners in the upright photo: TL, TR, BR, BL
    size: tuple[int, int]  # the upright photo's (width, height)


def photograph(
    page: Image.Image,
    *,
    dpi: int = 150,
    perspective: float = 0.04,
    rotation_deg: float = 2.0,
    falloff: float = 0.45,
    desk: str = "plain",
    margin: float = 0.12,
    jpeg_quality: int = 60,
    exif_orientation: int = 1,
    seed: int = 0,
) -> Photo:
    """A page (drawn at 300 dpi by :func:`render_page_image`) as a volunteer's phone takes it.

    The page lies on a desk (``desk``: ``"plain"`` dark wood, ``"pattern"`` a checked cloth)
    that shows ``margin`` of the page's size around it (0: the page fills the frame, its edges
    cut), is seen at an angle (the far edge ``perspective`` narrower than the near one, plus
    a little jitter on every corner), turned ``rotation_deg`` degrees (counter-clockwise),
    at about ``dpi`` on the page, lit by a lamp beyond one corner whose light falls off by
    ``falloff`` across the frame, with sensor noise and a slightly soft lens, and saved as a
    JPEG of ``jpeg_quality`` carrying a phone's EXIF fields (camera make and model) and the
    EXIF ``exif_orientation`` (6: the pixels are stored turned, to be shown turned 90° clockwise).
    Deterministic for a given ``seed``.
    """
    import io

    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    source = np.asarray(page.convert("L"), dtype=np.float32)
    src_h, src_w = source.shape
    page_dpi = float(page.info.get("dpi", (300, 300))[0])
    scale = dpi / page_dpi
    pw, ph = src_w * scale, src_h * scale  # the page's size in the photo
    width, height = round(pw * (1 + 2 * margin)), round(ph * (1 + 2 * margin))
    cx, cy = width / 2, height / 2
    inset = perspective * pw / 2
    corners = np.array([[-pw / 2 + inset, -ph / 2], [pw / 2 - inset, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    corners += rng.uniform(-0.01, 0.01, size=(4, 2)) * [pw, ph]
    theta = np.radians(-rotation_deg)  # counter-clockwise on screen, where y grows downwards
    turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    corners = corners @ turn.T + [cx, cy]
    matrix = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [src_w, 0], [src_w, src_h], [0, src_h]]), corners.astype(np.float32)
    )
    paper = cv2.warpPerspective(source, matrix, (width, height), flags=cv2.INTER_AREA, borderValue=0)
    mask = cv2.warpPerspective(np.ones_like(source), matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=0)
    tint = np.array([0.97, 0.94, 0.88], dtype=np.float32)  # warm paper, in RGB
    photo = paper[..., None] * tint * mask[..., None] + _desk(desk, width, height, rng) * (1 - mask[..., None])
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    lamp = (-0.2 * width, -0.15 * height)
    distance = np.hypot(xx - lamp[0], yy - lamp[1])
    reach = (distance - distance.min()) / (distance.max() - distance.min())
    photo *= (1 - falloff * reach)[..., None]
    photo = cv2.GaussianBlur(photo, (0, 0), 0.6)
    photo += rng.normal(0, 3.0, size=photo.shape).astype(np.float32)
    image = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB")
    stored = image.transpose(_STORED_TURN[exif_orientation]) if exif_orientation in _STORED_TURN else image
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "PhoneMaker", "Pocket Camera 3"  # Make, Model
    exif[0x0112] = exif_orientation
    out = io.BytesIO()
    stored.save(out, format="JPEG", quality=jpeg_quality, exif=exif, dpi=(72, 72))
    return Photo(out.getvalue(), [tuple(map(float, c)) for c in corners], (width, height))


_STORED_TURN = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
"""How the pixels are stored for an EXIF orientation (the viewer undoes it): 6 is shown turned
90° clockwise, so the upright picture is stored turned 90° anticlockwise."""


def _desk(kind: str, width: int, height: int, rng):
    """An RGB desk surface (float32): dark wood grain, or a checked tablecloth."""
    import numpy as np

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == "plain":
        grain = 0.5 + 0.5 * np.sin(xx / 9.0 + 3 * np.sin(yy / 60.0))
        base = np.array([96, 66, 44], dtype=np.float32)
        return base * (0.8 + 0.25 * grain)[..., None] + rng.normal(0, 4, size=(height, width, 1)).astype(np.float32)
    if kind == "pattern":
        checks = ((xx // 40).astype(int) + (yy // 40).astype(int)) % 2
        stripes = (np.abs(((xx + yy) % 40) - 20) < 3).astype(np.float32)
        light = np.array([200, 190, 170], dtype=np.float32)
        dark = np.array([150, 40, 40], dtype=np.float32)
        cloth = np.where(checks[..., None] == 1, light, dark)
        return cloth * (1 - 0.3 * stripes[..., None])
    raise ValueError(f"unknown desk {kind!r}: 'plain' or 'pattern'")
