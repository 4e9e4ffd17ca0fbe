"""Inter-rater agreement statistics on long-format ratings.

Every statistic takes a :class:`~oefenkit.agreement.data.Ratings` (items ×
raters, ``NaN`` = missing). Statistics raise
:class:`~oefenkit.errors.StatisticUndefined` when the data gives them no value
(one rater, no variance, ...) and :class:`~oefenkit.errors.RatingsInputError` for
malformed input; they never return a silent NaN.
"""

from .data import Ratings, parse_score

__all__ = ["Ratings", "parse_score"]
