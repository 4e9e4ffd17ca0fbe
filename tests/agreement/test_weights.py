"""Category weights and the item × category count table."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oefenkit.agreement.weights import WEIGHT_KINDS, category_counts, category_weights
from oefenkit.errors import RatingsInputError


def test_linear_weights_match_irrcac_example():
    """Do linear weights on 1:3 equal irrCAC's ``linear.weights(1:3)``?"""
    # irrCAC R/weights.gen.r: 1 - |k - l| / (max - min)
    expected = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.5], [0.0, 0.5, 1.0]])
    np.testing.assert_array_equal(category_weights(np.array([1.0, 2.0, 3.0]), "linear"), expected)


def test_quadratic_weights_match_irrcac_example():
    """Do quadratic weights on 1:3 equal irrCAC's ``quadratic.weights(1:3)``?"""
    expected = np.array([[1.0, 0.75, 0.0], [0.75, 1.0, 0.75], [0.0, 0.75, 1.0]])
    np.testing.assert_array_equal(category_weights(np.array([1.0, 2.0, 3.0]), "quadratic"), expected)


@pytest.mark.parametrize("kind", ["unweighted", "identity"])
def test_unweighted_is_identity(kind):
    """Are "unweighted" and "identity" both the identity matrix?"""
    np.testing.assert_array_equal(category_weights(np.arange(1.0, 10.0), kind), np.eye(9))


def test_weights_use_values_not_ranks():
    """Does a gap between used categories count as distance (values, not ranks)?"""
    w = category_weights(np.array([1.0, 2.0, 5.0]), "linear")
    assert w[0, 1] == pytest.approx(0.75)  # 1 vs 2: one step of four
    assert w[1, 2] == pytest.approx(0.25)  # 2 vs 5: three steps of four
    assert w[0, 2] == 0.0


def test_full_scale_weights_are_the_nine_point_matrix():
    """On the declared 1–9 range is the linear weight 1 - |k-l|/8?"""
    w = category_weights(np.arange(1.0, 10.0), "linear")
    k, l = np.meshgrid(np.arange(1, 10), np.arange(1, 10), indexing="ij")
    np.testing.assert_allclose(w, 1 - np.abs(k - l) / 8, rtol=0, atol=1e-15)


def test_single_category_gives_one_by_one():
    """Does a single category give [[1]] for every kind (no division by zero)?"""
    for kind in WEIGHT_KINDS:
        np.testing.assert_array_equal(category_weights(np.array([5.0]), kind), [[1.0]])


def test_unknown_kind_is_rejected_in_dutch():
    """Is an unknown weighting rejected with a Dutch message?"""
    with pytest.raises(RatingsInputError, match="Onbekende weging"):
        category_weights(np.array([1.0, 2.0]), "cubic")


@pytest.mark.parametrize("cats", [[2.0, 1.0], [1.0, 1.0], [], [1.0, np.nan]])
def test_categories_must_increase(cats):
    """Are unsorted, repeated, empty or NaN categories rejected?"""
    with pytest.raises(RatingsInputError, match="oplopende"):
        category_weights(np.array(cats), "linear")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(-20, 20), min_size=1, max_size=12, unique=True),
    st.sampled_from(WEIGHT_KINDS),
)
def test_weights_are_symmetric_with_unit_diagonal(values, kind):
    """Are weights always symmetric, 1 on the diagonal and within [0, 1]?"""
    w = category_weights(np.array(sorted(values), dtype=float), kind)
    np.testing.assert_array_equal(w, w.T)
    np.testing.assert_array_equal(np.diag(w), 1.0)
    assert w.min() >= 0.0 and w.max() <= 1.0


def test_counts_per_item_and_category():
    """Does the count table say how many raters put each item in each category?"""
    m = np.array([[1.0, 1.0, np.nan], [2.0, 3.0, 3.0], [np.nan, np.nan, np.nan]])
    counts = category_counts(m, np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(counts, [[2, 0, 0], [0, 1, 2], [0, 0, 0]])


def test_counts_reject_scores_outside_the_categories():
    """Is a score that is not a category (4.5 on 1..9) rejected?"""
    with pytest.raises(RatingsInputError, match="geen categorie"):
        category_counts(np.array([[4.5, 4.0]]), np.arange(1.0, 10.0))


def test_counts_without_check_skip_unknown_scores():
    """With check=False, are scores outside the categories simply not counted?"""
    counts = category_counts(np.array([[4.5, 4.0]]), np.arange(1.0, 10.0), check=False)
    assert counts.sum() == 1 and counts[0, 3] == 1


def test_counts_for_many_categories_use_the_same_rules():
    """With more than 32 categories (the sorted path), are counts and checks the same?"""
    rng = np.random.default_rng(3)
    cats = np.arange(40.0)
    m = rng.integers(0, 40, size=(30, 7)).astype(float)
    m[rng.random(m.shape) < 0.2] = np.nan
    counts = category_counts(m, cats)
    expected = np.array([[np.sum(row == c) for c in cats] for row in m])
    np.testing.assert_array_equal(counts, expected)
    with pytest.raises(RatingsInputError):
        category_counts(np.array([[0.5, 1.0]]), cats)
    assert category_counts(np.array([[0.5, 1.0]]), cats, check=False).sum() == 1
