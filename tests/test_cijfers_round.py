"""The terugkomdag round ``cijfers`` (issue 20): the pooled Babytijd figures of the uitvoerders who joined,
in storage (``oefenkit.storage.session_figures`` over the session verbs) on SQLite and PostgreSQL
(``kit`` fixture), on the projector and the phones (``widgets/dashboard.py``, ``widgets/session.py``),
and migration 0019."""

from __future__ import annotations

import html
import json
import re

import pytest
from alembic import command
from sqlalchemy import func, select, text

from oefenkit.babytijd import AttendanceMark
from oefenkit.certification import load_rules
from oefenkit.errors import PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.sessions import load_prompts, report_html
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage import models as m
from oefenkit_widgets.dashboard import dashboard_page
from oefenkit_widgets.session import session_page

from .migration_rows import add_live_score, add_trainer_clip_and_session, downgrade_before

CONTENT = PROJECT_ROOT / "content"
SUBGOALS = ["kennis", "sensitief", "autonomie", "structuur", "uitleg", "normaal", "vertrouwen", "steun"]
# cursist1's reeks: six opvoeders, all present at meetings 1-5 except one absence (ziek-baby, by B6 only),
# a nulmeting and a na-5 of all six: +1 on kennis for everyone, the rest unchanged.
CODES = ["B1", "B2", "B3", "B4", "B5", "B6"]


def text_of(value: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", value)).split())


def _fill_reeks(kit, uitvoerder, codes, *, absent: str | None = None):
    reeks = kit.babytijd.create_reeks(uitvoerder, name=f"Reeks van {uitvoerder.username}")
    for k, code in enumerate(codes):
        kit.babytijd.add_opvoeder(uitvoerder, reeks.id, code, consent=k % 2 == 0, baby_age_months=3)
    for meeting in range(1, 7):
        kit.babytijd.record_attendance(uitvoerder, reeks.id, meeting, {
            c: AttendanceMark(False, "ziek-baby") if (c == absent and meeting == 6) else AttendanceMark(True)
            for c in codes})
    for code in codes:
        kit.babytijd.record_measurement(uitvoerder, reeks.id, code, "nulmeting", dict.fromkeys(SUBGOALS, 3))
        kit.babytijd.record_measurement(uitvoerder, reeks.id, code, "na-5", dict.fromkeys(SUBGOALS, 3) | {"kennis": 4})
    return reeks


@pytest.fixture
def day(kit, content, people, samples_loaded):
    """Two uitvoerders with reeksen (six and two opvoeders), a Babytijd terugkomdag they both joined,
    and a third cursist who joined without a reeks."""
    one, two = people["cursist"], people["cursist2"]
    _fill_reeks(kit, one, CODES, absent="B6")
    _fill_reeks(kit, two, ["C1", "C2"])
    trainer = people["trainer"]
    (plan,) = content.round_plans
    session = kit.create_session(trainer, expected=3, plan=plan)
    for person in (one, two):
        kit.join_session(person, session["join_code"])
    return kit, trainer, (one, two), session["id"]


def cell(cells, label_start):
    return next(c for c in cells if c["label"].startswith(label_start))


def test_cijfers_round_pools_who_joined_and_suppresses_small_cells(day):
    """Does the trainer's cijfers round show the pooled figures of the two uitvoerders who joined (8
    opvoeders), with a cell of fewer than five opvoeders (the one absence reason, given by one) suppressed
    with the Dutch reason, the same on the phone, and nowhere a code or a name?"""
    kit, trainer, (one, two), sid = day
    number = kit.session_figures.open_figures_round(trainer, sid)
    state = kit.session_state(trainer, sid)
    rnd = state["round"]
    assert (rnd["number"], rnd["kind"]) == (number, "cijfers") and rnd["open"]
    figures = rnd["figures"]
    assert (figures["uitvoerders"], figures["reeksen"]) == (2, 2)
    reach = cell(figures["overview"], "Opvoeders bereikt")
    assert (reach["n"], reach["value"], reach["suppressed"]) == (8, 8.0, False)
    # meetings 1-6: everyone 6 times except B6 (5): mean (7 * 6 + 5) / 8
    assert cell(figures["overview"], "Gemiddeld")["value"] == pytest.approx(47 / 8)
    (ziek,) = figures["absence_reasons"]
    assert ziek["suppressed"] and ziek["value"] is None and "minder dan 5" in ziek["reason"]
    na5 = {c["extra"].get("code"): c for c in figures["changes"]["na-5"]}
    assert (na5["kennis"]["n"], na5["kennis"]["value"], na5["kennis"]["suppressed"]) == (8, 1.0, False)
    assert all(c["suppressed"] for c in figures["changes"]["eind"])  # nobody has an eindevaluatie
    assert state["answers"]["figures"] == figures
    phone = kit.session_state(one, sid)
    assert phone["round"]["figures"] == figures
    dumped = json.dumps({"leader": {k: v for k, v in state.items() if k not in ("stats", "alpha")},
                         "phone": phone}, default=str)
    # codes as whole words: the session's random join code (letters and digits) may hold "B2" or "C2"
    for code in [*CODES, "C1", "C2"]:
        assert not re.search(rf"\b{code}\b", dumped), code
    for secret in [one.username, two.username, one.display_name, two.display_name]:
        assert secret not in dumped, secret


def test_who_joins_later_counts_in_the_next_cijfers_round(day, people):
    """Is the round a snapshot of who joined when it opened, and does a new cijfers round count the
    uitvoerder who joined since? A participant without a reeks adds nothing."""
    kit, trainer, _, sid = day
    kit.session_figures.open_figures_round(trainer, sid)
    first = kit.session_state(trainer, sid)["round"]["figures"]
    late = kit.add_person(SYSTEM, "laat1", role="cursist", display_name="Laat Een", password="geheim-wachtwoord")
    _fill_reeks(kit, late, ["D1"])
    extra = kit.add_person(SYSTEM, "zonder1", role="cursist", display_name="Zonder Reeks",
                           password="geheim-wachtwoord")
    code = kit.session_state(trainer, sid)["join_code"]
    kit.join_session(late, code)
    kit.join_session(extra, code)
    assert kit.session_state(trainer, sid)["round"]["figures"] == first
    kit.close_round(trainer, sid)
    kit.session_figures.open_figures_round(trainer, sid)
    second = kit.session_state(trainer, sid)["round"]["figures"]
    assert (second["uitvoerders"], cell(second["overview"], "Opvoeders bereikt")["n"]) == (3, 9)


def test_nobody_answers_a_cijfers_round_and_only_the_leader_opens_it(day):
    """Is an answer to a cijfers round refused in Dutch with nothing stored, and may neither a
    participant nor another trainer open one?"""
    kit, trainer, (one, _), sid = day
    with pytest.raises(PermissionDenied):
        kit.session_figures.open_figures_round(one, sid)
    other = kit.add_person(SYSTEM, "trainer9", role="trainer", display_name="Trainer Negen",
                           password="geheim-wachtwoord")
    with pytest.raises(PermissionDenied):
        kit.session_figures.open_figures_round(other, sid)
    number = kit.session_figures.open_figures_round(trainer, sid)
    with pytest.raises(ValidationError, match="niets in te leveren"):
        kit.submit_round_answer(one, sid, number, text="mijn mening")
    with kit.transaction(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(m.LiveAnswer)) == 0


def test_report_shows_the_figures_without_codes(day):
    """Does the session report show the cijfers round's figures and the suppression reason, without codes?"""
    kit, trainer, (one, _), sid = day
    kit.session_figures.open_figures_round(trainer, sid)
    page = report_html(kit.session_report(trainer, sid))
    assert "cijfers van de groep" in page and "minder dan 5 opvoeders" in page
    assert "B1" not in page and one.display_name not in page


def test_projector_and_phone_widgets_show_the_figures(kit, content, people, samples_loaded):
    """On the pages: does "Ronde toevoegen" offer Cijfers van de groep, and do the projector and a phone
    then show the pooled figures with the suppressed cell's reason, with no answer box on the phone
    and no reveal button for the trainer?"""
    one = people["cursist"]
    _fill_reeks(kit, one, CODES, absent="B6")
    dash = dashboard_page(kit, people["trainer"], rules=load_rules(CONTENT),
                          prompts=load_prompts(CONTENT / "sessions" / "gespreksvragen.yaml"),
                          plans=content.round_plans, situations=content.voorbeeldsituaties)
    dash.plan.value = "terugkomdag-babytijd"
    dash.create_button.click()
    code = re.search(r">([A-Z2-9]{6})<", dash.code.value).group(1)
    phone = session_page(kit, one, code=code)
    phone.join_button.click()
    dash.refresh()
    dash.picker.kind.value = "cijfers"
    assert [label for label, _ in dash.picker.item.options] == [
        "Cijfers van de Babytijd-reeksen van wie meedoet (zonder namen)"]
    dash.picker.start.click()
    dash.refresh()
    projector = text_of(dash.stats.value)
    assert "Opvoeders bereikt 6 6" in projector and "1 reeks(en) van 1 uitvoerder(s)" in projector
    assert "Ziek (baby) Niet getoond: minder dan 5 opvoeders" in projector
    assert dash.reveal_button.layout.display == "none"
    phone.refresh()
    panel = phone.answer_panel
    shown = text_of(panel.question.value)
    assert "Opvoeders bereikt 6 6" in shown and "Niet getoond" in shown
    assert panel.submit_row.layout.display == "none" and panel.text.layout.display == "none"
    assert "B1" not in shown and one.display_name not in shown


# -- migration 0019 ------------------------------------------------------------------------------------


def test_migration_0019_keeps_rounds_scores_and_answers(database_url):
    """Upgrading over 0019 rebuilds live_round on SQLite: are the rounds, their live scores and their
    answers all still there, is a cijfers round then accepted, and does a downgrade drop only it?"""
    engine = database.make_engine(database_url)
    try:
        cfg, before = downgrade_before(engine, "0019")
        with engine.begin() as conn:
            add_trainer_clip_and_session(conn, current_round=2)
            conn.execute(text("INSERT INTO live_round (id, session_id, number, kind, case_id, opened_at) "
                              "VALUES (1, 1, 1, 'fragment', 1, CURRENT_TIMESTAMP)"))
            conn.execute(text("INSERT INTO live_round (id, session_id, number, kind, content, opened_at) "
                              "VALUES (2, 1, 2, 'ervaring', :c, CURRENT_TIMESTAMP)"), {"c": '{"kind": "ervaring"}'})
            add_live_score(conn)
            conn.execute(text("INSERT INTO live_answer (id, round_id, session_id, person_id, answer_text, created_at, "
                              "updated_at) VALUES (1, 2, 1, 1, 'samen', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
        database.upgrade(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id, kind FROM live_round ORDER BY id")).all() == [(1, "fragment"),
                                                                                              (2, "ervaring")]
            assert conn.execute(text("SELECT live_round_id, score FROM rating")).all() == [(1, 5)]
            assert conn.execute(text("SELECT round_id, answer_text FROM live_answer")).all() == [(2, "samen")]
            conn.execute(text("INSERT INTO live_round (id, session_id, number, kind, content, opened_at) "
                              "VALUES (3, 1, 3, 'cijfers', :c, CURRENT_TIMESTAMP)"), {"c": '{"kind": "cijfers"}'})
        command.downgrade(cfg, before)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT id FROM live_round ORDER BY id")).scalars().all() == [1, 2]
            assert conn.execute(text("SELECT count(*) FROM live_answer")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM rating")).scalar() == 1
        database.upgrade(engine)
    finally:
        engine.dispose()
