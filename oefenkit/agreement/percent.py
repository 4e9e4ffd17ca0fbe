"""Percent agreement: exact, within one point (R ``irr::agree``) and pairwise (Gwet's Pa)."""

from __future__ import annotations

import numpy as np

from ..errors import StatisticUndefined, ValidationError
from .data import Ratings

__all__ = ["PERCENT_KINDS", "percent_agreement"]

#: The kinds :func:`percent_agreement` knows.
PERCENT_KINDS = ("exact", "within_1", "pairwise")

# Scores are compared with this slack so that, e.g., 4.1 and 5.1 count as "within 1"
# despite binary floating point; far below any real difference between scale points.
_EPS = 1e-9


def percent_agreement(ratings: Ratings, kind: str) -> float:
    """Share of agreement among the raters, as a fraction in [0, 1].

    Parameters
    ----------
    ratings : Ratings
        Items × raters, ``NaN`` = missing; two or more raters.
    kind : {"exact", "within_1", "pairwise"}
        ``"exact"``: the share of items on which *all* raters give the same
        score (R ``irr::agree(x)``). ``"within_1"``: the share of items whose
        scores all lie within one point of each other, max − min ≤ 1
        (``irr::agree(x, tolerance = 1)``). ``"pairwise"``: Gwet's percent
        agreement :math:`p_a`, the mean over items of the share of agreeing
        rater pairs (``irrCAC::pa.coeff.raw(x)``, unweighted).

    Returns
    -------
    float
        A fraction, not a percentage (irr prints percentages).

    Raises
    ------
    StatisticUndefined
        Fewer than two raters; for ``"exact"``/``"within_1"`` no item scored by
        every rater; for ``"pairwise"`` no item with at least two scores.
    ValidationError
        An unknown ``kind``.

    Notes
    -----
    *Missing data.* ``irr::agree`` starts with ``na.omit``: an item that any
    rater left unscored is dropped, and so it is here for ``"exact"`` and
    ``"within_1"``. Gwet's :math:`p_a` uses every item with at least two scores:
    with :math:`r_i` scores on item :math:`i`, :math:`r_{ic}` of them equal to
    :math:`c`, and :math:`n'` items with :math:`r_i \\ge 2`,

    .. math::

        p_a = \\frac{1}{n'} \\sum_{i:\\, r_i \\ge 2}
              \\sum_c \\frac{r_{ic} (r_{ic} - 1)}{r_i (r_i - 1)}.

    Items nobody scored never count, for any kind. With complete data and two
    raters the three kinds reduce to: exact = pairwise = share of equal pairs.

    ``"pairwise"`` compares scores exactly, as irrCAC does. ``"exact"`` and
    ``"within_1"`` allow a slack of :math:`10^{-9}` on max − min (irr has none),
    which only matters for non-integer scores: 2.2 − 1.2 is
    1.0000000000000002 in binary floating point and still counts as within 1.

    References
    ----------
    .. [1] Gamer, M., Lemon, J., Fellows, I. & Singh, P. (2019). irr: Various
       coefficients of interrater reliability and agreement. R package,
       function ``agree``.
    .. [2] Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.).
       Advanced Analytics. Chapter 2 (percent agreement with missing ratings).

    Examples
    --------
    Gwet's ``cac.raw4raters`` data (irrCAC): 12 items, 4 raters, ratings missing.

    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.percent import percent_agreement
    >>> nan = np.nan
    >>> x = Ratings.from_matrix([[1, 1, nan, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3],
    ...                          [2, 2, 2, 2], [1, 2, 3, 4], [4, 4, 4, 4], [1, 1, 2, 1],
    ...                          [2, 2, 2, 2], [nan, 5, 5, 5], [nan, nan, 1, 1], [nan, nan, 3, nan]])
    >>> # In R: irrCAC::pa.coeff.raw(cac.raw4raters)$est$pa
    >>> round(percent_agreement(x, "pairwise"), 7)
    0.8181818
    >>> # In R: irr::agree(cac.raw4raters) and irr::agree(cac.raw4raters, tolerance = 1)
    >>> percent_agreement(x, "exact"), percent_agreement(x, "within_1")
    (0.625, 0.875)
    """
    if kind not in PERCENT_KINDS:
        raise ValidationError(
            f"Onbekende soort overeenstemming {kind!r}; kies uit {', '.join(PERCENT_KINDS)}."
        )
    if ratings.n_raters < 2:
        raise StatisticUndefined(
            "Overeenstemming vraagt minstens twee beoordelaars; "
            f"hier {'is er' if ratings.n_raters == 1 else 'zijn er'} {ratings.n_raters}."
        )
    if kind == "pairwise":
        return _pairwise(ratings.matrix)

    x = ratings.complete().matrix
    if x.shape[0] == 0:
        raise StatisticUndefined("Geen enkel item is door alle beoordelaars gescoord.")
    spread = x.max(axis=1) - x.min(axis=1)
    tolerance = 0.0 if kind == "exact" else 1.0
    return float(np.mean(spread <= tolerance + _EPS))


def _pairwise(m: np.ndarray) -> float:
    """Gwet's p_a over the items with at least two scores."""
    scored = ~np.isnan(m)
    r = scored.sum(axis=1)
    use = r >= 2
    if not use.any():
        raise StatisticUndefined("Geen enkel item heeft scores van minstens twee beoordelaars.")
    m, r = m[use], r[use]
    # r_ic per category c (exact values, as irrCAC builds its categories)
    cats = np.unique(m[~np.isnan(m)])
    r_ic = (m[:, :, None] == cats[None, None, :]).sum(axis=1)
    return float(np.mean((r_ic * (r_ic - 1)).sum(axis=1) / (r * (r - 1))))
