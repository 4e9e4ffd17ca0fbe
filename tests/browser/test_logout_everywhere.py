"""Logging out in Chromium: the "Afmelden" link asks first, and "Overal afmelden" in Mijn gegevens
ends the person's sessions in every browser (issue 13, finding 4)."""

from __future__ import annotations

from ..live_server import PASSWORD
from .test_login_landing import login

PROFILE = "/voila/render/training/mijn_gegevens.ipynb"


def _new_page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def _on_login_page(page) -> bool:
    page.locator(".ok-login-form").wait_for()
    return "/login" in page.url


def test_logout_link_asks_then_ends_the_session(page, live_server):
    """Does the header's "Afmelden" link open a confirmation, and does its button log out?"""
    live_server.add_user("linkafmelder", "cursist")
    login(page, live_server.base_url, "linkafmelder", PASSWORD)
    page.locator(".ok-landing").wait_for()
    page.locator(".ok-logout").click()
    page.locator(".ok-logout-form").wait_for()
    page.goto(live_server.base_url + "/")  # only looking at the question logs nobody out
    page.locator(".ok-landing").wait_for()
    page.locator(".ok-logout").click()
    page.get_by_role("button", name="Afmelden").click()
    page.locator(".ok-login-again").wait_for()
    page.goto(live_server.base_url + PROFILE)
    assert _on_login_page(page)


def test_logout_everywhere_ends_the_other_browser(browser, live_server):
    """Two browsers logged in as one person: after "Overal afmelden" in the first one's Mijn
    gegevens, does the second one's next page load go to the login page, and the first one's too?"""
    live_server.add_user("tweebrowsers", "cursist", "Twee Browsers")
    first_context, first = _new_page(browser)
    second_context, second = _new_page(browser)
    try:
        for p in (first, second):
            login(p, live_server.base_url, "tweebrowsers", PASSWORD)
            p.locator(".ok-landing").wait_for()
        first.goto(live_server.base_url + PROFILE)
        table = first.locator(".ok-my-logins")
        table.wait_for()
        assert table.locator("tbody tr").count() == 2
        assert "deze sessie" in table.inner_text()
        first.locator(".ok-logout-everywhere").click()
        first.locator(".ok-logged-out-everywhere").wait_for()
        assert "overal afgemeld" in first.locator(".ok-logged-out-everywhere").inner_text()

        second.goto(live_server.base_url + PROFILE)
        assert _on_login_page(second)
        assert second.locator(".ok-my-logins").count() == 0
        first.goto(live_server.base_url + "/")
        assert _on_login_page(first)
    finally:
        first_context.close()
        second_context.close()
