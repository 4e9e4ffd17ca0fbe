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
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import AlreadyExists, AuthenticationError, Conflict, DatabaseUnavailable, NotFound, ValidationError
from ..identity import (
    SYSTEM,
    Actor,
    hash_password,
    role_from_hub_groups,
    normalise_role,
    validate_username,
    verify_password,
)
from ..permissions import can, require
from . import database
from . import exams as ex
from . import models as m

__all__ = ["Kit", "GroupInfo", "RatingInfo", "ScaleInfo", "CaseInfo"]


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    programme_code: str | None
    member_usernames: tuple[str, ...]


@dataclass(frozen=True)
class ScaleInfo:
    id: int
    code: str
    version: int
    name: str
    min_score: int
    max_score: int
    definition: dict[str, Any]


@dataclass(frozen=True)
class RatingInfo:
    id: int
    rater_username: str
    case_code: str
    scale_code: str
    score: int
    note: str
    mode: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class ExpertScoreInfo:
    expert_username: str
    case_code: str
    scale_code: str
    score: int
    rationale: str


@dataclass(frozen=True)
class CaseInfo:
    """A case as listed: its sets (codes, in set order) and, for staff, its expert scores."""

    id: int
    code: str
    title: str
    programme_code: str | None
    clip_path: str | None
    synthetic: bool
    vignette: str
    details: dict[str, Any]
    set_codes: tuple[str, ...]
    expert_scores: tuple[ExpertScoreInfo, ...] = ()


#: Keys of ``Case.details`` that explain the expert consensus: shown only to
#: people who may read expert scores (master scores are never revealed early).
EXPERT_ONLY_DETAILS = ("rationale", "consensus")


def _actor(person: m.Person) -> Actor:
    return Actor(
        id=person.id,
        username=person.username,
        display_name=person.display_name,
        role=person.role,
        group_ids=frozenset(ms.group_id for ms in person.memberships),
    )


class Kit:
    """Façade over one database. Cheap to create; share one per process."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # -- transactions -----------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on any exception.

        The only place in the kit that commits or rolls back.
        """
        session = self._sessions()
        try:
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

    # -- people -------------------------------------------------------------------------

    @staticmethod
    def _person(session: Session, username: str) -> m.Person:
        person = session.scalar(select(m.Person).where(m.Person.username == username))
        if person is None:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        return person

    def add_person(
        self,
        actor: Actor,
        username: str,
        *,
        role: str = "cursist",
        display_name: str | None = None,
        password: str | None = None,
        groups: Sequence[str] = (),
    ) -> Actor:
        """Create an account, optionally in ``groups``. Only a coördinator (or the CLI) may.

        Account and memberships are one transaction: an unknown group leaves no account behind.
        """
        require(actor, "manage_people")
        if groups:
            require(actor, "manage_groups")
        username = validate_username(username)
        role = normalise_role(role)
        display_name = (display_name or username).strip()
        if not display_name or len(display_name) > 200:
            raise ValidationError("Een naam heeft 1 tot 200 tekens.")
        password_hash = hash_password(password) if password is not None else None
        with self.transaction() as s:
            if s.scalar(select(m.Person.id).where(m.Person.username == username)) is not None:
                raise AlreadyExists(f"Gebruiker {username!r} bestaat al.")
            person = m.Person(
                username=username, display_name=display_name, role=role, password_hash=password_hash
            )
            s.add(person)
            s.flush()
            self.audit(s, actor, "person.add", username, role=role)
            for group_name in dict.fromkeys(groups):
                group = s.scalar(select(m.Group).where(m.Group.name == group_name))
                if group is None:
                    raise NotFound(f"Groep {group_name!r} bestaat niet.")
                person.memberships.append(m.GroupMembership(group=group))
                self.audit(s, actor, "group.add_member", group_name, username=username)
            s.flush()
            return _actor(person)

    def find_person(self, username: str) -> Actor:
        """An active person by user name (for identity, not for listing)."""
        with self.transaction() as s:
            person = self._person(s, username)
            if not person.active:
                raise NotFound(f"Gebruiker {username!r} is gedeactiveerd.")
            return _actor(person)

    def list_people(self, actor: Actor, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        require(actor, "view_people")
        with self.transaction() as s:
            query = select(m.Person).order_by(m.Person.username)
            if not include_inactive:
                query = query.where(m.Person.active.is_(True))
            return [
                {
                    "username": p.username,
                    "display_name": p.display_name,
                    "role": p.role,
                    "active": p.active,
                    "groups": sorted(ms.group.name for ms in p.memberships),
                }
                for p in s.scalars(query)
            ]

    def update_person_role(self, actor: Actor, username: str, role: str) -> Actor:
        require(actor, "manage_people")
        role = normalise_role(role)
        with self.transaction() as s:
            person = self._person(s, username)
            old = person.role
            person.role = role
            self.audit(s, actor, "person.set_role", username, old=old, new=role)
            return _actor(person)

    def update_person_password(self, actor: Actor, username: str, password: str) -> None:
        """Set a password: a coördinator for anyone, anybody for themselves."""
        if actor.username != username:
            require(actor, "manage_people")
        password_hash = hash_password(password)
        with self.transaction() as s:
            self._person(s, username).password_hash = password_hash
            self.audit(s, actor, "person.set_password", username)

    def remove_person(self, actor: Actor, username: str) -> None:
        """Deactivate an account; ratings stay (deletion per person is a separate AVG action)."""
        require(actor, "manage_people")
        with self.transaction() as s:
            self._person(s, username).active = False
            self.audit(s, actor, "person.deactivate", username)

    def authenticate(self, username: str, password: str) -> Actor:
        """The person for a correct user name and password, else :class:`AuthenticationError`."""
        failure = AuthenticationError("Onbekende gebruikersnaam of onjuist wachtwoord.")
        try:
            username = validate_username(username)
        except ValidationError:
            raise failure from None
        with self.transaction() as s:
            person = s.scalar(select(m.Person).where(m.Person.username == username))
            # Always run the password check, so an unknown name costs as much time as a wrong password.
            matches = verify_password(person.password_hash if person else None, password)
            if person is None or not person.active or not matches:
                raise failure
            return _actor(person)

    def update_or_create_hub_person(self, username: str, hub_groups: list[str]) -> Actor:
        """The person for a JupyterHub user; the role follows the hub groups at every start."""
        username = validate_username(username)
        role = role_from_hub_groups(hub_groups)
        with self.transaction() as s:
            person = s.scalar(select(m.Person).where(m.Person.username == username))
            if person is None:
                person = m.Person(username=username, display_name=username, role=role)
                s.add(person)
                s.flush()
                self.audit(s, SYSTEM, "person.add", username, role=role, source="jupyterhub")
            elif not person.active:
                raise NotFound(f"Gebruiker {username!r} is gedeactiveerd.")
            elif person.role != role:
                self.audit(s, SYSTEM, "person.set_role", username, old=person.role, new=role,
                           source="jupyterhub")
                person.role = role
            return _actor(person)

    def count_people(self, role: str | None = None) -> int:
        with self.transaction() as s:
            query = select(func.count()).select_from(m.Person).where(m.Person.active.is_(True))
            if role:
                query = query.where(m.Person.role == normalise_role(role))
            return s.scalar(query) or 0

    # -- programmes and groups ----------------------------------------------------------

    def update_or_create_programme(self, code: str, name: str, description: str = "") -> bool:
        """Load a programme from content; returns True when something changed."""
        with self.transaction() as s:
            prog = s.scalar(select(m.Programme).where(m.Programme.code == code))
            if prog is None:
                s.add(m.Programme(code=code, name=name, description=description))
                return True
            if (prog.name, prog.description) == (name, description):
                return False
            prog.name, prog.description = name, description
            return True

    def list_programmes(self) -> list[dict[str, str]]:
        with self.transaction() as s:
            return [
                {"code": p.code, "name": p.name, "description": p.description}
                for p in s.scalars(select(m.Programme).order_by(m.Programme.code))
            ]

    def add_group(self, actor: Actor, name: str, programme_code: str | None = None) -> GroupInfo:
        require(actor, "manage_groups")
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise ValidationError("Een groepsnaam heeft 1 tot 200 tekens.")
        with self.transaction() as s:
            if s.scalar(select(m.Group.id).where(m.Group.name == name)) is not None:
                raise AlreadyExists(f"Groep {name!r} bestaat al.")
            programme_id = None
            if programme_code:
                programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
                if programme_id is None:
                    raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            group = m.Group(name=name, programme_id=programme_id)
            s.add(group)
            s.flush()
            self.audit(s, actor, "group.add", name)
            return GroupInfo(group.id, name, programme_code, ())

    def update_or_create_group(self, actor: Actor, name: str, programme_code: str | None = None) -> bool:
        """Make sure a group exists (content loading); True when it was created."""
        try:
            self.add_group(actor, name, programme_code)
        except AlreadyExists:
            return False
        return True

    def add_group_member(self, actor: Actor, group_name: str, username: str) -> None:
        require(actor, "manage_groups")
        with self.transaction() as s:
            group = s.scalar(select(m.Group).where(m.Group.name == group_name))
            if group is None:
                raise NotFound(f"Groep {group_name!r} bestaat niet.")
            person = self._person(s, username)
            if s.get(m.GroupMembership, (group.id, person.id)) is None:
                s.add(m.GroupMembership(group_id=group.id, person_id=person.id))
                self.audit(s, actor, "group.add_member", group_name, username=username)

    def list_groups(self, actor: Actor) -> list[GroupInfo]:
        """Staff see every group; a cursist sees only their own groups."""
        with self.transaction() as s:
            query = select(m.Group).order_by(m.Group.name)
            if actor.role == "cursist":
                query = query.where(m.Group.id.in_(actor.group_ids or {-1}))
            out = []
            for g in s.scalars(query):
                members = tuple(sorted(ms.person.username for ms in g.memberships))
                if actor.role == "cursist":
                    members = ()  # a cursist does not get the member list
                out.append(GroupInfo(g.id, g.name, g.programme.code if g.programme else None, members))
            return out

    # -- scales and cases ----------------------------------------------------------------

    def update_or_create_scale(
        self, code: str, version: int, name: str, definition: dict[str, Any],
        min_score: int = 1, max_score: int = 9,
    ) -> bool:
        """Load one version of a scale definition; True when something changed."""
        with self.transaction() as s:
            scale = s.scalar(select(m.Scale).where(m.Scale.code == code, m.Scale.version == version))
            values = {"name": name, "definition": definition, "min_score": min_score, "max_score": max_score}
            if scale is None:
                s.add(m.Scale(code=code, version=version, **values))
                return True
            if all(getattr(scale, k) == v for k, v in values.items()):
                return False
            for k, v in values.items():
                setattr(scale, k, v)
            return True

    def find_scale(self, code: str, version: int | None = None) -> ScaleInfo:
        """A scale by code; the newest version unless ``version`` is given."""
        with self.transaction() as s:
            query = select(m.Scale).where(m.Scale.code == code)
            if version is not None:
                query = query.where(m.Scale.version == version)
            scale = s.scalar(query.order_by(m.Scale.version.desc()).limit(1))
            if scale is None:
                raise NotFound(f"Schaal {code!r} bestaat niet.")
            return ScaleInfo(scale.id, scale.code, scale.version, scale.name,
                             scale.min_score, scale.max_score, scale.definition)

    def list_scales(self) -> list[ScaleInfo]:
        with self.transaction() as s:
            return [
                ScaleInfo(sc.id, sc.code, sc.version, sc.name, sc.min_score, sc.max_score, sc.definition)
                for sc in s.scalars(select(m.Scale).order_by(m.Scale.code, m.Scale.version))
            ]

    def add_case(
        self, actor: Actor, code: str, title: str, *, programme_code: str | None = None,
        vignette: str = "", details: dict[str, Any] | None = None, synthetic: bool = False,
        clip_path: str | None = None,
    ) -> int:
        require(actor, "manage_cases")
        with self.transaction() as s:
            if s.scalar(select(m.Case.id).where(m.Case.code == code)) is not None:
                raise AlreadyExists(f"Casus {code!r} bestaat al.")
            programme_id = None
            if programme_code:
                programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
                if programme_id is None:
                    raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            case = m.Case(code=code, title=title, programme_id=programme_id, vignette=vignette,
                          details=details or {}, synthetic=synthetic, clip_path=clip_path)
            s.add(case)
            s.flush()
            self.audit(s, actor, "case.add", code)
            return case.id

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
    def _check_score(scale: m.Scale, score: Any) -> int:
        if isinstance(score, bool) or not isinstance(score, int):
            raise ValidationError(f"Een score is een geheel getal van {scale.min_score} tot {scale.max_score}.")
        if not scale.min_score <= score <= scale.max_score:
            raise ValidationError(f"Een score ligt tussen {scale.min_score} en {scale.max_score}.")
        return score

    # -- expert scores ---------------------------------------------------------------------

    def add_expert_score(
        self, actor: Actor, case_code: str, scale_code: str, score: int, rationale: str = "",
        *, expert_username: str | None = None,
    ) -> None:
        """Record a master score (by the actor, or by a named expert when the actor is staff)."""
        require(actor, "write_expert_scores")
        with self.transaction() as s:
            case, scale, score, expert, row = self._expert_score_slot(
                s, actor, case_code, scale_code, score, expert_username)
            if row is not None:
                raise AlreadyExists("Deze expert heeft deze casus op deze schaal al gescoord.")
            s.add(m.ExpertScore(expert_id=expert.id, case_id=case.id, scale_id=scale.id,
                                score=score, rationale=rationale))
            self.audit(s, actor, "expert_score.add", case_code, scale=scale_code, expert=expert.username)

    def _expert_score_slot(self, s: Session, actor: Actor, case_code: str, scale_code: str, score: Any,
                           expert_username: str | None):
        """Case, newest scale version, checked score, expert, and that expert's existing row (or None)."""
        case, scale = self._case_and_scale(s, case_code, scale_code)
        score = self._check_score(scale, score)
        expert = self._person(s, expert_username or actor.username)
        row = s.scalar(select(m.ExpertScore).where(
            m.ExpertScore.expert_id == expert.id, m.ExpertScore.case_id == case.id,
            m.ExpertScore.scale_id == scale.id))
        return case, scale, score, expert, row

    def list_expert_scores(self, actor: Actor, case_code: str) -> list[ExpertScoreInfo]:
        require(actor, "read_expert_scores")
        with self.transaction() as s:
            rows = s.execute(
                select(m.ExpertScore, m.Person.username, m.Scale.code)
                .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                .where(m.Case.code == case_code)
                .order_by(m.Scale.code, m.Person.username)
            )
            return [ExpertScoreInfo(u, case_code, sc, es.score, es.rationale) for es, u, sc in rows]

    # -- ratings ---------------------------------------------------------------------------

    def add_ratings(
        self, actor: Actor, case_code: str, scores: dict[str, int], *, note: str = "",
        mode: str = "practice",
    ) -> list[int]:
        """Store one person's scores of one case on one or more scales, all or nothing."""
        require(actor, "write_rating_for", actor.id)
        if mode not in m.RATING_MODES:
            raise ValidationError(f"Onbekende beoordelingsvorm {mode!r}.")
        if not scores:
            raise ValidationError("Geef minstens één score.")
        if len(note) > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        with self.transaction() as s:
            ids = []
            for scale_code, score in scores.items():
                case, scale = self._case_and_scale(s, case_code, scale_code)
                rating = m.Rating(rater_id=actor.id, case_id=case.id, scale_id=scale.id,
                                  score=self._check_score(scale, score), note=note, mode=mode)
                s.add(rating)
                s.flush()
                ids.append(rating.id)
            return ids

    def list_ratings(
        self, actor: Actor, *, rater_username: str | None = None, case_code: str | None = None,
    ) -> list[RatingInfo]:
        """Ratings, filtered. A cursist gets only their own, whatever filter is asked."""
        with self.transaction() as s:
            query = (
                select(m.Rating, m.Person.username, m.Case.code, m.Scale.code)
                .join(m.Person, m.Person.id == m.Rating.rater_id)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .order_by(m.Rating.created_at, m.Rating.id)
            )
            if rater_username is not None:
                rater_id = s.scalar(select(m.Person.id).where(m.Person.username == rater_username))
                # Check before NotFound, so a cursist cannot probe which user names exist.
                require(actor, "read_ratings_of", rater_id)
                if rater_id is None:
                    raise NotFound(f"Gebruiker {rater_username!r} bestaat niet.")
                query = query.where(m.Rating.rater_id == rater_id)
            else:
                require(actor, "read_ratings_of", None)  # all raters: staff only
            if case_code is not None:
                query = query.where(m.Case.code == case_code)
            return [
                RatingInfo(r.id, u, c, sc, r.score, r.note, r.mode, r.created_at, r.updated_at)
                for r, u, c, sc in s.execute(query)
            ]

    def exam_scores(self, actor: Actor, username: str, case_set_code: str) -> dict[str, dict[str, int]]:
        """A person's exam scores on the cases of a set: scale code → {case code → score}.

        When a case was scored more than once, the latest rating counts.
        """
        with self.transaction() as s:
            rater_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "read_ratings_of", rater_id)
            if rater_id is None:
                raise NotFound(f"Gebruiker {username!r} bestaat niet.")
            case_ids = self._set_case_ids(s, case_set_code)
            rows = s.execute(
                select(m.Scale.code, m.Case.code, m.Rating.score)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .where(m.Rating.rater_id == rater_id, m.Rating.mode == "exam", m.Rating.case_id.in_(case_ids))
                .order_by(m.Rating.updated_at, m.Rating.id)
            )
            out: dict[str, dict[str, int]] = {}
            for scale_code, case_code, score in rows:
                out.setdefault(scale_code, {})[case_code] = score
            return out

    def expert_scores_of_set(self, actor: Actor, case_set_code: str) -> dict[str, list[tuple[str, str, int]]]:
        """Expert scores of every case in a set: scale code → [(expert, case code, score)]."""
        require(actor, "read_expert_scores")
        with self.transaction() as s:
            case_ids = self._set_case_ids(s, case_set_code)
            rows = s.execute(
                select(m.Scale.code, m.Person.username, m.Case.code, m.ExpertScore.score)
                .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                .where(m.ExpertScore.case_id.in_(case_ids))
                .order_by(m.Scale.code, m.Case.code, m.Person.username)
            )
            out: dict[str, list[tuple[str, str, int]]] = {}
            for scale_code, expert, case_code, score in rows:
                out.setdefault(scale_code, []).append((expert, case_code, score))
            return out

    @staticmethod
    def _set_case_ids(s: Session, case_set_code: str) -> list[int]:
        case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == case_set_code))
        if case_set is None:
            raise NotFound(f"Set {case_set_code!r} bestaat niet.")
        return [item.case_id for item in case_set.items]

    def add_case_set(self, actor: Actor, code: str, name: str, kind: str, case_codes: Sequence[str],
                     programme_code: str | None = None) -> int:
        """Create an ordered set of existing cases (practice, exam, session or intervision)."""
        require(actor, "manage_cases")
        if kind not in m.SET_KINDS:
            raise ValidationError(f"Onbekend soort set {kind!r}.")
        with self.transaction() as s:
            if s.scalar(select(m.CaseSet.id).where(m.CaseSet.code == code)) is not None:
                raise AlreadyExists(f"Set {code!r} bestaat al.")
            programme_id = None
            if programme_code:
                programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
                if programme_id is None:
                    raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            case_set = m.CaseSet(code=code, name=name, kind=kind, programme_id=programme_id)
            for position, case_code in enumerate(dict.fromkeys(case_codes)):
                case_id = s.scalar(select(m.Case.id).where(m.Case.code == case_code))
                if case_id is None:
                    raise NotFound(f"Casus {case_code!r} bestaat niet.")
                case_set.items.append(m.CaseSetItem(case_id=case_id, position=position))
            s.add(case_set)
            s.flush()
            self.audit(s, actor, "case_set.add", code, kind=kind, cases=len(case_set.items))
            return case_set.id

    # == sample cases: idempotent loading and listing ==================================
    # Used by ``oefenkit init`` (``oefenkit.content.load_into``) and ``oefenkit cases list``.
    # Each verb is one transaction and returns True only when it changed something (with
    # an audit entry), so loading the same content twice changes no row at all.

    def update_or_create_expert(self, actor: Actor, username: str, display_name: str) -> bool:
        """Make sure an expert (master rater) account exists; True when it was created.

        A new expert is a trainer *without a password*, so the account cannot log
        in. An existing account is left exactly as it is: a coördinator may have
        renamed it, given it a password or deactivated it.
        """
        require(actor, "manage_people")
        username = validate_username(username)
        display_name = (display_name or "").strip()
        if not display_name or len(display_name) > 200:
            raise ValidationError("Een naam heeft 1 tot 200 tekens.")
        with self.transaction() as s:
            if s.scalar(select(m.Person.id).where(m.Person.username == username)) is not None:
                return False
            s.add(m.Person(username=username, display_name=display_name, role="trainer", password_hash=None))
            s.flush()
            self.audit(s, actor, "person.add", username, role="trainer", source="expert")
            return True

    def update_or_create_case(
        self, actor: Actor, code: str, title: str, *, programme_code: str | None = None,
        vignette: str = "", details: dict[str, Any] | None = None, synthetic: bool = False,
        clip_path: str | None = None,
    ) -> bool:
        """Load a case from content; True when it was created or one of its fields changed."""
        require(actor, "manage_cases")
        if not code or len(code) > 64:
            raise ValidationError("Een casuscode heeft 1 tot 64 tekens.")
        if not title.strip() or len(title) > 200:
            raise ValidationError("Een casustitel heeft 1 tot 200 tekens.")
        if clip_path is not None and len(clip_path) > 500:
            raise ValidationError("Het pad naar het fragment is langer dan 500 tekens.")
        with self.transaction() as s:
            programme_id = None
            if programme_code:
                programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
                if programme_id is None:
                    raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            values = {"title": title, "programme_id": programme_id, "vignette": vignette,
                      "details": details or {}, "synthetic": synthetic, "clip_path": clip_path}
            case = s.scalar(select(m.Case).where(m.Case.code == code))
            if case is None:
                s.add(m.Case(code=code, **values))
                self.audit(s, actor, "case.add", code)
                return True
            changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
            if not changed:
                return False
            for k in changed:
                setattr(case, k, values[k])
            self.audit(s, actor, "case.update", code, fields=changed)
            return True

    def update_or_create_expert_score(
        self, actor: Actor, case_code: str, scale_code: str, score: int, rationale: str = "",
        *, expert_username: str | None = None,
    ) -> bool:
        """Load a master score (newest scale version); True when it was created or changed."""
        require(actor, "write_expert_scores")
        with self.transaction() as s:
            case, scale, score, expert, row = self._expert_score_slot(
                s, actor, case_code, scale_code, score, expert_username)
            if row is None:
                s.add(m.ExpertScore(expert_id=expert.id, case_id=case.id, scale_id=scale.id,
                                    score=score, rationale=rationale))
                self.audit(s, actor, "expert_score.add", case_code, scale=scale_code, expert=expert.username)
                return True
            if (row.score, row.rationale) == (score, rationale):
                return False
            old = row.score
            row.score, row.rationale = score, rationale
            self.audit(s, actor, "expert_score.update", case_code, scale=scale_code, expert=expert.username,
                       old=old, new=score)
            return True

    def update_or_create_case_set(
        self, actor: Actor, code: str, name: str, kind: str, case_codes: Sequence[str],
        programme_code: str | None = None,
    ) -> bool:
        """Load a case set with exactly these cases in this order; True when anything changed."""
        require(actor, "manage_cases")
        if kind not in m.SET_KINDS:
            raise ValidationError(f"Onbekend soort set {kind!r}.")
        if not name.strip() or len(name) > 200:
            raise ValidationError("Een setnaam heeft 1 tot 200 tekens.")
        with self.transaction() as s:
            programme_id = None
            if programme_code:
                programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
                if programme_id is None:
                    raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            wanted = []
            for case_code in dict.fromkeys(case_codes):
                case_id = s.scalar(select(m.Case.id).where(m.Case.code == case_code))
                if case_id is None:
                    raise NotFound(f"Casus {case_code!r} bestaat niet.")
                wanted.append(case_id)
            case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == code))
            if case_set is None:
                case_set = m.CaseSet(code=code, name=name, kind=kind, programme_id=programme_id)
                case_set.items = [m.CaseSetItem(case_id=c, position=i) for i, c in enumerate(wanted)]
                s.add(case_set)
                self.audit(s, actor, "case_set.add", code, kind=kind, cases=len(wanted))
                return True
            same_items = [(it.case_id, it.position) for it in case_set.items] == [(c, i) for i, c in enumerate(wanted)]
            if same_items and (case_set.name, case_set.kind, case_set.programme_id) == (name, kind, programme_id):
                return False
            case_set.name, case_set.kind, case_set.programme_id = name, kind, programme_id
            existing = {it.case_id: it for it in case_set.items}
            for case_id, item in existing.items():
                if case_id not in wanted:
                    case_set.items.remove(item)
            s.flush()  # delete dropped items before positions move
            for position, case_id in enumerate(wanted):
                if case_id in existing:
                    existing[case_id].position = position
                else:
                    case_set.items.append(m.CaseSetItem(case_id=case_id, position=position))
            self.audit(s, actor, "case_set.update", code, kind=kind, cases=len(wanted))
            return True

    def list_cases(self, actor: Actor, *, with_expert_scores: bool = False) -> list[CaseInfo]:
        """Every case, ordered by code, with the codes of the sets it is in.

        Anyone may list cases, but the consensus explanation in ``details`` is
        left out for people who may not read expert scores. ``with_expert_scores``
        adds the master scores and requires that permission.
        """
        if with_expert_scores:
            require(actor, "read_expert_scores")
        staff = can(actor, "read_expert_scores")
        with self.transaction() as s:
            sets: dict[int, list[str]] = {}
            for case_id, set_code in s.execute(
                select(m.CaseSetItem.case_id, m.CaseSet.code)
                .join(m.CaseSet, m.CaseSet.id == m.CaseSetItem.set_id)
                .order_by(m.CaseSet.id)
            ):
                sets.setdefault(case_id, []).append(set_code)
            scores: dict[int, dict[tuple[str, str], ExpertScoreInfo]] = {}
            if with_expert_scores:
                rows = s.execute(
                    select(m.ExpertScore, m.Person.username, m.Scale.code, m.Case.code)
                    .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                    .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                    .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                    .order_by(m.Scale.code, m.Person.username, m.Scale.version)
                )
                for es, username, scale_code, case_code in rows:
                    # One score per expert and scale: the newest scale version wins.
                    scores.setdefault(es.case_id, {})[(scale_code, username)] = ExpertScoreInfo(
                        username, case_code, scale_code, es.score, es.rationale)
            out = []
            for case, programme_code in s.execute(
                select(m.Case, m.Programme.code)
                .outerjoin(m.Programme, m.Programme.id == m.Case.programme_id)
                .order_by(m.Case.code)
            ):
                details = dict(case.details or {})
                if not staff:
                    for key in EXPERT_ONLY_DETAILS:
                        details.pop(key, None)
                out.append(CaseInfo(
                    case.id, case.code, case.title, programme_code, case.clip_path, case.synthetic,
                    case.vignette, details, tuple(sets.get(case.id, ())),
                    tuple(scores.get(case.id, {}).values()),
                ))
            return out

    # == end of sample cases ===========================================================

    # -- certification -----------------------------------------------------------------

    def add_certification_decision(
        self, actor: Actor, username: str, programme_code: str, *, passed: bool, reasons: Sequence[str],
        statistics: dict[str, Any], rule: dict[str, Any], kind: str = "proposal", reason: str = "",
        exam_attempt_id: int | None = None,
    ) -> int:
        """Store a certification proposal or decision with the statistics it rests on."""
        require(actor, "decide_certification")
        if kind not in {"proposal", "accepted", "override"}:
            raise ValidationError(f"Onbekend soort besluit {kind!r}.")
        if kind == "override" and not reason.strip():
            raise ValidationError("Geef een reden als je afwijkt van het voorstel.")
        with self.transaction() as s:
            person = self._person(s, username)
            programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
            if programme_id is None:
                raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            row = m.CertificationDecision(
                person_id=person.id, programme_id=programme_id, exam_attempt_id=exam_attempt_id, kind=kind,
                passed=passed, reasons=list(reasons), statistics=statistics, rule=rule,
                decided_by_id=actor.id, reason=reason,
            )
            s.add(row)
            s.flush()
            self.audit(s, actor, f"certification.{kind}", username, programme=programme_code, passed=passed)
            return row.id

    def list_certification_decisions(self, actor: Actor, username: str) -> list[dict[str, Any]]:
        """A person's certification decisions, newest first."""
        with self.transaction() as s:
            person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "read_certification_of", person_id)
            if person_id is None:
                raise NotFound(f"Gebruiker {username!r} bestaat niet.")
            rows = s.execute(
                select(m.CertificationDecision, m.Programme.code)
                .join(m.Programme, m.Programme.id == m.CertificationDecision.programme_id)
                .where(m.CertificationDecision.person_id == person_id)
                .order_by(m.CertificationDecision.id.desc())
            )
            return [
                {"id": d.id, "programme": code, "kind": d.kind, "passed": d.passed, "reasons": list(d.reasons),
                 "statistics": d.statistics, "rule": d.rule, "reason": d.reason, "decided_at": d.decided_at}
                for d, code in rows
            ]

    # -- audit ----------------------------------------------------------------------------

    def list_audit_entries(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        require(actor, "view_audit_log")
        with self.transaction() as s:
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

    # -- course modules -------------------------------------------------------------------
    # A person's place in each course module (page, answers, completed). Everyone reads and
    # writes only their own progress; staff may read anyone's (``read_progress_of``).
    # What the progress means (status, check score) is decided in ``oefenkit.modules``.

    _MAX_ANSWERS_CHARS = 100_000

    @staticmethod
    def _progress_info(row: m.ModuleProgress, username: str):
        from ..modules import ModuleProgressInfo

        def utc(moment: dt.datetime | None) -> dt.datetime | None:  # SQLite gives naive UTC values back
            return moment.replace(tzinfo=dt.timezone.utc) if moment is not None and moment.tzinfo is None else moment

        return ModuleProgressInfo(username, row.module_code, row.page, dict(row.answers or {}),
                                  utc(row.completed_at), utc(row.updated_at))

    def _progress_person(self, s: Session, actor: Actor, username: str | None) -> tuple[int, str]:
        if username is None or username == actor.username:
            require(actor, "read_progress_of", actor.id)
            return actor.id, actor.username
        person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
        require(actor, "read_progress_of", person_id)  # before NotFound: no probing of user names
        if person_id is None:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        return person_id, username

    def find_module_progress(self, actor: Actor, module_code: str, *, username: str | None = None):
        """The progress of ``username`` (default: the actor) in one module, or :class:`NotFound`."""
        with self.transaction() as s:
            person_id, name = self._progress_person(s, actor, username)
            row = s.scalar(select(m.ModuleProgress).where(m.ModuleProgress.person_id == person_id,
                                                          m.ModuleProgress.module_code == module_code))
            if row is None:
                raise NotFound(f"Module {module_code!r} is nog niet begonnen.")
            return self._progress_info(row, name)

    def list_module_progress(self, actor: Actor, *, username: str | None = None) -> list:
        """Every module ``username`` (default: the actor) has started, by module code."""
        with self.transaction() as s:
            person_id, name = self._progress_person(s, actor, username)
            rows = s.scalars(select(m.ModuleProgress).where(m.ModuleProgress.person_id == person_id)
                             .order_by(m.ModuleProgress.module_code))
            return [self._progress_info(r, name) for r in rows]

    def update_module_progress(
        self, actor: Actor, module_code: str, *, page: int | None = None, answers: dict[str, Any] | None = None,
        completed: bool | None = None,
    ):
        """Store the actor's own progress in one module (created on first use), in one transaction.

        ``page`` is the page the person is on; ``answers`` replaces the stored answers
        document; ``completed=True`` marks the module completed (the first time only;
        ``False`` marks it open again). Arguments left ``None`` keep their stored value.
        """
        import json

        require(actor, "write_progress_for", actor.id)
        if not isinstance(module_code, str) or not 0 < len(module_code) <= 64:
            raise ValidationError("Onbekende module.")
        if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 0):
            raise ValidationError("Het paginanummer moet een geheel getal van 0 of hoger zijn.")
        if answers is not None:
            if not isinstance(answers, dict):
                raise ValidationError("De antwoorden konden niet worden opgeslagen.")
            try:
                size = len(json.dumps(answers))
            except (TypeError, ValueError) as exc:
                raise ValidationError("De antwoorden konden niet worden opgeslagen.") from exc
            if size > self._MAX_ANSWERS_CHARS:
                raise ValidationError("Je antwoorden zijn te lang om op te slaan; maak ze korter.")
        with self.transaction() as s:
            row = s.scalar(select(m.ModuleProgress).where(m.ModuleProgress.person_id == actor.id,
                                                          m.ModuleProgress.module_code == module_code))
            if row is None:
                row = m.ModuleProgress(person_id=actor.id, module_code=module_code, page=0, answers={})
                s.add(row)
            if page is not None:
                row.page = page
            if answers is not None:
                row.answers = dict(answers)
            if completed is True and row.completed_at is None:
                row.completed_at = m.utcnow()
            elif completed is False:
                row.completed_at = None
            s.flush()
            return self._progress_info(row, actor.username)

    # -- practice and media --------------------------------------------------------------
    # The practice app (``widgets.pages.practice_page``) and the clip route
    # (``oefenkit/server/media.py``). Expert scores reach a cursist only through
    # these verbs, only for cases of a practice set that is not also an exam
    # set, and only after the cursist stored their own rating of that case.

    #: Directories a clip may be served from (resolved). Empty: the shipped
    #: ``sample_cases/clips``. A clip path outside every root is never served.
    clip_roots: tuple = ()

    def _allowed_clip_roots(self) -> tuple:
        from pathlib import Path

        from ..settings import PROJECT_ROOT

        roots = self.clip_roots or (PROJECT_ROOT / "sample_cases" / "clips",)
        return tuple(Path(r).resolve() for r in roots)

    @staticmethod
    def _cases_of_kind(s: Session, *kinds: str) -> dict[int, str]:
        """case id → code of the first set (by set id) of one of ``kinds`` that holds it."""
        out: dict[int, str] = {}
        for case_id, set_code in s.execute(
            select(m.CaseSetItem.case_id, m.CaseSet.code)
            .join(m.CaseSet, m.CaseSet.id == m.CaseSetItem.set_id)
            .where(m.CaseSet.kind.in_(kinds))
            .order_by(m.CaseSet.id, m.CaseSetItem.position)
        ):
            out.setdefault(case_id, set_code)
        return out

    def _practice_case_ids(self, s: Session) -> dict[int, str]:
        """Cases that give feedback: in a practice set and in no exam set."""
        practice = self._cases_of_kind(s, "practice")
        exam = self._cases_of_kind(s, "exam")
        return {case_id: code for case_id, code in practice.items() if case_id not in exam}

    def find_clip(self, actor: Actor, case_code: str, *, subtitles: bool = False):
        """The clip (``.mp4``) or its Dutch subtitles (``.vtt``) of a case, as a path, if ``actor`` may play it.

        Staff may play every clip. A cursist may play the clips of practice and
        session sets, and an exam clip only when one of their own exam attempts
        holds that case (``ExamAttempt.case_order``). Otherwise
        :class:`PermissionDenied`; an unknown case, a case without clip or a
        missing file is :class:`NotFound`, and so is a path outside the clip
        directories (:attr:`clip_roots`).
        """
        from pathlib import Path

        from ..errors import PermissionDenied

        if actor is None or (actor.id is None and not can(actor, "view_all_clips")):
            require(None, "view_all_clips")
        with self.transaction() as s:
            case = s.scalar(select(m.Case).where(m.Case.code == case_code))
            if case is None:
                raise NotFound(f"Casus {case_code!r} bestaat niet.")
            if not can(actor, "view_all_clips"):
                open_sets = self._cases_of_kind(s, "practice", "session")
                allowed = case.id in open_sets
                if not allowed:
                    orders = s.scalars(select(m.ExamAttempt.case_order)
                                       .where(m.ExamAttempt.person_id == actor.id))
                    allowed = any(case.code in (order or ()) for order in orders)
                if not allowed:
                    raise PermissionDenied("Dit fragment is niet voor jou beschikbaar.")
            clip_path = case.clip_path
        if not clip_path:
            raise NotFound("Bij deze casus hoort geen fragment.")
        path = Path(clip_path)
        if subtitles:
            path = path.with_suffix(".vtt")
        path = path.resolve()
        if path.suffix != (".vtt" if subtitles else ".mp4") or not any(
                path.is_relative_to(root) for root in self._allowed_clip_roots()):
            raise NotFound("Dit fragment is niet gevonden.")
        if not path.is_file():
            raise NotFound("Het ondertitelbestand is niet gevonden." if subtitles
                           else "Het videobestand is niet gevonden.")
        return path

    @staticmethod
    def _latest_practice(s: Session, person_id: int, case_ids) -> dict[int, tuple[int, dict[str, int]]]:
        """case id → (number of attempts, scores of the latest attempt) of one person's practice ratings."""
        from ..practice import group_attempts

        rows = s.execute(
            select(m.Rating.id, m.Rating.case_id, m.Scale.code, m.Rating.created_at, m.Rating.score)
            .join(m.Scale, m.Scale.id == m.Rating.scale_id)
            .where(m.Rating.rater_id == person_id, m.Rating.mode == "practice",
                   m.Rating.case_id.in_(list(case_ids) or [-1]))
            .order_by(m.Rating.created_at, m.Rating.id)
        ).all()
        out: dict[int, tuple[int, dict[str, int]]] = {}
        for group in group_attempts([tuple(r) for r in rows]):
            case_id = group[0][1]
            count = out.get(case_id, (0, {}))[0]
            out[case_id] = (count + 1, {r[2]: r[4] for r in group})
        return out

    def practice_overview(self, actor: Actor):
        """The practice set's cases, in set order, with this person's status.

        Returns :class:`oefenkit.practice.PracticeCase` values: ``status`` ``new``
        or ``done`` and the scores of the person's latest attempt. Only the
        person's own ratings are read; no expert information is returned.
        """
        from ..practice import PracticeCase

        require(actor, "write_rating_for", actor.id if actor else None)
        with self.transaction() as s:
            practice = self._practice_case_ids(s)
            latest = self._latest_practice(s, actor.id, practice)
            cases = {c.id: c for c in s.scalars(select(m.Case).where(m.Case.id.in_(list(practice) or [-1])))}
            out = []
            for case_id, set_code in practice.items():
                case = cases[case_id]
                attempts, scores = latest.get(case_id, (0, {}))
                out.append(PracticeCase(
                    code=case.code, title=case.title, set_code=set_code,
                    status="done" if attempts else "new", attempts=attempts, scores=scores,
                    duration=(case.details or {}).get("duration"),
                ))
            return out

    def submit_practice(self, actor: Actor, case_code: str, scores: dict[str, int], note: str = ""):
        """Store a practice attempt (every scale, one transaction) and return the feedback.

        Only for a case of a practice set (not an exam set): the feedback holds
        the expert scores, so any other case is :class:`PermissionDenied` and
        nothing is stored. ``scores`` must give every scale of the kit.
        Returns :class:`oefenkit.practice.PracticeFeedback`.
        """
        from ..errors import PermissionDenied
        from ..practice import build_feedback

        require(actor, "write_rating_for", actor.id if actor else None)
        note = (note or "").strip()
        if len(note) > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        with self.transaction() as s:
            case = s.scalar(select(m.Case).where(m.Case.code == case_code))
            if case is None:
                raise NotFound(f"Casus {case_code!r} bestaat niet.")
            if case.id not in self._practice_case_ids(s):
                raise PermissionDenied("Deze casus hoort niet bij de oefenset; je krijgt er geen feedback op.")
            newest = self._newest_scales(s)
            missing = sorted(set(newest) - set(scores or {}))
            if missing:
                raise ValidationError("Geef een score op beide schalen voordat je inlevert.")
            unknown = sorted(set(scores) - set(newest))
            if unknown:
                raise NotFound(f"Schaal {unknown[0]!r} bestaat niet.")
            now = m.utcnow()
            for scale_code, score in scores.items():
                scale = newest[scale_code]
                s.add(m.Rating(rater_id=actor.id, case_id=case.id, scale_id=scale.id,
                               score=self._check_score(scale, score), note=note, mode="practice",
                               created_at=now, updated_at=now))
            s.flush()
            return build_feedback(
                case.code, case.title, {k: int(v) for k, v in scores.items()},
                self._expert_judgements(s, case.id),
                scale_names={c: sc.name for c, sc in newest.items()},
                scale_ranges={c: (sc.min_score, sc.max_score) for c, sc in newest.items()},
                rationale=dict((case.details or {}).get("rationale") or {}),
                note=note, submitted_at=now,
            )

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

    def practice_history(self, actor: Actor, username: str | None = None):
        """A person's practice attempts in time order, with the absolute deviation per scale.

        ``username`` defaults to the actor; reading someone else's history needs
        staff rights (``read_ratings_of``). Only cases that give practice
        feedback are included. Returns :class:`oefenkit.practice.PracticeAttempt`
        values, numbered from 1: the data of the learning curve.
        """
        from ..practice import PracticeAttempt, consensus_of, group_attempts

        username = username or (actor.username if actor else "")
        with self.transaction() as s:
            person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "read_ratings_of", person_id)
            if person_id is None:
                raise NotFound(f"Gebruiker {username!r} bestaat niet.")
            practice = self._practice_case_ids(s)
            rows = s.execute(
                select(m.Rating.id, m.Case.code, m.Scale.code, m.Rating.created_at, m.Rating.score,
                       m.Case.id, m.Case.title)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .where(m.Rating.rater_id == person_id, m.Rating.mode == "practice",
                       m.Rating.case_id.in_(list(practice) or [-1]))
                .order_by(m.Rating.created_at, m.Rating.id)
            ).all()
            newest = self._newest_scales(s)
            titles = {code: (case_id, title) for _, code, _, _, _, case_id, title in rows}
            consensus: dict[str, dict[str, int]] = {}
            for code, (case_id, _) in titles.items():
                consensus[code] = {
                    scale_code: consensus_of({n: sc for n, sc, _ in judgements},
                                             newest[scale_code].min_score, newest[scale_code].max_score)
                    for scale_code, judgements in self._expert_judgements(s, case_id).items()
                    if judgements and scale_code in newest
                }
            out = []
            for number, group in enumerate(group_attempts([tuple(r[:5]) for r in rows]), 1):
                code = group[0][1]
                own = {r[2]: r[4] for r in group}
                cons = {k: v for k, v in consensus[code].items() if k in own}
                out.append(PracticeAttempt(
                    number=number, case_code=code, case_title=titles[code][1], submitted_at=group[0][3],
                    scores=own, consensus=cons, abs_deviation={k: abs(own[k] - v) for k, v in cons.items()},
                ))
            return out

    # -- certification test --------------------------------------------------------------
    # The exam app's verbs. A cursist's kernel only ever calls these (and the generic rating
    # and listing verbs): none returns an expert score, a consensus or its rationale before the
    # attempt is submitted. ``submit_exam`` decides with the core's own rights (SYSTEM) inside
    # the same transaction that closes the attempt, so the expert data never leaves the core.

    @staticmethod
    def _exam_attempt_info(s: Session, attempt: m.ExamAttempt, *, resumed: bool = False) -> ex.ExamAttemptInfo:
        cases = {c.code: c for c in s.scalars(select(m.Case).where(m.Case.code.in_(attempt.case_order or [])))}
        username = s.scalar(select(m.Person.username).where(m.Person.id == attempt.person_id))
        set_code = s.scalar(select(m.CaseSet.code).where(m.CaseSet.id == attempt.case_set_id))
        programme_code = None
        if attempt.programme_id is not None:
            programme_code = s.scalar(select(m.Programme.code).where(m.Programme.id == attempt.programme_id))
        number = s.scalar(select(func.count()).select_from(m.ExamAttempt).where(
            m.ExamAttempt.person_id == attempt.person_id, m.ExamAttempt.case_set_id == attempt.case_set_id,
            m.ExamAttempt.id <= attempt.id))
        return ex.ExamAttemptInfo(
            id=attempt.id, username=username, programme_code=programme_code, case_set_code=set_code,
            cases=tuple(ex.ExamCase(code, cases[code].title, cases[code].vignette)
                        for code in attempt.case_order if code in cases),
            started_at=attempt.started_at, submitted_at=attempt.submitted_at, decision_id=attempt.decision_id,
            number=number or 0, resumed=resumed,
        )

    @staticmethod
    def _exam_attempt(s: Session, attempt_id: int, *, lock: bool = False) -> m.ExamAttempt:
        query = select(m.ExamAttempt).where(m.ExamAttempt.id == attempt_id)
        attempt = s.scalar(query.with_for_update() if lock else query)
        if attempt is None:
            raise NotFound("Deze toetspoging bestaat niet.")
        return attempt

    def start_exam(
        self, actor: Actor, programme_code: str, case_set_code: str = "toets", *, max_attempts: int,
        rng_seed: int | None = None,
    ) -> ex.ExamAttemptInfo:
        """Start an attempt on an exam set, its cases in a new random order fixed for the attempt.

        An attempt that is still open (not submitted) is returned instead (``resumed`` is
        True), whatever programme is asked: an open attempt is always finished first. A new
        attempt beyond ``max_attempts`` on this set is refused with :class:`Conflict`.
        """
        require(actor, "write_rating_for", actor.id)
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValidationError("Het maximale aantal toetspogingen is een geheel getal van minstens 1.")
        with self.transaction() as s:
            # Serialise one person's starts (PostgreSQL), so two clicks never open two attempts.
            s.scalar(select(m.Person.id).where(m.Person.id == actor.id).with_for_update())
            case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == case_set_code))
            if case_set is None:
                raise NotFound(f"Set {case_set_code!r} bestaat niet.")
            if case_set.kind != "exam":
                raise ValidationError(f"Set {case_set_code!r} is geen toetsset.")
            open_attempt = s.scalar(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == actor.id,
                                            m.ExamAttempt.submitted_at.is_(None))
                .order_by(m.ExamAttempt.id).limit(1))
            if open_attempt is not None:
                return self._exam_attempt_info(s, open_attempt, resumed=True)
            programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == programme_code))
            if programme_id is None:
                raise NotFound(f"Programma {programme_code!r} bestaat niet.")
            used = s.scalar(select(func.count()).select_from(m.ExamAttempt).where(
                m.ExamAttempt.person_id == actor.id, m.ExamAttempt.case_set_id == case_set.id)) or 0
            if used >= max_attempts:
                raise Conflict(f"Je hebt de toets al {used} keer gemaakt; meer dan {max_attempts} "
                               f"{'poging' if max_attempts == 1 else 'pogingen'} is niet mogelijk. "
                               "Neem contact op met je trainer.")
            codes = [item.case.code for item in case_set.items]
            if not codes:
                raise ValidationError(f"Set {case_set_code!r} bevat nog geen casussen.")
            attempt = m.ExamAttempt(person_id=actor.id, case_set_id=case_set.id, programme_id=programme_id,
                                    case_order=ex.shuffled(codes, rng_seed), started_at=m.utcnow())
            s.add(attempt)
            s.flush()
            self.audit(s, actor, "exam.start", actor.username, attempt=attempt.id, case_set=case_set_code,
                       programme=programme_code)
            return self._exam_attempt_info(s, attempt)

    def find_open_exam(self, actor: Actor) -> ex.ExamAttemptInfo | None:
        """The actor's attempt that is not submitted yet, or None."""
        with self.transaction() as s:
            attempt = s.scalar(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == actor.id,
                                            m.ExamAttempt.submitted_at.is_(None))
                .order_by(m.ExamAttempt.id).limit(1))
            if attempt is None:
                return None
            require(actor, "read_ratings_of", attempt.person_id)
            return self._exam_attempt_info(s, attempt, resumed=True)

    def list_exam_attempts(self, actor: Actor, username: str) -> list[ex.ExamAttemptInfo]:
        """A person's attempts, oldest first (own or staff)."""
        with self.transaction() as s:
            person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "read_ratings_of", person_id)
            if person_id is None:
                raise NotFound(f"Gebruiker {username!r} bestaat niet.")
            return [self._exam_attempt_info(s, a) for a in s.scalars(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == person_id).order_by(m.ExamAttempt.id))]

    def save_exam_rating(
        self, actor: Actor, attempt_id: int, case_code: str, scores: dict[str, int], note: str | None = None,
    ) -> ex.ExamProgress:
        """Store (or change) the actor's scores of one case in an open attempt.

        A second score for the same case and scale within the attempt replaces the first.
        ``note`` (when given) is kept with every score of that case. Returns the progress.
        """
        if len(note or "") > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id, lock=True)
            require(actor, "write_rating_for", attempt.person_id)
            if attempt.submitted_at is not None:
                raise Conflict("Deze toets is al ingeleverd; scores kunnen niet meer veranderen.")
            if case_code not in (attempt.case_order or []):
                raise ValidationError(f"Casus {case_code!r} hoort niet bij deze toets.")
            rows = {r.scale_id: r for r in s.scalars(select(m.Rating).join(m.Case, m.Case.id == m.Rating.case_id)
                                                     .where(m.Rating.exam_attempt_id == attempt.id,
                                                            m.Case.code == case_code))}
            if not scores and not rows:
                raise ValidationError("Geef eerst een score.")
            for scale_code, score in scores.items():
                if scale_code not in ex.EXAM_SCALES:
                    raise ValidationError(f"Schaal {scale_code!r} hoort niet bij de toets.")
                case, scale = self._case_and_scale(s, case_code, scale_code)
                score = self._check_score(scale, score)
                row = rows.get(scale.id)
                if row is None:
                    rows[scale.id] = row = m.Rating(
                        rater_id=attempt.person_id, case_id=case.id, scale_id=scale.id, score=score,
                        note=note or "", mode="exam", exam_attempt_id=attempt.id)
                    s.add(row)
                else:
                    row.score, row.updated_at = score, m.utcnow()
            if note is not None:
                for row in rows.values():
                    row.note = note
            s.flush()
            return self._exam_progress(s, attempt)

    def _exam_progress(self, s: Session, attempt: m.ExamAttempt) -> ex.ExamProgress:
        scores: dict[str, dict[str, int]] = {}
        notes: dict[str, str] = {}
        for scale_code, case_code, score, note in s.execute(
            select(m.Scale.code, m.Case.code, m.Rating.score, m.Rating.note)
            .join(m.Case, m.Case.id == m.Rating.case_id)
            .join(m.Scale, m.Scale.id == m.Rating.scale_id)
            .where(m.Rating.exam_attempt_id == attempt.id)
            .order_by(m.Rating.updated_at, m.Rating.id)
        ):
            scores.setdefault(case_code, {})[scale_code] = score
            if note:
                notes[case_code] = note
        return ex.ExamProgress(attempt.id, tuple(attempt.case_order or ()), ex.EXAM_SCALES, scores, notes,
                               attempt.submitted_at is not None)

    def exam_progress(self, actor: Actor, attempt_id: int) -> ex.ExamProgress:
        """The actor's own scores and notes in an attempt (own or staff); never expert data."""
        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_ratings_of", attempt.person_id)
            return self._exam_progress(s, attempt)

    def submit_exam(self, actor: Actor, attempt_id: int, *, rules: dict[str, Any]) -> ex.ExamOutcome:
        """Hand in a complete attempt: decide by the rules, store and link the decision, and on a
        pass issue a certificate — all in one transaction.

        Refused (:class:`ValidationError`) while a case lacks a score on one of the rule's
        scales, and (:class:`Conflict`) when the attempt was already submitted. The consensus
        is computed here, with the core's rights, from the stored expert scores
        (:func:`oefenkit.certification.decide_against_experts`).
        """
        from ..certification import decide_against_experts, valid_until  # imports no storage

        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id, lock=True)
            require(actor, "write_rating_for", attempt.person_id)
            if attempt.submitted_at is not None:
                raise Conflict("Deze toets is al ingeleverd.")
            programme = s.get(m.Programme, attempt.programme_id) if attempt.programme_id else None
            rule = rules.get(programme.code) if programme else None
            if rule is None:
                raise NotFound("Er zijn geen certificeringsregels voor het programma van deze toets.")
            progress = self._exam_progress(s, attempt)
            missing = [c for c in progress.case_codes
                       if not all(sc in progress.scores.get(c, {}) for sc in rule.scales)]
            if missing:
                raise ValidationError(f"Nog {len(missing)} van de {progress.n_total} fragmenten zijn niet "
                                      "op beide schalen gescoord. Scoor ze eerst en lever dan in.")
            # Claim the attempt first: a second submit (double click, second tab) waits here and
            # then finds it submitted, so there is never a second decision or certificate.
            now = m.utcnow()
            claimed = s.execute(update(m.ExamAttempt).where(
                m.ExamAttempt.id == attempt.id, m.ExamAttempt.submitted_at.is_(None)).values(submitted_at=now))
            if claimed.rowcount != 1:
                raise Conflict("Deze toets is al ingeleverd.")
            trainee = {scale: {c: progress.scores[c][scale] for c in progress.case_codes} for scale in rule.scales}
            case_ids = [cid for cid, in s.execute(select(m.Case.id).where(m.Case.code.in_(progress.case_codes)))]
            experts: dict[str, list[tuple[str, str, int]]] = {}
            ranges: dict[str, tuple[int, int]] = {}
            for scale_code in rule.scales:
                scale = s.scalar(select(m.Scale).where(m.Scale.code == scale_code)
                                 .order_by(m.Scale.version.desc()).limit(1))
                if scale is None:
                    raise NotFound(f"Schaal {scale_code!r} bestaat niet.")
                ranges[scale_code] = (scale.min_score, scale.max_score)
                experts[scale_code] = [
                    (u, c, score) for u, c, score in s.execute(
                        select(m.Person.username, m.Case.code, m.ExpertScore.score)
                        .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                        .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                        .where(m.ExpertScore.scale_id == scale.id, m.ExpertScore.case_id.in_(case_ids))
                        .order_by(m.Case.code, m.Person.username))]
            set_code = s.scalar(select(m.CaseSet.code).where(m.CaseSet.id == attempt.case_set_id))
            decision = decide_against_experts(rule, trainee, experts, ranges, case_set_code=set_code)
            decision.statistics["exam_attempt"] = attempt.id
            person = s.get(m.Person, attempt.person_id)
            row = m.CertificationDecision(
                person_id=person.id, programme_id=programme.id, exam_attempt_id=attempt.id, kind="proposal",
                passed=decision.passed, reasons=list(decision.reasons), statistics=decision.statistics,
                rule=decision.rule, decided_by_id=None, reason="", decided_at=now)
            s.add(row)
            s.flush()
            attempt.decision_id = row.id
            self.audit(s, SYSTEM, "certification.proposal", person.username, programme=programme.code,
                       passed=decision.passed, exam_attempt=attempt.id)
            self.audit(s, actor, "exam.submit", person.username, attempt=attempt.id, passed=decision.passed)
            certificate = None
            if decision.passed:
                issued_on = now.astimezone(ex.LOCAL_TZ).date()
                until = valid_until(issued_on, rule)
                cert = m.Certificate(
                    person_id=person.id, programme_id=programme.id, verification_code=ex.new_verification_code(),
                    issued_at=now, valid_until=dt.datetime.combine(until, dt.time(12), tzinfo=dt.timezone.utc),
                    decided_by_id=None, decision="accepted", reason="",
                    statistics={"decision_id": row.id, "exam_attempt": attempt.id, "case_set": set_code,
                                "scales": decision.statistics.get("scales", {}),
                                "reasons": list(decision.reasons)})
                s.add(cert)
                s.flush()
                self.audit(s, SYSTEM, "certificate.issue", person.username, programme=programme.code,
                           code=cert.verification_code)
                certificate = self._certificate_info(cert, person, programme)
            return ex.ExamOutcome(attempt.id, row.id, decision.passed, tuple(decision.reasons),
                                  decision.statistics, certificate)

    def find_exam_outcome(self, actor: Actor, attempt_id: int) -> ex.ExamOutcome:
        """The decision (and certificate) of a submitted attempt (own or staff)."""
        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_certification_of", attempt.person_id)
            if attempt.submitted_at is None or attempt.decision_id is None:
                raise NotFound("Deze toets is nog niet ingeleverd.")
            row = s.get(m.CertificationDecision, attempt.decision_id)
            certificate = None
            # The certificate names its decision in its statistics (no column for it in the schema).
            cert = next((c for c in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == attempt.person_id)) if (c.statistics or {}).get("decision_id") == row.id),
                None)
            if cert is not None:
                certificate = self._certificate_info(cert, s.get(m.Person, cert.person_id),
                                                     s.get(m.Programme, cert.programme_id))
            return ex.ExamOutcome(attempt.id, row.id, row.passed, tuple(row.reasons), row.statistics, certificate)

    @staticmethod
    def _certificate_info(cert: m.Certificate, person: m.Person, programme: m.Programme) -> ex.CertificateInfo:
        def utc(moment: dt.datetime) -> dt.datetime:  # SQLite gives naive UTC, PostgreSQL aware values
            return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)

        return ex.CertificateInfo(cert.verification_code, person.username, person.display_name, programme.code,
                                  programme.name, utc(cert.issued_at), utc(cert.valid_until).date(), cert.decision,
                                  dict(cert.statistics or {}))

    def find_certificate(self, actor: Actor, code: str) -> ex.CertificateInfo:
        """A certificate by verification code, for its owner or staff.

        Somebody else gets :class:`NotFound`, exactly as for a code that does not exist, so
        codes cannot be probed.
        """
        with self.transaction() as s:
            cert = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == (code or "").strip().upper()))
            if cert is None or not can(actor, "read_certification_of", cert.person_id):
                raise NotFound("Dit certificaat bestaat niet.")
            return self._certificate_info(cert, s.get(m.Person, cert.person_id),
                                          s.get(m.Programme, cert.programme_id))
