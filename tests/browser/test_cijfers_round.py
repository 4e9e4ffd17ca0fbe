"""The terugkomdag round ``cijfers`` in Chromium (issue 20): a trainer's projector at 1366×768 and an
uitvoerder's phone at 390×844. The uitvoerder's reeks is the shared fixture (six opvoeders); the round
shows its pooled figures without codes, small cells (the eindevaluatie of four, every absence reason)
suppressed with the Dutch reason, the same on the phone, and both pages pass axe-core (no critical or
serious violations) and the phone checks."""

from __future__ import annotations

import re

from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..babytijd_fixture import fill_reeks, fixture
from .test_login_landing import login
from .test_terugkomdag_rounds import add_round, assert_accessible, start_plan_session
from .viewport import phone_context, phone_problems

UITVOERDER = ("cijfers.uitvoerder", "Cijfers Uitvoerder")


def test_cijfers_round_on_projector_and_phone(browser, live_server):
    """Does the trainer's "Cijfers van de groep" round show the joined uitvoerder's pooled figures on the
    projector and the phone, with the cells of fewer than five opvoeders suppressed and explained, no
    code or name anywhere, no answer box and no reveal?"""
    live_server.add_user("cijfers.trainer", "trainer", "Cijfers Trainer")
    live_server.add_user(UITVOERDER[0], "cursist", UITVOERDER[1])
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        fill_reeks(kit, SYSTEM, uitvoerder=UITVOERDER[0])
    finally:
        kit.engine.dispose()
    contexts = []
    try:
        trainer, code = start_plan_session(browser, live_server, "cijfers.trainer", contexts)

        pctx = phone_context(browser)
        contexts.append(pctx)
        phone = pctx.new_page()
        phone.set_default_timeout(60_000)
        login(phone, live_server.base_url, UITVOERDER[0])
        phone.locator(".ok-app-session a").click()
        phone.locator(".ok-session-join input").fill(code)
        phone.locator(".ok-session-join button").click()
        phone.locator(".ok-session-status", has_text="Wacht tot de trainer de eerste ronde start").wait_for()
        trainer.locator(".ok-dashboard", has_text="1 deelnemer").wait_for()

        add_round(trainer, "Cijfers van de groep", "Cijfers van de Babytijd-reeksen")
        figures = trainer.locator(".ok-dashboard .ok-figures")
        figures.wait_for()
        reach = figures.locator(".ok-figures-shown", has_text="Opvoeders bereikt")
        assert reach.locator(".ok-figures-n").inner_text() == "6"
        assert "1 reeks(en) van 1 uitvoerder(s)" in figures.locator(".ok-figures-scope").inner_text()
        suppressed = figures.locator(".ok-figures-suppressed")
        # every absence reason was given by fewer than five opvoeders; the eindevaluatie has four pairs and
        # nobody has the na-16: each of these two is one line "Alle subdoelen"
        assert suppressed.count() == len(fixture()["expected"]["absence_reasons"]) + 2, suppressed.count()
        assert figures.locator(".ok-figures-suppressed", has_text="Alle subdoelen").count() == 2
        assert "minder dan 5 opvoeders" in suppressed.first.inner_text()
        assert "minder dan vijf opvoeders" in figures.locator(".ok-figures-note").inner_text()
        # the round's part of the projector (the join code elsewhere on the page may hold "A6" by chance)
        shown = trainer.locator(".ok-round-answers").inner_text()
        for person in fixture()["opvoeders"]:
            assert not re.search(rf"\b{person['code']}\b", shown), person["code"]
        assert UITVOERDER[1] not in shown
        assert trainer.locator(".ok-reveal").is_hidden()
        assert_accessible(trainer, 1366, 768)

        on_phone = phone.locator(".ok-session-round .ok-figures")
        on_phone.wait_for()
        assert on_phone.locator(".ok-figures-shown", has_text="Opvoeders bereikt").locator(
            ".ok-figures-n").inner_text() == "6"
        assert on_phone.locator(".ok-figures-suppressed").count() == suppressed.count()
        assert phone.locator(".ok-answer-submit").is_hidden()
        assert "lever je niets in" in phone.locator(".ok-answer-hint").inner_text()
        problems = phone_problems(phone)
        assert problems == {"hscroll": [], "ellipsis": [], "small": []}, problems
        assert_accessible(phone, 390, 844)
    finally:
        for c in contexts:
            c.close()
