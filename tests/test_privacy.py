"""AVG per person: export everything stored about somebody, and delete it all or nothing.

Tests that use ``kit`` or ``people`` run on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, or_, select

from oefenkit.certification import load_rules
from oefenkit.errors import Conflict, NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m
from oefenkit.storage.privacy import DELETED_PERSON, PrivacyService

from .test_exam import CONSENSUS, EXAM, private_exam_set, score_all

#: Per table, the column that ties a row to one person.
PERSON_COLUMNS = {
    m.Rating: "rater_id", m.PracticeAttempt: "person_id", m.ExamAttempt: "person_id", m.CertificationDecision: "person_id",
    m.Certificate: "person_id", m.ModuleProgress: "person_id", m.GroupMembership: "person_id",
    m.SupervisedCase: "person_id", m.LiveSessionParticipant: "person_id", m.AuditEntry: "actor_id",
}


@pytest.fixture
def data(kit, people, samples_loaded):
    """cursist1 and cursist2 each with every kind of data: group, practice and exam ratings with
    notes, a submitted exam with decision and certificate, module progress, a supervised case, a
    live session and audit entries."""
    import dataclasses

    private_exam_set(kit)  # the public set would be an oefentoets: no decision, no certificate
    # What the rule asks beyond the scoring (two supervised cases) is not what this test is about.
    rules = {code: dataclasses.replace(rule, required_supervised_cases=0)
             for code, rule in load_rules(PROJECT_ROOT / "content").items()}
    trainer = people["trainer"]
    kit.add_case(trainer, "casus-avg", "Casus AVG")
    with kit.transaction() as s:
        session = m.LiveSession(join_code="AVG123", trainer_id=trainer.id)
        s.add(session)
        s.flush()
        session_id = session.id
    for who, username in (("cursist", "cursist1"), ("cursist2", "cursist2")):
        me = people[who]
        kit.add_group_member(SYSTEM, "Voorbeeldgroep Ouder-baby", username)
        kit.add_ratings(me, "casus-avg", {"sensitiviteit": 4}, note=f"notitie van {username}")
        attempt = kit.start_exam(me, "ouder-baby", EXAM, max_attempts=3)
        score_all(kit, me, attempt, lambda code: CONSENSUS[code])
        outcome = kit.submit_exam(me, attempt.id, rules=rules)
        kit.decide_certificate(trainer, outcome.decision_id, accept=True, rules=rules)
        kit.update_module_progress(me, "context-piramide", page=2, answers={"check": {"q1": [1]}})
        kit.record_supervised_case(trainer, username, "ouder-baby", f"Casus van {username} besproken.")
        with kit.transaction() as s:
            s.add(m.LiveSessionParticipant(session_id=session_id, person_id=me.id))
        kit.update_person_password(me, username, "nieuw-wachtwoord")  # an audit entry by the person
    return people


def rows_of(kit, person_id: int, username: str) -> dict[str, int]:
    """How many rows of each table belong to the person (audit: as actor or as target)."""
    out = {}
    with kit.transaction() as s:
        for model, column in PERSON_COLUMNS.items():
            query = select(func.count()).select_from(model)
            if model is m.AuditEntry:
                query = query.where(or_(m.AuditEntry.actor_id == person_id, m.AuditEntry.target == username))
            else:
                query = query.where(getattr(model, column) == person_id)
            out[model.__tablename__] = s.scalar(query)
        out["person"] = s.scalar(select(func.count()).select_from(m.Person).where(m.Person.id == person_id))
    return out


def all_rows(kit) -> dict[str, int]:
    with kit.transaction() as s:
        return {t.name: s.scalar(select(func.count()).select_from(t)) for t in m.Base.metadata.sorted_tables}


# -- export -------------------------------------------------------------------------------------


def test_export_holds_every_kind_of_data_and_no_password(kit, data):
    """Does the export hold account, group, ratings with notes, attempt, decisions, certificate,
    progress, supervised case, live session and audit entries — JSON-ready, without password hash?"""
    export = kit.export_person(data["coordinator"], "cursist1")
    text = json.dumps(export, ensure_ascii=False)
    assert export["account"]["username"] == "cursist1" and export["account"]["display_name"] == "Cursist Een"
    assert export["groups"] == [{"name": "Voorbeeldgroep Ouder-baby", "programme": "ouder-baby"}]
    assert "notitie van cursist1" in {r["note"] for r in export["ratings"]}
    assert {r["mode"] for r in export["ratings"]} == {"practice", "exam"}
    [practice] = export["practice_attempts"]
    assert practice["case"] == "casus-avg" and practice["submitted_at"]
    assert [r["score"] for r in export["ratings"] if r["practice_attempt"] == practice["id"]] == [4]
    assert len(export["exam_attempts"]) == 1 and export["exam_attempts"][0]["submitted_at"]
    assert [d["kind"] for d in export["certification_decisions"]] == ["proposal", "accepted"]
    assert len(export["certificates"]) == 1 and export["certificates"][0]["code"].startswith("OK-")
    assert export["module_progress"][0]["module"] == "context-piramide"
    assert export["supervised_cases"][0]["note"] == "Casus van cursist1 besproken."
    assert export["supervised_cases"][0]["recorded_by"] == "trainer1"
    assert len(export["live_sessions"]) == 1
    actions = {e["action"] for e in export["audit_entries"]}
    assert {"exam.start", "exam.submit", "certification.accepted", "certificate.issue",
            "person.set_password", "supervised_case.record"} <= actions
    assert "cursist2" not in text and "notitie van cursist2" not in text
    with kit.transaction() as s:
        hashed = s.scalar(select(m.Person.password_hash).where(m.Person.username == "cursist1"))
    assert hashed and hashed not in text and "password_hash" not in text and "$argon2" not in text


def test_who_may_export(kit, data):
    """May a cursist export their own data but not somebody else's, a trainer nobody else's, and a
    coördinator everybody's?"""
    assert kit.export_person(data["cursist"], "cursist1")["account"]["username"] == "cursist1"
    with pytest.raises(PermissionDenied):
        kit.export_person(data["cursist"], "cursist2")
    with pytest.raises(PermissionDenied):
        kit.export_person(data["trainer"], "cursist2")
    with pytest.raises(PermissionDenied):  # an unknown name looks the same as somebody else
        kit.export_person(data["cursist"], "bestaat-niet")
    assert kit.export_person(data["coordinator"], "cursist2")["account"]["username"] == "cursist2"
    with pytest.raises(NotFound):
        kit.export_person(data["coordinator"], "bestaat-niet")


# -- delete -------------------------------------------------------------------------------------


def test_delete_removes_everything_of_the_person_and_nothing_of_others(kit, data):
    """After deleting cursist1, is every row of theirs gone, every row of cursist2 still there, and
    does the audit log keep their actions without a link or their name?"""
    me, other = data["cursist"], data["cursist2"]
    before_me, before_other = rows_of(kit, me.id, "cursist1"), rows_of(kit, other.id, "cursist2")
    assert all(before_me.values()) and all(before_other.values())  # every kind of data is there
    with kit.transaction() as s:
        own_entries = list(s.scalars(select(m.AuditEntry.id).where(m.AuditEntry.actor_id == me.id)))
    removed = kit.delete_person(data["coordinator"], "cursist1")
    assert removed["ratings"] and removed["certificates"] == 1 and removed["supervised_cases"] == 1
    after_me = rows_of(kit, me.id, "cursist1")
    assert after_me == {k: 0 for k in after_me}
    assert rows_of(kit, other.id, "cursist2") == before_other
    with pytest.raises(NotFound):
        kit.find_person("cursist1")
    with kit.transaction() as s:
        kept = s.execute(select(m.AuditEntry.id, m.AuditEntry.actor_id, m.AuditEntry.action)
                         .where(m.AuditEntry.id.in_(own_entries))).all()
        assert len(kept) == len(own_entries) and {a for _, a, _ in kept} == {None}
        assert "person.set_password" in {action for _, _, action in kept}
        assert s.scalar(select(func.count()).select_from(m.AuditEntry).where(
            m.AuditEntry.target == DELETED_PERSON)) > 0
        # What others recorded stays: the trainer's supervised case for cursist2 and the decisions.
        assert s.scalar(select(func.count()).select_from(m.SupervisedCase)) == 1
    log = kit.list_audit_entries(data["coordinator"])
    assert log[0]["action"] == "person.delete" and log[0]["target"] == DELETED_PERSON
    assert not any(e["target"] == "cursist1" for e in log)


def test_deleting_a_trainer_keeps_what_they_decided_about_others(kit, data):
    """Does deleting a trainer (no expert scores, no sessions) keep the decisions, certificates and
    supervised cases they recorded for others, only without their name?"""
    with kit.transaction() as s:
        s.execute(m.LiveSession.__table__.delete())
    before = all_rows(kit)
    kit.delete_person(SYSTEM, "trainer1")
    after = all_rows(kit)
    assert after["person"] == before["person"] - 1
    for table in ("certificate", "certification_decision", "supervised_case", "rating", "exam_attempt"):
        assert after[table] == before[table], table
    with kit.transaction() as s:
        assert set(s.scalars(select(m.SupervisedCase.recorded_by_id))) == {None}


def test_last_coordinator_cannot_be_deleted(kit, people):
    """Is deleting the last active coördinator refused (Dutch), and allowed once there is another?"""
    with pytest.raises(Conflict, match="laatste actieve coördinator"):
        kit.delete_person(SYSTEM, "coord1")
    kit.add_person(SYSTEM, "coord2", role="coordinator")
    kit.delete_person(SYSTEM, "coord1")
    with pytest.raises(NotFound):
        kit.find_person("coord1")


def test_only_a_coordinator_deletes(kit, people):
    """Are a cursist and a trainer refused, and a coördinator refused deleting themselves?"""
    for who in ("cursist", "trainer"):
        with pytest.raises(PermissionDenied):
            kit.delete_person(people[who], "cursist2")
    kit.add_person(SYSTEM, "coord2", role="coordinator")
    with pytest.raises(Exception, match="eigen account"):
        kit.delete_person(people["coordinator"], "coord1")
    assert kit.find_person("cursist2") and kit.find_person("coord1")


def test_expert_with_scores_is_refused(kit, people):
    """Is a person with expert scores (master data) refused with a Dutch message saying so, with
    nothing removed?"""
    kit.add_case(people["trainer"], "casus-x", "Casus")
    kit.add_expert_score(people["trainer"], "casus-x", "sensitiviteit", 5)
    before = all_rows(kit)
    with pytest.raises(Conflict, match="expertscore"):
        kit.delete_person(people["coordinator"], "trainer1")
    assert all_rows(kit) == before


def test_delete_is_atomic(kit, data, monkeypatch):
    """When deleting fails half-way (after the person's rows are gone, before the person row), is
    nothing removed at all?"""
    before = all_rows(kit)

    def broken(s, username):
        raise RuntimeError("kapot halverwege")

    monkeypatch.setattr(PrivacyService, "_forget_in_audit_log", staticmethod(broken))
    with pytest.raises(RuntimeError, match="halverwege"):
        kit.delete_person(data["coordinator"], "cursist1")
    assert all_rows(kit) == before
    assert kit.find_person("cursist1").username == "cursist1"
    assert len(kit.export_person(data["coordinator"], "cursist1")["ratings"]) > 1
