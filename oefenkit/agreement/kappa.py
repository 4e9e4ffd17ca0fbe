"""Cohen's kappa (two raters) and Fleiss' kappa (two or more raters, missing ratings allowed)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

from ..errors import RatingsInputError, StatisticUndefined
from ._common import Estimate, finite_or_undefined
from .data import Ratings
from .weights import AgreementTable, category_weights, linearised_estimate

__all__ = ["cohen_kappa", "fleiss_kappa"]

_Z975 = NormalDist().inv_cdf(0.975)

_ONE_CATEGORY = (
    "Alle scores vallen in één categorie; een kansgecorrigeerde overeenstemming is dan niet bepaald."
)


def cohen_kappa(ratings: Ratings, weights: str = "unweighted") -> Estimate:
    """Cohen's (weighted) kappa between exactly two raters.

    Parameters
    ----------
    ratings : Ratings
        Exactly two raters. Items that either rater did not score are dropped
        (pairwise-complete, as R ``irr::kappa2`` does with ``na.omit``).
    weights : {"unweighted", "linear", "quadratic"}
        Agreement weights from :func:`~oefenkit.agreement.weights.category_weights`.
        ``"linear"`` is R's ``weight="equal"``, ``"quadratic"`` R's
        ``weight="squared"``.

    Returns
    -------
    Estimate
        ``value`` is kappa; ``se`` the large-sample standard error of Fleiss,
        Cohen & Everitt (1969); ``ci95`` the Wald interval ``value ± 1.96 se``.

    Raises
    ------
    StatisticUndefined
        Not exactly two raters; no item scored by both; a single category in
        use so that chance agreement is 1 (kappa is 0/0).
    RatingsInputError
        An unknown ``weights``; a score that is not a category of the declared
        scale.

    Notes
    -----
    The categories are ``ratings.complete().categories()``: without a declared
    scale the values the two raters actually used, with a declared scale (1–9)
    every category of the range. The linear and quadratic weights are built
    from the *ranks* ``0, 1, …, q-1`` of those categories, exactly as R
    ``irr::kappa2`` and ``sklearn.metrics.cohen_kappa_score`` do, so the
    default reproduces both. The declared range matters when the raters skip a
    category inside the range they used (3, 4 and 6 but never 5): over the
    observed categories 4→6 is one step, over 1–9 it is two. The apps always
    declare the range, which gives ``cohen_kappa_score(a, b, labels=range(1, 10))``.

    With :math:`p_{kl}` the proportion of items scored :math:`k` by rater 1 and
    :math:`l` by rater 2, margins :math:`p_{k\\cdot}`, :math:`p_{\\cdot l}` and
    weights :math:`w_{kl}`:

    .. math::

        p_o = \\sum_{kl} w_{kl} p_{kl}, \\quad
        p_e = \\sum_{kl} w_{kl} p_{k\\cdot} p_{\\cdot l}, \\quad
        \\kappa = \\frac{p_o - p_e}{1 - p_e}.

    The variance (Fleiss, Cohen & Everitt 1969, eq. 13; SAS PROC FREQ's "ASE"),
    with :math:`\\bar w_{k\\cdot} = \\sum_l w_{kl} p_{\\cdot l}` and
    :math:`\\bar w_{\\cdot l} = \\sum_k w_{kl} p_{k\\cdot}`, is

    .. math::

        \\widehat{\\operatorname{var}}(\\kappa) = \\frac{
            \\sum_{kl} p_{kl}\\left[w_{kl}(1-p_e) - (\\bar w_{k\\cdot} + \\bar w_{\\cdot l})(1-p_o)\\right]^2
            - (p_o p_e - 2 p_e + p_o)^2}{n (1 - p_e)^4}.

    The reference implementation for the standard error is
    ``statsmodels.stats.inter_rater.cohens_kappa`` (``std_kappa``), which
    reproduces SAS PROC FREQ; the tests pin the value to scikit-learn and the
    SE and interval to statsmodels and to the SAS example printed in
    statsmodels' own tests.

    References
    ----------
    .. [1] Cohen, J. (1960). A coefficient of agreement for nominal scales.
       *Educational and Psychological Measurement*, 20, 37–46.
    .. [2] Cohen, J. (1968). Weighted kappa. *Psychological Bulletin*, 70, 213–220.
    .. [3] Fleiss, J. L., Cohen, J. & Everitt, B. S. (1969). Large sample standard
       errors of kappa and weighted kappa. *Psychological Bulletin*, 72, 323–327.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.kappa import cohen_kappa
    >>> x = np.array([[3, 3], [4, 5], [5, 5], [6, 5], [2, 3],
    ...               [7, 7], [4, 4], [3, 2], [6, 6], [5, 4]])
    >>> r = Ratings.from_matrix(x)
    >>> # In R: irr::kappa2(x, weight="squared")
    >>> # In Python: sklearn.metrics.cohen_kappa_score(x[:, 0], x[:, 1], weights="quadratic")
    >>> round(cohen_kappa(r, "quadratic").value, 4)
    0.8837
    >>> est = cohen_kappa(r)  # unweighted, as irr::kappa2(x)
    >>> round(est.value, 4), round(est.se, 4), tuple(round(b, 4) for b in est.ci95)
    (0.3902, 0.194, (0.01, 0.7705))

    The raters used 2–7 without gaps, so declaring the 1–9 scale only adds
    categories at the ends, which leaves weighted kappa unchanged:

    >>> r9 = Ratings.from_matrix(x, scale_min=1, scale_max=9)
    >>> round(cohen_kappa(r9, "quadratic").value, 4)
    0.8837
    """
    category_weights(np.array([0.0]), weights)  # reject an unknown option before anything else
    if ratings.n_raters != 2:
        raise StatisticUndefined(
            f"Cohens kappa vergelijkt precies twee beoordelaars; hier zijn het er {ratings.n_raters}."
        )
    paired = ratings.complete()
    n = paired.n_items
    if n == 0:
        raise StatisticUndefined("Geen enkel item is door beide beoordelaars gescoord.")
    cats = paired.categories()
    q = cats.size
    w = category_weights(np.arange(q, dtype=float), weights)  # rank-based, as irr and sklearn
    idx = np.clip(np.searchsorted(cats, paired.matrix), 0, q - 1)
    if not np.array_equal(cats[idx], paired.matrix):
        raise RatingsInputError("Er zijn scores die geen categorie van de schaal zijn.")
    p = np.bincount(idx[:, 0] * q + idx[:, 1], minlength=q * q).reshape(q, q) / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    po = float(np.sum(w * p))
    pe = float(row @ w @ col)
    if q < 2 or pe >= 1.0 - 1e-12:
        raise StatisticUndefined(_ONE_CATEGORY)
    kappa = finite_or_undefined((po - pe) / (1.0 - pe), _ONE_CATEGORY)

    w_row = w @ col  # \bar w_{k.}
    w_col = row @ w  # \bar w_{.l}
    core = w * (1.0 - pe) - (w_row[:, None] + w_col[None, :]) * (1.0 - po)
    first, second = float(np.sum(p * core**2)), (po * pe - 2.0 * pe + po) ** 2
    # The two terms cancel exactly when the variance is zero; rounding leaves ~1e-16,
    # which the square root would blow up to ~1e-8. Treat that as the zero it is.
    numerator = first - second if abs(first - second) > 1e-12 * max(first, second) else 0.0
    var = numerator / (n * (1.0 - pe) ** 4)
    se = float(np.sqrt(max(var, 0.0)))
    return Estimate(kappa, se, (kappa - _Z975 * se, kappa + _Z975 * se))


def fleiss_kappa(ratings: Ratings, weights: str = "unweighted") -> Estimate:
    """Fleiss' kappa for two or more raters, generalised to missing ratings.

    Parameters
    ----------
    ratings : Ratings
        Items × raters; any number of raters ≥ 2, missing ratings allowed.
        Items nobody scored are ignored.
    weights : {"unweighted", "linear", "quadratic"}
        Unweighted gives Fleiss' (1971) kappa; the weighted forms are Gwet's
        weighted generalisation (irrCAC ``fleiss.kappa.raw(weights=...)``).

    Returns
    -------
    Estimate
        ``value``, the standard error of Gwet (2014) as irrCAC computes it
        (no finite-population correction), and the 95 % interval
        ``value ± t(0.975, n-1) se`` with the upper bound capped at 1, exactly
        as ``irrCAC::fleiss.kappa.raw``. ``se`` and ``ci95`` are ``None`` when
        only one item was scored.

    Raises
    ------
    StatisticUndefined
        Fewer than two raters; no item scored by two raters; a single category
        (chance agreement 1).
    RatingsInputError
        An unknown ``weights``; a score outside the declared categories.

    Notes
    -----
    Categories are ``ratings.categories()`` (observed values, or the declared
    range). Declaring the range does not change Fleiss' kappa or its SE,
    weighted or not: an unused category has :math:`\\pi_k = 0`, and the value
    weights only rescale the disagreements, which cancels as in
    :func:`cohen_kappa`. Let
    :math:`r_{ik}` be the number of raters who put item :math:`i` in category
    :math:`k`, :math:`r_i = \\sum_k r_{ik}`, :math:`r^\\star_{ik} = \\sum_l w_{kl} r_{il}`,
    :math:`n` the number of items scored at least once and :math:`n_2` those
    scored at least twice. Then

    .. math::

        p_a = \\frac{1}{n_2} \\sum_{i: r_i \\ge 2}
              \\sum_k \\frac{r_{ik}(r^\\star_{ik} - 1)}{r_i (r_i - 1)}, \\quad
        \\pi_k = \\frac{1}{n} \\sum_i \\frac{r_{ik}}{r_i}, \\quad
        p_e = \\sum_{kl} w_{kl} \\pi_k \\pi_l, \\quad
        \\hat\\kappa = \\frac{p_a - p_e}{1 - p_e}.

    On complete data this is Fleiss' (1971) kappa. The variance is the
    linearisation of Gwet (2014, §5.5) without finite-population correction:
    with :math:`p_{a|i}` the inner sum above (0 for items with one rating),
    :math:`\\kappa_i = \\frac{n}{n_2}\\frac{p_{a|i} - p_e [r_i \\ge 2]}{1-p_e}`,
    :math:`\\bar\\pi_l = \\frac{1}{2}\\sum_k (w_{kl} + w_{lk}) \\pi_k`,
    :math:`p_{e|i} = \\sum_l r_{il} \\bar\\pi_l / r_i` and
    :math:`\\kappa_i^\\star = \\kappa_i - 2(1-\\hat\\kappa)\\frac{p_{e|i} - p_e}{1-p_e}`,

    .. math::

        \\widehat{\\operatorname{var}}(\\hat\\kappa) =
        \\frac{1}{n(n-1)} \\sum_i (\\kappa_i^\\star - \\hat\\kappa)^2 .

    References
    ----------
    .. [1] Fleiss, J. L. (1971). Measuring nominal scale agreement among many
       raters. *Psychological Bulletin*, 76, 378–382.
    .. [2] Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed.
       Advanced Analytics, LLC.
    .. [3] Gwet, K. L. irrCAC: Computing Chance-Corrected Agreement Coefficients
       (R package), ``fleiss.kappa.raw``.

    Examples
    --------
    Gwet's ``cac.raw4raters`` (12 units × 4 raters with missing ratings; the
    data of Krippendorff 2011):

    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.kappa import fleiss_kappa
    >>> nan = np.nan
    >>> x = np.array([[1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3],
    ...               [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1],
    ...               [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan]])
    >>> # In R: irrCAC::fleiss.kappa.raw(cac.raw4raters)   # 0.76117, se 0.15302, (0.424, 1)
    >>> est = fleiss_kappa(Ratings.from_matrix(x))
    >>> round(est.value, 5), round(est.se, 5), tuple(round(b, 3) for b in est.ci95)
    (0.76117, 0.15302, (0.424, 1.0))
    """
    t = AgreementTable(ratings, weights)
    pe = float(t.pi @ t.w @ t.pi)
    if t.q < 2 or pe >= 1.0 - 1e-12:
        raise StatisticUndefined(_ONE_CATEGORY)
    kappa = finite_or_undefined((t.pa - pe) / (1.0 - pe), _ONE_CATEGORY)

    kappa_i = (t.n / t.n2) * (t.pa_i - pe * t.two_or_more) / (1.0 - pe)
    pi_w = (t.w @ t.pi + t.w.T @ t.pi) / 2.0
    pe_i = (t.counts @ pi_w) / t.ri
    kappa_i_x = kappa_i - 2.0 * (1.0 - kappa) * (pe_i - pe) / (1.0 - pe)
    return linearised_estimate(kappa, kappa_i_x, t.n)
