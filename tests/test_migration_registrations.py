"""Migration 0011 on SQLite and PostgreSQL: a database at 0010 with Babytijd "scoring" certificates
(issued by the Ainsworth scoring test) comes out with Babytijd registrations carrying the same code,
dates, decision and statistics; an Ouder-baby certificate is untouched; and a downgrade gives 0010's
schema back.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import inspect, text

from oefenkit.storage import database

BEFORE = "0010"


@pytest.fixture
def engine(database_url):
    engine = database.make_engine(database_url)
    yield engine
    engine.dispose()


def _utc_day(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value)).date()


def _insert_0010_data(engine) -> None:
    stats = {"decision_id": 1, "exam_attempt": 7, "case_set": "toets",
             "scales": {"sensitiviteit": {"icc_a1": 0.91}}, "reasons": ["Geslaagd voor de scoringstoets."]}
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO programme (id, code, name, description) VALUES "
                          "(1, 'babytijd', 'Babytijd', ''), (2, 'ouder-baby', 'Ouder-baby interventie', '')"))
        conn.execute(text("INSERT INTO person (id, username, display_name, role, active, created_at) VALUES "
                          "(1, 'anna', 'Anna', 'cursist', true, CURRENT_TIMESTAMP), "
                          "(2, 'bert', 'Bert', 'cursist', true, CURRENT_TIMESTAMP)"))
        insert = text("INSERT INTO certificate (id, person_id, programme_id, verification_code, issued_at, "
                      "valid_until, decided_by_id, decision, reason, statistics) VALUES "
                      "(:id, :person, :programme, :code, :issued, :until, NULL, 'accepted', '', :stats)")
        for row in ({"id": 1, "person": 1, "programme": 1, "code": "OK-AAAA-BBBB-CCCC"},
                    {"id": 2, "person": 2, "programme": 1, "code": "OK-DDDD-EEEE-FFFF"},
                    {"id": 3, "person": 1, "programme": 2, "code": "OK-GGGG-HHHH-JJJJ"}):
            conn.execute(insert, row | {
                "issued": dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.timezone.utc),
                "until": dt.datetime(2027, 5, 1 + row["id"], 12, tzinfo=dt.timezone.utc),
                "stats": json.dumps(stats | {"certificate": row["id"]})})


def test_babytijd_certificates_become_registrations_and_nothing_is_lost(engine):
    """Does upgrading a 0010 database turn every Babytijd certificate into a registration with its
    code, dates and statistics, leave the Ouder-baby certificate as it was, and create the empty
    requirement_record table?"""
    config = database.alembic_config(engine)
    command.downgrade(config, BEFORE)
    assert "requirement_record" not in inspect(engine).get_table_names()
    _insert_0010_data(engine)
    with engine.connect() as conn:
        before = {r.id: r for r in conn.execute(text("SELECT * FROM certificate ORDER BY id"))}
    database.upgrade(engine)
    assert database.current_revision(engine) == database.head_revision(engine)
    with engine.connect() as conn:
        after = {r.id: r for r in conn.execute(text("SELECT * FROM certificate ORDER BY id"))}
        assert conn.execute(text("SELECT count(*) FROM requirement_record")).scalar() == 0
    assert [after[i].kind for i in (1, 2, 3)] == ["registration", "registration", "certificate"]
    for i in (1, 2, 3):
        for column in ("person_id", "programme_id", "verification_code", "decision", "reason"):
            assert getattr(after[i], column) == getattr(before[i], column)
        assert _utc_day(after[i].issued_at) == _utc_day(before[i].issued_at)
        assert _utc_day(after[i].valid_until) == _utc_day(before[i].valid_until)
        old = before[i].statistics if isinstance(before[i].statistics, dict) else json.loads(before[i].statistics)
        new = after[i].statistics if isinstance(after[i].statistics, dict) else json.loads(after[i].statistics)
        assert {k: new[k] for k in old} == old  # every old key with its old value
        if i < 3:
            assert new["converted_from"] == "scoring_test" and new["refresher"] == "terugkomdag"
            assert new["every_years"] == 2 and new["valid_until_base"] == f"2027-05-0{1 + i}"
        else:
            assert new == old


def test_registrations_work_after_the_upgrade(engine):
    """Can the kit read a converted registration: its status, and a terugkomdag recorded after the
    upgrade extending it from the day it was attended?"""
    from oefenkit import requirements as rq
    from oefenkit.identity import SYSTEM
    from oefenkit.programmes import load_paths
    from oefenkit.settings import PROJECT_ROOT
    from oefenkit.storage.kit import Kit

    command.downgrade(database.alembic_config(engine), BEFORE)
    _insert_0010_data(engine)
    database.upgrade(engine)
    kit = Kit(engine)
    paths = load_paths(PROJECT_ROOT / "content")
    info = kit.verify_certificate("OK-AAAA-BBBB-CCCC", today=dt.date(2027, 6, 1))
    assert info["kind"] == "registration" and info["status"] == "verlopen: terugkomdag gemist"
    assert kit.verify_certificate("OK-GGGG-HHHH-JJJJ", today=dt.date(2027, 6, 1))["status"] == "verlopen"
    day = dt.date.today() - dt.timedelta(days=2)
    kit.record_requirement(SYSTEM, "anna", "babytijd", "terugkomdag", day, paths=paths)
    assert kit.verify_certificate("OK-AAAA-BBBB-CCCC")["valid_until"] == max(rq.add_years(day, 2),
                                                                           dt.date(2027, 5, 2))
    assert kit.verify_certificate("OK-DDDD-EEEE-FFFF")["valid_until"] == dt.date(2027, 5, 3)  # not Anna's


def test_downgrade_to_0010_gives_its_schema_back(engine):
    """Does the downgrade drop the table and the column again (and upgrade once more)?"""
    command.downgrade(database.alembic_config(engine), BEFORE)
    assert "requirement_record" not in inspect(engine).get_table_names()
    assert "kind" not in {c["name"] for c in inspect(engine).get_columns("certificate")}
    database.upgrade(engine)
    assert "kind" in {c["name"] for c in inspect(engine).get_columns("certificate")}
