"""The data model of the whole kit (SQLAlchemy 2 declarative mapping).

Tables are created only by Alembic migrations (``oefenkit/storage/migrations``);
``tests/test_migrations.py`` checks that the migrations and this module agree. The shared
``Base``, time helpers and value lists are in :mod:`.model_base`, the live session's tables in
:mod:`.models_live`, Babytijd's reeksen in :mod:`.models_babytijd`; all are re-exported here, so ``models.LiveSession`` and ``models.utcnow``
work as before.

Overview::

    Person ──< GroupMembership >── Group ── Programme
      │                                        │
      ├──< Rating >── Case ──< CaseSetItem >── CaseSet
      ├──< ExpertScore >──┘        │
      ├──< ExamAttempt             └── Programme
      ├──< PracticeAttempt ──< Rating (mode practice: the scores of one submission)
      ├──< Certificate ── Programme
      ├──< SupervisedCase ── Programme
      ├──< RequirementRecord ── Programme (one occurrence of a programme-path requirement)
      ├──< LiveSession ──< LiveSessionParticipant
      │       └──< LiveRound ──< Rating (a fragment round: one per round × rater × scale)
      │                  └──< LiveAnswer (a situatie, vraag or ervaring round: one per round × person)
      ├──< LoginSession (a browser's login: only a hash of the cookie's session id)
      ├──< BabytijdReeks ──< BabytijdOpvoeder ──< BabytijdAttendance, BabytijdMeasurement
      │       (Babytijd quality monitoring, :mod:`.models_babytijd`: pseudonymous codes only)
      └──< AuditEntry
    Scale (code, version) is referenced by Rating and ExpertScore.
    Case ──o CaseMedia (an uploaded clip: original in the protected store, review, masks)
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy import text as sa_text
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .model_base import (
    ANSWER_TEXT_MAX,
    CERTIFICATE_KINDS,
    JOB_STATES,
    LIBRARY_STATUSES,
    NAMING,
    RATING_MODES,
    RECORD_KINDS,
    ROUND_KINDS,
    SET_KINDS,
    Base,
    _in,
    as_utc,
    utcnow,
)
from .models_babytijd import (
    BABYTIJD_ABSENCE_REASONS,
    BABYTIJD_MEASUREMENTS,
    BabytijdAttendance,
    BabytijdMeasurement,
    BabytijdOpvoeder,
    BabytijdReeks,
)
from .models_live import LiveAnswer, LiveRound, LiveSession, LiveSessionParticipant

__all__ = [
    "Base",
    "Role",
    "RATING_MODES",
    "SET_KINDS",
    "utcnow",
    "as_utc",
    "NAMING",
    "ANSWER_TEXT_MAX",
    "Person",
    "Programme",
    "Group",
    "GroupMembership",
    "Scale",
    "Case",
    "CaseMedia",
    "AnonymiseJob",
    "JOB_STATES",
    "LIBRARY_STATUSES",
    "CaseSet",
    "CaseSetItem",
    "ExpertScore",
    "Rating",
    "ExamAttempt",
    "Certificate",
    "CertificationDecision",
    "ModuleProgress",
    "SupervisedCase",
    "RECORD_KINDS",
    "CERTIFICATE_KINDS",
    "RequirementRecord",
    "LiveSession",
    "LiveRound",
    "LiveSessionParticipant",
    "LiveAnswer",
    "ROUND_KINDS",
    "LoginSession",
    "AuditEntry",
    "BabytijdReeks",
    "BabytijdOpvoeder",
    "BabytijdAttendance",
    "BabytijdMeasurement",
    "BABYTIJD_MEASUREMENTS",
    "BABYTIJD_ABSENCE_REASONS",
]

class Role(Base):
    """A role named in ``oefenkit/roles.yaml`` (what it may do lives there): its row lets people
    hold it. ``oefenkit init`` adds the rows of new roles (``PeopleService.sync_roles``)."""

    __tablename__ = "role"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)


class Person(Base):
    """A trainee, trainer or coördinator (or another role of ``roles.yaml``)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), ForeignKey("role.code"), default="cursist")
    password_hash: Mapped[Optional[str]] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["GroupMembership"]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class Programme(Base):
    """Babytijd or the Ouder-baby interventie."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The programme's path (``content/programmes/<code>.yaml``) has an enabled ``scoring_test``:
    #: only then is there a certification test for it. Set from the content by ``oefenkit init``.
    scoring_test: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class Group(Base):
    """A cohort of trainees, usually following one programme's training."""

    __tablename__ = "cohort"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    programme_id: Mapped[Optional[int]] = mapped_column(ForeignKey("programme.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    programme: Mapped[Optional[Programme]] = relationship()
    memberships: Mapped[list["GroupMembership"]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )


class GroupMembership(Base):
    __tablename__ = "cohort_membership"

    group_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)

    group: Mapped[Group] = relationship(back_populates="memberships")
    person: Mapped[Person] = relationship(back_populates="memberships")


class Scale(Base):
    """A versioned scale definition; ``definition`` holds anchors and guidance."""

    __tablename__ = "scale"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_scale_code_version"),
        CheckConstraint("min_score < max_score", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    min_score: Mapped[int] = mapped_column(Integer, default=1)
    max_score: Mapped[int] = mapped_column(Integer, default=9)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Case(Base):
    """A clip with its vignette and metadata (a 'casus')."""

    __tablename__ = "case_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    programme_id: Mapped[Optional[int]] = mapped_column(ForeignKey("programme.id"))
    clip_path: Mapped[Optional[str]] = mapped_column(String(500))
    vignette: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    programme: Mapped[Optional[Programme]] = relationship()


class CaseMedia(Base):
    """An uploaded clip of a case in the case library (one per case).

    ``original_path`` is relative to the media directory's ``originals/`` store,
    which no route serves; it is ``None`` once the original has been deleted.
    ``review`` holds the flagged frames of the last anonymisation
    (``[{"frame", "time_s", "reason"}]``); ``manual_masks`` the trainer's extra
    boxes (``[{"start_s", "end_s", "x", "y", "w", "h"}]``, fractions of the frame).
    """

    __tablename__ = "case_media"
    __table_args__ = (CheckConstraint(f"status IN ({_in(LIBRARY_STATUSES)})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id", ondelete="CASCADE"), unique=True)
    original_path: Mapped[Optional[str]] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    original_size: Mapped[int] = mapped_column(BigInteger, default=0)
    original_sha256: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    review: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    manual_masks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    keep_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    anonymised_at: Mapped[Optional[dt.datetime]] = mapped_column()
    published_at: Mapped[Optional[dt.datetime]] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship()


class AnonymiseJob(Base):
    """An anonymisation of a library clip, run by ``oefenkit worker`` outside any page's kernel.

    The source of truth for progress and cancel: every page reads it through the core, the
    worker writes it. ``worker`` and ``heartbeat_at`` form the lease of a running job: a job
    whose heartbeat is older than the lease is put back in the queue (a worker killed mid-job).
    At most one active (queued or running) job per case (a partial unique index).
    """

    __tablename__ = "anonymise_job"
    __table_args__ = (
        CheckConstraint(f"state IN ({_in(JOB_STATES)})", name="state"),
        Index("uq_anonymise_job_active_case", "case_id", unique=True,
              sqlite_where=sa_text("state IN ('queued', 'running')"),
              postgresql_where=sa_text("state IN ('queued', 'running')")),
        Index("ix_anonymise_job_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(200), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    #: ``None`` keeps the case's stored manual masks.
    manual_masks: Mapped[Optional[list[dict[str, Any]]]] = mapped_column(JSON)
    keep_audio: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    worker: Mapped[Optional[str]] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: Handed to the task queue (``None``: not yet, or taken back after a lost lease).
    delivered_at: Mapped[Optional[dt.datetime]] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column()
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column()
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column()
    #: Dutch, for a failed job.
    error: Mapped[str] = mapped_column(Text, default="")
    #: For a finished job: ``{"flagged": n, "faces": n, "seconds": s}``.
    result: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class CaseSet(Base):
    """An ordered set of cases: practice, exam, session or intervision.

    ``public``: the set's expert scores are public (the shipped sample sets: their scripts are in
    the repository). An exam on a public set is an *oefentoets*: full result, no certificate
    (``ExamService.submit_exam``). A new set is private unless said otherwise; the server default is
    true because every set that existed before migration 0012 was a shipped one.
    """

    __tablename__ = "case_set"
    __table_args__ = (CheckConstraint(f"kind IN ({_in(SET_KINDS)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    programme_id: Mapped[Optional[int]] = mapped_column(ForeignKey("programme.id"))
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_true())

    items: Mapped[list["CaseSetItem"]] = relationship(
        order_by="CaseSetItem.position", cascade="all, delete-orphan"
    )


class CaseSetItem(Base):
    __tablename__ = "case_set_item"

    set_id: Mapped[int] = mapped_column(ForeignKey("case_set.id", ondelete="CASCADE"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[Case] = relationship()


class ExpertScore(Base):
    """A master score: one expert's score of one case on one scale."""

    __tablename__ = "expert_score"
    __table_args__ = (
        UniqueConstraint("expert_id", "case_id", "scale_id", name="uq_expert_score_once"),
        CheckConstraint("score BETWEEN 1 AND 9", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"))
    scale_id: Mapped[int] = mapped_column(ForeignKey("scale.id"))
    score: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ExamAttempt(Base):
    """One run through a certification (exam) set.

    ``case_order`` is the random order of the set's cases, fixed when the attempt
    starts, so a resumed attempt shows the same order. Expert scores and feedback
    stay closed until ``submitted_at`` is set.

    ``practice_result`` holds the result of an *oefentoets* (an attempt on a public set): the
    same statistics as a decision, but no certification decision and no certificate.
    """

    __tablename__ = "exam_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_set_id: Mapped[int] = mapped_column(ForeignKey("case_set.id"))
    programme_id: Mapped[Optional[int]] = mapped_column(ForeignKey("programme.id"))
    case_order: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column()
    decision_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("certification_decision.id", use_alter=True, name="fk_exam_attempt_decision_id"))
    practice_result: Mapped[Optional[dict[str, Any]]] = mapped_column(JSON)


class ModuleProgress(Base):
    """Where a person is in one course module, and their answers to its checks."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("person_id", "module_code", name="uq_module_progress_person_module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(64))
    page: Mapped[int] = mapped_column(Integer, default=0)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    completed_at: Mapped[Optional[dt.datetime]] = mapped_column()
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupervisedCase(Base):
    """A case the person carried out and discussed in supervision, recorded by a trainer.

    The Ouder-baby rule (``required_supervised_cases``) counts these per programme.
    """

    __tablename__ = "supervised_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RequirementRecord(Base):
    """One occurrence of a programme-path requirement, recorded by a trainer (``oefenkit.requirements``).

    A requirement with count 2 (two training days) is done with two records, each with its own
    date. ``requirement_code`` is the code in ``content/programmes/<programme>.yaml`` (or the
    path's refresher, e.g. ``terugkomdag``); ``kind`` is kept as recorded, so a later edit of the
    path file does not change what a stored record was.
    """

    __tablename__ = "requirement_record"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(RECORD_KINDS)})", name="kind"),
        Index("ix_requirement_record_person_programme", "person_id", "programme_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    requirement_code: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    done_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PracticeAttempt(Base):
    """One practice submission: a person's scores of one case, stored together (``Rating.practice_attempt_id``)."""

    __tablename__ = "practice_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Rating(Base):
    """A score a person gave to a case on one scale."""

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 9", name="score"),
        CheckConstraint(f"mode IN ({_in(RATING_MODES)})", name="mode"),
        UniqueConstraint("live_round_id", "rater_id", "scale_id", name="uq_rating_live_round_once"),
        # A submission id is used once per rater and scale: retrying a submission stores nothing new.
        UniqueConstraint("rater_id", "submission_id", "scale_id", name="uq_rating_submission_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_item.id"), index=True)
    scale_id: Mapped[int] = mapped_column(ForeignKey("scale.id"))
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))
    exam_attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exam_attempt.id"))
    #: Mode "practice": the attempt this score belongs to (NULL for exam and session ratings).
    practice_attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("practice_attempt.id"), index=True)
    live_session_id: Mapped[Optional[int]] = mapped_column(ForeignKey("live_session.id"))
    #: A live session's score: one row per (round, rater, scale), changed in place until the round closes.
    live_round_id: Mapped[Optional[int]] = mapped_column(ForeignKey("live_round.id", ondelete="CASCADE"))
    #: The client's id of the submission that last wrote this row (a retried submission changes nothing).
    submission_id: Mapped[Optional[str]] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Certificate(Base):
    """A certification decision that led to a certificate, or (``kind`` registration) to a
    registration as uitvoerder that stays active with the path's refresher (Babytijd)."""

    __tablename__ = "certificate"
    __table_args__ = (
        CheckConstraint("decision IN ('accepted', 'override')", name="decision"),
        CheckConstraint(f"kind IN ({_in(CERTIFICATE_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[dt.datetime] = mapped_column()
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))  # None: by the rules
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    statistics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    kind: Mapped[str] = mapped_column(String(16), default="certificate", server_default="certificate")
    #: Issued from a public exam set because the demo setting allowed it (``OEFENKIT_DEMO_CERTIFICATES``):
    #: a demonstration, not a certification; the PDF says so.
    demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())


class CertificationDecision(Base):
    """What the certification rules concluded for one trainee, with everything it rested on.

    ``kind`` is ``proposal`` for the rules engine's outcome; a trainer's
    acceptance or override is stored as ``accepted`` / ``override`` with a reason.
    """

    __tablename__ = "certification_decision"
    __table_args__ = (
        CheckConstraint("kind IN ('proposal', 'accepted', 'override')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    exam_attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("exam_attempt.id"))
    kind: Mapped[str] = mapped_column(String(16), default="proposal")
    passed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    statistics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class LoginSession(Base):
    """One login of one browser (standalone server): the cookie holds a random id, this row
    holds only its SHA-256 hash. Ending a session deletes its row (``oefenkit.storage.logins``)."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(64), default="")


class AuditEntry(Base):
    """A sensitive action: who did what to which thing, and when.

    The (action, at) index serves the limit on wrong join codes, which counts the recent
    ``live_session.join_failed`` entries (``oefenkit.storage.session_participants``).
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
