"""The Dagster code location: every asset, check, job, sensor, schedule and resource.

`archive ingest` runs the `read_files` and `load_warehouse` jobs defined here in-process;
`archive ui` (or `dagster dev -m pipelines.definitions`) shows the same definitions.
"""

import dagster as dg

from pipelines.defs.automation import nightly_batch, raw_files_sensor, staged_documents_sensor
from pipelines.defs.checks import failures_explained, metadata_completeness, no_duplicate_articles, staging_drained
from pipelines.defs.documents import document, load_job, read_files_job
from pipelines.defs.load import warehouse_tables
from pipelines.defs.resources import Progress, WarehouseResource

defs = dg.Definitions(
    assets=[document, warehouse_tables],
    asset_checks=[failures_explained, staging_drained, no_duplicate_articles, metadata_completeness],
    jobs=[read_files_job, load_job],
    sensors=[raw_files_sensor, staged_documents_sensor],
    schedules=[nightly_batch],
    resources={"warehouse": WarehouseResource(), "progress": Progress()},
)
