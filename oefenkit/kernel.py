"""The person inside an app kernel.

Each Voilà page runs in its own kernel. :func:`current_person` answers "who is
this?" for the apps:

1. Standalone: the server's prelaunch hook prepends a cell that calls
   :func:`bind_person` before any app code runs.
2. JupyterHub: the kernel inherits ``JUPYTERHUB_USER`` and an API token; the
   hub's ``/user`` endpoint gives the groups, which give the role
   (:func:`oefenkit.identity.role_from_hub_groups`).
3. Otherwise nobody is logged in (for example under nbval) and
   :class:`AuthenticationError` is raised; apps show a Dutch login hint.
"""

from __future__ import annotations

import json
import os
import urllib.request

from .apps import APPS, App
from .errors import AuthenticationError, NotFound
from .identity import Actor
from .instance import current_kit
from .permissions import require
from .sessions import client_address

__all__ = ["bind_person", "current_person", "current_app", "current_address", "require_app", "hub_identity"]

_person: Actor | None = None
_app: App | None = None
_address: str | None = None


def bind_person(username: str, app_id: str, address: str | None = None) -> None:
    """Called by the injected first cell of a standalone page (returns nothing, so the cell shows nothing).

    ``address`` is the client's IP address as the server saw it (for the limit on wrong join
    codes); anything that is not an IP address is dropped."""
    global _person, _app, _address
    app = next((a for a in APPS if a.id == app_id), None)
    if app is None:
        raise NotFound("Deze app bestaat niet.")
    person = current_kit().find_person(username)
    require(person, "open_app", app)
    _person, _app, _address = person, app, client_address(address)


def hub_identity(env=None, opener=urllib.request.urlopen) -> tuple[str, list[str]] | None:
    """(user name, hub groups) from the JupyterHub API, or None outside a hub."""
    env = os.environ if env is None else env
    username = env.get("JUPYTERHUB_USER")
    if not username:
        return None
    url = env.get("JUPYTERHUB_API_URL", "").rstrip("/") + "/user"
    try:
        request = urllib.request.Request(
            url, headers={"Authorization": f"token {env.get('JUPYTERHUB_API_TOKEN', '')}"})
        with opener(request, timeout=10) as response:
            model = json.load(response)
    except (OSError, ValueError) as exc:  # no/bad API URL, unreachable, refused, or not JSON
        raise AuthenticationError("JupyterHub kon niet bevestigen wie je bent.") from exc
    if not isinstance(model, dict) or model.get("name") != username:
        raise AuthenticationError("JupyterHub gaf een andere gebruiker terug dan verwacht.")
    return username, list(model.get("groups") or [])


def current_person() -> Actor:
    """The person this kernel serves, or :class:`AuthenticationError`."""
    global _person
    if _person is not None:
        return _person
    hub = hub_identity()
    if hub is not None:
        username, groups = hub
        _person = current_kit().update_or_create_hub_person(username, groups)
        return _person
    raise AuthenticationError("Je bent niet ingelogd. Open de Oefenkit via de inlogpagina.")


def current_app() -> App | None:
    return _app


def current_address() -> str | None:
    """The page's client IP address from the server's binding, or None (not bound, or under nbval)."""
    return _address


def require_app(app_id: str) -> Actor:
    """The current person, after checking they may open app ``app_id``."""
    app = next((a for a in APPS if a.id == app_id), None)
    if app is None:
        raise NotFound("Deze app bestaat niet.")
    person = current_person()
    require(person, "open_app", app)
    return person
