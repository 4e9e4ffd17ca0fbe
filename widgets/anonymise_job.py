"""The anonymisation jobs on a page: a job's progress, the organisation's queue, and a poller.

Anonymising runs in ``oefenkit worker``, not in the page's kernel (``oefenkit/jobs.py``); a page
only reads the jobs through the core (``AnonymiseJobsService.list_anonymise_jobs``) and asks to cancel one
(``AnonymiseJobsService.cancel_anonymise_job``). :class:`JobPoller` re-reads them a few times a second while a job
is active, and now and then otherwise, so a job queued on another page shows up too. Components
take plain values and callbacks (:class:`~oefenkit.storage.anonymise_jobs.JobInfo`).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

__all__ = ["JOB_STATE_LABELS", "AnonymiseProgress", "JobPoller", "JobsPanel", "job_status_text"]

log = logging.getLogger(__name__)

JOB_STATE_LABELS = {
    "queued": "In de wachtrij",
    "running": "Bezig",
    "done": "Klaar",
    "failed": "Mislukt",
    "cancelled": "Afgebroken",
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def job_status_text(job) -> str:
    """A job's state in Dutch, with the percentage while it runs.

    >>> from types import SimpleNamespace as J
    >>> job_status_text(J(state="running", progress=0.423, cancel_requested=False))
    'Bezig: 42 %'
    >>> job_status_text(J(state="running", progress=0.5, cancel_requested=True))
    'Stoppen …'
    >>> job_status_text(J(state="queued", progress=0, cancel_requested=False))
    'In de wachtrij'
    """
    if job.state == "running":
        if job.cancel_requested:
            return "Stoppen …"
        return f"Bezig: {int(round(max(0.0, min(1.0, job.progress)) * 100))} %"
    return JOB_STATE_LABELS.get(job.state, job.state)


class AnonymiseProgress(w.HBox):
    """An ``IntProgress`` (0–100, its description the percentage) and the Dutch stage label."""

    def __init__(self):
        self.bar = w.IntProgress(value=0, min=0, max=100, description="0%",
                                 style={"description_width": "3rem"}, layout=w.Layout(width="22rem"))
        self.bar.add_class("ok-anonymise-progress")
        self.label = w.HTML("")
        self.label.add_class("ok-anonymise-label")
        super().__init__([self.bar, self.label], layout=w.Layout(align_items="center"))
        self.add_class("ok-anonymise-box")

    def show(self, fraction: float, label: str) -> None:
        percent = int(round(max(0.0, min(1.0, fraction)) * 100))
        self.bar.value = percent
        self.bar.description = f"{percent}%"
        self.label.value = _e(label)

    def show_job(self, job) -> None:
        """A job as the bar and its label: ``In de wachtrij``, ``Bezig: 42 % · <stage>``, ``Klaar`` …"""
        text = job_status_text(job)
        if job.state == "running" and job.stage and not job.cancel_requested:
            text = f"{text} · {job.stage}"
        self.bar.bar_style = {"done": "success", "failed": "danger"}.get(job.state, "")
        self.show(1.0 if job.state == "done" else job.progress, text)

    def reset(self, label: str = "") -> None:
        self.bar.bar_style = ""
        self.show(0.0, label)


class JobsPanel(w.VBox):
    """The organisation's anonymisation jobs: title, Dutch state, and "Afbreken" on an active one."""

    def __init__(self, jobs: Sequence = (), *, on_cancel: Callable[[int], None] | None = None,
                 on_open: Callable[[str], None] | None = None):
        super().__init__()
        self.add_class("ok-jobs")
        self._on_cancel, self._on_open = on_cancel, on_open
        self._shown: tuple | None = None
        self.update(jobs)

    def update(self, jobs: Sequence) -> None:
        key = tuple((j.id, j.state, round(j.progress, 2), j.cancel_requested) for j in jobs)
        if key == self._shown:  # a poll that changed nothing rebuilds nothing
            return
        self._shown = key
        rows: list[w.Widget] = []
        for job in jobs:
            title = w.Button(description=job.title or job.case_code, layout=w.Layout(width="auto"),
                             tooltip=f"Open {job.title or job.case_code}")
            title.add_class("ok-job-open")
            title.on_click(lambda _b, code=job.case_code: self._on_open and self._on_open(code))
            status = w.HTML(f"<span class='ok-job-state ok-job-state-{_e(job.state)}'>{_e(job_status_text(job))}"
                            f"</span> <span class='ok-job-code'>{_e(job.case_code)}</span>"
                            + (f" <span class='ok-job-error'>{_e(job.error)}</span>" if job.error else ""))
            parts: list[w.Widget] = [title, status]
            if job.active and not job.cancel_requested:
                cancel = w.Button(description="Afbreken", icon="stop", layout=w.Layout(width="auto"),
                                  tooltip=f"Anonimiseren van {job.title or job.case_code} afbreken")
                cancel.add_class("ok-job-cancel")
                cancel.on_click(lambda _b, job_id=job.id: self._on_cancel and self._on_cancel(job_id))
                parts.append(cancel)
            row = w.HBox(parts, layout=w.Layout(align_items="center"))
            row.add_class("ok-job")
            row.add_class(f"ok-job-{job.id}")
            rows.append(row)
        if not rows:
            empty = w.HTML("<p>Er staan geen anonimiseertaken in de wachtrij.</p>")
            empty.add_class("ok-jobs-empty")
            rows.append(empty)
        self.children = rows


class JobPoller:
    """Calls ``refresh()`` on the kernel's event loop: every ``fast`` seconds while ``active()``
    says a job is queued or running, every ``slow`` seconds otherwise. Without a running loop
    (a plain script or a test) it does nothing; call ``refresh`` yourself."""

    def __init__(self, refresh: Callable[[], None], active: Callable[[], bool], *,
                 fast: float = 1.0, slow: float = 10.0):
        self.refresh, self.active, self.fast, self.slow = refresh, active, fast, slow
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None

    def start(self) -> bool:
        """Start polling (idempotent); False when there is no running event loop."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = loop.create_task(self._run())
        return True

    def wake(self) -> None:
        """Poll now and fast (a job was just queued)."""
        if not self.start():
            return
        if self._wake is not None:
            self._wake.set()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.fast if self.active() else self.slow)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - a failed poll (database busy) is tried again
                log.warning("refreshing the jobs failed", exc_info=True)
