"""Throttling of repeated failed logins on the standalone login page.

Two limits, both over a sliding window:

* per account name (as typed, case-insensitive; unknown names count the same as
  existing ones, so the throttle does not reveal which accounts exist): after
  ``per_account`` failures the name is locked for the rest of the window;
* per client address: after ``per_address`` failures that address is locked,
  which slows down guessing over many account names.

While locked, the password is not checked at all (not even a right one), so
guessing gains nothing. A successful login clears the account's failures. The
state lives in the server process: the standalone kit runs one server process;
under JupyterHub the hub does the login.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable

__all__ = ["LoginThrottle"]


class LoginThrottle:
    def __init__(self, *, per_account: int = 5, per_address: int = 50, window_s: float = 15 * 60,
                 clock: Callable[[], float] = time.monotonic):
        if per_account < 1 or per_address < 1 or window_s <= 0:
            raise ValueError("limits must be positive")
        self.per_account = per_account
        self.per_address = per_address
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> tuple[tuple[str, str], tuple[str, str]]:
        return ("account", username.strip().lower()[:200]), ("address", address or "")

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, username: str, address: str) -> int:
        """Seconds until a login for this name from this address is allowed again (0: allowed now)."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in zip(self._keys(username, address), (self.per_account, self.per_address)):
                times = self._recent(key, now)
                if len(times) >= limit:
                    # Allowed again when the oldest failure that keeps the count at the limit leaves the window.
                    wait = max(wait, times[len(times) - limit] + self.window_s - now)
        return math.ceil(wait)

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                self._recent(key, now)
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(username, address)[0], None)
