"""A trainee against the expert consensus, and the consensus rule itself."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oefenkit.agreement import Ratings
from oefenkit.agreement.icc import icc, icc_a1_many
from oefenkit.agreement.percent import percent_agreement
from oefenkit.agreement.trainee import expert_consensus, trainee_vs_experts
from oefenkit.errors import RatingsInputError, StatisticUndefined

FAST = settings(max_examples=50, deadline=None, database=None)
nan = math.nan

CONSENSUS = {"c1": 1, "c2": 2, "c3": 5, "c4": 6, "c5": 8, "c6": 9, "c7": 4, "c8": 3}
TRAINEE = {"c1": 2, "c2": 3, "c3": 5, "c4": 7, "c5": 8, "c6": 8, "c7": None, "c9": 1}


def pingouin_icc_a1(x, y) -> float:
    long = pd.DataFrame([(i, r, v) for i, pair in enumerate(zip(x, y)) for r, v in enumerate(pair)],
                        columns=["item", "rater", "score"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = pg.intraclass_corr(long, "item", "rater", "score")
    return table.set_index("Type").loc["ICC(A,1)", "ICC"]


# -- trainee_vs_experts ----------------------------------------------------------------------


def test_counts_only_items_both_scored():
    """Are the numbers over exactly the items that both the trainee and the consensus scored?"""
    res = trainee_vs_experts(TRAINEE, CONSENSUS, scale_min=1, scale_max=9)
    assert res.n_items == 6  # c1–c6: c7 unscored by the trainee, c8 and c9 on one side only
    t = np.array([2, 3, 5, 7, 8, 8.0])
    c = np.array([1, 2, 5, 6, 8, 9.0])
    assert res.within_one == 1.0
    assert res.bias == pytest.approx(np.mean(t - c)) and res.bias > 0
    assert res.mad == pytest.approx(np.mean(np.abs(t - c)))
    assert res.icc_a1 == pytest.approx(pingouin_icc_a1(t, c), rel=1e-9)
    assert res.warnings == ()


def test_extreme_bands_and_scale_ends():
    """Are the extreme bands 1–2 and 8–9 counted, and does use of 1 count on any item the trainee scored?"""
    res = trainee_vs_experts(TRAINEE, CONSENSUS, scale_min=1, scale_max=9)
    assert (res.low_extremes.low, res.low_extremes.high) == (1, 2)
    assert (res.low_extremes.consensus_items, res.low_extremes.recognised) == (2, 1)  # c1 yes, c2 (3) no
    assert (res.high_extremes.low, res.high_extremes.high) == (8, 9)
    assert (res.high_extremes.consensus_items, res.high_extremes.recognised) == (2, 2)
    assert res.extremes_recognised == 0.75
    assert res.used_scale_min is True  # only on c9, which has no consensus
    assert res.used_scale_max is False


def test_no_extreme_items_gives_none_share():
    """Without consensus items in either band, is the extremes share None rather than 0 or NaN?"""
    res = trainee_vs_experts({"a": 4, "b": 6, "c": 5}, {"a": 4, "b": 5, "c": 6}, scale_min=1, scale_max=9)
    assert res.low_extremes.consensus_items == res.high_extremes.consensus_items == 0
    assert res.extremes_recognised is None
    assert res.as_dict()["extremes_recognised"] is None


def test_icc_matches_batch_api():
    """Is the trainee's ICC(A,1) the value icc_a1_many gives for the same scores?"""
    items = sorted(CONSENSUS)
    row = np.array([[TRAINEE.get(i) if TRAINEE.get(i) is not None else nan for i in items]], dtype=float)
    ref = np.array([CONSENSUS[i] for i in items], dtype=float)
    res = trainee_vs_experts(TRAINEE, CONSENSUS, scale_min=1, scale_max=9)
    assert res.icc_a1 == pytest.approx(icc_a1_many(row, ref)[0], abs=1e-12)


@pytest.mark.parametrize(
    "trainee, consensus",
    [({"a": 5}, {"a": 5}), ({"a": 5, "b": 5}, {"a": 5, "b": 5}), ({"a": 3, "b": 5}, {"a": 5, "b": 3})],
    ids=["one item", "all equal", "equal item means"],
)
def test_undefined_icc_is_none_with_dutch_warning(trainee, consensus):
    """When ICC(A,1) is undefined, is it None with a Dutch warning while the other numbers stay?"""
    res = trainee_vs_experts(trainee, consensus, scale_min=1, scale_max=9)
    assert res.icc_a1 is None
    assert len(res.warnings) == 1 and res.warnings[0].startswith("ICC(A,1) is niet berekend")
    assert math.isfinite(res.within_one) and math.isfinite(res.bias)
    assert res.as_dict()["icc_a1"] is None


def test_no_common_items_raises():
    """With no item scored by both, is that StatisticUndefined with a Dutch reason?"""
    with pytest.raises(StatisticUndefined, match="geen gescoord item gemeen"):
        trainee_vs_experts({"a": 3, "b": None}, {"b": 4, "c": 5}, scale_min=1, scale_max=9)


@pytest.mark.parametrize(
    "trainee, words",
    [({"a": 10}, "buiten de schaal"), ({"a": 0}, "buiten de schaal"), ({"a": "veel"}, "geen getal")],
)
def test_bad_scores_are_input_errors(trainee, words):
    """Are out-of-scale and non-numeric scores a RatingsInputError naming the item?"""
    with pytest.raises(RatingsInputError, match=words):
        trainee_vs_experts(trainee, {"a": 5}, scale_min=1, scale_max=9)


def test_bad_scale_is_an_input_error():
    """Is a scale whose minimum is not below its maximum rejected?"""
    with pytest.raises(RatingsInputError, match="minimum"):
        trainee_vs_experts({"a": 5}, {"a": 5}, scale_min=9, scale_max=1)


def test_as_dict_is_json_ready():
    """Does as_dict hold plain numbers, lists and bools only?"""
    d = trainee_vs_experts(TRAINEE, CONSENSUS, scale_min=1, scale_max=9).as_dict()
    assert set(d) == {"n_items", "icc_a1", "within_one", "bias", "mad", "low_extremes", "high_extremes",
                      "extremes_recognised", "used_scale_min", "used_scale_max", "warnings"}
    assert d["low_extremes"] == {"band": [1.0, 2.0], "consensus_items": 2, "recognised": 1}


trainee_items = st.dictionaries(st.sampled_from([f"clip{i}" for i in range(15)]), st.integers(1, 9),
                                min_size=1, max_size=15)


@FAST
@given(scores=trainee_items)
def test_perfect_agreement_property(scores):
    """Does a trainee who matches the consensus exactly get within-1 1, bias 0, all extremes, and ICC 1 if defined?"""
    res = trainee_vs_experts(scores, dict(scores), scale_min=1, scale_max=9)
    assert (res.within_one, res.bias, res.mad) == (1.0, 0.0, 0.0)
    assert res.low_extremes.recognised == res.low_extremes.consensus_items
    assert res.high_extremes.recognised == res.high_extremes.consensus_items
    assert res.icc_a1 is None or res.icc_a1 == 1.0


@FAST
@given(trainee=trainee_items, consensus=trainee_items, data=st.data())
def test_item_order_changes_nothing(trainee, consensus, data):
    """Does the order in which items arrive leave the result unchanged?"""
    def shuffled(d):
        keys = data.draw(st.permutations(list(d)))
        return {k: d[k] for k in keys}

    try:
        a = trainee_vs_experts(trainee, consensus, scale_min=1, scale_max=9)
    except StatisticUndefined:
        with pytest.raises(StatisticUndefined):
            trainee_vs_experts(shuffled(trainee), shuffled(consensus), scale_min=1, scale_max=9)
        return
    b = trainee_vs_experts(shuffled(trainee), shuffled(consensus), scale_min=1, scale_max=9)
    assert a == b


# -- expert_consensus -----------------------------------------------------------------------------


def _consensus(rows, lo=1, hi=9):
    return expert_consensus(Ratings.from_matrix(rows, scale_min=lo, scale_max=hi))


@pytest.mark.parametrize(
    "scores, expected",
    [
        ([5, 6, 9], 6.0),  # odd: the median itself
        ([2, 3], 3.0),  # tie below the midpoint → up, toward 5
        ([7, 8], 7.0),  # tie above the midpoint → down, toward 5
        ([1, 9], 5.0),
        ([1, 1, 2, 9], 2.0),  # median 1.5: a tie, toward the midpoint
        ([4, nan, nan], 4.0),  # a single expert
    ],
)
def test_consensus_rule(scores, expected):
    """Is the consensus the experts' median, with a half-point tie moved toward the scale midpoint?"""
    assert _consensus([scores]).scores["1"] == expected


def test_consensus_on_an_even_scale_breaks_a_midpoint_tie_downward():
    """On a 1–4 scale, does a median of exactly 2.5 (the midpoint) go down to 2?"""
    assert _consensus([[2, 3], [1, 4]], lo=1, hi=4).scores == {"1": 2.0, "2": 2.0}


def test_consensus_reports_experts_agreement():
    """Are the experts' ICC(A,1), pairwise p_a, within-1 share and per-item spread reported?"""
    rows = [[2, 3, 2], [7, 8, 8], [5, 5, 5], [1, 1, 2], [9, 8, 9], [4, nan, 6]]
    r = Ratings.from_matrix(rows, items=list("abcdef"), scale_min=1, scale_max=9)
    cons = expert_consensus(r)
    assert cons.icc_a1 == icc(r)["ICC2"].value
    assert cons.pairwise == percent_agreement(r, "pairwise")
    assert cons.within_one == percent_agreement(r, "within_1") == 1.0
    assert cons.spread == {"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0, "e": 1.0, "f": 2.0}
    assert cons.n_experts["f"] == 2 and cons.scores["f"] == 5.0
    assert cons.warnings == ()


def test_single_expert_gives_scores_but_no_agreement():
    """With one expert, is the consensus that expert's scores, with None and Dutch warnings for agreement?"""
    cons = _consensus([[3], [7], [9]])
    assert cons.scores == {"1": 3.0, "2": 7.0, "3": 9.0}
    assert cons.icc_a1 is None and cons.pairwise is None and cons.within_one is None
    assert len(cons.warnings) == 3 and all("van de experts is niet berekend" in w for w in cons.warnings)
    assert cons.as_dict()["icc_a1"] is None


def test_items_without_expert_scores_are_left_out():
    """Is an item no expert scored absent from the consensus rather than NaN?"""
    cons = _consensus([[3, 4], [nan, nan], [6, 6]])
    assert set(cons.scores) == {"1", "3"}


def test_consensus_needs_a_scale_and_a_score():
    """Is a missing scale a RatingsInputError, and no expert score at all StatisticUndefined?"""
    with pytest.raises(RatingsInputError, match="schaal"):
        expert_consensus(Ratings.from_matrix([[3, 4]]))
    with pytest.raises(StatisticUndefined, match="Geen enkel item"):
        _consensus([[nan, nan], [nan, nan]])


expert_rows = st.lists(st.lists(st.one_of(st.integers(1, 9).map(float), st.just(nan)), min_size=3, max_size=3),
                       min_size=1, max_size=10).filter(lambda rows: any(not math.isnan(v) for r in rows for v in r))


@FAST
@given(rows=expert_rows)
def test_consensus_is_a_scale_point_and_mirrors(rows):
    """Is the consensus always a whole scale point, and does mirroring the scale (x → 10 − x) mirror it?"""
    m = np.array(rows)
    a = _consensus(m).scores
    b = _consensus(10 - m).scores
    for item, value in a.items():
        assert value == int(value) and 1 <= value <= 9
        assert b[item] == 10 - value


@FAST
@given(rows=expert_rows, data=st.data())
def test_consensus_ignores_order_of_experts_and_items(rows, data):
    """Does reordering experts and items give the same consensus per item?"""
    m = np.array(rows)
    names = [f"i{i}" for i in range(len(rows))]
    rperm = data.draw(st.permutations(range(len(rows))))
    cperm = data.draw(st.permutations(range(3)))
    a = expert_consensus(Ratings.from_matrix(m, items=names, scale_min=1, scale_max=9))
    b = expert_consensus(Ratings.from_matrix(m[np.ix_(rperm, cperm)], items=[names[i] for i in rperm],
                                             raters=[str(c + 1) for c in cperm], scale_min=1, scale_max=9))
    assert a.scores == b.scores and a.spread == b.spread
    for x, y in [(a.icc_a1, b.icc_a1), (a.pairwise, b.pairwise), (a.within_one, b.within_one)]:
        assert (x is None) == (y is None)
        if x is not None:
            assert x == pytest.approx(y, abs=1e-9)


@FAST
@given(rows=expert_rows)
def test_consensus_is_never_more_extreme_than_half_the_experts(rows):
    """With whole-point scores, do at least half the experts score at least as extreme as the consensus?"""
    m = np.array(rows)
    cons = _consensus(m)
    for item, row in zip(cons.scores, m[[not np.isnan(r).all() for r in m]]):
        values = row[~np.isnan(row)]
        c = cons.scores[item]
        if c < 5:
            assert np.sum(values <= c) * 2 >= len(values)
        elif c > 5:
            assert np.sum(values >= c) * 2 >= len(values)
