"""What every feature service shares: one database, its unit of work, the audit log and the
private look-ups.

:class:`Store` owns the engine and :meth:`Store.transaction`, the only place in the kit that
commits or rolls back. A feature service (:class:`Service`) is built over a store and gets its
transactions, audit entries and look-ups through it; it takes the other services it needs in its
constructor instead of calling them through ``self``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, DatabaseUnavailable, NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import database
from . import models as m

__all__ = ["Store", "Service"]


def rowcount(result: Any) -> int:
    """The rows an ``UPDATE`` or ``DELETE`` changed (``Session.execute`` is typed as returning a plain
    ``Result``; for these statements it is a ``CursorResult``, which has ``rowcount``)."""
    return result.rowcount or 0


class _Lookups:
    """Private look-ups inside a caller's transaction (static: they need only the session)."""

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

    # -- look-ups several features share (no feature reaches another through self) ----------

    @staticmethod
    def _programme(s: Session, programme_code: str) -> m.Programme:
        programme = s.scalar(select(m.Programme).where(m.Programme.code == programme_code))
        if programme is None:
            raise NotFound(f"Programma {programme_code!r} bestaat niet.")
        return programme

    @staticmethod
    def _supervised_case_count(s: Session, person_id: int, programme_id: int) -> int:
        """Cases carried out and discussed: the supervised cases plus the path's ``cases`` records
        (one pool, ``oefenkit.requirements``)."""
        supervised = s.scalar(select(func.count()).select_from(m.SupervisedCase).where(
            m.SupervisedCase.person_id == person_id, m.SupervisedCase.programme_id == programme_id)) or 0
        recorded = s.scalar(select(func.count()).select_from(m.RequirementRecord).where(
            m.RequirementRecord.person_id == person_id, m.RequirementRecord.programme_id == programme_id,
            m.RequirementRecord.kind == "cases")) or 0
        return supervised + recorded

    @staticmethod
    def _newest_scales(s: Session) -> dict[str, m.Scale]:
        newest: dict[str, m.Scale] = {}
        for scale in s.scalars(select(m.Scale).order_by(m.Scale.code, m.Scale.version)):
            newest[scale.code] = scale
        return newest

    @staticmethod
    def _expert_judgements(s: Session, case_id: int) -> dict[str, list[tuple[str, int, str]]]:
        """scale code → [(expert display name, score, rationale)] of one case (newest scale version wins)."""
        per: dict[str, dict[str, tuple[str, int, str]]] = {}
        for es, username, name, scale_code in s.execute(
            select(m.ExpertScore, m.Person.username, m.Person.display_name, m.Scale.code)
            .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
            .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
            .where(m.ExpertScore.case_id == case_id)
            .order_by(m.Scale.code, m.Person.username, m.Scale.version)
        ):
            per.setdefault(scale_code, {})[username] = (name, es.score, es.rationale)
        return {code: list(by_expert.values()) for code, by_expert in per.items()}

    @staticmethod
    def _submitted(s: Session, actor: Actor, submission_id: str | None) -> list[int]:
        """Ids of the ratings ``actor`` already stored under ``submission_id`` (empty without an id)."""
        if submission_id is None:
            return []
        return list(s.scalars(select(m.Rating.id).where(
            m.Rating.rater_id == actor.id, m.Rating.submission_id == submission_id).order_by(m.Rating.id)))

    @classmethod
    def _expert_score_slot(cls, s: Session, actor: Actor, case_code: str, scale_code: str, score: Any,
                           expert_username: str | None):
        """Case, newest scale version, checked score, expert, and that expert's existing row (or None)."""
        case, scale = cls._case_and_scale(s, case_code, scale_code)
        score = cls._check_score(scale, score)
        expert = cls._person(s, expert_username or actor.username)
        row = s.scalar(select(m.ExpertScore).where(
            m.ExpertScore.expert_id == expert.id, m.ExpertScore.case_id == case.id,
            m.ExpertScore.scale_id == scale.id))
        return case, scale, score, expert, row


class Store(_Lookups):
    """One database: the engine and its unit of work. Cheap to create; share one per process."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

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


class Service(_Lookups):
    """A feature service over a :class:`Store`: its verbs run in the store's transactions."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine

    def transaction(self, *, readonly: bool = False) -> Any:
        """The store's unit of work (:meth:`Store.transaction`)."""
        return self.store.transaction(readonly=readonly)

    def audit(self, session: Session, actor: Actor, action: str, target: str = "", **details) -> None:
        self.store.audit(session, actor, action, target, **details)
