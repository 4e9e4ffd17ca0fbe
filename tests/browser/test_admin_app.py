"""Beheer: mensen en groepen in Chromium: coord1 adds a person, who logs in with the password shown
once; coord1 deactivates them and their login then fails."""

from __future__ import annotations

from .test_login_landing import login

NEW = "beheer.proef"  # this test's own account (the session's server is shared)


def test_coordinator_adds_and_deactivates_a_person(browser, page, live_server):
    """Can coord1 add a person through the app, the person log in with the shown password, and, after
    coord1 deactivates them, no longer log in (and lose their open session)?"""
    base = live_server.base_url
    login(page, base, "coord1")
    link = page.locator(".ok-link-beheer.ok-app-beheer a")
    link.wait_for()
    link.click()
    page.locator(".ok-admin").wait_for()
    assert "cursist1" in page.locator(".ok-admin-people").inner_text()

    page.locator(".ok-add-username input").fill(NEW)
    page.locator(".ok-add-name input").fill("Proef Persoon")
    page.locator(".ok-add-role select").select_option(label="cursist")
    page.locator(".ok-add-person").click()
    shown = page.locator(".ok-new-password")
    shown.wait_for()
    password = shown.inner_text().strip()
    assert len(password) >= 8
    row = page.locator(f".ok-admin-people tr[data-username='{NEW}']")
    row.wait_for()
    assert "Proef Persoon" in row.inner_text() and "actief" in row.inner_text()

    # the new person logs in with that password, in a browser of their own
    other = browser.new_context(locale="nl-NL")
    try:
        theirs = other.new_page()
        theirs.set_default_timeout(60_000)
        login(theirs, base, NEW, password)
        theirs.locator(".ok-landing").wait_for()
        assert "Proef Persoon" in theirs.locator(".ok-name").inner_text()

        # coord1 deactivates them: the app asks first
        assert page.locator(".ok-admin-person select").input_value().startswith(f"{NEW} – ")
        page.locator(".ok-deactivate").click()
        confirm = page.locator(".ok-confirm-deactivate")
        confirm.wait_for()
        assert NEW in confirm.inner_text()
        page.locator(".ok-confirm-yes").click()
        page.locator(".ok-notice", has_text=f"{NEW} is gedeactiveerd.").wait_for()
        page.locator(f".ok-admin-people tr.ok-inactive[data-username='{NEW}']").wait_for()

        # their open session is over ...
        theirs.goto(base + "/")
        theirs.locator("input[name=username]").wait_for()
        assert theirs.locator(".ok-landing").count() == 0
    finally:
        other.close()

    # ... and a fresh login with the same password fails with the Dutch message
    again = browser.new_context(locale="nl-NL")
    try:
        p = again.new_page()
        p.set_default_timeout(60_000)
        login(p, base, NEW, password)
        p.locator(".ok-error").wait_for()
        assert "onjuist wachtwoord" in p.locator(".ok-error").inner_text()
        assert p.locator(".ok-landing").count() == 0
    finally:
        again.close()
