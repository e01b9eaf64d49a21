"""Helpers for driving the reading room as a person would: `archive review` in its own process,
and Debian's chromium through Playwright (never a downloaded browser)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARCHIVE = Path(sys.executable).with_name("archive")
START_WAIT_S = 180


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def archive(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """`archive …` in its own process, as a user runs it."""
    return subprocess.run([str(ARCHIVE), *args], capture_output=True, text=True, timeout=timeout, env=dict(os.environ))


@contextlib.contextmanager
def reading_room(warehouse: Path, *extra: str):
    """`archive review` started on a free port; yields (process, url) once it answers. What it
    printed is shown if the test fails (pytest prints captured output)."""
    port = free_port()
    log = tempfile.NamedTemporaryFile("w+", prefix="review-", suffix=".log", delete=False)
    process = subprocess.Popen([str(ARCHIVE), "review", "-w", str(warehouse), "--port", str(port), *extra],
                               stdout=log, stderr=subprocess.STDOUT, text=True, env=dict(os.environ))
    try:
        url = None
        deadline = time.monotonic() + START_WAIT_S
        while time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"Reading room on (\S+)", Path(log.name).read_text(encoding="utf-8"))
            if found and _answers(port):
                url = found.group(1)
                break
            time.sleep(0.3)
        if url is None:
            raise RuntimeError(f"archive review did not start: {Path(log.name).read_text(encoding='utf-8')}")
        yield process, url
    finally:
        print("archive review printed:\n" + Path(log.name).read_text(encoding="utf-8"))
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
        log.close()
        os.unlink(log.name)


def _answers(port: int) -> bool:
    with contextlib.closing(socket.socket()) as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextlib.contextmanager
def chromium(viewport=(1400, 1000)):
    """A browser context of Debian's chromium with a fresh profile."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile, sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": viewport[0], "height": viewport[1]},
        )
        context.set_default_timeout(30_000)
        try:
            yield context
        finally:
            context.close()
