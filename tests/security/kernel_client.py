"""Raw HTTP and websocket access to app kernels, as an attacker (or the owner) would do it."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import urllib.error
import urllib.request
import uuid

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from ..live_server import PASSWORD
from ..test_server_http import Client

V1 = "v1.kernel.websocket.jupyter.org"


def logged_in(base_url: str, username: str) -> Client:
    client = Client(base_url)
    status, _, _ = client.login(username, PASSWORD)
    assert status == 302, username
    return client


def open_page(client: Client, path: str) -> str:
    """Render an app page (this starts its kernel) and return the kernel id."""
    status, _, page = client.request(path)
    assert status == 200, (path, status, page[:500])
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page).group(1)


def cookies(client: Client) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in client.jar)


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


def kernel_info_over_websocket(client: Client, kernel_id: str, timeout: float = 20,
                               cookie_header: str | None = None, hold: float = 0) -> tuple[int, list[str]]:
    """Open the kernel's ``/channels`` websocket with the client's cookies (or ``cookie_header``) and ask
    for ``kernel_info``; keep the socket open ``hold`` seconds more before closing it.

    Returns (HTTP status of the upgrade: 101 when accepted, msg_types received within ``timeout``).
    """
    url = client.base_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4()}"
    cookie = cookies(client) if cookie_header is None else cookie_header

    async def run():
        request = HTTPRequest(url, headers={"Cookie": cookie, "Origin": client.base_url})
        try:
            conn = await websocket_connect(request, subprotocols=[V1])
        except HTTPClientError as exc:
            return exc.code, []
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "kernel_info_request", "username": "x", "session": "s",
                  "date": "2026-01-01T00:00:00Z", "version": "5.3"}
        frame = serialize_msg_to_ws_v1({"header": header, "parent_header": {}, "metadata": {}, "content": {}},
                                       "shell", pack=lambda m: json.dumps(m).encode())
        await conn.write_message(frame, binary=True)
        received = []
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            try:
                msg = await asyncio.wait_for(conn.read_message(), end - loop.time())
            except asyncio.TimeoutError:
                break
            if msg is None:
                break
            if isinstance(msg, bytes):
                _, parts = deserialize_msg_from_ws_v1(msg)
                head = json.loads(parts[0])
                received.append(head["msg_type"])
                if head["msg_type"] == "kernel_info_reply":
                    break
        await asyncio.sleep(hold)
        conn.close()
        return 101, received

    # A thread of its own: Playwright's sync API keeps an asyncio loop running in the main thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()
