"""The components of the app Babytijd-reeks and the ``cijfers`` figures (``widgets/reeks.py``,
``widgets/reeks_dashboard.py``) on plain data, without a database: the page and the real façade are
tested in ``tests/test_reeks_widgets.py``."""

from __future__ import annotations

import html
import re

from oefenkit.errors import ValidationError
from oefenkit_widgets.reeks import AttendanceForm, MeasurementForm, OpvoederForm, ReeksChooser, due_table_html
from oefenkit_widgets.reeks_dashboard import change_chart_svg, dashboard_html, figures_html

REASONS = (("ziek-baby", "Ziek (baby)"), ("vakantie", "Vakantie"), ("anders", "Anders"))
SUBGOALS = [("kennis", "Ik weet wat ik kan verwachten."), ("steun", "Ik voel me gesteund.")]
KINDS = [("Nulmeting", "nulmeting"), ("Na 5", "na-5"), ("Eindevaluatie", "eind")]


def text_of(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


def test_attendance_form_hands_on_only_marked_rows_with_reasons():
    """Does "Aanwezigheid opslaan" hand on the meeting and, per marked opvoeder, present or absent with
    the reason (a text only for "anders"), leave out an unmarked one, and refill a stored meeting?"""
    saved = []
    form = AttendanceForm(REASONS, 16, lambda meeting, marks: saved.append((meeting, marks)))
    form.show([{"code": "A1", "attendance": {}}, {"code": "B2", "attendance": {}},
               {"code": "C3", "attendance": {2: (False, "vakantie", "")}}])
    a, b, c = form.rows
    assert a.reason.layout.display == "none"
    a.present.value = True
    b.present.value = False
    assert b.reason.layout.display is None and b.other.layout.display == "none"
    b.reason.value = "anders"
    assert b.other.layout.display is None
    b.other.value = "  verhuizing "
    form.save_button.click()
    assert saved == [(1, {"A1": (True, None, ""), "B2": (False, "anders", "verhuizing")})]
    assert "bijeenkomst 1 is opgeslagen" in text_of(form.message.children[0].value)
    form.meeting.value = 2
    assert (c.present.value, c.reason.value) == (False, "vakantie") and a.present.value is None
    form.all_present.click()
    assert all(r.present.value is True for r in form.rows)


def test_attendance_error_is_shown_in_dutch():
    """Does a refusal of the core (e.g. meeting 17) appear as the Dutch message of the form?"""
    def refuse(meeting, marks):
        raise ValidationError("Een reeks heeft bijeenkomst 1 tot en met 16; bijeenkomst 17 bestaat niet.")

    form = AttendanceForm(REASONS, 16, refuse)
    form.show([{"code": "A1", "attendance": {}}])
    form.rows[0].present.value = True
    form.save_button.click()
    assert "bijeenkomst 17 bestaat niet" in text_of(form.message.children[0].value)
    assert "ok-notice-error" in form.message.children[0]._dom_classes


def test_opvoeder_form_asks_consent_and_a_whole_age():
    """Is an opvoeder without a consent choice or with an age that is not a whole number refused before
    the core is asked, and is a good one handed on and the form emptied?"""
    added = []
    form = OpvoederForm(lambda code, consent, age: added.append((code, consent, age)))
    assert "geen naam" in text_of(form.children[0].value)
    form.code.value = "bt-01"
    form.add_button.click()
    assert "toestemming" in text_of(form.message.children[0].value) and not added
    form.consent.value = False
    form.age.value = "drie"
    form.add_button.click()
    assert "in hele maanden in" in text_of(form.message.children[0].value) and not added
    form.age.value = "3"
    form.add_button.click()
    assert added == [("bt-01", False, 3)]
    assert (form.code.value, form.consent.value, form.age.value) == ("", None, "")


def test_measurement_form_early_warning_then_store_with_reason():
    """When the core says the measurement is early, does the form keep the scores, show the warning
    with a reason field, and send the reason with "Toch opslaan"? Tips and tops only for the eind."""
    calls = []
    form = MeasurementForm(SUBGOALS, (1, 5, "helemaal niet waar", "helemaal waar"), KINDS, None)

    def on_save(code, kind, scores, tips, tops, reason):
        calls.append((code, kind, scores, tips, tops, reason))
        if not reason:
            form.warn_early("De eindevaluatie is pas aan de beurt na 10 bijgewoonde bijeenkomsten.")
            return "early"
        return True

    form.on_save = on_save
    form.set_opvoeders([{"code": "A1"}, {"code": "B2"}])
    assert form.opvoeder.value == "A1" and form.tips_box.layout.display == "none"
    form.kind.value = "eind"
    assert form.tips_box.layout.display is None
    form.scores["kennis"].value = "2"
    form.scores["steun"].value = "5"
    form.tips.value = "Meer tijd voor vragen"
    form.save_button.click()
    assert form.early_box.layout.display is None and "10 bijgewoonde" in form.early_text.value
    assert form.scores["kennis"].value == "2"  # kept for "Toch opslaan"
    form.early_reason.value = "Opvoeder verhuist"
    form.early_save.click()
    assert calls[-1] == ("A1", "eind", {"kennis": 2, "steun": 5}, "Meer tijd voor vragen", "", "Opvoeder verhuist")
    assert form.scores["kennis"].value is None and form.early_box.layout.display == "none"


def test_due_table_follows_what_the_core_says():
    """Does "Wat is nu aan de beurt" show per opvoeder the attended count, what is done and what is due?"""
    out = due_table_html([{"code": "A1", "attended": 5, "done": ["nulmeting"], "due": "na-5", "consent": True},
                          {"code": "B2", "attended": 3, "done": ["nulmeting"], "due": None, "consent": False}],
                         {"nulmeting": "Nulmeting", "na-5": "Tussenevaluatie na 5"}, 16)
    text = text_of(out)
    assert "A1 5 van 16 Nulmeting Tussenevaluatie na 5 ja" in text
    assert "B2 3 van 16 Nulmeting niets nee" in text


def test_dashboard_html_shows_the_numbers_the_dutch_way():
    """Does the dashboard show reach, mean attendance, the share reaching 10, the absences and per
    subgoal n, mean and CI with a decimal comma, and draw one bar per row?"""
    view = {"reach": 6, "mean_attended": 10.5, "share_goal": 4 / 6, "goal": 10, "meetings": 16,
            "absences": [("Ziek (baby)", 3)],
            "changes": [{"subgoal": "kennis", "subgoal_label": "Kennis", "kind": "na-5", "kind_label": "Na 5",
                         "n": 6, "mean": 0.5, "ci_low": -0.0742, "ci_high": 1.0742},
                        {"subgoal": "steun", "subgoal_label": "Steun", "kind": "na-5", "kind_label": "Na 5",
                         "n": 1, "mean": 1.0, "ci_low": None, "ci_high": None}]}
    text = text_of(dashboard_html(view))
    assert "Bereik (opvoeders) 6" in text and "10,5 van 16" in text and "67 %" in text
    assert "Ziek (baby) 3" in text
    assert "Kennis Na 5 6 +0,5 -0,07 tot +1,07" in text
    assert "Steun Na 5 1 +1 – (te weinig paren)" in text
    svg = change_chart_svg(view["changes"])
    assert svg.count("class='ok-change-bar'") == 2 and svg.count("<line") == 1 + 3  # zero line + one whisker


def test_figures_show_suppressed_cells_with_the_reason_and_no_value():
    """Does the cijfers view show a cell of five or more opvoeders with its value and n, and a smaller
    one only with its reason (no value), plus the explanation; and say so when nobody has figures?"""
    figures = {"uitvoerders": 2, "reeksen": 3,
               "overview": [{"label": "Opvoeders bereikt", "n": 12, "value": 12.0, "suppressed": False},
                            {"label": "Gemiddeld aanwezig", "n": 12, "value": 11.25, "suppressed": False},
                            {"label": "Aandeel met 10 of meer", "n": 12, "value": 0.75, "suppressed": False}],
               "absence_reasons": [{"label": "Ziek (baby)", "n": 0, "value": None, "suppressed": True,
                                    "reason": "Niet getoond: minder dan 5 opvoeders."}],
               "changes": {"na-5": [{"label": "Ik weet wat ik kan verwachten.", "n": 6, "value": 0.5,
                                     "ci_low": -0.07, "ci_high": 1.07, "suppressed": False}]}}
    out = figures_html(figures)
    text = text_of(out)
    assert "Opvoeders bereikt 12 12" in text and "Gemiddeld aanwezig 11,25 12" in text and "75 %" in text
    assert "Ziek (baby) Niet getoond: minder dan 5 opvoeders." in text
    assert "Tussenevaluatie na 5 bijeenkomsten" in text and "+0,5 (95 %-interval -0,07 tot +1,07) 6" in text
    assert "minder dan vijf opvoeders" in text and out.count("ok-figures-suppressed") == 1
    assert "3 reeks(en) van 2 uitvoerder(s)" in text
    assert "nog geen cijfers" in text_of(figures_html({"uitvoerders": 0, "reeksen": 0, "overview": []}))


def test_the_reeks_choice_shows_its_label_and_chooses_once():
    """Does the reeks select show "Nog geen reeks" while there is none (not an empty box), and does a
    new list of reeksen choose exactly once (the kept, the asked-for, or the first reeks)?"""
    chosen = []
    chooser = ReeksChooser(chosen.append, lambda *_a: None)
    assert (chooser.choice.label, chooser.choice.value) == ("Nog geen reeks", None)
    chooser.set_reeksen([])
    assert chosen == [None] and chooser.choice.label == "Nog geen reeks"
    chooser.set_reeksen([("Reeks A", 3), ("Reeks B", 4)])
    assert chosen == [None, 3] and chooser.choice.label == "Reeks A"
    chooser.set_reeksen([("Reeks A", 3), ("Reeks B", 4)], chosen=4)
    assert chosen == [None, 3, 4] and chooser.choice.label == "Reeks B"
    chooser.set_reeksen([("Reeks A", 3), ("Reeks B", 4), ("Reeks C", 5)])  # the choice stays
    assert chosen == [None, 3, 4, 4]
    chooser.choice.value = 5  # the person picks another
    assert chosen == [None, 3, 4, 4, 5]
