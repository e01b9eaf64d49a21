"""The Dagster definitions load, as the UI and `dagster` CLI load them."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs


def test_definitions_validate_with_the_dagster_cli(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path))
    dagster = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-m", "pipelines.definitions"],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_asset_and_check_is_in_the_ingest_job():
    job = defs.resolve_job_def("load_warehouse")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert keys == {"files", "documents", "pages", "articles"}
    checks = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert checks == {"failures_explained", "staging_drained", "document_quality", "files_read", "file_read",
                      "no_duplicate_articles", "metadata_completeness"}
    assert defs.resolve_job_def("prune_run_history") is not None
    assert defs.resolve_schedule_def("prune_run_history").job.name == "prune_run_history"
    assert {k.to_user_string() for k in defs.resolve_job_def("read_files").asset_layer.executable_asset_keys} == {"document"}
    assert isinstance(defs.resolve_all_job_defs()[0], dg.JobDefinition)
