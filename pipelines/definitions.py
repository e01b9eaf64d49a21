"""The Dagster code location: every asset, check, job and resource, in one place.

`archive ingest` runs the `ingest` job defined here in-process; `archive ui` (or
`dagster dev -m pipelines.definitions`) shows the same definitions.
"""

import dagster as dg

from pipelines.defs.checks import failures_explained, staging_drained
from pipelines.defs.ingest import source_files, staged_documents
from pipelines.defs.load import warehouse_tables
from pipelines.defs.resources import Progress, WarehouseResource

ingest_job = dg.define_asset_job(
    "ingest",
    selection=dg.AssetSelection.all(),
    description="Find files under raw/ (or the configured paths), read the new ones, load the warehouse.",
)

defs = dg.Definitions(
    assets=[source_files, staged_documents, warehouse_tables],
    asset_checks=[failures_explained, staging_drained],
    jobs=[ingest_job],
    resources={"warehouse": WarehouseResource(), "progress": Progress()},
)
