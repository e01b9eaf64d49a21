"""Hardening: bad input, crashes mid-batch, concurrent runs, determinism, raw files untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.config import ReadOptions
from pipelines.core.runtime.document import process_document
from pipelines.samples import Block, write_scanned_tiff
from tests.conftest import SAMPLES, needs_tesseract, open_warehouse

runner = CliRunner()
TEXT = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
# Columns that record when, not what: left out when two warehouses are compared.
TIMESTAMPS = {"files": "seen_at", "documents": "ingested_at"}
TABLES = ["files", "documents", "pages", "articles", "ocr_words", "article_places", "article_people"]


def content(warehouse: Path, folder: Path) -> dict[str, list[tuple]]:
    """Every table's rows in a stable order, without timestamps, paths relative to ``folder``."""
    def relative(value):
        return value.replace(str(folder), "<raw>") if isinstance(value, str) else value

    with open_warehouse(warehouse) as con:
        out = {}
        for table in TABLES:
            columns = [f'"{c[0]}"' for c in con.execute(f"DESCRIBE {table}").fetchall() if c[0] != TIMESTAMPS.get(table)]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            out[table] = sorted((tuple(relative(v) for v in row) for row in rows), key=repr)
    return out


def make_batch(folder: Path, scans: int = 2) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(4):
        (folder / f"tin {n}.txt").write_text(TEXT.replace("lần thứ 4", f"lần thứ {n + 4}"), encoding="utf-8")
    for n in range(scans):
        write_scanned_tiff(folder / f"scan-{n}.tif", [[Block(f"TIN ẢNH {n}", "title"), Block(TEXT[100:700], "body")]])
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 truncated")
    return folder


def ingest_process(folder: Path, warehouse: Path, home: Path) -> subprocess.Popen:
    # faulthandler: a SIGABRT makes a hung ingestion print where each of its threads stood
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONFAULTHANDLER="1")
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ingest", str(folder), "-w", str(warehouse)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_hung(process: subprocess.Popen) -> str:
    """Stop an ingestion that does not end, with SIGABRT: faulthandler (set by ingest_process)
    prints where each of its threads stood. Its output, with those stacks."""
    process.send_signal(signal.SIGABRT)
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def checksums(folder: Path) -> dict[str, tuple[str, int]]:
    return {str(p): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The batch ingested once, cleanly: what every other way of ingesting must equal."""
    base = tmp_path_factory.mktemp("reference")
    folder = make_batch(base / "raw")
    warehouse = base / "wh"
    process = ingest_process(folder, warehouse, base / "dagster")
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 1, output  # broken.pdf failed, with its reason
    return folder, content(warehouse, folder)


@needs_tesseract
def test_killed_at_any_moment_the_next_run_completes_the_batch(reference, tmp_path):
    source, expected = reference
    folder = tmp_path / "raw"
    shutil.copytree(source, folder)
    warehouse = tmp_path / "wh"
    for delay in (0.5, 2.0, 3.5, 5.0):
        process = ingest_process(folder, warehouse, tmp_path / "dagster")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        if (warehouse / "catalog.sqlite").exists():
            try:
                con = open_warehouse(warehouse)
            except FileNotFoundError as exc:  # killed while the warehouse was first being made: it says so
                assert "run `archive ingest` first" in str(exc)
                continue
            with con:  # what analysts read is always whole
                content(warehouse, folder)
                assert con.execute("SELECT count(*) FROM files").fetchone()[0] <= len(expected["files"])
    process = ingest_process(folder, warehouse, tmp_path / "dagster")
    try:
        output = process.communicate(timeout=600)[0]
    except subprocess.TimeoutExpired:  # say where it stood: its threads' stacks, what else runs
        running = subprocess.run(["ps", "-eo", "pid,ppid,stat,etime,wchan:32,args"], capture_output=True, text=True).stdout
        output = stop_hung(process)
        lines = [line for line in running.splitlines() if line.split()[1:2] != ["2"]]  # not the kernel's threads
        pytest.fail(f"the ingestion after the kills did not end in 600 s:\n{output[-12000:]}\n" + "\n".join(lines)[-6000:])
    assert process.returncode in (0, 1), output  # 1 if broken.pdf was first read by this run
    assert content(warehouse, folder) == expected  # no duplicates, no losses


@needs_tesseract
def test_two_runs_started_together_end_as_one(reference, tmp_path):
    source, expected = reference
    folder = tmp_path / "raw"
    shutil.copytree(source, folder)
    warehouse = tmp_path / "wh"
    first = ingest_process(folder, warehouse, tmp_path / "dagster")
    second = ingest_process(folder, warehouse, tmp_path / "dagster")  # overlapping: the same folder
    outputs = [p.communicate(timeout=600)[0] for p in (first, second)]
    # Both finish; broken.pdf fails in whichever read it, the other finds it already recorded.
    assert sorted(p.returncode for p in (first, second)) == [0, 1], outputs
    assert any("waiting for it to finish" in o for o in outputs)
    assert content(warehouse, folder) == expected


@needs_tesseract
def test_order_and_repetition_do_not_change_the_tables(reference, tmp_path):
    source, expected = reference
    folder = tmp_path / "raw"
    shutil.copytree(source, folder)
    warehouse = tmp_path / "wh"
    files = sorted(folder.iterdir(), reverse=True)
    for chunk in (files[:3], files[3:], files):  # another order, in pieces, then all again
        runner.invoke(app, ["ingest", *map(str, chunk), "-w", str(warehouse)])
    assert content(warehouse, folder) == expected


def test_raw_files_are_never_modified_and_verify_says_so(tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    names = ["a b.txt", unicodedata.normalize("NFC", "Thư viện.txt"), unicodedata.normalize("NFD", "Hội nghị.txt")]
    for name in names:
        (folder / name).write_text(TEXT, encoding="utf-8")
    (folder / "empty.pdf").write_bytes(b"")
    before = checksums(folder)
    warehouse = tmp_path / "wh"
    runner.invoke(app, ["ingest", str(folder), "-w", str(warehouse)])
    assert checksums(folder) == before  # not modified, moved or deleted
    with open_warehouse(warehouse) as con:
        paths = {Path(r[0]).name for r in con.execute("SELECT source_path FROM files").fetchall()}
    assert paths == set(os.listdir(folder))  # spaces, NFC and NFD names all recorded as they are

    ok = runner.invoke(app, ["verify", str(folder), "-w", str(warehouse)])
    assert ok.exit_code == 0 and "Every file is represented and unchanged" in ok.output
    (folder / "a b.txt").write_text(TEXT + "sửa", encoding="utf-8")
    (folder / "new.txt").write_text("mới", encoding="utf-8")
    (folder / "empty.pdf").unlink()
    bad = runner.invoke(app, ["verify", str(folder), "-w", str(warehouse)])
    assert bad.exit_code == 1
    assert "1 not ingested" in bad.output and "1 changed since ingestion" in bad.output and "1 recorded but gone" in bad.output


def test_a_pdf_of_zero_pages_and_an_image_bomb_fail_with_reasons(tmp_path, monkeypatch):
    import pypdfium2 as pdfium

    empty = pdfium.PdfDocument.new()
    empty.save(str(tmp_path / "zero.pdf"))
    result = process_document(tmp_path / "zero.pdf", "z", "application/pdf", ReadOptions())
    assert result.status == "failed" and "no pages" in result.error

    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # a small limit stands for a huge image
    Image.new("L", (100, 100), 255).save(tmp_path / "bomb.png")
    result = process_document(tmp_path / "bomb.png", "b", "image/png", ReadOptions())
    assert result.status == "failed" and result.error.startswith("image too large to read safely")


def test_a_folder_that_disappears_mid_scan_is_reported(tmp_path, monkeypatch):
    folder = tmp_path / "raw"
    (folder / "later").mkdir(parents=True)
    (folder / "tin.txt").write_text(TEXT, encoding="utf-8")
    (folder / "later" / "b.txt").write_text(TEXT, encoding="utf-8")
    real_walk = os.walk

    def walk_then_vanish(top, *args, **kwargs):
        for n, entry in enumerate(real_walk(top, *args, **kwargs)):
            yield entry
            # gone after the top folder was listed by the run's own scan (the read-ahead's scan,
            # on its thread, comes first and finds it whole)
            if n == 0 and threading.current_thread().name != "read-ahead":
                shutil.rmtree(folder / "later")

    monkeypatch.setattr(os, "walk", walk_then_vanish)
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(tmp_path / "wh")])
    assert result.exit_code == 1
    assert "later" in result.output and "cannot list folder" in result.output
    with open_warehouse(tmp_path / "wh") as con:
        assert con.execute("SELECT count(*) FROM files").fetchone() == (1,)  # what was there is in


def test_an_unreadable_file_gets_a_row_and_a_reason(tmp_path, monkeypatch):
    from pipelines.core.read import files

    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "locked.pdf").write_bytes(b"%PDF-1.4")
    real = files.sha256_file

    def denied(path, *args, **kwargs):
        if Path(path).name == "locked.pdf":
            raise PermissionError(13, "Permission denied")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(files, "sha256_file", denied)  # root reads everything: simulate a chmod 000
    result = runner.invoke(app, ["ingest", str(folder), "-w", str(tmp_path / "wh")])
    assert result.exit_code == 1
    with open_warehouse(tmp_path / "wh") as con:
        row = con.execute("SELECT d.document_id, d.status, d.error FROM files f JOIN documents d USING (document_id)").fetchone()
    assert row[0].startswith("unreadable:") and row[1:] == ("failed", "permission denied: the file cannot be read")


def test_a_2000_page_pdf_is_read_within_the_memory_cap(tmp_path):
    import pypdfium2 as pdfium

    from pipelines.core.runtime.workers import run_isolated
    from pipelines.samples import write_text_pdf

    one = write_text_pdf(tmp_path / "one.pdf", [[Block("Trang bản tin: hội nghị thư viện.", "body")]])
    big = pdfium.PdfDocument.new()
    big.import_pages(pdfium.PdfDocument(str(one)), [0] * 2000)
    big.save(str(tmp_path / "big.pdf"))
    (outcome,) = run_isolated(process_document, [("big", (tmp_path / "big.pdf", "big", "application/pdf", ReadOptions()))],
                              memory_limit_mb=2048, timeout_s=600)
    assert outcome.error is None, outcome.error
    assert outcome.value.status == "ok" and outcome.value.page_count == 2000


def test_a_warehouse_killed_while_first_made_is_refused_to_readers_then_made_by_the_next_ingest(tmp_path):
    """Killed at the very start, an ingestion can leave the catalog's SQLite file with nothing
    in it yet: readers are told there is no warehouse yet, and the next ingestion makes it."""
    import sqlite3

    from pipelines.config import load_settings
    from pipelines.defs.runner import run_ingest

    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    sqlite3.connect(warehouse / "catalog.sqlite").close()  # the file, no tables: as a kill leaves it
    with pytest.raises(FileNotFoundError, match="run `archive ingest` first"):
        open_warehouse(warehouse)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "tin.txt").write_text("TIN NGẮN\n\nNgày 5/6/2016, thư viện tỉnh mở thêm phòng đọc cho thiếu nhi.\n",
                                 encoding="utf-8")
    report = run_ingest(load_settings().with_warehouse(warehouse), [raw])
    assert report.success, report.run_error
    with open_warehouse(warehouse) as con:
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 1


def test_a_run_killed_holding_the_loaders_slot_does_not_stop_the_next_ingestion(tmp_path):
    """A run killed while its loader held the `duckdb_writer` pool slot (one at a time) kept it
    for ever: every later `archive ingest` waited for it without a word (seen in CI as a
    SIGKILL test that did not end). The next ingestion marks such runs failed, with the
    reason, and frees their slots."""
    import dataclasses

    import dagster as dg

    from pipelines.config import load_settings
    from pipelines.core.runtime import processes
    from pipelines.definitions import defs
    from pipelines.defs.abandoned import PROCESS_TAG
    from pipelines.defs.runner import project_instance

    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "tin.txt").write_text(TEXT, encoding="utf-8")
    home = tmp_path / "dagster"
    settings = load_settings().with_warehouse(tmp_path / "wh")
    instance = project_instance(dataclasses.replace(settings, dagster_home_override=home))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])  # a process that has ended: its pid is free
    dead.wait()
    owner = f"{processes.machine()}:{dead.pid}:1"
    run = instance.create_run_for_job(defs.resolve_job_def("load_warehouse"), status=dg.DagsterRunStatus.STARTED,
                                      tags={"archive/command": "ingest", PROCESS_TAG: owner})
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default("duckdb_writer")
    claim = storage.claim_concurrency_slot("duckdb_writer", run.run_id, "warehouse_tables")
    assert claim.is_claimed
    process = ingest_process(folder, tmp_path / "wh", home)
    try:
        output = process.communicate(timeout=240)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail("the ingestion waited for the slot of a run whose process had ended")
    assert process.returncode == 0, output
    assert "1 earlier run(s) marked failed" in " ".join(output.split()), output
    instance = project_instance(dataclasses.replace(settings, dagster_home_override=home))
    old = instance.get_run_by_id(run.run_id)
    assert old.status.value == "FAILURE"
    failure = [e for e in instance.all_logs(run.run_id) if e.dagster_event and e.dagster_event.event_type_value == "PIPELINE_FAILURE"]
    assert "ended before the run did" in failure[-1].dagster_event.message
    assert not storage.get_concurrency_info("duckdb_writer").claimed_slots
    with open_warehouse(tmp_path / "wh") as con:
        assert con.execute("SELECT count(*) FROM files").fetchone()[0] == 1
