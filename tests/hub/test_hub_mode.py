"""Hub mode without a hub: ``oefenkit serve --hub`` behind a tiny stand-in for the hub's API.

A real ``oefenkit serve --hub`` process answers every request as ``JUPYTERHUB_USER``; the
stand-in plays ``GET /hub/api/user`` (name and groups), as a real hub does for the server's
API token. The full chain with a real JupyterHub, its OAuth and jhsingle-native-proxy is
``tests/browser/test_hub.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tornado import web

from oefenkit.apps import LANDING, render_url
from oefenkit.certificate_pdf import certificate_url
from oefenkit.errors import ConfigurationError
from oefenkit.practice import clip_url, subtitles_url
from oefenkit.server.hub import TOKEN_HEADER
from oefenkit.settings import load_settings, site_url

from ..live_server import OEFENKIT, _free_port, oefenkit_cmd
from ..test_server_http import Client

TOKEN = "server-token-123"
#: The OAuth token of anna's browser, as oefenkit.server.hubproxy forwards it.
BROWSER_TOKEN = "browser-token-anna"


# -- base URL -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, expected", [("/", "/"), ("/user/anna", "/user/anna/"),
                                            ("/user/anna/", "/user/anna/"), ("/kit//", "/kit/")])
def test_base_url_is_normalised(raw, expected, tmp_path):
    """Is the base URL always an absolute path with one trailing slash?"""
    assert load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_BASE_URL": raw}).base_url == expected


@pytest.mark.parametrize("raw", ["user/anna", "//evil.example/", "http://evil.example/", "/a/../b", "/a?b=1",
                                 "/a b", "/a'b", "/a\\b"])
def test_bad_base_url_is_refused(raw, tmp_path):
    """Is a base URL that is not a plain absolute path refused with a Dutch message?"""
    with pytest.raises(ConfigurationError, match="base_url"):
        load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_BASE_URL": raw})


def test_links_follow_the_base_url(monkeypatch):
    """Under a hub, do app, clip, subtitle and certificate links carry the user's prefix, and
    without a base URL are they the plain kit paths?"""
    monkeypatch.delenv("OEFENKIT_BASE_URL", raising=False)
    assert render_url("training/oefenen.ipynb") == "/voila/render/training/oefenen.ipynb"
    assert clip_url("C1") == "/oefenkit/media/clip/C1.mp4"
    monkeypatch.setenv("OEFENKIT_BASE_URL", "/user/anna/")
    assert LANDING.url == "/user/anna/voila/render/start.ipynb"
    assert clip_url("C1") == "/user/anna/oefenkit/media/clip/C1.mp4"
    assert subtitles_url("C1") == "/user/anna/oefenkit/media/subtitles/C1.vtt"
    assert certificate_url("AB-12") == "/user/anna/oefenkit/certificate/AB-12.pdf"
    assert site_url("/x", env={}) == "/x"


def test_hub_mode_listens_only_on_loopback(tmp_path):
    """Does ``oefenkit serve --hub`` refuse an address other than 127.0.0.1, with a Dutch message?"""
    data_dir = tmp_path / "data"
    oefenkit_cmd(data_dir, "init")
    result = oefenkit_cmd(data_dir, "serve", "--hub", "--host", "0.0.0.0", "--port", str(_free_port()),
                          check=False, env={"JUPYTERHUB_USER": "anna"})
    assert result.returncode != 0
    assert "127.0.0.1" in result.stderr + result.stdout


# -- a hub-mode server ----------------------------------------------------------------------------


class FakeHub:
    """``GET /hub/api/user`` for one user; the groups can change while the server runs.

    It answers for the server's API token and for the browser tokens in ``browser_tokens``
    (token -> owner); a token taken out of it is refused (403), as after a hub logout.
    """

    def __init__(self, username: str, groups: list[str]):
        self.username, self.groups, self.calls, self.down = username, groups, 0, False
        self.browser_tokens = {BROWSER_TOKEN: username}
        self.removed = False  # the hub user was deleted: every token of theirs is gone (404)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server API
                hub.calls += 1
                auth = self.headers.get("Authorization", "")
                token = auth[len("token "):] if auth.startswith("token ") else None
                name = hub.username if token == TOKEN else hub.browser_tokens.get(token)
                if hub.down or hub.removed or name is None or self.path != "/hub/api/user":
                    self.send_response(503 if hub.down else 404 if hub.removed else 403)
                    self.end_headers()
                    return
                body = json.dumps({"kind": "user", "name": name, "groups": hub.groups}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.api_url = f"http://127.0.0.1:{self.server.server_address[1]}/hub/api"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def hub_server(tmp_path_factory):
    """``oefenkit serve --hub`` for hub user 'anna' (a cursist) below /user/anna/."""
    data_dir = tmp_path_factory.mktemp("hubmode") / "data"
    oefenkit_cmd(data_dir, "init")
    fake = FakeHub("anna", [])
    port = _free_port()
    log = open(data_dir.parent / "server.log", "wb")
    env = {**os.environ, "JUPYTER_PLATFORM_DIRS": "1", "JUPYTERHUB_USER": "anna",
           "JUPYTERHUB_API_URL": fake.api_url, "JUPYTERHUB_API_TOKEN": TOKEN}
    process = subprocess.Popen(
        [str(OEFENKIT), "--data-dir", str(data_dir), "serve", "--hub", "--port", str(port),
         "--base-url", "/user/anna/"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, (data_dir.parent / "server.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/oefenkit/health", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "oefenkit serve --hub did not come up"
                time.sleep(0.2)
        yield {"base": base, "fake": fake, "data_dir": data_dir}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        fake.close()


def _hub_client(hub_server, token: str = BROWSER_TOKEN) -> Client:
    """A client as jhsingle-native-proxy forwards it: with the browser's hub token."""
    client = Client(hub_server["base"])
    client.headers[TOKEN_HEADER] = token
    return client


def test_every_request_is_the_hub_user(hub_server):
    """Without any kit login or cookie, is the start page the hub user's, under the user's prefix, and
    does the hub user exist in the kit as a cursist (no hub group)?"""
    status, headers, _ = _hub_client(hub_server).request("/")
    assert status == 302
    assert headers["Location"] == "/user/anna/voila/render/start.ipynb"
    assert "Set-Cookie" not in headers or "oefenkit-sessie" not in headers["Set-Cookie"]
    listing = oefenkit_cmd(hub_server["data_dir"], "users", "list").stdout
    assert any("anna" in line and "cursist" in line for line in listing.splitlines())


def test_no_kit_login_in_hub_mode(hub_server):
    """Is the kit's own login page gone in hub mode (the hub logs people in)?"""
    status, _, _ = _hub_client(hub_server).request("/login")
    assert status == 404


def test_cursist_is_refused_supervision_apps(hub_server):
    """Does the prelaunch hook still refuse a supervision app to the hub user who is a cursist?"""
    status, _, page = _hub_client(hub_server).request("/voila/render/supervision/vergelijken.ipynb")
    assert status == 403
    assert "Geen toegang" in page


class _Provider:
    """A HubIdentityProvider on the test's own façade (no Voilà app around it)."""

    def __new__(cls, kit):
        from oefenkit.server.hub import HubIdentityProvider

        class Provider(HubIdentityProvider):
            @property
            def kit(self):
                return kit

        return Provider(role_refresh_seconds=0)


@pytest.fixture
def fake_hub(monkeypatch):
    fake = FakeHub("anna", [])
    monkeypatch.setenv("JUPYTERHUB_USER", "anna")
    monkeypatch.setenv("JUPYTERHUB_API_URL", fake.api_url)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", TOKEN)
    yield fake
    fake.close()


def test_role_follows_the_hub_groups(kit, fake_hub):
    """Does the person's role follow the hub groups at the next look-up: cursist without a group,
    trainer in oefenkit-trainer, coördinator in oefenkit-coordinator, and back?"""
    provider = _Provider(kit)
    for groups, role in [([], "cursist"), (["oefenkit-trainer"], "trainer"),
                         (["oefenkit-trainer", "oefenkit-coordinator"], "coordinator"), (["andere"], "cursist")]:
        fake_hub.groups = groups
        actor = asyncio.run(provider.hub_person())
        assert (actor.username, actor.role) == ("anna", role)
        assert kit.find_person("anna").role == role


def test_role_is_cached_between_look_ups(kit, fake_hub):
    """Within the refresh interval, is the hub asked only once (not on every clip request)?"""
    provider = _Provider(kit)
    provider.role_refresh_seconds = 3600
    for _ in range(5):
        asyncio.run(provider.hub_person())
    assert fake_hub.calls == 1


def test_deactivated_person_is_refused(kit, fake_hub):
    """Is a hub user whose kit account was deactivated refused with 403 on every request?"""
    from oefenkit.identity import SYSTEM

    provider = _Provider(kit)
    asyncio.run(provider.hub_person())
    kit.remove_person(SYSTEM, "anna")  # deactivates: ratings stay
    with pytest.raises(web.HTTPError) as info:
        asyncio.run(provider.hub_person())
    assert info.value.status_code == 403


def test_hub_unreachable_is_a_dutch_503(kit, fake_hub):
    """When the hub cannot confirm who this is, is the answer 503 with a Dutch message instead of
    letting anyone in?"""
    fake_hub.down = True
    with pytest.raises(web.HTTPError) as info:
        asyncio.run(_Provider(kit).hub_person())
    assert info.value.status_code == 503
    assert "JupyterHub" in info.value.log_message
