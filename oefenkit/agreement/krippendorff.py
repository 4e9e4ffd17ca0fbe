"""Krippendorff's alpha for any number of raters, missing data and four levels of measurement."""

from __future__ import annotations

import numpy as np

from ..errors import RatingsInputError, StatisticUndefined
from .data import Ratings
from .weights import category_counts

__all__ = ["LEVELS", "krippendorff_alpha"]

#: Levels of measurement (metrics) accepted by :func:`krippendorff_alpha`.
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def krippendorff_alpha(ratings: Ratings, level: str = "interval") -> float:
    """Krippendorff's alpha reliability coefficient.

    Parameters
    ----------
    ratings : Ratings
        Items (Krippendorff's *units*) × raters (*observers*); any number of
        raters, missing values allowed.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of measurement, which chooses the difference function
        :math:`\\delta^2_{ck}`. The default matches the ``krippendorff``
        package.

    Returns
    -------
    float
        Alpha; 1 is perfect reliability, 0 agreement at chance level.

    Raises
    ------
    StatisticUndefined
        No unit with two or more values (for example a single rater), or no
        variation among the pairable values (expected disagreement 0).
    RatingsInputError
        An unknown ``level``; more than 2,000 distinct values at a level other
        than interval.

    Notes
    -----
    Computed through the coincidence matrix (Krippendorff 2011). Units with
    fewer than two values are not pairable and are dropped. With
    :math:`n_{uc}` the number of values :math:`c` in unit :math:`u` and
    :math:`m_u = \\sum_c n_{uc} \\ge 2`:

    .. math::

        o_{ck} = \\sum_u \\frac{n_{uc} n_{uk} - [c = k]\\, n_{uc}}{m_u - 1}, \\quad
        n_c = \\sum_k o_{ck}, \\quad n = \\sum_c n_c,

    .. math::

        \\alpha = 1 - (n - 1)\\,
        \\frac{\\sum_{c,k} o_{ck}\\, \\delta^2_{ck}}{\\sum_{c,k} n_c n_k\\, \\delta^2_{ck}}.

    Difference functions for values :math:`c, k`: nominal
    :math:`[c \\ne k]`; interval :math:`(c - k)^2`; ratio
    :math:`\\left(\\frac{c - k}{c + k}\\right)^2`; ordinal
    :math:`\\left(\\sum_{g=c}^{k} n_g - \\frac{n_c + n_k}{2}\\right)^2`, a function of
    the marginal frequencies of the values from :math:`c` to :math:`k`, so
    ordinal alpha is not AC2 or weighted kappa with ordinal weights.

    Only the values that occur matter. A declared scale range (1–9) does not
    change alpha at any level: an unused category has :math:`n_c = 0`, adds
    nothing to either sum, and adds 0 to the ordinal sums between other
    categories (checked in the tests).

    For the interval metric the sums over :math:`c, k` collapse to variances,
    so no coincidence matrix is needed and any number of distinct values
    works: with :math:`m_u` values in unit :math:`u`, :math:`SS_u` their sum of
    squared deviations from the unit mean and :math:`SS` that of all
    :math:`n` pairable values from their grand mean,

    .. math::

        \\alpha_{\\text{interval}} = 1 - \\frac{n - 1}{n}\\,
        \\frac{\\sum_u m_u\\, SS_u / (m_u - 1)}{SS}.

    The other levels build the counts with one vectorised comparison per
    distinct value and the coincidences with one matrix product; they accept
    at most 2,000 distinct values (the matrix is values × values). On 1,000
    raters × 50 items both paths take well under a millisecond.

    References
    ----------
    .. [1] Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
       Annenberg School for Communication, University of Pennsylvania.
       https://repository.upenn.edu/asc_papers/43
    .. [2] Hayes, A. F. & Krippendorff, K. (2007). Answering the call for a
       standard reliability measure for coding data. *Communication Methods
       and Measures*, 1, 77–89.

    Examples
    --------
    Krippendorff's (2011) example with missing data: 4 observers × 12 units.
    Published: nominal .743, interval .849, ratio .797.

    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.krippendorff import krippendorff_alpha
    >>> nan = np.nan
    >>> observers = np.array([
    ...     [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...     [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...     [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...     [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]])
    >>> r = Ratings.from_matrix(observers.T)  # items as rows
    >>> # In Python: krippendorff.alpha(reliability_data=observers, level_of_measurement=level)
    >>> [round(krippendorff_alpha(r, level), 3) for level in ("nominal", "ordinal", "interval", "ratio")]
    [0.743, 0.815, 0.849, 0.797]
    """
    if level not in LEVELS:
        raise RatingsInputError(f"Onbekend meetniveau {level!r}; kies uit {', '.join(LEVELS)}.")
    m = ratings.matrix
    observed = ~np.isnan(m)
    m_u = np.count_nonzero(observed, axis=1)
    pairable = m_u >= 2
    if not pairable.any():
        raise StatisticUndefined("Geen enkel item heeft twee of meer scores; alfa is dan niet bepaald.")
    if not pairable.all():
        m, observed, m_u = m[pairable], observed[pairable], m_u[pairable]
    m_u = m_u.astype(float)
    flat = m.ravel()
    lo, hi = float(np.fmin.reduce(flat)), float(np.fmax.reduce(flat))
    if lo == hi:
        raise StatisticUndefined("Alle scores zijn gelijk; alfa is dan niet bepaald.")
    if level == "interval":
        return _interval_alpha(m, observed, m_u)
    return _coincidence_alpha(m, observed, m_u, lo, hi, level)


def _interval_alpha(m: np.ndarray, observed: np.ndarray, m_u: np.ndarray) -> float:
    """Interval alpha in closed form: no coincidence matrix, so any number of distinct values."""
    n = m_u.sum()
    unit_mean = np.where(observed, m, 0.0).sum(axis=1) / m_u
    within = np.where(observed, m - unit_mean[:, None], 0.0)
    ss_u = np.einsum("ij,ij->i", within, within)
    grand_mean = float(m_u @ unit_mean) / n
    ss_total = float(ss_u.sum() + m_u @ (unit_mean - grand_mean) ** 2)  # within + between
    return float(1.0 - (n - 1.0) * float(np.sum(m_u * ss_u / (m_u - 1.0))) / (n * ss_total))


#: Above this many distinct values the values × values coincidence matrix is not sensible.
_MAX_VALUES = 2000


def _coincidence_alpha(
    m: np.ndarray, observed: np.ndarray, m_u: np.ndarray, lo: float, hi: float, level: str
) -> float:
    values, counts = _value_counts(m, observed, m_u, lo, hi, level)  # n_uc
    weighted = counts / (m_u - 1.0)[:, None]
    o = weighted.T @ counts
    o[np.diag_indices_from(o)] -= weighted.sum(axis=0)  # coincidence matrix o_ck
    n_c = o.sum(axis=0)
    n = n_c.sum()
    d2 = _difference(level, values, n_c)
    expected = float(n_c @ d2 @ n_c)
    if expected <= 0.0:
        raise StatisticUndefined("Alle scores zijn gelijk; alfa is dan niet bepaald.")
    return float(1.0 - (n - 1.0) * float(np.sum(o * d2)) / expected)


def _value_counts(m, observed, m_u, lo, hi, level):
    """Distinct values and the units × values count table n_uc.

    Scores on a rating scale are a few integers: try the integers from the
    lowest to the highest score first (no sort needed) and fall back to
    ``np.unique`` when some score is not among them.
    """
    if lo.is_integer() and hi - lo < 32:
        candidates = np.arange(lo, hi + 1.0)
        counts = category_counts(m, candidates, check=False)
        if counts.sum() == m_u.sum():
            used = counts.sum(axis=0) > 0
            return candidates[used], counts[:, used].astype(float)
    values = np.unique(m[observed])
    if values.size > _MAX_VALUES:
        raise RatingsInputError(
            f"Te veel verschillende scores ({values.size}) voor alfa op {level} niveau; "
            f"maximaal {_MAX_VALUES}."
        )
    return values, category_counts(m, values).astype(float)


def _difference(level: str, values: np.ndarray, n_c: np.ndarray) -> np.ndarray:
    """Squared difference function δ²(c, k) between every pair of observed values."""
    c, k = values[:, None], values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        s = c + k
        return np.divide(c - k, s, out=np.zeros(np.broadcast_shapes(c.shape, k.shape)), where=s != 0) ** 2
    # ordinal: (sum of n_g for g from c to k) - (n_c + n_k)/2, squared
    cum = np.concatenate(([0.0], np.cumsum(n_c)))
    i = np.arange(values.size)
    lo, hi = np.minimum.outer(i, i), np.maximum.outer(i, i)
    between = cum[hi + 1] - cum[lo]
    return (between - (n_c[:, None] + n_c[None, :]) / 2.0) ** 2
