"""Issue 13, finding 2 (kernel side): a page re-reads its person before every verb.

A kernel binds its person once, when the page opens. These tests play that kernel
(``oefenkit.kernel.bind_person``, then the kit the apps get from ``current_kit()``) while the
person is deactivated, demoted or moved, and check that the page's next verb call — at most
``LIVE_CHECK_SECONDS`` later — is refused with ``AccessLost`` and stores nothing. On SQLite and
PostgreSQL. The browser side is in ``test_live_access_browser.py``.
"""

from __future__ import annotations

import time

import pytest

from oefenkit import instance as kit_instance
from oefenkit import kernel
from oefenkit.errors import AccessLost, NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.instance import current_kit

from ..test_kernel import fresh_kernel, instance  # noqa: F401 - fixtures: a new kernel of this kit instance


@pytest.fixture(autouse=True)
def no_live_state(monkeypatch):
    """Each test is a new kernel: no earlier live check, access not lost, no guard installed yet."""
    monkeypatch.setattr(kernel, "_checked", None)
    monkeypatch.setattr(kernel, "_lost", False)
    monkeypatch.setattr(kit_instance, "_kit_guard", None)


def wait_past_cache():
    time.sleep(kernel.LIVE_CHECK_SECONDS + 0.05)


def test_deactivated_coordinator_cannot_add_an_account_from_an_open_page(kit, instance):  # noqa: F811
    """After deactivation, does the open Beheer page's next ``add_person`` raise AccessLost and store nothing?"""
    kernel.bind_person("coord1", "beheer")
    page_kit = current_kit()
    person = kernel.require_app("beheer")
    page_kit.add_person(person, "nieuw1", role="cursist")  # works while active
    kit.update_person_active(SYSTEM, "coord1", False)  # `oefenkit users deactivate coord1`
    wait_past_cache()
    with pytest.raises(AccessLost, match="Geen toegang"):
        page_kit.add_person(person, "nieuw2", role="coordinator")
    with pytest.raises(NotFound):
        kit.find_person("nieuw2")
    # lost stays lost, for every verb, even after reactivation
    kit.update_person_active(SYSTEM, "coord1", True)
    wait_past_cache()
    with pytest.raises(AccessLost):
        page_kit.list_people(person)
    with pytest.raises(AccessLost):
        kernel.live_person()


def test_a_verb_called_on_a_service_is_checked_the_same_way(kit, instance):  # noqa: F811
    """The pages call verbs on the kit's services (``kit.people.add_person``): after deactivation,
    is that refused with AccessLost too, storing nothing, and does a live verb get the fresh
    person?"""
    kernel.bind_person("coord1", "beheer")
    page_kit = current_kit()
    person = kernel.require_app("beheer")
    page_kit.people.add_person(person, "nieuw1", role="cursist")  # works while active
    assert page_kit.people is page_kit.people  # one guarded view per service
    kit.update_person_active(SYSTEM, "coord1", False)
    wait_past_cache()
    with pytest.raises(AccessLost, match="Geen toegang"):
        page_kit.people.add_person(person, "nieuw2", role="coordinator")
    with pytest.raises(NotFound):
        kit.people.find_person("nieuw2")
    with pytest.raises(AccessLost):
        page_kit.audit_log.list_audit_entries(person)


def test_demoted_trainer_loses_the_deelnemers_page(kit, instance):  # noqa: F811
    """A trainer set to cursist: is the open Deelnemers page's people list refused (AccessLost)?"""
    kernel.bind_person("trainer1", "deelnemers")
    page_kit = current_kit()
    person = kernel.require_app("deelnemers")
    assert any(p["username"] == "cursist1" for p in page_kit.list_people(person))
    kit.update_person_role(SYSTEM, "trainer1", "cursist")
    wait_past_cache()
    with pytest.raises(AccessLost):
        page_kit.list_people(person)


def test_verbs_get_the_fresh_role(kit, instance):  # noqa: F811
    """A coördinator set to trainer may still open Deelnemers, but the page's verbs now act as a trainer:
    adding an account (coördinator only) is refused although the page holds the old coördinator value."""
    kernel.bind_person("coord1", "deelnemers")
    page_kit = current_kit()
    stale = kernel.require_app("deelnemers")
    kit.update_person_role(SYSTEM, "coord1", "trainer")
    wait_past_cache()
    with pytest.raises(PermissionDenied) as refused:
        page_kit.add_person(stale, "nieuw3", role="cursist")
    assert not isinstance(refused.value, AccessLost)
    with pytest.raises(NotFound):
        kit.find_person("nieuw3")
    assert kernel.live_person().role == "trainer"


def test_the_check_is_at_most_one_second_old(kit, instance, monkeypatch):  # noqa: F811
    """Does the page re-read its person at most once per LIVE_CHECK_SECONDS (and at least that often)?"""
    kernel.bind_person("cursist1", "practice")
    reads = []
    raw = kit_instance.current_kit(guarded=False)
    original = type(raw.logins).find_live_person
    monkeypatch.setattr(type(raw.logins), "find_live_person",
                        lambda self, name, session: reads.append(name) or original(self, name, session))
    page_kit = current_kit()
    person = kernel.require_app("practice")
    for _ in range(20):
        page_kit.list_ratings(person, rater_username="cursist1")
    assert len(reads) <= 1
    before = len(reads)
    wait_past_cache()
    page_kit.list_ratings(person, rater_username="cursist1")
    assert len(reads) == before + 1 and reads[-1] == "cursist1"


def test_server_reads_all_owners_at_once(kit, people):
    """``list_active_people`` gives the active people among the names, with fresh role and groups."""
    kit.add_group(SYSTEM, "groep-a")
    kit.add_group_member(SYSTEM, "groep-a", "cursist2")
    kit.update_person_active(SYSTEM, "cursist1", False)
    found = kit.list_active_people(["cursist1", "cursist2", "trainer1", "onbekend"])
    assert set(found) == {"cursist2", "trainer1"}
    assert found["cursist2"].group_ids and found["trainer1"].role == "trainer"


def test_the_watch_reads_person_and_login_session_in_one_unit_of_work(kit, people, monkeypatch):
    """``find_live_person``, the open page's check each second: the fresh person while their login
    session holds, ``None`` when the session ended or outlived its lifetime, when the person was
    deactivated or is unknown; one transaction per call."""
    import datetime as dt

    kit.add_group(SYSTEM, "groep-w")
    kit.add_group_member(SYSTEM, "groep-w", "cursist1")
    token = kit.add_login_session("cursist1")
    session = kit.find_login_session(token).session_id
    units = []
    original = type(kit).transaction
    monkeypatch.setattr(type(kit), "transaction", lambda self, **kw: units.append(kw) or original(self, **kw))
    found = kit.find_live_person("cursist1", session)
    assert found is not None and found.username == "cursist1" and found.group_ids
    assert units == [{"readonly": True}]
    assert kit.find_live_person("cursist1", None).username == "cursist1"  # a page without a login session
    assert kit.find_live_person("onbekend", None) is None
    kit.remove_login_session(token)
    assert kit.find_live_person("cursist1", session) is None
    other = kit.find_login_session(kit.add_login_session("cursist1")).session_id
    original_clock = kit.logins.login_clock
    monkeypatch.setattr(kit.logins, "login_clock", lambda: original_clock() + kit.logins.login_lifetime + dt.timedelta(seconds=1))
    assert kit.find_live_person("cursist1", other) is None  # outlived its lifetime
    monkeypatch.undo()
    assert kit.find_live_person("cursist1", other).username == "cursist1"
    kit.update_person_active(SYSTEM, "cursist1", False)
    assert kit.find_live_person("cursist1", other) is None


def test_page_of_an_ended_login_session_loses_access(kit, instance):  # noqa: F811
    """A page opened with a login session (a copied cookie, say): when that session ends — logout,
    "Overal afmelden", a new password — is the open page's next verb refused, while a page of
    another, still valid session of the same person keeps working?"""
    from oefenkit import logins

    token = kit.add_login_session("cursist1")
    ended = kit.find_login_session(token).session_id
    other = kit.find_login_session(kit.add_login_session("cursist1")).session_id
    assert kit.list_live_login_sessions([ended, other, 999999]) == {ended, other}
    kernel.bind_person("cursist1", "mijn-gegevens")
    logins.bind_login_session(ended)
    page_kit = current_kit()
    person = kernel.require_app("mijn-gegevens")
    page_kit.list_groups(person)  # works while the session holds
    kit.remove_login_session(token)  # the owner logs out
    assert kit.list_live_login_sessions([ended, other]) == {other}
    wait_past_cache()
    with pytest.raises(AccessLost):
        page_kit.list_groups(person)

    kernel.bind_person("cursist1", "mijn-gegevens")  # a new page, opened with the other session
    logins.bind_login_session(other)
    current_kit().list_groups(kernel.require_app("mijn-gegevens"))
    logins.bind_login_session(None)
