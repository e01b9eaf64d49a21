"""The loader: staged documents → the DuckDB tables, one transaction per document."""


import dagster as dg

from pipelines.config import PIPELINE_VERSION
from pipelines.core.store import staging
from pipelines.core.store import warehouse as wh
from pipelines.core.store.publish import publish, published_path
from pipelines.defs.resources import WarehouseResource

TABLES = {
    "files": "One row per path ever ingested.",
    "documents": "One row per distinct file content (SHA-256), with its status and the reason of any failure.",
    "pages": "Each page's text, the method that read it and why, and the OCR confidence.",
    "articles": "Articles with title, body, date, place and authors.",
}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(name, description=text, deps=["document"], group_name="warehouse", kinds={"duckdb"})
        for name, text in TABLES.items()
    ],
    pool="duckdb_writer",
)
def warehouse_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load every staged document and path (this run's, other runs', any a crashed run left),
    one transaction each, then refresh the search index and publish the analysts' read-only
    copy. Staging files go once loaded. Runs in a pool of one: DuckDB has a single writer."""
    loaded = paths = 0
    with warehouse.write() as con:
        for path in staging.staged_files(warehouse.staging_dir):
            doc = staging.read_staged(path)
            if doc.extraction is None:
                paths += wh.record_files(con, doc.file_rows)
            else:
                wh.load_document(
                    con,
                    doc.extraction,
                    source_path=doc.source_path,
                    byte_size=doc.byte_size,
                    pipeline_version=PIPELINE_VERSION,
                    file_rows=doc.file_rows,
                    run_id=doc.run_id,
                    read_seconds=doc.read_seconds,
                )
                loaded += 1
            path.unlink()
        if loaded or paths:
            wh.refresh_search(con)
        totals = wh.counts(con)
        if loaded or paths or not published_path(warehouse.file).exists():
            publish(con, warehouse.file)
    context.log.info(f"loaded {loaded} documents and {paths} paths")
    for name in TABLES:
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={"rows": totals[name], "documents_loaded": loaded, "paths_recorded": paths},
        )
