"""Certificering in Chromium, as a trainer of this test's own: the register with a certificate whose
PDF link works, and a proposal overridden with a reason (refused without one).

The exams behind it are taken through the core by cursists of this test's own, so the shared
server's cursist1 keeps an untouched exam.
"""

from __future__ import annotations

import re

import yaml

from oefenkit.certification import load_rules
from oefenkit.instance import open_kit
from oefenkit.settings import PROJECT_ROOT, load_settings

from .test_login_landing import login

SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"
CONSENSUS = {d["code"]: d["consensus"] for d in (yaml.safe_load(p.read_text(encoding="utf-8"))
                                                  for p in sorted(SCRIPTS.glob("*.yaml"))) if d["set"] == "exam"}


def take_exam(data_dir, username: str, scores_for) -> tuple[int, str | None]:
    """Start, score and submit an Ouder-baby exam for ``username`` through the façade, on the
    organisation's own set (the public set certifies nothing), with the two supervised cases."""
    from .test_exam import OWN_SET, own_exam_set

    own_exam_set(data_dir, username)
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        rules = load_rules(PROJECT_ROOT / "content")
        person = kit.find_person(username)
        attempt = kit.start_exam(person, "ouder-baby", OWN_SET, max_attempts=3)
        for code in attempt.case_codes:
            kit.save_exam_rating(person, attempt.id, code, scores_for(code))
        outcome = kit.submit_exam(person, attempt.id, rules=rules)
        return outcome.decision_id, outcome.certificate.code if outcome.certificate else None
    finally:
        kit.engine.dispose()


def decisions_of(data_dir, username: str) -> list[dict]:
    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        return kit.list_certification_decisions(kit.find_person("cert.trainer"), username)
    finally:
        kit.engine.dispose()


def test_trainer_downloads_a_certificate_and_overrides_a_proposal(page, live_server):
    """Does a trainer open "Certificering" from the landing page, find the certificate in the register
    with a PDF link that returns a PDF, get a Dutch error when overriding without a reason, and then
    override a failing proposal with a reason (stored as an override that passes)?"""
    live_server.add_user("cert.trainer", "trainer", "Certificaat Trainer")
    live_server.add_user("cert.geslaagd", "cursist", "Geslaagde Cursist")
    live_server.add_user("cert.bijna", "cursist", "Bijna Geslaagd")
    _, code = take_exam(live_server.data_dir, "cert.geslaagd", lambda c: CONSENSUS[c])
    failed_id, none = take_exam(live_server.data_dir, "cert.bijna", lambda c: {"sensitiviteit": 5, "cooperatie": 5})
    assert code and none is None

    login(page, live_server.base_url, "cert.trainer")
    link = page.locator(".ok-app-certificates a")
    link.wait_for()
    link.click()
    page.locator(".ok-certificates").wait_for()

    row = page.locator(f".ok-register .ok-register-row[data-code='{code}']")
    row.wait_for()
    assert "Geslaagde Cursist" in row.inner_text() and "geldig" in row.inner_text()
    assert row.locator(".ok-certificate-code").inner_text().strip() == code
    href = row.locator("a.ok-certificate-download").get_attribute("href")
    assert href == f"/oefenkit/certificate/{code}.pdf"
    response = page.request.get(live_server.base_url + href)  # the browser's login cookie goes along
    assert response.status == 200 and response.body()[:4] == b"%PDF"
    assert code.encode() in response.body()

    card = page.locator(f".ok-proposal-{failed_id}")
    card.wait_for()
    assert "Bijna Geslaagd" in card.inner_text()
    assert "nog niet geslaagd" in card.locator(".ok-proposal-outcome").inner_text()
    assert "ICC(A,1)" in card.locator(".ok-proposal-stats").inner_text()
    card.locator(".ok-proposal-override").click()
    error = card.locator(".ok-proposal-result .ok-notice-error")
    error.wait_for()
    assert "Geef een reden" in error.inner_text()
    assert [d["kind"] for d in decisions_of(live_server.data_dir, "cert.bijna")] == ["proposal"]
    card.locator(".ok-proposal-reason textarea").fill("Twee toetsfragmenten waren technisch onbruikbaar.")
    card.locator(".ok-proposal-override").click()
    done = card.locator(".ok-proposal-result .ok-notice-info")
    done.wait_for()
    assert re.search(r"Afgeweken van het voorstel: geslaagd.*Certificaat OK-", done.inner_text())
    stored = decisions_of(live_server.data_dir, "cert.bijna")[0]
    assert stored["kind"] == "override" and stored["passed"] is True
    assert stored["reason"] == "Twee toetsfragmenten waren technisch onbruikbaar."
    # The register is refreshed with the new certificate.
    page.locator(".ok-register .ok-register-row", has_text="Bijna Geslaagd").wait_for()
