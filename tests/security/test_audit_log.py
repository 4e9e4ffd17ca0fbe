"""The audit log of sensitive actions: certification decisions, publication of a case, data deletion.

Each action must leave an entry naming who did it and to what; a refused attempt leaves none; and a
coördinator (only) can read the log."""

from __future__ import annotations

import pytest

from oefenkit.certification import load_rules
from oefenkit.errors import PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT

from ..test_certificates import proposal
from ..test_library import clip, no_faces  # noqa: F401 - the clip fixture


def entries(kit, people, action):
    return [e for e in kit.list_audit_entries(people["coordinator"], limit=1000) if e["action"] == action]


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


def test_certification_decisions_are_logged(kit, people, rules):
    accepted = proposal(kit, passed=True)
    kit.decide_certificate(people["trainer"], accepted, accept=True, rules=rules)
    [entry] = entries(kit, people, "certification.accepted")
    assert entry["actor"] == "trainer1" and entry["target"] == "cursist1"
    overridden = proposal(kit, "cursist2", passed=False)
    with pytest.raises(ValidationError):  # an override without a reason is refused, and not logged
        kit.decide_certificate(people["trainer"], overridden, accept=False, reason="", rules=rules)
    assert entries(kit, people, "certification.override") == []
    kit.decide_certificate(people["trainer"], overridden, accept=False, reason="Casus besproken; toch voldoende.",
                           rules=rules)
    [entry] = entries(kit, people, "certification.override")
    assert entry["actor"] == "trainer1" and entry["target"] == "cursist2"
    assert "Casus besproken" in str(entry["details"])
    assert entries(kit, people, "certificate.issue")  # both decisions led to a certificate


def test_publication_is_logged(kit, people, clip, tmp_path):  # noqa: F811 - fixture
    kit.configure_library(tmp_path / "media")
    trainer = people["trainer"]
    kit.add_case_set(trainer, "oefen", "Oefenset", "practice", [])
    item = kit.add_library_clip(trainer, clip, "badje.mp4")
    kit.anonymise_library_clip(trainer, item.case_code, detector=no_faces())
    kit.mark_library_reviewed(trainer, item.case_code)
    with pytest.raises(PermissionDenied):
        kit.publish_case(people["cursist"], item.case_code, "oefen")
    assert entries(kit, people, "case.publish") == []
    kit.publish_case(trainer, item.case_code, "oefen")
    [entry] = entries(kit, people, "case.publish")
    assert entry["actor"] == "trainer1" and entry["target"] == item.case_code
    assert "oefen" in str(entry["details"])


def test_data_deletion_is_logged_without_keeping_the_person(kit, people):
    kit.add_ratings(people["cursist2"], *_a_case(kit), note="weg")
    with pytest.raises(PermissionDenied):
        kit.delete_person(people["trainer"], "cursist2")
    assert entries(kit, people, "person.delete") == []
    kit.delete_person(people["coordinator"], "cursist2")
    [entry] = entries(kit, people, "person.delete")
    assert entry["actor"] == "coord1"
    # The log says that a person was deleted and how much, but no longer who it was.
    assert "cursist2" not in str(entry) and "Cursist Twee" not in str(entry)
    assert entry["details"]["ratings"] == 1


def test_only_a_coordinator_reads_the_log(kit, people):
    for role in ("cursist", "trainer"):
        with pytest.raises(PermissionDenied):
            kit.list_audit_entries(people[role])
    assert isinstance(kit.list_audit_entries(people["coordinator"]), list)


def _a_case(kit):
    kit.update_or_create_case(SYSTEM, "audit-casus", "Casus voor het logboek", programme_code="babytijd")
    return "audit-casus", {"sensitiviteit": 5}
