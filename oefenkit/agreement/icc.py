"""Intraclass correlation coefficients: the six Shrout & Fleiss (1979) forms.

:func:`icc` reproduces R ``psych::ICC`` and ``pingouin.intraclass_corr``
(values, F tests and F-based confidence intervals). :func:`icc_a1_many` is the
vectorised ICC(A,1) of many trainees against one reference score per item, for
the cohort dashboard.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# scipy.special's F distribution functions, which scipy.stats.f calls itself: importing scipy.stats
# costs ≈ 45 MiB more memory and ≈ 0.3 s more in every process (each app kernel, the kernel parent).
from scipy.special import fdtrc, fdtri

from ..errors import RatingsInputError, StatisticUndefined
from ._common import finite_or_undefined
from .data import Ratings

__all__ = ["ICC_FORMS", "ICCResult", "icc", "icc_a1_many"]

#: The forms :func:`icc` returns, in psych's order.
ICC_FORMS = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")

#: Sums of squares below this fraction of the total are rounding noise and are
#: taken as exactly zero (so perfect agreement gives exactly 1, not 0.9999…).
_ZERO_TOL = 1e-12

_ALPHA = 0.05

_MCGRAW_WONG = {
    "ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)", "ICC3k": "ICC(C,k)",
}


@dataclass(frozen=True)
class ICCResult:
    """One ICC form with its F test and 95 % confidence interval.

    ``F`` is ``math.inf`` when its denominator mean square is zero (MSW for
    ICC1/ICC1k: the raters agree perfectly; MSE for the other forms: they
    agree perfectly or differ only by a constant); ``p`` is then 0.
    """

    value: float
    F: float
    df1: int
    df2: int
    p: float
    ci95: tuple[float, float]

    def as_dict(self) -> dict:
        """JSON-ready: ``{"value", "F", "df1", "df2", "p", "ci95": [lo, hi]}``.

        An infinite ``F`` becomes ``None`` (JSON has no infinity).
        """
        return {
            "value": float(self.value),
            "F": float(self.F) if math.isfinite(self.F) else None,
            "df1": int(self.df1),
            "df2": int(self.df2),
            "p": float(self.p),
            "ci95": [float(self.ci95[0]), float(self.ci95[1])],
        }


class _MeanSquares(NamedTuple):
    n: int
    k: int
    msb: float  # between items (targets), "MSR" in McGraw & Wong
    msj: float  # between raters (judges), "MSC"
    mse: float  # residual of the two-way model
    msw: float  # within items, one-way model: (SSJ + SSE) / (n (k - 1))


def _undefined_reason(n: int, spread: float, ssb: float, sst: float) -> str | None:
    """Why ICC has no value for these sums of squares (``None`` if it has one).

    :func:`icc_a1_many` applies the same three conditions, vectorised, so the
    batch API gives NaN exactly where the single API raises.
    """
    if n < 2:
        return (
            f"ICC vraagt minstens twee items die door alle beoordelaars zijn gescoord; "
            f"hier {'is er' if n == 1 else 'zijn er'} {n}."
        )
    if spread == 0:
        return "Alle scores zijn gelijk; zonder spreiding is de ICC niet gedefinieerd."
    if ssb <= _ZERO_TOL * sst:
        return (
            "De items krijgen gemiddeld precies dezelfde score; zonder verschil tussen "
            "de items is de ICC niet gedefinieerd."
        )
    return None


def _mean_squares(x: np.ndarray) -> _MeanSquares:
    """Two-way ANOVA mean squares of a complete items × raters matrix."""
    n, k = x.shape
    if n < 2:
        raise StatisticUndefined(_undefined_reason(n, 0.0, 0.0, 0.0))
    centred = x - x.mean()
    row = centred.mean(axis=1)
    col = centred.mean(axis=0)
    ssb = k * float(row @ row)
    ssj = n * float(col @ col)
    resid = centred - row[:, None] - col[None, :]
    sse = float(np.sum(resid * resid))
    sst = ssb + ssj + sse
    reason = _undefined_reason(n, float(np.ptp(x)), ssb, sst)
    if reason:
        raise StatisticUndefined(reason)
    if ssj <= _ZERO_TOL * sst:
        ssj = 0.0
    if sse <= _ZERO_TOL * sst:
        sse = 0.0
    return _MeanSquares(
        n=n,
        k=k,
        msb=ssb / (n - 1),
        msj=ssj / (k - 1),
        mse=sse / ((n - 1) * (k - 1)),
        msw=(ssj + sse) / (n * (k - 1)),
    )


def _div(num: float, den: float) -> float:
    """``num / den`` in IEEE arithmetic: ``x/0`` is ±inf (or NaN for 0/0), never an exception."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(num) / np.float64(den))


def _q(df1: float, df2: float) -> float:
    """Upper ``alpha/2`` quantile of the F distribution, with its limits at zero df.

    The Satterthwaite df ``v`` of ICC(A,1) is 0 for some degenerate data; the
    quantile then tends to ``inf`` (``df2`` → 0) or 0 (``df1`` → 0).
    """
    if df2 == 0:
        return math.inf
    if df1 == 0:
        return 0.0
    return float(fdtri(df1, df2, 1 - _ALPHA / 2))


def _f_sf(F: float, df1: float, df2: float) -> float:
    """P(X > F) for X ~ F(df1, df2), as ``scipy.stats.f.sf`` gives it (1 below 0; NaN stays NaN)."""
    return float(fdtrc(df1, df2, max(F, 0.0)))


def _single(F: float, k: int) -> float:
    """``(F - 1) / (F + k - 1)``, written so that ``F = inf`` gives 1."""
    return 1.0 - _div(k, F + k - 1)


def _average(F: float) -> float:
    """``1 - 1/F`` (Spearman–Brown of :func:`_single`)."""
    return 1.0 - _div(1.0, F)


def _step_up(r: float, k: int) -> float:
    """Spearman–Brown: the reliability of the mean of ``k`` raters from that of one."""
    return _div(r * k, 1 + r * (k - 1))


def _a1_limit(F: float, ms: _MeanSquares) -> float:
    """``n (MSB - F MSE) / (F (k MSJ + (kn-k-n) MSE) + n MSB)`` — psych's ICC2 limits.

    The lower limit is this at :math:`F = F_{.975}(n-1, v)`, the upper at
    :math:`F = 1/F_{.975}(v, n-1)`. Written so that ``F = inf`` (tiny ``v``)
    gives the limit ``-n MSE / (k MSJ + (kn-k-n) MSE)`` instead of inf/inf.
    """
    n, k, msb, msj, mse, _ = ms
    den = k * msj + (k * n - k - n) * mse
    if math.isinf(F):
        return _div(-n * mse, den) if mse > 0 else 1.0
    return _div(n * (msb - F * mse), F * den + n * msb)


def _table(ms: _MeanSquares, forms: tuple[str, ...]) -> dict[str, ICCResult]:
    n, k, msb, msj, mse, msw = ms
    df1, df_w, df_e = n - 1, n * (k - 1), (n - 1) * (k - 1)

    icc2 = (msb - mse) / (msb + (k - 1) * mse + k * (msj - mse) / n)  # denominator > 0 when MSB > 0
    values = {
        "ICC1": (msb - msw) / (msb + (k - 1) * msw),
        "ICC2": icc2,
        "ICC3": (msb - mse) / (msb + (k - 1) * mse),
        "ICC1k": (msb - msw) / msb,
        # Spearman–Brown of ICC2; its denominator is 0 (value ±inf) when ICC2 = -1/(k-1)
        "ICC2k": _div(msb - mse, msb + (msj - mse) / n),
        "ICC3k": (msb - mse) / msb,
    }

    F1, F3 = _div(msb, msw), _div(msb, mse)
    p1, p3 = _f_sf(F1, df1, df_w), _f_sf(F3, df1, df_e)

    # One-way and consistency forms: exact F-based limits (Shrout & Fleiss 1979, eqs. 6, 13).
    F1L, F1U = F1 / _q(df1, df_w), F1 * _q(df_w, df1)
    F3L, F3U = F3 / _q(df1, df_e), F3 * _q(df_e, df1)

    # ICC(A,1): approximate limits with Satterthwaite-type df v (McGraw & Wong 1996, Table 7;
    # psych::ICC and pingouin), written with MSJ, MSE instead of Fj = MSJ/MSE so MSE = 0 is allowed.
    c = n * (1 + (k - 1) * icc2) - k * icc2
    vd = df1 * (k * icc2 * msj) ** 2 + (c * mse) ** 2
    if vd == 0:  # MSJ = MSE = 0: the raters agree perfectly, ICC(A,1) = 1 exactly
        l2 = u2 = 1.0
    else:
        v = df_e * (k * icc2 * msj + c * mse) ** 2 / vd
        l2 = _a1_limit(_q(df1, v), ms)
        u2 = _a1_limit(_div(1.0, _q(v, df1)), ms)

    cis = {
        "ICC1": (_single(F1L, k), _single(F1U, k)),
        "ICC2": (l2, u2),
        "ICC3": (_single(F3L, k), _single(F3U, k)),
        "ICC1k": (_average(F1L), _average(F1U)),
        "ICC2k": (_step_up(l2, k), _step_up(u2, k)),
        "ICC3k": (_average(F3L), _average(F3U)),
    }
    tests = {
        "ICC1": (F1, df_w, p1), "ICC1k": (F1, df_w, p1),
        "ICC2": (F3, df_e, p3), "ICC2k": (F3, df_e, p3),
        "ICC3": (F3, df_e, p3), "ICC3k": (F3, df_e, p3),
    }

    out: dict[str, ICCResult] = {}
    for form in forms:
        reason = f"{_MCGRAW_WONG[form]} is voor deze gegevens niet te berekenen."
        F, df2, p = tests[form]
        lo, hi = cis[form]
        out[form] = ICCResult(
            value=finite_or_undefined(values[form], reason),
            F=float(F),
            df1=df1,
            df2=df2,
            p=finite_or_undefined(p, reason),
            ci95=(finite_or_undefined(lo, reason), finite_or_undefined(hi, reason)),
        )
    return out


def icc(ratings: Ratings, *, forms: Iterable[str] = ICC_FORMS) -> dict[str, ICCResult]:
    """Intraclass correlations, the six forms of Shrout & Fleiss (1979).

    Parameters
    ----------
    ratings : Ratings
        Items (targets) × raters. Only items that *every* rater scored are used
        (listwise deletion, as ``psych::ICC`` and ``pingouin.intraclass_corr``
        with ``nan_policy="omit"``).
    forms : iterable of str, optional
        Only these forms (default: all six). A form that is not asked for
        cannot make the call fail; ``icc(r, forms=("ICC2",))`` is what to use
        when only ICC(A,1) matters.

    Returns
    -------
    dict of str to ICCResult
        Keys ``"ICC1"``, ``"ICC2"``, ``"ICC3"``, ``"ICC1k"``, ``"ICC2k"``,
        ``"ICC3k"`` (psych's names; those in ``forms``), each with
        ``value``, ``F``, ``df1``, ``df2``, ``p`` and ``ci95``.

    Raises
    ------
    StatisticUndefined
        Fewer than two raters; fewer than two complete items; all scores
        equal; no variance between the items (every item has the same mean
        score). Beyond those, only ICC(A,k) can be undefined: its value or a
        limit is infinite when ICC(A,1) or one of its limits equals
        :math:`-1/(k-1)` (psych prints ``-Inf``); the other five forms always
        have finite values and limits once the data are usable.
    RatingsInputError
        An unknown form in ``forms``.

    Notes
    -----
    The forms and their McGraw & Wong (1996) names:

    ========  ===========  ==============================================
    psych     McGraw–Wong  model
    ========  ===========  ==============================================
    ICC1      ICC(1)       one-way random, single rater
    ICC2      ICC(A,1)     two-way random, absolute agreement, single
    ICC3      ICC(C,1)     two-way mixed, consistency, single
    ICC1k     ICC(k)       one-way random, mean of the k raters
    ICC2k     ICC(A,k)     two-way random, absolute agreement, mean of k
    ICC3k     ICC(C,k)     two-way mixed, consistency, mean of k
    ========  ===========  ==============================================

    For a trainee against the expert consensus the relevant form is ICC(A,1):
    a trainee who scores every clip one point too high has a perfect ICC(C,1)
    but not a perfect ICC(A,1).

    With :math:`n` items, :math:`k` raters and the two-way ANOVA mean squares
    :math:`MS_R` (between items, psych's MSB), :math:`MS_C` (between raters,
    MSJ), :math:`MS_E` (residual) and the one-way within-item mean square
    :math:`MS_W = (SS_C + SS_E) / (n(k-1))`:

    .. math::

        \\mathrm{ICC1} = \\frac{MS_R - MS_W}{MS_R + (k-1) MS_W}, \\qquad
        \\mathrm{ICC1k} = \\frac{MS_R - MS_W}{MS_R}

        \\mathrm{ICC2} = \\frac{MS_R - MS_E}{MS_R + (k-1) MS_E + k (MS_C - MS_E)/n}, \\qquad
        \\mathrm{ICC2k} = \\frac{MS_R - MS_E}{MS_R + (MS_C - MS_E)/n}

        \\mathrm{ICC3} = \\frac{MS_R - MS_E}{MS_R + (k-1) MS_E}, \\qquad
        \\mathrm{ICC3k} = \\frac{MS_R - MS_E}{MS_R}

    F tests: :math:`F_1 = MS_R / MS_W` on :math:`(n-1, n(k-1))` df for ICC1 and
    ICC1k; :math:`F_3 = MS_R / MS_E` on :math:`(n-1, (n-1)(k-1))` df for the
    other four. 95 % limits for ICC1/ICC3 are
    :math:`(F_L - 1)/(F_L + k - 1)` and :math:`(F_U - 1)/(F_U + k - 1)` with
    :math:`F_L = F / F_{.975}(df_1, df_2)` and
    :math:`F_U = F \\cdot F_{.975}(df_2, df_1)`, and :math:`1 - 1/F_L`,
    :math:`1 - 1/F_U` for ICC1k/ICC3k. ICC2 uses the approximate interval of
    McGraw & Wong (1996) with the Satterthwaite-type degrees of freedom

    .. math::

        v = \\frac{(k-1)(n-1)\\,[k\\,\\mathrm{ICC2}\\,F_j + n(1 + (k-1)\\mathrm{ICC2}) - k\\,\\mathrm{ICC2}]^2}
                 {(n-1) k^2 \\mathrm{ICC2}^2 F_j^2 + [n(1 + (k-1)\\mathrm{ICC2}) - k\\,\\mathrm{ICC2}]^2},
        \\quad F_j = MS_C / MS_E,

    and ICC2k's limits are ICC2's stepped up with Spearman–Brown, exactly as
    ``psych::ICC`` and ``pingouin.intraclass_corr`` do (R ``irr::icc`` gives a
    slightly different ICC(A,k) interval). The ICC2 limits are evaluated in a
    form that stays finite when :math:`v` is so small that the F quantile is
    infinite (psych and pingouin then give NaN); elsewhere they are identical.

    Sums of squares smaller than :math:`10^{-12}` times the total are taken as
    zero, so perfect agreement gives exactly 1 (and :math:`F = \\infty`,
    :math:`p = 0`, interval [1, 1]).

    References
    ----------
    .. [1] Shrout, P. E. & Fleiss, J. L. (1979). Intraclass correlations: uses
       in assessing rater reliability. *Psychological Bulletin*, 86, 420–428.
    .. [2] McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some
       intraclass correlation coefficients. *Psychological Methods*, 1, 30–46.
    .. [3] Koo, T. K. & Li, M. Y. (2016). A guideline of selecting and reporting
       intraclass correlation coefficients for reliability research. *Journal
       of Chiropractic Medicine*, 15, 155–163.

    Examples
    --------
    Shrout & Fleiss (1979), Table 4: six targets, four judges.

    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.icc import icc
    >>> sf = Ratings.from_matrix([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8],
    ...                           [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]])
    >>> # In R: psych::ICC(sf)
    >>> # In Python: pingouin.intraclass_corr(long_sf, "target", "judge", "score")
    >>> for form, r in icc(sf).items():
    ...     lo, hi = r.ci95
    ...     print(f"{form:5} {r.value:.2f} F={r.F:4.1f} df={r.df1},{r.df2} "
    ...           f"p={r.p:.5f} [{lo:.2f}, {hi:.2f}]")
    ICC1  0.17 F= 1.8 df=5,18 p=0.16477 [-0.13, 0.72]
    ICC2  0.29 F=11.0 df=5,15 p=0.00013 [0.02, 0.76]
    ICC3  0.71 F=11.0 df=5,15 p=0.00013 [0.34, 0.95]
    ICC1k 0.44 F= 1.8 df=5,18 p=0.16477 [-0.88, 0.91]
    ICC2k 0.62 F=11.0 df=5,15 p=0.00013 [0.07, 0.93]
    ICC3k 0.91 F=11.0 df=5,15 p=0.00013 [0.68, 0.99]
    """
    forms = tuple(forms)
    unknown = [f for f in forms if f not in ICC_FORMS]
    if unknown:
        raise RatingsInputError(f"Onbekende ICC-vorm {unknown[0]!r}; kies uit {', '.join(ICC_FORMS)}.")
    if ratings.n_raters < 2:
        raise StatisticUndefined(
            f"ICC vraagt minstens twee beoordelaars; hier {'is er' if ratings.n_raters == 1 else 'zijn er'} "
            f"{ratings.n_raters}."
        )
    return _table(_mean_squares(ratings.complete().matrix), forms)


def icc_a1_many(trainee_scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """ICC(A,1) of each trainee against one reference score per item, vectorised.

    Parameters
    ----------
    trainee_scores : array_like, shape (n_trainees, n_items)
        One row per trainee; ``NaN`` where the trainee did not score the item.
    reference : array_like, shape (n_items,)
        The reference (expert consensus) score per item; ``NaN`` = no reference.

    Returns
    -------
    numpy.ndarray, shape (n_trainees,)
        ICC(A,1) = psych's ICC2 of the two "raters" trainee and reference over
        the items that both scored. Equal (to rounding, ~1e-15) to
        ``icc(Ratings.from_matrix(np.c_[row, reference]), forms=("ICC2",))["ICC2"].value``,
        and so to ``icc(...)["ICC2"].value`` whenever the full table is defined.

        **NaN marks "undefined"** — in this batch API only, because it feeds a
        dashboard column: a trainee with fewer than two scored items, with all
        scores (trainee and reference) equal, or whose items have identical
        mean scores gets ``NaN`` exactly where :func:`icc` (for ICC2) would
        raise :class:`~oefenkit.errors.StatisticUndefined`. Use
        :func:`~oefenkit.agreement.trainee.trainee_vs_experts` for one trainee.

    Raises
    ------
    RatingsInputError
        Shapes that do not fit, or an infinite score.

    Notes
    -----
    With two raters the mean squares reduce to sums and differences. Per
    trainee, over the :math:`n` items scored by both, with :math:`s_i = x_i + y_i`
    and :math:`d_i = x_i - y_i`:

    .. math::

        MS_R = \\tfrac12 \\operatorname{var}(s), \\quad
        MS_E = \\tfrac12 \\operatorname{var}(d), \\quad
        MS_C = \\tfrac{n}{2} \\bar d^{\\,2}, \\quad
        \\mathrm{ICC}(A,1) = \\frac{MS_R - MS_E}{MS_R + MS_E + 2 (MS_C - MS_E)/n}

    (sample variances, ``ddof=1``), computed with masked two-pass sums over the
    whole matrix at once.

    References
    ----------
    .. [1] McGraw, K. O. & Wong, S. P. (1996). Forming inferences about some
       intraclass correlation coefficients. *Psychological Methods*, 1, 30–46.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement.icc import icc_a1_many
    >>> reference = np.array([1, 3, 5, 7, 9, 4])
    >>> trainees = np.array([[1, 3, 5, 7, 9, 4],          # identical
    ...                      [2, 4, 6, 8, 9, 5],          # about one point high
    ...                      [2, 3, np.nan, 6, 8, 5],     # skipped one clip
    ...                      [5, np.nan, np.nan, np.nan, np.nan, np.nan]])  # one clip only
    >>> # In R, per row: psych::ICC(cbind(trainee, reference))$results["Single_random_raters", "ICC"]
    >>> # In Python, per row: pingouin.intraclass_corr(...).set_index("Type").loc["ICC(A,1)", "ICC"]
    >>> np.round(icc_a1_many(trainees, reference), 4)
    array([1.    , 0.9462, 0.949 ,    nan])
    """
    x = np.asarray(trainee_scores, dtype=float)
    ref = np.asarray(reference, dtype=float)
    if x.ndim != 2 or ref.ndim != 1 or x.shape[1] != ref.shape[0]:
        raise RatingsInputError(
            "Verwacht een tabel met één rij per cursist en één kolom per item, "
            "en één referentiescore per item."
        )
    if np.isinf(x).any() or np.isinf(ref).any():
        raise RatingsInputError("Er zijn scores die geen eindig getal zijn.")

    mask = ~np.isnan(x) & ~np.isnan(ref)[None, :]
    n = mask.sum(axis=1)
    xs = np.where(mask, x, 0.0)
    ys = np.where(mask, ref[None, :], 0.0)
    s = xs + ys
    d = xs - ys
    with np.errstate(invalid="ignore", divide="ignore"):
        s_mean = s.sum(axis=1) / n
        d_mean = d.sum(axis=1) / n
        cs = np.where(mask, s - s_mean[:, None], 0.0)
        cd = np.where(mask, d - d_mean[:, None], 0.0)
        ssb = 0.5 * np.einsum("ij,ij->i", cs, cs)
        sse = 0.5 * np.einsum("ij,ij->i", cd, cd)
        ssj = 0.5 * n * d_mean**2
        sst = ssb + ssj + sse
        hi = np.maximum(np.where(mask, x, -np.inf).max(axis=1), np.where(mask, ref, -np.inf).max(axis=1))
        lo = np.minimum(np.where(mask, x, np.inf).min(axis=1), np.where(mask, ref, np.inf).min(axis=1))
        undefined = (n < 2) | (hi == lo) | (ssb <= _ZERO_TOL * sst)
        ssj = np.where(ssj <= _ZERO_TOL * sst, 0.0, ssj)
        sse = np.where(sse <= _ZERO_TOL * sst, 0.0, sse)
        msb = ssb / (n - 1)
        mse = sse / (n - 1)
        msj = ssj
        out = (msb - mse) / (msb + mse + 2.0 * (msj - mse) / n)
    out[undefined] = np.nan
    return out
