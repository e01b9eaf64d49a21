"""Stage 4, store: records in, warehouse out.

In: ``models.Extraction`` records, staged as files between reading and loading (``staging``).
Out: the DuckDB warehouse (``warehouse`` with ``schema.sql`` and ``views.sql``, upgraded by
``migrations``), its search indexes (``search``), the analysts' copy (``publish``), exports
(``export``) and the check of raw files against what was loaded (``verify``).
"""
