"""An HTTP error whose message is the kit's own Dutch text.

The error pages (``templates/error.html``) show the message of a :class:`PageError`; for any other
error (Voilà's, jupyter_server's or Tornado's, whose messages are English and may name files) they
show a Dutch text for the status code instead.
"""

from __future__ import annotations

from tornado import web

__all__ = ["PageError"]


class PageError(web.HTTPError):
    """``web.HTTPError`` with a Dutch message meant for the person (shown on the error page)."""

    dutch = True

    def __init__(self, status_code: int, message: str):
        # The message is data, never a format string.
        super().__init__(status_code, "%s", message)
