"""The Dagster code location: every asset, check, job, sensor, schedule and resource.

`archive ingest` runs the `ingest` job defined here in-process; `archive ui` (or
`dagster dev -m pipelines.definitions`) shows the same definitions.
"""

import dagster as dg

from pipelines.defs.automation import (
    nightly_schedule,
    raw_files_sensor,
    staged_documents_sensor,
)
from pipelines.defs.checks import (
    failures_explained,
    metadata_completeness,
    no_duplicate_articles,
    staging_drained,
)
from pipelines.defs.documents import document, load_job, read_files_job
from pipelines.defs.ingest import source_files, staged_documents
from pipelines.defs.load import warehouse_tables
from pipelines.defs.resources import Progress, WarehouseResource

ingest_job = dg.define_asset_job(
    "ingest",
    selection=dg.AssetSelection.assets(source_files, staged_documents, warehouse_tables),
    description="Find files under raw/ (or the configured paths), read the new ones, load the warehouse.",
)

defs = dg.Definitions(
    assets=[source_files, staged_documents, document, warehouse_tables],
    asset_checks=[failures_explained, staging_drained, no_duplicate_articles, metadata_completeness],
    jobs=[ingest_job, read_files_job, load_job],
    sensors=[raw_files_sensor, staged_documents_sensor],
    schedules=[nightly_schedule(ingest_job)],
    resources={"warehouse": WarehouseResource(), "progress": Progress()},
)
