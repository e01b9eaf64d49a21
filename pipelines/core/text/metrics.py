"""OCR quality against a known text: character and word error rates, and whole lost paragraphs.

Both texts are compared as a reader sees them: Unicode NFC (Tesseract and the seed text may
compose Vietnamese diacritics differently) and every run of whitespace counted as one space,
so line breaks and paragraph gaps are not errors, only the characters are.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from rapidfuzz.distance import Levenshtein

__all__ = ["normalize", "cer", "wer", "lost_blocks"]


def normalize(text: str) -> str:
    """NFC, whitespace runs collapsed to one space, stripped."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate: edit distance / reference length (can exceed 1 for long garbage).

    An empty reference gives 0.0 for an empty hypothesis and 1.0 otherwise.
    """
    ref, hyp = normalize(reference), normalize(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: edit distance over word sequences / number of reference words."""
    ref, hyp = normalize(reference).split(), normalize(hypothesis).split()
    if not ref:
        return 0.0 if not hyp else 1.0
    return Levenshtein.distance(ref, hyp) / len(ref)


def lost_blocks(reference_paragraphs: list[str], hypothesis: str, threshold: float = 0.5) -> list[int]:
    """Indices of reference paragraphs of which less than ``threshold`` of the words were read.

    CER averages over the page, so a page can score well while a whole paragraph is missing
    (Tesseract dropping a block it took for an image). This looks at each paragraph on its own:
    a word counts as read when it occurs anywhere in the hypothesis, as often as the paragraph
    uses it (case-sensitive, after the same normalization as :func:`cer`). Paragraphs with no
    words are never reported.
    """
    available = Counter(normalize(hypothesis).split())
    lost = []
    for index, paragraph in enumerate(reference_paragraphs):
        words = normalize(paragraph).split()
        if words and sum((Counter(words) & available).values()) / len(words) < threshold:
            lost.append(index)
    return lost
