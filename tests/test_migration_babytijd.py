"""Migration 0018 (Babytijd reeksen) on SQLite and PostgreSQL: up creates the four tables with
their rules (unique code per reeks, meetings 1-16, cascades from the reeks), down drops them and
nothing else, and up again works. ``tests/test_migrations.py`` compares the schema with the models."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from oefenkit.storage import database

TABLES = {"babytijd_reeks", "babytijd_opvoeder", "babytijd_attendance", "babytijd_measurement"}


@pytest.fixture
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


def _before(engine) -> str:
    """The revision 0018 follows (0017 now; the lead may re-chain it at merge)."""
    return ScriptDirectory.from_config(database.alembic_config(engine)).get_revision("0018").down_revision


def _seed(conn) -> None:
    conn.execute(text("INSERT INTO person (id, username, display_name, role, active, created_at) VALUES "
                      "(1, 'uit', 'Uit', 'cursist', true, CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO babytijd_reeks (id, name, uitvoerder_id, created_at, went_well, to_improve, "
                      "remarks) VALUES (1, 'R', 1, CURRENT_TIMESTAMP, '', '', '')"))
    conn.execute(text("INSERT INTO babytijd_opvoeder (id, reeks_id, code, consent, created_at) VALUES "
                      "(1, 1, 'A1', true, CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO babytijd_attendance (opvoeder_id, meeting, present, reason_text) "
                      "VALUES (1, 3, true, '')"))
    conn.execute(text("INSERT INTO babytijd_measurement (opvoeder_id, kind, scores, tips, tops, early_reason, "
                      "attended_at_entry, recorded_at) VALUES (1, 'nulmeting', '{\"kennis\": 3}', '', '', '', 0, "
                      "CURRENT_TIMESTAMP)"))


def test_up_down_up(engine):
    """Are the tables there at head, gone after the downgrade (other tables kept), and back after
    upgrading again?"""
    assert TABLES <= set(inspect(engine).get_table_names())
    others = set(inspect(engine).get_table_names()) - TABLES
    command.downgrade(database.alembic_config(engine), _before(engine))
    names = set(inspect(engine).get_table_names())
    assert not TABLES & names and others <= names
    database.upgrade(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.begin() as conn:
        _seed(conn)


@pytest.mark.parametrize(("statement", "why"), [
    ("INSERT INTO babytijd_opvoeder (reeks_id, code, consent, created_at) VALUES (1, 'A1', false, CURRENT_TIMESTAMP)",
     "code twice in a reeks"),
    ("INSERT INTO babytijd_attendance (opvoeder_id, meeting, present, reason_text) VALUES (1, 17, true, '')",
     "meeting 17"),
    ("INSERT INTO babytijd_attendance (opvoeder_id, meeting, present, reason, reason_text) "
     "VALUES (1, 4, true, 'werk', '')", "present with a reason"),
    ("INSERT INTO babytijd_measurement (opvoeder_id, kind, scores, tips, tops, early_reason, attended_at_entry, "
     "recorded_at) VALUES (1, 'na-7', '{}', '', '', '', 0, CURRENT_TIMESTAMP)", "unknown kind"),
    ("INSERT INTO babytijd_opvoeder (reeks_id, code, consent, baby_age_months, created_at) "
     "VALUES (1, 'B2', true, 30, CURRENT_TIMESTAMP)", "baby of 30 months"),
])
def test_the_database_keeps_the_rules_too(engine, statement, why):
    with engine.begin() as conn:
        _seed(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(statement))


def test_deleting_a_reeks_cascades(engine):
    with engine.begin() as conn:
        _seed(conn)
        conn.execute(text("DELETE FROM babytijd_reeks WHERE id = 1"))
        for table in TABLES:
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table
