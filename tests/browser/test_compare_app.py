"""Beoordelingen vergelijken in Chromium as trainer1, and a cursist refused over HTTP."""

from __future__ import annotations

from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..live_server import PASSWORD, oefenkit_cmd
from ..test_server_http import Client
from .test_login_landing import login

GROUP = "Voorbeeldgroep Babytijd"


def store_practice_rating(data_dir, username: str, score: int) -> str:
    """Put ``username`` in the group (CLI) and store one practice rating through the façade."""
    oefenkit_cmd(data_dir, "groups", "add-member", GROUP, username, check=False)  # may already be a member
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        case = next(c.code for c in kit.list_cases(SYSTEM) if "oefenen" in c.set_codes)
        kit.add_ratings(kit.find_person(username), case, {"sensitiviteit": score},
                        note="Moeder <b>volgt</b> de baby.")
    finally:
        kit.engine.dispose()
    return case


def test_trainer_compares_a_group(page, live_server):
    """Does a trainer open the app from the landing page, choose group, set and scale, and see the
    matrix with the cursist's score, the per-rater table and the export links?"""
    # A cursist of this test's own: the session's server is shared, and cursist1's practice
    # list must stay untouched for the practice app's tests.
    live_server.add_user("vergelijk.cursist", "cursist", "Vergelijk Cursist")
    case = store_practice_rating(live_server.data_dir, "vergelijk.cursist", 7)
    login(page, live_server.base_url, "trainer1")
    link = page.locator(".ok-app-compare a")
    link.wait_for()
    link.click()
    page.locator(".ok-compare-show").wait_for()
    page.locator(".ok-compare-group select").select_option(label=GROUP)
    sets = [t.replace("\xa0", " ") for t in page.locator(".ok-compare-set select option").all_inner_texts()]
    assert "Oefenen met feedback" in sets and "oefenen" not in sets  # set names, not codes
    page.locator(".ok-compare-set select").select_option(label="Oefenen met feedback")
    page.locator(".ok-compare-scale select").select_option(label="Sensitiviteit versus ongevoeligheid")
    page.locator(".ok-compare-show").click()
    table = page.locator(".ok-compare-table")
    table.wait_for(state="visible")
    row = table.locator("tr.ok-compare-row", has_text="Vergelijk Cursist")
    row.wait_for()
    assert "7" in row.locator(f"td[data-case='{case}']").inner_text()
    assert "afwijking" in row.locator(f"td[data-case='{case}']").get_attribute("title")
    assert "Consensus" in table.inner_text()
    assert case not in table.inner_text()  # clip titles in the header, not codes
    assert "Vergelijk Cursist" in page.locator(".ok-compare-raters").inner_text()
    assert page.locator(".ok-compare-notes").inner_text().count("Moeder <b>volgt</b> de baby.") == 1
    assert page.locator(".ok-compare-bland-altman svg").count() == 1
    csv = page.locator("a.ok-export-csv")
    assert csv.get_attribute("download") == "vergelijking.csv"
    assert csv.get_attribute("href").startswith("data:text/csv;charset=utf-8;base64,")
    assert page.locator("a.ok-export-xlsx").get_attribute("href").startswith("data:application/")


def test_cursist_is_refused_the_compare_app(live_server):
    """Is a cursist who asks for the compare app directly refused with 403?"""
    client = Client(live_server.base_url)
    client.login("cursist1", PASSWORD)
    status, _, page = client.request("/voila/render/supervision/vergelijken.ipynb")
    assert status == 403
    assert "Geen toegang" in page
