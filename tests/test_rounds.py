"""Terugkomdag rounds beyond clips: the pure rules of ``oefenkit.rounds`` (round plans as content,
typed rounds, answers, the projector's distribution, groups and wall)."""

from __future__ import annotations

import itertools
import shutil

import pytest

from oefenkit.content import load_content
from oefenkit.errors import ContentError, ValidationError
from oefenkit.example_situations import load_example_situations
from oefenkit.rounds import (
    ANSWER_LIMITS,
    RoundItem,
    answer_wall,
    check_answer,
    choice_distribution,
    group_answers,
    item_from_dict,
    item_from_situation,
    key_words,
    load_round_plans,
    typed_item,
)
from oefenkit.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"


@pytest.fixture(scope="module")
def situations():
    return load_example_situations(CONTENT / "babytijd" / "voorbeeldsituaties.yaml")[1]


def plans_in(content_dir, situations):
    return load_round_plans(content_dir / "sessions", situations=situations, programmes=["babytijd", "ouder-baby"])


# -- the shipped plan ------------------------------------------------------------------------------


def test_shipped_babytijd_plan_has_situations_questions_and_exchange(situations):
    """Is the shipped Babytijd plan a Babytijd day of situations, questions and exchange, without clips,
    each question with a right answer and an explanation, each situation with facilitator notes?"""
    (plan,) = plans_in(CONTENT, situations)
    assert plan.programme == "babytijd" and plan.clips is None
    kinds = {r.kind for r in plan.rounds}
    assert kinds == {"situatie", "vraag", "ervaring"}
    for r in plan.rounds:
        if r.kind == "vraag":
            assert r.answer is not None and 0 <= r.answer < len(r.options) and r.explanation
        if r.kind == "situatie":
            assert r.notes and r.discussion and r.prompts
    huilen = next(r for r in plan.rounds if r.code == "situatie-huilen")
    assert huilen.title == "Thema 9: Huilen"
    assert huilen.text == next(s for s in situations if s.theme == 9).situation


def test_init_validates_the_round_plans(content_dir):
    """Does loading the content (what `oefenkit init` does) refuse a broken round plan, naming the file?"""
    path = content_dir / "sessions" / "rondes-babytijd.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("theme: 9", "theme: 17"), encoding="utf-8")
    with pytest.raises(ContentError, match="rondes-babytijd.yaml.*theme"):
        load_content(content_dir)


@pytest.mark.parametrize("change, message", [
    (("answer: 2", "answer: 5"), "answer"),
    (("    title: Evaluatie\n", "    title: Evaluatie\n    juist: 1\n"), "onbekend veld 'juist'"),
    (("code: vraag-handboek", "code: vraag-eindevaluatie"), "twee keer"),
    (("programme: babytijd", "programme: onbekend"), "onbekend programma"),
    (("kind: ervaring\n    code: ervaring-bijgebleven", "kind: quiz\n    code: ervaring-bijgebleven"), "kind"),
    (("code: terugkomdag-babytijd", "code: Terugkomdag Babytijd"), "code"),
    (("      - Bij het kennismakingsgesprek\n", ""), None),  # three options still valid
])
def test_round_plan_errors_name_the_file_and_field(tmp_path, situations, change, message):
    """Is each mistake in a round plan refused with a Dutch message naming the file and the field?"""
    target = tmp_path / "sessions"
    shutil.copytree(CONTENT / "sessions", target)
    path = target / "rondes-babytijd.yaml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    if message is None:
        plans_in(tmp_path, situations)
        return
    with pytest.raises(ContentError, match=message) as info:
        plans_in(tmp_path, situations)
    assert "rondes-babytijd.yaml" in str(info.value)


def test_a_plan_naming_an_unknown_clip_set_is_refused(tmp_path, situations):
    """Is `clips` checked against the case sets when they are known?"""
    (tmp_path / "sessions").mkdir()
    (tmp_path / "sessions" / "rondes-x.yaml").write_text(
        "code: x\nname: X\nprogramme: babytijd\nclips: nergens\nrounds:\n"
        "  - {kind: ervaring, code: e, prompt: Vertel}\n", encoding="utf-8")
    with pytest.raises(ContentError, match="nergens"):
        load_round_plans(tmp_path / "sessions", situations=situations, case_sets={"terugkomdag"})
    (plan,) = load_round_plans(tmp_path / "sessions", situations=situations, case_sets=None)
    assert plan.clips == "nergens"


# -- typed rounds and stored snapshots -----------------------------------------------------------------


def test_typed_question_is_checked():
    """Is a typed question cleaned and checked: 2-6 distinct options, the right answer among them?"""
    item = typed_item("vraag", "  Hoe  vaak? ", options=["  jaarlijks", "tweejaarlijks "], answer=1)
    assert item.text == "Hoe vaak?" and item.options == ("jaarlijks", "tweejaarlijks") and item.title == "Vraag"
    assert typed_item("vraag", "Wat?", options=["a", "b"]).answer is None  # a typed question may have none
    for bad in [dict(options=["a"]), dict(options=["a", "A"]), dict(options=["a", "b"], answer=2),
                dict(options=["a", ""]), dict(options=[str(i) for i in range(7)])]:
        with pytest.raises(ValidationError):
            typed_item("vraag", "Wat?", **bad)
    with pytest.raises(ValidationError, match="Typ de vraag"):
        typed_item("vraag", "   ", options=["a", "b"])
    with pytest.raises(ValidationError):
        typed_item("fragment", "Kijk")
    assert typed_item("ervaring", "Vertel", options=["genegeerd"]).options == ()


def test_snapshot_round_trip_and_tampering_refused(situations):
    """Does a stored snapshot come back as the same item, and is a tampered one refused?"""
    item = item_from_situation(situations[0])
    assert item_from_dict(item.as_dict()) == item
    with pytest.raises(ValidationError):
        item_from_dict(item.as_dict() | {"kind": "fragment"})
    with pytest.raises(ValidationError):
        item_from_dict(item.as_dict() | {"options": ["a", "b"]})
    with pytest.raises(ValidationError):
        item_from_dict({"title": "zonder soort"})


# -- answers ------------------------------------------------------------------------------------------

QUESTION = RoundItem("vraag", "Vraag", "Hoe vaak is de terugkomdag?", options=("elk jaar", "om de twee jaar"), answer=1)


def test_answers_are_checked_per_kind():
    """Does a vraag take an option index only, a situatie or ervaring a non-empty text within its limit?"""
    assert check_answer(QUESTION, choice=0) == (0, None)
    for bad in (None, 2, -1, True, "1"):
        with pytest.raises(ValidationError):
            check_answer(QUESTION, choice=bad)
    situation = RoundItem("situatie", "S", "Wat zou je doen?")
    limit = ANSWER_LIMITS["situatie"]
    assert check_answer(situation, text="x" * limit) == (None, "x" * limit)
    with pytest.raises(ValidationError, match=f"hoogstens {limit} tekens"):
        check_answer(situation, text="x" * (limit + 1))
    with pytest.raises(ValidationError, match="Typ eerst"):
        check_answer(situation, text=" \n ")
    with pytest.raises(ValidationError):
        check_answer(RoundItem("ervaring", "E", "Vertel"), text="x" * (ANSWER_LIMITS["ervaring"] + 1))
    with pytest.raises(ValidationError):
        check_answer(RoundItem("fragment", "F", "clip"), text="iets")


def test_distribution_counts_every_option_in_order():
    """Does the distribution list every option, also those nobody chose, in the options' order?"""
    assert choice_distribution(QUESTION, []) == [("elk jaar", 0), ("om de twee jaar", 0)]
    assert choice_distribution(QUESTION, [1, 1, 0]) == [("elk jaar", 1), ("om de twee jaar", 2)]


def test_key_words_ignore_short_and_common_words_and_accents():
    """Are key words long, content words, case- and accent-free?"""
    assert key_words("Ik zou de baby Troosten, óók als het ’s nachts is") == {"troosten", "nachts"}


def test_grouping_by_shared_key_word():
    """Does each answer join its most shared key word, the unshared ones come last, biggest group first?"""
    groups = group_answers([
        "Rustig blijven en troosten", "Troosten met zingen", "Hulp vragen aan je partner",
        "Partner laten helpen", "Troosten, dan rustig blijven", "Even naar buiten",
    ])
    assert [(g.word, len(g.answers)) for g in groups] == [("troosten", 3), ("partner", 2), (None, 1)]
    assert groups[0].answers == ("Rustig blijven en troosten", "Troosten met zingen", "Troosten, dan rustig blijven")
    assert group_answers([]) == []


def test_grouping_and_wall_do_not_depend_on_the_order_of_answers():
    """Is the projector's view the same whatever order the answers came in (the order tells nobody who
    wrote what)?"""
    answers = ["Troosten", "troosten en wiegen", "Wiegen", "Naar de huisarts", "Huilen laten"]
    views = {tuple((g.word, g.answers) for g in group_answers(p)) for p in itertools.permutations(answers)}
    assert len(views) == 1
    walls = {tuple(answer_wall(p)) for p in itertools.permutations(answers)}
    assert walls == {tuple(sorted(answers, key=str.casefold))}
