"""The frame around every app: header with the person, and Dutch errors instead of tracebacks."""

from __future__ import annotations

import html
import logging
import os
from typing import Callable

import ipywidgets as w

from oefenkit.errors import AccessLost, OefenkitError
from oefenkit.identity import Actor
from oefenkit.kernel import OLDER_PAGE_CLOSED_ENV, require_app, start_access_watch

from .notice import Notice
from .theme import stylesheet

__all__ = ["AppPage", "show_app"]

log = logging.getLogger(__name__)


class AppPage(w.VBox):
    """Header (app title, person, logout link) above an app's body."""

    def __init__(self, title: str, person: Actor | None, body: w.Widget):
        who = ""
        if person is not None:
            who = (f"<span class='ok-who'>{html.escape(person.display_name)} · {html.escape(person.role_label)}"
                   f" · <a class='ok-logout' href='/logout'>Afmelden</a></span>")
        header = w.HTML(f"<h1>{html.escape(title)}</h1>{who}")
        header.add_class("ok-header")
        super().__init__([stylesheet(), header, body])
        self.add_class("ok-page")
        self.body = body

    def lose_access(self) -> None:
        """Replace the body by the "Geen toegang" notice: the page does nothing more."""
        notice = Notice(str(AccessLost()), kind="error")
        notice.add_class("ok-access-lost")
        self.children = [*self.children[:-1], notice]
        self.body = notice


def show_app(app_id: str, title: str, build: Callable[[Actor], w.Widget]) -> AppPage:
    """Build an app for the person this kernel serves.

    ``build(person)`` returns the app's body. Any domain error (not logged in,
    no permission, database gone) becomes a short Dutch message on the page.
    """
    try:
        person = require_app(app_id)
    except OefenkitError as exc:
        return AppPage(title, None, Notice(str(exc), kind="error"))
    try:
        body = build(person)
    except OefenkitError as exc:
        body = Notice(str(exc), kind="error")
    if os.environ.get(OLDER_PAGE_CLOSED_ENV):
        closed = Notice("Je had te veel pagina's tegelijk open; je oudste pagina die niet in gebruik was, "
                        "is gesloten.", kind="info")
        closed.add_class("ok-older-page-closed")
        body = w.VBox([closed, body])
    page = AppPage(title, person, body)
    page.watch = start_access_watch(page.lose_access)  # "Geen toegang" within about a second
    return page
