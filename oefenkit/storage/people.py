"""People, programmes and groups: the :class:`~oefenkit.storage.kit.Kit` verbs that add,
find, list, update and authenticate persons (also JupyterHub persons) and manage groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, object_session

from ..errors import AlreadyExists, AuthenticationError, ContentError, NotFound, ValidationError
from ..identity import (
    SYSTEM,
    Actor,
    generate_password,
    hash_password,
    normalise_role,
    role_from_hub_groups,
    validate_username,
    verify_password,
)
from ..permissions import can, require, roles
from . import models as m
from .exam_attempts import exam_programmes, role_is_staff, scoring_test_programmes
from .store import Service, Store

if TYPE_CHECKING:
    from .logins import LoginsService

__all__ = ["PeopleService", "GroupInfo"]


@dataclass(frozen=True)
class GroupInfo:
    id: int
    name: str
    programme_code: str | None
    member_usernames: tuple[str, ...]
    #: Active members (a number only: a cursist sees it for their own groups, not the names)
    member_count: int = 0


def _actor(person: m.Person, with_test: frozenset[str] | None = None) -> Actor:
    """The person as a plain value (inside a transaction: reads the groups' programmes).

    ``with_test``: the programmes with a scoring test, when the caller has read them already
    (:func:`~oefenkit.storage.exam_attempts.scoring_test_programmes`).
    """
    programmes = frozenset(ms.group.programme.code for ms in person.memberships
                           if ms.group.programme is not None)
    if with_test is None:
        session = object_session(person)
        assert session is not None, "_actor reads inside a transaction"
        with_test = scoring_test_programmes(session)
    return Actor(
        id=person.id,
        username=person.username,
        display_name=person.display_name,
        role=person.role,
        group_ids=frozenset(ms.group_id for ms in person.memberships),
        programmes=programmes,
        exam_programmes=exam_programmes(with_test, role_is_staff(person.role), programmes),
    )


# Built once: every open page re-reads its person about once a second (``kernel.live_person``), so
# the statements are not rebuilt per call (building one costs about as much as running it).
_ACTOR_ROWS = (
    select(m.Person.id, m.Person.username, m.Person.display_name, m.Person.role, m.Person.active,
           m.GroupMembership.group_id, m.Programme.code)
    .outerjoin(m.GroupMembership, m.GroupMembership.person_id == m.Person.id)
    .outerjoin(m.Group, m.Group.id == m.GroupMembership.group_id)
    .outerjoin(m.Programme, m.Programme.id == m.Group.programme_id))
ACTOR_BY_NAME = _ACTOR_ROWS.where(m.Person.username == bindparam("username"))
ACTIVE_ACTORS_BY_NAMES = _ACTOR_ROWS.where(m.Person.username.in_(bindparam("names", expanding=True)),
                                           m.Person.active.is_(True))


def read_actors(s: Session, statement: Select, params: dict[str, Any]) -> dict[str, tuple[Actor, bool]]:
    """The people ``statement`` (:data:`ACTOR_BY_NAME` or :data:`ACTIVE_ACTORS_BY_NAMES`) finds, as
    ``{user name: (Actor, active)}``, in two reads: the people with their groups' programmes (outer
    joins), and the programmes with a scoring test."""

    rows = s.execute(statement, params).all()
    if not rows:
        return {}
    with_test = scoring_test_programmes(s)
    people: dict[str, tuple[tuple[int, str, str, bool], set[int], set[str]]] = {}
    for pid, username, display_name, role, active, group_id, programme in rows:
        _, groups, programmes = people.setdefault(username, ((pid, display_name, role, active), set(), set()))
        if group_id is not None:
            groups.add(group_id)
        if programme is not None:
            programmes.add(programme)
    found = {}
    for username, ((pid, display_name, role, active), groups, programmes) in people.items():
        codes = frozenset(programmes)
        found[username] = (Actor(id=pid, username=username, display_name=display_name, role=role,
                                 group_ids=frozenset(groups), programmes=codes,
                                 exam_programmes=exam_programmes(with_test, role_is_staff(role), codes)),
                           bool(active))
    return found


def _not_oneself(actor: Actor, username: str, message: str) -> None:
    """Refuse a logged-in person acting on their own account (the CLI's system actor may)."""
    if actor.id is not None and actor.username == username:
        raise ValidationError(message)


class PeopleService(Service):
    """Verbs on people, programmes and groups (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, logins: LoginsService):
        super().__init__(store)
        #: Ends a person's login sessions when their role, password or activity changes.
        self._logins = logins

    # -- people -------------------------------------------------------------------------

    def add_person(
        self,
        actor: Actor,
        username: str,
        *,
        role: str | None = None,
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
        role = normalise_role(role) if role is not None else roles().default.code
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
                group = self._group(s, group_name)
                person.memberships.append(m.GroupMembership(group=group))
                self.audit(s, actor, "group.add_member", group_name, username=username)
            s.flush()
            return _actor(person)

    def find_person(self, username: str) -> Actor:
        """An active person by user name (for identity, not for listing).

        One joined read plus the programmes with a test (:func:`read_actors`), not lazy loads per
        group: every open page calls this about once a second.
        """
        with self.transaction(readonly=True) as s:
            found = read_actors(s, ACTOR_BY_NAME, {"username": username})
        if username not in found:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        actor, active = found[username]
        if not active:
            raise NotFound(f"Gebruiker {username!r} is gedeactiveerd.")
        return actor

    def list_people(self, actor: Actor, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        require(actor, "view_people")
        with self.transaction(readonly=True) as s:
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
        _not_oneself(actor, username, "Je kunt je eigen rol niet wijzigen; vraag een andere coördinator.")
        with self.transaction() as s:
            person = self._person(s, username)
            old = person.role
            person.role = role
            self.audit(s, actor, "person.set_role", username, old=old, new=role)
            if old != role:  # a new role is a new login (storage/logins.py)
                self._logins.end_login_sessions(s, person.id)
            return _actor(person)

    def update_person_password(self, actor: Actor, username: str, password: str) -> None:
        """Set a password: a coördinator for anyone, anybody for themselves. Ends all of that
        person's login sessions in the same transaction."""
        if actor.username != username:
            require(actor, "manage_people")
        password_hash = hash_password(password)
        with self.transaction() as s:
            person = self._person(s, username)
            person.password_hash = password_hash
            self.audit(s, actor, "person.set_password", username)
            self._logins.end_login_sessions(s, person.id)  # a copied session cookie dies with the old password

    def remove_person(self, actor: Actor, username: str) -> None:
        """Deactivate an account; ratings stay (deletion per person is a separate AVG action)."""
        self.update_person_active(actor, username, False)

    def update_person_active(self, actor: Actor, username: str, active: bool) -> Actor:
        """Deactivate (``False``) or reactivate (``True``) an account (coördinator only).

        A deactivated person cannot log in and loses an open session at once; their data
        stays. Nobody deactivates their own account in the apps, so a coördinator always
        remains. Setting the state the account already has changes nothing.
        """
        require(actor, "manage_people")
        if not active:
            _not_oneself(actor, username, "Je kunt je eigen account niet deactiveren; vraag een andere coördinator.")
        with self.transaction() as s:
            person = self._person(s, username)
            if person.active != bool(active):
                person.active = bool(active)
                self.audit(s, actor, "person.reactivate" if active else "person.deactivate", username)
            if not active:
                self._logins.end_login_sessions(s, person.id)
            return _actor(person)

    def reset_person_password(self, actor: Actor, username: str) -> str:
        """Give ``username`` a new random password and return it, to be shown once (coördinator only)."""
        require(actor, "manage_people")
        password = generate_password()
        self.update_person_password(actor, username, password)
        return password

    def authenticate(self, username: str, password: str) -> Actor:
        """The person for a correct user name and password, else :class:`AuthenticationError`."""
        failure = AuthenticationError("Onbekende gebruikersnaam of onjuist wachtwoord.")
        try:
            username = validate_username(username)
        except ValidationError:
            raise failure from None
        with self.transaction(readonly=True) as s:
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
        with self.transaction(readonly=True) as s:
            query = select(func.count()).select_from(m.Person).where(m.Person.active.is_(True))
            if role:
                query = query.where(m.Person.role == normalise_role(role))
            return s.scalar(query) or 0

    def sync_roles(self, codes: Sequence[str]) -> list[str]:
        """Make the stored roles those of the roles file (``codes``): add the missing rows and drop
        the rows nobody holds that the file no longer names. Refuses (nothing changed) when a
        stored person holds a role the file dropped. Returns the added codes."""
        wanted = list(dict.fromkeys(codes))
        with self.transaction() as s:
            held = set(s.scalars(select(m.Person.role).distinct()))
            dropped = sorted(held - set(wanted))
            if dropped:
                raise ContentError(
                    f"De rol {', '.join(dropped)} staat niet meer in het bestand met rollen, maar "
                    "er zijn nog mensen met die rol. Geef hen eerst een andere rol (oefenkit users set-role).")
            have = set(s.scalars(select(m.Role.code)))
            added = [code for code in wanted if code not in have]
            s.add_all(m.Role(code=code) for code in added)
            for code in have - set(wanted):
                s.delete(s.get(m.Role, code))
            return added

    # -- programmes and groups ----------------------------------------------------------

    def update_or_create_programme(self, code: str, name: str, description: str = "", *,
                                   scoring_test: bool | None = None) -> bool:
        """Load a programme from content; returns True when something changed.

        ``scoring_test``: whether the programme's path has an enabled scoring test (the exam
        app offers only those programmes); ``None`` leaves it as stored.
        """
        with self.transaction() as s:
            prog = s.scalar(select(m.Programme).where(m.Programme.code == code))
            if prog is None:
                s.add(m.Programme(code=code, name=name, description=description, scoring_test=bool(scoring_test)))
                return True
            wanted = prog.scoring_test if scoring_test is None else bool(scoring_test)
            if (prog.name, prog.description, prog.scoring_test) == (name, description, wanted):
                return False
            prog.name, prog.description, prog.scoring_test = name, description, wanted
            return True

    def list_programmes(self) -> list[dict[str, Any]]:
        with self.transaction(readonly=True) as s:
            return [
                {"code": p.code, "name": p.name, "description": p.description, "scoring_test": p.scoring_test}
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
            programme_id = self._programme_id(s, programme_code, optional=True)
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
            group = self._group(s, group_name)
            person = self._person(s, username)
            if s.get(m.GroupMembership, (group.id, person.id)) is None:
                s.add(m.GroupMembership(group_id=group.id, person_id=person.id))
                self.audit(s, actor, "group.add_member", group_name, username=username)

    def remove_group_member(self, actor: Actor, group_name: str, username: str) -> bool:
        """Take ``username`` out of a group; False when they were not in it (nothing changes)."""
        require(actor, "manage_groups")
        with self.transaction() as s:
            group = self._group(s, group_name)
            person = self._person(s, username)
            membership = s.get(m.GroupMembership, (group.id, person.id))
            if membership is None:
                return False
            s.delete(membership)
            self.audit(s, actor, "group.remove_member", group_name, username=username)
            return True

    def list_groups(self, actor: Actor) -> list[GroupInfo]:
        """Who may view people (staff) sees every group; a cursist only their own, without members."""
        with self.transaction(readonly=True) as s:
            query = select(m.Group).order_by(m.Group.name)
            everyone = can(actor, "view_people")
            if not everyone:
                query = query.where(m.Group.id.in_(actor.group_ids))
            out = []
            for g in s.scalars(query):
                members = tuple(sorted(ms.person.username for ms in g.memberships))
                active = sum(1 for ms in g.memberships if ms.person.active)
                if not everyone:
                    members = ()  # a cursist does not get the member list
                out.append(GroupInfo(g.id, g.name, g.programme.code if g.programme else None, members, active))
            return out
