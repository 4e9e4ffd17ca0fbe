"""Small result types and checks shared by the statistics modules."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from ..errors import StatisticUndefined

__all__ = ["Estimate", "finite_or_undefined"]


@dataclass(frozen=True)
class Estimate:
    """A coefficient with its standard error and 95 % confidence interval.

    ``se`` and ``ci95`` are ``None`` when the method defines no standard error.
    """

    value: float
    se: float | None = None
    ci95: tuple[float, float] | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        if self.ci95 is not None:
            d["ci95"] = [float(self.ci95[0]), float(self.ci95[1])]
        return d


def finite_or_undefined(value: float, reason: str) -> float:
    """Return ``value`` as float, or raise :class:`StatisticUndefined` (Dutch ``reason``) if not finite."""
    value = float(value)
    if not math.isfinite(value):
        raise StatisticUndefined(reason)
    return value
