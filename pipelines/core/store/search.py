"""Full-text search over articles, typed with or without diacritics: BM25 kept up to date by
each load, in plain tables.

Two indexes, both BM25 with the parameters and the tokenizer of DuckDB's full-text-search
extension (which built them before: the same ranking, the same scores):

- idx 0, folded: the text without diacritics, 'đ' → 'd', lower case: "Thư viện tỉnh Quảng
  Ninh" is found by "thu vien quang ninh", whatever the tone-mark placement;
- idx 1, exact: the text with its diacritics spelled in Telex ("thư viện" → "thuw vieenj"),
  tone marks first put in one canonical place. A query typed with diacritics adds this
  score, so the articles spelled that way rank first.

The tables (schema.sql): ``search_docs`` (an article's key and its length in each index),
``search_postings`` (one row per index, term and article: tf and the article's length),
``search_df`` and ``search_stats`` (document frequencies and collection sizes as deltas, summed
when read). A load tokenizes its own articles, appends their rows, and appends the deltas of
the terms it adds or removes, in the same transaction as the articles: no rebuild, nothing
shared rewritten. A query reads the frequencies of its terms, then the postings of its terms
only, and computes the weights as the extension does.

``search`` runs on any connection holding these tables: the warehouse, an export made with
``archive export --duckdb``, or the search cache (``search_cache.py``) that keeps them in a
local DuckDB file for speed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

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
FOLDED, EXACT = 0, 1
# Temporary tables a load makes (b_<name>), dropped after it.
BATCH_TABLES = ("search_tokens", "search_docs", "search_postings", "search_removed_docs", "search_removed_df")


def telex(text: str) -> str:
    """Diacritics spelled in ASCII, one token per word: 'Quảng' → 'quangr', 'đọc' → 'ddocj'."""
    return " ".join(_telex_word(word) for word in _WORD.findall(canonical_tones(text).lower()))


@lru_cache(maxsize=1 << 16)
def _telex_word(word: str) -> str:
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
    return "".join(letters) + tone


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()


def article_text(title: str | None, body: str, location: str | None, authors: list[str]) -> str:
    return "\n".join(part for part in (title, location, " ".join(authors or []), body) if part)


def search_texts(text: str) -> tuple[str, str]:
    """An article's text as the two indexes read it: folded, and in Telex."""
    return fold(text), telex(text)


def tokens_sql(column: str) -> str:
    """The extension's tokenizer, in SQL: lower case, what is not a-z or 0-9 separates, empty
    tokens dropped. Tokenizing the stored texts in SQL at load time gives exactly its tokens."""
    return (f"list_filter(string_split_regex(regexp_replace(lower({column}), '{_IGNORE}', ' ', 'g'), '\\s+'), "
            f"t -> t IS NOT NULL AND len(t) > 0)")


# --- loading ----------------------------------------------------------------------------------


def stage_batch(con: duckdb.DuckDBPyConnection, source: str) -> None:
    """From ``source`` (doc, article_id, document_id, folded, exact: the batch's articles) make
    the batch's index rows in temporary tables, before the transaction opens."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_search_tokens AS
        SELECT doc, article_id, document_id, {tokens_sql('folded')} AS f, {tokens_sql('exact')} AS e FROM {source}
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE b_search_docs AS
        SELECT doc, article_id, document_id, len(f)::INTEGER AS len_folded, len(e)::INTEGER AS len_exact
        FROM temp.b_search_tokens
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE b_search_postings AS
        SELECT idx, term, doc, count(*)::INTEGER AS tf, any_value(len)::INTEGER AS len FROM (
            SELECT 0::TINYINT AS idx, unnest(f) AS term, doc, len(f) AS len FROM temp.b_search_tokens
            UNION ALL
            SELECT 1::TINYINT, unnest(e), doc, len(e) FROM temp.b_search_tokens
        ) GROUP BY idx, term, doc
        ORDER BY idx, term, doc
    """)


def remove_documents(con: duckdb.DuckDBPyConnection, ids_table: str | None) -> None:
    """Inside the load's transaction, before the documents' rows go: the articles of the
    documents listed in ``ids_table`` (a table of document_id; None: none) leave the index. The
    deltas of their terms come from their stored texts, tokenized again (cheap: only their rows
    are read), not from a scan of the whole index."""
    con.execute("CREATE OR REPLACE TEMP TABLE b_search_removed_docs (doc BIGINT, len_folded INTEGER, len_exact INTEGER)")
    con.execute("CREATE OR REPLACE TEMP TABLE b_search_removed_df (idx TINYINT, term VARCHAR, df BIGINT)")
    if ids_table is None or not con.execute(f"SELECT count(*) FROM {ids_table}").fetchone()[0]:
        return
    ids = f"(SELECT document_id FROM {ids_table})"
    con.execute(f"INSERT INTO temp.b_search_removed_docs SELECT doc, len_folded, len_exact FROM search_docs "
                f"WHERE document_id IN {ids}")
    for idx, table in ((FOLDED, "search_folded"), (EXACT, "search_exact")):
        con.execute(f"""
            INSERT INTO temp.b_search_removed_df
            SELECT {idx}::TINYINT, term, -count(*) FROM (
                SELECT DISTINCT article_id, unnest({tokens_sql('text')}) AS term FROM {table} WHERE document_id IN {ids}
            ) GROUP BY term
        """)
    if con.execute("SELECT count(*) FROM temp.b_search_removed_docs").fetchone()[0]:
        con.execute("DELETE FROM search_postings WHERE doc IN (SELECT doc FROM temp.b_search_removed_docs)")


def insert_staged(con: duckdb.DuckDBPyConnection) -> None:
    """Inside the load's transaction, after ``remove_documents``: the batch's articles join the
    index, and the frequencies and sizes change by what was added and removed."""
    added = con.execute("SELECT count(*) FROM temp.b_search_docs").fetchone()[0]
    removed = con.execute("SELECT count(*) FROM temp.b_search_removed_docs").fetchone()[0]
    if added:
        clash = con.execute("""
            SELECT b.article_id, d.article_id FROM temp.b_search_docs b JOIN search_docs d USING (doc)
            UNION ALL
            SELECT any_value(article_id), max(article_id) FROM temp.b_search_docs GROUP BY doc HAVING count(*) > 1
            LIMIT 1
        """).fetchone()
        if clash:
            from pipelines.core.store.warehouse import LoadError

            raise LoadError(f"articles {clash[0]} and {clash[1]} have the same search key; nothing was loaded")
        con.execute("INSERT INTO search_docs SELECT doc, article_id, document_id, len_folded, len_exact FROM temp.b_search_docs")
        con.execute("INSERT INTO search_postings SELECT idx, term, doc, tf, len FROM temp.b_search_postings")
    if not added and not removed:
        return
    con.execute("""
        INSERT INTO search_df
        SELECT idx, term, sum(df)::BIGINT FROM (
            SELECT idx, term, count(*) AS df FROM temp.b_search_postings GROUP BY idx, term
            UNION ALL SELECT idx, term, df FROM temp.b_search_removed_df
        ) GROUP BY idx, term HAVING sum(df) <> 0
        ORDER BY idx, term
    """)
    con.execute("""
        INSERT INTO search_stats
        SELECT idx, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM (
            SELECT 0::TINYINT AS idx, count(*) AS docs, coalesce(sum(len_folded), 0) AS total_len FROM temp.b_search_docs
            UNION ALL SELECT 1, count(*), coalesce(sum(len_exact), 0) FROM temp.b_search_docs
            UNION ALL SELECT 0, -count(*), -coalesce(sum(len_folded), 0) FROM temp.b_search_removed_docs
            UNION ALL SELECT 1, -count(*), -coalesce(sum(len_exact), 0) FROM temp.b_search_removed_docs
        ) GROUP BY idx HAVING sum(docs) <> 0 OR sum(total_len) <> 0
        ORDER BY idx
    """)


def compact(con: duckdb.DuckDBPyConnection) -> bool:
    """Fold the frequency and size deltas into one row each (maintenance, under the writer
    lock, in the caller's transaction): reads stay short however many loads there were. False
    when there was nothing to fold (nothing written)."""
    rows, keys = con.execute("SELECT count(*), count(DISTINCT (idx, term)) FROM search_df").fetchone()
    stats = con.execute("SELECT count(*) FROM search_stats").fetchone()[0]
    if rows == keys and stats <= 2:
        return False
    con.execute("""
        CREATE OR REPLACE TEMP TABLE compact_df AS
        SELECT idx, term, sum(df)::BIGINT AS df FROM search_df GROUP BY idx, term HAVING sum(df) <> 0
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE compact_stats AS
        SELECT idx, sum(docs)::BIGINT AS docs, sum(total_len)::BIGINT AS total_len FROM search_stats GROUP BY idx
    """)
    con.execute("DELETE FROM search_df")
    con.execute("INSERT INTO search_df SELECT * FROM temp.compact_df ORDER BY idx, term")
    con.execute("DELETE FROM search_stats")
    con.execute("INSERT INTO search_stats SELECT * FROM temp.compact_stats ORDER BY idx")
    con.execute("DROP TABLE temp.compact_df")
    con.execute("DROP TABLE temp.compact_stats")
    return True


# --- querying ---------------------------------------------------------------------------------


@dataclass
class Hit:
    article_id: str
    score: float
    title: str | None
    published_date: object
    location: str | None
    source_path: str
    snippet: str


@dataclass(frozen=True)
class Tables:
    """Where the index's tables are, and how a hit's fields are found from its ``doc``."""

    postings: str = "search_postings"
    df: str = "search_df"
    stats: str = "search_stats"
    # SELECT … FROM top (doc, score) → article_id, score, title, published_date, location, source_path, body
    hits: str = """
        SELECT a.article_id, top.score, a.title, a.published_date, a.location, d.source_path, a.body
        FROM top JOIN search_docs s USING (doc) JOIN articles a ON a.article_id = s.article_id
        JOIN documents d ON d.document_id = a.document_id
    """


WAREHOUSE_TABLES = Tables()


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """The folded terms of a query, and its exact (Telex) terms when it has diacritics."""
    folded = list(dict.fromkeys(_TOKEN.findall(fold(query))))
    exact = list(dict.fromkeys(_TOKEN.findall(telex(query)))) if has_diacritics(query) else []
    return folded, exact


def _literals(terms) -> str:
    """Terms as SQL literals: a literal list is pushed into the scan, so that row groups whose
    min/max exclude every term are skipped. Terms are [a-z0-9]+; quotes are doubled anyway."""
    return ", ".join("'" + t.replace("'", "''") + "'" for t in terms)


def search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 10, tables: Tables = WAREHOUSE_TABLES) -> list[Hit]:
    """Articles ranked by BM25 on the folded text, plus the exact-diacritics score when the
    query has diacritics; equal scores by a stable key of the article, then its id."""
    rows = ranked(con, query, limit, tables)
    return [Hit(r[0], r[1], r[2], r[3], r[4], r[5], snippet(r[6], query)) for r in rows]


def ranked(con: duckdb.DuckDBPyConnection, query: str, limit: int, tables: Tables = WAREHOUSE_TABLES) -> list[tuple]:
    folded, exact = query_terms(query)
    if not folded:
        return []
    idf, avgdl = _idf(con, folded, exact, tables)
    if not any(idx == FOLDED for idx, _term in idf):
        return []  # no folded term is in the index: nothing matches
    values = ", ".join(
        f"({idx}::TINYINT, '{term}', {value!r}::DOUBLE, {avgdl[idx]!r}::DOUBLE)" for (idx, term), value in idf.items()
    )
    indexes = ", ".join(str(i) for i in sorted({idx for idx, _term in idf}))
    # The extension's weight, (idf · tf · (k1 + 1) / (tf + k1 · (1 - b + b · len / avgdl)))::FLOAT,
    # with DOUBLE constants (DECIMAL ones give the same floats three times slower).
    sql = f"""
        WITH w AS (
            SELECT p.doc, p.idx,
                   (q.idf * p.tf * {K1 + 1!r}::DOUBLE
                    / (p.tf + {K1!r}::DOUBLE * ({1 - B!r}::DOUBLE + {B!r}::DOUBLE * p.len / q.avgdl)))::FLOAT AS weight
            FROM (SELECT idx, term, doc, tf, len FROM {tables.postings}
                  WHERE idx IN ({indexes}) AND term IN ({_literals(sorted({t for _i, t in idf}))})) p
            JOIN (VALUES {values}) AS q(idx, term, idf, avgdl) ON p.idx = q.idx AND p.term = q.term
        ),
        scored AS (
            SELECT doc, sum(weight) FILTER (WHERE idx = 0) AS folded, sum(weight) FILTER (WHERE idx = 1) AS exact
            FROM w GROUP BY doc
        ),
        top AS (
            SELECT doc, folded + $weight * coalesce(exact, 0) AS score FROM scored WHERE folded IS NOT NULL
            ORDER BY score DESC, doc LIMIT $limit
        )
        SELECT * FROM ({tables.hits}) ORDER BY 2 DESC, 1
    """
    return con.execute(sql, {"weight": EXACT_WEIGHT, "limit": limit}).fetchall()


def _idf(con, folded: list[str], exact: list[str], tables: Tables) -> tuple[dict, dict]:
    """idf of each (index, term) of the query found in the index, and each index's mean
    length, from one read of the frequencies and sizes; computed as the extension does."""
    rows = con.execute(f"""
        SELECT idx, term, sum(df)::BIGINT, NULL::BIGINT FROM {tables.df}
        WHERE idx IN (0, 1) AND term IN ({_literals(sorted(set(folded) | set(exact)))}) GROUP BY idx, term
        UNION ALL
        SELECT idx, NULL, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM {tables.stats} WHERE idx IN (0, 1) GROUP BY idx
    """).fetchall()
    stats = {idx: (docs, total) for idx, term, docs, total in rows if term is None and docs}
    wanted = {(FOLDED, t) for t in folded} | {(EXACT, t) for t in exact}
    idf = {}
    for idx, term, df, _total in rows:
        if term is not None and (idx, term) in wanted and df > 0 and idx in stats:
            n = stats[idx][0]
            idf[(idx, term)] = math.log((n - df + 0.5) / (df + 0.5) + 1)
    avgdl = {idx: total / docs for idx, (docs, total) in stats.items()}
    return idf, avgdl


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
