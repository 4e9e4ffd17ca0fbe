"""Intervisie in Chromium: a team member scores the three visits of gezin M and sees the team's plot."""

from __future__ import annotations

from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..live_server import oefenkit_cmd
from .test_login_landing import login

TEAM = "Intervisie browsertest"
SCORES = [(3, 4, "Moeder mist zijn signalen."), (7, 7, "Ze ziet hem nu en praat terug."),
          (6, 7, "Meestal afgestemd, één gemist moment.")]


def test_member_scores_three_visits_and_sees_the_plot(page, live_server):
    """Does a cursist in a team open "Intervisie" from the landing page, score the first, last and
    follow-up visit on both scales with a note, and then see the plot, the medians and the notes —
    with the scores stored as the team's intervision scores?"""
    live_server.add_user("iv.cursist", "cursist", "Intervisie Cursist")
    oefenkit_cmd(live_server.data_dir, "groups", "add", TEAM, "--programme", "ouder-baby")
    oefenkit_cmd(live_server.data_dir, "groups", "add-member", TEAM, "iv.cursist")
    login(page, live_server.base_url, "iv.cursist")
    link = page.locator(".ok-app-intervision a")
    link.wait_for()
    link.click()
    app = page.locator(".ok-intervision")
    app.wait_for()
    page.locator(".ok-intervision-progress", has_text="Jij hebt 0 van de 3").wait_for()
    assert page.locator(".ok-intervision-visit").count() == 3
    for i, (s, c, note) in enumerate(SCORES):
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
    plot = page.locator(".ok-intervision-plot")
    plot.wait_for()
    page.wait_for_function(
        "() => { const i = document.querySelector('.ok-intervision-plot'); return i && i.naturalWidth > 400; }")
    summary = page.locator(".ok-intervision-summary").inner_text()
    assert "Eerste bezoek: 3" in summary and "Laatste bezoek: 7 (+4)" in summary
    notes = page.locator(".ok-intervision-notes").inner_text()
    assert all(note in notes for _, _, note in SCORES), notes

    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        me = kit.find_person("iv.cursist")
        data = kit.intervision_scores(me, "intervisie-gezin-m", TEAM)
        got = sorted((r.case_code, r.scale_code, r.score) for r in data["records"])
    finally:
        kit.engine.dispose()
    assert len(got) == 6 and ("obi-gezin-m-laatste", "sensitiviteit", 7) in got
