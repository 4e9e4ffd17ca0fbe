"""The case library ("Casusbibliotheek"): upload, anonymise, review, describe, score, publish.

Components take plain values and callbacks; :func:`library_page` composes them
over the façade's library verbs (``list_library``, ``anonymise_library_clip``,
``set_expert_scores``, ``publish_case`` …, see ``docs/library.md``), which check
that the person is staff. Every user text is escaped before it goes into an
``HTML`` widget. Domain errors become a Dutch :class:`~oefenkit_widgets.notice.Notice`.

Anonymising runs as a durable job in ``oefenkit worker``, not in this page's kernel: the page
queues it (``AnonymiseJobsService.queue_anonymise``), shows its progress and the organisation's queue from the
job table (``widgets/anonymise_job.py``) and can cancel any job; a closed tab loses nothing.
"""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from oefenkit.errors import OefenkitError
from oefenkit.permissions import roles
from oefenkit.practice import clip_url
from oefenkit.settings import site_url

from .anonymise_job import AnonymiseProgress, JobPoller, JobsPanel
from .formatting import format_bytes
from .library_forms import SET_KIND_LABELS, ExpertScoreForm, MetadataForm, PublishPanel, set_label
from .notice import Notice
from .practice import VideoPlayer
from .reveal import reveal, reveal_anchor
from .upload import ClipUpload

__all__ = [
    "STATUS_LABELS",
    "SET_KIND_LABELS",
    "AnonymiseProgress",
    "ExpertScoreForm",
    "LibraryList",
    "MaskEditor",
    "MetadataForm",
    "PublishPanel",
    "ReviewPanel",
    "contact_sheet_url",
    "flags_html",
    "library_page",
]

log = logging.getLogger(__name__)

STATUS_LABELS = {
    "uploaded": "geüpload",
    "anonymised": "geanonimiseerd",
    "reviewed": "gecontroleerd",
    "published": "gepubliceerd",
}

#: The staff-only contact-sheet route (``oefenkit/server``).
CONTACT_SHEET_PREFIX = "/oefenkit/library/contact-sheet/"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def contact_sheet_url(case_code: str, version: str = "") -> str:
    """The contact sheet's URL; ``version`` busts the browser cache after a re-run."""
    url = site_url(f"{CONTACT_SHEET_PREFIX}{case_code}.png")
    return f"{url}?v={version}" if version else url


def _time(seconds: float) -> str:
    """``m:ss,s`` for a moment in a clip.

    >>> _time(0), _time(75.25)
    ('0:00,0', '1:15,2')
    """
    s = max(0.0, float(seconds))
    return f"{int(s // 60)}:{s % 60:04.1f}".replace(".", ",")


def flags_html(flags: Sequence) -> str:
    """The flagged frames of the last anonymisation as a table (time, frame, reason)."""
    if not flags:
        return "<p class='ok-review-flags ok-review-none'>Geen frames gemarkeerd om na te kijken.</p>"
    rows = "".join(
        f"<tr><td>{_e(_time(f.time_s))}</td><td>{int(f.frame)}</td><td>{_e(f.reason)}</td></tr>" for f in flags)
    return ("<table class='ok-review-flags'><thead><tr><th>Tijd</th><th>Frame</th><th>Reden</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


# -- components ----------------------------------------------------------------------------------


class LibraryList(w.VBox):
    """Every library item: the title (opens it), status in Dutch, code and original file name."""

    def __init__(self, items: Sequence = (), on_open: Callable[[str], None] | None = None):
        super().__init__()
        self.add_class("ok-library-list")
        self._on_open = on_open
        self.update(items)

    def update(self, items: Sequence) -> None:
        rows: list[w.Widget] = []
        for item in items:
            button = w.Button(description=item.title or item.case_code, layout=w.Layout(width="auto"),
                              tooltip=f"Open {item.title or item.case_code}")
            button.add_class("ok-library-open")
            button.on_click(lambda _b, code=item.case_code: self._on_open and self._on_open(code))
            status = w.HTML(f"<span class='ok-library-status ok-library-status-{_e(item.status)}'>"
                            f"{_e(STATUS_LABELS.get(item.status, item.status))}</span>"
                            f" <span class='ok-library-code'>{_e(item.case_code)}</span>"
                            f" <span class='ok-library-file'>{_e(item.original_name)}</span>")
            row = w.HBox([button, status], layout=w.Layout(align_items="center"))
            row.add_class("ok-library-item")
            row.add_class(f"ok-library-{item.case_code}")
            rows.append(row)
        if not rows:
            empty = w.HTML("<p>Er staan nog geen fragmenten in de bibliotheek. Upload er hierboven een.</p>")
            empty.add_class("ok-library-empty")
            rows.append(empty)
        self.children = rows


class MaskEditor(w.VBox):
    """Manual masks: rows of start/end (seconds) and a rectangle in percent of the frame."""

    FIELDS = (("start_s", "Van (s)"), ("end_s", "Tot (s)*"), ("x", "Links %"), ("y", "Boven %"),
              ("w", "Breedte %"), ("h", "Hoogte %"))

    def __init__(self, masks: Sequence[Mapping] = ()):
        self.rows_box = w.VBox()
        self.add_button = w.Button(description="Masker toevoegen", icon="plus", layout=w.Layout(width="auto"))
        self.add_button.add_class("ok-mask-add")
        self.add_button.on_click(lambda _b: self.add_row())
        intro = w.HTML("<p>Een extra masker bedekt een rechthoek (in procenten van het beeld) tussen twee "
                       "tijdstippen, bijvoorbeeld een gezicht dat de detector miste. *Tot 0 = tot het einde.</p>")
        super().__init__([intro, self.rows_box, self.add_button])
        self.add_class("ok-masks")
        for mask in masks:
            self.add_row(mask)

    def add_row(self, mask: Mapping | None = None) -> w.HBox:
        mask = mask or {}
        fields = []
        for key, label in self.FIELDS:
            if key.endswith("_s"):
                value = float(mask.get(key) or 0.0)
                field = w.BoundedFloatText(value=value, min=0, max=24 * 3600, step=0.5, description=label)
            else:
                value = round(float(mask.get(key, 0.0)) * 100, 2)
                field = w.BoundedFloatText(value=value, min=0, max=100, step=1, description=label)
            field.style.description_width = "4.5rem"
            field.layout.width = "9.5rem"
            field.add_class(f"ok-mask-{key.replace('_s', '')}")
            fields.append(field)
        remove = w.Button(description="Verwijderen", layout=w.Layout(width="auto"))
        remove.add_class("ok-mask-remove")
        row = w.HBox([*fields, remove], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        row.add_class("ok-mask")
        row.fields = fields
        remove.on_click(lambda _b: self._remove(row))
        self.rows_box.children = (*self.rows_box.children, row)
        return row

    def _remove(self, row: w.HBox) -> None:
        self.rows_box.children = tuple(r for r in self.rows_box.children if r is not row)

    def masks(self) -> list[dict[str, float]]:
        """The masks as the core takes them: seconds, and fractions 0–1 of the frame."""
        out = []
        for row in self.rows_box.children:
            values = {key: float(f.value) for (key, _), f in zip(self.FIELDS, row.fields)}
            end = values["end_s"] if values["end_s"] > 0 else None  # 0 = until the end of the clip
            out.append({"start_s": values["start_s"], "end_s": end,
                        **{k: round(values[k] / 100, 4) for k in ("x", "y", "w", "h")}})
        return out


class ReviewPanel(w.VBox):
    """The result of an anonymisation: contact sheet, flagged frames and the anonymised clip."""

    def __init__(self):
        self.sheet = w.HTML()
        self.sheet.add_class("ok-contact-sheet")
        self.flags = w.HTML()
        self.flags.add_class("ok-review")
        self.player = VideoPlayer()
        self.player.add_class("ok-library-video")
        super().__init__([w.HTML("<h3>Contactblad</h3>"), self.sheet, w.HTML("<h3>Gemarkeerde frames</h3>"),
                          self.flags, w.HTML("<h3>Geanonimiseerd fragment</h3>"), self.player])

    def show(self, item, clip_url: str | None, version: str = "") -> None:
        if item.status == "uploaded" or not item.clip_available:
            self.sheet.value = "<p>Nog niet geanonimiseerd.</p>"
            self.flags.value = ""
            self.player.set_source(None)
            return
        self.sheet.value = (f"<img src='{_e(contact_sheet_url(item.case_code, version))}' "
                            f"alt='Contactblad van {_e(item.title)}' style='max-width:100%'>")
        self.flags.value = flags_html(item.review)
        self.player.set_source(clip_url)


def _section(title: str, body: w.Widget, css: str) -> w.VBox:
    head = w.HTML(f"<h2>{_e(title)}</h2>")
    head.add_class("ok-section-title")
    box = w.VBox([head, body])
    box.add_class(css)
    return box


def library_page(kit, person, *, max_upload_bytes: int | None = None) -> w.VBox:
    """The case-library app for staff: list and upload at the top, the chosen case below.

    Reads and writes go through the façade's library verbs (staff only). The
    detail view's widgets are built once; opening another case only changes
    their values.
    """
    if max_upload_bytes is None:
        max_upload_bytes = kit.media.upload_max_bytes  # Settings.upload_max_bytes, given to the kit by open_kit

    items = kit.library.list_library(person)
    scales = [(s.code, s.name, s.min_score, s.max_score) for s in kit.cases.current_scales()]  # in the content's order
    experts = [(f"{p['display_name']} ({p['username']})", p["username"])
               for p in kit.people.list_people(person) if p["role"] in roles().with_action("write_expert_scores")]
    programmes = [(p["name"], p["code"]) for p in kit.people.list_programmes()]
    case_sets = kit.library.list_case_sets(person)
    set_names = {s.code: set_label(s) for s in case_sets}
    current: dict[str, Any] = {"code": None, "busy": False, "version": "", "job": None, "jobs": []}

    top_message = w.Box()
    message = w.Box()
    message.add_class("ok-library-message")

    def say(box: w.Box, text: str, kind: str = "info", *, bring_into_view: bool = True) -> None:
        box.children = (Notice(text, kind=kind),)
        if bring_into_view and box is message:  # above the forms: scroll to it, focus it
            reveal(".ok-library-message .ok-notice")

    library_list = LibraryList(items, on_open=lambda code: open_item(code))

    def uploaded(result: dict) -> None:
        top_message.children = ()
        library_list.update(kit.library.list_library(person))
        open_item(result["case_code"])
        say(message, f"Fragment geüpload als {result.get('title') or result['case_code']}. "
                     "Anonimiseer het nu.")

    upload = ClipUpload(max_upload_bytes, on_uploaded=uploaded,
                        on_error=lambda text: say(top_message, text, "error"))

    heading = w.HTML()
    heading.add_class("ok-library-heading")
    progress = AnonymiseProgress()
    anonymise = w.Button(description="Anonimiseren", button_style="primary", layout=w.Layout(width="auto"))
    anonymise.add_class("ok-anonymise-start")
    stop = w.Button(description="Stoppen", icon="stop", layout=w.Layout(width="auto", display="none"))
    stop.add_class("ok-anonymise-cancel")
    keep_audio = w.Checkbox(value=False, description="Geluid behouden (alleen als het nodig is)", indent=False)
    keep_audio.add_class("ok-keep-audio")
    review = ReviewPanel()
    masks_holder = w.VBox()
    rerun = w.Button(description="Opnieuw anonimiseren", layout=w.Layout(width="auto"))
    rerun.add_class("ok-reanonymise")
    reviewed = w.Button(description="Gecontroleerd", button_style="success", icon="check",
                        layout=w.Layout(width="auto"))
    reviewed.add_class("ok-reviewed")
    meta = MetadataForm(programmes, on_save=lambda values: save_meta(values))
    scores = ExpertScoreForm(scales, experts, on_save=lambda form: save_scores(form))
    publish = PublishPanel(case_sets, on_publish=lambda code: do_publish(code))

    def item_now():
        return kit.library.find_library_item(person, current["code"])

    def guard(action: Callable[[], None]) -> None:
        """Run a user action; a domain error becomes the Dutch notice and nothing else changes."""
        try:
            action()
        except OefenkitError as exc:
            say(message, str(exc), "error")

    def show(item) -> None:
        current["code"] = item.case_code
        heading.value = (f"<h2>{_e(item.title or item.case_code)}</h2>"
                         f"<p><span class='ok-library-status ok-library-status-{_e(item.status)}'>"
                         f"{_e(STATUS_LABELS.get(item.status, item.status))}</span> · {_e(item.case_code)} · "
                         f"origineel: {_e(item.original_name)}"
                         f"{'' if item.has_original else ' (verwijderd)'}</p>")
        review.show(item, clip_url(item.case_code), current["version"])
        masks_holder.children = (MaskEditor(item.manual_masks),)
        meta.load(item)
        scores.load(item.expert_scores)
        publish.show(item.set_codes, set_names)
        published = item.status == "published"
        can_run = item.has_original and not published
        anonymise.disabled = rerun.disabled = current["busy"] or not can_run
        reviewed.disabled = current["busy"] or item.status != "anonymised"
        publish.button.disabled = current["busy"]
        detail.layout.display = None

    def open_item(code: str) -> None:
        message.children = ()
        if current["code"] != code:
            progress.reset()
            current["job"] = None
            set_busy(False)
        guard(lambda: show(kit.library.find_library_item(person, code)))
        job = job_of_case(current["jobs"], code)
        if job is not None:  # a job queued on any page: its progress, or how it ended
            current["job"] = job
            progress.show_job(job)
            if job.active:
                set_busy(True)

    def set_busy(busy: bool) -> None:
        current["busy"] = busy
        for b in (anonymise, rerun, reviewed, publish.button):
            b.disabled = busy
        stop.disabled = False
        stop.layout.display = None if busy else "none"

    def job_of_case(jobs, code):
        """The case's active job, else its newest ended one (``jobs`` lists active ones first)."""
        mine = [j for j in jobs if j.case_code == code]
        return next((j for j in mine if j.active), None) or max(mine, key=lambda j: j.id, default=None)

    def refresh_jobs() -> None:
        """Re-read the jobs (the poller's tick): the queue, and the open case's progress and outcome."""
        jobs = kit.jobs.list_anonymise_jobs(person)
        was_active = {j.id for j in current["jobs"] if j.active}
        current["jobs"] = jobs
        jobs_panel.update(jobs)
        if was_active - {j.id for j in jobs if j.active}:  # a job (of any page) ended: new statuses
            library_list.update(kit.library.list_library(person))
        code = current["code"]
        job = job_of_case(jobs, code) if code else None
        if job is None:
            return
        was = current["job"]
        current["job"] = job
        if job.active:
            if not current["busy"]:
                set_busy(True)
            progress.show_job(job)
            stop.disabled = job.cancel_requested
            return
        if was is None or was.id != job.id or not was.active:
            return  # ended before this page watched it: open_item showed it already
        set_busy(False)  # the job the page watched has just ended
        if job.state == "done":
            current["version"] = str(int(time.time()))
            guard(lambda: show(item_now()))
            progress.show_job(job)
            progress.label.value = "Klaar: bekijk het contactblad en de gemarkeerde frames."
            return
        progress.reset()
        guard(lambda: show(item_now()))
        # after show(), which clears the messages; a stop the trainer asked for is no error
        if job.state == "cancelled":
            say(message, "Het anonimiseren is afgebroken; er is niets opgeslagen.", "info")
        else:
            say(message, job.error or "Het anonimiseren is mislukt.", "error")

    poller = JobPoller(refresh_jobs, lambda: any(j.active for j in current["jobs"]))

    def run_anonymise(manual: list[dict] | None) -> None:
        code = current["code"]
        if code is None or current["busy"]:
            return
        message.children = ()
        job = kit.jobs.queue_anonymise(person, code, manual_masks=manual, keep_audio=keep_audio.value)
        current["job"] = job
        set_busy(True)
        progress.show_job(job)
        say(message, "In de wachtrij gezet. Je kunt deze pagina sluiten: het anonimiseren gaat door en "
                     "het resultaat staat daarna in de bibliotheek.", bring_into_view=False)
        refresh_jobs()
        poller.wake()

    def rerun_with_masks() -> None:
        editor = masks_holder.children[0] if masks_holder.children else None
        run_anonymise(editor.masks() if editor is not None else [])

    def cancel_job(job_id: int) -> None:
        guard(lambda: kit.jobs.cancel_anonymise_job(person, job_id))
        guard(refresh_jobs)

    def stop_anonymising() -> None:
        job = current.get("job")
        if job is not None and job.active:
            stop.disabled = True
            cancel_job(job.id)

    anonymise.on_click(lambda _b: guard(lambda: run_anonymise(None)))
    stop.on_click(lambda _b: stop_anonymising())
    rerun.on_click(lambda _b: guard(rerun_with_masks))

    def mark_reviewed() -> None:
        item = kit.library_media.mark_library_reviewed(person, current["code"])
        library_list.update(kit.library.list_library(person))
        show(item)
        say(message, "Gemarkeerd als gecontroleerd.")

    reviewed.on_click(lambda _b: guard(mark_reviewed))

    def save_meta(values: dict) -> None:
        def action():
            old = item_now()
            details = {**(old.details or {}), "situation": values["situation"], "notes": values["notes"]}
            item = kit.library.update_library_case(person, current["code"], title=values["title"],
                                           programme_code=values["programme_code"] or "",  # "" = none
                                           vignette=values["vignette"],
                                           details=details)
            library_list.update(kit.library.list_library(person))
            show(item)
            say(message, "Gegevens opgeslagen.")
        guard(action)

    def save_scores(form: ExpertScoreForm) -> None:
        def action():
            item = kit.library.set_expert_scores(person, current["code"], form.scores())
            show(item)
            say(message, f"Expertscores opgeslagen ({len(item.expert_scores)}).")
        guard(action)

    def do_publish(set_code: str) -> None:
        def action():
            item = kit.library.publish_case(person, current["code"], set_code)
            if any(c.code == set_code and c.new for c in case_sets):  # publishing made the own exam set
                case_sets[:] = kit.library.list_case_sets(person)
                set_names.clear()
                set_names.update({c.code: set_label(c) for c in case_sets})
                publish.update_sets(case_sets)
            library_list.update(kit.library.list_library(person))
            show(item)
            say(message, f"Gepubliceerd in {set_names.get(set_code, set_code)}.")
        guard(action)

    anonymise_box = w.VBox([w.HBox([anonymise, stop, keep_audio], layout=w.Layout(align_items="center")), progress])
    jobs_panel = JobsPanel(on_cancel=cancel_job, on_open=lambda code: open_item(code))
    review_box = w.VBox([review, w.HTML("<h3>Extra maskers</h3>"), masks_holder, w.HBox([rerun, reviewed])])
    detail = w.VBox([
        heading, message,
        _section("1. Anonimiseren", anonymise_box, "ok-library-anonymise"),
        _section("2. Controleren", review_box, "ok-library-review"),
        _section("3. Gegevens", meta, "ok-library-metadata"),
        _section("4. Expertscores", scores, "ok-library-experts"),
        _section("5. Publiceren", publish, "ok-library-publish"),
    ], layout=w.Layout(display="none"))
    detail.add_class("ok-library-detail")

    upload_box = w.VBox([
        w.HTML(f"<p>Upload een videofragment (hoogstens {_e(format_bytes(max_upload_bytes))}). Het origineel "
               "blijft in een beschermde opslag en wordt nooit aan cursisten getoond.</p>"),
        upload, top_message,
    ])
    page = w.VBox([
        _section("Fragment uploaden", upload_box, "ok-library-upload"),
        _section("Bibliotheek", library_list, "ok-library-items"),
        _section("Anonimiseertaken", jobs_panel, "ok-library-jobs"),
        detail,
        reveal_anchor(),
    ])
    page.add_class("ok-library")
    # handles for tests and for composing pages
    page.upload, page.upload_message, page.list, page.detail = upload, top_message, library_list, detail
    page.progress = progress
    page.anonymise_button, page.rerun_button, page.reviewed_button = anonymise, rerun, reviewed
    page.stop_button = stop
    page.review, page.meta, page.scores, page.publish, page.message = review, meta, scores, publish, message
    page.masks = lambda: masks_holder.children[0]
    page.open_item, page.uploaded, page.current = open_item, uploaded, current
    page.jobs, page.refresh_jobs, page.poller = jobs_panel, refresh_jobs, poller
    guard(refresh_jobs)
    poller.start()
    return page
