"""The certificate PDF over an authenticated route: ``/oefenkit/certificate/<code>.pdf``.

The person must be logged in (otherwise a redirect to the login page). The core
decides who may fetch it (:meth:`ExamService.find_certificate`: the
certificate's owner or staff); anybody else gets the same 404 as for a code that
does not exist, so verification codes cannot be probed.
"""

from __future__ import annotations

import asyncio
import re

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..certificate_pdf import CERTIFICATE_PREFIX, Issuer, certificate_pdf, certificate_url
from ..errors import ContentError, NotFound
from ..programmes import load_paths
from ..settings import Settings
from .pageerror import PageError

__all__ = ["CERTIFICATE_PREFIX", "CERTIFICATE_SETTING", "certificate_url", "certificate_issuer", "CertificateHandler",
           "certificate_routes"]

#: The Tornado setting with the issuer and the programme owners.
CERTIFICATE_SETTING = "oefenkit_certificate_issuer"


def certificate_issuer(settings: Settings) -> tuple[Issuer, dict[str, str | None]]:
    """The issuing organisation, and each programme's owner from its path (read once at start)."""
    try:
        owners = {code: path.owner for code, path in load_paths(settings.content_dir).items()}
    except ContentError:
        owners = {}  # init refuses broken paths; a certificate then names no owner
    return Issuer.from_settings(settings), owners

_CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")


class CertificateHandler(JupyterHandler):
    @web.authenticated
    async def get(self, code: str):
        if not _CODE.match(code):
            raise PageError(404, "Dit certificaat bestaat niet.")
        kit = self.identity_provider.kit
        issuer, owners = self.settings.get(CERTIFICATE_SETTING) or (Issuer(), {})

        def load():
            actor = kit.people.find_person(self.current_user.username)
            cert = kit.exams.find_certificate(actor, code)
            return certificate_pdf(cert, issuer, owners.get(cert.programme_code))

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
