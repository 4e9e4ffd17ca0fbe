"""The server's side of the kernel parent (``zygote.py``): start it, ask it for kernels.

:class:`KernelParent` starts ``python -m oefenkit.server.zygote`` with one end of a socket pair and
asks it to fork a kernel for a connection file. :class:`ForkingKernelManager` (the per-kernel
manager of :class:`~oefenkit.server.kernels.OefenkitKernelManager`) launches through it and falls
back to the normal start (a new ``python -m ipykernel_launcher``) whenever the parent is not ready,
died, refuses or is slow: a page never fails because of the parent. The forked kernel is not the
server's child; :class:`ForkedProcess` gives the provisioner the ``Popen`` calls it uses, by pid.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time

from jupyter_client.provisioning import LocalProvisioner
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from traitlets import default

from .zygote import KERNEL_FLAGS

__all__ = ["KernelParent", "ForkedProcess", "ForkingKernelManager"]

log = logging.getLogger(__name__)

#: Seconds the server waits for the parent's answer before starting the kernel the normal way.
ASK_TIMEOUT = 5.0


class ForkedProcess:
    """The part of ``subprocess.Popen`` the provisioner uses, for a kernel forked by the parent.

    The parent ignores ``SIGCHLD``, so a dead kernel disappears at once (no zombie): it is alive
    while its pid exists. The exit code is not known here (reported as -1)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
            except PermissionError:  # the pid was reused by someone else's process
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class KernelParent:
    """The kernel parent process of this server (one per server)."""

    def __init__(self, notebooks_dir: str | os.PathLike | None = None):
        self.notebooks_dir = notebooks_dir
        self.process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._reader = self._writer = None
        self._lock: asyncio.Lock | None = None
        self.ready = False
        self.forked = 0
        self.fallbacks = 0

    def start(self) -> "KernelParent":
        ours, theirs = socket.socketpair()
        ours.set_inheritable(False)
        cmd = [sys.executable, "-m", "oefenkit.server.zygote", "--fd", str(theirs.fileno())]
        if self.notebooks_dir:
            cmd += ["--notebooks", str(self.notebooks_dir)]
        self.process = subprocess.Popen(cmd, pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL,
                                        start_new_session=True, cwd=str(self.notebooks_dir or os.getcwd()))
        theirs.close()
        ours.setblocking(False)
        self._channel = ours
        log.info("Kernel parent started (pid %d)", self.process.pid)
        return self

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self._channel is not None

    async def _connect(self) -> None:
        # Called under the lock: one stream on the channel, however many pages ask at once.
        if self._reader is None:
            self._reader, self._writer = await asyncio.open_unix_connection(sock=self._channel)

    async def _wait_ready(self) -> bool:
        """Has the parent finished preloading? (Reads its first line without waiting.)"""
        if self.ready:
            return True
        try:
            line = await asyncio.wait_for(self._reader.readline(), 0.01)
        except asyncio.TimeoutError:
            return False
        if not line:
            raise ConnectionError("kernel parent closed")
        hello = json.loads(line)
        self.ready = bool(hello.get("ready"))
        if hello.get("failed"):
            log.warning("Kernel parent could not preload %s", hello["failed"])
        return self.ready

    async def fork(self, argv: list[str], env: dict, cwd: str) -> int | None:
        """The pid of a kernel forked for ``argv`` (``<python> -m ipykernel_launcher -f <file>``), or
        None when the parent cannot give one now (then the caller starts a kernel the normal way)."""
        if not self.alive():
            return None
        if self._lock is None:
            self._lock = asyncio.Lock()
        try:
            async with self._lock:
                await self._connect()
                if not await self._wait_ready():
                    return None
                request = {"argv": [str(a) for a in argv], "cwd": str(cwd),
                           "env": {str(k): str(v) for k, v in (env or {}).items()}}
                self._writer.write(json.dumps(request).encode() + b"\n")
                await self._writer.drain()
                line = await asyncio.wait_for(self._reader.readline(), ASK_TIMEOUT)
            answer = json.loads(line) if line else {}
        except (OSError, ValueError, ConnectionError, asyncio.TimeoutError) as exc:
            log.warning("Kernel parent failed (%s); starting kernels the normal way", exc)
            self.stop()
            return None
        if "pid" not in answer:
            log.warning("Kernel parent refused: %s", answer.get("error", answer))
            return None
        self.forked += 1
        return int(answer["pid"])

    def stop(self) -> None:
        channel, self._channel = self._channel, None
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:  # noqa: BLE001 - the loop may be gone already
                pass
        elif channel is not None:
            channel.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()


class ForkingKernelManager(ServerKernelManager):
    """A kernel manager that asks the server's kernel parent for the kernel process."""

    #: One event logger for every kernel of the server. jupyter_server builds a new one per kernel
    #: and parses its event schema (YAML) each time: ~10 ms of the server's CPU per page.
    _shared_event_logger = None

    @default("event_logger")
    def _default_event_logger(self):
        if ForkingKernelManager._shared_event_logger is None:
            ForkingKernelManager._shared_event_logger = super()._default_event_logger()
        return ForkingKernelManager._shared_event_logger

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel spec's command plus the app kernels' flags (:data:`zygote.KERNEL_FLAGS`), when it
        is the standard IPython kernel."""
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            cmd = [*cmd, *(f for f in KERNEL_FLAGS if f not in cmd)]
        return cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        parent = getattr(self.parent, "kernel_parent", None)
        provisioner = self.provisioner
        if parent is not None and type(provisioner) is LocalProvisioner and not provisioner.has_process:
            cwd = kw.get("cwd") or os.getcwd()
            env = {**(kw.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}  # as the launcher sets it
            pid = await parent.fork(kernel_cmd, env, cwd)
            if pid is not None:
                provisioner.process = ForkedProcess(pid)
                provisioner.pid = provisioner.pgid = pid  # the child called setsid()
                provisioner.cwd = cwd
                self._reconcile_connection_info(provisioner.connection_info)
                return
            parent.fallbacks += 1
        await super()._async_launch_kernel(kernel_cmd, **kw)
