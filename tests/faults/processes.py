"""Real processes the fault tests stop and start: a private `redis-server`, private PostgreSQL
clusters, and TCP servers that refuse or stall. None of them is the shared PostgreSQL (5432) or
Redis (6379): the tests never touch those."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
SHARED_PORTS = frozenset({5432, 6379})


def free_port() -> int:
    """A loopback port nobody listens on (never one of the shared services')."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port not in SHARED_PORTS:
            return port


def wait_until(check, timeout: float = 15.0, interval: float = 0.05) -> None:
    """Poll `check()` until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{getattr(check, '__name__', check)} still false after {timeout}s"
            )
        time.sleep(interval)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class PrivateRedis:
    """A `redis-server` of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: _answers(self.port))

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
        wait_until(lambda: not _answers(self.port))


class PostgresCluster:
    """A PostgreSQL cluster of the test's own: its own data folder and port, run as the
    `postgres` OS user when the tests run as root (as CI does)."""

    def __init__(self, data: Path, socket_dir: Path) -> None:
        self.data = data
        self.socket_dir = socket_dir
        self.port = free_port()
        self.running = False

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def _run(self, *args: str) -> None:
        command = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", f"{self.data}.log", "-w", "start"
        )
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        self.running = False


class PostgresClusters:
    """Clusters cloned from one `initdb` (run once: it is the slow part)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="condiviso-faults-pg-"))
        self._template = self.root / "template"
        self._clusters: list[PostgresCluster] = []
        self._chown(self.root)
        command = [
            str(PG_BIN / "initdb"),
            "-D",
            str(self._template),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @staticmethod
    def _chown(path: Path) -> None:
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def new(self, name: str) -> PostgresCluster:
        data = self.root / name
        subprocess.run(["cp", "-a", str(self._template), str(data)], check=True)
        cluster = PostgresCluster(data, self.root)
        cluster.start()
        self._clusters.append(cluster)
        return cluster

    def remove(self) -> None:
        for cluster in self._clusters:
            if cluster.running:
                cluster.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PlainServer:
    """A TCP server on loopback that accepts connections and then says nothing (a mail server
    or a Redis that stalls), until stopped."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.socket.listen(64)
        self._held: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self.socket.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                connection, _address = self.socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self.socket.close()
