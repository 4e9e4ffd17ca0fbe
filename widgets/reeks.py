"""The forms of the app Babytijd-reeks (issue 20): choose or create a reeks, add opvoeders, mark the
attendance of a meeting, enter a measurement from the paper form, see what is due, and the
uitvoerder's own evaluation.

No database access here: the page (:mod:`oefenkit_widgets.pages.babytijd_reeks`) hands in plain data
(opvoeders as dicts, the form's subgoals and score range, the absence reasons) and callbacks. A
callback that raises a domain error (:class:`oefenkit.errors.OefenkitError`) shows its Dutch message
in the form's own message box; nothing is half-stored, the core runs each verb in one transaction.

Everything is built for a phone (390 px wide) as well as a laptop: one column, full-width fields, score
buttons of at least 48 × 48 px. Hooks: ``docs/ui-hooks.md`` (``ok-reeks-…``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from oefenkit.errors import OefenkitError, ValidationError

from .notice import Notice

__all__ = ["ReeksChooser", "OpvoederForm", "AttendanceForm", "MeasurementForm", "EvaluationForm",
           "due_table_html", "run"]

_esc = html.escape
_FULL = "100%"
#: The hint on every field that takes an opvoeder's code.
CODE_HINT = "Gebruik een code, geen naam (bijvoorbeeld BT-01). Namen horen niet in de kit."


def _layout(**kw) -> w.Layout:
    # a fixed width and no inline max-width: on a phone the theme caps every field at the screen's width
    return w.Layout(width="40rem", **kw)


def _style() -> dict[str, str]:
    return {"description_width": "initial"}


def run(message: w.Box, action: Callable[[], Any], done: str = "") -> Any:
    """Run ``action``; show its Dutch error, or ``done``, in ``message``. The action's result, or None
    when it failed (a domain error is the user's message, never a traceback)."""
    try:
        result = action()
    except OefenkitError as exc:
        message.children = (Notice(str(exc), kind="error"),)
        return None
    message.children = (Notice(done, kind="info"),) if done else ()
    return result if result is not None else True


# -- choose or create a reeks ------------------------------------------------------------------------


class ReeksChooser(w.VBox):
    """The reeks to work on (a ``select``) and the form "Nieuwe reeks" (name, start date).

    ``on_choose(reeks_id)`` when the choice changes; ``on_create(name, start, uitvoerder)`` returns the new
    reeks's id (the page calls the core), after which :meth:`set_reeksen` is called with the new list.
    ``for_others``: staff may create a reeks for an uitvoerder (a user name; empty: themself)."""

    def __init__(self, on_choose: Callable[[int | None], None], on_create: Callable[[str, Any, str], int | None],
                 *, for_others: bool = False):
        self.on_choose, self.on_create = on_choose, on_create
        # index, not value=None: a Dropdown whose value is None shows an empty box, not the label
        self.choice = w.Dropdown(description="Reeks", options=[("Nog geen reeks", None)], index=0,
                                 style=_style(), layout=_layout(), _dom_classes=("ok-reeks-choice",))
        self._quiet = False  # while set_reeksen replaces the options (it calls on_choose once itself)
        self.choice.observe(lambda c: None if self._quiet else self.on_choose(c["new"]), "value")
        self.name = w.Text(description="Naam van de reeks", placeholder="bijvoorbeeld Babytijd voorjaar 2027",
                           style=_style(), layout=_layout(), _dom_classes=("ok-reeks-name",))
        self.start = w.DatePicker(description="Eerste bijeenkomst", style=_style(),
                                  _dom_classes=("ok-reeks-start",))
        self.uitvoerder = w.Text(description="Voor uitvoerder (gebruikersnaam, leeg: jijzelf)", style=_style(),
                                 layout=_layout(display=None if for_others else "none"),
                                 _dom_classes=("ok-reeks-uitvoerder-name",))
        self.create_button = w.Button(description="Reeks aanmaken", button_style="primary",
                                      _dom_classes=("ok-reeks-create",))
        self.create_button.on_click(lambda _b: self.create())
        self.message = w.VBox(_dom_classes=("ok-reeks-create-message",))
        new = w.VBox([w.HTML("<h2>Nieuwe reeks</h2><p>Een reeks is één groep opvoeders met zestien "
                             "bijeenkomsten.</p>"), self.name, self.start, self.uitvoerder, self.create_button,
                            self.message],
                     _dom_classes=("ok-reeks-new",))
        super().__init__([self.choice, new], layout=w.Layout(width=_FULL), _dom_classes=("ok-reeks-chooser",))

    def set_reeksen(self, reeksen: Sequence[tuple[str, int]], chosen: int | None = None) -> None:
        """``reeksen``: (label, id) pairs; ``chosen`` becomes the choice (default: keep it, or the first)."""
        options = list(reeksen) or [("Nog geen reeks", None)]
        ids = [v for _, v in options]
        keep = chosen if chosen in ids else self.choice.value if self.choice.value in ids else ids[0]
        self._quiet = True
        try:
            self.choice.options = options
            self.choice.index = ids.index(keep)  # shows "Nog geen reeks" too (its value is None)
        finally:
            self._quiet = False
        self.on_choose(keep)

    def create(self) -> None:
        new_id = run(self.message, lambda: self.on_create(self.name.value, self.start.value,
                                                          self.uitvoerder.value.strip()),
                     "De reeks is aangemaakt.")
        if new_id is not None:
            self.name.value = self.uitvoerder.value = ""


# -- opvoeders ------------------------------------------------------------------------------------------


class OpvoederForm(w.VBox):
    """Add one opvoeder: a code (never a name), consent yes/no and the baby's age in months.

    ``on_add(code, consent, baby_age_months)``."""

    def __init__(self, on_add: Callable[[str, bool, int | None], Any]):
        self.on_add = on_add
        self.code = w.Text(description="Code", placeholder="BT-01", style=_style(), layout=_layout(),
                           _dom_classes=("ok-opvoeder-code",))
        self.consent = w.ToggleButtons(options=[("Ja", True), ("Nee", False)], value=None,
                                       description="Toestemming voor onderzoek", style=_style(),
                                       _dom_classes=("ok-opvoeder-consent", "ok-big-choice"))
        self.age = w.Text(description="Leeftijd baby (maanden)", placeholder="bijvoorbeeld 3", style=_style(),
                          layout=_layout(), _dom_classes=("ok-opvoeder-age",))
        self.add_button = w.Button(description="Opvoeder toevoegen", button_style="primary",
                                   _dom_classes=("ok-opvoeder-add",))
        self.add_button.on_click(lambda _b: self.add())
        self.message = w.VBox(_dom_classes=("ok-opvoeder-message",))
        super().__init__([w.HTML(f"<h2>Opvoeder toevoegen</h2><p class='ok-code-hint'>{_esc(CODE_HINT)}</p>"),
                          self.code, self.consent,
                          w.HTML("<p><small>Vraag bij de aanmelding of de gegevens gebruikt en bewaard mogen worden "
                                 "voor onderzoek. Zonder toestemming blijven ze binnen de organisatie.</small></p>"),
                          self.age, self.add_button, self.message],
                         layout=w.Layout(width=_FULL), _dom_classes=("ok-opvoeder-form",))

    def _age(self) -> int | None:
        text = self.age.value.strip()
        if not text:
            return None
        if not text.isdigit():
            raise ValidationError("Vul de leeftijd van de baby in hele maanden in, bijvoorbeeld 3.")
        return int(text)

    def add(self) -> None:
        def act():
            if self.consent.value is None:
                    raise ValidationError("Kies of de opvoeder toestemming geeft (ja of nee).")
            return self.on_add(self.code.value.strip(), bool(self.consent.value), self._age())

        if run(self.message, act, f"Opvoeder {self.code.value.strip()} is toegevoegd.") is not None:
            self.code.value, self.age.value = "", ""
            self.consent.value = None


# -- attendance -----------------------------------------------------------------------------------------


class _AttendanceRow(w.VBox):
    """One opvoeder in the attendance list: aanwezig/afwezig, and for an absence the reason."""

    def __init__(self, code: str, reasons: Sequence[tuple[str, str]]):
        self.code = code
        self.present = w.ToggleButtons(options=[("aanwezig", True), ("afwezig", False)], value=None,
                                       _dom_classes=("ok-attendance-present", "ok-big-choice"))
        self.reason = w.Dropdown(description="Reden", options=[("Kies een reden", None)] + [(label, code_)
                                                                                          for code_, label in reasons],
                                 value=None, style=_style(), layout=_layout(), _dom_classes=("ok-attendance-reason",))
        self.other = w.Text(description="Welke reden?", style=_style(), layout=_layout(),
                            _dom_classes=("ok-attendance-other",))
        self.present.observe(lambda _c: self._show(), "value")
        self.reason.observe(lambda _c: self._show(), "value")
        super().__init__([w.HTML(f"<strong>{_esc(code)}</strong>"), self.present, self.reason, self.other],
                         layout=w.Layout(width=_FULL, border_bottom="1px solid #d9e2ec", padding="0 0 .4rem 0"),
                         _dom_classes=("ok-attendance-row", f"ok-attendance-{_hook(code)}"))
        self._show()

    def _show(self) -> None:
        absent = self.present.value is False
        self.reason.layout.display = None if absent else "none"
        self.other.layout.display = None if absent and self.reason.value == "anders" else "none"

    def fill(self, mark: tuple[bool, str | None, str] | None) -> None:
        present, reason, text = mark if mark is not None else (None, None, "")
        self.present.value = present
        self.reason.value = reason if reason in [v for _, v in self.reason.options] else None
        self.other.value = text or ""
        self._show()

    def mark(self) -> tuple[bool, str | None, str] | None:
        if self.present.value is None:
            return None
        if self.present.value:
            return True, None, ""
        return False, self.reason.value, self.other.value.strip() if self.reason.value == "anders" else ""


def _hook(code: str) -> str:
    """An opvoeder's code as a safe CSS class part (other characters become ``_``)."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in code)


class AttendanceForm(w.VBox):
    """The attendance of one meeting: every opvoeder aanwezig or afwezig, an absence with a reason from
    the fixed list (``anders``: with a text).

    ``on_save(meeting, marks)`` with ``marks`` {code: (present, reason, text)} for the opvoeders marked
    (an unmarked one is left out). :meth:`show` takes the opvoeders (dicts with ``code`` and
    ``attendance`` {meeting: (present, reason, text)})."""

    def __init__(self, reasons: Sequence[tuple[str, str]], meetings: int,
                 on_save: Callable[[int, dict[str, tuple[bool, str | None, str]]], Any]):
        self.reasons, self.on_save = tuple(reasons), on_save
        self.opvoeders: list[dict[str, Any]] = []
        self.meeting = w.Dropdown(description="Bijeenkomst", options=[(f"Bijeenkomst {n}", n)
                                                                     for n in range(1, meetings + 1)],
                                  value=1, style=_style(), _dom_classes=("ok-attendance-meeting",))
        self.meeting.observe(lambda _c: self._fill(), "value")
        self.rows_box = w.VBox(layout=w.Layout(width=_FULL))
        self.rows: list[_AttendanceRow] = []
        self.all_present = w.Button(description="Iedereen aanwezig", _dom_classes=("ok-attendance-all",))
        self.all_present.on_click(lambda _b: self._everyone())
        self.save_button = w.Button(description="Aanwezigheid opslaan", button_style="primary",
                                    _dom_classes=("ok-attendance-save",))
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.VBox(_dom_classes=("ok-attendance-message",))
        super().__init__([w.HTML("<h2>Aanwezigheid</h2>"), self.meeting, self.all_present, self.rows_box,
                          self.save_button, self.message], layout=w.Layout(width=_FULL),
                         _dom_classes=("ok-attendance",))

    def show(self, opvoeders: Sequence[dict[str, Any]], *, empty: str = "Voeg eerst opvoeders toe.") -> None:
        """One row per opvoeder; ``empty`` says what to do when there is none."""
        self.opvoeders = list(opvoeders)
        codes = [o["code"] for o in self.opvoeders]
        if codes != [r.code for r in self.rows] or not codes:
            self.rows = [_AttendanceRow(code, self.reasons) for code in codes]
            self.rows_box.children = tuple(self.rows) or (w.HTML(f"<p>{_esc(empty)}</p>"),)
        self._fill()

    def _fill(self) -> None:
        by_code = {o["code"]: o for o in self.opvoeders}
        for row in self.rows:
            row.fill((by_code.get(row.code, {}).get("attendance") or {}).get(self.meeting.value))

    def _everyone(self) -> None:
        for row in self.rows:
            row.present.value = True

    def save(self) -> None:
        marks = {r.code: m for r in self.rows if (m := r.mark()) is not None}
        meeting = self.meeting.value
        run(self.message, lambda: self.on_save(meeting, marks),
            f"De aanwezigheid van bijeenkomst {meeting} is opgeslagen.")


# -- a measurement ---------------------------------------------------------------------------------------


class MeasurementForm(w.VBox):
    """Enter one measurement from the paper form: the opvoeder, which measurement, a score per subgoal
    (big buttons), and for the eindevaluatie tips and tops.

    ``on_save(code, kind, scores, tips, tops, early_reason)``. When the core answers that the
    measurement is not due yet (the attended count is not reached), :meth:`warn_early` shows the
    warning with a reason field; "Toch opslaan" sends the reason along."""

    def __init__(self, subgoals: Sequence[tuple[str, str]], score_range: tuple[int, int, str, str],
                 kinds: Sequence[tuple[str, str]], on_save: Callable[..., Any], *, tips_kind: str = "eind"):
        self.on_save, self.tips_kind = on_save, tips_kind
        low, high, low_label, high_label = score_range
        self.opvoeder = w.Dropdown(description="Opvoeder", options=[("Nog geen opvoeders", None)], index=0,
                                   style=_style(), layout=_layout(), _dom_classes=("ok-measure-opvoeder",))
        self.kind = w.Dropdown(description="Meting", options=list(kinds), style=_style(), layout=_layout(),
                               _dom_classes=("ok-measure-kind",))
        self.kind.observe(lambda _c: self._show_tips(), "value")
        self.scores: dict[str, w.ToggleButtons] = {}
        rows = []
        for code, statement in subgoals:
            buttons = w.ToggleButtons(options=[str(n) for n in range(low, high + 1)], value=None,
                                      _dom_classes=("ok-measure-score", f"ok-measure-score-{code}", "ok-big-choice"))
            self.scores[code] = buttons
            rows.append(w.VBox([w.HTML(f"<p class='ok-measure-statement'>{_esc(statement)}</p>"), buttons],
                               layout=w.Layout(width=_FULL), _dom_classes=("ok-measure-subgoal",)))
        self.tips = w.Textarea(description="Tips", style=_style(), layout=_layout(), _dom_classes=("ok-measure-tips",))
        self.tops = w.Textarea(description="Tops", style=_style(), layout=_layout(), _dom_classes=("ok-measure-tops",))
        self.tips_box = w.VBox([self.tips, self.tops], layout=w.Layout(width=_FULL))
        self.save_button = w.Button(description="Meting opslaan", button_style="primary",
                                    _dom_classes=("ok-measure-save",))
        self.save_button.on_click(lambda _b: self.save())
        self.early_text = w.HTML()
        self.early_reason = w.Textarea(description="Reden", placeholder="Waarom nu al?", style=_style(),
                                       layout=_layout(), _dom_classes=("ok-measure-early-reason",))
        self.early_save = w.Button(description="Toch opslaan met deze reden", button_style="warning",
                                   _dom_classes=("ok-measure-early-save",))
        self.early_save.on_click(lambda _b: self.save(early=True))
        self.early_box = w.VBox([self.early_text, self.early_reason, self.early_save],
                                layout=w.Layout(width=_FULL, display="none"), _dom_classes=("ok-measure-early",))
        self.message = w.VBox(_dom_classes=("ok-measure-message",))
        legend = (f"<p class='ok-measure-legend'>Neem de scores over van het papieren formulier: {low} = "
                  f"{_esc(low_label)}, {high} = {_esc(high_label)}.</p>")
        super().__init__([w.HTML("<h2>Meting invoeren</h2>" + legend), self.opvoeder, self.kind, *rows,
                          self.tips_box, self.save_button, self.early_box, self.message],
                         layout=w.Layout(width=_FULL), _dom_classes=("ok-measure",))
        self._show_tips()

    def set_opvoeders(self, opvoeders: Sequence[dict[str, Any]], *, empty: str = "Nog geen opvoeders") -> None:
        """The opvoeders to choose from (``empty`` shown when there is none); the one chosen stays,
        and the kind follows what is due."""
        options = [(o["code"], o["code"]) for o in opvoeders] or [(empty, None)]
        values = [v for _, v in options]
        keep = self.opvoeder.value if self.opvoeder.value in values else values[0]
        self.opvoeder.options = options
        self.opvoeder.index = values.index(keep)

    def _show_tips(self) -> None:
        self.tips_box.layout.display = None if self.kind.value == self.tips_kind else "none"

    def warn_early(self, text: str) -> None:
        """The core's warning that this measurement is early, with the reason field."""
        self.early_text.value = (f"<div class='ok-notice ok-notice-error' role='alert'>{_esc(text)} Je kunt de "
                                 "meting toch opslaan als je zegt waarom.</div>")
        self.early_box.layout.display = None

    def _clear(self) -> None:
        for buttons in self.scores.values():
            buttons.value = None
        self.tips.value = self.tops.value = self.early_reason.value = ""
        self.early_box.layout.display = "none"

    def save(self, *, early: bool = False) -> None:
        scores = {code: int(b.value) for code, b in self.scores.items() if b.value is not None}
        code, kind = self.opvoeder.value, self.kind.value
        tips = self.tips.value if kind == self.tips_kind else ""
        tops = self.tops.value if kind == self.tips_kind else ""
        reason = self.early_reason.value.strip() if early else ""
        label = dict((v, k) for k, v in self.kind.options).get(kind, "De meting")
        outcome = run(self.message, lambda: self.on_save(code, kind, scores, tips, tops, reason),
                      f"{label} van {code} is opgeslagen.")
        if outcome == "early":  # the page showed the warning: keep the scores for "Toch opslaan"
            self.message.children = ()
        elif outcome is not None:
            self._clear()


# -- what is due ----------------------------------------------------------------------------------------


def due_table_html(opvoeders: Sequence[dict[str, Any]], labels: dict[str, str], meetings: int, *,
                   empty: str = "Nog geen opvoeders in deze reeks.") -> str:
    """"Wat is nu aan de beurt": per opvoeder the meetings attended, the measurements done and the one
    due now (following the attended count, not the calendar); ``empty`` when there is none."""
    if not opvoeders:
        return f"<p class='ok-reeks-due'>{_esc(empty)}</p>"
    rows = []
    for o in opvoeders:
        due = o.get("due")
        done = ", ".join(labels.get(k, k) for k in o.get("done") or []) or "nog geen"
        rows.append(f"<tr class='ok-due-row ok-due-{_hook(o['code'])}' data-code='{_esc(o['code'], quote=True)}'>"
                    f"<th>{_esc(o['code'])}</th><td>{o.get('attended', 0)} van {meetings}</td><td>{_esc(done)}</td>"
                    f"<td class='ok-due-now'>{_esc(labels.get(due, due)) if due else 'niets'}</td>"
                    f"<td>{'ja' if o.get('consent') else 'nee'}</td></tr>")
    return ("<div class='ok-reeks-due ok-table'><div class='ok-table-scroll' tabindex='0' role='region' "
            "aria-label='Wat is nu aan de beurt'><table><thead><tr><th>Code</th><th>Aanwezig</th><th>Gedaan</th>"
            "<th>Nu aan de beurt</th><th>Toestemming</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div></div>")


# -- the uitvoerder's own evaluation -------------------------------------------------------------------


class EvaluationForm(w.VBox):
    """Evaluatieformulier uitvoerders: the uitvoerder's reflection on this reeks (it goes into the yearly
    report). ``on_save(went_well, to_improve, remarks)``."""

    def __init__(self, on_save: Callable[[str, str, str], Any]):
        self.on_save = on_save
        self.went_well = w.Textarea(description="Wat ging goed?", style=_style(), layout=_layout(height="5rem"),
                                    _dom_classes=("ok-evaluation-good",))
        self.to_improve = w.Textarea(description="Wat kan beter?", style=_style(), layout=_layout(height="5rem"),
                                     _dom_classes=("ok-evaluation-better",))
        self.remarks = w.Textarea(description="Opmerkingen", style=_style(), layout=_layout(height="4rem"),
                                  _dom_classes=("ok-evaluation-remarks",))
        self.save_button = w.Button(description="Evaluatie opslaan", button_style="primary",
                                    _dom_classes=("ok-evaluation-save",))
        self.save_button.on_click(lambda _b: self.save())
        self.message = w.VBox(_dom_classes=("ok-evaluation-message",))
        super().__init__([w.HTML("<h2>Evaluatieformulier uitvoerder</h2><p>Jouw eigen terugblik op deze reeks. "
                                 "Schrijf geen namen van opvoeders op.</p>"), self.went_well, self.to_improve,
                          self.remarks, self.save_button, self.message], layout=w.Layout(width=_FULL),
                         _dom_classes=("ok-evaluation",))

    def fill(self, evaluation: dict[str, str] | None) -> None:
        evaluation = evaluation or {}
        self.went_well.value = evaluation.get("went_well", "")
        self.to_improve.value = evaluation.get("to_improve", "")
        self.remarks.value = evaluation.get("remarks", "")

    def save(self) -> None:
        run(self.message, lambda: self.on_save(self.went_well.value, self.to_improve.value, self.remarks.value),
            "Je evaluatie is opgeslagen.")
