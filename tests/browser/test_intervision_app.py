"""Intervisie in Chromium: two team members score the three visits of gezin M and see the team's chart."""

from __future__ import annotations

from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..live_server import oefenkit_cmd
from .test_login_landing import login

TEAM = "Intervisie browsertest"
SCORES = [(3, 4, "Moeder mist zijn signalen."), (7, 7, "Ze ziet hem nu en praat terug."),
          (6, 7, "Meestal afgestemd, één gemist moment.")]
COLLEAGUE = [(5, 5, "Ze kijkt wel, maar reageert laat."), (9, 8, "Prachtig afgestemd spel."),
             (6, 6, "Rustig, af en toe afgeleid.")]


def _open_intervision(page, base_url: str, username: str):
    login(page, base_url, username)
    link = page.locator(".ok-app-intervision a")
    link.wait_for()
    link.click()
    page.locator(".ok-intervision").wait_for()


def _score_three_visits(page, scores) -> None:
    for i, (s, c, note) in enumerate(scores):
        # Saving a visit opens the next one the member has not scored yet.
        page.locator(".ok-intervision-visit-title",
                     has_text=["Eerste bezoek", "Laatste bezoek", "Vervolgbezoek"][i]).wait_for()
        page.locator(".ok-intervision .ok-score-sensitivity .ok-score-%d" % s).click()
        page.locator(".ok-intervision .ok-score-cooperation .ok-score-%d" % c).click()
        page.locator(".ok-intervision .ok-score-cooperation .ok-score-%d.ok-selected" % c).wait_for()
        page.locator(".ok-intervision-note textarea").fill(note)
        page.wait_for_function("() => !document.querySelector('.ok-intervision-save').disabled")
        page.locator(".ok-intervision-save").click()
        page.locator(".ok-intervision-progress", has_text=f"Jij hebt {i + 1} van de 3").wait_for()
        if i + 1 < len(scores):
            # Said after the next visit was opened and its score buttons reset: click only then.
            page.locator(".ok-intervision-message", has_text="Ga verder met het volgende bezoek").wait_for()


def test_two_members_score_three_visits_and_see_the_plot(page, browser, live_server):
    """Do two cursisten of one team, each in their own browser, open "Intervisie" from the landing
    page, score the first, last and follow-up visit on both scales with a note, and then see the
    chart (an SVG with both members' lines), the team medians and each other's notes — with the
    scores stored as the team's intervision scores? The server and its kernels run from the
    runtime-only environment (tests/runtime_env.py), as after ./kit start."""
    live_server.add_user("iv.cursist", "cursist", "Intervisie Cursist")
    live_server.add_user("iv.collega", "cursist", "Intervisie Collega")
    oefenkit_cmd(live_server.data_dir, "groups", "add", TEAM, "--programme", "ouder-baby")
    oefenkit_cmd(live_server.data_dir, "groups", "add-member", TEAM, "iv.cursist")
    oefenkit_cmd(live_server.data_dir, "groups", "add-member", TEAM, "iv.collega")

    colleague_context = browser.new_context(locale="nl-NL")
    colleague = colleague_context.new_page()
    colleague.set_default_timeout(60_000)
    try:
        _open_intervision(colleague, live_server.base_url, "iv.collega")
        _score_three_visits(colleague, COLLEAGUE)
        colleague.locator(".ok-intervision-plot svg").wait_for()
    finally:
        colleague_context.close()

    _open_intervision(page, live_server.base_url, "iv.cursist")
    page.locator(".ok-intervision-progress", has_text="Jij hebt 0 van de 3").wait_for()
    assert page.locator(".ok-intervision-visit").count() == 3
    _score_three_visits(page, SCORES)
    page.wait_for_function(
        "() => { const s = document.querySelector('.ok-intervision-plot svg');"
        " return s && s.getBoundingClientRect().width > 300; }")
    legend = page.locator(".ok-intervision-plot .ok-iv-legend").all_text_contents()
    assert legend == ["teammediaan", "Intervisie Cursist", "Intervisie Collega"] or \
        legend == ["teammediaan", "Intervisie Collega", "Intervisie Cursist"], legend
    # Each member scored 3 visits on 2 scales: 12 points in the chart.
    assert page.locator(".ok-intervision-plot .ok-iv-member-point").count() == 12
    summary = page.locator(".ok-intervision-summary").inner_text()
    # Medians of (3, 5), (7, 9) and (6, 6) on sensitivity.
    assert "Eerste bezoek: 4" in summary and "Laatste bezoek: 8 (+4)" in summary, summary
    notes = page.locator(".ok-intervision-notes").inner_text()
    assert all(note in notes for _, _, note in SCORES + COLLEAGUE), notes
    assert "Traceback" not in page.content()

    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        me = kit.find_person("iv.cursist")
        data = kit.intervision_scores(me, "intervisie-gezin-m", TEAM)
        got = sorted((r.username, r.case_code, r.scale_code, r.score) for r in data["records"])
    finally:
        kit.engine.dispose()
    assert len(got) == 12, got
    assert ("iv.cursist", "obi-gezin-m-laatste", "sensitiviteit", 7) in got
    assert ("iv.collega", "obi-gezin-m-laatste", "sensitiviteit", 9) in got
