"""The demo's query prints cleanly in a terminal of 130 columns: no line wider than the
terminal, no value cut in the middle (a table when it fits, else one record after another)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import ROOT, SAMPLES

ARCHIVE = Path(sys.executable).with_name("archive")


def sample_query() -> str:
    return re.search(r"^SAMPLE_QUERY := (.*)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M).group(1)


def test_the_demo_query_fits_130_columns(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    text = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_bytes()
    shutil.copy(SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt", raw)
    # a second file with a name as long as the scanned PDF's, as the demo has
    (raw / "bulletin-2014-05-hoi-nghi-bch-scan-copy.txt").write_bytes(text + b"\n")
    warehouse = tmp_path / "wh"
    assert CliRunner().invoke(app, ["ingest", str(raw), "-w", str(warehouse)]).exit_code == 0
    for columns in (130, 100, 200):
        done = subprocess.run([str(ARCHIVE), "sql", sample_query(), "-w", str(warehouse)], capture_output=True, text=True,
                              timeout=120, env=dict(os.environ, COLUMNS=str(columns), TERM="xterm"))
        assert done.returncode == 0, done.stderr
        lines = done.stdout.splitlines()
        assert max(len(line) for line in lines) <= columns, (columns, done.stdout)
        for value in ("bulletin-2014-05-hoi-nghi-bch-scan-copy.txt", "Viện Thông tin Khoa học Xã hội", '["Hồng Vân"]'):
            assert any(value in line for line in lines), (columns, value, done.stdout)
        assert "2 rows" in done.stdout
