"""Intervision: a team follows one family's case over successive home visits.

The team (a group) scores the clips of an intervision set — the visits of one case in order,
for example first visit, last visit and follow-up — on both Ainsworth scales, with a note. This
module turns the stored scores into what the team discusses: per scale each member's scores
over the visits, the team's median and mean per visit, and the change from the first visit (the
source document's example: a mother scored 3 on the first video and 7 on the last).

Pure logic on plain values; the storage verbs are in :mod:`oefenkit.storage.intervision`.

>>> visits = [Visit("a", "Eerste bezoek", "A"), Visit("b", "Laatste bezoek", "B")]
>>> records = [IntervisionScore("ann", "Ann", "a", "sensitiviteit", 3),
...            IntervisionScore("bob", "Bob", "a", "sensitiviteit", 4),
...            IntervisionScore("ann", "Ann", "b", "sensitiviteit", 7)]
>>> s = build_series(visits, [("ann", "Ann"), ("bob", "Bob")], records, scales=["sensitiviteit"])
>>> s.scales["sensitiviteit"].medians, s.scales["sensitiviteit"].change
([3.5, 7.0], 3.5)
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Iterable, Sequence

__all__ = [
    "VISIT_LABELS",
    "Visit",
    "IntervisionScore",
    "ScaleSeries",
    "IntervisionSeries",
    "visit_labels",
    "build_series",
]

#: How the visits of a three-clip intervision set are called, in order.
VISIT_LABELS = ("Eerste bezoek", "Laatste bezoek", "Vervolgbezoek")


def visit_labels(n: int) -> list[str]:
    """Dutch labels for ``n`` visits in order.

    Up to three visits follow :data:`VISIT_LABELS` (two visits: first and last); more are
    numbered.

    >>> visit_labels(2), visit_labels(4)
    (['Eerste bezoek', 'Laatste bezoek'], ['Bezoek 1', 'Bezoek 2', 'Bezoek 3', 'Bezoek 4'])
    """
    if n <= len(VISIT_LABELS):
        return list(VISIT_LABELS[:n])
    return [f"Bezoek {i}" for i in range(1, n + 1)]


@dataclass(frozen=True)
class Visit:
    """One clip of the series: the case code, its label in the series and its title."""

    case_code: str
    label: str
    title: str


@dataclass(frozen=True)
class IntervisionScore:
    """One member's score of one visit on one scale, with the note they gave that visit."""

    username: str
    display_name: str
    case_code: str
    scale_code: str
    score: int
    note: str = ""


@dataclass(frozen=True)
class ScaleSeries:
    """One scale over the visits: each member's line, the team's median and mean per visit.

    ``members`` maps username → scores per visit (``None`` where the member has not scored
    that visit yet). ``medians`` and ``means`` are ``None`` for a visit nobody scored.
    ``change`` is the team median of the last scored visit minus that of the first visit
    (``None`` until both exist); ``change_from_first`` gives it per visit.
    """

    scale_code: str
    members: dict[str, list[int | None]]
    medians: list[float | None]
    means: list[float | None]
    n_scored: list[int]
    change_from_first: list[float | None]

    @property
    def change(self) -> float | None:
        scored = [c for c in self.change_from_first[1:] if c is not None]
        return scored[-1] if scored else None


@dataclass(frozen=True)
class IntervisionSeries:
    """What a team sees: the visits, the members, every scale's series and the notes per visit."""

    visits: tuple[Visit, ...]
    members: tuple[tuple[str, str], ...]  # (username, display name), in the team's order
    scales: dict[str, ScaleSeries]
    notes: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # case → [(display name, note)]

    @property
    def labels(self) -> list[str]:
        return [v.label for v in self.visits]

    def is_complete_for(self, username: str) -> bool:
        """Has ``username`` scored every visit on every scale?"""
        return all(username in s.members and all(v is not None for v in s.members[username])
                   for s in self.scales.values())


def _mean(values: Sequence[int]) -> float | None:
    return float(statistics.fmean(values)) if values else None


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def build_series(
    visits: Sequence[Visit],
    members: Iterable[tuple[str, str]],
    records: Iterable[IntervisionScore],
    *,
    scales: Sequence[str],
) -> IntervisionSeries:
    """Arrange a team's scores per scale over the visits.

    Records of people outside ``members``, of cases outside ``visits`` or of other scales are
    ignored; of several records of one member, visit and scale the last one counts (the store
    keeps one, so this only matters for hand-made input). A member who scored nothing still
    gets a line of ``None``.
    """
    visits = tuple(visits)
    members = tuple(dict.fromkeys((u, n) for u, n in members))
    usernames = {u for u, _ in members}
    index = {v.case_code: i for i, v in enumerate(visits)}
    grid: dict[str, dict[str, list[int | None]]] = {
        sc: {u: [None] * len(visits) for u, _ in members} for sc in scales}
    notes: dict[str, dict[str, str]] = {v.case_code: {} for v in visits}
    names = dict(members)
    for r in records:
        if r.username not in usernames or r.case_code not in index or r.scale_code not in grid:
            continue
        grid[r.scale_code][r.username][index[r.case_code]] = int(r.score)
        if r.note and r.note.strip():
            notes[r.case_code][r.username] = r.note.strip()
    out: dict[str, ScaleSeries] = {}
    for sc in scales:
        per_visit = [[line[i] for line in grid[sc].values() if line[i] is not None] for i in range(len(visits))]
        medians = [_median(v) for v in per_visit]
        first = medians[0] if medians else None
        change = [None if (m is None or first is None) else m - first for m in medians]
        out[sc] = ScaleSeries(sc, grid[sc], medians, [_mean(v) for v in per_visit],
                              [len(v) for v in per_visit], change)
    ordered_notes = {case: [(names[u], text) for u, _ in members if (text := by_user.get(u))]
                     for case, by_user in notes.items()}
    return IntervisionSeries(visits, members, out, ordered_notes)
