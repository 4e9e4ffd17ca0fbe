"""The app Babytijd-reeks (``widgets/pages/babytijd_reeks.py``) over the real façade, on SQLite and
PostgreSQL (``kit`` fixture): what an uitvoerder does on the page reaches the core, the core's Dutch
refusals reach the page, and who sees which reeks."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from oefenkit.apps import APPS
from oefenkit.identity import Actor
from oefenkit.permissions import can
from oefenkit_widgets.pages.babytijd_reeks import REPORT, reeks_page

SUBGOALS = ["kennis", "sensitief", "autonomie", "structuur", "uitleg", "normaal", "vertrouwen", "steun"]


def text_of(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


def message(box) -> str:
    return " ".join(text_of(child.value) for child in box.children)


def new_reeks(app, name="Reeks Zuid", start=dt.date(2026, 3, 2)):
    app.chooser.name.value = name
    app.chooser.start.value = start
    app.chooser.create_button.click()
    return app.reeks_id


def add(app, code, consent=True, age="3"):
    form = app.opvoeder_form
    form.code.value, form.consent.value, form.age.value = code, consent, age
    form.add_button.click()
    return message(form.message)


def attend(app, meeting, absent=None):
    """Mark ``meeting``: everyone present, except ``absent`` {code: (reason, text)}."""
    form = app.attendance
    form.meeting.value = meeting
    form.all_present.click()
    for row in form.rows:
        if absent and row.code in absent:
            row.present.value = False
            row.reason.value, row.other.value = absent[row.code]
    form.save_button.click()
    return message(form.message)


def measure(app, code, kind, scores, *, reason=None):
    form = app.measure
    form.opvoeder.value, form.kind.value = code, kind
    for goal, value in zip(SUBGOALS, scores):
        form.scores[goal].value = str(value)
    form.save_button.click()
    if reason is not None:
        form.early_reason.value = reason
        form.early_save.click()
    return message(form.message)


def test_the_app_is_for_babytijd_people_and_staff(people):
    """Does the catalogue open Babytijd-reeks to a person in a Babytijd group and to staff, but not to a
    cursist of Ouder-baby only?"""
    app = next(a for a in APPS if a.id == "babytijd-reeks")
    base = people["cursist"]
    in_babytijd = Actor(base.id, base.username, base.display_name, "cursist", programmes=frozenset({"babytijd"}))
    other = Actor(base.id, base.username, base.display_name, "cursist", programmes=frozenset({"ouder-baby"}))
    assert can(in_babytijd, "open_app", app) and not can(other, "open_app", app)
    assert can(people["trainer"], "open_app", app) and can(people["coordinator"], "open_app", app)


def test_uitvoerder_keeps_a_reeks_on_the_page(kit, people):
    """Can an uitvoerder create a reeks, add opvoeders (a duplicate code and a missing consent refused in
    Dutch), record attendance with reasons (meeting values 1-16 only), enter measurements (an early
    one only with a reason), and see the due list, the dashboard numbers and save the evaluation?"""
    person = people["cursist"]
    app = reeks_page(kit, person)
    # no reeks yet: every part says to choose or make one, not that the reeks has no opvoeders
    first = "Kies eerst bovenaan een reeks, of maak er een aan"
    assert first in text_of(app.due.value) and "Nog geen opvoeders" not in text_of(app.due.value)
    assert first in text_of(app.attendance.rows_box.children[0].value)
    assert app.measure.opvoeder.options == (("Nog geen reeks gekozen", None),)
    # the select boxes show these labels (a Dropdown whose index is None shows an empty box)
    assert (app.chooser.choice.label, app.measure.opvoeder.label) == ("Nog geen reeks", "Nog geen reeks gekozen")
    reeks_id = new_reeks(app)
    assert reeks_id is not None and "aangemaakt" in message(app.chooser.message)
    assert "Nog geen opvoeders in deze reeks" in text_of(app.due.value)
    assert "Voeg eerst opvoeders toe" in text_of(app.attendance.rows_box.children[0].value)
    assert [label for label, _ in app.chooser.choice.options] == ["Reeks Zuid (vanaf 02-03-2026)"]
    for k, code in enumerate(["Z1", "Z2", "Z3"]):
        assert "is toegevoegd" in add(app, code, consent=k != 2)
    assert "Code Z1 bestaat al in deze reeks" in add(app, "z1") and len(app.attendance.rows) == 3
    assert app.opvoeder_form.code.value == "z1"  # a refused entry stays in the form to correct
    app.opvoeder_form.code.value, app.opvoeder_form.consent.value = "Z9", None
    app.opvoeder_form.add_button.click()
    assert "toestemming" in message(app.opvoeder_form.message)
    assert [o.code for o in kit.babytijd.find_reeks(person, reeks_id).opvoeders] == ["Z1", "Z2", "Z3"]
    assert app.attendance.meeting.options[-1] == ("Bijeenkomst 16", 16) and len(app.attendance.meeting.options) == 16
    for z in ("Z1", "Z2", "Z3"):
        assert "opgeslagen" in measure(app, z, "nulmeting", [2, 3, 3, 2, 3, 3, 2, 2])
    for meeting in range(1, 6):
        absent = {"Z3": ("anders", "Verhuizing")} if meeting == 2 else None
        assert "opgeslagen" in attend(app, meeting, absent)
    app.measure.opvoeder.value = "Z2"
    assert app.measure.kind.value == "na-5"  # the form follows what is due for the opvoeder chosen
    app.measure.opvoeder.value = "Z3"
    assert app.measure.kind.value == "na-5"  # nothing due for Z3 (4 times there): the kind stays
    due = text_of(app.due.value)
    assert "Z1 5 van 16" in due and "Z3 4 van 16" in due and "Tussenevaluatie na 5" in due
    # Z3 came 4 times: the na-5 is early; stored only with a reason
    measure(app, "Z3", "na-5", [3] * 8)
    assert app.measure.early_box.layout.display is None and "pas aan de beurt na 5" in app.measure.early_text.value
    assert "na-5" not in kit.babytijd.find_reeks(person, reeks_id).opvoeder("Z3").measurements
    app.measure.early_reason.value = "Verhuist"
    app.measure.early_save.click()
    assert "opgeslagen" in message(app.measure.message) and app.measure.early_box.layout.display == "none"
    stored = kit.babytijd.find_reeks(person, reeks_id).opvoeder("Z3").measurements["na-5"]
    assert stored.early_reason == "Verhuist"
    for z in ("Z1", "Z2"):
        measure(app, z, "na-5", [3, 4, 3, 3, 3, 4, 3, 3])
    app.menu.value = "Overzicht"
    overview = text_of(app.overview.value)
    assert "Bereik (opvoeders) 3" in overview and "4,7 van 16" in overview  # (5 + 5 + 4) / 3
    assert "Anders 1" in overview
    # kennis: +1, +1, +1 -> n 3, mean +1; sensitief: +1, +1, 0
    assert "Tussenevaluatie na 5 bijeenkomsten 3 +1" in overview
    assert "ok-change-chart" in app.overview.value and "al jouw reeksen" in text_of(app.mine.value)
    app.menu.value = "Evaluatie"
    app.evaluation.went_well.value = "De groep kwam goed op gang."
    app.evaluation.to_improve.value = "Eerder beginnen met de liedjes."
    app.evaluation.save_button.click()
    assert "opgeslagen" in message(app.evaluation.message)
    assert kit.babytijd.find_reeks(person, reeks_id).evaluation.went_well == "De groep kwam goed op gang."
    assert REPORT not in app.menu.options  # the yearly report is for staff


def test_attendance_for_a_meeting_outside_the_reeks_is_refused_in_dutch(kit, people):
    """Does the core's refusal of meeting 17 reach the form as its Dutch message, with nothing stored?"""
    person = people["cursist"]
    app = reeks_page(kit, person)
    reeks_id = new_reeks(app)
    add(app, "Q1")
    app.attendance.meeting.options = [*app.attendance.meeting.options, ("Bijeenkomst 17", 17)]
    assert "bijeenkomst 17 bestaat niet" in attend(app, 17)
    assert kit.babytijd.find_reeks(person, reeks_id).opvoeder("Q1").attendance == {}


def test_who_sees_which_reeks(kit, people):
    """Does an uitvoerder's page list only their own reeksen, a trainer's every reeks with the uitvoerder's
    name, and does the trainer get the yearly report with CSV and Excel links?"""
    one, two, trainer = people["cursist"], people["cursist2"], people["trainer"]
    kit.babytijd.create_reeks(one, name="Eigen reeks")
    kit.babytijd.create_reeks(two, name="Andere reeks")
    mine = reeks_page(kit, one)
    assert [label for label, _ in mine.chooser.choice.options] == ["Eigen reeks"]
    staff = reeks_page(kit, trainer)
    labels = sorted(label for label, _ in staff.chooser.choice.options)
    assert labels == ["Andere reeks · Cursist Twee", "Eigen reeks · Cursist Een"]
    assert REPORT in staff.menu.options
    pytest.importorskip("oefenkit.babytijd_report")
    staff.menu.value = REPORT
    report = staff.parts[REPORT]
    year = report.children[1]
    year.value = dt.date.today().year
    report.children[2].click()
    links = report.children[4].value
    assert "ok-report-csv" in links and "ok-report-xlsx" in links and "base64," in links


def test_a_staff_member_creates_for_an_uitvoerder_and_sees_an_empty_reeks(kit, people):
    """Can a trainer create a reeks for an uitvoerder (who then sees it; a cursist gets no such field), and
    does the overview of an empty reeks say there is nothing to compare yet?"""
    trainer, one = people["trainer"], people["cursist"]
    assert reeks_page(kit, one).chooser.uitvoerder.layout.display == "none"
    app = reeks_page(kit, trainer)
    assert app.chooser.uitvoerder.layout.display is None
    app.chooser.uitvoerder.value = one.username
    new_reeks(app, "Reeks voor Een", None)
    assert [r.name for r in kit.babytijd.list_reeksen(one)] == ["Reeks voor Een"]
    new_reeks(app, "Lege reeks", None)
    app.menu.value = "Overzicht"
    assert "Nog geen metingen om te vergelijken" in text_of(app.overview.value)
    mine = [r for r in kit.babytijd.list_reeksen(trainer) if r.name == "Lege reeks"]
    assert [r.uitvoerder for r in mine] == [trainer.username]


def test_deleting_a_reeks_asks_first(kit, people):
    """Does "Deze reeks verwijderen" only ask, and does "Ja, verwijderen" delete the reeks (audited) and
    leave the page on the remaining one?"""
    person = people["cursist"]
    app = reeks_page(kit, person)
    keep = new_reeks(app, "Blijft")
    gone = new_reeks(app, "Weg")
    add(app, "W1")
    app.delete.button.click()
    assert app.delete.is_asking and "Reeks Weg met alles erin verwijderen?" in text_of(app.delete.question.value)
    assert len(kit.babytijd.list_reeksen(person)) == 2
    app.delete.yes.click()
    assert [r.id for r in kit.babytijd.list_reeksen(person)] == [keep] and gone != keep
    assert app.reeks_id == keep and "Reeks Weg is verwijderd" in message(app.delete_message)
    assert any(e["action"] == "babytijd.reeks.delete" for e in kit.list_audit_entries(people["coordinator"]))
