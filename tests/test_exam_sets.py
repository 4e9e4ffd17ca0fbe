"""The certification test belongs to the programmes with a scoring test, and public vs private
exam sets (issue 17, part B).

* Only a programme whose path has an enabled ``scoring_test`` has a test: the Ouder-baby
  interventie, not Babytijd. The core refuses the rest, not only the page.
* A person's programmes are those of their groups: a Babytijd-only cursist does not get the exam
  app at all.
* A test on a public set (the shipped ``toets``: its expert scores are in
  ``sample_cases/scripts``) is an oefentoets: full result, no proposal, no certificate. With the
  demo setting it certifies, and the certificate is marked as a demonstration.
* Migration 0012: the sets that existed become public, existing certificates stay as they were.

Tests with ``kit`` run on SQLite and PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from sqlalchemy import func, select, text

from oefenkit.apps import apps_for
from oefenkit.certification import load_rules
from oefenkit.errors import PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT, load_settings
from oefenkit.storage import database
from oefenkit.storage import models as m

SCALES = ("sensitiviteit", "cooperatie")
SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"
#: The public exam set's expert consensus, as anybody can read it in the repository.
PUBLIC_KEY = {d["code"]: d["consensus"] for d in
              (yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(SCRIPTS.glob("*.yaml")))
              if d["set"] == "exam"}


@pytest.fixture
def kit(kit, samples_loaded):
    """The kit with the content and the sample cases (their expert scores, the public sets) loaded."""
    return kit


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


@pytest.fixture
def enrolled(kit):
    """A Babytijd-only cursist, an Ouder-baby cursist and a trainer, in the sample groups."""
    kit.add_person(SYSTEM, "bt.cursist", role="cursist", display_name="Babytijd Cursist",
                   groups=["Voorbeeldgroep Babytijd"])
    kit.add_person(SYSTEM, "ob.cursist", role="cursist", display_name="Ouder-baby Cursist",
                   groups=["Voorbeeldgroep Ouder-baby"])
    kit.add_person(SYSTEM, "trainer1", role="trainer", display_name="Trainer Een")
    return {name: kit.find_person(name) for name in ("bt.cursist", "ob.cursist", "trainer1")}


def count(kit, model) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def take(kit, actor, set_code, rules, scores_of, **kw):
    attempt = kit.start_exam(actor, "ouder-baby", set_code, max_attempts=3)
    for code in attempt.case_codes:
        kit.save_exam_rating(actor, attempt.id, code, scores_of(code))
    return kit.submit_exam(actor, attempt.id, rules=rules, **kw)


# -- which programmes have a test --------------------------------------------------------------


def test_rules_exist_only_for_the_programme_with_a_scoring_test(rules):
    """Is Babytijd's Ainsworth rule gone, while the Ouder-baby rule is still read and validated?"""
    assert set(rules) == {"ouder-baby"}
    assert not (PROJECT_ROOT / "content" / "certification" / "babytijd.yaml").exists()


def test_programmes_know_their_scoring_test_from_the_paths(kit, content_dir):
    """Does loading the content mark only Ouder-baby as having a scoring test, and does switching the
    test off in its path (``enabled: false``) take it away at the next load?"""
    from oefenkit.content import load_content, load_into

    assert {p["code"]: p["scoring_test"] for p in kit.list_programmes()} == {"babytijd": False, "ouder-baby": True}
    path = content_dir / "programmes" / "ouder-baby.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    kind: scoring_test\n", "    kind: scoring_test\n    enabled: false\n"), encoding="utf-8")
    load_into(kit, load_content(content_dir))
    assert {p["code"]: p["scoring_test"] for p in kit.list_programmes()} == {"babytijd": False, "ouder-baby": False}
    nobody = kit.add_person(SYSTEM, "los", role="cursist")
    assert nobody.exam_programmes == frozenset()
    assert "exam" not in {a.id for a in apps_for(nobody)}


def test_babytijd_only_cursist_has_no_exam(kit, enrolled):
    """Does a cursist whose only group is Babytijd get no exam programme, no exam app, no set — and is
    the Ouder-baby test refused to them by the core, with nothing stored?"""
    bt = enrolled["bt.cursist"]
    assert bt.programmes == {"babytijd"} and bt.exam_programmes == frozenset()
    assert "exam" not in {a.id for a in apps_for(bt)}
    assert "practice" in {a.id for a in apps_for(bt)}  # practising stays open to anyone
    assert kit.list_exam_sets(bt, "ouder-baby") == [] and kit.list_exam_sets(bt, "babytijd") == []
    with pytest.raises(PermissionDenied, match="hoort niet bij jouw programma"):
        kit.start_exam(bt, "ouder-baby", "toets", max_attempts=3)
    assert count(kit, m.ExamAttempt) == 0


def test_babytijd_test_is_refused_by_the_core_for_everyone(kit, enrolled):
    """Is an attempt for Babytijd refused in Dutch (no scoring test) even for staff and a cursist in no
    group, with nothing stored?"""
    loose = kit.add_person(SYSTEM, "los", role="cursist")
    for actor in (enrolled["bt.cursist"], enrolled["ob.cursist"], enrolled["trainer1"], loose):
        with pytest.raises(ValidationError, match="Bij Babytijd hoort geen scoringstoets"):
            kit.start_exam(actor, "babytijd", "toets", max_attempts=3)
    assert count(kit, m.ExamAttempt) == 0


def test_ouder_baby_cursist_and_staff_see_the_exam(kit, enrolled):
    """Do an Ouder-baby cursist, a cursist in no group yet and a trainer get the exam app and the
    Ouder-baby programme, and does the list of sets name the public set as public?"""
    loose = kit.add_person(SYSTEM, "los", role="cursist")
    for actor in (enrolled["ob.cursist"], enrolled["trainer1"], loose):
        assert actor.exam_programmes == {"ouder-baby"}
        assert "exam" in {a.id for a in apps_for(actor)}
    sets = kit.list_exam_sets(enrolled["ob.cursist"], "ouder-baby")
    assert [(s.code, s.public, s.n_cases) for s in sets] == [("toets", True, 10)]
    # An own set of the programme comes first; an empty one is not offered; a set of another
    # programme is not offered either.
    kit.add_case_set(SYSTEM, "eigen", "Eigen toetsset", "exam", sorted(PUBLIC_KEY)[:8], programme_code="ouder-baby")
    kit.add_case_set(SYSTEM, "leeg", "Lege toetsset", "exam", [], programme_code="ouder-baby")
    kit.add_case_set(SYSTEM, "bt-set", "Babytijdset", "exam", sorted(PUBLIC_KEY)[:2], programme_code="babytijd")
    sets = kit.list_exam_sets(enrolled["ob.cursist"], "ouder-baby")
    assert [(s.code, s.public, s.n_cases) for s in sets] == [("eigen", False, 8), ("toets", True, 10)]
    with pytest.raises(ValidationError, match="ander programma"):
        kit.start_exam(enrolled["ob.cursist"], "ouder-baby", "bt-set", max_attempts=3)


def test_leaving_the_ouder_baby_group_takes_the_exam_away(kit, enrolled):
    """When a coördinator moves a cursist from the Ouder-baby group to Babytijd, is the exam app gone
    for the person as read now?"""
    with kit.transaction() as s:
        person = s.scalar(select(m.Person).where(m.Person.username == "ob.cursist"))
        bt = s.scalar(select(m.Group).where(m.Group.name == "Voorbeeldgroep Babytijd"))
        s.execute(m.GroupMembership.__table__.delete().where(m.GroupMembership.person_id == person.id))
        s.add(m.GroupMembership(group_id=bt.id, person_id=person.id))
    moved = kit.find_person("ob.cursist")
    assert moved.exam_programmes == frozenset() and "exam" not in {a.id for a in apps_for(moved)}
    with pytest.raises(PermissionDenied):
        kit.start_exam(enrolled["ob.cursist"], "ouder-baby", "toets", max_attempts=3)  # the old value too


# -- public sets: oefentoets -------------------------------------------------------------------


def test_shipped_sets_are_public_and_new_sets_private(kit):
    """Are all shipped sets public, and is a set a trainer makes private unless asked otherwise?"""
    with kit.transaction() as s:
        shipped = dict(s.execute(select(m.CaseSet.code, m.CaseSet.public)).all())
    assert shipped and all(shipped.values()), shipped
    assert {"oefenen", "toets", "terugkomdag", "intervisie-gezin-m"} <= set(shipped)
    kit.add_case_set(SYSTEM, "eigen", "Eigen", "exam", [])
    kit.add_case_set(SYSTEM, "open", "Open", "practice", [], public=True)
    with kit.transaction() as s:
        assert s.scalar(select(m.CaseSet.public).where(m.CaseSet.code == "eigen")) is False
        assert s.scalar(select(m.CaseSet.public).where(m.CaseSet.code == "open")) is True


def test_public_set_with_the_published_key_is_an_oefentoets(kit, enrolled, rules):
    """Typing the public expert scores of the shipped set: is the result the full pass, marked as an
    oefentoets — with no proposal, no certificate, and the same result when read back?"""
    ob = enrolled["ob.cursist"]
    attempt = kit.start_exam(ob, "ouder-baby", "toets", max_attempts=3)
    assert attempt.practice is True
    for code in attempt.case_codes:
        kit.save_exam_rating(ob, attempt.id, code, PUBLIC_KEY[code])
    outcome = kit.submit_exam(ob, attempt.id, rules=rules)
    # The scoring passes even without the two supervised cases: an oefentoets judges scoring only.
    assert outcome.practice is True and outcome.passed is True, outcome.reasons
    assert outcome.certificate is None and outcome.decision_id is None
    for scale in SCALES:
        assert outcome.statistics["scales"][scale]["icc_a1"] == pytest.approx(1.0)
    assert outcome.statistics["oefentoets"] is True and outcome.rule["required_supervised_cases"] == 0
    assert count(kit, m.Certificate) == 0 and count(kit, m.CertificationDecision) == 0
    assert kit.list_open_proposals(enrolled["trainer1"]) == []
    assert kit.find_exam_outcome(ob, attempt.id) == outcome
    assert kit.find_open_exam(ob) is None
    entries = kit.list_audit_entries(SYSTEM)
    actions = [e["action"] for e in entries]
    assert "exam.submit" in actions and "certification.proposal" not in actions and "certificate.issue" not in actions
    submitted, = (e for e in entries if e["action"] == "exam.submit")
    assert submitted["details"]["oefentoets"] is True  # the log tells a practice test from a real one
    # The person's own export (AVG) holds the oefentoets result with the attempt.
    exported, = kit.export_person(ob, "ob.cursist")["exam_attempts"]
    assert exported["decision"] is None and exported["oefentoets_result"]["passed"] is True


def test_failed_oefentoets_is_stored_too(kit, enrolled, rules):
    """Does a failed oefentoets keep its reasons with the attempt, again without a decision?"""
    outcome = take(kit, enrolled["ob.cursist"], "toets", rules, lambda code: {s: 5 for s in SCALES})
    assert outcome.practice and not outcome.passed and outcome.reasons[0].startswith("Nog niet geslaagd")
    assert count(kit, m.CertificationDecision) == 0
    assert kit.find_exam_outcome(enrolled["trainer1"], outcome.attempt_id).reasons == outcome.reasons


def test_private_set_certifies(kit, enrolled, rules):
    """On an own (private) set with the same cases, does a pass with the supervised cases give a
    proposal and a certificate that is not a demonstration?"""
    ob, trainer = enrolled["ob.cursist"], enrolled["trainer1"]
    kit.add_case_set(SYSTEM, "eigen", "Eigen toetsset", "exam", sorted(PUBLIC_KEY), programme_code="ouder-baby")
    for n in (1, 2):
        kit.record_supervised_case(trainer, "ob.cursist", "ouder-baby", f"casus {n}")
    outcome = take(kit, ob, "eigen", rules, lambda code: PUBLIC_KEY[code])
    assert outcome.passed and not outcome.practice and outcome.decision_id is not None
    assert outcome.certificate is not None and outcome.certificate.demo is False
    with kit.transaction() as s:
        assert s.scalar(select(m.Certificate.demo)) is False


def test_demo_setting_gives_a_demo_certificate(kit, enrolled, rules):
    """With the demo setting, does the public set certify after all — the certificate stored and shown
    as a demonstration, the PDF saying "DEMONSTRATIE" — and does it not count as a valid certificate?"""
    from oefenkit.certificate_pdf import certificate_pdf

    ob, trainer = enrolled["ob.cursist"], enrolled["trainer1"]
    for n in (1, 2):
        kit.record_supervised_case(trainer, "ob.cursist", "ouder-baby", f"casus {n}")
    outcome = take(kit, ob, "toets", rules, lambda code: PUBLIC_KEY[code], demo_certificates=True)
    assert outcome.passed and not outcome.practice and outcome.decision_id is not None
    cert = outcome.certificate
    assert cert is not None and cert.demo is True and outcome.statistics["demo"] is True
    with kit.transaction() as s:
        assert s.scalar(select(m.Certificate.demo)) is True
    assert kit.find_certificate(ob, cert.code).demo is True
    assert kit.export_person(ob, "ob.cursist")["certificates"][0]["demo"] is True
    pdf = certificate_pdf(cert)
    assert b"DEMONSTRATIE" in pdf and cert.code.encode() in pdf
    plain = certificate_pdf(dataclasses.replace(cert, demo=False))
    assert b"DEMONSTRATIE" not in plain
    from oefenkit.certificate_pdf import certificate_url
    from oefenkit_widgets.exam import ExamResult

    shown = _text(ExamResult(outcome, certificate_url))
    assert "demonstratiecertificaat" in shown and "niet als certificering" in shown


def test_only_a_test_on_an_own_set_counts_for_the_path(kit, enrolled, rules):
    """Does the Ouder-baby path's scoring test stay open after a passed oefentoets and after a demo
    certificate on the public set, and count as done after a pass on the own set?"""
    from oefenkit.programmes import load_paths

    paths = load_paths(PROJECT_ROOT / "content")
    ob, trainer = enrolled["ob.cursist"], enrolled["trainer1"]

    def done() -> bool:
        progress = kit.requirement_progress(trainer, "ob.cursist", "ouder-baby", paths=paths)
        return next(r for r in progress["requirements"] if r["code"] == "scoringstoets")["done"]

    for n in (1, 2):
        kit.record_supervised_case(trainer, "ob.cursist", "ouder-baby", f"casus {n}")
    assert take(kit, ob, "toets", rules, lambda code: PUBLIC_KEY[code]).passed
    assert take(kit, ob, "toets", rules, lambda code: PUBLIC_KEY[code], demo_certificates=True).certificate.demo
    assert not done()
    kit.add_case_set(SYSTEM, "eigen", "Eigen toetsset", "exam", sorted(PUBLIC_KEY), programme_code="ouder-baby")
    assert take(kit, ob, "eigen", rules, lambda code: PUBLIC_KEY[code]).passed
    assert done()


def test_demo_setting_is_read_from_the_environment(tmp_path):
    """Is ``OEFENKIT_DEMO_CERTIFICATES`` a yes/no setting, off by default, with a Dutch error?"""
    from oefenkit.errors import ConfigurationError

    base = {"OEFENKIT_DATA_DIR": str(tmp_path)}
    assert load_settings(base).demo_certificates is False
    assert load_settings({**base, "OEFENKIT_DEMO_CERTIFICATES": "1"}).demo_certificates is True
    with pytest.raises(ConfigurationError, match="demo_certificates"):
        load_settings({**base, "OEFENKIT_DEMO_CERTIFICATES": "soms"})


def test_open_babytijd_attempt_from_before_does_not_block(kit, enrolled, rules):
    """An open attempt on Babytijd (made before Babytijd lost its test) can never be handed in: is it
    ignored, so the cursist can start the Ouder-baby test?"""
    ob = enrolled["ob.cursist"]
    with kit.transaction() as s:
        set_id = s.scalar(select(m.CaseSet.id).where(m.CaseSet.code == "toets"))
        programme_id = s.scalar(select(m.Programme.id).where(m.Programme.code == "babytijd"))
        s.add(m.ExamAttempt(person_id=ob.id, case_set_id=set_id, programme_id=programme_id,
                            case_order=sorted(PUBLIC_KEY)))
    assert kit.find_open_exam(ob) is None
    attempt = kit.start_exam(ob, "ouder-baby", "toets", max_attempts=5)
    assert not attempt.resumed and attempt.programme_code == "ouder-baby"


# -- the exam page --------------------------------------------------------------------------------


def test_rules_and_set_labels_say_what_a_set_gives(rules):
    """Do the start panel's rules promise a certificate only on an own set, explain the oefentoets
    (no certificate, no supervised cases) and the demonstration, and do the set labels say the same?"""
    from oefenkit.storage.exams import ExamSetInfo
    from oefenkit_widgets.exam import DEMO_TEXT, PRACTICE_TEXT, rule_lines, set_label

    rule = rules["ouder-baby"].as_dict()
    own = rule_lines(rule, 3, 0)
    assert any("krijgt een certificaat" in line for line in own) and any("supervisie" in line for line in own)
    assert PRACTICE_TEXT not in own and DEMO_TEXT not in own
    practice = rule_lines(rule, 3, 0, practice=True)
    assert PRACTICE_TEXT in practice
    assert not any("krijgt een certificaat" in line or "supervisie" in line for line in practice)
    demo = rule_lines(rule, 3, 0, demo=True)
    assert DEMO_TEXT in demo and not any("verificatiecode" in line for line in demo)
    public = ExamSetInfo("toets", "Voorbeeldtoets", "ouder-baby", 10, True)
    assert set_label(public) == "Voorbeeldtoets (oefentoets, geen certificaat)"
    assert set_label(public, demo=True) == "Voorbeeldtoets (openbare set, demonstratiecertificaat)"
    assert set_label(dataclasses.replace(public, public=False)) == "Voorbeeldtoets (certificeringstoets)"


def _text(widget) -> str:
    import ipywidgets as w

    out = [widget.value] if isinstance(widget, w.HTML) else []
    for child in getattr(widget, "children", ()):
        out.append(_text(child))
    return "\n".join(out)


def test_exam_page_offers_the_sets_and_says_what_an_oefentoets_is(kit, enrolled, rules):
    """Does the start panel offer Ouder-baby only, the own set before the public one, say in Dutch that
    the public set is an oefentoets without certificate, and show the oefentoets result after?"""
    from oefenkit_widgets.exam import ExamResult, ExamStart
    from oefenkit_widgets.pages.exam import exam_page

    kit.add_case_set(SYSTEM, "eigen", "Eigen toetsset", "exam", sorted(PUBLIC_KEY), programme_code="ouder-baby")
    ob = enrolled["ob.cursist"]
    page = exam_page(kit, ob, rules=rules, max_attempts=3, demo_certificates=False)
    start = page.screen
    assert isinstance(start, ExamStart)
    assert [code for _label, code in start.programme.options] == ["ouder-baby"]
    assert [code for _label, code in start.case_set.options] == ["eigen", "toets"]
    assert start.case_set.value == "eigen" and "Certificeringstoets" in start.kind.value
    start.case_set.value = "toets"
    assert "Oefentoets" in start.kind.value and "geen certificaat" in start.kind.value
    assert "Dit is een oefentoets" in start.rules.value and "krijgt een certificaat" not in start.rules.value
    start.button.click()
    screen = page.screen
    assert screen.attempt.case_set_code == "toets"
    for i, case in enumerate(screen.attempt.cases):
        screen.go(i)
        for scale in SCALES:
            screen.scorers[scale].buttons[PUBLIC_KEY[case.code][scale]].click()
    screen.submit.click()
    screen.submit_confirm.yes.click()
    result = page.screen
    assert isinstance(result, ExamResult) and result.outcome.practice and result.outcome.passed
    shown = _text(result)
    assert "Oefentoets: geslaagd" in shown and "geen certificaat" in shown
    assert "Certificaat downloaden" not in shown
    assert count(kit, m.Certificate) == 0
    # Not a dead end: the app opens on this result next time, and from there the own set is one click away.
    again = exam_page(kit, ob, rules=rules, max_attempts=3, demo_certificates=False)
    assert isinstance(again.screen, ExamResult) and again.screen.outcome.practice
    button = next(c for c in again.screen.children if "ok-exam-again" in getattr(c, "_dom_classes", ()))
    assert button.description == "Naar de toetsen"
    button.click()
    assert isinstance(again.screen, ExamStart) and again.screen.case_set.value == "eigen"
    assert not again.screen.button.disabled


# -- migration 0012 --------------------------------------------------------------------------------

#: The revision 0012 follows (0010 on the exam branch; re-chained after 0011 and 0014 on main).
BEFORE_0012 = "0014"


def test_migration_makes_existing_sets_public_and_leaves_certificates(database_url):
    """Migrating a database at the revision before 0012: do its case sets become public, its certificates stay exactly as
    they were (and not demo), and does Ouder-baby (not Babytijd) get its scoring test?"""
    engine = database.make_engine(database_url)
    try:
        from alembic import command

        # The test's database is at head and empty: go back to the revision before 0012 and fill it.
        command.downgrade(database.alembic_config(engine), BEFORE_0012)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO programme (id, code, name, description) VALUES "
                              "(1, 'babytijd', 'Babytijd', ''), (2, 'ouder-baby', 'Ouder-baby interventie', '')"))
            conn.execute(text("INSERT INTO person (id, username, display_name, role, active, created_at) VALUES "
                              "(1, 'anna', 'Anna', 'cursist', :t, '2025-01-01 10:00:00')"), {"t": True})
            conn.execute(text("INSERT INTO case_set (id, code, name, kind, programme_id) VALUES "
                              "(1, 'toets', 'Toets', 'exam', NULL), (2, 'oefenen', 'Oefenen', 'practice', 2)"))
            conn.execute(text(
                "INSERT INTO certificate (id, person_id, programme_id, verification_code, issued_at, valid_until, "
                "decision, reason, statistics) VALUES (1, 1, 2, 'OK-AAAA-BBBB-CCCC', '2025-02-01 10:00:00', "
                "'2027-02-01 12:00:00', 'accepted', 'oud', '{\"case_set\": \"toets\"}')"))
            before = conn.execute(text("SELECT id, person_id, programme_id, verification_code, issued_at, "
                                       "valid_until, decision, reason, statistics FROM certificate")).all()
        database.upgrade(engine)
        with engine.begin() as conn:
            assert dict(conn.execute(text("SELECT code, public FROM case_set")).all()) == \
                {"toets": True, "oefenen": True}
            after = conn.execute(text("SELECT id, person_id, programme_id, verification_code, issued_at, "
                                      "valid_until, decision, reason, statistics FROM certificate")).all()
            assert after == before
            assert conn.execute(text("SELECT demo FROM certificate")).scalar_one() in (False, 0)
            assert dict(conn.execute(text("SELECT code, scoring_test FROM programme")).all()) == \
                {"babytijd": False, "ouder-baby": True}
    finally:
        engine.dispose()
