"""REST and websocket access to app kernels, as an attacker (or the owner) would do it.

The websocket itself is ``kernel_ws.KernelSocket`` (v1 framing, a reader thread); this module adds
the kernel REST calls with the XSRF token and a "kernel_info over the websocket" probe.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from types import SimpleNamespace

from websockets.exceptions import InvalidStatus

from ..live_server import PASSWORD
from ..test_server_http import Client
from .kernel_ws import KernelSocket
from .kernel_ws import open_app_kernel as open_page  # noqa: F401 - re-exported for the kernel tests


def logged_in(base_url: str, username: str) -> Client:
    client = Client(base_url)
    status, _, _ = client.login(username, PASSWORD)
    assert status == 302, username
    return client


def api(client: Client, method: str, path: str) -> tuple[int, bytes]:
    """A kernel API call with the client's cookies and XSRF token (as the browser's page sends it)."""
    xsrf = client.cookie("_xsrf") or ""
    request = urllib.request.Request(client.base_url + path, method=method,
                                     data=b"" if method in {"POST", "DELETE"} else None,
                                     headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"})
    try:
        response = client.opener.open(request, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, response.read()


def with_cookies(base_url: str, cookies: list[dict]):
    """A stand-in client for ``KernelSocket`` holding a browser's cookies (Playwright's ``context.cookies()``)."""
    return SimpleNamespace(base_url=base_url, jar=[SimpleNamespace(name=c["name"], value=c["value"]) for c in cookies])


def kernel_info_over_websocket(client, kernel_id: str, timeout: float = 20, hold: float = 0) -> tuple[int, list[str]]:
    """Open the kernel's ``/channels`` websocket with the client's cookies and ask for ``kernel_info``;
    keep the socket open ``hold`` seconds more before closing it.

    Returns (HTTP status of the upgrade: 101 when accepted, msg_types received).
    """
    try:
        sock = KernelSocket(client.base_url, kernel_id, client, timeout=timeout)
    except InvalidStatus as exc:
        return exc.response.status_code, []
    try:
        sock.send(sock.message("kernel_info_request", {}))
        sock.wait_for(lambda m: m["header"]["msg_type"] == "kernel_info_reply", timeout)
        time.sleep(hold)
        return 101, [m["header"]["msg_type"] for m in sock.messages]
    finally:
        sock.close()
