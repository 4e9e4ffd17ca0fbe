"""Clips and their subtitles over an authenticated route with HTTP Range.

``/oefenkit/media/clip/<case code>.mp4`` and
``/oefenkit/media/subtitles/<case code>.vtt``. The person must be logged in
(otherwise a redirect to the login page), and the core decides whether they may
play the clip (:meth:`PracticeService.find_clip`): 403 when not, 404
for an unknown case or a missing file. The bytes are served by Tornado's
``StaticFileHandler`` machinery (Range → 206, ETag, If-None-Match), with
``Cache-Control: private, no-cache`` so a shared cache never keeps a clip and
the browser asks again (cheaply, with the ETag) before reusing it.

Voilà's own ``/voila/files/`` does not authenticate and is never used for clips.
"""

from __future__ import annotations

import re

from jupyter_server.base.handlers import JupyterHandler
from tornado import web

from ..errors import NotFound, PermissionDenied
from ..practice import CLIP_PREFIX, SUBTITLES_PREFIX, clip_url, subtitles_url
from .pageerror import PageError

__all__ = ["ClipHandler", "SubtitlesHandler", "clip_url", "media_routes", "subtitles_url"]

#: Case codes as the kit stores them (validated again here: the route accepts anything).
_CASE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _MediaHandler(JupyterHandler, web.StaticFileHandler):
    """A file chosen by the core for the logged-in person; never a path from the URL."""

    subtitles = False

    def initialize(self, **kwargs):
        # The root is set per request to the directory of the file the core chose.
        web.StaticFileHandler.initialize(self, path="/")

    @property
    def kit(self):
        return self.identity_provider.kit

    def _resolve(self, case_code: str):
        if not _CASE_CODE.match(case_code) or ".." in case_code:
            raise PageError(404, "Dit fragment bestaat niet.")
        try:
            actor = self.kit.people.find_person(self.current_user.username)
            return self.kit.practice.find_clip(actor, case_code, subtitles=self.subtitles)
        except NotFound:
            raise PageError(404, "Dit fragment bestaat niet.") from None
        except PermissionDenied:
            self.log.warning("Refused clip %s to %s", case_code, self.current_user.username)
            raise PageError(403, "Dit fragment is niet voor jou beschikbaar.") from None

    @web.authenticated
    async def get(self, case_code: str, include_body: bool = True):
        path = self._resolve(case_code)
        self.root = str(path.parent)
        await web.StaticFileHandler.get(self, path.name, include_body=include_body)

    @web.authenticated
    async def head(self, case_code: str):
        await self.get(case_code, include_body=False)

    def set_extra_headers(self, path):
        self.set_header("Cache-Control", "private, no-cache")
        if self.subtitles:
            self.set_header("Content-Type", "text/vtt; charset=utf-8")

    def get_content_type(self):
        return "text/vtt; charset=utf-8" if self.subtitles else "video/mp4"

    def write_error(self, status_code, **kwargs):
        # A short Dutch text; StaticFileHandler's headers (Content-Range …) are not kept.
        self.clear_header("Content-Range")
        super().write_error(status_code, **kwargs)


class ClipHandler(_MediaHandler):
    subtitles = False


class SubtitlesHandler(_MediaHandler):
    subtitles = True


def media_routes() -> list[tuple]:
    return [
        (CLIP_PREFIX + r"(.*)\.mp4", ClipHandler),
        (SUBTITLES_PREFIX + r"(.*)\.vtt", SubtitlesHandler),
    ]
