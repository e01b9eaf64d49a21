"""The deployment's long-running pieces spare the machine what Dagster's defaults cost it:
the daemon and `archive submit` keep a connection to PostgreSQL instead of one per query
(pipelines/deploy/daemon.py), and the code server's forkserver is up, with what a run's process
needs imported, before the first run (pipelines/deploy/code_server.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import psycopg2
import pytest

from pipelines.deploy import servers
from pipelines.deploy.cluster import DEPLOY_DIR

QUERIES = 25


@pytest.fixture(scope="module")
def postgres():
    missing = [name for name in servers.missing_programs() if name != "redis-server"]
    if missing:
        pytest.skip(f"PostgreSQL's server programs are not installed ({', '.join(missing)})")
    server = servers.start_postgres(["dagster"])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def deployment_home(postgres, tmp_path, monkeypatch):
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(DEPLOY_DIR / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ARCHIVE_DAGSTER_POSTGRES", postgres.url("dagster"))
    return home


def _sessions(postgres) -> int:
    """Connections PostgreSQL has served to the database so far (ended ones counted)."""
    con = psycopg2.connect(postgres.libpq("dagster"))
    try:
        with con.cursor() as cursor:
            cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = 'dagster'")
            return int(cursor.fetchone()[0])
    finally:
        con.close()


def _connections_for(postgres, instance) -> int:
    import dagster as dg

    before = _sessions(postgres)
    for _ in range(QUERIES):
        instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=1)
        instance.get_run_by_id("0" * 36)
    instance.dispose()
    return _sessions(postgres) - before - 1  # less _sessions' own


def test_dagster_alone_connects_for_each_query(postgres, deployment_home):
    """What the two tests below improve on: Dagster's PostgreSQL storage, as configured."""
    import dagster as dg

    assert _connections_for(postgres, dg.DagsterInstance.from_config(str(deployment_home))) >= 2 * QUERIES


def test_the_daemons_instance_keeps_one_connection(postgres, deployment_home):
    from dagster._daemon import cli as daemon_cli

    from pipelines.deploy import daemon

    original = daemon_cli.get_instance_for_cli
    try:
        daemon._patch_dagster()
        with daemon_cli.get_instance_for_cli() as instance:
            assert _connections_for(postgres, instance) <= 3
    finally:
        daemon_cli.get_instance_for_cli = original


def test_submits_instance_keeps_one_connection(postgres, deployment_home):
    from pipelines.config import load_settings
    from pipelines.deploy.submit import deployment_instance

    assert _connections_for(postgres, deployment_instance(load_settings())) <= 3


def test_the_code_servers_forkserver_starts_with_it_and_has_what_runs_need(tmp_path):
    """In a process of its own (the forkserver is one per process): started at once, not at the
    first run; a process started from it finds the storage and executor modules imported."""
    script = textwrap.dedent("""
        import sys


        def loaded(queue):
            queue.put(sorted(m for m in ("pipelines.definitions", "dagster_postgres", "kombu.transport.redis",
                                         "dagster_celery.core_execution_loop") if m in sys.modules))


        if __name__ == "__main__":
            from multiprocessing import forkserver

            from pipelines.deploy import code_server

            context = code_server.run_context(start=True)
            assert forkserver._forkserver._forkserver_pid is not None, "the forkserver is not running"
            print("started", flush=True)
            queue = context.Queue()
            process = context.Process(target=loaded, args=(queue,))
            process.start()
            print(queue.get(timeout=120))
            process.join(30)
    """)

    (tmp_path / "probe.py").write_text(script)
    done = subprocess.run([sys.executable, str(tmp_path / "probe.py")], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(DEPLOY_DIR.parent)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == [
        "started", "['dagster_celery.core_execution_loop', 'dagster_postgres', 'kombu.transport.redis', 'pipelines.definitions']"]
