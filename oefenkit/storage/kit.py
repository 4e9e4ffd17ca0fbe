"""The storage façade: fixed verbs, one transaction per user action.

Verbs follow one pattern: ``add_*`` (create, fails if it exists),
``find_*`` (one thing or :class:`NotFound`), ``list_*`` (zero or more),
``update_or_create_*`` (idempotent loading of content), ``update_*`` and
``remove_*``. Every public method runs in exactly one transaction
(:meth:`Store.transaction`, inherited): it commits as a whole or rolls back as a whole, so a
crash or bad input never leaves half a write behind.

Methods that read or change personal data take the acting person
(:class:`oefenkit.identity.Actor`) as first argument and check
:mod:`oefenkit.permissions` before touching the database. They return plain
values (:class:`Actor`, dataclasses, dicts), never ORM objects, so the UI
layers cannot lazily reach into the database.

The verbs live in one mixin per noun, composed here:

* :mod:`.people`             people, programmes, groups, JupyterHub persons, authenticate
* :mod:`.cases`              scales, cases, case sets, expert scores, ``list_cases``
* :mod:`.ratings`            ratings, exam scores, expert scores of a set
* :mod:`.decisions`          certification decisions
* :mod:`.progress`           course-module progress
* :mod:`.practice_attempts`  practice attempts and clips (``find_clip``)
* :mod:`.exam_attempts`      the certification test (value types in :mod:`.exams`)
* :mod:`.certificates`       deciding on proposals, certificates, supervised cases, renewal
* :mod:`.requirements`       programme-path requirement records, progress on a path, path proposals
* :mod:`.logins`             login sessions of the standalone server: start, resolve, list, end
* :mod:`.privacy`            AVG: export and delete everything stored about a person
* :mod:`.sessions`           terugkomdag live sessions: lifecycle, rounds, live state, report
* :mod:`.session_participants` a live session's participant: join by code, re-attach, score a round
* :mod:`.session_answers`    answers to situatie/vraag/ervaring rounds, who took part
* :mod:`.library`            case library: upload, anonymise, review, expert scores, publish
* :mod:`.intervision`        intervision: a team's scores of one case over successive visits
* :mod:`.kernel_access`      the owners of live app kernels (active, role, groups); refused access

Feature services (issue 16) are attributes: ``kit.babytijd`` (:mod:`.babytijd`, Babytijd reeksen),
``kit.session_figures`` (:mod:`.session_figures`, the terugkomdag round ``cijfers``).

What they share (:meth:`Store.transaction`, :meth:`Store.audit` and the private look-ups
``_person``, ``_case_and_scale``, ``_check_score``) lives in :mod:`.store`, with the
:class:`~.store.Service` base of the feature services; this module keeps the audit log.
The value types stay importable from here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..identity import Actor
from ..permissions import require
from . import models as m
from .anonymise_jobs import AnonymiseJobsMixin
from .babytijd import BabytijdService
from .cases import EXPERT_ONLY_DETAILS as EXPERT_ONLY_DETAILS  # re-exported: the value types stay importable here
from .cases import CaseInfo, CasesMixin
from .cases import ExpertScoreInfo as ExpertScoreInfo
from .certificates import CertificatesMixin
from .decisions import DecisionsMixin
from .exam_attempts import ExamMixin
from .intervision import IntervisionMixin
from .kernel_access import KernelAccessMixin
from .library import LibraryMixin
from .library_media import LibraryMediaMixin
from .logins import LoginsMixin
from .people import GroupInfo, PeopleMixin
from .practice_attempts import PracticeMixin
from .privacy import PrivacyMixin
from .progress import ProgressMixin
from .ratings import RatingInfo, RatingsMixin
from .requirements import RequirementsMixin
from .session_answers import SessionAnswersMixin
from .session_figures import SessionFiguresService
from .session_participants import SessionParticipantsMixin
from .sessions import SessionsMixin
from .store import Store

__all__ = ["Kit", "GroupInfo", "RatingInfo", "CaseInfo"]


class Kit(PeopleMixin, CasesMixin, RatingsMixin, DecisionsMixin, ProgressMixin, PracticeMixin, ExamMixin,
          CertificatesMixin, RequirementsMixin, PrivacyMixin, LibraryMixin, LibraryMediaMixin, AnonymiseJobsMixin,
          SessionsMixin, SessionAnswersMixin, SessionParticipantsMixin, IntervisionMixin, LoginsMixin,
          KernelAccessMixin, Store):
    """Façade over one database. Cheap to create; share one per process.

    Feature services hang on it as attributes: ``kit.babytijd`` (:class:`~.babytijd.BabytijdService`).
    """

    def __init__(self, engine: Engine):
        Store.__init__(self, engine)
        self.babytijd = BabytijdService(self)
        # the terugkomdag's cijfers round: the pooled figures of babytijd, the round verbs of this Kit
        self.session_figures = SessionFiguresService(self, self.babytijd, self)

    # -- audit ----------------------------------------------------------------------------

    def list_audit_entries(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        require(actor, "view_audit_log")
        with self.transaction(readonly=True) as s:
            rows = s.execute(
                select(m.AuditEntry, m.Person.username)
                .outerjoin(m.Person, m.Person.id == m.AuditEntry.actor_id)
                .order_by(m.AuditEntry.id.desc())
                .limit(limit)
            )
            return [
                {"at": e.at, "actor": u or "systeem", "action": e.action, "target": e.target,
                 "details": e.details}
                for e, u in rows
            ]
