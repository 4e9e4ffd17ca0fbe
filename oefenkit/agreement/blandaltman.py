"""Bland–Altman limits of agreement between two raters, with their confidence intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.special import stdtrit  # what scipy.stats.t.ppf calls, without importing scipy.stats

from ..errors import StatisticUndefined
from .data import Ratings

__all__ = ["BlandAltmanResult", "bland_altman"]


@dataclass(frozen=True)
class BlandAltmanResult:
    """Mean difference (bias), SD of the differences and limits of agreement.

    Differences are *first rater minus second rater* in ``ratings.raters``
    order. ``z`` is the multiplier of the SD used for :attr:`loa`.
    """

    n: int
    bias: float
    sd: float
    loa: tuple[float, float]
    bias_ci95: tuple[float, float]
    loa_lower_ci95: tuple[float, float]
    loa_upper_ci95: tuple[float, float]
    z: float = 1.96

    def as_dict(self) -> dict:
        """JSON-ready: ``bias, sd, loa, bias_ci95, loa_lower_ci95, loa_upper_ci95, n`` (pairs as lists)."""
        return {
            "bias": float(self.bias),
            "sd": float(self.sd),
            "loa": [float(self.loa[0]), float(self.loa[1])],
            "bias_ci95": [float(self.bias_ci95[0]), float(self.bias_ci95[1])],
            "loa_lower_ci95": [float(self.loa_lower_ci95[0]), float(self.loa_lower_ci95[1])],
            "loa_upper_ci95": [float(self.loa_upper_ci95[0]), float(self.loa_upper_ci95[1])],
            "n": int(self.n),
        }


def bland_altman(ratings: Ratings, *, z: float = 1.96) -> BlandAltmanResult:
    """Bland–Altman analysis of two raters: bias, limits of agreement and their 95 % CIs.

    Parameters
    ----------
    ratings : Ratings
        Exactly two raters. The difference on an item is the **first** rater's
        score minus the **second** rater's, in ``ratings.raters`` order (note
        that :meth:`Ratings.from_records` sorts raters by name; use
        :meth:`Ratings.select_raters` to fix the order). Items that either
        rater left unscored are dropped.
    z : float, default 1.96
        Multiplier of the SD for the limits of agreement. 1.96 is the usual
        choice (Bland & Altman 1999); the 1986 paper used 2.

    Returns
    -------
    BlandAltmanResult
        ``n``, ``bias``, ``sd``, ``loa``, ``bias_ci95``, ``loa_lower_ci95``,
        ``loa_upper_ci95``.

    Raises
    ------
    StatisticUndefined
        Not exactly two raters, or fewer than two items scored by both (the SD
        of the differences needs two).

    Notes
    -----
    With differences :math:`d_i` on the :math:`n` paired items, their mean
    :math:`\\bar d` (the bias) and standard deviation :math:`s` (``ddof=1``):

    .. math::

        \\text{limits} = \\bar d \\pm z s, \\qquad
        SE(\\bar d) = \\sqrt{s^2 / n}, \\qquad
        SE(\\bar d \\pm z s) \\approx \\sqrt{3 s^2 / n},

    and each 95 % interval is estimate :math:`\\pm\\, t_{.975,\\,n-1}` × SE
    (Bland & Altman 1986, section "Precision of estimated limits of
    agreement"). The :math:`\\sqrt{3 s^2/n}` approximation is the paper's,
    kept whatever ``z`` is; it is :math:`\\sqrt{(1 + z^2/2)\\, s^2 / n}` rounded
    for :math:`z \\approx 2`.

    When all differences are equal, ``sd`` is 0 and every interval has zero
    width; that is a value, not an error.

    References
    ----------
    .. [1] Bland, J. M. & Altman, D. G. (1986). Statistical methods for assessing
       agreement between two methods of clinical measurement. *The Lancet*,
       327(8476), 307–310.
    .. [2] Bland, J. M. & Altman, D. G. (1999). Measuring agreement in method
       comparison studies. *Statistical Methods in Medical Research*, 8, 135–160.

    Examples
    --------
    Peak expiratory flow (l/min) of 17 subjects, Wright vs mini Wright meter
    (Bland & Altman 1986, Table 1, first readings):

    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.blandaltman import bland_altman
    >>> wright = [494, 395, 516, 434, 476, 557, 413, 442, 650, 433, 417, 656, 267, 478, 178, 423, 427]
    >>> mini = [512, 430, 520, 428, 500, 600, 364, 380, 658, 445, 432, 626, 260, 477, 259, 350, 451]
    >>> pefr = Ratings.from_matrix(np.c_[wright, mini], raters=["wright", "mini"])
    >>> # As in the paper: d = Wright − mini, limits d̄ ± 2 s
    >>> ba = bland_altman(pefr, z=2)
    >>> round(ba.bias, 1), round(ba.sd, 1), ba.n
    (-2.1, 38.8, 17)
    >>> [round(v, 1) for v in ba.loa]
    [-79.6, 75.4]
    >>> # In R: BlandAltmanLeh::bland.altman.stats(wright, mini, two = 1.96)
    >>> [round(v, 1) for v in bland_altman(pefr).loa]
    [-78.1, 73.9]

    The paper prints −79.7 and 75.5 because it works from the rounded
    −2.1 ± 2 × 38.8.
    """
    if ratings.n_raters != 2:
        raise StatisticUndefined(
            f"Bland-Altman vergelijkt precies twee beoordelaars; hier zijn het er {ratings.n_raters}."
        )
    x = ratings.complete().matrix
    n = x.shape[0]
    if n < 2:
        raise StatisticUndefined(
            f"Bland-Altman vraagt minstens twee items die beide beoordelaars scoorden; "
            f"hier {'is er' if n == 1 else 'zijn er'} {n}."
        )
    d = x[:, 0] - x[:, 1]
    bias = float(d.mean())
    sd = float(d.std(ddof=1))
    t = float(stdtrit(n - 1, 0.975))
    se_bias = sd / math.sqrt(n)
    se_limit = math.sqrt(3 * sd**2 / n)
    lower, upper = bias - z * sd, bias + z * sd
    return BlandAltmanResult(
        n=n,
        bias=bias,
        sd=sd,
        loa=(lower, upper),
        bias_ci95=(bias - t * se_bias, bias + t * se_bias),
        loa_lower_ci95=(lower - t * se_limit, lower + t * se_limit),
        loa_upper_ci95=(upper - t * se_limit, upper + t * se_limit),
        z=float(z),
    )
