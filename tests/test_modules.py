"""Course modules: the shipped module files, validation errors, quiz scoring, progress
through the façade on both databases, and the widgets without a browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from oefenkit.content import SAMPLES_DIR, load_content
from oefenkit.errors import ContentError, NotFound, PermissionDenied, ValidationError
from oefenkit.example_situations import THEME_COUNT
from oefenkit.identity import SYSTEM
from oefenkit.modules import (
    MAX_CHECK,
    MIN_CHECK,
    Module,
    ModuleProgressInfo,
    QuizQuestion,
    load_module,
    load_modules,
    module_status,
    score_check,
    score_question,
)
from oefenkit.settings import PROJECT_ROOT

CONTENT = PROJECT_ROOT / "content"
MODULES = load_content(CONTENT).modules


# -- the shipped modules ----------------------------------------------------------------------


def test_enough_modules_per_programme():
    """Are there the Babytijd modules (three on the programme, three for trainers: the group,
    the working elements, intake and referral), three Ouder-baby and six context modules
    (including signals, parents' questions and how the exam works), with unique codes?"""
    per = {}
    for m in MODULES:
        per.setdefault(m.programme, []).append(m.code)
    assert len(per["babytijd"]) >= 6
    assert {"babytijd-groep-begeleiden", "babytijd-werkzame-elementen", "babytijd-intake-doorverwijzen"} <= set(per["babytijd"])
    assert len(per["ouder-baby"]) >= 3 and "obi-verdieping" in per["ouder-baby"]
    assert len(per["context"]) >= 6
    assert {"context-signalen-herkennen", "context-wat-ouders-vragen", "context-hoe-de-toets-werkt"} <= set(per["context"])
    assert len({m.code for m in MODULES}) == len(MODULES)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.code)
def test_module_has_source_pages_and_check(module):
    """Does every module name its source, have 3–8 short pages and a 3–6 question check?"""
    assert module.source.strip()
    assert 3 <= len(module.pages) <= 8
    assert MIN_CHECK <= len(module.check) <= MAX_CHECK
    for q in module.check:
        assert q.explanation and q.correct and len(q.correct) < len(q.options)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.code)
def test_case_decisions_have_feedback_for_each_choice(module):
    """Does every choice of every case decision carry its own feedback, with at least one right choice?"""
    for page in module.pages:
        if page.kind == "case_decision":
            assert len(page.choices) >= 2 and any(c.correct for c in page.choices)
            assert all(c.feedback.strip() for c in page.choices)


def test_references_exist():
    """Do clip questions name existing sample case scripts, reflections existing themes, anchors existing scales?"""
    scales = {s.code for s in load_content(CONTENT).scales}
    kinds = set()
    for m in MODULES:
        for page in m.pages:
            kinds.add(page.kind)
            if page.kind == "clip_question":
                assert (SAMPLES_DIR / "scripts" / f"{page.case}.yaml").is_file(), page.case
                assert page.questions and page.notes
            if page.kind == "reflection":
                assert 1 <= page.theme <= THEME_COUNT
            if page.kind == "anchors":
                assert page.scale in scales
    assert kinds == {"text", "case_decision", "reflection", "clip_question", "anchors"}


def test_worked_example_uses_both_gezin_m_clips():
    """Does the Ouder-baby video module practise on the first and last clip of gezin M?"""
    cases = {p.case for m in MODULES for p in m.pages if p.kind == "clip_question"}
    assert {"obi-gezin-m-eerste", "obi-gezin-m-laatste"} <= cases


# -- validation -------------------------------------------------------------------------------------


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_broken_module_stops_load_content(content_dir):
    """Does `load_content` (and so `oefenkit init`) refuse a module file without a source, naming file and field?"""
    path = content_dir / "modules" / "context-2-piramide.yaml"
    _rewrite(path, "source: >-", "bron: >-")
    with pytest.raises(ContentError, match=r"modules/context-2-piramide.yaml.*'bron'"):
        load_content(content_dir)


def test_choice_without_feedback(content_dir):
    """Is a case-decision choice without feedback refused with the page named?"""
    path = content_dir / "modules" / "babytijd-1-doelen.yaml"
    _rewrite(path, "        feedback: >-\n          Toch wel", "        toelichting: >-\n          Toch wel")
    with pytest.raises(ContentError, match="Casus 1"):
        load_module(path)


def test_unknown_case_code(content_dir):
    """Is a clip question on a case without a script refused?"""
    path = content_dir / "modules" / "obi-2-video-ainsworth.yaml"
    _rewrite(path, "case: obi-gezin-m-laatste", "case: obi-gezin-x")
    with pytest.raises(ContentError, match="obi-gezin-x"):
        load_module(path, scripts_dir=SAMPLES_DIR / "scripts")


def test_check_size_and_correct_answer(content_dir):
    """Is a check with too few questions, or a question without a right answer, refused?"""
    path = content_dir / "modules" / "context-2-piramide.yaml"
    text = path.read_text(encoding="utf-8")
    head, check = text.split("check:\n", 1)
    first = check.split("  - question:")[1]
    path.write_text(head + "check:\n  - question:" + first, encoding="utf-8")
    with pytest.raises(ContentError, match="3 tot 6 vragen"):
        load_module(path)
    path.write_text(text.replace("        correct: true\n", "", 100), encoding="utf-8")
    with pytest.raises(ContentError, match="correct"):
        load_module(path)


def test_duplicate_codes_and_missing_dir(content_dir, tmp_path):
    """Are two files with one code refused, and is a missing modules directory just 'no modules'?"""
    shutil.copy(content_dir / "modules" / "context-2-piramide.yaml", content_dir / "modules" / "kopie.yaml")
    with pytest.raises(ContentError, match="twee keer"):
        load_modules(content_dir / "modules")
    assert load_modules(tmp_path / "bestaat-niet") == ()


def test_unknown_programme_and_theme(content_dir):
    """Are an unknown programme and a theme number outside 1–16 refused?"""
    path = content_dir / "modules" / "babytijd-2-bijeenkomsten.yaml"
    _rewrite(path, "theme: 9", "theme: 17")
    with pytest.raises(ContentError, match="themanummer"):
        load_module(path)
    _rewrite(path, "theme: 17", "theme: 9")
    _rewrite(path, "programme: babytijd", "programme: voorzorg")
    with pytest.raises(ContentError, match="onbekend programma"):
        load_module(path, programmes={"babytijd", "ouder-baby"})


# -- scoring and status ----------------------------------------------------------------------------


def _module() -> Module:
    return Module("m", "M", "context", "bron", (), (
        QuizQuestion("q1", "?", ("a", "b"), frozenset({1}), "uitleg"),
        QuizQuestion("q2", "?", ("a", "b", "c"), frozenset({0, 2}), "uitleg"),
        QuizQuestion("q3", "?", ("a", "b"), frozenset({0}), "uitleg"),
    ))


def test_score_question_needs_exactly_the_right_options():
    """Is a multiple-answer question right only with all and only the correct options?"""
    q = _module().check[1]
    assert score_question(q, [0, 2]) and score_question(q, (2, 0))
    assert not score_question(q, [0]) and not score_question(q, [0, 1, 2]) and not score_question(q, [])


def test_score_check_counts_answered_and_right():
    """Does the check score count answered and right questions, ignoring junk answers?"""
    module = _module()
    assert score_check(module, None).answered == 0
    result = score_check(module, {"check": {"q1": [1], "q2": [0], "q9": [1], "q3": ["x"]}})
    assert (result.correct, result.answered, result.total, result.complete) == (1, 2, 3, False)
    full = score_check(module, {"check": {"q1": [1], "q2": [0, 2], "q3": [1]}})
    assert (full.correct, full.complete) == (2, True)


def test_module_status():
    """Is a module new without progress, started with progress and completed once marked?"""
    import datetime as dt

    assert module_status(None) == "new"
    assert module_status(ModuleProgressInfo("a", "m", 2)) == "started"
    assert module_status(ModuleProgressInfo("a", "m", 2, completed_at=dt.datetime.now())) == "completed"


# -- progress through the façade (SQLite and PostgreSQL) --------------------------------------------


def test_progress_round_trip(kit, people):
    """Is progress created on first use, updated in place, and listed for its owner only?"""
    me = people["cursist"]
    with pytest.raises(NotFound):
        kit.find_module_progress(me, "context-piramide")
    kit.update_module_progress(me, "context-piramide", page=2)
    kit.update_module_progress(me, "context-piramide", answers={"check": {"q1": [1]}})
    got = kit.find_module_progress(me, "context-piramide")
    assert (got.page, got.answers, got.completed_at) == (2, {"check": {"q1": [1]}}, None)
    done = kit.update_module_progress(me, "context-piramide", page=4, completed=True)
    assert done.completed_at is not None
    again = kit.update_module_progress(me, "context-piramide", page=0)
    assert again.completed_at == done.completed_at and again.page == 0
    kit.update_module_progress(me, "babytijd-doelen", page=3)
    assert [(p.module_code, p.page) for p in kit.list_module_progress(me)] == [
        ("babytijd-doelen", 3), ("context-piramide", 0)]
    assert kit.list_module_progress(people["cursist2"]) == []


def test_cursist_cannot_read_or_write_anothers_progress(kit, people):
    """Is a cursist refused another person's progress, the same way for unknown user names?"""
    kit.update_module_progress(people["cursist2"], "context-piramide", page=1)
    me = people["cursist"]
    with pytest.raises(PermissionDenied) as other:
        kit.list_module_progress(me, username="cursist2")
    with pytest.raises(PermissionDenied) as unknown:
        kit.find_module_progress(me, "context-piramide", username="bestaat-niet")
    assert str(other.value) == str(unknown.value)
    with pytest.raises(PermissionDenied):
        kit.update_module_progress(SYSTEM, "context-piramide", page=1)
    # staff may look, but never write for someone else (the verb only writes the actor's own)
    assert kit.find_module_progress(people["trainer"], "context-piramide", username="cursist2").page == 1


def test_bad_progress_input_is_refused(kit, people):
    """Are a negative page, non-JSON answers and oversized answers refused with nothing stored?"""
    me = people["cursist"]
    with pytest.raises(ValidationError):
        kit.update_module_progress(me, "context-piramide", page=-1)
    with pytest.raises(ValidationError):
        kit.update_module_progress(me, "context-piramide", answers={"x": object()})
    with pytest.raises(ValidationError):
        kit.update_module_progress(me, "context-piramide", answers={"x": "a" * 200_000})
    assert kit.list_module_progress(me) == []


# -- widgets, without a browser ------------------------------------------------------------------------


def test_browser_widget_walks_a_module_and_escapes_text(kit, people):
    """Can the app body open a module, step to the check, answer it, finish, and resume on the saved page?"""
    from oefenkit_widgets.modules import ModulesBrowser, render_text
    from oefenkit_widgets.pages.modules import modules_page

    assert "<script>" not in render_text("<script>alert(1)</script>")
    me = people["cursist"]
    app = modules_page(kit, me, CONTENT)
    assert isinstance(app, ModulesBrowser)
    app.open_module("context-piramide")
    viewer = app.viewer
    while viewer.page < viewer.module.page_count - 1:
        viewer.next.click()
    assert viewer.finish.disabled
    quiz = viewer.content.children[0].children[1]
    for block in quiz.blocks:
        block.children[1].children[0].click()
    viewer.finish.click()
    assert "afgerond" in viewer.done.value
    app.open_module("babytijd-doelen")
    app.viewer.next.click()
    app.viewer.next.click()
    again = modules_page(kit, me, CONTENT)
    assert "afgerond" in again.module_list.entries["context-piramide"].children[1].value
    again.open_module("babytijd-doelen")
    assert again.viewer.page == 2 and "Pagina 3" in again.viewer.pageno.value
