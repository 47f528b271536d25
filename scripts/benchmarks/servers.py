"""Benchmark servers: Condiviso under gunicorn (`config/gunicorn.conf.py` as it is) on a free
loopback port, in a process group of its own, stopped however the benchmark ends."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from common import DOMAIN, BenchError, process_environment

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"


@dataclass(frozen=True)
class Server:
    name: str
    pid: int
    port: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(port: int, host: str, path: str) -> tuple[int, bytes]:
    """One GET with the given `Host`; (status, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_until_healthy(process: subprocess.Popen, port: int, log: Path) -> None:
    """Poll /healthz until the server answers; fail with the log's tail if it dies or hangs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"gunicorn exited with {process.returncode}; see {log}")
        with contextlib.suppress(OSError):
            if fetch(port, DOMAIN, "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within 60 s; see {log}")


def stop(process: subprocess.Popen) -> None:
    """Stop a gunicorn we started: TERM to its master, then KILL to its process group."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def serving(
    name: str,
    settings: Mapping[str, str],
    workers: int,
    app_args: Sequence[str] = (),
    *,
    logs: Path,
    **extra_env: str,
) -> Iterator[Server]:
    """A gunicorn with Condiviso's settings (config/gunicorn.conf.py), in a process group of its
    own, stopped however the block ends; its output goes to `logs/<name>.log`."""
    port = free_port()
    log = logs / f"{name}.log"
    env = process_environment(
        settings, HOST="127.0.0.1", PORT=str(port), WEB_CONCURRENCY=str(workers), **extra_env
    )
    command = [str(VENV_BIN / "gunicorn"), "-c", str(GUNICORN_CONF), *app_args]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_until_healthy(process, port, log)
            yield Server(name, process.pid, port, log)
        finally:
            stop(process)
