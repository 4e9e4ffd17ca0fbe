"""Hub mode: the kit server as one JupyterHub user's server.

Under JupyterHub each person's server is ``jhsingle-native-proxy`` wrapping
``oefenkit serve --hub`` (see ``deploy/jupyterhub/``):

1. The browser asks ``/user/<name>/...``. jhsingle-native-proxy completes the
   hub's OAuth and lets through only the hub users the hub's access scopes allow
   (the server's owner, and admins with ``access:servers``), strips the prefix
   and forwards the request to this server on 127.0.0.1.
2. So every request that reaches this server is the owner's:
   :class:`HubIdentityProvider` answers "who is this?" with the person
   ``JUPYTERHUB_USER`` for every request. The kit shows no login of its own and
   sets no cookie of its own.
3. The role follows the hub groups (``oefenkit-trainer``,
   ``oefenkit-coordinator``; everyone else is a cursist): the provider asks the
   hub's ``/user`` endpoint with the server's API token
   (:func:`oefenkit.kernel.hub_identity`) when the server starts answering and
   again at most every :attr:`HubIdentityProvider.role_refresh_seconds`, and
   stores it with :meth:`PeopleService.update_or_create_hub_person`. A deactivated person
   gets 403 on every page.
4. The hub owns login and logout, so the kit checks the hub's verdict on every
   request: ``python -m oefenkit.server.hubproxy`` forwards the OAuth token that
   authenticated the browser in the header :data:`TOKEN_HEADER` (a header the
   browser sent under that name is dropped), and :class:`HubIdentityProvider` asks
   the hub's ``/user`` endpoint with that token, at most once per
   :attr:`HubIdentityProvider.token_check_seconds` per token. A token the hub no
   longer knows (a hub logout revokes the session's tokens; a removed hub user has
   none) or that belongs to someone else gets 403, so the kit's access ends within
   seconds, even for a copied cookie still inside jhsingle-native-proxy's own
   five-minute cache. A request without a token is refused too.
5. Everything else is the standalone server: the prelaunch hook checks the
   catalogue and the role and binds the person in the kernel; clips and
   certificates check permissions in the core.

The server listens on 127.0.0.1 only (``serve`` refuses anything else in hub
mode), so only processes on the same machine, or in the same pod, can reach it
without the hub's OAuth. Users never get a shell there: no terminals, no
notebooks, no code execution.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

from jupyter_server.auth.identity import User
from tornado import web
from traitlets import Bool, Float

from ..errors import AuthenticationError, NotFound
from ..identity import Actor
from ..kernel import hub_identity
from .auth import OefenkitIdentityProvider
from .pageerror import PageError

__all__ = ["HubIdentityProvider", "TOKEN_HEADER", "hub_token_owner"]

#: The header in which ``oefenkit.server.hubproxy`` hands the browser's hub token to the kit.
TOKEN_HEADER = "X-Oefenkit-Hub-Token"
#: Refused by the hub: revoked (logout), expired, or the user was removed.
_TOKEN_REFUSED = {401, 403, 404}


def hub_token_owner(token: str, env=None, opener=urllib.request.urlopen) -> str | None:
    """The hub user name that ``token`` belongs to, or None when the hub refuses the token.

    :class:`AuthenticationError` when the hub cannot be asked (unreachable, no API URL, bad answer).
    """
    env = os.environ if env is None else env
    url = env.get("JUPYTERHUB_API_URL", "").rstrip("/") + "/user"
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with opener(request, timeout=10) as response:
            model = json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code in _TOKEN_REFUSED:
            return None
        raise AuthenticationError("JupyterHub kon niet bevestigen wie je bent.") from exc
    except (OSError, ValueError) as exc:
        raise AuthenticationError("JupyterHub kon niet bevestigen wie je bent.") from exc
    name = model.get("name") if isinstance(model, dict) else None
    return name if isinstance(name, str) else None


class HubIdentityProvider(OefenkitIdentityProvider):
    """Every request is the hub user this server belongs to (``JUPYTERHUB_USER``)."""

    role_refresh_seconds = Float(
        60.0, config=True,
        help="Seconds between two look-ups of the person's hub groups (role changes take effect then).",
    )

    token_check_seconds = Float(
        5.0, config=True,
        help="Seconds a browser's hub token counts as checked (a hub logout takes effect after at most this).",
    )
    require_hub_token = Bool(
        True, config=True,
        help="Refuse requests without the hub token that oefenkit.server.hubproxy forwards.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._actor: Actor | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._tokens: dict[str, tuple[float, bool]] = {}  # sha256(token) -> (checked at, accepted)

    @property
    def login_available(self) -> bool:
        return False

    def get_handlers(self) -> list[tuple[str, Any]]:
        return []  # the hub logs people in and out

    def _refresh(self) -> Actor:
        identity = hub_identity()
        if identity is None:
            raise AuthenticationError("JUPYTERHUB_USER ontbreekt: start de hub-modus alleen vanuit JupyterHub.")
        username, groups = identity
        return self.kit.people.update_or_create_hub_person(username, groups)

    async def hub_person(self) -> Actor:
        """The owner as a kit person, refreshed from the hub when the last look-up is too old."""
        async with self._lock:
            if self._actor is None or time.monotonic() - self._fetched_at > self.role_refresh_seconds:
                try:
                    self._actor = await asyncio.to_thread(self._refresh)
                except AuthenticationError as exc:
                    self.log.error("Hub identity: %s", exc)
                    raise PageError(503, str(exc)) from None
                except NotFound as exc:  # deactivated in the kit
                    self._actor = None
                    raise PageError(403, str(exc)) from None
                self._fetched_at = time.monotonic()
            return self._actor

    async def check_hub_token(self, handler: web.RequestHandler) -> None:
        """403 unless the request's hub token (:data:`TOKEN_HEADER`) is still the owner's at the hub."""
        token = handler.request.headers.get(TOKEN_HEADER, "")
        if not token:
            if self.require_hub_token:
                raise PageError(403, "Open de Oefenkit via JupyterHub.")
            return
        key = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        now = time.monotonic()
        checked = self._tokens.get(key)
        if checked is None or now - checked[0] > self.token_check_seconds:
            try:
                owner = await asyncio.to_thread(hub_token_owner, token)
            except AuthenticationError as exc:
                self.log.error("Hub token check: %s", exc)
                raise PageError(503, str(exc)) from None
            expected = os.environ.get("JUPYTERHUB_USER")
            checked = (now, owner is not None and owner == expected)
            if len(self._tokens) > 1000:  # forget old verdicts
                self._tokens = {k: v for k, v in self._tokens.items() if now - v[0] <= self.token_check_seconds}
            self._tokens[key] = checked
        if not checked[1]:
            raise PageError(403, "Je bent afgemeld bij JupyterHub. Log opnieuw in via JupyterHub.")

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        try:
            await self.check_hub_token(handler)
            actor = await self.hub_person()
        except web.HTTPError:
            handler.current_user = None  # the Dutch error page renders for nobody instead of failing
            raise
        return User(username=actor.username, name=actor.display_name, display_name=actor.display_name)
