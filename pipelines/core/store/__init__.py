"""Stage 4, store: records in, warehouse out.

In: ``models.Extraction`` records, staged as files between reading and loading (``staging``).
Out: the warehouse, a DuckLake — a catalog and Parquet files — found by ``location``, opened
with the packaged extensions (``extensions``), with its schema (``schema.sql``, ``views.sql``,
versions in ``migrations``) and loads of whole batches in one transaction (``warehouse``); its
BM25 index kept up to date by each load (``search``) and copied into a local file for fast
searches (``search_cache``); near-identical articles across documents linked at load time
(``duplicates``); maintenance (``maintain``), the move from the earlier DuckDB file
(``migrate``), exports (``export``) and the check of raw files against what was loaded
(``verify``).
"""
