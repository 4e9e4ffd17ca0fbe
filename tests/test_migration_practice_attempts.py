"""Migration 0016 on SQLite and PostgreSQL: a database at 0015 with practice ratings comes out with
one ``practice_attempt`` row per attempt of the old 5-second rule (the earliest moment, the rater,
the case), every practice rating pointing to its attempt and every other rating to none; the kit's
practice history reads the same attempts; and a downgrade gives 0015's schema back.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, text

from oefenkit.storage import database

BEFORE = "0015"
T0 = dt.datetime(2026, 3, 2, 9, 0, 0, tzinfo=dt.timezone.utc)

_rating = sa.table("rating", sa.column("id", sa.Integer), sa.column("rater_id", sa.Integer),
                   sa.column("case_id", sa.Integer), sa.column("scale_id", sa.Integer),
                   sa.column("score", sa.Integer), sa.column("note", sa.Text), sa.column("mode", sa.String),
                   sa.column("created_at", sa.DateTime(timezone=True)),
                   sa.column("updated_at", sa.DateTime(timezone=True)))

#: (rating id, rater, case, scale, seconds after T0, score, mode). Scale 1 sensitiviteit, 2 cooperatie.
RATINGS = [
    (1, 1, 1, 1, 0, 5, "practice"),     # anna, case 1: one attempt of two scales ...
    (2, 1, 1, 2, 1, 4, "practice"),     # ... one second apart
    (3, 2, 1, 1, 2, 8, "practice"),     # bert in between: his own attempt
    (4, 1, 1, 1, 60, 6, "practice"),    # anna again a minute later: a new attempt ...
    (5, 1, 1, 1, 61, 7, "practice"),    # ... and the same scale once more: another one
    (6, 1, 2, 2, 62, 3, "practice"),    # another case within the window: another one
    (7, 1, 2, 1, 70, 2, "practice"),    # the same case but out of the window: another one
    (8, 1, 1, 1, 80, 9, "exam"),        # not practice: no attempt
    (9, 2, 1, 2, 4, 7, "practice"),     # bert's cooperatie, in his window: his first attempt
]
#: The attempts the old rule makes: (rater, case, first second, rating ids).
EXPECTED = [(1, 1, 0, [1, 2]), (1, 1, 60, [4]), (1, 1, 61, [5]), (1, 2, 62, [6]), (1, 2, 70, [7]),
            (2, 1, 2, [3, 9])]


@pytest.fixture
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


def _utc(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _insert_0015_data(engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO programme (id, code, name, description) VALUES (1, 'babytijd', 'Babytijd', '')"))
        conn.execute(text("INSERT INTO person (id, username, display_name, role, active, created_at) VALUES "
                          "(1, 'anna', 'Anna', 'cursist', true, CURRENT_TIMESTAMP), "
                          "(2, 'bert', 'Bert', 'cursist', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO scale (id, code, version, name, min_score, max_score, definition) VALUES "
                          "(1, 'sensitiviteit', 1, 'Sensitiviteit', 1, 9, '{}'), "
                          "(2, 'cooperatie', 1, 'Coöperatie', 1, 9, '{}')"))
        conn.execute(text("INSERT INTO case_item (id, code, title, programme_id, vignette, details, synthetic, "
                          "created_at) VALUES (1, 'c1', 'Casus 1', 1, '', '{}', false, CURRENT_TIMESTAMP), "
                          "(2, 'c2', 'Casus 2', 1, '', '{}', false, CURRENT_TIMESTAMP)"))
        for rid, rater, case, scale, seconds, score, mode in RATINGS:
            at = T0 + dt.timedelta(seconds=seconds)
            conn.execute(sa.insert(_rating).values(id=rid, rater_id=rater, case_id=case, scale_id=scale,
                                                   score=score, note="", mode=mode, created_at=at, updated_at=at))
        if engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            conn.execute(text("SELECT setval('rating_id_seq', (SELECT max(id) FROM rating))"))


def _at_0015(engine) -> None:
    command.downgrade(database.alembic_config(engine), BEFORE)
    assert "practice_attempt" not in inspect(engine).get_table_names()
    _insert_0015_data(engine)


def test_practice_ratings_become_attempts_by_the_old_rule(engine):
    """Does upgrading a 0015 database make exactly the attempts the old 5-second rule made, each
    with the rater, the case and its earliest moment, and leave exam ratings without one?"""
    _at_0015(engine)
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision(engine)
    with engine.connect() as conn:
        attempts = {a.id: a for a in conn.execute(text("SELECT * FROM practice_attempt ORDER BY id"))}
        links = dict(conn.execute(text("SELECT id, practice_attempt_id FROM rating")).all())
        scores = dict(conn.execute(text("SELECT id, score FROM rating")).all())
    grouped: dict[int, list[int]] = {}
    for rating_id, attempt_id in sorted(links.items()):
        if attempt_id is not None:
            grouped.setdefault(attempt_id, []).append(rating_id)
    got = sorted((a.person_id, a.case_id, (_utc(a.submitted_at) - T0).seconds, grouped[a.id])
                 for a in attempts.values())
    assert got == sorted(EXPECTED)
    assert links[8] is None
    assert scores == {r[0]: r[5] for r in RATINGS}  # no score changed


def test_history_after_the_upgrade_reads_the_converted_attempts(engine):
    """Does the kit's practice history (numbers, cases, scores) after the upgrade show anna's five
    attempts in time order, and does a new submission become the sixth?"""
    from oefenkit.identity import SYSTEM
    from oefenkit.storage.kit import Kit

    _at_0015(engine)
    database.upgrade(engine)
    kit = Kit(engine)
    kit.update_or_create_case_set(SYSTEM, "oefenen", "Oefenen", "practice", ["c1", "c2"])
    history = kit.practice_history(SYSTEM, "anna")
    assert [(a.number, a.case_code, a.scores) for a in history] == [
        (1, "c1", {"sensitiviteit": 5, "cooperatie": 4}), (2, "c1", {"sensitiviteit": 6}),
        (3, "c1", {"sensitiviteit": 7}), (4, "c2", {"cooperatie": 3}), (5, "c2", {"sensitiviteit": 2})]
    assert [_utc(a.submitted_at) for a in history] == [T0 + dt.timedelta(seconds=s) for s in (0, 60, 61, 62, 70)]
    anna = kit.find_person("anna")
    kit.submit_practice(anna, "c2", {"sensitiviteit": 4, "cooperatie": 4})
    assert [(a.number, a.case_code) for a in kit.practice_history(anna)][-1] == (6, "c2")
    assert [a.attempts for a in kit.practice_overview(anna)] == [3, 3]


def test_downgrade_to_0015_gives_its_schema_back(engine):
    """Does the downgrade drop the table and the column (keeping the ratings), and upgrade once more?"""
    _at_0015(engine)
    database.upgrade(engine)
    command.downgrade(database.alembic_config(engine), BEFORE)
    assert "practice_attempt" not in inspect(engine).get_table_names()
    assert "practice_attempt_id" not in {c["name"] for c in inspect(engine).get_columns("rating")}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM rating")).scalar() == len(RATINGS)
    database.upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM practice_attempt")).scalar() == len(EXPECTED)
