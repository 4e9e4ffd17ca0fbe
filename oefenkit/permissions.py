"""The permission layer: ``can(actor, action, thing)`` and ``require(...)``.

Every query the apps make goes through the kit's feature services, and each
asks this module before it reads or writes. Hiding a button is never the only
protection.

The actions are code; which role holds which action, and which app areas a role opens, is data
(``oefenkit/roles.yaml``, read by :mod:`oefenkit.roles`). A person may always read and write
their own data; ``roles.yaml`` gives a role the same on anyone's.

Actions
-------
``open_app``            thing: :class:`oefenkit.apps.App` (the area's roles; an app that needs a
                        scoring test, the certification test, only for a person with at least one
                        programme in ``Actor.exam_programmes``; an app of one programme,
                        ``App.programme``, only for staff and people in a group of that programme)
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
``record_requirements`` thing: ignored (record or undo a programme-path requirement of a person:
                        training days, supervision, national supervision, cases, the terugkomdag)
``delete_person_data``  thing: ignored (AVG: remove a person and everything stored about them)
``export_person_data``  thing: person id whose stored data is exported (AVG: that person or a
                        coördinator)
``lead_live_session``   thing: ignored (create and lead a terugkomdag session: rounds, reveal, close,
                        report; ``Kit`` also checks that the trainer leads that session)
``read_intervision_of`` thing: group id whose intervision scores are read (a member of that group,
                        or staff; ``Kit`` passes the person's memberships as stored now)
``lead_any_live_session`` thing: ignored (lead a session another trainer started)
``read_babytijd_of``    thing: person id of the uitvoerder whose Babytijd reeksen are read (that
                        person, or a role that holds it: trainers and coördinatoren)
``write_babytijd_for``  thing: person id of the uitvoerder whose reeks is created or changed
                        (attendance, measurements, evaluation, delete): that person, or a role
                        that holds it
``babytijd_report``     thing: ignored (the yearly Babytijd report for the programme owner)
``view_all_clips``      thing: ignored (play any case's clip; a cursist only gets the clips of
                        their practice and session sets and of their own exam attempts,
                        decided by ``PracticeService.find_clip``)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import PermissionDenied
from .roles import RoleTable, role_table

if TYPE_CHECKING:
    from .identity import Actor

__all__ = ["ACTIONS", "AREAS", "GRANTABLE", "roles", "can", "require"]

#: The app areas (``App.area`` in :mod:`oefenkit.apps`); ``roles.yaml`` says who opens which.
AREAS = frozenset({"landing", "training", "supervision", "beheer"})

#: Actions a role holds or not (``roles.yaml``), whoever's data it concerns.
_ROLE_ONLY = frozenset({
    "read_expert_scores", "write_expert_scores", "manage_cases", "view_people", "manage_people",
    "manage_groups", "view_audit_log", "decide_certification", "view_all_clips",
    "view_certificate_register", "record_supervised_cases", "record_requirements", "delete_person_data", "lead_live_session",
    "lead_any_live_session", "babytijd_report",
})

#: Actions on one person's data: always allowed on one's own; on anyone's for the roles that hold
#: them in ``roles.yaml``.
_OWN_OR_GRANTED = frozenset({"read_ratings_of", "read_certification_of", "read_progress_of", "export_person_data",
                             "read_babytijd_of", "write_babytijd_for"})

#: Actions on one person's data that only that person may do (no role can be given them).
_OWN_ONLY = frozenset({"write_rating_for", "write_progress_for"})

#: What ``roles.yaml`` may give a role.
GRANTABLE = _ROLE_ONLY | _OWN_OR_GRANTED | {"read_intervision_of"}

ACTIONS = frozenset({"open_app", *_OWN_ONLY, *GRANTABLE})


def roles() -> RoleTable:
    """The role table in use (``oefenkit/roles.yaml`` or ``OEFENKIT_ROLES_FILE``), checked."""
    return role_table(areas=AREAS, actions=GRANTABLE)


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
    "record_requirements": "Alleen een trainer kan vastleggen wat iemand voor een programma heeft gedaan.",
    "delete_person_data": "Alleen een coördinator kan een persoon met al zijn gegevens verwijderen.",
    "lead_live_session": "Alleen een trainer kan een terugkomdag-sessie leiden.",
    "lead_any_live_session": "Alleen de trainer die deze sessie leidt, kan haar bedienen.",
    "export_person_data": "Je mag alleen je eigen gegevens opvragen; een coördinator kan dat voor iedereen.",
    "read_babytijd_of": "Je ziet alleen je eigen Babytijd-reeksen; trainers en coördinatoren zien ze allemaal.",
    "write_babytijd_for": "Je kunt alleen je eigen Babytijd-reeksen bijwerken.",
    "babytijd_report": "Alleen trainers en coördinatoren maken het jaarverslag van Babytijd.",
}


def can(actor: Actor | None, action: str, thing: Any = None) -> bool:
    """May ``actor`` perform ``action`` on ``thing``?"""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor is None:
        return False
    own = actor.id is not None and actor.id == thing
    if action in _OWN_ONLY:
        return own
    role = roles().get(actor.role)
    if role is None:  # a stored role that the roles file no longer has: nothing
        return False
    if action == "open_app":  # ``thing`` is an :class:`oefenkit.apps.App`
        if thing.needs_scoring_test and not actor.exam_programmes:
            return False
        programme = thing.programme
        if programme is not None and not role.staff and programme not in actor.programmes:
            return False
        return thing.area in role.areas
    if action in _OWN_OR_GRANTED and own:
        return True
    if action == "read_intervision_of" and thing is not None and thing in actor.group_ids:
        return True
    return action in role.actions


def require(actor: Actor | None, action: str, thing: Any = None) -> None:
    """Raise :class:`PermissionDenied` (Dutch message) unless :func:`can` allows it."""
    if not can(actor, action, thing):
        raise PermissionDenied(_MESSAGES[action])
