"""Throttling of repeated failed logins: the unit with a fake clock, and the real login page."""

from __future__ import annotations

import pytest

from oefenkit.server.throttle import LoginThrottle

from ..live_server import PASSWORD
from ..test_server_http import Client


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_account_locks_after_the_limit_and_unlocks_after_the_window():
    """Is a name locked after five failures, for the rest of the window, and free again afterwards?"""
    clock = FakeClock()
    throttle = LoginThrottle(per_account=5, per_address=100, window_s=900, clock=clock)
    for _ in range(4):
        throttle.failed("Anna", "10.0.0.1")
        clock.now += 10
    assert throttle.retry_after("anna", "10.0.0.1") == 0
    throttle.failed("ANNA ", "10.0.0.2")  # case and spaces do not make a new name
    assert throttle.retry_after("anna", "10.0.0.3") == 900 - 40  # the first failure leaves the window first
    clock.now += 900 - 40
    assert throttle.retry_after("anna", "10.0.0.3") == 0


def test_address_locks_across_names():
    """Does one address that tries many names get locked, while other addresses are not?"""
    clock = FakeClock()
    throttle = LoginThrottle(per_account=5, per_address=3, window_s=60, clock=clock)
    for name in ("a", "b", "c"):
        throttle.failed(name, "10.0.0.9")
    assert throttle.retry_after("d", "10.0.0.9") == 60
    assert throttle.retry_after("d", "10.0.0.8") == 0


def test_success_clears_the_account_but_not_the_address():
    clock = FakeClock()
    throttle = LoginThrottle(per_account=2, per_address=3, window_s=60, clock=clock)
    throttle.failed("a", "x")
    throttle.succeeded("a", "x")
    throttle.failed("a", "x")
    assert throttle.retry_after("a", "x") == 0  # one failure since the success
    throttle.failed("b", "x")
    assert throttle.retry_after("c", "x") == 60  # three failures from x in all


@pytest.mark.parametrize("kwargs", [{"per_account": 0}, {"per_address": 0}, {"window_s": 0}])
def test_nonsense_limits_are_refused(kwargs):
    with pytest.raises(ValueError):
        LoginThrottle(**kwargs)


def test_login_page_throttles_guessing(live_server):
    """After five wrong passwords, is even the right password refused with a Dutch 429, without a cookie?"""
    live_server.add_user("gokdoelwit", "cursist")
    guesser = Client(live_server.base_url)
    for attempt in range(5):
        status, _, page = guesser.login("gokdoelwit", f"gok-{attempt}")
        assert status == 401, page
    status, headers, page = guesser.login("gokdoelwit", PASSWORD)
    assert status == 429
    assert "Te veel mislukte pogingen" in page and "minuten opnieuw" in page
    assert int(headers["Retry-After"]) > 60
    assert guesser.cookie("oefenkit-sessie") is None
    # A fresh browser for the same name is locked too (the lock is on the name, not the cookie jar) ...
    status, _, _ = Client(live_server.base_url).login("gokdoelwit", PASSWORD)
    assert status == 429
    # ... and other accounts are not affected.
    status, _, _ = Client(live_server.base_url).login("cursist1", PASSWORD)
    assert status == 302
