"""The anonymisation worker: huey delivers job ids, :class:`JobRunner` runs them (``oefenkit worker``).

The job table (``oefenkit/storage/anonymise_jobs.py``) holds the truth: state, progress, cancel
flag and lease. huey is the task queue that *delivers* a job id to one worker and retries a
delivery that failed on a database error; it stores its queue on the kit's own database
(docs/architecture.md, "Durable anonymisation jobs", compares the candidates):

- PostgreSQL: :class:`huey.PostgresHuey` in the kit's database (tables ``oefenkit_queue_*``);
  workers wait with ``LISTEN/NOTIFY`` and dequeue with ``FOR UPDATE SKIP LOCKED``, so N workers
  on N machines share one queue.
- SQLite: :class:`huey.SqliteHuey` in a file beside the kit's database
  (``<name>-queue.sqlite3``); workers on the same machine share it.

A worker process runs huey's consumer (threads) plus a sweep thread that every few seconds
requeues jobs whose worker died (their lease ran out) and delivers jobs that were never handed
to the queue. While a job runs, a heartbeat thread stores its progress and renews the lease; it
stops the run when the job was cancelled from a page or another worker took it over.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import make_url

from .errors import Cancelled, OefenkitError
from .storage.anonymise_jobs import DEFAULT_LEASE_S, work_name

__all__ = ["QUEUE_NAME", "HueyDelivery", "JobRunner", "make_huey", "queue_file", "run_worker",
           "LazyDelivery"]

log = logging.getLogger(__name__)

QUEUE_NAME = "oefenkit-anonymise"
#: Seconds between two sweeps of the job table (requeue stale jobs, deliver undelivered ones).
SWEEP_S = 5.0


def queue_file(database_path: str | os.PathLike) -> Path:
    """The SQLite queue beside a SQLite kit database.

    >>> queue_file("/data/oefenkit.sqlite3").name
    'oefenkit-queue.sqlite3'
    """
    path = Path(database_path)
    return path.with_name(f"{path.stem}-queue.sqlite3")


def make_huey(database_url: str):
    """A huey on the kit's database (PostgreSQL) or beside it (SQLite); ``None`` for in-memory SQLite."""
    from huey import PostgresHuey, SqliteHuey  # only where a queue is opened (worker, queueing a job)

    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return None
        return SqliteHuey(QUEUE_NAME, filename=str(queue_file(url.database)), results=False, timeout=30)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PostgresHuey(QUEUE_NAME, dsn=dsn, results=False, table_prefix="oefenkit_queue", read_timeout=1)


#: The runner of this process (set by :func:`run_worker`); huey's task calls it.
_RUNNER: JobRunner | None = None


def _anonymise(job_id: int) -> str:
    if _RUNNER is None:  # pragma: no cover - a page process never consumes
        raise RuntimeError("no job runner in this process")
    return _RUNNER.run(int(job_id))


_anonymise.__name__ = "anonymise"


class HueyDelivery:
    """:class:`~oefenkit.storage.anonymise_jobs.JobDelivery` over a huey: one task per job id."""

    def __init__(self, huey):
        self.huey = huey
        # retried by huey when the run raised (the database was unreachable before the job was claimed)
        self.task = huey.task(retries=5, retry_delay=5, name="anonymise")(_anonymise)

    def deliver(self, job_id: int) -> None:
        self.task(int(job_id))


class LazyDelivery:
    """Delivery for a page's kit: connects to the queue on the first job (pages that queue nothing never do)."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self._delivery: HueyDelivery | None = None
        self._lock = threading.Lock()

    def deliver(self, job_id: int) -> None:
        with self._lock:
            if self._delivery is None:
                huey = make_huey(self.database_url)
                if huey is None:
                    raise OefenkitError("Geen wachtrij voor een database in het geheugen.")
                self._delivery = HueyDelivery(huey)
        self._delivery.deliver(job_id)


class JobRunner:
    """Runs one claimed job at a time per thread: heartbeat, progress, cancel, result."""

    def __init__(self, kit, name: str, *, heartbeat_s: float = 2.0, detector_factory: Callable[[], Any] | None = None):
        self.kit = kit
        self.name = name
        self.heartbeat_s = heartbeat_s
        self.detector_factory = detector_factory
        #: Set on shutdown: running jobs stop and go back to the queue.
        self.shutting_down = threading.Event()
        self._active = 0
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self._active > 0

    def run(self, job_id: int) -> str:
        """Claim and run a job; the final state, or ``"skipped"`` when another worker has it."""
        kit = self.kit
        if self.shutting_down.is_set() or not kit.jobs.claim_anonymise_job(job_id, self.name):
            return "skipped"
        with self._lock:
            self._active += 1
        stop = threading.Event()
        now: dict[str, Any] = {"progress": 0.0, "stage": "Gestart"}
        beat = threading.Thread(target=self._heartbeat, args=(job_id, now, stop), daemon=True,
                                name=f"oefenkit-heartbeat-{job_id}")
        try:
            actor, code, masks, keep_audio = kit.jobs.job_request(job_id)
            kit.library_media.remove_work_files(code, work_name(job_id))  # what a killed earlier attempt left
            beat.start()

            def progress(fraction: float, label: str) -> None:
                now["progress"], now["stage"] = float(fraction), str(label)

            def should_stop() -> bool:
                return stop.is_set() or self.shutting_down.is_set()

            kit.library_media.anonymise_library_clip(
                actor, code, manual_masks=masks, keep_audio=keep_audio, progress=progress, cancel=should_stop,
                detector=self.detector_factory() if self.detector_factory else None, work_name=work_name(job_id),
                on_commit=lambda s, summary: kit.jobs.finish_anonymise_job(s, job_id, self.name, summary), for_job=True)
            log.info("job %s (%s) done", job_id, code)
            return "done"
        except Cancelled:
            if self.shutting_down.is_set() and not stop.is_set():
                kit.jobs.release_anonymise_job(job_id, self.name)
                return "released"
            kit.jobs.end_anonymise_job(job_id, self.name, cancelled=True)
            return "cancelled"
        except OefenkitError as exc:
            kit.jobs.end_anonymise_job(job_id, self.name, cancelled=False, error=str(exc))
            return "failed"
        except Exception:  # noqa: BLE001 - stored as a Dutch message; the log has the traceback
            log.exception("job %s failed", job_id)
            kit.jobs.end_anonymise_job(job_id, self.name, cancelled=False,
                                  error="Het anonimiseren is mislukt door een onverwachte fout. Probeer het opnieuw.")
            return "failed"
        finally:
            stop.set()
            if beat.is_alive():
                beat.join(timeout=self.heartbeat_s + 5)
            with self._lock:
                self._active -= 1

    def _heartbeat(self, job_id: int, now: dict[str, Any], stop: threading.Event) -> None:
        while not stop.wait(self.heartbeat_s):
            try:
                if not self.kit.jobs.job_heartbeat(job_id, self.name, now["progress"], now["stage"]):
                    log.info("job %s: cancelled or taken over; stopping", job_id)
                    stop.set()
            except OefenkitError:
                log.warning("job %s: heartbeat failed (database unreachable?)", job_id, exc_info=True)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def run_worker(kit, database_url: str, *, concurrency: int = 1, lease_s: float = DEFAULT_LEASE_S, sweep_s: float = SWEEP_S,
               parent_pid: int | None = None, detector_factory: Callable[[], Any] | None = None) -> None:
    """Run ``oefenkit worker`` on ``kit`` until SIGINT/SIGTERM (or until ``parent_pid`` is gone)."""

    global _RUNNER
    kit.jobs.job_lease_s = lease_s
    huey = make_huey(database_url)
    if huey is None:
        raise OefenkitError("De werker heeft een database in een bestand of op een server nodig.")
    delivery = HueyDelivery(huey)
    kit.jobs.job_queue = delivery
    runner = _RUNNER = JobRunner(kit, _worker_name(), heartbeat_s=max(0.2, min(2.0, lease_s / 4)),
                                 detector_factory=detector_factory)
    done = threading.Event()

    def sweep() -> None:
        while not done.wait(sweep_s):
            if parent_pid is not None and not _alive(parent_pid):
                log.warning("the server (pid %s) stopped; the worker stops too", parent_pid)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            try:
                for job_id in kit.jobs.recover_anonymise_jobs(lease_s=lease_s):
                    delivery.deliver(job_id)
            except Exception:  # noqa: BLE001 - try again at the next sweep
                log.warning("sweep of the job table failed", exc_info=True)

    try:  # deliver what waits (jobs queued while no worker ran, or of a killed worker) before consuming
        for job_id in kit.jobs.recover_anonymise_jobs(lease_s=lease_s):
            delivery.deliver(job_id)
    except Exception:  # noqa: BLE001
        log.warning("first sweep of the job table failed", exc_info=True)
    threading.Thread(target=sweep, name="oefenkit-sweep", daemon=True).start()
    consumer = huey.create_consumer(workers=max(1, concurrency), worker_type="thread", periodic=False,
                                    initial_delay=0.1, backoff=1.5, max_delay=1.0,
                                    shutdown_timeout=1)
    log.info("worker %s started (lease %.0f s)", runner.name, lease_s)
    try:
        consumer.run()
    finally:
        done.set()
        runner.shutting_down.set()  # running jobs stop at their next frame and go back to the queue
        deadline = time.monotonic() + 20
        while runner.busy and time.monotonic() < deadline:
            time.sleep(0.1)
        log.info("worker %s stopped", runner.name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
