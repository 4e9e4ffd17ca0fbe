"""The certificate PDF over an authenticated route: ``/oefenkit/certificate/<code>.pdf``.

The person must be logged in (otherwise a redirect to the login page). The core
decides who may fetch it (:meth:`oefenkit.storage.kit.Kit.find_certificate`: the
certificate's owner or staff); anybody else gets the same 404 as for a code that
does not exist, so verification codes cannot be probed.
"""

from __future__ import annotations

import asyncio
import re

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..certificate_pdf import CERTIFICATE_PREFIX, certificate_pdf, certificate_url
from ..errors import NotFound
from .pageerror import PageError

__all__ = ["CERTIFICATE_PREFIX", "certificate_url", "CertificateHandler", "certificate_routes"]

_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class CertificateHandler(JupyterHandler):
    @web.authenticated
    async def get(self, code: str):
        if not _CODE.match(code):
            raise PageError(404, "Dit certificaat bestaat niet.")
        kit = self.identity_provider.kit

        def load():
            actor = kit.find_person(self.current_user.username)
            return certificate_pdf(kit.find_certificate(actor, code))

        try:
            data = await asyncio.to_thread(load)
        except NotFound:
            raise PageError(404, "Dit certificaat bestaat niet.") from None
        self.set_header("Content-Type", "application/pdf")
        self.set_header("Content-Disposition", f'attachment; filename="certificaat-{code}.pdf"')
        self.set_header("Cache-Control", "private, no-store")
        self.write(data)


def certificate_routes() -> list[tuple]:
    return [(re.escape(CERTIFICATE_PREFIX) + r"([^/]+)\.pdf", CertificateHandler)]
