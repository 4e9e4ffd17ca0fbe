"""Published data sets as the long-format CSV that ``oefenkit agreement`` reads.

``test_cli_contract.py`` runs the command on the data sets of ``datasets.py``
(and on the Shrout & Fleiss and PEFR data of ``test_icc.py`` and
``test_blandaltman.py``). This module turns an items × raters matrix into the
file a trainer would export: a header ``rater,item,score[,scale]``, one row
per rating, an empty score field for a missing rating (``nan``).

Rater labels default to ``A``, ``B``, …; item labels to ``01``, ``02``, ….
The command sorts both, so the labels decide which rater comes first, which
only matters for the sign of the Bland–Altman difference.

To look at a file by hand::

    python -c "from tests.agreement.reference import cli_datasets as c, datasets as d; \\
               c.write_ratings_csv('k2011.csv', c.long_rows(d.CAC_RAW4RATERS))"
    oefenkit agreement k2011.csv
"""

from __future__ import annotations

import csv
import math
import string
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

__all__ = ["default_raters", "long_rows", "write_ratings_csv"]


def default_raters(k: int) -> list[str]:
    """``A``, ``B``, … for ``k`` raters (at most 26)."""
    return list(string.ascii_uppercase[:k])


def _score_field(value: float) -> str:
    """``""`` for missing, ``"5"`` for a whole score, ``"4.5"`` otherwise."""
    if math.isnan(value):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def long_rows(
    matrix: np.ndarray,
    raters: Sequence[str] | None = None,
    *,
    scale: str | None = None,
) -> list[list[str]]:
    """``[rater, item, score(, scale)]`` rows of an items × raters matrix, item by item."""
    m = np.asarray(matrix, dtype=float)
    raters = list(raters) if raters is not None else default_raters(m.shape[1])
    if len(raters) != m.shape[1]:
        raise ValueError("one label per rater column")
    rows = []
    for i, row in enumerate(m, 1):
        for rater, value in zip(raters, row):
            rows.append([rater, f"{i:02d}", _score_field(value)] + ([scale] if scale is not None else []))
    return rows


def write_ratings_csv(
    path: str | Path,
    rows: Iterable[Sequence[str]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    decimal_comma: bool = False,
) -> Path:
    """Write ``rows`` under the header ``rater,item,score`` (``,scale`` when rows have four fields).

    ``delimiter=";"`` with ``decimal_comma=True`` gives what Dutch Excel writes.
    """
    rows = [list(r) for r in rows]
    header = ["rater", "item", "score"] + (["scale"] if rows and len(rows[0]) == 4 else [])
    if decimal_comma:
        rows = [[r[0], r[1], r[2].replace(".", ","), *r[3:]] for r in rows]
    path = Path(path)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path
