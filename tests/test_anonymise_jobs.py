"""Durable anonymisation jobs in the core: queue, claim, lease, cancel, recover (SQLite and PostgreSQL).

The worker processes themselves (kill -9, two workers, a closed tab) are in test_worker_process.py.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import numpy as np
import pytest
from sqlalchemy import func, select, update

from oefenkit.errors import Cancelled, Conflict, NotFound, PermissionDenied
from oefenkit.jobs import JobRunner
from oefenkit.storage import models as m
from oefenkit.storage.anonymise_jobs import work_name
from oefenkit.video.detect import FixedBoxDetector

from .video.media import write_clip


@pytest.fixture
def lib(kit, tmp_path):
    kit.configure_library(tmp_path / "media")
    return kit


@pytest.fixture
def code(lib, people, tmp_path):
    """An uploaded clip (320x240, 25 frames) of the trainer's."""
    path = tmp_path / "in" / "badje.mp4"
    path.parent.mkdir()
    write_clip(path, frames=25)
    return lib.add_library_clip(people["trainer"], path, "badje.mp4").case_code


def no_faces():
    return FixedBoxDetector(np.zeros((0, 4), np.float32))


class SlowDetector:
    """No faces, a little time per frame: a run that lasts long enough to be stopped."""

    def __init__(self, seconds: float = 0.08):
        self.inner, self.seconds = no_faces(), seconds

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def detect(self, *args, **kwargs):
        time.sleep(self.seconds)
        return self.inner.detect(*args, **kwargs)


def start_slow_run(lib, actor, job_id: int, worker: str) -> tuple[threading.Thread, dict]:
    """Run the job in a thread with a slow detector and a short heartbeat, and wait until it runs:
    ``(thread, outcome)``, where ``outcome["state"]`` is the run's result once the thread ends."""
    runner = JobRunner(lib, worker, heartbeat_s=0.05, detector_factory=lambda: SlowDetector(0.1))
    outcome: dict = {}
    th = threading.Thread(target=lambda: outcome.setdefault("state", runner.run(job_id)))
    th.start()
    deadline = time.monotonic() + 30
    while lib.find_anonymise_job(actor, job_id).state != "running":
        assert time.monotonic() < deadline, "the worker did not start the job within 30 s"
        time.sleep(0.02)
    return th, outcome


def work_files(kit) -> list[str]:
    return sorted(p.name for sub in ("clips", "review") for p in kit.media_path(sub).iterdir()
                  if p.name.startswith("."))


def audits(kit, action: str) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEntry).where(m.AuditEntry.action == action))


def test_queue_list_and_refusals(lib, people, code):
    """Is a queued job listed for staff in Dutch-ready values, and are a second job for the same clip,
    a cursist and an unknown case refused with nothing stored?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code, keep_audio=True)
    assert (job.state, job.case_code, job.progress, job.requested_by, job.active) == (
        "queued", code, 0.0, "trainer1", True)
    assert [j.id for j in lib.list_anonymise_jobs(people["coordinator"])] == [job.id]  # any staff page sees it
    with pytest.raises(Conflict, match="wachtrij"):
        lib.queue_anonymise(t, code)
    with pytest.raises(PermissionDenied):
        lib.queue_anonymise(people["cursist"], code)
    with pytest.raises(PermissionDenied):
        lib.list_anonymise_jobs(people["cursist"])
    with pytest.raises(NotFound):
        lib.queue_anonymise(t, "bestaat-niet")
    assert len(lib.list_anonymise_jobs(t)) == 1


def test_the_database_refuses_two_active_jobs_for_one_case(lib, people, code):
    """Does the partial unique index hold even when the verb's own check is bypassed (two pages at once)?"""
    lib.queue_anonymise(people["trainer"], code)
    with pytest.raises(Conflict):
        with lib.transaction() as s:
            case_id = s.scalar(select(m.Case.id).where(m.Case.code == code))
            s.add(m.AnonymiseJob(case_id=case_id, state="queued"))


def test_a_run_stores_the_clip_and_ends_the_job(lib, people, code):
    """Does a worker's run anonymise the clip, mark the job done at 100 %, leave no temporary file, and
    does a second delivery of the same job do nothing?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code)
    runner = JobRunner(lib, "werker-1", heartbeat_s=0.05, detector_factory=no_faces)
    assert runner.run(job.id) == "done"
    done = lib.find_anonymise_job(t, job.id)
    assert (done.state, done.progress, done.attempts, done.active) == ("done", 1.0, 1, False)
    item = lib.find_library_item(t, code)
    assert item.status == "anonymised" and item.clip_available
    assert work_files(lib) == []
    assert runner.run(job.id) == "skipped"  # a duplicate delivery
    assert audits(lib, "library.anonymise") == 1


def test_two_workers_racing_for_one_job_exactly_one_claims_it(lib, people, code):
    """Of two workers that claim the same job at the same moment, does exactly one get it?"""
    job = lib.queue_anonymise(people["trainer"], code)
    start, results = threading.Barrier(2), {}

    def claim(name):
        start.wait()
        results[name] = lib.claim_anonymise_job(job.id, name)

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("a", "b")]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results.values()) == [False, True]
    winner = next(n for n, ok in results.items() if ok)
    assert lib.find_anonymise_job(people["trainer"], job.id).worker == winner


def test_cancel_a_queued_job_from_another_page(lib, people, code):
    """Does cancelling a queued job (as another staff member) end it at once, so no worker runs it?"""
    job = lib.queue_anonymise(people["trainer"], code)
    assert lib.cancel_anonymise_job(people["coordinator"], job.id).state == "cancelled"
    assert JobRunner(lib, "w", detector_factory=no_faces).run(job.id) == "skipped"
    assert lib.find_library_item(people["trainer"], code).status == "uploaded"
    with pytest.raises(Conflict):
        lib.cancel_anonymise_job(people["trainer"], job.id)
    with lib.transaction() as s:
        entries = s.execute(select(m.AuditEntry.action, m.AuditEntry.target, m.Person.username)
                            .join(m.Person, m.Person.id == m.AuditEntry.actor_id)
                            .where(m.AuditEntry.action.like("library.anonymise_%"))
                            .order_by(m.AuditEntry.id)).all()
    assert [tuple(e) for e in entries] == [("library.anonymise_queued", code, "trainer1"),
                                           ("library.anonymise_cancel", code, "coord1")]


def test_cancel_a_running_job_stores_nothing(lib, people, code):
    """Does a cancel asked while the worker runs stop it at its next heartbeat, with the job
    ``cancelled``, the clip still only uploaded and no file left behind?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code)
    th, outcome = start_slow_run(lib, t, job.id, "w")
    lib.cancel_anonymise_job(people["coordinator"], job.id)
    th.join(timeout=60)
    assert outcome == {"state": "cancelled"}
    assert lib.find_anonymise_job(t, job.id).state == "cancelled"
    item = lib.find_library_item(t, code)
    assert item.status == "uploaded" and not item.clip_available and work_files(lib) == []


def _age_heartbeat(kit, job_id: int, seconds: float = 600) -> None:
    with kit.transaction() as s:
        s.execute(update(m.AnonymiseJob).where(m.AnonymiseJob.id == job_id)
                  .values(heartbeat_at=m.utcnow() - dt.timedelta(seconds=seconds)))


def test_a_job_of_a_dead_worker_is_requeued_and_finished_by_the_next(lib, people, code):
    """A worker claims a job and dies (its heartbeat stops, its temporary clip half-written): does the
    sweep put the job back once, and does the next worker remove the half-written files and finish it?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code)
    assert lib.claim_anonymise_job(job.id, "dead-worker")
    half = lib.media_path("clips") / f".{code}.{work_name(job.id)}.mp4"
    half.write_bytes(b"\x00" * 100)  # what a killed run leaves: its clip, and the encoder's part file
    part = half.with_name(f".{half.name}.0123456789ab.part")
    part.write_bytes(b"\x00" * 100)
    assert lib.recover_anonymise_jobs(lease_s=60) == []  # running, heartbeat fresh: left alone
    assert lib.find_anonymise_job(t, job.id).state == "running"
    _age_heartbeat(lib, job.id)
    assert lib.recover_anonymise_jobs(lease_s=60) == [job.id]
    assert lib.recover_anonymise_jobs(lease_s=60) == []  # delivered once, not at every sweep
    again = lib.find_anonymise_job(t, job.id)
    assert (again.state, again.worker, again.attempts) == ("queued", None, 1)
    # the dead worker, had it woken up, may store nothing any more
    with pytest.raises(Cancelled):
        with lib.transaction() as s:
            lib.jobs.finish_anonymise_job(s, job.id, "dead-worker", {})
    assert not lib.job_heartbeat(job.id, "dead-worker", 0.5, "x")
    assert JobRunner(lib, "next", detector_factory=no_faces).run(job.id) == "done"
    finished = lib.find_anonymise_job(t, job.id)
    assert (finished.state, finished.attempts) == ("done", 2)
    assert work_files(lib) == [] and lib.find_library_item(t, code).clip_available


def test_a_clip_that_keeps_killing_workers_fails_after_three_starts(lib, people, code):
    """After the third lost lease, is the job failed with a Dutch reason instead of started again?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code)
    for n in range(3):
        assert lib.claim_anonymise_job(job.id, f"w{n}")
        _age_heartbeat(lib, job.id)
        lib.recover_anonymise_jobs(lease_s=60)
    ended = lib.find_anonymise_job(t, job.id)
    assert ended.state == "failed" and "onverwacht" in ended.error


def test_a_lost_lease_stops_the_running_worker(lib, people, code):
    """When another worker took the job over (the first one was thought dead), does the first stop
    at its next heartbeat without storing anything?"""
    t = people["trainer"]
    job = lib.queue_anonymise(t, code)
    th, outcome = start_slow_run(lib, t, job.id, "slow")
    with lib.transaction() as s:  # what recover + a second claim do
        s.execute(update(m.AnonymiseJob).where(m.AnonymiseJob.id == job.id).values(worker="other"))
    th.join(timeout=60)
    assert outcome == {"state": "cancelled"}
    assert lib.find_anonymise_job(t, job.id).worker == "other"
    assert lib.find_library_item(t, code).status == "uploaded" and work_files(lib) == []


def test_several_clips_queue_up_and_run_in_order(lib, people, code, tmp_path):
    """Two clips queued: are both listed (oldest first), handed to the queue in that order by the
    sweep (each once), and run one after the other by one worker?"""
    t = people["trainer"]
    second_path = tmp_path / "in" / "tweede.mp4"
    write_clip(second_path, frames=25)
    second = lib.add_library_clip(t, second_path, "tweede.mp4").case_code
    first_job, second_job = lib.queue_anonymise(t, code), lib.queue_anonymise(t, second)
    assert [j.case_code for j in lib.list_anonymise_jobs(t)] == [code, second]
    assert lib.recover_anonymise_jobs() == [first_job.id, second_job.id]  # no queue configured: the sweep delivers
    assert lib.recover_anonymise_jobs() == []
    runner = JobRunner(lib, "w", detector_factory=no_faces)
    assert [runner.run(first_job.id), runner.run(second_job.id)] == ["done", "done"]
    assert {lib.find_library_item(t, c).status for c in (code, second)} == {"anonymised"}
    assert [j.state for j in lib.list_anonymise_jobs(t)] == ["done", "done"]


def test_a_direct_run_is_refused_while_the_case_has_a_job(lib, people, code):
    """``oefenkit cases anonymise`` runs directly, not through the queue. Is it refused, storing
    nothing, while a job of the same case waits; and does a direct run that sees a job queued during
    its run store nothing either (no two writers of one clip)?"""
    t = people["trainer"]
    before = lib.find_library_item(t, code)
    job = lib.queue_anonymise(t, code)
    with pytest.raises(Conflict, match="wachtrij"):
        lib.anonymise_library_clip(t, code, detector=no_faces())
    assert lib.find_library_item(t, code).status == before.status == "uploaded" and work_files(lib) == []
    assert lib.cancel_anonymise_job(t, job.id).state == "cancelled"  # a queued job ends at once

    queued = []

    def progress(fraction, label):  # a trainer queues the clip while the direct run is busy
        if not queued and fraction > 0.3:
            queued.append(lib.queue_anonymise(t, code))

    with pytest.raises(Conflict, match="wachtrij"):
        lib.anonymise_library_clip(t, code, detector=no_faces(), progress=progress)
    assert queued and lib.find_library_item(t, code).status == "uploaded" and work_files(lib) == []
    assert not (lib.media_path("clips") / f"{code}.mp4").exists()
