"""A Babytijd terugkomdag in Chromium (issue 17): the trainer's projector at 1366×768 and two phones at
390×844 run a `situatie` and a `vraag` round. The answers appear on the projector without names
(grouped, and as a distribution), the reveal shows the facilitator notes and the right answer, and
the pages pass axe-core (WCAG 2.1 AA: no critical or serious violations) and the phone checks."""

from __future__ import annotations

from .test_accessibility import BLOCKING, axe_scan, full_height
from .test_login_landing import login
from .viewport import phone_context, phone_problems

PHONES = [("bt.telefoon1", "Babytijd Deelnemer Een"), ("bt.telefoon2", "Babytijd Deelnemer Twee")]
PLAN = "Terugkomdag Babytijd (situaties, vragen en uitwisseling)"


def blocking(page) -> list[dict]:
    """The critical and serious axe violations of the page as it is now (both sizes are the caller's)."""
    return [v for v in axe_scan(page) if v["impact"] in BLOCKING]


def assert_accessible(page, width: int, height: int) -> None:
    full_height(page, width, height)
    found = blocking(page)
    assert found == [], found
    page.set_viewport_size({"width": width, "height": height})


def pick_kind(trainer, kind_label: str, first: str) -> None:
    """Choose the kind under "Ronde toevoegen" and wait until the kernel has sent that kind's rounds
    (``first`` is the text of its first one): a choice made before would pick from the old list."""
    trainer.locator(".ok-round-add-kind select").select_option(label=kind_label)
    trainer.wait_for_function("(t) => (document.querySelector('.ok-round-add-item select option') || {})"
                              ".textContent?.replace(/\\s+/g, ' ').includes(t)", arg=first)


def add_round(trainer, kind_label: str, first: str) -> None:
    """"Ronde toevoegen", a kind, its first round from the content, "Deze ronde starten"."""
    trainer.locator(".ok-round-add-toggle").click()
    pick_kind(trainer, kind_label, first)
    trainer.locator(".ok-round-add-start").click()


def start_plan_session(browser, live_server, username: str, contexts: list):
    """The trainer ``username`` on a projector-sized page starts a session with :data:`PLAN`; returns
    the page and the join code. The browser context goes into ``contexts`` (closed by the caller)."""
    ctx = browser.new_context(locale="nl-NL", viewport={"width": 1366, "height": 768})
    contexts.append(ctx)
    trainer = ctx.new_page()
    trainer.set_default_timeout(60_000)
    login(trainer, live_server.base_url, username)
    trainer.locator(".ok-app-dashboard a").click()
    trainer.locator(".ok-session-plan select").select_option(label=PLAN)
    trainer.locator(".ok-session-create").click()
    return trainer, trainer.locator(".ok-join-code .ok-join-code-value").inner_text().strip()


def test_babytijd_day_with_a_situation_and_a_question(browser, live_server):
    """Does a trainer start a Babytijd terugkomdag, two phones join and answer a situatie and a vraag,
    the projector show the answers grouped and the distribution without names, and the reveal the
    facilitator notes and the right answer on the projector and the phones?"""
    live_server.add_user("bt.trainer", "trainer", "Babytijd Trainer")
    for username, name in PHONES:
        live_server.add_user(username, "cursist", name)
    contexts = []
    try:
        trainer, code = start_plan_session(browser, live_server, "bt.trainer", contexts)
        trainer.locator(".ok-round-next", has_text="Volgende:").wait_for()
        assert trainer.locator(".ok-round-open").inner_text().strip() == "Volgende ronde"
        trainer.locator(".ok-round-add-toggle").click()
        trainer.locator(".ok-round-add-kind select").wait_for()
        assert_accessible(trainer, 1366, 768)  # the dashboard with "Ronde toevoegen" open
        trainer.locator(".ok-round-add-toggle").click()

        phones = []
        for username, _ in PHONES:
            pctx = phone_context(browser)
            contexts.append(pctx)
            page = pctx.new_page()
            page.set_default_timeout(60_000)
            login(page, live_server.base_url, username)
            page.locator(".ok-app-session a").click()
            page.locator(".ok-session-join input").fill(code)
            page.locator(".ok-session-join button").click()
            page.locator(".ok-session-status", has_text="Wacht tot de trainer de eerste ronde start").wait_for()
            phones.append(page)

        # -- a voorbeeldsituatie: typed answers, grouped on the projector ------------------------
        add_round(trainer, "Voorbeeldsituatie", "Huilen")
        answers = ["Eerst zelf rustig worden en dan troosten", "Troosten en hulp vragen aan de partner"]
        for page, answer in zip(phones, answers):
            box = page.locator(".ok-session-round .ok-answer-text textarea")
            box.wait_for()
            assert "Huilen" in page.locator(".ok-answer-question").inner_text()
            box.fill(answer)
            page.locator(".ok-answer-submit").click()
            page.locator(".ok-session-message", has_text="opgeslagen").wait_for()
        problems = phone_problems(phones[0])
        assert problems == {"hscroll": [], "ellipsis": [], "small": []}, problems
        assert_accessible(phones[0], 390, 844)
        trainer.locator(".ok-dashboard-count", has_text="2 van 2").wait_for(timeout=15_000)
        groups = trainer.locator(".ok-answer-groups")
        groups.locator("h3", has_text="troosten").wait_for()
        shown = trainer.locator(".ok-dashboard").inner_text()
        assert all(a in shown for a in answers)
        trainer.locator(".ok-round-close").click()
        trainer.locator(".ok-reveal", has_text="Aantekeningen tonen").click()
        trainer.locator(".ok-facilitator-notes").wait_for()
        phones[1].locator(".ok-answer-reveal .ok-facilitator-notes").wait_for(timeout=15_000)

        # -- a multiple-choice question: the distribution, then the right answer ------------------
        add_round(trainer, "Meerkeuzevraag", "Evaluatie")
        for n, page in enumerate(phones):
            options = page.locator(".ok-session-round .ok-answer-option")
            options.first.wait_for()
            assert options.count() == 4
            options.nth(1 if n == 0 else 0).click()  # the first phone picks the right one (the second)
            page.locator(".ok-answer-option.ok-selected").wait_for()
            page.wait_for_function("() => document.querySelector('.ok-answer-option.ok-selected')"
                                   ".getAttribute('aria-pressed') === 'true'")  # the a11y hook follows the class
            page.locator(".ok-answer-submit").click()
            page.locator(".ok-session-message", has_text="opgeslagen").wait_for()
        trainer.locator(".ok-dashboard-count", has_text="2 van 2").wait_for(timeout=15_000)
        counts = trainer.locator(".ok-answer-distribution .ok-answer-count")
        trainer.wait_for_function("() => [...document.querySelectorAll('.ok-answer-distribution .ok-answer-count')]"
                                  ".map(e => e.textContent).join(',') === '1,1,0,0'")
        assert counts.count() == 4
        assert trainer.locator(".ok-answer-right").count() == 0  # not before the reveal
        trainer.locator(".ok-round-close").click()
        trainer.locator(".ok-reveal", has_text="Juiste antwoord tonen").click()
        right = trainer.locator(".ok-answer-right")
        right.wait_for()
        assert "Na de tiende bijgewoonde bijeenkomst" in right.inner_text()
        assert "juiste antwoord" in right.inner_text()
        assert "eindevaluatie" in trainer.locator(".ok-answer-explanation").inner_text().lower()
        phones[0].locator(".ok-answer-reveal", has_text="Jouw antwoord is goed").wait_for(timeout=15_000)
        phones[1].locator(".ok-answer-reveal", has_text="niet het juiste").wait_for(timeout=15_000)
        for page in phones:  # the round is closed: no button to hand in, no instruction, the answer kept
            page.locator(".ok-answer-closed", has_text="Je antwoord is bewaard").wait_for(timeout=15_000)
            assert not page.locator(".ok-answer-submit").is_visible()
            assert "lever het in" not in page.locator(".ok-answer").inner_text()

        projector = trainer.locator(".ok-dashboard").inner_text()
        assert not any(name in projector for _, name in PHONES)
        assert not any(username in projector for username, _ in PHONES)
        for n, page in enumerate(phones):  # each phone shows its own name and nobody else's
            text = page.locator("body").inner_text()
            assert PHONES[n][1] in text and PHONES[1 - n][1] not in text
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        assert_accessible(trainer, 1366, 768)  # the projector after the reveal
        assert_accessible(phones[1], 390, 844)  # a phone with the verdict

        # -- a round the trainer types: the form appears for "Zelf typen" -------------------------
        trainer.locator(".ok-round-add-toggle").click()
        pick_kind(trainer, "Ervaringen uitwisselen", "bijgebleven")
        trainer.locator(".ok-round-add-item select").select_option(label="Zelf typen")
        typed = trainer.locator(".ok-round-add-text textarea")
        typed.wait_for()
        typed.fill("Wat neem je vandaag mee naar je eigen groep?")
        trainer.locator(".ok-round-add-start").click()
        phones[0].locator(".ok-answer-question", has_text="Wat neem je vandaag mee").wait_for(timeout=15_000)
        phones[0].locator(".ok-answer-text textarea").fill("Meer stilte laten vallen")
        phones[0].locator(".ok-answer-submit").click()
        trainer.locator(".ok-answer-wall", has_text="Meer stilte laten vallen").wait_for(timeout=15_000)

        trainer.locator(".ok-session-close").click()
        trainer.locator(".ok-session-close-confirm").click()
        trainer.locator(".ok-report-link").wait_for()
        assert "2 deelnemers hebben meegedaan" in trainer.locator(".ok-dashboard").inner_text()
    finally:
        for c in contexts:
            c.close()
