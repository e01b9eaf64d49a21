"""Full-text search over articles, typed with or without diacritics.

Two BM25 indexes (DuckDB's full-text-search extension, loaded from the `duckdb-extension-fts`
package: nothing is downloaded at run time):

- ``search_folded``: the text folded (no diacritics, 'đ' → 'd', lower case): finds "Thư viện
  tỉnh Quảng Ninh" for "thu vien quang ninh", whatever the tone-mark placement;
- ``search_exact``: the text with its diacritics kept, spelled in Telex ("thư viện" →
  "thuw vieenj") so the extension's ASCII tokenizer keeps them, after the tone marks are put in
  one canonical place. A query typed with diacritics adds this score, so exact matches rank first.

The per-article search rows are written when an article is loaded; the indexes are rebuilt once
at the end of an ingestion that changed articles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.core.text.tones import canonical_tones, fold

EXACT_WEIGHT = 1.0
# BM25 parameters (the extension's defaults) and its tokenizer: what is not a-z or 0-9 separates.
K1, B = 1.2, 0.75
_IGNORE = r"(\\.|[^a-z0-9])+"
_TOKEN = re.compile(r"[a-z0-9]+")
_TONES = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_SHAPES = {"\u0302": lambda c: c + c, "\u0306": lambda c: c + "w", "\u031b": lambda c: c + "w"}
_WORD = re.compile(r"\w+")


def fts_extension_path() -> Path:
    import duckdb_extension_fts

    version = duckdb.__version__
    path = Path(duckdb_extension_fts.__file__).parent / "extensions" / f"v{version}" / "fts.duckdb_extension"
    if not path.exists():
        raise RuntimeError(
            f"the full-text-search extension for DuckDB {version} is not installed "
            f"(looked for {path}): reinstall with `make setup`"
        )
    return path


def load_fts(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"LOAD '{fts_extension_path()}'")


def telex(text: str) -> str:
    """Diacritics spelled in ASCII, one token per word: 'Quảng' → 'quangr', 'đọc' → 'ddocj'."""
    words = []
    for word in _WORD.findall(canonical_tones(text).lower()):
        letters, tone = [], ""
        for char in word:
            if char == "đ":
                letters.append("dd")
                continue
            base, *marks = unicodedata.normalize("NFD", char)
            for mark in marks:
                if mark in _TONES:
                    tone = _TONES[mark]
                elif mark in _SHAPES:
                    base = _SHAPES[mark](base)
            letters.append(base)
        words.append("".join(letters) + tone)
    return " ".join(words)


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


def article_text(title: str | None, body: str, location: str | None, authors: list[str]) -> str:
    return "\n".join(part for part in (title, location, " ".join(authors or []), body) if part)


def search_rows(article_id: str, text: str) -> tuple[dict, dict]:
    return {"article_id": article_id, "text": fold(text)}, {"article_id": article_id, "text": telex(text)}


def rebuild_indexes(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild both BM25 indexes from the search tables (after articles changed).

    The extension builds its dictionary, documents and term occurrences; we add a table of
    postings sorted by term with each posting's BM25 weight precomputed, so that a query only
    reads the postings of its own terms and sums them (the extension's `match_bm25` macro
    scores every document: a second on 100,000 articles).
    """
    load_fts(con)
    for table in ("search_folded", "search_exact"):
        index = f"fts_main_{table}"
        con.execute(
            f"PRAGMA create_fts_index('{table}', 'article_id', 'text', stemmer = 'none', "
            f"stopwords = 'none', ignore = '{_IGNORE}', strip_accents = 0, lower = 1, overwrite = 1)"
        )
        con.execute(
            f"""
            CREATE TABLE {index}.postings AS
            WITH tf AS (SELECT termid, docid, count(*) AS tf FROM {index}.terms GROUP BY termid, docid)
            SELECT tf.termid, tf.docid,
                   (ln((stats.num_docs - dict.df + 0.5) / (dict.df + 0.5) + 1)
                    * tf.tf * ({K1} + 1) / (tf.tf + {K1} * (1 - {B} + {B} * docs.len / stats.avgdl)))::FLOAT AS weight
            FROM tf JOIN {index}.dict dict USING (termid) JOIN {index}.docs docs USING (docid)
            CROSS JOIN {index}.stats stats
            ORDER BY tf.termid, tf.docid
            """
        )
    # The exact postings renumbered to the folded index's documents, so the scores add by docid.
    con.execute(
        """
        CREATE OR REPLACE TABLE fts_main_search_exact.postings AS
        SELECT p.termid, f.docid, p.weight
        FROM fts_main_search_exact.postings p
        JOIN fts_main_search_exact.docs e USING (docid) JOIN fts_main_search_folded.docs f USING (name)
        ORDER BY p.termid, f.docid
        """
    )


@dataclass
class Hit:
    article_id: str
    score: float
    title: str | None
    published_date: object
    location: str | None
    source_path: str
    snippet: str


def search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 10) -> list[Hit]:
    """Articles ranked by BM25 on the folded text, plus the exact-diacritics score when the
    query has diacritics."""
    folded_ids = _term_ids(con, "fts_main_search_folded", _TOKEN.findall(fold(query)))
    if not folded_ids:
        return []
    exact_ids = _term_ids(con, "fts_main_search_exact", _TOKEN.findall(telex(query))) if has_diacritics(query) else ""
    exact = (
        f"""SELECT docid, sum(weight) AS score FROM fts_main_search_exact.postings
            WHERE termid IN ({exact_ids}) GROUP BY docid"""
        if exact_ids
        else "SELECT NULL::BIGINT AS docid, NULL::DOUBLE AS score WHERE false"
    )
    rows = con.execute(
        f"""
        WITH folded AS (
            SELECT docid, sum(weight) AS score FROM fts_main_search_folded.postings
            WHERE termid IN ({folded_ids}) GROUP BY docid
        ), exact AS ({exact}),
        top AS (
            SELECT f.docid, f.score + ? * coalesce(e.score, 0) AS score
            FROM folded f LEFT JOIN exact e USING (docid)
            ORDER BY score DESC, f.docid LIMIT ?
        )
        SELECT a.article_id, top.score, a.title, a.published_date, a.location, d.source_path, a.body
        FROM top JOIN fts_main_search_folded.docs docs USING (docid)
        JOIN articles a ON a.article_id = docs.name JOIN documents d USING (document_id)
        ORDER BY top.score DESC, a.article_id
        """,
        [EXACT_WEIGHT, limit],
    ).fetchall()
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], snippet(r[6], query)) for r in rows]


def _term_ids(con: duckdb.DuckDBPyConnection, index: str, terms: list[str]) -> str:
    """The query's terms as a list of integer literals (so that the postings scan skips the
    row groups of other terms); '' when none is in the index."""
    if not terms:
        return ""
    rows = con.execute(f"SELECT termid FROM {index}.dict WHERE term IN (SELECT unnest(?::VARCHAR[]))", [terms]).fetchall()
    return ", ".join(str(int(r[0])) for r in rows)


def snippet(body: str, query: str, width: int = 160) -> str:
    """The passage of the body holding the most query words (matched without diacritics)."""
    folded_body = "".join(fold(c)[:1] or c for c in body)  # one char per char: offsets stay valid
    words = set(fold(query).split())
    hits = [(m.start(), m.group()) for m in re.finditer(r"\w+", folded_body) if m.group() in words]
    start = 0
    if hits:
        best = max(
            range(len(hits)),
            key=lambda i: (len({w for p, w in hits[i:] if p < hits[i][0] + width}), -i),
        )
        start = hits[best][0]
        back = body.rfind(" ", 0, max(0, start - width // 4))
        start = back + 1 if back >= 0 else 0
    text = " ".join(body[start : start + width].split())
    return ("…" if start else "") + text + ("…" if start + width < len(body) else "")
