"""One person's AVG export over an authenticated route: ``/oefenkit/export/<username>.json``.

The person must be logged in (otherwise a redirect to the login page). The core decides who
may export whom (:meth:`PrivacyService.export_person`: the person themselves or a
coördinator, and it writes an audit entry): 403 when not allowed, 404 for an unknown user
name (only a coördinator can tell the two apart; anybody else gets 403 for every other name).
The JSON comes as a download (``Content-Disposition: attachment``), never cached.
"""

from __future__ import annotations

import asyncio
import json
import re

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..apps import EXPORT_PREFIX, export_url
from ..errors import NotFound, PermissionDenied
from .pageerror import PageError

__all__ = ["EXPORT_PREFIX", "ExportHandler", "export_routes", "export_url"]

#: User names as the kit stores them (``oefenkit.identity.validate_username``).
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class ExportHandler(JupyterHandler):
    @web.authenticated
    async def get(self, username: str):
        if not _USERNAME.match(username):
            raise PageError(404, "Deze persoon bestaat niet.")
        kit = self.identity_provider.kit

        def load() -> dict:
            actor = kit.people.find_person(self.current_user.username)
            return kit.privacy.export_person(actor, username)

        try:
            data = await asyncio.to_thread(load)
        except PermissionDenied as exc:
            self.log.warning("Refused export of %s to %s", username, self.current_user.username)
            raise PageError(403, str(exc)) from None
        except NotFound:
            raise PageError(404, "Deze persoon bestaat niet.") from None
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="gegevens-{username}.json"')
        self.set_header("Cache-Control", "private, no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


def export_routes() -> list[tuple]:
    return [(re.escape(EXPORT_PREFIX) + r"([^/]+)\.json", ExportHandler)]
