"""The kit's own routes, placed before Voilà's so they take precedence."""

from __future__ import annotations

import secrets

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..apps import LANDING
from .certificates import certificate_routes
from .export import export_routes
from .media import media_routes
from .pageerror import PageError
from .upload import upload_routes

__all__ = ["StartHandler", "BlockedHandler", "NotFoundHandler", "HealthHandler", "routes"]


class StartHandler(JupyterHandler):
    """``/`` and Voilà's file tree: go to the landing app (login first)."""

    @web.authenticated
    def get(self, *args):
        self.redirect(LANDING.url)


class BlockedHandler(JupyterHandler):
    """Voilà routes the kit does not offer (directory listings, raw contents, files)."""

    def get(self, *args):
        raise PageError(404, "Deze pagina bestaat niet.")


class NotFoundHandler(JupyterHandler):
    """Every URL no route knows (Tornado's ``default_handler_class``): the kit's Dutch 404 page."""

    @allow_unauthenticated
    def get(self, *args):
        raise PageError(404, "Deze pagina bestaat niet. Misschien is de link verouderd.")

    head = post = put = delete = patch = get


#: A random id for this server's start: pages compare it to notice a restart (widgets/connection.py).
STARTED = secrets.token_hex(8)


class HealthHandler(web.RequestHandler):
    """Unauthenticated liveness probe: says nothing about people or data, only which start of the
    server answers (a random id)."""

    def get(self):
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.write({"status": "ok", "started": STARTED})


def routes() -> list[tuple]:
    return [
        (r"/", StartHandler),
        (r"/voila/?", StartHandler),
        (r"/voila/tree(/.*)?", StartHandler),
        (r"/voila/api/contents(/.*)?", BlockedHandler),
        (r"/voila/files/(.*)", BlockedHandler),
        (r"/oefenkit/health", HealthHandler),
        *media_routes(),
        *certificate_routes(),
        *export_routes(),
        *upload_routes(),
    ]
