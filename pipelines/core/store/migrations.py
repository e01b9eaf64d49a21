"""Schema versions, and how a warehouse of an older version is brought up to date.

Versions 1 to 5 were one DuckDB file (``warehouse/archive.duckdb``), upgraded in place. Version 6
is the DuckLake warehouse (a catalog and Parquet files): the same tables and columns, without
the key constraints DuckLake refuses, plus the search index as tables (``search_docs``,
``search_postings``, ``search_df``, ``search_stats``) and ``loads``. A DuckDB file of version 4 or
5 moves into a DuckLake warehouse with ``archive migrate`` (``migrate.py``), checked row for row.

Version 7 adds ``corrections``, the archivists' corrections (``corrections.py``), and the views that
apply them.

Version 8 adds ``articles.duplicate_of`` and ``article_signatures`` (near-identical articles
across documents, ``duplicates.py``) and the syllable-pair terms of the search index (idx 2 and
3, ``search.py``); the upgrade fills them for the articles already there, once.

Version 9 adds ``access_copies``, the PDF/A access copies written beside the warehouse
(``pipelines/core/publish/``): a new table only, nothing to fill.

A new warehouse gets the latest schema (schema.sql) at once. A DuckLake warehouse of an older
version gets, in one transaction, the statements of each version after its own (tables new in a
version come from schema.sql, CREATE TABLE IF NOT EXISTS, so a version lists only changes to
existing tables). Rows are never dropped: columns are added, never renamed or removed.
"""

from pipelines.core.store import corrections, duplicates, search

LATEST = 9

# DuckDB-file versions `archive migrate` reads, and the tables it copies (the search index is
# rebuilt from search_folded/search_exact; the extension's fts_main_* schemas are left behind).
MIGRATABLE = (4, 5)
COPIED_TABLES = ("files", "documents", "pages", "ocr_words", "articles", "article_places", "article_people",
                 "search_folded", "search_exact", "run_documents")

# DuckLake versions after 6: {version: [statements]}.
def _pairs_backfill() -> list[str]:
    """The pair terms (idx 2, 3) of every article already indexed, from its stored texts."""
    postings = " UNION ALL ".join(
        f"SELECT {idx}::TINYINT AS idx, unnest({search.pairs_sql('t')}) AS term, doc, len(t) - 1 AS len "
        f"FROM (SELECT s.doc, {search.tokens_sql('x.text')} AS t FROM {table} x JOIN search_docs s USING (article_id))"
        for idx, table in ((search.FOLDED_PAIRS, "search_folded"), (search.EXACT_PAIRS, "search_exact"))
    )
    return [
        f"""INSERT INTO search_postings
            SELECT idx, term, doc, count(*)::INTEGER, any_value(len)::INTEGER FROM ({postings})
            GROUP BY idx, term, doc ORDER BY idx, term, doc""",
        """INSERT INTO search_df SELECT idx, term, count(*)::BIGINT FROM search_postings WHERE idx IN (2, 3)
           GROUP BY idx, term ORDER BY idx, term""",
        """INSERT INTO search_stats
           SELECT 2::TINYINT, count(*), coalesce(sum(greatest(len_folded - 1, 0)), 0) FROM search_docs HAVING count(*) > 0
           UNION ALL
           SELECT 3::TINYINT, count(*), coalesce(sum(greatest(len_exact - 1, 0)), 0) FROM search_docs HAVING count(*) > 0""",
    ]


UPGRADES: dict[int, list[str]] = {
    7: [corrections.TABLE_SQL],
    8: ["ALTER TABLE articles ADD COLUMN duplicate_of VARCHAR", *_pairs_backfill(), *duplicates.BACKFILL],
    9: [],  # access_copies: a new table (schema.sql)
}
