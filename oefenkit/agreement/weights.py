"""Category weights and the item × category table behind the category-based coefficients.

Cohen's kappa, Fleiss' kappa and Gwet's AC1/AC2 all work on the same pieces:

* a ``q × q`` agreement-weight matrix over the categories (identity for the
  unweighted coefficients), built from the category *values* as Gwet's irrCAC
  does (``linear.weights``, ``quadratic.weights``);
* the ``n × q`` table of how many raters put item ``i`` in category ``k``
  (irrCAC's ``agree.mat``) with the weighted percent agreement derived from it
  (:class:`AgreementTable`), shared by Fleiss' kappa and Gwet's AC1/AC2;
* Gwet's linearised variance with irrCAC's t-interval
  (:func:`linearised_estimate`).

They live in one module so the coefficients cannot disagree about any of them.
"""

from __future__ import annotations

import numpy as np
from scipy.special import stdtrit

from ..errors import RatingsInputError, StatisticUndefined
from ._common import Estimate
from .data import Ratings

__all__ = ["WEIGHT_KINDS", "AgreementTable", "category_counts", "category_weights", "linearised_estimate"]

#: Accepted values of ``kind``; ``"unweighted"`` and ``"identity"`` are synonyms.
WEIGHT_KINDS = ("unweighted", "identity", "linear", "quadratic")


def category_weights(categories: np.ndarray, kind: str = "unweighted") -> np.ndarray:
    """Agreement weights between every pair of categories.

    Parameters
    ----------
    categories : array_like of float
        The category values, strictly increasing (for example
        ``Ratings.categories()``).
    kind : {"unweighted", "identity", "linear", "quadratic"}
        ``"unweighted"``/``"identity"`` give the identity matrix (only exact
        agreement counts); ``"linear"`` and ``"quadratic"`` give partial credit
        that shrinks with the distance between the category values.

    Returns
    -------
    numpy.ndarray
        Symmetric ``q × q`` matrix with ones on the diagonal and values in
        ``[0, 1]``.

    Raises
    ------
    RatingsInputError
        For an unknown ``kind`` or categories that are not strictly increasing.

    Notes
    -----
    With categories :math:`x_1 < \\dots < x_q` (the values, not their ranks):

    .. math::

        w_{kl}^{\\text{linear}} = 1 - \\frac{|x_k - x_l|}{x_q - x_1}, \\qquad
        w_{kl}^{\\text{quadratic}} = 1 - \\frac{(x_k - x_l)^2}{(x_q - x_1)^2}.

    These are Gwet's definitions (irrCAC ``linear.weights``/``quadratic.weights``)
    and Cicchetti–Allison / Fleiss–Cohen weights of Cohen's weighted kappa.
    Because they use the values, a gap in the categories counts as distance: on
    categories ``{1, 2, 5}`` a 1-vs-5 disagreement weighs more than a 1-vs-2
    one. R ``irr::kappa2`` and scikit-learn use the ranks ``0, 1, …, q-1``
    instead, which gives the same matrix whenever the categories are equally
    spaced (always the case on a declared 1–9 scale). A single category gives
    ``[[1.0]]``.

    References
    ----------
    .. [1] Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed.,
       chapter 3. Advanced Analytics, LLC.
    .. [2] Fleiss, J. L. & Cohen, J. (1973). The equivalence of weighted kappa
       and the intraclass correlation coefficient as measures of reliability.
       *Educational and Psychological Measurement*, 33, 613–619.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement.weights import category_weights
    >>> # In R: irrCAC::linear.weights(1:3)
    >>> category_weights(np.array([1.0, 2.0, 3.0]), "linear")
    array([[1. , 0.5, 0. ],
           [0.5, 1. , 0.5],
           [0. , 0.5, 1. ]])
    >>> # In R: irrCAC::quadratic.weights(1:3)
    >>> category_weights(np.array([1.0, 2.0, 3.0]), "quadratic")
    array([[1.  , 0.75, 0.  ],
           [0.75, 1.  , 0.75],
           [0.  , 0.75, 1.  ]])
    """
    if kind not in WEIGHT_KINDS:
        raise RatingsInputError(
            f"Onbekende weging {kind!r}; kies uit {', '.join(WEIGHT_KINDS)}."
        )
    x = np.asarray(categories, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)) or np.any(np.diff(x) <= 0):
        raise RatingsInputError("De categorieën moeten oplopende, verschillende getallen zijn.")
    q = x.size
    if kind in ("unweighted", "identity") or q == 1:
        return np.eye(q)
    diff = np.abs(x[:, None] - x[None, :]) / (x[-1] - x[0])
    if kind == "linear":
        return 1.0 - diff
    return 1.0 - diff**2


def category_counts(matrix: np.ndarray, categories: np.ndarray, *, check: bool = True) -> np.ndarray:
    """How many raters put each item in each category (irrCAC's ``agree.mat``).

    Parameters
    ----------
    matrix : numpy.ndarray
        Items × raters scores, ``NaN`` for missing.
    categories : numpy.ndarray
        Strictly increasing category values.
    check : bool
        Require every observed score to be one of ``categories`` (default).
        With ``False`` other scores are silently not counted.

    Returns
    -------
    numpy.ndarray
        Integer array of shape ``(n_items, len(categories))``; row ``i`` sums to
        the number of raters who scored item ``i``.

    Raises
    ------
    RatingsInputError
        When ``check`` and a score is not one of ``categories``.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement.weights import category_counts
    >>> category_counts(np.array([[1.0, 1.0, np.nan], [2.0, 3.0, 3.0]]), np.array([1.0, 2.0, 3.0]))
    array([[2, 0, 0],
           [0, 1, 2]])
    """
    m = np.asarray(matrix, dtype=float)
    cats = np.asarray(categories, dtype=float)
    if cats.size <= 32:
        # One comparison pass per category: much faster than sorting for the
        # few categories of a rating scale.
        counts = np.empty((m.shape[0], cats.size), dtype=np.int64)
        for k, c in enumerate(cats):
            counts[:, k] = np.count_nonzero(m == c, axis=1)
    else:
        observed = ~np.isnan(m)
        rows = np.nonzero(observed)[0]
        values = m[observed]
        idx = np.clip(np.searchsorted(cats, values), 0, cats.size - 1)
        hit = cats[idx] == values
        if check and not hit.all():
            raise RatingsInputError("Er zijn scores die geen categorie van de schaal zijn.")
        counts = np.bincount(rows[hit] * cats.size + idx[hit], minlength=m.shape[0] * cats.size)
        return counts.reshape(m.shape[0], cats.size).astype(np.int64, copy=False)
    if check and counts.sum() != np.count_nonzero(~np.isnan(m)):
        raise RatingsInputError("Er zijn scores die geen categorie van de schaal zijn.")
    return counts


#: Dutch reason when no item has two ratings.
_NO_PAIRS = "Geen enkel item is door minstens twee beoordelaars gescoord."


class AgreementTable:
    """Counts and percent agreement of raw ratings, as irrCAC's ``*.raw`` functions build them.

    Items that nobody scored are dropped first (irrCAC asks its users to do
    so); items scored once stay in (they count in :math:`n` and in the
    category proportions :math:`\\pi_k`, not in the percent agreement).

    Attributes
    ----------
    counts : numpy.ndarray
        :math:`r_{ik}`, float array ``n × q``.
    w : numpy.ndarray
        ``q × q`` agreement weights.
    q : int
        Number of categories.
    ri : numpy.ndarray
        :math:`r_i`, ratings per item.
    n, n2 : int
        Items scored at least once / at least twice.
    two_or_more : numpy.ndarray
        ``1.0`` where :math:`r_i \\ge 2`, else ``0.0``.
    pa_i : numpy.ndarray
        :math:`p_{a|i} = \\sum_k r_{ik}(r^\\star_{ik} - 1) / (r_i(r_i-1))`, 0 when
        :math:`r_i < 2`.
    pa : float
        Mean of :math:`p_{a|i}` over the items with :math:`r_i \\ge 2`.
    pi : numpy.ndarray
        :math:`\\pi_k = \\frac{1}{n}\\sum_i r_{ik}/r_i`.

    Raises
    ------
    StatisticUndefined
        Fewer than two raters, or no item scored by two raters.
    """

    __slots__ = ("counts", "n", "n2", "pa", "pa_i", "pi", "q", "ri", "two_or_more", "w")

    def __init__(self, ratings: Ratings, weights: str = "unweighted"):
        if ratings.n_raters < 2:
            raise StatisticUndefined("Voor overeenstemming zijn minstens twee beoordelaars nodig.")
        matrix = ratings.matrix[~np.all(np.isnan(ratings.matrix), axis=1)]
        cats = ratings.categories()
        if cats.size == 0:
            raise StatisticUndefined(_NO_PAIRS)
        self.w = category_weights(cats, weights)
        self.q = int(cats.size)
        self.counts = category_counts(matrix, cats).astype(float)
        self.ri = self.counts.sum(axis=1)
        self.n = int(self.ri.size)
        self.two_or_more = (self.ri >= 2).astype(float)
        self.n2 = int(self.two_or_more.sum())
        if self.n2 == 0:
            raise StatisticUndefined(_NO_PAIRS)
        weighted = self.counts @ self.w.T  # r*_{ik} = sum_l w_kl r_il
        sum_q = np.sum(self.counts * (weighted - 1.0), axis=1)
        den = self.ri * (self.ri - 1.0)
        self.pa_i = np.divide(sum_q, den, out=np.zeros_like(sum_q), where=den > 0)
        self.pa = float(self.pa_i[self.ri >= 2].mean())
        self.pi = (self.counts / self.ri[:, None]).mean(axis=0)


def linearised_estimate(value: float, terms: np.ndarray, n: int) -> Estimate:
    """Gwet's linearised variance and irrCAC's 95 % interval for a coefficient.

    ``var = sum_i (terms_i - value)^2 / (n (n-1))`` (no finite-population
    correction) and ``value ± t(0.975, n-1) se`` with the upper bound capped at
    1, as irrCAC prints it. With fewer than two items there is no standard
    error: ``se`` and ``ci95`` are ``None``.
    """
    if n < 2:
        return Estimate(float(value))
    var = float(np.sum((terms - value) ** 2)) / (n * (n - 1))
    se = float(np.sqrt(var))
    half = float(stdtrit(n - 1, 0.975)) * se
    return Estimate(float(value), se, (float(value - half), float(min(1.0, value + half))))
