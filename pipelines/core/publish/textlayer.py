"""The invisible text layer: words drawn in text render mode 3 (neither filled nor stroked) over
the page image, each on its own box, in reading order, in an embedded font.

The font is a subset of DejaVu Sans — a font with every Vietnamese letter (Latin Extended
Additional, ă â đ ê ô ơ ư with all five tones) — holding the glyphs the document uses, embedded
as a Type 0 font (Identity-H, CIDs are glyph ids) with a ToUnicode map, so that copying and
searching give the NFC text exactly as the warehouse holds it. Each word is scaled to its box:
the font size fits the box's height, the horizontal scaling (Tz) its width, and the text
matrix follows the box's direction on the original page (a skewed scan's words are tilted
with it). Nothing is drawn: the page looks exactly as before.
"""

from __future__ import annotations

import functools
import math
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf

FONT_PATHS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),  # Debian's fonts-dejavu-core
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
FONT_RESOURCE = "/FArchiveOCR"

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxy"
    "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
)
"""Every Vietnamese letter (lower case; upper case is added): the font must hold all of them."""


class FontError(RuntimeError):
    """No usable font for the text layer (the message names what to install)."""


def font_path() -> Path:
    for path in FONT_PATHS:
        if path.is_file():
            return path
    raise FontError("DejaVuSans.ttf not found: install Debian's fonts-dejavu-core (scripts/setup.sh does)")


@functools.lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    """DejaVu Sans, checked to hold every Vietnamese letter, without its layout and hinting tables."""
    data = font_path().read_bytes()
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    cmap = font.getBestCmap()
    letters = VIETNAMESE + VIETNAMESE.upper()
    missing = [c for c in letters if ord(c) not in cmap]
    if missing:
        raise FontError(f"{font_path()} lacks Vietnamese letters: {''.join(missing)}")
    # What invisible text never uses (layout and hinting tables) goes once, here, so that each
    # document's subset reads only the outlines, the metrics and the character map.
    for tag in ("GSUB", "GPOS", "GDEF", "kern", "FFTM", "fpgm", "prep", "cvt ", "hdmx", "VDMX", "LTSH", "gasp", "MATH"):
        if tag in font:
            del font[tag]
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


COMMON = "".join(chr(c) for r in ((0x20, 0x250), (0x300, 0x324), (0x1E00, 0x1F00), (0x2010, 0x2050), (0x20A0, 0x20C0),
                                  (0x2100, 0x2123)) for c in range(*r))
"""Latin (with Vietnamese), combining marks, punctuation, currency and letterlike symbols: a
first subset, made once per process, from which each document's subset is cut quickly."""


@functools.lru_cache(maxsize=1)
def _common_font() -> tuple[bytes, frozenset[str]]:
    data = _subset(_font_bytes(), set(COMMON))
    from fontTools.ttLib import TTFont

    cmap = TTFont(io.BytesIO(data)).getBestCmap()
    return data, frozenset(chr(c) for c in cmap)


def _subset(data: bytes, chars: set[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(data))
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass
class Font:
    """A font subset ready to embed: glyph ids and advances (1/1000 em) by character."""

    program: bytes
    name: str  # with its subset tag, ABCDEF+DejaVuSans
    gids: dict[str, int]
    widths: dict[int, int]
    ascent: float  # em fractions
    descent: float  # negative
    bbox: tuple[int, int, int, int]
    cap_height: int

    def encode(self, text: str) -> bytes:
        """Two bytes per glyph (Identity-H); characters the font lacks are left out."""
        return b"".join(self.gids[c].to_bytes(2, "big") for c in text if c in self.gids)

    def advance(self, text: str) -> float:
        """The advance of ``text`` in em."""
        return sum(self.widths[self.gids[c]] for c in text if c in self.gids) / 1000

    def covers(self, char: str) -> bool:
        return char in self.gids


def make_font(chars: set[str]) -> Font:
    """A subset of DejaVu Sans (which has every Vietnamese letter: checked) with ``chars`` (those
    it has) and a space: only the glyphs the copy uses, so that a one-page copy stays small."""
    from fontTools.ttLib import TTFont

    wanted = {c for c in set(chars) | {" "} if c.isprintable()}
    common, covered = _common_font()
    program = _subset(common if wanted <= covered else _font_bytes(), wanted)
    font = TTFont(io.BytesIO(program))
    units = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    present = sorted(c for c in wanted if ord(c) in cmap)
    order = {name: index for index, name in enumerate(font.getGlyphOrder())}
    gids = {c: order[cmap[ord(c)]] for c in present}
    hmtx = font["hmtx"]
    widths = {gid: round(hmtx[name][0] * 1000 / units) for name, gid in order.items()}
    head, hhea, os2 = font["head"], font["hhea"], font["OS/2"]
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256("".join(present).encode("utf-8")).digest()[:6])
    scale = 1000 / units
    return Font(
        program=program,
        name=f"{tag}+DejaVuSans",
        gids=gids,
        widths=widths,
        ascent=hhea.ascent / units,
        descent=hhea.descent / units,
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        cap_height=round(getattr(os2, "sCapHeight", 0) * scale) or 729,
    )


def font_object(pdf: pikepdf.Pdf, font: Font) -> pikepdf.Object:
    """The Type 0 font dictionary, with its descendant, descriptor, program and ToUnicode map."""
    program = pikepdf.Stream(pdf, font.program)
    program.Length1 = len(font.program)
    descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor,
        FontName=pikepdf.Name("/" + font.name),
        Flags=32,
        FontBBox=pikepdf.Array(list(font.bbox)),
        ItalicAngle=0,
        Ascent=round(font.ascent * 1000),
        Descent=round(font.descent * 1000),
        CapHeight=font.cap_height,
        StemV=80,
        FontFile2=program,
    ))
    used = sorted(set(font.gids.values()))
    widths = pikepdf.Array()
    for gid in used:
        widths.extend([gid, pikepdf.Array([font.widths[gid]])])
    cid_font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/" + font.name),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        FontDescriptor=descriptor,
        DW=1000,
        W=widths,
        CIDToGIDMap=pikepdf.Name.Identity,
    ))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.Type0,
        BaseFont=pikepdf.Name("/" + font.name),
        Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=pikepdf.Array([cid_font]),
        ToUnicode=pikepdf.Stream(pdf, _to_unicode(font)),
    ))


def _to_unicode(font: Font) -> bytes:
    pairs = sorted((gid, char) for char, gid in font.gids.items())
    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
        "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange",
    ]
    for start in range(0, len(pairs), 100):
        chunk = pairs[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{gid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for gid, char in chunk]
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


@dataclass
class PlacedWord:
    """A word's text and its box on the page, in PDF user space (points): the corners at the
    start and end of its baseline's bottom edge and the top-left corner."""

    text: str
    bottom_left: tuple[float, float]
    bottom_right: tuple[float, float]
    top_left: tuple[float, float]
    space_after: bool = True


def content(words: list[PlacedWord], font: Font) -> bytes:
    """A content stream drawing ``words`` invisibly (render mode 3), in the given order."""
    parts = [b"q BT 3 Tr"]
    height_em = font.ascent - font.descent
    for word in words:
        text = word.text + (" " if word.space_after else "")
        encoded = font.encode(text)
        advance = font.advance(word.text)
        x0, y0 = word.bottom_left
        dx, dy = word.bottom_right[0] - x0, word.bottom_right[1] - y0
        ux, uy = word.top_left[0] - x0, word.top_left[1] - y0
        width, height = (dx * dx + dy * dy) ** 0.5, (ux * ux + uy * uy) ** 0.5
        if not encoded or width <= 0 or height <= 0 or advance <= 0:
            continue
        size = height / height_em
        # Drawn level in the page's own orientation (the nearest quarter turn of the word's
        # direction), centred where the word is: a skewed scan's words keep their place but not
        # their tilt, because text readers (poppler, pdf.js) cut tilted lines into pieces.
        quarter = round(math.atan2(dy, dx) / (math.pi / 2)) % 4
        a, b = ((1, 0), (0, 1), (-1, 0), (0, -1))[quarter]
        c, d = -b, a
        if ux * c + uy * d < 0:  # a mirrored page: up is the other way
            c, d = -c, -d
        centre_x, centre_y = x0 + (dx + ux) / 2, y0 + (dy + uy) / 2
        lift = -font.descent * size  # the baseline sits above the box's bottom by the descent
        e = centre_x - a * width / 2 - c * height / 2 + c * lift
        f = centre_y - b * width / 2 - d * height / 2 + d * lift
        scale = 100 * width / (advance * size)
        parts.append(
            f"/{FONT_RESOURCE[1:]} {size:.3f} Tf {scale:.2f} Tz {a:.5f} {b:.5f} {c:.5f} {d:.5f} {e:.2f} {f:.2f} Tm".encode()
            + b" <" + encoded.hex().encode() + b"> Tj"
        )
    parts.append(b"ET Q")
    return b"\n".join(parts) + b"\n"
