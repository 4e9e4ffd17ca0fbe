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

Live permission checks: once a person is bound, :func:`live_person` re-reads
them (active, role, groups) at most once a second and checks they may still
open the bound app; the kit apps get from :func:`oefenkit.instance.current_kit`
is then a :class:`LiveKit`, which runs that check before every verb and hands
the verb the fresh person. A page whose person lost access raises
:class:`AccessLost` from then on (it never comes back), and
:func:`start_access_watch` lets the page notice it within about a second.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
import urllib.request
from typing import Any, Callable

from . import instance
from .apps import APPS, App
from .errors import AccessLost, AuthenticationError, NotFound
from .identity import Actor
from .instance import current_kit
from .logins import bind_login_session, current_login_session
from .permissions import can, require
from .sessions import client_address
from .storage.kit import Kit

__all__ = ["bind_person", "current_person", "current_app", "current_address", "require_app", "hub_identity",
           "live_person", "LiveKit", "start_access_watch", "LIVE_CHECK_SECONDS", "OLDER_PAGE_CLOSED_ENV"]

log = logging.getLogger(__name__)

#: How old the kernel's view of its person may be (the issue allows up to 1 s).
LIVE_CHECK_SECONDS = 1.0
#: Set by the server in a kernel's environment when starting it closed an older page of the same person.
OLDER_PAGE_CLOSED_ENV = "OEFENKIT_OLDER_PAGE_CLOSED"

_person: Actor | None = None
_app: App | None = None
_address: str | None = None
#: (monotonic time of the read, fresh person) of the last live check.
_checked: tuple[float, Actor] | None = None
#: Once the person lost access, the page stays without it.
_lost = False


def bind_person(username: str, app_id: str, address: str | None = None, *,
                environment: dict[str, str | None] | None = None) -> None:
    """Called by the injected first cell of a standalone page (returns nothing, so the cell shows nothing).

    ``address`` is the client's IP address as the server saw it (for the limit on wrong join
    codes); anything that is not an IP address is dropped. ``environment``: for a kernel the server
    started ahead (``server/kernels.py``, "Kernels started ahead"), the page request's variables
    (``QUERY_STRING``, Voilà's ``VOILA_*``…) that differ from the ones it started with; None removes
    one. They are set before anything else runs, so the page sees what a kernel started for it sees."""
    global _person, _app, _address, _checked, _lost
    for name, value in (environment or {}).items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _person, _app, _checked, _lost = None, None, None, False  # a new page: nothing from before

    bind_login_session(None)  # the server's next cell binds this page's login session, if any
    app = next((a for a in APPS if a.id == app_id), None)
    if app is None:
        raise NotFound("Deze app bestaat niet.")
    person = current_kit().people.find_person(username)
    require(person, "open_app", app)
    _person, _app, _address = person, app, client_address(address)
    _checked, _lost = (time.monotonic(), person), False
    instance.set_kit_guard(_guard)


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
        _person = current_kit().people.update_or_create_hub_person(username, groups)
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


# -- live permission checks --------------------------------------------------------------------


def live_person() -> Actor:
    """The bound person as the database has them now (re-read at most every ``LIVE_CHECK_SECONDS``).

    Raises :class:`AccessLost` when they were deactivated or may no longer open the bound app, or
    when the login session that opened the page ended; from then on it always does. Without a standalone binding it is :func:`current_person`.
    """
    global _checked, _lost, _person
    if _lost:
        raise AccessLost()
    if _person is None:
        return current_person()
    started = time.monotonic()
    if _checked is not None and started - _checked[0] < LIVE_CHECK_SECONDS:
        return _checked[1]
    # None: unknown or deactivated, or the login that opened this page ended (logout, "Overal
    # afmelden", a new password); one read for both, as every open page asks each second
    person = instance.current_kit(guarded=False).logins.find_live_person(_person.username, current_login_session())
    if person is None or (_app is not None and not can(person, "open_app", _app)):
        _lost = True
        log.warning("Access lost for %s on %s", _person.username, _app.id if _app else "?")
        raise AccessLost()
    _checked = (started, person)
    _person = person
    return person


class LiveKit:
    """The kit as a bound page sees it: every public verb first checks :func:`live_person`, whether
    it is called on a service (``kit.people.find_person``) or by its old name on the kit itself.

    A verb whose acting person (first argument, or ``actor=``) is the bound person gets the
    fresh person instead, so a changed role or group takes effect in the verb's own checks.
    """

    def __init__(self, kit):
        self._kit = kit
        self._services: dict[str, LiveKit] = {}

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._kit, name)
        if name in Kit.SERVICES:  # ``kit.people``: the service's verbs are checked the same way
            if name not in self._services:
                self._services[name] = LiveKit(attr)
            return self._services[name]
        if name.startswith("_") or not callable(attr):
            return attr

        @functools.wraps(attr)
        def verb(*args, **kwargs):
            bound = _person
            if bound is not None or _lost:
                fresh = live_person()
                if args and isinstance(args[0], Actor) and args[0].username == bound.username:
                    args = (fresh, *args[1:])
                actor = kwargs.get("actor")
                if isinstance(actor, Actor) and actor.username == bound.username:
                    kwargs["actor"] = fresh
            return attr(*args, **kwargs)

        return verb

    def __repr__(self) -> str:
        return f"LiveKit({self._kit!r})"


@functools.lru_cache(maxsize=1)
def _live_kit(kit) -> LiveKit:
    return LiveKit(kit)


def _guard(kit) -> LiveKit:
    return _live_kit(kit)


def start_access_watch(on_lost: Callable[[], None], interval: float = LIVE_CHECK_SECONDS):
    """Re-check the bound person every ``interval`` seconds on the kernel's asyncio loop.

    Calls ``on_lost()`` once (on the loop, so it may set widget values) when access is lost, then
    stops. Returns the task, or ``None`` outside a running loop or without a binding (e.g. nbval).
    """
    if _person is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None

    async def watch():
        while True:
            await asyncio.sleep(interval)
            try:
                live_person()
            except AccessLost:
                on_lost()
                return
            except Exception:  # noqa: BLE001 - database hiccup: keep the page, try again
                log.warning("Live access check failed", exc_info=True)

    return loop.create_task(watch())
