"""Waiting is Dutch and never a dead end (issue 14): the loading screen while a page's kernel starts,
and the "Even geduld" page of a full server, which opens the app by itself once there is room."""

from __future__ import annotations

import re

from ..live_server import PASSWORD
from ..security.kernel_client import api, logged_in, open_page
from ..security.test_kernel_limits import START, kit_server
from ..test_server_http import Client
from .test_login_landing import login

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
