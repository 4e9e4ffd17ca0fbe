"""A third scale is data: adding ``tests/fixtures/scales/acceptatie.yaml`` to a copy of the content
(and naming it in the Ouder-baby certification rule) brings it into practice, the exam with its
decision and certificate PDF, compare and its exports, the live session, intervision and the CLI,
with no change to the code.

The scale's expert scores on the sample cases are entered the way an organisation enters them for
its own scale (``Kit.update_or_create_expert_score``, as the library does): the shipped sample
scripts only score the two Ainsworth scales their renderer draws. Each expert gives "acceptatie"
the score they gave "sensitiviteit", so the consensus on the new scale is known from the scripts.

Tests that use ``kit`` run on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from oefenkit.content import SAMPLES_DIR, load_content, load_into
from oefenkit.errors import ContentError, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT

from .live_server import oefenkit_cmd
from .test_exam import CONSENSUS, EXAM, PROGRAMME, private_exam_set, supervised_cases

FIXTURE = Path(__file__).parent / "fixtures" / "scales" / "acceptatie.yaml"
NEW = "acceptatie"
SCALES = ("sensitiviteit", "cooperatie", NEW)
GROUP = "Groep Drie"


def third_scale_content(target: Path, *, judged: bool = True) -> Path:
    """A copy of the repository's content with the fixture scale; ``judged``: the Ouder-baby rule
    names it (with the thresholds of sensitiviteit)."""
    shutil.copytree(PROJECT_ROOT / "content", target)
    shutil.copy(FIXTURE, target / "scales" / FIXTURE.name)
    if judged:
        path = target / "certification" / "ouder-baby.yaml"
        rule = yaml.safe_load(path.read_text(encoding="utf-8"))
        rule["scales"][NEW] = dict(rule["scales"]["sensitiviteit"])
        path.write_text(yaml.safe_dump(rule, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def content_dir3(tmp_path_factory) -> Path:
    return third_scale_content(tmp_path_factory.mktemp("third") / "content")


@pytest.fixture(scope="module")
def content3(content_dir3):
    return load_content(content_dir3, samples_dir=SAMPLES_DIR)


@pytest.fixture(scope="module")
def rules3(content3):
    return dict(content3.certification)


def consensus3(case_code: str) -> dict[str, int]:
    """The expert consensus of an exam case on all three scales (acceptatie copies sensitiviteit)."""
    return {**CONSENSUS[case_code], NEW: CONSENSUS[case_code]["sensitiviteit"]}


@pytest.fixture
def kit(kit, content3):
    """The third-scale content with the sample cases loaded, the experts' acceptatie scores, and
    the private exam set."""
    load_into(kit, content3)
    for case in content3.cases:
        for judgement in case.experts["sensitiviteit"]:
            kit.update_or_create_expert_score(SYSTEM, case.code, NEW, judgement.score, "Warm en geduldig.",
                                              expert_username=judgement.rater)
    return private_exam_set(kit)


@pytest.fixture
def people(people, kit):
    supervised_cases(kit, people["trainer"], "cursist1", "cursist2")
    kit.add_group(people["coordinator"], GROUP, PROGRAMME)
    for who in ("cursist1", "cursist2"):
        kit.add_group_member(people["coordinator"], GROUP, who)
    return {k: kit.find_person(v.username) for k, v in people.items()}


def widgets_of(widget, kind) -> list:
    """Every widget of class ``kind`` below ``widget`` (depth first, in order)."""
    found = [widget] if isinstance(widget, kind) else []
    for child in getattr(widget, "children", ()) or ():
        found += widgets_of(child, kind)
    return found


# -- content ------------------------------------------------------------------------------------


def test_the_content_loads_the_third_scale_in_order(content3, rules3):
    """Does the fixture scale load with its title, short title, order and colour key, after the two
    Ainsworth scales, and does the Ouder-baby rule judge it?"""
    from oefenkit.scales import current, in_words

    scales = current(content3.scales)
    assert [sc.code for sc in scales] == list(SCALES)
    new = scales[-1]
    assert (new.title, new.short_title, new.order, new.css_class) == ("Acceptatie", "acceptatie", 3,
                                                                       "ok-score-acceptance")
    assert in_words(scales) == "sensitiviteit, coöperatie en acceptatie"
    assert set(rules3[PROGRAMME].scales) == set(SCALES)


def test_a_rule_must_judge_every_scale_and_only_known_ones(tmp_path):
    """Is content refused, in Dutch and naming the file, when the rule leaves the new scale out (the
    test would ask a score that counts for nothing) or names a scale that does not exist?"""
    unjudged = third_scale_content(tmp_path / "a", judged=False)
    with pytest.raises(ContentError, match="ouder-baby.yaml: geen drempels voor schaal 'acceptatie'"):
        load_content(unjudged)
    unknown = third_scale_content(tmp_path / "b", judged=False)
    (unknown / "scales" / FIXTURE.name).unlink()
    path = unknown / "certification" / "ouder-baby.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  cooperatie:", "  betrokkenheid:"), encoding="utf-8")
    with pytest.raises(ContentError, match="onbekende schaal 'betrokkenheid'"):
        load_content(unknown)


def test_a_scale_file_without_its_presentation_fields_is_refused(tmp_path):
    """Is a scale without a title, or with a colour key another scale has, refused in Dutch?"""
    content = third_scale_content(tmp_path / "c")
    path = content / "scales" / FIXTURE.name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**data, "colour": "sensitivity"}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="'colour' 'sensitivity' hoort al bij schaal 'acceptatie'"):
        load_content(content)
    del data["title"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="acceptatie.yaml: veld 'title'"):
        load_content(content)


# -- practice -----------------------------------------------------------------------------------


def test_practice_scores_three_scales(kit, people):
    """Does the practice page show a 1–9 row per scale (the new one with its own colour hook), store
    an attempt on three scales through the page, and refuse one without the new scale?"""
    import ipywidgets as w

    from oefenkit_widgets.pages.practice import practice_page
    from oefenkit_widgets.practice import CaseList, FeedbackPanel, ScaleScorer

    cursist = people["cursist"]
    page = practice_page(kit, cursist)
    scorers = widgets_of(page, ScaleScorer)
    assert [s.scale_code for s in scorers] == list(SCALES)
    assert "ok-score-acceptance" in scorers[2].children[1]._dom_classes
    assert "Acceptatie versus afwijzing" in scorers[2].children[0].value
    assert "sensitiviteit, coöperatie en acceptatie" in page.children[0].children[0].value
    [case_list] = widgets_of(page, CaseList)
    case_code = kit.practice_overview(cursist)[0].code
    case_list._open(case_code)
    for scorer, point in zip(scorers, (6, 5, 4)):
        scorer.choose(point)
    [submit] = [b for b in widgets_of(page, w.Button) if "ok-submit" in b._dom_classes]
    submit.click()
    [feedback] = widgets_of(page, FeedbackPanel)
    assert "Acceptatie" in "".join(h.value for h in widgets_of(feedback, w.HTML))
    [attempt] = kit.practice_history(cursist)
    assert attempt.scores == {"sensitiviteit": 6, "cooperatie": 5, NEW: 4}
    assert NEW in attempt.consensus
    assert "acceptatie 4" in case_list._status[case_code].value
    with pytest.raises(ValidationError):
        kit.submit_practice(cursist, case_code, {"sensitiviteit": 6, "cooperatie": 5})
    assert len(kit.practice_history(cursist)) == 1


# -- exam, decision, certificate ----------------------------------------------------------------


def test_the_exam_asks_three_scales_and_the_certificate_names_the_third(kit, people, rules3):
    """Does the exam show three scorers and count a clip scored only when the new scale is scored
    too, does the decision judge the new scale (statistics and thresholds), and does the PDF
    certificate have a line for it?"""
    import pypdf

    from oefenkit_widgets.exam import ExamResult, ExamScreen
    from oefenkit_widgets.pages.exam import exam_page

    cursist = people["cursist"]
    page = exam_page(kit, cursist, rules=rules3, max_attempts=3, demo_certificates=False)
    start = page.screen
    start.case_set.value = EXAM  # the organisation's own set: a real test with a certificate
    assert "op sensitiviteit, op coöperatie en op acceptatie (1–9)" in start.rules.value
    start.button.click()
    screen = page.screen
    assert isinstance(screen, ExamScreen) and list(screen.scorers) == list(SCALES)
    assert screen.progress.scales == SCALES
    assert "ok-score-acceptance" in screen.scorers[NEW].children[1]._dom_classes
    attempt_id = screen.attempt.id
    first = screen.attempt.cases[0].code
    progress = kit.save_exam_rating(cursist, attempt_id, first, {"sensitiviteit": 5, "cooperatie": 5})
    assert not progress.is_scored(first)
    for i, case in enumerate(screen.attempt.cases):
        screen.go(i)
        for scale, point in consensus3(case.code).items():
            screen.scorers[scale].buttons[point].click()
    assert kit.exam_progress(cursist, attempt_id).n_scored == len(screen.attempt.cases)
    screen.submit.click()
    screen.submit_confirm.yes.click()
    result = page.screen
    assert isinstance(result, ExamResult) and result.outcome.passed, result.outcome.reasons
    assert NEW in result.outcome.statistics["scales"] and NEW in result.outcome.rule["scales"]
    assert result.outcome.statistics["scales"][NEW]["n_clips"] == len(screen.attempt.cases)
    cert = kit.find_certificate(cursist, result.outcome.certificate.code)
    assert cert.scale_titles[NEW] == "Acceptatie"
    from oefenkit.certificate_pdf import certificate_pdf

    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(certificate_pdf(cert))).pages)
    assert "Sensitiviteit: 10 fragmenten" in text and "Acceptatie: 10 fragmenten" in text
    # the certificate names the three scales it tested, not the two the kit ships with
    flat = " ".join(text.split())
    assert "scoringstoets op de schalen Sensitiviteit, Coöperatie en Acceptatie" in flat, flat


def test_an_exam_rating_on_an_unknown_scale_is_refused(kit, people):
    """Is a score on a scale that is not loaded refused, with nothing stored?"""
    cursist = people["cursist"]
    attempt = kit.start_exam(cursist, PROGRAMME, EXAM, max_attempts=3)
    with pytest.raises(ValidationError, match="hoort niet bij de toets"):
        kit.save_exam_rating(cursist, attempt.id, attempt.case_codes[0], {"betrokkenheid": 5})
    assert kit.exam_progress(cursist, attempt.id).scores == {}


# -- compare and its exports --------------------------------------------------------------------


def test_compare_and_its_exports_cover_the_third_scale(kit, people):
    """Does the compare app offer the new scale, and do the statistics and the CSV/XLSX exports
    work on it?"""
    import openpyxl

    from oefenkit.compare import comparison
    from oefenkit.compare_export import to_csv, to_xlsx
    from oefenkit_widgets.pages.compare import compare_page

    cases = [c.code for c in kit.practice_overview(people["cursist"])][:4]
    for who, shift in (("cursist", 0), ("cursist2", 1)):
        for code in cases:
            kit.submit_practice(people[who], code, {"sensitiviteit": 5, "cooperatie": 5, NEW: 4 + shift})
    page = compare_page(kit, people["trainer"])
    assert ("Acceptatie versus afwijzing", NEW) in [tuple(o) for o in widgets_of_options(page)]
    c = comparison(kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code="oefenen", scale_code=NEW))
    assert c.scale_code == NEW and c.consensus is not None
    assert c.rater("cursist1").n == len(cases) and c.rater("cursist2").n == len(cases)
    assert c.row("cursist2").cell(cases[0]).score == 5
    csv_text = to_csv(c)
    assert "Schaal;Acceptatie;1–9" in csv_text and "Cursist Twee" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(c)))
    cells = [cell.value for row in book["Scores"].iter_rows() for cell in row]
    assert "Acceptatie" in cells and "Cursist Twee" in cells


def widgets_of_options(page) -> list:
    """The options of every dropdown on the page."""
    import ipywidgets as w

    return [o for d in widgets_of(page, w.Dropdown) for o in d.options]


# -- live session ---------------------------------------------------------------------------------


def test_a_live_round_scores_three_scales(kit, people):
    """Does a round ask all three scales (refusing two, in Dutch), show the new scale's statistics on
    the leader's screen and its expert score after the reveal, and does the participant page show a
    scorer for it?"""
    from oefenkit_widgets.practice import ScaleScorer
    from oefenkit_widgets.session import session_page

    trainer, a, b = people["trainer"], people["cursist"], people["cursist2"]
    session = kit.create_session(trainer)
    sid = session["id"]
    for who in (a, b):
        kit.join_session(who, session["join_code"])
    kit.open_round(trainer, sid)
    with pytest.raises(ValidationError, match="alle schalen"):
        kit.submit_session_scores(a, sid, 1, {"sensitiviteit": 5, "cooperatie": 4})
    kit.submit_session_scores(a, sid, 1, {"sensitiviteit": 5, "cooperatie": 4, NEW: 7})
    kit.submit_session_scores(b, sid, 1, {"sensitiviteit": 6, "cooperatie": 4, NEW: 8})
    state = kit.session_state(trainer, sid)
    assert [code for code, _name in state["scales"]] == list(SCALES)
    stats = {s.scale_code: s for s in state["stats"]}
    assert stats[NEW].n == 2 and stats[NEW].median == 7.5 and stats[NEW].expert is None
    kit.close_round(trainer, sid)
    kit.reveal(trainer, sid)
    assert {s.scale_code: s for s in kit.session_state(trainer, sid)["stats"]}[NEW].expert is not None
    feedback = kit.session_state(a, sid)["feedback"]
    assert NEW in [s.scale_code for s in feedback.scales]
    page = session_page(kit, a, code="", address="127.0.0.1")
    page._build_round()
    assert [s.scale_code for s in widgets_of(page, ScaleScorer)] == list(SCALES)


# -- intervision ----------------------------------------------------------------------------------


def test_intervision_scores_and_plots_three_scales(kit, people):
    """Does intervision refuse a visit scored on two scales (naming all three), store three, and
    draw a panel for the new scale?"""
    from oefenkit_widgets.intervision import intervision_page

    set_code = kit.list_intervision_sets(people["cursist"])[0]["code"]
    visits = [v.case_code for v in kit.list_intervision_sets(people["cursist"])[0]["visits"]]
    with pytest.raises(ValidationError, match="alle schalen: sensitiviteit, coöperatie en acceptatie"):
        kit.save_intervision_scores(people["cursist"], set_code, visits[0], {"sensitiviteit": 4, "cooperatie": 4})
    kit.save_intervision_scores(people["cursist2"], set_code, visits[0], {"sensitiviteit": 4, "cooperatie": 4, NEW: 6})
    data = kit.intervision_scores(people["cursist"], set_code, GROUP)
    assert {r.scale_code for r in data["records"]} == set(SCALES)
    page = intervision_page(kit, people["cursist"])
    page.team_choice.value = GROUP
    assert [s.scale_code for s in page.scorers] == list(SCALES)
    for scorer, point in zip(page.scorers, (5, 5, 7)):
        scorer.choose(point)
    page.save_button.click()
    assert ">Acceptatie</text>" in page.plot.value and "Acceptatie" in page.summary.value


# -- the CLI ---------------------------------------------------------------------------------------


def test_the_cli_lists_the_third_scales_consensus(kit, database_url, content_dir3, tmp_path):
    """Does ``oefenkit cases list`` (the runtime environment's command) have a consensus column for
    the new scale, headed by its short title, with the experts' consensus in it?"""
    env = {"OEFENKIT_DATABASE_URL": database_url, "OEFENKIT_CONTENT_DIR": str(content_dir3)}
    out = oefenkit_cmd(tmp_path / "data", "cases", "list", env=env).stdout
    header = out.splitlines()[0].split()
    assert header[4:7] == ["sens", "coöp", "acce"]
    code = sorted(CONSENSUS)[0]
    [row] = [line.split() for line in out.splitlines() if line.startswith(code + " ")]
    assert row[4:7] == [str(v) for v in consensus3(code).values()]
