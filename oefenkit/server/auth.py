"""Standalone login through jupyter_server's pluggable IdentityProvider.

The login form posts ``username`` and ``password``; the password is checked
against the Argon2id hash in the database (``PeopleService.authenticate``). Success starts
a login session (a row in the database, ``oefenkit/storage/logins.py``) and sets
a signed, HttpOnly, SameSite=Lax cookie that carries only the session's random
id; failure shows a Dutch error and sets nothing. Every request resolves the id
again, so a session that was ended (logout, "Overal afmelden", a password or
role change, deactivation) or that expired loses access at once.

``GET /logout`` shows a page with an "Afmelden" button; the button's ``POST``
(with the XSRF token) ends the session. A link or an image elsewhere cannot log
anyone out.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import nbformat
from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from traitlets import default

from ..errors import AuthenticationError, DatabaseUnavailable, NotFound
from ..storage.kit import Kit
from .throttle import LoginThrottle

__all__ = ["OefenkitIdentityProvider", "SessionUser", "LoginHandler", "LogoutHandler", "COOKIE_NAME", "safe_next",
           "login_session_cell"]

COOKIE_NAME = "oefenkit-sessie"


def safe_next(url: str | None, default: str = "/") -> str:
    """Only same-site absolute paths are allowed as a redirect target after login."""
    if not url:
        return default
    url = url.replace("\\", "/")
    parsed = urlparse(url)
    if parsed.scheme or parsed.netloc or not url.startswith("/") or url.startswith("//"):
        return default
    return url


@dataclass
class SessionUser(User):
    """A user logged in through a kit session: also the session's row id (not secret) and the
    id from the cookie (secret: never shown, never logged)."""

    session_id: int | None = None
    session_token: str = field(default="", repr=False)  # never in a log line or a template
    # The person as read from the database with the session, in this same request (active, with
    # their current role). The page hook and the kernel owner check use it instead of reading the
    # person a second time: one database round trip less per page and per websocket.
    actor: Any = field(default=None, repr=False, compare=False)


def request_actor(user: User | None):
    """The person read with ``user``'s login session in this request, or None (hub mode, or no
    session). Fresh: read from the database moments ago, inactive people never get this far."""
    actor = getattr(user, "actor", None)
    if actor is None or actor.username != getattr(user, "username", None):
        return None
    return actor


def login_session_cell(user: User):
    """The cell that tells an app kernel which login session opened its page (for the "deze
    sessie" marker in Mijn gegevens), or None outside a kit session (hub mode)."""

    session_id = getattr(user, "session_id", None)
    if not isinstance(session_id, int):
        return None
    return nbformat.v4.new_code_cell(
        f"import oefenkit.logins\noefenkit.logins.bind_login_session({session_id!r})",
        metadata={"tags": ["oefenkit-binding"]},
    )


class OefenkitIdentityProvider(IdentityProvider):
    """Users are the kit's people; the cookie holds a login session's random id only."""

    @default("need_token")
    def _need_token_default(self):
        return False

    @default("token")
    def _token_default(self):
        return ""

    @default("cookie_name")
    def _cookie_name_default(self):
        return COOKIE_NAME

    @default("cookie_options")
    def _cookie_options_default(self):
        return {"samesite": "Lax", "httponly": True}

    @property
    def kit(self) -> Kit:
        return self.parent.kit

    @property
    def throttle(self) -> LoginThrottle:
        """Failed-login throttle of this server process (see :mod:`oefenkit.server.throttle`)."""
        if getattr(self, "_throttle", None) is None:
            self._throttle = LoginThrottle()
        return self._throttle

    @property
    def auth_enabled(self) -> bool:
        return True

    @property
    def login_available(self) -> bool:
        return True

    def get_handlers(self) -> list[tuple[str, Any]]:
        return [(r"/login", LoginHandler), (r"/logout", LogoutHandler)]

    def user_to_cookie(self, user: User) -> str:
        token = getattr(user, "session_token", "")
        if not token:
            raise ValueError("Only a started login session goes into the cookie.")
        return token

    def user_from_cookie(self, cookie_value: str) -> User | None:  # pragma: no cover - see get_user_cookie
        raise NotImplementedError("get_user_cookie resolves the session in the database")

    def session_token(self, handler: web.RequestHandler) -> str | None:
        """The session id in the request's signed cookie, or None."""
        raw = handler.get_secure_cookie(self.get_cookie_name(handler), **self.get_secure_cookie_kwargs)
        if not raw:
            return None
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            return None

    async def get_user_cookie(self, handler: web.RequestHandler) -> User | None:
        token = self.session_token(handler)
        if not token:
            return None
        try:
            info = await asyncio.to_thread(self.kit.logins.find_login_session, token)
        except NotFound:
            return None
        actor = info.actor
        return SessionUser(username=actor.username, name=actor.display_name, display_name=actor.display_name,
                           session_id=info.session_id, session_token=token, actor=actor)

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        # jupyter_server's _get_user asks get_user_cookie and clears a cookie that no longer resolves.
        return await self._get_user(handler)

    async def start_session(self, handler: web.RequestHandler, actor) -> None:
        """Start a login session for ``actor`` (after the password check) and set its cookie."""
        agent = handler.request.headers.get("User-Agent", "")
        token = await asyncio.to_thread(self.kit.logins.add_login_session, actor.username, user_agent=agent,
                                        address=handler.request.remote_ip or "")
        self.set_login_cookie(handler, SessionUser(username=actor.username, name=actor.display_name,
                                                   display_name=actor.display_name, session_token=token))

    async def end_session(self, handler: web.RequestHandler) -> None:
        """End the request's login session (if any) and clear its cookie."""
        token = self.session_token(handler)
        if token:
            await asyncio.to_thread(self.kit.logins.remove_login_session, token)
        self.clear_login_cookie(handler)

    def process_login_form(self, handler: web.RequestHandler) -> User | None:  # pragma: no cover
        raise NotImplementedError("LoginHandler authenticates asynchronously")


class _PageHandler(JupyterHandler):
    """A plain Dutch HTML page rendered from ``oefenkit/server/templates``."""

    def render_page(self, name: str, **ns) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(self.settings["oefenkit_pages"].get_template(name).render(**ns))


class LoginHandler(_PageHandler):
    """GET shows the form; POST checks the password and sets the cookie."""

    def _form(self, message: str | None = None, username: str = "") -> None:
        self.render_page(
            "login.html",
            message=message,
            username=username,
            next=safe_next(self.get_argument("next", None)),
            xsrf_form_html=self.xsrf_form_html(),
        )

    @allow_unauthenticated
    async def get(self):
        if self.current_user:
            self.redirect(safe_next(self.get_argument("next", None)))
            return
        self._form()

    @allow_unauthenticated
    async def post(self):
        # Tornado's own double-submit check (cookie + form field), also when the
        # server as a whole does not require XSRF tokens.
        web.RequestHandler.check_xsrf_cookie(self)
        username = self.get_body_argument("username", "").strip()
        password = self.get_body_argument("password", "")
        provider: OefenkitIdentityProvider = self.identity_provider
        address = self.request.remote_ip or ""
        wait = provider.throttle.retry_after(username, address)
        if wait:
            self.log.warning("Throttled login for %r from %s", username[:64], address)
            self.set_status(429)
            self.set_header("Retry-After", str(wait))
            minutes = max(1, -(-wait // 60))
            self._form(f"Te veel mislukte pogingen om in te loggen. Probeer het over {minutes} "
                       f"{'minuut' if minutes == 1 else 'minuten'} opnieuw.", username=username)
            return
        try:
            actor = await asyncio.to_thread(provider.kit.people.authenticate, username, password)
        except AuthenticationError as exc:
            self.log.warning("Failed login for %r from %s", username[:64], address)
            provider.throttle.failed(username, address)
            self.set_status(401)
            self._form(str(exc), username=username)
            return
        except DatabaseUnavailable as exc:
            self.set_status(503)
            self._form(str(exc), username=username)
            return
        provider.throttle.succeeded(username, address)
        try:
            await provider.start_session(self, actor)
        except DatabaseUnavailable as exc:
            self.set_status(503)
            self._form(str(exc), username=username)
            return
        self.redirect(safe_next(self.get_body_argument("next", None)))


class LogoutHandler(_PageHandler):
    """GET asks "Afmelden?" (a form); only its POST, with the XSRF token, ends the session."""

    @allow_unauthenticated
    async def get(self):
        if not self.current_user:
            self.render_page("logout.html")
            return
        self.render_page("logout_confirm.html", xsrf_form_html=self.xsrf_form_html())

    @allow_unauthenticated
    async def post(self):
        web.RequestHandler.check_xsrf_cookie(self)  # a cross-site form cannot log anyone out
        await self.identity_provider.end_session(self)
        self.render_page("logout.html")
