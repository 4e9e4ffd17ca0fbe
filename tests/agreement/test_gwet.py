"""Gwet's AC1 and AC2 (irrCAC ``gwet.ac1.raw``).

Where the pinned numbers come from: ``reference/datasets.py``,
``reference/irrcac_reference.R`` and ``reference/make_reference_values.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oefenkit.agreement.gwet import gwet_ac1, gwet_ac2
from oefenkit.errors import RatingsInputError, StatisticUndefined

from .reference import datasets as data
from .reference import naive
from .test_kappa import (
    assert_same_outcome,
    matrices,
    outcome,
    perfect,
    random_matrix,
    ratings,
)

# -- published values ------------------------------------------------------------------


def test_ac1_reproduces_irrcac_cac_raw4raters():
    """Does gwet.ac1.raw(cac.raw4raters) give AC1 0.77544, se 0.14295, CI (0.461, 1) as irrCAC's README?"""
    est = gwet_ac1(ratings(data.CAC_RAW4RATERS))
    assert round(est.value, 5) == 0.77544
    assert round(est.se, 5) == 0.14295
    assert (round(est.ci95[0], 3), est.ci95[1]) == (0.461, 1.0)


def test_ac1_reproduces_irrcac_distrib_6raters():
    """Does gwet.ac1.dist(distrib.6raters) give 0.4448007, se 0.08418757, CI (0.264, 0.625)?"""
    est = gwet_ac1(ratings(data.FLEISS_1971_DIAGNOSES[:15]))
    assert round(est.value, 7) == 0.4448007
    assert round(est.se, 8) == 0.08418757
    assert (round(est.ci95[0], 3), round(est.ci95[1], 3)) == (0.264, 0.625)


@pytest.mark.parametrize("weights, value, se, lower", [("linear", 0.859, 0.117, 0.600),
                                                       ("quadratic", 0.914, 0.104, 0.685)])
def test_ac2_reproduces_irrcac_cac_raw4raters(weights, value, se, lower):
    """Does AC2 on cac.raw4raters match irrCAC (values from the irrCAC Python port's tests)?"""
    est = gwet_ac2(ratings(data.CAC_RAW4RATERS), weights)
    assert (round(est.value, 3), round(est.se, 3), round(est.ci95[0], 3), est.ci95[1]) == (value, se, lower, 1.0)


# -- reference implementation --------------------------------------------------------------


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
@pytest.mark.parametrize("seed, n_items, n_raters, missing", [(0, 12, 4, 0.3), (1, 40, 7, 0.5), (2, 25, 2, 0.1),
                                                              (3, 60, 10, 0.0)])
def test_matches_irrcac_transcription(weights, seed, n_items, n_raters, missing):
    """With missing ratings, do value, SE and CI equal the line-by-line irrCAC transcription?"""
    m = random_matrix(seed, n_items, n_raters, 5, missing=missing)
    m = m[~np.isnan(m).all(axis=1)]
    est = gwet_ac1(ratings(m)) if weights == "unweighted" else gwet_ac2(ratings(m), weights)
    ref = naive.irrcac(m, "gwet", weights)
    assert est.value == pytest.approx(ref["value"], abs=1e-12)
    assert est.se == pytest.approx(ref["se"], abs=1e-12)
    assert est.ci95 == pytest.approx((ref["lcb"], ref["ucb"]), abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_declared_scale_matches_irrcac_with_categ_labels(weights):
    """With the 1–9 scale declared, is AC1/AC2 irrCAC's with categ.labels = 1:9?"""
    m = random_matrix(70, 20, 5, 4, missing=0.2, low=3)  # uses 3..6 only
    r = ratings(m, scale_min=1, scale_max=9)
    est = gwet_ac1(r) if weights == "unweighted" else gwet_ac2(r, weights)
    ref = naive.irrcac(m, "gwet", weights, categories=range(1, 10))
    assert est.value == pytest.approx(ref["value"], abs=1e-12)
    assert est.se == pytest.approx(ref["se"], abs=1e-12)


@pytest.mark.parametrize("statistic", [gwet_ac1, lambda r: gwet_ac2(r, "linear"), lambda r: gwet_ac2(r, "quadratic")])
def test_declaring_the_scale_changes_ac1_and_ac2(statistic):
    """Unlike kappa, does declaring 1–9 change AC1/AC2 when fewer categories were used (q enters p_e)?"""
    m = random_matrix(71, 20, 5, 4, missing=0.1, low=3)
    assert abs(statistic(ratings(m)).value - statistic(ratings(m, scale_min=1, scale_max=9)).value) > 1e-3


# -- undefined and bad input ----------------------------------------------------------


@pytest.mark.parametrize("statistic", [gwet_ac1, gwet_ac2])
def test_one_rater_is_undefined(statistic):
    """Does AC1/AC2 with one rater raise StatisticUndefined in Dutch?"""
    with pytest.raises(StatisticUndefined, match="minstens twee beoordelaars"):
        statistic(ratings(random_matrix(0, 10, 1)))


@pytest.mark.parametrize("statistic", [gwet_ac1, gwet_ac2])
def test_all_fives_without_a_scale_is_undefined(statistic):
    """Without a declared scale, are all-5 scores a single category, so AC1/AC2 undefined (not NaN)?"""
    with pytest.raises(StatisticUndefined, match="één categorie"):
        statistic(ratings(np.full((6, 3), 5.0)))


@pytest.mark.parametrize("statistic", [gwet_ac1, gwet_ac2])
def test_all_fives_on_a_declared_scale_is_perfect_agreement(statistic):
    """On a declared 1–9 scale, is unanimous 5 AC = 1 with SE 0, as irrCAC with categ.labels gives?"""
    m = np.full((6, 3), 5.0)
    est = statistic(ratings(m, scale_min=1, scale_max=9))
    ref = naive.irrcac(m, "gwet", "unweighted" if statistic is gwet_ac1 else "linear", categories=range(1, 10))
    assert est.value == 1.0 == ref["value"]
    assert est.se == 0.0 == ref["se"]


def test_no_item_scored_twice_is_undefined():
    """Is AC1 undefined when no item has two ratings?"""
    with pytest.raises(StatisticUndefined, match="minstens twee beoordelaars gescoord"):
        gwet_ac1(ratings(np.array([[1.0, np.nan], [np.nan, 2.0]])))


@pytest.mark.parametrize("weights", ["unweighted", "identity", "ordinal"])
def test_ac2_needs_linear_or_quadratic(weights):
    """Is AC2 with another weighting a RatingsInputError pointing to AC1?"""
    with pytest.raises(RatingsInputError, match="AC1"):
        gwet_ac2(ratings(random_matrix(0, 10, 3)), weights)


def test_one_item_has_no_standard_error():
    """With a single item, is there a value but no SE/CI (irrCAC: NA)?"""
    est = gwet_ac1(ratings(np.array([[1.0, 1.0, 2.0]])))
    assert est.se is None and est.ci95 is None


# -- properties ------------------------------------------------------------------------

STATISTICS = st.sampled_from([("ac1", None), ("ac2", "linear"), ("ac2", "quadratic")])


def _run(which, r):
    name, weights = which
    return outcome(gwet_ac1, r) if name == "ac1" else outcome(gwet_ac2, r, weights)


@settings(max_examples=50, deadline=None)
@given(matrices(), STATISTICS, st.randoms(use_true_random=False))
def test_order_of_items_and_raters_does_not_matter(m, which, rnd):
    """Does permuting items and raters leave AC1/AC2, SE and CI unchanged?"""
    rows, cols = list(range(m.shape[0])), list(range(m.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    assert_same_outcome(_run(which, ratings(m)), _run(which, ratings(m[rows][:, cols])))


@settings(max_examples=50, deadline=None)
@given(perfect(), STATISTICS)
def test_perfect_agreement_is_one(m, which):
    """When all raters agree on every item (two or more categories used), is AC1/AC2 1?"""
    assert _run(which, ratings(m))[0] == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(matrices(), STATISTICS, st.integers(0, 12))
def test_all_missing_item_changes_nothing(m, which, at):
    """Does inserting an item nobody scored leave AC1/AC2, SE and CI unchanged?"""
    with_blank = np.insert(m, min(at, m.shape[0]), np.nan, axis=0)
    assert_same_outcome(_run(which, ratings(m)), _run(which, ratings(with_blank)))
