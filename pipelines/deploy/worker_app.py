"""`celery -A pipelines.deploy.worker_app worker`: what `archive worker` starts."""

import multiprocessing
import multiprocessing.process
import os

from celery.signals import task_prerun, worker_process_init

from pipelines.defs.history import set_dagster_env
from pipelines.deploy.celery import worker_app

set_dagster_env()
app = worker_app()
# The definitions, imported once here: the pool processes are forked from this one after it, so
# a step's task finds them loaded (otherwise each pool process's first step imported them,
# 1.5–2 CPU s, while its run waited).
import pipelines.definitions  # noqa: E402, F401


@worker_process_init.connect(weak=False)
@task_prerun.connect(weak=False)
def _may_start_processes(**_kwargs) -> None:
    """Celery's pool processes are 'daemonic', and Python refuses them children; a step reads
    each document in an isolated child process (pipelines/core/runtime/workers.py), which stops
    when its parent goes away. Lifted here, so that a step runs as on one machine (and a killed
    pool process still fails its step with WorkerLostError, which the run retry then covers)."""
    # Billiard's process object stands for the current process and refuses to be pickled,
    # which a forkserver needs: the pool process is given the standard library's own.
    multiprocessing.process._current_process = _PoolProcess()  # noqa: SLF001


class _PoolProcess(multiprocessing.process.BaseProcess):
    """What the standard library calls its main process (not daemonic, a picklable authkey)."""

    def __init__(self):  # noqa: D107 (BaseProcess.__init__ is for processes yet to start)
        self._identity = ()
        self._name = f"CeleryPoolProcess-{os.getpid()}"
        self._parent_pid = None
        self._popen = None
        self._closed = False
        self._config = {"authkey": multiprocessing.process.AuthenticationString(os.urandom(32)), "semprefix": "/mp"}


@worker_process_init.connect(weak=False)
def _start_readers_server(**_kwargs) -> None:
    """Each pool process starts its readers' server as it starts (after the handler above has
    made it a process that may have children): the server imports the readers and builds their
    caches while the worker waits for work, not while the first step of a batch waits for it."""
    from pipelines.core.runtime import workers

    try:
        workers.start_early()
    except OSError:  # no server now: the first step starts one, as before
        pass
