"""The kit's kernel routes: every one of them checks the kernel's owner first.

:func:`require_kernel_owner` is the one check of ``/api/kernels`` and ``/api/kernels/<id>`` GET and
DELETE, ``/interrupt``, ``/restart``, Voilà's ``/voila/api/shutdown/<id>`` and the ``/channels``
websocket (the rules are in :mod:`oefenkit.server.kernels`, which keeps the owners). Also the page
handler that streams a Voilà page and answers a full server with the Dutch busy page.
"""

from __future__ import annotations

import asyncio
import json

from jupyter_client.jsonutil import json_default
from jupyter_core.utils import ensure_async
from jupyter_server.base.handlers import APIHandler
from jupyter_server.services.kernels.handlers import KernelActionHandler, KernelHandler
from tornado import web
from voila.shutdown_kernel_handler import VoilaShutdownKernelHandler
from voila.tornado.handler import TornadoVoilaHandler

from ..errors import OefenkitError
from ..settings import site_url
from .auth import request_actor
from .kernelws import OefenkitKernelWebsocketHandler
from .pageerror import PageError

__all__ = ["require_kernel_owner", "admit_page", "OwnedKernelHandler", "OwnedKernelActionHandler",
           "OwnKernelsHandler", "OwnedShutdownHandler", "OwnedKernelWebsocketHandler",
           "OefenkitRenderHandler", "kernel_routes", "RETRY_AFTER_SECONDS", "FLUSH_SECONDS"]

#: Seconds the busy page ("Even geduld", templates/druk.html) waits before it tries again by itself
#: (plus up to 2 s of spread); also its Retry-After header.
RETRY_AFTER_SECONDS = 5


# -- the owner check -------------------------------------------------------------------------------


async def require_kernel_owner(handler, kernel_id: str):
    """The kernel's owner, when the handler's logged-in person is that owner and may still open the
    kernel's app; otherwise 404 (as for an unknown kernel), audited when the kernel exists."""
    km = handler.kernel_manager
    user = handler.current_user
    username = getattr(user, "username", None)
    if username is None:
        raise PageError(403, "Log eerst in.")
    owners = getattr(km, "owners", {})
    owner = owners.get(kernel_id)
    reason = None
    if owner is None:
        reason = "unknown" if kernel_id not in km else "no owner"
    elif owner.username != username:
        reason = "not the owner"
    elif km.is_revoked(kernel_id) or not await km.still_allowed(owner, request_actor(user)):
        reason = "access lost"
    if reason is None:
        return owner
    method = f"{handler.request.method} {handler.request.path}"
    handler.log.warning("Kernel access refused: %s on %s (%s)", username, kernel_id, reason)
    if reason != "unknown" and km.kit is not None:
        try:
            await asyncio.to_thread(km.kit.kernel_access.add_kernel_refusal, username, kernel_id, reason=reason,
                                    method=method, owner=owner.username if owner else None)
        except OefenkitError:
            handler.log.exception("Could not audit a refused kernel access")
    raise PageError(404, "Deze pagina bestaat niet.")


class OwnedKernelHandler(KernelHandler):
    """``/api/kernels/<id>`` GET and DELETE, for the owner only."""

    @web.authenticated
    async def get(self, kernel_id):
        await require_kernel_owner(self, kernel_id)
        await super().get(kernel_id)

    @web.authenticated
    async def delete(self, kernel_id):
        await require_kernel_owner(self, kernel_id)
        await super().delete(kernel_id)


class OwnedKernelActionHandler(KernelActionHandler):
    """``/api/kernels/<id>/interrupt`` and ``/restart``, for the owner only."""

    @web.authenticated
    async def post(self, kernel_id, action):
        await require_kernel_owner(self, kernel_id)
        await super().post(kernel_id, action)


class OwnKernelsHandler(APIHandler):
    """``/api/kernels``: the logged-in person's own kernels only (never anyone else's ids)."""

    @web.authenticated
    async def get(self):
        km = self.kernel_manager
        mine = km.kernels_of(self.current_user.username) if hasattr(km, "kernels_of") else []
        models = [await ensure_async(km.kernel_model(kid)) for kid in mine]
        self.finish(json.dumps(models, default=json_default))


class OwnedShutdownHandler(VoilaShutdownKernelHandler):
    """Voilà's page-close shutdown (``/voila/api/shutdown/<id>``), for the owner only."""

    @web.authenticated
    async def post(self, kernel_id):
        await require_kernel_owner(self, kernel_id)
        await super().post(kernel_id)


class OwnedKernelWebsocketHandler(OefenkitKernelWebsocketHandler):
    """The kit's kernel websocket (``/api/kernels/<id>/channels``; framing and size caps in
    ``kernelws.py``), for the owner only: the owner check runs first, before the upgrade.

    Open sockets are registered per kernel, so that closing a kernel (lost access, an ended login
    session, a limit) also closes its sockets instead of leaving the page on a dead kernel."""

    open_sockets: dict[str, set["OwnedKernelWebsocketHandler"]] = {}

    async def pre_get(self):
        await require_kernel_owner(self, self.kernel_id)
        await super().pre_get()

    async def open(self, kernel_id):
        self.open_sockets.setdefault(kernel_id, set()).add(self)
        return await super().open(kernel_id)

    def on_close(self):
        sockets = self.open_sockets.get(self.kernel_id)
        if sockets is not None:
            sockets.discard(self)
            if not sockets:
                self.open_sockets.pop(self.kernel_id, None)
        return super().on_close()

    @classmethod
    def close_all(cls, kernel_id: str, reason: str) -> None:
        """Close every open socket of ``kernel_id`` (code 1001, "going away")."""
        for socket in list(cls.open_sockets.pop(kernel_id, ())):
            try:
                socket.close(1001, reason[:100])
            except Exception:  # noqa: BLE001 - already closing
                pass


#: Voilà's page handler writes and flushes every template fragment as it comes (≈ 75 per page, each
#: a send on the socket: ≈ 17 % of the server's CPU while a room of 30 opened the page). The kit sends
#: what has come together at most this often, so the loading screen still shows at once and the page
#: still streams while its cells run.
FLUSH_SECONDS = 0.02


class OefenkitRenderHandler(TornadoVoilaHandler):
    """Voilà's page handler; a full server (503 from :func:`admit_page`) gets the Dutch busy page."""

    #: Pages being rendered now (the pool of kernels started ahead waits while there are any).
    rendering = 0

    @web.authenticated
    async def get(self, path=None):
        OefenkitRenderHandler.rendering += 1
        try:
            await self._render(path)
        finally:
            OefenkitRenderHandler.rendering -= 1

    async def _render(self, path):
        loop = asyncio.get_running_loop()
        pending: asyncio.TimerHandle | None = None

        def send() -> None:
            nonlocal pending
            pending = None
            if not self._finished:
                self.flush()

        try:
            async for html in self.get_generator(path=path):
                self.write(html)
                if pending is None:
                    pending = loop.call_later(FLUSH_SECONDS, send)
        finally:
            if pending is not None:
                pending.cancel()  # what is left goes out with the response's end

    def write_error(self, status_code, **kwargs):
        if status_code != 503:
            return super().write_error(status_code, **kwargs)
        self.set_header("Retry-After", str(RETRY_AFTER_SECONDS))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(self.render_template("druk.html", retry_url=site_url(self.request.uri),
                                        retry_after=RETRY_AFTER_SECONDS))


def admit_page(handler, username: str) -> None:
    """503 (the busy page) when the server runs as many kernels as it may and ``username`` would add one."""
    km = getattr(handler, "kernel_manager", None)
    if hasattr(km, "admits") and not km.admits(username):
        handler.log.warning("Server full (%d kernels, cap %d): busy page for %s", km.live_count(), km.capacity(),
                            username)
        raise PageError(503, "Even geduld: het is nu erg druk.")


_kernel_id_regex = r"(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"


def kernel_routes(websocket_handler=OwnedKernelWebsocketHandler) -> list[tuple]:
    """The kit's kernel routes (placed before Voilà's, which they shadow)."""
    return [
        (r"/api/kernels/?", OwnKernelsHandler),
        (rf"/api/kernels/{_kernel_id_regex}/?", OwnedKernelHandler),
        (rf"/api/kernels/{_kernel_id_regex}/(?P<action>restart|interrupt)", OwnedKernelActionHandler),
        (rf"/api/kernels/{_kernel_id_regex}/channels", websocket_handler),
        (r"/voila/api/shutdown/(.*)", OwnedShutdownHandler),
    ]
