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
   stores it with :meth:`Kit.update_or_create_hub_person`. A deactivated person
   gets 403 on every page.
4. Everything else is the standalone server: the prelaunch hook checks the
   catalogue and the role and binds the person in the kernel; clips and
   certificates check permissions in the core.

The server listens on 127.0.0.1 only (``serve`` refuses anything else in hub
mode), so only processes on the same machine, or in the same pod, can reach it
without the hub's OAuth. Users never get a shell there: no terminals, no
notebooks, no code execution.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from jupyter_server.auth.identity import User
from tornado import web
from traitlets import Float

from ..errors import AuthenticationError, NotFound
from ..identity import Actor
from ..kernel import hub_identity
from .auth import OefenkitIdentityProvider

__all__ = ["HubIdentityProvider"]


class HubIdentityProvider(OefenkitIdentityProvider):
    """Every request is the hub user this server belongs to (``JUPYTERHUB_USER``)."""

    role_refresh_seconds = Float(
        60.0, config=True,
        help="Seconds between two look-ups of the person's hub groups (role changes take effect then).",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._actor: Actor | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

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
        return self.kit.update_or_create_hub_person(username, groups)

    async def hub_person(self) -> Actor:
        """The owner as a kit person, refreshed from the hub when the last look-up is too old."""
        async with self._lock:
            if self._actor is None or time.monotonic() - self._fetched_at > self.role_refresh_seconds:
                try:
                    self._actor = await asyncio.to_thread(self._refresh)
                except AuthenticationError as exc:
                    self.log.error("Hub identity: %s", exc)
                    raise web.HTTPError(503, str(exc)) from None
                except NotFound as exc:  # deactivated in the kit
                    self._actor = None
                    raise web.HTTPError(403, str(exc)) from None
                self._fetched_at = time.monotonic()
            return self._actor

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        actor = await self.hub_person()
        return User(username=actor.username, name=actor.display_name, display_name=actor.display_name)
