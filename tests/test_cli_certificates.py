"""The ``oefenkit certificates`` and AVG ``oefenkit users export/delete`` commands, in-process.

The verification of a certificate's PDF code on both databases is in ``tests/test_certificates.py``.
"""

from __future__ import annotations

import json

import pytest

from oefenkit.certification import load_rules
from oefenkit.errors import NotFound
from oefenkit.identity import SYSTEM
from oefenkit.instance import FIRST_ADMIN_USERNAME
from oefenkit.settings import PROJECT_ROOT

from .test_cli import Runner, clean_environment  # noqa: F401 - the autouse fixture applies here too


@pytest.fixture
def initialised(tmp_path, capsys, monkeypatch):
    run = Runner(tmp_path / "data", capsys, monkeypatch)
    code, _, err = run("init")
    assert code == 0, err
    return run


def certified(run, username: str = "cursist1") -> str:
    """Add ``username`` with an accepted passing proposal; return the certificate's code."""
    kit = run.kit()
    try:
        kit.add_person(SYSTEM, username, role="cursist", display_name="Cursist Een")
        proposal = kit.add_certification_decision(SYSTEM, username, "ouder-baby", passed=True, reasons=["Geslaagd."],
                                                  statistics={}, rule={})
        return kit.decide_certificate(SYSTEM, proposal, accept=True,
                                      rules=load_rules(PROJECT_ROOT / "content"))["certificate"].code
    finally:
        kit.engine.dispose()


def test_certificates_verify_and_list(initialised):
    """Does ``certificates verify`` confirm a code in Dutch (exit 0), refuse an unknown one (exit 1),
    and ``certificates list`` show the register with its status?"""
    run = initialised
    code, out, _ = run("certificates", "list")
    assert code == 0 and "nog geen certificaten" in out
    cert = certified(run)
    code, out, _ = run("certificates", "verify", cert)
    assert code == 0 and out.startswith("Geldig certificaat: Cursist Een, ") and "geldig tot" in out
    code, out, err = run("certificates", "verify", "OK-AAAA-BBBB-CCCC")
    assert code == 1 and out == "" and err.startswith("Fout: ") and "verificatiecode" in err
    code, out, _ = run("certificates", "list")
    assert code == 0 and cert in out and "cursist1" in out and out.rstrip().endswith("geldig")
    code, out, _ = run("certificates", "list", "--expiring", "10000")
    assert code == 0 and out.rstrip().endswith("verloopt binnenkort")
    code, _, err = run("certificates", "list", "--expiring", "-1")
    assert code == 1 and err.startswith("Fout: ")


def test_users_export(initialised, tmp_path):
    """Does ``users export`` print the person's data as JSON (no password hash), or write it to
    --out, and refuse an unknown name?"""
    run = initialised
    code, _, err = run("users", "add", "cursist1", "--role", "cursist", "--password-stdin",
                       stdin="geheim-wachtwoord\n")
    assert code == 0, err
    code, out, _ = run("users", "export", "cursist1")
    data = json.loads(out)
    assert code == 0 and data["account"]["username"] == "cursist1" and "argon2" not in out
    target = tmp_path / "export.json"
    code, out, _ = run("users", "export", "cursist1", "--out", str(target))
    assert code == 0 and str(target) in out
    assert json.loads(target.read_text(encoding="utf-8"))["account"]["username"] == "cursist1"
    code, _, err = run("users", "export", "niemand")
    assert code == 1 and err.startswith("Fout: ")


def test_users_delete_needs_yes(initialised):
    """Does ``users delete`` refuse without --yes (nothing removed), delete with it, and refuse the
    last coördinator?"""
    run = initialised
    certified(run)
    code, _, err = run("users", "delete", "cursist1")
    assert code == 1 and "--yes" in err
    kit = run.kit()
    assert kit.find_person("cursist1")
    code, out, err = run("users", "delete", "cursist1", "--yes")
    assert code == 0, err
    assert "verwijderd" in out
    with pytest.raises(NotFound):
        kit.find_person("cursist1")
    code, _, err = run("users", "delete", FIRST_ADMIN_USERNAME, "--yes")
    assert code == 1 and "laatste actieve coördinator" in err
    kit.engine.dispose()


def test_new_commands_have_dutch_help(capsys):
    """Do the new commands explain themselves in Dutch?"""
    from oefenkit.cli import main

    for args in (["certificates", "verify", "-h"], ["users", "delete", "-h"], ["users", "export", "-h"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert out.startswith("gebruik: ") and "toon deze hulptekst" in out
