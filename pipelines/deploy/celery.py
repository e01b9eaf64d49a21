"""Celery for the deployment profile: the executor `read_files` uses when ARCHIVE_EXECUTOR=celery,
and the app its workers run (pipelines/deploy/worker_app.py, started by `archive worker`).

Both sides read the same environment variables, so that a worker on any machine takes the
steps the daemon's runs submit:

- ARCHIVE_CELERY_BROKER: the Redis URL (default redis://127.0.0.1:6379/0);
- ARCHIVE_CELERY_BACKEND: where step results go (default: the broker's Redis).

A worker takes one step at a time (prefetch 1) and acknowledges it only when it is done
(acks late): a worker process killed in the middle of a step fails that step with
"WorkerLostError", its run fails and Dagster's run retries run it again; a whole worker lost
(its machine gone) leaves the step unacknowledged, and its run is failed, then retried, by
run monitoring once it exceeds its maximum runtime (tag `dagster/max_runtime`).
"""

from __future__ import annotations

import os

EXECUTOR_SETTING = "ARCHIVE_EXECUTOR"
BROKER_SETTING = "ARCHIVE_CELERY_BROKER"
BACKEND_SETTING = "ARCHIVE_CELERY_BACKEND"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
QUEUE = "dagster"  # dagster-celery's queue

# Celery's own settings, the same in the executor (which submits) and in the workers (which
# run): fair dispatch, one step at a time, acknowledged when done.
CELERY_SETTINGS = {
    "worker_prefetch_multiplier": 1,
    "task_acks_late": True,
    "task_default_queue": QUEUE,
    "task_default_priority": 5,
    "result_expires": 7 * 24 * 3600,
    "broker_connection_retry_on_startup": True,
    "broker_transport_options": {
        # An unacknowledged step (its worker lost) is handed to another worker after this long;
        # longer than any step may take, so that a slow step is never run twice at once.
        "visibility_timeout": int(os.environ.get("ARCHIVE_CELERY_VISIBILITY_TIMEOUT") or 12 * 3600),
        "max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
    },
    "worker_hijack_root_logger": False,
}


def uses_celery() -> bool:
    return os.environ.get(EXECUTOR_SETTING, "").strip().lower() == "celery"


def broker_url() -> str:
    return os.environ.get(BROKER_SETTING) or DEFAULT_BROKER


def backend_url() -> str:
    return os.environ.get(BACKEND_SETTING) or broker_url()


# How often a run's process asks Redis whether its step is done (dagster-celery: 1 s). A step's
# end was noticed 0.5 s late on average, on every run; a check is one Redis round trip.
RESULT_POLL_S = 0.2


def executor():
    """dagster-celery's executor, configured from the environment (of the run worker: the
    daemon's machine), or None for Dagster's default (`archive ingest` runs in-process anyway)."""
    if not uses_celery():
        return None
    from dagster_celery import celery_executor, core_execution_loop

    core_execution_loop.TICK_SECONDS = RESULT_POLL_S

    return celery_executor.configured(
        {"broker": broker_url(), "backend": backend_url(), "config_source": CELERY_SETTINGS},
        name="celery",
    )


def worker_slots(timeout_s: float = 1.0) -> int:
    """Processes of the Celery workers that answer within ``timeout_s`` (each takes one step at
    a time); 0 when none does."""
    try:
        stats = worker_app().control.inspect(timeout=timeout_s).stats() or {}
    except Exception:  # the broker unreachable: as if no worker
        return 0
    return sum(int((s.get("pool") or {}).get("max-concurrency") or 1) for s in stats.values())


def worker_app(broker: str | None = None, backend: str | None = None):
    """The Celery app a worker runs: dagster-celery's step task, same broker and settings."""
    from dagster_celery.config import dict_wrapper
    from dagster_celery.make_app import make_app
    from dagster_celery.tasks import create_task

    app = make_app({"broker": broker or broker_url(), "backend": backend or broker or backend_url(), "include": [],
                    "config_source": dict_wrapper(dict(CELERY_SETTINGS))})
    create_task(app)
    return app
