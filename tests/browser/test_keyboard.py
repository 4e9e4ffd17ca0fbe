"""Keyboard-only scoring (issue 15): a practice clip and an exam clip scored with Tab, Shift+Tab, Enter
and Space only (no mouse, no programmatic focus), in Chromium at 1366×768."""

from __future__ import annotations

from .test_login_landing import login
from .viewport import wait_in_view_and_focused

DESKTOP = {"width": 1366, "height": 768}


def focused_matches(page, selector: str) -> bool:
    return page.evaluate("(sel) => !!document.activeElement && document.activeElement.matches(sel)", selector)


def tab_to(page, selector: str, *, backwards: bool = False, limit: int = 80) -> int:
    """Press Tab (or Shift+Tab) until the focused element matches ``selector``; the number of presses."""
    key = "Shift+Tab" if backwards else "Tab"
    for presses in range(1, limit + 1):
        page.keyboard.press(key)
        if focused_matches(page, selector):
            return presses
    raise AssertionError(f"{selector} not reached with {limit}× {key}; focus on "
                         + page.evaluate("document.activeElement.outerHTML.slice(0, 200)"))


def test_practice_clip_scored_with_the_keyboard_only(page, live_server):
    """Tab to a clip, Enter opens it (focus on its title), Tab/Shift+Tab to the score buttons, Enter and
    Space choose, type a note, Enter submits, and the feedback has the focus."""
    live_server.add_user("toets.toetsenbord", "cursist", "Toetsenbord Oefen")
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "toets.toetsenbord")
    page.locator(".ok-app-practice a").wait_for()
    tab_to(page, ".ok-app-practice a")  # from the top of the landing page
    page.keyboard.press("Enter")
    page.locator(".ok-case").first.wait_for()

    tab_to(page, ".ok-case-open")
    title = page.evaluate("document.activeElement.innerText.trim()")
    page.keyboard.press("Enter")
    wait_in_view_and_focused(page, ".ok-practice-case-title h2")
    assert title in page.locator(".ok-practice-case-title").inner_text()

    tab_to(page, ".ok-score-sensitivity .ok-score-7")
    page.keyboard.press("Enter")
    page.locator(".ok-score-sensitivity .ok-score-7.ok-selected").wait_for()
    tab_to(page, ".ok-score-cooperation .ok-score-5")
    tab_to(page, ".ok-score-cooperation .ok-score-4", backwards=True)  # one back
    page.keyboard.press("Space")
    page.locator(".ok-score-cooperation .ok-score-4.ok-selected").wait_for()
    tab_to(page, ".ok-note textarea")
    page.keyboard.type("Moeder volgt het tempo van de baby.")
    tab_to(page, ".ok-submit")
    page.wait_for_function("!document.querySelector('.ok-submit').disabled")
    page.keyboard.press("Enter")
    wait_in_view_and_focused(page, ".ok-practice-workspace .ok-feedback")
    text = page.locator(".ok-feedback").inner_text()
    assert "Jouw afwijking" in text and "Moeder volgt het tempo" in text

    tab_to(page, ".ok-back", backwards=True)
    page.keyboard.press("Enter")
    wait_in_view_and_focused(page, ".ok-case .ok-case-open:focus")
    assert "Gedaan" in page.locator(".ok-case", has_text=title).first.inner_text()


def test_exam_clip_scored_with_the_keyboard_only(page, live_server):
    """Start the exam with Enter, score the first clip with Tab and Enter/Space, go to the next clip with
    Enter on "Volgende" (focus on the new title), and back with "Vorige" to the saved scores."""
    live_server.add_user("toets.toetsenbord2", "cursist", "Toetsenbord Toets")
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "toets.toetsenbord2")
    page.locator(".ok-app-exam a").wait_for()
    tab_to(page, ".ok-app-exam a")
    page.keyboard.press("Enter")
    page.locator(".ok-exam-start").wait_for()

    tab_to(page, ".ok-exam-start")
    page.keyboard.press("Enter")
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    first = page.locator(".ok-exam-case-title").inner_text().strip()

    tab_to(page, ".ok-exam-scale-sensitiviteit .ok-score-3")
    page.keyboard.press("Enter")
    page.locator(".ok-exam-scale-sensitiviteit .ok-score-3.ok-selected").wait_for()
    tab_to(page, ".ok-exam-scale-cooperatie .ok-score-8")
    page.keyboard.press("Space")
    page.locator(".ok-exam-progress", has_text="1 van 10 gescoord").wait_for()

    tab_to(page, ".ok-exam-next")
    page.keyboard.press("Enter")
    page.locator(".ok-exam-position", has_text="Fragment 2 van 10").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    assert page.locator(".ok-exam-case-title").inner_text().strip() != first

    tab_to(page, ".ok-exam-prev")
    page.keyboard.press("Enter")
    page.locator(".ok-exam-position", has_text="Fragment 1 van 10").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    for scale, point in (("sensitiviteit", 3), ("cooperatie", 8)):
        chosen = page.locator(f".ok-exam-scale-{scale} .ok-selected")
        chosen.wait_for()
        assert chosen.inner_text().strip() == str(point)
