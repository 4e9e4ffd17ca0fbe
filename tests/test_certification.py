"""Certification: the rule files, the decision they lead to, validity, and the
stored proposal.

The hand-made exams below are small on purpose: every expected number can be
checked by hand, and the agreement statistics are also recomputed
independently (pingouin for ICC(A,1), plain arithmetic for the rest) rather
than copied from the code under test. Tests that use ``kit`` or ``people`` run
on SQLite and on PostgreSQL (see ``conftest.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin
import pytest
import yaml
from sqlalchemy import func, select

from oefenkit.certification import (
    CertificationRule,
    Decision,
    decide,
    load_rule,
    load_rules,
    renewed_until,
    valid_until,
)
from oefenkit.content import load_content
from oefenkit.errors import ContentError, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m

CONTENT = PROJECT_ROOT / "content"
RULES_DIR = CONTENT / "certification"
SCALES = ("sensitiviteit", "cooperatie")
PASSED = "Geslaagd voor de scoringstoets."
NOT_PASSED = "Nog niet geslaagd voor de scoringstoets."


@pytest.fixture(scope="module")
def scoring_rule() -> CertificationRule:
    """The shipped scoring rule without its supervised-case count: the statistics alone (Babytijd's
    Ainsworth rule, which these tests used, is gone with issue 17)."""
    import dataclasses

    return dataclasses.replace(load_rule(RULES_DIR / "ouder-baby.yaml"), required_supervised_cases=0)


@pytest.fixture(scope="module")
def ouder_baby() -> CertificationRule:
    return load_rule(RULES_DIR / "ouder-baby.yaml")


def clips(values) -> dict[str, float]:
    """Scores as {clip code → score}, clips numbered c01, c02, ... in order."""
    return {f"c{i:02d}": v for i, v in enumerate(values, 1)}


def both_scales(values) -> dict[str, dict[str, float]]:
    """The same scores on both scales."""
    return {scale: clips(values) for scale in SCALES}


def about(decision: Decision, scale: str) -> list[str]:
    """The reasons about ``scale``."""
    return [r for r in decision.reasons if r.startswith(f"{scale}:")]


def pingouin_icc_a1(data: pd.DataFrame, **columns: str) -> float:
    """ICC(A,1) (two-way random, absolute agreement, single rater) from pingouin."""
    with warnings.catch_warnings():
        # pingouin's own pandas deprecations, and its F-test dividing by zero on a perfect
        # offset (the ICC itself is still defined there).
        warnings.simplefilter("ignore")
        table = pingouin.intraclass_corr(data, **columns).set_index("Type")
    return float(table.loc["ICC(A,1)", "ICC"])


def independent_stats(trainee: dict[str, float], consensus: dict[str, float]) -> dict[str, float]:
    """ICC(A,1) via pingouin plus within-one, bias and MAD by hand, over the common clips."""
    common = sorted(set(trainee) & set(consensus))
    t = np.array([trainee[k] for k in common], dtype=float)
    c = np.array([consensus[k] for k in common], dtype=float)
    long = pd.DataFrame({
        "clip": common * 2,
        "rater": ["cursist"] * len(common) + ["consensus"] * len(common),
        "score": np.concatenate([t, c]),
    })
    icc_a1 = pingouin_icc_a1(long, targets="clip", raters="rater", ratings="score")
    within = sum(abs(a - b) <= 1 for a, b in zip(t, c)) / len(common)
    return {"icc_a1": icc_a1, "within_one": within, "bias": float(np.mean(t - c)),
            "mad": float(np.mean(np.abs(t - c))), "n": len(common)}


# A trainee close to the consensus over the whole range: 1 and 9 used, one
# point off on two clips (c02 and c06), everything else exact.
PASS_CONSENSUS = [1, 2, 3, 4, 5, 5, 6, 7, 8, 9]
PASS_TRAINEE = [1, 3, 3, 4, 5, 6, 6, 7, 8, 9]

# Consensus over 1-9; the trainee squeezes it into 3-7 (clip to [3, 7]).
COMPRESSED_CONSENSUS = [1, 2, 2, 3, 4, 5, 5, 6, 7, 8, 8, 9]
COMPRESSED_TRAINEE = [min(max(v, 3), 7) for v in COMPRESSED_CONSENSUS]


# -- decide(): the scoring rule on hand-made exams ---------------------------------------------------


def test_close_trainee_passes_with_the_numbers_behind_it(scoring_rule):
    """Does a trainee close to the consensus across the range, extremes included, pass — and are
    the stored statistics the ones an independent computation gives?"""
    trainee, consensus = both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)
    decision = decide(scoring_rule, trainee, consensus)
    assert decision.passed is True
    assert decision.reasons[0] == PASSED
    assert not any("lager dan" in r or "minder dan" in r or "te hoog" in r or "te laag" in r
                   for r in decision.reasons), decision.reasons
    assert decision.programme == "ouder-baby"
    assert decision.rule == scoring_rule.as_dict()
    expected = independent_stats(clips(PASS_TRAINEE), clips(PASS_CONSENSUS))
    assert expected["within_one"] == 1.0 and expected["bias"] == pytest.approx(0.2)
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["n_clips"] == expected["n"] == 10
        assert s["icc_a1"] == pytest.approx(expected["icc_a1"], abs=1e-9)
        assert s["within_one"] == pytest.approx(expected["within_one"])
        assert s["bias"] == pytest.approx(expected["bias"])
        assert s["mad"] == pytest.approx(expected["mad"])
        # Low band 1-2: consensus c01 (1) and c02 (2); the trainee gave 1 and 3 → 1 of 2.
        assert s["low_extremes"] == {"band": [1.0, 2.0], "consensus_items": 2, "recognised": 1}
        # High band 8-9: c09 (8) and c10 (9), both matched → 2 of 2.
        assert s["high_extremes"] == {"band": [8.0, 9.0], "consensus_items": 2, "recognised": 2}
        assert s["extremes_recognised"] == pytest.approx(3 / 4)
        assert s["used_scale_min"] is True and s["used_scale_max"] is True
    # The statistics are plain JSON, as they are stored with the decision.
    assert json.loads(json.dumps(decision.statistics)) == decision.statistics


def test_systematic_offset_fails_and_every_failed_threshold_is_listed(scoring_rule):
    """Does a trainee two points too high (sensitiviteit) and two too low (coöperatie) fail with a
    reason for EVERY threshold missed — ICC, within one, bias with its direction, extremes —
    on both scales, not only the first?"""
    sens_c = [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    coop_c = [4, 5, 5, 6, 6, 7, 7, 8, 8, 9]
    trainee = {"sensitiviteit": clips([v + 2 for v in sens_c]), "cooperatie": clips([v - 2 for v in coop_c])}
    consensus = {"sensitiviteit": clips(sens_c), "cooperatie": clips(coop_c)}
    decision = decide(scoring_rule, trainee, consensus)
    assert decision.passed is False
    assert decision.reasons[0] == NOT_PASSED
    for scale, direction in (("sensitiviteit", "te hoog"), ("cooperatie", "te laag")):
        expected = independent_stats(trainee[scale], consensus[scale])
        assert expected["icc_a1"] < scoring_rule.scales[scale].icc_a1_min  # the data really misses every threshold
        assert expected["within_one"] == 0 and abs(expected["bias"]) == 2
        reasons = about(decision, scale)
        assert len(reasons) == 4, reasons
        assert f"ICC(A,1) is {expected['icc_a1']:.2f}".replace(".", ",") in reasons[0]
        assert "lager dan de drempel 0,70" in reasons[0]
        assert "0 % binnen één punt" in reasons[1] and "minder dan 80 %" in reasons[1]
        assert f"gemiddeld 2,00 punten {direction}" in reasons[2]
        assert "extreme consensusscore" in reasons[3] and "er 0 ook zo gescoord" in reasons[3]
    assert "te laag" not in " ".join(about(decision, "sensitiviteit"))
    assert "te hoog" not in " ".join(about(decision, "cooperatie"))


def test_bias_of_exactly_one_point_is_allowed(scoring_rule):
    """Is a mean difference of exactly 1 point (the maximum) accepted as not biased?"""
    consensus = [1, 2, 3, 4, 5, 5, 6, 7, 8, 8]
    trainee = [v + 1 for v in consensus]
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    assert decision.statistics["scales"]["sensitiviteit"]["bias"] == pytest.approx(1.0)
    assert not any("te hoog" in r for r in decision.reasons), decision.reasons


def test_seven_clips_are_too_few(scoring_rule):
    """Does a scale with only seven clips scored by both trainee and consensus fail with
    "minimaal 8" — even when the trainee scored an eighth clip the experts did not — while the
    other scale is still judged on its own?"""
    consensus = both_scales(PASS_CONSENSUS)
    consensus["sensitiviteit"] = clips(PASS_CONSENSUS[:7])
    trainee = both_scales(PASS_TRAINEE)
    trainee["sensitiviteit"] = clips(PASS_TRAINEE[:8])  # c08 has no consensus: does not count
    decision = decide(scoring_rule, trainee, consensus)
    assert decision.passed is False
    assert about(decision, "sensitiviteit") == [
        "sensitiviteit: 7 toetsfragmenten gescoord, minimaal 8 nodig."]
    assert decision.statistics["scales"]["sensitiviteit"] == {"n_clips": 7}
    # Coöperatie had ten good clips: judged, and nothing failed there.
    coop = about(decision, "cooperatie")
    assert coop and not any("lager dan" in r or "minder dan" in r or "extreme" in r for r in coop), coop
    assert decision.statistics["scales"]["cooperatie"]["n_clips"] == 10


def test_exactly_eight_clips_are_enough(scoring_rule):
    """Is the minimum inclusive: do eight good clips pass?"""
    consensus = [1, 2, 3, 5, 5, 7, 8, 9]
    trainee = [1, 2, 4, 5, 6, 7, 8, 9]
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    assert decision.passed is True, decision.reasons


def test_trainee_who_never_uses_the_extremes_fails(scoring_rule):
    """Does a trainee who squeezes every clip into 3–7 fail on the extremes, although within-one
    (the CLASS pitfall) and ICC would let them through?"""
    expected = independent_stats(clips(COMPRESSED_TRAINEE), clips(COMPRESSED_CONSENSUS))
    # The trap is real: within one and ICC are above their thresholds, bias is nil.
    assert expected["within_one"] >= 0.8
    assert expected["icc_a1"] >= 0.70
    assert expected["bias"] == 0
    assert min(COMPRESSED_TRAINEE) == 3 and max(COMPRESSED_TRAINEE) == 7
    decision = decide(scoring_rule, both_scales(COMPRESSED_TRAINEE), both_scales(COMPRESSED_CONSENSUS))
    assert decision.passed is False
    assert decision.reasons[0] == NOT_PASSED
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["within_one"] == pytest.approx(expected["within_one"])
        assert s["extremes_recognised"] == 0
        failed = [r for r in about(decision, scale) if "minder dan" in r or "lager dan" in r
                  or "te hoog" in r or "te laag" in r or "minimaal" in r]
        assert len(failed) == 2, failed  # only the extremes, one reason per end of the scale
        low, high = failed
        assert "van de 3 fragmenten met een lage extreme consensusscore (1–2)" in low
        assert "van de 3 fragmenten met een hoge extreme consensusscore (8–9)" in high
        for reason in failed:
            assert "er 0 ook zo gescoord" in reason
            assert "De uiterste scores 1 en 9 zijn nergens gebruikt." in reason


def test_extremes_missed_on_one_side_only_do_not_mention_unused_extremes(scoring_rule):
    """When the trainee does use 1 somewhere but misses most extreme clips, does the reason leave
    out the claim that the extremes were never used?"""
    consensus = [1, 2, 2, 2, 5, 5, 5, 6, 6, 8]
    trainee = [1, 3, 3, 3, 5, 5, 5, 6, 6, 7]  # low: 1 of 4 recognised; high: 0 of 1
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    assert decision.passed is False
    extremes = [r for r in about(decision, "sensitiviteit") if "extreme" in r]
    assert len(extremes) == 2
    assert "van de 4 fragmenten met een lage" in extremes[0] and "er 1 ook zo gescoord" in extremes[0]
    assert "van de 1 fragmenten met een hoge" in extremes[1] and "er 0 ook zo gescoord" in extremes[1]
    assert not any("nergens gebruikt" in r for r in extremes)


def test_recognising_only_the_low_extremes_is_not_enough(scoring_rule):
    """Does a trainee who gets every low extreme right but never scores high fail, even when the low
    extremes outnumber the high ones (each end of the scale is checked on its own)?"""
    consensus = [1, 1, 2, 2, 2, 4, 5, 6, 6, 8]
    trainee = [1, 1, 2, 2, 2, 4, 5, 6, 6, 7]  # 5 of 6 extremes overall, but 0 of 1 high
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    s = decision.statistics["scales"]["sensitiviteit"]
    assert s["extremes_recognised"] == pytest.approx(5 / 6)  # the pooled share would have passed
    assert s["within_one"] == 1.0 and s["icc_a1"] >= 0.7
    assert decision.passed is False
    extremes = [r for r in about(decision, "sensitiviteit") if "extreme" in r]
    assert len(extremes) == 1 and "hoge extreme consensusscore (8–9)" in extremes[0]


def test_exam_without_extreme_clips_cannot_certify(scoring_rule):
    """Does an exam whose consensus never reaches 1–2 or 8–9 fail, because recognising the
    extremes cannot be judged — even for a trainee who matches every clip?"""
    consensus = [3, 4, 5, 6, 7, 3, 4, 5, 6, 7]
    decision = decide(scoring_rule, both_scales(consensus), both_scales(consensus))
    assert decision.passed is False
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["within_one"] == 1.0 and s["icc_a1"] == pytest.approx(1.0)
        assert s["extremes_recognised"] is None
        reasons = [r for r in about(decision, scale) if "extreme" in r]
        assert len(reasons) == 1
        assert "geen fragment met een extreme consensusscore" in reasons[0]
        assert "niet te beoordelen" in reasons[0]


def test_no_spread_at_all_fails_on_icc(scoring_rule):
    """When trainee and consensus both give every clip a 5, is the undefined ICC a failed
    threshold with a reason (not a crash, not a pass)?"""
    decision = decide(scoring_rule, both_scales([5] * 10), both_scales([5] * 10))
    assert decision.passed is False
    assert decision.statistics["scales"]["sensitiviteit"]["icc_a1"] is None
    assert any("ICC(A,1) is niet te berekenen" in r for r in about(decision, "sensitiviteit"))


# -- decide(): each threshold on, just under and just over its value (issue 21) --------------------
#
# The data sets were found by an exact-fraction search for ICC(A,1) (not with the code under
# test); pingouin recomputes every ICC here. Each set fails or passes on ONE threshold only, so a
# boundary moved by one comparison (``<`` ↔ ``<=``) changes the outcome.

FAILED_MARKERS = ("lager dan", "minder dan", "te hoog", "te laag", "minimaal", "niet te berekenen",
                  "niet te beoordelen")


def failed(decision: Decision, scale: str) -> list[str]:
    """The reasons about ``scale`` that report a threshold missed."""
    return [r for r in about(decision, scale) if any(m in r for m in FAILED_MARKERS)]


#: ICC(A,1) exactly 7/10 and exactly 8 of 10 clips within one point: both thresholds hit exactly.
ON_TRAINEE = [7, 8, 8, 4, 6, 2, 9, 3, 5, 9]
ON_CONSENSUS = [7, 8, 8, 5, 6, 2, 5, 4, 9, 9]
#: ICC(A,1) = 0.6953 (just under 0.70); 8 of 10 within one, bias and extremes fine.
ICC_UNDER = ([3, 8, 2, 7, 3, 8, 2, 1, 6, 5], [4, 8, 3, 6, 3, 7, 2, 5, 7, 1])
#: ICC(A,1) = 0.7018 (just over 0.70); 8 of 10 within one, bias and extremes fine.
ICC_OVER = ([8, 1, 6, 2, 9, 7, 3, 2, 8, 8], [8, 1, 5, 7, 9, 2, 4, 1, 7, 8])


def test_icc_and_within_one_exactly_at_their_thresholds_pass(scoring_rule):
    """Is each threshold inclusive: ICC(A,1) of exactly 0,70 and exactly 80 % of the clips within one
    point (8 of 10) pass?"""
    expected = independent_stats(clips(ON_TRAINEE), clips(ON_CONSENSUS))
    assert expected["icc_a1"] == pytest.approx(0.70, abs=1e-12)
    assert expected["within_one"] == 0.8
    decision = decide(scoring_rule, both_scales(ON_TRAINEE), both_scales(ON_CONSENSUS))
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["icc_a1"] == pytest.approx(0.70, abs=1e-12) and s["within_one"] == pytest.approx(0.8, abs=1e-12)
        assert failed(decision, scale) == []
    assert decision.passed is True, decision.reasons


def decided_on_one_rule(scoring_rule, trainee, consensus, passes):
    """Decide both scales on ``trainee`` against ``consensus``; check that it passes or fails as expected
    and, if it fails, on exactly one reason per scale. Returns the decision and those reasons."""
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    assert decision.passed is passes, decision.reasons
    reasons = []
    for scale in SCALES:
        if passes:
            assert failed(decision, scale) == []
        else:
            reason, = failed(decision, scale)
            reasons.append(reason)
    return decision, reasons


@pytest.mark.parametrize("data, passes", [(ICC_UNDER, False), (ICC_OVER, True)], ids=["under", "over"])
def test_icc_just_under_the_threshold_fails_and_just_over_passes(scoring_rule, data, passes):
    """Does an ICC(A,1) of 0,695 fail (only on the ICC) and one of 0,702 pass?"""
    trainee, consensus = data
    expected = independent_stats(clips(trainee), clips(consensus))
    assert (0.69 < expected["icc_a1"] < 0.70) if not passes else (0.70 < expected["icc_a1"] < 0.71)
    assert expected["within_one"] >= 0.8 and abs(expected["bias"]) <= 1
    decision, reasons = decided_on_one_rule(scoring_rule, trainee, consensus, passes)
    for scale in SCALES:
        assert decision.statistics["scales"][scale]["icc_a1"] == pytest.approx(expected["icc_a1"], abs=1e-9)
    for reason in reasons:
        assert "ICC(A,1) is 0,695, lager dan de drempel 0,70" in reason  # not "0,70, lager dan 0,70"


@pytest.mark.parametrize("trainee, consensus, within, passes", [
    # 7 of 10 within one point (70 %): ICC 0.91, bias 0.1, every extreme recognised.
    ([5, 1, 5, 9, 9, 3, 9, 5, 5, 6], [3, 1, 6, 9, 9, 3, 7, 5, 7, 6], 0.7, False),
    # 9 of 10 within one point (90 %).
    ([1, 2, 3, 4, 7, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 5, 6, 7, 8, 9], 0.9, True),
], ids=["under", "over"])
def test_within_one_just_under_fails_and_just_over_passes(scoring_rule, trainee, consensus, within, passes):
    """Does 70 % within one point fail (only on within-one) and 90 % pass?"""
    expected = independent_stats(clips(trainee), clips(consensus))
    assert expected["within_one"] == pytest.approx(within) and expected["icc_a1"] >= 0.8
    _, reasons = decided_on_one_rule(scoring_rule, trainee, consensus, passes)
    for reason in reasons:
        assert f"{round(within * 100)} % binnen één punt" in reason and "minder dan 80 %" in reason


@pytest.mark.parametrize("trainee, bias, passes", [
    ([2, 3, 4, 5, 6, 6, 6, 8, 8, 9], 0.9, True),
    ([2, 3, 4, 5, 6, 7, 7, 8, 8, 9], 1.1, False),
], ids=["under", "over"])
def test_bias_just_under_the_maximum_passes_and_just_over_fails(scoring_rule, trainee, bias, passes):
    """With the consensus below, does a mean difference of +0,9 pass and +1,1 fail (only on bias)?"""
    consensus = [1, 2, 3, 4, 5, 5, 6, 7, 7, 8]
    expected = independent_stats(clips(trainee), clips(consensus))
    assert expected["bias"] == pytest.approx(bias) and expected["icc_a1"] >= 0.8 and expected["within_one"] >= 0.9
    _, reasons = decided_on_one_rule(scoring_rule, trainee, consensus, passes)
    for reason in reasons:
        assert "gemiddeld 1,10 punten te hoog (toegestaan: 1,00)" in reason


@pytest.mark.parametrize("trainee, recognised, passes", [
    ([1, 3, 3, 3, 5, 5, 6, 7, 8, 9], 1, False),  # 1 of 3 low extremes: 33 %
    ([1, 2, 3, 3, 5, 5, 6, 7, 8, 9], 2, True),   # 2 of 3: 67 %  (1 of 2, exactly 50 %, is the passing test above)
], ids=["under", "over"])
def test_extremes_just_under_the_share_fail_and_just_over_pass(scoring_rule, trainee, recognised, passes):
    """With three low-extreme clips, does recognising one fail (only on that band) and two pass?"""
    consensus = [1, 2, 2, 3, 5, 5, 6, 7, 8, 9]
    decision = decide(scoring_rule, both_scales(trainee), both_scales(consensus))
    assert decision.passed is passes, decision.reasons
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["low_extremes"] == {"band": [1.0, 2.0], "consensus_items": 3, "recognised": recognised}
        assert s["high_extremes"] == {"band": [8.0, 9.0], "consensus_items": 2, "recognised": 2}
        if passes:
            assert failed(decision, scale) == []
        else:
            reason, = failed(decision, scale)
            assert "van de 3 fragmenten met een lage extreme consensusscore (1–2) zijn er 1 ook zo gescoord" in reason


def test_exactly_the_supervised_cases_required_and_more_pass(ouder_baby):
    """Are two supervised cases (the minimum) and three both enough, and one not?"""
    trainee, consensus = both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)
    outcomes = {n: decide(ouder_baby, trainee, consensus, supervised_cases=n).passed for n in (1, 2, 3)}
    assert outcomes == {1: False, 2: True, 3: True}


# -- decide(): an ICC that cannot be calculated fails on its own ----------------------------------

#: Trainee and consensus anti-correlated: every clip's mean is 1,5, so there is no spread between
#: clips and ICC(A,1) is undefined. Everything else passes: each clip is one point off (100 % within
#: one), bias 0, and every low-extreme clip (all ten) is scored 1 or 2.
ANTI_TRAINEE = [1, 2] * 5
ANTI_CONSENSUS = [2, 1] * 5


def test_anti_correlated_trainee_fails_on_the_incalculable_icc_alone(scoring_rule):
    """Does a trainee who scores 1 wherever the experts say 2 and vice versa fail, with the
    undefined ICC as the ONLY reason (no extreme-clip or other failure to lean on)?"""
    assert np.corrcoef(ANTI_TRAINEE, ANTI_CONSENSUS)[0, 1] == pytest.approx(-1.0)
    decision = decide(scoring_rule, both_scales(ANTI_TRAINEE), both_scales(ANTI_CONSENSUS))
    assert decision.passed is False
    assert decision.reasons[0] == NOT_PASSED
    for scale in SCALES:
        s = decision.statistics["scales"][scale]
        assert s["icc_a1"] is None
        assert s["within_one"] == 1.0 and s["bias"] == 0
        assert s["low_extremes"] == {"band": [1.0, 2.0], "consensus_items": 10, "recognised": 10}
        assert failed(decision, scale) == [
            f"{scale}: ICC(A,1) is niet te berekenen (geen spreiding in de scores)."]


# -- decide_against_experts(): one scale range per rule ------------------------------------------


def test_scales_with_different_ranges_are_refused(scoring_rule):
    """Is a rule whose scales have different ranges (1–9 and 1–7) refused with a Dutch
    ValidationError, rather than decided on one of the two ranges?"""
    from oefenkit.certification import decide_against_experts

    # Expert scores of 1-7 fit both ranges, so only the difference in range can cause the refusal.
    within_seven = [min(v, 7) for v in PASS_CONSENSUS]
    experts = {scale: [(e, code, v) for e in ("a", "b") for code, v in clips(within_seven).items()]
               for scale in SCALES}
    kwargs = dict(case_set_code="toets")
    same = decide_against_experts(scoring_rule, both_scales(within_seven), experts,
                                  {"sensitiviteit": (1, 7), "cooperatie": (1, 7)}, **kwargs)
    assert same.statistics["case_set"] == "toets"
    assert same.statistics["scales"]["cooperatie"]["icc_a1"] == pytest.approx(1.0)
    with pytest.raises(ValidationError, match="verschillende bereiken"):
        decide_against_experts(scoring_rule, both_scales(within_seven), experts,
                               {"sensitiviteit": (1, 9), "cooperatie": (1, 7)}, **kwargs)


def test_score_outside_the_scale_is_refused(scoring_rule):
    """Is a trainee score of 10 on a 1–9 scale refused with a Dutch ValidationError?"""
    trainee = both_scales(PASS_TRAINEE)
    trainee["cooperatie"]["c10"] = 10
    with pytest.raises(ValidationError, match="buiten de schaal 1–9"):
        decide(scoring_rule, trainee, both_scales(PASS_CONSENSUS))


ENGLISH = {"the", "failed", "passed", "pass", "fail", "threshold", "clips", "clip", "scale",
           "below", "above", "too", "high", "low", "not", "and", "minimum", "required", "none"}
# ("scores" is Dutch as well as English, so it is in neither list.)
DUTCH = {"de", "het", "een", "van", "is", "zijn", "niet", "geslaagd", "binnen", "punt", "nodig",
         "minimaal", "drempel", "fragmenten", "casussen", "lager", "minder", "te"}


def all_decisions(scoring_rule, ouder_baby) -> list[Decision]:
    sens_c = [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]
    return [
        decide(scoring_rule, both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)),
        decide(scoring_rule, both_scales([v + 2 for v in sens_c]), both_scales(sens_c)),
        decide(scoring_rule, both_scales(PASS_TRAINEE[:7]), both_scales(PASS_CONSENSUS[:7])),
        decide(scoring_rule, both_scales(COMPRESSED_TRAINEE), both_scales(COMPRESSED_CONSENSUS)),
        decide(scoring_rule, both_scales([3, 4, 5, 6, 7] * 2), both_scales([3, 4, 5, 6, 7] * 2)),
        decide(scoring_rule, both_scales([5] * 10), both_scales([5] * 10)),
        decide(ouder_baby, both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS), supervised_cases=0),
    ]


def test_every_reason_is_dutch_text(scoring_rule, ouder_baby):
    """Is every reason of every kind of decision a Dutch sentence: Dutch words, no English ones,
    a decimal comma, and a full stop at the end?"""
    reasons = [r for d in all_decisions(scoring_rule, ouder_baby) for r in d.reasons]
    assert len(reasons) > 20
    for reason in reasons:
        assert isinstance(reason, str) and reason.endswith("."), reason
        words = set(re.findall(r"[a-zà-ÿ]+", reason.lower()))
        assert words & DUTCH, reason
        assert not words & ENGLISH, reason
        assert not re.search(r"\d\.\d", reason), f"decimal point instead of comma: {reason}"


def test_first_reason_always_gives_the_outcome(scoring_rule, ouder_baby):
    """Does every decision start with the outcome sentence that matches ``passed``?"""
    for d in all_decisions(scoring_rule, ouder_baby):
        assert d.reasons[0] == (PASSED if d.passed else NOT_PASSED)
        assert PASSED not in d.reasons[1:] and NOT_PASSED not in d.reasons[1:]


# -- decide(): Ouder-baby needs two supervised cases ----------------------------------------------


def test_ouder_baby_needs_two_supervised_cases(ouder_baby):
    """With the same passing exam, does one supervised case fail and two pass?"""
    assert ouder_baby.required_supervised_cases == 2
    trainee, consensus = both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)
    one = decide(ouder_baby, trainee, consensus, supervised_cases=1)
    assert one.passed is False
    assert one.reasons[0] == NOT_PASSED
    assert one.reasons[-1] == "1 van de 2 casussen zijn uitgevoerd en besproken in supervisie."
    assert one.statistics["supervised_cases"] == 1
    two = decide(ouder_baby, trainee, consensus, supervised_cases=2)
    assert two.passed is True, two.reasons
    assert two.reasons[0] == PASSED
    assert not any("casussen" in r for r in two.reasons)
    assert two.statistics["supervised_cases"] == 2
    assert two.statistics["scales"] == one.statistics["scales"]


def test_babytijd_does_not_ask_for_supervised_cases(scoring_rule):
    """Does the Babytijd rule ignore supervised cases, so none are needed to pass?"""
    decision = decide(scoring_rule, both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS), supervised_cases=0)
    assert decision.passed is True
    assert "supervised_cases" not in decision.statistics


# -- rule files -----------------------------------------------------------------------------------


def test_repository_rules_match_the_documented_defaults():
    """Do the repository's rule files load and give the defaults docs/certificering.md documents?"""
    rules = load_rules(CONTENT)
    assert set(rules) == {"ouder-baby"}  # Babytijd has no scoring test (its path registers after training)
    for code, rule in rules.items():
        assert rule.programme == code
        assert rule.min_clips == 8
        assert set(rule.scales) == set(SCALES)
        for th in rule.scales.values():
            assert (th.icc_a1_min, th.within_one_min, th.abs_bias_max, th.extremes_min_share) == (
                0.70, 0.80, 1.0, 0.5)
        assert (rule.validity_years, rule.renewal) == (2, "terugkomdag")
    assert rules["ouder-baby"].required_supervised_cases == 2
    assert load_content(CONTENT).certification == rules


def base_rule() -> dict:
    return yaml.safe_load((RULES_DIR / "ouder-baby.yaml").read_text(encoding="utf-8"))


def write_rule(directory: Path, name: str, data) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, *fragments: str) -> str:
    with pytest.raises(ContentError) as info:
        load_rule(path)
    message = str(info.value)
    assert path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_written_copy_of_the_rule_loads(tmp_path):
    """Does an unchanged copy of the shipped rule load (so the refusals below are about the edit)?"""
    rule = load_rule(write_rule(tmp_path, "kopie.yaml", base_rule()))
    assert rule == load_rule(RULES_DIR / "ouder-baby.yaml")


def test_icc_threshold_above_one_is_refused(tmp_path):
    """Is icc_a1_min: 1.5 refused, naming the file, the scale and the field?"""
    data = base_rule()
    data["scales"]["sensitiviteit"]["icc_a1_min"] = 1.5
    refused(write_rule(tmp_path, "te-streng.yaml", data), "sensitiviteit", "icc_a1_min")


def test_missing_within_one_threshold_is_refused(tmp_path):
    """Is a scale without within_one_min refused rather than given some default?"""
    data = base_rule()
    del data["scales"]["cooperatie"]["within_one_min"]
    refused(write_rule(tmp_path, "zonder.yaml", data), "cooperatie", "within_one_min")


@pytest.mark.parametrize("value", ["0.8", True, None])
def test_threshold_of_wrong_type_is_refused(tmp_path, value):
    """Is a threshold given as text, a boolean or empty refused?"""
    data = base_rule()
    data["scales"]["sensitiviteit"]["within_one_min"] = value
    refused(write_rule(tmp_path, "type.yaml", data), "within_one_min")


@pytest.mark.parametrize("where", ["scale", "top", "validity"])
def test_unknown_field_is_refused(tmp_path, where):
    """Is a misspelt field refused wherever it is — in a scale, at the top (where a typo in
    required_supervised_cases would silently drop the supervision requirement), in validity?"""
    data = base_rule()
    if where == "scale":
        data["scales"]["sensitiviteit"]["icc_min"] = 0.7
        field = "icc_min"
    elif where == "top":
        data["required_supervised_case"] = 2
        field = "required_supervised_case"
    else:
        data["validity"]["renewel"] = "terugkomdag"
        field = "renewel"
    refused(write_rule(tmp_path, "typo.yaml", data), field)


def test_unknown_renewal_is_refused(tmp_path):
    """Is renewal "nooit" refused (only "terugkomdag" or "none")?"""
    data = base_rule()
    data["validity"]["renewal"] = "nooit"
    refused(write_rule(tmp_path, "nooit.yaml", data), "renewal")


def test_renewal_none_is_accepted(tmp_path):
    """Is renewal "none" (no terugkomdag renewal) a valid choice?"""
    data = base_rule()
    data["validity"]["renewal"] = "none"
    assert load_rule(write_rule(tmp_path, "geen.yaml", data)).renewal == "none"


@pytest.mark.parametrize("value", [0, -3, 8.5])
def test_min_clips_must_be_a_positive_integer(tmp_path, value):
    """Is min_clips 0, negative or fractional refused?"""
    data = base_rule()
    data["min_clips"] = value
    refused(write_rule(tmp_path, "min.yaml", data), "min_clips")


# The allowed range of each threshold, written out: 0–1 for the shares and the ICC, 0–8 points for
# the bias (the widest difference on a 1–9 scale). Each end is allowed; just past it is refused.
THRESHOLD_RANGES = {"icc_a1_min": (0, 1), "within_one_min": (0, 1), "abs_bias_max": (0, 8),
                    "extremes_min_share": (0, 1)}


@pytest.mark.parametrize("field", sorted(THRESHOLD_RANGES))
def test_each_threshold_accepts_both_ends_of_its_range(tmp_path, field):
    """Does each threshold load at exactly its lowest and highest allowed value?"""
    for value in THRESHOLD_RANGES[field]:
        data = base_rule()
        data["scales"]["sensitiviteit"][field] = value
        rule = load_rule(write_rule(tmp_path, f"{field}-{value}.yaml", data))
        assert getattr(rule.scales["sensitiviteit"], field) == value


@pytest.mark.parametrize("field", sorted(THRESHOLD_RANGES))
def test_each_threshold_refuses_just_outside_its_range(tmp_path, field):
    """Is each threshold refused just below 0 and just above its maximum, with the range in Dutch?"""
    lo, hi = THRESHOLD_RANGES[field]
    for value in (lo - 0.01, hi + 0.01):
        data = base_rule()
        data["scales"]["sensitiviteit"][field] = value
        refused(write_rule(tmp_path, "buiten.yaml", data), field, f"moet een getal van {lo} tot en met {hi} zijn")


def test_a_rule_file_without_supervised_cases_asks_for_none(tmp_path):
    """Is ``required_supervised_cases`` optional in a rule file, meaning none (Babytijd's path has no
    supervised cases)?"""
    data = base_rule()
    del data["required_supervised_cases"]
    rule = load_rule(write_rule(tmp_path, "zonder.yaml", data))
    assert rule.required_supervised_cases == 0


def test_smallest_allowed_counts_load(tmp_path):
    """Are min_clips 1, validity 1 year and 0 supervised cases (each the lowest allowed) accepted, and
    -1 supervised cases refused?"""
    data = base_rule()
    data["min_clips"] = 1
    data["validity"]["years"] = 1
    data["required_supervised_cases"] = 0
    rule = load_rule(write_rule(tmp_path, "klein.yaml", data))
    assert (rule.min_clips, rule.validity_years, rule.required_supervised_cases) == (1, 1, 0)
    data["required_supervised_cases"] = -1
    refused(write_rule(tmp_path, "negatief.yaml", data), "required_supervised_cases", "minstens 0")


def test_validity_years_zero_is_refused(tmp_path):
    """Is a certificate valid for 0 years refused?"""
    data = base_rule()
    data["validity"]["years"] = 0
    refused(write_rule(tmp_path, "jaren.yaml", data), "years")


@pytest.mark.parametrize("body", ["programme: babytijd\nscales: [", "scales:\n  sensitiviteit: {icc_a1_min: 0.7\n"])
def test_broken_yaml_is_refused(tmp_path, body):
    """Is a file that is not valid YAML refused with a ContentError naming it, not a YAML traceback?"""
    refused(write_rule(tmp_path, "kapot.yaml", body), "geen geldige YAML")


@pytest.mark.parametrize("body", ["", "- een lijst\n", "alleen tekst\n"])
def test_file_that_is_not_a_mapping_is_refused(tmp_path, body):
    """Is an empty file, a list or plain text refused?"""
    refused(write_rule(tmp_path, "leeg.yaml", body))


def test_two_files_for_one_programme_are_refused(tmp_path):
    """Do two rule files for the same programme raise a ContentError naming the second file?"""
    write_rule(tmp_path / "certification", "a-babytijd.yaml", base_rule())
    write_rule(tmp_path / "certification", "b-babytijd.yaml", base_rule())
    with pytest.raises(ContentError) as info:
        load_rules(tmp_path)
    assert "b-babytijd.yaml" in str(info.value) and "babytijd" in str(info.value)


def test_load_content_refuses_rule_for_unknown_programme(content_dir):
    """Does load_content refuse a rule for a programme programmes.yaml does not list?"""
    path = content_dir / "certification" / "ouder-baby.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["programme"] = "peuterpraat"
    write_rule(path.parent, path.name, data)
    with pytest.raises(ContentError, match="onbekend programma 'peuterpraat'"):
        load_content(content_dir)


def test_load_content_refuses_rule_for_unknown_scale(content_dir):
    """Does load_content refuse thresholds for a scale that has no definition?"""
    path = content_dir / "certification" / "ouder-baby.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scales"]["betrokkenheid"] = dict(data["scales"]["sensitiviteit"])
    write_rule(path.parent, path.name, data)
    with pytest.raises(ContentError, match="ouder-baby.*onbekende schaal 'betrokkenheid'"):
        load_content(content_dir)


def test_load_content_refuses_a_bad_rule_file(content_dir):
    """Does load_content itself validate the rule files (not only load_rules)?"""
    path = content_dir / "certification" / "ouder-baby.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scales"]["cooperatie"]["extremes_min_share"] = 2
    write_rule(path.parent, path.name, data)
    with pytest.raises(ContentError, match="ouder-baby.yaml.*extremes_min_share"):
        load_content(content_dir)


# -- validity ---------------------------------------------------------------------------------------


def test_certificate_is_valid_for_two_years(scoring_rule):
    """Does a certificate issued on 10 March 2025 run until 10 March 2027?"""
    assert valid_until(dt.date(2025, 3, 10), scoring_rule) == dt.date(2027, 3, 10)


def test_leap_day_certificate_ends_on_28_february(scoring_rule):
    """Does a certificate issued on 29 February 2024 end on 28 February 2026 (no 29th then)?"""
    assert valid_until(dt.date(2024, 2, 29), scoring_rule) == dt.date(2026, 2, 28)


def test_terugkomdag_while_valid_counts_from_the_attendance(scoring_rule):
    """Does a terugkomdag attended while valid give two years from the attendance date?"""
    until = dt.date(2026, 3, 10)
    assert renewed_until(until, dt.date(2025, 11, 4), scoring_rule) == dt.date(2027, 11, 4)


def test_terugkomdag_on_the_last_valid_day_still_renews(scoring_rule):
    """Is the last day of validity still "while valid"?"""
    until = dt.date(2026, 3, 10)
    assert renewed_until(until, until, scoring_rule) == dt.date(2028, 3, 10)


def test_terugkomdag_after_expiry_renews_nothing(scoring_rule):
    """Does a terugkomdag one day after expiry leave the expired date as it is?"""
    until = dt.date(2026, 3, 10)
    assert renewed_until(until, dt.date(2026, 3, 11), scoring_rule) == until


def test_terugkomdag_on_leap_day(scoring_rule):
    """Does a terugkomdag on 29 February 2028 renew until 28 February 2030?"""
    assert renewed_until(dt.date(2028, 6, 1), dt.date(2028, 2, 29), scoring_rule) == dt.date(2030, 2, 28)


def test_backdated_terugkomdag_never_shortens(scoring_rule):
    """When a terugkomdag is recorded that lies before the latest renewal, does validity stay
    at the later date instead of shrinking?"""
    until = renewed_until(dt.date(2026, 3, 10), dt.date(2025, 11, 4), scoring_rule)
    assert renewed_until(until, dt.date(2025, 6, 1), scoring_rule) == until == dt.date(2027, 11, 4)


def test_no_renewal_rule_renews_nothing(tmp_path):
    """With renewal "none", does a terugkomdag while valid leave the date unchanged?"""
    data = base_rule()
    data["validity"] = {"years": 3, "renewal": "none"}
    rule = load_rule(write_rule(tmp_path, "geen.yaml", data))
    issued = dt.date(2025, 1, 15)
    until = valid_until(issued, rule)
    assert until == dt.date(2028, 1, 15)
    assert renewed_until(until, dt.date(2027, 6, 1), rule) == until


# -- propose_certification(): end to end on both databases ---------------------------------------------------------

EXAM_SET = "toets-babytijd-1"
EXPERTS = ("expert1", "expert2", "expert3")

# Consensus per case; each expert's deviation from it (the median stays the consensus).
CONSENSUS = {
    "sensitiviteit": [1, 2, 3, 4, 5, 5, 6, 7, 8, 9],
    "cooperatie": [2, 1, 4, 3, 5, 6, 5, 8, 9, 8],
}
DEVIATIONS = {  # per case: (expert1, expert2, expert3)
    "sensitiviteit": [(0, 0, 1), (0, -1, 0), (1, 0, 0), (0, 0, 0), (0, 1, -1),
                      (-1, 0, 0), (0, 0, 1), (0, -1, 0), (1, 0, 0), (0, 0, -1)],
    "cooperatie": [(0, 1, 0), (0, 0, 1), (-1, 0, 0), (0, 0, 0), (0, 0, 1),
                   (0, -1, 0), (1, 0, 0), (0, 0, -1), (0, -1, 0), (1, 0, 0)],
}
TRAINEE = {
    "sensitiviteit": [1, 3, 3, 4, 5, 6, 6, 7, 8, 9],
    "cooperatie": [2, 2, 4, 3, 5, 6, 4, 8, 8, 8],
}
CASES = [f"bt-{i:02d}" for i in range(1, 11)]


def expert_score(scale: str, case_index: int, expert_index: int) -> int:
    return CONSENSUS[scale][case_index] + DEVIATIONS[scale][case_index][expert_index]


@pytest.fixture
def exam(kit, people):
    """Ten Ouder-baby cases in an exam set, scored by three experts."""
    trainer = people["trainer"]
    for i, code in enumerate(CASES, 1):
        kit.add_case(trainer, code, f"Toetsfragment {i}", programme_code="ouder-baby", synthetic=True)
    kit.add_case_set(trainer, EXAM_SET, "Toets Ouder-baby", "exam", CASES, programme_code="ouder-baby")
    experts = [kit.add_person(SYSTEM, name, role="trainer", display_name=name.title(), password="geheim-wachtwoord")
               for name in EXPERTS]
    for e, expert in enumerate(experts):
        for scale in SCALES:
            for i, code in enumerate(CASES):
                kit.add_expert_score(expert, code, scale, expert_score(scale, i, e))
    return EXAM_SET


def rate_exam(kit, actor, scores=TRAINEE) -> None:
    for i, code in enumerate(CASES):
        kit.add_ratings(actor, code, {scale: scores[scale][i] for scale in SCALES}, mode="exam")


def decisions_in_table(kit) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.CertificationDecision))


def test_exam_data_is_what_the_test_thinks(exam):
    """Are the hand-made expert scores on the scale, and is every case's median the intended
    consensus (so the expectations below rest on the right data)?"""
    for scale in SCALES:
        for i in range(len(CASES)):
            scores = [expert_score(scale, i, e) for e in range(3)]
            assert all(1 <= s <= 9 for s in scores)
            assert np.median(scores) == CONSENSUS[scale][i]


def test_proposal_is_computed_stored_and_audited(kit, people, exam):
    """Does propose_certification() turn the stored exam and expert scores into a passing proposal, store it
    with the same reasons and statistics (expert agreement included), and audit it?"""
    rate_exam(kit, people["cursist"])
    rules = load_rules(CONTENT)
    decision_id, decision = kit.propose_certification(people["trainer"], "cursist1", "ouder-baby", exam, rules=rules,
                                    supervised_cases=2)

    # The outcome rests on the consensus the test intended and an independent recomputation.
    assert decision.passed is True, decision.reasons
    assert decision.reasons[0] == PASSED
    for scale in SCALES:
        expected = independent_stats(dict(zip(CASES, TRAINEE[scale])), dict(zip(CASES, CONSENSUS[scale])))
        s = decision.statistics["scales"][scale]
        assert s["n_clips"] == 10
        assert s["icc_a1"] == pytest.approx(expected["icc_a1"], abs=1e-9)
        assert s["within_one"] == pytest.approx(expected["within_one"])
        assert s["bias"] == pytest.approx(expected["bias"])
        experts = decision.statistics["expert_consensus"][scale]
        assert experts["scores"] == {c: float(v) for c, v in zip(CASES, CONSENSUS[scale])}
        long = pd.DataFrame([(c, e, expert_score(scale, i, k)) for i, c in enumerate(CASES)
                             for k, e in enumerate(EXPERTS)], columns=["case", "expert", "score"])
        assert experts["icc_a1"] == pytest.approx(
            pingouin_icc_a1(long, targets="case", raters="expert", ratings="score"), abs=1e-9)
        spreads = [max(d) - min(d) for d in DEVIATIONS[scale]]
        assert experts["spread"] == {c: float(v) for c, v in zip(CASES, spreads)}
        assert experts["within_one"] == pytest.approx(sum(v <= 1 for v in spreads) / len(CASES))
        assert experts["n_experts"] == {c: 3 for c in CASES}
    assert decision.statistics["case_set"] == exam

    stored = kit.list_certification_decisions(people["trainer"], "cursist1")
    assert len(stored) == 1
    row = stored[0]
    assert row["id"] == decision_id
    assert (row["programme"], row["kind"], row["passed"]) == ("ouder-baby", "proposal", True)
    assert row["reasons"] == list(decision.reasons)
    assert row["statistics"] == json.loads(json.dumps(decision.statistics))
    assert row["rule"] == json.loads(json.dumps(rules["ouder-baby"].as_dict()))
    assert row["reason"] == ""

    audit = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "certification.proposal"]
    assert len(audit) == 1
    assert (audit[0]["actor"], audit[0]["target"]) == ("trainer1", "cursist1")
    assert audit[0]["details"] == {"programme": "ouder-baby", "passed": True}


def test_proposal_without_supervised_cases_counts_none(kit, people, exam):
    """For Ouder-baby (two supervised cases needed), does a proposal given no count — through
    propose_certification() and decide_against_experts() alike — count zero, not some other default?"""
    from oefenkit.certification import decide_against_experts

    rate_exam(kit, people["cursist"])
    rules = load_rules(CONTENT)
    _, decision = kit.propose_certification(people["trainer"], "cursist1", "ouder-baby", exam, rules=rules)
    assert decision.statistics["supervised_cases"] == 0
    assert decision.reasons[-1] == "0 van de 2 casussen zijn uitgevoerd en besproken in supervisie."
    direct = decide_against_experts(rules["ouder-baby"], kit.exam_scores(people["trainer"], "cursist1", exam),
                                    kit.expert_scores_of_set(people["trainer"], exam),
                                    {s: (1, 9) for s in SCALES}, case_set_code=exam)
    assert direct.statistics["supervised_cases"] == 0 and direct.passed is False


def test_failing_exam_is_stored_as_failed(kit, people, exam):
    """Is a compressed, never-extreme exam proposed and stored as not passed, reasons included?"""
    squeezed = {scale: [min(max(v, 3), 7) for v in CONSENSUS[scale]] for scale in SCALES}
    rate_exam(kit, people["cursist"], squeezed)
    _, decision = kit.propose_certification(people["trainer"], "cursist1", "ouder-baby", exam, rules=load_rules(CONTENT))
    assert decision.passed is False
    assert any("extreme consensusscore" in r for r in decision.reasons)
    row, = kit.list_certification_decisions(people["trainer"], "cursist1")
    assert row["passed"] is False and row["reasons"] == list(decision.reasons)


def test_rerated_case_counts_only_the_latest_exam_score(kit, people, exam):
    """When the cursist scores an exam case twice, does only the latest count — and do practice
    ratings and ratings of cases outside the set not count at all?"""
    cursist = people["cursist"]
    # First attempt at bt-05 far off on both scales, then the whole exam (bt-05 again, correctly).
    kit.add_ratings(cursist, "bt-05", {"sensitiviteit": 9, "cooperatie": 1}, mode="exam")
    rate_exam(kit, cursist)
    # Noise that must not count: a practice rating of an exam case and an exam rating outside the set.
    kit.add_ratings(cursist, "bt-03", {"sensitiviteit": 9, "cooperatie": 9}, mode="practice")
    kit.add_case(people["trainer"], "los-fragment", "Niet in de toets", programme_code="ouder-baby")
    kit.add_ratings(cursist, "los-fragment", {"sensitiviteit": 1, "cooperatie": 1}, mode="exam")

    scores = kit.exam_scores(people["trainer"], "cursist1", exam)
    assert scores == {scale: dict(zip(CASES, TRAINEE[scale])) for scale in SCALES}

    # And the other way round: a wrong re-rating after a good one is what counts.
    kit.add_ratings(cursist, "bt-05", {"sensitiviteit": 9}, mode="exam")
    assert kit.exam_scores(cursist, "cursist1", exam)["sensitiviteit"]["bt-05"] == 9
    assert kit.exam_scores(cursist, "cursist1", exam)["cooperatie"]["bt-05"] == TRAINEE["cooperatie"][4]

    _, decision = kit.propose_certification(people["trainer"], "cursist1", "ouder-baby", exam, rules=load_rules(CONTENT))
    expected = independent_stats({**dict(zip(CASES, TRAINEE["sensitiviteit"])), "bt-05": 9},
                                 dict(zip(CASES, CONSENSUS["sensitiviteit"])))
    s = decision.statistics["scales"]["sensitiviteit"]
    assert s["n_clips"] == 10
    assert s["within_one"] == pytest.approx(expected["within_one"]) == 0.9
    assert s["bias"] == pytest.approx(expected["bias"])


def test_cursist_cannot_propose(kit, people, exam):
    """Is a cursist who calls propose_certification() for themselves refused, with nothing stored?"""
    rate_exam(kit, people["cursist"])
    with pytest.raises(PermissionDenied):
        kit.propose_certification(people["cursist"], "cursist1", "ouder-baby", exam, rules=load_rules(CONTENT))
    assert decisions_in_table(kit) == 0
    assert kit.list_certification_decisions(people["trainer"], "cursist1") == []
    assert not any(e["action"].startswith("certification.") for e in kit.list_audit_entries(people["coordinator"]))


def test_cursist_reads_only_their_own_decisions(kit, people, exam):
    """Can a cursist list their own decisions but not another cursist's?"""
    rules = load_rules(CONTENT)
    rate_exam(kit, people["cursist"])
    rate_exam(kit, people["cursist2"])
    own_id, _ = kit.propose_certification(people["trainer"], "cursist1", "ouder-baby", exam, rules=rules)
    kit.propose_certification(people["trainer"], "cursist2", "ouder-baby", exam, rules=rules)
    own = kit.list_certification_decisions(people["cursist"], "cursist1")
    assert [d["id"] for d in own] == [own_id]
    with pytest.raises(PermissionDenied):
        kit.list_certification_decisions(people["cursist"], "cursist2")


def test_override_needs_a_reason(kit, people):
    """Is an override without a (non-blank) reason refused with nothing stored, and is one with a
    reason stored as kind "override"?"""
    trainer = people["trainer"]
    common = {"passed": True, "reasons": ["Geslaagd na gesprek."], "statistics": {}, "rule": {}, "kind": "override"}
    for reason in ("", "   "):
        with pytest.raises(ValidationError, match="reden"):
            kit.add_certification_decision(trainer, "cursist1", "babytijd", reason=reason, **common)
    assert decisions_in_table(kit) == 0
    kit.add_certification_decision(trainer, "cursist1", "babytijd",
                                   reason="Toets opnieuw besproken; scores op twee fragmenten herzien.", **common)
    row, = kit.list_certification_decisions(trainer, "cursist1")
    assert row["kind"] == "override"
    assert row["reason"].startswith("Toets opnieuw besproken")


# -- explain(): each rule at, just under and just over its threshold (issue 21) -------------------

EXPLAIN_RULE = {"min_clips": 8, "required_supervised_cases": 2,
                "scales": {"sensitiviteit": {"icc_a1_min": 0.7, "within_one_min": 0.8, "abs_bias_max": 1.0,
                                             "extremes_min_share": 0.5}}}


def explained(**scale) -> list:
    """``explain`` of one scale (sensitiviteit, shown as "Sensitiviteit") with these statistics."""
    from oefenkit.certification import explain

    stats = {"n_clips": 10, "icc_a1": 0.9, "within_one": 1.0, "bias": 0.0,
             "low_extremes": {"band": [1, 2], "consensus_items": 2, "recognised": 2},
             "high_extremes": {"band": [8, 9], "consensus_items": 2, "recognised": 2}, **scale}
    return explain({"scales": {"sensitiviteit": stats}, "supervised_cases": 2}, EXPLAIN_RULE,
                   {"sensitiviteit": "Sensitiviteit"})


def test_explain_at_every_threshold_says_met():
    """At exactly ICC 0,70, 80 % within one, a bias of −1,0 and 1 of 2 extremes, and 2 of 2 supervised
    cases, is every rule met — with the words a trainee reads?"""
    checks = explained(icc_a1=0.7, within_one=0.8, bias=-1.0,
                       low_extremes={"band": [1, 2], "consensus_items": 2, "recognised": 1})
    assert [(c.scale, c.met) for c in checks] == [("sensitiviteit", True)] * 5 + [(None, True)]
    assert [c.text for c in checks] == [
        "Sensitiviteit: je scores gaan goed samen op en neer met die van de experts.",
        "Sensitiviteit: bij 8 van de 10 fragmenten lag je score hoogstens 1 punt van die van de experts.",
        "Sensitiviteit: je scores liggen gemiddeld 1,0 punt lager dan die van de experts.",
        "Sensitiviteit: de experts scoorden 2 fragmenten heel laag (1–2); jij scoorde er 1 ook zo laag.",
        "Sensitiviteit: de experts scoorden 2 fragmenten heel hoog (8–9); jij scoorde er 2 ook zo hoog.",
        "2 van de 2 casussen die je moet uitvoeren en bespreken in supervisie zijn vastgelegd.",
    ]
    assert [c.detail for c in checks] == [
        "ICC(A,1) 0,70 (nodig: minstens 0,70)",
        "Binnen één punt 80 % (nodig: minstens 80 %)",
        "Gemiddeld verschil -1,00 (toegestaan: hoogstens 1,00)",
        "Uitersten herkend (heel laag): 1 van 2 (nodig: minstens 50 %)",
        "Uitersten herkend (heel hoog): 2 van 2 (nodig: minstens 50 %)",
        "Supervisiecasussen 2 van 2",
    ]


def test_explain_just_past_every_threshold_says_unmet():
    """Just past each threshold (ICC 0,69, 70 % within one, bias +1,1, 0 of 1 high extreme, 1 of 2
    supervised cases), is each rule unmet, saying what is needed?"""
    from oefenkit.certification import explain

    stats = {"n_clips": 10, "icc_a1": 0.69, "within_one": 0.7, "bias": 1.1,
             "low_extremes": {"band": [1, 2], "consensus_items": 2, "recognised": 1},
             "high_extremes": {"band": [8, 9], "consensus_items": 1, "recognised": 0}}
    checks = explain({"scales": {"sensitiviteit": stats}, "supervised_cases": 1}, EXPLAIN_RULE,
                     {"sensitiviteit": "Sensitiviteit"})
    assert [c.met for c in checks] == [False, False, False, True, False, False]
    texts = [c.text for c in checks]
    assert texts[0].startswith("Sensitiviteit: je scores gaan nog niet genoeg samen op en neer")
    assert texts[1] == ("Sensitiviteit: bij 7 van de 10 fragmenten lag je score hoogstens 1 punt van die van de "
                        "experts; er moeten er minstens 8 zijn.")
    assert texts[2] == ("Sensitiviteit: je scores liggen gemiddeld 1,1 punt hoger dan die van de experts; dat mag "
                        "hoogstens 1,0 punt zijn.")
    assert texts[4] == ("Sensitiviteit: de experts scoorden 1 fragment heel hoog (8–9); jij scoorde er 0 ook zo "
                        "hoog; dat moeten er minstens 1 zijn.")
    assert texts[5] == "1 van de 2 casussen die je moet uitvoeren en bespreken in supervisie zijn vastgelegd."
    assert checks[2].detail == "Gemiddeld verschil +1,10 (toegestaan: hoogstens 1,00)"


def test_explain_never_shows_a_failing_figure_equal_to_its_threshold():
    """Just under a threshold by less than the rounding (ICC 0,6953, 79,6 % within one, bias +1,04): does
    each unmet rule show enough decimals that the figure does not read the same as the threshold?"""
    from oefenkit.certification import explain

    stats = {"n_clips": 49, "icc_a1": 0.6953, "within_one": 39 / 49, "bias": 1.04,
             "low_extremes": {"band": [1, 2], "consensus_items": 0, "recognised": 0},
             "high_extremes": {"band": [8, 9], "consensus_items": 0, "recognised": 0}}
    checks = explain({"scales": {"sensitiviteit": stats}, "supervised_cases": 2}, EXPLAIN_RULE,
                     {"sensitiviteit": "Sensitiviteit"})
    assert [c.met for c in checks[:3]] == [False, False, False]
    assert checks[0].detail == "ICC(A,1) 0,695 (nodig: minstens 0,70)"
    assert checks[1].detail == "Binnen één punt 79,6 % (nodig: minstens 80 %)"
    assert checks[2].detail == "Gemiddeld verschil +1,04 (toegestaan: hoogstens 1,00)"
    assert "gemiddeld 1,04 punt hoger" in checks[2].text and "hoogstens 1,0 punt" in checks[2].text


@pytest.mark.parametrize("bias, text", [
    (0.0, "Sensitiviteit: je scores liggen gemiddeld even hoog als die van de experts."),
    (0.04, "Sensitiviteit: je scores liggen gemiddeld even hoog als die van de experts."),
    (-0.04, "Sensitiviteit: je scores liggen gemiddeld even hoog als die van de experts."),
    (0.05, "Sensitiviteit: je scores liggen gemiddeld 0,1 punt hoger dan die van de experts."),
    (-0.5, "Sensitiviteit: je scores liggen gemiddeld 0,5 punt lager dan die van de experts."),
    (0.5, "Sensitiviteit: je scores liggen gemiddeld 0,5 punt hoger dan die van de experts."),
])
def test_explain_calls_a_bias_under_five_hundredths_even(bias, text):
    """Is a mean difference under 0,05 told as "even hoog", and 0,05 as a difference?"""
    assert explained(bias=bias)[2].text == text


def test_explain_without_icc_without_extremes_and_without_rule_for_supervision():
    """Does an undefined ICC read as "(bijna) overal dezelfde score", an exam without extreme clips
    as "niet te beoordelen", and a rule without supervised cases add no line for them?"""
    from oefenkit.certification import explain

    stats = {"n_clips": 10, "icc_a1": None, "within_one": 1.0, "bias": 0.0,
             "low_extremes": {"band": [1, 2], "consensus_items": 0, "recognised": 0},
             "high_extremes": {"band": [8, 9], "consensus_items": 0, "recognised": 0}}
    rule = {k: v for k, v in EXPLAIN_RULE.items() if k != "required_supervised_cases"}
    checks = explain({"scales": {"sensitiviteit": stats}}, rule, {"sensitiviteit": "Sensitiviteit"})
    assert [c.met for c in checks] == [False, True, True, False]
    assert "(bijna) overal dezelfde score" in checks[0].text and checks[0].detail == "ICC(A,1) niet te berekenen"
    assert "niet worden beoordeeld" in checks[3].text and checks[3].detail == "Uitersten herkend: niet te beoordelen"
    assert all(c.scale == "sensitiviteit" for c in checks)


def test_explain_a_decision_stored_without_thresholds_uses_zero():
    """A stored rule without thresholds for the scale (an older or hand-edited decision): is each
    threshold taken as 0 — perfect scores meet every rule, any bias does not?"""
    from oefenkit.certification import explain

    stats = {"n_clips": 10, "icc_a1": 0.0, "within_one": 0.0, "bias": 0.0,
             "low_extremes": {"band": [1, 2], "consensus_items": 2, "recognised": 0}}
    checks = explain({"scales": {"sensitiviteit": stats}}, {"scales": {}}, {"sensitiviteit": "Sensitiviteit"})
    assert [c.met for c in checks] == [True, True, True, True]
    assert checks[0].detail == "ICC(A,1) 0,00 (nodig: minstens 0,00)"
    assert checks[1].detail == "Binnen één punt 0 % (nodig: minstens 0 %)"
    assert checks[2].detail == "Gemiddeld verschil 0,00 (toegestaan: hoogstens 0,00)"
    assert checks[3].detail == "Uitersten herkend (heel laag): 0 van 2 (nodig: minstens 0 %)"


@pytest.mark.parametrize("stored", [{"supervised_cases": 0}, {}], ids=["zero", "missing"])
def test_explain_counts_no_supervised_cases_as_zero(stored):
    """With none recorded (0, or not stored at all), does the supervision line say "0 van de 2"?"""
    from oefenkit.certification import explain

    checks = explain({"scales": {}, **stored}, EXPLAIN_RULE)
    assert [(c.scale, c.met, c.detail) for c in checks] == [(None, False, "Supervisiecasussen 0 van 2")]


def test_a_bias_of_exactly_one_point_is_one_punt_in_the_reason(scoring_rule):
    """Under a stricter rule (at most 0,5 point), is a bias of exactly +1 reported as "1,00 punt" (singular)
    and +2 as "2,00 punten"?"""
    import dataclasses

    strict = dataclasses.replace(scoring_rule, scales={
        s: dataclasses.replace(th, abs_bias_max=0.5) for s, th in scoring_rule.scales.items()})
    for offset, consensus, words in (
            (1, [1, 2, 3, 4, 5, 5, 6, 7, 8, 8], "gemiddeld 1,00 punt te hoog (toegestaan: 0,50)."),
            (2, [1, 2, 3, 4, 5, 5, 6, 7, 7, 7], "gemiddeld 2,00 punten te hoog (toegestaan: 0,50).")):
        trainee = [v + offset for v in consensus]
        decision = decide(strict, both_scales(trainee), both_scales(consensus))
        assert decision.statistics["scales"]["sensitiviteit"]["bias"] == pytest.approx(offset)
        assert any(r.endswith(words) for r in about(decision, "sensitiviteit")), decision.reasons


def test_decide_without_a_supervised_count_counts_zero(ouder_baby):
    """Called without ``supervised_cases``, does decide() count zero for a rule that needs two?"""
    decision = decide(ouder_baby, both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS))
    assert decision.statistics["supervised_cases"] == 0 and decision.passed is False


def test_explain_names_how_many_extremes_are_needed():
    """With 4 very low clips and at least half needed, does a trainee with 1 read "minstens 2"?"""
    checks = explained(low_extremes={"band": [1, 2], "consensus_items": 4, "recognised": 1})
    assert checks[3].met is False
    assert checks[3].text == ("Sensitiviteit: de experts scoorden 4 fragmenten heel laag (1–2); jij scoorde er 1 ook "
                              "zo laag; dat moeten er minstens 2 zijn.")


def test_rule_name_is_read_and_defaults_to_the_programme(tmp_path):
    """Is the rule's name taken from the file, and the programme code used when it has none?"""
    data = base_rule()
    assert load_rule(write_rule(tmp_path, "met.yaml", data)).name == \
        "Scoringstoets Ainsworth-schalen (Ouder-baby interventie)"
    del data["name"]
    assert load_rule(write_rule(tmp_path, "zonder.yaml", data)).name == "ouder-baby"


def test_decide_takes_the_scale_range_by_keyword_only(scoring_rule):
    """Is the scale range keyword-only (no silent swap of a positional min and max), while the rule and
    the scores may be named?"""
    trainee, consensus = both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)
    assert decide(rule=scoring_rule, trainee=trainee, consensus=consensus).passed is True
    with pytest.raises(TypeError):
        decide(scoring_rule, trainee, consensus, 1, 9)  # type: ignore[misc]


@pytest.mark.parametrize("field, value, fragment", [
    ("programme", "   ", "'programme' ontbreekt"),
    ("programme", None, "'programme' ontbreekt"),
    ("scales", {}, "'scales' moet per schaal de drempels geven"),
    ("scales", ["sensitiviteit"], "'scales' moet per schaal de drempels geven"),
])
def test_blank_programme_and_empty_scales_are_refused(tmp_path, field, value, fragment):
    """Is a blank or missing programme, and an empty or listed 'scales', refused in Dutch?"""
    data = base_rule()
    data[field] = value
    refused(write_rule(tmp_path, "leeg.yaml", data), fragment)


def test_propose_takes_the_rules_by_keyword_only(kit, people):
    """Is ``rules`` keyword-only in propose_certification(), so a positional mix-up of rules and case set cannot happen?"""
    with pytest.raises(TypeError):
        kit.propose_certification(people["trainer"], "cursist1", "babytijd", "toets", load_rules(CONTENT))  # type: ignore[misc]


@pytest.mark.parametrize("bias, detail", [(0.5, "Gemiddeld verschil +0,50 (toegestaan: hoogstens 1,00)"),
                                          (-0.5, "Gemiddeld verschil -0,50 (toegestaan: hoogstens 1,00)")])
def test_explain_shows_the_sign_of_a_small_bias(bias, detail):
    """Does the detail show +0,50 for a trainee half a point high and -0,50 for half a point low?"""
    assert explained(bias=bias)[2].detail == detail


@pytest.mark.parametrize("bias, detail", [(0.9996, "Gemiddeld verschil +0,9996 (toegestaan: hoogstens 1,00)"),
                                          (-0.9996, "Gemiddeld verschil -0,9996 (toegestaan: hoogstens 1,00)")])
def test_explain_shows_a_bias_just_inside_the_maximum_apart_from_it(bias, detail):
    """Half a thousandth inside the maximum, high or low: does the detail show enough decimals not to
    read as the maximum itself (+1,00 or -1,00), compared with the maximum on the bias's own side?"""
    check = explained(bias=bias)[2]
    assert check.met is True and check.detail == detail


@pytest.mark.parametrize("x, threshold, digits, shown", [
    (0.69, 0.70, 2, "0,69"),      # apart at two decimals
    (0.70, 0.70, 2, "0,70"),      # the threshold itself
    (0.6953, 0.70, 2, "0,695"),   # one more decimal
    (0.6996, 0.70, 2, "0,6996"),  # two more
    (0.69999, 0.70, 2, "0,7000"),  # never more than two more: then it is rounded as is
    (1.04, 1.0, 1, "1,04"),
    (1.00001, 1.0, 1, "1,000"),
])
def test_a_figure_gets_the_decimals_that_set_it_apart_from_its_threshold(x, threshold, digits, shown):
    """Does a figure near its threshold get one or two more decimals, as many as it takes to read
    differently from the threshold, and never more than two more?"""
    from oefenkit.certification import _nl_apart

    assert _nl_apart(x, threshold, digits) == shown


@pytest.mark.parametrize("stats", [{"n_clips": 0}, {}], ids=["zero", "missing"])
def test_explain_of_an_unscored_scale_says_zero_clips(stats):
    """With no clip scored (0, or nothing stored), does the scale read "je hebt 0 fragmenten gescoord"?"""
    from oefenkit.certification import explain

    checks = explain({"scales": {"sensitiviteit": stats}}, EXPLAIN_RULE, {"sensitiviteit": "Sensitiviteit"})
    assert [(c.met, c.text) for c in checks[:1]] == [
        (False, "Sensitiviteit: je hebt 0 fragmenten gescoord; er zijn er minstens 8 nodig.")]


def test_a_trainee_just_under_the_consensus_is_told_too_low(scoring_rule):
    """Under a stricter rule (at most 0,5 point), is a mean difference of −0,8 reported as "te laag"?"""
    import dataclasses

    strict = dataclasses.replace(scoring_rule, scales={
        s: dataclasses.replace(th, abs_bias_max=0.5) for s, th in scoring_rule.scales.items()})
    consensus = [2, 3, 3, 4, 5, 5, 6, 7, 8, 9]
    trainee = [1, 2, 2, 3, 4, 4, 5, 6, 8, 9]  # eight clips one point low, two exact: −0,8
    decision = decide(strict, both_scales(trainee), both_scales(consensus))
    assert decision.statistics["scales"]["sensitiviteit"]["bias"] == pytest.approx(-0.8)
    assert any(r.endswith("gemiddeld 0,80 punten te laag (toegestaan: 0,50).") for r in about(decision, "sensitiviteit"))


def test_a_scale_without_expert_scores_does_not_stop_the_next(scoring_rule):
    """When the first scale of the rule has no expert scores, is the next scale still given its consensus?"""
    from oefenkit.certification import decide_against_experts

    experts = {"cooperatie": [(e, code, v) for e in ("a", "b") for code, v in clips(PASS_CONSENSUS).items()]}
    assert list(scoring_rule.scales)[0] == "sensitiviteit"
    decision = decide_against_experts(scoring_rule, both_scales(PASS_TRAINEE), experts,
                                      {s: (1, 9) for s in SCALES}, case_set_code="toets")
    assert decision.statistics["scales"]["sensitiviteit"] == {"n_clips": 0}
    assert decision.statistics["scales"]["cooperatie"]["n_clips"] == 10
    assert set(decision.statistics["expert_consensus"]) == {"cooperatie"}


def test_out_of_range_score_is_refused_even_on_a_scale_with_too_few_clips(scoring_rule):
    """Is a score of 10 refused by decide() itself, also on a scale with too few clips (where the
    agreement statistics, which check the range too, are never computed)?"""
    trainee, consensus = both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS)
    trainee["sensitiviteit"] = clips([1, 2, 3, 4, 5, 6, 10])
    consensus["sensitiviteit"] = clips([1, 2, 3, 4, 5, 6, 9])
    with pytest.raises(ValidationError, match="Score 10 voor c07 ligt buiten de schaal 1–9"):
        decide(scoring_rule, trainee, consensus)


def test_explain_of_a_rule_without_min_clips_says_zero():
    """A stored rule without ``min_clips``: does the too-few-clips line say "minstens 0"?"""
    from oefenkit.certification import explain

    checks = explain({"scales": {"sensitiviteit": {"n_clips": 3}}}, {"scales": {}}, {"sensitiviteit": "Sensitiviteit"})
    assert [c.text for c in checks] == ["Sensitiviteit: je hebt 3 fragmenten gescoord; er zijn er minstens 0 nodig."]


def test_explain_goes_on_after_a_scale_with_too_few_clips():
    """When the first scale had too few clips, are the next scale's rules still explained?"""
    from oefenkit.certification import explain

    full = {"n_clips": 10, "icc_a1": 0.9, "within_one": 1.0, "bias": 0.0,
            "low_extremes": {"band": [1, 2], "consensus_items": 2, "recognised": 2}}
    rule = {"min_clips": 8, "scales": {s: EXPLAIN_RULE["scales"]["sensitiviteit"] for s in SCALES}}
    checks = explain({"scales": {"sensitiviteit": {"n_clips": 3}, "cooperatie": full}}, rule)
    assert [c.scale for c in checks] == ["sensitiviteit"] + ["cooperatie"] * 4


def test_a_rule_made_in_code_needs_no_supervised_cases_and_decisions_are_immutable(scoring_rule):
    """Does a CertificationRule built without ``required_supervised_cases`` need none, and is a
    Decision a value nobody can change after the fact?"""
    import dataclasses

    rule = CertificationRule(programme="p", name="P", min_clips=8, scales=scoring_rule.scales, validity_years=2,
                             renewal="none")
    assert rule.required_supervised_cases == 0
    decision = decide(rule, both_scales(PASS_TRAINEE), both_scales(PASS_CONSENSUS))
    assert decision.passed is True and "supervised_cases" not in decision.statistics
    with pytest.raises(dataclasses.FrozenInstanceError):
        decision.passed = False  # type: ignore[misc]


def test_the_first_unknown_threshold_field_is_named(tmp_path):
    """With two unknown fields in a scale, is the alphabetically first one named?"""
    data = base_rule()
    data["scales"]["sensitiviteit"].update({"zz_extra": 1, "aa_extra": 1})
    refused(write_rule(tmp_path, "twee.yaml", data), "onbekend veld 'aa_extra'")


def test_decide_against_experts_takes_the_case_set_by_keyword_only(scoring_rule):
    """Is ``case_set_code`` keyword-only, while the rule, scores and ranges may be named?"""
    from oefenkit.certification import decide_against_experts

    experts = {s: [(e, code, v) for e in ("a", "b") for code, v in clips(PASS_CONSENSUS).items()] for s in SCALES}
    ranges = {s: (1, 9) for s in SCALES}
    named = decide_against_experts(rule=scoring_rule, trainee=both_scales(PASS_TRAINEE), expert_scores=experts,
                                   scale_ranges=ranges, case_set_code="toets")
    assert named.passed is True
    with pytest.raises(TypeError):
        decide_against_experts(scoring_rule, both_scales(PASS_TRAINEE), experts, ranges, "toets")  # type: ignore[misc]


def test_rules_thresholds_and_explained_checks_cannot_be_changed(scoring_rule):
    """Are a loaded rule, its thresholds and an explained check immutable values (a widget holding
    one cannot lower a threshold for everyone)?"""
    import dataclasses

    check = explained()[0]
    for value, field in ((scoring_rule, "min_clips"), (scoring_rule.scales["sensitiviteit"], "icc_a1_min"), (check, "met")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, field, 0)
