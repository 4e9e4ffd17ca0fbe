"""Cohen's kappa and Fleiss' kappa.

Published values and where they come from are in ``reference/datasets.py``;
``reference/make_reference_values.py`` recomputes every pinned number with
the independent implementations of ``reference/naive.py`` and with
statsmodels/scikit-learn, and ``reference/irrcac_reference.R`` holds the R
calls that print them.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from oefenkit.agreement import Ratings
from oefenkit.agreement.kappa import cohen_kappa, fleiss_kappa
from oefenkit.errors import RatingsInputError, StatisticUndefined

from .reference import datasets as data
from .reference import naive

SKLEARN_WEIGHTS = {"unweighted": None, "linear": "linear", "quadratic": "quadratic"}


def ratings(matrix, **scale) -> Ratings:
    m = np.asarray(matrix, dtype=float)
    return Ratings(
        tuple(f"i{i:03d}" for i in range(m.shape[0])), tuple(f"r{j:03d}" for j in range(m.shape[1])), m, **scale
    )


def random_matrix(seed, n_items, n_raters, n_categories=5, missing=0.0, low=1):
    rng = np.random.default_rng(seed)
    m = rng.integers(low, low + n_categories, size=(n_items, n_raters)).astype(float)
    if missing:
        m[rng.random(m.shape) < missing] = np.nan
    return m


def outcome(statistic, r, *args):
    """The estimate as a tuple, or the StatisticUndefined class."""
    try:
        e = statistic(r, *args)
    except StatisticUndefined:
        return StatisticUndefined
    return (e.value, e.se, e.ci95)


def assert_same_outcome(a, b):
    if a is StatisticUndefined or b is StatisticUndefined:
        assert a is b
        return
    assert a[0] == pytest.approx(b[0], rel=1e-9, abs=1e-12)
    if a[1] is None:
        assert b[1] is None and a[2] is None and b[2] is None
    else:
        assert a[1] == pytest.approx(b[1], rel=1e-9, abs=1e-12)
        assert a[2] == pytest.approx(b[2], rel=1e-9, abs=1e-12)


# -- Cohen: published values ---------------------------------------------------------


def test_cohen_reproduces_sas_simple_kappa():
    """Does unweighted kappa reproduce SAS PROC FREQ (kappa .4842, ASE .1380, CI .2137–.7547)?"""
    est = cohen_kappa(ratings(data.table_to_pairs(data.SAS_TABLE10)))
    assert round(est.value, 4) == 0.4842
    assert round(est.se, 4) == 0.1380
    assert (round(est.ci95[0], 4), round(est.ci95[1], 4)) == (0.2137, 0.7547)


def test_cohen_reproduces_sas_weighted_kappa():
    """Does linear (Cicchetti–Allison) kappa reproduce SAS (.4701, ASE .1457, CI .1845–.7558)?"""
    est = cohen_kappa(ratings(data.table_to_pairs(data.SAS_TABLE10)), "linear")
    assert round(est.value, 4) == 0.4701
    assert round(est.se, 4) == 0.1457
    assert (round(est.ci95[0], 4), round(est.ci95[1], 4)) == (0.1845, 0.7558)


# -- Cohen: reference implementations ---------------------------------------------------


def _covering(seed, n_items, n_categories):
    """Two raters, random scores, with every category 1..q used so observed = contiguous."""
    m = random_matrix(seed, n_items, 2, n_categories)
    cover = np.column_stack([np.arange(1, n_categories + 1)] * 2)
    return np.vstack([m, cover])


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
@pytest.mark.parametrize("seed, n_items, q", [(0, 20, 3), (1, 50, 5), (2, 200, 9), (3, 9, 4), (4, 500, 7)])
def test_cohen_matches_sklearn_on_observed_categories(weights, seed, n_items, q):
    """Is kappa equal to sklearn's cohen_kappa_score (1e-12) with categories = observed values?"""
    m = _covering(seed, n_items, q)
    ours = cohen_kappa(ratings(m), weights).value
    theirs = cohen_kappa_score(m[:, 0], m[:, 1], weights=SKLEARN_WEIGHTS[weights])
    assert ours == pytest.approx(theirs, abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
@pytest.mark.parametrize("seed", [10, 11, 12])
def test_cohen_se_and_ci_match_statsmodels(weights, seed):
    """Are SE and Wald CI equal to statsmodels' cohens_kappa (the FCE 1969 / SAS ASE), to 1e-12?"""
    m = _covering(seed, 60, 6)
    est = cohen_kappa(ratings(m), weights)
    cats = np.arange(1.0, 7.0)
    table = np.zeros((6, 6))
    for a, b in m.astype(int):
        table[a - 1, b - 1] += 1
    if weights == "unweighted":
        ref = cohens_kappa(table)
    else:
        ref = cohens_kappa(table, weights=cats, wt=weights)
    assert est.value == pytest.approx(ref.kappa, abs=1e-12)
    assert est.se == pytest.approx(ref.std_kappa, abs=1e-12)
    assert est.ci95[0] == pytest.approx(ref.kappa_low, abs=1e-12)
    assert est.ci95[1] == pytest.approx(ref.kappa_upp, abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
@pytest.mark.parametrize("seed", [20, 21])
def test_cohen_matches_loop_implementation_with_gaps_and_missing(weights, seed):
    """With unused middle categories and missing ratings, does kappa/SE match the naive loops?"""
    rng = np.random.default_rng(seed)
    m = rng.choice([1.0, 2.0, 5.0, 6.0, 9.0], size=(40, 2))
    m[rng.random(m.shape) < 0.15] = np.nan
    est = cohen_kappa(ratings(m), weights)
    kappa, se = naive.cohen(m, weights)
    assert est.value == pytest.approx(kappa, abs=1e-12)
    assert est.se == pytest.approx(se, abs=1e-12)


def test_cohen_drops_items_with_a_missing_rating():
    """Is kappa with missing ratings the kappa of the items both raters scored?"""
    m = random_matrix(30, 40, 2, 4, missing=0.2)
    complete = m[~np.isnan(m).any(axis=1)]
    for w in ("unweighted", "linear", "quadratic"):
        assert_same_outcome(outcome(cohen_kappa, ratings(m), w), outcome(cohen_kappa, ratings(complete), w))


# -- Cohen: declared scale (facts.md, "Weighted kappa") -------------------------------------


@pytest.fixture
def gap_pairs():
    """Two raters who used 3, 4, 6 and 7 but never 5 (nor 1, 2, 8, 9)."""
    return np.array([[3, 3], [4, 4], [6, 6], [7, 7], [4, 6], [6, 4], [4, 6], [3, 7], [7, 7], [3, 3], [6, 6], [4, 4]],
                    dtype=float)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_rank_based_weights_change_when_a_middle_category_is_unused(gap_pairs, weights):
    """Do sklearn/irr (rank-based weights) give another weighted kappa on observed vs 1–9 categories?

    This is the fact behind facts.md's advice: with an unused category 5 the
    ranks call 4→6 one step on the observed categories and two on 1–9.
    """
    a, b = gap_pairs[:, 0], gap_pairs[:, 1]
    observed = cohen_kappa_score(a, b, weights=weights)
    full = cohen_kappa_score(a, b, weights=weights, labels=list(range(1, 10)))
    assert abs(observed - full) > 0.05


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_declared_scale_weighted_kappa_is_the_full_range_kappa(gap_pairs, weights):
    """On a declared 1–9 scale, is weighted kappa the one built over the full range (sklearn labels=1..9)?"""
    a, b = gap_pairs[:, 0], gap_pairs[:, 1]
    full = cohen_kappa_score(a, b, weights=weights, labels=list(range(1, 10)))
    observed_ranks = cohen_kappa_score(a, b, weights=weights)
    declared = cohen_kappa(ratings(gap_pairs, scale_min=1, scale_max=9), weights).value
    assert declared == pytest.approx(full, abs=1e-12)
    assert abs(declared - observed_ranks) > 0.05


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_undeclared_scale_reproduces_irr_and_sklearn_defaults(gap_pairs, weights):
    """Without a declared scale, is weighted kappa sklearn's default (weights over the observed categories)?"""
    a, b = gap_pairs[:, 0], gap_pairs[:, 1]
    undeclared = cohen_kappa(ratings(gap_pairs), weights).value
    assert undeclared == pytest.approx(cohen_kappa_score(a, b, weights=weights), abs=1e-12)


def test_unweighted_kappa_ignores_the_declared_range(gap_pairs):
    """Is unweighted kappa the same with and without the declared 1–9 range (unused categories add nothing)?"""
    undeclared = cohen_kappa(ratings(gap_pairs))
    declared = cohen_kappa(ratings(gap_pairs, scale_min=1, scale_max=9))
    assert undeclared.value == pytest.approx(declared.value, abs=1e-12)
    assert undeclared.se == pytest.approx(declared.se, abs=1e-12)


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
@pytest.mark.parametrize("seed", [40, 41, 42])
def test_cohen_equals_sklearn_over_the_full_label_range(weights, seed):
    """With any used categories, is kappa equal to sklearn with labels = the whole 1–9 range?"""
    rng = np.random.default_rng(seed)
    used = np.sort(rng.choice(np.arange(1, 10), size=4, replace=False)).astype(float)
    m = rng.choice(used, size=(30, 2))
    full = cohen_kappa_score(m[:, 0], m[:, 1], weights=weights, labels=list(range(1, 10)))
    assert cohen_kappa(ratings(m, scale_min=1, scale_max=9), weights).value == pytest.approx(full, abs=1e-12)


# -- Cohen: undefined and bad input ---------------------------------------------------------


def test_cohen_with_three_raters_is_undefined():
    """Does Cohen's kappa with three raters raise StatisticUndefined (Dutch), not NaN?"""
    with pytest.raises(StatisticUndefined, match="precies twee beoordelaars"):
        cohen_kappa(ratings(random_matrix(0, 10, 3)))


def test_cohen_with_one_rater_is_undefined():
    """Does Cohen's kappa with one rater raise StatisticUndefined?"""
    with pytest.raises(StatisticUndefined, match="precies twee beoordelaars"):
        cohen_kappa(ratings(random_matrix(0, 10, 1)))


@pytest.mark.parametrize("scale", [{}, {"scale_min": 1, "scale_max": 9}])
@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_cohen_with_a_single_category_is_undefined(scale, weights):
    """When both raters gave only 5s, is kappa undefined (0/0) with a Dutch reason?"""
    with pytest.raises(StatisticUndefined, match="één categorie"):
        cohen_kappa(ratings(np.full((8, 2), 5.0), **scale), weights)


def test_cohen_without_a_shared_item_is_undefined():
    """Is kappa undefined when no item was scored by both raters?"""
    m = np.array([[1.0, np.nan], [np.nan, 2.0]])
    with pytest.raises(StatisticUndefined, match="beide beoordelaars"):
        cohen_kappa(ratings(m))


def test_cohen_rejects_unknown_weights():
    """Is an unknown weighting a RatingsInputError?"""
    with pytest.raises(RatingsInputError, match="Onbekende weging"):
        cohen_kappa(ratings(random_matrix(0, 10, 2)), "squared")


def test_cohen_rejects_a_score_between_declared_categories():
    """Is 4.5 on a declared 1–9 scale (categories 1, 2, …, 9) a RatingsInputError?"""
    m = np.array([[4.5, 4.0], [3.0, 3.0], [6.0, 5.0]])
    with pytest.raises(RatingsInputError, match="geen categorie"):
        cohen_kappa(ratings(m, scale_min=1, scale_max=9))


# -- Fleiss: published values ----------------------------------------------------------


def test_fleiss_reproduces_fleiss_1971():
    """Is kappa for Fleiss' (1971) 30 patients × 6 psychiatrists .430 as published?"""
    assert round(fleiss_kappa(ratings(data.FLEISS_1971_DIAGNOSES)).value, 3) == 0.430


def test_fleiss_reproduces_wikipedia_example():
    """Is kappa for Wikipedia's 10 subjects × 14 raters example 0.210?"""
    m = data.counts_to_matrix(data.WIKIPEDIA_FLEISS_COUNTS)
    assert round(fleiss_kappa(ratings(m)).value, 3) == 0.210


def test_fleiss_reproduces_irrcac_cac_raw4raters():
    """Does fleiss.kappa.raw(cac.raw4raters) give 0.76117, se 0.15302, CI (0.424, 1) as irrCAC's README?"""
    est = fleiss_kappa(ratings(data.CAC_RAW4RATERS))
    assert round(est.value, 5) == 0.76117
    assert round(est.se, 5) == 0.15302
    assert (round(est.ci95[0], 3), est.ci95[1]) == (0.424, 1.0)


def test_fleiss_reproduces_irrcac_distrib_6raters():
    """Does fleiss.kappa.dist(distrib.6raters) give 0.4139265, se 0.08119291, CI (0.24, 0.588)?"""
    est = fleiss_kappa(ratings(data.FLEISS_1971_DIAGNOSES[:15]))
    assert round(est.value, 7) == 0.4139265
    assert round(est.se, 8) == 0.08119291
    assert (round(est.ci95[0], 3), round(est.ci95[1], 3)) == (0.24, 0.588)


@pytest.mark.parametrize("weights, value, se, lower", [("linear", 0.818, 0.149, 0.491),
                                                       ("quadratic", 0.865, 0.146, 0.544)])
def test_weighted_fleiss_reproduces_irrcac(weights, value, se, lower):
    """Does weighted Fleiss on cac.raw4raters match irrCAC (values from the irrCAC Python port's tests)?"""
    est = fleiss_kappa(ratings(data.CAC_RAW4RATERS), weights)
    assert (round(est.value, 3), round(est.se, 3), round(est.ci95[0], 3), est.ci95[1]) == (value, se, lower, 1.0)


# -- Fleiss: reference implementations ---------------------------------------------------


@pytest.mark.parametrize("seed, n_items, n_raters, q", [(0, 10, 3, 3), (1, 30, 6, 5), (2, 100, 12, 9), (3, 7, 2, 4),
                                                        (4, 250, 40, 6)])
def test_fleiss_matches_statsmodels_on_complete_data(seed, n_items, n_raters, q):
    """On complete data, is kappa equal to statsmodels' fleiss_kappa (1e-12)?"""
    m = random_matrix(seed, n_items, n_raters, q)
    table, _ = aggregate_raters(m.astype(int))
    assert fleiss_kappa(ratings(m)).value == pytest.approx(sm_fleiss_kappa(table), abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
@pytest.mark.parametrize("seed, n_items, n_raters, missing", [(50, 15, 4, 0.3), (51, 40, 7, 0.5), (52, 25, 3, 0.1)])
def test_fleiss_matches_irrcac_transcription_with_missing(weights, seed, n_items, n_raters, missing):
    """With missing ratings, do value, SE and CI equal the line-by-line irrCAC transcription?"""
    m = random_matrix(seed, n_items, n_raters, 5, missing=missing)
    m = m[~np.isnan(m).all(axis=1)]
    est = fleiss_kappa(ratings(m), weights)
    ref = naive.irrcac(m, "fleiss", weights)
    assert est.value == pytest.approx(ref["value"], abs=1e-12)
    assert est.se == pytest.approx(ref["se"], abs=1e-12)
    assert est.ci95 == pytest.approx((ref["lcb"], ref["ucb"]), abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_fleiss_on_declared_scale_matches_irrcac_with_categ_labels(weights):
    """With the 1–9 scale declared, is Fleiss' kappa irrCAC's with categ.labels = 1:9?"""
    m = random_matrix(60, 20, 5, 4, missing=0.2, low=3)  # uses 3..6 only
    est = fleiss_kappa(ratings(m, scale_min=1, scale_max=9), weights)
    ref = naive.irrcac(m, "fleiss", weights, categories=range(1, 10))
    assert est.value == pytest.approx(ref["value"], abs=1e-12)
    assert est.se == pytest.approx(ref["se"], abs=1e-12)


@pytest.mark.parametrize("weights", ["unweighted", "linear", "quadratic"])
def test_declaring_the_scale_does_not_change_fleiss(weights):
    """With unused categories between and around the used ones, is Fleiss' kappa (and SE) unchanged by 1–9?"""
    rng = np.random.default_rng(61)
    m = rng.choice([2.0, 3.0, 6.0, 7.0], size=(20, 5))
    m[rng.random(m.shape) < 0.2] = np.nan
    plain, declared = fleiss_kappa(ratings(m), weights), fleiss_kappa(ratings(m, scale_min=1, scale_max=9), weights)
    assert declared.value == pytest.approx(plain.value, abs=1e-12)
    assert declared.se == pytest.approx(plain.se, abs=1e-12)


def test_fleiss_with_one_item_has_no_standard_error():
    """With a single item, is there a value but no SE/CI (irrCAC gives NA), rather than NaN?"""
    est = fleiss_kappa(ratings(np.array([[1.0, 1.0, 2.0]]), scale_min=1, scale_max=9))
    assert est.se is None and est.ci95 is None
    assert np.isfinite(est.value)


# -- Fleiss: undefined and bad input --------------------------------------------------------


def test_fleiss_with_one_rater_is_undefined():
    """Does Fleiss' kappa with one rater raise StatisticUndefined in Dutch?"""
    with pytest.raises(StatisticUndefined, match="minstens twee beoordelaars"):
        fleiss_kappa(ratings(random_matrix(0, 10, 1)))


@pytest.mark.parametrize("scale", [{}, {"scale_min": 1, "scale_max": 9}])
def test_fleiss_with_all_fives_is_undefined(scale):
    """When every score is 5, is Fleiss' kappa undefined (chance agreement 1)?"""
    with pytest.raises(StatisticUndefined, match="één categorie"):
        fleiss_kappa(ratings(np.full((6, 4), 5.0), **scale))


def test_fleiss_without_an_item_scored_twice_is_undefined():
    """Is Fleiss' kappa undefined when no item has two ratings?"""
    m = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, np.nan]])
    with pytest.raises(StatisticUndefined, match="minstens twee beoordelaars gescoord"):
        fleiss_kappa(ratings(m))


def test_fleiss_rejects_unknown_weights():
    """Is an unknown weighting for Fleiss' kappa a RatingsInputError?"""
    with pytest.raises(RatingsInputError):
        fleiss_kappa(ratings(random_matrix(0, 10, 3)), "ordinal")


# -- properties ---------------------------------------------------------------------


@st.composite
def matrices(draw, n_raters=None, missing=True):
    k = draw(st.integers(2, 6)) if n_raters is None else n_raters
    n = draw(st.integers(2, 12))
    cell = st.one_of(st.integers(1, 5).map(float), st.just(np.nan)) if missing else st.integers(1, 5).map(float)
    return np.array(draw(st.lists(st.lists(cell, min_size=k, max_size=k), min_size=n, max_size=n)))


@st.composite
def perfect(draw, n_raters=None):
    k = draw(st.integers(2, 6)) if n_raters is None else n_raters
    values = draw(st.lists(st.integers(1, 9), min_size=2, max_size=12).filter(lambda v: len(set(v)) >= 2))
    return np.repeat(np.array(values, dtype=float)[:, None], k, axis=1)


WEIGHTS = st.sampled_from(["unweighted", "linear", "quadratic"])


@settings(max_examples=50, deadline=None)
@given(matrices(n_raters=2), WEIGHTS, st.randoms(use_true_random=False))
def test_cohen_ignores_order_of_items_and_raters(m, weights, rnd):
    """Does permuting items and swapping the two raters leave kappa, SE and CI unchanged?"""
    rows = list(range(m.shape[0]))
    rnd.shuffle(rows)
    assert_same_outcome(outcome(cohen_kappa, ratings(m), weights),
                        outcome(cohen_kappa, ratings(m[rows][:, ::-1]), weights))


@settings(max_examples=50, deadline=None)
@given(matrices(), WEIGHTS, st.randoms(use_true_random=False))
def test_fleiss_ignores_order_of_items_and_raters(m, weights, rnd):
    """Does permuting items and raters leave Fleiss' kappa, SE and CI unchanged?"""
    rows, cols = list(range(m.shape[0])), list(range(m.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    assert_same_outcome(outcome(fleiss_kappa, ratings(m), weights),
                        outcome(fleiss_kappa, ratings(m[rows][:, cols]), weights))


@settings(max_examples=50, deadline=None)
@given(perfect(n_raters=2), WEIGHTS)
def test_cohen_perfect_agreement_is_one(m, weights):
    """When both raters always agree (two or more categories used), is kappa 1 with SE 0?"""
    est = cohen_kappa(ratings(m), weights)
    assert est.value == pytest.approx(1.0, abs=1e-12)
    assert est.se == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(perfect(), WEIGHTS)
def test_fleiss_perfect_agreement_is_one(m, weights):
    """When all raters agree on every item (two or more categories used), is Fleiss' kappa 1?"""
    assert fleiss_kappa(ratings(m), weights).value == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(matrices(), WEIGHTS, st.integers(0, 12))
def test_all_missing_item_changes_nothing(m, weights, at):
    """Does inserting an item nobody scored leave Cohen's and Fleiss' kappa unchanged?"""
    with_blank = np.insert(m, min(at, m.shape[0]), np.nan, axis=0)
    assert_same_outcome(outcome(fleiss_kappa, ratings(m), weights),
                        outcome(fleiss_kappa, ratings(with_blank), weights))
    two = m[:, :2]
    assert_same_outcome(outcome(cohen_kappa, ratings(two), weights),
                        outcome(cohen_kappa, ratings(with_blank[:, :2]), weights))
