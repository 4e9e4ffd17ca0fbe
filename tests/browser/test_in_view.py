"""Results in view (issue 15): after an action whose result appears elsewhere on the page, the result
is scrolled into view and has the focus, at 1366×768 in Chromium.

Each check waits for the element to be inside the visible part of the page (the window and Voilà's
scrolling ``#rendered_cells``) *and* focused; without :mod:`oefenkit_widgets.reveal` the wait times out.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from .test_login_landing import login
from .viewport import placement, wait_in_view_and_focused

DESKTOP = {"width": 1366, "height": 768}
SAMPLE = Path(__file__).resolve().parents[2] / "sample_cases" / "clips" / "bt-speelmat-01.mp4"


def test_practice_clip_title_feedback_and_the_list_come_into_view(page, live_server):
    """Opening a clip focuses its title; "Inleveren en feedback bekijken" brings the feedback into view
    and focuses it; back to the list focuses the clip just practised."""
    live_server.add_user("zicht.oefen", "cursist", "Zicht Oefen")
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "zicht.oefen")
    page.locator(".ok-app-practice a").click()
    entries = page.locator(".ok-case")
    entries.first.wait_for()
    last = entries.nth(entries.count() - 1)  # the lowest entry: the list is scrolled to reach it
    title = last.locator(".ok-case-open").inner_text().strip()
    last.locator(".ok-case-open").click()
    where = wait_in_view_and_focused(page, ".ok-practice-case-title h2")
    assert title in page.locator(".ok-practice-case-title h2").inner_text()
    assert where["top"] < 768 / 2 + 50  # not pushed to the bottom

    page.locator(".ok-score-sensitivity .ok-score-6").click()
    page.locator(".ok-score-cooperation .ok-score-5").click()
    page.wait_for_function("!document.querySelector('.ok-submit').disabled")
    page.locator(".ok-submit").click()
    page.locator(".ok-feedback").wait_for(state="visible")
    wait_in_view_and_focused(page, ".ok-practice-workspace .ok-feedback")
    # the feedback's heading itself is readable without scrolling
    head = placement(page, ".ok-practice-workspace .ok-feedback h3")
    assert head["viewTop"] - 1 <= head["top"] and head["bottom"] <= head["viewBottom"] + 1, head

    page.locator(".ok-back").click()
    wait_in_view_and_focused(page, ".ok-case .ok-case-open:focus")
    assert page.evaluate("document.activeElement.innerText.trim()") == title


def test_exam_next_clip_comes_into_view_with_focus(page, live_server):
    """After "Toets starten" and after each "Volgende"/"Vorige", is the new clip's title in view and
    focused (the button pressed is far below it)?"""
    live_server.add_user("zicht.toets", "cursist", "Zicht Toets")
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "zicht.toets")
    page.locator(".ok-app-exam a").click()
    page.locator(".ok-exam-start").click()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    first = page.locator(".ok-exam-case-title").inner_text().strip()

    page.locator(".ok-exam-next").click()
    page.locator(".ok-exam-position", has_text="Fragment 2 van 10").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    assert page.locator(".ok-exam-case-title").inner_text().strip() != first
    video = placement(page, ".ok-exam .ok-video")
    assert video["top"] < video["viewBottom"], video  # the clip starts inside the first screen

    page.locator(".ok-exam-prev").click()
    page.locator(".ok-exam-position", has_text="Fragment 1 van 10").wait_for()
    wait_in_view_and_focused(page, ".ok-exam-case-title h2")
    assert page.locator(".ok-exam-case-title").inner_text().strip() == first


def test_library_expert_score_error_comes_into_view(page, live_server, tmp_path):
    """An expert-score error is shown above the detail, far above "Expertscores opslaan": is it brought
    into view and focused?"""
    import imageio_ffmpeg

    live_server.add_user("zicht.trainer", "trainer", "Zicht Trainer")
    clip = tmp_path / "zicht fragment.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(SAMPLE), "-t", "3", "-map", "0:v",
                    "-c", "copy", str(clip)], check=True, timeout=60)
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "zicht.trainer")
    page.locator(".ok-app-library a").click()
    page.locator(".ok-upload input[type=file]").set_input_files(str(clip))
    page.locator(".ok-library-message .ok-notice", has_text="geüpload").wait_for()
    page.locator(".ok-library-detail").wait_for()

    # an impossible score: the core refuses it with a Dutch message at the top of the detail
    row = page.locator(".ok-expert-scale-sensitiviteit .ok-expert-row").first
    row.locator(".ok-expert-who select").select_option(index=1)
    row.locator(".ok-expert-score input").fill("12")
    save = page.locator(".ok-expert-save")
    save.click()
    error = ".ok-library-message .ok-notice-error"
    page.locator(error).wait_for()
    wait_in_view_and_focused(page, error)
    assert page.locator(error).inner_text().strip()


def test_admin_generated_password_comes_into_view(page, live_server):
    """Adding a person without a password shows the generated one above the form: in view and focused?"""
    page.set_viewport_size(DESKTOP)
    login(page, live_server.base_url, "coord1")
    page.locator(".ok-link-beheer.ok-app-beheer a").click()
    page.locator(".ok-admin").wait_for()
    page.locator(".ok-add-username input").fill("zicht.nieuw")
    page.locator(".ok-add-name input").fill("Zicht Nieuw")
    page.locator(".ok-add-role select").select_option(label="cursist")
    page.locator(".ok-add-person").click()
    page.locator(".ok-new-password").wait_for()
    wait_in_view_and_focused(page, ".ok-new-password-box .ok-notice")
