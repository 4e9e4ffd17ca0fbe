"""CSV and Excel exports of a rating comparison (:class:`oefenkit.compare.Comparison`).

What the app "Beoordelingen vergelijken" offers for download: :func:`to_csv`
(semicolon-separated, Dutch headers and decimal commas, to be written with
:data:`CSV_ENCODING`) and :func:`to_xlsx` (a workbook with the deviations'
colour bands). Both are formula-safe: a text cell that starts like a formula
(``=``, ``+``, ``-``, ``@``, tab, CR) is always written as text
(:func:`oefenkit.exports.csv_text`, :func:`oefenkit.exports.xlsx_bytes`;
``tests/security/test_export_formulas.py``); numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .compare import BAND_COLOURS, ClipStats, Comparison, RaterStats
from .exports import csv_text, xlsx_bytes

__all__ = ["CSV_ENCODING", "to_csv", "to_xlsx"]

#: Encoding to write :func:`to_csv` output with: the BOM makes Excel read it as UTF-8.
CSV_ENCODING = "utf-8-sig"

_MODE_LABELS = {"practice": "oefenen", "exam": "toets", "session": "sessie"}

_RATER_HEADERS = (
    "Beoordelaar", "Gebruikersnaam", "Gescoord", "Met consensus", "ICC(A,1)", "Binnen één punt",
    "Gemiddeld verschil", "Gemiddelde absolute afwijking", "Laag extreem (consensus)", "Laag extreem herkend",
    "Hoog extreem (consensus)", "Hoog extreem herkend", "Uitersten herkend", "Minimum gebruikt",
    "Maximum gebruikt", "Bland-Altman ondergrens", "Bland-Altman bovengrens", "Opmerkingen",
)

_CLIP_HEADERS = (
    "Fragment", "Titel", "Consensus", "Mediaan experts", "Aantal experts", "Spreiding experts",
    "Aantal cursisten", "Gemiddelde", "Spreiding (max − min)", "Standaardafwijking",
    "Gemiddelde afwijking",
)


def _rater_values(c: Comparison, r: RaterStats) -> list[Any]:
    view = c.bland_altman.get(r.username)
    loa = view.loa if view is not None else None
    return [
        r.display_name, r.username, r.n_scored, r.n, r.icc_a1, r.within_one, r.bias, r.mad,
        r.low_consensus_items, r.low_recognised, r.high_consensus_items, r.high_recognised,
        r.extremes_recognised, r.used_scale_min, r.used_scale_max,
        None if loa is None else loa[0], None if loa is None else loa[1],
        " ".join(r.warnings + (view.warnings if view is not None else ())),
    ]


def _clip_values(k: ClipStats) -> list[Any]:
    return [k.code, k.title, k.consensus, k.expert_median, k.n_experts, k.expert_spread, k.n, k.mean,
            k.spread, k.sd, k.mean_deviation]


def _nl(value: Any) -> str:
    """A CSV cell as Dutch Excel reads it: decimal comma, ``ja``/``nee``, empty for missing.

    Text (names, titles, codes, labels) goes through :func:`oefenkit.exports.csv_text`, so a
    name that starts like a formula is written as text; numbers are never prefixed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isnan(v):
            return ""
        if v.is_integer():
            return str(int(v))
        text = f"{v:.6f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text.replace(".", ",")
    return csv_text(value)


def _header_lines(c: Comparison) -> list[list[str]]:
    return [
        ["Groep", c.group_name],
        ["Set", c.case_set_code],
        ["Schaal", c.scale_title or c.scale_code, f"{c.scale_min}–{c.scale_max}"],
        ["Beoordelingen", ", ".join(_MODE_LABELS.get(m, m) for m in c.modes) + " (laatste per fragment)"],
    ]


class _CsvRows:
    """Writes rows with every cell through :func:`_nl` (numbers formatted, text made formula-safe)."""

    def __init__(self, writer):
        self.writer = writer

    def writerow(self, row: Iterable[Any]) -> None:
        self.writer.writerow([_nl(v) for v in row])


def to_csv(c: Comparison) -> str:
    """The comparison as one semicolon-separated text with Dutch headers and decimal commas.

    Sections, separated by an empty line, each starting with its title on a line of its own:
    the heading (group, set, scale), ``Scores`` (raters × clips plus a ``Consensus`` row),
    ``Afwijking van de consensus`` (score − consensus), ``Per beoordelaar`` and
    ``Per fragment``. Numbers have at most six decimals. A text cell that starts with ``=``,
    ``+``, ``-``, ``@``, a tab or a CR gets a ``'`` in front (:func:`oefenkit.exports.csv_text`);
    numbers never do. Write it with :data:`CSV_ENCODING` (UTF-8 with BOM) so Excel reads the
    accents right.
    """
    buf = io.StringIO()
    w = _CsvRows(csv.writer(buf, delimiter=";", lineterminator="\r\n"))  # every cell through _nl, once
    codes = [k.code for k in c.cases]
    cons = c.consensus_scores
    for line in _header_lines(c):
        w.writerow(line)
    w.writerow([])
    w.writerow(["Scores"])
    w.writerow(["Beoordelaar", "Gebruikersnaam", *codes])
    for row in c.matrix:
        w.writerow([row.display_name, row.username, *(cell.score for cell in row.cells)])
    w.writerow(["Consensus", "", *(cons.get(code) for code in codes)])
    w.writerow([])
    w.writerow(["Afwijking van de consensus"])
    w.writerow(["Beoordelaar", "Gebruikersnaam", *codes])
    for row in c.matrix:
        w.writerow([row.display_name, row.username, *(cell.deviation for cell in row.cells)])
    w.writerow([])
    w.writerow(["Per beoordelaar"])
    w.writerow(_RATER_HEADERS)
    for r in c.per_rater:
        w.writerow(_rater_values(c, r))
    w.writerow([])
    w.writerow(["Per fragment"])
    w.writerow(_CLIP_HEADERS)
    for k in c.per_clip:
        w.writerow(_clip_values(k))
    return buf.getvalue()


def _xl(value: Any) -> Any:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def to_xlsx(c: Comparison) -> bytes:
    """The comparison as an Excel workbook with sheets ``Scores``, ``Per beoordelaar`` and ``Per fragment``.

    ``Scores``: the heading, then raters × clips (cells filled with their band's colour,
    :data:`BAND_COLOURS`) and a ``Consensus`` row, then the deviations in the same layout.
    Numbers are stored as numbers (16 significant digits), missing values as empty cells, and
    text always as text, never as a formula (:func:`oefenkit.exports.xlsx_bytes`).
    """
    from openpyxl import Workbook  # ≈ 0.2 s, only when an XLSX file is written
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    fills = {b: PatternFill("solid", start_color=colour, end_color=colour) for b, colour in BAND_COLOURS.items()}
    codes = [k.code for k in c.cases]
    cons = c.consensus_scores

    wb = Workbook()
    ws = wb.active
    ws.title = "Scores"
    for line in _header_lines(c):
        ws.append(line)
        ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    ws.append(["Beoordelaar", "Gebruikersnaam", *codes])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in c.matrix:
        ws.append([row.display_name, row.username, *(cell.score for cell in row.cells)])
        for j, cell in enumerate(row.cells, start=3):
            if cell.band is not None:
                ws.cell(ws.max_row, j).fill = fills[cell.band]
    ws.append(["Consensus", None, *(cons.get(code) for code in codes)])
    ws.cell(ws.max_row, 1).font = bold
    ws.append([])
    ws.append(["Afwijking van de consensus"])
    ws.cell(ws.max_row, 1).font = bold
    ws.append(["Beoordelaar", "Gebruikersnaam", *codes])
    for cell in ws[ws.max_row]:
        cell.font = bold
    for row in c.matrix:
        ws.append([row.display_name, row.username, *(cell.deviation for cell in row.cells)])
        for j, cell in enumerate(row.cells, start=3):
            if cell.band is not None:
                ws.cell(ws.max_row, j).fill = fills[cell.band]
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 16

    wr = wb.create_sheet("Per beoordelaar")
    wr.append(list(_RATER_HEADERS))
    for r in c.per_rater:
        wr.append([_xl(v) for v in _rater_values(c, r)])
    wk = wb.create_sheet("Per fragment")
    wk.append(list(_CLIP_HEADERS))
    for k in c.per_clip:
        wk.append([_xl(v) for v in _clip_values(k)])
    for sheet in (wr, wk):
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"

    return xlsx_bytes(wb)  # every string cell stays text, never a formula
