"""``kit.babytijd`` on SQLite and PostgreSQL: reeksen, opvoeders, attendance, measurements, bad
input (nothing stored), the dashboards against the hand-computed fixture, pooled figures with
suppression, the uitvoerder's evaluation, delete (audited) and the AVG export/delete of a person."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from oefenkit.babytijd import AttendanceMark, MeasurementNotDue
from oefenkit.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.storage import models as m

from .babytijd_fixture import fill_reeks, fixture, marks_for_meeting, scores_of

P, ZB = AttendanceMark(True), AttendanceMark(False, "ziek-baby")


@pytest.fixture
def uit(kit, people):
    """An uitvoerder: a cursist trained for Babytijd keeps their own reeksen."""
    return people["cursist"]


@pytest.fixture
def reeks(kit, uit):
    info = kit.babytijd.create_reeks(uit, name="Reeks Zuid", start=dt.date(2026, 3, 2))
    for code in ("A1", "A2"):
        kit.babytijd.add_opvoeder(uit, info.id, code, consent=True, baby_age_months=3)
    return info.id


def _rows(kit, model) -> int:
    with kit.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(model))


# -- reeksen and opvoeders --------------------------------------------------------------------------

def test_create_list_and_find(kit, uit, reeks):
    """Does a new reeks belong to its creator, list with its opvoeders and show what is due?"""
    [info] = kit.babytijd.list_reeksen(uit)
    assert (info.id, info.name, info.uitvoerder, info.opvoeders, info.start) == (
        reeks, "Reeks Zuid", "cursist1", 2, dt.date(2026, 3, 2))
    detail = kit.babytijd.find_reeks(uit, reeks)
    assert [o.code for o in detail.opvoeders] == ["A1", "A2"]
    assert all(o.due == "nulmeting" and o.attended == 0 for o in detail.opvoeders)
    assert detail.recorded_meetings == () and detail.evaluation is None


def test_staff_creates_a_reeks_for_an_uitvoerder(kit, people):
    info = kit.babytijd.create_reeks(people["trainer"], name="Voor cursist", uitvoerder="cursist1")
    assert info.uitvoerder == "cursist1"
    assert [r.id for r in kit.babytijd.list_reeksen(people["cursist"])] == [info.id]


def test_code_is_upper_cased_and_unique_in_the_reeks(kit, uit, reeks):
    """Is a duplicate code refused in Dutch, also in other letter case, with nothing stored?"""
    with pytest.raises(AlreadyExists, match="bestaat al"):
        kit.babytijd.add_opvoeder(uit, reeks, "a1", consent=False)
    assert _rows(kit, m.BabytijdOpvoeder) == 2
    other = kit.babytijd.create_reeks(uit, name="Andere reeks")
    kit.babytijd.add_opvoeder(uit, other.id, "A1", consent=True)  # another reeks may use it


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"code": "Fatima", "consent": True}, "nooit een naam"),
    ({"code": "A3", "consent": "ja"}, "toestemming"),
    ({"code": "A3", "consent": True, "baby_age_months": 13}, "0 tot en met 12"),
    ({"code": "A3", "consent": True, "baby_age_months": -1}, "0 tot en met 12"),
])
def test_bad_opvoeder_input_stores_nothing(kit, uit, reeks, kwargs, message):
    kwargs = dict(kwargs)
    code = kwargs.pop("code")
    with pytest.raises(ValidationError, match=message):
        kit.babytijd.add_opvoeder(uit, reeks, code, **kwargs)
    assert _rows(kit, m.BabytijdOpvoeder) == 2


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_reeks_needs_a_short_name(kit, uit, name):
    with pytest.raises(ValidationError):
        kit.babytijd.create_reeks(uit, name=name)
    assert _rows(kit, m.BabytijdReeks) == 0


def test_consent_can_be_withdrawn(kit, uit, reeks):
    assert kit.babytijd.update_opvoeder(uit, reeks, "a2", consent=False).consent is False
    assert kit.babytijd.find_reeks(uit, reeks).opvoeder("A2").consent is False


# -- attendance -------------------------------------------------------------------------------------

def test_meeting_17_is_refused_in_dutch(kit, uit, reeks):
    with pytest.raises(ValidationError, match="bijeenkomst 17 bestaat niet"):
        kit.babytijd.record_attendance(uit, reeks, 17, {"A1": P})
    assert _rows(kit, m.BabytijdAttendance) == 0


def test_recording_a_meeting_again_replaces_its_marks(kit, uit, reeks):
    kit.babytijd.record_attendance(uit, reeks, 1, {"A1": P, "A2": ZB})
    kit.babytijd.record_attendance(uit, reeks, 1, {"A1": ZB, "a2": P})
    detail = kit.babytijd.find_reeks(uit, reeks)
    assert detail.opvoeder("A1").attendance == {1: ZB} and detail.opvoeder("A2").attended == 1
    assert detail.recorded_meetings == (1,) and _rows(kit, m.BabytijdAttendance) == 2


def test_attendance_for_an_unknown_code_stores_nothing(kit, uit, reeks):
    """Is a meeting with one unknown code refused as a whole (all or nothing)?"""
    with pytest.raises(NotFound, match="B9"):
        kit.babytijd.record_attendance(uit, reeks, 2, {"A1": P, "B9": P})
    with pytest.raises(ValidationError, match="toelichting"):
        kit.babytijd.record_attendance(uit, reeks, 2, {"A1": P, "A2": AttendanceMark(False, "anders")})
    assert _rows(kit, m.BabytijdAttendance) == 0


# -- measurements -----------------------------------------------------------------------------------

def test_early_measurement_warns_then_stores_with_a_reason(kit, uit, reeks):
    """Is the na-5 before 5 attended meetings refused with a warning, and stored (marked early)
    when a reason is given?"""
    for meeting in (1, 2, 3):
        kit.babytijd.record_attendance(uit, reeks, meeting, {"A1": P})
    with pytest.raises(MeasurementNotDue, match="na 5 bijgewoonde bijeenkomsten; deze opvoeder was er 3 keer"):
        kit.babytijd.record_measurement(uit, reeks, "A1", "na-5", {"kennis": 3})
    assert _rows(kit, m.BabytijdMeasurement) == 0
    info = kit.babytijd.record_measurement(uit, reeks, "A1", "na-5", {"kennis": 3},
                                           early_reason="Stopt na deze week (verhuizing).")
    assert info.early and info.attended_at_entry == 3 and not info.replaced
    assert kit.babytijd.find_reeks(uit, reeks).opvoeder("A1").measurements["na-5"].early_reason.startswith("Stopt")


def test_measurement_on_time_keeps_no_reason(kit, uit, reeks):
    info = kit.babytijd.record_measurement(uit, reeks, "A1", "nulmeting", {"kennis": 2},
                                           early_reason="niet nodig")
    assert not info.early and info.early_reason == ""


@pytest.mark.parametrize(("scores", "extra", "message"), [
    ({"kennis": 6}, {}, "tussen 1 en 5"),
    ({"kennis": 0}, {}, "tussen 1 en 5"),
    ({"onbekend": 3}, {}, "Onbekend subdoel"),
    ({}, {}, "minstens één"),
    ({"kennis": 3}, {"tips": "Meer koffie"}, "eindevaluatie"),
])
def test_bad_measurements_store_nothing(kit, uit, reeks, scores, extra, message):
    with pytest.raises(ValidationError, match=message):
        kit.babytijd.record_measurement(uit, reeks, "A1", "nulmeting", scores, **extra)
    assert _rows(kit, m.BabytijdMeasurement) == 0


def test_unknown_kind_or_code(kit, uit, reeks):
    with pytest.raises(ValidationError, match="Onbekende meting"):
        kit.babytijd.record_measurement(uit, reeks, "A1", "na-8", {"kennis": 3})
    with pytest.raises(NotFound, match="staat niet in deze reeks"):
        kit.babytijd.record_measurement(uit, reeks, "Z9", "nulmeting", {"kennis": 3})


def test_entering_a_measurement_again_replaces_it(kit, uit, reeks):
    kit.babytijd.record_measurement(uit, reeks, "A1", "nulmeting", {"kennis": 2})
    info = kit.babytijd.record_measurement(uit, reeks, "A1", "nulmeting", {"kennis": 4, "steun": 1})
    assert info.replaced and info.scores == {"kennis": 4, "steun": 1}
    assert _rows(kit, m.BabytijdMeasurement) == 1


# -- the fixture: dashboard numbers by hand ---------------------------------------------------------

def test_dashboard_matches_the_hand_computed_fixture(kit, uit):
    """Do reach, attendance, absence reasons and every paired change with its CI equal the
    numbers computed by hand in tests/fixtures/babytijd_reeks.yaml?"""
    reeks = fill_reeks(kit, uit)
    want = fixture()["expected"]
    detail = kit.babytijd.find_reeks(uit, reeks)
    assert {o.code: o.attended for o in detail.opvoeders} == want["attended"]
    assert {o.code: o.due for o in detail.opvoeders} == want["due_after_12"]
    assert detail.recorded_meetings == tuple(range(1, 13))
    d = kit.babytijd.reeks_dashboard(uit, reeks)
    assert (d.reach, d.goal_reached, d.absences) == (want["reach"], want["goal_reached"], want["absences"])
    assert d.mean_attended == pytest.approx(want["mean_attended"], abs=5e-5)
    assert d.share_goal == pytest.approx(want["share_goal"], abs=5e-5)
    assert {code: n for code, _, n in d.absence_reasons} == want["absence_reasons"]
    for kind, goals in want["change"].items():
        for goal, c in goals.items():
            got = d.changes[kind][goal]
            assert got.n == c["n"], (kind, goal)
            for key in ("mean", "ci_low", "ci_high"):
                assert getattr(got, key) == pytest.approx(c[key], abs=5e-5), (kind, goal, key)
    assert all(c.n == 0 for c in d.changes["na-16"].values())
    assert d.measured == {"nulmeting": 6, "na-5": 6, "eind": 4, "na-16": 0}


def test_uitvoerder_dashboard_pools_their_reeksen(kit, uit):
    fill_reeks(kit, uit)
    second = kit.babytijd.create_reeks(uit, name="Tweede reeks")
    kit.babytijd.add_opvoeder(uit, second.id, "C1", consent=True)
    kit.babytijd.record_attendance(uit, second.id, 1, {"C1": P})
    d = kit.babytijd.uitvoerder_dashboard(uit, "cursist1")
    assert (d.reeksen, d.reach) == (2, 7)
    assert d.mean_attended == pytest.approx(60 / 7)


# -- pooled figures (the terugkomdag's cijfers round) -----------------------------------------------

def test_pooled_figures_suppress_cells_under_five(kit, people, uit):
    """With the fixture's 6 opvoeders: are reach and the na-5 changes shown, the eindevaluatie's
    (4 pairs) and every absence reason (at most 3 opvoeders) suppressed, without codes?"""
    fill_reeks(kit, uit)
    pooled = kit.babytijd.pooled_figures(people["trainer"], ["cursist1", "cursist2", "niemand"])
    assert (pooled.uitvoerders, pooled.reeksen) == (1, 1)
    reach, mean, share = pooled.overview
    assert (reach.value, reach.suppressed) == (6.0, False)
    assert mean.value == pytest.approx(59 / 6) and share.value == pytest.approx(4 / 6)
    assert all(c.suppressed and c.value is None for c in pooled.changes["eind"])
    na5 = {c.extra["code"]: c for c in pooled.changes["na-5"]}
    assert na5["kennis"].value == pytest.approx(1.0) and not na5["kennis"].suppressed
    assert na5["steun"].n == 5 and not na5["steun"].suppressed
    assert pooled.absence_reasons and all(c.suppressed for c in pooled.absence_reasons)
    assert "minder dan 5" in pooled.explanation
    text = repr(pooled)
    assert "A1" not in text and "cursist1" not in text and "Cursist" not in text


def test_pooled_figures_of_few_opvoeders_show_nothing(kit, people, uit, reeks):
    pooled = kit.babytijd.pooled_figures(people["trainer"], ["cursist1"])
    assert all(c.suppressed for c in pooled.overview)


def test_pooled_figures_are_for_session_leaders(kit, people):
    with pytest.raises(PermissionDenied):
        kit.babytijd.pooled_figures(people["cursist"], ["cursist1"])


# -- evaluation and delete --------------------------------------------------------------------------

def test_uitvoerder_evaluation(kit, uit, reeks):
    with pytest.raises(ValidationError, match="minstens één"):
        kit.babytijd.save_uitvoerder_evaluation(uit, reeks, went_well=" ", to_improve="")
    kit.babytijd.save_uitvoerder_evaluation(uit, reeks, went_well="Veel opkomst", to_improve="Later beginnen")
    detail = kit.babytijd.find_reeks(uit, reeks)
    assert detail.evaluation.went_well == "Veel opkomst" and detail.reeks.evaluated


def test_delete_reeks_removes_everything_and_is_audited(kit, people, uit):
    reeks = fill_reeks(kit, uit)
    with pytest.raises(PermissionDenied):
        kit.babytijd.delete_reeks(people["cursist2"], reeks)
    kit.babytijd.delete_reeks(uit, reeks)
    for model in (m.BabytijdReeks, m.BabytijdOpvoeder, m.BabytijdAttendance, m.BabytijdMeasurement):
        assert _rows(kit, model) == 0, model
    entry = kit.list_audit_entries(people["coordinator"])[0]
    assert entry["action"] == "babytijd.reeks.delete" and entry["details"]["opvoeders"] == 6
    with pytest.raises(NotFound):
        kit.babytijd.find_reeks(people["trainer"], reeks)


# -- AVG ----------------------------------------------------------------------------------------------

def test_avg_export_lists_the_reeksen_without_opvoeder_rows(kit, people, uit):
    reeks = fill_reeks(kit, uit)
    kit.babytijd.save_uitvoerder_evaluation(uit, reeks, went_well="Goed", to_improve="Tijd")
    data = kit.export_person(people["coordinator"], "cursist1")
    [item] = data["babytijd_reeksen"]
    assert (item["name"], item["opvoeders"], item["evaluation"]["went_well"]) == ("Proefreeks Noord", 6, "Goed")
    assert "A1" not in repr(data)


def test_avg_delete_of_the_uitvoerder_removes_their_reeksen(kit, people, uit):
    fill_reeks(kit, uit)
    other = kit.babytijd.create_reeks(people["trainer"], name="Van de trainer")
    kit.babytijd.add_opvoeder(people["trainer"], other.id, "T1", consent=True)
    kit.babytijd.record_measurement(people["trainer"], other.id, "T1", "nulmeting", {"kennis": 3})
    removed = kit.delete_person(people["coordinator"], "cursist1")
    assert removed["babytijd_reeksen"] == 1
    assert _rows(kit, m.BabytijdOpvoeder) == 1 and _rows(kit, m.BabytijdMeasurement) == 1
    assert [r.name for r in kit.babytijd.list_reeksen(SYSTEM)] == ["Van de trainer"]


def test_fixture_helpers_agree_with_the_file():
    """Are the fixture's marks and scores read as the browser test will enter them?"""
    assert marks_for_meeting(12)["A6"] == AttendanceMark(False)
    assert marks_for_meeting(11)["A4"] == AttendanceMark(False, "anders", "Verhuizing")
    a2 = fixture()["opvoeders"][1]
    assert "steun" not in scores_of(a2, "na-5") and len(scores_of(a2, "nulmeting")) == 8
