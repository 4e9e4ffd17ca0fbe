"""Lesmodules in the browser: a cursist completes a module, and progress survives a reload."""

from __future__ import annotations

from .test_login_landing import login


def open_modules(page, base_url: str) -> None:
    page.goto(base_url + "/")
    page.locator(".ok-landing").wait_for()
    page.locator(".ok-app-modules a").click()
    page.locator(".ok-module").first.wait_for()


def next_page(page, number: int) -> None:
    """Press "Volgende" and wait for page ``number``."""
    page.locator(".ok-module-next").click()
    page.wait_for_function(
        "n => document.querySelector('.ok-module-pageno').innerText.startsWith('Pagina ' + n + ' ')", arg=number)


def walk_to_last_page(page, code: str) -> None:
    """Open module ``code`` from the list and press "Volgende" up to its last page."""
    page.locator(f".ok-module-{code} .ok-module-open").click()
    pageno = page.locator(".ok-module-pageno")
    pageno.wait_for()
    total = int(pageno.inner_text().rsplit(" ", 1)[1])
    for number in range(2, total + 1):
        next_page(page, number)


def status_of(page, code: str) -> str:
    return page.locator(f".ok-module-{code} .ok-module-status").inner_text()


def test_cursist_completes_a_module_and_resumes_another(page, live_server):
    """Can a cursist work through a module and its check, see it afgerond, and after a reload
    still see it afgerond while a half-done module resumes on its saved page?"""
    login(page, live_server.base_url, "cursist1")
    open_modules(page, live_server.base_url)
    assert page.locator(".ok-module").count() >= 7
    assert "nieuw" in status_of(page, "context-piramide")

    walk_to_last_page(page, "context-piramide")
    questions = page.locator(".ok-quiz-question")
    questions.first.wait_for()
    assert page.locator(".ok-module-finish").is_disabled()
    for i in range(questions.count()):
        block = questions.nth(i)
        block.locator(".ok-quiz-option").first.click()
        if block.locator(".ok-quiz-submit").count():
            block.locator(".ok-quiz-submit").click()
        feedback = block.locator(".ok-quiz-feedback")
        feedback.wait_for(state="visible")
        assert ("Goed!" in feedback.inner_text()) or ("Niet helemaal." in feedback.inner_text())
    finish = page.locator(".ok-module-finish")
    page.wait_for_function("() => !document.querySelector('.ok-module-finish').disabled")
    finish.click()
    done = page.locator(".ok-module-complete")
    done.wait_for(state="visible")
    assert "afgerond" in done.inner_text()

    page.locator(".ok-module-back").click()
    page.locator(".ok-module-context-piramide").wait_for()
    assert "afgerond" in status_of(page, "context-piramide")

    # start another module and stop on page 3
    page.locator(".ok-module-babytijd-doelen .ok-module-open").click()
    for number in (2, 3):
        next_page(page, number)

    page.reload()
    page.locator(".ok-module").first.wait_for()
    assert "afgerond" in status_of(page, "context-piramide")
    assert "bezig" in status_of(page, "babytijd-doelen")
    page.locator(".ok-module-babytijd-doelen .ok-module-open").click()
    page.locator(".ok-module-pageno").wait_for()
    assert page.locator(".ok-module-pageno").inner_text().startswith("Pagina 3 ")
