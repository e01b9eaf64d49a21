"""Shared fixtures. Files the tests need are built by the tests themselves (pipelines.samples);
only the tests of the shared corpus need ../shared, and they skip with a message without it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "raw" / "samples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or a skip saying why the test cannot run on this clone."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared corpus at {path} (present on the project's machines, not in a user's clone)")
    return path


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    """No test writes the project's own warehouse or Dagster history."""
    base = tmp_path_factory.mktemp("env")
    monkeypatch.setenv("DAGSTER_HOME", str(base / "dagster"))
    monkeypatch.setenv("ARCHIVE_WAREHOUSE", str(base / "warehouse"))
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")


@pytest.fixture(autouse=True)
def _no_current_dagster_instance():
    """Each test starts as a fresh process does: no Dagster instance's state storage is the
    current one. An instance entered by one test and disposed later leaves a dead reference
    there, and the next test to build Definitions fails on it, depending on garbage collection."""
    from dagster._core.storage.defs_state.base import _current_storage

    _current_storage.set(None)
    yield
    _current_storage.set(None)


@pytest.fixture
def warehouse_dir(tmp_path) -> Path:
    """A warehouse folder (its catalog and data files are made by the first writer)."""
    return tmp_path / "wh"


def open_warehouse(warehouse: Path | str):
    """A read-only session on a warehouse (its last snapshot), as analysts open it."""
    from pipelines.core.store import warehouse as wh

    return wh.connect(warehouse, read_only=True)


needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed (run make setup)")


def pytest_report_header(config):
    return f"shared corpus: {'present' if SHARED.exists() else 'absent (corpus tests skip)'}; workers: {os.cpu_count()}"
