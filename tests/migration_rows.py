"""Rows written with plain SQL into a database downgraded to before a migration, for the tests that
upgrade over a migration and check what it keeps (``test_session_rounds``, ``test_cijfers_round``)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from oefenkit.storage import database


def downgrade_before(engine, revision: str) -> tuple[Config, str]:
    """Downgrade to the revision before ``revision``; returns the Alembic config and that revision."""
    cfg = database.alembic_config(engine)
    before = ScriptDirectory.from_config(cfg).get_revision(revision).down_revision
    command.downgrade(cfg, before)
    return cfg, before


def add_trainer_clip_and_session(conn, *, current_round: int) -> None:
    """Trainer 1, clip 1 and open session 1 at ``current_round`` (columns every revision since 0010 has)."""
    conn.execute(text("INSERT INTO person (id, username, display_name, role, active, created_at) "
                      "VALUES (1, 'tr', 'Tr', 'trainer', true, CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO case_item (id, code, title, vignette, details, synthetic, created_at) "
                      "VALUES (1, 'c1', 'Clip', '', '{}', false, CURRENT_TIMESTAMP)"))
    conn.execute(text("INSERT INTO live_session (id, join_code, trainer_id, state, current_round, round_open, "
                      "change_token, created_at) VALUES (1, 'ABCDEF', 1, 'open', :r, false, 0, CURRENT_TIMESTAMP)"),
                 {"r": current_round})


def add_live_score(conn) -> None:
    """Rating 1: the trainer's live score 5 on round 1 of session 1 (scale 1 made when there is none)."""
    if conn.execute(text("SELECT id FROM scale ORDER BY id")).first() is None:
        conn.execute(text("INSERT INTO scale (id, code, version, name, min_score, max_score, definition) "
                          "VALUES (1, 's', 1, 'S', 1, 9, '{}')"))
    conn.execute(text("INSERT INTO rating (id, rater_id, case_id, scale_id, score, note, mode, live_session_id, "
                      "live_round_id, created_at, updated_at) VALUES (1, 1, 1, 1, 5, '', 'session', 1, 1, "
                      "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
