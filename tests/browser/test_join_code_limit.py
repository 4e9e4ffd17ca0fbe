"""Guessing join codes on the real "Terugkomdag: meedoen" page in Chromium (issue 13, finding 6): the
widget messages reach the core's limit, the page shows the Dutch wait message, and the audit entry
carries the client address the server handed to the kernel."""

from __future__ import annotations

import time

from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.sessions import JOIN_CODE_ALPHABET, JOIN_FAILURE_LIMIT
from oefenkit.settings import load_settings

from .test_login_landing import login


def failures(kit) -> list[dict]:
    return [e for e in kit.list_audit_entries(SYSTEM, limit=1000)
            if e["action"] == "live_session.join_failed" and e["actor"] == "raad.cursist"]


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_eleventh_code_on_the_page_is_refused_with_the_wait_message(page, live_server):
    """After ten wrong codes typed on the page, is the right code refused with "Te veel onjuiste codes",
    the page not joined, and is each wrong code audited with the browser's address (127.0.0.1)?"""
    live_server.add_user("raad.trainer", "trainer", "Raad Trainer")
    live_server.add_user("raad.cursist", "cursist", "Raad Cursist")
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        trainer = kit.find_person("raad.trainer")
        code = kit.create_session(trainer)["join_code"]
        wrong = ["".join(JOIN_CODE_ALPHABET[(JOIN_CODE_ALPHABET.index(ch) + k) % len(JOIN_CODE_ALPHABET)]
                         for ch in code) for k in range(1, JOIN_FAILURE_LIMIT + 1)]

        login(page, live_server.base_url, "raad.cursist")
        page.locator(".ok-app-session a").click()
        box = page.locator(".ok-session-join input")
        message = page.locator(".ok-session-message")
        for n, guess in enumerate(wrong, start=1):
            box.fill(guess)
            page.locator(".ok-session-join button").click()
            wait_until(lambda n=n: len(failures(kit)) == n)  # each click is one widget message, one try
            message.locator(".ok-notice-error", has_text="geen enkele sessie").wait_for()
        box.fill(code)
        page.locator(".ok-session-join button").click()
        message.locator(".ok-notice-error", has_text="Te veel onjuiste codes").wait_for()
        assert "minuten opnieuw" in message.inner_text()
        assert page.locator(".ok-session-join").is_visible()

        cursist = kit.find_person("raad.cursist")
        entries = failures(kit)
        assert len(entries) == JOIN_FAILURE_LIMIT
        assert {e["details"]["address"] for e in entries} == {"127.0.0.1"}
        assert kit.participant_open_session(cursist) is None
    finally:
        kit.engine.dispose()
