"""Full-text search over articles, typed with or without diacritics: BM25 kept up to date by
each load, in plain tables.

Two indexes of words, both BM25 with the parameters and the tokenizer of DuckDB's
full-text-search extension (which built them before: the same scores for single words):

- idx 0, folded: the text without diacritics, 'đ' → 'd', lower case: "Thư viện tỉnh Quảng
  Ninh" is found by "thu vien quang ninh", whatever the tone-mark placement;
- idx 1, exact: the text with its diacritics spelled in Telex ("thư viện" → "thuw vieenj"),
  tone marks first put in one canonical place. A query typed with diacritics adds this
  score, so the articles spelled that way rank first.

and the same two for syllable pairs (idx 2 folded, idx 3 exact): each two adjacent tokens of an
article, ``"da nang"``, ``"hoaf binhf"``. Vietnamese words are mostly two syllables or more, and
their syllables alone are frequent ("đà" and "nẵng" each appear in many articles that are not
about Đà Nẵng; "bình" in every Thái Bình article): a query's adjacent words are looked up as a
pair too, and a pair found adds its BM25 score (weighted by ``PAIR_WEIGHT``), so articles holding
the words side by side rank above those holding them apart. A pair index's length is the
article's token count less one.

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

from pipelines.core.text.tones import fold

EXACT_WEIGHT = 1.0
PAIR_WEIGHT = 2.0  # the adjacency boost: a matched pair's BM25 score, added to its words' scores
# BM25 parameters (the extension's defaults) and its tokenizer: what is not a-z or 0-9 separates.
K1, B = 1.2, 0.75
_IGNORE = r"(\\.|[^a-z0-9])+"
_TOKEN = re.compile(r"[a-z0-9]+")
_TONES = {"\u0300": "f", "\u0301": "s", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_SHAPES = {"\u0302": lambda c: c + c, "\u0306": lambda c: c + "w", "\u031b": lambda c: c + "w"}
_WORD = re.compile(r"\w+")
FOLDED, EXACT, FOLDED_PAIRS, EXACT_PAIRS = 0, 1, 2, 3
INDEXES = (FOLDED, EXACT, FOLDED_PAIRS, EXACT_PAIRS)
# Temporary tables a load makes (b_<name>), dropped after it.
BATCH_TABLES = ("search_tokens", "search_docs", "search_postings", "search_removed_docs", "search_removed_df")


def telex(text: str) -> str:
    """Diacritics spelled in ASCII, one token per word: 'Quảng' → 'quangr', 'đọc' → 'ddocj'.

    A word's tone goes at its end wherever the mark sits ('hoà' and 'hòa' → 'hoaf'), so the
    text needs composing (NFC) but not its tone marks moving to one place."""
    return " ".join(_telex_word(word) for word in _WORD.findall(unicodedata.normalize("NFC", text).lower()))


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


def pairs_sql(tokens: str) -> str:
    """Each two adjacent tokens of a token list (an SQL expression), as one term 'a b'."""
    return f"list_transform(range(1, len({tokens})), i -> {tokens}[i] || ' ' || {tokens}[i + 1])"


def pairs(tokens: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


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
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE b_search_postings AS
        SELECT idx, term, doc, count(*)::INTEGER AS tf, any_value(len)::INTEGER AS len FROM (
            SELECT 0::TINYINT AS idx, unnest(f) AS term, doc, len(f) AS len FROM temp.b_search_tokens
            UNION ALL
            SELECT 1::TINYINT, unnest(e), doc, len(e) FROM temp.b_search_tokens
            UNION ALL
            SELECT 2::TINYINT, unnest({pairs_sql('f')}), doc, len(f) - 1 FROM temp.b_search_tokens
            UNION ALL
            SELECT 3::TINYINT, unnest({pairs_sql('e')}), doc, len(e) - 1 FROM temp.b_search_tokens
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
    for idx, pair_idx, table in ((FOLDED, FOLDED_PAIRS, "search_folded"), (EXACT, EXACT_PAIRS, "search_exact")):
        con.execute(f"""
            INSERT INTO temp.b_search_removed_df
            WITH tokens AS (SELECT article_id, {tokens_sql('text')} AS t FROM {table} WHERE document_id IN {ids})
            SELECT idx, term, -count(*) FROM (
                SELECT DISTINCT {idx}::TINYINT AS idx, article_id, unnest(t) AS term FROM tokens
                UNION ALL
                SELECT DISTINCT {pair_idx}::TINYINT, article_id, unnest({pairs_sql('t')}) FROM tokens
            ) GROUP BY idx, term
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
    con.execute(f"""
        INSERT INTO search_stats
        SELECT idx, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM (
            {_stats_sql("temp.b_search_docs", 1)}
            UNION ALL
            {_stats_sql("temp.b_search_removed_docs", -1)}
        ) GROUP BY idx HAVING sum(docs) <> 0 OR sum(total_len) <> 0
        ORDER BY idx
    """)


def _stats_sql(docs: str, sign: int) -> str:
    """Documents and total length of each index, from ``docs`` (len_folded, len_exact), times
    ``sign``: a pair index's length is the token count less one."""
    parts = []
    for idx, column, minus in ((FOLDED, "len_folded", 0), (EXACT, "len_exact", 0),
                               (FOLDED_PAIRS, "len_folded", 1), (EXACT_PAIRS, "len_exact", 1)):
        length = f"greatest({column} - {minus}, 0)" if minus else column
        parts.append(f"SELECT {idx}::TINYINT AS idx, {sign} * count(*) AS docs, {sign} * coalesce(sum({length}), 0) "
                     f"AS total_len FROM {docs}")
    return "\n            UNION ALL ".join(parts)


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


class Results(list):
    """The hits, best first; ``unmatched``: the query's words no article holds (as typed)."""

    def __init__(self, hits=(), unmatched=()):
        super().__init__(hits)
        self.unmatched: list[str] = list(unmatched)


def doc_key_sql(column: str) -> str:
    """warehouse.article_doc in SQL: the first 8 bytes of the SHA-256 of the id, signed."""
    unsigned = f"('0x' || left(sha256({column}), 16))::UBIGINT::HUGEINT"
    return f"(CASE WHEN {unsigned} >= 9223372036854775808 THEN {unsigned} - 18446744073709551616 ELSE {unsigned} END)::BIGINT"


@dataclass(frozen=True)
class Tables:
    """Where the index's tables are, how a hit's fields are found from its ``doc``, and which
    docs may be hits (an article that duplicates another is not shown: v_articles_unique)."""

    postings: str = "search_postings"
    df: str = "search_df"
    stats: str = "search_stats"
    # SELECT … FROM top (doc, score) → article_id, score, title, published_date, location, source_path, body;
    # {rows of TABLE}: the rows of TABLE whose doc is one of top's (see _rows_of)
    hits: str = """
        SELECT a.article_id, top.score, a.title, a.published_date, a.location, d.source_path, a.body
        FROM top JOIN {rows of search_docs} s USING (doc)
        JOIN articles a ON a.article_id = s.article_id
        JOIN documents d ON d.document_id = a.document_id
    """
    # a condition on ``doc``: the article is the first of its copies
    unique: str = f"doc NOT IN (SELECT {doc_key_sql('article_id')} FROM articles WHERE duplicate_of IS NOT NULL)"


WAREHOUSE_TABLES = Tables()


@dataclass(frozen=True)
class QueryTerms:
    folded: list[str]
    exact: list[str]  # empty when the query has no diacritics
    folded_pairs: list[str]
    exact_pairs: list[str]

    def wanted(self, pairs: bool = True) -> set[tuple[int, str]]:
        out = {(FOLDED, t) for t in self.folded} | {(EXACT, t) for t in self.exact}
        if pairs:
            out |= {(FOLDED_PAIRS, t) for t in self.folded_pairs} | {(EXACT_PAIRS, t) for t in self.exact_pairs}
        return out


def query_terms(query: str) -> QueryTerms:
    """The folded terms of a query, its exact (Telex) terms when it has diacritics, and the
    pairs of adjacent terms of each."""
    folded_tokens = _TOKEN.findall(fold(query))
    exact_tokens = _TOKEN.findall(telex(query)) if has_diacritics(query) else []
    return QueryTerms(list(dict.fromkeys(folded_tokens)), list(dict.fromkeys(exact_tokens)),
                      list(dict.fromkeys(pairs(folded_tokens))), list(dict.fromkeys(pairs(exact_tokens))))


def _literals(terms) -> str:
    """Terms as SQL literals: a literal list is pushed into the scan, so that row groups whose
    min/max exclude every term are skipped. Terms are [a-z0-9 ]+; quotes are doubled anyway."""
    return ", ".join("'" + t.replace("'", "''") + "'" for t in terms)


def search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 10, tables: Tables = WAREHOUSE_TABLES, *,
           pairs: bool = True, unique: bool = True) -> Results:
    """Articles ranked by BM25 on the folded text, plus the exact-diacritics score when the
    query has diacritics, plus the scores of the query's adjacent words found side by side
    (``pairs``); equal scores by a stable key of the article, then its id. ``unique``: an
    article that duplicates another (``articles.duplicate_of``) is left out.

    ``pairs=False, unique=False`` is the BM25 of DuckDB's full-text-search extension, score for
    score (the tests compare them)."""
    rows, unmatched = _ranked(con, query, limit, tables, pairs, unique)
    return results(rows, unmatched, query)


def ranked(con: duckdb.DuckDBPyConnection, query: str, limit: int, tables: Tables = WAREHOUSE_TABLES, *,
           pairs: bool = True, unique: bool = True) -> list[tuple]:
    return _ranked(con, query, limit, tables, pairs, unique)[0]


def unmatched_words(query: str, found: set[str]) -> list[str]:
    """The query's words (as typed) none of whose folded terms is in ``found``."""
    return [word for word in dict.fromkeys(_WORD.findall(query))
            if not any(t in found for t in _TOKEN.findall(fold(word)))]


def _ranked(con, query: str, limit: int, tables: Tables, pairs: bool, unique: bool) -> tuple[list[tuple], list[str]]:
    terms = query_terms(query)
    if not terms.folded:
        return [], []
    idf, avgdl = _idf(con, terms.wanted(pairs), tables)
    unmatched = unmatched_words(query, {t for idx, t in idf if idx == FOLDED})
    if not any(idx == FOLDED for idx, _term in idf):
        return [], unmatched  # no folded term is in the index: nothing matches
    score = "folded + $weight * coalesce(exact, 0)"
    columns = "sum(weight) FILTER (WHERE idx = 0) AS folded, sum(weight) FILTER (WHERE idx = 1) AS exact"
    if pairs:
        columns += (", sum(weight) FILTER (WHERE idx = 2) AS folded_pairs,"
                    " sum(weight) FILTER (WHERE idx = 3) AS exact_pairs")
        score += f" + {PAIR_WEIGHT!r}::DOUBLE * (coalesce(folded_pairs, 0) + $weight * coalesce(exact_pairs, 0))"
    condition = f" AND {tables.unique}" if unique and tables.unique else ""
    # One scan per term, its idf and the index's mean length as constants: each reads only the
    # row groups of its term (the postings are sorted by index and term), and no join attaches
    # the weights. The extension's weight, (idf · tf · (k1 + 1) / (tf + k1 · (1 - b + b · len /
    # avgdl)))::FLOAT, with DOUBLE constants (DECIMAL ones give the same floats three times slower).
    weights = "\n            UNION ALL\n            ".join(
        f"SELECT doc, {idx}::TINYINT AS idx, ({value!r}::DOUBLE * tf * {K1 + 1!r}::DOUBLE / (tf + {K1!r}::DOUBLE * "
        f"({1 - B!r}::DOUBLE + {B!r}::DOUBLE * len / {avgdl[idx]!r}::DOUBLE)))::FLOAT AS weight "
        f"FROM {tables.postings} WHERE idx = {idx} AND term = {_literals([term])}"
        for (idx, term), value in sorted(idf.items())
    )
    top = con.execute(f"""
        WITH w AS (
            {weights}
        ),
        scored AS (
            SELECT doc, {columns} FROM w GROUP BY doc
        )
        SELECT doc, {score} AS score FROM scored WHERE folded IS NOT NULL{condition}
        ORDER BY score DESC, doc LIMIT $limit
    """, {"weight": EXACT_WEIGHT, "limit": limit}).fetchall()
    return hit_rows(con, top, tables), unmatched


def hit_rows(con, top: list[tuple[int, float]], tables: Tables = WAREHOUSE_TABLES) -> list[tuple]:
    """The hit fields of the ranked (doc, score) pairs, best first (article_id, score, title,
    published_date, location, source_path, body)."""
    if not top:
        return []
    # the scores as text: a numeric literal is read as a DECIMAL, whose conversion can move the last bit
    values = ", ".join(f"({doc}::BIGINT, '{value!r}'::DOUBLE)" for doc, value in top)
    sql = f"""
        WITH top AS (SELECT * FROM (VALUES {values}) AS t(doc, score))
        SELECT * FROM ({_rows_of(tables.hits, [doc for doc, _score in top])}) ORDER BY 2 DESC, 1
    """
    return con.execute(sql).fetchall()


def results(rows: list[tuple], unmatched: list[str], query: str) -> Results:
    return Results([Hit(r[0], r[1], r[2], r[3], r[4], r[5], snippet(r[6], query)) for r in rows], unmatched)


def _rows_of(sql: str, docs: list[int]) -> str:
    """``{rows of TABLE}`` in ``sql`` made the rows of TABLE whose doc is one of ``docs``, one
    equality each: the hit fields are read where those keys are (the tables are sorted by doc,
    so a scan skips the other row groups), not whole (the hits hold every article's body). A
    list of constants would be no better than a join: DuckDB checks an IN list against each
    row group's range only, and the keys are spread over all of it."""
    return re.sub(r"\{rows of (\w+)\}", lambda m: "(" + " UNION ALL ".join(
        f"SELECT * FROM {m.group(1)} WHERE doc = {int(doc)}" for doc in docs) + ")", sql)


def _idf(con, wanted: set[tuple[int, str]], tables: Tables) -> tuple[dict, dict]:
    """idf of each (index, term) of the query found in the index, and each index's mean
    length, from one read of the frequencies and sizes; computed as the extension does."""
    indexes = ", ".join(str(i) for i in INDEXES)
    rows = con.execute(f"""
        SELECT idx, term, sum(df)::BIGINT, NULL::BIGINT FROM {tables.df}
        WHERE idx IN ({indexes}) AND term IN ({_literals(sorted({t for _i, t in wanted}))}) GROUP BY idx, term
        UNION ALL
        SELECT idx, NULL, sum(docs)::BIGINT, sum(total_len)::BIGINT FROM {tables.stats} WHERE idx IN ({indexes}) GROUP BY idx
    """).fetchall()
    stats = {idx: (docs, total) for idx, term, docs, total in rows if term is None and docs}
    idf = {}
    for idx, term, df, _total in rows:
        if term is not None and (idx, term) in wanted and df > 0 and idx in stats:
            n = stats[idx][0]
            idf[(idx, term)] = math.log((n - df + 0.5) / (df + 0.5) + 1)
    avgdl = {idx: total / docs for idx, (docs, total) in stats.items() if docs}
    return idf, avgdl


class _OneCharFold(dict):
    """A str.translate table folding each character to one character (its fold's first, or
    itself when the fold is empty), filled as characters are met: one C-level pass over a body
    instead of a fold call per character (a quarter of a search's time at 100,000 articles)."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        value = self[code] = fold(char)[:1] or char
        return value


_ONE_CHAR_FOLD = _OneCharFold()


def snippet(body: str, query: str, width: int = 160) -> str:
    """The passage of the body holding the most query words (matched without diacritics)."""
    folded_body = body.translate(_ONE_CHAR_FOLD)  # one char per char: offsets stay valid
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
