"""The certification test: attempts, fixed random order, resuming, the limit on attempts,
ratings per attempt, submission with the decision and certificate, the PDF — and that a
cursist cannot reach the exam's expert scores before submitting.

Tests that use ``kit`` or ``people`` run on SQLite and on PostgreSQL (``conftest.py``); the
kit holds the shipped content. The shipped ``toets`` set is public (an oefentoets, see
``tests/test_exam_sets.py``), so these tests certify on :data:`EXAM`, a private exam set of the
Ouder-baby interventie with the same ten sample cases, as an organisation's own set would be;
the cursists have the two supervised cases the Ouder-baby rule asks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import yaml
from sqlalchemy import func, select

from oefenkit.certificate_pdf import certificate_pdf, certificate_url
from oefenkit.certification import load_rules, valid_until
from oefenkit.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oefenkit.settings import PROJECT_ROOT, load_settings
from oefenkit.storage import models as m
from oefenkit.storage.exams import LOCAL_TZ, new_verification_code

from .together import at_once

SCALES = ("sensitiviteit", "cooperatie")
#: The programme with a scoring test, and a private exam set of it (the fixture ``kit`` makes it).
PROGRAMME = "ouder-baby"
EXAM = "toets-eigen"
SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"


def _scripts() -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCRIPTS.glob("*.yaml"))]


#: The exam cases' consensus, read from the case scripts on disk (not through the kit).
CONSENSUS = {d["code"]: d["consensus"] for d in _scripts() if d["set"] == "exam"}
#: Every rationale and expert name of the exam cases: none may reach a cursist before submission.
SECRETS = sorted({text.strip()[:60] for d in _scripts() if d["set"] == "exam"
                  for text in [*d["rationale"].values(),
                               *(e["rationale"] for es in d["experts"].values() for e in es)]})
EXPERT_NAMES = sorted({e["rater"] for d in _scripts() for es in d["experts"].values() for e in es})


@pytest.fixture
def kit(kit, content, samples_loaded):
    """The shipped content plus the sample cases, their expert scores and the ``toets`` set."""

    return private_exam_set(kit)


def private_exam_set(kit):
    """Add :data:`EXAM`: a private Ouder-baby exam set of the ten sample exam cases (idempotent)."""
    from oefenkit.identity import SYSTEM

    with kit.transaction() as s:
        exists = s.scalar(select(m.CaseSet.id).where(m.CaseSet.code == EXAM)) is not None
    if not exists:
        kit.add_case_set(SYSTEM, EXAM, "Eigen toetsset", "exam", sorted(CONSENSUS), programme_code=PROGRAMME)
    return kit


def supervised_cases(kit, trainer, *usernames) -> None:
    """Record the Ouder-baby rule's two supervised cases for each of ``usernames``."""
    for username in usernames:
        for n in (1, 2):
            kit.record_supervised_case(trainer, username, PROGRAMME, f"casus {n}")


@pytest.fixture
def people(people, kit):
    """The shared people; both cursists have the Ouder-baby rule's two supervised cases."""
    supervised_cases(kit, people["trainer"], "cursist1", "cursist2")
    return people


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


def score_all(kit, actor, attempt, scores_of) -> None:
    for code in attempt.case_codes:
        kit.save_exam_rating(actor, attempt.id, code, scores_of(code))


@pytest.fixture
def consensus_attempt(kit, people):
    """An exam attempt of ``people["cursist"]`` with every clip scored as the experts' consensus (not
    handed in)."""
    attempt = kit.start_exam(people["cursist"], PROGRAMME, EXAM, max_attempts=3)
    score_all(kit, people["cursist"], attempt, lambda code: CONSENSUS[code])
    return attempt


def count(kit, model) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_exam_set_is_what_the_tests_think():
    """Does the shipped exam set hold ten cases with both extremes of both scales?"""
    assert len(CONSENSUS) == 10
    for scale in SCALES:
        values = [c[scale] for c in CONSENSUS.values()]
        assert min(values) <= 2 and max(values) >= 8
    assert SECRETS and EXPERT_NAMES


# -- starting, order, resuming, limits ----------------------------------------------------------


def test_order_is_random_per_attempt_and_fixed_within_it(kit, people, rules):
    """Does each attempt get its own shuffled order of the whole set, and does resuming give the
    same order back?"""
    cursist = people["cursist"]
    first = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3, rng_seed=1)
    assert sorted(first.case_codes) == sorted(CONSENSUS)
    assert first.number == 1 and first.resumed is False and first.submitted_at is None
    again = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3, rng_seed=2)
    assert again.resumed is True and again.id == first.id and again.case_codes == first.case_codes
    found = kit.find_open_exam(cursist)
    assert found.case_codes == first.case_codes and found.resumed is True  # the app says "verder waar je was"
    score_all(kit, cursist, first, lambda code: CONSENSUS[code])
    kit.submit_exam(cursist, first.id, rules=rules)
    second = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3, rng_seed=2)
    assert second.id != first.id and second.number == 2
    assert sorted(second.case_codes) == sorted(first.case_codes)
    assert second.case_codes != first.case_codes
    # Another seed gives another order; the same seed the same order (so the shuffle is the seed's).
    other = kit.start_exam(people["cursist2"], PROGRAMME, EXAM, max_attempts=3, rng_seed=1)
    assert other.case_codes == first.case_codes


def test_case_info_holds_no_expert_data(kit, people):
    """Do the attempt's cases carry only code, title and vignette?"""
    attempt = kit.start_exam(people["cursist"], PROGRAMME, EXAM, max_attempts=3)
    for case in attempt.cases:
        assert set(dataclasses.asdict(case)) == {"code", "title", "vignette"}


def test_attempt_names_its_own_cursist_set_and_programme(kit, people):
    """Does an attempt name the cursist who made it, its set and its programme — also in the list a
    trainer reads — and never another person?"""
    attempt = kit.start_exam(people["cursist2"], PROGRAMME, EXAM, max_attempts=3)
    assert (attempt.username, attempt.case_set_code, attempt.programme_code) == ("cursist2", EXAM, PROGRAMME)
    assert attempt.practice is False
    listed, = kit.list_exam_attempts(people["trainer"], "cursist2")
    assert (listed.id, listed.username, listed.case_set_code) == (attempt.id, "cursist2", EXAM)
    assert kit.list_exam_attempts(people["trainer"], "cursist1") == []


def test_max_attempts(kit, people, rules):
    """Is a new attempt beyond the limit refused in Dutch, while an open attempt can still be resumed?"""
    cursist = people["cursist"]
    for _ in range(2):
        attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=2)
        score_all(kit, cursist, attempt, lambda code: {s: 5 for s in SCALES})
        kit.submit_exam(cursist, attempt.id, rules=rules)
    with pytest.raises(Conflict, match="al 2 keer gemaakt"):
        kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=2)
    assert count(kit, m.ExamAttempt) == 2
    # The limit is per person: somebody else may still start.
    kit.start_exam(people["cursist2"], PROGRAMME, EXAM, max_attempts=2)
    for bad in (0, -1, True, "3", 2.5):  # a whole number of at least 1 (a bool is no number of attempts)
        with pytest.raises(ValidationError, match="geheel getal van minstens 1"):
            kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=bad)


def test_simultaneous_starts_open_one_attempt(kit, people):
    """Do eight starts by one cursist at the same moment (double clicks, two tabs) open one attempt,
    every click answered with that attempt?"""
    cursist = people["cursist"]
    ids, errors = at_once(lambda: kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3).id)
    assert errors == [] and len(ids) == 8 and len(set(ids)) == 1
    assert count(kit, m.ExamAttempt) == 1


def test_a_limit_of_one_attempt(kit, people, rules):
    """With the limit set to 1, may a cursist make exactly one attempt, and is the second refused
    with the singular "poging"?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=1)
    assert attempt.number == 1
    score_all(kit, cursist, attempt, lambda code: {s: 5 for s in SCALES})
    kit.submit_exam(cursist, attempt.id, rules=rules)
    with pytest.raises(Conflict, match="al 1 keer gemaakt; meer dan 1 poging is"):
        kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=1)
    assert count(kit, m.ExamAttempt) == 1


def test_max_attempts_setting_defaults_to_three(tmp_path):
    """Is the limit a setting (default 3, env OEFENKIT_EXAM_MAX_ATTEMPTS) with a Dutch error for bad values?"""
    from oefenkit.errors import ConfigurationError

    assert load_settings({"OEFENKIT_DATA_DIR": str(tmp_path)}).exam_max_attempts == 3
    assert load_settings({"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_EXAM_MAX_ATTEMPTS": "5"}).exam_max_attempts == 5
    for bad in ("0", "drie"):
        with pytest.raises(ConfigurationError):
            load_settings({"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_EXAM_MAX_ATTEMPTS": bad})


def test_only_exam_sets_and_known_programmes(kit, people):
    """Is a practice set or an unknown programme refused, with no attempt stored?"""
    with pytest.raises(ValidationError, match="geen toetsset"):
        kit.start_exam(people["cursist"], PROGRAMME, "oefenen", max_attempts=3)
    with pytest.raises(NotFound):
        kit.start_exam(people["cursist"], "bestaat-niet", max_attempts=3)
    assert count(kit, m.ExamAttempt) == 0


# -- ratings within an attempt ------------------------------------------------------------------


def test_rescore_replaces_and_progress_counts(kit, people):
    """Does a second score of a case and scale replace the first, does a note stick, and does the
    progress count only clips scored on both scales?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    first, second = attempt.case_codes[:2]
    p = kit.save_exam_rating(cursist, attempt.id, first, {"sensitiviteit": 3})
    assert (p.n_scored, p.n_total, p.complete) == (0, 10, False)
    p = kit.save_exam_rating(cursist, attempt.id, first, {"sensitiviteit": 4, "cooperatie": 6}, "eerste indruk")
    assert p.scores[first] == {"sensitiviteit": 4, "cooperatie": 6} and p.n_scored == 1
    p = kit.save_exam_rating(cursist, attempt.id, first, {}, "toch anders")
    assert p.notes[first] == "toch anders"
    kit.save_exam_rating(cursist, attempt.id, second, {"cooperatie": 2})
    with kit.transaction() as s:
        rows = s.scalars(select(m.Rating).where(m.Rating.exam_attempt_id == attempt.id)).all()
    assert len(rows) == 3 and all(r.mode == "exam" and r.rater_id == cursist.id for r in rows)
    progress = kit.exam_progress(cursist, attempt.id)
    assert progress.scores == {first: {"sensitiviteit": 4, "cooperatie": 6}, second: {"cooperatie": 2}}
    assert progress.notes == {first: "toch anders"} and progress.n_scored == 1


def test_exam_note_up_to_5000_characters(kit, people):
    """Is an exam note of 5000 characters kept whole, and one of 5001 refused?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    code = attempt.case_codes[0]
    with pytest.raises(ValidationError, match="hoogstens 5000 tekens"):
        kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 4}, "x" * 5001)
    assert kit.exam_progress(cursist, attempt.id).scores == {}
    progress = kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 4}, "x" * 5000)
    assert progress.notes == {code: "x" * 5000}


def test_rating_refused_outside_the_attempt(kit, people, rules):
    """Are a case outside the attempt, an unknown scale, a bad score, another person's attempt and
    a submitted attempt all refused?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    code = attempt.case_codes[0]
    with pytest.raises(ValidationError, match="hoort niet bij deze toets"):
        kit.save_exam_rating(cursist, attempt.id, "obi-bad-01", {"sensitiviteit": 5})
    with pytest.raises(ValidationError):
        kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 10})
    with pytest.raises(ValidationError):
        kit.save_exam_rating(cursist, attempt.id, code, {"warmte": 5})
    with pytest.raises(ValidationError):
        kit.save_exam_rating(cursist, attempt.id, code, {})
    with pytest.raises(PermissionDenied):
        kit.save_exam_rating(people["cursist2"], attempt.id, code, {"sensitiviteit": 5})
    with pytest.raises(PermissionDenied):
        kit.exam_progress(people["cursist2"], attempt.id)
    with pytest.raises(NotFound):
        kit.save_exam_rating(cursist, 999_999, code, {"sensitiviteit": 5})
    assert count(kit, m.Rating) == 0
    score_all(kit, cursist, attempt, lambda c: CONSENSUS[c])
    kit.submit_exam(cursist, attempt.id, rules=rules)
    with pytest.raises(Conflict, match="al ingeleverd"):
        kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 1})
    with pytest.raises(Conflict, match="al ingeleverd"):
        kit.submit_exam(cursist, attempt.id, rules=rules)


# -- submitting ---------------------------------------------------------------------------------


def test_submit_refused_while_incomplete(kit, people, rules, consensus_attempt):
    """Is an attempt with one clip scored on one scale only refused, with nothing decided (also when
    the rules judge fewer scales than the exam asks)?"""
    attempt = consensus_attempt
    attempt2 = kit.start_exam(people["cursist2"], PROGRAMME, EXAM, max_attempts=3)
    for code in attempt2.case_codes[:-1]:
        kit.save_exam_rating(people["cursist2"], attempt2.id, code, CONSENSUS[code])
    kit.save_exam_rating(people["cursist2"], attempt2.id, attempt2.case_codes[-1], {"sensitiviteit": 5})
    with pytest.raises(ValidationError, match="Nog 1 van de 10"):
        kit.submit_exam(people["cursist2"], attempt2.id, rules=rules)
    # also with rules out of step with the scales (content edited, `oefenkit init` not run yet): a rule
    # that judges sensitivity only still leaves the clip missing, unscored on a current scale
    rule = rules[PROGRAMME]
    narrowed = {**rules, PROGRAMME: dataclasses.replace(rule, scales={"sensitiviteit": rule.scales["sensitiviteit"]})}
    with pytest.raises(ValidationError, match="Nog 1 van de 10"):
        kit.submit_exam(people["cursist2"], attempt2.id, rules=narrowed)
    with pytest.raises(PermissionDenied):  # not your attempt
        kit.submit_exam(people["cursist2"], attempt.id, rules=rules)
    assert count(kit, m.CertificationDecision) == 0
    assert kit.find_open_exam(people["cursist2"]).id == attempt2.id


def test_a_score_saved_while_the_attempt_is_handed_in_waits_and_is_refused(kit, people, rules, consensus_attempt, monkeypatch):
    """A score saved (second tab) while the same attempt is being handed in: does it wait for the
    hand-in and then get "al ingeleverd", so no score changes after the decision was computed? (On
    SQLite writes are serialised anyway; on PostgreSQL the attempt's row lock does it.)"""
    import threading

    from oefenkit.storage import exam_attempts

    cursist, attempt = people["cursist"], consensus_attempt
    deciding, go_on = threading.Event(), threading.Event()
    real = exam_attempts.decide_against_experts

    def slow_decision(*args, **kwargs):  # the hand-in holds its transaction here until the save was tried
        deciding.set()
        assert go_on.wait(20)
        return real(*args, **kwargs)

    monkeypatch.setattr(exam_attempts, "decide_against_experts", slow_decision)
    outcome: list = []
    hand_in = threading.Thread(target=lambda: outcome.append(kit.submit_exam(cursist, attempt.id, rules=rules)))
    hand_in.start()
    assert deciding.wait(20)
    late: list = []

    def save() -> None:
        try:
            kit.save_exam_rating(cursist, attempt.id, attempt.case_codes[0], {"sensitiviteit": 1})
            late.append("saved")
        except Conflict as exc:
            late.append(str(exc))

    saver = threading.Thread(target=save)
    saver.start()
    saver.join(1.0)
    assert saver.is_alive() and late == []  # waits for the hand-in, does not write beside it
    go_on.set()
    hand_in.join(30)
    saver.join(30)
    assert outcome and outcome[0].passed
    assert late == ["Deze toets is al ingeleverd; scores kunnen niet meer veranderen."]
    assert kit.exam_progress(cursist, attempt.id).scores[attempt.case_codes[0]] == CONSENSUS[attempt.case_codes[0]]


def test_an_attempt_whose_programme_lost_its_test_cannot_be_handed_in(kit, people, rules, consensus_attempt):
    """When the programme's scoring test is switched off (content changed, ``oefenkit init`` run)
    while an attempt is open, is handing it in refused in Dutch, with nothing decided, even though
    the rules passed in still hold the programme's rule?"""
    cursist, attempt = people["cursist"], consensus_attempt
    with kit.transaction() as s:
        s.scalar(select(m.Programme).where(m.Programme.code == PROGRAMME)).scoring_test = False
    assert PROGRAMME in rules
    with pytest.raises(NotFound, match="geen certificeringsregels"):
        kit.submit_exam(cursist, attempt.id, rules=rules)
    assert count(kit, m.CertificationDecision) == 0


def test_exam_notes_are_stored_with_the_scores(kit, people):
    """Is the note given with an exam score stored with it (and shown back), and a score without one
    stored with an empty note (text, not NULL)?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    code, other = attempt.case_codes[:2]
    progress = kit.save_exam_rating(cursist, attempt.id, code, {"sensitiviteit": 4}, "moeder kijkt weg")
    assert progress.notes == {code: "moeder kijkt weg"}
    kit.save_exam_rating(cursist, attempt.id, other, {"sensitiviteit": 6})
    with kit.transaction() as s:
        assert s.scalars(select(m.Rating.note).where(m.Rating.exam_attempt_id == attempt.id)
                         .order_by(m.Rating.id)).all() == ["moeder kijkt weg", ""]


def test_pass_is_decided_linked_and_certified(kit, people, rules, consensus_attempt):
    """Does scoring the consensus pass, store a proposal linked to the attempt, close the attempt and
    issue a certificate by the rules, valid for two years, downloadable as a PDF with its code?"""
    cursist, attempt = people["cursist"], consensus_attempt
    assert kit.exam_progress(cursist, attempt.id).submitted is False
    outcome = kit.submit_exam(cursist, attempt.id, rules=rules)
    assert kit.exam_progress(cursist, attempt.id).submitted is True  # the app then shows the result
    assert outcome.passed is True, outcome.reasons
    assert outcome.reasons[0] == "Geslaagd voor de scoringstoets."
    for scale in SCALES:
        s = outcome.statistics["scales"][scale]
        assert s["n_clips"] == 10 and s["icc_a1"] == pytest.approx(1.0) and s["within_one"] == 1.0
    assert kit.find_open_exam(cursist) is None
    with kit.transaction() as s:
        row = s.get(m.ExamAttempt, attempt.id)
        decision = s.get(m.CertificationDecision, row.decision_id)
        cert = s.scalar(select(m.Certificate))
        assert row.submitted_at is not None and row.decision_id == outcome.decision_id
        assert (decision.kind, decision.passed, decision.exam_attempt_id, decision.decided_by_id) == \
            ("proposal", True, attempt.id, None)
        assert (cert.person_id, cert.decision, cert.decided_by_id) == (cursist.id, "accepted", None)
        # stored at noon UTC, so the day is the same calendar day in the Netherlands (and from UTC-11 to +11)
        assert m.as_utc(cert.valid_until).time() == dt.time(12)
    stored, = kit.list_certification_decisions(cursist, "cursist1")
    assert stored["id"] == outcome.decision_id and stored["reasons"] == list(outcome.reasons)
    info = outcome.certificate
    issued_on = info.issued_at.astimezone(LOCAL_TZ).date() if info.issued_at.tzinfo else info.issued_at.date()
    assert info.valid_until == valid_until(issued_on, rules[PROGRAMME])
    assert outcome.statistics["case_set"] == EXAM and info.statistics["case_set"] == EXAM
    assert outcome.practice is False and info.demo is False
    assert (info.valid_until - issued_on).days in (730, 731)
    assert kit.find_certificate(cursist, info.code) == info
    assert kit.find_certificate(people["trainer"], info.code.lower()) == info
    with pytest.raises(NotFound):  # another cursist: the same answer as for an unknown code
        kit.find_certificate(people["cursist2"], info.code)
    with pytest.raises(NotFound):
        kit.find_certificate(cursist, "OK-0000-0000-0000")
    assert kit.find_exam_outcome(cursist, attempt.id) == outcome.__class__(
        **{**dataclasses.asdict(outcome), "certificate": info, "statistics": stored["statistics"]})
    pdf = certificate_pdf(info)
    assert pdf.startswith(b"%PDF") and info.code.encode() in pdf and b"Cursist Een" in pdf
    assert certificate_url(info.code) == f"/oefenkit/certificate/{info.code}.pdf"
    audit = {e["action"] for e in kit.list_audit_entries(people["coordinator"])}
    assert {"exam.start", "exam.submit", "certification.proposal", "certificate.issue"} <= audit


def test_fail_is_decided_and_linked_without_certificate(kit, people, rules):
    """Does scoring everything 5 fail with Dutch reasons, stored and linked, and no certificate?"""
    cursist = people["cursist2"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    score_all(kit, cursist, attempt, lambda code: {s: 5 for s in SCALES})
    outcome = kit.submit_exam(cursist, attempt.id, rules=rules)
    assert outcome.passed is False and outcome.certificate is None
    assert outcome.reasons[0] == "Nog niet geslaagd voor de scoringstoets."
    assert any("extreme consensusscore" in r or "ICC" in r for r in outcome.reasons[1:])
    assert count(kit, m.Certificate) == 0
    with kit.transaction() as s:
        assert s.get(m.ExamAttempt, attempt.id).decision_id == outcome.decision_id
    assert kit.find_exam_outcome(cursist, attempt.id).certificate is None


def test_certificate_codes_are_unique(kit, people, rules):
    """Do two passes get two different codes (and is the code format the documented one)?"""
    codes = []
    for who in ("cursist", "cursist2"):
        attempt = kit.start_exam(people[who], PROGRAMME, EXAM, max_attempts=3)
        score_all(kit, people[who], attempt, lambda code: CONSENSUS[code])
        codes.append(kit.submit_exam(people[who], attempt.id, rules=rules).certificate.code)
    assert len(set(codes)) == 2
    assert len({new_verification_code() for _ in range(1000)}) == 1000
    for code in codes:
        assert len(code) == 17 and code.startswith("OK-") and code.count("-") == 3


def test_staff_read_each_experts_own_scores_of_the_exam_set(kit, people):
    """Does a trainer get, per scale, exactly the experts' scores of the exam set's cases as the case
    scripts give them — each score under the expert who gave it, no case of another set?"""
    expected = {scale: sorted((e["rater"], d["code"], e["score"]) for d in _scripts() if d["set"] == "exam"
                              for e in d["experts"][scale]) for scale in SCALES}
    got = kit.expert_scores_of_set(people["trainer"], "toets")
    assert {scale: sorted(rows) for scale, rows in got.items()} == expected
    # The practice set gives its own cases, none of the exam's.
    practice = kit.expert_scores_of_set(people["trainer"], "oefenen")
    assert {c for rows in practice.values() for _, c, _ in rows} == \
        {d["code"] for d in _scripts() if d["set"] == "practice"}


# -- security: nothing of the experts before submission -----------------------------------------


def _contains_secret(value) -> list[str]:
    text = repr(value)
    return [s for s in SECRETS + EXPERT_NAMES if s in text] + \
        [k for k in ("'consensus'", "'rationale'", "expert_consensus", "ExpertScoreInfo") if k in text]


def test_no_cursist_verb_reveals_exam_expert_scores_before_submission(kit, people, rules):
    """Mid-attempt, does every verb a cursist can call either refuse or answer without any expert
    score, consensus or rationale of the exam cases?"""
    cursist = people["cursist"]
    # The detector works: a trainer's view of the same cases is full of expert data.
    assert _contains_secret(kit.list_cases(people["trainer"], with_expert_scores=True))
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    for code in attempt.case_codes[:4]:
        kit.save_exam_rating(cursist, attempt.id, code, CONSENSUS[code])
    exam_codes = set(attempt.case_codes)
    answers = [
        attempt,
        kit.find_open_exam(cursist),
        kit.exam_progress(cursist, attempt.id),
        kit.save_exam_rating(cursist, attempt.id, attempt.case_codes[4], {"sensitiviteit": 5}),
        kit.list_exam_attempts(cursist, "cursist1"),
        kit.exam_scores(cursist, "cursist1", EXAM),
        kit.list_ratings(cursist, rater_username="cursist1"),
        kit.list_certification_decisions(cursist, "cursist1"),
        [c for c in kit.list_cases(cursist) if c.code in exam_codes],
        kit.list_scales(),
    ]
    for answer in answers:
        assert _contains_secret(answer) == [], answer
    for case in kit.list_cases(cursist):
        if case.code in exam_codes:
            assert case.expert_scores == () and "rationale" not in case.details
    refused = [
        lambda: kit.list_expert_scores(cursist, attempt.case_codes[0]),
        lambda: kit.expert_scores_of_set(cursist, EXAM),
        lambda: kit.list_cases(cursist, with_expert_scores=True),
        lambda: kit.exam_scores(cursist, "cursist2", EXAM),
        lambda: kit.list_certification_decisions(cursist, "cursist2"),
        lambda: kit.list_ratings(cursist),
        lambda: kit.exam_progress(people["cursist2"], attempt.id),
        lambda: kit.submit_exam(cursist, attempt.id, rules=rules),  # incomplete: no decision yet
    ]
    # Practice verbs (practice app) must not give feedback on an exam case either.
    refused.append(lambda: kit.submit_practice(cursist, attempt.case_codes[0], CONSENSUS[attempt.case_codes[0]]))
    for call in refused:
        with pytest.raises((PermissionDenied, ValidationError)):
            call()
    assert not exam_codes & {c.code for c in kit.practice_overview(cursist)}
    assert _contains_secret(kit.practice_history(cursist)) == []
    assert count(kit, m.CertificationDecision) == 0


def _widget_states(widget, seen=None) -> list[dict]:
    """``get_state()`` of a widget and of every widget its synced traits point to."""
    import ipywidgets as w

    seen = set() if seen is None else seen
    if id(widget) in seen:
        return []
    seen.add(id(widget))
    states = [widget.get_state()]
    for key in widget.keys:
        value = getattr(widget, key)
        for child in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(child, w.Widget):
                states += _widget_states(child, seen)
    return states


def _kernel_objects(obj, seen=None, depth=0) -> list:
    """Every plain value reachable from ``obj``'s attributes (the kernel side of the page)."""
    import ipywidgets as w

    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 8:
        return []
    seen.add(id(obj))
    out = [obj] if not isinstance(obj, w.Widget) else []
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        items = list(obj)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        items = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
    elif isinstance(obj, w.Widget):
        items = [v for k, v in vars(obj).items() if not k.startswith("_trait") and k not in ("comm", "_model_id")]
        items += list(getattr(obj, "children", ()))
    else:
        items = []
    for item in items:
        if callable(item) and getattr(item, "__closure__", None):
            items_c = [c.cell_contents for c in item.__closure__ if _cell_ok(c)]
            for c in items_c:
                out += _kernel_objects(c, seen, depth + 1)
        else:
            out += _kernel_objects(item, seen, depth + 1)
    return out


def _cell_ok(cell) -> bool:
    try:
        _ = cell.cell_contents  # raises on an empty cell
    except ValueError:
        return False
    return True


def test_exam_widget_holds_no_expert_data_mid_attempt(kit, people, rules):
    """Built for a cursist mid-attempt, does the exam page hold no rationale, expert name or
    consensus anywhere — neither in any widget's state (what the browser gets) nor in the kernel
    objects it keeps?"""
    from oefenkit.storage.kit import Kit
    from oefenkit_widgets.exam import ExamScreen
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    for code in attempt.case_codes[:3]:
        kit.save_exam_rating(cursist, attempt.id, code, CONSENSUS[code], "mijn toelichting")
    page = exam_page(kit, cursist, rules=rules, max_attempts=3)
    screen = page.screen
    assert isinstance(screen, ExamScreen)
    assert screen.attempt.case_codes == attempt.case_codes
    assert "3 van 10 gescoord" in screen.counter.value
    assert screen.submit.disabled
    # Walk every clip, so each one's widgets have been built once.
    for i in range(len(attempt.cases)):
        screen.go(i)
        states = _widget_states(page)
        assert _contains_secret(states) == []
    objects = [o for o in _kernel_objects(page) if not isinstance(o, Kit)]
    assert _contains_secret(objects) == []
    # And nothing the kit returned to the page is an expert record.
    assert not [o for o in objects if type(o).__name__ in {"ExpertScoreInfo", "CertificationRule"} and
                getattr(o, "score", None) is not None]


def test_exam_widget_scores_and_submits(kit, people, rules):
    """Does the page save a click at once, enable submit only when all clips are scored, and then
    show the result with the certificate link?"""
    from oefenkit_widgets.exam import ExamResult, ExamStart
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    page = exam_page(kit, cursist, rules=rules, max_attempts=3)
    start = page.screen
    assert isinstance(start, ExamStart) and "ok-exam-start" in start.button._dom_classes
    assert "3 keer" in start.rules.value
    start.button.click()
    screen = page.screen
    for i, case in enumerate(screen.attempt.cases):
        screen.go(i)
        for scale in SCALES:
            screen.scorers[scale].buttons[CONSENSUS[case.code][scale]].click()
    assert kit.exam_progress(cursist, screen.attempt.id).complete
    assert not screen.submit.disabled
    screen.submit.click()
    screen.submit_confirm.yes.click()  # "Toets inleveren" asks first: "Ja, inleveren"
    result = page.screen
    assert isinstance(result, ExamResult) and result.outcome.passed
    assert "ok-exam-result" in result._dom_classes
    html_text = "".join(c.value for c in result.children if hasattr(c, "value"))
    assert certificate_url(result.outcome.certificate.code) in html_text
    assert "geldig tot en met" in html_text and "ingetrokken" not in html_text
    # A trainer overrides the pass: the result page says the certificate is withdrawn.
    kit.decide_certificate(people["trainer"], result.outcome.decision_id, accept=False,
                           reason="Niet zelfstandig gemaakt.", rules=rules)
    again = ExamResult(kit.find_exam_outcome(cursist, result.outcome.attempt_id), certificate_url)
    again_text = "".join(c.value for c in again.children if hasattr(c, "value"))
    assert "ingetrokken" in again_text and "geldig tot en met" not in again_text


def _text(widget) -> str:
    """The markup and button texts of a widget tree."""
    import ipywidgets as w

    out = []
    if isinstance(widget, w.HTML):
        out.append(widget.value)
    if isinstance(widget, w.Button) and widget.layout.display != "none":
        out.append(widget.description)
    for child in getattr(widget, "children", ()):
        out.append(_text(child))
    return "\n".join(out)


def _finish(kit, page, scores_of) -> None:
    screen = page.screen
    for i, case in enumerate(screen.attempt.cases):
        screen.go(i)
        for scale in SCALES:
            screen.scorers[scale].buttons[scores_of(case.code)[scale]].click()
    screen.submit.click()
    screen.submit_confirm.yes.click()


def test_exam_submit_asks_before_it_uses_an_attempt(kit, people, rules):
    """Does one click on "Toets inleveren" only ask (attempt still open, the question names the
    attempt), does "Annuleren" bring the button back, and does only "Ja, inleveren" hand it in?"""
    from oefenkit_widgets.exam import ExamResult, ExamScreen
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    page = exam_page(kit, cursist, rules=rules, max_attempts=3)
    page.screen.button.click()
    screen = page.screen
    for i, case in enumerate(screen.attempt.cases):
        screen.go(i)
        for scale in SCALES:
            screen.scorers[scale].buttons[CONSENSUS[case.code][scale]].click()
    screen.submit.click()
    assert isinstance(page.screen, ExamScreen)
    assert kit.find_open_exam(cursist) is not None  # nothing handed in yet
    confirm = screen.submit_confirm
    assert confirm.is_asking and screen.submit.layout.display == "none"
    assert "poging 1 van de 3" in confirm.question.value
    assert "ok-exam-submit-confirm" in confirm.yes._dom_classes and confirm.yes.description == "Ja, inleveren"
    confirm.no.click()
    assert not confirm.is_asking and screen.submit.layout.display is None
    assert kit.find_open_exam(cursist) is not None
    confirm.yes.click()  # a stale "Ja" after "Annuleren" does nothing
    assert kit.find_open_exam(cursist) is not None
    screen.submit.click()
    confirm.yes.click()
    assert isinstance(page.screen, ExamResult) and kit.find_open_exam(cursist) is None


def test_failed_exam_result_in_plain_dutch_with_next_step(kit, people, rules):
    """Scoring every clip 5: does the result say in one sentence that you did not pass, explain each
    rule in plain Dutch without statistics or codes, keep the statistics with an explanation under
    "Details", and name the next step (what to practise, attempts left)?"""
    from oefenkit_widgets.exam import ExamResult
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    page = exam_page(kit, cursist, rules=rules, max_attempts=3)
    page.screen.button.click()
    _finish(kit, page, lambda code: {s: 5 for s in SCALES})
    result = page.screen
    assert isinstance(result, ExamResult) and not result.outcome.passed
    summary = next(c for c in result.children if "ok-exam-summary" in c._dom_classes).value
    assert "nog niet geslaagd" in summary and summary.count(".") == 1
    reasons = next(c for c in result.children if "ok-exam-reasons" in c._dom_classes).value
    assert "Sensitiviteit" in reasons and "Coöperatie" in reasons
    for jargon in ("ICC", "cooperatie", "consensus", "bias"):
        assert jargon not in reasons
    assert "ok-rule-unmet" in reasons and "hoogstens 1 punt" in reasons
    details = next(c for c in result.children if "ok-exam-details-box" in c._dom_classes).value
    assert details.startswith("<details") and "<summary>Details</summary>" in details
    assert "ICC(A,1)" in details and "Intraclass-correlatie" in details and "Gemiddeld verschil" in details
    step = next(c for c in result.children if "ok-exam-next-step" in c._dom_classes).value
    assert "Oefenen met scoren" in step and "nog 2 van de 3 pogingen" in step
    assert "Sensitiviteit" in step and "Coöperatie" in step


def test_reopening_the_exam_app_shows_the_latest_result(kit, people, rules):
    """After a submitted attempt, does a new page (reopening the app) show that result instead of the
    start panel, and does "Nieuwe poging voorbereiden" lead to the start panel?"""
    from oefenkit_widgets.exam import ExamResult, ExamStart
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    page = exam_page(kit, cursist, rules=rules, max_attempts=2)
    page.screen.button.click()
    _finish(kit, page, lambda code: {s: 5 for s in SCALES})
    again = exam_page(kit, cursist, rules=rules, max_attempts=2)
    assert isinstance(again.screen, ExamResult) and not again.screen.outcome.passed
    assert again.screen.outcome.attempt_id == page.screen.outcome.attempt_id
    assert "nog 1 van de 2 pogingen" in _text(again.screen)
    button = next(c for c in again.screen.children if "ok-exam-again" in getattr(c, "_dom_classes", ()))
    button.click()
    assert isinstance(again.screen, ExamStart) and not again.screen.button.disabled
    # The second attempt fails too: no attempts left, no new-attempt button, the trainer is named.
    again.screen.button.click()
    _finish(kit, again, lambda code: {s: 5 for s in SCALES})
    text = _text(again.screen)
    assert "alle 2 pogingen gebruikt" in text and "trainer" in text
    assert not [c for c in again.screen.children if "ok-exam-again" in getattr(c, "_dom_classes", ())]
    third = exam_page(kit, cursist, rules=rules, max_attempts=2)
    assert isinstance(third.screen, ExamResult)
    assert third.screen.outcome.attempt_id == again.screen.outcome.attempt_id  # the latest, not the first


def test_explain_says_each_rule_in_plain_dutch():
    """Does :func:`explain` turn stored statistics into sentences such as "Je scores liggen gemiddeld
    1,4 punt hoger dan die van de experts", name scales by their name, and mark which rules were met?"""
    from oefenkit.certification import explain

    rule = {"min_clips": 8, "scales": {"cooperatie": {"icc_a1_min": 0.7, "within_one_min": 0.8,
                                                      "abs_bias_max": 1.0, "extremes_min_share": 0.5}}}
    stats = {"scales": {"cooperatie": {
        "n_clips": 10, "icc_a1": 0.75, "within_one": 0.6, "bias": 1.4,
        "low_extremes": {"band": [1, 2], "consensus_items": 2, "recognised": 0},
        "high_extremes": {"band": [8, 9], "consensus_items": 3, "recognised": 3}}}}
    checks = explain(stats, rule, {"cooperatie": "Coöperatie"})
    texts = [c.text for c in checks]
    assert [c.met for c in checks] == [True, False, False, False, True]
    assert "Coöperatie: je scores liggen gemiddeld 1,4 punt hoger dan die van de experts; dat mag hoogstens " \
           "1,0 punt zijn." in texts
    assert "Coöperatie: bij 6 van de 10 fragmenten lag je score hoogstens 1 punt van die van de experts; er " \
           "moeten er minstens 8 zijn." in texts
    assert any("heel laag (1–2); jij scoorde er 0 ook zo laag; dat moeten er minstens 1 zijn" in t for t in texts)
    assert not any("cooperatie" in t for t in texts)
    assert checks[0].detail == "ICC(A,1) 0,75 (nodig: minstens 0,70)"
    short = explain({"scales": {"cooperatie": {"n_clips": 3}}}, rule, {"cooperatie": "Coöperatie"})
    assert [(c.met, c.text) for c in short] == [
        (False, "Coöperatie: je hebt 3 fragmenten gescoord; er zijn er minstens 8 nodig.")]
