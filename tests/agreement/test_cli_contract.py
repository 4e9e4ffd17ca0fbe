"""``oefenkit agreement``: published values through the installed command, and its JSON contract.

The contract (``oefenkit/agreement/summary.py``, issue "agreement --json"):
``oefenkit agreement RATINGS.csv --json [--scale-min N --scale-max M]`` reads a
``rater,item,score[,scale]`` CSV (empty score = missing) and prints one JSON
object; a statistic that cannot be computed is ``null`` and ``warnings`` says
why; with a scale column the object is ``{"scales": {name: {...}}}``; without
``--json`` it prints a Dutch table.

Where the expected numbers come from. This file adds no reference value of its
own: every number is one a statistics test already pins, at the precision that
test uses, from the same source.

* Shrout & Fleiss (1979) Table 4 and psych::ICC — ``test_icc.py``
  (``SHROUT_FLEISS_PUBLISHED``, ``PSYCH_PRINTED``; ``reference/shrout_fleiss_icc.R``,
  ``reference/shrout_fleiss_icc_pingouin.py``).
* Krippendorff (2011), which is irrCAC's ``cac.raw4raters`` transposed —
  ``test_krippendorff.py`` (alpha), ``test_gwet.py`` (AC1, AC2), ``test_kappa.py``
  (Fleiss), ``test_percent.py`` (percent agreement); ``reference/irrcac_reference.R``,
  ``reference/cac_raw4raters.R``.
* Fleiss (1971) ``diagnoses``; its first 15 rows, irrCAC's ``distrib.6raters``; the
  Wikipedia Fleiss example; the SAS PROC FREQ 3 × 3 table — ``test_kappa.py``,
  ``test_gwet.py``; ``reference/datasets.py``, ``reference/make_reference_values.py``.
* Bland & Altman (1986) PEFR — ``test_blandaltman.py``, ``reference/pefr_bland_altman.py``.

``reference/cli_datasets.py`` writes each data set as the CSV a trainer would
export. Each data set runs once through the real console script (``oefenkit``
next to the running interpreter) as a subprocess; the outputs are cached per
module. Bad input, the semicolon files and the small edge cases run in-process
through ``oefenkit.cli.main``, the same code without a second of interpreter start.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from oefenkit import cli
from oefenkit.agreement import Ratings
from oefenkit.agreement.gwet import gwet_ac1

from ..live_server import OEFENKIT  # the kit as it ships (tests/runtime_env.py)
from .reference import datasets as data
from .reference import naive
from .reference.cli_datasets import default_raters, long_rows, write_ratings_csv
from .test_blandaltman import MINI_WRIGHT, WRIGHT
from .test_icc import PSYCH_PRINTED, SHROUT_FLEISS, SHROUT_FLEISS_PUBLISHED, assert_as_printed

#: The published data sets (items × raters, ``nan`` = missing) and their rater labels.
#: Wikipedia's example and ``distrib.6raters`` are count tables: which rater gave which
#: category is unknown, so only statistics that use per-item counts alone (Fleiss' kappa,
#: AC1) are compared for them — as ``test_kappa.py`` and ``test_gwet.py`` do.
DATASETS: dict[str, tuple[np.ndarray, list[str]]] = {
    "shrout_fleiss": (SHROUT_FLEISS, default_raters(4)),
    "krippendorff_2011": (data.CAC_RAW4RATERS, default_raters(4)),
    "fleiss_1971": (data.FLEISS_1971_DIAGNOSES, default_raters(6)),
    "distrib_6raters": (data.FLEISS_1971_DIAGNOSES[:15], default_raters(6)),
    "wikipedia_fleiss": (data.counts_to_matrix(data.WIKIPEDIA_FLEISS_COUNTS), default_raters(14)),
    "sas_table10": (data.table_to_pairs(data.SAS_TABLE10), default_raters(2)),
    # The command orders raters by name and takes first − second: Wright − mini, as the paper.
    "pefr": (np.c_[WRIGHT, MINI_WRIGHT], ["1-wright", "2-mini"]),
}

ICC_KEYS = {"value", "F", "df1", "df2", "p", "ci95"}
ICC_FORMS = {"ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
ALWAYS = {"n_items", "n_raters", "icc", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "gwet_ac2",
          "percent_agreement", "warnings"}
TWO_RATERS_ONLY = {"cohen_kappa", "bland_altman"}


# -- helpers ------------------------------------------------------------------------------


def _no_constant(name: str) -> Any:
    raise AssertionError(f"non-finite number {name} in the JSON output")


def strict_json(text: str) -> dict[str, Any]:
    """Parse the command's stdout; NaN or ±Infinity anywhere fails the test."""
    return json.loads(text, parse_constant=_no_constant)


def run_oefenkit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    assert OEFENKIT.exists(), f"the console script {OEFENKIT} is not installed (pip install -e .)"
    return subprocess.run([str(OEFENKIT), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``oefenkit.cli.main(args)`` in-process: exit code, stdout, stderr."""
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def csv_of(path: Path, name: str, **kwargs) -> Path:
    matrix, raters = DATASETS[name]
    return write_ratings_csv(path, long_rows(matrix, raters), **kwargs)


def null_statistics(summary: dict[str, Any]) -> list[str]:
    """Paths of the statistics that are ``null`` (an infinite ICC F is not a statistic of its own)."""
    nulls = [f"icc.{f}" for f, r in summary["icc"].items() if r is None]
    for key in ("cohen_kappa", "krippendorff_alpha", "gwet_ac2", "percent_agreement"):
        nulls += [f"{key}.{k}" for k, v in summary.get(key, {}).items() if v is None]
    nulls += [k for k in ("fleiss_kappa", "gwet_ac1", "bland_altman") if k in summary and summary[k] is None]
    return nulls


def assert_contract(summary: dict[str, Any]) -> None:
    """Keys exactly as in the contract, pairs as 2-lists, plain finite numbers, one warning per null."""
    two = summary["n_raters"] == 2
    assert set(summary) == ALWAYS | (TWO_RATERS_ONLY if two else set())
    assert type(summary["n_items"]) is int and type(summary["n_raters"]) is int
    assert set(summary["icc"]) == ICC_FORMS
    for form, r in summary["icc"].items():
        if r is None:
            continue
        assert set(r) == ICC_KEYS, form
        assert type(r["df1"]) is int and type(r["df2"]) is int
        assert isinstance(r["ci95"], list) and len(r["ci95"]) == 2
        assert all(type(v) is float for v in (r["value"], r["p"], *r["ci95"]))
        assert r["F"] is None or type(r["F"]) is float
    assert set(summary["krippendorff_alpha"]) == {"nominal", "ordinal", "interval", "ratio"}
    assert set(summary["gwet_ac2"]) == {"linear", "quadratic"}
    assert set(summary["percent_agreement"]) == {"exact", "within_1", "pairwise"}
    assert all(v is None or 0.0 <= v <= 1.0 for v in summary["percent_agreement"].values())
    if two:
        assert set(summary["cohen_kappa"]) == {"unweighted", "linear", "quadratic"}
        ba = summary["bland_altman"]
        if ba is not None:
            assert set(ba) == {"bias", "sd", "loa"}
            assert isinstance(ba["loa"], list) and len(ba["loa"]) == 2
    scalars = [summary["fleiss_kappa"], summary["gwet_ac1"], *summary["krippendorff_alpha"].values(),
               *summary["gwet_ac2"].values(), *summary.get("cohen_kappa", {}).values()]
    assert all(v is None or (type(v) is float and math.isfinite(v)) for v in scalars)
    assert isinstance(summary["warnings"], list) and all(isinstance(w, str) for w in summary["warnings"])
    assert len(summary["warnings"]) == len(null_statistics(summary)), (summary["warnings"], null_statistics(summary))


@pytest.fixture(scope="module")
def agreement_json(tmp_path_factory):
    """``oefenkit agreement <data set>.csv --json [options]`` through the console script, once per module."""
    cache: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}

    def run(name: str, *options: str) -> dict[str, Any]:
        if (name, options) not in cache:
            folder = tmp_path_factory.mktemp(name)
            path = csv_of(folder / f"{name}.csv", name)
            proc = run_oefenkit("agreement", str(path), "--json", *options, cwd=folder)
            assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
            cache[(name, options)] = strict_json(proc.stdout)
        return cache[(name, options)]

    return run


# -- 1. published values through the command ------------------------------------------------


def test_shrout_fleiss_icc_through_the_command(agreement_json):
    """Does the command print Shrout & Fleiss' six ICCs, and psych's F, df, p and 95 % limits, as published?"""
    out = agreement_json("shrout_fleiss")
    assert (out["n_items"], out["n_raters"]) == (6, 4)
    for form, printed in SHROUT_FLEISS_PUBLISHED.items():
        assert_as_printed(out["icc"][form]["value"], printed)
    for form, (value, F, df1, df2, p, lo, hi) in PSYCH_PRINTED.items():
        r = out["icc"][form]
        assert_as_printed(r["value"], value)
        assert_as_printed(r["F"], F)
        assert (r["df1"], r["df2"]) == (df1, df2)
        assert_as_printed(r["p"], p)
        assert_as_printed(r["ci95"][0], lo)
        assert_as_printed(r["ci95"][1], hi)
    assert out["warnings"] == []


def test_krippendorff_2011_and_irrcac_raw4raters_through_the_command(agreement_json):
    """Does the 4 × 12 example with gaps give Krippendorff's alphas and irrCAC's AC1, AC2, Fleiss and p_a?"""
    out = agreement_json("krippendorff_2011")
    assert (out["n_items"], out["n_raters"]) == (12, 4)
    alpha = out["krippendorff_alpha"]
    # Krippendorff (2011); ordinal .815 as test_krippendorff.py pins it (krippendorff package, pairs).
    assert {lv: round(v, 3) for lv, v in alpha.items()} == {
        "nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    assert round(alpha["nominal"], 5) == 0.74342  # irrCAC krippen.alpha.raw
    assert round(out["gwet_ac1"], 5) == 0.77544  # irrCAC gwet.ac1.raw
    # irrCAC gwet.ac1.raw(weights = ...), 3 decimals as the irrCAC Python port's tests
    assert {w: round(v, 3) for w, v in out["gwet_ac2"].items()} == {"linear": 0.859, "quadratic": 0.914}
    assert round(out["fleiss_kappa"], 5) == 0.76117  # irrCAC fleiss.kappa.raw
    pa = out["percent_agreement"]
    assert round(pa["pairwise"], 7) == 0.8181818  # irrCAC pa.coeff.raw
    assert (pa["exact"], pa["within_1"]) == (5 / 8, 7 / 8)  # irr::agree rule, reference/cac_raw4raters.R
    assert out["warnings"] == []


def test_fleiss_1971_through_the_command(agreement_json):
    """Is Fleiss' kappa of the 30 patients × 6 psychiatrists .430, as Fleiss (1971) publishes?"""
    out = agreement_json("fleiss_1971")
    assert (out["n_items"], out["n_raters"]) == (30, 6)
    assert round(out["fleiss_kappa"], 3) == 0.430


def test_irrcac_distrib_6raters_through_the_command(agreement_json):
    """Do the 15 rows of distrib.6raters give irrCAC's Fleiss 0.4139265 and AC1 0.4448007?"""
    out = agreement_json("distrib_6raters")
    assert (out["n_items"], out["n_raters"]) == (15, 6)
    assert round(out["fleiss_kappa"], 7) == 0.4139265  # fleiss.kappa.dist
    assert round(out["gwet_ac1"], 7) == 0.4448007  # gwet.ac1.dist


def test_wikipedia_fleiss_example_through_the_command(agreement_json):
    """Is Fleiss' kappa of Wikipedia's 10 subjects × 14 raters 0.210?"""
    out = agreement_json("wikipedia_fleiss")
    assert (out["n_items"], out["n_raters"]) == (10, 14)
    assert round(out["fleiss_kappa"], 3) == 0.210


def test_sas_cohen_kappa_through_the_command(agreement_json):
    """Does the SAS PROC FREQ table, as 19 rating pairs, give simple kappa .4842 and weighted .4701?"""
    out = agreement_json("sas_table10")
    assert (out["n_items"], out["n_raters"]) == (19, 2)
    assert round(out["cohen_kappa"]["unweighted"], 4) == 0.4842
    assert round(out["cohen_kappa"]["linear"], 4) == 0.4701  # Cicchetti–Allison = linear weights


def test_bland_altman_pefr_through_the_command(agreement_json, tmp_path, capsys):
    """Are bias and SD Bland & Altman's −2.1 and 38.8, and the 1.96 SD limits the pinned ones in both orders?"""
    out = agreement_json("pefr")
    assert (out["n_items"], out["n_raters"]) == (17, 2)
    ba = out["bland_altman"]
    assert (round(ba["bias"], 1), round(ba["sd"], 1)) == (-2.1, 38.8)  # Bland & Altman (1986), Wright − mini
    # The paper's limits use 2 SD; the command uses 1.96. Wright − mini at 1.96:
    # reference/pefr_bland_altman.py prints −78.0973, 73.8620 (also the bland_altman doctest).
    assert [round(v, 1) for v in ba["loa"]] == [-78.1, 73.9]
    # mini − Wright: Analyse-it's published 2.1 and −73.9 to 78.1 (test_pefr_limits_at_1_96_match_analyse_it).
    mini_first = long_rows(np.c_[WRIGHT, MINI_WRIGHT], ["2-wright", "1-mini"])
    swapped = write_ratings_csv(tmp_path / "mini_first.csv", mini_first)
    code, stdout, _ = run_main(capsys, "agreement", str(swapped), "--json")
    ba = strict_json(stdout)["bland_altman"]
    assert code == 0
    assert round(ba["bias"], 1) == 2.1 and round(ba["sd"], 1) == 38.8
    assert [round(v, 1) for v in ba["loa"]] == [-73.9, 78.1]


# -- 2. the shape of the contract ---------------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_output_keeps_the_contract(agreement_json, name):
    """Has every output exactly the contract's keys (Cohen and Bland–Altman only for two raters), finite numbers?"""
    out = agreement_json(name)
    assert_contract(out)
    assert ("cohen_kappa" in out) is ("bland_altman" in out) is (out["n_raters"] == 2)


# -- 3. the declared scale ---------------------------------------------------------------------


def test_declared_scale_spreads_ac1_chance_over_all_nine_categories(agreement_json):
    """Does --scale-min 1 --scale-max 9 change AC1 (irrCAC with categ.labels = 1:9) but not Fleiss, alpha or ICC?"""
    plain = agreement_json("krippendorff_2011")
    declared = agreement_json("krippendorff_2011", "--scale-min", "1", "--scale-max", "9")
    assert_contract(declared)
    assert abs(declared["gwet_ac1"] - plain["gwet_ac1"]) > 1e-3
    # irrcac_reference.R: gwet.ac1.raw(cac.raw4raters, categ.labels = 1:9); no printed value, so
    # compared with the line-by-line irrCAC transcription that test_gwet.py checks against.
    expected = naive.irrcac(data.CAC_RAW4RATERS, "gwet", "unweighted", categories=range(1, 10))["value"]
    assert declared["gwet_ac1"] == pytest.approx(expected, abs=1e-12)
    assert declared["gwet_ac1"] == pytest.approx(
        gwet_ac1(Ratings.from_matrix(data.CAC_RAW4RATERS, scale_min=1, scale_max=9)).value, abs=1e-12)
    assert declared["fleiss_kappa"] == pytest.approx(plain["fleiss_kappa"], abs=1e-12)
    assert declared["krippendorff_alpha"] == pytest.approx(plain["krippendorff_alpha"], abs=1e-12)
    assert declared["icc"] == plain["icc"]


def test_score_outside_the_declared_scale_is_refused(tmp_path, capsys):
    """Is a 10 on a declared 1–9 scale exit code 1 with one Dutch 'Fout:' line and nothing on stdout?"""
    path = write_ratings_csv(tmp_path / "r.csv", [["A", "1", "3"], ["B", "1", "10"], ["A", "2", "5"], ["B", "2", "6"]])
    code, out, err = run_main(capsys, "agreement", str(path), "--json", "--scale-min", "1", "--scale-max", "9")
    assert (code, out) == (1, "")
    assert err == "Fout: Er zijn scores buiten de schaal 1–9.\n"


@pytest.mark.parametrize("option", [["--scale-min", "1"], ["--scale-max", "9"]])
def test_half_a_declared_scale_is_refused(tmp_path, capsys, option):
    """Is --scale-min without --scale-max (or the reverse) exit code 1 with a Dutch message?"""
    path = csv_of(tmp_path / "sf.csv", "shrout_fleiss")
    code, out, err = run_main(capsys, "agreement", str(path), "--json", *option)
    assert (code, out) == (1, "")
    assert err == "Fout: Geef --scale-min en --scale-max samen op.\n"


# -- 4. a scale column ----------------------------------------------------------------------------


def test_scale_column_gives_one_block_per_scale(agreement_json, tmp_path):
    """With a scale column, is each scale a block computed on its own rows only (same labels in both)?"""
    coop = long_rows(SHROUT_FLEISS, default_raters(4), scale="cooperatie")
    sens = long_rows(data.CAC_RAW4RATERS, default_raters(4), scale="sensitiviteit")
    rows = [r for pair in zip(sens, coop) for r in pair] + sens[len(coop):]  # interleaved on purpose
    assert len(rows) == len(coop) + len(sens)
    path = write_ratings_csv(tmp_path / "scales.csv", rows)
    proc = run_oefenkit("agreement", str(path), "--json", cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    out = strict_json(proc.stdout)
    assert list(out) == ["scales"]
    assert set(out["scales"]) == {"cooperatie", "sensitiviteit"}
    for block in out["scales"].values():
        assert_contract(block)
    coop_out, sens_out = out["scales"]["cooperatie"], out["scales"]["sensitiviteit"]
    assert (coop_out["n_items"], sens_out["n_items"]) == (6, 12)
    assert_as_printed(coop_out["icc"]["ICC2"]["value"], SHROUT_FLEISS_PUBLISHED["ICC2"])
    assert round(sens_out["gwet_ac1"], 5) == 0.77544
    # Each block is exactly the single-scale run on that block's rows.
    assert coop_out == agreement_json("shrout_fleiss")
    assert sens_out == agreement_json("krippendorff_2011")


# -- 5. bad input -------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


BAD_FILES = {
    "non-numeric score": ("rater,item,score\nA,1,3\nB,1,vijf\n", ["Regel 3", "'vijf'", "geen getal"]),
    "duplicate pair": ("rater,item,score\nA,1,3\nB,1,4\nA,1,5\n", ["Regel 4", "'A'", "'1'", "regel 2"]),
    "missing column": ("rater,score\nA,3\nB,4\n", ["item", "ontbreken", "rater,item,score"]),
    "empty file": ("", ["rater, item, score", "ontbreken"]),
    "header only": ("rater,item,score\n", ["geen beoordelingen"]),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_one_dutch_error_line(tmp_path, capsys, case):
    """Is malformed input exit code 1 with one Dutch 'Fout:' line that points at the problem, and no traceback?"""
    text, words = BAD_FILES[case]
    code, out, err = run_main(capsys, "agreement", str(_write(tmp_path / "r.csv", text)), "--json")
    assert (code, out) == (1, "")
    assert err.startswith("Fout: ") and err.count("\n") == 1, err
    for word in words:
        assert word in err, (word, err)


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_unreadable_path_is_a_dutch_error(tmp_path, capsys, make):
    """Is a file that does not exist (or a folder) exit code 1 with a Dutch message, not a traceback?"""
    path = tmp_path / "bestaat_niet.csv"
    if make == "directory":
        path = tmp_path / "map"
        path.mkdir()
    code, out, err = run_main(capsys, "agreement", str(path), "--json")
    assert (code, out) == (1, "")
    assert err == (f"Fout: Bestand {path} bestaat niet.\n" if make == "missing"
                   else f"Fout: {path} is een map, geen bestand.\n")


def test_one_rater_gives_nulls_with_reasons(tmp_path, capsys):
    """With one rater, are all ICCs (and the other agreement statistics) null, each with a Dutch reason?"""
    path = write_ratings_csv(tmp_path / "r.csv", long_rows(SHROUT_FLEISS[:, :1]))
    code, stdout, err = run_main(capsys, "agreement", str(path), "--json")
    assert (code, err) == (0, "")
    out = strict_json(stdout)
    assert_contract(out)
    assert (out["n_items"], out["n_raters"]) == (6, 1)
    assert out["icc"] == dict.fromkeys(ICC_FORMS)
    assert "cohen_kappa" not in out and "bland_altman" not in out
    for form in ICC_FORMS:
        assert any(w.startswith(f"ICC ({form})") and "twee beoordelaars" in w for w in out["warnings"])
    # The table shows the same: a dash for each null and the reasons under it.
    code, table, _ = run_main(capsys, "agreement", str(path))
    assert code == 0
    assert re.search(r"^ICC\(A,1\) / ICC\(2,1\)\s+–$", table, re.M)
    assert "Let op: ICC (ICC2): ICC vraagt minstens twee beoordelaars" in table


@pytest.mark.parametrize("n_raters", [2, 3])
def test_constant_ratings_give_nulls_not_nan(tmp_path, capsys, n_raters):
    """When everyone scores 5, are the chance-corrected statistics null with a reason, and agreement 100 %?"""
    path = write_ratings_csv(tmp_path / "r.csv", long_rows(np.full((4, n_raters), 5.0)))
    code, stdout, err = run_main(capsys, "agreement", str(path), "--json")
    assert (code, err) == (0, "")
    out = strict_json(stdout)
    assert_contract(out)
    assert out["icc"] == dict.fromkeys(ICC_FORMS)
    assert out["fleiss_kappa"] is None and out["gwet_ac1"] is None
    assert set(out["krippendorff_alpha"].values()) == {None}
    assert out["percent_agreement"] == {"exact": 1.0, "within_1": 1.0, "pairwise": 1.0}
    assert any("Alle scores zijn gelijk" in w for w in out["warnings"])
    if n_raters == 2:
        assert set(out["cohen_kappa"].values()) == {None}
        assert out["bland_altman"] == {"bias": 0.0, "sd": 0.0, "loa": [0.0, 0.0]}


def test_item_nobody_scored_counts_but_changes_no_statistic(tmp_path, capsys):
    """Does an item with only empty scores count in n_items (it is in the file) and leave every statistic as is?"""
    rows = long_rows(data.CAC_RAW4RATERS)
    blank = rows + [[r, "13", ""] for r in default_raters(4)]
    outs = []
    for name, content in (("plain", rows), ("blank", blank)):
        code, stdout, err = run_main(capsys, "agreement", str(write_ratings_csv(tmp_path / f"{name}.csv", content)),
                                     "--json")
        assert (code, err) == (0, "")
        outs.append(strict_json(stdout))
    plain, with_blank = outs
    assert_contract(with_blank)
    assert (plain["n_items"], with_blank["n_items"]) == (12, 13)
    assert {**with_blank, "n_items": 12} == plain


# -- 6. the Dutch table -------------------------------------------------------------------------------


def test_table_is_dutch_with_decimal_commas(tmp_path):
    """Without --json, is the table Dutch, with decimal commas, showing Shrout & Fleiss' ICC(2,1) as 0,290?"""
    path = csv_of(tmp_path / "sf.csv", "shrout_fleiss")
    proc = run_oefenkit("agreement", str(path), cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (0, "")
    table = proc.stdout
    for label in ("Aantal items", "Aantal beoordelaars", "Fleiss' kappa", "Krippendorffs alfa, nominaal",
                  "Gwets AC1", "Overeenstemming, exact gelijk"):
        assert label in table, label
    assert re.search(r"^Aantal beoordelaars\s+4$", table, re.M)
    # ICC(2,1) = 0.2897637795 (reference/shrout_fleiss_icc_pingouin.py); published .29.
    assert re.search(r"^ICC\(A,1\) / ICC\(2,1\)\s+0,290 ", table, re.M)
    assert not re.search(r"\d\.\d", table), "a decimal point instead of a comma"
    assert "cohen" not in table.lower() and "Bland" not in table  # four raters


# -- 7. files as Dutch Excel writes them -------------------------------------------------------------


@pytest.mark.parametrize("delimiter, encoding", [(";", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8")],
                         ids=["semicolon", "semicolon with BOM", "tab"])
def test_semicolon_and_tab_files_read_like_comma_files(agreement_json, tmp_path, capsys, delimiter, encoding):
    """Does a ';'- (Dutch Excel) or tab-separated file give exactly the comma file's result?"""
    path = csv_of(tmp_path / "sf.csv", "shrout_fleiss", delimiter=delimiter, encoding=encoding)
    assert delimiter in path.read_text(encoding="utf-8-sig").splitlines()[0]
    code, stdout, err = run_main(capsys, "agreement", str(path), "--json")
    assert (code, err) == (0, "")
    assert strict_json(stdout) == agreement_json("shrout_fleiss")


def test_decimal_commas_in_a_semicolon_file(tmp_path, capsys):
    """Are '4,5'-style half points in a ';' file read as 4.5, the same as '4.5' in a comma file?"""
    halves = np.array([[4.5, 5.0], [7.0, 7.5], [2.0, 3.0], [6.5, 6.0], [np.nan, 8.0]])
    outs = []
    for name, options in (("comma", {}), ("excel", {"delimiter": ";", "decimal_comma": True})):
        path = write_ratings_csv(tmp_path / f"{name}.csv", long_rows(halves), **options)
        code, stdout, err = run_main(capsys, "agreement", str(path), "--json")
        assert (code, err) == (0, ""), err
        outs.append(strict_json(stdout))
    assert "4,5" in (tmp_path / "excel.csv").read_text()
    assert outs[0] == outs[1]
    assert outs[1]["bland_altman"]["bias"] == pytest.approx(np.nanmean(halves[:, 0] - halves[:, 1]), abs=1e-12)
