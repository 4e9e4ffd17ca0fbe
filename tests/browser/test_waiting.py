"""Waiting is Dutch and never a dead end (issue 14): the loading screen while a page's kernel starts,
and the "Even geduld" page of a full server, which opens the app by itself once there is room."""

from __future__ import annotations

import re

from ..live_server import PASSWORD
from ..security.kernel_client import api, logged_in, open_page
from ..security.test_kernel_limits import START, kit_server
from ..test_server_http import Client
from .test_login_landing import login
from .test_room_join import trainer_opens_a_round
from .viewport import phone_context

PARTICIPANT = "/voila/render/training/terugkomdag.ipynb"


def test_loading_screen_is_dutch_with_progress(live_server):
    """Does the part of a page that arrives before its kernel has run the app (Voilà's loading screen) say
    "Even geduld" with a progress bar and a live status region, and none of Voilà's English texts?"""
    client = Client(live_server.base_url)
    assert client.login("cursist1", PASSWORD)[0] == 302
    status, _, page = client.request(PARTICIPANT)
    assert status == 200
    loading = page[page.index('<div id="loading"'):page.index('id="rendered_cells"')]
    assert "<h1>Even geduld</h1>" in loading and 'role="status"' in loading
    assert re.search(r'<progress id="ok-wait-progress"[^>]*max="3" value="1"', loading)
    # the progress script of the page moves the bar per cell and writes Dutch
    assert "De app wordt gestart." in page and "progress.value = cell_index + 1" in page
    for english in ("Running ", "Executing ", "Reading ", "voila is still executing"):
        assert english not in page, english


def test_full_server_waits_and_opens_the_page_by_itself(browser, tmp_path_factory):
    """With the server at its cap of 2 kernels: does a third person's page show "Even geduld" with a
    countdown, try again by itself (the attempt number goes up), and open the app without a click once
    a kernel has stopped?"""
    server = kit_server(tmp_path_factory, "wachten", OEFENKIT_MAX_KERNELS="2")
    context = browser.new_context(locale="nl-NL")
    try:
        first = logged_in(server.base_url, "cursist1")
        kernels = [open_page(first, START), open_page(first, START)]
        page = context.new_page()
        login(page, server.base_url, "cursist2")  # lands on the start page: the server is full
        page.locator(".ok-busy-title").wait_for(timeout=30_000)
        assert page.locator(".ok-busy-title").inner_text() == "Even geduld"
        assert page.locator("[role=status] progress").count() == 1
        # it tries again by itself: the attempt counter goes up without a click
        page.wait_for_function("Number(document.getElementById('ok-busy-attempt').textContent) >= 2",
                               timeout=20_000)
        assert api(first, "DELETE", f"/api/kernels/{kernels[0]}")[0] == 204
        page.locator(".ok-landing").wait_for(timeout=30_000)
        assert "Cursist Twee" in page.locator(".ok-landing").inner_text()
    finally:
        context.close()
        server.stop()


def test_participant_carries_on_in_the_same_round_after_a_server_restart(browser, tmp_path_factory):
    """A terugkomdag is running and a phone has scored round 1. The server stops and starts again (same
    data). Does the phone say the connection is gone, open itself again without a tap once the server is
    back, and show the same round with its own stored scores; and does the trainer's dashboard count it?"""
    server = kit_server(tmp_path_factory, "herstart")
    server.add_user("herstart.trainer", "trainer", "Herstart Trainer")
    contexts = []
    try:
        desk, trainer, code = trainer_opens_a_round(browser, server.base_url, "herstart.trainer", 60_000)
        contexts.append(desk)

        context = phone_context(browser)
        contexts.append(context)
        phone = context.new_page()
        phone.set_default_timeout(60_000)
        login(phone, server.base_url, "cursist1")
        phone.locator(".ok-landing").wait_for()
        phone.goto(server.base_url + PARTICIPANT)
        phone.locator(".ok-session-join input").fill(code)
        phone.locator(".ok-session-join button").click()
        phone.locator(".ok-session-round .ok-video video").wait_for()
        phone.locator(".ok-score-sensitivity .ok-score-6").click()
        phone.locator(".ok-score-cooperation .ok-score-4").click()
        phone.locator(".ok-session-submit").click()
        phone.locator(".ok-session-message", has_text="opgeslagen").wait_for()
        trainer.locator(".ok-dashboard-count", has_text="1 van 1").wait_for()

        for page in (phone, trainer):
            page.evaluate("window.okBeforeRestart = true")  # gone once the page has loaded itself again
        server.stop()
        phone.locator(".ok-connection-notice", has_text="verbinding met de server is weg").wait_for(timeout=30_000)
        server.start()
        phone.wait_for_function("window.okBeforeRestart === undefined", timeout=60_000)
        # the page opened itself again: the same round, the stored scores chosen, the join box not shown
        phone.locator(".ok-session-status", has_text="Ronde 1").wait_for(timeout=60_000)
        phone.locator(".ok-score-sensitivity .ok-score-6.ok-selected").wait_for()
        phone.locator(".ok-score-cooperation .ok-score-4.ok-selected").wait_for()
        assert phone.locator(".ok-session-submit").inner_text() == "Score wijzigen"
        assert not phone.locator(".ok-session-join").is_visible()
        phone.locator(".ok-connection-notice").wait_for(state="detached")
        trainer.wait_for_function("window.okBeforeRestart === undefined", timeout=60_000)
        trainer.locator(".ok-dashboard-count", has_text="1 van 1").wait_for(timeout=60_000)
    finally:
        for context in contexts:
            context.close()
        server.stop()
