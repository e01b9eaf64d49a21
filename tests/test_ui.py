"""`archive ui` serves this warehouse's history under the project's code location name, and
stops with everything it started on SIGTERM or SIGINT, even started as a background job (which
inherits SIGINT as ignored)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ARCHIVE = str(Path(sys.executable).with_name("archive"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _wait_for_location(port: int, process: subprocess.Popen, timeout_s: float = 240) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "archive ui exited early"
        try:
            data = _graphql(port, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }")
            entries = data["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                return [e["name"] for e in entries]
        except OSError:
            pass
        time.sleep(1)
    raise AssertionError("the UI did not come up")


def _processes_with_home(home: Path) -> list[int]:
    """Processes whose environment names this Dagster home: what `archive ui` started."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"DAGSTER_HOME={home}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_archive_ui_stops_with_its_children_on_a_signal(tmp_path, signum):
    warehouse = tmp_path / "wh"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    port = _free_port()

    def background_job():  # what `archive ui &` in a script inherits
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    process = subprocess.Popen([ARCHIVE, "ui", "--port", str(port), "-w", str(warehouse)], env=env,
                               preexec_fn=background_job, start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    home = warehouse / "dagster"
    try:
        assert _wait_for_location(port, process) == ["bulletin_archive"]
        assert _processes_with_home(home), "the webserver and daemon run with this warehouse's instance"
        process.send_signal(signum)
        process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _processes_with_home(home) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_with_home(home) == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        for pid in _processes_with_home(home):
            os.kill(pid, signal.SIGKILL)
    output = process.stdout.read().decode(errors="replace")
    assert "superseded" not in output
