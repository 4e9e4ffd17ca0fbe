"""The practice, exam and case-listing reads never wait for a writer (SQLite).

A read runs in ``Kit.transaction(readonly=True)``, which SQLite begins deferred: in WAL mode it
reads while another connection holds the write lock. A read that began like a write
(``BEGIN IMMEDIATE``) would queue behind every submission of a busy room, up to the 30 s busy
timeout, and then fail with "database is locked". Each verb here is called while another
connection holds the write lock. SQLite only: PostgreSQL readers never wait for writers.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select

from oefenkit.certification import load_rules
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage import models as m


@pytest.fixture
def world(kit, people, content, samples_loaded):
    """Sample content, a practice attempt and a submitted exam (passed: a certificate) of cursist1."""
    cursist = people["cursist"]
    practice = next(c.code for c in content.cases if c.set == "practice")
    kit.submit_practice(cursist, practice, {"sensitiviteit": 5, "cooperatie": 5})
    consensus = {c.code: dict(c.consensus) for c in content.cases if c.set == "exam"}
    # The certificate needs the organisation's own (private) set and the two supervised cases.
    from .test_exam import EXAM, private_exam_set, supervised_cases

    private_exam_set(kit)
    supervised_cases(kit, people["trainer"], cursist.username)
    attempt = kit.start_exam(cursist, "ouder-baby", EXAM, max_attempts=3)
    for code in attempt.case_codes:
        kit.save_exam_rating(cursist, attempt.id, code, consensus[code])
    outcome = kit.submit_exam(cursist, attempt.id, rules=load_rules(PROJECT_ROOT / "content"))
    assert outcome.certificate is not None
    return {"practice": practice, "attempt": attempt.id, "certificate": outcome.certificate.code}


#: Each read verb of the practice, exam, case and rating code, as its user calls it.
READS = {
    "find_clip": lambda kit, p, w: kit.find_clip(p["cursist"], w["practice"]),
    "practice_overview": lambda kit, p, w: kit.practice_overview(p["cursist"]),
    "practice_history": lambda kit, p, w: kit.practice_history(p["cursist"]),
    "find_open_exam": lambda kit, p, w: kit.find_open_exam(p["cursist"]),
    "list_exam_sets": lambda kit, p, w: kit.list_exam_sets(p["cursist"], "ouder-baby"),
    "list_exam_attempts": lambda kit, p, w: kit.list_exam_attempts(p["trainer"], "cursist1"),
    "exam_progress": lambda kit, p, w: kit.exam_progress(p["cursist"], w["attempt"]),
    "find_exam_outcome": lambda kit, p, w: kit.find_exam_outcome(p["cursist"], w["attempt"]),
    "find_certificate": lambda kit, p, w: kit.find_certificate(p["cursist"], w["certificate"]),
    "find_scale": lambda kit, p, w: kit.find_scale("sensitiviteit"),
    "list_scales": lambda kit, p, w: kit.list_scales(),
    "current_scales": lambda kit, p, w: kit.cases.current_scales(),
    "list_expert_scores": lambda kit, p, w: kit.list_expert_scores(p["trainer"], w["practice"]),
    "list_cases": lambda kit, p, w: kit.list_cases(p["trainer"], with_expert_scores=True),
    "list_ratings": lambda kit, p, w: kit.list_ratings(p["trainer"]),
    "exam_scores": lambda kit, p, w: kit.exam_scores(p["trainer"], "cursist1", "toets-eigen"),
    "expert_scores_of_set": lambda kit, p, w: kit.expert_scores_of_set(p["trainer"], "toets"),
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("verb", sorted(READS))
def test_a_read_does_not_wait_for_a_writer(kit, people, world, verb, monkeypatch):
    """While another connection holds SQLite's write lock, does the read answer at once and with the
    data, instead of queueing behind the writer? (The busy timeout is cut to 3 s here, so a read
    that does queue fails in 3 s rather than 30.)"""
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 3000)
    kit.engine.dispose()  # new connections, with the shorter timeout
    with kit.transaction() as s:
        assert s.scalar(select(m.ExamAttempt.id)) == world["attempt"]
    writer = sqlite3.connect(kit.engine.url.database, isolation_level=None, timeout=5)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the write lock, as a submission holds it
        started = time.monotonic()
        answer = READS[verb](kit, people, world)
        elapsed = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert elapsed < 2, f"{verb} waited {elapsed:.1f} s for the writer"
    assert answer or verb == "find_open_exam"  # every read finds something, except an open exam: none
