"""A watchdog for a local deployment: when the process that started it dies without stopping it
(killed, its terminal closed, a CI runner's time limit), stop what it started.

`LocalCluster.stop()` stops everything in order. But the servers run in sessions of their own
(so that Ctrl-C reaches the demo, not each server) and PostgreSQL is daemonized by `pg_ctl`:
when the owner is killed with SIGKILL or SIGTERM, no Python code of its runs, and without this
the daemon, the workers, PostgreSQL and Redis would keep running (the daemon starting code
servers every few seconds) until the machine restarts.

The reaper is a process of its own, in a session of its own. It reads a manifest — one JSON
object a line, appended by the owner as it starts each piece — and, once the owner is gone,
stops every piece it lists, newest first. A normal `stop()` removes the manifest: the reaper
then exits without touching anything."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from pipelines.core.runtime import processes

POLL_S = 0.5
GRACE_S = 15.0


def start(manifest: Path, owner: int | None = None) -> subprocess.Popen:
    """A reaper for the pieces ``manifest`` will list, watching ``owner`` (this process)."""
    manifest.touch()
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.deploy.reaper", str(owner or os.getpid()), str(manifest)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )


def record(manifest: Path, **piece) -> None:
    """Add a piece: ``kind`` 'group' (pid: a process group), 'process' (pid), 'postgres'
    (pg_ctl, cluster, user_prefix: how to stop it) or 'folder' (path: removed last)."""
    with open(manifest, "a", encoding="utf-8") as out:
        out.write(json.dumps(piece) + "\n")
        out.flush()


def group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _signal_until_gone(send, alive) -> None:
    for signum in (signal.SIGTERM, signal.SIGKILL):
        try:
            send(signum)
        except (ProcessLookupError, PermissionError):
            return
        deadline = time.monotonic() + GRACE_S
        while time.monotonic() < deadline and alive():
            time.sleep(0.2)
        if not alive():
            return


def stop_piece(piece: dict) -> None:
    kind = piece.get("kind")
    if kind == "group":
        group = int(piece["pid"])
        _signal_until_gone(lambda s: os.killpg(group, s), lambda: group_alive(group))
    elif kind == "process":
        pid = int(piece["pid"])
        _signal_until_gone(lambda s: os.kill(pid, s), lambda: processes.running(pid))
    elif kind == "postgres":
        subprocess.run([*piece.get("prefix", []), piece["pg_ctl"], "-D", piece["cluster"], "-w", "-t", "30", "-m", "fast",
                        "stop"], capture_output=True)
    elif kind == "folder":
        shutil.rmtree(piece["path"], ignore_errors=True)


def reap(manifest: Path) -> None:
    """Stop every piece the manifest lists: processes first (newest first), folders last."""
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    pieces = [json.loads(line) for line in lines if line.strip()]
    for piece in sorted(reversed(pieces), key=lambda p: p.get("kind") == "folder"):
        try:
            stop_piece(piece)
        except Exception:  # one piece that will not stop must not keep the others running
            continue
    manifest.unlink(missing_ok=True)


def watch(owner: int, manifest: Path) -> None:
    while manifest.exists():
        if not processes.running(owner):
            reap(manifest)
            return
        time.sleep(POLL_S)


if __name__ == "__main__":
    watch(int(sys.argv[1]), Path(sys.argv[2]))
