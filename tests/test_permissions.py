"""Who may do what: the ``can()`` matrix, the apps per role, and the same rules
enforced through the storage façade on both databases."""

from __future__ import annotations

import pytest

from oefenkit.apps import APPS, LANDING, App, app_for_path, apps_for
from oefenkit.errors import NotFound, PermissionDenied
from oefenkit.identity import SYSTEM, Actor, role_codes
from oefenkit.permissions import ACTIONS, can, require
from oefenkit.settings import PROJECT_ROOT

#: The shipped roles (oefenkit/roles.yaml). This file pins what the shipped data grants, written
#: out here independently of it; tests/test_roles.py adds a role from a fixture file.
ROLES = ("cursist", "trainer", "coordinator")
STAFF = {"trainer", "coordinator"}
EVERYONE = set(ROLES)

#: The rules as the domain brief states them: action -> roles allowed (for actions
#: that depend on the role only).
ROLE_RULES = {
    "read_expert_scores": STAFF,
    "write_expert_scores": STAFF,
    "manage_cases": STAFF,
    "view_people": STAFF,
    "manage_people": {"coordinator"},
    "manage_groups": {"coordinator"},
    "view_audit_log": {"coordinator"},
    "decide_certification": STAFF,
    "view_all_clips": STAFF,
    "view_certificate_register": STAFF,
    "record_supervised_cases": STAFF,
    "record_requirements": STAFF,
    "delete_person_data": {"coordinator"},
    "lead_live_session": STAFF,
    "lead_any_live_session": {"coordinator"},
    "babytijd_report": STAFF,
}
#: Actions on one person's own data: that person and staff (the Babytijd reeksen: an uitvoerder
#: keeps their own, trainers and coördinatoren see and correct all).
OWN_OR_STAFF = ("read_ratings_of", "read_certification_of", "read_progress_of", "read_babytijd_of",
                "write_babytijd_for")
#: Actions on one person's own data: that person and a coördinator (not a trainer).
OWN_OR_COORDINATOR = ("export_person_data",)
#: Which roles may open an app of each area.
AREA_RULES = {"landing": EVERYONE, "training": EVERYONE, "supervision": STAFF, "beheer": {"coordinator"}}


def actor(role: str, id: int = 10, exam_programmes=frozenset({"ouder-baby"})) -> Actor:
    """A person of ``role`` who may take the Ouder-baby scoring test (so the exam app is theirs)."""
    return Actor(id=id, username=f"{role}{id}", display_name=role.title(), role=role,
                 exam_programmes=frozenset(exam_programmes))


def app(area: str) -> App:
    return App(id=f"test-{area}", title="Test", description="", path=f"{area}/test.ipynb", area=area)


# -- the matrix --------------------------------------------------------------------------------


def test_the_shipped_roles_are_these_three():
    assert role_codes() == ROLES


def test_matrix_covers_every_action():
    """Does this test's rule table name every action the permission layer knows?"""
    assert set(ROLE_RULES) | {"open_app", "write_rating_for", "write_progress_for", "read_intervision_of", *OWN_OR_STAFF,
                              *OWN_OR_COORDINATOR} == set(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ROLE_RULES))
def test_role_actions(role, action):
    """For each role-only action and role, is the answer the one the rules give?"""
    assert can(actor(role), action) is (role in ROLE_RULES[action])
    if role in ROLE_RULES[action]:
        require(actor(role), action)
    else:
        with pytest.raises(PermissionDenied) as info:
            require(actor(role), action)
        assert str(info.value).strip()  # a Dutch message, not empty


@pytest.mark.parametrize("role", ROLES)
def test_intervision_scores_for_the_team_and_staff(role):
    """May a member of the group (any role) and staff read a team's intervision scores, and nobody
    outside the group who is not staff?"""
    member = Actor(id=10, username="m", display_name="M", role=role, group_ids=frozenset({3}))
    assert can(member, "read_intervision_of", 3) is True
    assert can(member, "read_intervision_of", 4) is (role in STAFF)
    assert can(None, "read_intervision_of", 3) is False


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("area", sorted(AREA_RULES))
def test_open_app_per_area(role, area):
    """May each role open the apps of each area exactly as the rules say?"""
    assert can(actor(role), "open_app", app(area)) is (role in AREA_RULES[area])


@pytest.mark.parametrize("role", ROLES)
def test_unknown_area_is_closed(role):
    """Is an app of an unknown area closed to everybody?"""
    assert can(actor(role), "open_app", app("geheim")) is False


@pytest.mark.parametrize("action", OWN_OR_STAFF)
@pytest.mark.parametrize("role", ROLES)
def test_read_own_data(role, action):
    """May everybody read their own ratings and certification, but only staff someone else's or everyone's?"""
    me = actor(role, id=5)
    assert can(me, action, 5) is True
    assert can(me, action, 6) is (role in STAFF)
    assert can(me, action, None) is (role in STAFF)


@pytest.mark.parametrize("action", OWN_OR_COORDINATOR)
@pytest.mark.parametrize("role", ROLES)
def test_own_data_or_coordinator(role, action):
    """May everybody export their own stored data, but only a coördinator somebody else's?"""
    me = actor(role, id=5)
    assert can(me, action, 5) is True
    assert can(me, action, 6) is (role == "coordinator")
    assert can(me, action, None) is (role == "coordinator")


@pytest.mark.parametrize("role", ROLES)
def test_write_progress_only_for_oneself(role):
    """May a person update course-module progress only for themselves, whatever their role?"""
    me = actor(role, id=5)
    assert can(me, "write_progress_for", 5) is True
    assert can(me, "write_progress_for", 6) is False
    assert can(me, "write_progress_for", None) is False


@pytest.mark.parametrize("role", ROLES)
def test_write_ratings_only_for_oneself(role):
    """May a person write ratings only for themselves, whatever their role?"""
    me = actor(role, id=5)
    assert can(me, "write_rating_for", 5) is True
    assert can(me, "write_rating_for", 6) is False
    assert can(me, "write_rating_for", None) is False
    with pytest.raises(PermissionDenied, match="jezelf"):
        require(me, "write_rating_for", 6)


def test_system_actor():
    """Can the CLI's system actor manage everything but never rate as somebody?"""
    for action in ROLE_RULES:
        assert can(SYSTEM, action) is True
    assert can(SYSTEM, "read_ratings_of", None) is True
    assert can(SYSTEM, "write_rating_for", None) is False
    assert can(SYSTEM, "write_rating_for", 1) is False


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_nobody_may_do_anything(action):
    """Is every action refused when nobody is logged in?"""
    thing = app("training") if action == "open_app" else 1
    assert can(None, action, thing) is False
    with pytest.raises(PermissionDenied):
        require(None, action, thing)


def test_unknown_action_raises_value_error():
    """Is a misspelled action a programming error (ValueError), never a silent yes or no?"""
    with pytest.raises(ValueError, match="unknown action"):
        can(actor("coordinator"), "manage_peeple")
    with pytest.raises(ValueError):
        can(None, "manage_peeple")
    with pytest.raises(ValueError):
        require(SYSTEM, "alles")


# -- apps per role -----------------------------------------------------------------------------


def test_cursist_gets_only_training_apps():
    """Does a cursist get exactly the training apps, none from supervision (without a Babytijd group not
    the app of that programme, Babytijd-reeks)?"""
    apps = apps_for(actor("cursist"))
    assert apps  # at least one
    assert apps == [a for a in APPS if a.area == "training" and a.programme is None]


def test_an_app_of_one_programme_is_for_its_groups_and_staff():
    """Is an app with ``programme`` (Babytijd-reeks) opened by a cursist in a group of that programme and
    by staff, and refused to a cursist of another programme only?"""
    reeks = next(a for a in APPS if a.id == "babytijd-reeks")
    assert reeks.programme == "babytijd"
    babytijd = Actor(id=11, username="bt", display_name="Bt", role="cursist", programmes=frozenset({"babytijd"}))
    ouder_baby = Actor(id=12, username="ob", display_name="Ob", role="cursist", programmes=frozenset({"ouder-baby"}))
    assert can(babytijd, "open_app", reeks) and reeks in apps_for(babytijd)
    assert not can(ouder_baby, "open_app", reeks)
    with pytest.raises(PermissionDenied, match="rol of programma"):
        require(ouder_baby, "open_app", reeks)
    assert all(can(actor(role), "open_app", reeks) for role in STAFF)


@pytest.mark.parametrize("role", sorted(STAFF))
def test_staff_get_training_and_supervision_apps(role):
    """Do trainers and coördinatoren get every training and supervision app, in catalogue order, and only a
    coördinator the beheer apps?"""
    apps = apps_for(actor(role))
    areas = {"training", "supervision"} | ({"beheer"} if role == "coordinator" else set())
    assert {a.area for a in apps} == areas
    assert apps == [a for a in APPS if a.area in areas]


@pytest.mark.parametrize("role", sorted(ROLES))
def test_exam_app_only_with_a_programme_that_has_a_scoring_test(role):
    """Is the certification test missing for a person without a programme with a scoring test (a
    Babytijd-only cursist; staff when no programme has one), while every other app stays?"""
    without = apps_for(actor(role, exam_programmes=()))
    assert "exam" not in {a.id for a in without}
    assert [a for a in apps_for(actor(role)) if a.id != "exam"] == without
    exam = next(a for a in APPS if a.id == "exam")
    assert exam.needs_scoring_test and not can(actor(role, exam_programmes=()), "open_app", exam)
    with pytest.raises(PermissionDenied, match="rol of programma"):
        require(actor(role, exam_programmes=()), "open_app", exam)


def test_landing_is_never_listed():
    """Is the landing page itself never offered as an app?"""
    for role in ROLES:
        assert LANDING not in apps_for(actor(role))


def test_every_catalogued_app_has_a_notebook():
    """Does every app in the catalogue point at an existing notebook, with a unique id and path?"""
    for a in APPS:
        assert (PROJECT_ROOT / "notebooks" / a.path).is_file(), a.path
        assert a.url == f"/voila/render/{a.path}"
    assert len({a.id for a in APPS}) == len(APPS)
    assert len({a.path for a in APPS}) == len(APPS)


@pytest.mark.parametrize("variant", ["{p}", "/{p}", "\\{p}"])
def test_app_for_path(variant):
    """Is a catalogued notebook found from the path Voilà passes, with or without a leading slash?"""
    for a in APPS:
        path = variant.format(p=a.path)
        if variant.startswith("\\"):
            path = path.replace("/", "\\")
        assert app_for_path(path) == a


@pytest.mark.parametrize("path", ["geheim.ipynb", "training/../supervision/x.ipynb", "", "training"])
def test_uncatalogued_path_is_not_found(path):
    """Is a notebook outside the catalogue NotFound?"""
    with pytest.raises(NotFound):
        app_for_path(path)


# -- through the façade ------------------------------------------------------------------------


@pytest.fixture
def rated(kit, people):
    """A case rated by both cursists, with an expert score by the trainer."""
    kit.add_case(people["trainer"], "casus-p", "Casus")
    kit.add_ratings(people["cursist"], "casus-p", {"sensitiviteit": 3, "cooperatie": 4})
    kit.add_ratings(people["cursist2"], "casus-p", {"sensitiviteit": 8})
    kit.add_expert_score(people["trainer"], "casus-p", "sensitiviteit", 3)
    return "casus-p"


def test_cursist_cannot_read_other_ratings(kit, people, rated):
    """Is a cursist refused another person's ratings, and everybody's ratings?"""
    cursist = people["cursist"]
    with pytest.raises(PermissionDenied, match="eigen"):
        kit.list_ratings(cursist, rater_username="cursist2")
    with pytest.raises(PermissionDenied):
        kit.list_ratings(cursist, rater_username="trainer1")
    with pytest.raises(PermissionDenied):
        kit.list_ratings(cursist)
    with pytest.raises(PermissionDenied):
        kit.list_ratings(cursist, case_code=rated)


def test_cursist_cannot_probe_user_names(kit, people, rated):
    """Does asking for an unknown rater look the same to a cursist as asking for another person?"""
    with pytest.raises(PermissionDenied) as unknown:
        kit.list_ratings(people["cursist"], rater_username="bestaat-niet")
    with pytest.raises(PermissionDenied) as other:
        kit.list_ratings(people["cursist"], rater_username="cursist2")
    assert str(unknown.value) == str(other.value)


def test_cursist_gets_only_own_ratings(kit, people, rated):
    """Does a cursist get their own ratings and nothing of the other cursist?"""
    mine = kit.list_ratings(people["cursist"], rater_username="cursist1")
    assert sorted((r.scale_code, r.score) for r in mine) == [("cooperatie", 4), ("sensitiviteit", 3)]
    assert {r.rater_username for r in mine} == {"cursist1"}
    theirs = kit.list_ratings(people["cursist2"], rater_username="cursist2", case_code=rated)
    assert [(r.rater_username, r.score) for r in theirs] == [("cursist2", 8)]


def test_cursist_cannot_read_expert_scores(kit, people, rated):
    """Is a cursist refused the expert scores, even of a case they rated?"""
    with pytest.raises(PermissionDenied, match="Expertscores"):
        kit.list_expert_scores(people["cursist"], rated)


def test_cursist_ratings_are_always_their_own(kit, people, rated):
    """Is a cursist's rating always stored under their own name, never someone else's?"""
    before = len(kit.list_ratings(people["trainer"], rater_username="cursist2"))
    kit.add_ratings(people["cursist"], rated, {"cooperatie": 6})
    assert len(kit.list_ratings(people["trainer"], rater_username="cursist2")) == before
    assert [r.score for r in kit.list_ratings(people["cursist"], rater_username="cursist1")
            if r.scale_code == "cooperatie"] == [4, 6]


def test_nobody_without_an_account_can_rate(kit, people, rated):
    """Can the system actor (no account of its own) not write ratings on anybody's behalf?"""
    with pytest.raises(PermissionDenied):
        kit.add_ratings(SYSTEM, rated, {"sensitiviteit": 5})
    ghost = Actor(id=None, username="cursist2", display_name="Nep", role="cursist")
    with pytest.raises(PermissionDenied):
        kit.add_ratings(ghost, rated, {"sensitiviteit": 5})
    assert len(kit.list_ratings(people["trainer"])) == 3


def test_cursist_cannot_manage_anything(kit, people, rated):
    """Is a cursist refused adding people, groups, members, cases and expert scores, with nothing stored?"""
    cursist = people["cursist"]
    attempts = [
        lambda: kit.add_person(cursist, "nieuw", role="coordinator", password="geheim-wachtwoord"),
        lambda: kit.update_person_role(cursist, "cursist1", "coordinator"),
        lambda: kit.update_person_password(cursist, "coord1", "overgenomen!"),
        lambda: kit.remove_person(cursist, "cursist2"),
        lambda: kit.add_group(cursist, "Mijn groep"),
        lambda: kit.add_group_member(cursist, "Voorbeeldgroep Babytijd", "cursist1"),
        lambda: kit.add_case(cursist, "eigen-casus", "Eigen"),
        lambda: kit.add_expert_score(cursist, rated, "cooperatie", 9),
        lambda: kit.list_people(cursist),
        lambda: kit.list_audit_entries(cursist),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert kit.find_person("cursist1").role == "cursist"
    assert kit.find_person("cursist2")  # still active
    with pytest.raises(NotFound):
        kit.find_person("nieuw")
    people_now = kit.list_people(people["coordinator"])
    assert all(p["groups"] == [] for p in people_now)
    assert "Mijn groep" not in [g.name for g in kit.list_groups(SYSTEM)]
    assert [e.score for e in kit.list_expert_scores(people["trainer"], rated)] == [3]
    with pytest.raises(NotFound):
        kit.add_ratings(people["cursist"], "eigen-casus", {"sensitiviteit": 5})


def test_trainer_reads_all_ratings_and_expert_scores(kit, people, rated):
    """Does a trainer see every cursist's ratings and the expert scores?"""
    trainer = people["trainer"]
    assert sorted((r.rater_username, r.score) for r in kit.list_ratings(trainer)) == [
        ("cursist1", 3), ("cursist1", 4), ("cursist2", 8)]
    assert [r.score for r in kit.list_ratings(trainer, rater_username="cursist2")] == [8]
    assert [(e.expert_username, e.score) for e in kit.list_expert_scores(trainer, rated)] == [("trainer1", 3)]
    assert {p["username"] for p in kit.list_people(trainer)} == {p.username for p in people.values()}


def test_trainer_cannot_manage_people(kit, people):
    """Is a trainer refused account and group management (a coördinator's job)?"""
    trainer = people["trainer"]
    with pytest.raises(PermissionDenied, match="coördinator"):
        kit.add_person(trainer, "nieuw")
    with pytest.raises(PermissionDenied):
        kit.update_person_role(trainer, "trainer1", "coordinator")
    with pytest.raises(PermissionDenied):
        kit.add_group(trainer, "Groep T")
    with pytest.raises(PermissionDenied):
        kit.list_audit_entries(trainer)
    assert kit.find_person("trainer1").role == "trainer"


def test_coordinator_manages_people(kit, people):
    """Can a coördinator add, re-role, re-password, group and deactivate accounts?"""
    coordinator = people["coordinator"]
    kit.add_person(coordinator, "nieuw", role="cursist", password="geheim-wachtwoord")
    kit.update_person_role(coordinator, "nieuw", "trainer")
    kit.update_person_password(coordinator, "nieuw", "ander-wachtwoord")
    kit.add_group(coordinator, "Groep C", "babytijd")
    kit.add_group_member(coordinator, "Groep C", "nieuw")
    person = kit.authenticate("nieuw", "ander-wachtwoord")
    assert person.role == "trainer" and len(person.group_ids) == 1
    kit.remove_person(coordinator, "nieuw")
    with pytest.raises(NotFound):
        kit.find_person("nieuw")
    assert kit.list_audit_entries(coordinator)[0]["action"] == "person.deactivate"
