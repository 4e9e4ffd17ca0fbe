"""The certification test in the browser, as a cursist: a passing attempt with a certificate PDF,
a failing attempt, an attempt resumed after a reload; a Babytijd cursist who does not see the test,
and an Ouder-baby cursist whose pass on the public set is an oefentoets without certificate.

The passing scores are the consensus read from the case scripts on disk, never from the app: exactly
what anybody can type from ``sample_cases/scripts/*.yaml``. That is why the shipped set is public and
certifies nothing; certificates come from the organisation's own set (:func:`own_exam_set`).
"""

from __future__ import annotations

import re
import urllib.request

import yaml

from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.settings import PROJECT_ROOT, load_settings

from .test_login_landing import login
from .viewport import wait_in_view_and_focused

SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"
_EXAM = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCRIPTS.glob("*.yaml"))]
#: Exam case title → consensus per scale (titles are unique within the exam set).
CONSENSUS_BY_TITLE = {d["title"]: d["consensus"] for d in _EXAM if d["set"] == "exam"}
SCALES = ("sensitiviteit", "cooperatie")


#: The organisation's own (private) Ouder-baby exam set, as the Casusbibliotheek makes it on publishing.
OWN_SET = "eigen-toets-ouder-baby"
#: The set choice's labels (oefenkit_widgets.exam.set_label): the own set certifies, the public one does not.
OWN_LABEL = "Eigen toetsset Ouder-baby interventie (certificeringstoets)"
PUBLIC_LABEL = "Voorbeeldtoets Ainsworth-schalen (oefentoets, geen certificaat)"


def own_exam_set(data_dir, *certified: str) -> None:
    """Give the live server the organisation's own exam set (the ten sample exam cases, private) and
    record the Ouder-baby rule's two supervised cases for each of ``certified``.

    Publishing ten uploaded clips through the library would take minutes; the library's own tests
    cover that path (``tests/test_library.py``). Here the set is made the way publishing makes it:
    private, for the Ouder-baby interventie.
    """
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        if not any(s.code == OWN_SET for s in kit.list_case_sets(SYSTEM) if not s.new):
            codes = sorted(d["code"] for d in _EXAM if d["set"] == "exam")
            kit.add_case_set(SYSTEM, OWN_SET, "Eigen toetsset Ouder-baby interventie", "exam",
                             codes, programme_code="ouder-baby")
        for username in certified:
            if not kit.count_supervised_cases(SYSTEM, username, "ouder-baby"):
                for n in (1, 2):
                    kit.record_supervised_case(SYSTEM, username, "ouder-baby", f"Casus {n} besproken.")
    finally:
        kit.engine.dispose()


def enrol(data_dir, username: str, group: str) -> None:
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        kit.add_group_member(SYSTEM, group, username)
    finally:
        kit.engine.dispose()


def open_exam(page, base_url: str, username: str) -> None:
    login(page, base_url, username)
    page.locator(".ok-app-exam a").click()
    page.locator(".ok-exam-app").wait_for()


def current_title(page) -> str:
    return page.locator(".ok-exam-case-title").inner_text().strip()


def wait_scored(page, n: int) -> None:
    page.locator(".ok-exam-progress", has_text=f"{n} van 10 gescoord").wait_for()


def score_current(page, scores: dict[str, int], done_before: int) -> None:
    settled(page)
    for scale in SCALES:
        page.locator(f".ok-exam-scale-{scale} .ok-score-{scores[scale]}").click()
        page.locator(f".ok-exam-scale-{scale} .ok-score-{scores[scale]}.ok-selected").wait_for()
    wait_scored(page, done_before + 1)  # stored in the database (the count comes back from the core)


def go_next(page, position: int) -> None:
    page.locator(".ok-exam-next").click()
    page.locator(".ok-exam-position", has_text=f"Fragment {position} van 10").wait_for()


def settled(page) -> None:
    """Wait until the app has scrolled the current clip's title into view and focused it: a click aimed
    before that scroll can land where a score button was."""
    wait_in_view_and_focused(page, ".ok-exam-case-title h2", timeout=60_000)


def score_everything(page, scores_for) -> list[str]:
    titles = []
    for i in range(10):
        title = current_title(page)
        titles.append(title)
        score_current(page, scores_for(title), i)
        if i < 9:
            go_next(page, i + 2)
    return titles


def test_cursist_passes_and_downloads_the_certificate(page, live_server):
    """On the organisation's own set: does a cursist who scores every clip as the consensus (with the two
    supervised cases recorded) pass, see "Geslaagd" with the statistics, and download a certificate PDF
    that needs a login?"""
    own_exam_set(live_server.data_dir, "cursist1")
    open_exam(page, live_server.base_url, "cursist1")
    page.locator(".ok-exam-intro").wait_for()
    assert "geen feedback" in page.locator(".ok-exam-rules").inner_text()
    page.locator(".ok-exam-set select").select_option(label=OWN_LABEL)
    page.locator(".ok-exam-kind", has_text="Certificeringstoets").wait_for()
    page.locator(".ok-exam-start").click()
    page.locator(".ok-exam").wait_for()
    assert page.locator(".ok-exam-submit").is_disabled()
    titles = score_everything(page, lambda title: CONSENSUS_BY_TITLE[title])
    assert sorted(titles) == sorted(CONSENSUS_BY_TITLE)
    submit = page.locator(".ok-exam-submit")
    page.wait_for_function("() => !document.querySelector('.ok-exam-submit').disabled")
    submit.click()
    # One click only asks; the attempt is handed in after "Ja, inleveren".
    page.locator(".ok-exam-submit-confirm").wait_for()
    assert "poging 1 van de 3" in page.locator(".ok-exam-submit-question").inner_text()
    assert page.locator(".ok-exam-result").count() == 0
    page.locator(".ok-exam-submit-confirm").click()
    result = page.locator(".ok-exam-result")
    result.wait_for()
    assert page.locator(".ok-exam-outcome").inner_text().strip() == "Geslaagd"
    assert "Je bent geslaagd" in page.locator(".ok-exam-summary").inner_text()
    assert "ICC" not in page.locator(".ok-exam-reasons").inner_text()
    wait_in_view_and_focused(page, ".ok-exam-outcome", timeout=60_000)  # the app scrolls to the result first
    page.locator(".ok-exam-details summary").click()
    assert "ICC(A,1)" in page.locator(".ok-exam-stats").inner_text()
    href = page.locator(".ok-exam-certificate").get_attribute("href")
    assert re.fullmatch(r"/oefenkit/certificate/OK-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}\.pdf", href)
    response = page.request.get(live_server.base_url + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    assert href.rsplit("/", 1)[1][:-4].encode() in body
    # Without the login cookie the PDF is not served (the login page instead).
    with urllib.request.urlopen(live_server.base_url + href, timeout=10) as anonymous:
        assert not anonymous.read().startswith(b"%PDF")
        assert "/login" in anonymous.url


def test_cursist_who_scores_everything_five_fails(page, live_server):
    """Does a cursist who gives every clip a 5 on both scales see "Niet geslaagd" with the reasons and
    no certificate?"""
    live_server.add_user("toets.vijf", "cursist", "Toets Vijf")
    open_exam(page, live_server.base_url, "toets.vijf")
    page.locator(".ok-exam-start").click()
    page.locator(".ok-exam").wait_for()
    score_everything(page, lambda title: {s: 5 for s in SCALES})
    page.wait_for_function("() => !document.querySelector('.ok-exam-submit').disabled")
    page.locator(".ok-exam-submit").click()
    page.locator(".ok-exam-submit-confirm").click()
    page.locator(".ok-exam-result").wait_for()
    assert page.locator(".ok-exam-outcome").inner_text().strip() == "Niet geslaagd"
    assert "nog niet geslaagd" in page.locator(".ok-exam-summary").inner_text()
    reasons = page.locator(".ok-exam-reasons").inner_text()
    assert "Coöperatie" in reasons and "cooperatie" not in reasons and "ICC" not in reasons
    assert "nog 2 van de 3 pogingen" in page.locator(".ok-exam-next-step").inner_text()
    assert page.locator(".ok-exam-certificate").count() == 0
    # Reopening the app shows this result, not the start panel.
    page.reload()
    page.locator(".ok-exam-result").wait_for()
    assert page.locator(".ok-exam-outcome").inner_text().strip() == "Niet geslaagd"
    assert page.locator(".ok-exam-intro").count() == 0


def test_reload_resumes_the_attempt_in_the_same_order(page, live_server):
    """After three clips and a reload, does the attempt come back with the same order and the saved
    scores, at the first clip still to score?"""
    live_server.add_user("toets.hervat", "cursist", "Toets Hervat")
    open_exam(page, live_server.base_url, "toets.hervat")
    page.locator(".ok-exam-start").click()
    page.locator(".ok-exam").wait_for()
    titles, given = [], []
    for i in range(3):
        titles.append(current_title(page))
        scores = {"sensitiviteit": 2 + i, "cooperatie": 8 - i}
        given.append(scores)
        score_current(page, scores, i)
        go_next(page, i + 2)
    fourth = current_title(page)

    page.reload()
    page.locator(".ok-exam").wait_for()
    wait_scored(page, 3)
    page.locator(".ok-exam-position", has_text="Fragment 4 van 10").wait_for()
    assert current_title(page) == fourth
    assert "verder met je toets" in page.locator(".ok-exam-app").inner_text()
    for position in (3, 2, 1):
        page.locator(".ok-exam-prev").click()
        page.locator(".ok-exam-position", has_text=f"Fragment {position} van 10").wait_for()
        assert current_title(page) == titles[position - 1]
        for scale in SCALES:
            chosen = page.locator(f".ok-exam-scale-{scale} .ok-selected")
            chosen.wait_for()
            assert chosen.inner_text().strip() == str(given[position - 1][scale])


def test_babytijd_cursist_does_not_see_the_certification_test(page, live_server):
    """A cursist whose only group is Babytijd (a registration after the training, no scoring test):
    is the certification test missing from the start page while practising is offered, and is the
    app's address refused with a Dutch page?"""
    live_server.add_user("toets.babytijd", "cursist", "Babytijd Cursist")
    enrol(live_server.data_dir, "toets.babytijd", "Voorbeeldgroep Babytijd")
    login(page, live_server.base_url, "toets.babytijd")
    page.locator(".ok-app-practice a").wait_for()
    assert page.locator(".ok-app-exam").count() == 0
    assert "Certificeringstoets" not in page.locator(".ok-landing").inner_text()
    response = page.goto(live_server.base_url + "/voila/render/training/toets.ipynb")
    assert response.status == 403
    assert "niet beschikbaar voor jouw rol of programma" in page.content()
    assert page.locator(".ok-exam-app").count() == 0


def test_ouder_baby_cursist_passing_the_public_set_gets_an_oefentoets(page, live_server):
    """An Ouder-baby cursist types the expert scores of the public set (from the case scripts): does the
    page say beforehand that this is an oefentoets without certificate, and afterwards show the full
    result marked as an oefentoets — with no certificate link and nothing in "Mijn gegevens"?"""
    own_exam_set(live_server.data_dir)  # the own set exists, so the cursist really has to choose
    live_server.add_user("toets.openbaar", "cursist", "Openbare Toets")
    enrol(live_server.data_dir, "toets.openbaar", "Voorbeeldgroep Ouder-baby")
    open_exam(page, live_server.base_url, "toets.openbaar")
    page.locator(".ok-exam-intro").wait_for()
    page.locator(".ok-exam-set select").select_option(label=PUBLIC_LABEL)
    page.locator(".ok-exam-kind", has_text="Oefentoets").wait_for()
    assert "geen certificaat" in page.locator(".ok-exam-rules").inner_text()
    page.locator(".ok-exam-start").click()
    page.locator(".ok-exam").wait_for()
    titles = score_everything(page, lambda title: CONSENSUS_BY_TITLE[title])
    assert sorted(titles) == sorted(CONSENSUS_BY_TITLE)
    page.wait_for_function("() => !document.querySelector('.ok-exam-submit').disabled")
    page.locator(".ok-exam-submit").click()
    page.locator(".ok-exam-submit-confirm").click()
    page.locator(".ok-exam-result").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-outcome", timeout=60_000)
    assert page.locator(".ok-exam-outcome").inner_text().strip() == "Oefentoets: geslaagd"
    assert "geslaagd voor de oefentoets" in page.locator(".ok-exam-summary").inner_text()
    note = page.locator(".ok-exam-oefentoets").inner_text()
    assert "oefentoets" in note and "geen certificaat" in note and "eigen toetsset" in note
    page.locator(".ok-exam-details summary").click()
    assert "ICC(A,1)" in page.locator(".ok-exam-stats").inner_text()  # the full result
    assert page.locator(".ok-exam-certificate").count() == 0
    assert page.locator(".ok-exam-code").count() == 0
    assert page.locator(".ok-exam-again").inner_text().strip() == "Naar de toetsen"  # on to the own set
    page.goto(live_server.base_url + "/voila/render/training/mijn_gegevens.ipynb")
    mine = page.locator(".ok-my-certificates")
    mine.wait_for()
    assert "OK-" not in mine.inner_text()
