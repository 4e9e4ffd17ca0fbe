"""The tables of a live session (terugkomdag, intervision day): the session, its rounds, who
joined, and the typed answers of the rounds that ask no score (the scores are ``Rating`` rows).
Re-exported by :mod:`oefenkit.storage.models`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .model_base import ANSWER_TEXT_MAX, ROUND_KINDS, Base, _in, utcnow

__all__ = ["LiveAnswer", "LiveRound", "LiveSession", "LiveSessionParticipant"]


class LiveSession(Base):
    """A terugkomdag or intervision session with a join code."""

    __tablename__ = "live_session"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'closed')", name="state"),
        CheckConstraint("expected_participants IS NULL OR expected_participants BETWEEN 1 AND 200",
                        name="expected_participants"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    case_set_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case_set.id"))
    state: Mapped[str] = mapped_column(String(16), default="open")
    current_round: Mapped[int] = mapped_column(Integer, default=0)
    round_open: Mapped[bool] = mapped_column(Boolean, default=False)
    change_token: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    #: How many people the trainer expects (the server starts their page kernels ahead); None: unknown.
    expected_participants: Mapped[Optional[int]] = mapped_column(Integer)
    #: The programme of the day (its code): the round plan's, else the case set's (None: not known).
    #: A code, not a foreign key: adding a foreign key would rebuild this table on SQLite, and its
    #: rounds and participants would go with the old one (their ON DELETE CASCADE).
    programme_code: Mapped[Optional[str]] = mapped_column(String(32))
    #: The round plan the day follows (``oefenkit.rounds.RoundPlan.as_dict``, kept as it was at the
    #: start); None: a day of clips only.
    plan: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON(none_as_null=True))


class LiveRound(Base):
    """One round of a live session: its kind, the clip (``fragment``) or the content it asks
    (``situatie``, ``vraag``, ``ervaring``: a snapshot of :class:`oefenkit.rounds.RoundItem`), when
    it was opened and closed, and when the expert score or right answer was revealed
    (``oefenkit.storage.sessions``)."""

    __tablename__ = "live_round"
    __table_args__ = (
        UniqueConstraint("session_id", "number", name="uq_live_round_session_number"),
        CheckConstraint(f"kind IN ({_in(ROUND_KINDS)})", name="kind"),
        CheckConstraint("(kind = 'fragment' AND case_id IS NOT NULL) OR "
                        "(kind <> 'fragment' AND case_id IS NULL AND content IS NOT NULL)", name="kind_content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16), default="fragment", server_default="fragment")
    case_id: Mapped[Optional[int]] = mapped_column(ForeignKey("case_item.id"))
    content: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON(none_as_null=True))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    revealed_at: Mapped[Optional[dt.datetime]] = mapped_column()


class LiveSessionParticipant(Base):
    __tablename__ = "live_session_participant"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("live_session.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LiveAnswer(Base):
    """A participant's answer to a ``situatie``, ``vraag`` or ``ervaring`` round: one per person and
    round, replaced in place until the round closes (``oefenkit.storage.session_answers``)."""

    __tablename__ = "live_answer"
    __table_args__ = (
        UniqueConstraint("round_id", "person_id", name="uq_live_answer_round_person"),
        CheckConstraint("choice IS NOT NULL OR answer_text IS NOT NULL", name="given"),
        CheckConstraint(f"answer_text IS NULL OR length(answer_text) <= {ANSWER_TEXT_MAX}", name="text_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("live_round.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("live_session.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: A ``vraag``: the index of the chosen option (0 = the first).
    choice: Mapped[Optional[int]] = mapped_column(Integer)
    #: A ``situatie`` or ``ervaring``: the typed text.
    answer_text: Mapped[Optional[str]] = mapped_column(Text)
    #: The client's id of the submission that last wrote this row (a retried submission changes nothing).
    submission_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
