"""The authorisation matrix over HTTP: every catalogued app and every media route, for every role and
for a visitor who is not logged in.

The expectations come from the hand-written table in ``access_matrix.py`` (not from
``oefenkit.permissions``), so a change to the permission layer that opens an app to the wrong role fails
this test. An allowed app must also have rendered: the widget state its kernel hands the browser (read
over the kernel websocket) carries the app's own ``ok-`` hook, not just a status 200.
"""

from __future__ import annotations

import pytest

from oefenkit.apps import APPS
from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..live_server import PASSWORD
from ..test_server_http import Client
from .access_matrix import APP_ACCESS, APP_HOOKS, may_open
from .kernel_ws import dom_classes, kernel_id_of, kernel_widget_states

# The cursist is this module's own: the shared server's cursist1 may hold an exam attempt (browser tests),
# which rightly opens the exam clips to them.
ROLES = {"cursist": "matrix.cursist", "trainer": "trainer1", "coordinator": "coord1"}

_clients: dict[str, Client] = {}


@pytest.fixture
def as_role(live_server):
    """A logged-in client per role, kept for the module (logging in costs an Argon2 hash)."""

    def get(role: str) -> Client:
        if role not in _clients or _clients[role].base_url != live_server.base_url:
            if role == "cursist":
                live_server.add_user(ROLES[role], "cursist")
                # In a team, so the intervision app shows its panel rather than "not in a team yet".
                kit = open_kit(load_settings(data_dir=live_server.data_dir))
                try:
                    # Ouder-baby: a programme with a scoring test, so the exam app is the cursist's.
                    kit.add_group(SYSTEM, "Matrix-team", programme_code="ouder-baby")
                    kit.add_group_member(SYSTEM, "Matrix-team", ROLES[role])
                finally:
                    kit.engine.dispose()
            client = Client(live_server.base_url)
            status, _, _ = client.login(ROLES[role], PASSWORD)
            assert status == 302
            _clients[role] = client
        return _clients[role]

    return get


def test_every_app_has_an_expectation_and_a_hook():
    """Does the hand-written table name every catalogued app, with its hook?"""
    assert set(APP_ACCESS) == set(APP_HOOKS) == {app.id for app in APPS}
    assert len(APPS) >= 13


def test_babytijd_only_cursist_is_refused_the_exam_app(live_server):
    """A cursist whose only group is Babytijd (no scoring test in its path): is the certification test
    refused over HTTP (403, Dutch page, nothing rendered) while the practice app and the Babytijd-reeks
    app (refused to the Ouder-baby cursist of the matrix) open?"""
    live_server.add_user("matrix.babytijd", "cursist")
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        kit.add_group(SYSTEM, "Matrix-babytijd", programme_code="babytijd")
        kit.add_group_member(SYSTEM, "Matrix-babytijd", "matrix.babytijd")
    finally:
        kit.engine.dispose()
    client = Client(live_server.base_url)
    assert client.login("matrix.babytijd", PASSWORD)[0] == 302
    exam = next(app for app in APPS if app.id == "exam")
    status, _, page = client.request(exam.url)
    assert status == 403 and "niet beschikbaar voor jouw rol of programma" in page
    assert "bind_person" not in page
    practice = next(app for app in APPS if app.id == "practice")
    assert client.request(practice.url)[0] == 200
    reeks = next(app for app in APPS if app.id == "babytijd-reeks")
    status, _, page = client.request(reeks.url)
    assert status == 200, page[:500]
    assert APP_HOOKS["babytijd-reeks"] in dom_classes(kernel_widget_states(client, kernel_id_of(page)))


@pytest.mark.parametrize("app", APPS, ids=lambda a: a.id)
def test_visitor_is_sent_to_the_login_page(live_server, app):
    """Does every app send a visitor without a session to the login page (and render nothing)?"""
    status, headers, body = Client(live_server.base_url).request(app.url)
    assert status == 302 and headers["Location"].startswith("/login")
    assert "bind_person" not in body


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("app", APPS, ids=lambda a: a.id)
def test_role_matrix(as_role, app, role):
    """Is each app rendered for exactly the roles the table gives (its own hook in the widget state the
    browser gets) and refused (403, Dutch page) for the rest?"""
    client = as_role(role)
    status, _, page = client.request(app.url)
    if may_open(role, app):
        assert status == 200, page[:500]
        assert "oefenkit.kernel.bind_person" not in page
        classes = dom_classes(kernel_widget_states(client, kernel_id_of(page)))
        assert APP_HOOKS[app.id] in classes, (app.id, sorted(classes))
        assert "ok-page" in classes and "ok-access-lost" not in classes, app.id
    else:
        assert status == 403
        assert "Geen toegang" in page


def _case_codes(data_dir):
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        cases = kit.list_cases(SYSTEM)
    finally:
        kit.engine.dispose()
    practice = next(c.code for c in cases if "oefenen" in c.set_codes and "toets" not in c.set_codes)
    exam = next(c.code for c in cases if "toets" in c.set_codes)
    return practice, exam


@pytest.mark.parametrize("kind", ["clip", "subtitles"])
def test_media_matrix(live_server, as_role, kind):
    """Practice media: every role; exam media: staff only (a cursist has no exam attempt holding it);
    a visitor: the login page; an unknown case: 404 for everyone."""
    practice, exam = _case_codes(live_server.data_dir)
    ext = "mp4" if kind == "clip" else "vtt"
    url = f"/oefenkit/media/{kind}/{{}}.{ext}"
    for role in ROLES:
        client = as_role(role)
        assert client.request(url.format(practice))[0] == 200, role
        assert client.request(url.format(exam))[0] == (403 if role == "cursist" else 200), role
        assert client.request(url.format("bestaat-niet"))[0] == 404, role
    for code in (practice, exam):
        status, headers, _ = Client(live_server.base_url).request(url.format(code))
        assert status == 302 and headers["Location"].startswith("/login")


@pytest.mark.parametrize("path", [
    "/oefenkit/media/clip/..%2F..%2Fetc%2Fpasswd.mp4",
    "/oefenkit/media/clip/%2Fetc%2Fpasswd.mp4",
    "/oefenkit/media/subtitles/..%2Foefenkit.sqlite.vtt",
    "/oefenkit/media/clip/.hidden.mp4",
])
def test_media_routes_take_no_paths(as_role, path):
    """Does a path instead of a case code get 404, even for a coördinator?"""
    assert as_role("coordinator").request(path)[0] == 404
