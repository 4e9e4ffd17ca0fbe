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

from . import failures
from .a11y import AccessibilityHook
from .connection import ConnectionWatch
from .notice import Notice
from .shared import plain_layout, static_box, static_html
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
        header = static_html(f"<h1>{html.escape(title)}</h1>{who}", ["ok-header"])
        #: Messages about the page itself (e.g. a failing callback), between header and body.
        self.notices = static_box(classes=["ok-page-notices"])
        super().__init__([stylesheet(), header, self.notices, AccessibilityHook(), ConnectionWatch(), body],
                         layout=plain_layout(), _dom_classes=("ok-page",))
        self.body = body

    def lose_access(self) -> None:
        """Replace the body by the "Geen toegang" notice: the page does nothing more."""
        notice = Notice(str(AccessLost()), kind="error")
        notice.add_class("ok-access-lost")
        self.notices.children = ()
        self.children = [*self.children[:-1], notice]
        self.body = notice

    def show_notice(self, text: str, kind: str = "error") -> None:
        """Show ``text`` (plain Dutch text) above the body, in place of an earlier page notice."""
        self.notices.children = (Notice(text, kind=kind),)


def show_app(app_id: str, title: str, build: Callable[[Actor], w.Widget]) -> AppPage:
    """Build an app for the person this kernel serves.

    ``build(person)`` returns the app's body. Any domain error (not logged in,
    no permission, database gone) becomes a short Dutch message on the page. A callback
    that fails later shows a Dutch message with a reference; its traceback goes to the
    server's log only (:mod:`oefenkit_widgets.failures`).
    """
    try:
        person = require_app(app_id)
    except OefenkitError as exc:
        return _installed(AppPage(title, None, Notice(str(exc), kind="error")), app_id, None)
    try:
        body = build(person)
    except OefenkitError as exc:
        body = Notice(str(exc), kind="error")
    if os.environ.get(OLDER_PAGE_CLOSED_ENV):
        closed = Notice("Je had te veel pagina's tegelijk open; je oudste pagina die niet in gebruik was, "
                        "is gesloten.", kind="info")
        closed.add_class("ok-older-page-closed")
        body = w.VBox([closed, body])
    page = _installed(AppPage(title, person, body), app_id, person)
    page.watch = start_access_watch(page.lose_access)  # "Geen toegang" within about a second
    return page


def _installed(page: AppPage, app_id: str, person: Actor | None) -> AppPage:
    # A failing callback from here on: a Dutch message with a reference, the traceback to the server log.
    failures.install(page.show_notice, f"app {app_id} ({person.username if person else 'niet ingelogd'})")
    return page
