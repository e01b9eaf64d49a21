"""A PDF page's characters into lines in reading order: words, lines, two columns, paragraphs.

The characters come from pdfium's text page (pdf.py) or, for the files pdfium cannot open, from
pdfplumber; either way they are columns of arrays (:class:`Chars`) and the same code lays them
out. The grouping is pdfplumber's, restated on arrays (``extract_words`` and
``extract_text_lines(layout=False)`` with their default tolerances of 3 pt): characters are
clustered into lines by their top, sorted left to right, split into words at spaces and at gaps
wider than 3 pt, and words are clustered into lines again by their top. On pdfplumber's own
characters this gives exactly what pdfplumber gives (tests/read/test_layout.py); the project's
reading order (two columns read one after the other, full-width titles kept in place) and each
line's size, boldness and main font, which heading and legacy-font detection use, come on top.
"""

from __future__ import annotations

import functools
import re
import statistics
from dataclasses import dataclass, field

import numpy as np

from pipelines.core.models import Line

TOLERANCE = 3.0  # pdfplumber's x_tolerance and y_tolerance, in points
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}

_SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")
_BOLD = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


def font_name(raw: str | None) -> str:
    """'ABCDEF+.VnTime-Bold' → '.VnTime-Bold': subset prefixes carry no meaning."""
    return _SUBSET_PREFIX.sub("", raw or "")


@functools.lru_cache(maxsize=4096)
def _font(raw: str) -> tuple[str, bool]:
    name = font_name(raw)
    return name, bool(_BOLD.search(name))


@dataclass
class Chars:
    """A page's characters as columns, in content order. Coordinates are pdfplumber's: points
    from the top-left corner of the page's media box, as the page is displayed.

    ``text`` is a list of strings (pdfminer's may be longer than one character: '(cid:12)'),
    or one string when every character is one code point (pdfium's): then the per-character
    properties below are worked out once per distinct character instead of once per character.
    """

    text: list[str] | str = field(default_factory=list)
    x0: np.ndarray = field(default_factory=lambda: np.zeros(0))
    x1: np.ndarray = field(default_factory=lambda: np.zeros(0))
    top: np.ndarray = field(default_factory=lambda: np.zeros(0))
    bottom: np.ndarray = field(default_factory=lambda: np.zeros(0))
    size: np.ndarray = field(default_factory=lambda: np.zeros(0))
    font: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # each character's index into ``fonts``
    fonts: list[str] = field(default_factory=list)  # font names as the PDF gives them (subset prefix included)
    upright: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __len__(self) -> int:
        return len(self.text)

    @staticmethod
    def font_columns(names: list[str]) -> tuple[np.ndarray, list[str]]:
        """(``font``, ``fonts``) for the characters' font names, one a character."""
        numbers: dict[str, int] = {}
        ids = [numbers.setdefault(name, len(numbers)) for name in names]
        return np.array(ids, dtype=np.int64), list(numbers)

    @functools.cached_property
    def _codes(self) -> np.ndarray | None:
        """The characters' code points when ``text`` is one string; None for a list."""
        if not isinstance(self.text, str):
            return None
        return np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)

    @functools.cached_property
    def _distinct(self) -> tuple[list[str], np.ndarray] | None:
        """(the distinct characters, the number of each character among them) when ``text`` is
        one string; None for a list."""
        if self._codes is None:
            return None
        distinct, inverse = np.unique(self._codes, return_inverse=True)
        return [chr(code) for code in distinct.tolist()], inverse.reshape(-1)

    def _per_char(self, function, dtype) -> np.ndarray:
        """``function`` of each character (the same for every occurrence of one)."""
        if self._distinct is None:
            return np.fromiter(map(function, self.text), dtype=dtype, count=len(self.text))
        distinct, inverse = self._distinct
        return np.fromiter(map(function, distinct), dtype=dtype, count=len(distinct))[inverse]

    @functools.cached_property
    def blank(self) -> np.ndarray:
        """Whitespace characters (they separate words and belong to none)."""
        return self._per_char(str.isspace, bool)

    @functools.cached_property
    def letters(self) -> list[str]:
        """Each character as the letters it stands for (a ligature spelled out)."""
        return [LIGATURES.get(t, t) for t in self.text]

    @functools.cached_property
    def _one_letter_each(self) -> bool:
        """Whether ``text`` is one string without ligatures."""
        return self._distinct is not None and not any(c in LIGATURES for c in self._distinct[0])

    def spelled(self, indices: np.ndarray) -> tuple[str, np.ndarray]:
        """The letters of the characters ``indices``, one after the other, as one string; and
        where each character's letters begin in it (one more: the end)."""
        if self._one_letter_each:
            # one letter a character: the characters' own code points are the string
            return self._codes[indices].tobytes().decode("utf-32-le", "surrogatepass"), np.arange(len(indices) + 1)
        letters = self.letters
        return "".join([letters[i] for i in indices.tolist()]), np.concatenate(([0], np.cumsum(self.counts[indices])))

    @functools.cached_property
    def counts(self) -> np.ndarray:
        """How many letters each character stands for (a ligature two or three, an empty one none)."""
        return self._per_char(lambda t: len(LIGATURES.get(t, t)), np.int64)

    @functools.cached_property
    def visible(self) -> np.ndarray:
        return self._per_char(lambda t: bool(t.strip()), bool)

    @functools.cached_property
    def styles(self) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(font number of each character, the font names by number in order of first
        appearance, whether each number's font is bold): the subset prefix dropped."""
        names: dict[str, int] = {}
        bold: list[bool] = []
        number_of = np.zeros(len(self.fonts), dtype=np.int64)
        used, first = np.unique(self.font, return_index=True)
        for raw in used[np.argsort(first)].tolist():  # in order of first appearance
            name, heavy = _font(self.fonts[raw] or "")
            number = names.get(name)
            if number is None:
                number = names[name] = len(names)
                bold.append(heavy)
            number_of[raw] = number
        return number_of[self.font], list(names), np.array(bold, dtype=bool)


@dataclass
class Words:
    """Words as pdfplumber's ``extract_words`` makes them, with the characters of each."""

    text: list[str]
    x0: np.ndarray
    x1: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    members: np.ndarray  # indices into the page's Chars, word after word, in reading order
    starts: np.ndarray  # where each word's members begin (one more: the end of the last)

    def __len__(self) -> int:
        return len(self.text)

    @property
    def chars(self) -> list[np.ndarray]:
        return [self.members[a:b] for a, b in zip(self.starts[:-1], self.starts[1:])]


def page_lines(chars: Chars, bbox: tuple[float, float, float, float]) -> list[Line]:
    """The page's lines in reading order, with an empty line where a wider gap marks a new
    paragraph. ``bbox`` is (x0, top, x1, bottom) of the page."""
    everything = np.arange(len(chars))
    words = words_of(chars, everything)
    lines: list[Line] = []
    for region in reading_regions(chars, words, bbox):
        # a region of every character (one column: the whole page) has the page's words
        region_words = words if len(region) == len(chars) else words_of(chars, region)
        lines.extend(mark_paragraph_gaps(region_lines(chars, region_words)))
    return lines


# ------------------------------------------------------------------------------------- words


def _cluster_ids(values: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """pdfplumber's cluster_list: sorted distinct values chained while each is within
    ``tolerance`` of the previous one; the cluster number of each value."""
    if values.size == 0:
        return np.zeros(0, dtype=np.int64)
    # on the sorted values, repeats included: a repeat is never a step wider than the tolerance
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    ids = np.empty(values.size, dtype=np.int64)
    ids[order] = np.concatenate(([0], np.cumsum(ordered[1:] > ordered[:-1] + tolerance)))
    return ids


def words_of(chars: Chars, indices: np.ndarray) -> Words:
    """pdfplumber's WordExtractor with its defaults over the characters ``indices`` (in content
    order): upright and turned characters in runs, each run clustered into lines, each line
    sorted along the text and split into words at blanks, backward steps and 3 pt gaps."""
    if len(indices) == 0:
        empty = np.zeros(0)
        return Words([], empty, empty, empty, empty, np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))
    text: list[str] = []
    members, starts, boxes = [], [], []
    blank = chars.blank
    upright = chars.upright[indices]
    run_starts = np.flatnonzero(np.concatenate(([True], upright[1:] != upright[:-1])))
    run_ends = np.concatenate((run_starts[1:], [len(indices)]))
    offset = 0
    for start, end in zip(run_starts, run_ends):
        run = indices[start:end]
        if upright[start]:  # left to right, lines from the top down
            line_key, keys = chars.top[run], (chars.x0[run],)
            ax, bx, ay = chars.x0, chars.x1, chars.top
        else:  # turned text: lines by x0, characters top to bottom
            line_key, keys = chars.x0[run], (chars.bottom[run], chars.top[run])
            ax, bx, ay = chars.top, chars.bottom, chars.x0
        line = _cluster_ids(line_key)
        sort = np.lexsort((*keys, line))  # stable: ties keep the content order
        order, sorted_line = run[sort], line[sort]
        # each character against the one before it in that order
        a, b, y, gap = ax[order], bx[order], ay[order], blank[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = ((sorted_line[1:] != sorted_line[:-1]) | gap[:-1] | (a[1:] < a[:-1])
                   | (a[1:] > b[:-1] + TOLERANCE) | (np.abs(y[1:] - y[:-1]) > TOLERANCE))
        keep = ~gap
        segment = np.cumsum(new)
        kept, kept_segment = order[keep], segment[keep]
        if kept.size == 0:
            continue
        bounds = np.flatnonzero(np.concatenate(([True], kept_segment[1:] != kept_segment[:-1])))
        spelled, begins = chars.spelled(kept)
        edges = begins[np.append(bounds, kept.size)].tolist()
        text.extend([spelled[a:b] for a, b in zip(edges, edges[1:])])
        members.append(kept)
        starts.append(bounds + offset)
        offset += kept.size
        boxes.append(np.stack((np.minimum.reduceat(chars.x0[kept], bounds), np.maximum.reduceat(chars.x1[kept], bounds),
                               np.minimum.reduceat(chars.top[kept], bounds), np.maximum.reduceat(chars.bottom[kept], bounds)),
                              axis=1))
    if not members:
        return words_of(chars, indices[:0])
    box = np.concatenate(boxes).astype(np.float64)
    edges = np.concatenate((*starts, [offset])).astype(np.int64)
    return Words(text, box[:, 0], box[:, 1], box[:, 2], box[:, 3], np.concatenate(members), edges)


# ------------------------------------------------------------------------------------- lines


def region_lines(chars: Chars, words: Words) -> list[Line]:
    """pdfplumber's ``extract_text_lines(layout=False)``: words (in their order) clustered by
    top, consecutive words of one cluster making a line; each line with the median size of its
    characters, its most common font (the first met among the most common), and bold when most
    of its characters are. All lines of the region are measured at once, on arrays."""
    if not len(words):
        return []
    cluster = _cluster_ids(words.top)
    starts = np.flatnonzero(np.concatenate(([True], cluster[1:] != cluster[:-1])))
    texts = _line_texts(words.text, starts)
    # a character counts once per letter it stands for (a ligature for two or three, an empty
    # one not at all), as in pdfplumber's text map; a line's characters are one stretch of these
    letters = np.repeat(words.members, chars.counts[words.members])
    line_at = np.concatenate(([0], np.cumsum(chars.counts[words.members])))[words.starts[starts]]
    tops = _segment_reduce(np.minimum, chars.top[letters], line_at)
    shown = chars.visible[letters]  # the characters size, font and boldness are measured on
    picked = letters[shown]
    picked_at = np.concatenate(([0], np.cumsum(shown)))[line_at]
    sizes = _segment_medians(chars.size[picked], picked_at)
    font_ids, font_names, font_bold = chars.styles
    fonts = _segment_modes(font_ids[picked], picked_at)
    bold_letters = _segment_reduce(np.add, font_bold[font_ids[picked]].astype(np.int64), picked_at)
    picked_count = np.diff(np.append(picked_at, picked.size))
    bold = bold_letters > picked_count / 2
    lines = []
    for text, top, measured, size, heavy, font in zip(texts, tops.tolist(), picked_count.tolist(), sizes.tolist(),
                                                      bold.tolist(), fonts.tolist()):
        if not text.strip():
            continue
        if not measured:
            lines.append(Line(text=text, size=0.0, bold=False, top=round(top, 2), font=None))
            continue
        lines.append(Line(text=text, size=round(size, 2), bold=heavy, top=round(top, 2), font=font_names[font]))
    return lines


def _line_texts(words: list[str], starts: np.ndarray) -> list[str]:
    """The words from each start to the next joined by spaces (spaces at the ends stripped):
    slices of all the words joined once."""
    joined = " ".join(words)
    begins = np.concatenate(([0], np.cumsum(np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 1)))
    edges = begins[np.append(starts, len(words))].tolist()
    return [joined[a:b - 1].strip(" ") for a, b in zip(edges, edges[1:])]


def _segment_reduce(ufunc: np.ufunc, values: np.ndarray, begins: np.ndarray) -> np.ndarray:
    """``ufunc`` reduced over each stretch of ``values`` from one of ``begins`` to the next
    (the last to the end); an empty stretch gets 0."""
    lengths = np.diff(np.append(begins, values.size))
    out = np.zeros(begins.size, dtype=values.dtype)
    filled = lengths > 0
    if filled.any():  # the empty stretches left out, the others stay contiguous
        out[filled] = ufunc.reduceat(values, begins[filled])
    return out


def _segment_medians(values: np.ndarray, begins: np.ndarray) -> np.ndarray:
    """The median of each stretch of ``values`` (the mean of the middle two when even), as
    np.median gives it; 0 for an empty stretch."""
    lengths = np.diff(np.append(begins, values.size))
    segment = np.repeat(np.arange(begins.size), lengths)
    ordered = values[np.lexsort((values, segment))]
    out = np.zeros(begins.size, dtype=np.float64)
    odd = lengths % 2 == 1
    even = (lengths % 2 == 0) & (lengths > 0)
    middle = begins + lengths // 2
    out[odd] = ordered[middle[odd]]
    out[even] = (ordered[middle[even] - 1] + ordered[middle[even]]) / 2
    return out


def _segment_modes(values: np.ndarray, begins: np.ndarray) -> np.ndarray:
    """The most common value of each stretch of ``values`` (non-negative integers), the first
    met among the most common; 0 for an empty stretch."""
    lengths = np.diff(np.append(begins, values.size))
    out = _segment_reduce(np.minimum, values, begins)
    if values.size == 0 or (out == _segment_reduce(np.maximum, values, begins)).all():
        return out  # one value a stretch (a line in one font): nothing to count
    segment = np.repeat(np.arange(begins.size), lengths)
    span = int(values.max()) + 1
    pairs, first, tally = np.unique(segment * span + values, return_index=True, return_counts=True)
    order = np.lexsort((first, -tally, pairs // span))  # per stretch: most common first, then first met
    pairs = pairs[order]
    leading = np.ones(pairs.size, dtype=bool)
    leading[1:] = pairs[1:] // span != pairs[:-1] // span
    out = np.zeros(begins.size, dtype=np.int64)
    out[pairs[leading] // span] = pairs[leading] % span
    return out


def mark_paragraph_gaps(lines: list[Line], ratio: float = 1.3) -> list[Line]:
    """Insert an empty line where the vertical gap is clearly wider than the usual line spacing:
    that is how most layouts separate paragraphs. The usual spacing is the smallest gap
    between two lines of the same size (a wrapped paragraph's): on a page of short paragraphs
    (a posting line, a caption, a one-line byline) most gaps are paragraph gaps, and their
    median would hide them."""
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if a.top is not None and b.top is not None and b.top > a.top]
    gaps = [b.top - a.top for a, b in pairs]
    if len(gaps) < 3:
        return lines
    fallback = sorted(gaps)[len(gaps) // 4]
    usual: dict[float, float] = {}
    for a, b in pairs:
        if a.size and a.size == b.size:
            usual[a.size] = min(usual.get(a.size, b.top - a.top), b.top - a.top)
    marked = [lines[0]]
    for previous, line in zip(lines, lines[1:]):
        spacing = usual.get(previous.size, fallback) if previous.size == line.size else fallback
        if previous.top is not None and line.top is not None and line.top - previous.top > spacing * ratio:
            marked.append(Line(text=""))
        marked.append(line)
    return marked


# ----------------------------------------------------------------------------------- columns


def reading_regions(chars: Chars, words: Words, bbox: tuple[float, float, float, float]) -> list[np.ndarray]:
    """The page in reading order, as sets of character indices: for a two-column layout, each
    band of the page read left column then right column (full-width lines, like a title over
    both columns, stay in place); otherwise the whole page."""
    everything = np.arange(len(chars))
    gutter = find_gutter(words, bbox)
    if gutter is None:
        return [everything]
    x, spanning = gutter
    left, top_edge, right, bottom = (float(v) for v in bbox)
    regions, top = [], top_edge
    for y0, y1 in spanning + [(bottom, bottom)]:
        y0, y1 = max(top, y0 - 0.5), min(bottom, y1 + 0.5)
        if y0 > top:  # the two columns of this band, whole characters only
            regions += [within(chars, (left, top, x, y0)), within(chars, (x, top, right, y0))]
        if y1 > y0:
            regions.append(within(chars, (left, y0, right, y1)))
        top = max(top, y1)
    return regions


def within(chars: Chars, bbox: tuple[float, float, float, float]) -> np.ndarray:
    """Indices of the characters wholly inside ``bbox`` (pdfplumber's ``within_bbox``)."""
    x0, top, x1, bottom = bbox
    inside = ((chars.x0 >= x0) & (chars.x1 <= x1) & (chars.top >= top) & (chars.bottom <= bottom)
              & ((chars.x1 - chars.x0) + (chars.bottom - chars.top) > 0))
    return np.flatnonzero(inside)


def find_gutter(words: Words, bbox, min_words: int = 60) -> tuple[float, list[tuple[float, float]]] | None:
    """(x of the gap between two columns, the (top, bottom) of the rows that cross it), or None
    when the page is not laid out in two columns: a vertical band in the middle third that no
    word crosses on at least 85% of the text rows, with text on both sides."""
    count = len(words)
    if count < min_words:
        return None
    x0, x1 = float(bbox[0]), float(bbox[2])
    width = x1 - x0
    row_of, rows = _rows(words.top)
    xs = np.array([x0 + width * (0.3 + 0.4 * step / 40) for step in range(41)])
    inside = (words.x0[None, :] < xs[:, None]) & (xs[:, None] < words.x1[None, :])
    left = (words.x1[None, :] <= xs[:, None]).sum(axis=1)
    right = (words.x0[None, :] >= xs[:, None]).sum(axis=1)
    # the rows each candidate x crosses: a row counts once however many of its words cross
    crossed = np.zeros((xs.size, rows), dtype=bool)
    steps, crossing_words = np.nonzero(inside)
    crossed[steps, row_of[crossing_words]] = True
    crossings = crossed.sum(axis=1)
    eligible = np.minimum(left, right) >= 0.25 * count
    if not eligible.any():
        return None
    step = int(np.flatnonzero(eligible)[np.argmin(crossings[eligible])])  # the first of the fewest
    if crossings[step] > 0.15 * rows:
        return None
    x = float(xs[step])
    # A row also spans the columns when its words close up around the gap (a centred title).
    on_left, on_right = words.x1 <= x, words.x0 >= x
    nearest_left, nearest_right = np.full(rows, -np.inf), np.full(rows, np.inf)
    np.maximum.at(nearest_left, row_of[on_left], words.x1[on_left])
    np.minimum.at(nearest_right, row_of[on_right], words.x0[on_right])
    both = np.zeros(rows, dtype=bool)
    both[np.intersect1d(row_of[on_left], row_of[on_right])] = True  # words on either side
    gaps = nearest_right - nearest_left
    usual = statistics.median(gaps[both].tolist()) if both.any() else 0.0
    spans = crossed[step] | (both & (gaps < usual / 2))
    members = np.argsort(row_of, kind="stable")  # each row's words, in word order
    row_starts = np.searchsorted(row_of[members], np.arange(rows + 1))
    spanning = sorted(
        (min(float(words.top[i]) for i in members[a:b]), max(float(words.bottom[i]) for i in members[a:b]))
        for a, b in zip(row_starts[np.flatnonzero(spans)].tolist(), row_starts[np.flatnonzero(spans) + 1].tolist())
    )
    return x, spanning


def _rows(top: np.ndarray) -> tuple[np.ndarray, int]:
    """(each word's text row, the number of rows): words whose tops round to the same even
    point share a row; the rows numbered in order of first appearance."""
    unusable = top[~np.isfinite(top)]
    if unusable.size:  # Python's round refuses NaN and infinity: the page fails as it always did
        round(float(unusable[0]) / 2)
    keys = np.rint(top / 2)  # as Python's round: half to even
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    number = np.empty(first.size, dtype=np.int64)
    number[np.argsort(first)] = np.arange(first.size)
    return number[inverse.reshape(-1)], first.size
