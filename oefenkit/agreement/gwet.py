"""Gwet's AC1 and AC2 for two or more raters, missing ratings allowed."""

from __future__ import annotations

from ..errors import RatingsInputError, StatisticUndefined
from ._common import Estimate, finite_or_undefined
from .data import Ratings
from .weights import AgreementTable, linearised_estimate

__all__ = ["gwet_ac1", "gwet_ac2"]

_ONE_CATEGORY = (
    "Er is maar één categorie; Gwets AC1/AC2 is dan niet bepaald. "
    "Geef de schaal op (bijvoorbeeld 1–9) als er meer categorieën mogelijk waren."
)


def gwet_ac1(ratings: Ratings) -> Estimate:
    """Gwet's first-order agreement coefficient AC1 (unweighted).

    Parameters
    ----------
    ratings : Ratings
        Items × raters; two or more raters, missing ratings allowed. Items
        nobody scored are ignored.

    Returns
    -------
    Estimate
        ``value``, irrCAC's standard error (no finite-population correction)
        and 95 % interval ``value ± t(0.975, n-1) se`` with the upper bound
        capped at 1, as ``irrCAC::gwet.ac1.raw``. ``se``/``ci95`` are ``None``
        with a single item.

    Raises
    ------
    StatisticUndefined
        Fewer than two raters; no item scored by two raters; only one category
        (no declared scale and every score the same).
    RatingsInputError
        A score outside the declared categories.

    Notes
    -----
    See :func:`gwet_ac2` for the formulas; AC1 is AC2 with identity weights,
    for which :math:`T_w = q` and
    :math:`p_e = \\frac{1}{q-1}\\sum_k \\pi_k (1 - \\pi_k)`.

    Unlike kappa, AC1 depends on the *number* of categories :math:`q`, so
    declaring the 1–9 scale (``q = 9``) changes it when raters used fewer
    values. With a declared scale AC1 is defined even when everybody gave the
    same score (it is then 1, as in irrCAC with ``categ.labels``); without one
    that data has a single category and raises :class:`StatisticUndefined`.

    References
    ----------
    .. [1] Gwet, K. L. (2008). Computing inter-rater reliability and its
       variance in the presence of high agreement. *British Journal of
       Mathematical and Statistical Psychology*, 61, 29–48.
    .. [2] Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed.
       Advanced Analytics, LLC.

    Examples
    --------
    Gwet's ``cac.raw4raters`` (12 units × 4 raters with missing ratings):

    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.gwet import gwet_ac1
    >>> nan = np.nan
    >>> x = np.array([[1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3],
    ...               [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1],
    ...               [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan]])
    >>> # In R: irrCAC::gwet.ac1.raw(cac.raw4raters)   # 0.77544, se 0.14295, (0.461, 1)
    >>> est = gwet_ac1(Ratings.from_matrix(x))
    >>> round(est.value, 5), round(est.se, 5), tuple(round(b, 3) for b in est.ci95)
    (0.77544, 0.14295, (0.461, 1.0))
    """
    return _gwet(ratings, "unweighted")


def gwet_ac2(ratings: Ratings, weights: str = "linear") -> Estimate:
    """Gwet's weighted agreement coefficient AC2 for ordinal scores.

    Parameters
    ----------
    ratings : Ratings
        Items × raters; two or more raters, missing ratings allowed.
    weights : {"linear", "quadratic"}
        Agreement weights over the category values
        (:func:`~oefenkit.agreement.weights.category_weights`). For the
        unweighted coefficient use :func:`gwet_ac1`.

    Returns
    -------
    Estimate
        As :func:`gwet_ac1`; irrCAC ``gwet.ac1.raw(x, weights=...)``.

    Raises
    ------
    StatisticUndefined
        As :func:`gwet_ac1`.
    RatingsInputError
        ``weights`` other than ``"linear"``/``"quadratic"``; a score outside the
        declared categories.

    Notes
    -----
    Categories are ``ratings.categories()``: the observed values, or the full
    declared range (which changes AC2). With :math:`r_{ik}` raters putting
    item :math:`i` in category :math:`k`, :math:`r_i = \\sum_k r_{ik}`,
    :math:`r^\\star_{ik} = \\sum_l w_{kl} r_{il}`, :math:`n` items scored at
    least once, :math:`n_2` at least twice, :math:`q` categories and
    :math:`T_w = \\sum_{kl} w_{kl}`:

    .. math::

        p_a = \\frac{1}{n_2}\\sum_{i: r_i \\ge 2}
              \\sum_k \\frac{r_{ik}(r^\\star_{ik} - 1)}{r_i(r_i - 1)}, \\quad
        \\pi_k = \\frac{1}{n}\\sum_i \\frac{r_{ik}}{r_i}, \\quad
        p_e = \\frac{T_w}{q(q-1)} \\sum_k \\pi_k (1 - \\pi_k), \\quad
        \\mathrm{AC} = \\frac{p_a - p_e}{1 - p_e}.

    Variance (Gwet 2008, 2014; irrCAC, without finite-population correction):
    with :math:`p_{a|i}` the inner sum (0 when :math:`r_i < 2`),
    :math:`\\mathrm{AC}_i = \\frac{n}{n_2}\\frac{p_{a|i} - p_e[r_i \\ge 2]}{1 - p_e}`,
    :math:`p_{e|i} = \\frac{T_w}{q(q-1)}\\sum_k r_{ik}(1-\\pi_k)/r_i` and
    :math:`\\mathrm{AC}^\\star_i = \\mathrm{AC}_i - 2(1-\\mathrm{AC})\\frac{p_{e|i} - p_e}{1 - p_e}`,

    .. math::

        \\widehat{\\operatorname{var}}(\\mathrm{AC}) =
        \\frac{1}{n(n-1)}\\sum_i (\\mathrm{AC}^\\star_i - \\mathrm{AC})^2,

    and the interval is :math:`\\mathrm{AC} \\pm t_{0.975,\\,n-1}\\,\\mathrm{se}`,
    upper bound capped at 1.

    AC2 with ordinal data is *not* Krippendorff's ordinal alpha: AC2 weights
    distances between category values, alpha's ordinal metric uses the
    marginal frequencies of the categories in between.

    References
    ----------
    .. [1] Gwet, K. L. (2008). Computing inter-rater reliability and its
       variance in the presence of high agreement. *British Journal of
       Mathematical and Statistical Psychology*, 61, 29–48.
    .. [2] Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability*, 4th ed.,
       chapters 3 and 5. Advanced Analytics, LLC.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.gwet import gwet_ac2
    >>> nan = np.nan
    >>> x = np.array([[1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3],
    ...               [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1],
    ...               [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan]])
    >>> # In R: irrCAC::gwet.ac1.raw(cac.raw4raters, weights = "quadratic")
    >>> est = gwet_ac2(Ratings.from_matrix(x), "quadratic")
    >>> round(est.value, 3), round(est.se, 3), round(est.ci95[0], 3)
    (0.914, 0.104, 0.685)
    """
    if weights not in ("linear", "quadratic"):
        raise RatingsInputError(
            f"Onbekende weging {weights!r} voor AC2; kies 'linear' of 'quadratic' (of gebruik AC1)."
        )
    return _gwet(ratings, weights)


def _gwet(ratings: Ratings, weights: str) -> Estimate:
    t = AgreementTable(ratings, weights)
    if t.q < 2:
        raise StatisticUndefined(_ONE_CATEGORY)
    factor = float(t.w.sum()) / (t.q * (t.q - 1))
    pe = factor * float(t.pi @ (1.0 - t.pi))
    ac = finite_or_undefined((t.pa - pe) / (1.0 - pe), _ONE_CATEGORY)

    ac_i = (t.n / t.n2) * (t.pa_i - pe * t.two_or_more) / (1.0 - pe)
    pe_i = factor * (t.counts @ (1.0 - t.pi)) / t.ri
    ac_i_x = ac_i - 2.0 * (1.0 - ac) * (pe_i - pe) / (1.0 - pe)
    return linearised_estimate(ac, ac_i_x, t.n)
