"""Issue 13, finding 5: kernels are bounded per person, server-wide, and in time without a page.

* 15 page loads by one cursist leave at most ``OEFENKIT_MAX_KERNELS_PER_PERSON`` (4) kernels, and the
  page that closed an older one says so (Chromium).
* Past the server-wide cap (``OEFENKIT_MAX_KERNELS``, set low here) a page load gets the Dutch
  "Even geduld" page (503, Retry-After, a retry link, trying again by itself) and no kernel starts.
* A kernel whose websocket was closed is shut down after ``OEFENKIT_KERNEL_CULL_DISCONNECTED``
  seconds (shortened here); while a page is connected it keeps running.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from oefenkit.errors import ConfigurationError
from oefenkit.settings import load_settings

from ..browser.conftest import chromium_browser, dutch_page
from ..browser.test_login_landing import login
from ..live_server import LiveServer, oefenkit_cmd
from .kernel_client import api, kernel_info_over_websocket, logged_in, open_page

START = "/voila/render/start.ipynb"
PRACTICE = "/voila/render/training/oefenen.ipynb"


def kit_server(tmp_path_factory, name: str, **env) -> LiveServer:
    data_dir = tmp_path_factory.mktemp(name) / "data"
    oefenkit_cmd(data_dir, "init")
    server = LiveServer(data_dir, env=env)
    server.add_user("cursist1", "cursist", "Cursist Een")
    server.add_user("cursist2", "cursist", "Cursist Twee")
    return server.start()


def kernel_pids(server: LiveServer) -> dict[int, int]:
    """The server's app kernels (its ipykernel child processes, and the children of its kernel parent:
    kernels forked from it, see oefenkit/server/zygote.py) with their resident sizes (bytes)."""
    procs = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue
        rss = next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        procs[int(proc.name)] = (ppid, cmdline, rss)
    parents = {pid for pid, (ppid, cmdline, _) in procs.items()
               if ppid == server.process.pid and b"oefenkit.server.zygote" in cmdline}
    return {pid: rss for pid, (ppid, cmdline, rss) in procs.items()
            if (ppid == server.process.pid and b"ipykernel" in cmdline) or ppid in parents}


def kernel_sizes(server: LiveServer) -> list[int]:
    """Resident sizes (bytes) of the server's app kernels."""
    return list(kernel_pids(server).values())


def kernel_processes(server: LiveServer) -> int:
    return len(kernel_sizes(server))


def own_kernels(client) -> list[str]:
    status, body = api(client, "GET", "/api/kernels")
    assert status == 200
    return [k["id"] for k in json.loads(body)]


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    server = kit_server(tmp_path_factory, "limits")
    yield server
    server.stop()


@pytest.mark.browser
def test_fifteen_page_loads_leave_at_most_four_kernels(default_server, report):
    """Do 15 page loads by one cursist leave ≤ 4 kernels (own list and real processes), keep the newest,
    and does the next page, in Chromium, say that an older page was closed?"""
    client = logged_in(default_server.base_url, "cursist1")
    opened = [open_page(client, START) for _ in range(15)]
    mine = own_kernels(client)
    assert len(mine) <= 4
    assert opened[-1] in mine  # the newest page always keeps its kernel
    sizes = kernel_sizes(default_server)
    report(f"kernel limits: 15 page loads by one cursist left {len(mine)} kernels ({len(sizes)} processes, "
           f"{sum(sizes) / 2**20:.0f} MiB in all, {max(sizes, default=0) / 2**20:.0f} MiB the largest)")
    assert len(sizes) <= 4
    # culled kernels are really gone for their owner too
    assert api(client, "GET", f"/api/kernels/{opened[0]}")[0] == 404

    with chromium_browser() as browser, dutch_page(browser) as page:
        login(page, default_server.base_url, "cursist1")
        page.locator(".ok-landing").wait_for()
        notice = page.locator(".ok-older-page-closed")
        notice.wait_for()
        assert "oudste pagina" in notice.inner_text()
    assert len(own_kernels(client)) <= 4


def test_server_full_shows_the_busy_page(tmp_path_factory):
    """With a cap of 2 kernels: does a third page load get the Dutch "Even geduld" page (503, Retry-After, a
    retry link, a countdown to its own next attempt) without starting a kernel, and does the page open again
    once a kernel has stopped?"""
    server = kit_server(tmp_path_factory, "busy", OEFENKIT_MAX_KERNELS="2")
    try:
        first = logged_in(server.base_url, "cursist1")
        kernels = [open_page(first, START), open_page(first, START)]
        second = logged_in(server.base_url, "cursist2")
        status, headers, page = second.request(PRACTICE)
        assert status == 503
        assert int(headers["Retry-After"]) > 0
        assert "Even geduld" in page and '<html lang="nl">' in page
        assert f'href="{PRACTICE}"' in page and "Nu opnieuw proberen" in page
        assert f'location.replace("{PRACTICE}")' in page and 'role="status"' in page
        assert "kernelId" not in page and kernel_processes(server) == 2
        assert own_kernels(second) == []
        # one page closes: the next load works again
        assert api(first, "DELETE", f"/api/kernels/{kernels[0]}")[0] == 204
        assert open_page(second, PRACTICE)
    finally:
        server.stop()


def test_disconnected_kernel_is_culled(tmp_path_factory, report):
    """With OEFENKIT_KERNEL_CULL_DISCONNECTED=4: does a kernel live while its websocket is connected
    (longer than 4 s), and is it shut down within a few seconds after the socket closed?"""
    timeout = 4
    server = kit_server(tmp_path_factory, "cull", OEFENKIT_KERNEL_CULL_DISCONNECTED=str(timeout))
    try:
        client = logged_in(server.base_url, "cursist1")
        kernel_id = open_page(client, START)
        status, received = kernel_info_over_websocket(client, kernel_id, hold=timeout + 3)
        assert status == 101 and "kernel_info_reply" in received
        closed = time.monotonic()
        assert api(client, "GET", f"/api/kernels/{kernel_id}")[0] == 200  # connected all that time: alive
        while api(client, "GET", f"/api/kernels/{kernel_id}")[0] == 200 and time.monotonic() - closed < 30:
            time.sleep(0.25)
        gone_after = time.monotonic() - closed
        report(f"kernel limits: disconnected kernel gone {gone_after:.1f} s after its websocket closed "
               f"(OEFENKIT_KERNEL_CULL_DISCONNECTED={timeout})")
        assert api(client, "GET", f"/api/kernels/{kernel_id}")[0] == 404
        assert timeout - 1 <= gone_after <= timeout + 3, gone_after
        assert kernel_processes(server) == 0
    finally:
        server.stop()


def test_limit_settings():
    """Are the three limit settings read from the environment, with their defaults and checks?"""
    defaults = load_settings(env={"OEFENKIT_DATA_DIR": "/tmp/x"})
    assert (defaults.max_kernels_per_person, defaults.max_kernels, defaults.kernel_cull_disconnected_seconds) == (
        4, 0, 120)
    env = {"OEFENKIT_DATA_DIR": "/tmp/x", "OEFENKIT_MAX_KERNELS_PER_PERSON": "2", "OEFENKIT_MAX_KERNELS": "9",
           "OEFENKIT_KERNEL_CULL_DISCONNECTED": "30"}
    s = load_settings(env=env)
    assert (s.max_kernels_per_person, s.max_kernels, s.kernel_cull_disconnected_seconds) == (2, 9, 30)
    for name, bad in [("OEFENKIT_MAX_KERNELS_PER_PERSON", "0"), ("OEFENKIT_MAX_KERNELS", "-1"),
                      ("OEFENKIT_KERNEL_CULL_DISCONNECTED", "soms")]:
        with pytest.raises(ConfigurationError):
            load_settings(env={"OEFENKIT_DATA_DIR": "/tmp/x", name: bad})


def test_server_cap_is_derived_from_memory(monkeypatch):
    """Without OEFENKIT_MAX_KERNELS, is the cap the kernels that fit in the available memory after the
    reserve (at the assumed kernel size), is the setting an override, and is an unknown size no refusal?"""
    from oefenkit.server import kernels

    km = kernels.OefenkitKernelManager()
    monkeypatch.setattr(kernels, "available_memory",
                        lambda: kernels.MEMORY_RESERVE_BYTES + 3 * kernels.DEFAULT_KERNEL_BYTES + 1)
    assert km.capacity() == 3 and km.admits("cursist1")
    monkeypatch.setattr(kernels, "available_memory", lambda: kernels.MEMORY_RESERVE_BYTES // 2)
    assert km.capacity() == 0 and not km.admits("cursist1")
    km.max_kernels = 7
    assert km.capacity() == 7 and km.admits("cursist1")
    km.max_kernels = 0
    monkeypatch.setattr(kernels, "available_memory", lambda: None)
    assert km.capacity() == 1
