"""Bland–Altman limits of agreement: Bland & Altman (1986) and an independent recomputation.

Sources of the pinned numbers: ``reference/pefr_bland_altman.py``.
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from oefenkit.agreement import Ratings
from oefenkit.agreement.blandaltman import BlandAltmanResult, bland_altman
from oefenkit.errors import StatisticUndefined

FAST = settings(max_examples=50, deadline=None, database=None)

#: Bland & Altman (1986), Lancet 327: 307–310, Table 1: PEFR (l/min), first reading per meter.
WRIGHT = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
MINI_WRIGHT = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]


@pytest.fixture
def pefr() -> Ratings:
    return Ratings.from_matrix(np.c_[WRIGHT, MINI_WRIGHT], raters=["wright", "mini"])


def test_pefr_published_bias_and_sd(pefr):
    """Do the 17 PEFR pairs give the published mean difference −2.1 and SD 38.8 l/min?"""
    ba = bland_altman(pefr, z=2)
    assert ba.n == 17
    assert round(ba.bias, 1) == -2.1
    assert round(ba.sd, 1) == 38.8


def test_pefr_published_limits(pefr):
    """Are the limits of agreement the published −79.7 to 75.5 l/min (bias ± 2 SD, as in the paper)?"""
    ba = bland_altman(pefr, z=2)
    # The paper computes the limits from its rounded figures: −2.1 ± 2 × 38.8.
    assert round(round(ba.bias, 1) - 2 * round(ba.sd, 1), 1) == -79.7
    assert round(round(ba.bias, 1) + 2 * round(ba.sd, 1), 1) == 75.5
    # Unrounded they can differ by at most 0.05 + 2 × 0.05 from the printed values.
    assert ba.loa[0] == pytest.approx(-79.7, abs=0.15)
    assert ba.loa[1] == pytest.approx(75.5, abs=0.15)


def test_pefr_limits_at_1_96_match_analyse_it(pefr):
    """With 1.96 SD and mini − Wright, are the limits Analyse-it's published −73.9 to 78.1 (bias 2.1)?"""
    mini_first = pefr.select_raters(["mini", "wright"])
    ba = bland_altman(mini_first)
    assert round(ba.bias, 1) == 2.1
    assert [round(v, 1) for v in ba.loa] == [-73.9, 78.1]


def test_difference_is_first_rater_minus_second(pefr):
    """Is the difference the first rater in ``ratings.raters`` minus the second?"""
    ba = bland_altman(pefr)
    assert ba.bias == pytest.approx(np.mean(np.subtract(WRIGHT, MINI_WRIGHT)), abs=1e-12)
    swapped = bland_altman(pefr.select_raters(["mini", "wright"]))
    assert swapped.bias == pytest.approx(-ba.bias, abs=1e-12)


def test_confidence_intervals_match_an_independent_computation(pefr):
    """Do the CIs of bias and limits equal the standard library / scipy computation of Bland & Altman (1986)?"""
    d = [a - b for a, b in zip(WRIGHT, MINI_WRIGHT)]
    n, mean, sd = len(d), statistics.fmean(d), statistics.stdev(d)
    t = stats.t.ppf(0.975, n - 1)
    ba = bland_altman(pefr, z=2)
    # bias: the ordinary one-sample t interval
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(0.95)
    assert ba.bias_ci95 == pytest.approx((ci.low, ci.high), abs=1e-9)
    # limits: ± t √(3 s² / n)
    half = t * math.sqrt(3 * sd**2 / n)
    assert ba.loa_lower_ci95 == pytest.approx((mean - 2 * sd - half, mean - 2 * sd + half), abs=1e-9)
    assert ba.loa_upper_ci95 == pytest.approx((mean + 2 * sd - half, mean + 2 * sd + half), abs=1e-9)
    # and the SEs, at the precision reference/pefr_bland_altman.py prints them
    assert round(sd / math.sqrt(n), 1) == 9.4 and round(math.sqrt(3 * sd**2 / n), 1) == 16.3


def test_items_either_rater_skipped_are_dropped(pefr):
    """Are items with a missing score left out, not counted as differences?"""
    m = np.vstack([np.c_[WRIGHT, MINI_WRIGHT], [[400, np.nan], [np.nan, np.nan]]])
    gappy = Ratings.from_matrix(m, raters=["wright", "mini"])
    assert bland_altman(gappy) == bland_altman(pefr)


def test_equal_differences_give_zero_width_not_an_error():
    """When every difference is the same, is the SD 0 and each interval zero-width (no NaN)?"""
    r = Ratings.from_matrix([[3, 2], [5, 4], [7, 6]])
    ba = bland_altman(r)
    assert (ba.bias, ba.sd) == (1.0, 0.0)
    assert ba.loa == (1.0, 1.0) and ba.bias_ci95 == (1.0, 1.0)
    assert ba.loa_lower_ci95 == (1.0, 1.0) and ba.loa_upper_ci95 == (1.0, 1.0)


@pytest.mark.parametrize(
    "matrix, words",
    [
        ([[1], [2], [3]], "precies twee"),
        ([[1, 2, 3], [2, 3, 4]], "precies twee"),
        ([[1, 2], [np.nan, 3], [4, np.nan]], "minstens twee items"),
        ([[np.nan, np.nan], [np.nan, np.nan]], "minstens twee items"),
    ],
    ids=["one rater", "three raters", "one paired item", "all missing"],
)
def test_undefined_data_raises_dutch_reason(matrix, words):
    """Does data without limits of agreement raise StatisticUndefined with a Dutch reason?"""
    with pytest.raises(StatisticUndefined, match=words):
        bland_altman(Ratings.from_matrix(matrix))


def test_as_dict_keys_and_types(pefr):
    """Does as_dict give the documented keys, pairs as lists of plain floats?"""
    d = bland_altman(pefr).as_dict()
    assert set(d) == {"bias", "sd", "loa", "bias_ci95", "loa_lower_ci95", "loa_upper_ci95", "n"}
    for key in ("loa", "bias_ci95", "loa_lower_ci95", "loa_upper_ci95"):
        assert isinstance(d[key], list) and all(type(v) is float for v in d[key])
    assert type(d["n"]) is int


# -- properties ---------------------------------------------------------------------------------

pairs = st.lists(st.tuples(st.integers(1, 9), st.integers(1, 9)), min_size=2, max_size=30)


@FAST
@given(rows=pairs, data=st.data())
def test_permuting_items_changes_nothing(rows, data):
    """Does reordering the items leave every number unchanged?"""
    order = data.draw(st.permutations(range(len(rows))))
    a = bland_altman(Ratings.from_matrix(rows))
    b = bland_altman(Ratings.from_matrix([rows[i] for i in order]))
    for x, y in zip(_numbers(a), _numbers(b)):
        assert x == pytest.approx(y, abs=1e-9)


@FAST
@given(rows=pairs)
def test_swapping_raters_mirrors_the_result(rows):
    """Does swapping the two raters negate the bias and mirror the limits, keeping the SD?"""
    a = bland_altman(Ratings.from_matrix(rows))
    b = bland_altman(Ratings.from_matrix([(y, x) for x, y in rows]))
    assert b.bias == pytest.approx(-a.bias, abs=1e-12) and b.sd == pytest.approx(a.sd, abs=1e-12)
    assert b.loa == pytest.approx((-a.loa[1], -a.loa[0]), abs=1e-9)
    assert b.loa_lower_ci95 == pytest.approx((-a.loa_upper_ci95[1], -a.loa_upper_ci95[0]), abs=1e-9)


@FAST
@given(values=st.lists(st.integers(1, 9), min_size=2, max_size=30))
def test_perfect_agreement_has_zero_bias_and_sd(values):
    """Do identical raters get bias 0, SD 0 and limits [0, 0]?"""
    ba = bland_altman(Ratings.from_matrix([(v, v) for v in values]))
    assert (ba.bias, ba.sd, ba.loa) == (0.0, 0.0, (0.0, 0.0))


def _numbers(r: BlandAltmanResult) -> list[float]:
    return [r.n, r.bias, r.sd, *r.loa, *r.bias_ci95, *r.loa_lower_ci95, *r.loa_upper_ci95]
