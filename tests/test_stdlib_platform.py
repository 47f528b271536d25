"""`platform/` is a source root: `import platform` is always the standard library's module."""

from __future__ import annotations

import os
import platform
import socket
import subprocess
import sys
import sysconfig
import time
import types
import urllib.request
from pathlib import Path

import pytest

from condiviso.app import check_stdlib_platform

REPOSITORY = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
BIN = Path(sys.executable).parent


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "INSTANCE_PATH": str(tmp_path),
        "CONDIVISO_ENV_FILE": "/nonexistent",
        "REDIS_URL": "",
        "DATABASE_URL": "sqlite:///platform.sqlite",
    }


def test_platform_is_the_standard_library_under_pytest():
    assert str(REPOSITORY) in sys.path or any(Path(p).resolve() == REPOSITORY for p in sys.path)
    assert STDLIB in Path(platform.__file__).resolve().parents
    assert not (REPOSITORY / "platform" / "__init__.py").exists()


def test_a_shadowing_platform_package_stops_the_app(monkeypatch):
    fake = types.ModuleType("platform")
    fake.__file__ = str(REPOSITORY / "platform" / "__init__.py")
    monkeypatch.setitem(sys.modules, "platform", fake)
    with pytest.raises(RuntimeError, match="standard library"):
        check_stdlib_platform()


def test_platform_is_the_standard_library_under_the_flask_cli(tmp_path):
    result = subprocess.run(
        [str(BIN / "condiviso"), "plugins", "list"],
        cwd=REPOSITORY,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "branding" in result.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_platform_is_the_standard_library_under_gunicorn(tmp_path):
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "--workers", "1"],
        cwd=REPOSITORY,
        env={**_env(tmp_path), "PORT": str(port), "HOST": "127.0.0.1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    pytest.fail(f"gunicorn did not serve: {server.communicate()[0][-2000:]}")
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()
