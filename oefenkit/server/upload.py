"""Upload a clip into the case library over HTTP, and show a contact sheet.

``POST /oefenkit/upload?name=<original file name>`` takes the raw file as the
request body (not multipart) and streams it to ``<media>/uploads/<random>.part``,
so a 500 MB clip never sits in memory. Only staff (``manage_cases``) may upload;
the login cookie and the XSRF token (header ``X-XSRFToken`` with the ``_xsrf``
cookie's value, checked by jupyter_server before the body is read) are required.
The size limit (``OEFENKIT_UPLOAD_MAX_MB``) is checked against ``Content-Length``
up front and again while streaming. Answers are JSON with a Dutch ``error``:

* 201 ``{"case_code", "title"}``: stored (:meth:`LibraryService.add_library_clip`);
* 400: not a video the kit can read; 403: not logged in, no XSRF token, or a cursist;
* 413: too large.

The part file is removed on every error and when the connection drops.

``GET /oefenkit/library/contact-sheet/<case code>.png`` serves a contact sheet to
staff. No route serves anything from ``originals/`` or ``uploads/``.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from pathlib import Path

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..errors import NotFound, OefenkitError, PermissionDenied, ValidationError
from ..permissions import require
from .pageerror import PageError

__all__ = ["UploadHandler", "ContactSheetHandler", "upload_routes", "UPLOAD_URL"]

UPLOAD_URL = "/oefenkit/upload"
CONTACT_SHEET_PREFIX = "/oefenkit/library/contact-sheet/"
_CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
#: Tornado's own body limit is set this far above the kit's, so the kit's Dutch 413 always comes first.
_MARGIN = 1024 * 1024


class _JsonErrors(JupyterHandler):
    """Errors as ``{"error": "<Dutch>"}``."""

    def write_error(self, status_code, **kwargs):
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = exc.dutch_message if isinstance(exc, PageError) else None
        if not message:
            message = {403: "Je hebt hiervoor geen toegang (log opnieuw in en probeer het nog eens).",
                       404: "Niet gevonden.", 413: "Dit bestand is te groot."}.get(
                status_code, "Er ging iets mis bij het uploaden; probeer het opnieuw.")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish({"error": message})

    def get_login_url(self):
        # A script posting a file gets 403 JSON, never a redirect to the login page.
        raise PageError(403, "Je bent niet ingelogd; log opnieuw in.")


@web.stream_request_body
class UploadHandler(_JsonErrors):
    """Streams the request body to a part file, then hands it to the core."""

    _part: Path | None = None
    _file = None
    _received = 0
    _failed = False

    @property
    def kit(self):
        return self.identity_provider.kit

    async def prepare(self):
        # Authentication and the XSRF check (jupyter_server) come before a single body byte is read.
        await super().prepare()
        if self._finished:
            return
        if self.request.method != "POST":
            raise PageError(405, "Alleen POST.")
        if not self.current_user:
            raise PageError(403, "Je bent niet ingelogd; log opnieuw in.")
        try:
            self.actor = self.kit.people.find_person(self.current_user.username)
            require(self.actor, "manage_cases")
        except (NotFound, PermissionDenied) as exc:
            self.log.warning("Refused upload by %s", self.current_user.username)
            raise PageError(403, str(exc)) from None
        limit = self.kit.media.upload_max_bytes
        length = self.request.headers.get("Content-Length")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                raise PageError(400, "De upload heeft een ongeldige lengte.") from None
            if declared > limit:
                # Let Tornado read (and drop) the rest instead of cutting the connection before our answer.
                self.request.connection.set_max_body_size(declared + _MARGIN)
                raise PageError(413, self.kit.media.too_large_message())
        self.request.connection.set_max_body_size(limit + _MARGIN)
        folder = self.kit.media.media_path("uploads")
        self._part = folder / f"{secrets.token_hex(16)}.part"
        fd = os.open(self._part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._file = os.fdopen(fd, "wb")

    def data_received(self, chunk: bytes):
        if self._failed or self._file is None:
            return
        self._received += len(chunk)
        if self._received > self.kit.media.upload_max_bytes:
            self._failed = True
            self._discard()
            self.send_error(413, exc_info=(PageError, PageError(413, self.kit.media.too_large_message()), None))
            return
        self._file.write(chunk)

    async def post(self):
        if self._failed:
            return
        self._file.close()
        name = self.get_query_argument("name", "") or "fragment"
        title = self.get_query_argument("title", None)
        programme = self.get_query_argument("programme", None) or None
        try:
            item = await asyncio.to_thread(self.kit.library.add_library_clip, self.actor, self._part, name,
                                           title=title, programme_code=programme)
        except ValidationError as exc:
            status = 413 if str(exc) == self.kit.media.too_large_message() else 400
            raise PageError(status, str(exc)) from None
        except PermissionDenied as exc:
            raise PageError(403, str(exc)) from None
        except OefenkitError as exc:
            raise PageError(400, str(exc)) from None
        finally:
            self._discard()
        self.set_status(201)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish({"case_code": item.case_code, "title": item.title})

    def _discard(self):
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._part is not None:
            try:
                self._part.unlink(missing_ok=True)
            except OSError:
                self.log.warning("Could not remove %s", self._part)

    def on_connection_close(self):
        self._discard()
        super().on_connection_close()

    def on_finish(self):
        if self.get_status() >= 400:
            self._discard()


class ContactSheetHandler(_JsonErrors):
    """The contact sheet PNG of a library case (staff only)."""

    @web.authenticated
    async def get(self, case_code: str):
        if not _CASE_CODE.match(case_code) or ".." in case_code:
            raise PageError(404, "Dit contactvel bestaat niet.")
        kit = self.identity_provider.kit
        try:
            actor = kit.people.find_person(self.current_user.username)
            path = kit.library_media.find_contact_sheet(actor, case_code)
        except PermissionDenied as exc:
            raise PageError(403, str(exc)) from None
        except NotFound as exc:
            raise PageError(404, str(exc)) from None
        self.set_header("Content-Type", "image/png")
        self.set_header("Cache-Control", "private, no-cache")
        self.finish(await asyncio.to_thread(path.read_bytes))


def upload_routes() -> list[tuple]:
    return [
        (UPLOAD_URL, UploadHandler),
        (CONTACT_SHEET_PREFIX + r"(.*)\.png", ContactSheetHandler),
    ]
