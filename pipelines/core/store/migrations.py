"""Schema versions, and how a warehouse of an older version is brought up to date.

Versions 1 to 5 were one DuckDB file (``warehouse/archive.duckdb``), upgraded in place. Version 6
is the DuckLake warehouse (a catalog and Parquet files): the same tables and columns, without
the key constraints DuckLake refuses, plus the search index as tables (``search_docs``,
``search_postings``, ``search_df``, ``search_stats``) and ``loads``. A DuckDB file of version 4 or
5 moves into a DuckLake warehouse with ``archive migrate`` (``migrate.py``), checked row for row.

Version 7 adds ``corrections``, the archivists' corrections (``corrections.py``), and the views that
apply them.

A new warehouse gets the latest schema (schema.sql) at once. A DuckLake warehouse of an older
version gets, in one transaction, the statements of each version after its own (tables new in a
version come from schema.sql, CREATE TABLE IF NOT EXISTS, so a version lists only changes to
existing tables). Rows are never dropped: columns are added, never renamed or removed.
"""

from pipelines.core.store import corrections

LATEST = 7

# DuckDB-file versions `archive migrate` reads, and the tables it copies (the search index is
# rebuilt from search_folded/search_exact; the extension's fts_main_* schemas are left behind).
MIGRATABLE = (4, 5)
COPIED_TABLES = ("files", "documents", "pages", "ocr_words", "articles", "article_places", "article_people",
                 "search_folded", "search_exact", "run_documents")

# DuckLake versions after 6: {version: [statements]}.
UPGRADES: dict[int, list[str]] = {
    7: [corrections.TABLE_SQL],
}
