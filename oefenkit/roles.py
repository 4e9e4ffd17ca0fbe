"""Roles as data: who may open which app areas and do which actions (``oefenkit/roles.yaml``).

The actions themselves and how they treat a person's own data are code
(:mod:`oefenkit.permissions`); which role holds which action is this file. Adding a role is an
entry here plus its row in the database, which ``oefenkit init`` adds
(:meth:`oefenkit.storage.people.PeopleService.sync_roles`); no code changes.

``OEFENKIT_ROLES_FILE`` points to another file (an organisation's own roles, or a test's).
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .contentfile import read_yaml_mapping, refuse_unknown_fields
from .errors import ContentError

__all__ = ["Role", "RoleTable", "ROLES_FILE_ENV", "DEFAULT_ROLES_FILE", "SYSTEM_ROLE", "load_roles", "role_table"]

ROLES_FILE_ENV = "OEFENKIT_ROLES_FILE"
DEFAULT_ROLES_FILE = Path(__file__).with_name("roles.yaml")

#: The role of the administrative CLI on the server itself (``identity.SYSTEM``): every file has it.
SYSTEM_ROLE = "coordinator"
_CODE = re.compile(r"^[a-z][a-z0-9_-]{1,15}$")  # fits the stored column (16 characters)
_FIELDS = ("code", "label", "aliases", "default", "staff", "hub_group", "areas", "actions")


@dataclass(frozen=True)
class Role:
    code: str
    label: str
    aliases: tuple[str, ...]
    default: bool
    staff: bool
    hub_group: str | None
    areas: frozenset[str]
    actions: frozenset[str]


@dataclass(frozen=True)
class RoleTable:
    """The roles in file order (fewest rights first)."""

    roles: tuple[Role, ...]
    source: str

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.roles)

    def get(self, code: str) -> Role | None:
        return next((r for r in self.roles if r.code == code), None)

    @property
    def default(self) -> Role:
        return next(r for r in self.roles if r.default)

    def lookup(self, name: str) -> Role | None:
        """The role for a stored code, a Dutch label or an alias (case and accents as typed)."""
        key = _key(name)
        for role in self.roles:
            if key in {role.code, _key(role.label), *(_key(a) for a in role.aliases)}:
                return role
        return None

    @property
    def learners(self) -> tuple[str, ...]:
        """The roles that are not staff: the people who are trained (cursisten in the shipped file)."""
        return tuple(r.code for r in self.roles if not r.staff)

    def with_action(self, action: str) -> tuple[str, ...]:
        return tuple(r.code for r in self.roles if action in r.actions)

    def hub_groups(self) -> dict[str, str]:
        """Hub group → role code, the most rights first (the first match wins)."""
        return {r.hub_group: r.code for r in reversed(self.roles) if r.hub_group}


def _key(name: str) -> str:
    # NFC: "coördinator" may arrive with a combining diaeresis (o + U+0308).
    return unicodedata.normalize("NFC", name or "").strip().lower()


def load_roles(path: Path, *, areas: frozenset[str], actions: frozenset[str]) -> RoleTable:
    """Read and check a roles file; ``areas`` and ``actions`` are the names the code knows."""
    name = path.name
    data = read_yaml_mapping(path, name=name, missing="Het bestand met rollen ontbreekt")
    refuse_unknown_fields(data, ("roles",), name)
    items = data.get("roles")
    if not isinstance(items, list) or not items:
        raise ContentError(f"{name}: 'roles' moet een lijst met minstens één rol zijn.")
    roles: list[Role] = []
    for i, item in enumerate(items, 1):
        where = f"{name}, rol {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{where}: een rol heeft velden (code, label, areas, actions).")
        refuse_unknown_fields(item, _FIELDS, where)
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise ContentError(f"{where}: 'code' is 2 tot 16 kleine letters, cijfers, - of _, beginnend met een letter.")
        where = f"{name}, rol {code!r}"
        label = item.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ContentError(f"{where}: 'label' (de Nederlandse naam) ontbreekt.")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise ContentError(f"{where}: 'aliases' is een lijst met namen.")
        flags = {}
        for flag in ("default", "staff"):
            value = item.get(flag, False)
            if not isinstance(value, bool):
                raise ContentError(f"{where}: '{flag}' is true of false.")
            flags[flag] = value
        hub_group = item.get("hub_group")
        if hub_group is not None and (not isinstance(hub_group, str) or not hub_group.strip()):
            raise ContentError(f"{where}: 'hub_group' is de naam van een JupyterHub-groep.")
        for field, known in (("areas", areas), ("actions", actions)):
            value = item.get(field, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ContentError(f"{where}: '{field}' is een lijst met namen.")
            unknown = sorted(set(value) - known)
            if unknown:
                raise ContentError(f"{where}: onbekend in '{field}': {', '.join(unknown)}. "
                                   f"Kies uit: {', '.join(sorted(known))}.")
        roles.append(Role(code, label.strip(), tuple(a.strip() for a in aliases), flags["default"], flags["staff"],
                          hub_group.strip() if hub_group else None, frozenset(item.get("areas", [])),
                          frozenset(item.get("actions", []))))
    table = RoleTable(tuple(roles), str(path))
    names: dict[str, str] = {}
    for role in roles:
        for alias in {role.code, _key(role.label), *(_key(a) for a in role.aliases)}:
            if names.setdefault(alias, role.code) != role.code:
                raise ContentError(f"{name}: de naam {alias!r} hoort bij twee rollen ({names[alias]} en {role.code}).")
    if table.get(SYSTEM_ROLE) is None:
        raise ContentError(f"{name}: de rol {SYSTEM_ROLE!r} is nodig: de opdrachten op de server zelf "
                           "(oefenkit users …) werken met die rol.")
    if sum(r.default for r in roles) != 1:
        raise ContentError(f"{name}: precies één rol heeft 'default: true' (de rol van wie er geen heeft).")
    groups = [r.hub_group for r in roles if r.hub_group]
    if len(groups) != len(set(groups)):
        raise ContentError(f"{name}: elke JupyterHub-groep hoort bij één rol.")
    return table


@lru_cache(maxsize=4)
def _cached(path: str, areas: frozenset[str], actions: frozenset[str]) -> RoleTable:
    return load_roles(Path(path), areas=areas, actions=actions)


def role_table(*, areas: frozenset[str], actions: frozenset[str]) -> RoleTable:
    """The roles in use: ``OEFENKIT_ROLES_FILE`` or the shipped file, read once per process."""
    path = os.environ.get(ROLES_FILE_ENV) or str(DEFAULT_ROLES_FILE)
    return _cached(path, areas, actions)
