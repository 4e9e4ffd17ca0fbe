"""Plain-text tables for the ``oefenkit`` command (``users list``, ``certificates list``, ``cases list``).

One place decides how a list is laid out on a terminal: a header line, then one line per row, the
columns padded to a common width and the last column left free (it holds names and titles of any
length). A column is at least as wide as its ``width``, and wider when a header or value needs it,
so a long username never pushes the rest of its line out of line.

Examples
--------
>>> for line in table_lines([Column("naam", 6), Column("aantal", 3, ">"), Column("titel", gap=2)],
...                         [("anna", 3, "Eerste"), ("christiaan", 12, "Tweede")]):
...     print(repr(line))
'naam       aantal  titel'
'anna            3  Eerste'
'christiaan     12  Tweede'
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

__all__ = ["MISSING", "Column", "table_lines", "print_table"]

#: Shown for a missing value (``None``).
MISSING = "-"


@dataclass(frozen=True)
class Column:
    """One column of a CLI table.

    Attributes
    ----------
    header : str
        The Dutch heading.
    width : int
        Minimum width; the column grows to its longest header or value.
    align : str
        ``"<"`` (text) or ``">"`` (numbers).
    gap : int
        Spaces before this column (ignored for the first).
    """

    header: str
    width: int = 0
    align: str = "<"
    gap: int = 1


def _text(value: Any) -> str:
    return MISSING if value is None else str(value)


def table_lines(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> list[str]:
    """The header line and one line per row; ``None`` shows as ``-``, the last column is not padded."""
    cells = [[_text(v) for v in row] for row in rows]
    for row in cells:
        if len(row) != len(columns):
            raise ValueError(f"row has {len(row)} values for {len(columns)} columns")
    widths = [max([c.width, len(c.header), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    lines = []
    for values in [[c.header for c in columns], *cells]:
        parts = []
        for i, (column, value) in enumerate(zip(columns, values)):
            last = i == len(columns) - 1
            if i:
                parts.append(" " * column.gap)
            if last and column.align == "<":
                parts.append(value)
            else:
                parts.append(f"{value:{column.align}{widths[i]}}")
        lines.append("".join(parts))
    return lines


def print_table(columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, file: TextIO | None = None) -> None:
    """Print :func:`table_lines` to ``file`` (standard output by default)."""
    for line in table_lines(columns, rows):
        print(line, file=file if file is not None else sys.stdout)
