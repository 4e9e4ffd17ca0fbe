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

from sqlalchemy import func, select
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
