"""Terugkomdag live sessions: the pure logic (``oefenkit.sessions``) and the storage verbs
(``oefenkit.storage.sessions``) on SQLite and PostgreSQL (``kit`` fixture)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, update

from oefenkit.certification import load_rules
from oefenkit.errors import Conflict, ContentError, NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.sessions import (
    JOIN_CODE_ALPHABET,
    Prompt,
    choose_prompts,
    load_prompts,
    new_join_code,
    normalise_join_code,
    report_html,
    room_alpha,
    scale_stats,
)
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m

CONTENT = PROJECT_ROOT / "content"
BOTH = {"sensitiviteit": 5, "cooperatie": 4}


# -- pure logic ------------------------------------------------------------------------------------


def test_join_codes_avoid_confusable_characters():
    """Are join codes six characters without 0/O, 1/I/L, and is typed input normalised?"""
    assert not set("0O1IL") & set(JOIN_CODE_ALPHABET)
    codes = {new_join_code() for _ in range(200)}
    assert all(len(c) == 6 and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)
    assert len(codes) > 190
    assert normalise_join_code(" k7m-3qx ") == "K7M3QX"
    for bad in ("", "K7M3Q", "K7M3QXX", "K7M3Q0", "K7M3QI"):
        with pytest.raises(ValidationError):
            normalise_join_code(bad)


def test_scale_stats_outliers_are_anonymous_scores():
    """Does scale_stats give count, histogram, median, mean, SD, hinges and outliers ≥ 3 from the median?"""
    s = scale_stats([6, 6, 7, 5, 6, 2, 9], scale_code="sensitiviteit")
    assert s.n == 7 and s.histogram == (0, 1, 0, 0, 1, 3, 1, 0, 1)
    assert s.median == 6 and s.mean == pytest.approx(41 / 7)
    assert s.sd == pytest.approx(2.1157, abs=1e-4)
    assert (s.q1, s.q3) == (5.0, 7.0) and s.iqr == 2.0
    assert s.outliers == (2, 9)
    one = scale_stats([4])
    assert one.sd is None and one.median == 4 and one.outliers == ()
    with pytest.raises(ValidationError):
        scale_stats([10])


def test_room_alpha_matches_the_reference_package():
    """Is the room's alpha the krippendorff package's interval alpha, with participants missing rounds?"""
    import krippendorff
    import numpy as np

    data = [[3, 7, 5, np.nan], [3, 6, 5, 2], [4, 7, np.nan, 3]]  # raters × items
    records = [(r, i, v) for r, row in enumerate(data) for i, v in enumerate(row) if not np.isnan(v)]
    expected = krippendorff.alpha(reliability_data=np.array(data), level_of_measurement="interval")
    assert room_alpha(records).value == pytest.approx(round(expected, 3))
    assert room_alpha([("a", "x", 5)]).value is None
    same = room_alpha([("a", "x", 5), ("b", "x", 5)])
    assert same.value is None and same.reason


def test_prompts_are_validated_and_chosen_by_situation(tmp_path):
    """Are the shipped prompts valid, does a wide spread come first, and is a bad file refused in Dutch?"""
    prompts = load_prompts(CONTENT / "sessions" / "gespreksvragen.yaml")
    wide = choose_prompts(prompts, [scale_stats([3, 7, 5, 5], scale_code="sensitiviteit")], revealed=False)
    assert "uiteen" in wide[0] and len(wide) <= 4
    agree = choose_prompts(prompts, [scale_stats([5, 5, 6], scale_code="cooperatie")], revealed=False)
    assert "dicht bij elkaar" in agree[0]
    far = choose_prompts(prompts, [scale_stats([7, 7, 8], scale_code="cooperatie", expert=4)], revealed=True)
    assert "expertscore" in far[0]
    assert choose_prompts((Prompt("altijd", "A"), Prompt("spreiding", "B", "cooperatie")),
                          [scale_stats([1, 9], scale_code="sensitiviteit")], revealed=False) == ["A"]
    bad = tmp_path / "vragen.yaml"
    bad.write_text("vragen:\n  - {wanneer: soms, tekst: x}\n", encoding="utf-8")
    with pytest.raises(ContentError, match="wanneer"):
        load_prompts(bad)
    bad.write_text("vragen:\n  - {wanneer: eens, tekst: x}\n", encoding="utf-8")
    with pytest.raises(ContentError, match="altijd"):
        load_prompts(bad)


# -- storage ------------------------------------------------------------------------------------------


@pytest.fixture
def room(kit, content, people, samples_loaded):
    """A loaded kit, a trainer's session with three joined cursists and round 1 open."""
    extra = kit.add_person(SYSTEM, "cursist3", role="cursist", display_name="Cursist Drie",
                           password="geheim-wachtwoord")
    cursists = [people["cursist"], people["cursist2"], extra]
    trainer = people["trainer"]
    session = kit.create_session(trainer)
    for c in cursists:
        kit.join_session(c, session["join_code"])
    kit.open_round(trainer, session["id"])
    return kit, trainer, cursists, session["id"], session["join_code"]


def session_rating_count(kit, session_id: int) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.Rating).where(m.Rating.live_session_id == session_id))


def test_a_round_end_to_end(room):
    """Do joined participants score, change their score, see only their own, and get feedback after
    the reveal, while the dashboard shows counts, statistics and the expert score only after reveal?"""
    kit, trainer, (a, b, c), sid, _ = room
    kit.submit_session_scores(a, sid, 1, {"sensitiviteit": 3, "cooperatie": 4}, "Moeder kijkt weg")
    kit.submit_session_scores(b, sid, 1, {"sensitiviteit": 4, "cooperatie": 4})
    changed = kit.submit_session_scores(b, sid, 1, {"sensitiviteit": 8, "cooperatie": 5}, "toch hoger")
    assert changed["changed"] is True
    state = kit.session_state(trainer, sid)
    assert state["round"]["submitted"] == 2 and state["participants"] == 3
    sens = state["stats"][0]
    assert sens.scale_code == "sensitiviteit" and sens.n == 2 and sorted([3, 8]) == [sens.minimum, sens.maximum]
    assert sens.expert is None and sens.rationale == ""
    own = kit.session_state(b, sid)
    assert own["own"] == {"scores": {"sensitiviteit": 8, "cooperatie": 5}, "note": "toch hoger"}
    assert own["feedback"] is None and "stats" not in own and "alpha" not in own
    assert kit.session_state(c, sid)["own"] is None
    kit.close_round(trainer, sid)
    kit.reveal(trainer, sid)
    after = kit.session_state(trainer, sid)
    assert after["round"]["revealed"] and after["stats"][0].expert is not None and after["stats"][0].rationale
    fb = kit.session_state(a, sid)["feedback"]
    assert fb is not None and fb.scales[0].own == 3 and fb.scales[0].consensus == after["stats"][0].expert
    assert session_rating_count(kit, sid) == 4  # 2 participants × 2 scales, the change in place


def test_participants_never_see_names_or_early_expert_scores(room):
    """Does no state a participant or the projector gets hold another participant's name, and no
    expert score or rationale before the reveal?"""
    kit, trainer, (a, b, c), sid, _ = room
    kit.submit_session_scores(a, sid, 1, BOTH, "geheim-notitie-a")
    kit.submit_session_scores(b, sid, 1, {"sensitiviteit": 9, "cooperatie": 1})
    names = ["Cursist Een", "Cursist Twee", "Cursist Drie", "cursist1", "cursist2", "cursist3"]
    for who in (trainer, c, b):
        text = repr(kit.session_state(who, sid))
        assert not any(n in text for n in names)
        assert "geheim-notitie-a" not in text and "Expert" not in text
        assert "rationale=''" in text or "rationale" not in text
    kit.close_round(trainer, sid)
    assert "Expert" not in repr(kit.session_state(c, sid))  # closed, not revealed
    with pytest.raises(PermissionDenied):
        kit.reveal(a, sid)


def test_wrong_expired_and_closed_codes_and_joining_twice(room, people):
    """Are a wrong code, an expired and a closed session refused with a Dutch message, and is joining
    twice a friendly message that keeps the stored scores?"""
    kit, trainer, (a, *_), sid, code = room
    kit.submit_session_scores(a, sid, 1, BOTH)
    other = "".join(ch for ch in JOIN_CODE_ALPHABET if ch not in code)[:6]
    with pytest.raises(NotFound, match="geen enkele sessie"):
        kit.join_session(a, other)
    with pytest.raises(ValidationError, match="6 letters"):
        kit.join_session(a, "12")
    again = kit.join_session(a, code.lower())
    assert again["already"] is True and "al mee" in again["message"]
    assert kit.session_state(a, sid)["own"]["scores"] == BOTH
    late = kit.add_person(SYSTEM, "laat", role="cursist", display_name="Laat", password="geheim-wachtwoord")
    with kit.transaction() as s:
        s.execute(update(m.LiveSession).values(created_at=m.utcnow() - dt.timedelta(hours=13)))
    with pytest.raises(Conflict, match="verlopen"):
        kit.join_session(late, code)
    kit.close_session(trainer, sid, rules=load_rules(CONTENT))
    with pytest.raises(Conflict, match="afgesloten"):
        kit.join_session(late, code)


def test_submitting_after_the_round_closed_keeps_the_earlier_score(room):
    """Is a submission after the trainer closed the round refused in Dutch, with the earlier score kept,
    also for a page still showing an old round and for someone who never joined?"""
    kit, trainer, (a, b, _), sid, _ = room
    kit.submit_session_scores(a, sid, 1, BOTH)
    kit.close_round(trainer, sid)
    with pytest.raises(Conflict, match="gesloten.*bewaard"):
        kit.submit_session_scores(a, sid, 1, {"sensitiviteit": 9, "cooperatie": 9})
    assert kit.session_state(a, sid)["own"]["scores"] == BOTH
    kit.open_round(trainer, sid)
    with pytest.raises(Conflict, match="Ronde 1 is gesloten"):
        kit.submit_session_scores(b, sid, 1, BOTH)
    with pytest.raises(ValidationError, match="beide schalen"):
        kit.submit_session_scores(b, sid, 2, {"sensitiviteit": 5})
    with pytest.raises(ValidationError):
        kit.submit_session_scores(b, sid, 2, {"sensitiviteit": 0, "cooperatie": 5})
    outsider = kit.add_person(SYSTEM, "buiten", role="cursist", display_name="Buiten",
                              password="geheim-wachtwoord")
    with pytest.raises(PermissionDenied, match="code"):
        kit.submit_session_scores(outsider, sid, 2, BOTH)
    assert session_rating_count(kit, sid) == 2


def test_trainer_page_reload_reattaches_and_connection_drop_keeps_scores(room):
    """After a trainer's reload, does the trainer find the open session in the same round, and does a
    participant whose page dropped find their session and stored score again?"""
    kit, trainer, (a, *_), sid, _ = room
    kit.submit_session_scores(a, sid, 1, BOTH, "eerste indruk")
    assert kit.trainer_open_session(trainer) == sid
    state = kit.session_state(trainer, sid)
    assert state["round"]["number"] == 1 and state["round"]["open"] and state["round"]["submitted"] == 1
    assert kit.participant_open_session(a) == sid
    assert kit.session_state(a, sid)["own"] == {"scores": BOTH, "note": "eerste indruk"}
    with pytest.raises(PermissionDenied):
        kit.trainer_open_session(a)


def test_retried_submission_id_changes_nothing_and_rows_are_unique(room):
    """Does a retried submission (same id) change nothing, and does the database refuse a second row
    for the same round, rater and scale?"""
    kit, trainer, (a, *_), sid, _ = room
    first = kit.submit_session_scores(a, sid, 1, BOTH, submission_id="abc")
    assert first["changed"] is True
    assert kit.submit_session_scores(a, sid, 1, BOTH, submission_id="abc")["changed"] is False
    with kit.transaction() as s:
        row = s.scalar(select(m.Rating).where(m.Rating.live_session_id == sid).limit(1))
        values = dict(rater_id=row.rater_id, case_id=row.case_id, scale_id=row.scale_id, score=3, mode="session",
                      live_session_id=sid, live_round_id=row.live_round_id)
    with pytest.raises(Conflict):
        with kit.transaction() as s:
            s.add(m.Rating(**values))
    assert session_rating_count(kit, sid) == 2


def test_concurrent_submissions_lose_and_duplicate_nothing(room):
    """Do twelve threads submitting (and changing) scores at once while the token is polled end with
    exactly one row per participant and scale holding each participant's last score?"""
    kit, trainer, cursists, sid, code = room
    more = [kit.add_person(SYSTEM, f"druk{i}", role="cursist", display_name=f"Druk {i}",
                           password="geheim-wachtwoord") for i in range(9)]
    for p in more:
        kit.join_session(p, code)
    everyone = cursists + more
    errors = []
    token = kit.session_token(trainer, sid)

    def work(i, person):
        try:
            for k in range(3):
                kit.submit_session_scores(person, sid, 1, {"sensitiviteit": 1 + (i + k) % 9, "cooperatie": 1 + k},
                                          submission_id=f"{person.username}-{k}")
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, p)) for i, p in enumerate(everyone)]
    for t in threads:
        t.start()
    assert kit.wait_for_change(trainer, sid, token, timeout=10) != token
    for t in threads:
        t.join()
    assert errors == []
    assert session_rating_count(kit, sid) == 2 * len(everyone)
    state = kit.session_state(trainer, sid)
    assert state["round"]["submitted"] == len(everyone)
    assert state["stats"][1].histogram[2] == len(everyone)  # everyone's last coöperatie score is 3
    for i, p in enumerate(everyone):
        assert kit.session_state(p, sid)["own"]["scores"] == {"sensitiviteit": 1 + (i + 2) % 9, "cooperatie": 3}


def test_rounds_controls_and_permissions(room, people):
    """Are round controls for the leading trainer only, does reveal need a closed round, does
    next_round walk the set, and is a non-session set refused?"""
    kit, trainer, (a, *_), sid, _ = room
    with pytest.raises(Conflict, match="nog open"):
        kit.open_round(trainer, sid)
    with pytest.raises(Conflict, match="Sluit eerst"):
        kit.reveal(trainer, sid)
    with pytest.raises(PermissionDenied):
        kit.close_round(a, sid)
    other = kit.add_person(SYSTEM, "trainer2", role="trainer", display_name="T2", password="geheim-wachtwoord")
    with pytest.raises(PermissionDenied, match="leidt"):
        kit.close_round(other, sid)
    with pytest.raises(PermissionDenied):
        kit.create_session(a)
    with pytest.raises(ValidationError, match="sessieset"):
        kit.create_session(trainer, "oefenen")
    seen = {kit.session_state(trainer, sid)["round"]["case_code"]}
    total = kit.session_state(trainer, sid)["cases_total"]
    for expected in range(2, total + 1):
        assert kit.next_round(trainer, sid) == expected
        seen.add(kit.session_state(trainer, sid)["round"]["case_code"])
    assert len(seen) == total
    with pytest.raises(Conflict, match="Alle fragmenten"):
        kit.next_round(trainer, sid)
    with pytest.raises(NotFound):
        kit.session_state(trainer, 99999)


def test_closing_renews_attendance_and_fills_history_and_report(room, people):
    """Does closing the session renew the certificate of someone who scored (not of someone who only
    joined), put each participant's private feedback in their own history, and give a report of all
    rounds without names except the attendance list?"""
    kit, trainer, (a, b, c), sid, _ = room
    rules = load_rules(CONTENT)
    with kit.transaction() as s:
        prog = s.scalar(select(m.Programme).where(m.Programme.code == "ouder-baby"))
        soon = m.utcnow() + dt.timedelta(days=30)
        for person in (a, c):
            s.add(m.Certificate(person_id=person.id, programme_id=prog.id, verification_code=f"V{person.id}X",
                                valid_until=soon, decision="accepted"))
    kit.submit_session_scores(a, sid, 1, BOTH, "mijn notitie")
    kit.submit_session_scores(b, sid, 1, {"sensitiviteit": 2, "cooperatie": 2})
    kit.close_round(trainer, sid)
    assert kit.session_history(a)[0]["feedback"] is None  # not revealed, session still open
    result = kit.close_session(trainer, sid, rules=rules)
    assert result["attended"] == ["cursist1", "cursist2"]
    assert [r["username"] for r in result["renewed"]] == ["cursist1"]
    assert kit.verify_certificate(f"V{a.id}X")["valid_until"] > soon.date()
    assert kit.verify_certificate(f"V{c.id}X")["valid_until"] == soon.date()
    [entry] = kit.session_history(a)
    assert entry["scores"] == BOTH and entry["note"] == "mijn notitie" and entry["feedback"].scales
    assert kit.session_history(c) == []
    with pytest.raises(PermissionDenied):
        kit.session_history(a, "cursist2")
    report = kit.session_report(trainer, sid)
    assert report.closed_at is not None and len(report.rounds) == 1 and report.rounds[0].scales[0].n == 2
    page = report_html(report)
    assert "Ronde 1" in page and "Cursist Een" in page and "Cursist Drie" not in page
    assert page.count("Cursist") == 2  # only in the attendance list
    with pytest.raises(Conflict, match="afgesloten"):
        kit.open_round(trainer, sid)
    entries = [e["action"] for e in kit.list_audit_entries(people["coordinator"])]
    assert "live_session.close" in entries and "live_session.create" in entries
    with pytest.raises(PermissionDenied):
        kit.session_report(a, sid)


def test_mijn_gegevens_shows_the_private_terugkomdag_feedback(room, people):
    """After the session, does the participant's own "Mijn gegevens" list the round with their score and,
    once revealed, the expert score, and does another participant's page not show it?"""
    from oefenkit_widgets.pages.profile import profile_page

    kit, trainer, (a, b, c), sid, _ = room
    kit.submit_session_scores(a, sid, 1, BOTH, "eigen <b>notitie</b>")
    kit.close_round(trainer, sid)

    def table(person):
        page = profile_page(kit, person)
        [history] = [child for child in page.children if "ok-session-history" in child._dom_classes]
        return history

    before = table(a)
    assert "eigen &lt;b&gt;notitie&lt;/b&gt;" in before.value and "nog niet bekend" in before.value
    kit.close_session(trainer, sid, rules=load_rules(CONTENT))
    after = table(a)
    assert "nog niet bekend" not in after.value and len(after.rows) == 1
    assert after.rows[0][3]  # the expert score (consensus per scale)
    assert table(c).rows == [] and "nog niet aan een terugkomdag" in table(c).value
    [ratings] = [child for child in profile_page(kit, a).children if "ok-my-ratings" in child._dom_classes]
    assert {row[4] for row in ratings.rows} == {"terugkomdag"}  # live rounds, not intervision


# -- the people a session expects (kernels started ahead, server/kernels.py) ------------------------


def test_expected_participants_are_validated_and_stored(kit, content, people, samples_loaded):
    """Does a session keep the number of people the trainer expects, refusing anything but a whole
    number from 1 to 200 with a Dutch message and storing nothing then?"""
    trainer = people["trainer"]
    for bad in (0, -3, 201, True, 2.5, "12"):
        with pytest.raises(ValidationError, match="heel getal van 1 tot en met 200"):
            kit.create_session(trainer, expected=bad)
    with kit.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.LiveSession)) == 0
    for ok in (1, 200, None):
        sid = kit.create_session(trainer, expected=ok)["id"]
        with kit.transaction() as s:
            assert s.get(m.LiveSession, sid).expected_participants == ok
        kit.close_session(trainer, sid, rules={})


def test_prewarm_demand_counts_open_recent_sessions_minus_who_joined(kit, content, people, samples_loaded):
    """Does the server's demand list only open sessions with an expected number created in the last
    three hours, each with the user names of those who joined?"""
    trainer = people["trainer"]
    assert kit.list_prewarm_demand() == []
    unknown = kit.create_session(trainer)  # no expected number: nothing to start ahead
    wanted = kit.create_session(trainer, expected=12)
    closed = kit.create_session(trainer, expected=30)
    kit.close_session(trainer, closed["id"], rules={})
    old = kit.create_session(trainer, expected=40)
    with kit.transaction() as s:
        s.execute(update(m.LiveSession).where(m.LiveSession.id == old["id"])
                  .values(created_at=m.utcnow() - dt.timedelta(hours=3, minutes=1)))
    kit.join_session(people["cursist"], wanted["join_code"])
    kit.join_session(people["cursist2"], wanted["join_code"])
    kit.join_session(people["cursist"], unknown["join_code"])
    assert kit.list_prewarm_demand() == [(wanted["id"], 12, {people["cursist"].username,
                                                              people["cursist2"].username})]
    with kit.transaction() as s:
        s.execute(update(m.LiveSession).where(m.LiveSession.id == old["id"])
                  .values(created_at=m.utcnow() - dt.timedelta(hours=2, minutes=59)))
    assert sorted(kit.list_prewarm_demand()) == sorted([(wanted["id"], 12, {people["cursist"].username,
                                                                             people["cursist2"].username}),
                                                        (old["id"], 40, set())])
