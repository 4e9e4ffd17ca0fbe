"""The certification test in the browser, as a cursist: a passing attempt with a certificate PDF,
a failing attempt, and an attempt resumed after a reload.

The passing scores are the consensus read from the case scripts on disk, never from the app.
"""

from __future__ import annotations

import re
import urllib.request

import yaml

from oefenkit.settings import PROJECT_ROOT

from .test_login_landing import login
from .viewport import wait_in_view_and_focused

SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"
_EXAM = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCRIPTS.glob("*.yaml"))]
#: Exam case title → consensus per scale (titles are unique within the exam set).
CONSENSUS_BY_TITLE = {d["title"]: d["consensus"] for d in _EXAM if d["set"] == "exam"}
SCALES = ("sensitiviteit", "cooperatie")


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
    """Does a cursist who scores every clip as the consensus pass, see "Geslaagd" with the statistics,
    and download a certificate PDF that needs a login?"""
    open_exam(page, live_server.base_url, "cursist1")
    page.locator(".ok-exam-intro").wait_for()
    assert "geen feedback" in page.locator(".ok-exam-rules").inner_text()
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
