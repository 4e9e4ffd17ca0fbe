"""Compare ratings: a group's scores on a case set against the expert consensus.

The computation core of the supervisor app "Beoordelingen vergelijken" (issue 7, part 1).
A trainer chooses a group, a case set and a scale and gets:

* ``matrix``: raters × clips with each score, its deviation from the consensus
  (score − consensus) and a colour band (:func:`band`);
* ``per_rater``: ICC(A,1) against the consensus, share within one point, bias, MAD and the
  use of the extremes, all from :func:`~oefenkit.agreement.trainee_vs_experts`;
* ``per_clip``: the consensus, the experts' spread and the trainees' mean, spread
  (max − min) and SD (how difficult the clip is);
* ``bland_altman`` per rater (rater vs consensus, from :func:`~oefenkit.agreement.bland_altman`);
* ``drift`` per rater: the absolute deviation of each rating in time order, with a rolling mean;
* ``notes``: (rater, case) → the note of that rating, for drill-down.

The CSV and Excel exports of a comparison are :mod:`oefenkit.compare_export`.

Everything but :func:`comparison` is a pure function over plain data:
:func:`build_comparison` takes cases, raters, rating records and expert scores and
computes the rest; :func:`comparison` computes it from the rows one storage verb read
(``comparison_rows``, staff only: the verb checks it).

Which ratings count
-------------------
Per rater and case the **latest** rating on the chosen scale (latest ``updated_at``, then
highest id) of the modes in ``modes``, by default practice *and* exam ratings: a trainer
comparing a group wants every score a trainee gave on these clips; a later score replaces an
earlier one (a practice attempt repeated after feedback, or a re-saved exam answer).
Session ratings are left out unless asked for. Each cell keeps the mode it came from.

Clip order: the columns follow case code order (see :func:`comparison`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple, Protocol

import numpy as np

from .agreement import Ratings, bland_altman, expert_consensus, trainee_vs_experts
from .agreement.blandaltman import BlandAltmanResult
from .agreement.trainee import Consensus, TraineeAgreement
from .errors import StatisticUndefined

__all__ = [
    "BANDS",
    "BAND_COLOURS",
    "BAND_LABELS",
    "DEFAULT_MODES",
    "DRIFT_WINDOW",
    "MIN_CLIPS_FOR_ICC",
    "BlandAltmanView",
    "CaseColumn",
    "Cell",
    "ClipStats",
    "Comparison",
    "ComparisonRows",
    "DriftPoint",
    "MatrixRow",
    "RaterStats",
    "RatingRecord",
    "band",
    "build_comparison",
    "comparison",
    "latest_ratings",
]

#: Colour bands of a deviation from the consensus, from |0| to ≥ 3.
BANDS = ("ok", "near", "off", "far")
#: Fill colours (RGB hex) of the bands, used by the Excel export and available to the widget.
BAND_COLOURS = {"ok": "C6EFCE", "near": "FFEB9C", "off": "F8CBAD", "far": "FF9999"}
#: Dutch names of the bands (legend).
BAND_LABELS = {"ok": "gelijk", "near": "1 punt", "off": "2 punten", "far": "3 of meer punten"}
#: Rating modes that count by default.
DEFAULT_MODES = ("practice", "exam")
#: Number of ratings in the rolling mean of :attr:`Comparison.drift`.
DRIFT_WINDOW = 3
#: ICC(A,1) of one rater against the consensus is shown only from this many clips on. With fewer
#: clips its confidence interval spans almost the whole range (with 2 clips a value such as −24
#: is possible), so a number would mislead; the table says why instead (docs/agreement.md).
MIN_CLIPS_FOR_ICC = 5


def band(deviation: float | None) -> str | None:
    """Colour band of a deviation (score − consensus): 0 ok, |1| near, |2| off, ≥ 3 far.

    >>> [band(d) for d in (0, -1, 2, -3, 5, None)]
    ['ok', 'near', 'off', 'far', 'far', None]
    """
    if deviation is None:
        return None
    a = abs(deviation)
    if a < 0.5:
        return "ok"
    if a < 1.5:
        return "near"
    if a < 2.5:
        return "off"
    return "far"


# --------------------------------------------------------------------------------------
# value types
# --------------------------------------------------------------------------------------


class RatingRecord(NamedTuple):
    """One stored rating on the chosen scale, as plain data (the input of :func:`build_comparison`)."""

    rater: str
    case: str
    score: int
    note: str = ""
    mode: str = "practice"
    rated_at: dt.datetime | None = None
    id: int = 0


@dataclass(frozen=True)
class CaseColumn:
    code: str
    title: str


@dataclass(frozen=True)
class Cell:
    """One rater's score of one clip; ``score`` is ``None`` when the rater did not score it.

    ``deviation`` = score − consensus and ``band`` (:func:`band`) are ``None`` without a
    score or without a consensus for the clip.
    """

    case: str
    score: int | None
    deviation: float | None
    band: str | None
    mode: str | None = None
    rated_at: dt.datetime | None = None
    has_note: bool = False


@dataclass(frozen=True)
class MatrixRow:
    username: str
    display_name: str
    cells: tuple[Cell, ...]

    def cell(self, case_code: str) -> Cell:
        for c in self.cells:
            if c.case == case_code:
                return c
        raise KeyError(case_code)


@dataclass(frozen=True)
class RaterStats:
    """One rater against the consensus; numbers from :func:`~oefenkit.agreement.trainee_vs_experts`.

    ``n`` counts the clips both the rater and the consensus scored, ``n_scored`` the clips the
    rater scored. Every statistic is ``None`` when ``n`` is 0 (``warnings`` says why);
    ``icc_a1`` also when ICC(A,1) is undefined for these clips.
    """

    username: str
    display_name: str
    n_scored: int
    n: int
    icc_a1: float | None
    within_one: float | None
    bias: float | None
    mad: float | None
    low_band: tuple[float, float] | None
    low_consensus_items: int | None
    low_recognised: int | None
    high_band: tuple[float, float] | None
    high_consensus_items: int | None
    high_recognised: int | None
    extremes_recognised: float | None
    used_scale_min: bool
    used_scale_max: bool
    warnings: tuple[str, ...] = ()
    agreement: TraineeAgreement | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class ClipStats:
    """One clip: the consensus and the experts' spread; the trainees' mean, spread and SD.

    ``spread`` is max − min of the trainees' scores (``None`` without scores), ``sd`` their
    sample standard deviation (``ddof=1``; ``None`` with fewer than two scores), ``mean_deviation``
    the mean of score − consensus. A large spread or SD marks a difficult clip.
    """

    code: str
    title: str
    consensus: float | None
    expert_median: float | None
    n_experts: int
    expert_spread: float | None
    n: int
    mean: float | None
    spread: float | None
    sd: float | None
    mean_deviation: float | None


@dataclass(frozen=True)
class BlandAltmanView:
    """Bland–Altman of one rater against the consensus (difference = rater − consensus).

    ``points``: (case code, mean of rater and consensus, difference) per clip both scored.
    ``result`` is ``None`` (with a Dutch reason in ``warnings``) with fewer than two such clips.
    """

    username: str
    points: tuple[tuple[str, float, float], ...]
    result: BlandAltmanResult | None
    warnings: tuple[str, ...] = ()

    @property
    def bias(self) -> float | None:
        return None if self.result is None else self.result.bias

    @property
    def loa(self) -> tuple[float, float] | None:
        return None if self.result is None else self.result.loa


@dataclass(frozen=True)
class DriftPoint:
    """One rating in time order: its absolute deviation and the rolling mean up to it."""

    case: str
    rated_at: dt.datetime | None
    score: int
    consensus: float
    abs_deviation: float
    rolling_mean: float


@dataclass(frozen=True)
class Comparison:
    """Everything the compare-ratings app shows and exports (see the module docstring)."""

    group_name: str
    case_set_code: str
    scale_code: str
    scale_min: int
    scale_max: int
    cases: tuple[CaseColumn, ...]
    experts: tuple[str, ...]
    consensus: Consensus | None
    matrix: tuple[MatrixRow, ...]
    per_rater: tuple[RaterStats, ...]
    per_clip: tuple[ClipStats, ...]
    bland_altman: dict[str, BlandAltmanView]
    drift: dict[str, tuple[DriftPoint, ...]]
    notes: dict[tuple[str, str], str]
    modes: tuple[str, ...] = DEFAULT_MODES
    drift_window: int = DRIFT_WINDOW
    warnings: tuple[str, ...] = ()
    #: The scale's title from its content file (the exports' heading); empty when built without it.
    scale_title: str = ""

    @property
    def consensus_scores(self) -> dict[str, float]:
        return {} if self.consensus is None else dict(self.consensus.scores)

    def row(self, username: str) -> MatrixRow:
        for r in self.matrix:
            if r.username == username:
                return r
        raise KeyError(username)

    def rater(self, username: str) -> RaterStats:
        for r in self.per_rater:
            if r.username == username:
                return r
        raise KeyError(username)

    def clip(self, case_code: str) -> ClipStats:
        for c in self.per_clip:
            if c.code == case_code:
                return c
        raise KeyError(case_code)


# --------------------------------------------------------------------------------------
# the pure computation
# --------------------------------------------------------------------------------------


def _sort_key(moment: dt.datetime | None) -> float:
    if moment is None:
        return -math.inf
    if moment.tzinfo is None:  # SQLite gives naive UTC values back
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def latest_ratings(records: Iterable[RatingRecord]) -> dict[tuple[str, str], RatingRecord]:
    """(rater, case) → the latest record (latest ``rated_at``, then highest ``id``)."""
    out: dict[tuple[str, str], RatingRecord] = {}
    for rec in records:
        key = (rec.rater, rec.case)
        old = out.get(key)
        if old is None or (_sort_key(rec.rated_at), rec.id) >= (_sort_key(old.rated_at), old.id):
            out[key] = rec
    return out


def _rater_stats(username: str, display_name: str, scores: dict[str, float],
                 consensus: Mapping[str, float], scale_min: int, scale_max: int) -> RaterStats:
    empty = {k: None for k in ("icc_a1", "within_one", "bias", "mad", "low_band", "low_consensus_items",
                               "low_recognised", "high_band", "high_consensus_items", "high_recognised",
                               "extremes_recognised")}
    used_min = any(v == scale_min for v in scores.values())
    used_max = any(v == scale_max for v in scores.values())
    if not scores:
        return RaterStats(username, display_name, 0, 0, used_scale_min=False, used_scale_max=False,
                          warnings=("Deze beoordelaar heeft nog geen fragment van deze set gescoord.",), **empty)
    try:
        res = trainee_vs_experts(scores, consensus, scale_min=scale_min, scale_max=scale_max)
    except StatisticUndefined:
        return RaterStats(username, display_name, len(scores), 0, used_scale_min=used_min,
                          used_scale_max=used_max,
                          warnings=("Geen van de gescoorde fragmenten heeft een expertconsensus.",), **empty)
    icc_a1, warnings = res.icc_a1, res.warnings
    if res.n_items < MIN_CLIPS_FOR_ICC:
        icc_a1 = None
        warnings = (f"ICC niet berekend: pas vanaf {MIN_CLIPS_FOR_ICC} fragmenten met een expertscore zegt dit "
                    f"getal iets (nu {res.n_items}).",) + tuple(w for w in warnings if "ICC" not in w)
    return RaterStats(
        username=username, display_name=display_name, n_scored=len(scores), n=res.n_items,
        icc_a1=icc_a1, within_one=res.within_one, bias=res.bias, mad=res.mad,
        low_band=(res.low_extremes.low, res.low_extremes.high),
        low_consensus_items=res.low_extremes.consensus_items, low_recognised=res.low_extremes.recognised,
        high_band=(res.high_extremes.low, res.high_extremes.high),
        high_consensus_items=res.high_extremes.consensus_items, high_recognised=res.high_extremes.recognised,
        extremes_recognised=res.extremes_recognised,
        used_scale_min=res.used_scale_min, used_scale_max=res.used_scale_max,
        warnings=warnings, agreement=res,
    )


def _bland_altman_view(username: str, case_order: Sequence[str], scores: dict[str, float],
                       consensus: Mapping[str, float]) -> BlandAltmanView:
    common = [c for c in case_order if c in scores and c in consensus]
    points = tuple((c, (scores[c] + consensus[c]) / 2, scores[c] - consensus[c]) for c in common)
    if not common:
        return BlandAltmanView(username, points, None,
                               ("Bland-Altman is niet berekend: geen fragment met een score en een consensus.",))
    pair = Ratings.from_matrix(np.array([[scores[c], consensus[c]] for c in common], dtype=float),
                               items=common, raters=("beoordelaar", "consensus"))
    try:
        return BlandAltmanView(username, points, bland_altman(pair))
    except StatisticUndefined as exc:
        return BlandAltmanView(username, points, None, (f"Bland-Altman is niet berekend: {exc}",))


def _drift(records: Sequence[RatingRecord], consensus: Mapping[str, float], window: int) -> tuple[DriftPoint, ...]:
    ordered = sorted((r for r in records if r.case in consensus), key=lambda r: (_sort_key(r.rated_at), r.id))
    out: list[DriftPoint] = []
    deviations: list[float] = []
    for r in ordered:
        deviations.append(abs(float(r.score) - consensus[r.case]))
        recent = deviations[-window:]
        out.append(DriftPoint(r.case, r.rated_at, r.score, consensus[r.case], deviations[-1],
                              float(sum(recent) / len(recent))))
    return tuple(out)


def build_comparison(
    *,
    group_name: str,
    case_set_code: str,
    scale_code: str,
    scale_min: int,
    scale_max: int,
    cases: Sequence[tuple[str, str] | CaseColumn],
    raters: Sequence[tuple[str, str]],
    ratings: Iterable[RatingRecord],
    expert_scores: Iterable[tuple[str, str, float]],
    modes: Collection[str] = DEFAULT_MODES,
    drift_window: int = DRIFT_WINDOW,
) -> Comparison:
    """Compute the comparison from plain data.

    Parameters
    ----------
    cases : (code, title) per clip, in column order.
    raters : (username, display name) per rater, in row order.
    ratings : :class:`RatingRecord` values on this scale; records of other raters, cases or
        modes are ignored; of several records per (rater, case) the latest counts.
    expert_scores : (expert, case code, score) on this scale.

    Examples
    --------
    >>> cmp = build_comparison(
    ...     group_name="G", case_set_code="S", scale_code="sensitiviteit", scale_min=1, scale_max=9,
    ...     cases=[("a", "A"), ("b", "B"), ("c", "C")], raters=[("ann", "Ann")],
    ...     ratings=[RatingRecord("ann", "a", 2), RatingRecord("ann", "b", 5), RatingRecord("ann", "c", 9)],
    ...     expert_scores=[("e1", "a", 1), ("e2", "a", 1), ("e1", "b", 5), ("e2", "b", 6),
    ...                    ("e1", "c", 8), ("e2", "c", 8)])
    >>> cmp.consensus_scores
    {'a': 1.0, 'b': 5.0, 'c': 8.0}
    >>> [(c.score, c.deviation, c.band) for c in cmp.row("ann").cells]
    [(2, 1.0, 'near'), (5, 0.0, 'ok'), (9, 1.0, 'near')]
    >>> r = cmp.rater("ann")
    >>> r.n, r.within_one, round(r.bias, 3), r.used_scale_max
    (3, 1.0, 0.667, True)
    """
    columns = tuple(c if isinstance(c, CaseColumn) else CaseColumn(str(c[0]), str(c[1])) for c in cases)
    case_codes = [c.code for c in columns]
    in_set = set(case_codes)
    rater_names = {u: d for u, d in raters}
    modes = tuple(modes)
    warnings: list[str] = []

    # -- expert consensus -----------------------------------------------------------
    expert_records = [(e, c, s) for e, c, s in expert_scores if c in in_set]
    experts = tuple(sorted({e for e, _, _ in expert_records}))
    consensus: Consensus | None = None
    if expert_records:
        expert_ratings = Ratings.from_records(expert_records, scale_min=scale_min, scale_max=scale_max)
        consensus = expert_consensus(expert_ratings)
        warnings.extend(consensus.warnings)
    else:
        warnings.append("Geen van de fragmenten van deze set heeft expertscores op deze schaal; "
                        "er is geen consensus om mee te vergelijken.")
    cons = {} if consensus is None else dict(consensus.scores)
    missing = [c for c in case_codes if c not in cons]
    if consensus is not None and missing:
        titles = {col.code: col.title for col in columns}
        warnings.append("Zonder expertconsensus: " + ", ".join(titles.get(c, c) for c in missing) + ".")

    # -- the ratings that count -----------------------------------------------------
    kept = [r for r in ratings if r.rater in rater_names and r.case in in_set and r.mode in modes]
    latest = latest_ratings(kept)

    rows: list[MatrixRow] = []
    per_rater: list[RaterStats] = []
    ba: dict[str, BlandAltmanView] = {}
    drift: dict[str, tuple[DriftPoint, ...]] = {}
    notes: dict[tuple[str, str], str] = {}
    for username, display_name in raters:
        cells = []
        scores: dict[str, float] = {}
        for code in case_codes:
            rec = latest.get((username, code))
            if rec is None:
                cells.append(Cell(code, None, None, None))
                continue
            scores[code] = float(rec.score)
            dev = float(rec.score) - cons[code] if code in cons else None
            note = (rec.note or "").strip()
            if note:
                notes[(username, code)] = note
            cells.append(Cell(code, int(rec.score), dev, band(dev), rec.mode, rec.rated_at, bool(note)))
        rows.append(MatrixRow(username, display_name, tuple(cells)))
        per_rater.append(_rater_stats(username, display_name, scores, cons, scale_min, scale_max))
        ba[username] = _bland_altman_view(username, case_codes, scores, cons)
        mine = [latest[(username, c)] for c in case_codes if (username, c) in latest]
        drift[username] = _drift(mine, cons, drift_window)

    # -- per clip -------------------------------------------------------------------
    per_clip: list[ClipStats] = []
    for col in columns:
        values = np.array([latest[(u, col.code)].score for u, _ in raters if (u, col.code) in latest], dtype=float)
        n = int(values.size)
        c = cons.get(col.code)
        per_clip.append(ClipStats(
            code=col.code, title=col.title, consensus=c,
            expert_median=None if consensus is None else consensus.medians.get(col.code),
            n_experts=0 if consensus is None else consensus.n_experts.get(col.code, 0),
            expert_spread=None if consensus is None else consensus.spread.get(col.code),
            n=n,
            mean=float(values.mean()) if n else None,
            spread=float(values.max() - values.min()) if n else None,
            sd=float(values.std(ddof=1)) if n >= 2 else None,
            mean_deviation=float((values - c).mean()) if n and c is not None else None,
        ))

    return Comparison(
        group_name=group_name, case_set_code=case_set_code, scale_code=scale_code,
        scale_min=int(scale_min), scale_max=int(scale_max), cases=columns, experts=experts,
        consensus=consensus, matrix=tuple(rows), per_rater=tuple(per_rater), per_clip=tuple(per_clip),
        bland_altman=ba, drift=drift, notes=notes, modes=modes, drift_window=drift_window,
        warnings=tuple(warnings),
    )


# --------------------------------------------------------------------------------------
# from the rows one service verb read
# --------------------------------------------------------------------------------------


class ComparisonRows(Protocol):
    """What a comparison is computed from, read in one unit of work by the storage verb
    ``comparison_rows`` (:class:`oefenkit.storage.ratings.ComparisonRows`); plain values only."""

    group_name: str
    case_set_code: str
    scale_code: str
    scale_title: str
    scale_min: int
    scale_max: int
    #: (code, title) of the set's cases, in case code order.
    cases: Sequence[tuple[str, str]]
    #: (username, display name) of the group's trainees (also deactivated ones), by display name.
    raters: Sequence[tuple[str, str]]
    #: (rater, case, score, note, mode, updated at, id): the raters' ratings on the scale.
    ratings: Sequence[tuple[str, str, int, str, str, dt.datetime | None, int]]
    #: (expert, case, score) on the newest version of the scale.
    expert_scores: Sequence[tuple[str, str, int]]


def comparison(rows: ComparisonRows, *, modes: Collection[str] = DEFAULT_MODES,
               drift_window: int = DRIFT_WINDOW) -> Comparison:
    """The comparison of a group's cursists on a case set and a scale, from ``rows``.

    The rows come from one read (``kit.ratings.comparison_rows(actor, group_name=..., case_set_code=...,
    scale_code=...)``), which checks the permissions (staff only) and raises
    :class:`~oefenkit.errors.NotFound` for an unknown set, scale or group. Rows: the group's
    members with a learner role, by display name. Columns: the set's cases in case-code order.
    Ratings: see the module docstring.
    """
    return replace(build_comparison(
        group_name=rows.group_name, case_set_code=rows.case_set_code, scale_code=rows.scale_code,
        scale_min=rows.scale_min, scale_max=rows.scale_max,
        cases=[CaseColumn(code, title) for code, title in rows.cases],
        raters=[(username, name) for username, name in rows.raters],
        ratings=[RatingRecord(*r) for r in rows.ratings],
        expert_scores=list(rows.expert_scores), modes=modes, drift_window=drift_window,
    ), scale_title=rows.scale_title)
