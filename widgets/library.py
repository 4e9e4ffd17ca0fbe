"""The case library ("Casusbibliotheek"): upload, anonymise, review, describe, score, publish.

Components take plain values and callbacks; :func:`library_page` composes them
over the façade's library verbs (``list_library``, ``anonymise_library_clip``,
``set_expert_scores``, ``publish_case`` …, see ``docs/library.md``), which check
that the person is staff. Every user text is escaped before it goes into an
``HTML`` widget. Domain errors become a Dutch :class:`~oefenkit_widgets.notice.Notice`.

Anonymising takes a while, so :func:`run_in_background` runs it in a thread and
hands progress to the kernel's event loop at most a few times a second; widget
values are only ever changed on that loop.
"""

from __future__ import annotations

import asyncio
import html
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from oefenkit.errors import Cancelled, OefenkitError, ValidationError
from oefenkit.permissions import roles
from oefenkit.practice import clip_url
from oefenkit.settings import site_url

from .formatting import format_bytes
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
    "run_in_background",
]

log = logging.getLogger(__name__)

STATUS_LABELS = {
    "uploaded": "geüpload",
    "anonymised": "geanonimiseerd",
    "reviewed": "gecontroleerd",
    "published": "gepubliceerd",
}
SET_KIND_LABELS = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag", "intervision": "intervisie"}

#: The staff-only contact-sheet route (``oefenkit/server``).
CONTACT_SHEET_PREFIX = "/oefenkit/library/contact-sheet/"
#: Progress reaches the widgets at most this often (seconds); a new stage label always goes through.
PROGRESS_INTERVAL = 0.4


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


def run_in_background(work: Callable[[Callable[[float, str], None]], Any],
                      on_progress: Callable[[float, str], None],
                      on_done: Callable[[Any, OefenkitError | None], None],
                      *, interval: float = PROGRESS_INTERVAL) -> threading.Thread | None:
    """Run ``work(progress)`` off the kernel's main thread; report back on the kernel's loop.

    ``progress(fraction, label)`` calls from the worker are throttled to one per
    ``interval`` seconds (a new label always passes) and delivered with
    ``loop.call_soon_threadsafe``, so widgets change only on the loop that owns
    them. ``on_done(result, error)`` follows once; a domain error arrives as
    ``error``, anything else is logged and replaced by a Dutch message. Without a
    running event loop (a plain script or a test) the work runs synchronously.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    deliver = (lambda fn, *args: fn(*args)) if loop is None else loop.call_soon_threadsafe
    state = {"at": 0.0, "label": None}

    def progress(fraction: float, label: str) -> None:
        now = time.monotonic()
        if label != state["label"] or now - state["at"] >= interval or fraction >= 1:
            state["at"], state["label"] = now, label
            deliver(on_progress, float(fraction), str(label))

    def job() -> None:
        result, error = None, None
        try:
            result = work(progress)
        except OefenkitError as exc:
            error = exc
        except Exception:  # noqa: BLE001 - the trainer gets a Dutch message, the log the traceback
            log.exception("background job failed")
            error = OefenkitError("Het anonimiseren is mislukt door een onverwachte fout. Probeer het opnieuw.")
        deliver(on_done, result, error)

    if loop is None:
        job()
        return None
    thread = threading.Thread(target=job, name="oefenkit-anonymise", daemon=True)
    thread.start()
    return thread


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

    def reset(self, label: str = "") -> None:
        self.bar.bar_style = ""
        self.show(0.0, label)


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


class MetadataForm(w.VBox):
    """Title, programme, vignette, situation and trainer notes of a case."""

    def __init__(self, programmes: Sequence[tuple[str, str]], on_save: Callable[[dict], None]):
        self.title = w.Text(description="Titel", layout=w.Layout(width="100%"))
        self.title.add_class("ok-library-title")
        self.programme = w.Dropdown(options=[("— geen —", None), *programmes], description="Programma")
        self.programme.add_class("ok-library-programme")
        self.vignette = w.Textarea(description="Vignet", placeholder="Wat de cursist vooraf over de situatie leest.",
                                   layout=w.Layout(width="100%", height="5rem"))
        self.vignette.add_class("ok-library-vignette")
        self.situation = w.Text(description="Situatie", placeholder="bijv. voeding, badje, spel op de mat",
                                layout=w.Layout(width="100%"))
        self.situation.add_class("ok-library-situation")
        self.notes = w.Textarea(description="Notities", placeholder="Voor trainers: waarom deze casus, waar op te letten.",
                                layout=w.Layout(width="100%", height="4rem"))
        self.notes.add_class("ok-library-notes")
        for field in (self.title, self.programme, self.vignette, self.situation, self.notes):
            field.style.description_width = "6rem"
        self.save = w.Button(description="Gegevens opslaan", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-library-save")
        self.save.on_click(lambda _b: on_save(self.values()))
        super().__init__([self.title, self.programme, self.vignette, self.situation, self.notes, self.save])
        self.add_class("ok-library-meta")

    def load(self, item) -> None:
        self.title.value = item.title or ""
        codes = [v for _, v in self.programme.options]
        self.programme.value = item.programme_code if item.programme_code in codes else None
        self.vignette.value = item.vignette or ""
        self.situation.value = str((item.details or {}).get("situation", ""))
        self.notes.value = str((item.details or {}).get("notes", ""))

    def values(self) -> dict:
        return {"title": self.title.value.strip(), "programme_code": self.programme.value,
                "vignette": self.vignette.value.strip(),
                "situation": self.situation.value.strip(), "notes": self.notes.value.strip()}


class ExpertScoreForm(w.VBox):
    """Per scale, several experts, each with a score and a rationale.

    ``scales`` are ``(code, name, min, max)``; ``experts`` ``(label, username)``.
    The score is a free text field so that a wrong value reaches the core's
    Dutch check instead of being clamped silently.
    """

    def __init__(self, scales: Sequence[tuple[str, str, int, int]], experts: Sequence[tuple[str, str]],
                 on_save: Callable[[list[tuple[str, str, int, str]]], None], *, empty_rows: int = 2):
        self.scales = list(scales)
        self.experts = list(experts)
        self.empty_rows = empty_rows
        self.sections: dict[str, w.VBox] = {}
        boxes = []
        for code, name, lo, hi in self.scales:
            rows = w.VBox()
            add = w.Button(description="Expert toevoegen", icon="plus", layout=w.Layout(width="auto"))
            add.add_class("ok-expert-add")
            add.on_click(lambda _b, code=code: self.add_row(code))
            section = w.VBox([w.HTML(f"<h3>{_e(name)} ({lo}–{hi})</h3>"), rows, add])
            section.add_class("ok-expert-scale")
            section.add_class(f"ok-expert-scale-{code}")
            self.sections[code] = rows
            boxes.append(section)
        self.save = w.Button(description="Expertscores opslaan", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-expert-save")
        self.save.on_click(lambda _b: self._save(on_save))
        super().__init__([*boxes, self.save])
        self.add_class("ok-expert-scores")

    def add_row(self, scale_code: str, expert: str | None = None, score: int | None = None,
                rationale: str = "") -> w.HBox:
        options = [("— kies een expert —", None), *self.experts]
        if expert is not None and expert not in [v for _, v in options]:
            options.append((expert, expert))  # an expert who is no longer staff keeps their score
        who = w.Dropdown(options=options, value=expert, description="Expert", style={"description_width": "3.5rem"},
                         layout=w.Layout(width="18rem"))
        who.add_class("ok-expert-who")
        points = w.Text(value="" if score is None else str(score), placeholder="score",
                        layout=w.Layout(width="5rem"))
        points.add_class("ok-expert-score")
        why = w.Textarea(value=rationale, placeholder="Onderbouwing", layout=w.Layout(width="28rem", height="3.2rem"))
        why.add_class("ok-expert-rationale")
        row = w.HBox([who, points, why], layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
        row.add_class("ok-expert-row")
        row.fields = (who, points, why)
        box = self.sections[scale_code]
        box.children = (*box.children, row)
        return row

    def load(self, expert_scores: Sequence) -> None:
        for code, box in self.sections.items():
            box.children = ()
            mine = [e for e in expert_scores if e.scale_code == code]
            for e in mine:
                self.add_row(code, e.expert_username, e.score, e.rationale)
            for _ in range(max(0, self.empty_rows - len(mine))):
                self.add_row(code)

    def rows(self, scale_code: str) -> list[w.HBox]:
        return list(self.sections[scale_code].children)

    def scores(self) -> list[tuple[str, str, int, str]]:
        """``(expert, scale, score, rationale)`` of every filled row; a half-filled row is a Dutch error."""
        out = []
        names = dict((v, label) for label, v in self.experts)
        for code, name, lo, hi in self.scales:
            for who, points, why in (r.fields for r in self.sections[code].children):
                text = points.value.strip()
                if who.value is None and not text and not why.value.strip():
                    continue
                if who.value is None:
                    raise ValidationError(f"{name}: kies bij elke ingevulde score de expert.")
                expert = names.get(who.value, who.value)
                if not text:
                    raise ValidationError(f"{name}: vul de score van {expert} in ({lo} tot en met {hi}).")
                try:
                    score = int(text)
                except ValueError:
                    raise ValidationError(
                        f"{name}: de score van {expert} moet een heel getal van {lo} tot en met {hi} zijn.") from None
                out.append((who.value, code, score, why.value.strip()))
        return out

    def _save(self, on_save) -> None:
        on_save(self)


CHOOSE_SET = "— kies een set —"


def set_label(case_set) -> str:
    """A set's name with its kind; an exam set also says whether it certifies (own set) or is an
    oefentoets (public set), and a set made by this publication says "nieuw"."""
    kind = SET_KIND_LABELS.get(case_set.kind, case_set.kind)
    if case_set.kind == "exam":
        kind += ", openbaar: oefentoets" if getattr(case_set, "public", False) else ", eigen set: certificering"
    if getattr(case_set, "new", False):
        kind += ", nieuw"
    return f"{case_set.name} ({kind})"


class PublishPanel(w.VBox):
    """The set to publish to (name and kind) and the "Publiceren" button."""

    def __init__(self, sets: Sequence, on_publish: Callable[[str], None]):
        options = [(set_label(s), s.code) for s in sets]
        # No set is preselected: publishing to the wrong set (e.g. an Intervisie set) must be a choice.
        self.set_choice = w.Dropdown(options=[(CHOOSE_SET, None), *options], index=0, description="Set",
                                     style={"description_width": "3rem"}, layout=w.Layout(width="28rem"))
        self.set_choice.add_class("ok-publish-set")
        self.button = w.Button(description="Publiceren", button_style="success", icon="upload",
                               layout=w.Layout(width="auto"))
        self.button.add_class("ok-publish")
        self.hint = w.HTML()
        self.hint.add_class("ok-publish-hint")
        self.button.on_click(lambda _b: self._publish(on_publish))
        self.set_choice.observe(lambda _c: setattr(self.hint, "value", ""), names="value")
        self.sets_label = w.HTML()
        self.sets_label.add_class("ok-publish-sets")
        super().__init__([w.HBox([self.set_choice, self.button]), self.hint, self.sets_label])
        self.add_class("ok-publish-panel")

    def update_sets(self, sets: Sequence) -> None:
        """New set choices (after a publication made a set), keeping the chosen set."""
        chosen = self.set_choice.value
        options = [(CHOOSE_SET, None), *((set_label(s), s.code) for s in sets)]
        self.set_choice.options = options
        self.set_choice.value = chosen if chosen in {code for _label, code in options} else None

    def _publish(self, on_publish: Callable[[str], None]) -> None:
        if self.set_choice.value is None:
            self.hint.value = "<p role='alert'>Kies eerst in welke set je dit fragment publiceert.</p>"
            return
        self.hint.value = ""
        on_publish(self.set_choice.value)

    def show(self, set_codes: Sequence[str], names: Mapping[str, str]) -> None:
        if set_codes:
            listed = ", ".join(_e(names.get(c, c)) for c in set_codes)
            self.sets_label.value = f"<p>Gepubliceerd in: {listed}</p>"
        else:
            self.sets_label.value = "<p>Nog in geen enkele set: cursisten zien dit fragment niet.</p>"


# -- the page ------------------------------------------------------------------------------------


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
        max_upload_bytes = kit.upload_max_bytes  # Settings.upload_max_bytes, given to the kit by open_kit

    items = kit.list_library(person)
    newest = {s.code: s for s in kit.list_scales()}  # ordered by version: the newest wins
    scales = [(s.code, s.name, s.min_score, s.max_score) for s in newest.values()]
    experts = [(f"{p['display_name']} ({p['username']})", p["username"])
               for p in kit.list_people(person) if p["role"] in roles().with_action("write_expert_scores")]
    programmes = [(p["name"], p["code"]) for p in kit.list_programmes()]
    case_sets = kit.list_case_sets(person)
    set_names = {s.code: set_label(s) for s in case_sets}
    current: dict[str, Any] = {"code": None, "busy": False, "version": "", "cancel": None}

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
        library_list.update(kit.list_library(person))
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
        return kit.find_library_item(person, current["code"])

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
        guard(lambda: show(kit.find_library_item(person, code)))

    def set_busy(busy: bool) -> None:
        current["busy"] = busy
        for b in (anonymise, rerun, reviewed, publish.button):
            b.disabled = busy
        stop.disabled = False
        stop.layout.display = None if busy else "none"

    def run_anonymise(manual: list[dict] | None) -> None:
        code = current["code"]
        if code is None or current["busy"]:
            return
        message.children = ()
        set_busy(True)
        progress.reset("Anonimiseren gestart …")
        cancel = current["cancel"] = threading.Event()

        def work(report):
            return kit.anonymise_library_clip(person, code, manual_masks=manual, keep_audio=keep_audio.value,
                                              progress=report, cancel=cancel)

        def done(item, error) -> None:
            current["busy"] = False
            stop.layout.display = "none"
            if error is not None:
                progress.reset()
                guard(lambda: show(item_now()))
                # after show(), which clears the messages; a stop the trainer asked for is no error
                say(message, str(error), "info" if isinstance(error, Cancelled) else "error")
                return
            current["version"] = str(int(time.time()))
            progress.show(1.0, "Klaar: bekijk het contactblad en de gemarkeerde frames.")
            progress.bar.bar_style = "success"
            library_list.update(kit.list_library(person))
            if current["code"] == code:
                show(item)

        run_in_background(work, progress.show, done)

    def rerun_with_masks() -> None:
        editor = masks_holder.children[0] if masks_holder.children else None
        run_anonymise(editor.masks() if editor is not None else [])

    def stop_anonymising() -> None:
        if current.get("cancel") is not None:
            current["cancel"].set()  # the core stops before the next frame and writes nothing
            stop.disabled = True
            progress.show(progress.bar.value / 100, "Stoppen …")

    anonymise.on_click(lambda _b: guard(lambda: run_anonymise(None)))
    stop.on_click(lambda _b: stop_anonymising())
    rerun.on_click(lambda _b: guard(rerun_with_masks))

    def mark_reviewed() -> None:
        item = kit.mark_library_reviewed(person, current["code"])
        library_list.update(kit.list_library(person))
        show(item)
        say(message, "Gemarkeerd als gecontroleerd.")

    reviewed.on_click(lambda _b: guard(mark_reviewed))

    def save_meta(values: dict) -> None:
        def action():
            old = item_now()
            details = {**(old.details or {}), "situation": values["situation"], "notes": values["notes"]}
            item = kit.update_library_case(person, current["code"], title=values["title"],
                                           programme_code=values["programme_code"] or "",  # "" = none
                                           vignette=values["vignette"],
                                           details=details)
            library_list.update(kit.list_library(person))
            show(item)
            say(message, "Gegevens opgeslagen.")
        guard(action)

    def save_scores(form: ExpertScoreForm) -> None:
        def action():
            item = kit.set_expert_scores(person, current["code"], form.scores())
            show(item)
            say(message, f"Expertscores opgeslagen ({len(item.expert_scores)}).")
        guard(action)

    def do_publish(set_code: str) -> None:
        def action():
            item = kit.publish_case(person, current["code"], set_code)
            if any(c.code == set_code and c.new for c in case_sets):  # publishing made the own exam set
                case_sets[:] = kit.list_case_sets(person)
                set_names.clear()
                set_names.update({c.code: set_label(c) for c in case_sets})
                publish.update_sets(case_sets)
            library_list.update(kit.list_library(person))
            show(item)
            say(message, f"Gepubliceerd in {set_names.get(set_code, set_code)}.")
        guard(action)

    anonymise_box = w.VBox([w.HBox([anonymise, stop, keep_audio], layout=w.Layout(align_items="center")), progress])
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
    return page
