"""The kit: one store and the feature services over it, wired together. Nothing else.

Each feature is a service (:class:`~oefenkit.storage.store.Service`) in its own module. A service
owns its transactions (one per verb, :meth:`Store.transaction`), checks
:mod:`oefenkit.permissions` before touching the database and returns plain values
(:class:`Actor`, dataclasses, dicts), never ORM objects. A service that needs another feature
takes that service in its constructor; none calls another through ``self``
(``tests/test_services.py`` keeps it so).

Verbs follow one pattern: ``add_*`` (create, fails if it exists), ``find_*`` (one thing or
:class:`NotFound`), ``list_*`` (zero or more), ``update_or_create_*`` (idempotent loading of
content), ``update_*`` and ``remove_*``.

:class:`Kit` builds the store and the services in dependency order and exposes each as an
attribute (:data:`Kit.SERVICES`): ``kit.people.find_person(...)``. For the callers written against
the old façade, ``kit.find_person(...)`` still works: every verb name belongs to exactly one service
and :meth:`Kit.__getattr__` forwards it there through a table built from the services' public
methods (:func:`verbs_of`). A service's public method whose first parameter is ``s`` is a step
inside a caller's transaction (``RequirementsService.update_registrations(s, ...)``), for the
services that take it as a collaborator, and is not a verb of the kit.

The services (module: attribute, collaborators):

* :mod:`.media`              ``media``: the one media store (clip roots, media directory; no database)
* :mod:`.logins`             ``logins``: login sessions of the standalone server
* :mod:`.people`             ``people`` (logins): people, programmes, groups, JupyterHub persons, authenticate
* :mod:`.cases`              ``cases``: scales, cases, case sets, expert scores, ``list_cases``
* :mod:`.ratings`            ``ratings``: ratings, exam scores, expert scores of a set
* :mod:`.decisions`          ``decisions`` (ratings, cases): certification proposals and decisions
* :mod:`.progress`           ``progress``: course-module progress
* :mod:`.practice_attempts`  ``practice`` (media): practice attempts and clips (``find_clip``)
* :mod:`.requirements`       ``requirements``: requirement records, progress on a path, path proposals
* :mod:`.certificates`       ``certificates`` (requirements): deciding on proposals, certificates, renewal
* :mod:`.exam_attempts`      ``exams``: the certification test (value types in :mod:`.exams`)
* :mod:`.babytijd`           ``babytijd``: Babytijd reeksen (opvoeders, attendance, measurements, figures)
* :mod:`.privacy`            ``privacy`` (babytijd): AVG export and delete everything stored about a person
* :mod:`.library`            ``library`` (media): case library: upload, metadata, expert scores, publish
* :mod:`.library_media`      ``library_media`` (media, library): anonymise a library clip, review
* :mod:`.anonymise_jobs`     ``jobs`` (people, library): durable anonymisation jobs
* :mod:`.sessions`           ``sessions`` (requirements, certificates): terugkomdag live sessions
* :mod:`.session_answers`    ``session_answers``: answers to situatie/vraag/ervaring rounds
* :mod:`.session_participants` ``session_participants``: join by code, re-attach, score a round
* :mod:`.session_figures`    ``session_figures`` (babytijd, sessions): the terugkomdag round ``cijfers``
* :mod:`.intervision`        ``intervision``: a team's scores of one case over successive visits
* :mod:`.kernel_access`      ``kernel_access``: the owners of live app kernels; refused access
* :mod:`.audit`              ``audit_log``: reading the audit log

What every service shares (the store's unit of work, the audit entry, the private look-ups) is in
:mod:`.store`; the three live-session services share :class:`~.live_rows.LiveRows`. The value
types stay importable from here.
"""

from __future__ import annotations

import inspect
from typing import Any

from sqlalchemy.engine import Engine

from .anonymise_jobs import AnonymiseJobsService
from .audit import AuditService
from .babytijd import BabytijdService
from .cases import EXPERT_ONLY_DETAILS as EXPERT_ONLY_DETAILS  # re-exported: the value types stay importable here
from .cases import CaseInfo, CasesService
from .cases import ExpertScoreInfo as ExpertScoreInfo
from .certificates import CertificatesService
from .decisions import DecisionsService
from .exam_attempts import ExamService
from .intervision import IntervisionService
from .kernel_access import KernelAccessService
from .library import LibraryService
from .library_media import LibraryMediaService
from .logins import LoginsService
from .media import MediaStore
from .people import GroupInfo, PeopleService
from .practice_attempts import PracticeService
from .privacy import PrivacyService
from .progress import ProgressService
from .ratings import RatingInfo, RatingsService
from .requirements import RequirementsService
from .session_answers import SessionAnswersService
from .session_figures import SessionFiguresService
from .session_participants import SessionParticipantsService
from .sessions import SessionsService
from .store import Store

__all__ = ["Kit", "GroupInfo", "RatingInfo", "CaseInfo", "verbs_of"]


def _function(cls: type, name: str) -> Any:
    raw = inspect.getattr_static(cls, name)
    return raw.__func__ if isinstance(raw, (staticmethod, classmethod)) else raw


def _is_step(cls: type, name: str) -> bool:
    """A public method whose first parameter is ``s``: a step inside a caller's transaction."""
    parameters = list(inspect.signature(_function(cls, name)).parameters)
    if not isinstance(inspect.getattr_static(cls, name), staticmethod):
        parameters = parameters[1:]
    return bool(parameters) and parameters[0] == "s"


def verbs_of(cls: type) -> tuple[str, ...]:
    """The verbs of a service class: the public functions its own class body defines (not those of
    the shared bases in :mod:`.store` and :mod:`.live_rows`, not a setting such as ``login_clock``),
    except the steps that take a caller's session (:func:`_is_step`)."""
    own = {k.__qualname__ for k in cls.__mro__ if k.__module__ not in _SHARED_MODULES}
    names = []
    for name in dir(cls):
        function = _function(cls, name)
        if (not name.startswith("_") and inspect.isfunction(function)
                and function.__qualname__.rsplit(".", 1)[0] in own and not _is_step(cls, name)):
            names.append(name)
    return tuple(names)


#: Modules of the bases every service shares (their methods are no feature's verbs).
_SHARED_MODULES = frozenset({"builtins", "oefenkit.storage.store", "oefenkit.storage.live_rows"})


class Kit(Store):
    """The store and its feature services. Cheap to create; share one per process."""

    #: attribute → service class, in dependency order (a service's collaborators come before it).
    SERVICES: dict[str, type] = {
        "media": MediaStore,
        "logins": LoginsService,
        "people": PeopleService,
        "cases": CasesService,
        "ratings": RatingsService,
        "decisions": DecisionsService,
        "progress": ProgressService,
        "practice": PracticeService,
        "requirements": RequirementsService,
        "certificates": CertificatesService,
        "exams": ExamService,
        "babytijd": BabytijdService,
        "privacy": PrivacyService,
        "library": LibraryService,
        "library_media": LibraryMediaService,
        "jobs": AnonymiseJobsService,
        "sessions": SessionsService,
        "session_answers": SessionAnswersService,
        "session_participants": SessionParticipantsService,
        "session_figures": SessionFiguresService,
        "intervision": IntervisionService,
        "kernel_access": KernelAccessService,
        "audit_log": AuditService,
    }

    def __init__(self, engine: Engine):
        super().__init__(engine)
        store: Store = self
        self.media = MediaStore()
        self.logins = LoginsService(store)
        self.people = PeopleService(store, logins=self.logins)
        self.cases = CasesService(store)
        self.ratings = RatingsService(store)
        self.decisions = DecisionsService(store, ratings=self.ratings, cases=self.cases)
        self.progress = ProgressService(store)
        self.practice = PracticeService(store, media=self.media)
        self.requirements = RequirementsService(store)
        self.certificates = CertificatesService(store, requirements=self.requirements)
        self.exams = ExamService(store)
        self.babytijd = BabytijdService(store)
        self.privacy = PrivacyService(store, babytijd=self.babytijd)
        self.library = LibraryService(store, media=self.media)
        self.library_media = LibraryMediaService(store, media=self.media, library=self.library)
        self.jobs = AnonymiseJobsService(store, people=self.people, library=self.library)
        self.sessions = SessionsService(store, requirements=self.requirements, certificates=self.certificates)
        self.session_answers = SessionAnswersService(store)
        self.session_participants = SessionParticipantsService(store)
        # the terugkomdag's cijfers round: the pooled figures of babytijd, the round verbs of sessions
        self.session_figures = SessionFiguresService(store, self.babytijd, self.sessions)
        self.intervision = IntervisionService(store)
        self.kernel_access = KernelAccessService(store)
        self.audit_log = AuditService(store)

    # -- the old façade's names ---------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        """``kit.verb``: the verb of the one service that has it (:data:`VERBS`)."""
        service = VERBS.get(name)
        if service is None:
            raise AttributeError(f"'Kit' object has no attribute {name!r}")
        return getattr(object.__getattribute__(self, service), name)

    def __setattr__(self, name: str, value: Any) -> None:
        # A setting of a service (``kit.job_queue = ...``) set on the kit would be silently ignored.
        if name in _SERVICE_ATTRIBUTES:
            raise AttributeError(f"{name!r} belongs to kit.{_SERVICE_ATTRIBUTES[name]}; set it there")
        super().__setattr__(name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(VERBS))


def _verb_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for attribute, cls in Kit.SERVICES.items():
        for verb in verbs_of(cls):
            if verb in table:
                raise TypeError(f"verb {verb!r} of kit.{attribute} is also kit.{table[verb]}'s")
            table[verb] = attribute
    return table


#: verb → the attribute of the service that has it (every verb belongs to exactly one service).
VERBS: dict[str, str] = _verb_table()

#: Public settings of a service (``job_queue``, ``clip_roots``, ...) → its attribute on the kit.
_SERVICE_ATTRIBUTES: dict[str, str] = {
    "clip_roots": "media", "media_dir": "media", "keep_originals": "media", "upload_max_bytes": "media",
    "job_queue": "jobs", "job_lease_s": "jobs",
    "login_idle": "logins", "login_lifetime": "logins", "login_touch_interval": "logins", "login_clock": "logins",
} | VERBS
