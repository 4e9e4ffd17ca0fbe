"""The ``oefenkit`` command, run in-process (and once as the installed script).

Every command gets ``--data-dir`` pointing into ``tmp_path``, so nothing is
written to the real home directory.
"""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from oefenkit.cli import main
from oefenkit.errors import AuthenticationError, NotFound
from oefenkit.identity import SYSTEM
from oefenkit.instance import FIRST_ADMIN_FILE, FIRST_ADMIN_USERNAME
from oefenkit.settings import load_settings
from oefenkit.storage import database
from oefenkit.storage import models as m
from oefenkit.storage.kit import Kit

from .live_server import OEFENKIT

PW = "geheim-wachtwoord"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, fast_password_hashing):
    """No OEFENKIT_* variables from the outside, and cheap Argon2id for in-process commands."""
    for key in list(os.environ):
        if key.startswith("OEFENKIT_"):
            monkeypatch.delenv(key)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


class Runner:
    """``oefenkit --data-dir <tmp> ...`` in-process; returns (exit code, stdout, stderr)."""

    def __init__(self, data_dir: Path, capsys, monkeypatch, database_url: str | None = None):
        self.data_dir, self.capsys, self.monkeypatch = data_dir, capsys, monkeypatch
        self.database_url = database_url

    def __call__(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            self.monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        prefix = ["--data-dir", str(self.data_dir)]
        if self.database_url:
            prefix += ["--database-url", self.database_url]
        self.capsys.readouterr()
        code = main([*prefix, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def kit(self) -> Kit:
        settings = load_settings(env={}, data_dir=str(self.data_dir), database_url=self.database_url)
        return Kit(database.make_engine(settings.effective_database_url))


@pytest.fixture
def run(data_dir, capsys, monkeypatch):
    return Runner(data_dir, capsys, monkeypatch)


@pytest.fixture
def initialised(run):
    code, _, err = run("init")
    assert code == 0, err
    return run


def dump(kit: Kit) -> dict[str, list[tuple]]:
    """Every row of every table (the alembic version included), in primary-key order."""
    meta = MetaData()
    meta.reflect(kit.engine)
    out = {}
    with kit.engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            out[name] = [tuple(row) for row in conn.execute(select(table).order_by(*order))]
    return out


# -- init -------------------------------------------------------------------------------------


def test_init_creates_database_and_first_admin(run, data_dir):
    """Does init create the database, a private data dir and a 0600 file with a working coördinator login?"""
    code, out, err = run("init")
    assert code == 0, err
    assert (data_dir / "oefenkit.sqlite3").is_file()
    assert stat.S_IMODE(data_dir.stat().st_mode) & 0o077 == 0
    secret = data_dir / FIRST_ADMIN_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    fields = dict(line.split(": ", 1) for line in secret.read_text(encoding="utf-8").splitlines())
    assert fields["gebruikersnaam"] == FIRST_ADMIN_USERNAME
    kit = run.kit()
    admin = kit.authenticate(fields["gebruikersnaam"], fields["wachtwoord"])
    assert admin.role == "coordinator"
    assert "Database bijgewerkt naar versie" in out
    assert "Inhoud geladen" in out
    assert "Eerste coördinator aangemaakt" in out and str(secret) in out
    assert fields["wachtwoord"] not in out  # the password is only in the file
    assert {s.code for s in kit.list_scales()} == {"sensitiviteit", "cooperatie"}
    kit.engine.dispose()


def test_init_twice_changes_nothing(initialised, data_dir):
    """Does a second init leave every table row and the password file exactly as they were?"""
    kit = initialised.kit()
    secret = data_dir / FIRST_ADMIN_FILE
    before, secret_before = dump(kit), (secret.read_bytes(), secret.stat().st_mtime_ns)
    assert before["alembic_version"] == [(database.head_revision(kit.engine),)]
    assert before["person"] and before["scale"] and before["audit_log"]
    code, out, err = initialised("init")
    assert code == 0, err
    assert out.startswith("Niets te doen")
    assert dump(kit) == before
    assert (secret.read_bytes(), secret.stat().st_mtime_ns) == secret_before
    kit.engine.dispose()


def test_init_does_not_reset_a_demoted_admin(initialised, data_dir):
    """When 'beheerder' lost the coördinator role, does init leave their password alone?"""
    initialised("users", "set-role", FIRST_ADMIN_USERNAME, "trainer")
    secret = data_dir / FIRST_ADMIN_FILE
    password = dict(line.split(": ", 1) for line in secret.read_text().splitlines())["wachtwoord"]
    secret.unlink()
    code, _, _ = initialised("init")
    assert code == 0
    assert not secret.exists()
    kit = initialised.kit()
    assert kit.authenticate(FIRST_ADMIN_USERNAME, password).role == "trainer"
    kit.engine.dispose()


def test_init_with_unreachable_database(run):
    """Does init against an unreachable PostgreSQL end with exit code 3 and a Dutch message?"""
    code, out, err = run("--database-url", "postgresql://nobody@127.0.0.1:1/x", "init")
    assert code == 3
    assert "De database is niet bereikbaar" in err
    assert err.startswith("Fout: ")
    assert "Traceback" not in err
    assert not (run.data_dir / FIRST_ADMIN_FILE).exists()


def test_init_with_broken_content(run, tmp_path, monkeypatch):
    """Is broken content reported (exit 4) before the database is touched?"""
    content = tmp_path / "inhoud"
    content.mkdir()
    (content / "programmes.yaml").write_text("programmes: [\n")
    monkeypatch.setenv("OEFENKIT_CONTENT_DIR", str(content))
    code, _, err = run("init")
    assert code == 4
    assert "programmes.yaml" in err
    assert not (run.data_dir / "oefenkit.sqlite3").exists()


def test_init_on_postgresql(pg_server, data_dir, capsys, monkeypatch):
    """Do init and users add work against a fresh PostgreSQL database?"""
    admin = database.make_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"oefenkit_cli_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    run = Runner(data_dir, capsys, monkeypatch, database_url=url)
    try:
        code, out, err = run("init")
        assert code == 0, err
        assert "Eerste coördinator aangemaakt" in out
        assert not (data_dir / "oefenkit.sqlite3").exists()  # no SQLite next to PostgreSQL
        code, out, err = run("users", "add", "pgtrainer", "--role", "trainer", "--password-stdin", stdin=PW + "\n")
        assert code == 0, err
        kit = run.kit()
        assert kit.authenticate("pgtrainer", PW).role == "trainer"
        before = dump(kit)
        code, out, _ = run("init")
        assert code == 0 and out.startswith("Niets te doen")
        assert dump(kit) == before
        kit.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- users --------------------------------------------------------------------------------------


def test_users_add_and_list(initialised):
    """Can users be added (with password from stdin) and are they listed with Dutch role labels?"""
    code, out, err = initialised("users", "add", "anna", "--role", "deelnemer", "--display-name", "Anna de Vries",
                                 "--password-stdin", stdin=PW + "\n")
    assert code == 0, err
    assert out.strip() == "Gebruiker anna toegevoegd als cursist."
    code, out, _ = initialised("users", "add", "bram", "--role", "coördinator")
    assert code == 0
    assert "zonder wachtwoord" in out
    kit = initialised.kit()
    assert kit.authenticate("anna", PW).display_name == "Anna de Vries"
    with pytest.raises(AuthenticationError):
        kit.authenticate("bram", "")
    code, out, _ = initialised("users", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["gebruikersnaam", "rol", "actief"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert rows["anna"][1:3] == ["cursist", "ja"]
    assert rows["bram"][1:3] == ["coördinator", "ja"]
    assert "Anna de Vries" in out
    kit.engine.dispose()


def test_password_from_stdin_keeps_spaces_but_not_newline(initialised):
    """Is the password read from stdin without its line ending, but with inner and edge spaces?"""
    code, _, err = initialised("users", "add", "anna", "--role", "cursist", "--password-stdin",
                               stdin=" met spaties \r\n")
    assert code == 0, err
    kit = initialised.kit()
    assert kit.authenticate("anna", " met spaties ").username == "anna"
    kit.engine.dispose()


def test_empty_password_on_stdin_is_refused(initialised):
    """Is an empty stdin refused in Dutch, with no user stored?"""
    code, _, err = initialised("users", "add", "anna", "--role", "cursist", "--password-stdin", stdin="")
    assert code == 1
    assert err.startswith("Fout: ") and "wachtwoord" in err
    kit = initialised.kit()
    with pytest.raises(NotFound):
        kit.find_person("anna")
    kit.engine.dispose()


@pytest.mark.parametrize("role", ["baas", "admin2", ""])
def test_invalid_role_stores_nobody(initialised, role):
    """Does an invalid role end with exit 1, a Dutch 'Fout:' on stderr and no person stored?"""
    kit = initialised.kit()
    before = dump(kit)
    code, out, err = initialised("users", "add", "anna", "--role", role, "--password-stdin", stdin=PW + "\n")
    assert code == 1
    assert err.startswith("Fout: ") and "Onbekende rol" in err
    assert out == ""
    assert dump(kit) == before
    kit.engine.dispose()


def test_users_add_with_unknown_group_stores_nobody(initialised):
    """When one of the --group names does not exist, is the user not created at all?"""
    kit = initialised.kit()
    before = dump(kit)
    code, _, err = initialised("users", "add", "anna", "--role", "cursist",
                               "--group", "Voorbeeldgroep Babytijd", "--group", "Geen groep")
    assert code == 1
    assert "Geen groep" in err
    assert dump(kit) == before
    code, _, err = initialised("users", "add", "anna", "--role", "cursist", "--group", "Voorbeeldgroep Babytijd")
    assert code == 0, err  # and the same command without the typo works afterwards
    assert [g.member_usernames for g in kit.list_groups(SYSTEM) if g.name == "Voorbeeldgroep Babytijd"] == [("anna",)]
    kit.engine.dispose()


def test_duplicate_user_is_a_dutch_error(initialised):
    """Is adding an existing user exit 1 with 'bestaat al'?"""
    initialised("users", "add", "anna", "--role", "cursist")
    code, _, err = initialised("users", "add", "anna", "--role", "trainer")
    assert code == 1 and "bestaat al" in err


def test_users_set_role(initialised):
    """Does set-role change the role and report it in Dutch?"""
    initialised("users", "add", "anna", "--role", "cursist")
    code, out, _ = initialised("users", "set-role", "anna", "coördinator")
    assert code == 0 and out.strip() == "Rol van anna is nu coördinator."
    kit = initialised.kit()
    assert kit.find_person("anna").role == "coordinator"
    code, _, err = initialised("users", "set-role", "anna", "baas")
    assert code == 1 and "Onbekende rol" in err
    assert kit.find_person("anna").role == "coordinator"
    code, _, err = initialised("users", "set-role", "niemand", "trainer")
    assert code == 1 and "bestaat niet" in err
    kit.engine.dispose()


def test_users_set_password(initialised):
    """Does set-password replace the password with the one on stdin?"""
    initialised("users", "add", "anna", "--role", "cursist", "--password-stdin", stdin=PW + "\n")
    code, out, err = initialised("users", "set-password", "anna", "--password-stdin", stdin="nieuw-wachtwoord\n")
    assert code == 0, err
    assert "gewijzigd" in out
    kit = initialised.kit()
    assert kit.authenticate("anna", "nieuw-wachtwoord")
    with pytest.raises(AuthenticationError):
        kit.authenticate("anna", PW)
    code, _, err = initialised("users", "set-password", "anna", "--password-stdin", stdin="kort\n")
    assert code == 1 and "minstens" in err
    assert kit.authenticate("anna", "nieuw-wachtwoord")
    kit.engine.dispose()


def test_users_deactivate(initialised):
    """Does deactivate stop the login and hide the user unless --all is given?"""
    initialised("users", "add", "anna", "--role", "cursist", "--password-stdin", stdin=PW + "\n")
    code, out, _ = initialised("users", "deactivate", "anna")
    assert code == 0 and "gedeactiveerd" in out
    kit = initialised.kit()
    with pytest.raises(AuthenticationError):
        kit.authenticate("anna", PW)
    _, listed, _ = initialised("users", "list")
    assert "anna" not in listed.split()
    _, listed_all, _ = initialised("users", "list", "--all")
    [row] = [line.split() for line in listed_all.splitlines() if line.startswith("anna ")]
    assert row[1:3] == ["cursist", "nee"]
    kit.engine.dispose()


# -- groups -------------------------------------------------------------------------------------


def test_groups_add_member_and_list(initialised):
    """Can a group be made for a programme, get members, and be listed with them?"""
    initialised("users", "add", "anna", "--role", "cursist")
    initialised("users", "add", "bram", "--role", "cursist")
    code, out, _ = initialised("groups", "add", "Cohort 2026", "--programme", "babytijd")
    assert code == 0 and out.strip() == "Groep Cohort 2026 aangemaakt."
    for name in ("bram", "anna"):
        code, out, _ = initialised("groups", "add-member", "Cohort 2026", name)
        assert code == 0 and out.strip() == f"{name} zit nu in groep Cohort 2026."
    code, out, _ = initialised("groups", "list")
    assert code == 0
    assert "Cohort 2026 (babytijd): anna, bram" in out.splitlines()
    assert "Voorbeeldgroep Ouder-baby (ouder-baby): -" in out.splitlines()


def test_groups_errors(initialised):
    """Are an unknown programme, a duplicate group and an unknown member Dutch errors (exit 1)?"""
    code, _, err = initialised("groups", "add", "Cohort X", "--programme", "bestaat-niet")
    assert code == 1 and "Programma" in err
    initialised("groups", "add", "Cohort X")
    code, _, err = initialised("groups", "add", "Cohort X")
    assert code == 1 and "bestaat al" in err
    code, _, err = initialised("groups", "add-member", "Cohort X", "niemand")
    assert code == 1 and "bestaat niet" in err


# -- parser -------------------------------------------------------------------------------------


def test_help_is_dutch(capsys):
    """Is --help in Dutch ('gebruik:', 'opties', the commands) and does it exit 0?"""
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("gebruik: oefenkit")
    assert "opties:" in out and "opdrachten:" in out
    assert "toon deze hulptekst en stop" in out
    assert "usage" not in out and "options" not in out


def test_subcommand_help_is_dutch(capsys):
    """Is the help of a sub-command Dutch too?"""
    with pytest.raises(SystemExit):
        main(["users", "add", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("gebruik: oefenkit users add")
    assert "argumenten:" in out and "opties:" in out


def test_missing_argument_is_dutch(capsys):
    """Is a missing argument reported in Dutch with exit code 2?"""
    with pytest.raises(SystemExit) as info:
        main(["users", "add", "anna"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "gebruik:" in err and "fout:" in err and "deze argumenten ontbreken" in err


def test_database_status(initialised):
    """Does db status report the current revision and exit 0 when up to date?"""
    code, out, _ = initialised("db", "status")
    assert code == 0
    kit = initialised.kit()
    assert f"Versie: {database.head_revision(kit.engine)}" in out
    kit.engine.dispose()
    code, out, _ = initialised("db", "upgrade")
    assert code == 0 and "al actueel" in out


# -- the installed script -----------------------------------------------------------------------


def test_console_script_users_add_with_password_stdin(initialised, data_dir):
    """Does the installed 'oefenkit' script add a user with the password given on stdin?"""
    script = OEFENKIT  # the runtime-only environment's script (tests/runtime_env.py)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEFENKIT_")}
    result = subprocess.run(
        [str(script), "--data-dir", str(data_dir), "users", "add", "script-user", "--role", "trainer",
         "--password-stdin"],
        input=PW + "\n", capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Gebruiker script-user toegevoegd als trainer."
    kit = initialised.kit()
    person = kit.authenticate("script-user", PW)
    assert person.role == "trainer"
    with kit.transaction() as s:
        stored = s.scalar(select(m.Person.password_hash).where(m.Person.username == "script-user"))
    assert stored.startswith("$argon2id$")
    kit.engine.dispose()


@pytest.mark.parametrize("command", [["users", "list"], ["groups", "list"], ["cases", "list"],
                                     ["users", "set-role", "anna", "trainer"]])
def test_commands_on_a_database_that_was_never_initialised_point_to_init(tmp_path, capsys, command):
    """Does a command on an empty database stop with exit 3 and a Dutch hint to run init, not a traceback?"""
    from oefenkit.cli import main

    code = main(["--data-dir", str(tmp_path / "leeg"), *command])
    err = capsys.readouterr().err
    assert code == 3
    assert "oefenkit init" in err and "Traceback" not in err


def _at_a_terminal(args: list[str], typed: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run the installed script with a pseudo-terminal as its stdin/stdout/stderr and type each of
    ``typed`` after a prompt appears; returns (exit code, everything the terminal showed)."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OEFENKIT_")}
    proc = subprocess.Popen([str(OEFENKIT), *args], stdin=slave, stdout=slave, stderr=slave, env=env,
                            start_new_session=True)  # no controlling terminal: getpass uses stdin
    os.close(slave)
    shown, deadline = b"", time.monotonic() + timeout
    pending, answered = list(typed), 0  # answer each prompt once, only after it appeared
    # (getpass flushes input typed before its prompt, so typing ahead would be lost)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
            if pending and shown[answered:].rstrip().endswith(b":"):
                os.write(master, pending.pop(0).encode() + b"\r")
                answered = len(shown)
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=timeout)
    os.close(master)
    return code, shown.decode(errors="replace")


def test_password_stdin_at_a_terminal_asks_twice_without_echo(initialised, data_dir):
    """Typed at a terminal, is the password asked for in Dutch, twice, never shown, and stored?"""
    secret = "geheim-typen-42"
    code, shown = _at_a_terminal(["--data-dir", str(data_dir), "users", "add", "tty-user", "--role", "cursist",
                                  "--password-stdin"], [secret, secret])
    assert code == 0, shown
    assert "Wachtwoord:" in shown and "Nogmaals" in shown and secret not in shown
    from oefenkit.instance import open_kit

    kit = open_kit(load_settings(data_dir=data_dir))
    try:
        assert kit.authenticate("tty-user", secret).username == "tty-user"
    finally:
        kit.engine.dispose()


def test_password_stdin_at_a_terminal_refuses_a_mistyped_repeat(initialised, data_dir):
    code, shown = _at_a_terminal(["--data-dir", str(data_dir), "users", "add", "tty-typo", "--role", "cursist",
                                  "--password-stdin"], ["geheim-typen-42", "geheim-typen-43"])
    assert code != 0 and "niet gelijk" in shown
    assert "geheim-typen" not in shown
