"""Migrations and connections on SQLite and PostgreSQL.

The schema exists only through Alembic; these tests check that the migrations
build exactly what ``oefenkit.storage.models`` describes, that upgrading is
safe to repeat, and that the SQLite connection settings are in force.
"""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from oefenkit.errors import ConfigurationError, DatabaseUnavailable
from oefenkit.storage import database
from oefenkit.storage.models import Base


@pytest.fixture
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def table_names(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def test_head_matches_models(engine):
    """Does the migrated schema match the models exactly (no autogenerate differences)?"""
    assert database.current_revision(engine) == database.head_revision(engine)
    assert schema_differences(engine) == []


def test_comparison_would_notice_a_difference(engine):
    """Would the comparison above notice a table the models have but the database lacks?"""
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE live_session_participant"))
    diffs = schema_differences(engine)
    assert [d[0] for d in diffs] == ["add_table"]
    assert diffs[0][1].name == "live_session_participant"


def test_every_model_table_is_created(engine):
    """Does the migration create every table of the models, plus Alembic's version table?"""
    assert table_names(engine) == set(Base.metadata.tables) | {"alembic_version"}


def test_upgrade_is_idempotent(engine):
    """Does upgrading an up-to-date database change neither the revision nor the tables?"""
    revision, tables = database.current_revision(engine), table_names(engine)
    database.upgrade(engine)
    database.upgrade(engine)
    assert database.current_revision(engine) == revision == database.head_revision(engine)
    assert table_names(engine) == tables
    assert schema_differences(engine) == []


def test_downgrade_to_empty_and_back(engine):
    """Does the migration go down to an empty schema and up again to the same schema?"""
    command.downgrade(database.alembic_config(engine), "base")
    assert database.current_revision(engine) is None
    assert table_names(engine) <= {"alembic_version"}
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision(engine)
    assert schema_differences(engine) == []


def test_fresh_sqlite_file_is_migrated_to_head(tmp_path):
    """Does upgrade turn a new SQLite file (in a folder that does not exist yet) into the head schema?"""
    engine = database.make_engine(f"sqlite:///{tmp_path / 'nieuw' / 'kit.sqlite3'}")
    try:
        assert database.current_revision(engine) is None
        database.upgrade(engine)
        assert database.current_revision(engine) == database.head_revision(engine)
        assert schema_differences(engine) == []
    finally:
        engine.dispose()


def test_single_head():
    """Is there exactly one migration head (no unmerged branches)?"""
    engine = database.make_engine("sqlite://")
    heads = ScriptDirectory.from_config(database.alembic_config(engine)).get_heads()
    assert heads == [database.head_revision(engine)]


def test_foreign_key_violation_is_rejected(engine):
    """Is a row that points at a missing person refused by the database itself?"""
    with pytest.raises(IntegrityError):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO cohort_membership (group_id, person_id) VALUES (999, 999)"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cohort_membership")).scalar() == 0


def test_on_delete_cascade_works(engine):
    """Does deleting a group remove its memberships (ON DELETE CASCADE, which SQLite needs foreign_keys for)?"""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO person (id, username, display_name, role, active, created_at) "
            "VALUES (1, 'anna', 'Anna', 'cursist', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO cohort (id, name, active, created_at) VALUES (1, 'G', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO cohort_membership (group_id, person_id) VALUES (1, 1)"))
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM cohort WHERE id = 1"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM cohort_membership")).scalar() == 0


def test_check_constraint_on_score(engine):
    """Does the database itself refuse a score outside 1–9 (a second line behind the façade)?"""
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO person (id, username, display_name, role, active, created_at) "
            "VALUES (1, 'anna', 'Anna', 'cursist', true, CURRENT_TIMESTAMP)"))
        conn.execute(text(
            "INSERT INTO case_item (id, code, title, vignette, details, synthetic, created_at) "
            "VALUES (1, 'c', 'C', '', '{}', false, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO scale (id, code, version, name, min_score, max_score, definition) "
                          "VALUES (1, 's', 1, 'S', 1, 9, '{}')"))
    insert = text("INSERT INTO rating (rater_id, case_id, scale_id, score, note, mode, created_at, updated_at) "
                  "VALUES (1, 1, 1, :score, '', 'practice', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    for bad in (0, 10):
        with pytest.raises(IntegrityError):
            with engine.begin() as conn:
                conn.execute(insert, {"score": bad})
    with engine.begin() as conn:
        conn.execute(insert, {"score": 9})  # the same row with a valid score is fine


# -- SQLite connection settings ----------------------------------------------------------------


@pytest.fixture
def sqlite_engine(tmp_path):
    engine = database.make_engine(f"sqlite:///{tmp_path / 'kit.sqlite3'}")
    yield engine
    engine.dispose()


def test_sqlite_pragmas(sqlite_engine):
    """Does every SQLite connection use WAL, enforce foreign keys and wait when the file is busy?"""
    # Two pool connections at once; read-only, since a unit of work that may write holds the write lock.
    conns = [sqlite_engine.connect().execution_options(**{database.READONLY: True}) for _ in range(2)]
    try:
        for conn in conns:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        for conn in conns:
            conn.close()


def test_sqlite_foreign_key_violation_via_raw_insert(sqlite_engine):
    """On SQLite, is a membership of a missing person and group refused (foreign_keys is on)?"""
    database.upgrade(sqlite_engine)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"):
        with sqlite_engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO cohort_membership (group_id, person_id) VALUES (1, 1)")


# -- reaching the database -------------------------------------------------------------------


def test_check_connection_ok(engine):
    """Does check_connection pass quietly on a working database?"""
    assert database.check_connection(engine) is None


@pytest.mark.parametrize("url", ["postgresql://x@127.0.0.1:1/x", "postgresql://x:geheim-pw@127.0.0.1:1/x"])
def test_unreachable_database_is_a_dutch_error(url):
    """Is an unreachable PostgreSQL URL DatabaseUnavailable in Dutch, without the password?"""
    engine = database.make_engine(url)
    try:
        with pytest.raises(DatabaseUnavailable) as info:
            database.check_connection(engine)
    finally:
        engine.dispose()
    message = str(info.value)
    assert message.startswith("De database is niet bereikbaar")
    assert "127.0.0.1" in message
    assert "geheim-pw" not in message
    assert info.value.exit_code == 3


def test_upgrade_of_unreachable_database_is_a_dutch_error():
    """Does upgrade on an unreachable database say so in Dutch instead of an Alembic traceback?"""
    engine = database.make_engine("postgresql://x@127.0.0.1:1/x")
    with pytest.raises(DatabaseUnavailable, match="niet bereikbaar"):
        database.upgrade(engine)
    engine.dispose()


def test_sqlite_path_that_is_a_directory(tmp_path):
    """Is a SQLite 'file' that is really a directory reported as DatabaseUnavailable?"""
    (tmp_path / "map.sqlite3").mkdir()
    engine = database.make_engine(f"sqlite:///{tmp_path / 'map.sqlite3'}")
    with pytest.raises(DatabaseUnavailable, match="niet bereikbaar"):
        database.check_connection(engine)
    engine.dispose()


def test_sqlite_folder_that_cannot_be_made(tmp_path):
    """Is a SQLite path below a plain file a Dutch DatabaseUnavailable, not an OSError?"""
    blocker = tmp_path / "bestand"
    blocker.write_text("")
    with pytest.raises(DatabaseUnavailable, match="niet bereikbaar"):
        database.make_engine(f"sqlite:///{blocker / 'sub' / 'kit.sqlite3'}")


@pytest.mark.parametrize("url", ["geen url", "mysql://x@h/db", "oracle://x@h/db", "foo://x"])
def test_unsupported_url_is_a_configuration_error(url):
    """Is an invalid URL or a database type the kit does not ship a driver for a Dutch ConfigurationError?"""
    with pytest.raises(ConfigurationError) as info:
        database.make_engine(url)
    assert "database" in str(info.value).lower()


def test_bare_postgresql_url_uses_psycopg():
    """Does a bare postgresql:// URL use the installed psycopg 3 driver?"""
    engine = database.make_engine("postgresql://x@127.0.0.1:1/x")
    assert engine.url.drivername == "postgresql+psycopg"
    engine.dispose()


def test_sqlite_writers_queue_and_readers_do_not_wait(tmp_path):
    """Does a second unit of work wait for the first writer (not fail), while a read-only one goes ahead?"""
    import threading
    import time

    engine = database.make_engine(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    first = engine.connect()
    first.begin()  # BEGIN IMMEDIATE: holds the write lock
    first.exec_driver_sql("INSERT INTO t VALUES (1)")
    done = []

    def second_writer():
        with engine.begin() as conn:  # waits for the lock (busy timeout), then writes
            conn.exec_driver_sql("INSERT INTO t VALUES (2)")
        done.append(time.monotonic())

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    assert not done  # still waiting
    with engine.connect().execution_options(**{database.READONLY: True}) as reader:
        assert reader.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0  # not blocked, sees the last commit
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert done
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    engine.dispose()
