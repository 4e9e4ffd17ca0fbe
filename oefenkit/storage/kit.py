"""The storage façade: fixed verbs, one transaction per user action.

Verbs follow one pattern: ``add_*`` (create, fails if it exists),
``find_*`` (one thing or :class:`NotFound`), ``list_*`` (zero or more),
``update_or_create_*`` (idempotent loading of content), ``update_*`` and
``remove_*``. Every public method runs in exactly one transaction
(:meth:`Kit.transaction`): it commits as a whole or rolls back as a whole, so a
crash or bad input never leaves half a write behind.

Methods that read or change personal data take the acting person
(:class:`oefenkit.identity.Actor`) as first argument and check
:mod:`oefenkit.permissions` before touching the database. They return plain
values (:class:`Actor`, dataclasses, dicts), never ORM objects, so the UI
layers cannot lazily reach into the database.

The verbs live in one mixin per noun, composed here:

* :mod:`.people`             people, programmes, groups, JupyterHub persons, authenticate
* :mod:`.cases`              scales, cases, case sets, expert scores, ``list_cases``
* :mod:`.ratings`            ratings, exam scores, expert scores of a set
* :mod:`.decisions`          certification decisions
* :mod:`.progress`           course-module progress
* :mod:`.practice_attempts`  practice attempts and clips (``find_clip``)
* :mod:`.exam_attempts`      the certification test (value types in :mod:`.exams`)
* :mod:`.certificates`       deciding on proposals, certificates, supervised cases, renewal
* :mod:`.requirements`       programme-path requirement records, progress on a path, path proposals
* :mod:`.logins`             login sessions of the standalone server: start, resolve, list, end
* :mod:`.privacy`            AVG: export and delete everything stored about a person
* :mod:`.sessions`           terugkomdag live sessions: lifecycle, rounds, live state, report
* :mod:`.session_participants` a live session's participant: join by code, re-attach, score a round
* :mod:`.session_answers`    answers to situatie/vraag/ervaring rounds, who took part
* :mod:`.library`            case library: upload, anonymise, review, expert scores, publish
* :mod:`.intervision`        intervision: a team's scores of one case over successive visits
* :mod:`.kernel_access`      the owners of live app kernels (active, role, groups); refused access

This module keeps what they share: :meth:`Kit.transaction`, :meth:`Kit.audit`, the audit
log and the private look-ups (``_person``, ``_case_and_scale``, ``_check_score``).
The value types stay importable from here.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, DatabaseUnavailable, NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import database
from . import models as m
from .anonymise_jobs import AnonymiseJobsMixin
from .cases import EXPERT_ONLY_DETAILS as EXPERT_ONLY_DETAILS  # re-exported: the value types stay importable here
from .cases import CaseInfo, CasesMixin
from .cases import ExpertScoreInfo as ExpertScoreInfo
from .certificates import CertificatesMixin
from .decisions import DecisionsMixin
from .exam_attempts import ExamMixin
from .intervision import IntervisionMixin
from .kernel_access import KernelAccessMixin
from .library import LibraryMixin
from .library_media import LibraryMediaMixin
from .logins import LoginsMixin
from .people import GroupInfo, PeopleMixin
from .practice_attempts import PracticeMixin
from .privacy import PrivacyMixin
from .progress import ProgressMixin
from .ratings import RatingInfo, RatingsMixin
from .requirements import RequirementsMixin
from .session_answers import SessionAnswersMixin
from .session_participants import SessionParticipantsMixin
from .sessions import SessionsMixin

__all__ = ["Kit", "GroupInfo", "RatingInfo", "CaseInfo"]


class Kit(PeopleMixin, CasesMixin, RatingsMixin, DecisionsMixin, ProgressMixin, PracticeMixin, ExamMixin,
          CertificatesMixin, RequirementsMixin, PrivacyMixin, LibraryMixin, LibraryMediaMixin, AnonymiseJobsMixin,
          SessionsMixin, SessionAnswersMixin, SessionParticipantsMixin, IntervisionMixin, LoginsMixin,
          KernelAccessMixin):
    """Façade over one database. Cheap to create; share one per process."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def transaction(self, *, readonly: bool = False) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception.

        The only place in the kit that commits or rolls back. On SQLite a unit of
        work takes the write lock when it starts (see ``database._sqlite_begin``);
        ``readonly=True`` marks one that only reads (frequent polls), which then
        never waits for writers.
        """
        session = self._sessions()
        try:
            if readonly:  # connects now: inside the try, so a dead database is DatabaseUnavailable
                session.connection(execution_options={database.READONLY: True})
            yield session
            session.commit()
        except IntegrityError as exc:
            # Usually two people doing the same thing at the same moment (the
            # verbs check uniqueness first); the database's rule wins.
            session.rollback()
            raise Conflict("Dit botst met gegevens die net zijn opgeslagen; er is niets gewijzigd. "
                           "Probeer het opnieuw.") from exc
        except DBAPIError as exc:
            session.rollback()
            if exc.connection_invalidated or isinstance(exc.orig, OSError):
                raise DatabaseUnavailable("De verbinding met de database is verbroken.") from exc
            # A refused (re)connect is not flagged as a disconnect: ask the database itself.
            database.check_connection(self.engine)  # raises DatabaseUnavailable if it is gone
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def audit(self, session: Session, actor: Actor, action: str, target: str = "", **details) -> None:
        """Add an audit entry inside the caller's transaction."""
        session.add(m.AuditEntry(actor_id=actor.id, action=action, target=target, details=details))

    # -- shared look-ups ----------------------------------------------------------------

    @staticmethod
    def _person(session: Session, username: str) -> m.Person:
        person = session.scalar(select(m.Person).where(m.Person.username == username))
        if person is None:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        return person

    @staticmethod
    def _readable_person_id(session: Session, actor: Actor, action: str, username: str) -> int:
        """The id of ``username`` after ``require(actor, action, id)``: the permission is checked
        before existence, so an unknown name and somebody else's look the same to a cursist."""
        person_id = session.scalar(select(m.Person.id).where(m.Person.username == username))
        require(actor, action, person_id)
        if person_id is None:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        return person_id

    @staticmethod
    def _group(session: Session, name: str) -> m.Group:
        group = session.scalar(select(m.Group).where(m.Group.name == name))
        if group is None:
            raise NotFound(f"Groep {name!r} bestaat niet.")
        return group

    @staticmethod
    def _case_and_scale(s: Session, case_code: str, scale_code: str) -> tuple[m.Case, m.Scale]:
        case = s.scalar(select(m.Case).where(m.Case.code == case_code))
        if case is None:
            raise NotFound(f"Casus {case_code!r} bestaat niet.")
        scale = s.scalar(
            select(m.Scale).where(m.Scale.code == scale_code).order_by(m.Scale.version.desc()).limit(1)
        )
        if scale is None:
            raise NotFound(f"Schaal {scale_code!r} bestaat niet.")
        return case, scale

    @staticmethod
    def _programme_id(s: Session, programme_code: str | None, *, optional: bool = False) -> int | None:
        """The id of a programme by code, or :class:`NotFound`; ``optional``: no code gives ``None``."""
        if optional and not programme_code:
            return None
        programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
        if programme_id is None:
            raise NotFound(f"Programma {programme_code!r} bestaat niet.")
        return programme_id

    @staticmethod
    def _check_score(scale: m.Scale, score: Any) -> int:
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValidationError(f"Een score is een geheel getal van {scale.min_score} tot {scale.max_score}.")
        if not scale.min_score <= score <= scale.max_score:
            raise ValidationError(f"Een score ligt tussen {scale.min_score} en {scale.max_score}.")
        return score

    # -- audit ----------------------------------------------------------------------------

    def list_audit_entries(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        require(actor, "view_audit_log")
        with self.transaction(readonly=True) as s:
            rows = s.execute(
                select(m.AuditEntry, m.Person.username)
                .outerjoin(m.Person, m.Person.id == m.AuditEntry.actor_id)
                .order_by(m.AuditEntry.id.desc())
                .limit(limit)
            )
            return [
                {"at": e.at, "actor": u or "systeem", "action": e.action, "target": e.target,
                 "details": e.details}
                for e, u in rows
            ]
