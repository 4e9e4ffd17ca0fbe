"""Idempotent submissions: a retried submission (same client id) stores nothing new."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from oefenkit.errors import ValidationError
from oefenkit.identity import SYSTEM
from oefenkit.storage import models as m

from .together import at_once


def _count(kit, **where) -> int:
    with kit.transaction() as s:
        query = select(func.count()).select_from(m.Rating)
        for key, value in where.items():
            query = query.where(getattr(m.Rating, key) == value)
        return s.scalar(query)


def _attempts(kit) -> list[tuple[int, int]]:
    """(attempt id, number of its ratings) of every practice attempt row."""
    with kit.transaction() as s:
        return [tuple(r) for r in s.execute(
            select(m.PracticeAttempt.id, func.count(m.Rating.id))
            .outerjoin(m.Rating, m.Rating.practice_attempt_id == m.PracticeAttempt.id)
            .group_by(m.PracticeAttempt.id).order_by(m.PracticeAttempt.id))]


@pytest.fixture
def case(kit):
    kit.update_or_create_programme("babytijd", "Babytijd")
    for code in ("sensitiviteit", "cooperatie"):
        kit.update_or_create_scale(code, 1, code.title(), {})
    kit.update_or_create_case(SYSTEM, "c1", "Casus 1", programme_code="babytijd")
    kit.update_or_create_case(SYSTEM, "c2", "Casus 2", programme_code="babytijd")
    kit.update_or_create_case_set(SYSTEM, "oefenen", "Oefenen", "practice", ["c1", "c2"])
    return "c1"


def test_a_retry_stores_nothing_new(kit, people, case):
    cursist = people["cursist"]
    first = kit.add_ratings(cursist, case, {"sensitiviteit": 6, "cooperatie": 4}, submission_id="abc")
    again = kit.add_ratings(cursist, case, {"sensitiviteit": 6, "cooperatie": 4}, submission_id="abc")
    assert again == first and len(first) == 2
    assert _count(kit, rater_id=cursist.id) == 2
    kit.add_ratings(cursist, case, {"sensitiviteit": 7}, submission_id="def")  # a new submission is stored
    assert _count(kit, rater_id=cursist.id) == 3
    kit.add_ratings(cursist, case, {"sensitiviteit": 7})  # without an id: always a new one
    kit.add_ratings(cursist, case, {"sensitiviteit": 7})
    assert _count(kit, rater_id=cursist.id) == 5


def test_ids_are_per_person(kit, people, case):
    kit.add_ratings(people["cursist"], case, {"sensitiviteit": 6}, submission_id="same")
    kit.add_ratings(people["cursist2"], case, {"sensitiviteit": 6}, submission_id="same")
    assert _count(kit, submission_id="same") == 2


@pytest.mark.parametrize("bad", ["", "x" * 65, 12])
def test_bad_ids_are_refused(kit, people, case, bad):
    with pytest.raises(ValidationError):
        kit.add_ratings(people["cursist"], case, {"sensitiviteit": 6}, submission_id=bad)
    assert _count(kit) == 0


def test_an_id_of_64_characters_is_accepted(kit, people, case):
    """Are the shortest and the longest allowed submission ids (1 and 64 characters) stored, and a
    retry with the longest recognised?"""
    assert kit.add_ratings(people["cursist2"], case, {"sensitiviteit": 5}, submission_id="k")
    longest = "x" * 64
    first = kit.add_ratings(people["cursist"], case, {"sensitiviteit": 6}, submission_id=longest)
    assert kit.add_ratings(people["cursist"], case, {"sensitiviteit": 6}, submission_id=longest) == first
    assert _count(kit, submission_id=longest) == 1


def test_a_retry_that_loses_the_race_gets_the_winners_ids(kit, people, case, monkeypatch):
    """A retry whose first look misses the winner's rows (not committed yet) then hits the database's
    unique rule: does it answer with the winner's ids instead of an error, storing nothing new?
    The race is made deterministic by hiding the stored rows from that first look only."""
    cursist = people["cursist"]
    first = kit.add_ratings(cursist, case, {"sensitiviteit": 6, "cooperatie": 4}, submission_id="race")
    real, looks = type(kit.ratings)._submitted, []

    def first_look_misses(s, actor, submission_id):
        looks.append(submission_id)
        return [] if len(looks) == 1 else real(s, actor, submission_id)

    monkeypatch.setattr(kit.ratings, "_submitted", first_look_misses)
    assert kit.add_ratings(cursist, case, {"sensitiviteit": 6, "cooperatie": 4}, submission_id="race") == first
    assert looks == ["race", "race"]
    assert _count(kit, rater_id=cursist.id) == 2
    assert [n for _, n in _attempts(kit)] == [2]  # the loser's attempt row went with its transaction


def test_racing_retries_store_once(kit, people, case):
    """Eight threads send the same submission at the same moment: one set of rows, every caller the same ids."""
    cursist = people["cursist"]
    results, errors = at_once(lambda: tuple(kit.add_ratings(cursist, case, {"sensitiviteit": 5, "cooperatie": 5},
                                                            submission_id="race")))
    assert not errors
    assert len(set(results)) == 1 and len(results) == 8
    assert _count(kit, rater_id=cursist.id) == 2
    assert [n for _, n in _attempts(kit)] == [2]


def test_practice_retry_gets_the_first_feedback(kit, people, case):
    cursist = people["cursist"]
    first = kit.submit_practice(cursist, case, {"sensitiviteit": 3, "cooperatie": 8}, "eerste", submission_id="p1")
    # The retry carries other values (a stale form): the first submission stays what counts.
    again = kit.submit_practice(cursist, case, {"sensitiviteit": 9, "cooperatie": 9}, "anders", submission_id="p1")
    assert again == first
    assert _count(kit, rater_id=cursist.id) == 2
    with pytest.raises(ValidationError):
        kit.submit_practice(cursist, "c2", {"sensitiviteit": 3, "cooperatie": 8}, submission_id="p1")
    assert _count(kit, rater_id=cursist.id) == 2
