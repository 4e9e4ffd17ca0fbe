"""A failing widget callback: a Dutch message with a reference on the page, the traceback in the server log.

Finding 8 of issue 13: ipywidgets reports an exception in a callback with
``get_ipython().showtraceback()``, and an exception in an ``observe`` handler through the comm
manager's logger, which in a kernel prints to the page's stderr stream: either way the traceback,
server paths included, reached the browser. The kit serves a start app whose callbacks fail (through
``OEFENKIT_NOTEBOOKS_DIR``, framed by the kit's own ``show_app``), and a cursist's raw websocket
records everything the browser would receive.
"""

from __future__ import annotations

import re
import time

import nbformat
import pytest

from oefenkit.settings import PROJECT_ROOT

from ..live_server import PASSWORD, LiveServer, oefenkit_cmd
from ..test_server_http import Client
from .kernel_ws import KernelSocket, kill_if_frozen, open_app_kernel

FAILING_APP = '''
import ipywidgets as w
from oefenkit.errors import ValidationError
from oefenkit_widgets import show_app


def build(person):
    def fail(_):
        import oefenkit
        raise RuntimeError("geheim-detail " + oefenkit.__file__)

    def domain(_):
        raise ValidationError("Een score ligt tussen 1 en 9.")

    def observer(change):
        {}["geheim-sleutel"]

    def stderr(_):
        import os
        import sys
        print("geheim-stderr", file=sys.stderr, flush=True)
        os.write(2, b"geheim-fd2\\n")

    kapot = w.Button(description="Kapot")
    kapot.add_class("ok-test-kapot")
    kapot.on_click(fail)
    netjes = w.Button(description="Netjes")
    netjes.add_class("ok-test-netjes")
    netjes.on_click(domain)
    schuif = w.IntSlider()
    schuif.add_class("ok-test-schuif")
    schuif.observe(observer, "value")
    fout = w.Button(description="Stderr")
    fout.add_class("ok-test-stderr")
    fout.on_click(stderr)
    return w.VBox([kapot, netjes, schuif, fout])


show_app("start", "Proef", build)
'''
MESSAGE = re.compile(r"Er ging iets mis \(referentie ([A-Z0-9]{6})\)\. Probeer het opnieuw of meld de "
                     r"referentie aan je trainer\.")
LEAKS = ("Traceback", "geheim-detail", "geheim-sleutel", "geheim-stderr", "geheim-fd2", 'File "', "site-packages",
         str(PROJECT_ROOT))




def write_failing_app(notebooks_dir) -> None:
    """A notebooks folder whose start app has a failing button, a failing observer, a button that
    raises a domain error and one that writes to stderr."""
    notebooks_dir.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(FAILING_APP)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, notebooks_dir / "start.ipynb")


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("callback-errors")
    write_failing_app(root / "notebooks")
    oefenkit_cmd(root / "data", "init")
    server = LiveServer(root / "data", env={"OEFENKIT_NOTEBOOKS_DIR": str(root / "notebooks")})
    server.add_user("fout.cursist", "cursist", "Fout Cursist")
    server.start()
    try:
        yield server
    finally:
        kill_if_frozen(server)


def _comm_ids(states: dict) -> dict[str, str]:
    """ok-test-… class -> comm id of the widget carrying it."""
    out = {}
    for comm_id, widget in states["content"]["data"]["states"].items():
        for cls in widget["state"].get("_dom_classes", []):
            if cls.startswith("ok-"):
                out[cls] = comm_id
    return out


def _texts(msg: dict) -> str:
    """Every string value a widget message carries (its state), for searching."""
    data = msg.get("content", {}).get("data", {})
    state = data.get("state", {}) if isinstance(data, dict) else {}
    return " ".join(v for v in state.values() if isinstance(v, str))


def _wait_in_log(server, needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = server.log()
        if needle in log:
            return log
        time.sleep(0.2)
    return server.log()


def _log_entry(log: str, ref: str) -> str:
    """The server log from the line naming ``ref`` up to the next kernel log line."""
    start = log.index(f"referentie {ref}")
    end = log.find("[oefenkit kernel", start)
    return log[start:end if end != -1 else None]


def test_failing_callback_shows_reference_and_logs_traceback(failing_server):
    """Does a failing button callback and a failing observer show the Dutch message with a reference in
    the page's notice area, send no traceback, path or exception text to the browser, and leave the
    traceback in the server log under the same reference? Does a domain error show its own message?"""
    client = Client(failing_server.base_url)
    assert client.login("fout.cursist", PASSWORD)[0] == 302
    kernel_id = open_app_kernel(client)
    with KernelSocket(failing_server.base_url, kernel_id, client) as sock:
        control = sock.open_control()
        ids = _comm_ids(sock.states(control))
        assert {"ok-test-kapot", "ok-test-netjes", "ok-test-schuif", "ok-test-stderr"} <= set(ids)

        def reference_after(start: int) -> str | None:
            msg = sock.wait_for(lambda m: MESSAGE.search(_texts(m)), start=start)
            return MESSAGE.search(_texts(msg)).group(1) if msg else None

        start = len(sock.messages)
        sock.comm_msg(ids["ok-test-kapot"], {"method": "custom", "content": {"event": "click"}})
        click_ref = reference_after(start)

        start = len(sock.messages)
        sock.comm_msg(ids["ok-test-schuif"], {"method": "update", "state": {"value": 3}, "buffer_paths": []})
        observer_ref = reference_after(start)

        start = len(sock.messages)
        sock.comm_msg(ids["ok-test-netjes"], {"method": "custom", "content": {"event": "click"}})
        domain = sock.wait_for(lambda m: "Een score ligt tussen 1 en 9." in _texts(m), start=start)

        # what a callback writes to stderr (Python or file descriptor 2) stays on the server too
        sock.comm_msg(ids["ok-test-stderr"], {"method": "custom", "content": {"event": "click"}})

        # the notice sits in the page's notice area (ok-page-notices), the latest one shown
        final = sock.states(control)
        time.sleep(1)  # anything the kernel still sends after the failures
        received = list(sock.raw)

    leaks = [(needle, frame[:300]) for frame in received for needle in LEAKS if needle.encode() in frame]
    assert not leaks, f"the browser received {leaks[:3]}"
    assert click_ref and observer_ref and click_ref != observer_ref
    assert domain is not None and "referentie" not in _texts(domain)
    states = final["content"]["data"]["states"]
    [area] = [w for w in states.values() if "ok-page-notices" in w["state"].get("_dom_classes", [])]
    shown = [states[c.removeprefix("IPY_MODEL_")]["state"] for c in area["state"]["children"]]
    assert len(shown) == 1 and "ok-notice-error" in shown[0]["_dom_classes"]
    assert "Een score ligt tussen 1 en 9." in shown[0]["value"]


    log = _wait_in_log(failing_server, f"referentie {observer_ref}")
    click_entry = _log_entry(log, click_ref)
    assert "Traceback" in click_entry and "RuntimeError: geheim-detail" in click_entry
    observer_entry = _log_entry(log, observer_ref)
    assert "Traceback" in observer_entry and "geheim-sleutel" in observer_entry
    log = _wait_in_log(failing_server, "geheim-fd2")
    assert "geheim-stderr" in log and "geheim-fd2" in log
