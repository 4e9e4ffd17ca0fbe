"""The yearly Babytijd report for the programme owner as CSV and XLSX (issue 20).

The content comes from :func:`oefenkit.babytijd_figures.build_yearly_report`; what is *in* it is
decided there (opvoeders without consent only as a count). Here only the layout: Dutch headings,
decimal commas in the CSV, numbers as numbers in the XLSX, and every text cell formula-safe
through :mod:`oefenkit.exports`.

Sections (CSV: one after the other, each under its title; XLSX: one sheet each):

* ``Reeksen``: one row per reeks, aggregated over the opvoeders with consent;
* ``Opvoeders``: one row per opvoeder with consent, under a report pseudonym (``R<reeks>-<nr>``);
* ``Metingen``: the scores of those opvoeders, one row per measurement (long format);
* ``Evaluaties uitvoerders``: the uitvoerders' own evaluations of their reeksen.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any, Iterable

from .babytijd import ABSENCE_LABELS_WITH_UNKNOWN, GOAL_MEETINGS, MEASUREMENT_LABELS, MEASUREMENTS, MEETINGS
from .babytijd_figures import YearlyReport
from .exports import csv_text, xlsx_bytes

__all__ = ["CSV_ENCODING", "yearly_report_csv", "yearly_report_xlsx", "report_sections", "report_filename"]

#: UTF-8 with a byte-order mark, so Excel reads the accents right.
CSV_ENCODING = "utf-8-sig"


def report_filename(year: int, extension: str) -> str:
    return f"babytijd-jaarverslag-{year}.{extension}"


def _reeks_headers(report: YearlyReport) -> list[str]:
    return ["Reeks", "Naam", "Uitvoerder", "Startdatum", "Aangemeld", "Met toestemming",
            "Gem. bijgewoond (met toestemming)", f"{GOAL_MEETINGS} of meer bijgewoond",
            f"Aandeel {GOAL_MEETINGS} of meer",
            *(f"Afwezig: {label}" for label in ABSENCE_LABELS_WITH_UNKNOWN.values()),
            *(f"Aantal {MEASUREMENT_LABELS[k].lower()}" for k in MEASUREMENTS),
            *(f"Verandering eind − nul: {code} ({part})" for code, _ in report.subgoals
              for part in ("n", "gemiddeld", "95%-BI laag", "95%-BI hoog"))]


def report_sections(report: YearlyReport) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The report as (title, headers, rows) per section; values are plain numbers, text or None."""
    reeksen = []
    for r in report.reeksen:
        changes = []
        for code, _ in report.subgoals:
            c = r.change_eind[code]
            changes += [c.n, c.mean, c.ci_low, c.ci_high]
        reeksen.append([r.reeks_id, r.name, r.uitvoerder_name, r.start, r.registered, r.with_consent,
                        r.mean_attended, r.goal_reached, r.share_goal,
                        *(r.absences.get(code, 0) for code in ABSENCE_LABELS_WITH_UNKNOWN),
                        *(r.measured.get(k, 0) for k in MEASUREMENTS), *changes])
    people = [[o.pseudonym, o.reeks_id, o.baby_age_months, o.attended,
               *(o.attendance.get(n, "") for n in range(1, MEETINGS + 1)), o.tips, o.tops]
              for o in report.opvoeders]
    measurements = [[o.pseudonym, MEASUREMENT_LABELS[kind], o.early.get(kind, ""),
                     *(o.scores[kind].get(code) for code, _ in report.subgoals)]
                    for o in report.opvoeders for kind in MEASUREMENTS if kind in o.scores]
    evaluations = [[e.reeks_id, e.name, e.uitvoerder_name, e.went_well, e.to_improve, e.remarks,
                    e.evaluated_at.date()] for e in report.evaluations]
    return [
        ("Reeksen", _reeks_headers(report), reeksen),
        ("Opvoeders", ["Pseudoniem", "Reeks", "Leeftijd baby (mnd) bij start", "Bijgewoond",
                       *(f"Bijeenkomst {n}" for n in range(1, MEETINGS + 1)), "Tips", "Tops"], people),
        ("Metingen", ["Pseudoniem", "Meting", "Eerder ingevuld, reden", *(code for code, _ in report.subgoals)],
         measurements),
        ("Evaluaties uitvoerders", ["Reeks", "Naam", "Uitvoerder", "Wat ging goed", "Wat kan beter",
                                    "Opmerkingen", "Ingevuld op"], evaluations),
    ]


def _heading(report: YearlyReport) -> list[list[Any]]:
    return [
        [f"Babytijd jaarverslag {report.year}"],
        ["Alleen opvoeders die toestemming gaven staan erin; van de anderen alleen het aantal "
         f"({report.without_consent})."],
        ["Stellingen", *(f"{code}: {text}" for code, text in report.subgoals)],
    ]


def _nl(value: Any) -> str:
    """A CSV cell as Dutch Excel reads it: decimal comma, empty for missing, text formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return ("0" if text in ("-0", "") else text).replace(".", ",")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return csv_text(value)


def _rows(writer, rows: Iterable[Iterable[Any]]) -> None:
    for row in rows:
        writer.writerow([_nl(v) for v in row])


def yearly_report_csv(report: YearlyReport) -> bytes:
    """The report as one semicolon-separated file (UTF-8 with BOM), sections separated by a blank line."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    _rows(writer, _heading(report))
    for title, headers, rows in report_sections(report):
        writer.writerow([])
        _rows(writer, [[title], headers, *rows])
    return buf.getvalue().encode(CSV_ENCODING)


def yearly_report_xlsx(report: YearlyReport) -> bytes:
    """The report as a workbook: a sheet ``Toelichting`` and one sheet per section."""
    from openpyxl import Workbook  # only when an XLSX file is written
    from openpyxl.styles import Font

    bold = Font(bold=True)
    wb = Workbook()
    ws = wb.active
    ws.title = "Toelichting"
    for line in _heading(report):
        ws.append(line)
    ws.cell(1, 1).font = bold
    for title, headers, rows in report_sections(report):
        sheet = wb.create_sheet(title)
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    return xlsx_bytes(wb)
