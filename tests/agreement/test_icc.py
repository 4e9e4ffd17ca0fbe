"""ICC: Shrout & Fleiss (1979), R psych::ICC, pingouin, and the batch ICC(A,1).

Sources of the pinned numbers: ``reference/shrout_fleiss_icc.R`` and
``reference/shrout_fleiss_icc_pingouin.py``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oefenkit.agreement import Ratings
from oefenkit.agreement.icc import ICC_FORMS, ICCResult, icc, icc_a1_many
from oefenkit.errors import RatingsInputError, StatisticUndefined

FAST = settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

#: Shrout & Fleiss (1979), Table 4: 6 targets (rows) × 4 judges (columns).
SHROUT_FLEISS = np.array(
    [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float
)

#: The ICCs printed in Shrout & Fleiss (1979), Table 4.
SHROUT_FLEISS_PUBLISHED = {
    "ICC1": "0.17", "ICC2": "0.29", "ICC3": "0.71", "ICC1k": "0.44", "ICC2k": "0.62", "ICC3k": "0.91",
}

#: psych::ICC on the same data, as psych prints it: ICC, F, df1, df2, p, lower, upper.
#: See reference/shrout_fleiss_icc.R (two entries differ from the task brief, explained there).
PSYCH_PRINTED = {
    "ICC1": ("0.17", "1.8", 5, 18, "0.16", "-0.13", "0.72"),
    "ICC2": ("0.29", "11", 5, 15, "0.00013", "0.019", "0.76"),
    "ICC3": ("0.71", "11", 5, 15, "0.00013", "0.34", "0.95"),
    "ICC1k": ("0.44", "1.8", 5, 18, "0.16", "-0.88", "0.91"),
    "ICC2k": ("0.62", "11", 5, 15, "0.00013", "0.071", "0.93"),
    "ICC3k": ("0.91", "11", 5, 15, "0.00013", "0.676", "0.99"),
}

PINGOUIN_TYPES = {
    "ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)",
}


def assert_as_printed(actual: float, printed: str) -> None:
    """``actual`` rounds to ``printed`` at the number of decimals printed."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    assert abs(actual - float(printed)) <= 0.5 * 10.0**-decimals + 1e-12, (actual, printed)


def pingouin_table(matrix: np.ndarray) -> pd.DataFrame:
    n, k = matrix.shape
    long = pd.DataFrame(
        [(i, j, matrix[i, j]) for i in range(n) for j in range(k)], columns=["item", "rater", "score"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pg.intraclass_corr(long, "item", "rater", "score", nan_policy="omit").set_index("Type")


# -- published values ---------------------------------------------------------------------


def test_shrout_fleiss_table4_values():
    """Does each of the six forms reproduce the ICC printed in Shrout & Fleiss (1979) Table 4?"""
    result = icc(Ratings.from_matrix(SHROUT_FLEISS))
    assert list(result) == list(ICC_FORMS)
    for form, printed in SHROUT_FLEISS_PUBLISHED.items():
        assert_as_printed(result[form].value, printed)


def test_shrout_fleiss_psych_output():
    """Do F, df1, df2, p and the 95 % limits match psych::ICC's output for the Shrout & Fleiss data?"""
    result = icc(Ratings.from_matrix(SHROUT_FLEISS))
    for form, (value, F, df1, df2, p, lo, hi) in PSYCH_PRINTED.items():
        r = result[form]
        assert_as_printed(r.value, value)
        assert_as_printed(r.F, F)
        assert (r.df1, r.df2) == (df1, df2)
        assert_as_printed(r.p, p)
        assert_as_printed(r.ci95[0], lo)
        assert_as_printed(r.ci95[1], hi)


def test_shrout_fleiss_matches_pingouin_at_full_precision():
    """Does the Shrout & Fleiss table agree with pingouin's to 1e-9 (CIs to pingouin's 2 decimals)?"""
    check_against_pingouin(SHROUT_FLEISS)


def test_mcgraw_wong_icc_a1_penalises_a_constant_offset():
    """Is a rater who is always two points higher perfect for ICC(C,1) but not for ICC(A,1)?"""
    base = np.array([1, 3, 4, 6, 8, 9], dtype=float)
    result = icc(Ratings.from_matrix(np.c_[base, base + 2]))
    assert result["ICC3"].value == 1.0 and result["ICC3k"].value == 1.0
    assert result["ICC3"].F == math.inf and result["ICC3"].p == 0.0
    assert 0 < result["ICC2"].value < 1
    assert result["ICC2"].value == pytest.approx(pingouin_table(np.c_[base, base + 2]).loc["ICC(A,1)", "ICC"],
                                                 rel=1e-12)
    for r in result.values():
        assert all(math.isfinite(v) for v in (r.value, r.p, *r.ci95))


# -- cross-check against pingouin on random data ---------------------------------------------


def check_against_pingouin(matrix: np.ndarray) -> None:
    ours = icc(Ratings.from_matrix(matrix))
    theirs = pingouin_table(matrix)
    for form, name in PINGOUIN_TYPES.items():
        row = theirs.loc[name]
        r = ours[form]
        assert r.value == pytest.approx(row["ICC"], rel=1e-9, abs=1e-12), form
        assert r.F == pytest.approx(row["F"], rel=1e-9), form
        assert (r.df1, r.df2) == (row["df1"], row["df2"]), form
        assert r.p == pytest.approx(row["pval"], rel=1e-9, abs=1e-300), form
        # pingouin rounds its CI to 2 decimals (facts.md), so compare to half a unit of that.
        assert np.all(np.abs(np.asarray(r.ci95) - np.asarray(row["CI95"], dtype=float)) <= 0.005 + 1e-9), form


def random_ratings(seed: int, n: int, k: int, missing: float) -> np.ndarray:
    """Scores 1–9 with a real item effect and rater bias, some cells missing."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(2, 9, size=n)[:, None]
    bias = rng.integers(-1, 2, size=k)[None, :]
    noise = rng.integers(-2, 3, size=(n, k))
    m = np.clip(truth + bias + noise, 1, 9).astype(float)
    m[rng.random((n, k)) < missing] = np.nan
    return m


@pytest.mark.parametrize(
    "seed, n, k, missing",
    [(1, 5, 2, 0.0), (2, 10, 3, 0.0), (3, 30, 2, 0.1), (4, 20, 5, 0.05), (5, 50, 4, 0.02),
     (6, 8, 8, 0.0), (7, 40, 3, 0.15), (8, 3, 2, 0.0)],
)
def test_matches_pingouin_on_random_data(seed, n, k, missing):
    """Does every form match pingouin.intraclass_corr (value, F, df, p to 1e-9) on random data with gaps?"""
    m = random_ratings(seed, n, k, missing)
    check_against_pingouin(m)


def test_uses_only_complete_items():
    """Are items that some rater skipped left out entirely (listwise deletion, as psych and pingouin)?"""
    m = random_ratings(11, 15, 3, 0.0)
    gappy = np.vstack([m, [[4, np.nan, 5], [np.nan, np.nan, np.nan], [1, 9, np.nan]]])
    full, partial = icc(Ratings.from_matrix(m)), icc(Ratings.from_matrix(gappy))
    for form in ICC_FORMS:
        assert partial[form] == full[form]


# -- degenerate and bad input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "matrix, words",
    [
        ([[1], [5], [9]], "twee beoordelaars"),
        ([[4, 4], [4, 4], [4, 4]], "Alle scores zijn gelijk"),
        ([[np.nan, np.nan], [np.nan, np.nan]], "minstens twee items"),
        ([[1, np.nan], [np.nan, 5], [7, np.nan]], "minstens twee items"),
        ([[1, 2], [np.nan, 5], [7, np.nan]], "minstens twee items"),
        ([[1, 3], [3, 1], [2, 2]], "dezelfde score"),
    ],
    ids=["one rater", "constant", "all missing", "no complete item", "one complete item", "equal item means"],
)
def test_undefined_data_raises_dutch_reason(matrix, words):
    """Does data without an ICC raise StatisticUndefined with a Dutch reason instead of returning NaN?"""
    with pytest.raises(StatisticUndefined, match=words):
        icc(Ratings.from_matrix(matrix))


def test_icc_a_k_alone_can_be_undefined():
    """When ICC(A,1) is exactly −1 (k = 2), is only ICC(A,k) undefined, and can ICC2 still be asked for alone?"""
    r = Ratings.from_matrix([[1, 1], [1, 2], [2, 1]])
    with pytest.raises(StatisticUndefined, match=r"ICC\(A,k\)"):
        icc(r)
    only = icc(r, forms=("ICC2", "ICC3"))
    assert list(only) == ["ICC2", "ICC3"]
    assert only["ICC2"].value == pytest.approx(pingouin_table(r.matrix).loc["ICC(A,1)", "ICC"], abs=1e-12)
    assert only["ICC2"].value == pytest.approx(-1.0)


def test_unknown_form_is_rejected():
    """Is asking for a form that does not exist a RatingsInputError with a Dutch message?"""
    with pytest.raises(RatingsInputError, match="Onbekende ICC-vorm"):
        icc(Ratings.from_matrix(SHROUT_FLEISS), forms=("ICC4",))


def test_perfect_agreement_is_exactly_one():
    """Do identical raters give ICC 1 in every form, F = inf, p = 0 and the interval [1, 1]?"""
    col = np.array([1, 2, 5, 7, 9, 3], dtype=float)
    for form, r in icc(Ratings.from_matrix(np.c_[col, col, col])).items():
        assert r.value == 1.0, form
        assert r.F == math.inf and r.p == 0.0
        assert r.ci95 == (1.0, 1.0)


def test_as_dict_is_json_ready():
    """Does as_dict give the documented keys with plain numbers, and null for an infinite F?"""
    d = icc(Ratings.from_matrix(SHROUT_FLEISS))["ICC2"].as_dict()
    assert list(d) == ["value", "F", "df1", "df2", "p", "ci95"]
    assert isinstance(d["ci95"], list) and len(d["ci95"]) == 2
    assert all(type(v) in (float, int) for v in (d["value"], d["F"], d["df1"], d["df2"], d["p"], *d["ci95"]))
    perfect = ICCResult(1.0, math.inf, 2, 2, 0.0, (1.0, 1.0)).as_dict()
    assert perfect["F"] is None


# -- batch ICC(A,1) --------------------------------------------------------------------------


def test_icc_a1_many_equals_single_api():
    """Does the batch ICC(A,1) equal icc()["ICC2"] per trainee to 1e-12, NaN exactly where icc() raises?"""
    rng = np.random.default_rng(42)
    n_items = 25
    reference = rng.integers(1, 10, size=n_items).astype(float)
    trainees = np.clip(reference + rng.integers(-2, 3, size=(200, n_items)), 1, 9)
    trainees[rng.random(trainees.shape) < 0.2] = np.nan
    trainees[0] = np.nan  # nothing scored
    trainees[1, 1:] = np.nan  # one item
    trainees[2] = 5.0  # trainee constant; still defined if the reference varies
    trainees[3] = reference  # perfect
    trainees[4] = reference + 0.5  # constant offset
    batch = icc_a1_many(trainees, reference)
    assert batch.shape == (200,)
    for row, value in zip(trainees, batch):
        try:
            expected = icc(Ratings.from_matrix(np.c_[row, reference]))["ICC2"].value
        except StatisticUndefined:
            assert math.isnan(value)
        else:
            assert value == pytest.approx(expected, abs=1e-12)
    assert np.isnan(batch[:2]).all() and batch[3] == 1.0 and not np.isnan(batch[2])


def test_icc_a1_many_nan_only_where_undefined():
    """Are constant data and equal item means NaN in the batch API, like the single API's errors?"""
    reference = np.array([3.0, 3.0, 3.0, 5.0])
    trainees = np.array([[3, 3, 3, np.nan], [5, 3, 4, 5], [1, 5, 3, np.nan]], dtype=float)
    # row 0: all scores 3; row 2: item means 2, 4, 3 differ -> defined; row 1 defined
    out = icc_a1_many(trainees, reference)
    assert math.isnan(out[0]) and not math.isnan(out[1]) and not math.isnan(out[2])
    # two items with equal means (3 and 3): undefined in both APIs
    two = np.array([[2.0, 4.0]])
    ref2 = np.array([4.0, 2.0])
    assert math.isnan(icc_a1_many(two, ref2)[0])
    with pytest.raises(StatisticUndefined):
        icc(Ratings.from_matrix(np.c_[two[0], ref2]))


@pytest.mark.parametrize(
    "scores, reference",
    [(np.ones((3, 4)), np.ones(5)), (np.ones(4), np.ones(4)), (np.ones((2, 2)), np.ones((2, 1))),
     (np.array([[1.0, np.inf]]), np.ones(2))],
)
def test_icc_a1_many_rejects_bad_shapes(scores, reference):
    """Are mismatched shapes and infinite scores a RatingsInputError with a Dutch message?"""
    with pytest.raises(RatingsInputError, match="Verwacht|eindig"):
        icc_a1_many(scores, reference)


# -- properties ---------------------------------------------------------------------------------

scores_1_9 = st.integers(min_value=1, max_value=9)


@st.composite
def complete_matrices(draw, min_items=3, max_items=12, min_raters=2, max_raters=5):
    n = draw(st.integers(min_items, max_items))
    k = draw(st.integers(min_raters, max_raters))
    rows = draw(st.lists(st.lists(scores_1_9, min_size=k, max_size=k), min_size=n, max_size=n))
    return np.array(rows, dtype=float)


def _icc_or_none(m: np.ndarray):
    try:
        return icc(Ratings.from_matrix(m))
    except StatisticUndefined:
        return None


@FAST
@given(m=complete_matrices(), data=st.data())
def test_permuting_items_and_raters_changes_nothing(m, data):
    """Does reordering items and raters leave every ICC, F, p and limit unchanged?"""
    rows = data.draw(st.permutations(range(m.shape[0])))
    cols = data.draw(st.permutations(range(m.shape[1])))
    before, after = _icc_or_none(m), _icc_or_none(m[np.ix_(rows, cols)])
    assert (before is None) == (after is None)
    if before is None:
        return
    for form in ICC_FORMS:
        a, b = before[form], after[form]
        assert (a.df1, a.df2) == (b.df1, b.df2)
        for x, y in [(a.value, b.value), (a.F, b.F), (a.p, b.p), *zip(a.ci95, b.ci95)]:
            assert x == pytest.approx(y, rel=1e-9, abs=1e-9)


@FAST
@given(values=st.lists(scores_1_9, min_size=2, max_size=15).filter(lambda v: len(set(v)) > 1),
       k=st.integers(2, 6))
def test_perfect_agreement_gives_one(values, k):
    """Do raters who give identical scores (that vary over items) get ICC 1 in every form?"""
    m = np.repeat(np.array(values, dtype=float)[:, None], k, axis=1)
    for form, r in icc(Ratings.from_matrix(m)).items():
        assert r.value == 1.0, form


@FAST
@given(data=st.data(), n_items=st.integers(2, 15), n_trainees=st.integers(1, 6))
def test_batch_matches_single_api_property(data, n_items, n_trainees):
    """For any scores with gaps, is each batch ICC(A,1) the single API's value, or NaN where it raises?"""
    cell = st.one_of(scores_1_9.map(float), st.just(math.nan))
    reference = np.array(data.draw(st.lists(scores_1_9.map(float), min_size=n_items, max_size=n_items)))
    trainees = np.array(
        data.draw(st.lists(st.lists(cell, min_size=n_items, max_size=n_items), min_size=n_trainees,
                           max_size=n_trainees))
    )
    batch = icc_a1_many(trainees, reference)
    for row, value in zip(trainees, batch):
        pair = Ratings.from_matrix(np.c_[row, reference])
        try:
            expected = icc(pair, forms=("ICC2",))["ICC2"].value
        except StatisticUndefined:
            assert math.isnan(value)
        else:
            assert value == pytest.approx(expected, abs=1e-12)
            try:
                assert icc(pair)["ICC2"].value == expected
            except StatisticUndefined as exc:  # only ICC(A,k) may fail on its own
                assert "ICC(A,k)" in str(exc)
