"""scripts/system-packages: what a fresh machine lacks is installed, or the exact command is said.

The script runs for real with a PATH made of links to this machine's commands, minus the ones
a case leaves out, so it sees a machine without Chromium, or a user who is neither root nor
allowed to sudo without a password.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "system-packages"
COMMANDS = ["bash", "dpkg-query", "grep", "id", "apt-get", "npm", "node", "chromium", "wrk"]


def machine(tmp_path, leave_out=(), uid=None, sudo=None):
    """A bin directory with this machine's commands, some left out, `id` and `sudo` faked."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for command in COMMANDS:
        found = shutil.which(command)
        if command not in leave_out and found:
            (bin_dir / command).symlink_to(found)
    # The system's Python, not the virtual environment's (which needs its own directory).
    python = Path(sys.base_prefix) / "bin" / "python3"
    (bin_dir / "python3").symlink_to(python.resolve())
    if uid is not None:
        fake_id = bin_dir / "id"
        fake_id.unlink(missing_ok=True)
        fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
        fake_id.chmod(0o755)
    if sudo is not None:
        fake_sudo = bin_dir / "sudo"
        fake_sudo.write_text(f"#!/bin/sh\nexit {sudo}\n")
        fake_sudo.chmod(0o755)
    return str(bin_dir)


def run(profile, path):
    return subprocess.run(
        [shutil.which("bash"), str(SCRIPT), profile],
        env={"PATH": path, "HOME": os.environ.get("HOME", "/tmp")},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_to_do_on_a_machine_that_has_everything(tmp_path):
    for command in ["npm", "node", "chromium"]:
        if not shutil.which(command):
            pytest.fail(f"{command} should be installed by scripts/test before the suite runs")
    result = run("test", machine(tmp_path, uid=1000, sudo=1))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_a_user_who_cannot_install_is_told_the_exact_command(tmp_path):
    result = run("test", machine(tmp_path, leave_out={"chromium"}, uid=1000, sudo=1))
    assert result.returncode == 1
    assert "These system packages are missing: chromium." in result.stderr
    assert "  sudo apt-get update && sudo apt-get install -y chromium\n" in result.stderr


def test_without_sudo_at_all_the_same_command_is_said(tmp_path):
    result = run("bench", machine(tmp_path, leave_out={"chromium", "wrk"}, uid=1000))
    assert result.returncode == 1
    assert "sudo apt-get install -y chromium wrk" in result.stderr


def test_serving_does_not_ask_for_the_test_browser(tmp_path):
    result = run("run", machine(tmp_path, leave_out={"chromium", "wrk"}, uid=1000, sudo=1))
    assert result.returncode == 0, result.stderr


def test_an_unknown_use_is_refused(tmp_path):
    result = run("deploy", machine(tmp_path))
    assert result.returncode == 2
    assert "usage: scripts/system-packages run|test|bench" in result.stderr
