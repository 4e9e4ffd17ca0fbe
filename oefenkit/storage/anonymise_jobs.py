"""Durable anonymisation jobs: queued in the kit's database, run by ``oefenkit worker``.

The ``anonymise_job`` table is the source of truth for a job's state, progress and cancel flag;
every page reads it through these verbs, so progress and cancel work from any page and survive
a closed tab. The task queue (huey, ``oefenkit/jobs.py``) only *delivers* job ids to workers.
A job's life::

    queued ──claim──▶ running ──▶ done
      │                  │  └───▶ failed      (an error; or the lease ran out too often)
      └──cancel──▶ cancelled ◀──┘  (cancel flag seen by the worker, nothing written)

A running job holds a *lease*: the worker that claimed it (``worker``) writes ``heartbeat_at``
every few seconds. :meth:`AnonymiseJobsService.recover_anonymise_jobs` puts a job whose heartbeat is
older than the lease back in the queue (its worker was killed or lost the database), so the next
worker starts it again; the killed run's temporary files are removed first
(:meth:`~oefenkit.storage.library_media.LibraryMediaService.remove_work_files`). Claiming is one
conditional ``UPDATE`` (``state = 'queued'``), so of two workers racing for a job exactly one gets
it; the result is stored in the same transaction that moves the job to ``done``, and only by the
worker that still holds the lease.

The worker-side verbs (``claim``, ``heartbeat``, ``finish``, ``recover``) take no actor: only the
worker process calls them, as the kit's own machinery; the anonymisation itself runs with the
requesting person's permissions.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Cancelled, Conflict, NotFound
from ..identity import SYSTEM, Actor
from ..permissions import require
from . import models as m
from .library_media import check_not_published, normalise_manual_masks
from .store import Service, Store, rowcount

if TYPE_CHECKING:
    from .library import LibraryService
    from .people import PeopleService

__all__ = ["AnonymiseJobsService", "JobInfo", "JobDelivery", "ACTIVE_STATES", "DEFAULT_LEASE_S",
           "MAX_ATTEMPTS", "work_name"]

log = logging.getLogger(__name__)

ACTIVE_STATES = ("queued", "running")
#: Seconds without a heartbeat after which a running job's worker counts as gone.
DEFAULT_LEASE_S = 60.0
#: A job whose worker died this many times is failed rather than started again (a clip that kills it).
MAX_ATTEMPTS = 3


class JobDelivery(Protocol):
    """Hands a job id to the workers (the task queue); may raise when the queue is unreachable."""

    def deliver(self, job_id: int) -> None: ...


@dataclass(frozen=True)
class JobInfo:
    """An anonymisation job as a page shows it (plain values)."""

    id: int
    case_code: str
    title: str
    state: str
    progress: float
    stage: str
    cancel_requested: bool
    requested_by: str | None
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    error: str = ""
    worker: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


def work_name(job_id: int) -> str:
    """The temporary files' name part of a job's run: the same on every attempt.

    >>> work_name(12)
    'job12'
    """
    return f"job{int(job_id)}"


def _job_query():
    return (select(m.AnonymiseJob, m.Case.code, m.Case.title, m.Person.username)
            .join(m.Case, m.Case.id == m.AnonymiseJob.case_id)
            .outerjoin(m.Person, m.Person.id == m.AnonymiseJob.requested_by_id))


def _info(job: m.AnonymiseJob, code: str, title: str, username: str | None) -> JobInfo:
    return JobInfo(id=job.id, case_code=code, title=title, state=job.state, progress=float(job.progress or 0),
                   stage=job.stage or "", cancel_requested=bool(job.cancel_requested), requested_by=username,
                   attempts=int(job.attempts or 0), created_at=m.as_utc(job.created_at),
                   started_at=m.as_utc(job.started_at) if job.started_at else None,
                   finished_at=m.as_utc(job.finished_at) if job.finished_at else None,
                   error=job.error or "", worker=job.worker)


class AnonymiseJobsService(Service):
    """Verbs of the durable anonymisation jobs (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, people: PeopleService, library: LibraryService):
        super().__init__(store)
        #: Where new jobs are handed to the workers (``oefenkit/jobs.py``); ``None``: the workers'
        #: own sweep picks them up (:meth:`recover_anonymise_jobs`).
        self.job_queue: JobDelivery | None = None
        #: Seconds a running job's heartbeat stays valid.
        self.job_lease_s: float = DEFAULT_LEASE_S
        #: The requesting person of a job (:meth:`PeopleService.find_person`).
        self._people = people
        #: A library case's rows (:meth:`LibraryService.media_of`).
        self._library = library

    # -- pages: queue, read, cancel ------------------------------------------------------------

    def queue_anonymise(self, actor: Actor, case_code: str, *,
                        manual_masks: Sequence[dict[str, Any]] | None = None,
                        keep_audio: bool = False) -> JobInfo:
        """Put an anonymisation of a library clip in the queue; a worker runs it.

        ``manual_masks`` replaces the stored masks when the job runs (``None`` keeps them).
        Refused (Dutch, nothing stored) when the case is published, has no original, or
        already has a queued or running job.
        """

        require(actor, "manage_cases")
        masks = None if manual_masks is None else [dict(d) for d in normalise_manual_masks(manual_masks)]
        with self.transaction() as s:
            case, media = self._library.media_of(s, case_code)
            check_not_published(media)
            if media.original_path is None:
                raise NotFound("Het origineel van deze casus is niet meer bewaard; opnieuw anonimiseren kan niet.")
            if s.scalar(select(m.AnonymiseJob.id).where(m.AnonymiseJob.case_id == case.id,
                                                        m.AnonymiseJob.state.in_(ACTIVE_STATES))) is not None:
                raise Conflict("Dit fragment staat al in de wachtrij of wordt nu geanonimiseerd.")
            job = m.AnonymiseJob(case_id=case.id, state="queued", progress=0.0, stage="", cancel_requested=False,
                                 manual_masks=masks, keep_audio=bool(keep_audio), requested_by_id=actor.id,
                                 attempts=0, error="")
            s.add(job)
            s.flush()
            job_id = job.id
            self.audit(s, actor, "library.anonymise_queued", case.code, job=job_id, keep_audio=bool(keep_audio))
        self._deliver(job_id)
        return self.find_anonymise_job(actor, job_id)

    def _deliver(self, job_id: int) -> None:
        if self.job_queue is None:
            return
        with self.transaction() as s:
            taken = rowcount(s.execute(update(m.AnonymiseJob)
                                       .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.delivered_at.is_(None))
                                       .values(delivered_at=m.utcnow())
                                       .execution_options(synchronize_session=False)))
        if not taken:
            return
        try:
            self.job_queue.deliver(job_id)
        except Exception:  # noqa: BLE001 - the job is safe in the table; the workers' sweep delivers it
            log.warning("Could not hand job %s to the queue; a worker's sweep will", job_id, exc_info=True)
            with self.transaction() as s:
                s.execute(update(m.AnonymiseJob).where(m.AnonymiseJob.id == job_id)
                          .values(delivered_at=None).execution_options(synchronize_session=False))

    def list_anonymise_jobs(self, actor: Actor, *, limit: int = 30) -> list[JobInfo]:
        """The organisation's jobs: queued and running ones first (oldest first), then the newest ended ones."""
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            active = s.execute(_job_query().where(m.AnonymiseJob.state.in_(ACTIVE_STATES))
                               .order_by(m.AnonymiseJob.id)).all()
            ended = s.execute(_job_query().where(m.AnonymiseJob.state.not_in(ACTIVE_STATES))
                              .order_by(m.AnonymiseJob.id.desc()).limit(max(0, limit))).all()
            return [_info(*row) for row in [*active, *ended]]

    def find_anonymise_job(self, actor: Actor, job_id: int) -> JobInfo:
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            row = s.execute(_job_query().where(m.AnonymiseJob.id == job_id)).first()
            if row is None:
                raise NotFound("Deze anonimiseertaak bestaat niet.")
            return _info(*row)

    def cancel_anonymise_job(self, actor: Actor, job_id: int) -> JobInfo:
        """Stop a job from any page: a queued job ends at once, a running one at its worker's next frame."""
        require(actor, "manage_cases")
        with self.transaction() as s:
            job = s.get(m.AnonymiseJob, job_id)
            if job is None:
                raise NotFound("Deze anonimiseertaak bestaat niet.")
            if job.state == "queued":
                job.state, job.finished_at, job.stage = "cancelled", m.utcnow(), ""
            elif job.state == "running":
                job.cancel_requested = True
            else:
                raise Conflict("Deze taak is al afgelopen.")
            code = s.scalar(select(m.Case.code).where(m.Case.id == job.case_id))
            self.audit(s, actor, "library.anonymise_cancel", code, job=job_id)
        return self.find_anonymise_job(actor, job_id)

    # -- the worker: claim, heartbeat, finish, recover -------------------------------------------

    def claim_anonymise_job(self, job_id: int, worker: str) -> bool:
        """Take a queued job for ``worker``; exactly one of several racing workers gets True."""
        now = m.utcnow()
        with self.transaction() as s:
            return rowcount(s.execute(update(m.AnonymiseJob)
                                      .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.state == "queued")
                                      .values(state="running", worker=worker, started_at=now, heartbeat_at=now,
                                              attempts=m.AnonymiseJob.attempts + 1, progress=0.0, stage="",
                                              error="")
                                      .execution_options(synchronize_session=False))) == 1

    def job_heartbeat(self, job_id: int, worker: str, progress: float | None = None,
                      stage: str | None = None) -> bool:
        """Renew the lease (and store progress); False when the worker must stop (cancel, lease lost)."""
        values: dict[str, Any] = {"heartbeat_at": m.utcnow()}
        if progress is not None:
            values["progress"] = max(0.0, min(1.0, float(progress)))
        if stage is not None:
            values["stage"] = str(stage)[:200]
        with self.transaction() as s:
            mine = (m.AnonymiseJob.id == job_id, m.AnonymiseJob.worker == worker,
                    m.AnonymiseJob.state == "running")
            if rowcount(s.execute(update(m.AnonymiseJob).where(*mine).values(**values)
                                  .execution_options(synchronize_session=False))) != 1:
                return False
            return not s.scalar(select(m.AnonymiseJob.cancel_requested).where(m.AnonymiseJob.id == job_id))

    def finish_anonymise_job(self, s: Session, job_id: int, worker: str, summary: dict[str, Any]) -> None:
        """Inside the transaction that stores the result: ``done``, or :class:`Cancelled` (rolls it back)
        when the job was cancelled or another worker holds it now."""
        done = rowcount(s.execute(update(m.AnonymiseJob)
                                  .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.worker == worker,
                                         m.AnonymiseJob.state == "running", m.AnonymiseJob.cancel_requested.is_(False))
                                  .values(state="done", progress=1.0, stage="", finished_at=m.utcnow(), result=summary)
                                  .execution_options(synchronize_session=False)))
        if done != 1:
            raise Cancelled("Het anonimiseren is gestopt.")

    def end_anonymise_job(self, job_id: int, worker: str, *, cancelled: bool, error: str = "") -> None:
        """A run that stored nothing: ``cancelled`` or ``failed`` (with a Dutch ``error``)."""
        with self.transaction() as s:
            s.execute(update(m.AnonymiseJob)
                      .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.worker == worker,
                             m.AnonymiseJob.state == "running")
                      .values(state="cancelled" if cancelled else "failed", finished_at=m.utcnow(),
                              error="" if cancelled else error[:2000])
                      .execution_options(synchronize_session=False))

    def release_anonymise_job(self, job_id: int, worker: str) -> None:
        """A worker that shuts down gives its running job back to the queue (started again from the start)."""
        with self.transaction() as s:
            s.execute(update(m.AnonymiseJob)
                      .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.worker == worker,
                             m.AnonymiseJob.state == "running")
                      .values(state="queued", worker=None, delivered_at=None, progress=0.0,
                              stage="Opnieuw in de wachtrij", attempts=m.AnonymiseJob.attempts - 1)
                      .execution_options(synchronize_session=False))

    def job_request(self, job_id: int) -> tuple[Actor, str, list[dict[str, Any]] | None, bool]:
        """What a worker needs to run a job: (the requester as actor, case code, masks, keep_audio)."""
        with self.transaction(readonly=True) as s:
            row = s.execute(select(m.AnonymiseJob, m.Case.code, m.Person.username)
                            .join(m.Case, m.Case.id == m.AnonymiseJob.case_id)
                            .outerjoin(m.Person, m.Person.id == m.AnonymiseJob.requested_by_id)
                            .where(m.AnonymiseJob.id == job_id)).first()
            if row is None:
                raise NotFound("Deze anonimiseertaak bestaat niet.")
            job, code, username = row
            masks, keep_audio = job.manual_masks, bool(job.keep_audio)
        actor: Actor = SYSTEM
        if username is not None:
            try:
                actor = self._people.find_person(username)
            except NotFound:
                actor = SYSTEM
        return actor, code, masks, keep_audio

    def recover_anonymise_jobs(self, *, lease_s: float | None = None,
                               max_attempts: int | None = None) -> list[int]:
        """The workers' sweep: requeue jobs whose worker is gone; return queued jobs not yet delivered.

        A running job without a heartbeat for ``lease_s`` goes back to ``queued`` (or to
        ``cancelled`` if a cancel was asked, or ``failed`` after ``max_attempts`` starts). The
        returned ids are marked delivered here, so two sweeping workers never both deliver one.
        """
        lease = self.job_lease_s if lease_s is None else lease_s
        attempts = MAX_ATTEMPTS if max_attempts is None else max_attempts
        now = m.utcnow()
        cutoff = now - dt.timedelta(seconds=lease)
        stale = (m.AnonymiseJob.state == "running", m.AnonymiseJob.heartbeat_at < cutoff)
        with self.transaction() as s:
            s.execute(update(m.AnonymiseJob).where(*stale, m.AnonymiseJob.cancel_requested.is_(True))
                      .values(state="cancelled", finished_at=now, worker=None)
                      .execution_options(synchronize_session=False))
            s.execute(update(m.AnonymiseJob).where(*stale, m.AnonymiseJob.attempts >= attempts)
                      .values(state="failed", finished_at=now, worker=None,
                              error="Het anonimiseren stopte steeds onverwacht; probeer het opnieuw of "
                                    "vraag de beheerder naar het logboek van de werker.")
                      .execution_options(synchronize_session=False))
            requeued = rowcount(s.execute(update(m.AnonymiseJob).where(*stale)
                                          .values(state="queued", worker=None, delivered_at=None, progress=0.0,
                                                  stage="Opnieuw in de wachtrij")
                                          .execution_options(synchronize_session=False)))
            if requeued:
                log.warning("Requeued %d anonymisation job(s) whose worker stopped", requeued)
            ids = list(s.scalars(select(m.AnonymiseJob.id).where(m.AnonymiseJob.state == "queued",
                                                                 m.AnonymiseJob.delivered_at.is_(None))
                                 .order_by(m.AnonymiseJob.id)))
            taken = []
            for job_id in ids:
                if rowcount(s.execute(update(m.AnonymiseJob)
                                      .where(m.AnonymiseJob.id == job_id, m.AnonymiseJob.delivered_at.is_(None))
                                      .values(delivered_at=now).execution_options(synchronize_session=False))):
                    taken.append(job_id)
            return taken
