"""The shipped sample cases: scripts, coverage of the scales, sets, loading and listing.

The scripts live in ``sample_cases/scripts/`` (format: ``sample_cases/SCRIPT_FORMAT.md``);
``oefenkit init`` loads them with their expert scores and the case sets of
``content/case_sets.yaml``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from scipy.stats import spearmanr
from sqlalchemy import select

from oefenkit import instance
from oefenkit.agreement import Ratings
from oefenkit.agreement.trainee import expert_consensus
from oefenkit.cases import case_overview
from oefenkit.certification import load_rules
from oefenkit.content import SAMPLES_DIR, load_content, load_into
from oefenkit.errors import AuthenticationError, ContentError, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.samples.script import MAX_DURATION, MIN_DURATION, MIN_EXPERTS, SETTINGS
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m

from .test_cli import Runner, dump

CONTENT = PROJECT_ROOT / "content"
SCRIPTS = SAMPLES_DIR / "scripts"
SCALES = ("sensitiviteit", "cooperatie")
ANCHORS = (1, 3, 5, 7, 9)
SET_CODES = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag"}


@pytest.fixture(scope="module")
def cases(content):
    return content.cases


def by_set(cases, kind):
    return [c for c in cases if c.set == kind]


def rule_consensus(scores: list[int]) -> int:
    """The documented rule on one case's expert scores."""
    ratings = Ratings.from_records([(f"e{i}", "case", s) for i, s in enumerate(scores)], scale_min=1, scale_max=9)
    return int(expert_consensus(ratings).scores["case"])


# -- the scripts ------------------------------------------------------------------------------


def test_every_script_validates(cases):
    """Does every YAML file in sample_cases/scripts load, with its code equal to the file name?"""
    files = sorted(SCRIPTS.glob("*.yaml"))
    assert [c.code for c in cases] == [p.stem for p in files]
    for case in cases:
        assert case.source.parent == SCRIPTS.resolve()


def test_at_least_24_cases(cases):
    """Does the kit ship at least 24 sample cases?"""
    assert len(cases) >= 24


def test_scripts_use_only_the_documented_fields():
    """Do the scripts stick to the keys of SCRIPT_FORMAT.md (the renderer reads the same files)?"""
    allowed = {"code", "title", "programme", "set", "synthetic", "duration", "scene", "events", "vignette",
               "experts", "consensus", "rationale"}
    for path in SCRIPTS.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(data) == allowed, path.name
        assert {"setting", "seed"} <= set(data["scene"]) <= {"setting", "seed", "partner"}, path.name


@pytest.mark.parametrize("scale", SCALES)
def test_coverage_of_the_scale(cases, scale):
    """Does each scale have ≥ 2 cases with consensus 1–2, ≥ 2 with 8–9, and every odd anchor covered?"""
    consensus = [c.consensus[scale] for c in cases]
    assert sum(v <= 2 for v in consensus) >= 2
    assert sum(v >= 8 for v in consensus) >= 2
    assert set(ANCHORS) <= set(consensus)


def test_at_least_three_experts_per_case_and_scale(cases):
    """Is every case scored by at least three experts (expert-a, -b, -c, optionally -d) on both scales?"""
    for case in cases:
        for scale in SCALES:
            raters = [j.rater for j in case.experts[scale]]
            assert len(raters) >= MIN_EXPERTS, (case.code, scale)
            assert {"expert-a", "expert-b", "expert-c"} <= set(raters) <= {f"expert-{x}" for x in "abcd"}
            assert all(j.rationale for j in case.experts[scale])


def test_consensus_equals_documented_rule(cases):
    """Does each script's consensus equal expert_consensus (median, half points toward the midpoint)?"""
    for case in cases:
        for scale in SCALES:
            scores = [j.score for j in case.experts[scale]]
            assert case.consensus[scale] == rule_consensus(scores), (case.code, scale, scores)


def test_the_rule_moves_half_medians_toward_the_midpoint(cases):
    """Is the half-median case of the rule exercised on both ends (2.5 → 3, 7.5 → 7)?"""
    medians = {}
    for case in cases:
        for scale in SCALES:
            scores = sorted(j.score for j in case.experts[scale])
            n = len(scores)
            median = (scores[(n - 1) // 2] + scores[n // 2]) / 2
            medians[(case.code, scale)] = (median, case.consensus[scale])
    assert (2.5, 3) in medians.values()
    assert (7.5, 7) in medians.values()


def test_expert_disagreement_is_realistic(cases):
    """Do experts disagree like real raters: mostly within one point, sometimes two, never more?"""
    spreads = [max(j.score for j in c.experts[s]) - min(j.score for j in c.experts[s]) for c in cases for s in SCALES]
    assert max(spreads) <= 2
    assert sum(s <= 1 for s in spreads) / len(spreads) >= 0.8
    assert 2 in spreads  # occasionally two points apart
    assert sum(s >= 1 for s in spreads) / len(spreads) >= 0.5  # not all unanimous


def test_durations_between_30_and_90_seconds(cases):
    """Is every clip 30–90 s long, with every event and vignette line inside it?"""
    for case in cases:
        assert MIN_DURATION <= case.duration <= MAX_DURATION
        assert all(e["t"] + e["duration"] <= case.duration for e in case.events)
        assert all(0 <= t <= case.duration for t, _ in case.vignette)


def test_settings_vary_and_bathing_is_most_common(cases):
    """Are all four settings used, with bathing (the preferred Ouder-baby recording) the most common?"""
    counts = Counter(c.setting for c in cases)
    assert set(counts) == set(SETTINGS)
    assert counts.most_common(1)[0][0] == "bathing"


def test_both_programmes_have_cases(cases):
    """Are there cases for both programmes?"""
    assert {c.programme for c in cases} == {"babytijd", "ouder-baby"}


# -- events follow from the scores -----------------------------------------------------------


def parent_kinds(case) -> list[str]:
    return [e["kind"] for e in case.events if e["actor"] == "parent"]


def answered_promptly(case, signal: dict, within: float = 1.5) -> bool:
    return any(e["actor"] == "parent" and e["kind"] == "prompt" and signal["t"] - 0.5 <= e["t"] <= signal["t"] + within
               for e in case.events)


def test_events_follow_from_sensitivity(cases):
    """Do sensitive parents answer crying promptly, and highly insensitive ones mostly not at all or late?"""
    for case in cases:
        kinds = parent_kinds(case)
        crying = [e for e in case.events if e["actor"] == "baby" and e["kind"] == "crying"]
        if case.consensus["sensitiviteit"] >= 8:
            assert kinds.count("prompt") / len(kinds) >= 0.8, case.code
            assert all(answered_promptly(case, c) for c in crying), case.code
        if case.consensus["sensitiviteit"] <= 2:
            assert kinds.count("prompt") / len(kinds) <= 0.25, case.code
            assert crying and not any(answered_promptly(case, c) for c in crying), case.code


def test_events_follow_from_cooperation(cases):
    """Do cooperative parents never interrupt or intrude, and interfering ones often?"""
    for case in cases:
        kinds = parent_kinds(case)
        interfering = sum(k in {"intrusive", "interrupting"} for k in kinds)
        if case.consensus["cooperatie"] >= 8:
            assert interfering == 0, case.code
        if case.consensus["cooperatie"] <= 2:
            assert interfering >= 2, case.code


def test_scripts_order_the_cases_like_the_scores(cases):
    """Across all cases, does the share of prompt responses rise with sensitivity, and interference fall with cooperation?"""
    prompt_share = [parent_kinds(c).count("prompt") / len(parent_kinds(c)) for c in cases]
    interfering = [sum(k in {"intrusive", "interrupting", "mistimed"} for k in parent_kinds(c)) for c in cases]
    assert spearmanr(prompt_share, [c.consensus["sensitiviteit"] for c in cases]).statistic > 0.8
    assert spearmanr(interfering, [c.consensus["cooperatie"] for c in cases]).statistic < -0.8


# -- texts --------------------------------------------------------------------------------------

_DUTCH = re.compile(r"\b(de|het|een|en|van|op|te|niet|is|ze|hij|zij|naar|met|wordt|zijn|wat|geen|bij|maar|ook|nog|er)\b",
                    re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\b(the|and|with|while|when|this|that|todo|tbd|fixme|lorem|ipsum|placeholder)\b|\.\.\.|…",
                          re.IGNORECASE)


def case_texts(case) -> list[str]:
    texts = [case.title] + [t for _, t in case.vignette]
    texts += [case.rationale[s] for s in SCALES]
    texts += [j.rationale for s in SCALES for j in case.experts[s]]
    return texts


def test_texts_are_dutch_without_placeholders(cases):
    """Are the vignette and all rationales Dutch, with no English or placeholder text left?"""
    for case in cases:
        assert len(case.vignette) >= 3, case.code
        assert all(len(text) >= 20 for text in case_texts(case)[1:]), case.code
        for part in (" ".join(t for _, t in case.vignette), " ".join(case_texts(case)[len(case.vignette) + 1:])):
            assert len(_DUTCH.findall(part)) >= 10, (case.code, part)
        for text in case_texts(case) + [e["say"] for e in case.events if "say" in e]:
            assert not _PLACEHOLDER.search(text), (case.code, text)


def test_consensus_rationale_refers_to_the_anchors(cases):
    """Does every consensus rationale explain the score with the anchor or the points between anchors?"""
    for case in cases:
        for scale in SCALES:
            text = case.rationale[scale].lower()
            assert "anker" in text or "tussen" in text, (case.code, scale)
            assert len(text) >= 150, (case.code, scale)


# -- sets -----------------------------------------------------------------------------------------


def test_each_case_is_in_exactly_one_set_and_practice_and_exam_are_disjoint(content, cases):
    """Is every case in one set, with practice and exam sets apart, and each set used?"""
    kinds = Counter(c.set for c in cases)
    assert set(kinds) == {"practice", "exam", "session"}
    assert not {c.code for c in by_set(cases, "practice")} & {c.code for c in by_set(cases, "exam")}
    assert {k: s.code for k, s in content.case_sets.items()} == SET_CODES


def test_exam_set_is_big_enough_for_certification(cases):
    """Does the exam set hold at least 8 cases and at least each certification rule's minimum?"""
    exam = by_set(cases, "exam")
    assert len(exam) >= 8
    assert all(len(exam) >= rule.min_clips for rule in load_rules(CONTENT).values())


@pytest.mark.parametrize("scale", SCALES)
def test_exam_contains_extremes_at_both_ends(cases, scale):
    """Does the exam hold at least two cases with consensus 1–2 and two with 8–9 on each scale?"""
    consensus = [c.consensus[scale] for c in by_set(cases, "exam")]
    assert sum(v <= 2 for v in consensus) >= 2
    assert sum(v >= 8 for v in consensus) >= 2
    assert len(set(consensus)) >= 5  # spread over the scale, so ICC has something to measure


def test_worked_example_pair_for_intervision(cases):
    """Is there a first-visit / last-visit pair of one family with sensitivity 3 → 7 (the source's example)?"""
    family = {c.code: c for c in cases if c.title.startswith("Gezin M")}
    first, last = family["obi-gezin-m-eerste"], family["obi-gezin-m-laatste"]
    assert (first.consensus["sensitiviteit"], last.consensus["sensitiviteit"]) == (3, 7)
    assert first.setting == last.setting == "bathing"
    assert first.seed == last.seed  # the same family is drawn the same way
    assert first.set == last.set == "session"


# -- loading into the database -------------------------------------------------------------------


@pytest.fixture
def loaded(kit, content):
    """The façade with the repository's content and the sample cases loaded."""
    load_into(kit, content)
    return kit


def test_load_creates_cases_experts_scores_and_sets(loaded, cases, content):
    """Are cases, expert accounts (no password), expert scores and the three sets stored, plus the
    intervision set for the cases it follows over the visits?"""
    stored = {c.code: c for c in loaded.list_cases(SYSTEM, with_expert_scores=True)}
    assert set(stored) == {c.code for c in cases}
    for case in cases:
        info = stored[case.code]
        assert info.synthetic and info.title == case.title and info.programme_code == case.programme
        assert info.clip_path == str(SAMPLES_DIR.resolve() / "clips" / f"{case.code}.mp4")
        assert Path(info.clip_path).is_absolute()
        intervision = tuple(spec.code for spec in content.intervision_sets if case.code in spec.cases)
        assert info.set_codes == (SET_CODES[case.set], *intervision)
        assert info.details["events"] == [dict(e) for e in case.events]
        assert info.details["duration"] == case.duration and info.details["setting"] == case.setting
        assert info.details["rationale"] == dict(case.rationale)
        assert info.vignette.splitlines()[0].startswith("[0:00] ")
        got = {(e.scale_code, e.expert_username): (e.score, e.rationale) for e in info.expert_scores}
        assert got == {(s, j.rater): (j.score, j.rationale) for s in SCALES for j in case.experts[s]}
        assert {e.case_code for e in info.expert_scores} == {case.code}  # each score names its own case
    people = {p["username"]: p for p in loaded.list_people(SYSTEM)}
    assert people["expert-a"]["display_name"] == "Expert A" and people["expert-a"]["role"] == "trainer"
    with pytest.raises(AuthenticationError):
        loaded.authenticate("expert-a", "")


def test_load_twice_changes_nothing(loaded, content):
    """Does a second load report no change?"""
    assert load_into(loaded, content) == 0


def test_cursist_sees_cases_without_master_information(loaded, people):
    """Does a cursist see the cases, but neither the consensus explanation nor the expert scores?"""
    cursist = people["cursist"]
    listed = loaded.list_cases(cursist)
    assert len(listed) >= 24
    assert all("rationale" not in c.details and not c.expert_scores for c in listed)
    with pytest.raises(PermissionDenied):
        loaded.list_cases(cursist, with_expert_scores=True)
    with pytest.raises(PermissionDenied):
        case_overview(loaded.list_cases(cursist, with_expert_scores=True), loaded.list_scales())


def test_trainee_matching_the_consensus_passes_the_exam_and_one_avoiding_extremes_fails(loaded, people, cases):
    """Does the toets set support the certification rule: consensus scores pass, never using 1–2 or 8–9 fails?"""
    exam = by_set(cases, "exam")
    for case in exam:
        loaded.add_ratings(people["cursist"], case.code, dict(case.consensus), mode="exam")
        timid = {s: min(max(v, 3), 7) for s, v in case.consensus.items()}
        loaded.add_ratings(people["cursist2"], case.code, timid, mode="exam")
    rules = load_rules(CONTENT)
    _, good = loaded.propose_certification(people["trainer"], "cursist1", "ouder-baby", "toets", rules=rules, supervised_cases=2)
    _, timid = loaded.propose_certification(people["trainer"], "cursist2", "ouder-baby", "toets", rules=rules, supervised_cases=2)
    assert good.passed, good.reasons
    assert not timid.passed
    assert any("uiterste" in r or "extre" in r for r in timid.reasons), timid.reasons


# -- façade verbs ----------------------------------------------------------------------------------


def test_update_or_create_case_reports_changes(kit, people):
    """Does update_or_create_case create, change one field, and then report no change?"""
    trainer = people["trainer"]
    assert kit.update_or_create_case(trainer, "casus-x", "Titel", details={"duration": 40}, synthetic=True)
    assert not kit.update_or_create_case(trainer, "casus-x", "Titel", details={"duration": 40}, synthetic=True)
    assert kit.update_or_create_case(trainer, "casus-x", "Nieuwe titel", details={"duration": 40}, synthetic=True)
    [info] = kit.list_cases(trainer)
    assert info.title == "Nieuwe titel" and info.details == {"duration": 40}
    with pytest.raises(PermissionDenied):
        kit.update_or_create_case(people["cursist"], "casus-y", "Niet toegestaan")


def test_loaded_case_and_set_texts_up_to_their_limits(kit, people):
    """Are a case code of 64 characters, a title of 200, a clip path of 500 and a set name of 200
    accepted, and one character more (or a blank title or name) refused in Dutch with nothing stored?"""
    trainer = people["trainer"]
    code, title, clip = "c" * 64, "T" * 200, "/clips/" + "p" * 489 + ".mp4"
    assert len(clip) == 500
    assert kit.update_or_create_case(trainer, code, title, clip_path=clip)
    assert kit.update_or_create_case_set(trainer, "set-x", "N" * 200, "practice", [code])
    for kwargs, message in [
        (dict(code="c" * 65, title="Titel"), "casuscode heeft 1 tot 64 tekens"),
        (dict(code="", title="Titel"), "casuscode heeft 1 tot 64 tekens"),
        (dict(code="casus-y", title="T" * 201), "casustitel heeft 1 tot 200 tekens"),
        (dict(code="casus-y", title="   "), "casustitel heeft 1 tot 200 tekens"),
        (dict(code="casus-y", title="Titel", clip_path=clip + "x"), "langer dan 500 tekens"),
    ]:
        with pytest.raises(ValidationError, match=message):
            kit.update_or_create_case(trainer, **kwargs)
    for name in ("N" * 201, "  "):
        with pytest.raises(ValidationError, match="setnaam heeft 1 tot 200 tekens"):
            kit.update_or_create_case_set(trainer, "set-y", name, "practice", [code])
    assert [(c.code, c.title, c.clip_path, c.set_codes) for c in kit.list_cases(trainer)] == \
        [(code, title, clip, ("set-x",))]
    with kit.transaction() as s:  # not said: not synthetic (a real clip must be anonymised first)
        assert s.scalar(select(m.Case.synthetic).where(m.Case.code == code)) is False
    # an expert's display name: 200 characters, not 201 and not blank
    assert kit.update_or_create_expert(SYSTEM, "expert-lang", "E" * 200)
    for name in ("E" * 201, "   "):
        with pytest.raises(ValidationError, match="naam heeft 1 tot 200 tekens"):
            kit.update_or_create_expert(SYSTEM, "expert-fout", name)
    with kit.transaction() as s:
        assert s.scalar(select(m.Person.id).where(m.Person.username == "expert-fout")) is None


def test_update_or_create_expert_score_updates_in_place(kit, people):
    """Does a changed master score replace the old one instead of adding a second?"""
    trainer = people["trainer"]
    kit.update_or_create_case(trainer, "casus-x", "Titel")
    assert kit.update_or_create_expert(SYSTEM, "expert-z", "Expert Z")
    assert not kit.update_or_create_expert(SYSTEM, "expert-z", "Andere naam")  # existing accounts untouched
    assert kit.update_or_create_expert_score(trainer, "casus-x", "sensitiviteit", 4, "eerst", expert_username="expert-z")
    assert not kit.update_or_create_expert_score(trainer, "casus-x", "sensitiviteit", 4, "eerst",
                                                 expert_username="expert-z")
    assert kit.update_or_create_expert_score(trainer, "casus-x", "sensitiviteit", 5, "later",
                                             expert_username="expert-z")
    [score] = kit.list_expert_scores(trainer, "casus-x")
    assert (score.score, score.rationale) == (5, "later")
    with pytest.raises(PermissionDenied):
        kit.update_or_create_expert_score(people["cursist"], "casus-x", "sensitiviteit", 5,
                                          expert_username="expert-z")


def test_update_or_create_case_set_reorders_and_drops(kit, people):
    """Does a case set follow the content: new order, dropped and added cases, no change the second time?"""
    trainer = people["trainer"]
    for code in ("a1", "a2", "a3"):
        kit.update_or_create_case(trainer, code, f"Casus {code}")
    assert kit.update_or_create_case_set(trainer, "set-x", "Set", "practice", ["a1", "a2"])
    assert not kit.update_or_create_case_set(trainer, "set-x", "Set", "practice", ["a1", "a2"])
    assert kit.update_or_create_case_set(trainer, "set-x", "Set", "practice", ["a3", "a1"])
    assert not kit.update_or_create_case_set(trainer, "set-x", "Set", "practice", ["a3", "a1"])
    sets = {c.code: c.set_codes for c in kit.list_cases(trainer)}
    assert sets == {"a1": ("set-x",), "a2": (), "a3": ("set-x",)}
    with kit.transaction() as s:
        items = s.execute(select(m.CaseSetItem.position, m.Case.code).join(m.Case).order_by(m.CaseSetItem.position))
        assert [code for _, code in items] == ["a3", "a1"]
        # a set loaded without ``public`` keeps its expert scores private (only shipped sets are public)
        assert s.scalar(select(m.CaseSet.public).where(m.CaseSet.code == "set-x")) is False


# -- content errors --------------------------------------------------------------------------------


@pytest.fixture
def samples_copy(tmp_path) -> Path:
    """A writable copy of the sample case scripts (no clips)."""
    target = tmp_path / "samples"
    shutil.copytree(SCRIPTS, target / "scripts")
    return target


def edit(samples: Path, code: str, change) -> None:
    path = samples / "scripts" / f"{code}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def refused(samples: Path, *fragments: str) -> str:
    with pytest.raises(ContentError) as info:
        load_content(CONTENT, samples_dir=samples)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_wrong_consensus_is_refused(samples_copy):
    """Is a consensus that differs from the rule refused, naming the file, the field and the rule's value?"""
    edit(samples_copy, "obi-bad-01", lambda d: d["consensus"].update(sensitiviteit=6))
    refused(samples_copy, "obi-bad-01.yaml", "'consensus'", "sensitiviteit", "geeft 7")


def test_too_few_experts_is_refused(samples_copy):
    """Is a case with two experts on a scale refused?"""
    edit(samples_copy, "obi-bad-01", lambda d: d["experts"]["cooperatie"].pop())
    refused(samples_copy, "obi-bad-01.yaml", "cooperatie", "minstens 3")


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (lambda d: d.update(duration=95), ("'duration'", "30 en 90")),
        (lambda d: d.update(set="toets"), ("'set'", "practice, exam, session")),
        (lambda d: d.update(code="iets-anders"), ("'code'", "bestandsnaam")),
        (lambda d: d.update(synthetic=False), ("'synthetic'",)),
        (lambda d: d.update(programme="onbekend"), ("'programme'",)),
        (lambda d: d["scene"].update(setting="keuken"), ("'setting'", "bathing")),
        (lambda d: d["events"][0].update(kind="jumping"), ("event 1", "'kind'")),
        (lambda d: d["events"][0].update(action="dance"), ("event 1", "'action'")),
        (lambda d: d["events"][-1].update(duration=60.0), ("'duration'", "binnen")),
        (lambda d: d["events"].reverse(), ("volgorde",)),
        (lambda d: d["vignette"][1].update(text=""), ("vignetteregel 2", "'text'")),
        (lambda d: d["rationale"].pop("cooperatie"), ("'rationale'", "cooperatie")),
        (lambda d: d["experts"]["sensitiviteit"][0].update(score=10), ("'score'", "1 tot 9")),
        (lambda d: d["experts"]["sensitiviteit"][0].update(rater="Anna"), ("'rater'",)),
        (lambda d: d.update(opmerking="x"), ("onbekend veld", "opmerking")),
    ],
)
def test_broken_script_is_refused(samples_copy, change, fragments):
    """Is a script with a wrong or missing field refused with a Dutch message naming the file and the field?"""
    edit(samples_copy, "obi-bad-01", change)
    refused(samples_copy, "obi-bad-01.yaml", *fragments)


def test_what_the_renderer_allows_loads(samples_copy):
    """Does init accept what the renderer draws: a baby that says something, and overlapping events of one figure?"""
    def change(d):
        d["events"].insert(1, {"t": 1.5, "actor": "parent", "kind": "prompt", "action": "soothe", "duration": 2.0})
        d["events"].append({"t": 46.0, "actor": "baby", "kind": "babbling", "duration": 2.0, "say": "Ba-ba"})

    edit(samples_copy, "obi-bad-01", change)
    case = {c.code: c for c in load_content(CONTENT, samples_dir=samples_copy).cases}["obi-bad-01"]
    assert case.events[1] == {"t": 1.5, "actor": "parent", "kind": "prompt", "action": "soothe", "duration": 2.0}
    assert case.events[-1]["say"] == "Ba-ba"


def test_broken_case_sets_file_is_refused(samples_copy, tmp_path):
    """Is a case_sets.yaml without the exam set refused, naming the file?"""
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    path = content / "case_sets.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["sets"]["exam"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="case_sets.yaml"):
        load_content(content, samples_dir=samples_copy)


# -- the command line --------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path, capsys, monkeypatch, fast_password_hashing):
    """``oefenkit`` in-process on a fresh data dir, without OEFENKIT_* variables from outside."""
    for key in list(os.environ):
        if key.startswith("OEFENKIT_"):
            monkeypatch.delenv(key)
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    code, _, err = run("init")
    assert code == 0, err
    return run


def test_cases_list_json(cli, cases):
    """Does `oefenkit cases list --json` show every case with id, title, set, clip, duration and expert scores?"""
    code, out, err = cli("cases", "list", "--json")
    assert code == 0, err
    listed = json.loads(out)
    assert len(listed) >= 24
    scripts = {c.code: c for c in cases}
    for item in listed:
        assert {"id", "title", "set", "clip", "duration", "scales"} <= set(item)
        case = scripts[item["id"]]
        assert item["set"] == SET_CODES[case.set] and item["duration"] == case.duration
        assert Path(item["clip"]).is_absolute() and item["clip"].endswith(f"sample_cases/clips/{case.code}.mp4")
        assert set(item["scales"]) == set(SCALES)
        for scale in SCALES:
            entry = item["scales"][scale]
            assert entry["consensus"] == case.consensus[scale]
            assert len(entry["experts"]) >= 3
            assert {"rater", "score"} <= set(entry["experts"][0])


def test_cases_list_table_warns_about_missing_clips(tmp_path, capsys, monkeypatch, fast_password_hashing, samples_copy):
    """Does the Dutch table list every case and warn on stderr about clips that are not rendered yet?"""
    monkeypatch.setattr(instance, "SAMPLES_DIR", samples_copy)
    (samples_copy / "clips").mkdir()
    (samples_copy / "clips" / "obi-bad-01.mp4").write_bytes(b"\x00")
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    assert run("init")[0] == 0
    code, out, err = run("cases", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["casus", "set", "situatie", "duur"]
    assert len(lines) - 1 == len(list((samples_copy / "scripts").glob("*.yaml")))
    row = next(line for line in lines if line.startswith("obi-gezin-m-eerste "))
    assert row.split()[1:6] == ["terugkomdag", "badje", "70s", "3", "4"]
    assert "nog niet gemaakt" in err and "oefenkit samples render" in err
    missing = len(lines) - 2
    assert f"van {missing} van de {len(lines) - 1} casussen" in err
    code, out, _ = run("cases", "list", "--json")
    clips = {c["id"]: c["clip_available"] for c in json.loads(out)}
    assert clips["obi-bad-01"] and not clips["obi-bad-02"]


def test_init_twice_changes_nothing_with_cases(cli):
    """With the sample cases loaded, does a second init leave every table row exactly as it was?"""
    kit = cli.kit()
    before = dump(kit)
    assert len(before["case_item"]) >= 24 and len(before["expert_score"]) >= 24 * 6 and len(before["case_set"]) == 4  # 3 kinds + intervision
    code, out, err = cli("init")
    assert code == 0, err
    assert out.startswith("Niets te doen")
    assert dump(kit) == before
    kit.engine.dispose()


def test_edited_script_changes_exactly_that_case(tmp_path, capsys, monkeypatch, fast_password_hashing, samples_copy):
    """After a trainer edits one expert's score and rationale, does init update just that case and score?"""
    monkeypatch.setattr(instance, "SAMPLES_DIR", samples_copy)
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    assert run("init")[0] == 0

    def change(d):
        d["experts"]["sensitiviteit"][2].update(score=7, rationale="Na herbeoordeling toch 7.")
        d["rationale"]["sensitiviteit"] = d["rationale"]["sensitiviteit"] + " Herzien na de terugkomdag."

    edit(samples_copy, "obi-bad-01", change)
    code, out, err = run("init")
    assert code == 0, err
    assert "Inhoud geladen: 2 wijziging(en)." in out  # the case's details and one expert score
    kit = run.kit()
    scores = {(e.scale_code, e.expert_username): e for e in kit.list_expert_scores(SYSTEM, "obi-bad-01")}
    assert scores[("sensitiviteit", "expert-c")].score == 7
    kit.engine.dispose()


def test_cases_list_before_init(tmp_path, capsys, monkeypatch):
    """Does `cases list` on a database that was never initialised say so in Dutch (exit 3), without a traceback?"""
    for key in list(os.environ):
        if key.startswith("OEFENKIT_"):
            monkeypatch.delenv(key)
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    code, out, err = run("cases", "list")
    assert code == 3
    assert "oefenkit init" in err and "Traceback" not in err


@pytest.mark.parametrize("role", ["cursist", "trainer"])
def test_only_the_allowed_roles_load_sets_and_experts(kit, people, role):
    """Who may load what (docs/: trainers manage cases and sets, only a coördinator manages people):
    is a cursist refused a new or loaded case set, and are a cursist and a trainer refused an expert
    account, with nothing stored?"""
    actor = people[role]
    kit.update_or_create_case(people["trainer"], "casus-x", "Titel")
    if role == "cursist":
        with pytest.raises(PermissionDenied):
            kit.add_case_set(actor, "set-x", "Set", "practice", ["casus-x"])
        with pytest.raises(PermissionDenied):
            kit.update_or_create_case_set(actor, "set-y", "Set", "practice", ["casus-x"])
        assert [c.set_codes for c in kit.list_cases(people["trainer"])] == [()]
    with pytest.raises(PermissionDenied):
        kit.update_or_create_expert(actor, "expert-z", "Expert Z")
    assert "expert-z" not in {p["username"] for p in kit.list_people(SYSTEM)}
    assert kit.update_or_create_expert(people["coordinator"], "expert-z", "Expert Z")
