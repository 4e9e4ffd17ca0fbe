"""Live sessions, rounds beyond clips: the :class:`~oefenkit.storage.kit.Kit` verbs for the answers to
``situatie``, ``vraag`` and ``ervaring`` rounds, and who took part in a session.

The rounds themselves (opening, closing, the reveal) are the verbs of
:mod:`oefenkit.storage.sessions`; the content and the room's views (distribution, groups, wall) are
the pure rules of :mod:`oefenkit.rounds`.

An answer is one row per (round, person) — a unique constraint — replaced in place until the round
closes; a retried submission with the same ``submission_id`` changes nothing, as for scores. The
writer raises the session's change token first (``LiveRows._bump``), so an answer and the
trainer's "close round" cannot cross. No view of the room ever holds a name: the projector gets the
answers' texts or counts, sorted so their order tells nothing about who wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..errors import ValidationError
from ..identity import Actor
from ..permissions import require
from ..rounds import check_answer
from . import models as m
from .live_rows import LiveRows, round_item
from .ratings import check_submission_id
from .store import Service

__all__ = ["SessionAnswersService"]


class SessionAnswersService(LiveRows, Service):
    """Answers to the rounds without a clip (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- the participant ---------------------------------------------------------------------

    def submit_round_answer(self, actor: Actor, session_id: int, round_number: int, *, choice: int | None = None,
                            text: str | None = None, submission_id: str | None = None) -> dict[str, Any]:
        """Store (or replace) the participant's answer to the open ``situatie``, ``vraag`` or ``ervaring``
        round: ``choice`` (the option's index) for a vraag, ``text`` for the others.

        Refused once the round is closed (what was stored before stays), and for a text longer than
        the kind's limit (:data:`oefenkit.rounds.ANSWER_LIMITS`). A repeated ``submission_id`` changes
        nothing. Returns ``round``, ``choice``, ``text``, ``saved_at`` and ``changed``.
        """

        require(actor, "write_rating_for", actor.id if actor else None)
        check_submission_id(submission_id)
        with self.transaction() as s:
            session, rnd = self._participants_open_round(s, actor, session_id, round_number, "je antwoord")
            if rnd.kind == "fragment":
                raise ValidationError("In deze ronde scoor je het fragment; lever je score in.")
            choice, text = check_answer(round_item(rnd), choice=choice, text=text)
            row = s.scalar(select(m.LiveAnswer).where(m.LiveAnswer.round_id == rnd.id,
                                                      m.LiveAnswer.person_id == actor.id))
            now = m.utcnow()
            changed = False
            if row is None:
                s.add(m.LiveAnswer(round_id=rnd.id, session_id=session.id, person_id=actor.id, choice=choice,
                                   answer_text=text, submission_id=submission_id, created_at=now, updated_at=now))
                changed = True
            elif submission_id is not None and row.submission_id == submission_id:
                choice, text, now = row.choice, row.answer_text, row.updated_at  # a retry: nothing changes
            elif (row.choice, row.answer_text) != (choice, text) or row.submission_id != submission_id:
                changed = (row.choice, row.answer_text) != (choice, text)
                row.choice, row.answer_text, row.submission_id, row.updated_at = choice, text, submission_id, now
            return {"round": session.current_round, "choice": choice, "text": text, "saved_at": now,
                    "changed": changed}

    # -- views of a round (inside session_state's transaction) ------------------------------------

    # -- who took part ----------------------------------------------------------------------------

    def session_participants_who_took_part(self, actor: Actor, session_id: int) -> list[dict[str, Any]]:
        """Who took part in a session: everyone who scored a clip or answered a situatie, vraag or
        ervaring round at least once (joining alone does not count). ``person_id``, ``username`` and
        ``display_name``, by user name. A read, for the session's leader or a coördinator; closing a
        session uses the same rule (:meth:`close_session`).
        """
        with self.transaction(readonly=True) as s:
            session = self._live_session(s, session_id)
            self._require_leader(actor, session)
            return self._took_part(s, session.id)

    # -- the report -------------------------------------------------------------------------------

