"""kill -9 of the server and its kernels while a cursist submits practice attempts in Chromium:
afterwards the database is intact, every attempt whose feedback was shown is stored whole, and the
kit starts again on the same data."""

from __future__ import annotations

import os
import signal

from oefenkit.storage import database
from oefenkit.storage.kit import Kit

from ..live_server import PASSWORD, LiveServer, oefenkit_cmd
from ..reliability.checks import integrity
from .test_login_landing import login
from .viewport import back_to_practice_list, open_practice_clip


def test_kill_the_server_mid_submissions(browser, tmp_path, report):
    """A cursist submits practice attempts in Chromium; the server and its kernels get SIGKILL while one is
    in flight. After a restart on the same data: integrity ok, every attempt whose feedback was shown is
    stored, and the cursist logs in and finds them in the app."""
    data_dir = tmp_path / "data"
    oefenkit_cmd(data_dir, "init")
    server = LiveServer(data_dir).start()
    url = f"sqlite:///{data_dir / 'oefenkit.sqlite3'}"
    try:
        server.add_user("kill.cursist", "cursist")
        context = browser.new_context()
        page = context.new_page()
        login(page, server.base_url, "kill.cursist", PASSWORD)
        page.locator(".ok-app-practice a").click()
        page.locator(".ok-case").first.wait_for()
        acknowledged = 0
        cases = page.locator(".ok-case .ok-case-open")
        for i in range(4):
            open_practice_clip(page, cases.nth(i))
            page.locator(".ok-score-sensitivity button", has_text=str(3 + i)).click()
            page.locator(".ok-score-cooperation button", has_text=str(4 + i)).click()
            page.wait_for_function("!document.querySelector('.ok-submit').disabled")
            page.locator(".ok-submit").click()
            if i == 3:
                os.killpg(server.process.pid, signal.SIGKILL)  # the server and every kernel, mid-submission
                server.process.wait(timeout=30)
                break
            page.locator(".ok-feedback").wait_for(state="visible")
            acknowledged += 1
            back_to_practice_list(page)
        context.close()
    finally:
        server.stop()

    check = integrity(url)
    engine = database.make_engine(url)
    try:
        kit = Kit(engine)
        person = kit.find_person("kill.cursist")
        ratings = kit.list_ratings(person, rater_username="kill.cursist")
    finally:
        engine.dispose()
    per_case = {}
    for r in ratings:
        per_case.setdefault(r.case_code, []).append(r.scale_code)
    report(f"SQLite: server and kernels killed with SIGKILL after {acknowledged} acknowledged practice attempts "
           f"(one in flight): {len(per_case)} attempts stored, integrity {check}")
    assert check == "ok"
    assert acknowledged == 3
    assert len(per_case) in (3, 4)  # the in-flight one is whole or absent
    assert all(sorted(scales) == ["cooperatie", "sensitiviteit"] for scales in per_case.values())

    # The kit starts again on the same data and shows the stored attempts.
    server = LiveServer(data_dir).start()
    try:
        context = browser.new_context()
        page = context.new_page()
        login(page, server.base_url, "kill.cursist", PASSWORD)
        page.locator(".ok-app-practice a").click()
        page.locator(".ok-case").first.wait_for()
        assert page.locator(".ok-case", has_text="Gedaan").count() == len(per_case)
        context.close()
    finally:
        server.stop()
