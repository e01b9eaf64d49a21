"""The deployment profile for real (deploy/, docs/scaling.md): PostgreSQL for Dagster's storage and
the warehouse's DuckLake catalog, Redis as Celery's broker, the code server, the daemon (`archive daemon`, Dagster's)
and two Celery workers, all on 127.0.0.1 and stopped at the end. The same files ingested through
the deployment (`archive submit`: runs of one file each, steps on the workers) and through
`archive ingest` (one machine, in-process) give the same tables; a worker process killed with
SIGKILL in the middle of a step fails its run, Dagster retries it, and the tables are still the
same; every run is in the PostgreSQL run storage; a whole worker killed (its main process and
all under it, as when its machine is lost) in the middle of a step leaves its step to the other
worker, and the batch still ends complete. Skipped only when PostgreSQL's or Redis's programs
are missing (`make setup` installs them)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipelines.deploy import servers
from tests.conftest import SAMPLES

pytestmark = [pytest.mark.cluster]

# Bounded waits: each command, and the whole deployment's start.
COMMAND_TIMEOUT_S = 420
DEPLOYMENT_VARS = ("DAGSTER_HOME", "ARCHIVE_DAGSTER_POSTGRES", "ARCHIVE_WAREHOUSE", "ARCHIVE_DATA_PATH",
                   "ARCHIVE_STATE_DIR", "ARCHIVE_EXECUTOR", "ARCHIVE_CELERY_BROKER", "ARCHIVE_RUN_FILES")
# A step whose worker vanished is handed to another worker after this long (the deployment's
# default, 12 h, is for steps of any length; the test's steps take seconds).
VISIBILITY_TIMEOUT_S = 60
TABLES = {"files": "source_path", "documents": "document_id", "pages": "document_id, page_number",
          "articles": "article_id"}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    missing = servers.missing_programs()
    if missing:
        pytest.skip(f"the deployment test needs PostgreSQL's and Redis's programs; missing: {', '.join(missing)} "
                    "(`make setup` as root installs them)")
    from pipelines.deploy.cluster import start_cluster

    cluster = start_cluster(tmp_path_factory.mktemp("cluster"), files_per_run=1,
                            extra_env={"ARCHIVE_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT_S)})
    try:
        cluster.start_daemon()
        workers = [cluster.start_worker("one"), cluster.start_worker("two")]
        cluster.wait_for_workers(2, timeout_s=180)
        yield cluster, workers
    finally:
        cluster.stop()


def _folder(base: Path, name: str, sources: list[Path], texts: dict[str, str]) -> Path:
    folder = base / name
    folder.mkdir()
    for source in sources:
        shutil.copy(source, folder / source.name)
    for file_name, text in texts.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    return folder


def _bulletin(n: int) -> str:
    sample = (SAMPLES / "bulletin-2014-05-hoi-nghi-bch.txt").read_text(encoding="utf-8")
    return sample + f"\n\nTIN NGẮN SỐ {n}\n\nThư viện tỉnh số {n} tổ chức hội thảo về số hóa tài liệu ngày {n} tháng 6 năm 2014.\n"


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    assert result.returncode == 0, f"{command}: {result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def _one_machine_env(base: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARS}
    env.update(DAGSTER_HOME=str(base / "one-machine-dagster"), ARCHIVE_WAREHOUSE=str(base / "one-machine"),
               OMP_THREAD_LIMIT="1")
    return env


def _tables(env: dict[str, str]) -> dict[str, list[tuple]]:
    """Every row of the four tables, in key order, without timestamps (when a row was written)."""
    from pipelines.config import load_settings
    from pipelines.core.store import warehouse as wh
    from pipelines.core.store.location import from_settings

    saved = dict(os.environ)
    os.environ.update(env)
    try:
        location = from_settings(load_settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    rows = {}
    with wh.connect(location, read_only=True) as con:
        for table, key in TABLES.items():
            columns = [name for name, kind in con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position", [table]).fetchall() if not kind.startswith("TIMESTAMP")]
            rows[table] = con.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}").fetchall()
    return rows


def _submit(cluster, folder: Path) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-m", "pipelines.cli", "submit", str(folder), "--timeout", str(COMMAND_TIMEOUT_S - 30)],
                cluster.env)


def _ingest(env: dict[str, str], folder: Path) -> None:
    _run([sys.executable, "-m", "pipelines.cli", "ingest", str(folder)], env)


def test_the_deployment_loads_what_one_machine_loads_and_survives_a_killed_worker(deployment, tmp_path):
    cluster, workers = deployment
    one_machine = _one_machine_env(tmp_path)

    # A PDF with a text layer, a scanned PDF (OCR) and a text file: one run each.
    first = _folder(tmp_path, "first", [SAMPLES / "bulletin-2014-05-hoi-nghi-bch.pdf",
                                        SAMPLES / "bulletin-2014-05-hoi-nghi-bch-scan.pdf"],
                    {"tin-1.txt": _bulletin(1)})
    # The runs' processes are forked from the code server's forkserver, which has the
    # definitions imported (pipelines/deploy/code_server.py), not spawned afresh; it is up
    # before the first run, not started by it.
    (code_server,) = [s for s in cluster.services if s.name == "code-server"]

    def forkserver() -> list[int]:
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in code_server.children()}
        return [pid for pid, c in commands.items() if "multiprocessing.forkserver" in c and "pipelines.definitions" in c]

    before = forkserver()
    assert before, "no forkserver under the code server before the first run"
    submitted = _submit(cluster, first)
    assert "3 read in 3 run(s)" in submitted.stdout, submitted.stdout
    assert forkserver() == before
    _ingest(one_machine, first)
    deployed = _tables(cluster.env)
    assert deployed == _tables(one_machine)
    assert len(deployed["files"]) == 3 and len(deployed["pages"]) >= 3 and deployed["articles"]

    # A worker's process killed in the middle of a step: the scan's (OCR, the slowest), or
    # whichever step it is running when it starts reading.
    second = _folder(tmp_path, "second", [SAMPLES / "bulletin-2014-05-hoi-nghi-bch-scan.tif"],
                     {"tin-2.txt": _bulletin(2)})

    def kill_a_reading_worker() -> int | None:
        for worker in workers:
            for pool_process in worker.children():
                # Its step is reading a file: a reader process exists under the pool
                # process's forkserver (which itself stays between steps).
                if any(_children(child) for child in _children(pool_process)):
                    os.kill(pool_process, signal.SIGKILL)
                    return pool_process
        return None

    submitted, killed = _submit_while(cluster, second, kill_a_reading_worker)
    assert killed, "no worker process was caught in the middle of a step"
    assert "2 read in 2 run(s) (1 retried)" in submitted.stdout, submitted.stdout
    _ingest(one_machine, second)
    deployed = _tables(cluster.env)
    assert deployed == _tables(one_machine)
    assert len(deployed["files"]) == 5

    # Every run, the failed one and its retry included, is in the PostgreSQL run storage.
    import psycopg2

    with psycopg2.connect(cluster.postgres.libpq("dagster")) as con, con.cursor() as cursor:
        cursor.execute("SELECT pipeline_name, status, count(*) FROM runs GROUP BY 1, 2")
        counts = {(job, status): n for job, status, n in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM run_tags WHERE key = 'dagster/parent_run_id'")
        (retries,) = cursor.fetchone()
    assert counts.get(("read_files", "SUCCESS")) == 5, counts
    assert counts.get(("read_files", "FAILURE")) == 1, counts
    assert counts.get(("load_warehouse", "SUCCESS")) == 2, counts
    assert retries == 1


def _submit_while(cluster, folder: Path, catch) -> tuple[subprocess.CompletedProcess, list]:
    """`archive submit` of ``folder`` while a thread calls ``catch()`` every 50 ms until it
    returns what it killed (kept in the list returned) or the command's time is up."""
    caught: list = []
    stop = threading.Event()

    def watch() -> None:
        deadline = time.monotonic() + COMMAND_TIMEOUT_S
        while not stop.is_set() and time.monotonic() < deadline:
            found = catch()
            if found is not None:
                caught.append(found)
                return
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        submitted = _submit(cluster, folder)
    finally:
        stop.set()
        watcher.join(10)
    return submitted, caught


def _reading(worker) -> bool:
    """The worker's step is reading a file: a reader process exists under one of its pool
    processes' forkservers."""
    return any(_children(child) for pool_process in worker.children() for child in _children(pool_process))


def test_a_whole_worker_lost_mid_step_leaves_the_batch_complete(deployment, tmp_path):
    """Runs after the test above (same deployment, its files loaded). A whole worker is killed —
    its main process, its pool process and the reader, as when its machine goes away — while
    it reads a scan: its step stays unacknowledged in Redis, goes to the other worker after
    the visibility timeout, and the batch ends complete, each file once."""
    cluster, workers = deployment
    from pipelines.samples import seed_blocks, write_scanned_pdf

    third = _folder(tmp_path, "third", [], {"tin-3.txt": _bulletin(3)})
    seed = (Path(__file__).resolve().parents[1] / "scripts" / "seed_2014_05.txt").read_text(encoding="utf-8")
    write_scanned_pdf(third / "scan-3.pdf", [seed_blocks(seed.replace("\n\n", "\n\nBản tin số 3.\n\n", 1))] * 2, dpi=300)
    alive = [w for w in workers if w.alive()]
    assert len(alive) == 2
    def kill_a_whole_reading_worker() -> str | None:
        for worker in alive:
            if _reading(worker):
                os.killpg(worker.process.pid, signal.SIGKILL)
                return worker.name
        return None

    submitted, killed = _submit_while(cluster, third, kill_a_whole_reading_worker)
    assert killed, "no worker was caught in the middle of a step"
    assert "2 read in 2 run(s)" in submitted.stdout, submitted.stdout
    assert [w.name for w in workers if not w.alive()] == killed

    one_machine = _one_machine_env(tmp_path)
    _ingest(one_machine, third)
    deployed, alone = _tables(cluster.env), _tables(one_machine)
    assert len(deployed["files"]) == 7
    for table in TABLES:  # this batch's rows as on one machine, and every row once (rows hold lists: compared as text)
        # An article's row names the earlier article it repeats, which differs in a warehouse
        # holding only this batch: articles are compared by id.
        as_text = (lambda row: row[0]) if table == "articles" else repr
        rows = [as_text(row) for row in deployed[table]]
        assert {as_text(row) for row in alone[table]} <= set(rows), table
        assert len(set(rows)) == len(rows), table
    import psycopg2

    with psycopg2.connect(cluster.postgres.libpq("dagster")) as con, con.cursor() as cursor:
        cursor.execute("SELECT status, count(*) FROM runs WHERE pipeline_name = 'read_files' GROUP BY 1")
        counts = dict(cursor.fetchall())
    # The runs before (5 read, 1 failed then retried) and this batch's 2; a retry if Dagster
    # failed the run meanwhile is allowed (then its retry succeeded): none ends failed unretried.
    assert counts.get("SUCCESS") == 7, counts


def _children(pid: int) -> list[int]:
    from pipelines.deploy.cluster import children_of

    return children_of(pid)


OWNER = """
import json, os, signal, sys
from pathlib import Path
from pipelines.deploy.cluster import start_cluster
cluster = start_cluster(Path(sys.argv[1]))
service = cluster.start_service("sleeper", ["sleep", "600"])
print(json.dumps({"postgres": cluster.postgres.port, "redis": cluster.redis.port, "sleeper": service.process.pid,
                  "pg_base": str(cluster.postgres.base), "redis_base": str(cluster.redis.base)}), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # dies as a CI runner's time limit or a closed terminal kills it
"""


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_killed_owner_leaves_no_server_running(tmp_path):
    """The process that started a deployment is killed (no Python code of its runs): its reaper
    stops PostgreSQL, Redis and the services, and removes their folders."""
    missing = servers.missing_programs()
    if missing:
        pytest.skip(f"needs PostgreSQL's and Redis's programs; missing: {', '.join(missing)}")
    import json

    owner = subprocess.run([sys.executable, "-c", OWNER, str(tmp_path / "cluster")], capture_output=True, text=True,
                           timeout=COMMAND_TIMEOUT_S, cwd=Path(__file__).resolve().parents[1])
    assert owner.returncode == -signal.SIGKILL, owner.stderr[-2000:]
    started = json.loads(owner.stdout.strip().splitlines()[-1])
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        left = [name for name, port in (("postgres", started["postgres"]), ("redis", started["redis"])) if _listening(port)]
        if os.path.exists(f"/proc/{started['sleeper']}"):
            left.append("sleeper")
        if not left and not Path(started["pg_base"]).exists() and not Path(started["redis_base"]).exists():
            break
        time.sleep(0.5)
    assert not left, f"still running after the owner died: {left}"
    assert not Path(started["pg_base"]).exists() and not Path(started["redis_base"]).exists()
