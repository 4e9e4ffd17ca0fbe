"""The storage façade ``Kit`` on SQLite and PostgreSQL.

Every test that uses ``kit`` or ``people`` runs once per database (see
``conftest.py``). Where a test says "nothing stored", it counts the rows in
the table itself rather than trusting a façade read.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from oefenkit.errors import (
    AlreadyExists,
    AuthenticationError,
    Conflict,
    DatabaseUnavailable,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from oefenkit.identity import SYSTEM
from oefenkit.storage import database
from oefenkit.storage import models as m
from oefenkit.storage.kit import Kit

PW = "geheim-wachtwoord"  # the ``people`` fixture's password
LOGIN_FAILED = "Onbekende gebruikersnaam of onjuist wachtwoord."


def count(kit: Kit, model) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def audit_actions(kit: Kit) -> list[tuple[str, str, str]]:
    """(actor, action, target) of every audit entry, oldest first."""
    return [(e["actor"], e["action"], e["target"]) for e in reversed(kit.list_audit_entries(SYSTEM))]


@pytest.fixture
def case(kit, people):
    """A case added by the trainer, with the repository's two scales loaded."""
    kit.add_case(people["trainer"], "casus-1", "Badmoment", programme_code="ouder-baby")
    return "casus-1"


# -- people ------------------------------------------------------------------------------------


def test_add_and_find_person(kit):
    """Is an added person found again with the same name, display name and role?"""
    added = kit.add_person(SYSTEM, "anna", role="trainer", display_name="Anna de Vries", password=PW)
    found = kit.find_person("anna")
    assert found == added
    assert (found.username, found.display_name, found.role) == ("anna", "Anna de Vries", "trainer")
    assert found.id is not None and found.group_ids == frozenset()


def test_add_person_normalises_name_and_role(kit):
    """Are the user name lower-cased, the role alias mapped and a missing display name filled in?"""
    person = kit.add_person(SYSTEM, "  Bram ", role="Coördinator")
    assert (person.username, person.role, person.display_name) == ("bram", "coordinator", "bram")
    assert kit.find_person("bram").role == "coordinator"


def test_password_is_stored_hashed(kit):
    """Is the password stored as an Argon2id hash, never as plain text?"""
    kit.add_person(SYSTEM, "anna", password=PW)
    with kit.transaction() as s:
        stored = s.scalar(select(m.Person.password_hash).where(m.Person.username == "anna"))
    assert stored.startswith("$argon2id$")
    assert PW not in stored


def test_duplicate_user_is_already_exists(kit):
    """Is adding a user name twice (in any case) refused with AlreadyExists, keeping the first?"""
    kit.add_person(SYSTEM, "anna", role="cursist", display_name="Eerste")
    with pytest.raises(AlreadyExists, match="bestaat al"):
        kit.add_person(SYSTEM, "anna", role="trainer", display_name="Tweede")
    with pytest.raises(AlreadyExists):
        kit.add_person(SYSTEM, "ANNA")
    assert count(kit, m.Person) == 1
    assert kit.find_person("anna").display_name == "Eerste"


INVALID_PEOPLE = [
    {"username": "a"},
    {"username": "anna smit"},
    {"username": "anna", "role": "beheerder"},
    {"username": "anna", "display_name": "x" * 201},
    {"username": "anna", "display_name": "   "},
    {"username": "anna", "password": "kort"},
]


def test_invalid_person_is_refused_and_not_stored(kit):
    """Is a bad user name, role, display name or password refused, with nothing stored?"""
    audits = count(kit, m.AuditEntry)
    for kwargs in INVALID_PEOPLE:
        with pytest.raises(ValidationError):
            kit.add_person(SYSTEM, **kwargs)
        assert count(kit, m.Person) == 0, kwargs
    assert count(kit, m.AuditEntry) == audits


def test_add_person_into_groups(kit):
    """Is a person added straight into groups, with the memberships in the returned value?"""
    person = kit.add_person(SYSTEM, "anna", groups=["Voorbeeldgroep Babytijd", "Voorbeeldgroep Ouder-baby",
                                                     "Voorbeeldgroep Babytijd"])
    ids = {g.id for g in kit.list_groups(SYSTEM) if g.name.startswith("Voorbeeldgroep")}
    assert person.group_ids == ids == kit.find_person("anna").group_ids
    assert count(kit, m.GroupMembership) == 2


def test_found_person_carries_programmes_of_their_groups(kit):
    """Does the one joined read (``find_person`` / ``list_active_people``) give each person the
    programmes of their own groups, none for a group without a programme, and the exam programmes
    that follow from them, the same as the person rows say?"""
    kit.add_group(SYSTEM, "Zonder programma")
    kit.add_person(SYSTEM, "anna", groups=["Voorbeeldgroep Babytijd", "Voorbeeldgroep Ouder-baby"])
    kit.add_person(SYSTEM, "bert", groups=["Voorbeeldgroep Babytijd", "Zonder programma"])
    kit.add_person(SYSTEM, "carla")
    anna, bert, carla = (kit.find_person(name) for name in ("anna", "bert", "carla"))
    assert anna.programmes == {"babytijd", "ouder-baby"} and anna.exam_programmes == {"ouder-baby"}
    assert bert.programmes == {"babytijd"} and bert.exam_programmes == frozenset()
    assert len(bert.group_ids) == 2
    assert (carla.programmes, carla.group_ids, carla.exam_programmes) == (frozenset(), frozenset(),
                                                                           frozenset({"ouder-baby"}))
    kit.update_person_active(SYSTEM, "carla", False)
    assert kit.list_active_people(["anna", "bert", "carla"]) == {"anna": anna, "bert": bert}


def test_add_person_into_unknown_group_stores_nothing(kit):
    """When one group does not exist, is neither the account nor any membership or audit entry stored?"""
    audits = count(kit, m.AuditEntry)
    with pytest.raises(NotFound, match="Geen groep"):
        kit.add_person(SYSTEM, "anna", groups=["Voorbeeldgroep Babytijd", "Geen groep"])
    assert (count(kit, m.Person), count(kit, m.GroupMembership), count(kit, m.AuditEntry)) == (0, 0, audits)


def test_find_unknown_person_is_not_found(kit):
    """Is an unknown user name NotFound (with a Dutch message)?"""
    with pytest.raises(NotFound, match="bestaat niet"):
        kit.find_person("niemand")


def test_list_people(kit, people):
    """Are people listed by user name, with role, active flag and groups?"""
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist1")
    listed = kit.list_people(people["coordinator"])
    assert [p["username"] for p in listed] == sorted(p.username for p in people.values())
    by_name = {p["username"]: p for p in listed}
    assert by_name["cursist1"]["groups"] == ["Voorbeeldgroep Babytijd"]
    assert by_name["cursist2"]["groups"] == []
    assert by_name["trainer1"]["role"] == "trainer"
    assert by_name["coord1"]["display_name"] == "Coördinator Een"
    assert all(p["active"] for p in listed)


def test_update_person_role(kit, people):
    """Does a coördinator's role change stick, accepting Dutch aliases?"""
    updated = kit.update_person_role(people["coordinator"], "cursist1", "Trainer")
    assert updated.role == "trainer"
    assert kit.find_person("cursist1").role == "trainer"
    kit.update_person_role(people["coordinator"], "cursist1", "deelnemer")
    assert kit.find_person("cursist1").role == "cursist"


def test_update_role_invalid_keeps_old_role(kit, people):
    """Is an invalid role refused while the person keeps their role?"""
    with pytest.raises(ValidationError):
        kit.update_person_role(people["coordinator"], "trainer1", "baas")
    assert kit.find_person("trainer1").role == "trainer"


def test_update_role_of_unknown_person(kit, people):
    """Is changing the role of an unknown person NotFound?"""
    with pytest.raises(NotFound):
        kit.update_person_role(people["coordinator"], "niemand", "trainer")


def test_update_password(kit, people):
    """After a password change, does only the new password work?"""
    kit.update_person_password(people["coordinator"], "cursist1", "nieuw-wachtwoord")
    assert kit.authenticate("cursist1", "nieuw-wachtwoord").username == "cursist1"
    with pytest.raises(AuthenticationError):
        kit.authenticate("cursist1", PW)


def test_person_may_change_own_password_only(kit, people):
    """May a cursist change their own password but not somebody else's?"""
    kit.update_person_password(people["cursist"], "cursist1", "mijn-nieuwe-ww")
    assert kit.authenticate("cursist1", "mijn-nieuwe-ww")
    with pytest.raises(PermissionDenied):
        kit.update_person_password(people["cursist"], "cursist2", "overgenomen!")
    assert kit.authenticate("cursist2", PW).username == "cursist2"


def test_short_new_password_is_refused(kit, people):
    """Is a too-short new password refused, keeping the old one?"""
    with pytest.raises(ValidationError):
        kit.update_person_password(people["coordinator"], "cursist1", "kort")
    assert kit.authenticate("cursist1", PW)


def test_remove_person_deactivates(kit, people, case):
    """Does removing a person deactivate the account while their ratings stay?"""
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 5})
    before = kit.count_people()
    kit.remove_person(people["coordinator"], "cursist1")
    with pytest.raises(NotFound, match="gedeactiveerd"):
        kit.find_person("cursist1")
    assert kit.count_people() == before - 1
    assert "cursist1" not in [p["username"] for p in kit.list_people(people["trainer"])]
    inactive = {p["username"]: p for p in kit.list_people(people["trainer"], include_inactive=True)}
    assert inactive["cursist1"]["active"] is False
    assert [r.score for r in kit.list_ratings(people["trainer"], rater_username="cursist1")] == [5]


def test_remove_unknown_person(kit, people):
    """Is removing an unknown person NotFound?"""
    with pytest.raises(NotFound):
        kit.remove_person(people["coordinator"], "niemand")


def test_count_people_by_role(kit, people):
    """Does count_people count active people, optionally per role (aliases allowed)?"""
    assert kit.count_people() == len(people)
    assert kit.count_people("cursist") == 2
    assert kit.count_people("deelnemer") == 2
    assert kit.count_people("coördinator") == 1
    kit.remove_person(SYSTEM, "cursist2")
    assert kit.count_people("cursist") == 1


# -- authentication ----------------------------------------------------------------------------


def test_authenticate_right_password(kit, people):
    """Does the right password give the person, whatever the case of the user name?"""
    assert kit.authenticate("cursist1", PW) == people["cursist"]
    assert kit.authenticate("Cursist1", PW).username == "cursist1"


def test_authentication_failures_look_the_same(kit, people):
    """Do wrong password, deactivated, unknown and password-less accounts all fail with one Dutch message?"""
    kit.add_person(SYSTEM, "zonderww")  # an account without a password
    kit.add_person(SYSTEM, "weg", password=PW)
    kit.remove_person(SYSTEM, "weg")
    attempts = [
        ("cursist1", "verkeerd-wachtwoord"),  # wrong password
        ("cursist1", ""),  # empty password
        ("cursist1", PW.upper()),
        ("weg", PW),  # deactivated, right password
        ("niemand", PW),  # unknown
        ("ongeldige naam!", PW),  # not even a valid user name
        ("", ""),
        ("zonderww", PW),  # no password set
        ("zonderww", ""),
    ]
    for username, password in attempts:
        with pytest.raises(AuthenticationError) as info:
            kit.authenticate(username, password)
        assert str(info.value) == LOGIN_FAILED, (username, password)


# -- programmes and groups ---------------------------------------------------------------------


def test_content_programmes_and_sample_groups_are_loaded(kit):
    """Does the kit fixture's content load give both programmes and their sample groups?"""
    codes = [p["code"] for p in kit.list_programmes()]
    assert codes == sorted(codes) and {"babytijd", "ouder-baby"} <= set(codes)
    groups = {g.name: g.programme_code for g in kit.list_groups(SYSTEM)}
    assert groups["Voorbeeldgroep Babytijd"] == "babytijd"
    assert groups["Voorbeeldgroep Ouder-baby"] == "ouder-baby"


def test_update_or_create_programme(kit):
    """Is loading a programme idempotent, and does a changed text update it?"""
    assert kit.update_or_create_programme("test-prog", "Test", "Eerste tekst") is True
    assert kit.update_or_create_programme("test-prog", "Test", "Eerste tekst") is False
    assert kit.update_or_create_programme("test-prog", "Test", "Nieuwe tekst") is True
    progs = {p["code"]: p for p in kit.list_programmes()}
    assert progs["test-prog"]["description"] == "Nieuwe tekst"


def test_add_group_and_members(kit, people):
    """Can a coördinator make a group and add members, who then carry the group id?"""
    group = kit.add_group(people["coordinator"], "Cohort 2026", "babytijd")
    assert (group.name, group.programme_code, group.member_usernames) == ("Cohort 2026", "babytijd", ())
    kit.add_group_member(people["coordinator"], "Cohort 2026", "cursist2")
    kit.add_group_member(people["coordinator"], "Cohort 2026", "cursist1")
    listed = {g.name: g for g in kit.list_groups(people["trainer"])}
    assert listed["Cohort 2026"].member_usernames == ("cursist1", "cursist2")
    assert listed["Cohort 2026"].id == group.id
    assert kit.find_person("cursist1").group_ids == frozenset({group.id})


def test_add_member_twice_is_one_membership(kit, people):
    """Is adding the same member twice harmless (one membership, one audit entry)?"""
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist1")
    audits = count(kit, m.AuditEntry)
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist1")
    assert count(kit, m.GroupMembership) == 1
    assert count(kit, m.AuditEntry) == audits


def test_group_errors(kit, people):
    """Are a duplicate group, unknown programme, empty name, unknown group or unknown member refused?"""
    kit.add_group(SYSTEM, "Cohort A")
    groups = count(kit, m.Group)
    with pytest.raises(AlreadyExists):
        kit.add_group(SYSTEM, "Cohort A")
    with pytest.raises(NotFound, match="Programma"):
        kit.add_group(SYSTEM, "Cohort B", "bestaat-niet")
    with pytest.raises(ValidationError):
        kit.add_group(SYSTEM, "   ")
    with pytest.raises(NotFound, match="Groep"):
        kit.add_group_member(SYSTEM, "Geen groep", "cursist1")
    with pytest.raises(NotFound, match="Gebruiker"):
        kit.add_group_member(SYSTEM, "Cohort A", "niemand")
    assert count(kit, m.Group) == groups
    assert count(kit, m.GroupMembership) == 0


def test_update_or_create_group(kit):
    """Is update_or_create_group True only the first time?"""
    assert kit.update_or_create_group(SYSTEM, "Nieuwe groep", "babytijd") is True
    assert kit.update_or_create_group(SYSTEM, "Nieuwe groep", "babytijd") is False
    assert [g.name for g in kit.list_groups(SYSTEM)].count("Nieuwe groep") == 1


def test_cursist_sees_only_own_groups_without_members(kit, people):
    """Does a cursist see only their own groups, and not who else is in them?"""
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist1")
    kit.add_group_member(SYSTEM, "Voorbeeldgroep Babytijd", "cursist2")
    me = kit.find_person("cursist1")
    mine = kit.list_groups(me)
    assert [g.name for g in mine] == ["Voorbeeldgroep Babytijd"]
    assert mine[0].member_usernames == ()


# -- scales and cases --------------------------------------------------------------------------


def test_repository_scales_are_loaded(kit):
    """Are both Ainsworth scales in the database with a 1–9 range and anchors for the extremes?"""
    scales = {s.code: s for s in kit.list_scales()}
    assert {"sensitiviteit", "cooperatie"} <= set(scales)
    for scale in scales.values():
        assert (scale.min_score, scale.max_score) == (1, 9)
        assert {"1", "9"} <= set(scale.definition["anchors"])


def test_update_or_create_scale_is_idempotent(kit):
    """Does loading the same scale twice change nothing, and a changed anchor change it?"""
    definition = {"anchors": {"1": "laag", "5": "midden", "9": "hoog"}}
    assert kit.update_or_create_scale("testschaal", 1, "Test", definition) is True
    rows = count(kit, m.Scale)
    assert kit.update_or_create_scale("testschaal", 1, "Test", dict(definition)) is False
    assert count(kit, m.Scale) == rows
    changed = {"anchors": {"1": "laag", "5": "anders", "9": "hoog"}}
    assert kit.update_or_create_scale("testschaal", 1, "Test", changed) is True
    assert kit.find_scale("testschaal").definition == changed
    assert count(kit, m.Scale) == rows
    # a scale loaded without a range runs 1-9, as the Ainsworth scales do
    found = kit.find_scale("testschaal")
    assert (found.min_score, found.max_score) == (1, 9)


def test_find_scale_newest_version(kit):
    """Does find_scale give the newest version unless a version is asked for?"""
    for version in (2, 3, 1):
        kit.update_or_create_scale("versies", version, f"Versie {version}", {"anchors": {}})
    assert kit.find_scale("versies").version == 3
    assert kit.find_scale("versies").name == "Versie 3"
    assert kit.find_scale("versies", 2).name == "Versie 2"
    assert [s.version for s in kit.list_scales() if s.code == "versies"] == [1, 2, 3]


def test_find_unknown_scale(kit):
    """Is an unknown scale or version NotFound?"""
    with pytest.raises(NotFound):
        kit.find_scale("bestaat-niet")
    with pytest.raises(NotFound):
        kit.find_scale("sensitiviteit", 99)


def test_add_case(kit, people):
    """Does a trainer's new case get an id and can it be rated?"""
    case_id = kit.add_case(people["trainer"], "c-1", "Voeding", programme_code="babytijd",
                           vignette="Moeder geeft de fles.", details={"fase": 1}, synthetic=True)
    assert isinstance(case_id, int)
    with kit.transaction() as s:
        stored = s.get(m.Case, case_id)
        assert (stored.code, stored.title, stored.vignette, stored.details, stored.synthetic) == (
            "c-1", "Voeding", "Moeder geeft de fles.", {"fase": 1}, True)
        assert stored.programme.code == "babytijd"
    # not said: not synthetic (a real clip, whose original must be anonymised before trainees see it)
    plain = kit.add_case(people["trainer"], "c-2", "Badmoment")
    with kit.transaction() as s:
        assert s.get(m.Case, plain).synthetic is False


def test_duplicate_case_is_already_exists(kit, people, case):
    """Is a case code used twice refused?"""
    with pytest.raises(AlreadyExists):
        kit.add_case(people["trainer"], case, "Nog een")
    assert count(kit, m.Case) == 1


def test_case_with_unknown_programme_is_refused(kit, people):
    """Is a case for an unknown programme refused instead of silently losing the programme?"""
    with pytest.raises(NotFound, match="Programma"):
        kit.add_case(people["trainer"], "c-2", "Titel", programme_code="babytijdd")
    assert count(kit, m.Case) == 0


# -- expert scores -----------------------------------------------------------------------------


def test_add_and_list_expert_scores(kit, people, case):
    """Are expert scores stored per expert and scale, and listed by scale then expert?"""
    trainer = people["trainer"]
    kit.add_expert_score(trainer, case, "sensitiviteit", 3, "Mist veel signalen.")
    kit.add_expert_score(trainer, case, "cooperatie", 4)
    kit.add_expert_score(trainer, case, "sensitiviteit", 4, expert_username="coord1")
    listed = kit.list_expert_scores(trainer, case)
    assert [(e.scale_code, e.expert_username, e.score) for e in listed] == [
        ("cooperatie", "trainer1", 4),
        ("sensitiviteit", "coord1", 4),
        ("sensitiviteit", "trainer1", 3),
    ]
    assert listed[2].rationale == "Mist veel signalen."
    assert kit.list_expert_scores(trainer, "andere-casus") == []


def test_expert_scores_once_per_expert_case_scale(kit, people, case):
    """Is a second score by the same expert on the same case and scale refused?"""
    kit.add_expert_score(people["trainer"], case, "sensitiviteit", 3)
    with pytest.raises(AlreadyExists):
        kit.add_expert_score(people["trainer"], case, "sensitiviteit", 7)
    assert [e.score for e in kit.list_expert_scores(people["trainer"], case)] == [3]


def test_expert_score_out_of_range_is_refused(kit, people, case):
    """Is an expert score outside 1–9 or not a whole number refused, with nothing stored?"""
    for bad in [0, 10, -1, True, 5.0, "5", None]:
        with pytest.raises(ValidationError):
            kit.add_expert_score(people["trainer"], case, "sensitiviteit", bad)
        assert count(kit, m.ExpertScore) == 0, bad


def test_expert_score_unknown_case_scale_or_expert(kit, people, case):
    """Are an unknown case, scale or expert NotFound?"""
    with pytest.raises(NotFound, match="Casus"):
        kit.add_expert_score(people["trainer"], "geen-casus", "sensitiviteit", 5)
    with pytest.raises(NotFound, match="Schaal"):
        kit.add_expert_score(people["trainer"], case, "geen-schaal", 5)
    with pytest.raises(NotFound, match="Gebruiker"):
        kit.add_expert_score(people["trainer"], case, "sensitiviteit", 5, expert_username="niemand")
    assert count(kit, m.ExpertScore) == 0


# -- ratings -----------------------------------------------------------------------------------


def test_add_ratings_stores_every_scale(kit, people, case):
    """Are the scores on both scales stored for the rater, with note and mode?"""
    ids = kit.add_ratings(people["cursist"], case, {"sensitiviteit": 3, "cooperatie": 9},
                          note="Twijfel bij 3.", mode="exam")
    assert len(ids) == 2 and len(set(ids)) == 2
    ratings = kit.list_ratings(people["cursist"], rater_username="cursist1")
    assert sorted((r.scale_code, r.score) for r in ratings) == [("cooperatie", 9), ("sensitiviteit", 3)]
    assert {r.id for r in ratings} == set(ids)
    assert {(r.rater_username, r.case_code, r.note, r.mode) for r in ratings} == {
        ("cursist1", case, "Twijfel bij 3.", "exam")}


def test_extreme_scores_are_accepted(kit, people, case):
    """Are the extremes 1 and 9 valid scores?"""
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 1, "cooperatie": 9})
    assert sorted(r.score for r in kit.list_ratings(people["trainer"])) == [1, 9]


def test_bad_score_is_refused_and_nothing_stored(kit, people, case):
    """Is a score outside the scale, a bool or a non-integer refused, with nothing stored?"""
    for bad in [0, 10, -3, 100, True, False, 4.5, 5.0, "5", None]:
        with pytest.raises(ValidationError, match="score"):
            kit.add_ratings(people["cursist"], case, {"sensitiviteit": bad})
        assert count(kit, m.Rating) == 0, bad


def test_bad_second_score_stores_neither(kit, people, case):
    """When the second of two scores is bad, is the valid first one not stored either?"""
    for bad in [10, 0, True, "7", 6.0]:
        scores = {"sensitiviteit": 5, "cooperatie": bad}
        assert list(scores)[0] == "sensitiviteit"  # the valid score is handled (and flushed) first
        with pytest.raises(ValidationError):
            kit.add_ratings(people["cursist"], case, scores)
        assert count(kit, m.Rating) == 0, bad
    assert kit.list_ratings(people["trainer"]) == []


def test_unknown_second_scale_stores_neither(kit, people, case):
    """When the second scale does not exist, is the first score rolled back too?"""
    with pytest.raises(NotFound, match="Schaal"):
        kit.add_ratings(people["cursist"], case, {"sensitiviteit": 5, "geen-schaal": 5})
    assert count(kit, m.Rating) == 0


def test_rating_for_unknown_case(kit, people):
    """Is a rating of an unknown case NotFound, with nothing stored?"""
    with pytest.raises(NotFound, match="Casus"):
        kit.add_ratings(people["cursist"], "geen-casus", {"sensitiviteit": 5})
    assert count(kit, m.Rating) == 0


def test_invalid_rating_request(kit, people, case):
    """Are no scores, an unknown mode or an over-long note refused in Dutch?"""
    cursist = people["cursist"]
    with pytest.raises(ValidationError, match="minstens"):
        kit.add_ratings(cursist, case, {})
    with pytest.raises(ValidationError, match="beoordelingsvorm"):
        kit.add_ratings(cursist, case, {"sensitiviteit": 5}, mode="wedstrijd")
    with pytest.raises(ValidationError, match="toelichting"):
        kit.add_ratings(cursist, case, {"sensitiviteit": 5}, note="x" * 5001)
    assert count(kit, m.Rating) == 0


def test_a_note_of_5000_characters_is_stored_whole(kit, people, case):
    """Is the longest allowed note (5000 characters) stored whole with the rating?"""
    note = "x" * 5000
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 5}, note=note)
    [rating] = kit.list_ratings(people["cursist"], rater_username="cursist1")
    assert rating.note == note


def test_rating_uses_newest_scale_version(kit, people, case):
    """Is a rating checked against, and linked to, the newest version of the scale?"""
    kit.update_or_create_scale("sensitiviteit", 2, "Sensitiviteit (v2)",
                               {"anchors": {"1": "laag", "7": "hoog"}}, 1, 7)
    with pytest.raises(ValidationError, match="tussen 1 en 7"):
        kit.add_ratings(people["cursist"], case, {"sensitiviteit": 8})
    [rating_id] = kit.add_ratings(people["cursist"], case, {"sensitiviteit": 7})
    with kit.transaction() as s:
        scale = s.get(m.Scale, s.get(m.Rating, rating_id).scale_id)
        assert (scale.code, scale.version) == ("sensitiviteit", 2)


def test_list_ratings_filters(kit, people):
    """Do the rater and case filters combine, in the order the ratings were given?"""
    trainer = people["trainer"]
    kit.add_case(trainer, "a", "A")
    kit.add_case(trainer, "b", "B")
    kit.add_ratings(people["cursist"], "a", {"sensitiviteit": 1})
    kit.add_ratings(people["cursist2"], "a", {"sensitiviteit": 2})
    kit.add_ratings(people["cursist"], "b", {"sensitiviteit": 3})
    kit.add_ratings(people["cursist2"], "b", {"sensitiviteit": 4})

    def scores(**filters):
        return [r.score for r in kit.list_ratings(trainer, **filters)]

    assert scores() == [1, 2, 3, 4]
    assert scores(rater_username="cursist1") == [1, 3]
    assert scores(case_code="b") == [3, 4]
    assert scores(rater_username="cursist2", case_code="a") == [2]
    assert scores(case_code="geen") == []
    assert scores(rater_username="trainer1") == []


def test_list_ratings_of_unknown_rater(kit, people):
    """Does a trainer asking for an unknown rater get NotFound?"""
    with pytest.raises(NotFound):
        kit.list_ratings(people["trainer"], rater_username="niemand")


def test_rating_timestamps(kit, people, case):
    """Does a stored rating carry created and updated times?"""
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 5})
    [rating] = kit.list_ratings(people["cursist"], rater_username="cursist1")
    assert rating.created_at is not None
    assert rating.updated_at >= rating.created_at


# -- audit -------------------------------------------------------------------------------------


def test_sensitive_actions_are_audited(kit, people, case):
    """Does each sensitive action leave one audit entry naming who, what and on whom?"""
    coordinator, trainer = people["coordinator"], people["trainer"]
    start = count(kit, m.AuditEntry)
    kit.add_person(coordinator, "nieuw", role="cursist", password=PW)
    kit.update_person_role(coordinator, "nieuw", "trainer")
    kit.update_person_password(coordinator, "nieuw", "ander-wachtwoord")
    kit.add_group(coordinator, "Cohort X")
    kit.add_group_member(coordinator, "Cohort X", "nieuw")
    kit.add_expert_score(trainer, case, "sensitiviteit", 6)
    kit.remove_person(coordinator, "nieuw")
    entries = audit_actions(kit)
    assert entries[start:] == [
        ("coord1", "person.add", "nieuw"),
        ("coord1", "person.set_role", "nieuw"),
        ("coord1", "person.set_password", "nieuw"),
        ("coord1", "group.add", "Cohort X"),
        ("coord1", "group.add_member", "Cohort X"),
        ("trainer1", "expert_score.add", case),
        ("coord1", "person.deactivate", "nieuw"),
    ]
    # the earlier entries are the fixture's accounts (by the system) and the case
    assert ("systeem", "person.add", "cursist1") in entries[:start]
    assert ("trainer1", "case.add", case) in entries[:start]


def test_audit_details_hold_no_secrets(kit, people):
    """Do audit entries keep the role change but never a password or hash?"""
    kit.update_person_password(people["coordinator"], "cursist1", "nieuw-geheim-1")
    kit.update_person_role(people["coordinator"], "cursist1", "trainer")
    entries = kit.list_audit_entries(SYSTEM, limit=2)
    assert entries[0]["action"] == "person.set_role"
    assert entries[0]["details"] == {"old": "cursist", "new": "trainer"}
    assert "nieuw-geheim-1" not in repr(entries) and "argon2" not in repr(entries)


def test_failed_action_leaves_no_audit_entry(kit, people):
    """Does a refused action (duplicate, bad input) write no audit entry?"""
    start = count(kit, m.AuditEntry)
    with pytest.raises(AlreadyExists):
        kit.add_person(people["coordinator"], "cursist1")
    with pytest.raises(ValidationError):
        kit.update_person_role(people["coordinator"], "cursist1", "baas")
    assert count(kit, m.AuditEntry) == start


def test_audit_list_is_newest_first_and_limited(kit, people):
    """Is the audit list newest first and cut at the limit?"""
    for name in ("G1", "G2", "G3"):
        kit.add_group(people["coordinator"], name)
    entries = kit.list_audit_entries(people["coordinator"], limit=2)
    assert [(e["actor"], e["action"], e["target"]) for e in entries] == [
        ("coord1", "group.add", "G3"), ("coord1", "group.add", "G2")]


# -- JupyterHub people -------------------------------------------------------------------------


def test_hub_person_is_created_as_cursist(kit):
    """Does a first hub login create a person whose role follows the hub groups?"""
    person = kit.update_or_create_hub_person("Hubgebruiker", ["cohort-1"])
    assert (person.username, person.role, person.display_name) == ("hubgebruiker", "cursist", "hubgebruiker")
    assert kit.find_person("hubgebruiker") == person
    assert audit_actions(kit)[-1] == ("systeem", "person.add", "hubgebruiker")


def test_hub_person_role_follows_hub_groups(kit):
    """Does the role change with the hub groups at each start, audited as a role change?"""
    first = kit.update_or_create_hub_person("hanna", [])
    assert kit.update_or_create_hub_person("hanna", ["oefenkit-trainer"]).role == "trainer"
    assert kit.update_or_create_hub_person("hanna", ["oefenkit-trainer", "oefenkit-coordinator"]).role == "coordinator"
    again = kit.update_or_create_hub_person("hanna", [])
    assert again.role == "cursist" and again.id == first.id
    assert count(kit, m.Person) == 1
    roles = [e["details"].get("new") for e in kit.list_audit_entries(SYSTEM) if e["action"] == "person.set_role"]
    assert roles == ["cursist", "coordinator", "trainer"]  # newest first


def test_hub_person_unchanged_role_writes_nothing(kit):
    """Does a hub start with unchanged groups leave the database as it was?"""
    kit.update_or_create_hub_person("hanna", ["oefenkit-trainer"])
    audits = count(kit, m.AuditEntry)
    kit.update_or_create_hub_person("hanna", ["oefenkit-trainer", "iets-anders"])
    assert count(kit, m.AuditEntry) == audits


def test_deactivated_hub_person_is_refused(kit):
    """Is a deactivated person refused even when the hub still lets them in?"""
    kit.update_or_create_hub_person("hanna", [])
    kit.remove_person(SYSTEM, "hanna")
    with pytest.raises(NotFound, match="gedeactiveerd"):
        kit.update_or_create_hub_person("hanna", ["oefenkit-coordinator"])
    with kit.transaction() as s:
        assert s.scalar(select(m.Person.role).where(m.Person.username == "hanna")) == "cursist"


def test_hub_person_with_invalid_name(kit):
    """Is a hub user name the kit cannot store refused?"""
    with pytest.raises(ValidationError):
        kit.update_or_create_hub_person("naam met spaties", [])
    assert count(kit, m.Person) == 0


# -- transactions ------------------------------------------------------------------------------


def test_transaction_rolls_back_on_error(kit):
    """Does an exception inside a transaction undo everything written in it?"""
    with pytest.raises(RuntimeError):
        with kit.transaction() as s:
            s.add(m.Programme(code="tijdelijk", name="Tijdelijk"))
            s.flush()
            raise RuntimeError("boem")
    assert "tijdelijk" not in [p["code"] for p in kit.list_programmes()]


def test_unreachable_database_is_database_unavailable():
    """Does a façade call on an unreachable database raise DatabaseUnavailable in Dutch?"""
    kit = Kit(database.make_engine("postgresql://nobody@127.0.0.1:1/x"))
    with pytest.raises(DatabaseUnavailable, match="database"):
        kit.find_person("anna")
    kit.engine.dispose()


def test_database_gone_midway_is_database_unavailable(pg_server):
    """When the PostgreSQL database disappears after start, is the error DatabaseUnavailable?"""
    admin = database.make_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"oefenkit_gone_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = database.make_engine(admin.url.set(database=name).render_as_string(hide_password=False))
    try:
        database.upgrade(engine)
        kit = Kit(engine)
        kit.add_person(SYSTEM, "anna")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        with pytest.raises(DatabaseUnavailable):
            kit.find_person("anna")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_unique_clash_inside_the_database_becomes_a_dutch_conflict(kit):
    """When the database itself refuses a duplicate, is that a Dutch Conflict with nothing stored?"""
    kit.add_person(SYSTEM, "anna", role="cursist")
    before = count(kit, m.Person)
    with pytest.raises(Conflict, match="niets gewijzigd"):
        with kit.transaction() as s:
            s.add(m.Person(username="bert", display_name="Bert", role="cursist"))
            s.add(m.Person(username="anna", display_name="Anna 2", role="cursist"))
    assert count(kit, m.Person) == before


def test_unknown_user_costs_a_password_check(kit, monkeypatch):
    """Does logging in with an unknown user name still run one password verification (no timing leak)?"""
    from oefenkit import identity

    calls = []
    real = identity._safe_verify
    monkeypatch.setattr(identity, "_safe_verify", lambda h, p: calls.append(h) or real(h, p))
    with pytest.raises(AuthenticationError):
        kit.authenticate("bestaat-niet", "wat-dan-ook-123")
    assert len(calls) == 1
