"""Certificates after the rules' proposal: a trainer accepts or overrides, a certificate is issued
once, anybody can verify a code, staff see the register, supervised cases count for the
Ouder-baby rule, and a terugkomdag renews. The PDF parses and its code verifies on the command line.

Tests that use ``kit`` or ``people`` run on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from sqlalchemy import func, select, update

from oefenkit.certificate_pdf import certificate_pdf, dutch_date
from oefenkit.certification import load_rules
from oefenkit.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m
from oefenkit.storage.exams import LOCAL_TZ

from .test_exam import CONSENSUS, EXAM, PROGRAMME, private_exam_set, score_all, supervised_cases

STATS = {"scales": {"sensitiviteit": {"n_clips": 10, "icc_a1": 0.9, "within_one": 1.0, "bias": 0.1}},
         "case_set": "toets"}


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def count(kit, model, **where) -> int:
    with kit.transaction() as s:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return s.scalar(query)


def proposal(kit, username="cursist1", programme="ouder-baby", *, passed: bool) -> int:
    return kit.add_certification_decision(SYSTEM, username, programme, passed=passed,
                                          reasons=["Geslaagd." if passed else "Nog niet geslaagd."],
                                          statistics=STATS, rule={"programme": programme})


def set_valid_until(kit, code: str, day: dt.date) -> None:
    with kit.transaction() as s:
        s.execute(update(m.Certificate).where(m.Certificate.verification_code == code).values(
            valid_until=dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)))


# -- accept / override ----------------------------------------------------------------------------


def test_accepting_a_pass_issues_a_certificate(kit, people, rules):
    """Does accepting a passing proposal store an 'accepted' decision naming the proposal, audit it
    and issue a certificate valid for the rule's two years?"""
    pid = proposal(kit, passed=True)
    result = kit.decide_certificate(people["trainer"], pid, accept=True, rules=rules)
    assert result["kind"] == "accepted" and result["passed"] is True
    cert = result["certificate"]
    assert cert is not None and cert.username == "cursist1" and cert.decision == "accepted"
    assert cert.code.startswith("OK-") and len(cert.code) == 17
    issued = cert.issued_at.astimezone(LOCAL_TZ).date()
    assert cert.valid_until == issued.replace(year=issued.year + 2)
    decisions = kit.list_certification_decisions(people["trainer"], "cursist1")
    assert decisions[0]["id"] == result["decision_id"] and decisions[0]["kind"] == "accepted"
    assert decisions[0]["statistics"]["proposal_id"] == pid
    actions = [e["action"] for e in kit.list_audit_entries(people["coordinator"])]
    assert "certification.accepted" in actions and "certificate.issue" in actions


def test_accepting_a_fail_issues_nothing(kit, people, rules):
    """Does accepting a failing proposal store the decision but issue no certificate?"""
    result = kit.decide_certificate(people["trainer"], proposal(kit, passed=False), accept=True, rules=rules)
    assert result["passed"] is False and result["certificate"] is None
    assert count(kit, m.Certificate) == 0


def test_override_needs_a_reason(kit, people, rules):
    """Is an override without a (Dutch) reason refused, with nothing stored?"""
    pid = proposal(kit, passed=False)
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="reden"):
            kit.decide_certificate(people["trainer"], pid, accept=False, reason=reason, rules=rules)
    assert count(kit, m.CertificationDecision) == 1 and count(kit, m.Certificate) == 0


def test_override_with_reason_turns_the_outcome(kit, people, rules):
    """Does an override with a reason turn a fail into a pass (with certificate) and a pass into a fail
    (without), the reason stored with decision and certificate?"""
    up = kit.decide_certificate(people["trainer"], proposal(kit, passed=False), accept=False,
                                reason="Twee fragmenten waren technisch onbruikbaar.", rules=rules)
    assert up["kind"] == "override" and up["passed"] is True and up["certificate"].decision == "override"
    down = kit.decide_certificate(people["trainer"], proposal(kit, "cursist2", passed=True), accept=False,
                                  reason="Toets niet zelfstandig gemaakt.", rules=rules)
    assert down["passed"] is False and down["certificate"] is None
    stored = kit.list_certification_decisions(people["trainer"], "cursist2")[0]
    assert stored["kind"] == "override" and stored["reason"] == "Toets niet zelfstandig gemaakt."
    assert stored["statistics"]["proposal_passed"] is True
    with kit.transaction() as s:
        assert s.scalar(select(m.Certificate.reason)) == "Twee fragmenten waren technisch onbruikbaar."


def test_deciding_is_for_trainers_and_once(kit, people, rules):
    """Is a cursist refused, a second decision on the same proposal a conflict, and a decision
    (not a proposal) or an unknown id refused?"""
    pid = proposal(kit, passed=True)
    with pytest.raises(PermissionDenied):
        kit.decide_certificate(people["cursist"], pid, accept=True, rules=rules)
    decided = kit.decide_certificate(people["trainer"], pid, accept=True, rules=rules)
    with pytest.raises(Conflict, match="al besloten"):
        kit.decide_certificate(people["coordinator"], pid, accept=False, reason="Toch niet.", rules=rules)
    with pytest.raises(ValidationError, match="geen voorstel"):
        kit.decide_certificate(people["trainer"], decided["decision_id"], accept=True, rules=rules)
    with pytest.raises(NotFound):
        kit.decide_certificate(people["trainer"], 99999, accept=True, rules=rules)
    assert count(kit, m.Certificate) == 1


def test_no_second_certificate_while_one_is_valid(kit, people, rules):
    """Does a pass for somebody who already holds a valid certificate issue no second one, while an
    expired one does not count?"""
    first = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True, rules=rules)
    again = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True, rules=rules)
    assert again["passed"] is True and again["certificate"] is None
    assert count(kit, m.Certificate) == 1
    set_valid_until(kit, first["certificate"].code, today() - dt.timedelta(days=1))
    third = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True, rules=rules)
    assert third["certificate"] is not None and third["certificate"].code != first["certificate"].code
    assert count(kit, m.Certificate) == 2


# -- verification and register ----------------------------------------------------------------------


def test_verify_valid_expired_and_unknown(kit, people, rules):
    """Does public verification give exactly name, programme, dates, validity, kind (certificate or
    registration), status and what it rests on (no figures; a scoring test's scales by title) — valid today, expired after the last
    day — and NotFound (Dutch) for an unknown code?"""
    cert = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True,
                                  rules=rules)["certificate"]
    info = kit.verify_certificate(cert.code.lower())
    assert info == {"display_name": "Cursist Een", "programme_name": cert.programme_name,
                    "issued": cert.issued_at.astimezone(LOCAL_TZ).date(), "valid_until": cert.valid_until,
                    "valid": True, "revoked": False, "kind": "certificate", "status": "geldig",
                    "programme_code": cert.programme_code, "basis": "scoring_test", "requirements": [],
                    "demo": False, "scales": {"sensitiviteit": "Sensitiviteit"}}  # the scale the proposal measured
    assert kit.verify_certificate(cert.code, today=cert.valid_until)["valid"] is True
    assert kit.verify_certificate(cert.code, today=cert.valid_until + dt.timedelta(days=1))["valid"] is False
    set_valid_until(kit, cert.code, today() - dt.timedelta(days=3))
    assert kit.verify_certificate(cert.code)["valid"] is False
    with pytest.raises(NotFound, match="verificatiecode"):
        kit.verify_certificate("OK-AAAA-BBBB-CCCC")
    with pytest.raises(NotFound):
        kit.verify_certificate("")


def test_register_statuses(kit, people, rules):
    """Does the register list every certificate with person, programme, dates and the status geldig,
    verloopt binnenkort or verlopen — and only for staff?"""
    codes = {}
    for who in ("cursist1", "cursist2", "trainer1"):
        codes[who] = kit.decide_certificate(people["trainer"], proposal(kit, who, passed=True), accept=True,
                                            rules=rules)["certificate"].code
    set_valid_until(kit, codes["cursist1"], today() - dt.timedelta(days=1))
    set_valid_until(kit, codes["cursist2"], today() + dt.timedelta(days=30))
    register = kit.certificate_register(people["trainer"])
    assert [(c["username"], c["status"]) for c in register] == [
        ("cursist1", "verlopen"), ("cursist2", "verloopt binnenkort"), ("trainer1", "geldig")]
    assert {c["programme"] for c in register} == {"ouder-baby"}
    assert all(set(c) >= {"code", "display_name", "issued", "valid_until"} for c in register)
    narrow = kit.certificate_register(people["coordinator"], expiring_within_days=7)
    assert [c["status"] for c in narrow] == ["verlopen", "geldig", "geldig"]
    with pytest.raises(PermissionDenied):
        kit.certificate_register(people["cursist"])
    with pytest.raises(ValidationError):
        kit.certificate_register(people["trainer"], expiring_within_days=-1)


# -- supervised cases and the Ouder-baby rule -------------------------------------------------------


@pytest.fixture
def exam_kit(kit, samples_loaded):
    """The shipped content plus the sample cases and the ``toets`` set (as in ``test_exam.py``)."""

    return kit


def test_supervised_cases_are_recorded_by_trainers(kit, people):
    """Does a trainer record supervised cases per programme (audited), while a cursist can neither
    record them nor count somebody else's?"""
    trainer = people["trainer"]
    kit.record_supervised_case(trainer, "cursist1", "ouder-baby", "Casus gezin A besproken op 3 maart.")
    kit.record_supervised_case(trainer, "cursist1", "babytijd", "Andere casus.")
    assert kit.count_supervised_cases(trainer, "cursist1", "ouder-baby") == 1
    assert kit.count_supervised_cases(people["cursist"], "cursist1", "ouder-baby") == 1  # own
    with pytest.raises(PermissionDenied):
        kit.count_supervised_cases(people["cursist2"], "cursist1", "ouder-baby")
    with pytest.raises(PermissionDenied):
        kit.record_supervised_case(people["cursist"], "cursist1", "ouder-baby", "Zelf gedaan.")
    with pytest.raises(ValidationError):
        kit.record_supervised_case(trainer, "cursist1", "ouder-baby", "  ")
    with pytest.raises(NotFound):
        kit.record_supervised_case(trainer, "cursist1", "bestaat-niet", "Casus.")
    with pytest.raises(NotFound):
        kit.record_supervised_case(trainer, "niemand", "ouder-baby", "Casus.")
    assert kit.count_supervised_cases(trainer, "cursist1", "ouder-baby") == 1
    assert "supervised_case.record" in {e["action"] for e in kit.list_audit_entries(people["coordinator"])}


def test_ouder_baby_exam_uses_the_recorded_supervised_cases(exam_kit, people, rules):
    """With the same perfect exam, does the Ouder-baby rule fail with one recorded supervised case
    and pass (with certificate) with two?"""
    kit = exam_kit
    trainer = people["trainer"]
    kit.record_supervised_case(trainer, "cursist1", "ouder-baby", "Eerste casus besproken.")
    for n in (1, 2):
        kit.record_supervised_case(trainer, "cursist2", "ouder-baby", f"Casus {n} besproken.")
    outcomes = {}
    private_exam_set(kit)  # the shipped set is public: an oefentoets judges the scoring only
    for who in ("cursist", "cursist2"):
        attempt = kit.start_exam(people[who], "ouder-baby", EXAM, max_attempts=3)
        score_all(kit, people[who], attempt, lambda code: CONSENSUS[code])
        outcomes[who] = kit.submit_exam(people[who], attempt.id, rules=rules)
    one, two = outcomes["cursist"], outcomes["cursist2"]
    assert one.passed is False and one.certificate is None
    assert one.statistics["supervised_cases"] == 1
    assert any("1 van de 2" in r for r in one.reasons)
    assert two.passed is True and two.statistics["supervised_cases"] == 2
    assert two.certificate is not None and two.certificate.programme_code == "ouder-baby"
    # The exam's own certificate counts: accepting its proposal issues no second one.
    again = kit.decide_certificate(trainer, two.decision_id, accept=True, rules=rules)
    assert again["certificate"] is None and count(kit, m.Certificate) == 1


# -- renewal --------------------------------------------------------------------------------------


def test_renewal_by_attending_a_terugkomdag(kit, people, rules):
    """Does attending a terugkomdag extend a still valid certificate to two years from that day
    (audited), leave an expired one expired, and refuse cursists and future dates?"""
    trainer = people["trainer"]
    valid = kit.decide_certificate(trainer, proposal(kit, passed=True), accept=True, rules=rules)["certificate"]
    old = kit.decide_certificate(trainer, proposal(kit, "cursist2", passed=True), accept=True,
                                 rules=rules)["certificate"]
    attended = today() - dt.timedelta(days=10)
    set_valid_until(kit, valid.code, today() + dt.timedelta(days=20))
    set_valid_until(kit, old.code, attended - dt.timedelta(days=1))
    [renewed] = kit.renew_certificates_for_attendance(trainer, "cursist1", attended, rules=rules)
    assert renewed["renewed"] is True and renewed["new"] == attended.replace(year=attended.year + 2)
    assert kit.verify_certificate(valid.code)["valid_until"] == renewed["new"]
    [kept] = kit.renew_certificates_for_attendance(trainer, "cursist2", attended, rules=rules)
    assert kept["renewed"] is False and kit.verify_certificate(old.code)["valid"] is False
    entries = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "certificate.renew"]
    assert len(entries) == 1 and entries[0]["target"] == "cursist1"
    with pytest.raises(PermissionDenied):
        kit.renew_certificates_for_attendance(people["cursist"], "cursist1", attended, rules=rules)
    with pytest.raises(ValidationError):
        kit.renew_certificates_for_attendance(trainer, "cursist1", today() + dt.timedelta(days=1), rules=rules)


# -- the PDF and the command line ------------------------------------------------------------------


def test_pdf_parses_and_its_code_verifies_on_the_command_line(kit, people, rules, database_url, tmp_path,
                                                              capsys, monkeypatch):
    """Does the certificate PDF parse (pypdf) with the holder's name and the code in its text, and
    does ``oefenkit certificates verify <code>`` confirm that code (and refuse an unknown one)?"""
    from pypdf import PdfReader

    from oefenkit.cli import main

    for key in [k for k in os.environ if k.startswith("OEFENKIT_")]:
        monkeypatch.delenv(key)
    cert = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True,
                                  rules=rules)["certificate"]
    reader = PdfReader(io.BytesIO(certificate_pdf(cert)))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert cert.code in text and "Cursist Een" in text
    prefix = ["--data-dir", str(tmp_path / "data"), "--database-url", database_url]
    capsys.readouterr()
    assert main([*prefix, "certificates", "verify", cert.code]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"Geldig certificaat: Cursist Een, {cert.programme_name}, geldig tot {dutch_date(cert.valid_until)}.",
        "Op basis van: de scoringstoets op de schaal Sensitiviteit, een toevoeging van Oefenkit.",  # the one scale measured
        "Uitgegeven door de organisatie die deze training geeft met Oefenkit. Dit is geen certificaat van de "
        "eigenaar van het programma (de auteurs van de interventie en het Trimbos-instituut)."]
    # the PDF says the same: the test as the kit's addition, and who issued it
    assert "toevoeging van Oefenkit" in text and "Dit is geen certificaat van" in " ".join(text.split())
    assert "Scoren op de schaal Sensitiviteit" in text and "Ainsworth" not in text
    set_valid_until(kit, cert.code, today() - dt.timedelta(days=1))
    assert main([*prefix, "certificates", "verify", cert.code]) == 0
    assert capsys.readouterr().out.startswith("Certificaat verlopen: Cursist Een")
    assert main([*prefix, "certificates", "verify", "OK-AAAA-BBBB-CCCC"]) == 1
    assert capsys.readouterr().err.startswith("Fout: ")


# -- overriding an exam's pass, the trainer's work list, own certificates -----------------------------


def _perfect_exam(kit, actor, rules, programme=PROGRAMME):
    """A perfect exam on the private set (with the supervised cases): it passes and certifies."""
    private_exam_set(kit)
    with kit.transaction() as s:
        trainer = s.scalar(select(m.Person).where(m.Person.username == "trainer1"))
        done = s.scalar(select(func.count()).select_from(m.SupervisedCase)
                        .where(m.SupervisedCase.person_id == actor.id))
    if not done:
        supervised_cases(kit, kit.find_person(trainer.username), actor.username)
    attempt = kit.start_exam(actor, programme, EXAM, max_attempts=3)
    score_all(kit, actor, attempt, lambda code: CONSENSUS[code])
    return kit.submit_exam(actor, attempt.id, rules=rules)


def test_overriding_an_exam_pass_revokes_its_certificate(exam_kit, people, rules):
    """When the trainer turns a passing exam down, is the certificate the exam issued revoked
    (audited; not valid on verification, 'ingetrokken' in the register, not renewed), while a
    second person's certificate stays untouched?"""
    kit, trainer = exam_kit, people["trainer"]
    outcome = _perfect_exam(kit, people["cursist"], rules)
    other = _perfect_exam(kit, people["cursist2"], rules)
    code = outcome.certificate.code
    assert kit.verify_certificate(code)["valid"] is True
    result = kit.decide_certificate(trainer, outcome.decision_id, accept=False,
                                    reason="De toets is niet zelfstandig gemaakt.", rules=rules)
    assert result["passed"] is False and result["certificate"] is None
    info = kit.verify_certificate(code)
    assert info["valid"] is False and info["revoked"] is True
    assert info["valid_until"] < today()
    register = {c["code"]: c["status"] for c in kit.certificate_register(trainer)}
    assert register == {code: "ingetrokken", other.certificate.code: "geldig"}
    with kit.transaction() as s:
        cert = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == code))
        assert cert.statistics["revoked"] is True and cert.reason == "De toets is niet zelfstandig gemaakt."
        assert cert.statistics["revoked_by_decision"] == result["decision_id"]
        assert cert.statistics["valid_until_before_revocation"] == outcome.certificate.valid_until.isoformat()
    audit = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "certificate.revoke"]
    assert [(e["target"], e["details"]["code"]) for e in audit] == [("cursist1", code)]
    [renewal] = kit.renew_certificates_for_attendance(trainer, "cursist1", today() - dt.timedelta(days=3),
                                                      rules=rules)
    assert renewal["renewed"] is False
    mine = kit.list_certificates_of(people["cursist"], "cursist1")
    assert [(c["code"], c["valid"], c["revoked"]) for c in mine] == [(code, False, True)]
    # The PDF (still downloadable by its owner) says so on top.
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(certificate_pdf(kit.find_certificate(people["cursist"], code)))).pages[0].extract_text()
    assert text.lstrip().startswith("INGETROKKEN") and "niet meer geldig" in text
    valid_text = PdfReader(io.BytesIO(certificate_pdf(kit.find_certificate(people["cursist2"], other.certificate.code))))
    assert "INGETROKKEN" not in valid_text.pages[0].extract_text()


def test_open_proposals_list_what_awaits_a_decision(exam_kit, people, rules):
    """Does the trainer's list hold each undecided proposal once — with person, programme, statistics,
    the certificate the exam issued and the supervised cases (x of 2 for Ouder-baby) — and drop it once
    decided, for staff only?"""
    kit, trainer = exam_kit, people["trainer"]
    kit.record_supervised_case(trainer, "cursist2", "ouder-baby", "Casus gezin A besproken.")
    passed = _perfect_exam(kit, people["cursist"], rules)
    failed = _perfect_exam(kit, people["cursist2"], rules, "ouder-baby")
    open_ = kit.list_open_proposals(trainer)
    assert [p["decision_id"] for p in open_] == [passed.decision_id, failed.decision_id]
    first, second = open_
    assert (first["username"], first["programme"], first["passed"]) == ("cursist1", "ouder-baby", True)
    assert first["certificate"] == passed.certificate.code
    assert (first["supervised_cases"], first["required_supervised_cases"]) == (2, 2)
    assert first["statistics"]["scales"]["sensitiviteit"]["within_one"] == 1.0
    assert (second["username"], second["programme"], second["passed"]) == ("cursist2", "ouder-baby", False)
    assert second["certificate"] is None
    assert (second["supervised_cases"], second["required_supervised_cases"]) == (1, 2)
    kit.record_supervised_case(trainer, "cursist2", "ouder-baby", "Casus gezin B besproken.")
    assert kit.list_open_proposals(trainer)[1]["supervised_cases"] == 2  # counted now, not at submission
    kit.decide_certificate(trainer, passed.decision_id, accept=True, rules=rules)
    assert [p["decision_id"] for p in kit.list_open_proposals(people["coordinator"])] == [failed.decision_id]
    with pytest.raises(PermissionDenied):
        kit.list_open_proposals(people["cursist"])


def test_own_certificates_for_owner_and_staff_only(kit, people, rules):
    """Does a person see their own certificates (valid today), staff anybody's, and another cursist
    nobody else's?"""
    cert = kit.decide_certificate(people["trainer"], proposal(kit, passed=True), accept=True,
                                  rules=rules)["certificate"]
    mine = kit.list_certificates_of(people["cursist"], "cursist1")
    assert [(c["code"], c["programme"], c["valid"], c["revoked"]) for c in mine] == [
        (cert.code, "ouder-baby", True, False)]
    assert mine[0]["valid_until"] == cert.valid_until
    assert kit.list_certificates_of(people["trainer"], "cursist1") == mine
    assert kit.list_certificates_of(people["cursist2"], "cursist2") == []
    with pytest.raises(PermissionDenied):
        kit.list_certificates_of(people["cursist2"], "cursist1")
    with pytest.raises(NotFound):
        kit.list_certificates_of(people["trainer"], "niemand")
