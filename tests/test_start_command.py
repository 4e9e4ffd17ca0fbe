"""The README's start command and `oefenkit serve` at start-up."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from oefenkit.settings import DEFAULT_PORT, PROJECT_ROOT

from .live_server import OEFENKIT
from .runtime_env import RUNTIME_BIN


def _port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_kit_start_serves_the_dutch_login_page_on_8866(tmp_path):
    """Does `./kit start` set up the database and serve the Dutch login page on :8866?"""
    if _port_in_use(DEFAULT_PORT):
        pytest.fail(f"port {DEFAULT_PORT} is taken by another process; stop it to run this test")
    # The runtime-only environment (tests/runtime_env.py): what ./kit start installs.
    env = {**os.environ, "OEFENKIT_VENV": str(RUNTIME_BIN.parent), "OEFENKIT_DATA_DIR": str(tmp_path / "data")}
    log = open(tmp_path / "start.log", "wb")
    proc = subprocess.Popen([str(PROJECT_ROOT / "kit"), "start"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        page = None
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{DEFAULT_PORT}/login", timeout=2) as r:
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.3)
        output = (tmp_path / "start.log").read_text(errors="replace")
        assert page is not None, f"no login page on :{DEFAULT_PORT}\n{output}"
        assert '<html lang="nl">' in page and 'name="username"' in page and 'name="password"' in page
        # the database was created and migrated, the sample content loaded, the first account made
        assert (tmp_path / "data" / "oefenkit.sqlite3").is_file()
        assert re.search(r"wachtwoord: \S{12,}", (tmp_path / "data" / "eerste-beheerder.txt").read_text())
        assert "Eerste coördinator aangemaakt" in output
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_serve_with_unreachable_database_says_so_and_stops(tmp_path):
    """Does `oefenkit serve` on an unreachable database stop at once with a clear Dutch message?"""
    result = subprocess.run(
        [str(OEFENKIT), "--data-dir", str(tmp_path), "--database-url", "postgresql://nobody@127.0.0.1:1/oefenkit",
         "serve", "--port", "1"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 3
    assert "De database is niet bereikbaar" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_an_unmigrated_database_asks_for_init(tmp_path):
    """Does `oefenkit serve` refuse an empty database and point to `oefenkit init`?"""
    result = subprocess.run([str(OEFENKIT), "--data-dir", str(tmp_path), "serve", "--port", "1"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 3
    assert "oefenkit init" in result.stderr
    assert not Path(tmp_path, "eerste-beheerder.txt").exists()


def test_serve_on_a_taken_port_says_so(tmp_path):
    """Does `oefenkit serve` on a port that is already taken stop with a Dutch message?"""
    from .live_server import oefenkit_cmd

    oefenkit_cmd(tmp_path, "init")
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = oefenkit_cmd(tmp_path, "serve", "--port", str(port), check=False)
    assert result.returncode == 2
    assert f"Poort {port}" in result.stderr and "al in gebruik" in result.stderr


def test_kit_oefenkit_runs_the_command_line_without_activating_the_environment(tmp_path):
    """Does `./kit oefenkit …` (the README's form) run the kit's command line from the local environment?"""
    env = {**os.environ, "OEFENKIT_VENV": str(RUNTIME_BIN.parent), "OEFENKIT_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([str(PROJECT_ROOT / "kit"), "oefenkit", "init"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "Eerste coördinator aangemaakt" in done.stdout
    assert (tmp_path / "data" / "oefenkit.sqlite3").is_file()


def test_kit_start_without_venv_module_says_in_dutch_what_to_install(tmp_path):
    """On a Debian without python3-venv, does `./kit start` stop with the package to install,
    instead of a half-made environment?"""
    fake = tmp_path / "bin"
    fake.mkdir()
    python = fake / "python3.11"
    python.write_text("#!/bin/sh\n"
                      "case \"$*\" in\n"
                      "  *ensurepip*) echo 'No module named ensurepip' >&2; exit 1 ;;\n"
                      "  *print*) echo 3.11 ;;\n"
                      "esac\n"
                      "exit 0\n")
    python.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}{os.pathsep}/usr/bin:/bin", "OEFENKIT_VENV": str(tmp_path / "venv")}
    done = subprocess.run([str(PROJECT_ROOT / "kit"), "start"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "apt-get install python3.11-venv" in done.stderr, done.stderr
    assert not (tmp_path / "venv").exists()
