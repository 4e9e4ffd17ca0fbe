"""Who is using the kit: people as plain values, roles, and password hashing.

Two ways to know the person:

* **Standalone** (the default ``oefenkit serve``): a real login form; the
  server's identity provider (``oefenkit.server.auth``) checks the password
  here and the Voilà ``prelaunch_hook`` hands the person to the app kernel
  (``oefenkit.kernel``).
* **JupyterHub**: the hub authenticates; the kernel inherits
  ``JUPYTERHUB_USER`` and roles come from hub groups (``hub_group`` in ``oefenkit/roles.yaml``).

The person is never taken from a URL parameter or a widget value.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from .errors import ValidationError
from .permissions import can, roles
from .roles import SYSTEM_ROLE

__all__ = [
    "role_codes",
    "role_label",
    "Actor",
    "SYSTEM",
    "normalise_role",
    "validate_username",
    "validate_password",
    "generate_password",
    "hash_password",
    "verify_password",
    "role_from_hub_groups",
]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD_LENGTH = 8

# Argon2id with argon2-cffi's RFC 9106 "low memory" defaults.
_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """A person as the apps see them: a plain, immutable value (no ORM object)."""

    id: int | None
    username: str
    display_name: str
    role: str
    group_ids: frozenset[int] = field(default_factory=frozenset)
    #: Codes of the programmes of the person's groups (how the kit knows a person's programme).
    programmes: frozenset[str] = field(default_factory=frozenset)
    #: Codes of the programmes whose certification test this person may take (see
    #: :func:`oefenkit.storage.exam_attempts.exam_programmes`); empty: the exam app is not theirs.
    exam_programmes: frozenset[str] = field(default_factory=frozenset)

    @property
    def role_label(self) -> str:
        return role_label(self.role)

    @property
    def is_staff(self) -> bool:
        """Does this person's role guide others (``staff`` in ``roles.yaml``)?"""
        role = roles().get(self.role)
        return role is not None and role.staff

    def may(self, action: str, thing=None) -> bool:
        """:func:`oefenkit.permissions.can` for this person."""
        return can(self, action, thing)

    @property
    def is_system(self) -> bool:
        return self.id is None


#: The actor for administrative CLI commands run on the server itself.
SYSTEM = Actor(id=None, username="systeem", display_name="Systeembeheer", role=SYSTEM_ROLE)


def role_codes() -> tuple[str, ...]:
    """The stored role names, fewest rights first (``oefenkit/roles.yaml``)."""
    return roles().codes


def role_label(code: str) -> str:
    """The Dutch name of a stored role (the code itself for a role the file no longer has)."""
    role = roles().get(code)
    return role.label if role is not None else code


def normalise_role(role: str) -> str:
    """Map a Dutch or English role name or alias to the stored role, or raise."""
    found = roles().lookup(role)
    if found is None:
        raise ValidationError(f"Onbekende rol {role!r}. Kies uit: {', '.join(role_codes())}.")
    return found.code


def validate_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise ValidationError(
            "Een gebruikersnaam heeft 2 tot 64 tekens: kleine letters, cijfers, punt, "
            "streepje of liggend streepje, en begint met een letter of cijfer."
        )
    return name


def validate_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    if password != password.strip("\r\n"):
        raise ValidationError("Een wachtwoord mag niet beginnen of eindigen met een regeleinde.")
    return password


#: Characters of generated passwords: no 0/O, 1/l/I, so a password read aloud or copied by hand survives.
_PASSWORD_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(length: int = 14) -> str:
    """A random password (``secrets``) for a new account or a reset; shown once, never stored in clear."""
    if length < MIN_PASSWORD_LENGTH:
        raise ValueError(f"length must be at least {MIN_PASSWORD_LENGTH}")
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def hash_password(password: str) -> str:
    """Hash with Argon2id (salted, memory-hard)."""
    return _hasher.hash(validate_password(password))


_dummy_hash: str | None = None


def _equal_cost_dummy() -> str:
    """A hash of a random secret, so checks without a real hash take as long as real ones."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy_hash


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong or malformed hash.

    Without a hash (unknown user, account without password) or without a password a dummy hash is
    checked anyway, so every refusal takes as long as a wrong password: an empty password must not
    answer sooner for an existing user name than for an unknown one.
    """
    if not password_hash or not password:
        _safe_verify(_equal_cost_dummy(), password or "-")
        return False
    return _safe_verify(password_hash, password)


def _safe_verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def role_from_hub_groups(groups: list[str] | tuple[str, ...] | set[str]) -> str:
    """The role for a JupyterHub user with these group names: the role with the most rights whose
    ``hub_group`` they are in, else the default role."""
    names = set(groups or ())
    for group, role in roles().hub_groups().items():  # the most rights first
        if group in names:
            return role
    return roles().default.code
