"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@contextmanager
def chromium_browser():
    """Debian's Chromium under Playwright, closed (and Playwright's loop stopped) on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@contextmanager
def dutch_page(browser, timeout_ms: int = 60_000):
    """A page in a new context of its own (cookies included), Dutch locale."""
    context = browser.new_context(locale="nl-NL")
    try:
        p = context.new_page()
        p.set_default_timeout(timeout_ms)
        yield p
    finally:
        context.close()


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an asyncio loop installed in the main thread while it
    # runs, so tests after tests/browser/ that call asyncio.run() need it stopped.
    with chromium_browser() as b:
        yield b


@pytest.fixture
def page(browser):
    with dutch_page(browser) as p:
        yield p
