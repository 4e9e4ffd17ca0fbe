"""A new module in the browser (issue 18): Signalen herkennen, with its case exercise and check,
and the link from a statistic that opens 'Hoe de toets werkt' directly."""

from __future__ import annotations

from oefenkit.content import load_content
from oefenkit.modules import STATISTICS_MODULE
from oefenkit.settings import PROJECT_ROOT

from .test_login_landing import login
from .test_modules import next_page, open_modules, status_of

CODE = "context-signalen-herkennen"
MODULE = next(m for m in load_content(PROJECT_ROOT / "content").modules if m.code == CODE)


def test_cursist_works_through_signalen_herkennen_with_its_case_and_check(page, live_server):
    """Can a cursist open 'Signalen herkennen', choose the dimensions and the next step in the case
    (seeing the feedback of each choice), answer the whole check right (one- and more-answer
    questions), finish, and see the module afgerond in the list?"""
    login(page, live_server.base_url, "cursist1")
    open_modules(page, live_server.base_url)
    assert "nieuw" in status_of(page, CODE)
    page.locator(f".ok-module-{CODE} .ok-module-open").click()
    pageno = page.locator(".ok-module-pageno")
    pageno.wait_for()
    assert pageno.inner_text() == f"Pagina 1 van {MODULE.page_count}"

    decisions = 0
    for number, module_page in enumerate(MODULE.pages, 1):
        if number > 1:
            next_page(page, number)
        if module_page.kind != "case_decision":
            continue
        decisions += 1
        wrong = next(c for c in module_page.choices if not c.correct)
        right = next(c for c in module_page.choices if c.correct)
        feedback = page.locator(".ok-case-feedback")
        page.locator(".ok-case-choice", has_text=wrong.label).click()
        page.wait_for_function("() => document.querySelector('.ok-case-feedback').innerText.includes('Niet de beste')")
        page.locator(".ok-case-choice", has_text=right.label).click()
        page.wait_for_function("() => document.querySelector('.ok-case-feedback').innerText.includes('Goed gekozen')")
        assert right.feedback.split()[1] in feedback.inner_text()
    assert decisions == 2  # the dimensions, then the next step

    next_page(page, MODULE.page_count)
    questions = page.locator(".ok-quiz-question")
    questions.first.wait_for()
    assert questions.count() == len(MODULE.check)
    assert page.locator(".ok-module-finish").is_disabled()
    for i, question in enumerate(MODULE.check):
        block = questions.nth(i)
        for j in sorted(question.correct):
            block.locator(".ok-quiz-option").nth(j).click()
        if question.multiple:
            block.locator(".ok-quiz-submit").click()
        verdict = block.locator(".ok-quiz-feedback")
        verdict.wait_for(state="visible")
        assert "Goed!" in verdict.inner_text(), question.question
    page.wait_for_function("() => !document.querySelector('.ok-module-finish').disabled")
    page.locator(".ok-module-finish").click()
    page.locator(".ok-module-complete").wait_for(state="visible")
    assert "afgerond" in page.locator(".ok-module-complete").inner_text()

    page.locator(".ok-module-back").click()
    page.locator(f".ok-module-{CODE}").wait_for()
    assert "afgerond" in status_of(page, CODE)


def test_statistics_link_opens_hoe_de_toets_werkt(page, live_server):
    """Does the link a statistic carries (``?module=``) open the Lesmodules app on 'Hoe de toets
    werkt', on its first page?"""
    login(page, live_server.base_url, "cursist1")
    page.locator(".ok-landing").wait_for()
    page.goto(f"{live_server.base_url}/voila/render/training/modules.ipynb?module={STATISTICS_MODULE}")
    pageno = page.locator(".ok-module-pageno")
    pageno.wait_for()
    assert pageno.inner_text().startswith("Pagina 1 van ")
    assert "Hoe de toets werkt" in page.locator(".ok-module-viewer").inner_text()
