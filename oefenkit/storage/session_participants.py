"""Live sessions, the participant's side: the :class:`~oefenkit.storage.kit.Kit` verbs to join a
session by its code (with the limit on wrong codes), to find one's open session again after a
reload, and to score a fragment round.

The session's lifecycle (creating it, opening, closing and revealing rounds, closing the session)
and the live state both sides read are the verbs of :mod:`oefenkit.storage.sessions`; the answers
to the other kinds of round are in :mod:`oefenkit.storage.session_answers`. Every writer here
raises the session's change token first (``LiveRows._bump``), as described there, so a
submission and the trainer's "close round" cannot cross.
"""

from __future__ import annotations

import hashlib
from typing import Any, Mapping

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, TooManyAttempts, ValidationError
from ..identity import Actor
from ..permissions import require
from ..scales import every_scale
from ..sessions import (
    JOIN_FAILURE_LIMIT,
    JOIN_FAILURE_WINDOW,
    SESSION_LIFETIME,
    client_address,
    join_retry_after,
    join_wait_message,
    normalise_join_code,
    throttle_key,
)
from . import models as m
from .live_rows import LiveRows
from .ratings import check_submission_id
from .store import Service

__all__ = ["JOIN_FAILED", "SessionParticipantsService"]

_NOTE_MAX = 2000
#: The audit action of a join code that opened no session; the limit on wrong codes counts these.
JOIN_FAILED = "live_session.join_failed"


def _lock_id(name: str) -> int:
    """A stable signed 64-bit key for a PostgreSQL advisory lock."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


class SessionParticipantsService(LiveRows, Service):
    """A participant's verbs on live sessions (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def join_session(self, actor: Actor, code: str, *, address: str | None = None) -> dict[str, Any]:
        """Join an open session by its code. Joining again is no error: ``already`` is then True.

        Returns ``session_id``, ``already`` and a short Dutch ``message``.

        Wrong codes are limited: a code that opens no session (unknown, closed or expired) is
        audited as ``live_session.join_failed`` with the client's ``address`` (the page's, from
        the server: :func:`oefenkit.kernel.current_address`). After
        :data:`~oefenkit.sessions.JOIN_FAILURE_LIMIT` failures in
        :data:`~oefenkit.sessions.JOIN_FAILURE_WINDOW` by this person, or from this address
        (:func:`~oefenkit.sessions.throttle_key`), every attempt is refused with
        :class:`TooManyAttempts` (the Dutch wait message) before the code is looked at, until
        the oldest of those failures leaves the window. Only failures count, so a room behind
        one address gets in with the right code. Check and failure record are one transaction,
        serialised per person and per address (SQLite: the write lock; PostgreSQL: advisory
        locks), so parallel pages or server processes cannot exceed the limit.
        """

        require(actor, "write_rating_for", actor.id if actor else None)
        code = normalise_join_code(code)  # a malformed code is refused without a look-up, and not counted
        address = client_address(address)
        key = throttle_key(address)
        with self.transaction() as s:
            found = s.scalar(select(m.LiveSession).where(m.LiveSession.join_code == code))
            if found is not None and self._is_participant(s, found.id, actor.id):
                return {"session_id": found.id, "already": True,
                        "message": "Je doet al mee aan deze sessie; je scores zijn bewaard."}
            self._check_join_failures(s, actor, key)  # raises TooManyAttempts; says nothing about the code
            if found is None:
                refusal: Exception = NotFound("Deze code hoort bij geen enkele sessie. Controleer de code op "
                                              "het scherm van de trainer.")
                reason = "unknown"
            elif found.state != "open":
                refusal, reason = Conflict("Deze sessie is al afgesloten; meedoen kan niet meer."), "closed"
            elif m.as_utc(found.created_at) + SESSION_LIFETIME < m.utcnow():
                refusal, reason = Conflict("Deze code is verlopen. Vraag de trainer om de code van vandaag."), "expired"
            else:
                session = self._bump(s, found.id)
                s.add(m.LiveSessionParticipant(session_id=session.id, person_id=actor.id))
                return {"session_id": session.id, "already": False, "message": "Je doet mee. Welkom!"}
            self.audit(s, actor, JOIN_FAILED, code, reason=reason, address=address, throttle_key=key)
        raise refusal  # after the commit: the failure is recorded

    @staticmethod
    def _check_join_failures(s: Session, actor: Actor, key: str | None) -> None:
        """Raise :class:`TooManyAttempts` when this person or address used up its wrong codes."""

        scopes = [("person", str(actor.id), m.AuditEntry.actor_id == actor.id)]
        if key is not None:
            scopes.append(("address", key, m.AuditEntry.details["throttle_key"].as_string() == key))
        if s.get_bind().dialect.name == "postgresql":
            # Serialise check and record per person and per address (always in this order: no deadlock).
            for scope, value, _ in scopes:
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_id(f"join:{scope}:{value}")})
        now = m.utcnow()
        wait = 0
        for _, _, condition in scopes:
            times = s.scalars(
                select(m.AuditEntry.at)
                .where(m.AuditEntry.action == JOIN_FAILED, m.AuditEntry.at > now - JOIN_FAILURE_WINDOW, condition)
                .order_by(m.AuditEntry.at.desc()).limit(JOIN_FAILURE_LIMIT)).all()
            wait = max(wait, join_retry_after([m.as_utc(t) for t in times], now))
        if wait:
            raise TooManyAttempts(join_wait_message(wait), retry_after=wait)

    def participant_open_session(self, actor: Actor) -> int | None:
        """The newest open session this person joined (their page re-attaches after a reload)."""
        require(actor, "write_rating_for", actor.id if actor else None)
        with self.transaction(readonly=True) as s:
            return s.scalar(
                select(m.LiveSession.id)
                .join(m.LiveSessionParticipant, m.LiveSessionParticipant.session_id == m.LiveSession.id)
                .where(m.LiveSessionParticipant.person_id == actor.id, m.LiveSession.state == "open")
                .order_by(m.LiveSession.id.desc()).limit(1))

    def submit_session_scores(
        self, actor: Actor, session_id: int, round_number: int, scores: Mapping[str, int], note: str = "",
        submission_id: str | None = None,
    ) -> dict[str, Any]:
        """Store (or change) the participant's scores of a round, every scale in one transaction.

        Refused once the round is closed: what was stored before stays. One row
        per (round, rater, scale); a repeated ``submission_id`` changes nothing.
        Returns ``round``, ``scores``, ``note``, ``saved_at`` and ``changed``.
        """
        require(actor, "write_rating_for", actor.id if actor else None)
        note = (note or "").strip()
        if len(note) > _NOTE_MAX:
            raise ValidationError(f"Een toelichting heeft hoogstens {_NOTE_MAX} tekens.")
        check_submission_id(submission_id)
        with self.transaction() as s:
            session, rnd = self._participants_open_round(s, actor, session_id, round_number, "je score")
            if rnd.kind != "fragment":
                raise ValidationError("In deze ronde is er geen fragment om te scoren; geef je antwoord.")
            newest = self._newest_scales(s)
            if sorted(set(newest) - set(scores or {})):
                raise ValidationError(f"Geef een score op {every_scale(len(newest))} voordat je inlevert.")
            unknown = sorted(set(scores) - set(newest))
            if unknown:
                raise NotFound(f"Schaal {unknown[0]!r} bestaat niet.")
            checked = {code: self._check_score(newest[code], score) for code, score in scores.items()}
            existing = {r.scale_id: r for r in s.scalars(
                select(m.Rating).where(m.Rating.live_round_id == rnd.id, m.Rating.rater_id == actor.id))}
            now = m.utcnow()
            replay = (submission_id is not None and existing
                      and all(r.submission_id == submission_id for r in existing.values()))
            changed = False
            if not replay:
                for code, score in checked.items():
                    scale = newest[code]
                    row = existing.get(scale.id)
                    if row is None:
                        s.add(m.Rating(rater_id=actor.id, case_id=rnd.case_id, scale_id=scale.id, score=score,
                                       note=note, mode="session", live_session_id=session.id,
                                       live_round_id=rnd.id, submission_id=submission_id,
                                       created_at=now, updated_at=now))
                        changed = True
                    elif (row.score, row.note) != (score, note) or row.submission_id != submission_id:
                        changed = changed or (row.score, row.note) != (score, note)
                        row.score, row.note, row.submission_id, row.updated_at = score, note, submission_id, now
            return {"round": session.current_round, "scores": checked, "note": note, "saved_at": now,
                    "changed": changed}
