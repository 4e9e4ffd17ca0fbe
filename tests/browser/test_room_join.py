"""A room joining at once: five phones (Chromium contexts at 390×844) open "Terugkomdag: meedoen"
at the same moment, join one session, score, and each sees only their own page; the projector
counts all five (issue 14; the kernels are forked from the kernel parent, docs/architecture.md)."""

from __future__ import annotations

from .test_login_landing import login
from .viewport import phone_context

PHONES = [(f"kamer.telefoon{i}", f"Telefoon Deelnemer {name}")
          for i, name in enumerate(["Een", "Twee", "Drie", "Vier", "Vijf"], start=1)]
APP = "/voila/render/training/terugkomdag.ipynb"


def phone(browser):
    context = phone_context(browser)
    page = context.new_page()
    page.set_default_timeout(120_000)
    return context, page


def trainer_opens_a_round(browser, base_url: str, username: str, timeout_ms: float = 120_000):
    """The trainer's laptop: "Terugkomdag leiden", a new session, its first round open.
    Returns the browser context, the page and the join code."""
    context = browser.new_context(locale="nl-NL")
    trainer = context.new_page()
    trainer.set_default_timeout(timeout_ms)
    login(trainer, base_url, username)
    trainer.locator(".ok-app-dashboard a").click()
    trainer.locator(".ok-session-create").click()
    code = trainer.locator(".ok-join-code .ok-join-code-value").inner_text().strip()
    trainer.locator(".ok-round-open").click()
    return context, trainer, code


def test_five_phones_join_one_session_at_once(browser, live_server):
    """Do five phones that open the participant app at the same moment all get a working page,
    join with the code, score and see their own confirmation with their own name and no one
    else's, and does the projector count 5 van 5 without a reload?"""
    live_server.add_user("kamer.trainer", "trainer", "Kamer Trainer")
    for username, name in PHONES:
        live_server.add_user(username, "cursist", name)
    contexts = []
    try:
        ctx, trainer, code = trainer_opens_a_round(browser, live_server.base_url, "kamer.trainer")  # on the projector
        contexts.append(ctx)
        trainer.locator(".ok-dashboard-count", has_text="0 van 0").wait_for()

        pages = []
        for username, _ in PHONES:  # logged in beforehand, as phones in a room are
            ctx, page = phone(browser)
            contexts.append(ctx)
            login(page, live_server.base_url, username)
            page.locator(".ok-landing").wait_for()
            pages.append(page)
        for page in pages:  # all five loads in flight together
            page.goto(live_server.base_url + APP, wait_until="commit")
        for page in pages:
            page.locator(".ok-session-join input").fill(code)
            page.locator(".ok-session-join button").click()
        for n, page in enumerate(pages):
            page.locator(".ok-session-round .ok-video video").wait_for()
            page.locator(f".ok-score-sensitivity .ok-score-{3 + n}").click()
            page.locator(".ok-score-cooperation .ok-score-5").click()
            page.locator(".ok-session-submit").click()
        for n, page in enumerate(pages):
            page.locator(".ok-session-message", has_text="opgeslagen").wait_for()
            text = page.locator("body").inner_text()
            own = PHONES[n][1]
            assert own in text, own
            assert not any(name in text for i, (_, name) in enumerate(PHONES) if i != n)
            assert f"sensitiviteit {3 + n}" in page.locator(".ok-session-message").inner_text()
            # the page fits the phone: nothing wider than the screen
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        trainer.locator(".ok-dashboard-count", has_text="5 van 5").wait_for(timeout=15_000)
        assert not any(name in trainer.locator(".ok-dashboard").inner_text() for _, name in PHONES)
    finally:
        for ctx in contexts:
            ctx.close()
