"""The rows of a live session that its three services share: the look-ups every verb on a session
starts with (raise the change token, the leader, a participant's open round) and the views of a
round without a clip (inside the caller's transaction).

:class:`LiveRows` is a base of :class:`~oefenkit.storage.sessions.SessionsService`,
:class:`~oefenkit.storage.session_participants.SessionParticipantsService` and
:class:`~oefenkit.storage.session_answers.SessionAnswersService`: static helpers over a session
(SQLAlchemy), no verbs and no state, so none of those services calls another through ``self``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, union, update
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, PermissionDenied
from ..identity import Actor
from ..permissions import can, require
from ..rounds import RoundItem, answer_wall, choice_distribution, group_answers
from ..sessions import RoundReport
from . import models as m
from .store import rowcount

__all__ = ["LiveRows", "round_item"]


def round_item(rnd: m.LiveRound):
    """The round's stored content as a :class:`~oefenkit.rounds.RoundItem` (checked when it was stored)."""

    c = rnd.content or {}
    return RoundItem(kind=rnd.kind, title=c.get("title", ""), text=c.get("text", ""), code=c.get("code"),
                     prompts=tuple(c.get("prompts") or ()), options=tuple(c.get("options") or ()),
                     answer=c.get("answer"), explanation=c.get("explanation", ""), notes=c.get("notes", ""),
                     discussion=tuple(c.get("discussion") or ()), figures=c.get("figures"))


class LiveRows:
    """Look-ups and round views over a live session's rows (static; shared by the live services)."""

    # -- look-ups ---------------------------------------------------------------------------

    @staticmethod
    def _bump(s: Session, session_id: int) -> m.LiveSession:
        """Raise the change token (and so lock the session for this transaction); the fresh row."""
        done = s.execute(update(m.LiveSession).where(m.LiveSession.id == session_id)
                         .values(change_token=m.LiveSession.change_token + 1)
                         .execution_options(synchronize_session=False))
        if not rowcount(done):
            raise NotFound("Deze sessie bestaat niet.")
        session = s.get(m.LiveSession, session_id, populate_existing=True)
        assert session is not None  # the UPDATE just found it, and holds its lock
        return session

    @staticmethod
    def _live_session(s: Session, session_id: int) -> m.LiveSession:
        session = s.get(m.LiveSession, session_id)
        if session is None:
            raise NotFound("Deze sessie bestaat niet.")
        return session

    @staticmethod
    def _require_leader(actor: Actor, session: m.LiveSession) -> None:
        require(actor, "lead_live_session")
        if not can(actor, "lead_any_live_session") and session.trainer_id != actor.id:
            raise PermissionDenied("Alleen de trainer die deze sessie leidt, kan haar bedienen.")

    @classmethod
    def _participants_open_round(cls, s: Session, actor: Actor, session_id: int, round_number: int,
                                 what: str) -> tuple[m.LiveSession, m.LiveRound]:
        """The session (bumped) and its open round ``round_number``, for a participant handing in
        ``what`` ("je score", "je antwoord"); a Dutch refusal otherwise, saying earlier work is kept."""
        session = cls._bump(s, session_id)
        if not cls._is_participant(s, session.id, actor.id):
            raise PermissionDenied("Je doet niet mee aan deze sessie; vul eerst de code in.")
        if session.state != "open":
            raise Conflict(f"De sessie is afgesloten; {what} is niet meer gewijzigd. Wat je eerder "
                           "inleverde, is bewaard.")
        if round_number != session.current_round or not session.round_open:
            raise Conflict(f"Ronde {round_number} is gesloten; {what} is niet meer gewijzigd. Wat je "
                           "eerder inleverde, is bewaard.")
        rnd = cls._current_round(s, session)
        assert rnd is not None  # an open round exists
        return session, rnd

    @staticmethod
    def _is_participant(s: Session, session_id: int, person_id: int | None) -> bool:
        return person_id is not None and s.get(m.LiveSessionParticipant, (session_id, person_id)) is not None

    @staticmethod
    def _current_round(s: Session, session: m.LiveSession) -> m.LiveRound | None:
        if not session.current_round:
            return None
        return s.scalar(select(m.LiveRound).where(m.LiveRound.session_id == session.id,
                                                  m.LiveRound.number == session.current_round))

    @staticmethod
    def _require_open(session: m.LiveSession) -> None:
        if session.state != "open":
            raise Conflict("Deze sessie is afgesloten; er kan niets meer worden gewijzigd.")

    # -- views of a round (inside session_state's transaction) ------------------------------------

    @staticmethod
    def _content_round_view(s: Session, rnd: m.LiveRound) -> dict[str, Any]:
        """A ``situatie``, ``vraag`` or ``ervaring`` round as both pages show it; the right answer and
        the facilitator notes only after the reveal."""
        item = round_item(rnd)
        submitted = s.scalar(select(func.count()).select_from(m.LiveAnswer)
                             .where(m.LiveAnswer.round_id == rnd.id)) or 0
        view = {"number": rnd.number, "kind": rnd.kind, "title": item.title, "text": item.text,
                "prompts": list(item.prompts), "options": list(item.options), "limit": item.limit,
                "open": rnd.closed_at is None, "revealed": rnd.revealed_at is not None, "submitted": submitted,
                "has_answer": item.answer is not None, "has_notes": bool(item.notes or item.discussion)}
        if rnd.kind == "cijfers":  # aggregated, small cells suppressed: the same for the room and the trainer
            view["figures"] = dict(item.figures or {})
        if rnd.revealed_at is not None:
            view |= {"answer": item.answer, "explanation": item.explanation, "notes": item.notes,
                     "discussion": list(item.discussion)}
        return view

    @staticmethod
    def _room_answers(s: Session, rnd: m.LiveRound) -> dict[str, Any]:
        """The room's answers without names: a vraag's ``distribution``, a situatie's ``groups``
        (shared key word, answers), an ervaring's ``wall``; ``n`` answers in all."""

        rows = s.execute(select(m.LiveAnswer.choice, m.LiveAnswer.answer_text)
                         .where(m.LiveAnswer.round_id == rnd.id)).all()
        out: dict[str, Any] = {"n": len(rows)}
        if rnd.kind == "cijfers":
            out["figures"] = dict(round_item(rnd).figures or {})
        elif rnd.kind == "vraag":
            out["distribution"] = choice_distribution(round_item(rnd), [c for c, _ in rows if c is not None])
        elif rnd.kind == "situatie":
            out["groups"] = [(g.word, list(g.answers)) for g in group_answers(t for _, t in rows if t)]
        else:
            out["wall"] = answer_wall(t for _, t in rows if t)
        return out

    @staticmethod
    def _own_answer(s: Session, rnd: m.LiveRound, person_id: int) -> dict[str, Any] | None:
        """One participant's own answer (``correct``: a vraag's verdict after the reveal, else None)."""
        row = s.scalar(select(m.LiveAnswer).where(m.LiveAnswer.round_id == rnd.id,
                                                  m.LiveAnswer.person_id == person_id))
        if row is None:
            return None
        answer = (rnd.content or {}).get("answer")
        correct = (row.choice == answer if rnd.kind == "vraag" and rnd.revealed_at is not None
                   and answer is not None else None)
        return {"choice": row.choice, "text": row.answer_text, "correct": correct}

    @staticmethod
    def _took_part(s: Session, session_id: int) -> list[dict[str, Any]]:
        """Everyone who scored or answered in at least one round of the session, by user name."""
        ids = union(select(m.Rating.rater_id.label("pid")).where(m.Rating.live_session_id == session_id),
                    select(m.LiveAnswer.person_id.label("pid")).where(m.LiveAnswer.session_id == session_id)
                    ).subquery()
        rows = s.execute(select(m.Person.id, m.Person.username, m.Person.display_name)
                         .where(m.Person.id.in_(select(ids.c.pid))).order_by(m.Person.username)).all()
        return [{"person_id": pid, "username": username, "display_name": name} for pid, username, name in rows]

    @classmethod
    def _content_round_report(cls, s: Session, rnd: m.LiveRound):
        """A :class:`oefenkit.sessions.RoundReport` of a round without a clip (answers without names)."""

        item = round_item(rnd)
        return RoundReport(rnd.number, item.code or "", item.title, (), rnd.revealed_at is not None,
                           kind=rnd.kind, item=item, answers=cls._room_answers(s, rnd))
