"""The page side of live access (oefenkit_widgets.shell): the "Geen toegang" swap, the watch task, and the notice
that an older page was closed."""

from __future__ import annotations

import asyncio

from oefenkit import kernel
from oefenkit.errors import AccessLost
from oefenkit_widgets.notice import Notice
from oefenkit_widgets.shell import show_app

from .test_widgets import actor, all_html, classes


def test_lose_access_replaces_the_body(monkeypatch):
    """Does ``lose_access`` replace the app's body (only) by the Dutch "Geen toegang" notice?"""
    monkeypatch.setattr(kernel, "_person", actor("coordinator"))
    page = show_app("beheer", "Beheer", lambda p: Notice("formulier"))
    before = list(page.children)
    page.lose_access()
    assert list(page.children[:-1]) == before[:-1] and page.children[-1] is page.body  # header etc. stay
    assert "ok-access-lost" in classes(page.body) and "Geen toegang" in page.body.text
    assert "formulier" not in all_html(page)


def test_watch_swaps_the_page_when_access_is_lost(monkeypatch):
    """On the kernel's loop, does the watch call ``on_lost`` once access is lost, and then stop?"""
    monkeypatch.setattr(kernel, "_person", actor("trainer"))
    checks = []

    def live_person():
        checks.append(1)
        if len(checks) >= 3:
            raise AccessLost()
        return kernel._person

    monkeypatch.setattr(kernel, "live_person", live_person)
    lost = []

    async def main():
        task = kernel.start_access_watch(lambda: lost.append(True), interval=0.01)
        await asyncio.wait_for(task, 5)

    asyncio.run(main())
    assert lost == [True] and len(checks) == 3


def test_no_watch_outside_a_kernel_loop(monkeypatch):
    """Without a running loop (nbval, plain Python) no task is started and show_app still works."""
    monkeypatch.setattr(kernel, "_person", actor("cursist"))
    page = show_app("mijn-gegevens", "Mijn gegevens", lambda p: Notice("hallo"))
    assert page.watch is None


def test_new_page_says_an_older_page_was_closed(monkeypatch):
    """Started with OEFENKIT_OLDER_PAGE_CLOSED=1, does the page say (in Dutch) that an older page was closed?"""
    monkeypatch.setattr(kernel, "_person", actor("cursist"))
    monkeypatch.setenv(kernel.OLDER_PAGE_CLOSED_ENV, "1")
    page = show_app("mijn-gegevens", "Mijn gegevens", lambda p: Notice("hallo"))
    assert "oudste pagina" in all_html(page) and "hallo" in all_html(page)
    monkeypatch.delenv(kernel.OLDER_PAGE_CLOSED_ENV)
    assert "oudste pagina" not in all_html(show_app("mijn-gegevens", "Mijn gegevens", lambda p: Notice("hallo")))
