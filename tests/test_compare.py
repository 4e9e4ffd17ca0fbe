"""Compare ratings (issue 7, part 1): the comparison table matches the agreement engine.

A group of four cursists scores six clips of one set; three experts give the consensus.
Every number of :func:`oefenkit.compare.comparison` is checked against the agreement
engine called directly on the same pairs (and ICC(A,1) against pingouin), against hand
computations, and after a round trip through the CSV and Excel exports.

Tests that use ``kit`` or ``people`` run on SQLite and on PostgreSQL (``conftest.py``).
"""

from __future__ import annotations

import csv
import io
import math
import warnings

import numpy as np
import pandas as pd
import pingouin
import pytest

from oefenkit.agreement import (
    Ratings,
    bland_altman,
    expert_consensus,
    icc,
    icc_a1_many,
    trainee_vs_experts,
)
from oefenkit.compare import band, comparison
from oefenkit.compare_export import to_csv, to_xlsx
from oefenkit.errors import NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT

SET = "vergelijk"
GROUP = "Groep Vergelijk"
CASES = ("v01", "v02", "v03", "v04", "v05", "v06")
EXPERTS = ("expert_a", "expert_b", "expert_c")

#: sensitiviteit, per case: the three experts' scores (→ consensus = median).
EXPERT_SENS = {"v01": (1, 1, 2), "v02": (2, 3, 3), "v03": (5, 5, 6),
               "v04": (7, 8, 8), "v05": (9, 9, 8), "v06": (4, 5, 4)}
CONSENSUS = {"v01": 1.0, "v02": 3.0, "v03": 5.0, "v04": 8.0, "v05": 9.0, "v06": 4.0}
#: cooperatie: other scores, so a mix-up of scales shows.
EXPERT_COOP = {c: (s[0] + 1 if s[0] < 9 else 9,) * 3 for c, s in EXPERT_SENS.items()}

#: The cursists (username, display name) in row order (by display name).
RATERS = (("anna", "Anna de Vries"), ("bram", "Bram Jansen"), ("cees", "Cees Bakker"), ("dirk", "Dirk Smit"))

#: The latest sensitiviteit score per rater and case; None = never scored (bram, v06).
#: cees never uses the extremes 1–2 / 8–9.
SCORES = {
    "anna": {"v01": 1, "v02": 3, "v03": 6, "v04": 8, "v05": 9, "v06": 4},
    "bram": {"v01": 2, "v02": 4, "v03": 5, "v04": 7, "v05": 8, "v06": None},
    "cees": {"v01": 4, "v02": 4, "v03": 5, "v04": 6, "v05": 6, "v06": 5},
    "dirk": {"v01": 3, "v02": 1, "v03": 8, "v04": 9, "v05": 5, "v06": 4},
}
#: The order in which each rater scored the cases (drift is over time, not over columns).
ORDER = {
    "anna": ("v05", "v01", "v02", "v04", "v06", "v03"),
    "bram": ("v01", "v02", "v03", "v04", "v05"),
    "cees": ("v06", "v05", "v04", "v03", "v02", "v01"),
    "dirk": ("v01", "v02", "v03", "v04", "v05", "v06"),
}


@pytest.fixture
def setup(kit, people):
    """Cases, the set, three experts with scores, the group with its cursists and their ratings."""
    for code in CASES:
        kit.add_case(SYSTEM, code, f"Fragment {code[-1]}")
    kit.add_case(SYSTEM, "v99", "Niet in de set")
    kit.add_case_set(SYSTEM, SET, "Vergelijkingsset", "practice", list(CASES))
    for k, expert in enumerate(EXPERTS):
        kit.update_or_create_expert(SYSTEM, expert, f"Expert {expert[-1].upper()}")
        for code in CASES:
            kit.add_expert_score(SYSTEM, code, "sensitiviteit", EXPERT_SENS[code][k], expert_username=expert)
            kit.add_expert_score(SYSTEM, code, "cooperatie", EXPERT_COOP[code][k], expert_username=expert)
        kit.add_expert_score(SYSTEM, "v99", "sensitiviteit", 5, expert_username=expert)
    kit.add_group(SYSTEM, GROUP)
    actors = {u: kit.add_person(SYSTEM, u, display_name=d, groups=[GROUP]) for u, d in RATERS}
    # Not rows: a trainer in the group, a cursist outside it.
    kit.add_group_member(SYSTEM, GROUP, people["trainer"].username)
    kit.add_ratings(people["cursist"], "v01", {"sensitiviteit": 9}, note="buiten de groep")

    # anna first scored v03 as 2 in practice; her later exam score 6 counts.
    kit.add_ratings(actors["anna"], "v03", {"sensitiviteit": 2, "cooperatie": 2}, note="eerste indruk")
    # Ratings on a case outside the set and a session rating do not count.
    kit.add_ratings(actors["bram"], "v99", {"sensitiviteit": 1})
    kit.add_ratings(actors["bram"], "v06", {"sensitiviteit": 9}, mode="session")
    for username, order in ORDER.items():
        for code in order:
            score = SCORES[username][code]
            mode = "exam" if (username, code) == ("anna", "v03") else "practice"
            note = "moeder reageert traag" if (username, code) == ("anna", "v03") else ""
            kit.add_ratings(actors[username], code, {"sensitiviteit": score, "cooperatie": 10 - score},
                            note=note, mode=mode)
    return actors


@pytest.fixture
def result(kit, people, setup):
    return comparison(kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit"))


def _pairs(username: str) -> tuple[dict[str, float], dict[str, float]]:
    trainee = {c: float(s) for c, s in SCORES[username].items() if s is not None}
    return trainee, CONSENSUS


# -- matrix ------------------------------------------------------------------------------


def test_band_edges():
    assert [band(d) for d in (0, 1, -1, 2, -2, 3, -3, 8, None)] == [
        "ok", "near", "near", "off", "off", "far", "far", "far", None]


def test_matrix_cells_and_deviations(result):
    assert [k.code for k in result.cases] == list(CASES)
    assert result.consensus_scores == CONSENSUS
    assert result.experts == EXPERTS
    assert [(r.username, r.display_name) for r in result.matrix] == list(RATERS)
    for row in result.matrix:
        for cell in row.cells:
            score = SCORES[row.username][cell.case]
            assert cell.score == score
            if score is None:
                assert (cell.deviation, cell.band) == (None, None)
            else:
                dev = score - CONSENSUS[cell.case]
                assert cell.deviation == dev
                assert cell.band == ("ok", "near", "off", "far")[min(int(abs(dev)), 3)]
    assert [c.band for c in result.row("cees").cells] == ["far", "near", "ok", "off", "far", "near"]
    assert result.row("anna").cell("v03").mode == "exam"
    assert result.row("bram").cell("v06").score is None  # the session rating does not count


def test_notes_for_drill_down(result):
    assert result.notes == {("anna", "v03"): "moeder reageert traag"}
    assert result.row("anna").cell("v03").has_note
    assert not result.row("anna").cell("v01").has_note


# -- per rater ---------------------------------------------------------------------------


def test_per_rater_equals_the_agreement_engine(result):
    for username, _ in RATERS:
        trainee, cons = _pairs(username)
        expected = trainee_vs_experts(trainee, cons, scale_min=1, scale_max=9)
        got = result.rater(username)
        assert got.n == expected.n_items == len(trainee)
        assert got.n_scored == len(trainee)
        assert got.icc_a1 == expected.icc_a1
        assert got.within_one == expected.within_one
        assert got.bias == expected.bias
        assert got.mad == expected.mad
        assert got.low_consensus_items == expected.low_extremes.consensus_items
        assert got.low_recognised == expected.low_extremes.recognised
        assert got.high_consensus_items == expected.high_extremes.consensus_items
        assert got.high_recognised == expected.high_extremes.recognised
        assert got.extremes_recognised == expected.extremes_recognised
        assert (got.used_scale_min, got.used_scale_max) == (expected.used_scale_min, expected.used_scale_max)

        # ICC(A,1) directly from icc() on the same pairs, from icc_a1_many, and from pingouin.
        common = sorted(trainee)
        pair = Ratings.from_matrix([[trainee[c], cons[c]] for c in common], items=common,
                                   raters=["cursist", "consensus"])
        assert got.icc_a1 == pytest.approx(icc(pair, forms=("ICC2",))["ICC2"].value, abs=1e-12)
        row = np.array([[trainee.get(c, np.nan) for c in CASES]])
        assert got.icc_a1 == pytest.approx(icc_a1_many(row, np.array([cons[c] for c in CASES]))[0], abs=1e-12)
        long = pd.DataFrame([{"item": c, "rater": who, "score": v}
                             for c in common for who, v in (("t", trainee[c]), ("c", cons[c]))])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pingouin's own pandas deprecations
            ref = pingouin.intraclass_corr(long, targets="item", raters="rater", ratings="score")
        assert got.icc_a1 == pytest.approx(ref.set_index("Type").loc["ICC(A,1)", "ICC"], abs=1e-9)


def test_per_rater_by_hand(result):
    anna, bram, cees = result.rater("anna"), result.rater("bram"), result.rater("cees")
    assert (anna.within_one, anna.bias, anna.mad) == (1.0, pytest.approx(1 / 6), pytest.approx(1 / 6))
    assert anna.used_scale_min and anna.used_scale_max and anna.extremes_recognised == 1.0
    assert bram.n == 5  # the missing cell
    # cees never uses the extremes: none of the consensus' extreme clips (v01 1, v04 8, v05 9) recognised.
    assert (cees.used_scale_min, cees.used_scale_max) == (False, False)
    assert (cees.low_consensus_items, cees.low_recognised) == (1, 0)
    assert (cees.high_consensus_items, cees.high_recognised) == (2, 0)
    assert cees.extremes_recognised == 0.0
    assert cees.within_one == pytest.approx(3 / 6)


# -- per clip ----------------------------------------------------------------------------


def test_per_clip_difficulty_by_hand(result):
    for code in CASES:
        values = [SCORES[u][code] for u, _ in RATERS if SCORES[u][code] is not None]
        clip = result.clip(code)
        mean = sum(values) / len(values)
        assert clip.n == len(values)
        assert clip.consensus == CONSENSUS[code]
        assert clip.expert_spread == max(EXPERT_SENS[code]) - min(EXPERT_SENS[code])
        assert clip.n_experts == 3
        assert clip.mean == pytest.approx(mean)
        assert clip.spread == max(values) - min(values)
        assert clip.sd == pytest.approx(math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1)))
        assert clip.mean_deviation == pytest.approx(mean - CONSENSUS[code])
    assert result.clip("v06").n == 3 and result.clip("v06").spread == 1  # bram did not score it
    assert result.clip("v05").spread == 4  # 9, 8, 6, 5: the hardest clip


def test_consensus_is_the_engines(result):
    records = [(e, c, EXPERT_SENS[c][k]) for k, e in enumerate(EXPERTS) for c in CASES]
    expected = expert_consensus(Ratings.from_records(records, scale_min=1, scale_max=9))
    assert result.consensus.as_dict() == expected.as_dict()


# -- Bland–Altman and drift ----------------------------------------------------------------


def test_bland_altman_equals_the_engine(result):
    for username, _ in RATERS:
        trainee, cons = _pairs(username)
        common = [c for c in CASES if c in trainee]
        expected = bland_altman(Ratings.from_matrix([[trainee[c], cons[c]] for c in common],
                                                    items=common, raters=["r", "consensus"]))
        view = result.bland_altman[username]
        assert view.result == expected
        assert view.bias == expected.bias and view.loa == expected.loa
        assert view.points == tuple((c, (trainee[c] + cons[c]) / 2, trainee[c] - cons[c]) for c in common)
    assert result.bland_altman["cees"].bias == pytest.approx((3 + 1 + 0 - 2 - 3 + 1) / 6)


def test_drift_in_time_order(result):
    for username, order in ORDER.items():
        points = result.drift[username]
        assert [p.case for p in points] == list(order)
        devs = [abs(SCORES[username][c] - CONSENSUS[c]) for c in order]
        assert [p.abs_deviation for p in points] == devs
        for k, p in enumerate(points):
            window = devs[max(0, k - 2):k + 1]
            assert p.rolling_mean == pytest.approx(sum(window) / len(window))
    # anna's v03 counts with her latest (exam) rating, once.
    assert [p.score for p in result.drift["anna"] if p.case == "v03"] == [6]


def test_other_scale(kit, people, setup):
    coop = comparison(kit.comparison_rows(people["coordinator"], group_name=GROUP, case_set_code=SET, scale_code="cooperatie"))
    assert coop.consensus_scores == {c: float(s[0]) for c, s in EXPERT_COOP.items()}
    assert coop.row("dirk").cell("v02").score == 9
    expected = trainee_vs_experts({c: 10 - s for c, s in SCORES["dirk"].items()}, coop.consensus_scores,
                                  scale_min=1, scale_max=9)
    assert coop.rater("dirk").icc_a1 == expected.icc_a1


# -- exports -------------------------------------------------------------------------------


def _sections(text: str) -> dict[str, list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    out, current = {}, None
    for row in rows:
        if not row:
            current = None
        elif current is None and len(row) == 1:
            current = row[0]
            out[current] = []
        elif current is not None:
            out[current].append(row)
    return out


def _num(text: str) -> float | None:
    return None if text == "" else float(text.replace(",", "."))


def test_csv_round_trip(result):
    text = to_csv(result)
    sec = _sections(text)
    assert sec["Per beoordelaar"][1][6] == "0,166667"  # anna's bias 1/6: decimal comma, six decimals
    header, *body = sec["Scores"]
    assert header == ["Beoordelaar", "Gebruikersnaam", *CASES]
    for (name, username, *cells), (u, d) in zip(body, RATERS):
        assert (name, username) == (d, u)
        assert [None if v == "" else int(v) for v in cells] == [SCORES[u][c] for c in CASES]
    assert body[-1][0] == "Consensus" and [_num(v) for v in body[-1][2:]] == [CONSENSUS[c] for c in CASES]
    header, *body = sec["Afwijking van de consensus"]
    for row, r in zip(body, result.matrix):
        assert [_num(v) for v in row[2:]] == [c.deviation for c in r.cells]

    header, *body = sec["Per beoordelaar"]
    col = {h: k for k, h in enumerate(header)}
    for row, r in zip(body, result.per_rater):
        assert row[col["Gebruikersnaam"]] == r.username
        for h, value in (("ICC(A,1)", r.icc_a1), ("Binnen één punt", r.within_one), ("Gemiddeld verschil", r.bias),
                         ("Gemiddelde absolute afwijking", r.mad), ("Met consensus", r.n),
                         ("Bland-Altman ondergrens", result.bland_altman[r.username].loa[0]),
                         ("Bland-Altman bovengrens", result.bland_altman[r.username].loa[1])):
            assert _num(row[col[h]]) == pytest.approx(value, abs=1e-6), h
        assert row[col["Minimum gebruikt"]] == ("ja" if r.used_scale_min else "nee")

    header, *body = sec["Per fragment"]
    col = {h: k for k, h in enumerate(header)}
    for row, k in zip(body, result.per_clip):
        assert row[col["Fragment"]] == k.code
        for h, value in (("Consensus", k.consensus), ("Gemiddelde", k.mean), ("Spreiding (max − min)", k.spread),
                         ("Standaardafwijking", k.sd), ("Aantal cursisten", k.n)):
            assert _num(row[col[h]]) == pytest.approx(value, abs=1e-6), h


def test_xlsx_holds_the_same_numbers(result):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(to_xlsx(result)))
    assert wb.sheetnames == ["Scores", "Per beoordelaar", "Per fragment"]
    rows = [list(r) for r in wb["Scores"].iter_rows(values_only=True)]
    start = next(k for k, r in enumerate(rows) if r[0] == "Beoordelaar")
    assert rows[start][2:] == list(CASES)
    for (u, d), r in zip(RATERS, rows[start + 1:start + 5]):
        assert r[:2] == [d, u] and r[2:] == [SCORES[u][c] for c in CASES]
    assert rows[start + 5][2:] == [CONSENSUS[c] for c in CASES]
    fill = wb["Scores"].cell(start + 4, 3).fill.start_color.rgb  # cees, v01: far
    assert fill.endswith("FF9999")

    sheet = [list(r) for r in wb["Per beoordelaar"].iter_rows(values_only=True)]
    col = {h: k for k, h in enumerate(sheet[0])}
    for row, r in zip(sheet[1:], result.per_rater):
        assert row[col["Gebruikersnaam"]] == r.username
        # openpyxl writes floats to 16 significant digits (Excel keeps 15).
        assert row[col["ICC(A,1)"]] == pytest.approx(r.icc_a1, rel=1e-14)
        assert row[col["Binnen één punt"]] == pytest.approx(r.within_one, rel=1e-14)
        assert row[col["Gemiddeld verschil"]] == pytest.approx(r.bias, rel=1e-14)
        assert row[col["Gemiddelde absolute afwijking"]] == pytest.approx(r.mad, rel=1e-14)
    sheet = [list(r) for r in wb["Per fragment"].iter_rows(values_only=True)]
    col = {h: k for k, h in enumerate(sheet[0])}
    for row, k in zip(sheet[1:], result.per_clip):
        assert row[col["Fragment"]] == k.code
        assert row[col["Standaardafwijking"]] == pytest.approx(k.sd, rel=1e-14)
        assert row[col["Spreiding (max − min)"]] == k.spread


# -- permissions and unknown names ----------------------------------------------------------


def test_cursist_is_refused(kit, people, setup):
    with pytest.raises(PermissionDenied):
        comparison(kit.comparison_rows(setup["anna"], group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit"))
    with pytest.raises(PermissionDenied):  # refused before an unknown name is looked up
        comparison(kit.comparison_rows(people["cursist"], group_name="nope", case_set_code="nope", scale_code="nope"))


def test_the_comparison_reads_each_experts_own_scores(kit, people, setup):
    """Are the comparison's expert scores those of the three experts, each on their own cases (not
    every other person paired with each score)?"""
    rows = kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit")
    assert {expert for expert, _, _ in rows.expert_scores} == set(EXPERTS)
    assert len(rows.expert_scores) == len(EXPERTS) * len(EXPERT_SENS)


@pytest.mark.parametrize("role", ["expertlezer", "personenlezer"])
def test_the_comparison_needs_each_of_its_rights(kit, people, setup, monkeypatch, role):
    """A role (roles as data) with the expert scores and everyone's ratings but not the overview of
    people, or with the overview but not everyone's ratings: is it refused the comparison of a group,
    while a trainer (all three) gets it?"""
    from oefenkit.identity import Actor
    from oefenkit.roles import ROLES_FILE_ENV

    monkeypatch.setenv(ROLES_FILE_ENV, str(PROJECT_ROOT / "tests" / "fixtures" / "roles-deelrechten.yaml"))
    partial = Actor(id=people["trainer"].id, username="deels", display_name="Deels", role=role)
    assert partial.may("read_expert_scores")
    with pytest.raises(PermissionDenied):
        kit.comparison_rows(partial, group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit")
    assert kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit")


@pytest.mark.parametrize("field, value, message", [
    ("group_name", "Onbekende groep", "Groep 'Onbekende groep' bestaat niet."),
    ("case_set_code", "geen-set", "Set 'geen-set' bestaat niet."),
    ("scale_code", "geen-schaal", "Schaal 'geen-schaal' bestaat niet."),
])
def test_unknown_names(kit, people, setup, field, value, message):
    args = {"group_name": GROUP, "case_set_code": SET, "scale_code": "sensitiviteit", field: value}
    with pytest.raises(NotFound) as exc:
        comparison(kit.comparison_rows(people["trainer"], **args))
    assert str(exc.value) == message


def test_empty_rater_row_and_no_consensus(kit, people, setup):
    """A member without ratings gets an empty row and no statistics, with a Dutch reason."""
    kit.add_person(SYSTEM, "emma", display_name="Emma Zijlstra", groups=[GROUP])
    res = comparison(kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code=SET, scale_code="sensitiviteit"))
    emma = res.rater("emma")
    assert emma.n == 0 and emma.icc_a1 is None and emma.bias is None and emma.warnings
    assert all(c.score is None for c in res.row("emma").cells)
    assert res.bland_altman["emma"].result is None and res.drift["emma"] == ()
    to_csv(res), to_xlsx(res)  # exports cope with empty values


def test_the_rows_are_read_in_one_unit_of_work_whatever_the_group_size(kit, people, setup, monkeypatch):
    """Does ``comparison_rows`` read everything in one read-only transaction, with as many SQL
    statements for a larger group as for a smaller one (no read per member, as the old façade
    loop did)?"""
    from sqlalchemy import event

    statements: list[str] = []
    units: list[dict] = []
    original = type(kit).transaction
    monkeypatch.setattr(type(kit), "transaction", lambda self, **kw: units.append(kw) or original(self, **kw))

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def read() -> int:
        statements.clear()
        event.listen(kit.engine, "before_cursor_execute", count)
        try:
            rows = kit.comparison_rows(people["trainer"], group_name=GROUP, case_set_code=SET,
                                       scale_code="sensitiviteit")
        finally:
            event.remove(kit.engine, "before_cursor_execute", count)
        return len(rows.raters), len(statements)

    raters, before = read()
    for n in range(3):
        kit.add_person(SYSTEM, f"extra{n}", display_name=f"Extra {n}", groups=[GROUP])
    units.clear()
    more, after = read()
    assert more == raters + 3
    assert units == [{"readonly": True}]
    assert after == before
