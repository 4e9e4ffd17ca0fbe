"""What the real server refuses: supervision and beheer apps for a cursist, the beheer app for a
trainer, every app for a visitor, someone else's export, and every way to the bytes of an
uploaded original.

The apps come from the catalogue at test time (``oefenkit.apps.APPS``); who may open each one comes
from the hand-written table in ``access_matrix.py``, not from ``oefenkit.permissions.can`` (the function
under test), so a wrong ``can()`` cannot hide itself here.
"""

from __future__ import annotations

import urllib.error
from pathlib import Path
from urllib.parse import quote

import pytest

from oefenkit.apps import APPS, export_url
from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from ..live_server import PASSWORD
from ..test_server_http import Client
from ..video.media import write_clip
from .access_matrix import APP_ACCESS, CURSIST, may_open


def logged_in(live_server, username: str) -> Client:
    client = Client(live_server.base_url)
    status, _, _ = client.login(username, PASSWORD)
    assert status == 302
    return client


def raw(client: Client, path: str) -> tuple[int, bytes]:
    """Status and raw body bytes of a GET (no redirects followed)."""
    try:
        response = client.opener.open(client.base_url + path, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, response.read()


# -- apps ------------------------------------------------------------------------------------------

CLOSED_TO_CURSIST = [app for app in APPS if not may_open(CURSIST, app)]


def test_the_matrix_names_every_app():
    """Does the hand-written table name exactly the catalogued apps (a new app is added on purpose)?"""
    assert set(APP_ACCESS) == {app.id for app in APPS}


def test_the_catalogue_has_apps_a_cursist_may_not_open():
    """Are the six supervision apps, beheer and Babytijd-reeks (this cursist is in no Babytijd group)
    closed to a cursist, and nothing else?"""
    assert {a.id for a in CLOSED_TO_CURSIST} == {"deelnemers", "compare", "dashboard", "library", "certificates",
                                                 "beheer", "babytijd-reeks"}


def test_cursist_is_refused_every_closed_app(live_server):
    """Is a cursist refused (403, Dutch page, nothing rendered) every app their role may not open?"""
    client = logged_in(live_server, "cursist1")
    for app in CLOSED_TO_CURSIST:
        status, _, page = client.request(app.url)
        assert status == 403, app.id
        assert "niet beschikbaar voor jouw rol" in page, app.id
        assert "bind_person" not in page and "jupyter-widgets" not in page, app.id


def test_trainer_is_refused_the_beheer_app(live_server):
    """Is the beheer app closed to a trainer (403) and open to a coördinator (200)?"""
    beheer = next(a for a in APPS if a.id == "beheer")
    status, _, page = logged_in(live_server, "trainer1").request(beheer.url)
    assert status == 403 and "niet beschikbaar voor jouw rol" in page
    assert logged_in(live_server, "coord1").request(beheer.url)[0] == 200


def test_visitor_is_sent_to_login_for_every_app(live_server):
    """Does every catalogued app send a visitor without a session to the login page?"""
    client = Client(live_server.base_url)
    for app in APPS:
        status, headers, body = client.request(app.url)
        assert status == 302 and headers["Location"].startswith("/login"), app.id
        assert "bind_person" not in body


def test_cursist_cannot_export_someone_else(live_server):
    """Is a cursist refused the export of another person (and of a coördinator)?"""
    client = logged_in(live_server, "cursist1")
    for other in ("trainer1", "coord1"):
        status, headers, body = client.request(export_url(other))
        assert status == 403 and "Content-Disposition" not in headers
        assert other not in body


# -- originals -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def original(live_server, tmp_path_factory):
    """An uploaded original in the live server's protected store, through the core verb add_library_clip.

    Returns ``(case_code, path, bytes)``. The clip is a fresh PyAV-written video whose bytes are
    in no other case, so finding them in a response can only mean the original leaked.
    """
    source = tmp_path_factory.mktemp("upload") / "thuisvideo.mp4"
    write_clip(source, frames=30, width=352, height=288)
    data = source.read_bytes()
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        item = kit.add_library_clip(kit.find_person("trainer1"), source, "Thuisvideo familie.mp4",
                                    title="Weigeringstest")
        originals = kit.media.media_dir / "originals"
        stored = [p for p in originals.iterdir() if p.is_file() and p.read_bytes() == data]
    finally:
        kit.engine.dispose()
    assert not source.exists()  # moved into the store
    assert len(stored) == 1
    return item.case_code, stored[0], data


def attempts(live_server, code: str, path: Path) -> list[str]:
    """Every route a person might try to reach the original's bytes."""
    data_dir = Path(live_server.data_dir)
    rel_media = path.relative_to(data_dir)  # media/originals/<name>
    name, stem = path.name, path.stem
    absolute = str(path).lstrip("/")
    up = "../" * 12
    enc_up = "..%2F" * 12
    return [
        # Voilà's and Jupyter's file and contents routes
        f"/voila/files/{rel_media}",
        f"/voila/files/{up}{absolute}",
        f"/voila/files/{enc_up}{quote(absolute, safe='')}",
        f"/voila/files//{absolute}",
        f"/files/{rel_media}",
        f"/files/{absolute}",
        f"/files/{enc_up}{quote(absolute, safe='')}",
        f"/voila/api/contents/{rel_media}",
        f"/voila/api/contents/{up}{absolute}",
        f"/api/contents/{rel_media}",
        f"/api/contents/{absolute}?content=1",
        f"/voila/render/{up}{absolute}",
        f"/voila/static/{up}{absolute}",
        f"/static/{up}{absolute}",
        # the kit's media routes: the case itself, its stored name, traversal, absolute paths
        f"/oefenkit/media/clip/{code}.mp4",
        f"/oefenkit/media/clip/{stem}.mp4",
        f"/oefenkit/media/clip/{enc_up}{quote(str(path.with_suffix('')).lstrip('/'), safe='')}.mp4",
        f"/oefenkit/media/clip/..%2Foriginals%2F{stem}.mp4",
        f"/oefenkit/media/clip/..%2F..%2Fmedia%2Foriginals%2F{stem}.mp4",
        f"/oefenkit/media/clip/%2F{quote(str(path.with_suffix('')).lstrip('/'), safe='')}.mp4",
        f"/oefenkit/media/clip/{up}{str(path.with_suffix('')).lstrip('/')}.mp4",
        f"/oefenkit/media/subtitles/{code}.vtt",
        f"/oefenkit/media/subtitles/..%2Foriginals%2F{name}%00.vtt",
        # the library's contact sheet and the other download routes
        f"/oefenkit/library/contact-sheet/{code}.png",
        f"/oefenkit/library/contact-sheet/..%2F..%2Foriginals%2F{stem}.png",
        f"/oefenkit/library/contact-sheet/{enc_up}{quote(absolute, safe='')}.png",
        f"/oefenkit/certificate/..%2Fmedia%2Foriginals%2F{stem}.pdf",
        f"/oefenkit/export/..%2Fmedia%2Foriginals%2F{stem}.json",
        f"/oefenkit/upload?name={name}",
    ]


@pytest.mark.parametrize("username", ["cursist1", "coord1"])
def test_no_route_serves_an_original(live_server, original, username):
    """Does every route a cursist (or even a coördinator) could try give anything but the original's bytes?"""
    code, path, data = original
    client = logged_in(live_server, username)
    probe = data[-4096:]  # the end of the file: past any header two MP4s could share
    for url in attempts(live_server, code, path):
        status, body = raw(client, url)
        assert probe not in body and not (status == 200 and body == data), (url, status)
        if username == "cursist1":
            assert status in (302, 403, 404, 405), (url, status)


def test_cursist_gets_403_for_the_uploaded_case_and_its_contact_sheet(live_server, original):
    """Is the new, unpublished case's clip and contact sheet refused to a cursist (not just missing)?"""
    code, _, _ = original
    client = logged_in(live_server, "cursist1")
    assert raw(client, f"/oefenkit/media/clip/{code}.mp4")[0] == 403
    assert raw(client, f"/oefenkit/library/contact-sheet/{code}.png")[0] in (403, 404)


def test_the_original_is_still_there(live_server, original):
    """After all those attempts, is the original unchanged in its store (the routes only read)?"""
    _, path, data = original
    assert path.read_bytes() == data
    assert (path.parent.stat().st_mode & 0o077) == 0  # the store is private to the server's user
