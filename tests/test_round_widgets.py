"""Terugkomdag rounds beyond clips in the pages (``widgets/rounds.py`` and its use in
``widgets/session.py`` and ``widgets/dashboard.py``), over a real façade (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import re

import pytest

from oefenkit.certification import load_rules
from oefenkit.errors import ValidationError
from oefenkit.sessions import load_prompts
from oefenkit.settings import PROJECT_ROOT
from oefenkit_widgets.dashboard import dashboard_page
from oefenkit_widgets.rounds import OWN, AnswerPanel, RoundPicker, round_answers_html
from oefenkit_widgets.session import session_page

CONTENT = PROJECT_ROOT / "content"


def text_of(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


@pytest.fixture
def babytijd_day(kit, content, people, samples_loaded):
    """The trainer's dashboard with the Babytijd plan chosen, a session started and two phones joined."""
    trainer = people["trainer"]
    dash = dashboard_page(kit, trainer, rules=load_rules(CONTENT),
                          prompts=load_prompts(CONTENT / "sessions" / "gespreksvragen.yaml"),
                          plans=content.round_plans, situations=content.voorbeeldsituaties)
    dash.plan.value = "terugkomdag-babytijd"
    dash.create_button.click()
    code = re.search(r">([A-Z2-9]{6})<", dash.code.value).group(1)
    phones = [session_page(kit, people[name], code=code) for name in ("cursist", "cursist2")]
    for p in phones:
        p.join_button.click()
    (plan,) = content.round_plans
    return kit, dash, phones, plan


def open_planned(dash, plan, kind):
    dash.add_round({"item_code": next(r.code for r in plan.rounds if r.kind == kind)})


def test_dashboard_offers_the_plan_and_starts_with_its_first_round(babytijd_day):
    """Does "Soort dag" offer the plan, and does the dashboard then say "Volgende ronde" with what comes
    next, and open the plan's first round on the projector and the phones?"""
    kit, dash, (pa, pb), plan = babytijd_day
    assert ("Fragmenten scoren (opfrisdag of intervisie)", None) == dash.plan.options[0]
    assert dash.open_button.description == "Volgende ronde" and not dash.open_button.disabled
    assert plan.rounds[0].title in text_of(dash.next_label.value)
    dash.open_button.click()
    pa.refresh()
    assert pa.round_box.layout.display is None and pa.round_box.children == (pa.answer_panel,)
    assert plan.rounds[0].text in text_of(pa.answer_panel.question.value)
    assert pa.title is None  # the clip widgets are never built on a day without clips
    assert "Ronde 1 ·" in text_of(pa.status.value)
    assert dash.add_fold.layout.display == "none"  # no adding while a round is open


def test_a_question_round_on_phones_and_projector(babytijd_day):
    """Do two phones choose and hand in, the projector show the distribution without names and the right
    answer only after "Juiste antwoord tonen", and the phones then the verdict and explanation?"""
    kit, dash, (pa, pb), plan = babytijd_day
    question = next(r for r in plan.rounds if r.kind == "vraag")
    open_planned(dash, plan, "vraag")
    pa.refresh(), pb.refresh()
    panel = pa.answer_panel
    assert [b.description for b in panel.option_buttons] == list(question.options)
    assert panel.submit_button.disabled  # nothing chosen yet
    assert panel.text.layout.display == "none"
    panel.option_buttons[question.answer].click()
    assert "ok-selected" in panel.option_buttons[question.answer]._dom_classes and not panel.submit_button.disabled
    panel.submit_button.click()
    assert "opgeslagen" in pa.message.children[0].text
    wrong = (question.answer + 1) % len(question.options)
    pb.answer_panel.option_buttons[wrong].click()
    pb.answer_panel.submit_button.click()
    dash.refresh()
    shown = text_of(dash.stats.value)
    assert "2 van 2" in text_of(dash.count.value)
    assert question.text in shown and "juiste antwoord" not in shown and question.explanation not in shown
    assert "Cursist" not in text_of(dash.stats.value) and "Cursist" not in text_of(dash.round_title.value)
    assert dash.reveal_button.description == "Juiste antwoord tonen" and dash.reveal_button.disabled
    dash.close_button.click()
    dash.reveal_button.click()
    shown = text_of(dash.stats.value)
    assert "✔ juiste antwoord" in shown and question.explanation in shown
    assert "ok-answer-right" in dash.stats.value
    pa.refresh(), pb.refresh()
    assert "Jouw antwoord is goed" in text_of(pa.answer_panel.reveal.value)
    assert "niet het juiste" in text_of(pb.answer_panel.reveal.value)
    assert question.explanation in text_of(pb.answer_panel.reveal.value)
    assert all(b.disabled for b in pb.answer_panel.option_buttons)


def test_a_situation_round_groups_answers_and_shows_notes_at_reveal(babytijd_day):
    """Does a situatie round take typed answers, show them grouped and without names on the projector,
    refuse a too long answer with a message, and show the facilitator notes after the reveal?"""
    kit, dash, (pa, pb), plan = babytijd_day
    situation = next(r for r in plan.rounds if r.kind == "situatie")
    open_planned(dash, plan, "situatie")
    pa.refresh(), pb.refresh()
    assert pa.answer_panel.options_box.children == () and pa.answer_panel.text.layout.display is None
    pa.answer_panel.text.value = "x" * 501
    pa.answer_panel.submit_button.click()
    assert "hoogstens 500 tekens" in pa.message.children[0].text
    pa.answer_panel.text.value = "Eerst zelf rustig worden, dan troosten"
    pa.answer_panel.submit_button.click()
    pb.answer_panel.text.value = "Troosten en de partner vragen"
    pb.answer_panel.submit_button.click()
    dash.refresh()
    shown = text_of(dash.stats.value)
    assert "Antwoorden met ‘troosten’ (2)" in shown and "Eerst zelf rustig worden" in shown
    assert "Cursist" not in shown and situation.notes not in shown
    assert dash.reveal_button.description == "Aantekeningen tonen"
    dash.close_button.click()
    dash.reveal_button.click()
    assert situation.notes in text_of(dash.stats.value) and "ok-facilitator-notes" in dash.stats.value
    pa.refresh()
    assert situation.notes in text_of(pa.answer_panel.reveal.value)
    assert pa.answer_panel.text.disabled and pa.answer_panel.submit_button.disabled


def test_an_exchange_round_is_a_wall_and_has_nothing_to_reveal(babytijd_day):
    """Is an ervaring round shown as a wall, sorted, with no reveal button?"""
    kit, dash, (pa, pb), plan = babytijd_day
    open_planned(dash, plan, "ervaring")
    pa.refresh(), pb.refresh()
    pb.answer_panel.text.value = "Zingen aan het eind"
    pb.answer_panel.submit_button.click()
    pa.answer_panel.text.value = "Alle namen onthouden"
    pa.answer_panel.submit_button.click()
    dash.refresh()
    assert "ok-answer-wall" in dash.stats.value
    shown = text_of(dash.stats.value)
    assert shown.index("Alle namen onthouden") < shown.index("Zingen aan het eind")
    assert dash.reveal_button.layout.display == "none"
    dash.finish()  # closing the day: the phone thanks, and its history does not claim "no terugkomdag"
    assert "2 deelnemers hebben meegedaan" in dash.message.children[0].text
    pa.refresh()
    assert "Bedankt voor het meedoen" in text_of(pa.status.value)
    assert "geen fragmenten gescoord" in text_of(pa.history.children[0].value)


def test_trainer_adds_a_typed_question_and_a_voorbeeldsituatie(babytijd_day):
    """Can the trainer add a typed question (with its right answer) and a voorbeeldsituatie that is not
    in the plan, and is an incomplete typed question refused with a message, opening nothing?"""
    kit, dash, (pa, _), plan = babytijd_day
    picker = dash.picker
    dash.add_button.click()
    assert picker.layout.display is None
    picker.kind.value = "vraag"
    picker.item.value = OWN
    picker.text.value = "Wat is er nieuw in het handboek?"
    picker.options.value = "Niets\n"
    picker.start.click()
    assert "antwoordopties" in picker.message.children[0].text
    assert dash.state["round"] is None
    picker.options.value = "Niets\nEen nieuw thema over slapen\nAndere evaluatielijsten"
    picker.answer.value = 3
    picker.explanation.value = "Zie de nieuwe bijlage."
    picker.start.click()
    assert dash.state["round"]["kind"] == "vraag" and dash.state["round"]["title"] == "Vraag"
    assert picker.text.value == ""  # cleared for the next one
    pa.refresh()
    assert [b.description for b in pa.answer_panel.option_buttons][2] == "Andere evaluatielijsten"
    dash.close_button.click()
    dash.reveal_button.click()
    assert "Juiste antwoord: Andere evaluatielijsten" in text_of(dash.stats.value)
    picker.kind.value = "situatie"
    labels = [label for label, _ in picker.item.options]
    assert labels[0].startswith("Thema 9: Huilen") and "Thema 16: Eenzaamheid en postnatale depressie" in labels
    picker.item.value = ("theme", 11)
    picker.start.click()
    assert dash.state["round"]["title"] == "Thema 11: Voeding"
    # a clip cannot be picked on a day without clips
    dash.close_button.click()
    picker.kind.value = "fragment"
    assert picker.item.value is None and picker.start.disabled


def test_round_picker_which_is_checked():
    """Does the picker hand on the open_round keywords, and refuse a typed round that is incomplete?"""
    picked = []
    picker = RoundPicker([], lambda which: picked.append(which) or True)
    picker.update({"plan_rounds": [("vraag-a", "vraag", "Vraag A", False)], "clips": [("c1", "Clip 1")]})
    picker.kind.value = "vraag"
    assert picker.which() == {"item_code": "vraag-a"}
    picker.kind.value = "fragment"
    assert picker.which() == {"case_code": "c1"}
    picker.kind.value = "ervaring"
    picker.item.value = OWN
    with pytest.raises(ValidationError):
        picker.which()
    picker.text.value = "Wat werkt bij jou?"
    picker.start.click()
    assert picked[-1]["item"].kind == "ervaring" and picked[-1]["item"].text == "Wat werkt bij jou?"


def test_projector_html_never_shows_the_right_answer_before_the_reveal():
    """Is the right answer absent from the projector until the round says it was revealed?"""
    rnd = {"number": 2, "kind": "vraag", "title": "V", "text": "Hoe vaak?", "options": ["a", "b"], "prompts": [],
           "revealed": False}
    before = round_answers_html(rnd, {"distribution": [("a", 3), ("b", 1)], "n": 4})
    assert "ok-answer-right" not in before and "juiste" not in before
    assert re.findall(r"ok-answer-count'>(\d+)<", before) == ["3", "1"]
    after = round_answers_html(rnd | {"revealed": True, "answer": 1, "explanation": "Omdat."},
                               {"distribution": [("a", 3), ("b", 1)], "n": 4})
    assert after.count("ok-answer-right'") == 1 and "Omdat." in after


def test_answer_panel_keeps_the_stored_answer_and_starts_empty_on_a_new_round():
    """Does a reloaded page show the person's stored answer, and a new round an empty panel?"""
    sent = []
    panel = AnswerPanel(lambda choice, text: sent.append((choice, text)))
    rnd = {"number": 1, "kind": "ervaring", "title": "E", "text": "Vertel", "options": [], "prompts": [],
           "limit": 280, "revealed": False}
    panel.show(rnd, {"choice": None, "text": "Mijn verhaal", "correct": None}, closed=False)
    assert panel.text.value == "Mijn verhaal" and panel.submit_button.description == "Antwoord wijzigen"
    panel.submit_button.click()
    assert sent == [(None, "Mijn verhaal")]
    panel.show(rnd | {"number": 2}, None, closed=False)
    assert panel.text.value == "" and panel.submit_button.description == "Antwoord inleveren"


def test_a_closed_question_round_shows_no_button_and_no_instruction():
    """Once a vraag round is closed (and revealed), does the phone drop "Antwoord wijzigen" and the
    instruction to hand in, say that the round is closed and the answer kept, and keep the own choice
    marked; and does a round that opens again bring the button back?"""
    panel = AnswerPanel(lambda choice, text: None)
    rnd = {"number": 1, "kind": "vraag", "title": "V", "text": "Wat past?", "options": ["a", "b", "c"],
           "answer": 1, "explanation": "Omdat.", "prompts": [], "revealed": False}
    own = {"choice": 1, "text": None, "correct": True}
    panel.show(rnd, own, closed=False)
    assert panel.submit_row.layout.display is None and "lever het in" in panel.hint.value
    panel.show(rnd | {"revealed": True}, own, closed=True)
    assert panel.submit_row.layout.display == "none"
    assert "lever het in" not in panel.hint.value and "gesloten" in panel.hint.value and "bewaard" in panel.hint.value
    assert "ok-selected" in panel.option_buttons[1]._dom_classes and all(b.disabled for b in panel.option_buttons)
    assert "Jouw antwoord is goed" in panel.reveal.value
    panel.show(rnd, None, closed=True)
    assert "geen antwoord gegeven" in panel.hint.value
    panel.show(rnd, own, closed=False)
    assert panel.submit_row.layout.display is None and "lever het in" in panel.hint.value
