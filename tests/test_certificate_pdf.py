"""What a certificate says (issue 17): the programme, what was completed with dates, and who
issued it, with Oefenkit and not as the programme owner unless the organisation is the owner.

The PDF is written uncompressed, so its texts (Latin-1) can be found in the bytes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oefenkit.certificate_pdf import Issuer, certificate_pdf, certificate_texts
from oefenkit.errors import ConfigurationError
from oefenkit.requirements import NO_END
from oefenkit.settings import load_settings
from oefenkit.storage.exams import CertificateInfo

ISSUED = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
VVS = "Van Veldhuizen Stichting (VVS)"
GGZ = Issuer("GGZ Voorbeeldstad", frozenset())


def cert(programme="ouder-baby", name="Ouder-baby interventie", kind="certificate", until=NO_END, **stats):
    return CertificateInfo(code="OK-ABCD-EFGH-JKLM", username="anna", display_name="Anna de Wit",
                           programme_code=programme, programme_name=name, issued_at=ISSUED, valid_until=until,
                           decision="passed", statistics=stats, kind=kind)


OUDER_BABY = [
    {"code": "trainingsdagen", "label": "Twee trainingsdagen gevolgd", "count": 2, "done_count": 2,
     "dates": ["2026-09-01", "2026-09-15"], "required": True},
    {"code": "supervisie", "label": "Twee supervisiebijeenkomsten", "count": 2, "done_count": 2,
     "dates": ["2026-10-01", "2026-10-29"], "required": True},
    {"code": "lesmodules", "label": "Lesmodules doorgewerkt", "count": 3, "done_count": 0, "dates": [],
     "required": False},
]


def pdf_text(data: bytes) -> str:
    return data.decode("latin-1")


def test_a_path_certificate_lists_what_was_completed_with_dates_and_its_issuer():
    info = cert(path="ouder-baby", requirements=OUDER_BABY)
    texts = certificate_texts(info, GGZ, "de auteurs van de interventie en het Trimbos-instituut")
    assert texts["title"] == "Certificaat" and texts["subtitle"] == "Uitvoerder Ouder-baby interventie"
    assert texts["lines"] == ["Twee trainingsdagen gevolgd: 1 september 2026, 15 september 2026.",
                              "Twee supervisiebijeenkomsten: 1 oktober 2026, 29 oktober 2026."]  # no unfollowed advice
    assert texts["validity"] == "Geldigheid: verloopt niet."
    assert texts["issuer"].startswith("Uitgegeven door GGZ Voorbeeldstad met Oefenkit. Dit is geen certificaat "
                                      "van de auteurs van de interventie en het Trimbos-instituut")
    body = pdf_text(certificate_pdf(info, GGZ, "de auteurs van de interventie en het Trimbos-instituut"))
    for text in ("Anna de Wit", "GGZ Voorbeeldstad", "15 september 2026", "verloopt niet", info.code):
        assert text in body, text
    assert "9999" not in body and "Ainsworth" not in body


def test_a_babytijd_registration_says_the_terugkomdag_keeps_it_active():
    info = cert("babytijd", "Babytijd", kind="registration", until=dt.date(2028, 11, 20), path="babytijd",
                requirements=[{"label": "De train-de-trainer gevolgd", "count": 2, "done_count": 2,
                               "dates": ["2026-11-03", "2026-11-17"], "required": True}],
                refresher="terugkomdag", every_years=2)
    texts = certificate_texts(info, GGZ, VVS)
    assert texts["title"] == "Registratie als uitvoerder" and "geregistreerd als uitvoerder van Babytijd" in texts["statement"]
    assert texts["validity"] == ("Actief tot en met 20 november 2028. De registratie blijft actief zolang de "
                                 "uitvoerder elke 2 jaar de terugkomdag bijwoont.")
    assert f"Dit is geen certificaat van {VVS}" in texts["issuer"]


def test_the_owner_issuing_its_own_programme_says_so():
    info = cert("babytijd", "Babytijd", kind="registration", until=dt.date(2028, 11, 20), path="babytijd",
                requirements=[], refresher="terugkomdag", every_years=2)
    owner = Issuer(VVS, frozenset({"babytijd"}))
    assert certificate_texts(info, owner, VVS)["issuer"] == (
        f"Uitgegeven door {VVS}, eigenaar van het programma Babytijd, met Oefenkit.")
    # owning Babytijd says nothing about the Ouder-baby certificate
    other = cert(path="ouder-baby", requirements=OUDER_BABY)
    assert "Dit is geen certificaat" in certificate_texts(other, owner, "de auteurs")["issuer"]


def test_a_scoring_test_certificate_is_the_kits_addition_with_its_figures():
    info = cert(until=dt.date(2028, 11, 20), case_set="toets",
                scales={"sensitiviteit": {"n_clips": 10, "icc_a1": 0.91, "within_one": 0.9, "bias": 0.1}})
    texts = certificate_texts(info, Issuer(), None)
    assert texts["title"] == "Certificaat scoringstoets"
    assert "toevoeging van Oefenkit" in texts["statement"]
    assert texts["lines"][0].startswith("Sensitiviteit: 10 fragmenten, ICC(A,1) 0,91")
    assert texts["issuer"].startswith("Uitgegeven door de organisatie die deze training geeft met Oefenkit")


def test_converted_revoked_and_demonstration_marks():
    converted = cert("babytijd", "Babytijd", kind="registration", until=dt.date(2027, 5, 1),
                     converted_from="scoring_test", scales={})
    assert "omgezet uit een eerder certificaat van de scoringstoets" in certificate_texts(converted, GGZ)["statement"]
    marked = cert(path="ouder-baby", requirements=OUDER_BABY, revoked=True, demo=True)
    texts = certificate_texts(marked, GGZ)
    assert texts["marks"] == ["INGETROKKEN", "DEMONSTRATIE"]
    body = pdf_text(certificate_pdf(marked, GGZ))
    assert "INGETROKKEN" in body and "DEMONSTRATIE" in body and "alleen ter demonstratie" in body


def test_the_issuer_comes_from_the_settings_and_bad_values_are_refused():
    issuer = Issuer.from_settings(load_settings({"OEFENKIT_ORGANISATION": "  GGZ   Voorbeeldstad ",
                                                 "OEFENKIT_OWNS_PROGRAMMES": "Babytijd, ouder-baby"}))
    assert issuer == Issuer("GGZ Voorbeeldstad", frozenset({"babytijd", "ouder-baby"}))
    assert Issuer.from_settings(load_settings({})) == Issuer()
    with pytest.raises(ConfigurationError, match="organisation"):
        load_settings({"OEFENKIT_ORGANISATION": "x" * 121})
    with pytest.raises(ConfigurationError, match="owned_programmes"):
        load_settings({"OEFENKIT_OWNS_PROGRAMMES": "babytijd; drop table"})
