"""A whole deployment on this machine (`make cluster-demo`, tests/test_cluster.py): PostgreSQL
(Dagster's storage and the warehouse's DuckLake catalog), Redis, the code server, the daemon (`archive daemon`: Dagster's),
optionally the webserver, and Celery workers, each process in a group of its own, all stopped
by `stop()`. The environment it gives every process is what deploy/archive.env.example lists."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.deploy import code_server, daemon, reaper, servers

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
STOP_GRACE_S = 20.0


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def children(self) -> list[int]:
        """Processes whose parent is this one (a Celery worker's pool processes)."""
        return children_of(self.process.pid)

    def stop(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, signum)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + STOP_GRACE_S
            while time.monotonic() < deadline and reaper.group_alive(self.process.pid):
                self.process.poll()
                time.sleep(0.2)
            if not reaper.group_alive(self.process.pid):
                break
        self.process.wait(timeout=5) if self.process.poll() is None else None


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class LocalCluster:
    base: Path
    env: dict[str, str]
    postgres: servers.Postgres
    redis: servers.Redis
    services: list[Service] = field(default_factory=list)
    owns_base: bool = False  # a temporary folder made here: removed by stop()
    manifest: Path | None = None  # what the reaper stops if this process dies without stop()

    @property
    def dagster_home(self) -> Path:
        return Path(self.env["DAGSTER_HOME"])

    def start_service(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Service:
        log = self.base / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            process = subprocess.Popen(command, env={**self.env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True, cwd=self.base)
        service = Service(name, process, log)
        self.services.append(service)
        if self.manifest is not None:
            reaper.record(self.manifest, kind="group", pid=process.pid, name=name)
        return service

    def start_code_server(self, timeout_s: float = 180) -> Service:
        """The code server the workspace names (started once; the daemon, the webserver and
        `archive submit` reach it), waited for until it answers (bounded)."""
        for service in self.services:
            if service.name == "code-server" and service.alive():
                return service
        from dagster._grpc.client import DagsterGrpcClient

        host, port = self.env[code_server.HOST_SETTING], int(self.env[code_server.PORT_SETTING])
        service = self.start_service("code-server", code_server.command(host, port))
        client = DagsterGrpcClient(host=host, port=port)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not service.alive():
                raise servers.ServerError(f"the code server exited: see {service.log}")
            try:
                client.ping("")
                return service
            except Exception:  # not listening yet
                time.sleep(0.2)
        raise servers.ServerError(f"the code server did not answer within {timeout_s:.0f} s: see {service.log}")

    def start_daemon(self) -> Service:
        self.start_code_server()
        return self.start_service("daemon", daemon.command(str(self.dagster_home / "workspace.yaml")))

    def start_webserver(self, port: int) -> Service:
        self.start_code_server()
        return self.start_service("webserver", [_bin("dagster-webserver"), "-h", "127.0.0.1", "-p", str(port),
                                                "-w", str(self.dagster_home / "workspace.yaml")])

    def start_worker(self, name: str, readers: int = 1) -> Service:
        return self.start_service(f"worker-{name}", [_bin("archive"), "worker", "--name", name, "--concurrency", "1",
                                                     "--readers", str(readers)])

    def wait_for_workers(self, count: int, timeout_s: float = 120) -> None:
        """Until ``count`` workers answer a ping (bounded)."""
        from pipelines.deploy.celery import worker_app

        app = worker_app(self.env["ARCHIVE_CELERY_BROKER"])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            replies = app.control.ping(timeout=1.0) or []
            if len(replies) >= count:
                return
            dead = [s.name for s in self.services if not s.alive()]
            if dead:
                raise servers.ServerError(f"{', '.join(dead)} exited: see {self.base / 'logs'}")
        raise servers.ServerError(f"{count} Celery worker(s) did not answer within {timeout_s:.0f} s: see {self.base / 'logs'}")

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()
        self.redis.stop()
        self.postgres.stop()
        if self.manifest is not None:
            self.manifest.unlink(missing_ok=True)  # stopped in order: the reaper has nothing left to do
        if self.owns_base:
            shutil.rmtree(self.base, ignore_errors=True)


def _bin(name: str) -> str:
    """A program of this environment (the venv's bin/ beside this Python)."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else (shutil.which(name) or name)


def start_cluster(base: Path | None = None, files_per_run: int | None = None, extra_env: dict | None = None) -> LocalCluster:
    """PostgreSQL and Redis on free ports of 127.0.0.1, a Dagster home from deploy/, and the
    environment every process of the deployment gets. Services are started by the caller.
    ``files_per_run``: ARCHIVE_RUN_FILES (None: `archive submit` chooses from the batch and
    the workers, pipelines/deploy/submit.py)."""
    owns_base = base is None
    base = Path(base or tempfile.mkdtemp(prefix="archive-cluster-")).resolve()
    base.mkdir(parents=True, exist_ok=True)
    # If this process dies without stop() (SIGKILL, a closed terminal), the reaper stops it all.
    manifest = base / "reaper.manifest"
    reaper.start(manifest)
    if owns_base:
        reaper.record(manifest, kind="folder", path=str(base))
    try:
        postgres = servers.start_postgres(["dagster", "archive"])
    except BaseException:
        manifest.unlink(missing_ok=True)
        raise
    reaper.record(manifest, kind="postgres", **postgres.stop_command())
    reaper.record(manifest, kind="folder", path=str(postgres.base))
    try:
        redis = servers.start_redis()
    except BaseException:
        postgres.stop()
        manifest.unlink(missing_ok=True)
        raise
    reaper.record(manifest, kind="process", pid=redis.process.pid, name="redis")
    reaper.record(manifest, kind="folder", path=str(redis.base))
    home = base / "dagster"
    home.mkdir(exist_ok=True)
    shutil.copy(DEPLOY_DIR / "dagster.yaml", home / "dagster.yaml")
    shutil.copy(DEPLOY_DIR / "workspace.yaml", home / "workspace.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "ARCHIVE_DAGSTER_POSTGRES": postgres.url("dagster"),
        "ARCHIVE_WAREHOUSE": f"ducklake:postgres:{postgres.libpq('archive')}",
        "ARCHIVE_DATA_PATH": str(base / "lake"),
        "ARCHIVE_STATE_DIR": str(base / "state"),
        "ARCHIVE_EXECUTOR": "celery",
        "ARCHIVE_CELERY_BROKER": redis.url(0),
        code_server.HOST_SETTING: "127.0.0.1",
        code_server.PORT_SETTING: str(servers.free_port()),
        "OMP_THREAD_LIMIT": "1",
        **(extra_env or {}),
    }
    if files_per_run is not None:
        env["ARCHIVE_RUN_FILES"] = str(files_per_run)
    else:
        env.pop("ARCHIVE_RUN_FILES", None)
    return LocalCluster(base, env, postgres, redis, owns_base=owns_base, manifest=manifest)
