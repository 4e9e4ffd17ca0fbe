"""Practice scoring in the core: the practice set per person, atomic attempts, feedback equal to the
documented consensus, no expert information outside the practice set, and who may play which clip.
Runs on SQLite and PostgreSQL (``kit`` fixture)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from oefenkit.agreement.data import Ratings
from oefenkit.agreement.trainee import expert_consensus
from oefenkit.content import SAMPLES_DIR
from oefenkit.errors import NotFound, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.practice import PracticeFeedback
from oefenkit.storage import models as m


@pytest.fixture
def loaded(kit, content, people, samples_loaded):
    return kit


def codes_of_set(content, kind: str) -> list[str]:
    return [c.code for c in content.cases if c.set == kind]


def rating_count(kit) -> int:
    return len(kit.list_ratings(SYSTEM))


def attempt_rows(kit) -> list[tuple[int, int, dict[str, int]]]:
    """Every practice attempt row as (person id, case id, its ratings' scale id → score)."""
    with kit.transaction() as s:
        out = {a.id: (a.person_id, a.case_id, {}) for a in s.scalars(select(m.PracticeAttempt))}
        for r in s.scalars(select(m.Rating).where(m.Rating.practice_attempt_id.is_not(None))):
            out[r.practice_attempt_id][2][r.scale_id] = r.score
        return [out[k] for k in sorted(out)]


def both(s: int = 7, c: int = 4) -> dict[str, int]:
    return {"sensitiviteit": s, "cooperatie": c}


# -- overview --------------------------------------------------------------------------------------


def test_overview_lists_the_practice_set_as_new(loaded, content, people):
    """Does a fresh cursist see exactly the practice set, in set order, every clip new and without scores?"""
    overview = loaded.practice_overview(people["cursist"])
    assert [c.code for c in overview] == codes_of_set(content, "practice")
    assert {c.status for c in overview} == {"new"}
    assert all(c.scores == {} and c.attempts == 0 and c.set_code == "oefenen" for c in overview)


def test_overview_marks_only_own_attempts_done(loaded, content, people):
    """After an attempt, is that clip done with the person's latest scores, and still new for another cursist?"""
    code = codes_of_set(content, "practice")[0]
    loaded.submit_practice(people["cursist"], code, both(3, 4))
    loaded.submit_practice(people["cursist"], code, both(7, 4))
    mine = {c.code: c for c in loaded.practice_overview(people["cursist"])}
    assert mine[code].status == "done" and mine[code].attempts == 2
    assert mine[code].scores == {"sensitiviteit": 7, "cooperatie": 4}
    assert {c.code for c in mine.values() if c.status == "done"} == {code}
    theirs = {c.code: c for c in loaded.practice_overview(people["cursist2"])}
    assert theirs[code].status == "new"


# -- submitting --------------------------------------------------------------------------------------


def test_submit_stores_both_scales_as_one_practice_attempt(loaded, content, people):
    """Are both scales stored together, mode practice, with the note and the same moment?"""
    code = codes_of_set(content, "practice")[1]
    loaded.submit_practice(people["cursist"], code, both(6, 5), "  Moeder troost snel.  ")
    rows = loaded.list_ratings(people["cursist"], rater_username="cursist1")
    assert sorted((r.case_code, r.scale_code, r.score, r.mode, r.note) for r in rows) == [
        (code, "cooperatie", 5, "practice", "Moeder troost snel."),
        (code, "sensitiviteit", 6, "practice", "Moeder troost snel."),
    ]
    assert rows[0].created_at == rows[1].created_at


def test_submit_stores_one_attempt_row_holding_both_ratings(loaded, content, people):
    """Does a submission store one practice_attempt row (person, case, the feedback's moment) that
    both its ratings point to, while an exam rating points to no attempt?"""
    code = codes_of_set(content, "practice")[1]
    feedback = loaded.submit_practice(people["cursist"], code, both(6, 5))
    with loaded.transaction() as s:
        [attempt] = s.scalars(select(m.PracticeAttempt)).all()
        case_id = s.scalar(select(m.Case.id).where(m.Case.code == code))
        linked = sorted(s.scalars(select(m.Rating.score).where(m.Rating.practice_attempt_id == attempt.id)))
        at = attempt.submitted_at if attempt.submitted_at.tzinfo else attempt.submitted_at.replace(tzinfo=dt.UTC)
    assert (attempt.person_id, attempt.case_id, linked) == (people["cursist"].id, case_id, [5, 6])
    assert at == feedback.submitted_at
    exam_code = codes_of_set(content, "exam")[0]
    loaded.add_ratings(people["cursist"], exam_code, both(), mode="exam")
    with loaded.transaction() as s:
        assert s.scalars(select(m.Rating.practice_attempt_id).where(m.Rating.mode == "exam")).all() == [None, None]
        assert s.scalar(select(func.count()).select_from(m.PracticeAttempt)) == 1


def test_scores_stored_apart_are_two_attempts_however_close_in_time(loaded, content, people):
    """Are two add_ratings calls on one case (one scale each, a moment apart) two attempts? The old
    5-second window glued them together; an attempt is now what was stored together."""
    code = codes_of_set(content, "practice")[0]
    loaded.add_ratings(people["cursist"], code, {"sensitiviteit": 2}, mode="practice")
    loaded.add_ratings(people["cursist"], code, {"cooperatie": 8}, mode="practice")
    history = loaded.practice_history(people["cursist"])
    assert [(a.number, a.scores) for a in history] == [(1, {"sensitiviteit": 2}), (2, {"cooperatie": 8})]
    overview = {c.code: c for c in loaded.practice_overview(people["cursist"])}
    assert (overview[code].attempts, overview[code].scores) == (2, {"cooperatie": 8})
    assert len(attempt_rows(loaded)) == 2


@pytest.mark.parametrize("scores, error", [
    ({"sensitiviteit": 7}, ValidationError),                       # one scale missing
    ({"sensitiviteit": 7, "cooperatie": 10}, ValidationError),     # out of range
    ({"sensitiviteit": 7, "cooperatie": "4"}, ValidationError),    # not an int
    ({"sensitiviteit": 7, "cooperatie": 4, "onbekend": 3}, NotFound),
])
def test_bad_attempt_stores_nothing(loaded, content, people, scores, error):
    """Is an incomplete or invalid attempt refused with nothing stored (not even the valid scale)?"""
    code = codes_of_set(content, "practice")[0]
    before = rating_count(loaded)
    with pytest.raises(error):
        loaded.submit_practice(people["cursist"], code, scores)
    assert rating_count(loaded) == before and attempt_rows(loaded) == []


def test_feedback_equals_the_documented_consensus(loaded, content, people):
    """Are consensus, spread, expert scores and rationale in the feedback those of the stored expert scores?"""
    trainer = people["trainer"]
    details = {c.code: c.details for c in loaded.list_cases(trainer)}
    for code in codes_of_set(content, "practice"):
        feedback = loaded.submit_practice(people["cursist"], code, both(5, 5))
        assert isinstance(feedback, PracticeFeedback) and feedback.case_code == code
        stored = loaded.list_expert_scores(trainer, code)
        assert {s.scale_code for s in feedback.scales} == {"sensitiviteit", "cooperatie"}
        for s in feedback.scales:
            scores = [(e.expert_username, code, e.score) for e in stored if e.scale_code == s.scale_code]
            expected = expert_consensus(Ratings.from_records(scores, scale_min=1, scale_max=9)).scores[code]
            assert s.consensus == expected
            assert (s.expert_min, s.expert_max) == (min(x[2] for x in scores), max(x[2] for x in scores))
            assert sorted(e.score for e in s.experts) == sorted(x[2] for x in scores)
            assert s.own == 5 and s.deviation == 5 - expected and s.abs_deviation == abs(5 - expected)
            assert s.rationale == details[code]["rationale"][s.scale_code]
            assert all(e.name.startswith("Expert ") for e in s.experts)
        # and the script's own consensus says the same
        script = next(c for c in content.cases if c.code == code)
        assert {s.scale_code: s.consensus for s in feedback.scales} == dict(script.consensus)


def test_practice_note_up_to_5000_characters(loaded, content, people):
    """Is a practice note of 5000 characters kept whole, and one of 5001 refused with nothing stored?"""
    code = codes_of_set(content, "practice")[0]
    with pytest.raises(ValidationError, match="hoogstens 5000 tekens"):
        loaded.submit_practice(people["cursist"], code, both(), "x" * 5001)
    assert rating_count(loaded) == 0
    feedback = loaded.submit_practice(people["cursist"], code, both(), "x" * 5000)
    assert feedback.note == "x" * 5000
    assert {r.note for r in loaded.list_ratings(people["cursist"], rater_username="cursist1")} == {"x" * 5000}


def test_a_retry_that_loses_the_race_gets_the_first_feedback(loaded, content, people, monkeypatch):
    """A retried practice submission whose first look misses the winner's rows (not committed yet)
    hits the database's unique rule: does it get the winner's feedback instead of an error, with
    nothing stored twice? The race is made deterministic by hiding the rows from that first look."""
    code = codes_of_set(content, "practice")[0]
    first = loaded.submit_practice(people["cursist"], code, both(7, 3), submission_id="race")
    real, looks = type(loaded.practice)._submitted, []

    def first_look_misses(s, actor, submission_id):
        looks.append(submission_id)
        return [] if len(looks) == 1 else real(s, actor, submission_id)

    monkeypatch.setattr(loaded.practice, "_submitted", first_look_misses)
    assert loaded.submit_practice(people["cursist"], code, both(7, 3), submission_id="race") == first
    assert looks == ["race", "race"] and rating_count(loaded) == 2
    assert len(attempt_rows(loaded)) == 1  # the loser's attempt row was rolled back with its ratings


def test_a_rating_on_one_scale_is_its_own_attempt_in_the_history(loaded, content, people):
    """Does a practice rating on one scale only (stored through add_ratings) show in the history as
    an attempt of its own, with the deviation on that scale only?"""
    code = codes_of_set(content, "practice")[0]
    script = next(c for c in content.cases if c.code == code)
    loaded.add_ratings(people["cursist"], code, {"sensitiviteit": 2}, mode="practice")
    [attempt] = loaded.practice_history(people["cursist"])
    assert (attempt.number, attempt.case_code, attempt.scores) == (1, code, {"sensitiviteit": 2})
    assert attempt.consensus == {"sensitiviteit": script.consensus["sensitiviteit"]}
    assert attempt.abs_deviation == {"sensitiviteit": abs(2 - script.consensus["sensitiviteit"])}


def test_retried_attempt_gets_its_own_first_scores_back_per_scale(loaded, content, people):
    """Does a retried submission (same id, a stale form with other scores) answer with the feedback of
    the first one: sensitiviteit 7 and coöperatie 3 each on its own scale, not swapped or mixed?"""
    code = codes_of_set(content, "practice")[0]
    first = loaded.submit_practice(people["cursist"], code, both(7, 3), submission_id="poging-1")
    again = loaded.submit_practice(people["cursist"], code, both(2, 9), submission_id="poging-1")
    assert {s.scale_code: s.own for s in again.scales} == {"sensitiviteit": 7, "cooperatie": 3}
    assert again == first
    assert rating_count(loaded) == 2 and len(attempt_rows(loaded)) == 1


@pytest.mark.parametrize("kind", ["exam", "session"])
def test_no_feedback_outside_the_practice_set(loaded, content, people, kind):
    """Is a cursist refused feedback (expert scores) on an exam or session case, with nothing stored?"""
    code = codes_of_set(content, kind)[0]
    before = rating_count(loaded)
    with pytest.raises(PermissionDenied, match="oefenset"):
        loaded.submit_practice(people["cursist"], code, both())
    assert rating_count(loaded) == before
    with pytest.raises(PermissionDenied):
        loaded.list_expert_scores(people["cursist"], code)
    with pytest.raises(PermissionDenied):
        loaded.expert_scores_of_set(people["cursist"], "toets")


def test_practice_case_that_is_also_an_exam_case_gives_no_feedback(loaded, content, people):
    """If a trainer puts a practice case in an exam set too, does it leave the practice app (no early master scores)?"""
    practice = codes_of_set(content, "practice")
    exam = codes_of_set(content, "exam")
    loaded.update_or_create_case_set(SYSTEM, "toets", "Toets", "exam", [*exam, practice[0]])
    assert practice[0] not in [c.code for c in loaded.practice_overview(people["cursist"])]
    with pytest.raises(PermissionDenied):
        loaded.submit_practice(people["cursist"], practice[0], both())


def test_a_retry_in_a_kit_with_one_scale(database_url, fast_password_hashing):
    """In a kit whose content has a single scale, does a retried practice submission get the first
    answer back (its score, note and time), as with two scales?"""
    from oefenkit.storage import database
    from oefenkit.storage.kit import Kit

    engine = database.make_engine(database_url)
    try:
        kit = Kit(engine)
        kit.update_or_create_scale("enkel", 1, "Enkel", {"anchors": {"1": "laag", "9": "hoog"}})
        kit.update_or_create_case(SYSTEM, "een", "Eén schaal")
        kit.update_or_create_case_set(SYSTEM, "oefenen", "Oefenen", "practice", ["een"])
        kit.update_or_create_expert(SYSTEM, "expert-enkel", "Expert Enkel")
        kit.update_or_create_expert_score(SYSTEM, "een", "enkel", 5, "reden", expert_username="expert-enkel")
        me = kit.add_person(SYSTEM, "solo", role="cursist", display_name="Solo", password="geheim-wachtwoord")
        first = kit.submit_practice(me, "een", {"enkel": 4}, "eerste keer", submission_id="een-keer")
        again = kit.submit_practice(me, "een", {"enkel": 8}, "tweede keer", submission_id="een-keer")
        assert again == first and ([s.own for s in again.scales], again.note) == ([4], "eerste keer")
    finally:
        engine.dispose()


def test_the_overview_gives_each_clips_duration(loaded, content, people):
    """Does the practice overview give each clip's length from its case details (the list shows it)?"""
    lengths = {c.code: c.details().get("duration") for c in content.cases if c.set == "practice"}
    assert any(lengths.values())
    assert {c.code: c.duration for c in loaded.practice_overview(people["cursist"])} == lengths


def test_unknown_scales_are_named_in_order(loaded, content, people):
    """With two unknown scales in a practice submission, does the Dutch message name the first (in
    alphabetical order), with nothing stored?"""
    code = codes_of_set(content, "practice")[0]
    with pytest.raises(NotFound, match="Schaal 'aaa' bestaat niet"):
        loaded.submit_practice(people["cursist"], code, {**both(), "zzz": 1, "aaa": 1})
    assert rating_count(loaded) == 0


def test_an_emptied_practice_set_shows_nothing(loaded, content, people):
    """When the trainer empties the practice set, do the overview and the history show nothing (the
    reads ask for no case at all, not for a made-up one), while the attempt stays stored?"""
    cursist = people["cursist"]
    loaded.submit_practice(cursist, codes_of_set(content, "practice")[0], both())
    loaded.update_or_create_case_set(SYSTEM, "oefenen", "Oefenen", "practice", [])
    assert loaded.practice_overview(cursist) == [] and loaded.practice_history(cursist) == []
    with loaded.transaction() as s:
        assert s.scalar(select(func.count()).select_from(m.PracticeAttempt)) == 1
    # a cursist in no group lists no groups (the same read of no ids)
    assert loaded.list_groups(people["cursist2"]) == []


def test_rating_stored_elsewhere_gives_no_feedback_for_exam_cases(loaded, content, people):
    """Does a practice-mode rating on an exam case (stored via add_ratings) stay out of the history?"""
    exam_code = codes_of_set(content, "exam")[0]
    loaded.add_ratings(people["cursist"], exam_code, both(), mode="practice")
    assert loaded.practice_history(people["cursist"]) == []


# -- history -------------------------------------------------------------------------------------------


def test_history_in_time_order_with_absolute_deviation(loaded, content, people):
    """Does the history number the attempts in time order with |own − consensus| per scale?"""
    codes = codes_of_set(content, "practice")[:3]
    feedbacks = [loaded.submit_practice(people["cursist"], code, both(9, 1)) for code in codes]
    history = loaded.practice_history(people["cursist"])
    assert [(a.number, a.case_code) for a in history] == [(1, codes[0]), (2, codes[1]), (3, codes[2])]
    for attempt, fb in zip(history, feedbacks):
        assert attempt.scores == {"sensitiviteit": 9, "cooperatie": 1}
        assert attempt.consensus == {s.scale_code: s.consensus for s in fb.scales}
        assert attempt.abs_deviation == {s.scale_code: s.abs_deviation for s in fb.scales}
        assert attempt.mean_abs_deviation == pytest.approx(fb.mean_abs_deviation)


def test_cursist_cannot_read_another_persons_history(loaded, content, people):
    """Is a cursist refused someone else's history (and an unknown name looks the same), while staff may read it?"""
    code = codes_of_set(content, "practice")[0]
    loaded.submit_practice(people["cursist2"], code, both())
    with pytest.raises(PermissionDenied) as other:
        loaded.practice_history(people["cursist"], "cursist2")
    with pytest.raises(PermissionDenied) as unknown:
        loaded.practice_history(people["cursist"], "bestaat-niet")
    assert str(other.value) == str(unknown.value)
    assert loaded.practice_history(people["cursist"]) == []
    assert [a.case_code for a in loaded.practice_history(people["trainer"], "cursist2")] == [code]


# -- clips -----------------------------------------------------------------------------------------------


def add_exam_attempt(kit, person, case_codes):
    with kit.transaction() as s:
        set_id = s.scalar(select(m.CaseSet.id).where(m.CaseSet.code == "toets"))
        s.add(m.ExamAttempt(person_id=person.id, case_set_id=set_id, case_order=list(case_codes)))


def test_find_clip_for_practice_and_session_cases(loaded, content, people):
    """May a cursist play practice and session clips, with their subtitles, from the clips directory?"""
    for kind in ("practice", "session"):
        code = codes_of_set(content, kind)[0]
        clip = loaded.find_clip(people["cursist"], code)
        assert clip == (SAMPLES_DIR / "clips" / f"{code}.mp4").resolve() and clip.is_file()
        vtt = loaded.find_clip(people["cursist"], code, subtitles=True)
        assert vtt == clip.with_suffix(".vtt") and vtt.is_file()


def test_a_missing_clip_or_subtitle_file_is_named_in_dutch(loaded, people):
    """When a case's clip file, or its subtitle file, is not on disk (a clip root the kit serves from),
    does the answer say which of the two is missing?"""
    trainer = people["trainer"]
    loaded.add_case(trainer, "zonder-bestand", "Zonder bestand",
                    clip_path=str(SAMPLES_DIR / "clips" / "bestaat-niet.mp4"))
    with pytest.raises(NotFound, match="Het videobestand is niet gevonden"):
        loaded.find_clip(trainer, "zonder-bestand")
    with pytest.raises(NotFound, match="Het ondertitelbestand is niet gevonden"):
        loaded.find_clip(trainer, "zonder-bestand", subtitles=True)


def test_exam_clip_only_within_own_attempt(loaded, content, people):
    """Is an exam clip refused to a cursist until one of their own exam attempts holds it?"""
    first, second = codes_of_set(content, "exam")[:2]
    with pytest.raises(PermissionDenied):
        loaded.find_clip(people["cursist"], first)
    add_exam_attempt(loaded, people["cursist2"], [first])  # somebody else's attempt does not count
    with pytest.raises(PermissionDenied):
        loaded.find_clip(people["cursist"], first)
    add_exam_attempt(loaded, people["cursist"], [first])
    assert loaded.find_clip(people["cursist"], first).name == f"{first}.mp4"
    with pytest.raises(PermissionDenied):
        loaded.find_clip(people["cursist"], second)


@pytest.mark.parametrize("role", ["trainer", "coordinator"])
def test_staff_play_every_clip(loaded, content, people, role):
    """May staff play every clip, exam clips included?"""
    for case in content.cases:
        assert loaded.find_clip(people[role], case.code).name == f"{case.code}.mp4"


def test_find_clip_unknown_or_outside_the_clips_directory(loaded, content, people, tmp_path):
    """Is an unknown case NotFound, and a clip path outside the clips directory never returned?"""
    with pytest.raises(NotFound):
        loaded.find_clip(people["cursist"], "bestaat-niet")
    with pytest.raises(NotFound):
        loaded.find_clip(people["trainer"], "../../etc/passwd")
    loaded.add_case(SYSTEM, "buiten", "Buiten", clip_path="/etc/passwd")
    loaded.add_case(SYSTEM, "omweg", "Omweg", clip_path=str(SAMPLES_DIR / "clips" / ".." / ".." / "README.md"))
    outside = tmp_path / "geheim.mp4"
    outside.write_bytes(b"x")
    loaded.add_case(SYSTEM, "elders", "Elders", clip_path=str(outside))
    loaded.add_case(SYSTEM, "zonder", "Zonder fragment")
    for code in ("buiten", "omweg", "elders", "zonder"):
        with pytest.raises(NotFound):
            loaded.find_clip(people["trainer"], code)
    loaded.media.clip_roots = (tmp_path,)  # an instance may serve from another directory
    assert loaded.find_clip(people["trainer"], "elders") == outside.resolve()


def test_nobody_without_an_account_plays_a_clip(loaded, content, people):
    """Is a clip refused when nobody is logged in?"""
    with pytest.raises(PermissionDenied):
        loaded.find_clip(None, codes_of_set(content, "practice")[0])
