"""What every table of the data model shares: the declarative ``Base`` with its naming convention,
the time helpers, and the value lists that the tables' check constraints name.

The tables themselves are in :mod:`oefenkit.storage.models` (which re-exports everything here)
and :mod:`oefenkit.storage.models_live`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

__all__ = ["ANSWER_TEXT_MAX", "Base", "CERTIFICATE_KINDS", "JOB_STATES", "LIBRARY_STATUSES", "NAMING",
           "RATING_MODES", "RECORD_KINDS", "ROUND_KINDS", "SET_KINDS", "as_utc", "utcnow"]

#: Why a rating was given.
RATING_MODES = ("practice", "exam", "session")
#: What a live session's round asks (``oefenkit.rounds``): score a clip, or answer a situation,
#: a multiple-choice question or an exchange prompt, or show the pooled Babytijd figures (``cijfers``).
ROUND_KINDS = ("fragment", "situatie", "vraag", "ervaring", "cijfers")
#: The longest typed answer the database accepts (``oefenkit.rounds.ANSWER_LIMITS`` per kind).
ANSWER_TEXT_MAX = 500
#: What a case set is for.
SET_KINDS = ("practice", "exam", "session", "intervision")
#: What a requirement record is: a trainer-recorded kind of a programme path
#: (``oefenkit.programmes.REQUIREMENT_KINDS`` minus the kinds the kit derives), or the refresher
#: that keeps a registration active (the Babytijd terugkomdag), or an activity after the path
#: (the Ouder-baby opfriscursus).
RECORD_KINDS = ("attendance", "supervision", "national_supervision", "cases", "refresher", "activity")
#: ``certificate``: a certificate; ``registration``: a registration as uitvoerder that lapses
#: without the path's refresher (Babytijd).
CERTIFICATE_KINDS = ("certificate", "registration")
#: Where an uploaded clip is in the case library's workflow.
LIBRARY_STATUSES = ("uploaded", "anonymised", "reviewed", "published")
#: Where an anonymisation job is (``oefenkit/storage/anonymise_jobs.py``); the first two are active.
JOB_STATES = ("queued", "running", "done", "failed", "cancelled")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment, aware in UTC: SQLite gives naive UTC moments back, PostgreSQL aware ones."""
    return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, dt.datetime: DateTime(timezone=True)}
