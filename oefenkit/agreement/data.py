"""Long-format ratings → an item × rater matrix, shared by every statistic.

Input is long format: one record per (rater, item, score), optionally with a
scale. A missing score is ``None``/``NaN`` (or an empty CSV field). The
matrix has one row per item and one column per rater, ``NaN`` where a rater
did not score an item. Items and raters are sorted, so the result never depends
on the order of the input records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import RatingsInputError

__all__ = ["Ratings", "parse_score"]


def parse_score(value: Any, *, where: str = "") -> float:
    """A score as float, ``nan`` for missing; :class:`RatingsInputError` for anything else."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise RatingsInputError(f"{where}score {value!r} is geen getal.")
    if isinstance(value, (int, float, np.integer, np.floating)):
        f = float(value)
    else:
        text = str(value).strip()
        if text == "" or text.lower() in {"na", "nan"}:
            return math.nan
        try:
            f = float(text.replace(",", "."))
        except ValueError:
            raise RatingsInputError(f"{where}score {value!r} is geen getal.") from None
    if math.isinf(f):
        raise RatingsInputError(f"{where}score {value!r} is geen eindig getal.")
    return f


def _key(value: Any) -> str:
    return str(value).strip()


@dataclass(frozen=True, eq=False)
class Ratings:
    """Scores of ``raters`` (columns) on ``items`` (rows); ``NaN`` = missing.

    ``scale_min``/``scale_max`` declare the scale's range (1–9 in the apps). When
    declared, category-based statistics use every category of the range;
    otherwise only the values actually observed, as R ``irr`` and scikit-learn
    do. Of the statistics here this changes weighted Cohen's kappa (when a
    category inside the used range is skipped) and Gwet's AC1/AC2 (chance
    agreement spreads over all categories); Fleiss' kappa and Krippendorff's
    alpha do not depend on unused categories.
    """

    items: tuple[str, ...]
    raters: tuple[str, ...]
    matrix: np.ndarray
    scale_min: float | None = None
    scale_max: float | None = None

    def __post_init__(self):
        m = np.asarray(self.matrix, dtype=float)
        if m.shape != (len(self.items), len(self.raters)):
            raise ValueError("matrix shape does not match items × raters")
        m.setflags(write=False)
        object.__setattr__(self, "matrix", m)
        if (self.scale_min is None) != (self.scale_max is None):
            raise RatingsInputError("Geef zowel het minimum als het maximum van de schaal op.")
        if self.scale_min is not None:
            if not self.scale_min < self.scale_max:
                raise RatingsInputError("Het minimum van de schaal moet kleiner zijn dan het maximum.")
            observed = m[~np.isnan(m)]
            if observed.size and (observed.min() < self.scale_min or observed.max() > self.scale_max):
                raise RatingsInputError(
                    f"Er zijn scores buiten de schaal {self.scale_min:g}–{self.scale_max:g}."
                )

    # -- construction ---------------------------------------------------------------

    @classmethod
    def from_records(
        cls,
        records: Iterable[Sequence[Any] | Mapping[str, Any]],
        *,
        scale_min: float | None = None,
        scale_max: float | None = None,
    ) -> "Ratings":
        """Build from ``(rater, item, score)`` tuples or ``{"rater", "item", "score"}`` mappings.

        A duplicate (rater, item) pair is an error, never silently averaged.
        """
        cells: dict[tuple[str, str], float] = {}
        for n, rec in enumerate(records, 1):
            if isinstance(rec, Mapping):
                try:
                    rater, item, score = rec["rater"], rec["item"], rec["score"]
                except KeyError as exc:
                    raise RatingsInputError(f"Regel {n}: kolom {exc.args[0]!r} ontbreekt.") from None
            else:
                if len(rec) != 3:
                    raise RatingsInputError(f"Regel {n}: verwacht beoordelaar, item en score.")
                rater, item, score = rec
            rater, item = _key(rater), _key(item)
            if not rater or not item:
                raise RatingsInputError(f"Regel {n}: beoordelaar en item mogen niet leeg zijn.")
            if (rater, item) in cells:
                raise RatingsInputError(
                    f"Regel {n}: beoordelaar {rater!r} heeft item {item!r} twee keer gescoord."
                )
            cells[(rater, item)] = parse_score(score, where=f"Regel {n}: ")
        raters = tuple(sorted({r for r, _ in cells}))
        items = tuple(sorted({i for _, i in cells}))
        r_index = {r: k for k, r in enumerate(raters)}
        i_index = {i: k for k, i in enumerate(items)}
        matrix = np.full((len(items), len(raters)), np.nan)
        for (r, i), v in cells.items():
            matrix[i_index[i], r_index[r]] = v
        return cls(items, raters, matrix, scale_min, scale_max)

    @classmethod
    def from_matrix(
        cls,
        matrix: Any,
        *,
        items: Sequence[str] | None = None,
        raters: Sequence[str] | None = None,
        scale_min: float | None = None,
        scale_max: float | None = None,
    ) -> "Ratings":
        """Build from an items × raters array (``NaN``/``None`` = missing)."""
        try:
            m = np.array(matrix, dtype=float)  # fast path: numbers and NaN/None
        except (TypeError, ValueError):
            m = np.array([[parse_score(v) for v in row] for row in np.asarray(matrix, dtype=object)], dtype=float)
        if np.isinf(m).any():
            raise RatingsInputError("Er staan oneindige waarden tussen de scores.")
        if m.ndim != 2:
            raise RatingsInputError("Verwacht een tabel met items als rijen en beoordelaars als kolommen.")
        items = tuple(str(i) for i in (items if items is not None else range(1, m.shape[0] + 1)))
        raters = tuple(str(r) for r in (raters if raters is not None else range(1, m.shape[1] + 1)))
        return cls(items, raters, m, scale_min, scale_max)

    # -- views ----------------------------------------------------------------------

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_raters(self) -> int:
        return len(self.raters)

    @property
    def missing(self) -> np.ndarray:
        return np.isnan(self.matrix)

    @property
    def range_declared(self) -> bool:
        return self.scale_min is not None

    def categories(self) -> np.ndarray:
        """Categories for category-based statistics: the declared integer range, or the observed values."""
        if self.scale_min is not None and self.scale_max is not None:  # the range is declared
            return np.arange(self.scale_min, self.scale_max + 1, dtype=float)
        observed = self.matrix[~self.missing]
        return np.unique(observed)

    def complete(self) -> "Ratings":
        """Only the items that every rater scored (listwise deletion, as ICC needs)."""
        keep = np.logical_not(self.missing.any(axis=1))
        return Ratings(tuple(i for i, k in zip(self.items, keep.tolist()) if k), self.raters, self.matrix[keep],
                       self.scale_min, self.scale_max)

    def select_raters(self, raters: Sequence[str]) -> "Ratings":
        idx = [self.raters.index(r) for r in raters]
        return Ratings(self.items, tuple(raters), self.matrix[:, idx], self.scale_min, self.scale_max)
