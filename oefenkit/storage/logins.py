"""Login sessions of the standalone server: the :class:`~oefenkit.storage.kit.Kit` verbs that
start, resolve, list and end them.

The browser's cookie holds only a random session id (:func:`secrets.token_urlsafe`); the
database holds its SHA-256 hash, so a copy of the database gives no usable cookie. A session
is one row of ``login_session``; ending it deletes the row, and the next request with that
cookie is a stranger's. A session ends

* when its person logs out (:meth:`LoginsService.remove_login_session`);
* for all of a person's sessions, with "Overal afmelden" (:meth:`LoginsService.remove_login_sessions`)
  and, in the same transaction, when their password, role or active flag changes
  (``storage/people.py`` calls :meth:`LoginsService.end_login_sessions`);
* when it has been idle for :attr:`LoginsService.login_idle` or is older than
  :attr:`LoginsService.login_lifetime` (both set from the settings by
  :meth:`LoginsService.configure_logins`). Expired rows are refused at once and deleted at the
  next login.

"Last seen" is written at most once per :attr:`LoginsService.login_touch_interval`, so a page
that loads many clips does not write on every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import models as m
from .people import ACTOR_BY_NAME, _actor, read_actors
from .store import Service, rowcount

__all__ = ["LoginsService", "LoginInfo", "LoginSessionInfo", "hash_login_token"]

#: Longest user agent kept (the column's size); the rest is cut off.
USER_AGENT_CHARS = 200
#: Longest address kept (an IPv6 address with zone fits).
ADDRESS_CHARS = 64


def hash_login_token(token: str) -> str:
    """The stored form of a session id: its SHA-256 in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# Built once: every open page checks its login session about once a second (``kernel.live_person``).
_SESSIONS_BY_IDS = (select(m.LoginSession.id, m.LoginSession.created_at)
                    .where(m.LoginSession.id.in_(bindparam("ids", expanding=True))))


@dataclass(frozen=True)
class LoginInfo:
    """A valid session: who it is, and the session's (non-secret) row id."""

    actor: Actor
    session_id: int


@dataclass(frozen=True)
class LoginSessionInfo:
    """One active session as its person sees it (never the id's hash)."""

    id: int
    created_at: dt.datetime
    last_seen_at: dt.datetime
    user_agent: str
    address: str


class LoginsService(Service):
    """Verbs on login sessions (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    #: A session not used for this long has ended (``OEFENKIT_SESSION_IDLE_HOURS``).
    login_idle: dt.timedelta = dt.timedelta(hours=12)
    #: A session this old has ended, used or not (``OEFENKIT_SESSION_MAX_DAYS``).
    login_lifetime: dt.timedelta = dt.timedelta(days=30)
    #: "Last seen" is written at most this often per session.
    login_touch_interval: dt.timedelta = dt.timedelta(minutes=1)
    #: The current moment (tests put in a clock of their own).
    login_clock: Callable[[], dt.datetime] = staticmethod(m.utcnow)

    def configure_logins(self, *, idle: dt.timedelta, lifetime: dt.timedelta) -> None:
        """Set the idle timeout and the absolute lifetime of login sessions."""
        if idle <= dt.timedelta(0) or lifetime <= dt.timedelta(0):
            raise ValidationError("De levensduur van een sessie moet groter dan nul zijn.")
        self.login_idle, self.login_lifetime = idle, lifetime

    def _login_expired(self, row: m.LoginSession, now: dt.datetime) -> bool:
        return (now - m.as_utc(row.last_seen_at) >= self.login_idle
                or now - m.as_utc(row.created_at) >= self.login_lifetime)

    def _remove_expired_logins(self, s: Session, now: dt.datetime) -> int:
        statement = delete(m.LoginSession).where(or_(
            m.LoginSession.last_seen_at <= now - self.login_idle,
            m.LoginSession.created_at <= now - self.login_lifetime,
        )).execution_options(synchronize_session=False)
        return rowcount(s.execute(statement))

    @staticmethod
    def end_login_sessions(s: Session, person_id: int) -> int:
        """End all sessions of one person inside the caller's transaction; returns how many."""
        statement = delete(m.LoginSession).where(m.LoginSession.person_id == person_id)
        return rowcount(s.execute(statement.execution_options(synchronize_session=False)))

    # -- verbs ------------------------------------------------------------------------------

    def add_login_session(self, username: str, *, user_agent: str = "", address: str = "") -> str:
        """Start a session for an active person (after :meth:`authenticate`); returns the
        session id for the cookie. Expired sessions of everyone are cleaned up on the way."""
        token = secrets.token_urlsafe(32)
        now = self.login_clock()
        with self.transaction() as s:
            person = self._person(s, username)
            if not person.active:
                raise NotFound(f"Gebruiker {username!r} is gedeactiveerd.")
            self._remove_expired_logins(s, now)
            s.add(m.LoginSession(token_hash=hash_login_token(token), person_id=person.id, created_at=now,
                                 last_seen_at=now, user_agent=(user_agent or "")[:USER_AGENT_CHARS],
                                 address=(address or "")[:ADDRESS_CHARS]))
        return token

    def find_login_session(self, token: str) -> LoginInfo:
        """The person of a valid session id, else :class:`NotFound` (unknown, ended, expired or
        deactivated). Touches "last seen" at most once per :attr:`login_touch_interval`."""
        gone = NotFound("Deze sessie is verlopen of beëindigd. Log opnieuw in.")
        if not token or len(token) > 200:
            raise gone
        digest = hash_login_token(token)
        now = self.login_clock()

        with self.transaction(readonly=True) as s:
            row = s.scalar(select(m.LoginSession).where(m.LoginSession.token_hash == digest))
            if row is None:
                raise gone
            person = s.get(m.Person, row.person_id)
            expired = self._login_expired(row, now)
            stale = now - m.as_utc(row.last_seen_at) >= self.login_touch_interval
            info = LoginInfo(_actor(person), row.id) if person.active else None
            row_id = row.id
        if expired or info is None:
            with self.transaction() as s:
                s.execute(delete(m.LoginSession).where(m.LoginSession.id == row_id)
                          .execution_options(synchronize_session=False))
            raise gone
        if stale:
            with self.transaction() as s:
                s.execute(update(m.LoginSession).where(m.LoginSession.id == row_id).values(last_seen_at=now)
                          .execution_options(synchronize_session=False))
        return info

    def list_live_login_sessions(self, session_ids: Iterable[int]) -> set[int]:
        """Which of these session rows still hold: not ended (logout, "Overal afmelden", a new
        password, a role change, deactivation) and within their lifetime. Open pages are checked
        with this (:mod:`oefenkit.kernel`, the server's kernel watch); the idle timeout applies to
        new requests only, since working in an open page sends no request that touches it."""
        ids = sorted({int(i) for i in session_ids})
        if not ids:
            return set()
        oldest = self.login_clock() - self.login_lifetime
        with self.transaction(readonly=True) as s:
            rows = s.execute(_SESSIONS_BY_IDS, {"ids": ids})
            return {row_id for row_id, created in rows if m.as_utc(created) > oldest}

    def find_live_person(self, username: str, login_session: int | None) -> Actor | None:
        """The active person ``username`` (fresh role, groups, exam programmes) while the login
        session ``login_session`` (when given) still holds, else ``None``: in one read-only unit of
        work, since every open page's access watch (:func:`oefenkit.kernel.live_person`) asks this
        about once a second. The session is checked first, so an ended login costs one statement."""
        oldest = self.login_clock() - self.login_lifetime
        with self.transaction(readonly=True) as s:
            if login_session is not None:
                row = s.execute(_SESSIONS_BY_IDS, {"ids": [int(login_session)]}).first()
                if row is None or m.as_utc(row[1]) <= oldest:
                    return None
            found = read_actors(s, ACTOR_BY_NAME, {"username": username})
        actor, active = found.get(username, (None, False))
        return actor if active else None

    def remove_login_session(self, token: str) -> bool:
        """End one session (logout); False when it had already ended."""
        with self.transaction() as s:
            result = s.execute(delete(m.LoginSession).where(m.LoginSession.token_hash == hash_login_token(token))
                               .execution_options(synchronize_session=False))
            return bool(rowcount(result))

    def _login_person_id(self, s: Session, actor: Actor, username: str) -> int:
        person = self._person(s, username)
        if actor.id is None or actor.id != person.id:
            require(actor, "manage_people")
        return person.id

    def list_login_sessions(self, actor: Actor, username: str) -> list[LoginSessionInfo]:
        """The active sessions of ``username``, newest first (the person, or a coördinator)."""
        now = self.login_clock()
        with self.transaction(readonly=True) as s:
            pid = self._login_person_id(s, actor, username)
            rows = s.scalars(select(m.LoginSession).where(m.LoginSession.person_id == pid)
                             .order_by(m.LoginSession.created_at.desc(), m.LoginSession.id.desc()))
            return [LoginSessionInfo(r.id, m.as_utc(r.created_at), m.as_utc(r.last_seen_at), r.user_agent, r.address)
                    for r in rows if not self._login_expired(r, now)]

    def remove_login_sessions(self, actor: Actor, username: str) -> int:
        """End every session of ``username`` ("Overal afmelden"; the person, or a coördinator)."""
        with self.transaction() as s:
            pid = self._login_person_id(s, actor, username)
            ended = self.end_login_sessions(s, pid)
            self.audit(s, actor, "person.end_sessions", username, sessions=ended)
            return ended
