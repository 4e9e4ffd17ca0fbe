"""Shared fixtures.

``database_url`` is parametrised over SQLite and a real PostgreSQL server that
the suite starts itself (``tests/pg_server.py``), so every test that uses it
(directly or through ``kit``) runs on both. Each test gets its own freshly
migrated database.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage.kit import Kit

from .pg_server import PostgresNotInstalled, PostgresServer

# Property tests explore the same examples on every run: a green suite stays green
# (no new random edge case in CI), and no example database is written to the tree.
hypothesis_settings.register_profile("oefenkit", derandomize=True, database=None, deadline=None)
hypothesis_settings.load_profile("oefenkit")


@pytest.fixture(scope="session")
def pg_server():
    """The suite's PostgreSQL server (``OEFENKIT_TEST_POSTGRES_URL`` to use another one)."""
    external = os.environ.get("OEFENKIT_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    try:
        server = PostgresServer().start()
    except PostgresNotInstalled as exc:
        pytest.fail(str(exc))
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated template database; tests clone it (CREATE DATABASE ... TEMPLATE)."""
    admin = database.make_engine(pg_server, isolation_level="AUTOCOMMIT")
    name = f"oefenkit_tpl_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    tpl_url = admin.url.set(database=name)
    tpl = database.make_engine(tpl_url.render_as_string(hide_password=False))
    database.upgrade(tpl)
    tpl.dispose()
    yield admin, name
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = database.make_engine(f"sqlite:///{path}")
    database.upgrade(engine)
    engine.dispose()
    _checkpoint(path)
    return path


def _checkpoint(path) -> None:
    """Write SQLite's WAL into the database file, so that copying the one file copies everything."""
    engine = database.make_engine(f"sqlite:///{path}")
    raw = engine.raw_connection()  # outside a transaction: a checkpoint cannot run inside one
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    engine.dispose()


def _load_samples(url: str) -> None:
    """The repository's content and the sample cases (expert accounts and scores, case sets) into
    the database at ``url``, as ``oefenkit init`` loads them."""
    from oefenkit.content import SAMPLES_DIR, load_content, load_into

    engine = database.make_engine(url)
    try:
        load_into(Kit(engine), load_content(PROJECT_ROOT / "content", samples_dir=SAMPLES_DIR))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_samples_template(sqlite_template, tmp_path_factory):
    """:func:`sqlite_template` with the content and the sample cases loaded (see ``samples_loaded``)."""
    path = tmp_path_factory.mktemp("sqlite-samples-template") / "template.sqlite3"
    shutil.copyfile(sqlite_template, path)
    _load_samples(f"sqlite:///{path}")
    _checkpoint(path)
    return path


@pytest.fixture(scope="session")
def pg_samples_template(pg_template):
    """:func:`pg_template` cloned, with the content and the sample cases loaded; tests clone it."""
    admin, template = pg_template
    name = f"oefenkit_tpls_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    _load_samples(admin.url.set(database=name).render_as_string(hide_password=False))
    yield admin, name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def samples_loaded():
    """Ask for this (next to ``kit``) to get the kit's database with the content and the sample cases
    already loaded: a copy of a template made once per run, instead of loading them in every test
    (≈ 0.4 s on SQLite, more on PostgreSQL). ``tests/test_content.py`` tests the loading itself."""
    return True


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """URL of a fresh, migrated database, once on SQLite and once on PostgreSQL (with the content and
    the sample cases loaded when the test asks for ``samples_loaded``)."""
    samples = "samples_loaded" in request.fixturenames
    if request.param == "sqlite":
        target = tmp_path / "oefenkit.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_samples_template" if samples else "sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    admin, template = request.getfixturevalue("pg_samples_template" if samples else "pg_template")
    name = f"oefenkit_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield admin.url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def fast_password_hashing(monkeypatch):
    """Argon2id at minimal cost while a test creates many accounts.

    ``tests/test_identity.py`` checks the real cost settings; everything else
    only needs hashes that verify.
    """
    from argon2 import PasswordHasher

    from oefenkit import identity

    monkeypatch.setattr(identity, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def kit(request, database_url, fast_password_hashing):
    """The storage façade on a fresh database, with the repository's content loaded."""
    from oefenkit.content import load_content, load_into

    engine = database.make_engine(database_url)
    k = Kit(engine)
    if "samples_loaded" not in request.fixturenames:  # else the template holds the content already
        load_into(k, load_content(PROJECT_ROOT / "content"))
    yield k
    engine.dispose()


@pytest.fixture(scope="module")
def content():
    """The repository's content with the sample cases, parsed once per test module."""
    from oefenkit.content import SAMPLES_DIR, load_content

    return load_content(PROJECT_ROOT / "content", samples_dir=SAMPLES_DIR)


@pytest.fixture
def content_dir(tmp_path):
    """A writable copy of the repository's content (for tests that break a content file)."""
    import shutil

    target = tmp_path / "content"
    shutil.copytree(PROJECT_ROOT / "content", target)
    return target


@pytest.fixture
def people(kit):
    """One person of each role (password ``geheim-wachtwoord``), plus a second cursist."""
    pw = "geheim-wachtwoord"
    return {
        "cursist": kit.add_person(SYSTEM, "cursist1", role="cursist", display_name="Cursist Een", password=pw),
        "cursist2": kit.add_person(SYSTEM, "cursist2", role="cursist", display_name="Cursist Twee", password=pw),
        "trainer": kit.add_person(SYSTEM, "trainer1", role="trainer", display_name="Trainer Een", password=pw),
        "coordinator": kit.add_person(SYSTEM, "coord1", role="coordinator", display_name="Coördinator Een",
                                      password=pw),
    }


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """A running kit on SQLite with one cursist, trainer and coördinator (password ``PASSWORD``).

    The users are created with ``oefenkit users add --password-stdin``, so every
    browser login also tests that command.
    """
    from .live_server import LiveServer, oefenkit_cmd

    data_dir = tmp_path_factory.mktemp("kit") / "data"
    oefenkit_cmd(data_dir, "init")
    server = LiveServer(data_dir)
    server.add_user("cursist1", "cursist", "Cursist Een")
    server.add_user("trainer1", "trainer", "Trainer Een")
    server.add_user("coord1", "coordinator", "Coördinator Een")
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- reliability figures ---------------------------------------------------------------------------
#: Lines the reliability tests report; printed at the end of the run (the issue asks for them there).
RELIABILITY_FIGURES: list[str] = []


@pytest.fixture
def report():
    """``report(line)``: a figure for the end-of-run summary."""
    return RELIABILITY_FIGURES.append


def pytest_terminal_summary(terminalreporter):
    if RELIABILITY_FIGURES:
        terminalreporter.section("Oefenkit reliability")
        for line in RELIABILITY_FIGURES:
            terminalreporter.write_line(line)
