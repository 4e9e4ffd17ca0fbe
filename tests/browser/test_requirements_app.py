"""Requirements in Chromium (issue 17): a trainer of this test's own records the two Babytijd dagdelen
of a cursist of this test's own in "Certificering", sees the path proposal appear, accepts it and
finds the registration in the register; the cursist then reads "Wat heb ik nog nodig?" in Mijn
gegevens with every required requirement done.
"""

from __future__ import annotations

import datetime as dt

from oefenkit.instance import open_kit
from oefenkit.programmes import load_paths
from oefenkit.settings import PROJECT_ROOT, load_settings
from oefenkit.storage.exams import LOCAL_TZ

from .conftest import dutch_page
from .test_login_landing import login

PATHS = load_paths(PROJECT_ROOT / "content")


def programme_name(data_dir, code: str) -> str:
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        return {p["code"]: p["name"] for p in kit.list_programmes()}[code]
    finally:
        kit.engine.dispose()


def test_trainer_records_the_requirements_and_then_sees_the_proposal(page, browser, live_server):
    """Does recording the first dagdeel leave the path open (no proposal), does the second show the
    proposal "registreren als uitvoerder" on the same page, does accepting it put the registration in
    the register, and does the cursist see the requirements done in Mijn gegevens?"""
    live_server.add_user("req.trainer", "trainer", "Eisen Trainer")
    live_server.add_user("req.cursist", "cursist", "Eisen Cursist")
    today = dt.datetime.now(LOCAL_TZ).date()
    requirement = PATHS["babytijd"].requirement("train-de-trainer").label

    login(page, live_server.base_url, "req.trainer")
    link = page.locator(".ok-app-certificates a")
    link.wait_for()
    link.click()
    form = page.locator(".ok-requirements")
    form.wait_for()
    form.locator(".ok-requirements-programme select").select_option(
        label=programme_name(live_server.data_dir, "babytijd"))
    form.locator(".ok-requirements-person select").select_option(label="Eisen Cursist (req.cursist)")
    overview = form.locator(".ok-requirements-overview")
    overview.locator(".ok-requirement-open[data-code='train-de-trainer']").wait_for()
    assert "0 van 2" in overview.inner_text()

    for days, note in ((8, "Eerste dagdeel"), (1, "Tweede dagdeel")):
        form.locator(".ok-requirements-code select").select_option(label=requirement)
        form.locator(".ok-requirements-date input").fill((today - dt.timedelta(days=days)).isoformat())
        form.locator(".ok-requirements-note input").fill(note)
        form.locator(".ok-requirements-save").click()
        day = today - dt.timedelta(days=days)
        form.locator(".ok-requirements-message .ok-notice-info", has_text=f"{day:%d-%m-%Y}").wait_for()
        if days == 8:
            overview.locator(".ok-requirement-count", has_text="1 van 2").wait_for()
            assert page.locator(".ok-proposal", has_text="Eisen Cursist").count() == 0

    overview.locator(".ok-requirement-done[data-code='train-de-trainer']").wait_for()
    assert (f"{today - dt.timedelta(days=8):%d-%m-%Y} (Eerste dagdeel), "
            f"{today - dt.timedelta(days=1):%d-%m-%Y} (Tweede dagdeel)") in overview.inner_text()
    card = page.locator(".ok-proposal", has_text="Eisen Cursist")
    card.wait_for()
    assert "registreren als uitvoerder" in card.locator(".ok-proposal-outcome").inner_text()
    assert "2 van 2" in card.locator(".ok-proposal-stats").inner_text()
    card.locator(".ok-proposal-accept").click()
    done = card.locator(".ok-proposal-result .ok-notice-info")
    done.wait_for()
    assert "Registratie OK-" in done.inner_text()
    row = page.locator(".ok-register .ok-register-row", has_text="Eisen Cursist")
    row.wait_for()
    assert "(registratie)" in row.inner_text() and "geldig" in row.inner_text()

    with dutch_page(browser) as own:
        login(own, live_server.base_url, "req.cursist")
        own.locator(".ok-app-mijn-gegevens a").click()
        needed = own.locator(".ok-what-i-need-babytijd")
        needed.wait_for()
        assert "Gedaan" in needed.locator(".ok-requirement-done[data-code='train-de-trainer']").inner_text()
        assert "geregistreerd als uitvoerder" in needed.locator(".ok-requirement-status").inner_text()
