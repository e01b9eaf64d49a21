"""Legacy-encoded text layers, repaired line by line with the fonts as hints.

A PDF typed in .VnTime (TCVN3) or VNI-Times extracts as mojibake ("Héi Th­ viÖn"). The page's
lines are repaired together (a lost letter is restored from evidence elsewhere on the page),
with the page's legacy font as a hint; lines set in a heading font (.VnTimeH) are upper-cased,
since that font draws the lower-case codes as capitals.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from pipelines.core.models import Line
from pipelines.core.text.encodings import Change, parse_font_hint, plainly_unicode, repair


def repair_lines(lines: list[Line]) -> tuple[list[Line], str | None, list[Change]]:
    """(lines, legacy encoding converted or None, what was changed)."""
    if not lines:
        return lines, None, []
    hints = Counter(line.font for line in lines if line.font and parse_font_hint(line.font))
    hint = hints.most_common(1)[0][0] if hints else None
    text = "\n".join(line.text for line in lines)
    if hint is None and plainly_unicode(text):  # nothing any legacy encoding could have made
        return lines, None, []
    result = repair(text, font_hint=hint)
    if not result.changes:
        return lines, None, []
    repaired = result.text.split("\n")
    if len(repaired) != len(lines):  # a conversion moved a line break: repair line by line
        repaired = [repair(line.text, font_hint=line.font).text for line in lines]
    out = []
    for line, new_text in zip(lines, repaired):
        if parse_font_hint(line.font) == ("tcvn3", True):
            new_text = new_text.upper()
        out.append(replace(line, text=new_text))
    encodings = Counter(c.encoding for c in result.changes if c.kind == "convert" and c.encoding)
    encoding = encodings.most_common(1)[0][0] if encodings else None
    return out, encoding, result.changes
