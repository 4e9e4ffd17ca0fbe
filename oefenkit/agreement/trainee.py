"""A trainee against the expert consensus, and how that consensus is formed.

:func:`expert_consensus` turns the experts' scores into one scale point per
item (the master score) and reports how well the experts agree among
themselves; :func:`trainee_vs_experts` gives the numbers certification looks at
(``docs/certificering.md``): ICC(A,1), share within one point, bias, and whether
the trainee recognises the extremes of the scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import RatingsInputError, StatisticUndefined
from .data import Ratings, parse_score
from .icc import icc
from .percent import percent_agreement

__all__ = ["Consensus", "ExtremeBand", "TraineeAgreement", "expert_consensus", "trainee_vs_experts"]

_EPS = 1e-9


# --------------------------------------------------------------------------------------
# trainee vs consensus
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtremeBand:
    """One extreme band of the scale, e.g. 1–2 or 8–9.

    ``consensus_items``: items the consensus puts in the band; ``recognised``:
    how many of those the trainee also scored in the band.
    """

    low: float
    high: float
    consensus_items: int
    recognised: int

    def as_dict(self) -> dict:
        return {
            "band": [float(self.low), float(self.high)],
            "consensus_items": int(self.consensus_items),
            "recognised": int(self.recognised),
        }


@dataclass(frozen=True)
class TraineeAgreement:
    """How well one trainee's scores agree with the expert consensus.

    Every number is over the ``n_items`` items that both the trainee and the
    consensus scored. ``icc_a1`` is ``None`` when ICC(A,1) is undefined for
    these items; ``warnings`` then says why (Dutch).
    """

    n_items: int
    icc_a1: float | None
    within_one: float
    bias: float
    mad: float
    low_extremes: ExtremeBand
    high_extremes: ExtremeBand
    used_scale_min: bool
    used_scale_max: bool
    warnings: tuple[str, ...] = ()

    @property
    def extremes_recognised(self) -> float | None:
        """Share of the consensus' extreme items (both bands) that the trainee put in the same band.

        ``None`` when the consensus puts no item in either band.
        """
        total = self.low_extremes.consensus_items + self.high_extremes.consensus_items
        if total == 0:
            return None
        return (self.low_extremes.recognised + self.high_extremes.recognised) / total

    def as_dict(self) -> dict:
        return {
            "n_items": int(self.n_items),
            "icc_a1": None if self.icc_a1 is None else float(self.icc_a1),
            "within_one": float(self.within_one),
            "bias": float(self.bias),
            "mad": float(self.mad),
            "low_extremes": self.low_extremes.as_dict(),
            "high_extremes": self.high_extremes.as_dict(),
            "extremes_recognised": self.extremes_recognised,
            "used_scale_min": bool(self.used_scale_min),
            "used_scale_max": bool(self.used_scale_max),
            "warnings": list(self.warnings),
        }


def _check_scale(scale_min: float, scale_max: float) -> None:
    if not (math.isfinite(scale_min) and math.isfinite(scale_max) and scale_min < scale_max):
        raise RatingsInputError("Het minimum van de schaal moet kleiner zijn dan het maximum.")


def _scores(scores: Mapping[Any, Any], who: str, scale_min: float, scale_max: float) -> dict[str, float]:
    """Parsed, in-range scores per item; missing scores left out."""
    out: dict[str, float] = {}
    for item, raw in scores.items():
        key = str(item).strip()
        value = parse_score(raw, where=f"{who}, item {key}: ")
        if math.isnan(value):
            continue
        if not scale_min <= value <= scale_max:
            raise RatingsInputError(
                f"{who}, item {key}: score {value:g} ligt buiten de schaal {scale_min:g}–{scale_max:g}."
            )
        out[key] = value
    return out


def _band(lo: float, hi: float, trainee: np.ndarray, consensus: np.ndarray) -> ExtremeBand:
    in_band_c = (consensus >= lo - _EPS) & (consensus <= hi + _EPS)
    in_band_t = (trainee >= lo - _EPS) & (trainee <= hi + _EPS)
    return ExtremeBand(lo, hi, int(in_band_c.sum()), int((in_band_c & in_band_t).sum()))


def trainee_vs_experts(
    trainee: Mapping[str, float],
    consensus: Mapping[str, float],
    *,
    scale_min: int,
    scale_max: int,
) -> TraineeAgreement:
    """Agreement of one trainee with the expert consensus, item by item.

    Parameters
    ----------
    trainee : Mapping[str, float]
        The trainee's score per item (clip). ``None``/``NaN`` = not scored.
    consensus : Mapping[str, float]
        The consensus (master) score per item, e.g. ``expert_consensus(r).scores``.
    scale_min, scale_max : int
        The scale, 1 and 9 for the Ainsworth scales.

    Returns
    -------
    TraineeAgreement
        Over the items both scored: ``n_items``; ``icc_a1`` (ICC(A,1) of the
        two columns trainee and consensus, see :func:`~oefenkit.agreement.icc.icc`;
        ``None`` plus a warning when undefined); ``within_one``, the share of
        items with :math:`|t - c| \\le 1`; ``bias``, the mean of
        :math:`t - c` (positive = the trainee scores higher); ``mad``, the mean
        of :math:`|t - c|`; for the low band [min, min+1] and the high band
        [max−1, max] how many items the consensus puts there and how many of
        those the trainee also put there; and whether the trainee used
        ``scale_min`` / ``scale_max`` at all, on *any* item the trainee scored
        (also items without a consensus).

    Raises
    ------
    StatisticUndefined
        The trainee and the consensus have no scored item in common.
    RatingsInputError
        A score that is not a number or lies outside the scale; a scale whose
        minimum is not below its maximum.

    Notes
    -----
    With :math:`t_i, c_i` on the :math:`n` common items:

    .. math::

        \\text{within one} = \\frac1n \\sum_i [\\,|t_i - c_i| \\le 1\\,], \\quad
        \\text{bias} = \\frac1n \\sum_i (t_i - c_i), \\quad
        \\text{MAD} = \\frac1n \\sum_i |t_i - c_i|.

    "Extremes recognised" asks whether a trainee who sees clearly insensitive
    (consensus 1–2) or highly sensitive (8–9) parenting also scores it in that
    band. ``within_one`` alone rewards a trainee who never leaves the middle
    of the scale.

    Examples
    --------
    >>> from oefenkit.agreement.trainee import trainee_vs_experts
    >>> consensus = {"c1": 1, "c2": 2, "c3": 5, "c4": 6, "c5": 8, "c6": 9, "c7": 4}
    >>> trainee = {"c1": 2, "c2": 3, "c3": 5, "c4": 7, "c5": 8, "c6": 8, "c8": 3}
    >>> # In Python: pingouin.intraclass_corr(...) row "ICC(A,1)" for the two columns
    >>> res = trainee_vs_experts(trainee, consensus, scale_min=1, scale_max=9)
    >>> res.n_items, round(res.icc_a1, 3), round(res.within_one, 3), round(res.bias, 3), round(res.mad, 3)
    (6, 0.96, 1.0, 0.333, 0.667)
    >>> res.low_extremes.consensus_items, res.low_extremes.recognised
    (2, 1)
    >>> res.high_extremes.consensus_items, res.high_extremes.recognised
    (2, 2)
    >>> res.extremes_recognised, res.used_scale_min, res.used_scale_max
    (0.75, False, False)
    """
    _check_scale(scale_min, scale_max)
    t = _scores(trainee, "Cursist", scale_min, scale_max)
    c = _scores(consensus, "Consensus", scale_min, scale_max)
    common = sorted(set(t) & set(c))
    if not common:
        raise StatisticUndefined("De cursist en de consensus hebben geen gescoord item gemeen.")
    tv = np.array([t[i] for i in common])
    cv = np.array([c[i] for i in common])
    diff = tv - cv

    warnings: list[str] = []
    try:
        pair = Ratings(tuple(common), ("cursist", "consensus"), np.column_stack([tv, cv]))
        icc_a1: float | None = icc(pair, forms=("ICC2",))["ICC2"].value
    except StatisticUndefined as exc:
        icc_a1 = None
        warnings.append(f"ICC(A,1) is niet berekend: {exc}")

    return TraineeAgreement(
        n_items=len(common),
        icc_a1=icc_a1,
        within_one=float(np.mean(np.abs(diff) <= 1 + _EPS)),
        bias=float(diff.mean()),
        mad=float(np.abs(diff).mean()),
        low_extremes=_band(scale_min, scale_min + 1, tv, cv),
        high_extremes=_band(scale_max - 1, scale_max, tv, cv),
        used_scale_min=any(v == scale_min for v in t.values()),
        used_scale_max=any(v == scale_max for v in t.values()),
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------------------
# expert consensus
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Consensus:
    """The consensus (master) score per item and the experts' own agreement.

    ``scores`` holds a scale point for every item at least one expert scored;
    ``medians``, ``n_experts`` and ``spread`` (max − min of the experts'
    scores, 0 with one expert) are per item too. ``icc_a1``, ``pairwise`` and
    ``within_one`` describe the experts among themselves and are ``None``
    (with a Dutch reason in ``warnings``) when undefined.
    """

    scores: dict[str, float]
    medians: dict[str, float]
    n_experts: dict[str, int]
    spread: dict[str, float]
    icc_a1: float | None
    pairwise: float | None
    within_one: float | None
    warnings: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "scores": {k: float(v) for k, v in self.scores.items()},
            "medians": {k: float(v) for k, v in self.medians.items()},
            "n_experts": {k: int(v) for k, v in self.n_experts.items()},
            "spread": {k: float(v) for k, v in self.spread.items()},
            "icc_a1": None if self.icc_a1 is None else float(self.icc_a1),
            "pairwise": None if self.pairwise is None else float(self.pairwise),
            "within_one": None if self.within_one is None else float(self.within_one),
            "warnings": list(self.warnings),
        }


def _to_scale_point(median: float, scale_min: float, scale_max: float) -> float:
    """Nearest scale point; a tie (x.5) goes toward the scale midpoint, then down."""
    offset = median - scale_min
    lo = scale_min + math.floor(offset + _EPS)
    hi = scale_min + math.ceil(offset - _EPS)
    if hi <= lo:  # already a scale point
        return float(min(max(lo, scale_min), scale_max))
    d_lo, d_hi = median - lo, hi - median
    if abs(d_lo - d_hi) > _EPS:
        return float(lo if d_lo < d_hi else hi)
    mid = (scale_min + scale_max) / 2
    return float(hi if abs(hi - mid) < abs(lo - mid) - _EPS else lo)


def _optional(label: str, warnings: list[str], fn) -> float | None:
    try:
        return fn()
    except StatisticUndefined as exc:
        warnings.append(f"{label} van de experts is niet berekend: {exc}")
        return None


def expert_consensus(ratings: Ratings) -> Consensus:
    """The consensus score per item from the experts' scores, with the experts' agreement.

    Parameters
    ----------
    ratings : Ratings
        Items × experts, ``NaN`` = not scored, with a declared scale
        (``scale_min``/``scale_max``).

    Returns
    -------
    Consensus
        ``scores`` (one scale point per item that at least one expert scored),
        ``medians``, ``n_experts``, ``spread`` per item; ``icc_a1``
        (ICC(A,1) among the experts, items all experts scored), ``pairwise``
        (Gwet's :math:`p_a`) and ``within_one`` (share of items all experts
        scored within one point), each ``None`` plus a warning when undefined,
        e.g. with a single expert.

    Raises
    ------
    RatingsInputError
        The scale is not declared on ``ratings`` (the rule needs its midpoint).
    StatisticUndefined
        No item has a single expert score.

    Notes
    -----
    **The rule.** The consensus on an item is the *median* of the scores of
    the experts who scored it, moved to the nearest scale point; a median
    exactly halfway between two scale points (an even number of experts who
    disagree, e.g. 2 and 3) goes to the point *nearer the scale midpoint*
    (2.5 → 3, 7.5 → 7 on 1–9).

    Why this rule:

    * *Always a scale point.* A trainee can match it exactly, and it can be
      shown as a master score.
    * *Robust.* One expert far off does not move the median the way it moves
      the mean; with an odd number of experts the consensus is a score an
      expert actually gave.
    * *Symmetric.* Mirroring the scale (1 ↔ 9) mirrors the consensus.
      Rounding half up, or half to even, would pull ties in one direction.
    * *Conservative about extremes.* With whole-point scores the consensus is
      never more extreme than the score of at least half of the experts:
      experts at 2 and 3 give 3, so an item counts as "low extreme" (1–2) for
      certification only when at least half the experts put it there. A
      trainee is not required to see an extreme that half the experts did not.

    On a scale with an even number of points (midpoint not a scale point) a
    median exactly on the midpoint is still a tie; it then goes down. On the
    1–9 scales this never happens.

    Examples
    --------
    >>> import numpy as np
    >>> from oefenkit.agreement import Ratings
    >>> from oefenkit.agreement.trainee import expert_consensus
    >>> experts = Ratings.from_matrix([[2, 3], [7, 8], [5, 5], [1, 1], [9, 8], [4, np.nan]],
    ...                               items=["a", "b", "c", "d", "e", "f"], raters=["E1", "E2"],
    ...                               scale_min=1, scale_max=9)
    >>> cons = expert_consensus(experts)
    >>> cons.scores
    {'a': 3.0, 'b': 7.0, 'c': 5.0, 'd': 1.0, 'e': 8.0, 'f': 4.0}
    >>> cons.spread["a"], cons.n_experts["f"]
    (1.0, 1)
    >>> # In R: psych::ICC(experts)$results["Single_random_raters", "ICC"]  (complete items)
    >>> round(cons.icc_a1, 3), round(cons.pairwise, 3), cons.within_one
    (0.971, 0.4, 1.0)
    """
    if ratings.scale_min is None or ratings.scale_max is None:  # the range is not declared
        raise RatingsInputError(
            "Voor de consensus moet de schaal (minimum en maximum) zijn opgegeven."
        )
    lo, hi = float(ratings.scale_min), float(ratings.scale_max)
    m = ratings.matrix
    scored = ~np.isnan(m)
    counts = scored.sum(axis=1)

    scores: dict[str, float] = {}
    medians: dict[str, float] = {}
    n_experts: dict[str, int] = {}
    spread: dict[str, float] = {}
    for item, row, ok, cnt in zip(ratings.items, m, scored, counts):
        if cnt == 0:
            continue
        values = row[ok]
        med = float(np.median(values))
        medians[item] = med
        scores[item] = _to_scale_point(med, lo, hi)
        n_experts[item] = int(cnt)
        spread[item] = float(values.max() - values.min())
    if not scores:
        raise StatisticUndefined("Geen enkel item heeft een score van een expert.")

    warnings: list[str] = []
    icc_a1 = _optional("ICC(A,1)", warnings, lambda: icc(ratings, forms=("ICC2",))["ICC2"].value)
    pairwise = _optional("De paarsgewijze overeenstemming", warnings,
                         lambda: percent_agreement(ratings, "pairwise"))
    within_one = _optional("De overeenstemming binnen één punt", warnings,
                           lambda: percent_agreement(ratings, "within_1"))
    return Consensus(scores, medians, n_experts, spread, icc_a1, pairwise, within_one, tuple(warnings))
