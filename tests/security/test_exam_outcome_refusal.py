"""``Kit.find_exam_outcome`` across persons (issue 21).

A submitted exam outcome holds the expert consensus of every exam clip. Every earlier test read it
as its owner, so deleting the permission check in ``find_exam_outcome`` failed nothing. Here a
cursist in the middle of their OWN exam asks for another cursist's submitted outcome (the case that
matters: the clips are the same). Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from oefenkit.errors import PermissionDenied

from ..test_exam import CONSENSUS, kit, rules, score_all  # noqa: F401  (fixtures)


@pytest.fixture
def submitted(kit, people, rules):  # noqa: F811
    """cursist1's submitted (passed) attempt; cursist2 is half-way through their own attempt."""
    first = kit.start_exam(people["cursist"], "ouder-baby", max_attempts=3)
    score_all(kit, people["cursist"], first, lambda code: CONSENSUS[code])
    outcome = kit.submit_exam(people["cursist"], first.id, rules=rules)
    second = kit.start_exam(people["cursist2"], "ouder-baby", max_attempts=3)
    for code in second.case_codes[:3]:
        kit.save_exam_rating(people["cursist2"], second.id, code, CONSENSUS[code])
    return first, outcome, second


def test_the_outcome_holds_the_exam_consensus(kit, people, submitted):  # noqa: F811
    """What is at stake: does the owner's outcome carry the expert consensus of the exam clips?"""
    first, outcome, _ = submitted
    own = kit.find_exam_outcome(people["cursist"], first.id)
    assert own.passed is True and set(own.statistics["expert_consensus"]) == {"sensitiviteit", "cooperatie"}
    for scale, scores in own.statistics["expert_consensus"].items():
        assert scores["scores"] == {code: c[scale] for code, c in CONSENSUS.items()}


def test_a_cursist_mid_exam_cannot_read_another_cursists_outcome(kit, people, submitted):  # noqa: F811
    """Is cursist2, with an open attempt on the same clips, refused cursist1's submitted outcome?"""
    first, _, second = submitted
    assert kit.find_open_exam(people["cursist2"]).id == second.id
    with pytest.raises(PermissionDenied, match="eigen certificering"):
        kit.find_exam_outcome(people["cursist2"], first.id)


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_staff_read_any_outcome(kit, people, submitted, role):  # noqa: F811
    """May staff read a cursist's outcome (so the refusal above is about the person, not the verb)?"""
    first, outcome, _ = submitted
    assert kit.find_exam_outcome(people[role], first.id).decision_id == outcome.decision_id
