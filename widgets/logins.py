"""Mijn gegevens: the person's own login sessions, with "Overal afmelden".

Plain data and a callback in (no database access): ``sessions`` are
:class:`oefenkit.storage.logins.LoginSessionInfo` values, ``current`` the row id of the session
that opened this page (or None), and ``end_all()`` ends every session of the person and returns
how many ended.
"""

from __future__ import annotations

import html
import re
from typing import Callable, Sequence

import ipywidgets as w

from oefenkit.errors import OefenkitError

from .notice import Notice
from .tables import DataTable

__all__ = ["LoginSessionsPanel", "describe_user_agent"]

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_user_agent(agent: str) -> str:
    """A short Dutch description such as "Firefox op Windows" (or "onbekend")."""
    browser = next((name for key, name in _BROWSERS if key in agent), None)
    system = next((name for key, name in _SYSTEMS if key in agent), None)
    if browser and system:
        return f"{browser} op {system}"
    if browser or system:
        return browser or system
    agent = re.sub(r"\s+", " ", agent).strip()
    return agent[:40] or "onbekend"


class LoginSessionsPanel(w.VBox):
    """The active sessions (start, last seen, device, "deze sessie") and "Overal afmelden"."""

    def __init__(self, sessions: Sequence, current: int | None, end_all: Callable[[], int],
                 format_time: Callable, login_url: str = "/login"):
        rows = [[format_time(s.created_at), format_time(s.last_seen_at), describe_user_agent(s.user_agent),
                 s.address or "-", "deze sessie" if current is not None and s.id == current else ""]
                for s in sessions]
        self.table = DataTable(["Ingelogd op", "Laatst gebruikt", "Apparaat", "Adres", ""], rows,
                               empty="Er zijn geen actieve sessies.", css_class="ok-my-logins",
                               label="Mijn sessies")
        self.button = w.Button(description="Overal afmelden", button_style="warning",
                               tooltip="Beëindig al je sessies, ook deze", layout=w.Layout(width="auto"),
                               disabled=not rows)
        self.button.add_class("ok-logout-everywhere")
        self.message = w.Box()
        self._end_all = end_all
        self._login_url = login_url
        self.button.on_click(lambda _b: self.end_everywhere())
        super().__init__([
            w.HTML("<p>Hier zie je waar je nu bent ingelogd. Herken je een sessie niet, kies dan "
                   "<b>Overal afmelden</b> en verander je wachtwoord.</p>"),
            self.table, w.HBox([self.button]), self.message])
        self.add_class("ok-login-sessions")

    def end_everywhere(self) -> None:
        try:
            ended = self._end_all()
        except OefenkitError as exc:
            self.message.children = [Notice(str(exc), kind="error")]
            return
        self.button.disabled = True
        self.table.value = "<p>Er zijn geen actieve sessies.</p>"
        done = w.HTML(
            f"<div role='status'>Je bent overal afgemeld ({ended} {'sessie' if ended == 1 else 'sessies'} "
            f"beëindigd), ook in dit venster. <a class='ok-login-again' "
            f"href='{html.escape(self._login_url, quote=True)}'>Opnieuw inloggen</a></div>")
        done.add_class("ok-notice")
        done.add_class("ok-notice-info")
        done.add_class("ok-logged-out-everywhere")
        self.message.children = [done]
