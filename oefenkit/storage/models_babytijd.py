"""The tables of Babytijd quality monitoring (issue 20): a reeks, its opvoeders (pseudonymous
codes only), their attendance per meeting and their measurements. Re-exported by
:mod:`oefenkit.storage.models`.

Minimal on purpose (AVG): no names, addresses or birth dates; of the baby only the age in months
at intake. Deleting a reeks deletes its opvoeders and their rows (``ON DELETE CASCADE``); deleting
the uitvoerder (the AVG delete of a person) deletes their reeksen.

::

    Person ──< BabytijdReeks ──< BabytijdOpvoeder ──< BabytijdAttendance (one per meeting)
                                                 └──< BabytijdMeasurement (one per kind)
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .model_base import Base, _in, utcnow

__all__ = ["BabytijdReeks", "BabytijdOpvoeder", "BabytijdAttendance", "BabytijdMeasurement",
           "BABYTIJD_MEASUREMENTS", "BABYTIJD_ABSENCE_REASONS"]

#: The measurement kinds (``oefenkit.babytijd.MEASUREMENTS``; a check constraint names them).
BABYTIJD_MEASUREMENTS = ("nulmeting", "na-5", "eind", "na-16")
#: The absence reason codes (``oefenkit.babytijd.ABSENCE_REASONS``).
BABYTIJD_ABSENCE_REASONS = ("ziek-opvoeder", "ziek-baby", "afspraak", "slaap", "werk", "vakantie", "vervoer",
                            "vergeten", "anders")


class BabytijdReeks(Base):
    """One run of the sixteen meetings, kept by an uitvoerder, with their evaluation of it."""

    __tablename__ = "babytijd_reeks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    uitvoerder_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: Who created it (a trainer may create one for an uitvoerder); kept without name when deleted.
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    start_date: Mapped[Optional[dt.date]] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The uitvoerder's own evaluation of the reeks (evaluatieformulier uitvoerders); NULL: not yet.
    evaluated_at: Mapped[Optional[dt.datetime]] = mapped_column()
    went_well: Mapped[str] = mapped_column(Text, default="")
    to_improve: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")


class BabytijdOpvoeder(Base):
    """An opvoeder in a reeks, known only by a code unique in the reeks."""

    __tablename__ = "babytijd_opvoeder"
    __table_args__ = (
        UniqueConstraint("reeks_id", "code", name="uq_babytijd_opvoeder_reeks_code"),
        CheckConstraint("baby_age_months IS NULL OR baby_age_months BETWEEN 0 AND 12", name="baby_age"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reeks_id: Mapped[int] = mapped_column(ForeignKey("babytijd_reeks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(12))
    #: Consent to use and keep the data for research: only then does a row leave the organisation.
    consent: Mapped[bool] = mapped_column(Boolean)
    baby_age_months: Mapped[Optional[int]] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BabytijdAttendance(Base):
    """Whether an opvoeder attended one meeting; an absence with its reason (NULL: not known)."""

    __tablename__ = "babytijd_attendance"
    __table_args__ = (
        UniqueConstraint("opvoeder_id", "meeting", name="uq_babytijd_attendance_opvoeder_meeting"),
        CheckConstraint("meeting BETWEEN 1 AND 16", name="meeting"),
        CheckConstraint(f"reason IS NULL OR reason IN ({_in(BABYTIJD_ABSENCE_REASONS)})", name="reason"),
        CheckConstraint("NOT present OR reason IS NULL", name="present_without_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opvoeder_id: Mapped[int] = mapped_column(ForeignKey("babytijd_opvoeder.id", ondelete="CASCADE"))
    meeting: Mapped[int] = mapped_column(Integer)
    present: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[Optional[str]] = mapped_column(String(16))
    reason_text: Mapped[str] = mapped_column(String(200), default="")


class BabytijdMeasurement(Base):
    """One measurement of an opvoeder: the self-scores per subgoal (JSON: code → score), the tips
    and tops of the eindevaluatie, and the reason when it was entered early."""

    __tablename__ = "babytijd_measurement"
    __table_args__ = (
        UniqueConstraint("opvoeder_id", "kind", name="uq_babytijd_measurement_opvoeder_kind"),
        CheckConstraint(f"kind IN ({_in(BABYTIJD_MEASUREMENTS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    opvoeder_id: Mapped[int] = mapped_column(ForeignKey("babytijd_opvoeder.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    scores: Mapped[dict[str, int]] = mapped_column(JSON)
    tips: Mapped[str] = mapped_column(Text, default="")
    tops: Mapped[str] = mapped_column(Text, default="")
    #: Why it was entered before its attended count (empty: on time).
    early_reason: Mapped[str] = mapped_column(Text, default="")
    #: The opvoeder's attended count when it was entered.
    attended_at_entry: Mapped[int] = mapped_column(Integer, default=0)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
