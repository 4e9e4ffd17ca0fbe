"""Inter-rater agreement statistics on long-format ratings.

Every statistic takes a :class:`~oefenkit.agreement.data.Ratings` (items ×
raters, ``NaN`` = missing). Statistics raise
:class:`~oefenkit.errors.StatisticUndefined` when the data gives them no value
(one rater, no variance, ...) and :class:`~oefenkit.errors.RatingsInputError` for
malformed input; they never return a silent NaN.

Modules: ``icc`` (six Shrout–Fleiss forms), ``kappa`` (Cohen, Fleiss),
``krippendorff``, ``gwet`` (AC1, AC2), ``percent``, ``blandaltman``,
``trainee`` (trainee vs. expert consensus), ``summary`` (the CLI contract).
"""

from .blandaltman import bland_altman
from .data import Ratings, parse_score
from .gwet import gwet_ac1, gwet_ac2
from .icc import icc, icc_a1_many
from .kappa import cohen_kappa, fleiss_kappa
from .krippendorff import krippendorff_alpha
from .percent import percent_agreement
from .trainee import expert_consensus, trainee_vs_experts

__all__ = [
    "Ratings",
    "parse_score",
    "icc",
    "icc_a1_many",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "gwet_ac1",
    "gwet_ac2",
    "percent_agreement",
    "bland_altman",
    "trainee_vs_experts",
    "expert_consensus",
]
