"""The permission layer: ``can(actor, action, thing)`` and ``require(...)``.

Every query the apps make goes through the storage façade, and the façade
asks this module before it reads or writes. Hiding a button is never the only
protection.

Actions
-------
``open_app``            thing: :class:`oefenkit.apps.App` (the area's roles; an app that needs a
                        scoring test, the certification test, only for a person with at least one
                        programme in ``Actor.exam_programmes``)
``read_ratings_of``     thing: person id whose ratings are read
``write_rating_for``    thing: person id the rating is written for
``read_expert_scores``  thing: ignored (expert/master scores)
``write_expert_scores`` thing: ignored
``manage_cases``        thing: ignored
``view_people``         thing: ignored (list people and groups)
``manage_people``       thing: ignored (add people, set roles, deactivate)
``manage_groups``       thing: ignored
``view_audit_log``      thing: ignored
``decide_certification`` thing: ignored (store a certification proposal or decision)
``read_certification_of`` thing: person id whose certification decisions are read
``read_progress_of``    thing: person id whose course-module progress is read
``write_progress_for``  thing: person id whose course-module progress is written (own only)
``view_certificate_register`` thing: ignored (every certificate with its status)
``record_supervised_cases`` thing: ignored (record a case carried out and discussed in supervision)
``delete_person_data``  thing: ignored (AVG: remove a person and everything stored about them)
``export_person_data``  thing: person id whose stored data is exported (AVG: that person or a
                        coördinator)
``lead_live_session``   thing: ignored (create and lead a terugkomdag session: rounds, reveal, close,
                        report; ``Kit`` also checks that the trainer leads that session)
``read_intervision_of`` thing: group id whose intervision scores are read (a member of that group,
                        or staff; ``Kit`` passes the person's memberships as stored now)
``view_all_clips``      thing: ignored (play any case's clip; a cursist only gets the clips of
                        their practice and session sets and of their own exam attempts,
                        decided by ``Kit.find_clip``)
"""

from __future__ import annotations

from typing import Any

from .errors import PermissionDenied
from .identity import Actor

__all__ = ["ACTIONS", "AREA_ROLES", "can", "require"]

#: Which roles may open the apps of an area.
AREA_ROLES = {
    "landing": {"cursist", "trainer", "coordinator"},
    "training": {"cursist", "trainer", "coordinator"},
    "supervision": {"trainer", "coordinator"},
    "beheer": {"coordinator"},
}

_STAFF = {"trainer", "coordinator"}

#: Actions that depend only on the role.
_ROLE_ACTIONS: dict[str, set[str]] = {
    "read_expert_scores": _STAFF,
    "write_expert_scores": _STAFF,
    "manage_cases": _STAFF,
    "view_people": _STAFF,
    "manage_people": {"coordinator"},
    "manage_groups": {"coordinator"},
    "view_audit_log": {"coordinator"},
    "decide_certification": _STAFF,
    "view_all_clips": _STAFF,
    "view_certificate_register": _STAFF,
    "record_supervised_cases": _STAFF,
    "delete_person_data": {"coordinator"},
    "lead_live_session": _STAFF,
}

#: Actions on one person's own data: allowed for that person and for staff.
_OWN_OR_STAFF = {"read_ratings_of", "read_certification_of", "read_progress_of"}

#: Actions on one person's own data: allowed for that person and for a coördinator (not a trainer).
_OWN_OR_COORDINATOR = {"export_person_data"}

ACTIONS = frozenset({"open_app", "write_rating_for", "write_progress_for", "read_intervision_of", *_OWN_OR_STAFF,
                     *_OWN_OR_COORDINATOR,
                     *_ROLE_ACTIONS})

_MESSAGES = {
    "open_app": "Deze app is niet beschikbaar voor jouw rol of programma.",
    "read_ratings_of": "Je mag alleen je eigen beoordelingen bekijken.",
    "read_intervision_of": "Alleen de leden van dit intervisieteam en de trainers zien deze scores.",
    "write_rating_for": "Je kunt alleen voor jezelf een beoordeling invullen.",
    "read_expert_scores": "Expertscores zijn alleen zichtbaar voor trainers.",
    "write_expert_scores": "Alleen trainers kunnen expertscores vastleggen.",
    "manage_cases": "Alleen trainers kunnen de casusbibliotheek beheren.",
    "view_people": "Alleen trainers en coördinatoren zien het overzicht van personen en groepen.",
    "manage_people": "Alleen een coördinator kan accounts beheren.",
    "manage_groups": "Alleen een coördinator kan groepen beheren.",
    "view_audit_log": "Alleen een coördinator kan het logboek inzien.",
    "decide_certification": "Alleen trainers kunnen over certificering beslissen.",
    "read_certification_of": "Je mag alleen je eigen certificering bekijken.",
    "read_progress_of": "Je mag alleen je eigen voortgang in de lesmodules bekijken.",
    "write_progress_for": "Je kunt alleen je eigen voortgang in de lesmodules bijwerken.",
    "view_all_clips": "Dit fragment is niet voor jou beschikbaar.",
    "view_certificate_register": "Alleen trainers en coördinatoren zien het certificaatregister.",
    "record_supervised_cases": "Alleen een trainer (supervisor) kan supervisiecasussen vastleggen.",
    "delete_person_data": "Alleen een coördinator kan een persoon met al zijn gegevens verwijderen.",
    "lead_live_session": "Alleen een trainer kan een terugkomdag-sessie leiden.",
    "export_person_data": "Je mag alleen je eigen gegevens opvragen; een coördinator kan dat voor iedereen.",
}


def can(actor: Actor | None, action: str, thing: Any = None) -> bool:
    """May ``actor`` perform ``action`` on ``thing``?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None:
        return False
    if action == "open_app":
        if getattr(thing, "needs_scoring_test", False) and not actor.exam_programmes:
            return False
        return actor.role in AREA_ROLES.get(thing.area, set())
    if action in _OWN_OR_STAFF:
        return actor.role in _STAFF or (actor.id is not None and actor.id == thing)
    if action in _OWN_OR_COORDINATOR:
        return actor.role == "coordinator" or (actor.id is not None and actor.id == thing)
    if action == "read_intervision_of":
        return actor.role in _STAFF or (thing is not None and thing in actor.group_ids)
    if action in {"write_rating_for", "write_progress_for"}:
        return actor.id is not None and actor.id == thing
    return actor.role in _ROLE_ACTIONS[action]


def require(actor: Actor | None, action: str, thing: Any = None) -> None:
    """Raise :class:`PermissionDenied` (Dutch message) unless :func:`can` allows it."""
    if not can(actor, action, thing):
        raise PermissionDenied(_MESSAGES[action])
