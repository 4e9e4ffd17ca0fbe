"""A raw kernel websocket, as a page (or someone imitating one) opens it: ``/api/kernels/<id>/channels``.

The kernel id comes from the app page the way Voilà's front end reads it (``"kernelId"`` in the
page's ``jupyter-config-data``). Messages are framed in the v1 layout of
``v1.kernel.websocket.jupyter.org`` or, with ``v1=False``, in the legacy layout (JSON text frames,
``serialize_binary_message`` for buffers). A reader thread collects what the server sends.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.request
import uuid

from jupyter_server.services.kernels.connection.base import (
    deserialize_binary_message,
    deserialize_msg_from_ws_v1,
    serialize_binary_message,
    serialize_msg_to_ws_v1,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

V1 = "v1.kernel.websocket.jupyter.org"
WIDGET_PROTOCOL = "2.1.0"
CONTROL_PROTOCOL = "1.0.0"


def open_app_kernel(client, path: str = "/voila/render/start.ipynb") -> str:
    """Render an app page for ``client`` (logged in) and return its kernel id."""
    status, _, page = client.request(path)
    assert status == 200, (status, page[:300])
    return kernel_id_of(page)


def kernel_id_of(page: str) -> str:
    """The kernel id in a rendered app page (``"kernelId"`` of its ``jupyter-config-data``)."""
    return re.search(r'"kernelId": "([0-9a-f-]{36})"', page).group(1)


def health_latency(base_url: str, timeout: float = 1.0) -> float | None:
    """Seconds ``/oefenkit/health`` took to answer 200, or None when it did not within ``timeout``."""
    start = time.monotonic()
    try:
        with urllib.request.urlopen(f"{base_url}/oefenkit/health", timeout=timeout) as response:
            response.read()
            ok = response.status == 200
    except OSError:
        return None
    elapsed = time.monotonic() - start
    return elapsed if ok and elapsed <= timeout else None


def kill_if_frozen(server) -> None:
    """Teardown for a server an attack may have frozen: SIGKILL its process group when health is gone
    (a frozen loop never handles SIGTERM), else the normal stop."""
    if server.process is None or server.process.poll() is not None:
        return
    if health_latency(server.base_url, timeout=2.0) is None:
        os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
    else:
        server.stop()


class KernelSocket:
    """One kernel websocket of a logged-in ``client`` (``tests.test_server_http.Client``)."""

    def __init__(self, base_url: str, kernel_id: str, client, *, v1: bool = True, timeout: float = 10):
        cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
        url = base_url.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        self.v1 = v1
        self.session = uuid.uuid4().hex
        self.ws = connect(url, additional_headers={"Cookie": cookie}, subprotocols=[V1] if v1 else None,
                          open_timeout=timeout, close_timeout=2, max_size=None).__enter__()
        self.messages: list[dict] = []
        self.raw: list[bytes] = []
        self.closed: ConnectionClosed | None = None
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- sending ---------------------------------------------------------------------------------
    def message(self, msg_type: str, content: dict, *, metadata: dict | None = None, buffers=()) -> dict:
        return {"header": {"msg_id": uuid.uuid4().hex, "username": "", "session": self.session,
                           "msg_type": msg_type, "version": "5.3", "date": "2026-01-01T00:00:00.000Z"},
                "parent_header": {}, "metadata": metadata or {}, "content": content, "buffers": list(buffers)}

    def frame(self, msg: dict, channel: str = "shell"):
        """The websocket frame of ``msg`` in this socket's framing."""
        if self.v1:
            parts = [json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata", "content")]
            return serialize_msg_to_ws_v1(parts + [bytes(b) for b in msg["buffers"]], channel)
        msg = {**msg, "channel": channel}
        if msg["buffers"]:
            return serialize_binary_message(msg)
        msg.pop("buffers")
        return json.dumps(msg)

    def send(self, msg: dict, channel: str = "shell") -> dict:
        self.ws.send(self.frame(msg, channel))
        return msg

    def send_raw(self, frame) -> None:
        self.ws.send(frame)

    def open_widget(self, state: dict, buffers: dict[str, bytes] | None = None) -> str:
        """Open a widget from the browser side (comm target ``jupyter.widget``); its comm id."""
        comm_id = uuid.uuid4().hex
        buffers = buffers or {}
        self.send(self.message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget",
                                             "data": {"state": state, "buffer_paths": [[k] for k in buffers]}},
                               metadata={"version": WIDGET_PROTOCOL}, buffers=list(buffers.values())))
        return comm_id

    def open_image(self, data: bytes) -> str:
        """An ipywidgets Image model holding ``data`` as a binary buffer."""
        return self.open_widget({"_model_name": "ImageModel", "_model_module": "@jupyter-widgets/controls",
                                 "_model_module_version": "2.0.0", "_view_name": "ImageView",
                                 "_view_module": "@jupyter-widgets/controls", "_view_module_version": "2.0.0",
                                 "format": "png"}, {"value": data})

    def open_control(self) -> str:
        comm_id = uuid.uuid4().hex
        self.send(self.message("comm_open", {"comm_id": comm_id, "target_name": "jupyter.widget.control",
                                             "data": {}}, metadata={"version": CONTROL_PROTOCOL}))
        return comm_id

    def request_states(self, control_id: str) -> None:
        self.send(self.message("comm_msg", {"comm_id": control_id, "data": {"method": "request_states"}}))

    def states(self, control_id: str, tries: int = 3, timeout: float = 5) -> dict | None:
        """Ask for all widget states until a reply comes (None if none does).

        The first request after a widget was opened from here may fail in the kernel: ipywidgets
        creates the widget's default layout while it iterates over all widgets."""
        for _ in range(tries):
            before = len(self.messages)
            self.request_states(control_id)
            reply = self.wait_for(is_states_reply, timeout, start=before)
            if reply is not None:
                return reply
        return None

    def comm_msg(self, comm_id: str, data: dict) -> None:
        self.send(self.message("comm_msg", {"comm_id": comm_id, "data": data}))

    # -- receiving -------------------------------------------------------------------------------
    def _read(self) -> None:
        while True:
            try:
                frame = self.ws.recv()
            except ConnectionClosed as exc:
                self.closed = exc
                return
            except Exception:  # noqa: BLE001 - the socket is gone; nothing more to read
                return
            raw = frame if isinstance(frame, bytes) else frame.encode()
            with self._lock:
                self.raw.append(raw)
                self.messages.append(self._decode(frame))

    def _decode(self, frame) -> dict:
        if isinstance(frame, str):
            return json.loads(frame)
        if not self.v1:
            return deserialize_binary_message(frame)
        channel, parts = deserialize_msg_from_ws_v1(frame)
        msg = {k: json.loads(p) for k, p in zip(("header", "parent_header", "metadata", "content"), parts)}
        return {**msg, "channel": channel, "buffers": parts[4:]}

    def wait_for(self, predicate, timeout: float = 20, start: int = 0) -> dict | None:
        """The first message (from the ``start``-th on) received so far or within ``timeout`` s for
        which ``predicate`` holds."""
        deadline = time.monotonic() + timeout
        seen = start
        while True:
            with self._lock:
                new = self.messages[seen:]
            for msg in new:
                if predicate(msg):
                    return msg
            seen += len(new)
            if time.monotonic() >= deadline or (self.closed is not None and not new):
                return None
            time.sleep(0.05)

    def wait_closed(self, timeout: float = 10) -> ConnectionClosed | None:
        self._reader.join(timeout)
        return self.closed

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001 - a frozen or closed server
            pass
        self._reader.join(3)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def is_states_reply(msg: dict) -> bool:
    return (msg.get("header", {}).get("msg_type") == "comm_msg"
            and msg.get("content", {}).get("data", {}).get("method") == "update_states")


def page_widget_states(client, path: str, timeout: float = 20) -> dict[str, dict]:
    """Every widget state the kernel of app page ``path`` hands to a browser, for ``client`` (logged in).

    Renders the page, opens its kernel websocket with the client's cookies and asks the widget control
    comm for all states (``request_states``), as Voilà's front end does on load. Returns model id →
    ``{"model_name": ..., "state": {...}}`` — the state the browser's widget manager would hold."""
    return kernel_widget_states(client, open_app_kernel(client, path), timeout)


def kernel_widget_states(client, kernel_id: str, timeout: float = 20) -> dict[str, dict]:
    """:func:`page_widget_states` for a page already rendered (its kernel ``kernel_id``)."""
    with KernelSocket(client.base_url, kernel_id, client, timeout=timeout) as sock:
        reply = sock.states(sock.open_control(), timeout=timeout)
    assert reply is not None, f"no widget states from kernel {kernel_id}"
    return reply["content"]["data"]["states"]


def dom_classes(states: dict[str, dict]) -> set[str]:
    """Every CSS class any widget of ``states`` carries."""
    return {c for s in states.values() for c in s.get("state", {}).get("_dom_classes", ())}
