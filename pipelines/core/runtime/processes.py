"""Which process is this, and is a process named that way still running?

A record written by a process (a run's tag, a lock's note) names it as ``host:pid:start``:
the pid alone is not enough, since a pid is reused once its process has ended (on a busy
machine with Linux's default 32,768 pids, within minutes). ``start`` is when the process
started (Linux: clock ticks since boot, from /proc; elsewhere empty, and the pid alone decides).
``host`` is the machine's name and, on Linux, its process namespace (``name~4026531836``): two
containers given the same host name do not see each other's pids, and must not judge them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command's name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def started(pid: int) -> str | None:
    """When process ``pid`` started, as the kernel counts it; None when unknown or gone."""
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None  # stat's field 22


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and has not ended (a zombie, ended but not yet waited
    for by its parent, has); another user's process counts as running."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _stat(pid)
    return not (fields and fields[0] == "Z")


def machine() -> str:
    """This machine's name, with the pid namespace this process sees when the system says."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")  # 'pid:[4026531836]'
    except OSError:
        return socket.gethostname()
    digits = "".join(ch for ch in namespace if ch.isdigit())
    return f"{socket.gethostname()}~{digits}" if digits else socket.gethostname()


def this_process() -> str:
    """This process's name for records: ``host:pid:start``."""
    pid = os.getpid()
    return f"{machine()}:{pid}:{started(pid) or ''}"


def gone(name: str) -> bool | None:
    """True when the process ``name`` (from :func:`this_process`) has ended, False when it is
    running, None when this machine cannot tell (another host, or a name it cannot read)."""
    try:
        host, pid_text, start = name.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return None
    if host != machine() or pid <= 0:
        return None
    if not running(pid):
        return True
    now = started(pid)
    return bool(start and now is not None and now != start)  # True: a later process has the pid
