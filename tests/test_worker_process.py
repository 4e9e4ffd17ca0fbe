"""``oefenkit worker`` as real processes on SQLite and PostgreSQL: a worker killed with SIGKILL mid-job,
two workers racing for one job, and a page's kernel that ends (a closed tab) while its job runs.

Each test starts workers with ``python -m oefenkit worker`` on the test's database and media folder,
with a short lease so that a killed worker's job comes back within seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from oefenkit.jobs import HueyDelivery, LazyDelivery, make_huey
from oefenkit.storage import models as m

LEASE = "3"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 2.4-second synthetic clip with photographed faces (640x360): some seconds of real work."""
    from .video.synthetic import make_clip, write_clip

    path = tmp_path_factory.mktemp("clip") / "gezin.mp4"
    write_clip(make_clip(seed=3, width=640, height=360, n_frames=60), path)
    return path


@pytest.fixture
def setup(kit, people, database_url, tmp_path, clip):
    """The kit on the test's database with a media folder and the queue, an uploaded clip, and the
    environment a worker process needs to use the same database and folder."""
    media = tmp_path / "media"
    kit.configure_library(media)
    kit.jobs.job_queue = LazyDelivery(database_url)
    part = tmp_path / "upload.part"
    shutil.copyfile(clip, part)
    code = kit.add_library_clip(people["trainer"], part, "huisbezoek.mp4").case_code
    env = {**os.environ, "OEFENKIT_DATA_DIR": str(tmp_path / "data"), "OEFENKIT_DATABASE_URL": database_url,
           "OEFENKIT_MEDIA_DIR": str(media), "PYTHONPATH": str(ROOT)}
    workers: list[subprocess.Popen] = []

    def start_worker(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "ab")
        proc = subprocess.Popen([sys.executable, "-m", "oefenkit", "worker", "--lease", LEASE], env=env,
                                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        workers.append(proc)
        return proc

    yield kit, people["trainer"], code, start_worker, env
    for proc in workers:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def wait_for(what, timeout: float = 120.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


def leftovers(kit) -> list[str]:
    """Hidden (temporary) files in the media folders: a half-written clip or contact sheet."""
    return sorted(p.name for sub in ("clips", "review") for p in kit.media_path(sub).iterdir()
                  if p.name.startswith("."))


def anonymise_audits(kit) -> int:
    with kit.transaction() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEntry)
                        .where(m.AuditEntry.action == "library.anonymise"))


def test_a_worker_killed_mid_job_is_replaced_and_nothing_half_written_remains(setup):
    """SIGKILL a worker while it writes the clip: does the job stay ``running`` (no clip stored), and does
    the next worker take it over after the lease, remove the killed run's files and finish it once?"""
    kit, trainer, code, start_worker, _env = setup
    job = kit.queue_anonymise(trainer, code)
    first = start_worker("first")
    wait_for(lambda: (j := kit.find_anonymise_job(trainer, job.id)).state == "running" and j.progress > 0.05)
    wait_for(lambda: leftovers(kit))  # it is writing: a half-written temporary file exists
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    killed = kit.find_anonymise_job(trainer, job.id)
    assert killed.state == "running" and killed.attempts == 1
    item = kit.find_library_item(trainer, code)
    assert item.status == "uploaded" and not item.clip_available  # nothing stored by the killed run
    start_worker("second")
    done = wait_for(lambda: (j := kit.find_anonymise_job(trainer, job.id)).state == "done" and j, timeout=180)
    assert done.attempts == 2 and done.progress == 1.0
    item = kit.find_library_item(trainer, code)
    assert item.status == "anonymised" and item.clip_available
    assert leftovers(kit) == [] and anonymise_audits(kit) == 1
    assert sorted(p.name for p in kit.media_path("clips").iterdir()) == [f"{code}.mp4"]


def test_two_workers_racing_for_one_job_run_it_once(setup, database_url):
    """Two workers and the job delivered to both (a duplicate delivery): does exactly one run it?"""
    kit, trainer, code, start_worker, _env = setup
    job = kit.queue_anonymise(trainer, code)
    HueyDelivery(make_huey(database_url)).deliver(job.id)  # the same job a second time in the queue
    start_worker("a")
    start_worker("b")
    done = wait_for(lambda: (j := kit.find_anonymise_job(trainer, job.id)).state == "done" and j, timeout=180)
    assert done.attempts == 1  # claimed once
    time.sleep(2)  # the second delivery has been taken by the other worker by now
    assert anonymise_audits(kit) == 1 and leftovers(kit) == []
    assert kit.find_anonymise_job(trainer, job.id).state == "done"


PAGE = textwrap.dedent("""
    # A trainer's page kernel: open the Casusbibliotheek, press Anonimiseren, and end (the tab closes).
    import sys
    from oefenkit.instance import open_kit
    from oefenkit.settings import load_settings
    from oefenkit_widgets.library import library_page

    kit = open_kit(load_settings())
    page = library_page(kit, kit.find_person("trainer1"))
    page.open_item(sys.argv[1])
    page.anonymise_button.click()
    print(page.progress.label.value, flush=True)
""")


def test_a_closed_tab_loses_nothing_and_the_library_shows_the_clip_later(setup, tmp_path):
    """A page kernel queues the job and ends at once (a closed tab): does the worker still finish it, and
    does a page opened later list the case as anonymised with the job "Klaar"?"""
    from oefenkit_widgets.library import library_page

    kit, trainer, code, start_worker, env = setup
    script = tmp_path / "page.py"
    script.write_text(PAGE)
    out = subprocess.run([sys.executable, str(script), code], env=env, cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert "In de wachtrij" in out.stdout
    [job] = kit.list_anonymise_jobs(trainer)
    assert job.state == "queued"
    start_worker("worker")
    wait_for(lambda: kit.find_anonymise_job(trainer, job.id).state == "done", timeout=180)
    page = library_page(kit, trainer)  # a new tab, later
    row = next(r for r in page.list.children if f"ok-library-{code}" in r._dom_classes)
    assert "geanonimiseerd" in row.children[1].value
    assert "Klaar" in page.jobs.children[0].children[1].value
    page.open_item(code)
    assert f"/oefenkit/media/clip/{code}.mp4" in page.review.player.value
    assert leftovers(kit) == []


def test_cancel_from_another_page_stops_the_running_worker(setup):
    """A running job cancelled from another page: does the worker stop it, store nothing and stay up
    for the next job?"""
    kit, trainer, code, start_worker, _env = setup
    job = kit.queue_anonymise(trainer, code)
    worker = start_worker("worker")
    wait_for(lambda: kit.find_anonymise_job(trainer, job.id).state == "running")
    kit.cancel_anonymise_job(kit.find_person("coord1"), job.id)
    wait_for(lambda: kit.find_anonymise_job(trainer, job.id).state == "cancelled", timeout=60)
    item = kit.find_library_item(trainer, code)
    assert item.status == "uploaded" and not item.clip_available and leftovers(kit) == []
    assert worker.poll() is None
    again = kit.queue_anonymise(trainer, code)
    wait_for(lambda: kit.find_anonymise_job(trainer, again.id).state == "done", timeout=180)


def test_a_stopped_worker_gives_its_job_back_at_once(setup):
    """SIGTERM (a restart, a Kubernetes pod stopping) mid-job: does the worker exit within seconds with the
    job back in the queue (not waiting for the lease, nothing stored), so the next worker finishes it?"""
    kit, trainer, code, start_worker, _env = setup
    job = kit.queue_anonymise(trainer, code)
    first = start_worker("first")
    wait_for(lambda: (j := kit.find_anonymise_job(trainer, job.id)).state == "running" and j.progress > 0.05)
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=30) == 0
    back = kit.find_anonymise_job(trainer, job.id)
    assert (back.state, back.worker, back.attempts) == ("queued", None, 0)
    assert kit.find_library_item(trainer, code).status == "uploaded" and leftovers(kit) == []
    start_worker("second")
    done = wait_for(lambda: (j := kit.find_anonymise_job(trainer, job.id)).state == "done" and j, timeout=180)
    assert done.attempts == 1 and leftovers(kit) == []
