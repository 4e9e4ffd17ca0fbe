"""Which login session opened this app kernel's page (standalone server).

The prelaunch hook adds a cell (``oefenkit.server.auth.login_session_cell``) that calls
:func:`bind_login_session` with the session's row id. Mijn gegevens uses it to mark "deze
sessie" in the list of the person's sessions. The id is not secret: it cannot be used to log in,
and every verb on sessions checks the person in the core.
"""

from __future__ import annotations

__all__ = ["bind_login_session", "current_login_session"]

_session_id: int | None = None


def bind_login_session(session_id: int | None) -> None:
    global _session_id
    _session_id = None if session_id is None else int(session_id)


def current_login_session() -> int | None:
    """The row id of the login session that opened this page, or None (hub mode, tests)."""
    return _session_id
