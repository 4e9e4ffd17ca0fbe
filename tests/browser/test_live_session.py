"""A terugkomdag round in Chromium: one trainer page and three participant pages, each in its own
browser context (own cookies, own Voilà kernel), updating live without reloads."""

from __future__ import annotations

import re

from .test_login_landing import login

PARTICIPANTS = [("live.deelnemer1", "Live Deelnemer Een"), ("live.deelnemer2", "Live Deelnemer Twee"),
                ("live.deelnemer3", "Live Deelnemer Drie")]


def new_page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def test_a_round_end_to_end_with_reveal_and_trainer_reload(browser, live_server):
    """Does a trainer start a session, three participants join with the code from .ok-join-code and
    score, the count reach 3 without a reload, a trainer reload continue the session, and after
    close + reveal the projector show the expert score and the participants their feedback,
    with no participant name on the projector?"""
    live_server.add_user("live.trainer", "trainer", "Live Trainer")
    for username, name in PARTICIPANTS:
        live_server.add_user(username, "cursist", name)
    contexts = []
    try:
        ctx, trainer = new_page(browser)
        contexts.append(ctx)
        login(trainer, live_server.base_url, "live.trainer")
        trainer.locator(".ok-app-dashboard a").click()
        trainer.locator(".ok-session-create").click()
        code_box = trainer.locator(".ok-join-code .ok-join-code-value")
        code_box.wait_for()
        code = code_box.inner_text().strip()
        assert re.fullmatch(r"[A-Z2-9]{6}", code)
        assert trainer.locator(".ok-qr svg").count() == 1
        trainer.locator(".ok-round-open").click()
        trainer.locator(".ok-dashboard-count", has_text="0 van 0").wait_for()

        pages = []
        for n, (username, _) in enumerate(PARTICIPANTS):
            ctx, page = new_page(browser)
            contexts.append(ctx)
            login(page, live_server.base_url, username)
            page.locator(".ok-app-session a").click()
            page.locator(".ok-session-join input").fill(code.lower())
            page.locator(".ok-session-join button").click()
            page.locator(".ok-session-round .ok-video video").wait_for()
            page.locator(f".ok-score-sensitivity .ok-score-{4 + n}").click()
            page.locator(".ok-score-cooperation .ok-score-5").click()
            page.locator(".ok-session-submit").click()
            page.locator(".ok-session-message", has_text="opgeslagen").wait_for()
            pages.append(page)

        # The projector follows without a reload.
        trainer.locator(".ok-dashboard-count", has_text="3 van 3").wait_for(timeout=10_000)
        projector = trainer.locator(".ok-dashboard").inner_text()
        assert "Mediaan" in projector and "Krippendorff" in projector
        assert not any(name in projector for _, name in PARTICIPANTS)

        # A reload of the trainer's page continues the same session and round.
        trainer.reload()
        trainer.locator(".ok-dashboard-count", has_text="3 van 3").wait_for()
        assert code in trainer.locator(".ok-join-code").inner_text()

        # A participant changes their score before the round closes.
        pages[0].locator(".ok-score-sensitivity .ok-score-3").click()
        pages[0].locator(".ok-session-submit").click()
        pages[0].locator(".ok-session-message", has_text="sensitiviteit 3").wait_for()

        trainer.locator(".ok-round-close").click()
        for page in pages:  # their pages learn that the round closed, without a reload
            page.locator(".ok-session-status", has_text="gesloten").wait_for(timeout=10_000)
        trainer.locator(".ok-reveal").click()
        expert = trainer.locator(".ok-expert")
        expert.locator("h3").first.wait_for()
        assert "Expertscore" in expert.inner_text() and "Mediaan" in expert.inner_text()  # score + rationale
        for page in pages:
            feedback = page.locator(".ok-feedback")
            feedback.locator("h3").wait_for(timeout=10_000)
            assert "Expertconsensus" in feedback.inner_text()
        assert "Jouw score</th><td>3" in pages[0].locator(".ok-feedback").inner_html()
        assert not any(name in trainer.locator(".ok-dashboard").inner_text() for _, name in PARTICIPANTS)
        # The projector's histograms: each count centred over its bar, the expert's point marked on
        # both scales, with a legend and scale-named prompts.
        offsets = trainer.evaluate("""() => [...document.querySelectorAll('.ok-hist-col')].flatMap(g => {
            const bar = [...g.querySelectorAll('rect')].find(r => r.getAttribute('fill') !== 'none');
            if (!bar) return [];
            const b = bar.getBoundingClientRect(), t = g.querySelector('.ok-hist-count').getBoundingClientRect();
            return [Math.abs((b.left + b.width / 2) - (t.left + t.width / 2))];
        })""")
        assert offsets and max(offsets) < 1.5
        assert trainer.locator(".ok-hist-expert").count() == 2
        assert "expertscore" in trainer.locator(".ok-hist-legend").first.inner_text()
        assert trainer.locator(".ok-prompts h4").count() >= 1
        # "Sessie afsluiten" asks first; only "Ja, sessie afsluiten" ends the session.
        trainer.locator(".ok-session-close").click()
        trainer.locator(".ok-session-close-question").wait_for()
        assert trainer.locator(".ok-session-report .ok-report-link").count() == 0
        trainer.locator(".ok-session-close-confirm").click()
        trainer.locator(".ok-report-link").wait_for()
    finally:
        for ctx in contexts:
            ctx.close()
