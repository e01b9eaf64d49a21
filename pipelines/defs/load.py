"""The loader: staged documents → the DuckDB tables, one transaction per document."""


import dagster as dg

from pipelines.config import PIPELINE_VERSION
from pipelines.core import scan, staging
from pipelines.core import warehouse as wh
from pipelines.core.publish import publish
from pipelines.defs.resources import WarehouseResource

TABLES = {
    "files": "One row per path ever ingested.",
    "documents": "One row per distinct file content (SHA-256), with its status and the reason of any failure.",
    "pages": "Each page's text, the method that read it and why, and the OCR confidence.",
    "articles": "Articles with title, body, date, place and authors.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, description=text, deps=["staged_documents", "source_files"], group_name="warehouse", kinds={"duckdb"})
        for name, text in TABLES.items()
    ],
    pool="duckdb_writer",
)
def warehouse_tables(
    context: dg.AssetExecutionContext,
    source_files: list[scan.ScannedFile],
    staged_documents: list[str],
    warehouse: WarehouseResource,
):
    """Load every staged document (this run's and any a crashed run left), then record the
    paths of files whose bytes were already known, then publish the analysts' read-only copy.
    Staging files go once loaded."""
    loaded = 0
    with warehouse.connect() as con:
        for path in staging.staged_files(warehouse.staging_dir):
            doc = staging.read_staged(path)
            wh.load_document(
                con,
                doc.extraction,
                source_path=doc.source_path,
                byte_size=doc.byte_size,
                pipeline_version=PIPELINE_VERSION,
                file_rows=doc.file_rows,
            )
            path.unlink()
            loaded += 1
        changed_paths = wh.record_files(con, [s.file_row() for s in source_files])
        if loaded or changed_paths:
            wh.refresh_search(con)
        totals = wh.counts(con)
        published = publish(con, warehouse.file)
    context.log.info(f"loaded {loaded} documents; {changed_paths} path rows added or changed; published {published}")
    for name in TABLES:
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={"rows": totals[name], "documents_loaded": loaded, "paths_changed": changed_paths},
        )
