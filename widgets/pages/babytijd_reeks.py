"""Babytijd-reeks (``notebooks/training/babytijd_reeks.ipynb``, issue 20): an uitvoerder keeps their
reeksen digitally instead of on the paper forms: opvoeders under a code, attendance per meeting with
the reason of an absence, the measurements from the paper questionnaire, what is due for whom, the
reeks's figures, and their own evaluation. Staff (trainers, coördinatoren) see every reeks and make
the yearly report for the programme owner.

Every read and write goes through ``kit.babytijd`` (``oefenkit.storage.babytijd.BabytijdService``),
which checks who may do what; this page only turns its value types into the plain data the
components take (:func:`opvoeder_view`, :func:`dashboard_view`).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import ipywidgets as w

from oefenkit import babytijd as rules
from oefenkit.babytijd_figures import LATER_MEASUREMENTS, ReeksDashboard
from oefenkit.babytijd_report import yearly_report_csv, yearly_report_xlsx
from oefenkit.errors import OefenkitError, ValidationError
from oefenkit.identity import Actor

from ..confirm import ConfirmButton
from ..notice import Notice
from ..reeks import AttendanceForm, EvaluationForm, MeasurementForm, OpvoederForm, ReeksChooser, due_table_html, run
from ..reeks_dashboard import dashboard_html, report_links

__all__ = ["ReeksApp", "reeks_page", "opvoeder_view", "dashboard_view"]

#: What the parts say while no reeks is chosen (a new uitvoerder has none yet).
NO_REEKS = "Kies eerst bovenaan een reeks, of maak er een aan bij \"Nieuwe reeks\"."

#: The parts of the app, in the order of the menu (the yearly report: staff only).
SECTIONS = ("Opvoeders", "Aanwezigheid", "Meting", "Overzicht", "Evaluatie")
REPORT = "Jaarrapport"
#: Short labels of the measurements, for the chart's rows.
KIND_SHORT = {"nulmeting": "nul", "na-5": "na 5", "eind": "eind (10)", "na-16": "na 16"}


def opvoeder_view(o: rules.OpvoederInfo) -> dict[str, Any]:
    """One opvoeder of ``ReeksDetail`` as the components take it."""
    return {"code": o.code, "consent": o.consent, "baby_age": o.baby_age_months,
            "attendance": {k: (m.present, m.reason, m.reason_text) for k, m in o.attendance.items()},
            "attended": o.attended, "done": list(o.done), "due": o.due}


def dashboard_view(dash: ReeksDashboard) -> dict[str, Any]:
    """``ReeksDashboard`` as :func:`oefenkit_widgets.reeks_dashboard.dashboard_html` takes it: per later
    measurement that has any pair, one row per subgoal (in the form's order)."""
    statements = dict(dash.subgoals)
    changes = []
    for kind in LATER_MEASUREMENTS:
        per_goal = dash.changes.get(kind) or {}
        if not any(c.n for c in per_goal.values()):
            continue
        for subgoal, change in per_goal.items():
            changes.append({"subgoal": subgoal, "subgoal_label": statements.get(subgoal, subgoal), "kind": kind,
                            "kind_label": rules.MEASUREMENT_LABELS.get(kind, kind),
                            "kind_short": KIND_SHORT.get(kind, kind), "n": change.n, "mean": change.mean,
                            "ci_low": change.ci_low, "ci_high": change.ci_high})
    return {"reach": dash.reach, "mean_attended": dash.mean_attended, "share_goal": dash.share_goal,
            "goal": rules.GOAL_MEETINGS, "meetings": rules.MEETINGS,
            "absences": [(label, n) for _code, label, n in dash.absence_reasons], "changes": changes}


class ReeksApp(w.VBox):
    """The app's body: the reeks choice, a menu of the parts, and the part shown."""

    def __init__(self, kit, person: Actor, *, form=None):
        self.kit, self.person = kit, person
        self.service = kit.babytijd
        self.form = form or rules.default_form()
        self.reeks_id: int | None = None
        self.detail: Any = None
        self.chooser = ReeksChooser(self.choose, self.create, for_others=person.is_staff)
        self.opvoeder_form = OpvoederForm(self.add_opvoeder)
        self.due = w.HTML(_dom_classes=("ok-reeks-due-box", "ok-table"))
        self.attendance = AttendanceForm(rules.ABSENCE_REASONS, rules.MEETINGS, self.save_attendance)
        self.measure = MeasurementForm([(g.code, g.statement) for g in self.form.subgoals],
                                       (self.form.min_score, self.form.max_score, self.form.min_label,
                                        self.form.max_label),
                                       [(rules.MEASUREMENT_LABELS[k], k) for k in rules.MEASUREMENTS], self.save_measurement)
        self.opvoeders: list[dict[str, Any]] = []
        self.measure.opvoeder.observe(lambda _c: self._follow_due(), "value")
        self.overview = w.HTML(_dom_classes=("ok-reeks-overview", "ok-table"))
        self.mine = w.HTML(_dom_classes=("ok-reeks-uitvoerder", "ok-table"))
        self.evaluation = EvaluationForm(self.save_evaluation)
        self.delete_message = w.VBox(_dom_classes=("ok-reeks-delete-message",))
        self.delete = ConfirmButton(w.Button(description="Deze reeks verwijderen", button_style="danger"),
                                    "ok-reeks-delete", self._delete_question, "Ja, verwijderen", self.delete_reeks)
        self.parts: dict[str, w.Widget] = {
            "Opvoeders": w.VBox([w.HTML("<h2>Wat is nu aan de beurt?</h2><p>Per opvoeder: hoe vaak die er was en "
                                        "welke meting nu nodig is. Dat volgt het aantal bijgewoonde bijeenkomsten, "
                                        "niet de datum.</p>"), self.due, self.opvoeder_form]),
            "Aanwezigheid": self.attendance,
            "Meting": self.measure,
            "Overzicht": w.VBox([self.overview, self.mine]),
            "Evaluatie": w.VBox([self.evaluation,
                                 w.HTML("<h2>Reeks verwijderen</h2><p>Verwijdert de reeks met alle opvoeders, "
                                        "aanwezigheid en metingen. Dat kan niet ongedaan worden.</p>"),
                                 self.delete, self.delete_message]),
        }
        sections = list(SECTIONS)
        if person.is_staff:
            self.report = self._report_part()
            self.parts[REPORT] = self.report
            sections.append(REPORT)
        self.menu = w.ToggleButtons(options=sections, value="Opvoeders", _dom_classes=("ok-reeks-nav",))
        self.menu.observe(lambda _c: self._show_part(), "value")
        self.body = w.VBox(layout=w.Layout(width="100%"), _dom_classes=("ok-reeks-part",))
        self.message = w.VBox(_dom_classes=("ok-reeks-message",))
        intro = w.HTML("<p class='ok-reeks-intro'>Houd hier je Babytijd-reeksen bij in plaats van op de papieren "
                       "formulieren. Opvoeders staan er alleen met een code in: gebruik een code, geen naam.</p>")
        super().__init__([intro, self.chooser, self.message, self.menu, self.body],
                         layout=w.Layout(width="100%"), _dom_classes=("ok-reeks-app",))
        self._show_part()
        self.reload_list()

    # -- reeksen ----------------------------------------------------------------------------------

    def reload_list(self, chosen: int | None = None) -> None:
        reeksen = self.service.list_reeksen(self.person)
        options = []
        for r in reeksen:
            label = r.name + (f" (vanaf {r.start:%d-%m-%Y})" if r.start is not None else "")
            if r.uitvoerder != self.person.username:
                label += f" · {r.uitvoerder_name}"
            options.append((label, r.id))
        self.chooser.set_reeksen(options, chosen)

    def create(self, name: str, start: dt.date | None, uitvoerder: str = "") -> int:
        info = self.service.create_reeks(self.person, name=name, start=start, uitvoerder=uitvoerder or None)
        self.reload_list(info.id)
        return info.id

    def choose(self, reeks_id: int | None) -> None:
        self.reeks_id = reeks_id
        self.refresh()

    def refresh(self) -> None:
        """Read the chosen reeks again and show it in every part."""
        if self.reeks_id is None:
            self.detail = None
            opvoeders: list[dict[str, Any]] = []
        else:
            try:
                self.detail = self.service.find_reeks(self.person, self.reeks_id)
            except OefenkitError as exc:
                self.message.children = (Notice(str(exc), kind="error"),)
                return
            opvoeders = [opvoeder_view(o) for o in self.detail.opvoeders]
        self.message.children = ()
        # without a reeks, every part says to choose or make one first, not "no opvoeders yet"
        empty = {} if self.detail is not None else {"empty": NO_REEKS}
        self.due.value = due_table_html(opvoeders, rules.MEASUREMENT_LABELS, rules.MEETINGS, **empty)
        self.attendance.show(opvoeders, **empty)
        self.opvoeders = opvoeders
        self.measure.set_opvoeders(opvoeders, **({"empty": "Nog geen reeks gekozen"} if empty else {}))
        self._follow_due()
        evaluation = self.detail.evaluation if self.detail is not None else None
        self.evaluation.fill({"went_well": evaluation.went_well, "to_improve": evaluation.to_improve,
                              "remarks": evaluation.remarks} if evaluation is not None else None)
        if self.menu.value == "Overzicht":
            self.show_overview()

    def _follow_due(self) -> None:
        """The measurement form's kind follows what is due for the chosen opvoeder."""
        due = next((o["due"] for o in self.opvoeders if o["code"] == self.measure.opvoeder.value), None)
        if due in rules.MEASUREMENTS:
            self.measure.kind.value = due

    # -- the parts --------------------------------------------------------------------------------

    def _show_part(self) -> None:
        self.body.children = (self.parts[self.menu.value],)
        if self.menu.value == "Overzicht":
            self.show_overview()

    def _need_reeks(self) -> int:
        if self.reeks_id is None:
            raise ValidationError("Kies eerst een reeks of maak er een aan.")
        return self.reeks_id

    def add_opvoeder(self, code: str, consent: bool, age: int | None) -> Any:
        result = self.service.add_opvoeder(self.person, self._need_reeks(), code, consent=consent,
                                           baby_age_months=age)
        self.refresh()
        return result

    def save_attendance(self, meeting: int, marks: dict[str, tuple[bool, str | None, str]]) -> Any:
        if not marks:
            raise ValidationError("Geef bij minstens één opvoeder aan of die er was.")
        self.service.record_attendance(self.person, self._need_reeks(), meeting,
                                       {code: rules.AttendanceMark(p, r, t) for code, (p, r, t) in marks.items()})
        self.refresh()
        return True

    def save_measurement(self, code: str, kind: str, scores: dict[str, int], tips: str, tops: str,
                         early_reason: str) -> Any:
        if code is None:
            raise ValidationError("Kies eerst een opvoeder.")
        try:
            result = self.service.record_measurement(self.person, self._need_reeks(), code, kind, scores, tips=tips,
                                                     tops=tops, early_reason=early_reason)
        except rules.MeasurementNotDue as exc:
            self.measure.warn_early(str(exc))
            return "early"
        self.refresh()
        return result

    def save_evaluation(self, went_well: str, to_improve: str, remarks: str) -> Any:
        return self.service.save_uitvoerder_evaluation(self.person, self._need_reeks(), went_well=went_well,
                                                       to_improve=to_improve, remarks=remarks) or True

    def _delete_question(self) -> str:
        name = self.detail.name if self.detail is not None else "deze reeks"
        return f"Reeks {name} met alles erin verwijderen?"

    def delete_reeks(self) -> None:
        def act():
            name = self.detail.name if self.detail is not None else ""
            self.service.delete_reeks(self.person, self._need_reeks())
            self.reload_list()
            return name

        name = run(self.delete_message, act)
        if name is not None:
            self.delete_message.children = (Notice(f"Reeks {name} is verwijderd.", kind="info"),)

    def show_overview(self) -> None:
        if self.reeks_id is None:
            self.overview.value = f"<p class='ok-reeks-dashboard'>{html.escape(NO_REEKS)}</p>"
            self.mine.value = ""
            return
        try:
            dash = self.service.reeks_dashboard(self.person, self.reeks_id)
            self.overview.value = dashboard_html(dashboard_view(dash), title=f"Overzicht van {dash.title}")
            owner = self.detail.reeks.uitvoerder if self.detail is not None else self.person.username
            overall = self.service.uitvoerder_dashboard(self.person, owner)
            who = ("al jouw reeksen" if owner == self.person.username
                   else f"alle reeksen van {self.detail.reeks.uitvoerder_name}")
            self.mine.value = dashboard_html(dashboard_view(overall), title=f"Overzicht van {who} samen")
        except OefenkitError as exc:
            self.overview.value = ""
            self.message.children = (Notice(str(exc), kind="error"),)

    # -- the yearly report (staff) ---------------------------------------------------------------

    def _report_part(self) -> w.VBox:
        year = w.BoundedIntText(value=dt.date.today().year, min=2000, max=2100, description="Jaar",
                                _dom_classes=("ok-reeks-report-year",))
        links = w.HTML(_dom_classes=("ok-reeks-report",))
        message = w.VBox()
        button = w.Button(description="Jaarrapport maken", button_style="primary",
                          _dom_classes=("ok-reeks-report-make",))

        def make(_b=None) -> None:
            def act():
                report = self.service.yearly_report(self.person, int(year.value))
                links.value = report_links(int(year.value), yearly_report_csv(report), yearly_report_xlsx(report))
            run(message, act)

        button.on_click(make)
        return w.VBox([w.HTML("<h2>Jaarrapport voor de programma-eigenaar</h2><p>Per reeks de cijfers, en per "
                              "opvoeder alleen een regel met code als die toestemming gaf. Regels zonder "
                              "toestemming blijven binnen de organisatie.</p>"), year, button, message, links])


def reeks_page(kit, person: Actor) -> ReeksApp:
    """The app Babytijd-reeks over ``kit`` for ``person``."""
    return ReeksApp(kit, person)
