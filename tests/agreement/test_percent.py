"""Percent agreement: irrCAC's published example, statsmodels, and a literal pair-by-pair count.

Sources of the pinned numbers: ``reference/cac_raw4raters.R``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from oefenkit.agreement import Ratings
from oefenkit.agreement.percent import PERCENT_KINDS, percent_agreement
from oefenkit.errors import StatisticUndefined, ValidationError

FAST = settings(max_examples=50, deadline=None, database=None)
nan = math.nan

#: irrCAC ``cac.raw4raters`` (Gwet 2014): 12 units × 4 raters, as printed in irrCAC's README.
CAC_RAW4RATERS = [
    [1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
    [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan],
]


def test_pairwise_reproduces_irrcac_published_value():
    """Is Gwet's p_a of cac.raw4raters the 0.8181818 irrCAC's pa.coeff.raw publishes?"""
    assert round(percent_agreement(Ratings.from_matrix(CAC_RAW4RATERS), "pairwise"), 7) == 0.8181818


def test_exact_and_within_one_follow_irr_agree():
    """Do exact and within-1 drop incomplete items and count all-equal / max−min ≤ 1 (5/8 and 7/8)?"""
    r = Ratings.from_matrix(CAC_RAW4RATERS)
    assert percent_agreement(r, "exact") == 5 / 8
    assert percent_agreement(r, "within_1") == 7 / 8


def test_within_one_tolerates_binary_rounding():
    """Are 1.2 and 2.2 within one point, although 2.2 − 1.2 > 1 in binary floating point?"""
    assert 2.2 - 1.2 > 1
    assert percent_agreement(Ratings.from_matrix([[1.2, 2.2], [3, 5]]), "within_1") == 0.5


def literal_pa(m: np.ndarray) -> float:
    """Gwet's p_a by enumerating every ordered pair of raters on every item."""
    shares = []
    for row in m:
        scores = [v for v in row if not math.isnan(v)]
        if len(scores) < 2:
            continue
        pairs = list(itertools.permutations(scores, 2))
        shares.append(sum(a == b for a, b in pairs) / len(pairs))
    return sum(shares) / len(shares)


def literal_agree(m: np.ndarray, tolerance: float) -> float:
    """irr::agree: ``na.omit``, then the share of rows with max − min ≤ tolerance."""
    rows = [row for row in m if not any(math.isnan(v) for v in row)]
    return sum(max(row) - min(row) <= tolerance for row in rows) / len(rows)


@pytest.mark.parametrize("seed", range(6))
def test_matches_literal_definitions_on_random_data(seed):
    """On random 1–9 scores with gaps, do all three kinds equal a literal pair-by-pair / row-by-row count?"""
    rng = np.random.default_rng(seed)
    n, k = rng.integers(5, 40), rng.integers(2, 7)
    m = np.clip(rng.integers(3, 8, size=(n, 1)) + rng.integers(-1, 2, size=(n, k)), 1, 9).astype(float)
    m[rng.random((n, k)) < 0.1] = np.nan
    m[0] = m[0, 0] if not math.isnan(m[0, 0]) else 5.0  # at least one complete item
    r = Ratings.from_matrix(m)
    assert percent_agreement(r, "pairwise") == pytest.approx(literal_pa(m), abs=1e-12)
    assert percent_agreement(r, "exact") == pytest.approx(literal_agree(m, 0), abs=1e-12)
    assert percent_agreement(r, "within_1") == pytest.approx(literal_agree(m, 1), abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_pairwise_matches_statsmodels_on_complete_data(seed):
    """With complete data, is p_a the observed agreement behind statsmodels' Randolph (free-marginal) kappa?"""
    rng = np.random.default_rng(100 + seed)
    m = rng.integers(1, 6, size=(30, 4)).astype(float)
    table, categories = aggregate_raters(m.astype(int))
    q = len(categories)
    kappa_free = fleiss_kappa(table, method="randolph")  # (p_a − 1/q) / (1 − 1/q)
    expected = kappa_free * (1 - 1 / q) + 1 / q
    assert percent_agreement(Ratings.from_matrix(m), "pairwise") == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "matrix, kind, words",
    [
        ([[1], [2]], "exact", "twee beoordelaars"),
        ([[1], [2]], "pairwise", "twee beoordelaars"),
        ([[1, nan], [nan, 2]], "exact", "Geen enkel item"),
        ([[1, nan], [nan, 2]], "within_1", "Geen enkel item"),
        ([[1, nan], [nan, 2]], "pairwise", "minstens twee"),
        ([[nan, nan], [nan, nan]], "pairwise", "minstens twee"),
        ([[nan, nan], [nan, nan]], "exact", "Geen enkel item"),
    ],
)
def test_undefined_data_raises_dutch_reason(matrix, kind, words):
    """Does data without percent agreement raise StatisticUndefined with a Dutch reason?"""
    with pytest.raises(StatisticUndefined, match=words):
        percent_agreement(Ratings.from_matrix(matrix), kind)


def test_constant_ratings_are_full_agreement():
    """Is everyone giving the same score 100 % agreement (defined, unlike ICC)?"""
    r = Ratings.from_matrix([[4, 4, 4]] * 5)
    assert [percent_agreement(r, kind) for kind in PERCENT_KINDS] == [1.0, 1.0, 1.0]


def test_unknown_kind_is_rejected():
    """Is an unknown kind a ValidationError with a Dutch message?"""
    with pytest.raises(ValidationError, match="Onbekende soort"):
        percent_agreement(Ratings.from_matrix([[1, 1]]), "kappa")


# -- properties ---------------------------------------------------------------------------------

cell = st.one_of(st.integers(1, 9).map(float), st.just(nan))


@st.composite
def matrices(draw, complete=False, raters=(2, 5)):
    n = draw(st.integers(1, 12))
    k = draw(st.integers(*raters))
    value = st.integers(1, 9).map(float) if complete else cell
    return np.array(draw(st.lists(st.lists(value, min_size=k, max_size=k), min_size=n, max_size=n)))


def _all_kinds(m: np.ndarray) -> dict[str, float | None]:
    out = {}
    for kind in PERCENT_KINDS:
        try:
            out[kind] = percent_agreement(Ratings.from_matrix(m), kind)
        except StatisticUndefined:
            out[kind] = None
    return out


@FAST
@given(m=matrices(), data=st.data())
def test_permuting_items_and_raters_changes_nothing(m, data):
    """Does reordering items and raters leave all three kinds unchanged?"""
    rows = data.draw(st.permutations(range(m.shape[0])))
    cols = data.draw(st.permutations(range(m.shape[1])))
    before, after = _all_kinds(m), _all_kinds(m[np.ix_(rows, cols)])
    for kind in PERCENT_KINDS:
        if before[kind] is None:
            assert after[kind] is None
        else:
            assert after[kind] == pytest.approx(before[kind], abs=1e-12)
            assert 0.0 <= before[kind] <= 1.0


@FAST
@given(m=matrices(), where=st.integers(0, 12))
def test_an_all_missing_item_changes_nothing(m, where):
    """Does inserting an item nobody scored leave exact, within-1 and pairwise agreement unchanged?"""
    blank = np.full((1, m.shape[1]), nan)
    pos = min(where, m.shape[0])
    assert _all_kinds(np.vstack([m[:pos], blank, m[pos:]])) == _all_kinds(m)


@FAST
@given(values=st.lists(st.integers(1, 9), min_size=1, max_size=15), k=st.integers(2, 6),
       holes=st.lists(st.tuples(st.integers(0, 14), st.integers(0, 5)), max_size=5))
def test_perfect_agreement_is_one(values, k, holes):
    """Do raters who give the same scores (some missing) always agree 100 % on every kind?"""
    m = np.repeat(np.array(values, dtype=float)[:, None], k, axis=1)
    m = np.vstack([m, m[:1]])  # keep at least one complete item
    for i, j in holes:
        if i < len(values) and j < k:
            m[i, j] = nan
    result = _all_kinds(m)
    assert result["exact"] == 1.0 and result["within_1"] == 1.0
    assert result["pairwise"] == 1.0


@FAST
@given(m=matrices(complete=True, raters=(2, 2)))
def test_two_raters_exact_equals_pairwise(m):
    """With two raters and no gaps, is exact agreement the same as Gwet's p_a?"""
    kinds = _all_kinds(m)
    assert kinds["exact"] == pytest.approx(kinds["pairwise"], abs=1e-12)
