"""Requirement records (issue 17): only staff record or undo them, every record and undo is in the
audit log with who did it and to whom, a refused attempt leaves nothing (no record, no entry, no
proposal), and a cursist cannot probe other people's progress or user names.

Run on SQLite and PostgreSQL (``kit`` fixture).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oefenkit.errors import PermissionDenied
from oefenkit.identity import Actor
from oefenkit.programmes import load_paths
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m

PATHS = load_paths(PROJECT_ROOT / "content")


def rows(kit, model) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def entries(kit, people, action):
    return [e for e in kit.list_audit_entries(people["coordinator"], limit=1000) if e["action"] == action]


@pytest.mark.parametrize("who", ["cursist", "cursist2", "no-id-cursist"])
def test_a_cursist_records_and_undoes_nothing(kit, people, who):
    """Is a cursist (also one without an id, or recording for themself) refused, leaving no record,
    no audit entry and no proposal?"""
    actor = Actor(id=None, username="x", display_name="X", role="cursist") if who == "no-id-cursist" \
        else people[who]
    record = kit.record_requirement(people["trainer"], "cursist1", "babytijd", "train-de-trainer", paths=PATHS)
    before = (rows(kit, m.RequirementRecord), rows(kit, m.AuditEntry), rows(kit, m.CertificationDecision))
    for username in ("cursist1", actor.username):
        with pytest.raises(PermissionDenied):
            kit.record_requirement(actor, username, "babytijd", "train-de-trainer", paths=PATHS)
    with pytest.raises(PermissionDenied):
        kit.remove_requirement_record(actor, record)
    with pytest.raises(PermissionDenied):
        kit.propose_complete_paths(actor, paths=PATHS)
    assert (rows(kit, m.RequirementRecord), rows(kit, m.AuditEntry), rows(kit, m.CertificationDecision)) == before


def test_records_and_undos_are_audited(kit, people):
    """Does each record and undo leave an entry naming the trainer, the person, the requirement and the
    date (the undo also what the record said)?"""
    record = kit.record_requirement(people["trainer"], "cursist1", "babytijd", "train-de-trainer",
                                    note="Dagdeel 1", paths=PATHS)
    [entry] = entries(kit, people, "requirement.record")
    assert entry["actor"] == "trainer1" and entry["target"] == "cursist1"
    assert entry["details"]["requirement"] == "train-de-trainer" and entry["details"]["record"] == record
    kit.remove_requirement_record(people["coordinator"], record)
    [entry] = entries(kit, people, "requirement.remove")
    assert entry["actor"] == "coord1" and entry["target"] == "cursist1" and entry["details"]["note"] == "Dagdeel 1"


@pytest.mark.parametrize("target", ["cursist2", "trainer1", "bestaat-niet"])
def test_a_cursist_cannot_read_or_probe_other_progress(kit, people, target):
    """Is reading somebody else's progress refused exactly like reading an unknown name?"""
    with pytest.raises(PermissionDenied) as info:
        kit.requirement_progress(people["cursist"], target, "babytijd", paths=PATHS)
    assert str(info.value) == "Je mag alleen je eigen certificering bekijken."
