"""The app server over plain HTTP: login, cookies, role checks, blocked routes."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .live_server import PASSWORD


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A tiny cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.jar = http.cookiejar.CookieJar()
        self.headers: dict[str, str] = {}  # sent with every request
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            request = urllib.request.Request(self.base_url + path, data=body, headers=self.headers)
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as err:
            response = err
        return response.status, dict(response.headers), response.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def login(self, username: str, password: str, next_url: str = "/"):
        status, _, page = self.request("/login")
        assert status == 200
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        return self.request("/login", {"_xsrf": xsrf, "username": username, "password": password,
                                       "next": next_url})


@pytest.fixture
def client(live_server):
    return Client(live_server.base_url)


def test_start_redirects_to_login(client):
    """Does an anonymous visitor land on the login page?"""
    status, headers, _ = client.request("/")
    assert status == 302
    assert headers["Location"].startswith("/login")


def test_login_page_is_dutch_plain_form(client):
    """Is the login page Dutch, with inputs named username and password in a POST form?"""
    status, _, page = client.request("/login")
    assert status == 200
    assert '<html lang="nl">' in page and "Inloggen" in page and "Wachtwoord" in page
    assert 'name="username"' in page and 'name="password"' in page and 'method="post"' in page


def test_wrong_password_gives_dutch_error_and_no_session(client):
    """Does a wrong password give a Dutch message, status 401 and no session cookie?"""
    status, headers, page = client.login("cursist1", "fout-wachtwoord")
    assert status == 401
    assert "onjuist wachtwoord" in page
    assert client.cookie("oefenkit-sessie") is None
    assert "oefenkit-sessie" not in headers.get("Set-Cookie", "")
    # and the session-less client still cannot reach an app
    status, headers, _ = client.request("/voila/render/start.ipynb")
    assert status == 302 and headers["Location"].startswith("/login")


def test_unknown_user_gets_the_same_message(client):
    """Is an unknown user name indistinguishable from a wrong password?"""
    _, _, wrong_pw = client.login("cursist1", "fout-wachtwoord")
    status, _, unknown = client.login("niemand", "fout-wachtwoord")
    assert status == 401
    pick = lambda page: re.search(r'class="ok-error"[^>]*>([^<]+)<', page).group(1)  # noqa: E731
    assert pick(wrong_pw) == pick(unknown)


def test_login_without_xsrf_token_is_refused(client):
    """Is a login POST without the form's XSRF token refused?"""
    client.request("/login")
    status, _, _ = client.request("/login", {"username": "cursist1", "password": PASSWORD})
    assert status == 403
    assert client.cookie("oefenkit-sessie") is None


def test_session_cookie_flags(client):
    """Is the session cookie HttpOnly and SameSite=Lax?"""
    status, headers, _ = client.login("cursist1", PASSWORD)
    assert status == 302
    set_cookie = headers["Set-Cookie"]
    assert "oefenkit-sessie=" in set_cookie
    assert "httponly" in set_cookie.lower() and "samesite=lax" in set_cookie.lower()


def test_login_redirect_stays_on_site(client):
    """Is an off-site 'next' after login replaced by the start page?"""
    status, headers, _ = client.login("cursist1", PASSWORD, next_url="//evil.example/x")
    assert status == 302
    assert headers["Location"] == "/"


def test_cursist_is_refused_a_supervision_app(client):
    """Is a cursist who asks for a supervision app directly refused with 403 and a Dutch page?"""
    client.login("cursist1", PASSWORD)
    status, _, page = client.request("/voila/render/supervision/deelnemers.ipynb")
    assert status == 403
    assert "Geen toegang" in page and "niet beschikbaar voor jouw rol" in page
    assert "Trainer Een" not in page


def test_cursist_may_open_a_training_app(client):
    """Does the same cursist get a training app rendered?"""
    client.login("cursist1", PASSWORD)
    status, _, page = client.request("/voila/render/training/mijn_gegevens.ipynb")
    assert status == 200
    assert "oefenkit.kernel.bind_person" not in page  # sources are stripped


def test_trainer_may_open_a_supervision_app(client):
    """Does a trainer get the supervision app the cursist was refused?"""
    client.login("trainer1", PASSWORD)
    status, _, _ = client.request("/voila/render/supervision/deelnemers.ipynb")
    assert status == 200


def test_uncatalogued_notebook_is_not_rendered(client, live_server):
    """Is a notebook that is not in the app catalogue refused, even for a coördinator?"""
    client.login("coord1", PASSWORD)
    status, _, _ = client.request("/voila/render/does_not_exist.ipynb")
    assert status == 404


@pytest.mark.parametrize("logged_in", [False, True])
@pytest.mark.parametrize("path", ["/voila/render/does_not_exist.ipynb", "/voila/render/training/x.ipynb",
                                  "/nergens", "/oefenkit/nergens", "/api/nergens"])
def test_not_found_pages_are_dutch_and_name_no_files(client, path, logged_in):
    """Is every 404 the kit's Dutch page, without Voilà's or Tornado's English text or file names?"""
    if logged_in:
        client.login("cursist1", PASSWORD)
    status, _, page = client.request(path)
    if not logged_in and status == 302:  # an app path: log in first
        return
    assert status == 404, (status, page[:200])
    assert '<html lang="nl">' in page and "Niet gevonden" in page and "bestaat niet" in page
    for english in ("Not Found", "file or directory", "does_not_exist", "x.ipynb", "Traceback"):
        assert english not in page


def test_the_kits_own_error_text_is_shown(client):
    """Does an error the kit raises itself keep its specific Dutch message on the error page?"""
    client.login("cursist1", PASSWORD)
    status, _, page = client.request("/voila/render/supervision/deelnemers.ipynb")
    assert status == 403 and "niet beschikbaar voor jouw rol" in page


@pytest.mark.parametrize("path", ["/voila/tree", "/voila/tree/supervision"])
def test_file_tree_is_not_offered(client, path):
    """Does Voilà's directory listing send a logged-in person to the start page instead?"""
    client.login("cursist1", PASSWORD)
    status, headers, _ = client.request(path)
    assert status == 302 and headers["Location"] == "/voila/render/start.ipynb"


@pytest.mark.parametrize("path", ["/voila/files/start.ipynb", "/voila/api/contents/supervision"])
def test_raw_files_are_not_served(client, path):
    """Are notebook files and contents listings unavailable, even when logged in?"""
    client.login("cursist1", PASSWORD)
    status, _, _ = client.request(path)
    assert status == 404


def test_logout_ends_the_session(client):
    """After logging out, is the start page closed again?"""
    client.login("cursist1", PASSWORD)
    assert client.request("/")[0] == 302 and client.request("/")[1]["Location"] == "/voila/render/start.ipynb"
    status, _, page = client.request("/logout")  # asks first: a GET changes nothing
    assert status == 200 and "ok-logout-form" in page
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
    status, _, page = client.request("/logout", {"_xsrf": xsrf})
    assert status == 200 and "afgemeld" in page
    status, headers, _ = client.request("/")
    assert status == 302 and headers["Location"].startswith("/login")


def test_deactivated_account_loses_access(live_server):
    """Does deactivating an account with the CLI end its existing session?"""
    from .live_server import oefenkit_cmd

    live_server.add_user("tijdelijk", "cursist")
    c = Client(live_server.base_url)
    c.login("tijdelijk", PASSWORD)
    assert c.request("/")[1]["Location"] == "/voila/render/start.ipynb"
    oefenkit_cmd(live_server.data_dir, "users", "deactivate", "tijdelijk")
    status, headers, _ = c.request("/")
    assert status == 302 and headers["Location"].startswith("/login")


def test_server_output_is_quiet(client, live_server):
    """After start-up and a page with its kernel, does the server's output hold none of Voilà's,
    Tornado's and ipykernel's routine English chatter (the kit's own Dutch start line stays)?"""
    client.login("cursist1", PASSWORD)
    status, _, _ = client.request("/voila/render/training/mijn_gegevens.ipynb")
    assert status == 200
    import time

    time.sleep(3)  # the kernel has started and said what it says at start
    log = live_server.log()
    assert "Oefenkit draait op" in log
    for noise in ("is not trusted", "Storing connection files", "Serving static files", "Voilà is running at",
                  "running over TCP without encryption", "websocket_ping_timeout"):
        assert noise not in log, noise
    runtime = live_server.data_dir / "runtime"
    assert runtime.stat().st_mode & 0o077 == 0 and (runtime / "ipython").stat().st_mode & 0o077 == 0
