"""The coördinator's account verbs: reactivate, reset a password, leave a group, no self-lockout."""

from __future__ import annotations

import pytest

from oefenkit.errors import AuthenticationError, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import MIN_PASSWORD_LENGTH, SYSTEM, generate_password

PW = "geheim-wachtwoord"


def actions(kit) -> list[tuple[str, str]]:
    return [(e["action"], e["target"]) for e in reversed(kit.list_audit_entries(SYSTEM))]


def test_generated_passwords_follow_the_rules_and_differ():
    """Are generated passwords long enough, unambiguous and different every time?"""
    passwords = {generate_password() for _ in range(50)}
    assert len(passwords) == 50
    for pw in passwords:
        assert len(pw) >= MIN_PASSWORD_LENGTH and pw.isalnum()
        assert not set(pw) & set("0O1lI")
    with pytest.raises(ValueError):
        generate_password(MIN_PASSWORD_LENGTH - 1)


def test_deactivate_and_reactivate(kit, people):
    """Does a deactivated person lose the login and get it back, with one audit entry each way?"""
    coordinator = people["coordinator"]
    kit.update_person_active(coordinator, "cursist1", False)
    with pytest.raises(AuthenticationError):
        kit.authenticate("cursist1", PW)
    assert [p["active"] for p in kit.list_people(coordinator, include_inactive=True)
            if p["username"] == "cursist1"] == [False]
    kit.update_person_active(coordinator, "cursist1", False)  # again: nothing changes
    back = kit.update_person_active(coordinator, "cursist1", True)
    assert back.username == "cursist1"
    assert kit.authenticate("cursist1", PW).username == "cursist1"
    mine = [a for a in actions(kit) if a[1] == "cursist1"]
    assert mine[-2:] == [("person.deactivate", "cursist1"), ("person.reactivate", "cursist1")]
    assert mine.count(("person.deactivate", "cursist1")) == 1


def test_nobody_deactivates_or_demotes_themselves(kit, people):
    """Is a coördinator refused deactivating or re-roling their own account, with a Dutch message?"""
    coordinator = people["coordinator"]
    with pytest.raises(ValidationError, match="eigen account"):
        kit.update_person_active(coordinator, "coord1", False)
    with pytest.raises(ValidationError, match="eigen rol"):
        kit.update_person_role(coordinator, "coord1", "cursist")
    assert kit.find_person("coord1").role == "coordinator"
    # the CLI's system actor is nobody's own account
    kit.update_person_role(SYSTEM, "coord1", "trainer")
    assert kit.find_person("coord1").role == "trainer"


def test_only_a_coordinator_changes_accounts(kit, people):
    """Are a trainer and a cursist refused reactivating, resetting passwords and leaving groups?"""
    kit.add_group(people["coordinator"], "Cohort R")
    kit.add_group_member(people["coordinator"], "Cohort R", "cursist2")
    kit.remove_person(people["coordinator"], "cursist2")
    for who in (people["trainer"], people["cursist"]):
        with pytest.raises(PermissionDenied):
            kit.update_person_active(who, "cursist2", True)
        with pytest.raises(PermissionDenied):
            kit.reset_person_password(who, "cursist1")
        with pytest.raises(PermissionDenied):
            kit.remove_group_member(who, "Cohort R", "cursist2")
    with pytest.raises(NotFound):
        kit.find_person("cursist2")
    assert kit.list_groups(people["coordinator"])[0].member_usernames == ("cursist2",)


def test_reset_password(kit, people):
    """Does a reset give a new working password once, end the old one and leave no secret in the log?"""
    new = kit.reset_person_password(people["coordinator"], "cursist1")
    assert len(new) >= MIN_PASSWORD_LENGTH
    assert kit.authenticate("cursist1", new).username == "cursist1"
    with pytest.raises(AuthenticationError):
        kit.authenticate("cursist1", PW)
    assert actions(kit)[-1] == ("person.set_password", "cursist1")
    assert new not in repr(kit.list_audit_entries(SYSTEM))
    with pytest.raises(NotFound):
        kit.reset_person_password(people["coordinator"], "niemand")


def test_remove_group_member(kit, people):
    """Does removing a member take only that person out of the group, and say False when not a member?"""
    coordinator = people["coordinator"]
    kit.add_group(coordinator, "Cohort M", "babytijd")
    kit.add_group_member(coordinator, "Cohort M", "cursist1")
    kit.add_group_member(coordinator, "Cohort M", "cursist2")
    assert kit.remove_group_member(coordinator, "Cohort M", "cursist1") is True
    assert kit.list_groups(coordinator)[0].member_usernames == ("cursist2",)
    assert kit.find_person("cursist1").group_ids == frozenset()
    assert kit.remove_group_member(coordinator, "Cohort M", "cursist1") is False
    assert actions(kit).count(("group.remove_member", "Cohort M")) == 1
    with pytest.raises(NotFound, match="Groep"):
        kit.remove_group_member(coordinator, "Geen groep", "cursist2")
    with pytest.raises(NotFound):
        kit.remove_group_member(coordinator, "Cohort M", "niemand")
