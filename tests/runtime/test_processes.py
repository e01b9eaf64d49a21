"""Naming a process so that a later one can tell whether it is still running."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from pipelines.core.runtime import processes


def test_this_process_is_running():
    name = processes.this_process()
    host, pid, start = name.rsplit(":", 2)
    assert host.split("~")[0] == socket.gethostname() and int(pid) == os.getpid()
    assert processes.gone(name) is False


def test_a_process_that_has_ended_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; print(open('/proc/self/stat').read().rsplit(')', 1)[1].split()[19]); sys.stdout.flush(); time.sleep(30)"],
                             stdout=subprocess.PIPE, text=True)
    start = child.stdout.readline().strip()
    name = f"{processes.machine()}:{child.pid}:{start}"
    assert processes.started(child.pid) == start
    assert processes.gone(name) is False
    child.kill()
    child.wait()
    child.stdout.close()
    assert processes.gone(name) is True


def test_a_reused_pid_is_not_the_process_that_had_it():
    """The pid is this test's own, but its start differs: another process had it before."""
    start = processes.started(os.getpid())
    assert processes.gone(f"{processes.machine()}:{os.getpid()}:{int(start) - 1}") is True


def test_a_killed_child_not_yet_waited_for_is_gone():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    name = f"{processes.machine()}:{child.pid}:{processes.started(child.pid)}"
    child.kill()
    for _ in range(200):  # until the kernel has made it a zombie
        if processes.gone(name):
            break
        import time

        time.sleep(0.01)
    assert processes.gone(name) is True
    child.wait()


def test_another_machines_process_or_a_bad_name_cannot_be_told():
    assert processes.gone(f"not-{socket.gethostname()}:1:1") is None
    # the same host name in another pid namespace (two containers named alike): cannot tell
    assert processes.gone(f"{socket.gethostname()}~1:{os.getpid()}:1") is None
    assert processes.gone("nonsense") is None
    assert processes.gone(f"{socket.gethostname()}:x:1") is None
