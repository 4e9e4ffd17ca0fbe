"""The requirement widgets (widgets/requirements.py) over a real kit (SQLite and PostgreSQL): the
trainer's form in the Certificering app records and undoes, the path proposal appears on the same
page once everything is recorded, and "Wat heb ik nog nodig?" in Mijn gegevens says per requirement
done or open, in Dutch, for the person's own programmes. Driven by poking widget values.
"""

from __future__ import annotations

import datetime as dt

import pytest

from oefenkit.certification import load_rules
from oefenkit.identity import SYSTEM
from oefenkit.programmes import load_paths
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage.exams import LOCAL_TZ
from oefenkit_widgets.certificates import certificates_page
from oefenkit_widgets.pages.profile import profile_page
from oefenkit_widgets.requirements import RequirementsForm, WhatINeed, requirements_html

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def paths():
    return load_paths(PROJECT_ROOT / "content")


@pytest.fixture
def rules():
    return load_rules(PROJECT_ROOT / "content")


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TZ).date()


def notice_text(box) -> str:
    return " ".join(child.text for child in box.children)


def form_of(page) -> RequirementsForm:
    assert isinstance(page.requirements_form, RequirementsForm)
    return page.requirements_form


def test_trainer_records_both_dagdelen_and_sees_the_proposal(kit, people, paths, rules):
    """Does choosing a person show the Babytijd requirements open, does recording the two dagdelen
    (with a date and note) show them done, and does the proposal card appear on the page — whose
    acceptance registers the person?"""
    page = certificates_page(kit, people["trainer"], rules=rules, paths=paths)
    form = form_of(page)
    assert page.cards == []
    form.programme.value = "babytijd"
    form.person.value = "cursist1"
    assert "Nog open" in form.overview.value and "0 van 2" in form.overview.value
    assert [code for _, code in form.requirement.options] == ["train-de-trainer", "terugkomdag"]
    form.requirement.value = "train-de-trainer"
    form.date.value = today() - dt.timedelta(days=7)
    form.note.value = "Eerste dagdeel " + XSS
    form.save.click()
    assert "Vastgelegd" in notice_text(form.message) and "1 van 2" in form.overview.value
    # The note is escaped where it is HTML; a choice's label is plain text (the select shows it as text).
    assert XSS not in form.overview.value and "Eerste dagdeel &lt;script&gt;" in form.overview.value
    assert len(form.records.options) == 1
    assert page.cards == []
    form.date.value = today() - dt.timedelta(days=6)
    form.save.click()
    assert "Gedaan" in form.overview.value and "2 van 2" in form.overview.value
    [card] = page.cards
    assert card.proposal["username"] == "cursist1" and card.path_kind == "registration"
    assert "registreren als uitvoerder" in card.outcome.value and "2 van 2" in card.stats.value
    assert page.proposals_box.children == (card,)
    card.accept_button.click()
    assert "Registratie" in notice_text(card.message) and "actief tot" in notice_text(card.message)
    assert "(registratie)" in page.register.table.value
    form.refresh()
    assert "geregistreerd als uitvoerder" in form.overview.value


def test_bad_input_and_undo_on_the_form(kit, people, paths, rules):
    """Are a missing person, a future date and a third dagdeel refused with a Dutch notice (nothing
    stored), and does "Vastlegging verwijderen" undo a record?"""
    page = certificates_page(kit, people["trainer"], rules=rules, paths=paths)
    form = form_of(page)
    form.programme.value = "babytijd"
    form.requirement.value = "train-de-trainer"
    form.save.click()
    assert "Kies eerst een persoon" in notice_text(form.message)
    form.person.value = "cursist1"
    form.date.value = today() + dt.timedelta(days=1)
    form.save.click()
    assert "toekomst" in notice_text(form.message) and form.records.options == ()
    form.date.value = today()
    form.save.click()
    form.save.click()
    form.save.click()
    assert "meer telt niet mee" in notice_text(form.message) and len(form.records.options) == 2
    assert len(page.cards) == 1
    form.undo.click()
    assert "Kies eerst de vastlegging" in notice_text(form.message)
    form.records.value = form.records.options[0][1]
    form.undo.click()
    assert "verwijderd" in notice_text(form.message) and len(form.records.options) == 1
    assert "1 van 2" in form.overview.value


def test_ouder_baby_form_offers_only_what_a_trainer_records(kit, people, paths, rules):
    """Does the form offer the four recorded Ouder-baby requirements and the opfriscursus after the
    path, not the scoring test or modules?"""
    form = form_of(certificates_page(kit, people["trainer"], rules=rules, paths=paths))
    form.programme.value = "ouder-baby"
    assert [code for _, code in form.requirement.options] == [
        "trainingsdagen", "supervisie", "landelijke-supervisie", "casussen", "opfriscursus"]


def test_the_form_preselects_the_first_open_requirement_per_person(kit, people, paths, rules):
    """Choosing a person preselects the first required item they still need (the first dagdeel; once
    both dagdelen are recorded, the path's refresher, the terugkomdag), while after a save the trainer's own choice stays."""
    form = form_of(certificates_page(kit, people["trainer"], rules=rules, paths=paths))
    form.programme.value = "babytijd"
    form.person.value = "cursist1"
    assert form.requirement.value == "train-de-trainer"
    form.date.value = today()
    form.save.click()
    form.save.click()
    assert "2 van 2" in form.overview.value and form.requirement.value == "train-de-trainer"  # kept after saving
    form.person.value = "cursist2"
    assert form.requirement.value == "train-de-trainer"
    form.person.value = "cursist1"
    assert form.requirement.value == "terugkomdag"


def test_what_i_need_on_my_profile(kit, people, paths):
    """Does "Wat heb ik nog nodig?" show the person's own group programme with each requirement done or
    open (in Dutch), and every path for somebody without a group programme?"""
    kit.add_group(SYSTEM, "Groep Babytijd", programme_code="babytijd")
    kit.add_group_member(SYSTEM, "Groep Babytijd", "cursist1")
    kit.record_requirement(people["trainer"], "cursist1", "babytijd", "train-de-trainer", today(), paths=paths)
    page = profile_page(kit, kit.find_person("cursist1"), paths=paths)  # with the group just joined
    [needed] = [c for c in page.children if "ok-what-i-need" in c._dom_classes]
    parts = [c for c in needed.children if "ok-what-i-need-path" in c._dom_classes]
    html = " ".join(p.value for p in parts)
    assert "ok-what-i-need-babytijd" in parts[0]._dom_classes
    assert "Nog open" in html and "1 van 2" in html and "aanbevolen" in html
    assert "Nog te doen: 1 verplichte eis." in html
    other = profile_page(kit, people["cursist2"], paths=paths)
    [needed] = [c for c in other.children if "ok-what-i-need" in c._dom_classes]
    assert len([c for c in needed.children if "ok-what-i-need-path" in c._dom_classes]) == len(paths)


def test_requirements_html_texts(paths):
    """Does one path read in plain Dutch: done/open, dates, kit addition, refresher and the lapsed
    registration, with content escaped?"""
    progress = {
        "programme": "babytijd", "name": "Uitvoerder " + XSS, "validity": {"kind": "registration"},
        "requirements": [
            {"code": "a", "kind": "attendance", "label": "Dagdelen", "count": 2, "done_count": 2,
             "dates": [dt.date(2026, 3, 1), dt.date(2026, 3, 8)], "required": True, "kit_addition": False,
             "done": True, "evidence": []},
            {"code": "t", "kind": "scoring_test", "label": "Toets", "count": 1, "done_count": 0, "dates": [],
             "required": True, "kit_addition": True, "done": False, "evidence": []}],
        "complete": False, "open": ["t"],
        "refresher": {"code": "terugkomdag", "label": "Terugkomdag, elke 2 jaar", "dates": [], "evidence": []},
        "certificate": {"code": "OK-X", "kind": "registration", "active": False,
                        "status": "verlopen: terugkomdag gemist", "valid_until": dt.date(2026, 1, 1)},
    }
    html = requirements_html(progress)
    assert XSS not in html and "&lt;script&gt;" in html
    assert "Gedaan</strong> — Dagdelen" in html and "2 van 2: 01-03-2026, 08-03-2026" in html
    assert "Nog open</strong> — Toets" in html and "toevoeging van de kit" in html
    assert "nog niet vastgelegd" in html and "Registratie verlopen: terugkomdag gemist" in html
    assert "geen programmapad" in WhatINeed([]).children[1].value
