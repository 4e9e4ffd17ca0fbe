"""The "Intervisie" app: a team scores one family's visits and sees the scores over the visits.

:class:`IntervisionPanel` takes plain values (the sets from ``Kit.list_intervision_sets``, the
person's teams, the scale definitions) and callbacks; it never touches the database.
:func:`intervision_page` wires it to the façade. The plot is a matplotlib figure rendered to a
PNG (:func:`series_png`, imported only when drawn) in an ``ipywidgets.Image``; notes and names
are escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
import io
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.errors import OefenkitError
from oefenkit.identity import Actor
from oefenkit.intervision import IntervisionSeries

from .notice import Notice
from .practice import ScaleScorer, VideoPlayer

__all__ = ["IntervisionPanel", "intervision_page", "series_png", "summary_html", "notes_html"]

SCALE_TITLES = {"sensitiviteit": "Sensitiviteit", "cooperatie": "Coöperatie"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _nl(x: float | None, *, signed: bool = False) -> str:
    if x is None:
        return "–"
    text = (f"{x:+.1f}" if signed else f"{x:.1f}").replace(".", ",")
    return text.replace(",0", "")


def series_png(series: IntervisionSeries, *, width: float = 9.0, height: float = 3.6) -> bytes:
    """One panel per scale: each member's scores over the visits (thin lines) and the team
    median (thick line with its value), on the scale's 1–9 axis. PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    scales = list(series.scales.values())
    fig = Figure(figsize=(width, height), dpi=100)
    axes = fig.subplots(1, len(scales), sharey=True, squeeze=False)[0]
    xs = list(range(len(series.visits)))
    names = dict(series.members)
    for ax, sc in zip(axes, scales):
        for username, line in sc.members.items():
            points = [(x, y) for x, y in zip(xs, line) if y is not None]
            if points:
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", linewidth=1, alpha=0.55,
                        label=names.get(username, username))
        med = [(x, y) for x, y in zip(xs, sc.medians) if y is not None]
        if med:
            ax.plot([p[0] for p in med], [p[1] for p in med], color="#0b5566", linewidth=3, marker="s",
                    markersize=8, label="teammediaan", zorder=5)
            for x, y in med:
                ax.annotate(_nl(y), (x, y), textcoords="offset points", xytext=(0, 9), ha="center",
                            fontsize=10, fontweight="bold", color="#0b5566")
        ax.set_title(SCALE_TITLES.get(sc.scale_code, sc.scale_code))
        ax.set_xticks(xs, series.labels)
        ax.set_xlim(-0.4, len(xs) - 0.6)
        ax.set_ylim(0.5, 9.8)
        ax.set_yticks(range(1, 10))
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("score (1–9)")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6), fontsize=8, frameon=False)
    fig.subplots_adjust(left=0.07, right=0.99, top=0.9, bottom=0.26, wspace=0.08)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def summary_html(series: IntervisionSeries) -> str:
    """Per scale the team median per visit and the change from the first visit, in Dutch."""
    rows = []
    for sc in series.scales.values():
        steps = []
        for label, median, change, n in zip(series.labels, sc.medians, sc.change_from_first, sc.n_scored):
            text = f"{label}: {_nl(median)}"
            if change is not None and label != series.labels[0]:
                text += f" ({_nl(change, signed=True)})"
            if n:
                text += f" <span class='ok-muted'>n={n}</span>"
            steps.append(text if median is not None else f"{label}: nog niet gescoord")
        rows.append(f"<li><strong>{_e(SCALE_TITLES.get(sc.scale_code, sc.scale_code))}</strong>: "
                    f"{' → '.join(steps)}</li>")
    return ("<p>Teammediaan per bezoek (tussen haakjes het verschil met het eerste bezoek):</p>"
            f"<ul>{''.join(rows)}</ul>")


def notes_html(series: IntervisionSeries) -> str:
    """The members' notes per visit."""
    parts = []
    for visit in series.visits:
        notes = series.notes.get(visit.case_code) or []
        items = "".join(f"<li><strong>{_e(name)}</strong>: {_e(note)}</li>" for name, note in notes)
        parts.append(f"<h4>{_e(visit.label)} — {_e(visit.title)}</h4>"
                     + (f"<ul>{items}</ul>" if items else "<p class='ok-muted'>Nog geen notities.</p>"))
    return "".join(parts)


class IntervisionPanel(w.VBox):
    """Choose set and team, score each visit (clip, both scales, note), see the team's plot.

    ``load(set_code, team)`` returns an :class:`~oefenkit.intervision.IntervisionSeries`;
    ``save(set_code, case_code, scores, note)`` stores the person's own scores of one visit.
    ``scales`` is ``[(code, title, anchors)]``. ``username`` is the person's own name in the
    series (to show what they scored before).
    """

    def __init__(self, sets: Sequence[Mapping[str, Any]], teams: Sequence[str], scales: Sequence[tuple],
                 username: str, *, load: Callable[[str, str], IntervisionSeries],
                 save: Callable[[str, str, dict[str, int], str], Any],
                 clip_url: Callable[[str], str], subtitles_url: Callable[[str], str]):
        self._sets = {s["code"]: s for s in sets}
        self._load, self._save = load, save
        self._clip_url, self._subtitles_url = clip_url, subtitles_url
        self.username = username
        self.series: IntervisionSeries | None = None
        self.current: str | None = None
        self.set_choice = w.Dropdown(options=[(s["name"], s["code"]) for s in sets], description="Casus",
                                     layout=w.Layout(width="40rem"))
        self.set_choice.add_class("ok-intervision-set")
        self.team_choice = w.Dropdown(options=list(teams), description="Team", layout=w.Layout(width="40rem"))
        self.team_choice.add_class("ok-intervision-team")
        self.visit_bar = w.HBox()
        self.visit_bar.add_class("ok-intervision-visits")
        self.visit_title = w.HTML()
        self.visit_title.add_class("ok-intervision-visit-title")
        self.player = VideoPlayer()
        self.scorers = [ScaleScorer(code, title, anchors, lambda _v: self._update_save()) for code, title, anchors
                        in scales]
        self.note = w.Textarea(placeholder="Wat zie je in dit bezoek? Wat is er veranderd sinds het vorige?",
                               layout=w.Layout(width="100%", height="4rem"))
        self.note.add_class("ok-intervision-note")
        self.save_button = w.Button(description="Scores opslaan", button_style="primary", disabled=True,
                                    layout=w.Layout(width="auto"))
        self.save_button.add_class("ok-intervision-save")
        self.message = w.Box()
        self.message.add_class("ok-intervision-message")
        self.progress = w.HTML()
        self.progress.add_class("ok-intervision-progress")
        self.plot = w.Image(format="png", layout=w.Layout(width="100%", max_width="900px", display="none"))
        self.plot.add_class("ok-intervision-plot")
        self.summary = w.HTML()
        self.summary.add_class("ok-intervision-summary")
        self.notes = w.HTML()
        self.notes.add_class("ok-intervision-notes")
        self.save_button.on_click(self._on_save)
        self.set_choice.observe(lambda _c: self.refresh(), names="value")
        self.team_choice.observe(lambda _c: self.refresh(), names="value")
        workspace = w.VBox([self.visit_title, self.player,
                            w.HBox(self.scorers, layout=w.Layout(flex_flow="row wrap", align_items="flex-start")),
                            self.note, w.HBox([self.save_button]), self.message])
        super().__init__([
            w.HTML("<p>Scoor de fragmenten van deze casus, bezoek voor bezoek, op beide schalen en schrijf kort "
                   "op wat je ziet. Daarna zie je de scores van je team over de bezoeken heen, met de "
                   "teammediaan en ieders notities.</p>"),
            self.set_choice, self.team_choice, w.HTML("<h2>Bezoeken</h2>"), self.visit_bar, self.progress,
            workspace, w.HTML("<h2>Scores van het team</h2>"), self.summary, self.plot,
            w.HTML("<h3>Notities per bezoek</h3>"), self.notes])
        self.add_class("ok-intervision")
        self.refresh()

    # -- state ----------------------------------------------------------------------------------

    def _visits(self) -> list:
        chosen = self._sets.get(self.set_choice.value)
        return list(chosen["visits"]) if chosen else []

    def _update_save(self) -> None:
        self.save_button.disabled = self.current is None or any(s.value is None for s in self.scorers)

    def refresh(self) -> None:
        """Reload the team's series and redraw the visit buttons, the plot, the summary and the notes."""
        visits = self._visits()
        buttons = []
        for i, visit in enumerate(visits):
            b = w.Button(description=visit.label, tooltip=visit.title, layout=w.Layout(width="auto"))
            b.add_class("ok-intervision-visit")
            b.add_class(f"ok-intervision-visit-{i + 1}")
            b.on_click(lambda _b, code=visit.case_code: self.open_visit(code))
            buttons.append(b)
        self.visit_bar.children = buttons
        if not visits or not self.team_choice.value:
            self.series = None
            self.progress.value = ""
            return
        try:
            self.series = self._load(self.set_choice.value, self.team_choice.value)
        except OefenkitError as exc:
            self.series = None
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self._draw()
        if self.current not in {v.case_code for v in visits}:
            self.open_visit(visits[0].case_code)

    def _own(self, case_code: str) -> dict[str, int | None]:
        if self.series is None:
            return {}
        index = [v.case_code for v in self.series.visits].index(case_code)
        return {code: (sc.members.get(self.username) or [None] * len(self.series.visits))[index]
                for code, sc in self.series.scales.items()}

    def open_visit(self, case_code: str) -> None:
        visit = next(v for v in self._visits() if v.case_code == case_code)
        self.current = case_code
        for b in self.visit_bar.children:
            (b.add_class if b.tooltip == visit.title else b.remove_class)("ok-selected")
        self.visit_title.value = f"<h3>{_e(visit.label)}: {_e(visit.title)}</h3>"
        self.player.set_source(self._clip_url(case_code), self._subtitles_url(case_code))
        own = self._own(case_code)
        for s in self.scorers:
            s.set_value(own.get(s.scale_code))
        mine = dict(self.series.notes.get(case_code) or []) if self.series else {}
        names = dict(self.series.members) if self.series else {}
        self.note.value = mine.get(names.get(self.username, ""), "")
        self.message.children = ()
        self._update_save()

    def _draw(self) -> None:
        series = self.series
        done = sum(1 for i in range(len(series.visits))
                   if all((sc.members.get(self.username) or [None] * len(series.visits))[i] is not None
                          for sc in series.scales.values()))
        if any(m is not None for sc in series.scales.values() for m in sc.medians):
            self.plot.value = series_png(series)
            self.plot.layout.display = None
        else:
            self.plot.layout.display = "none"
        self.summary.value = summary_html(series)
        self.notes.value = notes_html(series)
        # Last, so whoever waits for the progress text (a browser test) sees everything above updated.
        self.progress.value = f"<p>Jij hebt {done} van de {len(series.visits)} bezoeken gescoord.</p>"

    def _on_save(self, _button=None) -> None:
        if self.current is None:
            return
        scores = {s.scale_code: s.value for s in self.scorers}
        try:
            self._save(self.set_choice.value, self.current, scores, self.note.value)
            self.series = self._load(self.set_choice.value, self.team_choice.value)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self._draw()
        label = next(v.label for v in self._visits() if v.case_code == self.current)
        self.message.children = (Notice(f"{label} opgeslagen."),)
        following = [v.case_code for v in self._visits()]
        index = following.index(self.current)
        own_next = next((c for c in following[index + 1:] if None in self._own(c).values()), None)
        if own_next is not None:
            self.open_visit(own_next)
            self.message.children = (Notice(f"{label} opgeslagen. Ga verder met het volgende bezoek."),)


def intervision_page(kit, person: Actor) -> w.Widget:
    """The intervision app over the façade: the intervision sets and the person's teams (staff: all
    groups). The verbs check that the person may read the chosen team's scores."""
    from oefenkit.intervision import build_series
    from oefenkit.practice import clip_url, subtitles_url
    from oefenkit.storage.intervision import INTERVISION_SCALES

    sets = kit.list_intervision_sets(person)
    own_groups = kit.list_groups(person)
    staff = person.role in {"trainer", "coordinator"}
    teams = [g.name for g in own_groups if staff or g.id in person.group_ids or person.username in g.member_usernames]
    if not sets:
        return Notice("Er is nog geen intervisieset. Een trainer kan er een toevoegen in content/case_sets.yaml.")
    if not teams:
        return Notice("Je zit nog niet in een intervisieteam (groep). Vraag de coördinator je aan een groep toe "
                      "te voegen.")
    newest = {s.code: s for s in kit.list_scales()}
    scales = [(code, SCALE_TITLES.get(code, newest[code].name),
               {int(k): str(v) for k, v in (newest[code].definition.get("anchors") or {}).items()})
              for code in INTERVISION_SCALES if code in newest]

    def load(set_code: str, team: str):
        data = kit.intervision_scores(person, set_code, team)
        return build_series(data["visits"], data["members"], data["records"], scales=[c for c, _, _ in scales])

    return IntervisionPanel(sets, teams, scales, person.username, load=load,
                            save=lambda set_code, case, scores, note: kit.save_intervision_scores(
                                person, set_code, case, scores, note),
                            clip_url=clip_url, subtitles_url=subtitles_url)
