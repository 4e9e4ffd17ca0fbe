"""The figures of Babytijd reeksen (issue 20), computed from plain values: the dashboard of a
reeks or an uitvoerder, the pooled terugkomdag figures, and the yearly report's content.

Pure: :class:`~oefenkit.babytijd.OpvoederInfo` values in, dataclasses out. The storage
(:mod:`oefenkit.storage.babytijd`) gathers the values; :mod:`oefenkit.babytijd_report` writes the
report as CSV and XLSX.

Definitions (the same everywhere):

* **reach**: the opvoeders registered in the reeksen;
* **attended**: the meetings marked present; **mean attended** over every opvoeder reached;
* **share ≥ 10**: the share of opvoeders reached who attended at least ten meetings (the
  programme expects the goals to be reached from ten on);
* **absence reasons**: every absence counted once, by reason (``onbekend`` without a reason);
* **change** per subgoal and later measurement: the paired change from the nulmeting
  (:func:`oefenkit.babytijd.paired_change`: n pairs, mean, t-based 95 % CI), over the opvoeders
  who answered that subgoal in both measurements.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from .babytijd import (
    ABSENCE_LABELS_WITH_UNKNOWN,
    ABSENCE_REASONS,
    GOAL_MEETINGS,
    MEASUREMENTS,
    SUPPRESSION_MINIMUM,
    UNKNOWN_REASON,
    Change,
    EvaluationForm,
    OpvoederInfo,
    PooledCell,
    ReeksInfo,
    UitvoerderEvaluation,
    paired_change,
    suppress,
)

__all__ = ["LATER_MEASUREMENTS", "ReeksDashboard", "PooledFigures", "ReportReeks", "ReportOpvoeder",
           "ReportEvaluation", "YearlyReport", "build_dashboard", "build_pooled", "build_yearly_report",
           "absence_counts", "changes_from_nulmeting"]

#: The measurements compared with the nulmeting.
LATER_MEASUREMENTS = MEASUREMENTS[1:]


@dataclass(frozen=True)
class ReeksDashboard:
    """The figures of one reeks or of all reeksen of an uitvoerder."""

    title: str
    reeksen: int
    reach: int
    mean_attended: float | None
    goal_reached: int
    share_goal: float | None
    #: (reason code, Dutch label, number of absences), in the fixed order, reasons with 0 left out
    absence_reasons: tuple[tuple[str, str, int], ...]
    #: measurement kind → number of opvoeders with it
    measured: dict[str, int]
    #: later measurement kind → subgoal code → paired change from the nulmeting
    changes: dict[str, dict[str, Change]]
    subgoals: tuple[tuple[str, str], ...] = ()

    @property
    def absences(self) -> int:
        return sum(n for _, _, n in self.absence_reasons)


@dataclass(frozen=True)
class PooledFigures:
    """The pooled figures of the uitvoerders at a terugkomdag: no names, no codes; every cell of
    fewer than :data:`~oefenkit.babytijd.SUPPRESSION_MINIMUM` opvoeders suppressed."""

    uitvoerders: int
    reeksen: int
    #: reach, mean attended, share ≥ 10
    overview: tuple[PooledCell, ...]
    #: one cell per absence reason; ``n`` = opvoeders who gave it, ``value`` = absences
    absence_reasons: tuple[PooledCell, ...]
    #: later measurement kind → one cell per subgoal (label = the subgoal's statement)
    changes: dict[str, tuple[PooledCell, ...]]
    minimum: int = SUPPRESSION_MINIMUM
    explanation: str = ""

    @property
    def suppressed(self) -> int:
        cells = [*self.overview, *self.absence_reasons, *(c for row in self.changes.values() for c in row)]
        return sum(1 for c in cells if c.suppressed)


def absence_counts(opvoeders: Sequence[OpvoederInfo]) -> dict[str, int]:
    """Absences per reason code (``onbekend`` for none given), in the fixed order, all reasons."""
    counts = {code: 0 for code, _ in ABSENCE_REASONS}
    counts[UNKNOWN_REASON] = 0
    for o in opvoeders:
        for mark in o.attendance.values():
            if not mark.present:
                counts[mark.reason or UNKNOWN_REASON] += 1
    return counts


def changes_from_nulmeting(opvoeders: Sequence[OpvoederInfo], form: EvaluationForm) -> dict[str, dict[str, Change]]:
    """Per later measurement and subgoal: the paired change from the nulmeting."""
    out: dict[str, dict[str, Change]] = {}
    for kind in LATER_MEASUREMENTS:
        out[kind] = {}
        for code in form.codes:
            before = [o.measurements["nulmeting"].scores.get(code) if "nulmeting" in o.measurements else None
                      for o in opvoeders]
            after = [o.measurements[kind].scores.get(code) if kind in o.measurements else None for o in opvoeders]
            out[kind][code] = paired_change(before, after)
    return out


def _attendance(opvoeders: Sequence[OpvoederInfo]) -> tuple[float | None, int, float | None]:
    if not opvoeders:
        return None, 0, None
    attended = [o.attended for o in opvoeders]
    reached = sum(1 for a in attended if a >= GOAL_MEETINGS)
    return sum(attended) / len(attended), reached, reached / len(attended)


def build_dashboard(title: str, reeksen: int, opvoeders: Sequence[OpvoederInfo],
                    form: EvaluationForm) -> ReeksDashboard:
    """The dashboard figures of these opvoeders (one reeks, or all of an uitvoerder's)."""
    mean, reached, share = _attendance(opvoeders)
    counts = absence_counts(opvoeders)
    return ReeksDashboard(
        title=title, reeksen=reeksen, reach=len(opvoeders), mean_attended=mean, goal_reached=reached,
        share_goal=share,
        absence_reasons=tuple((code, ABSENCE_LABELS_WITH_UNKNOWN[code], n) for code, n in counts.items() if n),
        measured={k: sum(1 for o in opvoeders if k in o.measurements) for k in MEASUREMENTS},
        changes=changes_from_nulmeting(opvoeders, form),
        subgoals=tuple((g.code, g.statement) for g in form.subgoals),
    )


def build_pooled(opvoeders: Sequence[OpvoederInfo], form: EvaluationForm, *, uitvoerders: int, reeksen: int,
                 minimum: int = SUPPRESSION_MINIMUM) -> PooledFigures:
    """The pooled figures for the terugkomdag's ``cijfers`` round (suppressed below ``minimum``)."""
    reach = len(opvoeders)
    mean, _reached, share = _attendance(opvoeders)
    overview = suppress([
        PooledCell("Opvoeders bereikt", reach, float(reach)),
        PooledCell("Gemiddeld aantal bijgewoonde bijeenkomsten", reach, mean),
        PooledCell(f"Aandeel met {GOAL_MEETINGS} of meer bijeenkomsten", reach, share),
    ], minimum)
    absences = []
    for code, label in (*ABSENCE_REASONS, (UNKNOWN_REASON, ABSENCE_LABELS_WITH_UNKNOWN[UNKNOWN_REASON])):
        givers = [o for o in opvoeders
                  if any(not mk.present and (mk.reason or UNKNOWN_REASON) == code for mk in o.attendance.values())]
        count = sum(1 for o in givers for mk in o.attendance.values()
                    if not mk.present and (mk.reason or UNKNOWN_REASON) == code)
        if count:
            absences.append(PooledCell(label, len(givers), float(count), extra={"code": code}))
    changes: dict[str, tuple[PooledCell, ...]] = {}
    for kind, per_goal in changes_from_nulmeting(opvoeders, form).items():
        changes[kind] = tuple(suppress([
            PooledCell(g.statement, per_goal[g.code].n, per_goal[g.code].mean, per_goal[g.code].ci_low,
                       per_goal[g.code].ci_high, extra={"code": g.code})
            for g in form.subgoals], minimum))
    explanation = (f"Samengevoegde cijfers van {uitvoerders} uitvoerder(s) en {reeksen} reeks(en), zonder namen "
                   f"of codes. Een cijfer over minder dan {minimum} opvoeders wordt niet getoond, zodat niemand "
                   "herkenbaar is.")
    return PooledFigures(uitvoerders, reeksen, tuple(overview), tuple(suppress(absences, minimum)), changes,
                         minimum, explanation)


# -- the yearly report ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportReeks:
    """One reeks in the report, aggregated over its opvoeders *with consent*."""

    reeks_id: int
    name: str
    uitvoerder_name: str
    start: dt.date | None
    registered: int
    with_consent: int
    mean_attended: float | None
    goal_reached: int
    share_goal: float | None
    absences: dict[str, int]
    measured: dict[str, int]
    #: subgoal → paired change from the nulmeting to the eindevaluatie
    change_eind: dict[str, Change]


@dataclass(frozen=True)
class ReportOpvoeder:
    """One opvoeder with consent: a report pseudonym (not the uitvoerder's code), never a name."""

    pseudonym: str
    reeks_id: int
    baby_age_months: int | None
    attended: int
    #: meeting → "aanwezig", a reason code, or "" when not recorded
    attendance: dict[int, str]
    #: measurement kind → subgoal → score
    scores: dict[str, dict[str, int]]
    early: dict[str, str]
    tips: str
    tops: str


@dataclass(frozen=True)
class ReportEvaluation:
    reeks_id: int
    name: str
    uitvoerder_name: str
    went_well: str
    to_improve: str
    remarks: str
    evaluated_at: dt.datetime


@dataclass(frozen=True)
class YearlyReport:
    """What goes to the programme owner for one year. Opvoeders without consent appear only as a
    count per reeks (``registered`` − ``with_consent``): no row, no score, no attendance."""

    year: int
    reeksen: tuple[ReportReeks, ...]
    opvoeders: tuple[ReportOpvoeder, ...]
    evaluations: tuple[ReportEvaluation, ...]
    subgoals: tuple[tuple[str, str], ...] = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))

    @property
    def without_consent(self) -> int:
        return sum(r.registered - r.with_consent for r in self.reeksen)


def build_yearly_report(year: int, reeksen: Sequence[ReeksInfo], opvoeders: Mapping[int, Sequence[OpvoederInfo]],
                        evaluations: Mapping[int, UitvoerderEvaluation], form: EvaluationForm) -> YearlyReport:
    """The report's content: every figure and row over the opvoeders with consent only."""
    rows: list[ReportReeks] = []
    people: list[ReportOpvoeder] = []
    for info in reeksen:
        everyone = list(opvoeders.get(info.id, ()))
        consenting = [o for o in everyone if o.consent]
        mean, reached, share = _attendance(consenting)
        changes = changes_from_nulmeting(consenting, form)
        rows.append(ReportReeks(
            reeks_id=info.id, name=info.name, uitvoerder_name=info.uitvoerder_name, start=info.start,
            registered=len(everyone), with_consent=len(consenting), mean_attended=mean, goal_reached=reached,
            share_goal=share, absences=absence_counts(consenting),
            measured={k: sum(1 for o in consenting if k in o.measurements) for k in MEASUREMENTS},
            change_eind=changes["eind"]))
        for number, o in enumerate(everyone, 1):  # numbered over everyone: a consent change renumbers nobody
            if not o.consent:
                continue
            people.append(ReportOpvoeder(
                pseudonym=f"R{info.id}-{number:02d}", reeks_id=info.id, baby_age_months=o.baby_age_months,
                attended=o.attended,
                attendance={n: ("aanwezig" if mk.present else (mk.reason or UNKNOWN_REASON))
                            for n, mk in sorted(o.attendance.items())},
                scores={k: dict(x.scores) for k, x in o.measurements.items()},
                early={k: x.early_reason for k, x in o.measurements.items() if x.early_reason},
                tips=o.measurements["eind"].tips if "eind" in o.measurements else "",
                tops=o.measurements["eind"].tops if "eind" in o.measurements else ""))
    evals = tuple(ReportEvaluation(info.id, info.name, info.uitvoerder_name, e.went_well, e.to_improve, e.remarks,
                                   e.evaluated_at)
                  for info in reeksen if (e := evaluations.get(info.id)) is not None)
    return YearlyReport(year, tuple(rows), tuple(people), evals,
                        subgoals=tuple((g.code, g.statement) for g in form.subgoals))

