"""Runs whose process ended before they did: failed with the reason, their pool slots freed."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys

import dagster as dg
import pytest

from pipelines.config import load_settings
from pipelines.core.runtime import processes
from pipelines.definitions import defs
from pipelines.defs.abandoned import PROCESS_TAG, end_abandoned_runs
from pipelines.defs.resources import Progress, WarehouseResource
from pipelines.defs.runner import project_instance

POOL = "duckdb_writer"


@pytest.fixture
def instance(tmp_path):
    settings = dataclasses.replace(load_settings().with_warehouse(tmp_path / "wh"), dagster_home_override=tmp_path / "dagster")
    instance = project_instance(settings)
    instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
    yield instance
    instance.dispose()


def _ended_process() -> str:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return f"{processes.machine()}:{child.pid}:1"


def _loading_run(instance, tags: dict) -> dg.DagsterRun:
    """A load run, in progress, holding the loader's slot, as a killed one leaves it."""
    run = instance.create_run_for_job(defs.resolve_job_def("load_warehouse"), status=dg.DagsterRunStatus.STARTED, tags=tags)
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run.run_id, "warehouse_tables").is_claimed
    return run


def _holders(instance) -> set[str]:
    return instance.event_log_storage.get_concurrency_info(POOL).active_run_ids


def test_a_daemon_run_whose_process_died_holding_the_slot_is_ended_and_the_slot_freed(instance):
    """The loader sensor's runs are launched by the daemon; a machine that stops mid-load left
    the slot held, and every later load run waited. The sensor now ends such runs first."""
    run = _loading_run(instance, {PROCESS_TAG: _ended_process()})
    assert end_abandoned_runs(instance) == [run.run_id]
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert _holders(instance) == set()


def test_a_run_whose_process_still_runs_keeps_its_slot(instance):
    run = _loading_run(instance, {PROCESS_TAG: processes.this_process()})
    assert end_abandoned_runs(instance, sole_user=True) == []
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED
    assert _holders(instance) == {run.run_id}


def test_a_run_on_another_machine_or_without_a_process_is_left_alone(instance):
    elsewhere = _loading_run(instance, {PROCESS_TAG: f"not-{socket.gethostname()}:12345:1"})
    assert end_abandoned_runs(instance) == []
    assert _holders(instance) == {elsewhere.run_id}
    instance.event_log_storage.free_concurrency_slots_for_run(elsewhere.run_id)
    unknown = _loading_run(instance, {"archive/command": "sensor"})
    assert end_abandoned_runs(instance, sole_user=True) == []  # not a command-line run: cannot tell
    assert _holders(instance) == {unknown.run_id}


def test_a_command_line_run_of_an_older_version_is_ended_only_on_the_warehouses_own_instance(instance):
    run = _loading_run(instance, {"archive/command": "ingest"})  # no process tag: an older version's
    assert end_abandoned_runs(instance, sole_user=False) == []
    assert end_abandoned_runs(instance, sole_user=True) == [run.run_id]
    assert _holders(instance) == set()


def test_a_slot_left_by_a_run_that_has_ended_is_freed(instance):
    run = _loading_run(instance, {})
    instance.report_run_failed(run, "terminated from the UI")
    assert _holders(instance) == {run.run_id}  # Dagster leaves it to its run monitoring daemon
    assert end_abandoned_runs(instance) == []
    assert _holders(instance) == set()


def test_the_loader_records_the_process_running_it(instance, tmp_path):
    """Runs the daemon launches carry no process tag until their loader starts: then it is set."""
    warehouse = WarehouseResource(path=str(tmp_path / "wh"))
    result = defs.resolve_job_def("load_warehouse").execute_in_process(
        instance=instance, resources={"warehouse": warehouse, "progress": Progress()}, raise_on_error=True,
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    assert instance.get_run_by_id(result.run_id).tags[PROCESS_TAG] == processes.this_process()
    assert _holders(instance) == set()
