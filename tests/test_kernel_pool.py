"""Issue 14: kernels started before the room arrives (``oefenkit/server/kernels.py``, "kernels started
ahead"), on a real server with its kernel parent.

When a trainer starts a terugkomdag expecting N people, the server starts N kernels for the
participant app ahead. A page of that app gets one of them, once; its request (here the ``?code=``
of the QR link) reaches the kernel through the binding cell; nobody else can reach it. A kernel that
dies while waiting is replaced, the kernels go when the session closes, and a restarted server
starts them again. When none is left, a page starts its own kernel as before.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from .live_server import LiveServer, oefenkit_cmd
from .security.kernel_client import api, logged_in
from .security.kernel_ws import KernelSocket, kernel_id_of
from .security.test_kernel_limits import kernel_pids

APP = "/voila/render/training/terugkomdag.ipynb"


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class Trainer:
    """The trainer's side, through the kit on the server's data directory (as the dashboard does)."""

    def __init__(self, data_dir):
        self.kit = open_kit(load_settings(data_dir=data_dir))
        self.person = self.kit.find_person("trainer1")

    def start(self, expected: int) -> dict:
        return self.kit.create_session(self.person, expected=expected)

    def close(self, session_id: int) -> None:
        self.kit.close_session(self.person, session_id, rules={})

    def joined(self, session_id: int) -> int:
        return self.kit.session_state(self.person, session_id)["participants"]


@pytest.fixture(scope="module")
def pool_server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("pool") / "data"
    oefenkit_cmd(data_dir, "init")
    server = LiveServer(data_dir, env={"OEFENKIT_MAX_KERNELS": "20"})
    server.add_user("trainer1", "trainer", "Trainer Een")
    for i in range(1, 5):
        server.add_user(f"cursist{i}", "cursist", f"Cursist {i}")
    server.start()
    trainer = Trainer(data_dir)
    yield server, trainer
    trainer.kit.engine.dispose()
    server.stop()


def page_states(client, kernel_id: str) -> dict:
    """The widget states the participant's browser receives over the websocket."""
    sock = KernelSocket(client.base_url, kernel_id, client, timeout=20)
    try:
        reply = sock.states(sock.open_control())
        assert reply is not None, "no widget states"
        return reply["content"]["data"]["states"]
    finally:
        sock.close()


def code_field(states: dict) -> str | None:
    for entry in states.values():
        state = entry.get("state", {})
        if entry.get("model_name") == "TextModel" and state.get("description") == "Code":
            return state.get("value")
    return None


def test_a_session_starts_its_kernels_ahead_and_pages_take_them_once(pool_server):
    """Do two expected people get two kernels before anyone opens the app; does each page take one
    of them (no new process), with its own request's ``?code=`` in the page and nothing of the
    other person; is a taken kernel its taker's only; and does a third page, with the pool empty,
    start its own kernel?"""
    server, trainer = pool_server
    session = trainer.start(expected=2)
    try:
        warm = set(wait_for(lambda: set(kernel_pids(server)) if len(kernel_pids(server)) == 2 else None,
                            what="two kernels started ahead"))
        time.sleep(1.5)
        assert set(kernel_pids(server)) == warm  # the pool holds at its target

        one, two = logged_in(server.base_url, "cursist1"), logged_in(server.base_url, "cursist2")
        status, _, page = one.request(f"{APP}?code={session['join_code']}")
        assert status == 200
        first = kernel_id_of(page)
        assert set(kernel_pids(server)) == warm  # the page took a kernel started ahead
        assert code_field(page_states(one, first)) == session["join_code"]

        status, _, page = two.request(f"{APP}?code=ABCDEF")
        assert status == 200
        second = kernel_id_of(page)
        assert second != first and set(kernel_pids(server)) == warm
        states = page_states(two, second)
        assert code_field(states) == "ABCDEF"  # this page's own request, not the first one's
        assert session["join_code"] not in str(states)

        # a kernel taken by one person is theirs alone
        assert api(two, "GET", f"/api/kernels/{first}")[0] == 404
        assert api(one, "GET", f"/api/kernels/{second}")[0] == 404
        assert [k for k in (first, second) if f'"{k}"' in api(one, "GET", "/api/kernels")[1].decode()] == [first]

        # both kernels were handed out: the next page starts its own, as before
        three = logged_in(server.base_url, "cursist3")
        status, _, page = three.request(APP)
        assert status == 200 and kernel_id_of(page) not in (first, second)
        assert len(set(kernel_pids(server)) - warm) == 1
        assert code_field(page_states(three, kernel_id_of(page))) == ""
        for client, kernel_id in ((one, first), (two, second), (three, kernel_id_of(page))):
            assert api(client, "DELETE", f"/api/kernels/{kernel_id}")[0] == 204  # the pages close
    finally:
        trainer.close(session["id"])
    wait_for(lambda: not kernel_pids(server), what="no kernels left")


def test_a_dead_kernel_is_replaced_and_closing_the_session_stops_the_rest(pool_server):
    """Is a kernel that died while waiting replaced by a new one, and are the kernels nobody took
    stopped once the session closes (the pages' kernels stay)?"""
    server, trainer = pool_server
    before = set(kernel_pids(server))
    session = trainer.start(expected=3)
    try:
        warm = set(wait_for(lambda: set(kernel_pids(server)) - before
                            if len(set(kernel_pids(server)) - before) == 3 else None,
                            what="three kernels started ahead"))
        victim = sorted(warm)[0]
        os.kill(victim, signal.SIGKILL)
        renewed = wait_for(lambda: set(kernel_pids(server)) - before
                           if len(set(kernel_pids(server)) - before) == 3 and victim not in kernel_pids(server)
                           else None, what="a replacement kernel")
        assert victim not in renewed and len(renewed & warm) == 2
        four = logged_in(server.base_url, "cursist4")
        status, _, page = four.request(APP)
        assert status == 200
        assert code_field(page_states(four, kernel_id_of(page))) == ""
    finally:
        trainer.close(session["id"])
    remaining = wait_for(lambda: set(kernel_pids(server)) - before
                         if len(set(kernel_pids(server)) - before) == 1 else None,
                         what="the kernels started ahead to stop")
    assert len(remaining & renewed) == 1  # cursist4's page keeps the kernel it took
    assert api(four, "DELETE", f"/api/kernels/{kernel_id_of(page)}")[0] == 204
    wait_for(lambda: not kernel_pids(server), what="no kernels left")


def test_a_restarted_server_starts_the_kernels_of_an_open_session_again(pool_server):
    """After a restart during an open session, are its expected people's kernels started again
    before anyone reconnects?"""
    server, trainer = pool_server
    session = trainer.start(expected=2)
    try:
        wait_for(lambda: len(kernel_pids(server)) >= 2, what="kernels started ahead")
        server.stop()
        assert kernel_pids(server) == {}
        server.start()
        wait_for(lambda: len(kernel_pids(server)) == 2, what="kernels started ahead after the restart")
    finally:
        trainer.close(session["id"])
    wait_for(lambda: len(kernel_pids(server)) == 0, what="the kernels to stop after closing")
