"""Throwaway PostgreSQL and Redis servers on 127.0.0.1, in a folder of ours: for `make
cluster-demo` and the tests. Nothing here touches the system's own services; each server is
started in its own folder on a free port and stopped (then its folder removed) by `stop()`.

PostgreSQL's server programs refuse to run as root: when we are root they run as the
`postgres` user (which Debian's package creates), in a folder it owns."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

START_TIMEOUT_S = 60.0


class ServerError(RuntimeError):
    """A server's programs are missing, or it did not start."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or in Debian's versioned folder (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]), reverse=True)
    return candidates[0] if candidates else None


def missing_programs() -> list[str]:
    """What `make cluster-demo` and the cluster test need and this machine lacks."""
    missing = [name for name in ("initdb", "pg_ctl", "psql") if not postgres_bin(name)]
    if os.geteuid() == 0 and not shutil.which("runuser"):
        missing.append("runuser")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@dataclass
class Postgres:
    """A PostgreSQL cluster listening on 127.0.0.1:port (and a socket in its folder), trust auth."""

    base: Path
    port: int
    user: str = "postgres"
    databases: list[str] = field(default_factory=list)

    @property
    def cluster(self) -> Path:
        return self.base / "cluster"

    def url(self, database: str) -> str:
        """SQLAlchemy / psycopg URL (Dagster's storage)."""
        return f"postgresql+psycopg2://{self.user}@127.0.0.1:{self.port}/{database}"

    def libpq(self, database: str) -> str:
        """libpq key=value string (DuckLake's catalog: ducklake:postgres:<this>)."""
        return f"dbname={database} host=127.0.0.1 port={self.port} user={self.user}"

    def create_database(self, name: str) -> None:
        subprocess.run(_as_postgres([postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                                     "-q", "-c", f'CREATE DATABASE "{name}"']), check=True, capture_output=True)
        self.databases.append(name)

    def stop_command(self) -> dict:
        """How another process stops this server (pipelines.deploy.reaper)."""
        return {"prefix": _as_postgres([]), "pg_ctl": postgres_bin("pg_ctl"), "cluster": str(self.cluster)}

    def stop(self) -> None:
        subprocess.run(_as_postgres([postgres_bin("pg_ctl"), "-D", str(self.cluster), "-w", "-t", "30", "-m", "fast",
                                     "stop"]), capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)


def start_postgres(databases: list[str] = (), port: int | None = None) -> Postgres:
    """initdb in a new temporary folder (not under pytest's: the postgres user must reach it),
    then start the server on 127.0.0.1 and create ``databases``."""
    missing = [n for n in ("initdb", "pg_ctl", "psql") if not postgres_bin(n)]
    if missing:
        raise ServerError(f"PostgreSQL's programs are missing ({', '.join(missing)}): apt-get install postgresql")
    base = Path(tempfile.mkdtemp(prefix="archive-pg-"))
    sockets = base / "socket"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    server = Postgres(base, port or free_port())
    try:
        subprocess.run(_as_postgres([postgres_bin("initdb"), "-D", str(server.cluster), "-U", server.user, "--auth=trust",
                                     "-E", "UTF8", "--locale=C.UTF-8"]), check=True, capture_output=True)
        options = (f"-k {sockets} -p {server.port} -c listen_addresses=127.0.0.1 -c max_connections=200 "
                   "-c fsync=off -c synchronous_commit=off")
        subprocess.run(_as_postgres([postgres_bin("pg_ctl"), "-D", str(server.cluster), "-w", "-t", str(int(START_TIMEOUT_S)),
                                     "-l", str(base / "server.log"), "-o", options, "start"]), check=True, capture_output=True)
        for name in databases:
            server.create_database(name)
    except (subprocess.CalledProcessError, OSError) as exc:
        log = (base / "server.log").read_text(errors="replace")[-2000:] if (base / "server.log").exists() else ""
        detail = getattr(exc, "stderr", b"") or b""
        server.stop()
        raise ServerError(f"PostgreSQL did not start: {exc}: {detail.decode(errors='replace')[-1000:]}{log}") from exc
    return server


@dataclass
class Redis:
    base: Path
    port: int
    process: subprocess.Popen

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)
        shutil.rmtree(self.base, ignore_errors=True)


def start_redis(port: int | None = None) -> Redis:
    """redis-server on 127.0.0.1:port, no persistence, in a new temporary folder."""
    program = shutil.which("redis-server")
    if not program:
        raise ServerError("redis-server is missing: apt-get install redis-server")
    base = Path(tempfile.mkdtemp(prefix="archive-redis-"))
    port = port or free_port()
    process = subprocess.Popen(
        [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(base), "--logfile", str(base / "redis.log"), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Redis(base, port, process)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (base / "redis.log").read_text(errors="replace")[-2000:] if (base / "redis.log").exists() else ""
            server.stop()
            raise ServerError(f"redis-server exited with {process.returncode}: {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as con:
                con.sendall(b"PING\r\n")
                if con.recv(16).startswith(b"+PONG"):
                    return server
        except OSError:
            pass
        time.sleep(0.1)
    server.stop()
    raise ServerError(f"redis-server did not answer on 127.0.0.1:{port} within {START_TIMEOUT_S:.0f} s")
