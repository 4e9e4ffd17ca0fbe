"""Babytijd-reeks in Chromium on a phone (390×844, issue 20): an uitvoerder in a Babytijd group creates
a reeks with the six opvoeders of the shared fixture (``tests/fixtures/babytijd_reeks.yaml``), enters
the nulmeting, the attendance of twelve meetings with the reasons of every absence, the tussenevaluatie
na 5 and the eindevaluatie, and then sees the paired change per subgoal on the overview, checked
against the fixture's hand-computed figures (also those of the core tests, ``tests/test_babytijd.py``).
The parts pass the phone checks (no sideways scrolling) and axe-core (no critical or serious
violations)."""

from __future__ import annotations

import re

from ..babytijd_fixture import fixture
from ..live_server import oefenkit_cmd
from .test_login_landing import login
from .test_terugkomdag_rounds import assert_accessible
from .viewport import phone_context, phone_problems

GROUP = "Babytijd reeks browsertest"
USER = "reeks.uitvoerder"
KIND_LABELS = {"nulmeting": "Nulmeting (kennismaking)", "na-5": "Tussenevaluatie na 5 bijeenkomsten",
               "eind": "Eindevaluatie na 10 bijeenkomsten"}
REASON_LABELS = {"ziek-opvoeder": "Ziek (opvoeder)", "ziek-baby": "Ziek (baby)",
                 "afspraak": "Afspraak (consultatiebureau, vaccinatie, arts)", "slaap": "Slaaptijd of ritme van de baby",
                 "werk": "Werk", "vakantie": "Vakantie", "vervoer": "Vervoer of weer", "vergeten": "Vergeten",
                 "anders": "Anders"}


def phone_ready(page, where: str) -> None:
    """No sideways scrolling, no text cut off, every button and dropdown at least 44 px high."""
    problems = phone_problems(page)
    assert problems == {"hscroll": [], "ellipsis": [], "small": []}, f"{where}: {problems}"


def part(page, name: str, hook: str) -> None:
    page.locator(".ok-reeks-nav button", has_text=re.compile(f"^{name}$")).click()
    page.locator(f".ok-reeks-part .{hook}").first.wait_for()


def enter_measurement(page, person: dict, kind: str, subgoals: list[str]) -> None:
    page.locator(".ok-measure-opvoeder select").select_option(person["code"])
    page.locator(".ok-measure-kind select").select_option(label=KIND_LABELS[kind])
    for code, score in zip(subgoals, person[kind]):
        if score is not None:  # a question left open on the paper form stays open
            page.locator(f".ok-measure-score-{code} button", has_text=re.compile(f"^{score}$")).click()
    if kind == "eind" and person.get("tips"):
        page.locator(".ok-measure-tips textarea").fill(person["tips"])
        page.locator(".ok-measure-tops textarea").fill(person["tops"])
    page.locator(".ok-measure-save").click()
    page.locator(".ok-measure-message", has_text=f"{KIND_LABELS[kind]} van {person['code']} is opgeslagen").wait_for()


def number(text: str) -> float:
    """A number as the app writes it (Dutch decimal comma, sign) back as a float."""
    return float(text.strip().replace(",", ".").replace("+", ""))


def test_uitvoerder_enters_a_reeks_on_a_phone_and_sees_the_paired_change(browser, live_server):
    """Does the paper-form flow work on a phone, and does the overview show per subgoal and measurement
    the fixture's n, mean change and 95 % CI (to two decimals), its reach, mean attendance and share
    with ten or more meetings, with nothing due any more after the twelfth meeting?"""
    data = fixture()
    subgoals, opvoeders, expected = data["subgoals"], data["opvoeders"], data["expected"]
    live_server.add_user(USER, "cursist", "Reeks Uitvoerder")
    oefenkit_cmd(live_server.data_dir, "groups", "add", GROUP, "--programme", "babytijd")
    oefenkit_cmd(live_server.data_dir, "groups", "add-member", GROUP, USER)

    ctx = phone_context(browser)
    try:
        page = ctx.new_page()
        page.set_default_timeout(60_000)
        login(page, live_server.base_url, USER)
        page.locator(".ok-app-babytijd-reeks a").click()
        page.locator(".ok-reeks-app").wait_for()
        assert "geen naam" in page.locator(".ok-reeks-intro").inner_text()
        phone_ready(page, "start")

        page.locator(".ok-reeks-name input").fill(data["reeks"]["name"])
        page.locator(".ok-reeks-start input").fill(str(data["reeks"]["start"]))
        page.locator(".ok-reeks-create").click()
        page.locator(".ok-reeks-create-message", has_text="De reeks is aangemaakt").wait_for()
        page.locator(".ok-reeks-choice select option", has_text=data["reeks"]["name"]).wait_for(state="attached")

        for person in opvoeders:
            page.locator(".ok-opvoeder-code input").fill(person["code"])
            page.locator(".ok-opvoeder-consent button", has_text="Ja" if person["consent"] else "Nee").click()
            page.locator(".ok-opvoeder-age input").fill(str(person["baby_age_months"]))
            page.locator(".ok-opvoeder-add").click()
            page.locator(".ok-opvoeder-message", has_text=f"Opvoeder {person['code']} is toegevoegd").wait_for()
        page.locator(f".ok-due-{opvoeders[-1]['code']}").wait_for()
        assert page.locator(".ok-due-row").count() == 6
        assert page.locator(".ok-due-A1 .ok-due-now").inner_text() == KIND_LABELS["nulmeting"]
        phone_ready(page, "opvoeders")

        assert_accessible(page, 390, 844)  # the opvoeders part with its table and form
        part(page, "Meting", "ok-measure")
        phone_ready(page, "meting")
        assert_accessible(page, 390, 844)
        for person in opvoeders:
            enter_measurement(page, person, "nulmeting", subgoals)

        part(page, "Aanwezigheid", "ok-attendance")
        phone_ready(page, "aanwezigheid")
        for meeting in range(1, 13):
            page.locator(".ok-attendance-meeting select").select_option(label=f"Bijeenkomst {meeting}")
            page.locator(".ok-attendance-all").click()
            for person in opvoeders:
                mark = person["attendance"][meeting - 1]
                if mark == "ja":
                    continue
                row = page.locator(f".ok-attendance-{person['code']}")
                row.locator(".ok-attendance-present button", has_text="afwezig").click()
                reason = row.locator(".ok-attendance-reason select")
                reason.wait_for(state="visible")
                if mark != "?":  # "?": absent, reason not known
                    reason.select_option(label=REASON_LABELS[mark])
                if mark == "anders":
                    row.locator(".ok-attendance-other input").wait_for(state="visible")
                    row.locator(".ok-attendance-other input").fill(person["anders"])
            page.locator(".ok-attendance-save").click()
            page.locator(".ok-attendance-message",
                         has_text=f"De aanwezigheid van bijeenkomst {meeting} is opgeslagen").wait_for()

        part(page, "Meting", "ok-measure")
        for kind in ("na-5", "eind"):
            for person in opvoeders:
                if kind in person:
                    enter_measurement(page, person, kind, subgoals)
        assert page.locator(".ok-measure-early").is_hidden()  # every measurement was due

        part(page, "Opvoeders", "ok-reeks-due")
        for code, attended in expected["attended"].items():
            row = page.locator(f".ok-due-{code}")
            assert f"{attended} van 16" in row.inner_text()
            assert row.locator(".ok-due-now").inner_text() == "niets"

        part(page, "Overzicht", "ok-reeks-changes")
        overview = page.locator(".ok-reeks-overview")
        assert overview.locator(".ok-reeks-reach").inner_text() == str(expected["reach"])
        assert overview.locator(".ok-reeks-mean-attended").inner_text().startswith("9,8 van 16")
        assert overview.locator(".ok-reeks-share-goal").inner_text() == "67 %"
        checked = 0
        for kind, per_goal in expected["change"].items():
            for goal, want in per_goal.items():
                row = overview.locator(f".ok-change-row[data-subgoal='{goal}'][data-kind='{kind}']")
                assert int(row.locator(".ok-change-n").inner_text()) == want["n"], (kind, goal)
                assert abs(number(row.locator(".ok-change-mean").inner_text()) - want["mean"]) <= 0.005, (kind, goal)
                low, high = row.locator(".ok-change-ci").inner_text().split(" tot ")
                assert abs(number(low) - want["ci_low"]) <= 0.005 and abs(number(high) - want["ci_high"]) <= 0.005, \
                    (kind, goal, low, high)
                checked += 1
        assert checked == 16  # 8 subgoals after 5 and at the eind; nobody has na-16 yet
        assert overview.locator(".ok-change-chart .ok-change-bar").count() == 16
        assert overview.locator(".ok-change-row[data-kind='na-16']").count() == 0
        phone_ready(page, "overzicht")
        assert_accessible(page, 390, 844)
        assert "A1" not in overview.inner_text()  # the figures never show a code
    finally:
        ctx.close()
