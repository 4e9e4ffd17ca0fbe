"""Live sessions, rounds beyond clips: the :class:`~oefenkit.storage.kit.Kit` verbs for the answers to
``situatie``, ``vraag`` and ``ervaring`` rounds, and who took part in a session.

The rounds themselves (opening, closing, the reveal) are the verbs of
:mod:`oefenkit.storage.sessions`; the content and the room's views (distribution, groups, wall) are
the pure rules of :mod:`oefenkit.rounds`.

An answer is one row per (round, person) — a unique constraint — replaced in place until the round
closes; a retried submission with the same ``submission_id`` changes nothing, as for scores. The
writer raises the session's change token first (``SessionsMixin._bump``), so an answer and the
trainer's "close round" cannot cross. No view of the room ever holds a name: the projector gets the
answers' texts or counts, sorted so their order tells nothing about who wrote them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from ..errors import ValidationError
from ..identity import Actor
from ..permissions import require
from ..rounds import RoundItem, answer_wall, check_answer, choice_distribution, group_answers
from ..sessions import RoundReport
from . import models as m
from .ratings import check_submission_id

__all__ = ["SessionAnswersMixin"]


def _item(rnd: m.LiveRound):
    """The round's stored content as a :class:`~oefenkit.rounds.RoundItem` (checked when it was stored)."""

    c = rnd.content or {}
    return RoundItem(kind=rnd.kind, title=c.get("title", ""), text=c.get("text", ""), code=c.get("code"),
                     prompts=tuple(c.get("prompts") or ()), options=tuple(c.get("options") or ()),
                     answer=c.get("answer"), explanation=c.get("explanation", ""), notes=c.get("notes", ""),
                     discussion=tuple(c.get("discussion") or ()), figures=c.get("figures"))


class SessionAnswersMixin:
    """Answers to the rounds without a clip; mixed into :class:`~oefenkit.storage.kit.Kit`."""

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
            choice, text = check_answer(_item(rnd), choice=choice, text=text)
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

    @staticmethod
    def _content_round_view(s: Session, rnd: m.LiveRound) -> dict[str, Any]:
        """A ``situatie``, ``vraag`` or ``ervaring`` round as both pages show it; the right answer and
        the facilitator notes only after the reveal."""
        item = _item(rnd)
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
            out["figures"] = dict(_item(rnd).figures or {})
        elif rnd.kind == "vraag":
            out["distribution"] = choice_distribution(_item(rnd), [c for c, _ in rows if c is not None])
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

    # -- who took part ----------------------------------------------------------------------------

    @staticmethod
    def _took_part(s: Session, session_id: int) -> list[dict[str, Any]]:
        """Everyone who scored or answered in at least one round of the session, by user name."""
        ids = union(select(m.Rating.rater_id.label("pid")).where(m.Rating.live_session_id == session_id),
                    select(m.LiveAnswer.person_id.label("pid")).where(m.LiveAnswer.session_id == session_id)
                    ).subquery()
        rows = s.execute(select(m.Person.id, m.Person.username, m.Person.display_name)
                         .where(m.Person.id.in_(select(ids.c.pid))).order_by(m.Person.username)).all()
        return [{"person_id": pid, "username": username, "display_name": name} for pid, username, name in rows]

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

    def _content_round_report(self, s: Session, rnd: m.LiveRound):
        """A :class:`oefenkit.sessions.RoundReport` of a round without a clip (answers without names)."""

        item = _item(rnd)
        return RoundReport(rnd.number, item.code or "", item.title, (), rnd.revealed_at is not None,
                           kind=rnd.kind, item=item, answers=self._room_answers(s, rnd))
