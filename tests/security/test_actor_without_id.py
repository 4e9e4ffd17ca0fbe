"""A non-staff actor without a person id (issue 21).

``can()`` compares ``actor.id`` with the person a read or write is about. When both are ``None``
(an actor that is not a stored person, asking about "everyone" or about an unknown user name),
that comparison must not count as "own data": ``None == None`` would hand an id-less cursist every
person's ratings. Expected answers are written out here, not taken from ``can()``.
"""

from __future__ import annotations

import pytest

from oefenkit.errors import PermissionDenied
from oefenkit.identity import Actor
from oefenkit.permissions import can, require

from ..test_permissions import rated  # noqa: F401  (fixture: a case rated by both cursists)

#: Per-person actions, with ``thing=None`` (everyone / no such person): an id-less cursist may do none.
PER_PERSON_ACTIONS = ("read_ratings_of", "read_certification_of", "read_progress_of", "export_person_data",
                      "write_rating_for", "write_progress_for")

NOBODY_CURSIST = Actor(id=None, username="zonder-id", display_name="Zonder id", role="cursist")


@pytest.mark.parametrize("action", PER_PERSON_ACTIONS)
def test_an_id_less_cursist_owns_nobodys_data(action):
    """Is each per-person action refused to an id-less cursist when it is about no one in particular?"""
    assert can(NOBODY_CURSIST, action, None) is False
    with pytest.raises(PermissionDenied):
        require(NOBODY_CURSIST, action, None)


def test_an_id_less_cursist_cannot_list_everyones_ratings(kit, people, rated):  # noqa: F811
    """Through the storage façade: is an id-less cursist asking for all ratings refused, while a
    trainer gets both cursists' ratings (so there was something to leak)?"""
    with pytest.raises(PermissionDenied, match="eigen beoordelingen"):
        kit.list_ratings(NOBODY_CURSIST)
    assert {r.rater_username for r in kit.list_ratings(people["trainer"])} == {"cursist1", "cursist2"}


def test_an_id_less_cursist_lists_no_exam_sets(kit, people):
    """Is an actor without an id refused the list of exam sets (refused, not "Deze persoon bestaat
    niet" from a look-up of nobody)?"""
    with pytest.raises(PermissionDenied):
        kit.list_exam_sets(NOBODY_CURSIST, "ouder-baby")


def test_an_id_less_actor_cannot_start_an_exam(kit, people):
    """Is an exam attempt refused to an actor that is no stored person (an id-less cursist, the CLI's
    system actor), instead of being stored for nobody?"""
    from oefenkit.identity import SYSTEM

    for actor in (NOBODY_CURSIST, SYSTEM):
        with pytest.raises(PermissionDenied, match="jezelf"):
            kit.start_exam(actor, "ouder-baby", max_attempts=3)


def test_an_id_less_cursist_gets_no_practice_overview_and_stores_no_attempt(kit, people, samples_loaded):
    """Is an id-less cursist refused the practice overview and a practice submission (refused, not a
    database error), with nothing stored, while a real cursist gets the overview?"""
    from oefenkit.content import SAMPLES_DIR, load_content
    from oefenkit.identity import SYSTEM
    from oefenkit.settings import PROJECT_ROOT

    content = load_content(PROJECT_ROOT / "content", samples_dir=SAMPLES_DIR)
    code = next(c.code for c in content.cases if c.set == "practice")
    with pytest.raises(PermissionDenied):
        kit.practice_overview(NOBODY_CURSIST)
    with pytest.raises(PermissionDenied):
        kit.submit_practice(NOBODY_CURSIST, code, {"sensitiviteit": 5, "cooperatie": 5})
    with pytest.raises(PermissionDenied):  # nor its clip
        kit.find_clip(NOBODY_CURSIST, code)
    assert kit.list_ratings(SYSTEM) == []
    assert code in [c.code for c in kit.practice_overview(people["cursist"])]
