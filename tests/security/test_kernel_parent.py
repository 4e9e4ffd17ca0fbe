"""Kernels forked from the kernel parent (``oefenkit/server/zygote.py``, ``kernelparent.py``).

A kernel handed to a page must carry nothing of any earlier page: every kernel is a fresh fork of
a parent that never bound a person, never opened the database and never built a widget. These
tests drive real kernels through the kit's kernel manager, as the server does: one kernel binds a
person, opens the kit, reads rows and builds widgets; the next kernel from the same parent must
show none of that. They also cover the bad cases: a kernel that dies after hand-out, and a dead
kernel parent (the next page gets a normally started kernel, never an error).

On the old main these fail: there is no kernel parent (``oefenkit.server.kernelparent`` does not
exist), so no kernel is forked.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

import pytest

from oefenkit.server.kernelparent import ForkedProcess
from oefenkit.server.kernels import OefenkitKernelManager

from ..live_server import oefenkit_cmd

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"

#: What a page leaves in its kernel: person and app, login session, the kit and its cached guard,
#: widgets, and rows read from the database (the people list of the kit's session page).
PROBE = """
import json, sys
import oefenkit.kernel as k, oefenkit.logins as lg, oefenkit.instance as inst
from ipywidgets.widgets import widget as _w
print(json.dumps({
    "person": getattr(k._person, "username", None), "app": getattr(k._app, "id", None),
    "address": k._address, "checked": k._checked is not None,
    "login_session": lg.current_login_session(),
    "kit_cached": inst._process_kit.cache_info().currsize, "guard": inst._kit_guard is not None,
    "kit_opened_here": inst._opened_in == __import__("os").getpid(),
    "live_kit_cached": k._live_kit.cache_info().currsize,
    "widgets": len(_w._instances),
    "rows": "cached_rows" in globals(),
    "pid": __import__("os").getpid(), "ppid": __import__("os").getppid(),
    "count": get_ipython().execution_count, "shell_kernel": get_ipython().kernel is not None,
    "history": get_ipython().history_manager.enabled,
    "debugger": getattr(get_ipython().kernel, "debugger", None) is not None,
}))
"""

DIRTY = """
import oefenkit.kernel, oefenkit.logins
oefenkit.kernel.bind_person("vorige.persoon", "session", "10.0.0.7")
oefenkit.logins.bind_login_session(4242)
from oefenkit.instance import current_kit
cached_rows = current_kit().list_active_people({"vorige.persoon"})
import ipywidgets as w
kept = [w.Text(value="geheim van de vorige"), w.IntSlider(value=7)]
"""


@pytest.fixture(scope="module")
def kit_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("kernelparent") / "data"
    oefenkit_cmd(data, "init")
    oefenkit_cmd(data, "users", "add", "vorige.persoon", "--role", "cursist", "--password-stdin",
                 stdin="proef-wachtwoord-1\n")
    return {**os.environ, "OEFENKIT_DATA_DIR": str(data)}


async def run(km: OefenkitKernelManager, kernel_id: str, code: str, timeout: float = 60) -> str:
    """Run ``code`` in the kernel; its stdout (raises on an error)."""
    client = km.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        out = []
        reply = await client.execute_interactive(code, timeout=timeout, output_hook=lambda msg: out.append(msg))
        assert reply["content"]["status"] == "ok", reply["content"]
        return "".join(m["content"].get("text", "") for m in out if m["header"]["msg_type"] == "stream")
    finally:
        client.stop_channels()


async def wait_parent_ready(km: OefenkitKernelManager, timeout: float = 90) -> None:
    parent = km.kernel_parent
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if parent._lock is None:
            parent._lock = asyncio.Lock()
        async with parent._lock:
            await parent._connect()
            if await parent._wait_ready():
                return
        await asyncio.sleep(0.2)
    raise AssertionError("kernel parent not ready")


def probe(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def test_forked_kernel_carries_nothing_of_a_previous_page(kit_env, tmp_path):
    """After a page bound person A, opened the kit, read rows and built widgets in its kernel, does
    the next kernel from the same parent start with no person, app, address, login session, kit,
    guard, widget or row — and was it really forked from the parent (its parent's pid)?"""
    async def scenario():
        km = OefenkitKernelManager(fork_kernels=True, root_dir=str(NOTEBOOKS), connection_dir=str(tmp_path))
        try:
            await wait_parent_ready(km)
            first = await km.start_kernel(path=str(NOTEBOOKS), env=kit_env)
            await run(km, first, DIRTY)
            dirty = probe(await run(km, first, PROBE))
            # the probe sees a bound page (so it could fail below)
            assert dirty["person"] == "vorige.persoon" and dirty["app"] == "session"
            assert dirty["login_session"] == 4242 and dirty["kit_cached"] == 1 and dirty["widgets"] >= 2
            assert dirty["rows"] and dirty["guard"]
            second = await km.start_kernel(path=str(NOTEBOOKS), env=kit_env)
            clean = probe(await run(km, second, PROBE))
            assert clean["ppid"] == km.kernel_parent.pid == dirty["ppid"]  # both forked by the parent
            assert clean["pid"] != dirty["pid"]
            # The kernel opens its own kit before its loop (zygote.open_kit_early): opened in this very
            # process, unguarded, with nothing read through it yet.
            assert {k: clean[k] for k in ("person", "app", "address", "checked", "login_session",
                                          "kit_cached", "kit_opened_here", "guard", "live_kit_cached",
                                          "widgets", "rows")} == {
                "person": None, "app": None, "address": None, "checked": False, "login_session": None,
                "kit_cached": 1, "kit_opened_here": True, "guard": False, "live_kit_cached": 0,
                "widgets": 0, "rows": False}
            # the shell made once in the parent: this kernel's copy has run only the probe, and the
            # kernel drives it; no history file (it would keep names and addresses) and no debugger
            assert clean["count"] == dirty["count"] - 1 and clean["shell_kernel"]  # dirty ran DIRTY first
            assert clean["history"] is dirty["history"] is False
            assert not clean["debugger"] and not dirty["debugger"]
            assert km.kernel_parent.forked == 2 and km.kernel_parent.fallbacks == 0
            await km.shutdown_all(now=True)
        finally:
            km.kernel_parent.stop()

    asyncio.run(scenario())


def test_kernel_dying_after_hand_out_and_dead_parent_fall_back(kit_env, tmp_path):
    """Does the manager see a forked kernel killed after hand-out as dead; when the kernel parent
    itself is killed, do its kernels end by themselves (no orphans), and does the next page get a
    normally started kernel that works (no error), counted as a fallback?"""
    async def scenario():
        km = OefenkitKernelManager(fork_kernels=True, root_dir=str(NOTEBOOKS), connection_dir=str(tmp_path))
        try:
            await wait_parent_ready(km)
            kid = await km.start_kernel(path=str(NOTEBOOKS), env=kit_env)
            kernel = km.get_kernel(kid)
            assert isinstance(kernel.provisioner.process, ForkedProcess)
            assert await kernel.is_alive()
            kernel.stop_restarter()  # the restarter would start it again; we test the detection
            os.kill(kernel.provisioner.pid, signal.SIGKILL)
            for _ in range(100):
                if not await kernel.is_alive():
                    break
                await asyncio.sleep(0.05)
            assert not await kernel.is_alive()
            await km.shutdown_kernel(kid, now=True)

            orphan = await km.start_kernel(path=str(NOTEBOOKS), env=kit_env)
            orphan_pid = km.get_kernel(orphan).provisioner.pid
            await run(km, orphan, "x = 1")
            os.kill(km.kernel_parent.pid, signal.SIGKILL)
            km.kernel_parent.process.wait(10)
            # a kernel whose parent is gone (the server died, so its parent left) ends by itself
            for _ in range(100):
                if not os.path.exists(f"/proc/{orphan_pid}"):
                    break
                await asyncio.sleep(0.1)
            assert not os.path.exists(f"/proc/{orphan_pid}"), "orphaned kernel still running"
            await km.shutdown_kernel(orphan, now=True)
            other = await km.start_kernel(path=str(NOTEBOOKS), env=kit_env)
            assert not isinstance(km.get_kernel(other).provisioner.process, ForkedProcess)
            assert km.kernel_parent.fallbacks == 1
            assert probe(await run(km, other, PROBE))["person"] is None
            await km.shutdown_all(now=True)
        finally:
            km.kernel_parent.stop()

    asyncio.run(scenario())
