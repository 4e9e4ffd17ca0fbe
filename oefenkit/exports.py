"""Spreadsheet-safe exports: no cell of a CSV or XLSX file the kit writes is ever a formula.

A display name, group name or case title comes from people. Typed as
``=HYPERLINK("http://…"&A1,"Klik")`` it would become a live formula the
moment a trainer opens the export in Excel or LibreOffice (CSV / formula
injection). Every CSV and XLSX writer of the kit goes through this module:

* **CSV** (:func:`csv_text`): a *text* cell that starts with ``=``, ``+``,
  ``-``, ``@``, a tab or a carriage return gets a single quote in front
  (OWASP's advice), so a spreadsheet shows it as text. Numbers are never
  touched: the writers format numbers themselves (``-0,39`` stays a number)
  and pass only text through :func:`csv_text`. A text that merely looks like a
  number (a display name ``-1``) is text and is neutralised.
* **XLSX** (:func:`xlsx_bytes`): every string cell is stored as a string
  (``data_type`` ``"s"``), never as a formula, and one that starts with such a
  character also gets Excel's *quote prefix* style, so it stays text when
  someone edits the cell. The value itself is unchanged (no visible quote).
  The kit writes no formulas of its own; a writer that ever needs one must
  not pass through here.
"""

from __future__ import annotations

import io
from typing import Any

__all__ = ["FORMULA_TRIGGERS", "looks_like_formula", "csv_text", "neutralise_workbook", "xlsx_bytes"]

#: A cell whose text starts with one of these is read as a formula (or DDE call) by a spreadsheet.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    """True for a string a spreadsheet could take for a formula.

    >>> looks_like_formula('=HYPERLINK("http://x")'), looks_like_formula("Anna"), looks_like_formula(-1)
    (True, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(text: Any) -> str:
    """A text cell for a CSV file: prefixed with ``'`` when it could be read as a formula.

    Only for text from people or data; numbers are formatted by the writer and never pass here.

    >>> csv_text('=1+2'), csv_text('-0,39'), csv_text('Anna de Vries')
    ("'=1+2", "'-0,39", 'Anna de Vries')
    """
    text = "" if text is None else str(text)
    return "'" + text if looks_like_formula(text) else text


def neutralise_workbook(workbook) -> int:
    """Make every string cell of an openpyxl ``workbook`` a plain string; the number of risky cells.

    openpyxl stores a string that starts with ``=`` as a formula (``data_type`` ``"f"``);
    here each string cell becomes ``"s"``, and a risky one also gets the quote-prefix style.
    """
    risky = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or isinstance(cell.value, str):
                    cell.data_type = "s"
                    if looks_like_formula(cell.value):
                        cell.quotePrefix = True
                        risky += 1
    return risky


def xlsx_bytes(workbook) -> bytes:
    """The workbook's file contents after :func:`neutralise_workbook`: the only way the kit saves XLSX."""
    neutralise_workbook(workbook)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
