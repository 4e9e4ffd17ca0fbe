"""Phones first for the participant flows (issue 15): Terugkomdag meedoen, Oefenen met scoren and
Lesmodules at 390×844 in Chromium.

On every screen of each flow: no horizontal scrolling, no text cut off with an ellipsis in buttons,
labels, dropdowns and their options, and every visible button, dropdown and fold ≥ 44 px high. A
terugkomdag round shows the video and the first scale's 1–9 buttons in the first screen, the nine
buttons on two even rows (5 + 4) of at least 44 × 44 px, with the anchors folded.
"""

from __future__ import annotations

import re

from .test_login_landing import login
from .test_room_join import trainer_opens_a_round
from .viewport import PHONE, open_practice_clip, phone_context, phone_problems, wait_in_view_and_focused


def assert_phone_ready(page, where: str) -> None:
    problems = phone_problems(page)
    assert problems == {"hscroll": [], "ellipsis": [], "small": []}, f"{where}: {problems}"


def score_rows(page, scope: str) -> list[list[dict]]:
    """The 1–9 buttons of each scale in ``scope`` as rows (buttons grouped by their top)."""
    return page.evaluate("""(scope) => Array.from(document.querySelectorAll(scope + ' .ok-score-row'))
      .filter(r => r.getClientRects().length).map(row => {
        const tops = {};
        for (const b of row.querySelectorAll('button')) {
          const r = b.getBoundingClientRect();
          (tops[Math.round(r.top)] = tops[Math.round(r.top)] || []).push({w: r.width, h: r.height,
                                                                         bottom: r.bottom});
        }
        return Object.keys(tops).sort((a, b) => a - b).map(k => tops[k]);
      })""", scope)


def assert_even_rows(page, scope: str) -> None:
    scales = score_rows(page, scope)
    assert scales, "no score buttons"
    for rows in scales:
        sizes = [len(r) for r in rows]
        assert sum(sizes) == 9 and len(rows) <= 2 and max(sizes) - min(sizes) <= 1, sizes
        widths = [b["w"] for r in rows for b in r]
        assert max(widths) - min(widths) < 2, widths  # even: equal columns
        assert min(b["h"] for r in rows for b in r) >= 44
        assert min(widths) >= 44, widths  # touch targets: 44 px both ways


def open_app_on_phone(ctx, base_url: str, username: str, app_hook: str):
    """In the phone context ``ctx``: log in as ``username`` and open the app whose landing card has
    class ``app_hook``; returns the page."""
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    login(page, base_url, username)
    page.locator(f".{app_hook} a").click()
    return page


def test_terugkomdag_round_on_a_phone(browser, live_server):
    """Join a round on a phone: the video and the sensitivity scale in the first screen, 1–9 on two
    even rows, anchors folded, no ellipsis, no horizontal scroll, targets ≥ 44 px."""
    live_server.add_user("tel.trainer", "trainer", "Tel Trainer")
    live_server.add_user("tel.deelnemer", "cursist", "Tel Deelnemer")
    trainer_ctx, trainer, code = trainer_opens_a_round(browser, live_server.base_url, "tel.trainer", 60_000)
    phone_ctx = phone_context(browser)
    try:
        trainer.locator(".ok-dashboard-count").wait_for()

        page = open_app_on_phone(phone_ctx, live_server.base_url, "tel.deelnemer", "ok-app-session")
        page.locator(".ok-session-join input").wait_for()
        assert_phone_ready(page, "join")
        page.locator(".ok-session-join input").fill(code)
        page.locator(".ok-session-join button").click()
        page.locator(".ok-session-round .ok-video video").wait_for()
        page.wait_for_function("document.querySelector('.ok-session-round .ok-video video').readyState >= 1")
        assert_phone_ready(page, "round")
        assert_even_rows(page, ".ok-session-round")

        first_screen = page.evaluate("""() => {
          const box = document.querySelector('#rendered_cells') || document.documentElement;
          const v = document.querySelector('.ok-session-round .ok-video video').getBoundingClientRect();
          const row = document.querySelector('.ok-session-round .ok-score-row').getBoundingClientRect();
          return {video: v.bottom, row: row.bottom, height: Math.min(window.innerHeight,
                  box.getBoundingClientRect().bottom), scrolled: box.scrollTop};
        }""")
        assert first_screen["scrolled"] == 0
        assert first_screen["video"] <= first_screen["height"], first_screen
        assert first_screen["row"] <= first_screen["height"], first_screen  # the first scale's buttons
        # the anchors are folded (the chosen point's text is shown after a choice)
        assert page.locator(".ok-session-round .ok-anchors-fold").first.is_visible()
        assert not page.locator(".ok-session-round .ok-anchors-wide").first.is_visible()

        page.locator(".ok-score-sensitivity .ok-score-6").tap()
        page.locator(".ok-score-cooperation .ok-score-4").tap()
        page.locator(".ok-session-round .ok-anchors-fold summary").first.tap()
        page.locator(".ok-session-submit").tap()
        page.locator(".ok-session-message", has_text="opgeslagen").wait_for()
        wait_in_view_and_focused(page, ".ok-session-message .ok-notice")  # far above the button
        assert_phone_ready(page, "after submit")
    finally:
        phone_ctx.close()
        trainer_ctx.close()


def test_practice_on_a_phone(browser, live_server):
    """Oefenen met scoren on a phone: whole clip titles, 1–9 on two even rows, ≥ 44 px targets, and the
    feedback screen without ellipsis or horizontal scroll."""
    live_server.add_user("tel.oefen", "cursist", "Tel Oefen")
    ctx = phone_context(browser)
    try:
        page = open_app_on_phone(ctx, live_server.base_url, "tel.oefen", "ok-app-practice")
        page.locator(".ok-case").first.wait_for()
        assert_phone_ready(page, "list")
        # every title is shown whole (the longest ones wrap)
        titles = page.locator(".ok-case .ok-case-open")
        for i in range(titles.count()):
            box = titles.nth(i).evaluate("b => ({sw: b.scrollWidth, cw: b.clientWidth})")
            assert box["sw"] <= box["cw"] + 1, (titles.nth(i).inner_text(), box)
        open_practice_clip(page, titles.first, tap=True)
        page.locator(".ok-practice-workspace .ok-video video").wait_for()
        assert_phone_ready(page, "clip")
        assert_even_rows(page, ".ok-practice-workspace")
        page.locator(".ok-score-sensitivity .ok-score-7").tap()
        page.locator(".ok-score-cooperation .ok-score-3").tap()
        page.wait_for_function("!document.querySelector('.ok-submit').disabled")
        page.locator(".ok-submit").tap()
        page.locator(".ok-feedback").wait_for(state="visible")
        assert_phone_ready(page, "feedback")
    finally:
        ctx.close()


def test_modules_on_a_phone(browser, live_server):
    """Lesmodules on a phone, through every page of the piramide module and its check: no cut-off
    "Beginnen", "Vorige", "Module afronden" or quiz answers, targets ≥ 44 px, no horizontal scroll."""
    live_server.add_user("tel.modules", "cursist", "Tel Modules")
    ctx = phone_context(browser)
    try:
        page = open_app_on_phone(ctx, live_server.base_url, "tel.modules", "ok-app-modules")
        page.locator(".ok-module").first.wait_for()
        assert_phone_ready(page, "list")
        page.locator(".ok-module-context-piramide .ok-module-open").tap()
        pageno = page.locator(".ok-module-pageno")
        pageno.wait_for()
        total = int(re.search(r"van (\d+)", pageno.inner_text()).group(1))
        assert_phone_ready(page, "page 1")
        for number in range(2, total + 1):
            page.locator(".ok-module-next").tap()
            page.wait_for_function(
                "n => document.querySelector('.ok-module-pageno').innerText.startsWith('Pagina ' + n + ' ')",
                arg=number)
            assert_phone_ready(page, f"page {number}")
        options = page.locator(".ok-quiz-option")
        options.first.wait_for()
        assert_phone_ready(page, "check")
        assert options.count() >= 3
        for i in range(options.count()):  # every answer whole: it wraps within the screen
            box = options.nth(i).evaluate(
                "b => ({sw: b.scrollWidth, cw: b.clientWidth, right: b.getBoundingClientRect().right})")
            assert box["sw"] <= box["cw"] + 1 and box["right"] <= PHONE["width"], (options.nth(i).inner_text(), box)
    finally:
        ctx.close()


def test_intervision_choices_fit_on_a_phone(browser, live_server):
    """Intervisie's set and team dropdowns (40rem wide on a desktop) stay inside a 390 px screen, and
    the page does not scroll sideways."""
    from ..live_server import oefenkit_cmd

    team = "Intervisie telefoontest"
    live_server.add_user("tel.intervisie", "cursist", "Tel Intervisie")
    oefenkit_cmd(live_server.data_dir, "groups", "add", team, "--programme", "ouder-baby")
    oefenkit_cmd(live_server.data_dir, "groups", "add-member", team, "tel.intervisie")
    ctx = phone_context(browser)
    try:
        page = open_app_on_phone(ctx, live_server.base_url, "tel.intervisie", "ok-app-intervision")
        page.locator(".ok-intervision").wait_for()
        for hook in ("ok-intervision-set", "ok-intervision-team"):
            box = page.locator(f".{hook} select").evaluate(
                "s => ({left: s.getBoundingClientRect().left, right: s.getBoundingClientRect().right,"
                " h: s.getBoundingClientRect().height})")
            assert box["left"] >= 0 and box["right"] <= PHONE["width"], (hook, box)
            assert box["h"] >= 44, (hook, box)
        assert phone_problems(page)["hscroll"] == []
    finally:
        ctx.close()
