"""Programme-path requirements on screen: "Wat heb ik nog nodig?" in Mijn gegevens, and the
trainer's form in the Certificering app to record (and undo) what a person did.

Components take plain values (the dicts of ``RequirementsService.requirement_progress``) and callbacks; they
never touch the database. Every text from a person or the content is escaped.

* :func:`requirements_html` — one path: each requirement done or open, with its dates, and where
  the registration or certificate stands, in plain Dutch (for the person or for a trainer).
* :class:`WhatINeed` — "Wat heb ik nog nodig?": :func:`requirements_html` per programme path.
* :class:`RequirementsForm` — pick a person and a programme, see each requirement, record one
  (date, note), or undo a record made by mistake.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.errors import OefenkitError

from .formatting import day_text
from .notice import Notice

__all__ = ["requirements_html", "status_text", "WhatINeed", "RequirementsForm", "what_i_need_page_part"]


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def status_text(progress: Mapping[str, Any], *, own: bool = True) -> str:
    """Where the person stands on the path, in one or two plain Dutch sentences."""
    you = "Je" if own else "Deze persoon"
    cert = progress.get("certificate")
    registration = progress["validity"]["kind"] == "registration"
    refresher = progress.get("refresher") or {}
    if cert and cert["status"] == "ingetrokken":
        return f"{'Je' if own else 'Het'} {'registratie' if registration else 'certificaat'} is ingetrokken."
    if cert and cert["kind"] == "registration":
        if cert["active"]:
            return (f"{you} {'bent' if own else 'is'} geregistreerd als uitvoerder, actief tot "
                    f"{day_text(cert['valid_until'])}. Een {refresher.get('code', 'terugkomdag')} vóór die datum "
                    "houdt de registratie actief.")
        return ("Registratie verlopen: terugkomdag gemist. Na een bijgewoonde terugkomdag is de registratie "
                "weer actief.")
    if cert and cert["active"]:
        until = "verloopt niet" if day_text(cert["valid_until"]) == "onbeperkt" else \
            f"geldig tot {day_text(cert['valid_until'])}"
        return f"{you} {'hebt' if own else 'heeft'} het certificaat ({until})."
    if progress["complete"]:
        what = "registratie als uitvoerder" if registration else "het certificaat"
        return f"Alle verplichte eisen zijn gedaan. Een trainer beslist over {what}."
    n = len(progress["open"])
    return f"Nog te doen: {n} verplichte {'eis' if n == 1 else 'eisen'}."


def requirements_html(progress: Mapping[str, Any], *, own: bool = True) -> str:
    """One path as a list: each requirement done or open ("x van n", dates; for a trainer,
    ``own=False``, with each record's note), then the refresher and the status (:func:`status_text`)."""
    items = []
    for r in progress["requirements"]:
        done = r["done"]
        state = "Gedaan" if done else "Nog open"
        extra = ""
        if not r["required"]:
            extra += " <span class='ok-muted'>(aanbevolen, niet verplicht)</span>"
        if r["kit_addition"]:
            extra += " <span class='ok-muted'>(toevoeging van de kit)</span>"
        if own:
            dates = ", ".join(day_text(d) for d in r["dates"])
        else:  # a trainer also sees each record's note
            dates = ", ".join(day_text(e["date"]) + (f" ({e['note']})" if e.get("note") else "")
                              for e in r.get("evidence") or [])
        how = f"{min(r['done_count'], r['count'])} van {r['count']}" + (f": {dates}" if dates else "")
        items.append(
            f"<li class='ok-requirement ok-requirement-{'done' if done else 'open'}' data-code='{_e(r['code'])}'>"
            f"<strong>{state}</strong> — {_e(r['label'])}{extra} <span class='ok-requirement-count'>({_e(how)})"
            f"</span></li>")
    refresher = progress.get("refresher")
    if refresher:
        dates = ", ".join(day_text(d) for d in refresher["dates"]) or "nog niet vastgelegd"
        items.append(f"<li class='ok-requirement ok-requirement-refresher' data-code='{_e(refresher['code'])}'>"
                     f"{_e(refresher['label'])} (houdt de registratie actief): {_e(dates)}</li>")
    for activity in progress.get("activities") or ():
        dates = ", ".join(day_text(d) for d in activity["dates"]) or "nog niet"
        items.append(f"<li class='ok-requirement ok-requirement-activity' data-code='{_e(activity['code'])}'>"
                     f"{_e(activity['label'])} (na het pad, vrijwillig): {_e(dates)}</li>")
    return (f"<h3>{_e(progress['name'])}</h3><ul class='ok-requirement-list'>{''.join(items)}</ul>"
            f"<p class='ok-requirement-status'>{_e(status_text(progress, own=own))}</p>")


class WhatINeed(w.VBox):
    """"Wat heb ik nog nodig?": each programme path (``RequirementsService.requirement_progress`` dicts) in turn."""

    def __init__(self, progresses: Sequence[Mapping[str, Any]]):
        parts: list[w.Widget] = []
        for p in progresses:
            part = w.HTML(requirements_html(p))
            part.add_class("ok-what-i-need-path")
            part.add_class(f"ok-what-i-need-{p['programme']}")
            parts.append(part)
        if not parts:
            parts.append(w.HTML("<p>Er is nog geen programmapad voor je.</p>"))
        super().__init__([w.HTML("<p>Per programma wat er nodig is om uitvoerder te worden, en wat je al hebt "
                                 "gedaan. Een trainer legt trainingsdagen, supervisie en casussen vast; de "
                                 "lesmodules en de toets houdt de kit zelf bij.</p>"), *parts])
        self.add_class("ok-what-i-need")


def what_i_need_page_part(kit, person, paths: Mapping[str, Any], programme_codes: Sequence[str]) -> w.Widget:
    """:class:`WhatINeed` for ``person`` over the façade, for the programmes in ``programme_codes``
    (those of the person's groups; every path when there are none)."""
    codes = [c for c in programme_codes if c in paths] or sorted(paths)
    try:
        progresses = [kit.requirements.requirement_progress(person, person.username, code, paths=paths) for code in codes]
    except OefenkitError as exc:
        return Notice(str(exc), kind="error")
    return WhatINeed(progresses)


class RequirementsForm(w.VBox):
    """Record what a person did for a programme path, or undo a record made by mistake.

    ``progress(username, programme)`` returns ``RequirementsService.requirement_progress``;
    ``record(username, programme, code, date, note)`` stores one record;
    ``remove(record_id)`` undoes one. ``recordable`` maps programme code → ``[(label, code)]`` of
    what a trainer records (the kit derives modules and the scoring test).
    ``on_recorded(username, programme)`` is called after each change.
    """

    def __init__(self, people: Sequence[tuple[str, str]], programmes: Sequence[tuple[str, str]],
                 recordable: Mapping[str, Sequence[tuple[str, str]]],
                 progress: Callable[[str, str], Mapping[str, Any]],
                 record: Callable[[str, str, str, dt.date | None, str], Any],
                 remove: Callable[[int], Any], *, today: dt.date | None = None,
                 on_recorded: Callable[[str, str], None] | None = None):
        self._progress, self._record, self._remove = progress, record, remove
        self._recordable = {k: list(v) for k, v in recordable.items()}
        self.on_recorded = on_recorded
        self._chosen_for: tuple[str, str] | None = None  # (person, programme) the requirement was preselected for
        self.person = w.Dropdown(options=list(people), value=None, description="Persoon",
                                 layout=w.Layout(width="28rem"))
        self.person.add_class("ok-requirements-person")
        values = [v for _, v in programmes]
        self.programme = w.Dropdown(options=list(programmes), value=values[0] if values else None,
                                    description="Programma", layout=w.Layout(width="28rem"))
        self.programme.add_class("ok-requirements-programme")
        self.overview = w.HTML("<p>Kies een persoon om te zien wat er gedaan is.</p>")
        self.overview.add_class("ok-requirements-overview")
        self.requirement = w.Dropdown(options=[], description="Eis", layout=w.Layout(width="28rem"))
        self.requirement.add_class("ok-requirements-code")
        self.date = w.DatePicker(value=today or dt.date.today(), description="Datum")
        self.date.add_class("ok-requirements-date")
        self.note = w.Text(placeholder="Toelichting (niet verplicht)", description="Toelichting",
                           layout=w.Layout(width="28rem"))
        self.note.add_class("ok-requirements-note")
        self.save = w.Button(description="Vastleggen", button_style="primary", layout=w.Layout(width="auto"))
        self.save.add_class("ok-requirements-save")
        self.records = w.Dropdown(options=[], description="Vastlegging", layout=w.Layout(width="28rem"))
        self.records.add_class("ok-requirements-records")
        self.undo = w.Button(description="Vastlegging verwijderen", layout=w.Layout(width="auto"))
        self.undo.add_class("ok-requirements-undo")
        self.message = w.Box()
        self.message.add_class("ok-requirements-message")
        self.save.on_click(self._on_save)
        self.undo.on_click(self._on_undo)
        self.person.observe(lambda _c: self.refresh(), names="value")
        self.programme.observe(lambda _c: self.refresh(), names="value")
        super().__init__([
            w.HTML("<p>Leg per persoon vast wat die voor een programma heeft gedaan: een trainingsdag of "
                   "dagdeel, een supervisie, een casus, de terugkomdag. Een eis die twee keer nodig is, leg je "
                   "twee keer vast, elk met de eigen datum. Als alle verplichte eisen gedaan zijn, verschijnt "
                   "het voorstel onder \"Te beslissen\".</p>"),
            self.person, self.programme, self.overview,
            w.HTML("<h3>Vastleggen</h3>"), self.requirement, self.date, self.note, w.HBox([self.save]),
            w.HTML("<h3>Vergissing herstellen</h3>"), self.records, w.HBox([self.undo]), self.message])
        self.add_class("ok-requirements")
        self.refresh()

    def refresh(self) -> None:
        """Show the chosen person's progress on the chosen path, and what can be recorded or undone."""
        programme = self.programme.value
        self.requirement.options = self._recordable.get(programme, []) if programme else []
        username = self.person.value
        if not username or not programme:
            self.overview.value = "<p>Kies een persoon om te zien wat er gedaan is.</p>"
            self.records.options = []
            return
        try:
            progress = self._progress(username, programme)
        except OefenkitError as exc:
            self.overview.value = f"<p>{_e(exc)}</p>"
            self.records.options = []
            return
        self.overview.value = requirements_html(progress, own=False)
        if self._chosen_for != (username, programme):
            # a new person or path: preselect what a trainer most likely records next, the first
            # required item still open, else the refresher once the path is done (else the first);
            # after a save the trainer's choice stays
            self._chosen_for = (username, programme)
            choices = [code for _, code in self.requirement.options]
            still_open = [r["code"] for r in progress["requirements"] if r.get("required", True) and not r["done"]]
            still_open.append((progress.get("refresher") or {}).get("code"))
            self.requirement.value = next((c for c in still_open if c in choices), choices[0] if choices else None)
        labels = {r["code"]: r["label"] for r in progress["requirements"]}
        if progress.get("refresher"):
            labels[progress["refresher"]["code"]] = progress["refresher"]["label"]
        labels.update({a["code"]: a["label"] for a in progress.get("activities") or ()})
        records = []
        for code, evidence in [(r["code"], r["evidence"]) for r in progress["requirements"]] + (
                [(progress["refresher"]["code"], progress["refresher"]["evidence"])] if progress.get("refresher")
                else []) + [(a["code"], a["evidence"]) for a in progress.get("activities") or ()]:
            for e in evidence:
                if e.get("id") is not None:
                    note = f" — {e['note']}" if e.get("note") else ""
                    records.append((f"{day_text(e['date'])} · {labels.get(code, code)}{note}"[:120], e["id"]))
        self.records.options = records
        self.records.value = None

    def _on_save(self, _button=None) -> None:
        username, programme, code = self.person.value, self.programme.value, self.requirement.value
        if not username:
            self.message.children = (Notice("Kies eerst een persoon.", kind="error"),)
            return
        if not code:
            self.message.children = (Notice("Kies eerst welke eis je vastlegt.", kind="error"),)
            return
        if self.date.value is None:
            self.message.children = (Notice("Vul de datum in.", kind="error"),)
            return
        try:
            self._record(username, programme, code, self.date.value, self.note.value)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        label = dict((v, k) for k, v in self.requirement.options).get(code, code)
        self.note.value = ""
        self.message.children = (Notice(f"Vastgelegd: {label} op {day_text(self.date.value)}."),)
        self.refresh()
        if self.on_recorded is not None:
            self.on_recorded(username, programme)

    def _on_undo(self, _button=None) -> None:
        record_id = self.records.value
        if record_id is None:
            self.message.children = (Notice("Kies eerst de vastlegging die je wilt verwijderen.", kind="error"),)
            return
        try:
            removed = self._remove(record_id)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self.message.children = (Notice(f"Vastlegging van {day_text(removed['date'])} verwijderd."),)
        username, programme = self.person.value, self.programme.value
        self.refresh()
        if self.on_recorded is not None:
            self.on_recorded(username, programme)
