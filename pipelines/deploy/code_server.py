"""The deployment's code server (`archive code-server`): Dagster's own `dagster api grpc` for
the code location `bulletin_archive`, started once and kept running, that the daemon, the
webserver and `archive submit` reach at ARCHIVE_CODE_SERVER (deploy/workspace.yaml's
`grpc_server`), instead of each starting one of its own and loading the definitions again.

One change to Dagster's server: it starts each run's process (the run worker, with the
default run launcher) with multiprocessing's "spawn", a fresh Python that imports Dagster and
the definitions again — 1.5–2 CPU s a run, more on a busy machine, and the daemon waits for it
before it launches the next run. Here runs are started from a "forkserver" that has imported
them once: the run process is a fork of a process that has nothing running but the imports (no
gRPC thread, no database connection), so it starts in a fraction of a second and behaves as a
spawned one. Dagster is pinned (pyproject.toml); tests/test_cluster.py checks that run
processes come from the forkserver.

The forkserver is started with the code server, not at the first run (multiprocessing starts
it lazily): otherwise the first runs after a start or a deployment waited for it to import the
definitions (about 2 s). It imports, besides the definitions, what every run's process would
otherwise import on its own: the PostgreSQL storage Dagster's instance is made of, and the
Celery executor's client for Redis (about 1.5 s a run)."""

from __future__ import annotations

import multiprocessing
import os
import sys

HOST_SETTING = "ARCHIVE_CODE_SERVER_HOST"
PORT_SETTING = "ARCHIVE_CODE_SERVER_PORT"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4266
LOCATION = "bulletin_archive"
MODULE = "pipelines.definitions"
# What the forkserver imports once; a run's process is forked from it with these loaded: the
# definitions, the instance's storage (deploy/dagster.yaml) and the Celery executor's client
# (a module that is not installed is skipped by the forkserver).
PRELOAD = [MODULE, "dagster_postgres", "psycopg2", "dagster_celery.core_execution_loop", "dagster_celery.tasks",
           "kombu.transport.redis", "celery.backends.redis"]


def run_context(start: bool = False) -> multiprocessing.context.BaseContext:
    """The context runs' processes are started from; with ``start``, its forkserver is started
    now (it imports PRELOAD in the background) instead of at the first run."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    if start:
        from multiprocessing import forkserver

        forkserver.ensure_running()
    return context


def _patch_dagster() -> None:
    from dagster._grpc.server import DagsterApiServer

    original = DagsterApiServer.__init__
    if getattr(original, "_archive_forkserver", False):
        return

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if not hasattr(self, "_mp_ctx"):  # the attribute Dagster starts runs with: it moved, fail loudly
            raise RuntimeError("dagster._grpc.server.DagsterApiServer has no _mp_ctx: see pipelines/deploy/code_server.py")
        self._mp_ctx = run_context(start=True)

    __init__._archive_forkserver = True  # type: ignore[attr-defined]
    DagsterApiServer.__init__ = __init__


def command(host: str | None = None, port: int | None = None) -> list[str]:
    """The command line of the code server (what `archive code-server` and the local cluster run)."""
    host = host or os.environ.get(HOST_SETTING) or DEFAULT_HOST
    port = port or int(os.environ.get(PORT_SETTING) or DEFAULT_PORT)
    return [sys.executable, "-m", "pipelines.deploy.code_server", "-m", MODULE, "--location-name", LOCATION,
            "-h", host, "-p", str(port)]


def main(argv: list[str] | None = None) -> None:
    from pipelines.defs.history import set_dagster_env

    set_dagster_env()
    _patch_dagster()
    from dagster._cli.api import grpc_command

    grpc_command.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="archive code-server")


if __name__ == "__main__":
    main()
