"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an asyncio loop installed in the main thread while it
    # runs, so tests after tests/browser/ that call asyncio.run() need it stopped.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    p = context.new_page()
    p.set_default_timeout(60_000)
    yield p
    context.close()
