"""Under JupyterHub the hub owns login: a hub logout or a removed hub user ends the kit's access
(issue 13, finding 4).

jhsingle-native-proxy caches the hub's verdict on a browser's OAuth token for five minutes, and
the kit used to answer every request as ``JUPYTERHUB_USER`` without asking. Now
``oefenkit.server.hubproxy`` forwards the request's hub token and the kit checks it with the hub
(at most every ``token_check_seconds``). The stand-in hub of ``tests/hub/test_hub_mode.py`` plays
the hub's ``/user`` endpoint.
"""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace

import pytest
from tornado import web
from tornado.httputil import HTTPHeaders

from oefenkit.server.hub import TOKEN_HEADER
from oefenkit.server.hubproxy import forward_hub_token

from ..hub.test_hub_mode import BROWSER_TOKEN, _hub_client, _Provider, fake_hub, hub_server  # noqa: F401 - fixtures

START = "/user/anna/voila/render/start.ipynb"


def _opens_start(client) -> bool:
    status, headers, page = client.request("/")
    if status == 302 and headers["Location"] == START:
        return True
    assert status == 403, (status, page[:300])
    return False


def test_request_without_a_hub_token_is_refused(hub_server):
    """Is a request that did not come through the hub's OAuth (no token) refused?"""
    from ..test_server_http import Client

    assert not _opens_start(Client(hub_server["base"]))


def test_hub_logout_ends_the_kit_access(hub_server):
    """After the hub revoked a browser's token (its logout), is the kit closed to that token
    within the check interval (5 s), while the owner's other browser still gets in?"""
    fake = hub_server["fake"]
    fake.browser_tokens["tweede-browser"] = "anna"
    copied = _hub_client(hub_server, "tweede-browser")
    assert _opens_start(copied)
    del fake.browser_tokens["tweede-browser"]  # the hub logout revokes the session's tokens
    logged_out = time.monotonic()
    while _opens_start(copied):
        assert time.monotonic() - logged_out < 6.5, "the kit still answers a revoked hub token"
        time.sleep(0.25)
    status, _, page = copied.request("/voila/render/training/mijn_gegevens.ipynb")
    assert status == 403 and "afgemeld bij JupyterHub" in page
    assert _opens_start(_hub_client(hub_server))


def test_someone_elses_hub_token_is_refused(hub_server):
    """Is a valid hub token of another hub user refused by anna's server?"""
    hub_server["fake"].browser_tokens["token-van-bert"] = "bert"
    assert not _opens_start(_hub_client(hub_server, "token-van-bert"))


def _handler(token: str | None):
    headers = HTTPHeaders({TOKEN_HEADER: token} if token else {})
    return SimpleNamespace(request=SimpleNamespace(headers=headers))


def test_a_removed_hub_user_has_no_access(kit, fake_hub):
    """When the hub user is deleted (the hub answers 404 for their tokens), is the answer 403, not
    a 503 "hub unreachable" and not the cached person?"""
    provider = _Provider(kit)
    provider.token_check_seconds = 0
    asyncio.run(provider.get_user(_handler(BROWSER_TOKEN)))
    fake_hub.removed = True
    with pytest.raises(web.HTTPError) as info:
        asyncio.run(provider.get_user(_handler(BROWSER_TOKEN)))
    assert info.value.status_code == 403


def test_hub_token_checks_are_cached_briefly(kit, fake_hub):
    """Is a token checked with the hub once per interval, not on every clip request?"""
    provider = _Provider(kit)
    provider.token_check_seconds = 3600
    for _ in range(5):
        asyncio.run(provider.check_hub_token(_handler(BROWSER_TOKEN)))
    assert fake_hub.calls == 1


def test_the_proxy_forwards_the_hub_token_and_drops_a_forged_one():
    """Does the proxy replace a token header the browser sent by the token that authenticated it?"""
    handler = SimpleNamespace(hub_auth=SimpleNamespace(get_token=lambda h: "echt-token"))
    headers = forward_hub_token(handler, HTTPHeaders({TOKEN_HEADER: "vervalst", "Cookie": "a=b"}))
    assert headers.get_list(TOKEN_HEADER) == ["echt-token"] and headers["Cookie"] == "a=b"
    handler = SimpleNamespace(hub_auth=SimpleNamespace(get_token=lambda h: None))
    assert TOKEN_HEADER not in forward_hub_token(handler, HTTPHeaders({TOKEN_HEADER: "vervalst"}))
