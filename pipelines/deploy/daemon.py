"""The deployment's daemon (`archive daemon`): Dagster's own `dagster-daemon run` (the run
queue, run retries, run monitoring, sensors, schedules), with one change: its instance keeps
a pooled connection to PostgreSQL, as Dagster's webserver does, instead of opening and closing
one for every query. Dagster's PostgreSQL storage opens a connection per query by default; the
daemon's loops query several times a second, and each new connection is a PostgreSQL backend
started and torn down: about 7 a second and 11 ms of PostgreSQL's CPU each, measured here
(nearly a tenth of a core, taken from the workers on a machine that also reads). Dagster is
pinned (pyproject.toml); tests/deploy/test_services.py checks that the daemon's instance is pooled."""

from __future__ import annotations

import contextlib
import sys

# The daemon's kept connection: the defaults of Dagster's webserver, with no statement timeout
# (the daemon's queries are its own, not a user's).
POOL_RECYCLE_S = 3600
POOL_MAX_OVERFLOW = 20


def pooled(instance) -> None:
    """Make ``instance`` keep a connection open (and reuse it) for its storage's queries."""
    instance.optimize_for_webserver(statement_timeout=0, pool_recycle=POOL_RECYCLE_S, max_overflow=POOL_MAX_OVERFLOW)


def _patch_dagster() -> None:
    from dagster._daemon import cli as daemon_cli

    original = daemon_cli.get_instance_for_cli
    if getattr(original, "_archive_pooled", False):
        return

    @contextlib.contextmanager
    def get_instance_for_cli(*args, **kwargs):
        with original(*args, **kwargs) as instance:
            pooled(instance)
            yield instance

    get_instance_for_cli._archive_pooled = True  # type: ignore[attr-defined]
    daemon_cli.get_instance_for_cli = get_instance_for_cli


def command(workspace: str) -> list[str]:
    """The daemon's command line (what `archive daemon` and the local cluster run)."""
    return [sys.executable, "-m", "pipelines.deploy.daemon", "-w", workspace]


def main(argv: list[str] | None = None) -> None:
    from pipelines.defs.history import set_dagster_env

    set_dagster_env()
    _patch_dagster()
    from dagster._daemon.cli import run_command

    run_command.main(args=list(sys.argv[1:] if argv is None else argv), prog_name="archive daemon")


if __name__ == "__main__":
    main()
