"""Logging in through the browser and the landing page per role."""

from __future__ import annotations

from ..live_server import PASSWORD


def login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.press("input[name=password]", "Enter")  # Enter submits the plain form


def test_cursist_sees_training_links_only(page, live_server):
    """Does a cursist's landing page list training apps and no supervision apps?"""
    login(page, live_server.base_url, "cursist1")
    landing = page.locator(".ok-landing")
    landing.wait_for()
    assert "Cursist Een" in landing.inner_text()
    assert "cursist" in page.locator(".ok-role").inner_text()
    assert page.locator(".ok-link-training").count() >= 1
    assert page.locator(".ok-link-supervision").count() == 0
    # the cell that binds the person in the kernel leaves no trace on the page
    assert "bind_person" not in page.content()
    assert "Actor(" not in page.inner_text("body")


def test_trainer_sees_training_and_supervision_links(page, live_server):
    """Does a trainer's landing page list both training and supervision apps?"""
    login(page, live_server.base_url, "trainer1")
    page.locator(".ok-landing").wait_for()
    assert "Trainer Een" in page.locator(".ok-landing").inner_text()
    assert page.locator(".ok-link-training").count() >= 1
    assert page.locator(".ok-link-supervision").count() >= 1


def test_trainer_follows_a_supervision_link(page, live_server):
    """Does clicking a supervision link open that app with the people table?"""
    login(page, live_server.base_url, "trainer1")
    page.locator(".ok-link-supervision a").first.click()
    table = page.locator(".ok-people-table")
    table.wait_for()
    assert "cursist1" in table.inner_text()


def test_wrong_password_shows_dutch_error(page, live_server):
    """Does a wrong password keep the person on the login page with a Dutch error?"""
    login(page, live_server.base_url, "cursist1", "helemaal-fout")
    error = page.locator(".ok-error")
    error.wait_for()
    assert "onjuist wachtwoord" in error.inner_text()
    assert page.locator(".ok-landing").count() == 0
    assert not [c for c in page.context.cookies() if c["name"] == "oefenkit-sessie"]


def test_user_added_with_cli_can_log_in(page, live_server):
    """Can a person created with `oefenkit users add --password-stdin` log in through the browser?"""
    live_server.add_user("nieuw.persoon", "cursist", "Nieuw Persoon")
    login(page, live_server.base_url, "nieuw.persoon")
    page.locator(".ok-landing").wait_for()
    assert "Nieuw Persoon" in page.locator(".ok-landing").inner_text()


def test_coordinator_sees_both_areas(page, live_server):
    """Does a coördinator's landing page list training and supervision apps, with the Dutch role label?"""
    login(page, live_server.base_url, "coord1")
    page.locator(".ok-landing").wait_for()
    assert page.locator(".ok-role").inner_text() == "coördinator"
    assert page.locator(".ok-link-training").count() >= 1
    assert page.locator(".ok-link-supervision").count() >= 1
