"""The "Certificering" app (widgets/certificates.py): proposals to decide, supervised cases and the
register, built over a real kit (SQLite and PostgreSQL) and driven by poking widget values.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from oefenkit.certificate_pdf import certificate_url
from oefenkit.certification import load_rules
from oefenkit.errors import PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit_widgets.certificates import (
    CertificateRegister,
    certificates_page,
    own_certificates_html,
    register_html,
    statistics_html,
)
from oefenkit_widgets.pages.profile import profile_page

from .test_exam import CONSENSUS, score_all

XSS = "<script>alert(1)</script>"


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


@pytest.fixture
def exam_kit(kit, samples_loaded):
    """The shipped content plus the sample cases and the ``toets`` set."""

    return kit


def take_exam(kit, actor, rules, programme="ouder-baby", scores=None):
    """An exam on the private set that certifies (``tests/test_exam.py``), with the two supervised
    cases the Ouder-baby rule asks."""
    from .test_exam import EXAM, private_exam_set, supervised_cases

    private_exam_set(kit)
    if not kit.count_supervised_cases(SYSTEM, actor.username, programme):
        supervised_cases(kit, kit.find_person("trainer1"), actor.username)
    attempt = kit.start_exam(actor, programme, EXAM, max_attempts=3)
    score_all(kit, actor, attempt, scores or (lambda code: CONSENSUS[code]))
    return kit.submit_exam(actor, attempt.id, rules=rules)


def notice_text(box) -> str:
    return " ".join(child.text for child in box.children)


def test_accepting_a_proposal_from_the_page(exam_kit, people, rules):
    """Does the page show the passed proposal with its Dutch statistics and the certificate in the
    register (code and PDF link), and does "Voorstel overnemen" store an accepted decision?"""
    kit = exam_kit
    outcome = take_exam(kit, people["cursist"], rules)
    page = certificates_page(kit, people["trainer"], rules=rules)
    [card] = page.cards
    assert "ok-proposal-passed" in card.outcome._dom_classes
    assert "Cursist Een" in card.children[0].value and "Voorstel: geslaagd" in card.outcome.value
    assert "ICC(A,1)" in card.stats.value and "100 %" in card.stats.value and "Sensitiviteit" in card.stats.value
    assert "voldoende" in card.supervised.value  # the two supervised cases the Ouder-baby rule asks
    code = outcome.certificate.code
    assert f"href='{certificate_url(code)}'" in page.register.table.value
    assert "ok-certificate-download" in page.register.table.value and code in page.register.table.value
    card.accept_button.click()
    assert card.decided and card.accept_button.disabled and card.override_button.disabled
    assert "Voorstel overgenomen: geslaagd" in notice_text(card.message)
    [decision] = [d for d in kit.list_certification_decisions(people["trainer"], "cursist1") if d["kind"] != "proposal"]
    assert decision["kind"] == "accepted" and decision["statistics"]["proposal_id"] == outcome.decision_id
    card.override_button.click()  # a decided card does nothing more
    assert len(kit.list_certification_decisions(people["trainer"], "cursist1")) == 2
    assert certificates_page(kit, people["trainer"], rules=rules).cards == []


def test_override_needs_a_reason_and_revokes(exam_kit, people, rules):
    """Does "Afwijken" without a reason show the Dutch error and store nothing, and with a reason
    store the override, revoke the exam's certificate and show 'ingetrokken' in the register?"""
    kit = exam_kit
    outcome = take_exam(kit, people["cursist"], rules)
    page = certificates_page(kit, people["trainer"], rules=rules)
    [card] = page.cards
    card.reason.value = "   "
    card.override_button.click()
    assert "Geef een reden" in notice_text(card.message) and not card.decided
    assert "ok-notice-error" in card.message.children[0]._dom_classes
    assert len(kit.list_certification_decisions(people["trainer"], "cursist1")) == 1
    card.reason.value = "Toets niet zelfstandig gemaakt."
    card.override_button.click()
    assert card.decided and "ingetrokken" in notice_text(card.message)
    stored = kit.list_certification_decisions(people["trainer"], "cursist1")[0]
    assert stored["kind"] == "override" and stored["passed"] is False
    assert stored["reason"] == "Toets niet zelfstandig gemaakt."
    row = re.search(rf"<tr class='ok-register-row' data-code='{outcome.certificate.code}'>(.*?)</tr>",
                    page.register.table.value)
    assert row and "ingetrokken" in row.group(1)  # the register was refreshed after the decision


def test_ouder_baby_supervised_cases_x_of_2(exam_kit, people, rules):
    """For Ouder-baby, does the card show "1 van 2", and does recording a second case in the form
    store it and turn the card into "2 van 2"? Is an empty note refused in Dutch?"""
    kit, trainer = exam_kit, people["trainer"]
    kit.record_supervised_case(trainer, "cursist1", "ouder-baby", "Casus gezin A besproken.")
    take_exam(kit, people["cursist"], rules, "ouder-baby")
    page = certificates_page(kit, trainer, rules=rules)
    [card] = page.cards
    assert "ok-proposal-failed" in card.outcome._dom_classes
    assert "1 van 2" in card.supervised.value and "nog niet voldoende" in card.supervised.value
    form = page.supervised_form
    assert form.programme.value == "ouder-baby"
    assert [v for _, v in form.person.options] == ["cursist1", "cursist2"]  # cursists only
    form.person.value = "cursist1"
    assert "1 van 2" in form.status.value
    form.note.value = ""
    form.save.click()
    assert "Beschrijf kort" in notice_text(form.message)
    assert kit.count_supervised_cases(trainer, "cursist1", "ouder-baby") == 1
    form.note.value = "Casus gezin B uitgevoerd en besproken op 12 maart."
    form.save.click()
    assert kit.count_supervised_cases(trainer, "cursist1", "ouder-baby") == 2
    assert "2 van 2" in notice_text(form.message) and form.note.value == ""
    assert "2 van 2" in card.supervised.value and "voldoende" in card.supervised.value


def test_cursist_cannot_build_the_page(exam_kit, people, rules):
    """Is the page refused to a cursist by the core (not only by the landing page)?"""
    with pytest.raises(PermissionDenied):
        certificates_page(exam_kit, people["cursist"], rules=rules)


def test_register_escapes_and_lists_expiring_separately():
    """Are names escaped, is every row given its status, code and PDF link, and does the list
    "Verloopt binnenkort" hold only the certificates that expire soon?"""
    day = dt.date(2027, 3, 1)
    rows = [
        {"code": "OK-AAAA-BBBB-CCCC", "username": "ann", "display_name": XSS, "programme": "babytijd",
         "programme_name": "Babytijd", "issued": day, "valid_until": day, "status": "verloopt binnenkort"},
        {"code": "OK-DDDD-EEEE-FFFF", "username": "bob", "display_name": "Bob", "programme": "ouder-baby",
         "programme_name": "Ouder-baby interventie", "issued": day, "valid_until": day, "status": "geldig"},
    ]
    reg = CertificateRegister(rows, certificate_url)
    assert XSS not in reg.table.value and "&lt;script&gt;" in reg.table.value
    assert reg.table.value.count("class='ok-certificate-download'") == 2
    assert "01-03-2027" in reg.table.value
    assert "OK-AAAA-BBBB-CCCC" in reg.expiring.value and "OK-DDDD-EEEE-FFFF" not in reg.expiring.value
    assert "Geen certificaten" in register_html([], certificate_url, empty="Geen certificaten.")
    reg.update([])
    assert "nog geen certificaten" in reg.table.value


def test_statistics_in_dutch():
    """Are the proposal's statistics shown with decimal commas, percentages, a signed bias and the
    extremes as "x van n"?"""
    out = statistics_html({"scales": {"cooperatie": {
        "n_clips": 10, "icc_a1": 0.8123, "within_one": 0.9, "bias": -0.25,
        "low_extremes": {"consensus_items": 2, "recognised": 1}, "high_extremes": {"consensus_items": 0}}}},
        {"cooperatie": "Coöperatie"})  # the scale titles come from the loaded scales
    assert "Coöperatie" in out and "0,81" in out and "90 %" in out and "-0,25" in out
    assert "1 van 2" in out and "–" in out
    assert "geen cijfers" in statistics_html({})


def test_own_certificates_on_my_profile(kit, people, rules):
    """Does "Mijn gegevens" list the person's own certificates with the PDF link, and nobody else's?"""
    from oefenkit.identity import SYSTEM

    pid = kit.add_certification_decision(SYSTEM, "cursist1", "ouder-baby", passed=True, reasons=["Geslaagd."],
                                         statistics={}, rule={})
    cert = kit.decide_certificate(people["trainer"], pid, accept=True, rules=rules)["certificate"]
    html = own_certificates_html(kit.list_certificates_of(people["cursist"], "cursist1"), certificate_url)
    assert f"href='{certificate_url(cert.code)}'" in html and "ok-certificate-download" in html
    assert "(geldig)" in html
    assert "nog geen certificaat" in own_certificates_html([], certificate_url)
    mine = profile_page(kit, people["cursist"])
    assert any(cert.code in getattr(child, "value", "") for child in mine.children)
    other = profile_page(kit, people["cursist2"])
    assert not any(cert.code in getattr(child, "value", "") for child in other.children)
