"""``oefenkit requirements record|show`` through the installed script of the runtime environment
(tests/runtime_env.py): a trainer's records on the command line, the progress as text and JSON, and
the exit status of bad input (1), an unknown person or programme (1) and a database that was never
initialised (3), with nothing stored.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess

import pytest
from sqlalchemy import func, select

from oefenkit.identity import SYSTEM
from oefenkit.storage import models as m
from oefenkit.storage.exams import LOCAL_TZ

from .live_server import OEFENKIT
from .test_cli import Runner, clean_environment  # noqa: F401 - the autouse fixture applies here too


def script(data_dir, *args: str) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEFENKIT_")}
    result = subprocess.run([str(OEFENKIT), "--data-dir", str(data_dir), *args], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    return result.returncode, result.stdout, result.stderr


@pytest.fixture
def data_dir(tmp_path, capsys, monkeypatch):
    """An initialised data folder with cursist ``anna``."""
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    code, _, err = run("init")
    assert code == 0, err
    kit = run.kit()
    try:
        kit.add_person(SYSTEM, "anna", role="cursist", display_name="Anna de Vries")
    finally:
        kit.engine.dispose()
    return tmp_path / "data"


def _count(run) -> int:
    kit = run.kit()
    try:
        with kit.transaction() as s:
            return s.scalar(select(func.count()).select_from(m.RequirementRecord))
    finally:
        kit.engine.dispose()


def test_record_twice_then_show_as_text_and_json(data_dir):
    """Do two recorded dagdelen show as done (text and JSON, with their dates), with the proposal waiting?"""
    yesterday = dt.datetime.now(LOCAL_TZ).date() - dt.timedelta(days=1)
    code, out, err = script(data_dir, "requirements", "record", "anna", "babytijd", "train-de-trainer",
                            "--date", yesterday.isoformat(), "--note", "Eerste dagdeel")
    assert code == 0, err
    assert out.strip() == f"Vastgelegd voor anna: train-de-trainer op {yesterday:%d-%m-%Y} (1 van 2)."
    code, out, err = script(data_dir, "requirements", "record", "anna", "babytijd", "train-de-trainer")
    assert code == 0, err
    assert "(2 van 2)" in out and "voorstel wacht" in out
    code, out, err = script(data_dir, "requirements", "show", "anna", "babytijd")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Uitvoerder Babytijd — anna"
    assert lines[1].startswith("  [x] De train-de-trainer gevolgd") and f"{yesterday:%d-%m-%Y}" in lines[1]
    assert lines[2].startswith("  [ ] De zes lesmodules") and "(aanbevolen): 0 van 6" in lines[2]
    assert "Terugkomdag, elke 2 jaar: nog niet vastgelegd" in out
    code, out, err = script(data_dir, "requirements", "show", "anna", "babytijd", "--json")
    assert code == 0, err
    data = json.loads(out)
    tdt = data["requirements"][0]
    assert (tdt["code"], tdt["kind"], tdt["count"], tdt["done_count"], tdt["done"]) == \
        ("train-de-trainer", "attendance", 2, 2, True)
    assert tdt["dates"][0] == yesterday.isoformat() and tdt["evidence"][0]["note"] == "Eerste dagdeel"
    assert data["complete"] is True and data["proposal"] == "open" and data["certificate"] is None


@pytest.mark.parametrize("args, exit_code, message", [
    (["anna", "babytijd", "train-de-trainer", "--date", "7-12-2026"], 1, "JJJJ-MM-DD"),
    (["anna", "babytijd", "train-de-trainer", "--date", "2999-01-01"], 1, "toekomst"),
    (["anna", "babytijd", "supervisie"], 1, "kent geen eis"),
    (["anna", "babytijd", "lesmodules"], 1, "houdt de kit zelf bij"),
    (["anna", "onbekend", "train-de-trainer"], 1, "bestaat niet"),
    (["niemand", "babytijd", "train-de-trainer"], 1, "bestaat niet"),
])
def test_bad_records_are_refused_with_exit_1_and_store_nothing(data_dir, args, exit_code, message, capsys,
                                                               monkeypatch):
    """Is each bad record one Dutch line on stderr with exit 1, and nothing stored?"""
    code, out, err = script(data_dir, "requirements", "record", *args)
    assert code == exit_code and out == "" and err.startswith("Fout: ") and message in err
    assert "Traceback" not in err
    assert _count(Runner(data_dir, capsys, monkeypatch)) == 0


def test_show_of_an_unknown_programme_and_an_empty_database(data_dir, tmp_path):
    """Is showing an unknown programme exit 1, a database never initialised exit 3 (pointing to init),
    and a missing argument exit 2 (argparse, in Dutch)?"""
    code, _, err = script(data_dir, "requirements", "show", "anna", "onbekend")
    assert code == 1 and "bestaat niet" in err
    code, _, err = script(tmp_path / "leeg", "requirements", "show", "anna", "babytijd")
    assert code == 3 and "oefenkit init" in err
    code, _, err = script(data_dir, "requirements", "record", "anna")
    assert code == 2 and "ontbreken" in err


def test_help_is_dutch(capsys):
    """Do the requirements commands explain themselves in Dutch?"""
    from oefenkit.cli import main

    for args in (["requirements", "-h"], ["requirements", "record", "-h"], ["requirements", "show", "-h"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert out.startswith("gebruik: ") and "toon deze hulptekst" in out


def test_certificates_verify_and_list_name_a_registration(data_dir, capsys, monkeypatch):
    """Does ``certificates verify`` call an accepted Babytijd path a registration that is active (and,
    after its two years without terugkomdag, "verlopen: terugkomdag gemist"), and does the register
    mark it as a registration?"""
    from sqlalchemy import update

    from oefenkit.programmes import load_paths
    from oefenkit.settings import PROJECT_ROOT

    run = Runner(data_dir, capsys, monkeypatch)
    kit = run.kit()
    try:
        paths = load_paths(PROJECT_ROOT / "content")
        for _ in range(2):
            kit.record_requirement(SYSTEM, "anna", "babytijd", "train-de-trainer", paths=paths)
        [proposal] = kit.list_open_proposals(SYSTEM)
        code = kit.decide_certificate(SYSTEM, proposal["decision_id"], accept=True, rules={})["certificate"].code
    finally:
        kit.engine.dispose()
    status, out, _ = run("certificates", "verify", code)
    assert status == 0 and out.startswith("Registratie als uitvoerder (actief): Anna de Vries, ")
    # what was completed, with dates, and who issued it: the same as on the PDF
    assert "Afgerond:\n  - De train-de-trainer gevolgd" in out
    assert ("Uitgegeven door de organisatie die deze training geeft met Oefenkit. Dit is geen certificaat "
            "van Van Veldhuizen Stichting (VVS)") in out
    monkeypatch.setenv("OEFENKIT_ORGANISATION", "Van Veldhuizen Stichting (VVS)")
    monkeypatch.setenv("OEFENKIT_OWNS_PROGRAMMES", "babytijd")
    status, out, _ = run("certificates", "verify", code)
    assert "Uitgegeven door Van Veldhuizen Stichting (VVS), eigenaar van het programma Babytijd, met Oefenkit." in out
    monkeypatch.delenv("OEFENKIT_ORGANISATION")
    monkeypatch.delenv("OEFENKIT_OWNS_PROGRAMMES")
    status, out, _ = run("certificates", "list")
    assert status == 0 and out.rstrip().endswith("geldig (registratie)")
    kit = run.kit()
    try:
        with kit.transaction() as s:
            s.execute(update(m.Certificate).values(valid_until=dt.datetime(2020, 1, 1, 12, tzinfo=dt.timezone.utc)))
    finally:
        kit.engine.dispose()
    status, out, _ = run("certificates", "verify", code)
    assert status == 0 and "(verlopen: terugkomdag gemist)" in out and "was actief tot 1 januari 2020" in out
