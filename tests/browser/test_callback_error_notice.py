"""A failing callback in Chromium: the Dutch message with a reference appears above the app, nothing of
the traceback reaches the browser, and the server log has it under the same reference (issue 13, finding 8)."""

from __future__ import annotations

from ..security.test_callback_errors import LEAKS, MESSAGE, _log_entry, _wait_in_log, failing_server  # noqa: F401 - the fixture
from .test_login_landing import login


def test_failing_button_shows_reference_not_traceback(page, failing_server):  # noqa: F811
    """Does clicking a button whose callback raises show 'Er ging iets mis (referentie …)' in the page's
    notice area, with no traceback, path or exception text in any websocket frame or on the page?"""
    frames: list[str] = []

    def watch(ws):
        ws.on("framereceived", lambda payload: frames.append(
            payload if isinstance(payload, str) else payload.decode("utf-8", "replace")))

    page.on("websocket", watch)
    login(page, failing_server.base_url, "fout.cursist")
    page.locator(".ok-test-kapot").click()
    notice = page.locator(".ok-page-notices .ok-notice-error")
    notice.wait_for()
    match = MESSAGE.search(notice.inner_text())
    assert match, notice.inner_text()
    page.wait_for_timeout(500)  # anything the kernel still sends

    assert frames, "Chromium saw no websocket frames"
    leaks = [needle for frame in frames for needle in LEAKS if needle in frame]
    assert not leaks, leaks
    body = page.inner_text("body")
    assert not [needle for needle in LEAKS if needle in body]

    entry = _log_entry(_wait_in_log(failing_server, f"referentie {match.group(1)}"), match.group(1))
    assert "Traceback" in entry and "RuntimeError: geheim-detail" in entry
