"""The Dagster code location: every asset, check, job, sensor, schedule and resource.

`archive ingest` runs the `read_files` and `load_warehouse` jobs defined here in-process;
`archive ui` shows the same definitions, as the code location ``bulletin_archive``
(``pipelines.defs.history.CODE_LOCATION``).
"""

import dagster as dg

from pipelines.defs.automation import nightly_batch, raw_files_sensor, staged_documents_sensor
from pipelines.defs.checks import failures_explained, metadata_completeness, no_duplicate_articles, staging_drained
from pipelines.defs.copies import access_copies
from pipelines.defs.documents import document, file_read, load_job, read_files_job
from pipelines.defs.history import set_dagster_env
from pipelines.defs.load import warehouse_tables
from pipelines.defs.maintenance import (
    maintain_warehouse,
    maintain_warehouse_schedule,
    prune_run_history,
    prune_run_history_schedule,
)
from pipelines.defs.resources import Progress, WarehouseResource

# Dagster's settings for large partitioned runs (pipelines/defs/history.py), also in the
# processes `archive ui` starts, which import this module.
set_dagster_env()

defs = dg.Definitions(
    assets=[document, warehouse_tables, access_copies],
    asset_checks=[file_read, failures_explained, staging_drained, no_duplicate_articles, metadata_completeness],
    jobs=[read_files_job, load_job, prune_run_history, maintain_warehouse],
    sensors=[raw_files_sensor, staged_documents_sensor],
    schedules=[nightly_batch, prune_run_history_schedule, maintain_warehouse_schedule],
    resources={"warehouse": WarehouseResource(), "progress": Progress()},
)
