"""Requirement records per programme path (issue 17): a trainer records what a person did, the
progress read shows each requirement done or open, the path proposal follows when every required
requirement is done, the decision issues a Babytijd registration (kept active by the terugkomdag)
or an Ouder-baby certificate that does not lapse. Bad input stores nothing.

Tests that use ``kit`` or ``people`` run on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from oefenkit import requirements as rq
from oefenkit.certification import load_rules
from oefenkit.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oefenkit.programmes import load_paths
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m
from oefenkit.storage.exams import LOCAL_TZ


@pytest.fixture(scope="module")
def paths():
    return load_paths(PROJECT_ROOT / "content")


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def days_ago(n: int) -> dt.date:
    return today() - dt.timedelta(days=n)


def count(kit, model) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def item(progress: dict, code: str) -> dict:
    return next(i for i in progress["requirements"] if i["code"] == code)


def path_proposals(kit, trainer) -> list[dict]:
    return [p for p in kit.list_open_proposals(trainer) if p["statistics"].get("path")]


def pass_exam(kit, username: str, programme: str, *, passed: bool = True) -> int:
    """A submitted test for ``programme`` with the rules' proposal ``passed`` (as submit_exam stores it)."""
    with kit.transaction() as s:
        person = s.scalar(select(m.Person).where(m.Person.username == username))
        prog = s.scalar(select(m.Programme).where(m.Programme.code == programme))
        case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == "req-toets"))
        if case_set is None:
            case_set = m.CaseSet(code="req-toets", name="Toets", kind="exam")
            s.add(case_set)
            s.flush()
        now = m.utcnow()
        attempt = m.ExamAttempt(person_id=person.id, case_set_id=case_set.id, programme_id=prog.id, case_order=[],
                                started_at=now, submitted_at=now)
        s.add(attempt)
        s.flush()
        decision = m.CertificationDecision(person_id=person.id, programme_id=prog.id, exam_attempt_id=attempt.id,
                                           kind="proposal", passed=passed, reasons=[], statistics={}, rule={},
                                           decided_at=now)
        s.add(decision)
        s.flush()
        attempt.decision_id = decision.id
        return decision.id


# -- recording and progress -----------------------------------------------------------------------


def test_babytijd_records_progress_proposal_and_registration(kit, people, paths):
    """Do two recorded dagdelen complete the Babytijd path (the modules are only recommended), with
    their dates in order, and does the trainer then see the path proposal whose acceptance registers
    the person as uitvoerder for two years?"""
    trainer, cursist = people["trainer"], people["cursist"]
    before = kit.requirement_progress(cursist, "cursist1", "babytijd", paths=paths)
    assert before["complete"] is False and before["open"] == ["train-de-trainer"]
    assert item(before, "train-de-trainer") | {"evidence": None} == {
        "code": "train-de-trainer", "kind": "attendance", "label": paths["babytijd"].requirements[0].label,
        "count": 2, "done_count": 0, "dates": [], "required": True, "kit_addition": False, "done": False,
        "evidence": None}
    assert item(before, "lesmodules")["required"] is False
    first = kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(3),
                                   "Eerste dagdeel", paths=paths)
    assert path_proposals(kit, trainer) == []  # one of two: no proposal yet
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(10), paths=paths)
    after = kit.requirement_progress(cursist, "cursist1", "babytijd", paths=paths)
    tdt = item(after, "train-de-trainer")
    assert tdt["done"] and tdt["done_count"] == 2 and tdt["dates"] == [days_ago(10), days_ago(3)]
    assert [e["note"] for e in tdt["evidence"]] == ["", "Eerste dagdeel"]
    assert tdt["evidence"][1]["id"] == first and tdt["evidence"][1]["recorded_by"] == "trainer1"
    assert after["complete"] is True and after["proposal"] == "open" and after["certificate"] is None
    [proposal] = path_proposals(kit, trainer)
    assert proposal["username"] == "cursist1" and proposal["programme"] == "babytijd" and proposal["passed"]
    assert proposal["exam_attempt_id"] is None
    assert any("2 van 2" in r for r in proposal["reasons"])
    result = kit.decide_certificate(trainer, proposal["decision_id"], accept=True, rules={})
    cert = result["certificate"]
    assert result["passed"] and cert.valid_until == rq.add_years(today(), 2) and cert.kind == "registration"
    assert cert.statistics["path"] == "babytijd" and cert.statistics["requirements"][0]["dates"] == [
        days_ago(10).isoformat(), days_ago(3).isoformat()]
    assert kit.find_certificate(cursist, cert.code).kind == "registration"
    [row] = kit.certificate_register(trainer)
    assert row["kind"] == "registration" and row["status"] == "geldig"
    done = kit.requirement_progress(cursist, "cursist1", "babytijd", paths=paths)
    assert done["proposal"] is None and done["certificate"]["active"] is True
    assert done["certificate"]["kind"] == "registration"
    # Nothing more to propose: the registration is valid.
    assert kit.propose_complete_paths(trainer, paths=paths) == [] and path_proposals(kit, trainer) == []
    actions = [e["action"] for e in kit.list_audit_entries(people["coordinator"])]
    assert actions.count("requirement.record") == 2 and "certificate.issue" in actions


def lapse(kit, code: str, base: dt.date) -> None:
    """Move a registration back in time: its base (registration + 2 years) is ``base``."""
    with kit.transaction() as s:
        cert = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == code))
        cert.statistics = {**cert.statistics, "valid_until_base": base.isoformat()}
        cert.valid_until = dt.datetime.combine(base, dt.time(12), tzinfo=dt.timezone.utc)


def registered(kit, people, paths) -> str:
    trainer = people["trainer"]
    for day in (days_ago(800), days_ago(799)):
        kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", day, paths=paths)
    [proposal] = path_proposals(kit, trainer)
    return kit.decide_certificate(trainer, proposal["decision_id"], accept=True, rules={})["certificate"].code


def test_registration_lapses_without_terugkomdag_and_the_terugkomdag_keeps_it(kit, people, paths):
    """Does a registration whose two years passed without a terugkomdag read "verlopen: terugkomdag
    gemist", does a recorded terugkomdag make it active for two years from that day (audited), and
    does undoing that record lapse it again?"""
    trainer = people["trainer"]
    code = registered(kit, people, paths)
    lapse(kit, code, days_ago(30))
    assert kit.verify_certificate(code)["status"] == "verlopen: terugkomdag gemist"
    assert [r["status"] for r in kit.certificate_register(trainer)] == ["verlopen: terugkomdag gemist"]
    mine = kit.list_certificates_of(people["cursist"], "cursist1")
    assert mine[0]["status"] == "verlopen: terugkomdag gemist" and mine[0]["valid"] is False
    # A lapsed registration is not proposed again: the earlier proposal is newer than its evidence.
    assert kit.propose_complete_paths(trainer, paths=paths) == []
    record = kit.record_requirement(trainer, "cursist1", "babytijd", "terugkomdag", days_ago(5), paths=paths)
    info = kit.verify_certificate(code)
    assert info["valid"] is True and info["valid_until"] == rq.add_years(days_ago(5), 2)
    progress = kit.requirement_progress(trainer, "cursist1", "babytijd", paths=paths)
    assert progress["refresher"]["dates"] == [days_ago(5)] and progress["certificate"]["active"] is True
    # An older terugkomdag does not shorten it; the refresher has no count limit.
    kit.record_requirement(trainer, "cursist1", "babytijd", "terugkomdag", days_ago(800), paths=paths)
    assert kit.verify_certificate(code)["valid_until"] == rq.add_years(days_ago(5), 2)
    removed = kit.remove_requirement_record(trainer, record)
    assert removed == {"programme": "babytijd", "code": "terugkomdag", "date": days_ago(5), "username": "cursist1"}
    info = kit.verify_certificate(code)
    assert info["valid_until"] == days_ago(30) and info["status"] == "verlopen: terugkomdag gemist"
    audit = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "requirement.remove"]
    assert audit[0]["target"] == "cursist1" and audit[0]["details"]["requirement"] == "terugkomdag"
    assert any(e["action"] == "certificate.renew" for e in kit.list_audit_entries(people["coordinator"]))


def test_ouder_baby_needs_every_requirement_and_the_passed_test(kit, people, paths):
    """Do the Ouder-baby cases count the earlier supervised cases too, is the scoring test derived
    from a passed test (not typed), and is the proposal added once the test passes last — giving a
    certificate that does not lapse?"""
    trainer = people["trainer"]
    for code in ("trainingsdagen", "supervisie", "landelijke-supervisie"):
        for n in (20, 10):
            kit.record_requirement(trainer, "cursist1", "ouder-baby", code, days_ago(n), paths=paths)
    kit.record_supervised_case(trainer, "cursist1", "ouder-baby", "Gezin A besproken")
    kit.record_requirement(trainer, "cursist1", "ouder-baby", "casussen", days_ago(2), "Gezin B", paths=paths)
    with pytest.raises(Conflict, match="al 2 keer"):
        kit.record_requirement(trainer, "cursist1", "ouder-baby", "casussen", days_ago(1), paths=paths)
    progress = kit.requirement_progress(trainer, "cursist1", "ouder-baby", paths=paths)
    cases = item(progress, "casussen")
    assert cases["done"] and sorted(e["source"] for e in cases["evidence"]) == ["record", "supervised_case"]
    assert progress["open"] == ["scoringstoets"] and item(progress, "scoringstoets")["kit_addition"] is True
    assert kit.count_supervised_cases(trainer, "cursist1", "ouder-baby") == 2  # the exam's rule sees both
    with pytest.raises(ValidationError, match="scoringstoets houdt de kit zelf bij"):
        kit.record_requirement(trainer, "cursist1", "ouder-baby", "scoringstoets", paths=paths)
    pass_exam(kit, "cursist1", "ouder-baby", passed=False)
    assert kit.propose_complete_paths(trainer, paths=paths) == []
    pass_exam(kit, "cursist1", "ouder-baby")
    [new] = kit.propose_complete_paths(trainer, paths=paths)
    assert kit.propose_complete_paths(trainer, paths=paths) == []  # once
    assert item(kit.requirement_progress(trainer, "cursist1", "ouder-baby", paths=paths), "scoringstoets")["dates"] \
        == [today()]
    result = kit.decide_certificate(trainer, new, accept=True, rules={})
    assert result["certificate"].valid_until == rq.NO_END and result["certificate"].kind == "certificate"
    [row] = [r for r in kit.certificate_register(trainer) if r["code"] == result["certificate"].code]
    assert row["kind"] == "certificate" and row["status"] == "geldig"


def test_a_failed_test_overridden_to_a_pass_counts_and_a_pass_overridden_to_a_fail_does_not(kit, people, paths):
    """Does the scoring test follow the trainer's decision on the test's proposal?"""
    trainer = people["trainer"]
    proposal = pass_exam(kit, "cursist1", "ouder-baby")
    kit.decide_certificate(trainer, proposal, accept=False, reason="Niet zelfstandig gemaakt.", rules={})
    progress = kit.requirement_progress(trainer, "cursist1", "ouder-baby", paths=paths)
    assert item(progress, "scoringstoets")["done"] is False
    failed = pass_exam(kit, "cursist2", "ouder-baby", passed=False)
    kit.decide_certificate(trainer, failed, accept=False, reason="Herbeoordeeld: voldoende.",
                           rules=load_rules(PROJECT_ROOT / "content"))
    progress = kit.requirement_progress(trainer, "cursist2", "ouder-baby", paths=paths)
    assert item(progress, "scoringstoets")["done"] is True


def test_a_turned_down_path_proposal_returns_only_after_new_evidence(kit, people, paths):
    """When a trainer overrides a path proposal, is the person proposed again only after a new
    record (after removing and recording a dagdeel again)?"""
    trainer = people["trainer"]
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(3), paths=paths)
    second = kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(2), paths=paths)
    [proposal] = path_proposals(kit, trainer)
    result = kit.decide_certificate(trainer, proposal["decision_id"], accept=False,
                                    reason="Tweede dagdeel niet volledig bijgewoond.", rules={})
    assert result["passed"] is False and result["certificate"] is None
    assert kit.propose_complete_paths(trainer, paths=paths) == [] and path_proposals(kit, trainer) == []
    kit.remove_requirement_record(trainer, second)
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(1), paths=paths)
    assert len(path_proposals(kit, trainer)) == 1


def test_modules_are_derived_from_module_progress(kit, people, paths):
    """Does the recommended modules requirement count the listed modules the person completed?"""
    cursist = people["cursist"]
    for code in paths["babytijd"].requirements[1].modules[:2]:
        kit.update_module_progress(cursist, code, completed=True)
    kit.update_module_progress(cursist, "ouder-baby-intro", completed=True)  # not in the list
    modules = item(kit.requirement_progress(cursist, "cursist1", "babytijd", paths=paths), "lesmodules")
    assert modules["done_count"] == 2 and modules["done"] is False and modules["dates"] == [today(), today()]


# -- refused, nothing stored ----------------------------------------------------------------------


@pytest.mark.parametrize("programme, code, day, note, error, message", [
    ("onbekend", "train-de-trainer", None, None, NotFound, "bestaat niet"),
    ("babytijd", "casussen", None, None, ValidationError, "kent geen eis"),
    ("babytijd", "lesmodules", None, None, ValidationError, "lesmodules houdt de kit zelf bij"),
    ("babytijd", "train-de-trainer", "tomorrow", None, ValidationError, "toekomst"),
    ("babytijd", "train-de-trainer", dt.date(1999, 12, 31), None, ValidationError, "te ver terug"),
    ("babytijd", "train-de-trainer", "moment", None, ValidationError, "Geef een datum"),
    ("babytijd", "train-de-trainer", "text", None, ValidationError, "Geef een datum"),
    ("babytijd", "train-de-trainer", None, "x" * 5001, ValidationError, "5000"),
])
def test_bad_input_is_refused_in_dutch_and_stores_nothing(kit, people, paths, programme, code, day, note, error,
                                                           message):
    """Is each bad record refused with a short Dutch message, with no record, audit entry or proposal?"""
    day = {"tomorrow": today() + dt.timedelta(days=1), "moment": dt.datetime.now(),
           "text": "2026-01-01"}.get(day, day)
    audit = count(kit, m.AuditEntry)
    with pytest.raises(error, match=message):
        kit.record_requirement(people["trainer"], "cursist1", programme, code, day, note, paths=paths)
    assert count(kit, m.RequirementRecord) == 0 and count(kit, m.AuditEntry) == audit


def test_unknown_person_and_the_count_limit(kit, people, paths):
    """Is an unknown person NotFound, and a third dagdeel (count 2) a Conflict that stores nothing?"""
    trainer = people["trainer"]
    with pytest.raises(NotFound):
        kit.record_requirement(trainer, "niemand", "babytijd", "train-de-trainer", paths=paths)
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", paths=paths)
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", paths=paths)
    with pytest.raises(Conflict):
        kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", paths=paths)
    assert count(kit, m.RequirementRecord) == 2
    with pytest.raises(NotFound):
        kit.remove_requirement_record(trainer, 999_999)
    with pytest.raises(ValidationError):
        kit.remove_requirement_record(trainer, "1")


def test_only_staff_record_and_a_cursist_reads_only_their_own(kit, people, paths):
    """May only trainers and coördinators record or undo; does a cursist read only their own
    progress, with somebody else's and an unknown name refused alike?"""
    cursist = people["cursist"]
    with pytest.raises(PermissionDenied):
        kit.record_requirement(cursist, "cursist1", "babytijd", "train-de-trainer", paths=paths)
    record = kit.record_requirement(people["coordinator"], "cursist1", "babytijd", "train-de-trainer", paths=paths)
    with pytest.raises(PermissionDenied):
        kit.remove_requirement_record(cursist, record)
    assert count(kit, m.RequirementRecord) == 1
    assert kit.requirement_progress(cursist, "cursist1", "babytijd", paths=paths)["programme"] == "babytijd"
    for name in ("cursist2", "niemand"):
        with pytest.raises(PermissionDenied):
            kit.requirement_progress(cursist, name, "babytijd", paths=paths)
    with pytest.raises(NotFound):
        kit.requirement_progress(people["trainer"], "cursist1", "onbekend", paths=paths)


def test_export_and_delete_include_the_records(kit, people, paths):
    """Does the AVG export list a person's requirement records, and does deleting the person remove
    them (and keep those they recorded for others, without their name)?"""
    trainer = people["trainer"]
    kit.record_requirement(trainer, "cursist1", "babytijd", "train-de-trainer", days_ago(1), "Dagdeel 1",
                           paths=paths)
    export = kit.export_person(people["coordinator"], "cursist1")
    [record] = export["requirement_records"]
    assert record["requirement"] == "train-de-trainer" and record["date"] == days_ago(1).isoformat()
    assert record["recorded_by"] == "trainer1" and record["note"] == "Dagdeel 1"
    removed = kit.delete_person(people["coordinator"], "trainer1")
    assert removed["requirement_records"] == 0
    with kit.transaction() as s:
        assert s.scalar(select(m.RequirementRecord.recorded_by_id)) is None
    assert kit.delete_person(people["coordinator"], "cursist1")["requirement_records"] == 1
    assert count(kit, m.RequirementRecord) == 0


def test_the_database_refuses_an_unknown_record_kind(kit, people):
    """Does the database itself refuse a record kind outside the known ones (a second line)?"""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises((Conflict, IntegrityError)):
        with kit.transaction() as s:
            s.add(m.RequirementRecord(person_id=people["cursist"].id, programme_id=s.scalar(
                select(m.Programme.id).where(m.Programme.code == "babytijd")), requirement_code="x",
                kind="modules", done_on=today(), note=""))


def test_registration_until():
    """Is a registration active two years after the registration or the last terugkomdag, whichever is later?"""
    base = dt.date(2027, 3, 1)
    assert rq.registration_until(base, [], 2) == base
    assert rq.registration_until(base, [dt.date(2024, 2, 29)], 2) == base
    assert rq.registration_until(base, [dt.date(2026, 2, 28), dt.date(2028, 2, 29)], 2) == dt.date(2030, 2, 28)


def test_records_at_once_never_exceed_the_count_or_propose_twice(kit, people, paths):
    """Do eight trainers' clicks at the same moment store exactly two dagdelen (the rest refused with a
    Conflict) and exactly one proposal, on both databases?"""
    from .together import at_once

    ids, errors = at_once(lambda: kit.record_requirement(people["trainer"], "cursist1", "babytijd",
                                                         "train-de-trainer", paths=paths))
    assert len(ids) == 2 and len(errors) == 6 and all(isinstance(e, Conflict) for e in errors)
    assert count(kit, m.RequirementRecord) == 2 and len(path_proposals(kit, people["trainer"])) == 1


def test_with_the_scoring_test_switched_off_the_path_needs_no_test(kit, people, content_dir):
    """When an organisation switches the kit's scoring test off (``enabled: false``), is the Ouder-baby
    path complete — and proposed — without any test?"""
    file = content_dir / "programmes" / "ouder-baby.yaml"
    file.write_text(file.read_text(encoding="utf-8").replace("    kit_addition: true\n",
                                                              "    kit_addition: true\n    enabled: false\n"),
                    encoding="utf-8")
    paths = load_paths(content_dir)
    assert not paths["ouder-baby"].has_scoring_test
    trainer = people["trainer"]
    for code in ("trainingsdagen", "supervisie", "landelijke-supervisie", "casussen"):
        for n in (3, 2):
            kit.record_requirement(trainer, "cursist1", "ouder-baby", code, days_ago(n), paths=paths)
    progress = kit.requirement_progress(trainer, "cursist1", "ouder-baby", paths=paths)
    assert progress["complete"] and "scoringstoets" not in [r["code"] for r in progress["requirements"]]
    [proposal] = path_proposals(kit, trainer)
    assert proposal["programme"] == "ouder-baby"


def test_the_opfriscursus_is_recorded_as_often_as_it_happens_and_changes_nothing_else(kit, people, paths):
    """Does the Ouder-baby opfriscursus (an activity after the path) take any number of records,
    show with its dates in the progress, and neither count for the path nor add a proposal?"""
    trainer, anna = people["trainer"], people["cursist"]
    for day in (dt.date(2025, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 9, 3)):
        kit.record_requirement(trainer, anna.username, "ouder-baby", "opfriscursus", day, paths=paths)
    progress = kit.requirement_progress(anna, anna.username, "ouder-baby", paths=paths)
    [activity] = progress["activities"]
    assert activity["code"] == "opfriscursus" and len(activity["dates"]) == 3
    assert all(r["done_count"] == 0 for r in progress["requirements"]) and not progress["complete"]
    assert kit.list_open_proposals(trainer) == []
    with pytest.raises(ValidationError, match="opfriscursus"):  # the Dutch list of what can be recorded names it
        kit.record_requirement(trainer, anna.username, "ouder-baby", "opfriscursussen", paths=paths)
