"""Kernel websockets: a cursist cannot freeze the server through framing, sizes or message types.

Finding 1 of issue 13: Voilà 0.5.13 read every outgoing binary frame with the v1 parser, also on a
socket opened without the ``v1.kernel.websocket.jupyter.org`` subprotocol. One binary widget
message then made the server build a list of ~10^17 offsets on its event loop: ``/oefenkit/health``
stopped answering and the process grew by gigabytes. jupyter_server's parser of incoming v1 frames
trusted the count in the same way. Every test runs against a real ``oefenkit serve`` of its own
(a freeze must not take the shared server down), which is SIGKILLed in teardown when frozen.
"""

from __future__ import annotations

import struct
import threading
import time

import psutil
import pytest
from websockets.exceptions import InvalidStatus

from ..live_server import PASSWORD, LiveServer, oefenkit_cmd
from ..test_server_http import Client
from .kernel_ws import KernelSocket, health_latency, is_states_reply, kill_if_frozen, open_app_kernel

MB = 1024 * 1024
CAP_MB = 1  # OEFENKIT_WEBSOCKET_MAX_MB of this server, small so the caps are cheap to reach


@pytest.fixture(scope="module")
def ws_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("websocket") / "data"
    oefenkit_cmd(data_dir, "init")
    server = LiveServer(data_dir, env={"OEFENKIT_WEBSOCKET_MAX_MB": str(CAP_MB)})
    server.add_user("ws.cursist", "cursist", "Websocket Cursist")
    server.start()
    try:
        yield server
    finally:
        kill_if_frozen(server)


@pytest.fixture
def cursist(ws_server):
    client = Client(ws_server.base_url)
    status, _, _ = client.login("ws.cursist", PASSWORD)
    assert status == 302
    return client


def _server_up(server) -> None:
    """Skip nothing: a module server frozen by an earlier test fails the next one loudly."""
    assert health_latency(server.base_url, timeout=2.0) is not None, "the server stopped answering"


def _watch(server, seconds: float) -> tuple[list[float | None], int]:
    """Poll health every 0.2 s for ``seconds``: the latencies (None = no answer within 1 s) and the
    peak RSS of the server process."""
    process = psutil.Process(server.process.pid)
    latencies, peak = [], process.memory_info().rss
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        latencies.append(health_latency(server.base_url, timeout=1.0))
        peak = max(peak, process.memory_info().rss)
        time.sleep(0.2)
    return latencies, peak


def test_legacy_socket_with_binary_widget_messages_keeps_server_responsive(ws_server, cursist, report):
    """While a cursist's legacy-framed socket asks for binary widget messages (the freeze of finding 1)
    and a v1 socket receives them, does /oefenkit/health answer within 1 s and the server grow < 100 MB?"""
    _server_up(ws_server)
    kernel_id = open_app_kernel(cursist)
    rss_before = psutil.Process(ws_server.process.pid).memory_info().rss

    legacy, refused = None, None
    try:
        legacy = KernelSocket(ws_server.base_url, kernel_id, cursist, v1=False)
    except InvalidStatus as exc:
        refused = exc.response.status_code
    try:
        if legacy is not None:  # the attack: a widget holding bytes, then all widget states
            legacy.open_image(b"\x89PNG" + b"x" * 1000)
            control = legacy.open_control()
            for _ in range(5):
                legacy.request_states(control)
        with KernelSocket(ws_server.base_url, kernel_id, cursist) as v1:
            v1.open_image(b"\x89PNG" + b"y" * 1000)
            control = v1.open_control()
            stop = threading.Event()

            def ask():
                while not stop.is_set():
                    v1.request_states(control)
                    time.sleep(0.3)

            asker = threading.Thread(target=ask, daemon=True)
            asker.start()
            try:
                latencies, peak = _watch(ws_server, 6)
            finally:
                stop.set()
                asker.join(5)
            binary_replies = [m for m in v1.messages if is_states_reply(m) and m["buffers"]]
    finally:
        if legacy is not None:
            legacy.close()

    answered = [t for t in latencies if t is not None]
    growth = (peak - rss_before) / MB
    report(f"websocket freeze: health {len(answered)}/{len(latencies)} answered within 1 s "
           f"(max {max(answered, default=0):.3f} s), RSS growth {growth:.1f} MB, legacy refused={refused}")
    assert len(answered) == len(latencies), f"health did not answer within 1 s {latencies.count(None)} times"
    assert growth < 100, f"the server grew by {growth:.0f} MB"
    assert binary_replies, "the v1 socket received no binary widget states: the attack did not run"


def test_legacy_framing_is_refused(ws_server, cursist):
    """Is a kernel websocket without the v1 subprotocol refused before the upgrade (HTTP 400)?"""
    _server_up(ws_server)
    kernel_id = open_app_kernel(cursist)
    with pytest.raises(InvalidStatus) as refused:
        KernelSocket(ws_server.base_url, kernel_id, cursist, v1=False).close()
    assert refused.value.response.status_code == 400
    assert "v1.kernel.websocket.jupyter.org" in ws_server.log()


def test_crafted_v1_frame_closes_the_socket_not_the_server(ws_server, cursist):
    """Does a v1 frame whose first 8 bytes claim ~10^17 offsets close that socket (1007) while the
    server keeps answering, instead of freezing it in jupyter_server's parser?"""
    _server_up(ws_server)
    kernel_id = open_app_kernel(cursist)
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        sock.send_raw(struct.pack("<Q", 10**17) + b"\x00" * 64)
        closed = sock.wait_closed(timeout=10)
        latencies, _ = _watch(ws_server, 2)
    assert None not in latencies
    assert closed is not None and closed.rcvd is not None and closed.rcvd.code == 1007
    # and a frame whose offsets point outside it
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        good = sock.frame(sock.message("kernel_info_request", {}))
        sock.send_raw(good[:8] + struct.pack("<Q", 10**12) + good[16:])
        closed = sock.wait_closed(timeout=10)
    assert closed is not None and closed.rcvd.code == 1007
    _server_up(ws_server)


def test_widget_protocol_passes_with_its_buffers(ws_server, cursist):
    """Does the widget protocol still work over v1: a widget opened with bytes comes back, bytes intact?"""
    kernel_id = open_app_kernel(cursist)
    data = b"\x89PNG" + bytes(range(256)) * 4
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        image = sock.open_image(data)
        reply = sock.states(sock.open_control())
    assert reply is not None
    content = reply["content"]["data"]
    assert image in content["states"]
    paths = content["buffer_paths"]
    [index] = [i for i, path in enumerate(paths) if path[0] == image and path[-1] == "value"]
    assert bytes(reply["buffers"][index]) == data


def test_execute_request_is_refused(ws_server, cursist, tmp_path):
    """Is code sent from the page never run (standalone Voilà refuses execute requests; the kit too)?"""
    kernel_id = open_app_kernel(cursist)
    marker = tmp_path / "uitgevoerd.txt"
    code = f"open({str(marker)!r}, 'w').write('ja')"
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        request = sock.send(sock.message("execute_request", {"code": code, "silent": False, "store_history": False,
                                                             "user_expressions": {}, "allow_stdin": False}))
        for channel in ("control", "iopub", "stdin"):  # other channels do not run code either
            sock.send(sock.message("execute_request", {"code": code, "silent": False}), channel=channel)
        # a kernel_info_request after it is answered, so the socket itself worked
        info = sock.send(sock.message("kernel_info_request", {}))
        answered = sock.wait_for(lambda m: m.get("parent_header", {}).get("msg_id") == info["header"]["msg_id"]
                                 and m["header"]["msg_type"] == "kernel_info_reply")
        executed = sock.wait_for(lambda m: m["header"]["msg_type"] in {"execute_reply", "execute_input"}
                                 or m.get("parent_header", {}).get("msg_id") == request["header"]["msg_id"],
                                 timeout=3)
    assert answered is not None
    assert executed is None
    assert not marker.exists()


def test_message_size_is_capped_both_ways(ws_server, cursist):
    """Does a frame over OEFENKIT_WEBSOCKET_MAX_MB from the page close the socket (1009), and is a
    message over it from the kernel dropped while smaller ones still go through?"""
    kernel_id = open_app_kernel(cursist)
    too_big = CAP_MB * MB + 1000
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        sock.open_image(b"x" * too_big)
        closed = sock.wait_closed(timeout=10)
    # Tornado answers with a close frame (1009) and drops the connection without reading the rest of
    # the frame; under load the client sees the reset before that close frame (CI, once). Either way the
    # socket is closed and the frame never reaches the kernel.
    assert closed is not None
    assert closed.rcvd is None or closed.rcvd.code == 1009, closed
    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        states = sock.states(sock.open_control())
    assert states is not None and not any(len(b) == too_big for b in states["buffers"])

    with KernelSocket(ws_server.base_url, kernel_id, cursist) as sock:
        big = int(CAP_MB * MB * 0.6)
        control = sock.open_control()
        sock.open_image(b"a" * big)
        first = sock.states(control)  # under the cap: sent
        sock.open_image(b"b" * big)  # each under the cap, together over it
        second = sock.states(control)
        info = sock.send(sock.message("kernel_info_request", {}))
        answered = sock.wait_for(lambda m: m.get("parent_header", {}).get("msg_id") == info["header"]["msg_id"])
        assert sock.closed is None
    assert first is not None and any(len(b) == big for b in first["buffers"])
    assert second is None  # dropped by the server
    assert answered is not None  # and the socket still works
    assert "exceed the cap" in ws_server.log()
