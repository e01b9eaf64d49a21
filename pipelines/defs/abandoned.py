"""Runs whose process ended before they did: marked failed, and the pool slots they held freed.

The loader runs in the pool `duckdb_writer` (one at a time). A run killed while its loader held
that slot (SIGKILL, a crash, the machine stopping) kept it for ever: Dagster frees a slot when
the step ends, and nobody ended this one, so every later load waited for it without a word —
`archive ingest`'s in-process runs, and the loader sensor's runs alike.

So each run says which process runs it, as ``host:pid:start`` (pipelines/core/runtime/
processes.py) in the tag ``archive/process``: `archive ingest` sets it when it starts a run, and
the loader sets it when its step starts (for the runs the daemon launches; the loader always
runs in its run's own process: the load job's executor is in-process). Before `archive ingest`
plans and before the loader sensor asks for a load, :func:`end_abandoned_runs` marks failed, with
the reason, every run in progress whose process is known to be gone, and frees every pool slot
held by a run that has ended. A process on another machine cannot be judged from here and is
left alone (a deployment's run monitoring covers its workers).
"""

from __future__ import annotations

import dagster as dg

from pipelines.core.runtime import processes

PROCESS_TAG = "archive/process"
_COMMANDS = ["ingest", "reprocess"]  # command-line runs: executed in-process by `archive`
_IN_PROGRESS = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                dg.DagsterRunStatus.CANCELING]


def end_abandoned_runs(instance: dg.DagsterInstance, sole_user: bool = False) -> list[str]:
    """The ids of the runs marked failed now. ``sole_user``: the caller holds the ingestion lock
    on an instance that is its warehouse's own, so a command-line run of an older version (no
    process tag) still "in progress" there cannot be running either."""
    ended = []

    def end(run: dg.DagsterRun, owner: str | None) -> None:
        where = ""
        if owner:
            host, pid, _start = owner.rsplit(":", 2)
            where = f" ({host.split('~')[0]}, pid {pid})"
        instance.report_run_failed(
            run, f"the process that ran it{where} ended before the run did (killed or crashed); "
                 "files it did not load are read again by the next ingestion")
        ended.append(run.run_id)

    for run in instance.get_runs(filters=dg.RunsFilter(statuses=_IN_PROGRESS, tags={"archive/command": _COMMANDS})):
        owner = run.tags.get(PROCESS_TAG)
        if (processes.gone(owner) is True) if owner else sole_user:
            end(run, owner)
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return ended
    for key in storage.get_concurrency_keys():
        info = storage.get_concurrency_info(key)
        for run_id in info.active_run_ids | {step.run_id for step in info.pending_steps}:
            run = instance.get_run_by_id(run_id)
            if run is not None and not run.is_finished and run_id not in ended:
                owner = run.tags.get(PROCESS_TAG)
                if not (owner and processes.gone(owner) is True):
                    continue  # running, or it cannot be told from here
                end(run, owner)
            storage.free_concurrency_slots_for_run(run_id)
    return ended


def tag_process(context: dg.AssetExecutionContext) -> None:
    """Record on the run the process executing it, unless it is recorded already."""
    run = context.run
    name = processes.this_process()
    if run.tags.get(PROCESS_TAG) != name:
        context.instance.add_run_tags(run.run_id, {PROCESS_TAG: name})
