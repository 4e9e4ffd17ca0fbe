"""The kit under a real JupyterHub with PostgreSQL, driven through the hub's login in Chromium.

The hub (``tests/hub_server.py``) runs ``deploy/jupyterhub/jupyterhub_config.py`` (the file IT
staff deploy) with PostgreSQL for both the hub database and the kit database, and three hub
users: a cursist, a trainer (hub group ``oefenkit-trainer``) and a coördinator
(``oefenkit-coordinator``), plus three room participants whom the room test drives with the
HTTP clients of ``benchmarks/hub_room.py`` instead of Chromium.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, text
from websockets.exceptions import InvalidStatus

from benchmarks.hub_room import HubPhone
from benchmarks.room import APP, username

from ..hub_server import CHP, PASSWORD, Hub, running_hub
from ..live_server import oefenkit_cmd
from ..security.kernel_ws import KernelSocket

GROUP = "Voorbeeldgroep Babytijd"

CURSIST, TRAINER, COORDINATOR = "hubcursist", "hubtrainer", "hubcoord"
#: The room test's participants (benchmarks/room.py's user names)
ROOM = 3


@pytest.fixture(scope="module")
def hub(pg_server, tmp_path_factory):
    """A hub and a kit sharing one PostgreSQL server (databases ``jupyterhub_*`` and ``oefenkit_*``)."""
    if not CHP.exists():
        pytest.fail(f"configurable-http-proxy is not installed at {CHP}: run ./kit test, which installs it.")

    def register(data_dir, kit_url):
        # The administrator's step from deploy/README.md: register the cursist in a group
        # (hub users appear in the kit at their first login).
        oefenkit_cmd(data_dir, "users", "add", CURSIST, "--role", "cursist", "--display-name", "Hub Cursist",
                     "--group", GROUP, env={"OEFENKIT_DATABASE_URL": kit_url})

    with running_hub(pg_server, tmp_path_factory.mktemp("hub"), users={CURSIST, TRAINER, COORDINATOR, *(username(i) for i in range(ROOM))},
                     groups={"oefenkit-trainer": {"users": [TRAINER]},
                             "oefenkit-coordinator": {"users": [COORDINATOR]}},
                     setup=register) as server:
        yield server


def hub_login(page, hub: Hub, username: str) -> None:
    """Log in through the hub's own form and wait for the kit's landing page on the user's server."""
    page.goto(f"{hub.url}/hub/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    try:
        page.wait_for_url(f"**/user/{username}/voila/render/start.ipynb", timeout=90_000)
        page.locator(".ok-link-training").first.wait_for(timeout=90_000)
    except Exception as exc:
        try:
            content = page.content()[:3000]
        except Exception:  # noqa: BLE001 - still navigating; the URL and the hub log say enough
            content = "(page still navigating)"
        raise AssertionError(f"no landing page for {username} at {page.url}:\n{content}\n"
                             f"--- hub log ---\n{hub.log()}") from exc


def ratings_in_postgres(kit_url: str, username: str) -> list[tuple[str, int, str]]:
    engine = create_engine(kit_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT s.code, r.score, r.mode FROM rating r JOIN person p ON p.id = r.rater_id "
                "JOIN scale s ON s.id = r.scale_id WHERE p.username = :u ORDER BY s.code"), {"u": username})
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_cursist_and_trainer_through_a_real_hub(browser, hub):
    """Through the hub's login: does the cursist reach the training apps and store a practice rating
    in PostgreSQL, is the cursist refused the supervision apps and another person's server, and does
    the trainer see that rating in 'Beoordelingen vergelijken' and log out of the hub from the kit?"""
    cursist = browser.new_context(locale="nl-NL")
    page = cursist.new_page()
    page.set_default_timeout(60_000)
    try:
        hub_login(page, hub, CURSIST)
        assert page.locator(".ok-app-practice a").count() == 1
        assert page.locator(".ok-link-supervision").count() == 0
        href = page.locator(".ok-app-practice a").get_attribute("href")
        assert href == f"/user/{CURSIST}/voila/render/training/oefenen.ipynb"

        # A practice rating through the app's own controls.
        page.locator(".ok-app-practice a").click()
        page.locator(".ok-case").first.wait_for()
        page.locator(".ok-case .ok-case-open").first.click()
        video = page.locator(".ok-video video")
        video.wait_for()
        assert video.get_attribute("src").startswith(f"/user/{CURSIST}/oefenkit/media/clip/")
        page.wait_for_function("document.querySelector('.ok-video video').readyState >= 1", timeout=60_000)
        page.locator(".ok-score-sensitivity button", has_text="7").click()
        page.locator(".ok-score-cooperation button", has_text="4").click()
        page.wait_for_function("!document.querySelector('.ok-submit').disabled")
        page.locator(".ok-submit").click()
        page.locator(".ok-feedback").wait_for(state="visible")
        assert sorted((score, mode) for _, score, mode in ratings_in_postgres(hub.kit_url, CURSIST)) == [
            (4, "practice"), (7, "practice")]

        # The supervision apps and other people's servers stay closed.
        response = page.goto(f"{hub.url}/user/{CURSIST}/voila/render/supervision/vergelijken.ipynb")
        assert response.status == 403
        assert "Geen toegang" in page.content()
        response = page.goto(f"{hub.url}/user/{TRAINER}/")
        assert response.status in (403, 404)
        assert page.locator(".ok-compare-show").count() == 0
    finally:
        cursist.close()

    trainer = browser.new_context(locale="nl-NL")
    page = trainer.new_page()
    page.set_default_timeout(60_000)
    try:
        hub_login(page, hub, TRAINER)
        page.locator(".ok-app-compare a").click()
        page.locator(".ok-compare-show").wait_for()
        page.locator(".ok-compare-group select").select_option(label=GROUP)
        page.locator(".ok-compare-set select").select_option(label="Oefenen met feedback")
        page.locator(".ok-compare-scale select").select_option(label="Sensitiviteit versus ongevoeligheid")
        page.locator(".ok-compare-show").click()
        row = page.locator(".ok-compare-table tr.ok-compare-row", has_text="Hub Cursist")
        row.wait_for()
        assert "7" in row.inner_text()

        # The kit's 'Afmelden' link (/logout, outside the user's prefix) ends the hub session.
        page.locator(".ok-logout").first.click()
        page.wait_for_url("**/hub/**")
        page.goto(f"{hub.url}/hub/home")
        assert "/hub/login" in page.url
    finally:
        trainer.close()


def test_coordinator_role_comes_from_the_hub_group(browser, hub):
    """Does a hub user in 'oefenkit-coordinator' become a coördinator in the kit, with the
    supervision apps on the landing page?"""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        hub_login(page, hub, COORDINATOR)
        assert page.locator(".ok-link-supervision").count() >= 1
        assert page.locator(".ok-app-compare a").count() == 1
    finally:
        context.close()
    engine = create_engine(hub.kit_url)
    try:
        with engine.connect() as conn:
            role = conn.execute(text("SELECT role FROM person WHERE username = :u"), {"u": COORDINATOR}).scalar()
    finally:
        engine.dispose()
    assert role == "coordinator"


def test_hub_logout_closes_the_kit_to_a_copied_cookie(browser, hub):
    """Issue 13, finding 4 under a real hub: a second browser with a copy of the cursist's cookies
    gets into the kit; once the cursist logs out of the hub, is the copy refused within seconds
    (jhsingle-native-proxy alone would accept it for five minutes from its cache)?"""
    import time

    owner = browser.new_context(locale="nl-NL")
    copy = browser.new_context(locale="nl-NL")
    try:
        page = owner.new_page()
        page.set_default_timeout(60_000)
        hub_login(page, hub, CURSIST)
        copy.add_cookies(owner.cookies())

        def opens_kit() -> bool:  # the kit's start route: its redirect to the landing app means "in"
            response = copy.request.get(f"{hub.url}/user/{CURSIST}/", max_redirects=0)
            return response.status == 302 and response.headers["location"].endswith("/voila/render/start.ipynb")

        assert opens_kit()
        page.goto(f"{hub.url}/hub/logout")
        page.wait_for_url("**/hub/login**")
        logged_out = time.monotonic()
        while opens_kit():
            assert time.monotonic() - logged_out < 10, "the copied cookie still opens the kit"
            time.sleep(0.5)
        refused_after = time.monotonic() - logged_out
        print(f"copied hub cookie refused {refused_after:.1f} s after the hub logout")
    finally:
        owner.close()
        copy.close()


def test_a_room_opens_the_participant_app_at_once_through_the_hub(hub):
    """Issue 14 under the hub: three logged-in persons whose servers are not running open
    "Terugkomdag: meedoen" at the same moment; does each one's server spawn, and does each get a
    usable page (widget view, join-code field in the kernel's widget states) on a kernel of their
    own that the others cannot reach? (The same clients as ``benchmarks/hub_room.py``.)"""
    phones = [HubPhone(hub.url, i) for i in range(ROOM)]
    for phone in phones:
        phone.login()
    start, t0 = threading.Event(), [0.0]
    threads = [threading.Thread(target=p.join, args=(start, t0, 80.0)) for p in phones]
    for t in threads:
        t.start()
    t0[0] = time.monotonic()
    start.set()
    for t in threads:
        t.join()
    try:
        assert [p.error for p in phones] == [None] * ROOM, hub.log()
        assert all(p.client.spawned for p in phones)  # the spawn was part of the wait
        assert all(p.usable_s is not None for p in phones)
        assert len({p.kernel_id for p in phones}) == ROOM
        print("hub room of 3, usable after (s):", sorted(round(p.usable_s, 1) for p in phones))
        # Each page and kernel is its owner's: another person's session reaches neither.
        first, second = phones[0], phones[1]
        status, _, _, _ = first.client.fetch(f"{second.base_url}{APP}")
        assert status in (403, 404)
        with pytest.raises(InvalidStatus):
            KernelSocket(second.base_url, second.kernel_id, first.client).close()
    finally:
        for phone in phones:
            phone.close()
