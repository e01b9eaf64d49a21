"""The work queue: what a reviewer should look at, from the warehouse as it is now.

- documents that failed or were partly read, with their reasons;
- pages read by OCR with a low mean confidence, pages whose text scored low, flagged pages,
  pages that could not be read;
- articles with no date, venue or author, or whose date or venue the extractor was unsure
  of (a field a reviewer has corrected or confirmed is done);
- corrections in conflict (a re-read changed the value under them) and orphaned ones.

Every item carries its file's folder, a year (the issue's, else the article's or the earliest
article date of the document) and the methods its pages were read by, for filtering.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

import duckdb

KINDS = ("document", "page", "article", "conflict", "orphan")
LOW_OCR_CONFIDENCE = 70.0
LOW_QUALITY = 0.5
LOW_FIELD_CONFIDENCE = 0.6
SORTS = ("kind", "file", "year", "confidence")


@dataclass
class Item:
    kind: str
    document_id: str | None
    file_name: str | None
    folder: str | None
    year: int | None
    methods: list[str]
    detail: str  # the reason, as recorded or as a code for the interface ('low_confidence', …)
    codes: list[str]
    page: int | None = None
    article_id: str | None = None
    title: str | None = None
    confidence: float | None = None
    thread_id: str | None = None
    field: str | None = None


_DOCS = """
    SELECT d.document_id, d.file_name, d.source_path, d.status, d.error,
           coalesce(year(d.issue_date), (SELECT min(year(a.published_date)) FROM articles a
                                          WHERE a.document_id = d.document_id)) AS year,
           coalesce((SELECT list(DISTINCT p.method ORDER BY p.method) FROM pages p WHERE p.document_id = d.document_id), [])
               AS methods
    FROM documents d
"""


def items(con: duckdb.DuckDBPyConnection) -> list[Item]:
    docs = {r[0]: r for r in con.execute(_DOCS).fetchall()}

    def base(kind: str, document_id: str | None, detail: str, codes: list[str], **extra) -> Item:
        doc = docs.get(document_id)
        folder = str(PurePath(doc[2]).parent) if doc else None
        return Item(kind, document_id, doc[1] if doc else None, folder, extra.pop("year", None) or (doc[5] if doc else None),
                    list(doc[6]) if doc else [], detail, codes, **extra)

    found: list[Item] = []
    for document_id, _name, _path, status, error, _year, _methods in docs.values():
        if status in ("failed", "partial"):
            found.append(base("document", document_id, error or "", [f"status_{status}"]))
    page_done = {(r[0], r[1]) for r in con.execute(
        "SELECT document_id, page_number FROM v_corrections WHERE target = 'page' AND state = 'applied'").fetchall()}
    for document_id, number, method, confidence, quality, flags, error in con.execute(
        """
        SELECT document_id, page_number, method, confidence, quality, flags, error FROM pages
        WHERE (method = 'ocr' AND confidence < ?) OR (quality < ? AND method <> 'empty') OR flags IS NOT NULL
              OR method = 'failed'
        ORDER BY document_id, page_number
        """,
        [LOW_OCR_CONFIDENCE, LOW_QUALITY],
    ).fetchall():
        if (document_id, number) in page_done:
            continue
        codes, details = [], []
        if method == "failed":
            codes.append("page_failed")
            details.append(error or "")
        if method == "ocr" and confidence is not None and confidence < LOW_OCR_CONFIDENCE:
            codes.append("low_confidence")
            details.append(f"{confidence:.0f}/100")
        if quality is not None and quality < LOW_QUALITY and method != "failed":
            codes.append("low_quality")
            details.append(f"{quality:.2f}")
        if flags:
            details.append(flags)
        found.append(base("page", document_id, " · ".join(d for d in details if d), codes, page=number,
                          confidence=confidence))
    for row in con.execute(
        """
        WITH done AS (
            SELECT article_id, list(field) AS fields FROM v_corrections
            WHERE target = 'article' AND state = 'applied' GROUP BY article_id
        )
        SELECT a.article_id, a.document_id, a.page_start, a.title, year(a.published_date),
               a.published_date IS NULL, a.location IS NULL, len(a.authors) = 0,
               x.date_confidence, x.location_confidence, coalesce(done.fields, [])
        FROM v_articles a JOIN articles x USING (article_id) LEFT JOIN done USING (article_id)
        ORDER BY a.document_id, a.seq
        """
    ).fetchall():
        article_id, document_id, page, title, year, no_date, no_venue, no_author, date_conf, venue_conf, done = row
        codes = []
        for name, missing, confidence in (("published_date", no_date, date_conf), ("location", no_venue, venue_conf),
                                          ("authors", no_author, None)):
            if name in done:
                continue
            if missing:
                codes.append(f"missing:{name}")
            elif confidence is not None and confidence < LOW_FIELD_CONFIDENCE:
                codes.append(f"unsure:{name}")
        if codes:
            found.append(base("article", document_id, "", codes, page=page, article_id=article_id, title=title,
                              year=year, confidence=min((c for c in (date_conf, venue_conf) if c is not None), default=None)))
    for row in con.execute(
        """
        SELECT thread_id, state, coalesce(document_id, recorded_document_id), coalesce(article_id, recorded_article_id),
               coalesce(page_number, recorded_page_number), field, value, extracted_value, current_extracted_value,
               article_title
        FROM v_corrections WHERE state IN ('conflict', 'orphaned') ORDER BY corrected_at
        """
    ).fetchall():
        thread_id, state, document_id, article_id, page, name, value, was, now, title = row
        kind = "conflict" if state == "conflict" else "orphan"
        found.append(base(kind, document_id, "", [f"{kind}_text"], page=page, article_id=article_id, title=title,
                          thread_id=thread_id, field=name))
    return found


def filtered(all_items: list[Item], *, kind: str | None = None, folder: str | None = None, year: int | None = None,
             method: str | None = None, sort: str = "kind") -> list[Item]:
    chosen = [i for i in all_items
              if (not kind or i.kind == kind)
              and (not folder or (i.folder or "") == folder or (i.folder or "").startswith(folder.rstrip("/") + "/"))
              and (year is None or i.year == year)
              and (not method or method in i.methods)]
    order = {k: n for n, k in enumerate(KINDS)}
    keys = {
        "kind": lambda i: (order[i.kind], i.folder or "", i.file_name or "", i.page or 0),
        "file": lambda i: (i.folder or "", i.file_name or "", i.page or 0, order[i.kind]),
        "year": lambda i: (i.year is None, i.year or 0, i.file_name or "", i.page or 0),
        "confidence": lambda i: (i.confidence is None, i.confidence if i.confidence is not None else 0, order[i.kind]),
    }
    return sorted(chosen, key=keys.get(sort, keys["kind"]))


def choices(all_items: list[Item]) -> dict[str, list]:
    return {
        "folders": sorted({i.folder for i in all_items if i.folder}),
        "years": sorted({i.year for i in all_items if i.year}),
        "methods": sorted({m for i in all_items for m in i.methods}),
    }
