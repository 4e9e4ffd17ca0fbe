"""A real ``oefenkit serve`` process for HTTP and browser tests.

The kit is set up exactly as an administrator would: ``oefenkit init`` and
``oefenkit users add --password-stdin`` through the installed console script,
then ``oefenkit serve`` on a free loopback port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .runtime_env import RUNTIME_BIN

__all__ = ["LiveServer", "oefenkit_cmd", "PASSWORD"]

PASSWORD = "proef-wachtwoord-1"
#: The kit as it ships: the runtime-only environment's console script (see tests/runtime_env.py).
OEFENKIT = RUNTIME_BIN / "oefenkit"


def oefenkit_cmd(data_dir: Path, *args: str, stdin: str | None = None, check: bool = True,
                 env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(OEFENKIT), "--data-dir", str(data_dir), *args],
        input=stdin, text=True, capture_output=True, check=check, timeout=120,
        env={**os.environ, **(env or {})},
    )


def wait_until_healthy(process: subprocess.Popen, url: str, name: str, log, timeout: float) -> None:
    """Wait until ``url`` answers 200; RuntimeError with the log when ``process`` exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{name} did not come up in {timeout}s:\n{log()}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    data_dir: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    #: Extra environment of the server process (e.g. ``OEFENKIT_UPLOAD_MAX_MB``).
    env: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add_user(self, username: str, role: str, display_name: str | None = None) -> None:
        args = ["users", "add", username, "--role", role, "--password-stdin"]
        if display_name:
            args += ["--display-name", display_name]
        oefenkit_cmd(self.data_dir, *args, stdin=PASSWORD + "\n", env=self.env)

    def start(self, timeout: float = 90) -> "LiveServer":
        self.log_path = self.data_dir.parent / "server.log"
        log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            # with the anonymisation worker, as `./kit start` runs it
            [str(OEFENKIT), "--data-dir", str(self.data_dir), "serve", "--with-worker", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "JUPYTER_PLATFORM_DIRS": "1", **self.env},
        )
        wait_until_healthy(self.process, f"{self.base_url}/oefenkit/health", "oefenkit serve", self.log, timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # the server stops its kernels, then itself
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
