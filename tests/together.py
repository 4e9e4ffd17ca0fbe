"""Run the same call from several threads released at one moment (double clicks, two tabs, retries)."""

from __future__ import annotations

import threading
from typing import Any, Callable


def at_once(action: Callable[[], Any], n: int = 8) -> tuple[list[Any], list[BaseException]]:
    """Call ``action()`` in ``n`` threads that wait for each other and then start together; returns
    (the results, the exceptions raised)."""
    barrier = threading.Barrier(n)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - returned to the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
