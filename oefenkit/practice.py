"""Practice scoring: what a trainee sees after scoring a practice clip.

Pure logic, no database: the storage service (``PracticeService.submit_practice``,
``PracticeService.practice_history``) reads the rows, checks the permissions and hands
plain values to :func:`build_feedback`. An attempt is a stored row
(``practice_attempt``), not rebuilt from timestamps.

The consensus is formed by the documented rule
(:func:`oefenkit.agreement.trainee.expert_consensus`: the median of the
experts, moved to the nearest scale point, ties toward the midpoint), so the
master score a trainee sees here is the one certification uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .settings import site_url

__all__ = [
    "ExpertView",
    "PracticeAttempt",
    "PracticeCase",
    "PracticeFeedback",
    "ScaleFeedback",
    "build_feedback",
    "clip_url",
    "subtitles_url",
]

#: The authenticated clip routes (``oefenkit/server/media.py``); never ``/voila/files/``.
CLIP_PREFIX = "/oefenkit/media/clip/"
SUBTITLES_PREFIX = "/oefenkit/media/subtitles/"


def clip_url(case_code: str) -> str:
    """The URL of a case's clip (the server checks the person and serves HTTP Range)."""
    return site_url(f"{CLIP_PREFIX}{case_code}.mp4")


def subtitles_url(case_code: str) -> str:
    """The URL of a case's Dutch subtitles (WebVTT)."""
    return site_url(f"{SUBTITLES_PREFIX}{case_code}.vtt")


@dataclass(frozen=True)
class PracticeCase:
    """One clip of the practice set as the case list shows it.

    ``status`` is ``"new"`` (never scored by this person) or ``"done"``;
    ``scores`` are the person's scores of their latest attempt (scale code → score).
    """

    code: str
    title: str
    set_code: str
    status: str
    attempts: int
    scores: dict[str, int]
    duration: float | None = None


@dataclass(frozen=True)
class ExpertView:
    name: str
    score: int
    rationale: str


@dataclass(frozen=True)
class ScaleFeedback:
    """The trainee's score on one scale against the experts.

    ``deviation`` is own score − consensus (positive: scored higher than the experts).
    """

    scale_code: str
    scale_name: str
    own: int
    consensus: int
    expert_min: int
    expert_max: int
    experts: tuple[ExpertView, ...]
    rationale: str

    @property
    def deviation(self) -> int:
        return self.own - self.consensus

    @property
    def abs_deviation(self) -> int:
        return abs(self.deviation)

    @property
    def spread(self) -> int:
        return self.expert_max - self.expert_min


@dataclass(frozen=True)
class PracticeFeedback:
    case_code: str
    case_title: str
    note: str
    submitted_at: dt.datetime
    scales: tuple[ScaleFeedback, ...]

    @property
    def mean_abs_deviation(self) -> float:
        return sum(s.abs_deviation for s in self.scales) / len(self.scales)


@dataclass(frozen=True)
class PracticeAttempt:
    """One submitted practice attempt, for the history and the learning curve."""

    number: int
    case_code: str
    case_title: str
    submitted_at: dt.datetime
    scores: dict[str, int]
    consensus: dict[str, int]
    abs_deviation: dict[str, int]

    @property
    def mean_abs_deviation(self) -> float | None:
        values = list(self.abs_deviation.values())
        return sum(values) / len(values) if values else None


def consensus_of(expert_scores: Mapping[str, int], scale_min: int, scale_max: int) -> int:
    """The consensus of one case on one scale from ``{expert: score}`` (the documented rule)."""
    # numpy and scipy (≈ 0.8 s) only when a consensus is computed, not for every page kernel
    from .agreement.data import Ratings
    from .agreement.trainee import expert_consensus

    records = [(expert, "case", score) for expert, score in expert_scores.items()]
    ratings = Ratings.from_records(records, scale_min=scale_min, scale_max=scale_max)
    return int(expert_consensus(ratings).scores["case"])


def build_feedback(
    case_code: str,
    case_title: str,
    own: Mapping[str, int],
    experts: Mapping[str, Sequence[tuple[str, int, str]]],
    *,
    scale_names: Mapping[str, str],
    scale_ranges: Mapping[str, tuple[int, int]],
    rationale: Mapping[str, str],
    note: str,
    submitted_at: dt.datetime,
) -> PracticeFeedback:
    """Feedback for one practice attempt.

    Parameters
    ----------
    own : scale code → the trainee's score
    experts : scale code → [(expert name, score, expert's rationale)]
    rationale : scale code → the written rationale of the consensus

    A scale without expert scores is left out (there is nothing to compare with).

    Examples
    --------
    >>> fb = build_feedback("c", "Casus", {"s": 7}, {"s": [("A", 6, ""), ("B", 7, ""), ("C", 6, "")]},
    ...                     scale_names={"s": "Sens"}, scale_ranges={"s": (1, 9)}, rationale={},
    ...                     note="", submitted_at=dt.datetime(2026, 1, 1))
    >>> s = fb.scales[0]
    >>> s.consensus, s.expert_min, s.expert_max, s.deviation
    (6, 6, 7, 1)
    """
    scales = []
    for scale_code, score in own.items():
        judgements = list(experts.get(scale_code, ()))
        if not judgements:
            continue
        lo, hi = scale_ranges[scale_code]
        consensus = consensus_of({name: s for name, s, _ in judgements}, lo, hi)
        values = [s for _, s, _ in judgements]
        scales.append(ScaleFeedback(
            scale_code=scale_code,
            scale_name=scale_names.get(scale_code, scale_code),
            own=int(score),
            consensus=consensus,
            expert_min=min(values),
            expert_max=max(values),
            experts=tuple(ExpertView(name, s, text) for name, s, text in judgements),
            rationale=rationale.get(scale_code, ""),
        ))
    return PracticeFeedback(case_code, case_title, note, submitted_at, tuple(scales))
