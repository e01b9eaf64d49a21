"""The previous search, kept as the oracle: DuckDB's full-text-search extension builds both BM25
indexes from search_folded/search_exact (PRAGMA create_fts_index, rebuilt whole), postings with
precomputed weights, and the query that summed them (pipelines/core/store/search.py before the
index became incremental tables). The incremental index must give the same articles with the
same scores."""

from __future__ import annotations

import duckdb

from pipelines.core.store import extensions
from pipelines.core.store.search import EXACT_WEIGHT, _IGNORE, B, K1, _TOKEN, has_diacritics, telex
from pipelines.core.text.tones import fold

TABLES = ("search_folded", "search_exact", "articles", "documents")


def reference_database(location) -> duckdb.DuckDBPyConnection:
    """A plain in-memory DuckDB holding a copy of the warehouse's search rows, articles and
    documents, with the extension's indexes built as before."""
    con = extensions.connect()
    con.execute(f"ATTACH '{location.attach_uri}' AS src (DATA_PATH '{location.data_path}', OVERRIDE_DATA_PATH true, READ_ONLY)")
    for table in TABLES:
        con.execute(f"CREATE TABLE memory.main.{table} AS SELECT * FROM src.main.{table}")
    con.execute("DETACH src")
    rebuild_indexes(con)
    return con


def rebuild_indexes(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("LOAD fts")
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
    con.execute(
        """
        CREATE OR REPLACE TABLE fts_main_search_exact.postings AS
        SELECT p.termid, f.docid, p.weight
        FROM fts_main_search_exact.postings p
        JOIN fts_main_search_exact.docs e USING (docid) JOIN fts_main_search_folded.docs f USING (name)
        ORDER BY p.termid, f.docid
        """
    )


def reference_search(con: duckdb.DuckDBPyConnection, query: str, limit: int = 10) -> list[tuple[str, float]]:
    """(article_id, score), best first, as the previous `archive search` ranked them."""
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
    return con.execute(
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
        SELECT docs.name, top.score
        FROM top JOIN fts_main_search_folded.docs docs USING (docid)
        ORDER BY top.score DESC, docs.name
        """,
        [EXACT_WEIGHT, limit],
    ).fetchall()


def _term_ids(con, index: str, terms: list[str]) -> str:
    if not terms:
        return ""
    rows = con.execute(f"SELECT termid FROM {index}.dict WHERE term IN (SELECT unnest(?::VARCHAR[]))", [terms]).fetchall()
    return ", ".join(str(int(r[0])) for r in rows)
