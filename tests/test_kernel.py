"""The person inside an app kernel: standalone binding and JupyterHub identity.

The hub tests talk HTTP to a real tiny server on 127.0.0.1 that plays the
hub's ``/hub/api/user`` endpoint.
"""

from __future__ import annotations

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from oefenkit import kernel
from oefenkit.errors import AuthenticationError, NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.instance import current_kit

HUB_VARS = ("JUPYTERHUB_USER", "JUPYTERHUB_API_URL", "JUPYTERHUB_API_TOKEN")


@pytest.fixture(autouse=True)
def fresh_kernel(monkeypatch, fast_password_hashing):
    """Each test starts as a new kernel: nobody bound, no hub variables, no cached façade."""
    monkeypatch.setattr(kernel, "_person", None)
    monkeypatch.setattr(kernel, "_app", None)
    monkeypatch.setattr(kernel, "_address", None)
    for var in HUB_VARS:
        monkeypatch.delenv(var, raising=False)
    current_kit.cache_clear()
    yield
    if current_kit.cache_info().currsize:
        current_kit().engine.dispose()
    current_kit.cache_clear()


@pytest.fixture
def instance(kit, people, database_url, tmp_path, monkeypatch):
    """The environment a kernel of this kit instance gets (the ``people`` exist in its database)."""
    monkeypatch.setenv("OEFENKIT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OEFENKIT_DATABASE_URL", database_url)
    return people


# -- standalone: bind_person -------------------------------------------------------------------


def test_nobody_logged_in():
    """Without a bound person or a hub, is the kernel's person an AuthenticationError in Dutch?"""
    with pytest.raises(AuthenticationError, match="niet ingelogd"):
        kernel.current_person()
    with pytest.raises(AuthenticationError):
        kernel.require_app("mijn-gegevens")
    assert kernel.current_app() is None


def test_bind_cursist_to_training_app(instance):
    """After binding a cursist to a training app, is that cursist the kernel's person?"""
    assert kernel.bind_person("cursist1", "mijn-gegevens") is None  # the injected cell shows nothing
    assert kernel.current_person() == instance["cursist"]
    assert kernel.current_app().id == "mijn-gegevens"
    assert kernel.require_app("mijn-gegevens") == instance["cursist"]
    assert kernel.require_app("start").username == "cursist1"


def test_cursist_cannot_bind_supervision_app(instance):
    """Is a cursist refused a supervision app, leaving nobody bound?"""
    with pytest.raises(PermissionDenied):
        kernel.bind_person("cursist1", "deelnemers")
    with pytest.raises(AuthenticationError):
        kernel.current_person()
    assert kernel.current_app() is None


def test_cursist_cannot_require_supervision_app(instance):
    """Is a bound cursist refused when an app checks for a supervision app?"""
    kernel.bind_person("cursist1", "start")
    with pytest.raises(PermissionDenied):
        kernel.require_app("deelnemers")


@pytest.mark.parametrize("who", ["trainer", "coordinator"])
def test_staff_bind_supervision_app(instance, who):
    """May trainers and coördinatoren open the supervision app?"""
    person = instance[who]
    kernel.bind_person(person.username, "deelnemers")
    assert kernel.require_app("deelnemers") == person


def test_bind_unknown_or_deactivated(instance, kit):
    """Are an unknown app, an unknown person and a deactivated person refused?"""
    with pytest.raises(NotFound, match="app"):
        kernel.bind_person("cursist1", "geen-app")
    with pytest.raises(NotFound):
        kernel.bind_person("niemand", "start")
    kit.remove_person(SYSTEM, "cursist2")
    with pytest.raises(NotFound, match="gedeactiveerd"):
        kernel.bind_person("cursist2", "start")
    with pytest.raises(AuthenticationError):
        kernel.current_person()


def test_binding_cell_hands_a_kernel_started_ahead_its_page_environment(instance, monkeypatch):
    """Does the binding cell the server writes for a kernel started ahead set the page's request
    variables (hostile values stay literal) and remove the ones the page does not have, before it
    binds the person?"""
    from oefenkit.server.hooks import binding_source

    monkeypatch.setenv("OEFENKIT_TEST_STALE", "van de server")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    hostile = "code=K7M3QX&x='); import os; os.system('false') #\n\"\""
    source = binding_source("cursist1", "session", "192.0.2.7",
                            {"QUERY_STRING": hostile, "OEFENKIT_TEST_STALE": None})
    namespace: dict = {}
    exec(compile(source, "<binding>", "exec"), namespace)  # what the kernel runs as the page's first cell
    assert os.environ["QUERY_STRING"] == hostile
    assert "OEFENKIT_TEST_STALE" not in os.environ
    assert kernel.current_person().username == "cursist1" and kernel.current_app().id == "session"
    assert kernel.current_address() == "192.0.2.7"
    assert source.count("\n") == 1  # two statements: the import and one call


def test_require_unknown_app(instance):
    """Is an app id outside the catalogue NotFound even for a logged-in person?"""
    kernel.bind_person("coord1", "start")
    with pytest.raises(NotFound):
        kernel.require_app("geheime-app")


# -- JupyterHub --------------------------------------------------------------------------------


class _HubHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        hub = self.server.hub
        hub["requests"].append((self.path, self.headers.get("Authorization")))
        if self.path != "/hub/api/user" or self.headers.get("Authorization") != f"token {hub['token']}":
            self._send(403, b'{"status": 403, "message": "Forbidden"}')
            return
        body = hub["body"]
        self._send(200, body if isinstance(body, bytes) else json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def hub(monkeypatch):
    """A fake hub API on a free loopback port; set ``hub['body']`` to change its answer."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HubHandler)
    server.hub = {"token": "tok-123", "body": {"name": "hanna", "groups": ["oefenkit-trainer", "cohort-1"]},
                  "requests": []}
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    server.hub["env"] = {
        "JUPYTERHUB_USER": "hanna",
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{server.server_address[1]}/hub/api",
        "JUPYTERHUB_API_TOKEN": "tok-123",
    }
    yield server.hub
    server.shutdown()
    server.server_close()
    thread.join()


def test_hub_identity(hub):
    """Does the hub's /user answer give the user name and groups, asked with 'token <tok>'?"""
    assert kernel.hub_identity(hub["env"]) == ("hanna", ["oefenkit-trainer", "cohort-1"])
    assert hub["requests"] == [("/hub/api/user", "token tok-123")]


def test_hub_identity_with_trailing_slash(hub):
    """Does an API URL ending in a slash still reach /hub/api/user?"""
    env = dict(hub["env"], JUPYTERHUB_API_URL=hub["env"]["JUPYTERHUB_API_URL"] + "/")
    assert kernel.hub_identity(env)[0] == "hanna"
    assert hub["requests"][-1][0] == "/hub/api/user"


def test_hub_identity_without_groups(hub):
    """Is a hub user without groups given an empty group list?"""
    hub["body"] = {"name": "hanna"}
    assert kernel.hub_identity(hub["env"]) == ("hanna", [])


def test_outside_a_hub_there_is_no_hub_identity(hub):
    """Without JUPYTERHUB_USER, is the answer None, without asking anybody?"""
    env = {k: v for k, v in hub["env"].items() if k != "JUPYTERHUB_USER"}
    assert kernel.hub_identity(env) is None
    assert hub["requests"] == []


def test_hub_refuses_token(hub):
    """When the hub refuses the token (403), is that an AuthenticationError in Dutch?"""
    env = dict(hub["env"], JUPYTERHUB_API_TOKEN="verkeerd")
    with pytest.raises(AuthenticationError, match="JupyterHub"):
        kernel.hub_identity(env)
    assert hub["requests"] == [("/hub/api/user", "token verkeerd")]


def test_hub_names_another_user(hub):
    """When the hub answers for another user than JUPYTERHUB_USER, is the login refused?"""
    hub["body"] = {"name": "iemand-anders", "groups": ["oefenkit-coordinator"]}
    with pytest.raises(AuthenticationError, match="andere gebruiker"):
        kernel.hub_identity(hub["env"])


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b"", b'["hanna"]', b"null"])
def test_hub_answer_that_is_not_a_user(hub, body):
    """Is an answer that is not a JSON user model an AuthenticationError, not a traceback?"""
    hub["body"] = body
    with pytest.raises(AuthenticationError):
        kernel.hub_identity(hub["env"])


def test_hub_unreachable():
    """Is an unreachable hub API an AuthenticationError in Dutch?"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens
    env = {"JUPYTERHUB_USER": "hanna", "JUPYTERHUB_API_URL": f"http://127.0.0.1:{port}/hub/api",
           "JUPYTERHUB_API_TOKEN": "x"}
    with pytest.raises(AuthenticationError, match="JupyterHub"):
        kernel.hub_identity(env)


def test_hub_without_api_url():
    """Is a hub environment without an API URL an AuthenticationError?"""
    with pytest.raises(AuthenticationError):
        kernel.hub_identity({"JUPYTERHUB_USER": "hanna"})


def test_hub_trainer_becomes_trainer(instance, hub, kit, monkeypatch):
    """Does a hub user in group oefenkit-trainer become a stored trainer, asked of the hub only once?"""
    for key, value in hub["env"].items():
        monkeypatch.setenv(key, value)
    person = kernel.current_person()
    assert (person.username, person.role) == ("hanna", "trainer")
    assert kit.find_person("hanna") == person
    assert kernel.require_app("deelnemers") == person
    assert len(hub["requests"]) == 1  # the person is kept for the kernel's lifetime


def test_hub_role_follows_groups_at_next_start(instance, hub, kit, monkeypatch):
    """When the hub drops the trainer group, is the next kernel's person a cursist again?"""
    for key, value in hub["env"].items():
        monkeypatch.setenv(key, value)
    assert kernel.current_person().role == "trainer"
    monkeypatch.setattr(kernel, "_person", None)  # a new kernel
    hub["body"] = {"name": "hanna", "groups": []}
    assert kernel.current_person().role == "cursist"
    with pytest.raises(PermissionDenied):
        kernel.require_app("deelnemers")
    assert kit.find_person("hanna").role == "cursist"


def test_hub_user_refused_by_hub_is_not_stored(instance, hub, kit, monkeypatch):
    """When the hub refuses the token, is nobody logged in and nobody created?"""
    for key, value in hub["env"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "gestolen")
    with pytest.raises(AuthenticationError):
        kernel.current_person()
    with pytest.raises(NotFound):
        kit.find_person("hanna")
