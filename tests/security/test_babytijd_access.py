"""Who may read and change a Babytijd reeks (issue 20), on SQLite and PostgreSQL.

The expectations are written out here by hand, not taken from ``oefenkit.permissions``: the
uitvoerder (a cursist keeping their own reeks) may do everything with it; another cursist nothing,
and to them a reeks that does not exist looks the same as somebody else's; trainers and
coördinatoren see and correct every reeks; the yearly report and the pooled terugkomdag figures
are staff-only. A refused write stores nothing. An open page's ``kit.babytijd`` re-checks its
person before every verb, as the façade's own verbs do.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from oefenkit import instance as kit_instance
from oefenkit import kernel
from oefenkit.babytijd import AttendanceMark
from oefenkit.errors import AccessLost, NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.instance import current_kit
from oefenkit.storage import models as m

from ..test_kernel import fresh_kernel, instance  # noqa: F401 - fixtures: a new kernel of this kit instance

#: Who acts: the uitvoerder who owns the reeks, another cursist, a trainer, a coördinator.
ACTORS = ("owner", "other", "trainer", "coordinator")
#: verb -> the actors allowed (hand-written).
ALLOWED = {
    "find_reeks": {"owner", "trainer", "coordinator"},
    "reeks_dashboard": {"owner", "trainer", "coordinator"},
    "uitvoerder_dashboard": {"owner", "trainer", "coordinator"},
    "add_opvoeder": {"owner", "trainer", "coordinator"},
    "update_opvoeder": {"owner", "trainer", "coordinator"},
    "record_attendance": {"owner", "trainer", "coordinator"},
    "record_measurement": {"owner", "trainer", "coordinator"},
    "save_uitvoerder_evaluation": {"owner", "trainer", "coordinator"},
    "delete_reeks": {"owner", "trainer", "coordinator"},
    "create_reeks_for_owner": {"owner", "trainer", "coordinator"},
    "list_reeksen_of_owner": {"owner", "trainer", "coordinator"},
    "yearly_report": {"trainer", "coordinator"},
    "pooled_figures": {"trainer", "coordinator"},
}
WRITES = {"add_opvoeder", "update_opvoeder", "record_attendance", "record_measurement",
          "save_uitvoerder_evaluation", "delete_reeks", "create_reeks_for_owner"}


def _call(kit, verb: str, actor, reeks_id: int):
    bt = kit.babytijd
    calls = {
        "find_reeks": lambda: bt.find_reeks(actor, reeks_id),
        "reeks_dashboard": lambda: bt.reeks_dashboard(actor, reeks_id),
        "uitvoerder_dashboard": lambda: bt.uitvoerder_dashboard(actor, "cursist1"),
        "add_opvoeder": lambda: bt.add_opvoeder(actor, reeks_id, "N7", consent=True),
        "update_opvoeder": lambda: bt.update_opvoeder(actor, reeks_id, "A1", consent=False),
        "record_attendance": lambda: bt.record_attendance(actor, reeks_id, 1, {"A1": AttendanceMark(True)}),
        "record_measurement": lambda: bt.record_measurement(actor, reeks_id, "A1", "nulmeting", {"kennis": 3}),
        "save_uitvoerder_evaluation": lambda: bt.save_uitvoerder_evaluation(actor, reeks_id, went_well="x",
                                                                            to_improve="y"),
        "delete_reeks": lambda: bt.delete_reeks(actor, reeks_id),
        "create_reeks_for_owner": lambda: bt.create_reeks(actor, name="Nieuw", uitvoerder="cursist1"),
        "list_reeksen_of_owner": lambda: bt.list_reeksen(actor, uitvoerder="cursist1"),
        "yearly_report": lambda: bt.yearly_report(actor, 2026),
        "pooled_figures": lambda: bt.pooled_figures(actor, ["cursist1"]),
    }
    return calls[verb]()


def _snapshot(kit) -> tuple:
    with kit.transaction(readonly=True) as s:
        counts = tuple(s.scalar(select(func.count()).select_from(t)) for t in
                       (m.BabytijdReeks, m.BabytijdOpvoeder, m.BabytijdAttendance, m.BabytijdMeasurement))
        consent = tuple(s.scalars(select(m.BabytijdOpvoeder.consent).order_by(m.BabytijdOpvoeder.id)))
        evaluated = tuple(s.scalars(select(m.BabytijdReeks.evaluated_at).order_by(m.BabytijdReeks.id)))
    return counts, consent, evaluated


@pytest.fixture
def setting(kit, people):
    owner = people["cursist"]
    reeks = kit.babytijd.create_reeks(owner, name="Reeks van cursist1")
    kit.babytijd.add_opvoeder(owner, reeks.id, "A1", consent=True)
    actors = {"owner": owner, "other": people["cursist2"], "trainer": people["trainer"],
              "coordinator": people["coordinator"]}
    return reeks.id, actors


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("verb", sorted(ALLOWED))
def test_babytijd_permission_matrix(kit, setting, verb, who):
    """Is each verb allowed or refused for each actor exactly as the table says, a refusal in
    Dutch and with nothing stored?"""
    reeks_id, actors = setting
    before = _snapshot(kit)
    if who in ALLOWED[verb]:
        _call(kit, verb, actors[who], reeks_id)
        if verb in WRITES:
            assert _snapshot(kit) != before
    else:
        with pytest.raises(PermissionDenied) as refused:
            _call(kit, verb, actors[who], reeks_id)
        assert str(refused.value).strip()
        assert _snapshot(kit) == before


def test_uitvoerder_lists_only_own_reeksen_staff_all(kit, setting):
    reeks_id, actors = setting
    theirs = kit.babytijd.create_reeks(actors["other"], name="Reeks van cursist2")
    assert [r.id for r in kit.babytijd.list_reeksen(actors["owner"])] == [reeks_id]
    assert [r.id for r in kit.babytijd.list_reeksen(actors["other"])] == [theirs.id]
    for staff in ("trainer", "coordinator"):
        assert {r.id for r in kit.babytijd.list_reeksen(actors[staff])} == {reeks_id, theirs.id}


def test_a_missing_reeks_looks_like_somebody_elses_to_a_cursist(kit, setting):
    """Does a cursist get the same refusal for a reeks that does not exist, so ids cannot be probed,
    while staff get NotFound?"""
    reeks_id, actors = setting
    with pytest.raises(PermissionDenied) as other:
        kit.babytijd.find_reeks(actors["other"], reeks_id)
    with pytest.raises(PermissionDenied) as missing:
        kit.babytijd.find_reeks(actors["other"], reeks_id + 1000)
    assert str(other.value) == str(missing.value)
    with pytest.raises(NotFound):
        kit.babytijd.find_reeks(actors["trainer"], reeks_id + 1000)


def test_a_cursist_cannot_create_a_reeks_for_somebody_else(kit, setting):
    _, actors = setting
    with pytest.raises(PermissionDenied):
        kit.babytijd.create_reeks(actors["other"], name="Namens een ander", uitvoerder="cursist1")
    with pytest.raises(PermissionDenied):
        kit.babytijd.create_reeks(actors["other"], name="Onbekend", uitvoerder="bestaat-niet")
    assert [r.uitvoerder for r in kit.babytijd.list_reeksen(SYSTEM)] == ["cursist1"]


@pytest.fixture
def no_live_state(monkeypatch):
    monkeypatch.setattr(kernel, "_checked", None)
    monkeypatch.setattr(kernel, "_lost", False)
    monkeypatch.setattr(kit_instance, "_kit_guard", None)


def test_open_page_of_a_deactivated_uitvoerder_loses_the_service(kit, instance, no_live_state):  # noqa: F811
    """After deactivation, is the open page's next ``kit.babytijd`` verb refused (AccessLost), with
    nothing stored, as for the façade's own verbs?"""
    kernel.bind_person("cursist1", "mijn-gegevens")
    page_kit = current_kit()
    person = kernel.require_app("mijn-gegevens")
    reeks = page_kit.babytijd.create_reeks(person, name="Open pagina")
    kit.update_person_active(SYSTEM, "cursist1", False)
    time.sleep(kernel.LIVE_CHECK_SECONDS + 0.05)
    with pytest.raises(AccessLost):
        page_kit.babytijd.add_opvoeder(person, reeks.id, "A1", consent=True)
    assert kit.babytijd.find_reeks(SYSTEM, reeks.id).opvoeders == ()
