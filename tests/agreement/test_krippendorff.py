"""Krippendorff's alpha.

Published values: Krippendorff (2011), see ``reference/datasets.py``; the
ordinal value is the one the ``krippendorff`` package and the pair-by-pair
implementation in ``reference/naive.py`` compute
(``reference/make_reference_values.py`` prints all of them).
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oefenkit.agreement.krippendorff import LEVELS, krippendorff_alpha
from oefenkit.errors import RatingsInputError, StatisticUndefined

from .reference import datasets as data
from .reference import naive
from .test_kappa import matrices, perfect, random_matrix, ratings


def package_alpha(m, level, **kwargs):
    """The krippendorff package on our items × raters matrix (it wants raters × units)."""
    return krippendorff.alpha(reliability_data=np.asarray(m).T, level_of_measurement=level, **kwargs)


def outcome(r, level):
    try:
        return krippendorff_alpha(r, level)
    except StatisticUndefined:
        return StatisticUndefined


# -- published values ------------------------------------------------------------------


@pytest.mark.parametrize("level, published", [("nominal", 0.743), ("interval", 0.849), ("ratio", 0.797)])
def test_reproduces_krippendorff_2011(level, published):
    """Does the 4 observers × 12 units example with missing data give Krippendorff's published alphas?"""
    r = ratings(data.KRIPPENDORFF_2011_OBSERVERS.T)
    assert round(krippendorff_alpha(r, level), 3) == published


def test_ordinal_value_of_the_2011_example():
    """Is ordinal alpha for the 2011 example 0.815, as the krippendorff package and pair enumeration give?"""
    m = data.KRIPPENDORFF_2011_OBSERVERS.T
    ours = krippendorff_alpha(ratings(m), "ordinal")
    assert round(ours, 3) == 0.815
    assert ours == pytest.approx(package_alpha(m, "ordinal"), abs=1e-12)
    assert ours == pytest.approx(naive.alpha(m, "ordinal"), abs=1e-12)


def test_nominal_2011_equals_irrcac_krippen_alpha_raw():
    """Is nominal alpha 0.74342, as irrCAC's krippen.alpha.raw(cac.raw4raters) prints?"""
    assert round(krippendorff_alpha(ratings(data.CAC_RAW4RATERS), "nominal"), 5) == 0.74342


# -- reference implementations ---------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed, n_items, n_raters, q, missing", [
    (0, 12, 4, 5, 0.2), (1, 50, 30, 9, 0.1), (2, 30, 3, 3, 0.4), (3, 200, 5, 7, 0.0), (4, 20, 80, 9, 0.6),
])
def test_matches_krippendorff_package(level, seed, n_items, n_raters, q, missing):
    """Does alpha equal krippendorff.alpha (1e-9) at every level, with missing data?"""
    m = random_matrix(seed, n_items, n_raters, q, missing=missing)
    assert krippendorff_alpha(ratings(m), level) == pytest.approx(package_alpha(m, level), abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
def test_matches_package_on_half_points(level):
    """With non-integer scores (half points), does alpha still equal the package?"""
    m = random_matrix(5, 25, 4, 9, missing=0.2) / 2.0
    assert krippendorff_alpha(ratings(m), level) == pytest.approx(package_alpha(m, level), abs=1e-9)


def test_interval_matches_package_on_continuous_scores():
    """With continuous scores (every value distinct), does interval alpha equal the package?"""
    rng = np.random.default_rng(6)
    m = rng.normal(size=(15, 4)) + rng.normal(size=(15, 1)) * 2
    m[rng.random(m.shape) < 0.2] = np.nan
    assert krippendorff_alpha(ratings(m), "interval") == pytest.approx(package_alpha(m, "interval"), abs=1e-9)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("seed", [7, 8])
def test_matches_pair_enumeration(level, seed):
    """Does alpha equal the pair-by-pair coincidence computation of Krippendorff (2011)?"""
    m = random_matrix(seed, 15, 5, 6, missing=0.3)
    assert krippendorff_alpha(ratings(m), level) == pytest.approx(naive.alpha(m, level), abs=1e-12)


# -- declared range ----------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_declared_range_does_not_change_alpha(level):
    """Does declaring 1–9 leave alpha unchanged, also with unused categories between used ones?"""
    rng = np.random.default_rng(9)
    m = rng.choice([2.0, 3.0, 6.0, 8.0], size=(20, 4))
    m[rng.random(m.shape) < 0.15] = np.nan
    plain = krippendorff_alpha(ratings(m), level)
    declared = krippendorff_alpha(ratings(m, scale_min=1, scale_max=9), level)
    assert declared == plain
    assert plain == pytest.approx(package_alpha(m, level, value_domain=list(range(1, 10))), abs=1e-12)


def test_ordinal_alpha_uses_its_own_metric():
    """Is ordinal alpha (metric from marginal frequencies) different from interval alpha on the same data?"""
    m = data.KRIPPENDORFF_2011_OBSERVERS.T
    r = ratings(m)
    assert abs(krippendorff_alpha(r, "ordinal") - krippendorff_alpha(r, "interval")) > 0.01


# -- missing data ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
def test_units_with_one_value_are_dropped(level):
    """Does adding units that only one rater scored leave alpha unchanged?"""
    m = random_matrix(11, 15, 4, 5, missing=0.2)
    lone = np.full((3, 4), np.nan)
    lone[0, 0], lone[1, 2], lone[2, 3] = 1.0, 5.0, 3.0
    assert krippendorff_alpha(ratings(np.vstack([m, lone])), level) == pytest.approx(
        krippendorff_alpha(ratings(m), level), abs=1e-12
    )


# -- undefined and bad input ---------------------------------------------------------------


def test_one_rater_is_undefined():
    """Does alpha with a single rater raise StatisticUndefined (no pairable values), in Dutch?"""
    with pytest.raises(StatisticUndefined, match="twee of meer scores"):
        krippendorff_alpha(ratings(random_matrix(0, 10, 1)), "interval")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("scale", [{}, {"scale_min": 1, "scale_max": 9}])
def test_all_fives_is_undefined(level, scale):
    """When every score is 5, is alpha undefined (no expected disagreement), never NaN?"""
    with pytest.raises(StatisticUndefined, match="Alle scores zijn gelijk"):
        krippendorff_alpha(ratings(np.full((5, 3), 5.0), **scale), level)


def test_unknown_level_is_rejected():
    """Is an unknown level of measurement a RatingsInputError in Dutch?"""
    with pytest.raises(RatingsInputError, match="meetniveau"):
        krippendorff_alpha(ratings(random_matrix(0, 10, 3)), "quadratic")


def test_too_many_distinct_values_for_the_coincidence_matrix():
    """Are >2,000 distinct values refused for nominal alpha, while interval alpha still works?"""
    rng = np.random.default_rng(12)
    m = rng.normal(size=(1100, 2))
    with pytest.raises(RatingsInputError, match="Te veel verschillende scores"):
        krippendorff_alpha(ratings(m), "nominal")
    assert np.isfinite(krippendorff_alpha(ratings(m), "interval"))


# -- properties ------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(matrices(), st.sampled_from(LEVELS), st.randoms(use_true_random=False))
def test_order_of_items_and_raters_does_not_matter(m, level, rnd):
    """Does permuting items and raters leave alpha unchanged?"""
    rows, cols = list(range(m.shape[0])), list(range(m.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    a, b = outcome(ratings(m), level), outcome(ratings(m[rows][:, cols]), level)
    if a is StatisticUndefined or b is StatisticUndefined:
        assert a is b
    else:
        assert a == pytest.approx(b, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(perfect(), st.sampled_from(LEVELS))
def test_perfect_agreement_is_one(m, level):
    """When all raters agree on every item (two or more values used), is alpha 1?"""
    assert krippendorff_alpha(ratings(m), level) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(matrices(), st.sampled_from(LEVELS), st.integers(0, 12))
def test_all_missing_item_changes_nothing(m, level, at):
    """Does inserting an item nobody scored leave alpha unchanged?"""
    with_blank = np.insert(m, min(at, m.shape[0]), np.nan, axis=0)
    a, b = outcome(ratings(m), level), outcome(ratings(with_blank), level)
    if a is StatisticUndefined or b is StatisticUndefined:
        assert a is b
    else:
        assert a == pytest.approx(b, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(matrices(), st.sampled_from(LEVELS))
def test_agrees_with_package_on_arbitrary_small_data(m, level):
    """On arbitrary small data with missing values, does alpha equal the package whenever it is defined?"""
    a = outcome(ratings(m), level)
    if a is not StatisticUndefined:
        assert a == pytest.approx(package_alpha(m, level), abs=1e-9)
