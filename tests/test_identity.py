"""Identity: password hashing, user names, roles and JupyterHub groups."""

from __future__ import annotations

import unicodedata

import pytest
from argon2 import PasswordHasher, Type, extract_parameters

from oefenkit.errors import ValidationError
from oefenkit.identity import (
    MIN_PASSWORD_LENGTH,
    SYSTEM,
    Actor,
    hash_password,
    normalise_role,
    role_codes,
    role_from_hub_groups,
    role_label,
    validate_password,
    validate_username,
    verify_password,
)
from oefenkit.permissions import roles

PASSWORD = "geheim-wachtwoord"


# -- password hashing --------------------------------------------------------------------


def test_hash_is_argon2id():
    """Is a password hashed with Argon2id (not Argon2i/d, bcrypt or plain text)?"""
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert extract_parameters(hashed).type is Type.ID


def test_hash_uses_at_least_owasp_minimum_cost():
    """Does the hash cost at least OWASP's Argon2id minimum (19 MiB, 2 passes)?"""
    params = extract_parameters(hash_password(PASSWORD))
    assert params.memory_cost >= 19 * 1024
    assert params.time_cost >= 2
    assert params.salt_len >= 16


def test_hash_is_salted():
    """Do two hashes of the same password differ (a random salt each time)?"""
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


def test_verify_right_and_wrong_password():
    """Does verification accept the right password and reject a wrong one?"""
    hashed = hash_password(PASSWORD)
    assert verify_password(hashed, PASSWORD) is True
    assert verify_password(hashed, PASSWORD + "x") is False
    assert verify_password(hashed, PASSWORD.upper()) is False


def test_verify_accepts_hash_with_other_parameters():
    """Does an Argon2id hash made with other cost parameters still verify (old accounts)?"""
    other = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    assert verify_password(other, PASSWORD) is True
    assert verify_password(other, "ander-wachtwoord") is False


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        None,
        "plain-text-password",
        "$argon2id$",
        "$argon2id$v=19$m=65536,t=3,p=4$bm90LWEtc2FsdA$",
        "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5XeBbF4Bxn3nOAgYSRlYvSmzFzNfE8e",  # bcrypt
        "pbkdf2_sha256$600000$salt$hash",
    ],
)
def test_verify_malformed_hash_is_false(malformed):
    """Does a malformed or foreign hash give False instead of raising?"""
    assert verify_password(malformed, PASSWORD) is False


def test_verify_empty_password_is_false():
    """Is an empty password never accepted, whatever the hash?"""
    assert verify_password(hash_password(PASSWORD), "") is False
    assert verify_password(hash_password(PASSWORD), None) is False


@pytest.mark.parametrize("short", ["", "a", "x" * (MIN_PASSWORD_LENGTH - 1)])
def test_short_password_is_rejected(short):
    """Is a password shorter than the minimum refused with a Dutch ValidationError?"""
    with pytest.raises(ValidationError, match="minstens"):
        hash_password(short)


def test_password_of_minimum_length_is_accepted():
    """Is a password of exactly the minimum length accepted?"""
    password = "p" * MIN_PASSWORD_LENGTH
    assert verify_password(hash_password(password), password)


@pytest.mark.parametrize("password", [PASSWORD + "\n", "\n" + PASSWORD, PASSWORD + "\r\n"])
def test_password_with_line_break_at_the_edge_is_rejected(password):
    """Is a password that starts or ends with a line break (a pasting mistake) refused?"""
    with pytest.raises(ValidationError, match="regeleinde"):
        validate_password(password)


def test_password_none_is_rejected():
    """Is a missing password refused rather than hashed?"""
    with pytest.raises(ValidationError):
        validate_password(None)


# -- user names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("anna", "anna"),
        ("Anna", "anna"),
        ("  j.de-vries_2 ", "j.de-vries_2"),
        ("a1", "a1"),
        ("7even", "7even"),
        ("x" * 64, "x" * 64),
    ],
)
def test_valid_usernames_are_normalised(raw, expected):
    """Are valid user names accepted, trimmed and lower-cased?"""
    assert validate_username(raw) == expected


@pytest.mark.parametrize(
    "bad",
    ["", None, "a", "x" * 65, "-anna", ".anna", "_anna", "anna smit", "jöran", "anna@example.nl",
     "anna/../x", "<script>"],
)
def test_invalid_usernames_are_rejected(bad):
    """Are empty, too short/long, badly started or non-ASCII user names refused in Dutch?"""
    with pytest.raises(ValidationError, match="gebruikersnaam"):
        validate_username(bad)


# -- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cursist", "cursist"),
        ("Deelnemer", "cursist"),
        ("trainee", "cursist"),
        ("trainer", "trainer"),
        ("supervisor", "trainer"),
        ("coordinator", "coordinator"),
        ("coördinator", "coordinator"),
        ("Coördinator", "coordinator"),
        (" admin ", "coordinator"),
    ],
)
def test_role_aliases(raw, expected):
    """Do Dutch and English role names (with or without diaeresis) map to the stored role?"""
    assert normalise_role(raw) == expected


def test_role_with_decomposed_diaeresis():
    """Is 'coördinator' typed with a combining diaeresis (as macOS may send it) understood?"""
    decomposed = unicodedata.normalize("NFD", "coördinator")
    assert decomposed != "coördinator"
    assert normalise_role(decomposed) == "coordinator"


@pytest.mark.parametrize("bad", ["", None, "beheerder", "root", "cursisten"])
def test_unknown_role_is_rejected(bad):
    """Is an unknown role refused with a Dutch message that lists the choices?"""
    with pytest.raises(ValidationError, match="Onbekende rol") as info:
        normalise_role(bad)
    for role in ("cursist", "trainer", "coordinator"):
        assert role in str(info.value)


def test_every_stored_role_has_a_dutch_label():
    """Does every stored role have a Dutch label, with 'coördinator' spelled with a diaeresis?"""
    assert [role_label(r) for r in role_codes()] == ["cursist", "trainer", "coördinator"]
    assert Actor(1, "x1", "X", "coordinator").role_label == "coördinator"


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ([], "cursist"),
        (None, "cursist"),
        (["cohort-2025", "oefenkit"], "cursist"),
        (["oefenkit-trainer"], "trainer"),
        (["oefenkit-coordinator"], "coordinator"),
        (["oefenkit-trainer", "oefenkit-coordinator"], "coordinator"),
        (("oefenkit-coordinator", "oefenkit-trainer"), "coordinator"),
        ({"oefenkit-trainer", "andere"}, "trainer"),
        (["Oefenkit-Trainer"], "cursist"),  # hub group names are exact
    ],
)
def test_role_from_hub_groups(groups, expected):
    """Does the role follow the hub groups, with coördinator winning over trainer?"""
    assert role_from_hub_groups(groups) == expected


def test_hub_group_roles_name_only_stored_roles():
    """Does every hub group map to a role the database accepts?"""
    assert set(roles().hub_groups().values()) <= set(role_codes())


def test_system_actor():
    """Is the CLI's system actor a coördinator without a database id?"""
    assert SYSTEM.is_system
    assert SYSTEM.role == "coordinator"
    assert not Actor(3, "anna", "Anna", "cursist").is_system


# -- the documented numbers, written out (issue 21: the tests above take the minimum from the code) --


def test_the_minimum_password_length_is_the_documented_eight():
    """README and ``oefenkit users add --help`` promise "minstens 8 tekens": are 7 characters refused
    and 8 accepted, whatever ``MIN_PASSWORD_LENGTH`` says?"""
    with pytest.raises(ValidationError, match="minstens 8 tekens"):
        validate_password("x" * 7)
    assert validate_password("x" * 8) == "x" * 8


def test_generated_passwords_are_fourteen_characters_and_never_below_eight():
    """Is a generated password 14 characters by default, may it be exactly 8, and is a shorter
    length a programming error?"""
    from oefenkit.identity import generate_password

    assert len(generate_password()) == 14
    assert len(generate_password(8)) == 8
    with pytest.raises(ValueError, match="at least 8"):
        generate_password(7)


def test_every_refusal_does_the_argon2_work(monkeypatch):
    """Does every refused check run Argon2 once, like a wrong password: an unknown user (no hash), an
    account without a password, and an empty or missing password? An empty password answered at once
    for an existing user name and took ≈ 0,2 s for an unknown one, which told which names exist."""
    from oefenkit import identity

    hashed = hash_password(PASSWORD)
    real, checked = identity._safe_verify, []
    monkeypatch.setattr(identity, "_safe_verify", lambda stored, given: checked.append(given) or real(stored, given))
    for stored, given in [(hashed, PASSWORD + "x"), (hashed, ""), (hashed, None), (None, ""), (None, None),
                          (None, PASSWORD), ("", PASSWORD)]:
        checked.clear()
        assert verify_password(stored, given) is False
        assert len(checked) == 1 and isinstance(checked[0], str), (stored, given, checked)
    checked.clear()
    assert verify_password(hashed, PASSWORD) is True and checked == [PASSWORD]


def test_an_actor_cannot_be_changed():
    """Is an ``Actor`` immutable, so no widget or callback can promote the person it holds?"""
    import dataclasses

    actor = Actor(id=5, username="cursist5", display_name="C", role="cursist")
    with pytest.raises(dataclasses.FrozenInstanceError):
        actor.role = "coordinator"  # type: ignore[misc]
    assert hash(actor) == hash(Actor(id=5, username="cursist5", display_name="C", role="cursist"))
