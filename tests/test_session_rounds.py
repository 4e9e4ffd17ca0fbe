"""Terugkomdag rounds beyond clips in storage (``oefenkit.storage.session_answers`` and the round verbs
of ``oefenkit.storage.sessions``), on SQLite and PostgreSQL (``kit`` fixture), and migration 0013."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from sqlalchemy import func, insert, select, text

from oefenkit.certification import load_rules
from oefenkit.errors import Conflict, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.rounds import ANSWER_LIMITS, item_from_situation, typed_item
from oefenkit.sessions import report_html
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage import models as m

from .migration_rows import add_live_score, add_trainer_clip_and_session, downgrade_before

CONTENT = PROJECT_ROOT / "content"
PW = "geheim-wachtwoord"


@pytest.fixture
def day(kit, content, people, samples_loaded):
    """A Babytijd terugkomdag after the shipped plan, three joined cursists (one only joins), no round yet."""
    (plan,) = content.round_plans
    extra = kit.add_person(SYSTEM, "cursist3", role="cursist", display_name="Cursist Drie", password=PW)
    cursists = [people["cursist"], people["cursist2"], extra]
    trainer = people["trainer"]
    session = kit.create_session(trainer, expected=4, plan=plan)
    for c in cursists:
        kit.join_session(c, session["join_code"])
    return kit, trainer, cursists, session["id"], plan


def open_kind(kit, trainer, sid, plan, kind):
    code = next(r.code for r in plan.rounds if r.kind == kind)
    return kit.open_round(trainer, sid, item_code=code)


def answers_in_db(kit, sid):
    with kit.transaction(readonly=True) as s:
        return s.scalar(select(func.count()).select_from(m.LiveAnswer).where(m.LiveAnswer.session_id == sid))


# -- a day that follows a plan --------------------------------------------------------------------------


def test_a_plan_day_runs_its_rounds_in_order_then_stops(day):
    """Does "Volgende ronde" open the plan's rounds in order, skip one already held, and then refuse?"""
    kit, trainer, _, sid, plan = day
    state = kit.session_state(trainer, sid)
    assert state["programme"] == "babytijd" and state["planned"] == len(plan.rounds)
    assert state["next"] == {"kind": plan.rounds[0].kind, "title": plan.rounds[0].title}
    assert state["cases_total"] == 0 and state["clips"] == []
    kit.open_round(trainer, sid, item_code=plan.rounds[2].code)  # out of order: round 3 first
    opened = [plan.rounds[2].code]
    for _ in range(len(plan.rounds) - 1):
        kit.next_round(trainer, sid)
        opened.append(kit.session_state(trainer, sid)["plan_rounds"])
    codes = [code for code, _, _, held in kit.session_state(trainer, sid)["plan_rounds"] if held]
    assert sorted(codes) == sorted(r.code for r in plan.rounds)
    assert kit.session_state(trainer, sid)["next"] is None
    kit.close_round(trainer, sid)
    with pytest.raises(Conflict, match="Alle rondes"):
        kit.open_round(trainer, sid)
    # the trainer can still add a round: a typed one, or a voorbeeldsituatie that is not in the plan
    kit.open_round(trainer, sid, item=typed_item("ervaring", "Wat neem je mee naar huis?"))
    kit.close_round(trainer, sid)
    with pytest.raises(NotFound):
        kit.open_round(trainer, sid, item_code="bestaat-niet")
    with pytest.raises(ValidationError):
        kit.open_round(trainer, sid, item_code=plan.rounds[0].code, item=typed_item("ervaring", "x"))


def test_only_a_checked_item_is_stored(day, content):
    """Does open_round check a picked or typed round itself (never trusting the page) and store nothing
    when it is invalid?"""
    kit, trainer, _, sid, _ = day
    from oefenkit.rounds import RoundItem

    bad = RoundItem("vraag", "V", "Wat?", options=("a",))
    with pytest.raises(ValidationError):
        kit.open_round(trainer, sid, item=bad)
    assert kit.session_state(trainer, sid)["round"] is None
    number = kit.open_round(trainer, sid, item=item_from_situation(content.voorbeeldsituaties[6]))
    rnd = kit.session_state(trainer, sid)["round"]
    assert (number, rnd["kind"], rnd["title"]) == (1, "situatie", "Thema 7: Slapen")


def test_answers_one_per_person_replaced_and_idempotent(day):
    """Is an answer one row per person and round, replaced by a new answer, unchanged by a retried
    submission id, and refused (keeping the stored one) once the round is closed?"""
    kit, trainer, (a, b, _), sid, plan = day
    n = open_kind(kit, trainer, sid, plan, "situatie")
    first = kit.submit_round_answer(a, sid, n, text="Eerst troosten", submission_id="s1")
    assert first["changed"] and first["text"] == "Eerst troosten"
    again = kit.submit_round_answer(a, sid, n, text="Eerst troosten", submission_id="s1")
    assert not again["changed"]
    replaced = kit.submit_round_answer(a, sid, n, text="  Troosten en   rust nemen ", submission_id="s2")
    assert replaced["changed"] and replaced["text"] == "Troosten en rust nemen"
    # a late retry of the first submission changes nothing either
    kit.submit_round_answer(a, sid, n, text="Eerst troosten", submission_id="s2")
    assert kit.session_state(a, sid)["own_answer"]["text"] == "Troosten en rust nemen"
    kit.submit_round_answer(b, sid, n, text="Samen oefenen")
    assert answers_in_db(kit, sid) == 2
    assert kit.session_state(trainer, sid)["round"]["submitted"] == 2
    kit.close_round(trainer, sid)
    with pytest.raises(Conflict, match="gesloten"):
        kit.submit_round_answer(a, sid, n, text="Te laat")
    assert kit.session_state(a, sid)["own_answer"]["text"] == "Troosten en rust nemen"


def test_bad_answers_store_nothing(day):
    """Are a too long text, an empty text, a wrong option, a score in a text round and an answer by
    someone who did not join refused with a Dutch message, with nothing stored?"""
    kit, trainer, (a, _, _), sid, plan = day
    n = open_kind(kit, trainer, sid, plan, "ervaring")
    token = kit.session_token(trainer, sid)
    with pytest.raises(ValidationError, match="hoogstens"):
        kit.submit_round_answer(a, sid, n, text="x" * (ANSWER_LIMITS["ervaring"] + 1))
    with pytest.raises(ValidationError):
        kit.submit_round_answer(a, sid, n, text="   ")
    with pytest.raises(ValidationError):
        kit.submit_round_answer(a, sid, n, text="x", submission_id="x" * 65)
    with pytest.raises(ValidationError, match="geen fragment"):
        kit.submit_session_scores(a, sid, n, {"sensitiviteit": 5, "cooperatie": 5})
    outsider = kit.add_person(SYSTEM, "buiten", role="cursist", display_name="Buiten Staander", password=PW)
    with pytest.raises(PermissionDenied):
        kit.submit_round_answer(outsider, sid, n, text="Ik was er niet")
    assert answers_in_db(kit, sid) == 0
    assert kit.session_token(trainer, sid) == token  # refused writes roll back, the token too
    kit.close_round(trainer, sid)
    q = open_kind(kit, trainer, sid, plan, "vraag")
    for bad in (None, 9, -1):
        with pytest.raises(ValidationError):
            kit.submit_round_answer(a, sid, q, choice=bad)
    with pytest.raises(Conflict):
        kit.submit_round_answer(a, sid, n, choice=0)  # an earlier round
    assert answers_in_db(kit, sid) == 0


def test_question_distribution_and_reveal(day):
    """Does the projector get the distribution without names and the right answer only after the reveal,
    and each participant only their own answer with its verdict after the reveal?"""
    kit, trainer, (a, b, c), sid, plan = day
    question = next(r for r in plan.rounds if r.kind == "vraag")
    n = kit.open_round(trainer, sid, item_code=question.code)
    wrong = (question.answer + 1) % len(question.options)
    kit.submit_round_answer(a, sid, n, choice=question.answer)
    kit.submit_round_answer(b, sid, n, choice=wrong)
    kit.submit_round_answer(c, sid, n, choice=wrong)
    leader = kit.session_state(trainer, sid)
    counts = dict(leader["answers"]["distribution"])
    assert counts[question.options[question.answer]] == 1 and counts[question.options[wrong]] == 2
    assert "answer" not in leader["round"] and "explanation" not in leader["round"]
    mine = kit.session_state(b, sid)
    assert mine["own_answer"] == {"choice": wrong, "text": None, "correct": None}
    assert "answers" not in mine and "answer" not in mine["round"]
    with pytest.raises(Conflict):
        kit.reveal(trainer, sid)  # still open: people could change their answer after seeing it
    kit.close_round(trainer, sid)
    kit.reveal(trainer, sid)
    leader = kit.session_state(trainer, sid)
    assert leader["round"]["answer"] == question.answer and leader["round"]["explanation"] == question.explanation
    assert kit.session_state(a, sid)["own_answer"]["correct"] is True
    assert kit.session_state(b, sid)["own_answer"]["correct"] is False


def test_no_name_in_any_view_of_the_room(day):
    """Do the projector's views of all three kinds hold the answers but never a participant's name or
    user name, and does a participant never see another's answer?"""
    kit, trainer, cursists, sid, plan = day
    seen = []
    for kind in ("situatie", "ervaring"):
        n = open_kind(kit, trainer, sid, plan, kind)
        for k, c in enumerate(cursists):
            kit.submit_round_answer(c, sid, n, text=f"Troosten ({'xyz'[k]})")
        leader = repr(kit.session_state(trainer, sid))
        other = repr(kit.session_state(cursists[0], sid))
        assert "Troosten (z)" in leader and "Troosten (z)" not in other
        seen.append(leader)
        kit.close_round(trainer, sid)
    for c in cursists:
        for text_ in seen:
            assert c.username not in text_ and "Cursist" not in text_
    situatie = seen[0]
    assert "'groups': [('troosten'" in situatie


def test_who_took_part_scored_or_answered(day, content):
    """Does session_participants_who_took_part list who answered or scored at least once (not who only
    joined), for the leader only, and does closing use the same list?"""
    kit, trainer, (a, b, c), sid, plan = day
    n = open_kind(kit, trainer, sid, plan, "ervaring")
    kit.submit_round_answer(a, sid, n, text="Een mooie groep")
    assert [p["username"] for p in kit.session_participants_who_took_part(trainer, sid)] == [a.username]
    with pytest.raises(PermissionDenied):
        kit.session_participants_who_took_part(a, sid)
    coordinator = kit.add_person(SYSTEM, "coord9", role="coordinator", display_name="Coord", password=PW)
    assert len(kit.session_participants_who_took_part(coordinator, sid)) == 1
    kit.close_round(trainer, sid)
    closed = kit.close_session(trainer, sid, rules=load_rules(CONTENT))
    assert closed["attended"] == [a.username] and closed["programme"] == "babytijd"
    assert c.username not in closed["attended"] and b.username not in closed["attended"]
    report = kit.session_report(trainer, sid)
    assert report.attended == (a.display_name,) and report.plan_name == plan.name
    page = report_html(report)
    assert "Een mooie groep" in page and "ervaringen" in page


def test_closing_a_babytijd_day_records_the_terugkomdag_for_who_took_part(day):
    """Does closing a Babytijd terugkomdag record the refresher (the terugkomdag) for today for each
    person who answered, in the same transaction, so that their registration stays active, and
    nothing for who only joined?"""
    from oefenkit.programmes import load_paths
    from oefenkit.storage.exams import LOCAL_TZ

    kit, trainer, (a, b, _c), sid, plan = day
    paths = load_paths(CONTENT)
    for _ in range(2):  # a's registration: two dagdelen of the train-de-trainer, accepted
        kit.record_requirement(trainer, a.username, "babytijd", "train-de-trainer", paths=paths)
    [proposal] = kit.list_open_proposals(trainer)
    cert = kit.decide_certificate(trainer, proposal["decision_id"], accept=True, rules={})["certificate"]
    with kit.transaction() as s:  # the registration lapsed long ago: the terugkomdag was missed
        row = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == cert.code))
        row.statistics = {**row.statistics, "valid_until_base": "2020-01-01"}
        row.valid_until = dt.datetime(2020, 1, 1, 12, tzinfo=dt.timezone.utc)
    assert kit.verify_certificate(cert.code)["status"] == "verlopen: terugkomdag gemist"
    n = open_kind(kit, trainer, sid, plan, "ervaring")
    kit.submit_round_answer(a, sid, n, text="Een mooie groep")
    kit.close_round(trainer, sid)
    closed = kit.close_session(trainer, sid, rules=load_rules(CONTENT), paths=paths)
    assert closed["attendance_recorded"] == [a.username]
    today = dt.datetime.now(LOCAL_TZ).date()
    progress = kit.requirement_progress(a, a.username, "babytijd", paths=paths)
    assert progress["refresher"]["dates"] == [today]
    assert kit.requirement_progress(b, b.username, "babytijd", paths=paths)["refresher"]["dates"] == []
    # the lapsed registration is active again, until two years after today's terugkomdag
    verified = kit.verify_certificate(cert.code)
    assert verified["status"] == "geldig" and verified["valid"]
    assert verified["valid_until"] in {today.replace(year=today.year + 2), today.replace(year=today.year + 2, day=28)}


def test_took_part_counts_clip_scores_too(kit, content, people, samples_loaded):
    """In a day of clips (as before), does a score count as taking part, and does the session keep the
    set's programme?"""
    trainer, a = people["trainer"], people["cursist"]
    session = kit.create_session(trainer)
    kit.join_session(a, session["join_code"])
    kit.join_session(people["cursist2"], session["join_code"])
    n = kit.open_round(trainer, session["id"])
    state = kit.session_state(trainer, session["id"])
    assert state["round"]["kind"] == "fragment" and state["planned"] == 0 and state["next"] is not None
    kit.submit_session_scores(a, session["id"], n, {"sensitiviteit": 5, "cooperatie": 4})
    with pytest.raises(ValidationError):
        kit.submit_round_answer(a, session["id"], n, text="Geen tekst in een fragmentronde")
    assert [p["username"] for p in kit.session_participants_who_took_part(trainer, session["id"])] == [a.username]


def test_a_plan_with_clips_offers_them(kit, content, people, samples_loaded):
    """Can a plan day add clip rounds from its optional clip set, and do they count like today's?"""
    import dataclasses

    (plan,) = content.round_plans
    plan = dataclasses.replace(plan, clips="terugkomdag")
    trainer, a = people["trainer"], people["cursist"]
    session = kit.create_session(trainer, plan=plan)
    kit.join_session(a, session["join_code"])
    clips = kit.session_state(trainer, session["id"])["clips"]
    assert clips and kit.session_state(trainer, session["id"])["next"]["kind"] == plan.rounds[0].kind
    n = kit.open_round(trainer, session["id"], case_code=clips[0][0])
    assert kit.session_state(a, session["id"])["round"]["case_code"] == clips[0][0]
    kit.submit_session_scores(a, session["id"], n, {"sensitiviteit": 6, "cooperatie": 6})
    assert len(kit.session_state(trainer, session["id"])["clips"]) == len(clips) - 1


def test_privacy_export_and_delete_cover_answers(day):
    """Does a person's export hold their answers, and their deletion remove them (and nobody else's)?"""
    kit, trainer, (a, b, _), sid, plan = day
    n = open_kind(kit, trainer, sid, plan, "ervaring")
    kit.submit_round_answer(a, sid, n, text="Mijn eigen ervaring")
    kit.submit_round_answer(b, sid, n, text="Die van een ander")
    coordinator = kit.add_person(SYSTEM, "coord9", role="coordinator", display_name="Coord", password=PW)
    export = kit.export_person(coordinator, a.username)
    assert [x["text"] for x in export["live_answers"]] == ["Mijn eigen ervaring"]
    removed = kit.delete_person(coordinator, a.username)
    assert removed["live_answers"] == 1
    assert answers_in_db(kit, sid) == 1


def test_database_refuses_what_the_rules_refuse(kit, people):
    """Do the database's own constraints refuse a second answer per person and round, a text over the
    limit, an empty answer and a content round without content (defence in depth)? The façade turns
    the IntegrityError into a Conflict."""
    trainer, a = people["trainer"], people["cursist"]
    with kit.transaction() as s:
        session = m.LiveSession(join_code="ABCDEF", trainer_id=trainer.id)
        s.add(session)
        s.flush()
        rnd = m.LiveRound(session_id=session.id, number=1, kind="ervaring", content={"kind": "ervaring"})
        s.add(rnd)
        s.flush()
        ids = {"round_id": rnd.id, "session_id": session.id, "person_id": a.id}
    now = m.utcnow()
    row = ids | {"created_at": now, "updated_at": now}
    with kit.transaction() as s:
        s.execute(insert(m.LiveAnswer).values(row | {"answer_text": "ok"}))
    for bad in (row | {"answer_text": "twee"}, row | {"round_id": ids["round_id"], "person_id": people["cursist2"].id,
                                                       "answer_text": "x" * 501},
                row | {"person_id": people["cursist2"].id}):
        with pytest.raises(Conflict):
            with kit.transaction() as s:
                s.execute(insert(m.LiveAnswer).values(bad))
    with pytest.raises(Conflict):
        with kit.transaction() as s:
            s.add(m.LiveRound(session_id=ids["session_id"], number=2, kind="vraag"))
    with pytest.raises(Conflict):
        with kit.transaction() as s:
            s.add(m.LiveRound(session_id=ids["session_id"], number=3, kind="kwis", content={}))


# -- migration 0013 ------------------------------------------------------------------------------------


def test_migration_keeps_existing_rounds_as_fragments(database_url):
    """Upgrading a database with a live round from before 0013: does the round become a fragment round
    with its clip, and does a downgrade drop only the rounds without a clip?"""
    engine = database.make_engine(database_url)
    try:
        cfg, before = downgrade_before(engine, "0013")
        with engine.begin() as conn:
            add_trainer_clip_and_session(conn, current_round=1)
            conn.execute(text("INSERT INTO live_round (id, session_id, number, case_id, opened_at) "
                              "VALUES (1, 1, 1, 1, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO live_session_participant (session_id, person_id, joined_at) "
                              "VALUES (1, 1, CURRENT_TIMESTAMP)"))
            add_live_score(conn)
        database.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT kind, case_id, content FROM live_round")).one() == ("fragment", 1, None)
            # the round's score and the participant stay (SQLite rebuilds live_round)
            assert conn.execute(text("SELECT live_round_id, score FROM rating")).all() == [(1, 5)]
            assert conn.execute(text("SELECT count(*) FROM live_session_participant")).scalar() == 1
            assert conn.execute(text("SELECT programme_code, plan FROM live_session")).one() == (None, None)
            conn.execute(text("INSERT INTO live_round (id, session_id, number, kind, content, opened_at) "
                              "VALUES (2, 1, 2, 'ervaring', :c, CURRENT_TIMESTAMP)"), {"c": '{"kind": "ervaring"}'})
        command.downgrade(cfg, before)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, case_id FROM live_round")).all() == [(1, 1)]
            assert conn.execute(text("SELECT live_round_id FROM rating")).all() == [(1,)]
        database.upgrade(engine)
    finally:
        engine.dispose()
