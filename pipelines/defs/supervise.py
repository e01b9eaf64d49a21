"""Run the Dagster webserver and daemon as one service that stops cleanly.

`dagster dev` does the same but is marked superseded in the pinned Dagster (by `dg dev`, whose
package has no release for this version), and a shell's background job inherits SIGINT as
ignored: `archive ui &` then survived Ctrl-C and SIGTERM alike. Here the children run in a
process group of their own; SIGINT or SIGTERM (whatever was inherited) stops the whole group,
politely first, then by force.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Sequence

GRACE_S = 15.0


def supervise(commands: Sequence[Sequence[str]], env: dict[str, str] | None = None) -> int:
    """Start every command, wait until one ends or a signal arrives, then stop them all.
    Returns 0 when stopped by a signal, else the exit code of the command that ended first."""
    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    group: int | None = None
    processes: list[subprocess.Popen] = []
    try:
        for command in commands:
            process = subprocess.Popen(list(command), env=env, preexec_fn=_child_setup(group or 0))
            group = group or process.pid
            processes.append(process)
        ended = None
        while stop["signal"] is None and ended is None:
            ended = next((p for p in processes if p.poll() is not None), None)
            time.sleep(0.2)
        return 0 if stop["signal"] is not None else (ended.returncode or 0)
    finally:
        _stop_group(group, processes)
        for s, handler in previous.items():
            signal.signal(s, handler)


def _child_setup(group: int):
    def setup() -> None:
        os.setpgid(0, group)  # 0: a new group led by the first child; then the others join it
        # default signal handling, not the SIG_IGN a background shell job inherits
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return setup


def _stop_group(group: int | None, processes: list[subprocess.Popen]) -> None:
    if group is None:
        return
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline:
            if all(p.poll() is not None for p in processes) and not _group_alive(group):
                return
            time.sleep(0.2)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
