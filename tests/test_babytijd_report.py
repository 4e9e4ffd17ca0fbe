"""The yearly Babytijd report on SQLite and PostgreSQL: read back with openpyxl and as CSV, it
holds the aggregated reeksen, pseudonymous rows of the opvoeders *with consent only*, and the
uitvoerders' evaluations; ``oefenkit babytijd rapport`` writes it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from oefenkit.babytijd import AttendanceMark
from oefenkit.babytijd_report import yearly_report_csv, yearly_report_xlsx
from oefenkit.errors import PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM

from .babytijd_fixture import fill_reeks, fixture
from .test_cli import Runner, clean_environment  # noqa: F401 - the autouse fixture applies here too

#: What only the opvoeder without consent (A6) has: two absence reasons and a baby of 5 months.
A6_ONLY_REASONS = ("vergeten", "vervoer")
FORMULA = '=HYPERLINK("http://x","klik")'


@pytest.fixture
def filled(kit, people):
    """The fixture's reeks (A6 without consent), an evaluation with a formula-like text, and a
    reeks of 2025 that the report of 2026 leaves out."""
    uit = people["cursist"]
    reeks = fill_reeks(kit, uit)
    kit.babytijd.save_uitvoerder_evaluation(uit, reeks, went_well="Goede sfeer", to_improve=FORMULA,
                                            remarks="Meer gastsprekers")
    old = kit.babytijd.create_reeks(uit, name="Oude reeks", start=dt.date(2025, 9, 1))
    kit.babytijd.add_opvoeder(uit, old.id, "OUD-1", consent=True)
    return reeks


def _cells(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_xlsx_holds_only_rows_with_consent(kit, people, filled):
    """Opened in openpyxl: five pseudonymous opvoeders, no code, nothing of A6 but the count."""
    report = kit.babytijd.yearly_report(people["trainer"], 2026)
    wb = load_workbook(io.BytesIO(yearly_report_xlsx(report)))
    assert wb.sheetnames == ["Toelichting", "Reeksen", "Opvoeders", "Metingen", "Evaluaties uitvoerders"]

    reeksen = _cells(wb["Reeksen"])
    header, rows = reeksen[0], reeksen[1:]
    assert len(rows) == 1  # the reeks of 2025 is not in the report of 2026
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Naam"], row["Aangemeld"], row["Met toestemming"]) == ("Proefreeks Noord", 6, 5)
    assert row["Gem. bijgewoond (met toestemming)"] == pytest.approx(52 / 5)  # 12+11+10+10+9
    assert row["Afwezig: Vergeten"] == 0 and row["Afwezig: Ziek (baby)"] == 2  # A6's absences left out
    assert row["Verandering eind − nul: kennis (gemiddeld)"] == pytest.approx(1.75)

    people_rows = _cells(wb["Opvoeders"])
    assert [r[0] for r in people_rows[1:]] == [f"R{filled}-0{n}" for n in range(1, 6)]
    assert [r[2] for r in people_rows[1:]] == [2, 4, 1, 6, 3]  # baby ages of A1-A5; A6's 5 is absent

    measurements = _cells(wb["Metingen"])[1:]
    assert len(measurements) == 5 + 5 + 4
    everything = [str(v) for name in wb.sheetnames for r in _cells(wb[name]) for v in r if v is not None]
    for person in fixture()["opvoeders"]:
        assert person["code"] not in everything  # report pseudonyms only, never the uitvoerder's codes
    assert not any(reason in v for v in everything for reason in A6_ONLY_REASONS)
    assert f"R{filled}-06" not in everything

    [evaluation] = _cells(wb["Evaluaties uitvoerders"])[1:]
    assert tuple(evaluation[3:6]) == ("Goede sfeer", FORMULA, "Meer gastsprekers")
    cell = wb["Evaluaties uitvoerders"].cell(2, 5)
    assert cell.data_type == "s"  # stays text, never a live formula


def test_csv_has_the_same_content_and_is_formula_safe(kit, people, filled):
    report = kit.babytijd.yearly_report(people["coordinator"], 2026)
    text = yearly_report_csv(report).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    titles = [r[0] for r in rows if len(r) == 1 and r[0]]
    assert titles[2:] == ["Reeksen", "Opvoeders", "Metingen", "Evaluaties uitvoerders"]
    cells = [c for r in rows for c in r]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "10,4" in text  # the mean attendance with a decimal comma
    assert "A6" not in text and "vergeten" not in text and f"R{filled}-06" not in text


def test_report_needs_staff_and_a_year(kit, people, filled):
    with pytest.raises(PermissionDenied):
        kit.babytijd.yearly_report(people["cursist"], 2026)
    with pytest.raises(ValidationError):
        kit.babytijd.yearly_report(people["trainer"], 26)


def test_consent_withdrawn_leaves_the_report(kit, people, filled):
    kit.babytijd.update_opvoeder(people["cursist"], filled, "A1", consent=False)
    report = kit.babytijd.yearly_report(SYSTEM, 2026)
    assert [o.pseudonym for o in report.opvoeders] == [f"R{filled}-0{n}" for n in range(2, 6)]
    assert report.without_consent == 2


def test_a_reeks_without_start_counts_in_the_year_it_was_made(kit, people):
    info = kit.babytijd.create_reeks(people["cursist"], name="Zonder datum")
    kit.babytijd.add_opvoeder(people["cursist"], info.id, "Z1", consent=True)
    kit.babytijd.record_attendance(people["cursist"], info.id, 1, {"Z1": AttendanceMark(True)})
    year = info.created_at.year
    assert [r.name for r in kit.babytijd.yearly_report(SYSTEM, year).reeksen] == ["Zonder datum"]
    assert kit.babytijd.yearly_report(SYSTEM, year - 1).reeksen == ()


def test_cli_writes_xlsx_and_csv(kit, filled, database_url, tmp_path, capsys, monkeypatch):
    """Does ``oefenkit babytijd rapport --jaar 2026 --uit`` write a workbook openpyxl opens, and
    refuse another file type?"""
    run = Runner(tmp_path / "data", capsys, monkeypatch, database_url=database_url)
    target = tmp_path / "verslag.xlsx"
    code, out, err = run("babytijd", "rapport", "--jaar", "2026", "--uit", str(target))
    assert code == 0, err
    assert "1 reeks(en), 5 opvoeder(s) met toestemming (1 zonder toestemming niet opgenomen)" in out
    assert load_workbook(target)["Opvoeders"].max_row == 6
    code, out, err = run("babytijd", "rapport", "--jaar", "2026")
    assert code == 0 and out.startswith("Babytijd jaarverslag 2026")
    code, out, err = run("babytijd", "rapport", "--jaar", "2026", "--uit", str(tmp_path / "verslag.pdf"))
    assert code == 1 and ".xlsx of .csv" in err
    audit = [e["action"] for e in kit.list_audit_entries(SYSTEM)]
    assert audit.count("babytijd.report") == 2
