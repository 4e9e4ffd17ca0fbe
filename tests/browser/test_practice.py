"""Practice scoring in Chromium as cursist1: open the app, play and seek a clip, score, see feedback."""

from __future__ import annotations

from .test_login_landing import login
from .viewport import wait_in_view_and_focused


def open_practice(page, base_url: str) -> None:
    login(page, base_url, "cursist1")
    page.locator(".ok-app-practice a").click()
    page.locator(".ok-case").first.wait_for()


def test_cursist_scores_a_practice_clip_and_sees_feedback(page, live_server):
    """Can a cursist play and seek a clip, score both scales with the buttons, submit, and see the
    consensus and their deviation; and is the clip marked done with its score after a reload?"""
    page.set_viewport_size({"width": 1366, "height": 768})
    open_practice(page, live_server.base_url)
    assert page.locator(".ok-case").count() >= 1
    first = page.locator(".ok-case").first
    title = first.locator(".ok-case-open").inner_text()
    assert "Nieuw" in first.inner_text()
    first.locator(".ok-case-open").click()

    video = page.locator(".ok-video video")
    video.wait_for()
    assert "/oefenkit/media/clip/" in video.get_attribute("src")
    assert "/voila/files/" not in page.content()
    page.wait_for_function("document.querySelector('.ok-video video').readyState >= 3", timeout=60_000)
    duration = video.evaluate("v => v.duration")
    assert duration > 10
    video.evaluate("v => { v.currentTime = v.duration / 2; }")
    page.wait_for_function(
        "(() => { const v = document.querySelector('.ok-video video');"
        " return !v.seeking && Math.abs(v.currentTime - v.duration / 2) < 1 && v.readyState >= 2; })()")

    submit = page.locator(".ok-submit")
    assert submit.is_disabled()  # nothing scored yet
    page.locator(".ok-score-sensitivity button", has_text="7").click()
    assert submit.is_disabled()  # one scale is not enough
    page.locator(".ok-score-cooperation button", has_text="4").click()
    page.locator(".ok-note textarea").fill("Moeder reageert snel, maar stuurt het spel veel.")
    page.wait_for_function("!document.querySelector('.ok-submit').disabled")
    submit.click()

    feedback = page.locator(".ok-feedback")
    feedback.wait_for(state="visible")
    text = feedback.inner_text()
    assert "consensus" in text.lower()
    assert "Jouw afwijking" in text and "Spreiding experts" in text
    assert "Onderbouwing van de consensus" in text

    page.reload()
    page.locator(".ok-case").first.wait_for()
    entry = page.locator(".ok-case", has_text=title).first
    assert "Gedaan" in entry.inner_text()
    assert "sensitiviteit 7" in entry.inner_text() and "coöperatie 4" in entry.inner_text()
    assert page.locator(".ok-learning-curve svg").count() == 1


def test_scoring_by_keyboard_on_a_tablet(page, live_server):
    """On a tablet-sized screen, can the buttons be reached with Tab and pressed with Enter/Space?"""
    page.set_viewport_size({"width": 768, "height": 1024})
    open_practice(page, live_server.base_url)
    page.locator(".ok-case .ok-case-open").nth(1).focus()
    page.keyboard.press("Enter")
    # the app moves the focus to the clip's title once it is rendered; wait for that before moving it on
    wait_in_view_and_focused(page, ".ok-practice-case-title h2", timeout=60_000)
    page.locator(".ok-video video").wait_for()
    button = page.locator(".ok-score-sensitivity button", has_text="5")
    button.focus()
    page.keyboard.press("Space")
    page.locator(".ok-score-sensitivity button.ok-selected").wait_for()
    page.locator(".ok-score-cooperation button", has_text="6").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("!document.querySelector('.ok-submit').disabled")
    # every score button fits on the screen without horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
