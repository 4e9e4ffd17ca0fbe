"""Standalone login through jupyter_server's pluggable IdentityProvider.

The login form posts ``username`` and ``password``; the password is checked
against the Argon2id hash in the database (``Kit.authenticate``). Success sets
a signed, HttpOnly, SameSite=Lax session cookie; failure shows a Dutch error
and sets nothing. Every request re-reads the person, so a deactivated account
loses access at once.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlparse

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import IdentityProvider, User
from jupyter_server.base.handlers import JupyterHandler
from tornado import web
from traitlets import default

from ..errors import AuthenticationError, DatabaseUnavailable, NotFound
from ..storage.kit import Kit
from .throttle import LoginThrottle

__all__ = ["OefenkitIdentityProvider", "LoginHandler", "LogoutHandler", "COOKIE_NAME", "safe_next"]

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


class OefenkitIdentityProvider(IdentityProvider):
    """Users are the kit's people; the cookie holds the user name only."""

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
        return json.dumps({"username": user.username})

    def user_from_cookie(self, cookie_value: str) -> User | None:
        return User(username=json.loads(cookie_value)["username"])

    async def get_user(self, handler: web.RequestHandler) -> User | None:
        user = await self._get_user(handler)
        if user is None:
            return None
        try:
            actor = self.kit.find_person(user.username)
        except NotFound:
            self.clear_login_cookie(handler)
            return None
        return User(username=actor.username, name=actor.display_name, display_name=actor.display_name)

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
            actor = await asyncio.to_thread(provider.kit.authenticate, username, password)
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
        user = User(username=actor.username, name=actor.display_name, display_name=actor.display_name)
        provider.set_login_cookie(self, user)
        self.redirect(safe_next(self.get_body_argument("next", None)))


class LogoutHandler(_PageHandler):
    @allow_unauthenticated
    async def get(self):
        self.identity_provider.clear_login_cookie(self)
        self.render_page("logout.html")
