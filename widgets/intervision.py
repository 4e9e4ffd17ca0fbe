"""The "Intervisie" app: a team scores one family's visits and sees the scores over the visits.

:class:`IntervisionPanel` takes plain values (the sets from ``IntervisionService.list_intervision_sets``, the
person's teams, the scale definitions) and callbacks; it never touches the database.
:func:`intervision_page` wires it to the façade. The plot is inline SVG (:func:`series_svg`, like the other charts of the kit, so the app needs no
plotting library at run time); notes and names are escaped with :func:`html.escape`.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.errors import OefenkitError
from oefenkit.identity import Actor
from oefenkit.intervision import IntervisionSeries, build_series
from oefenkit.practice import clip_url, subtitles_url
from oefenkit.programmes import load_paths
from oefenkit.scales import Scale, in_words
from oefenkit.settings import load_settings

from .formatting import fmt
from .notice import Notice
from .practice import ScaleScorer, VideoPlayer
from .statistics_link import statistics_link_html

__all__ = ["IntervisionPanel", "intervision_page", "series_svg", "summary_html", "notes_html"]



def _title(scale_code: str, scale_titles: Mapping[str, str] | None) -> str:
    """A scale's title from ``scale_titles`` (code → title, the loaded scales), else its code with a capital."""
    return (scale_titles or {}).get(scale_code) or scale_code.capitalize()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


#: Member line colours: distinguishable for common colour-vision deficiencies (Okabe–Ito), each
#: at least 3:1 against white; the team median is a thick dark line with square markers.
MEMBER_COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#56b4e9", "#6a3d9a", "#666666")
MEDIAN_COLOUR = "#0b3d4a"


def series_svg(series: IntervisionSeries, *, panel_width: int = 420, height: int = 300,
               scale_titles: Mapping[str, str] | None = None,
               scale_ranges: Mapping[str, tuple[int, int]] | None = None) -> str:
    """One panel per scale: each member's scores over the visits (thin lines) and the team median
    (thick line with its value), on the scale's own axis (``scale_ranges``: code → (lowest,
    highest) score, from the loaded scales; 1–9 when not given), with a legend. Inline SVG that scales to
    the page's width (``viewBox``); names and labels are escaped. Empty when nobody scored yet."""
    scales = list(series.scales.values())
    if not scales or not any(m is not None for sc in scales for m in sc.medians):
        return ""
    names = dict(series.members)
    usernames = [u for u, _ in series.members]
    colours = {u: MEMBER_COLOURS[i % len(MEMBER_COLOURS)] for i, u in enumerate(usernames)}
    n = len(series.visits)
    left, right, top, bottom = 40, 16, 34, 40
    pw, ph = panel_width - left - right, height - top - bottom

    def x(offset: float, i: int) -> float:
        return offset + left + (i + 0.5) * pw / max(n, 1)

    lo, hi = 1, 9

    def y(score: float) -> float:
        return top + (hi + 0.5 - score) / (hi - lo + 1) * ph

    def polyline(offset: float, values, colour: str, width: float, css: str, label: str) -> list[str]:
        points = [(x(offset, i), y(v)) for i, v in enumerate(values) if v is not None]
        if not points:
            return []
        out = []
        if len(points) > 1:
            coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            out.append(f"<polyline class='{css}' points='{coords}' fill='none' stroke='{colour}' "
                       f"stroke-width='{width}'/>")
        for (px, py), v in zip(points, [v for v in values if v is not None]):
            if css == "ok-iv-median":
                out.append(f"<rect class='{css}-point' x='{px - 5:.1f}' y='{py - 5:.1f}' width='10' height='10' "
                           f"fill='{colour}'><title>{_e(label)}: {_e(fmt(v, 1))}</title></rect>")
                out.append(f"<text x='{px:.1f}' y='{py - 10:.1f}' font-size='13' font-weight='bold' "
                           f"text-anchor='middle' fill='{colour}'>{_e(fmt(v, 1))}</text>")
            else:
                out.append(f"<circle class='{css}-point' cx='{px:.1f}' cy='{py:.1f}' r='4' fill='{colour}'>"
                           f"<title>{_e(label)}: {_e(fmt(v, 1))}</title></circle>")
        return out

    width = panel_width * len(scales)
    legend_rows = -(-(len(usernames) + 1) // 4)
    total_height = height + 22 * legend_rows
    titles = ", ".join(_title(sc.scale_code, scale_titles) for sc in scales)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {total_height}' width='100%' "
             f"style='max-width:{width}px' role='img' aria-label='Scores van het team over de bezoeken: "
             f"{_e(titles)}' font-family='sans-serif'>"]
    for k, sc in enumerate(scales):
        off = k * panel_width
        lo, hi = (scale_ranges or {}).get(sc.scale_code, (1, 9))
        step = max(1, -(-(hi - lo) // 10))  # at most about ten grid lines
        parts.append(f"<text x='{off + left + pw / 2:.1f}' y='20' font-size='15' font-weight='bold' "
                     f"text-anchor='middle'>{_e(_title(sc.scale_code, scale_titles))}</text>")
        parts.append(f"<rect x='{off + left}' y='{top}' width='{pw}' height='{ph}' fill='#fff' stroke='#9aa5b1'/>")
        for t in range(lo, hi + 1, step):
            parts.append(f"<line x1='{off + left}' x2='{off + left + pw}' y1='{y(t):.1f}' y2='{y(t):.1f}' "
                         f"stroke='#e4e7eb'/>")
            parts.append(f"<text x='{off + left - 6}' y='{y(t) + 4:.1f}' font-size='11' text-anchor='end'>{t}</text>")
        for i, label in enumerate(series.labels):
            parts.append(f"<text x='{x(off, i):.1f}' y='{top + ph + 18}' font-size='12' "
                         f"text-anchor='middle'>{_e(label)}</text>")
        for username in usernames:
            parts += polyline(off, sc.members.get(username) or [], colours[username], 1.5, "ok-iv-member",
                              names.get(username, username))
        parts += polyline(off, sc.medians, MEDIAN_COLOUR, 4, "ok-iv-median", "teammediaan")
    # Legend: the median first, then each member in the team's order.
    entries = [("teammediaan", MEDIAN_COLOUR, 4)] + [(names.get(u, u), colours[u], 2) for u in usernames]
    for i, (label, colour, stroke) in enumerate(entries):
        lx = 12 + (i % 4) * (width - 24) / 4
        ly = height + 8 + (i // 4) * 22
        parts.append(f"<g class='ok-iv-legend'><line x1='{lx:.1f}' x2='{lx + 22:.1f}' y1='{ly:.1f}' y2='{ly:.1f}' "
                     f"stroke='{colour}' stroke-width='{stroke}'/><text x='{lx + 28:.1f}' y='{ly + 4:.1f}' "
                     f"font-size='12'>{_e(label)}</text></g>")
    parts.append("</svg>")
    return "".join(parts)


def summary_html(series: IntervisionSeries, scale_titles: Mapping[str, str] | None = None) -> str:
    """Per scale the team median per visit and the change from the first visit, in Dutch."""
    rows = []
    for sc in series.scales.values():
        steps = []
        for label, median, change, n in zip(series.labels, sc.medians, sc.change_from_first, sc.n_scored):
            text = f"{label}: {fmt(median, 1)}"
            if change is not None and label != series.labels[0]:
                text += f" ({fmt(change, 1, signed=True)})"
            if n:
                text += f" <span class='ok-muted'>n={n}</span>"
            steps.append(text if median is not None else f"{label}: nog niet gescoord")
        rows.append(f"<li><strong>{_e(_title(sc.scale_code, scale_titles))}</strong>: "
                    f"{' → '.join(steps)}</li>")
    return ("<p>Teammediaan per bezoek (tussen haakjes het verschil met het eerste bezoek):</p>"
            f"<ul>{''.join(rows)}</ul>" + statistics_link_html())


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
    """Choose set and team, score each visit (clip, every scale, note), see the team's plot.

    ``load(set_code, team)`` returns an :class:`~oefenkit.intervision.IntervisionSeries`;
    ``save(set_code, case_code, scores, note)`` stores the person's own scores of one visit.
    ``scales`` are the current scales (:class:`oefenkit.scales.Scale`, in order). ``username`` is the person's own name in the
    series (to show what they scored before).
    """

    def __init__(self, sets: Sequence[Mapping[str, Any]], teams: Sequence[str], scales: Sequence[Scale],
                 username: str, *, load: Callable[[str, str], IntervisionSeries],
                 save: Callable[[str, str, dict[str, int], str], Any],
                 clip_url: Callable[[str], str], subtitles_url: Callable[[str], str],
                 team_notes: Mapping[str, str] | None = None):
        self._sets = {s["code"]: s for s in sets}
        self._team_notes = dict(team_notes or {})
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
        # a note on the chosen team (too few members for the programme's monthly intervision)
        self.team_note = w.Box()
        self.team_note.add_class("ok-intervision-team-note")
        self.visit_bar = w.HBox()
        self.visit_bar.add_class("ok-intervision-visits")
        self.visit_title = w.HTML()
        self.visit_title.add_class("ok-intervision-visit-title")
        self.player = VideoPlayer()
        self._scale_titles = {sc.code: sc.title for sc in scales}
        self._scale_ranges = {sc.code: (sc.min_score, sc.max_score) for sc in scales}
        self.scorers = [ScaleScorer.of(sc, lambda _v: self._update_save(), heading=sc.title) for sc in scales]
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
        self.plot = w.HTML(layout=w.Layout(width="100%", max_width="900px", display="none"))
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
            w.HTML("<p>Scoor de fragmenten van deze casus, bezoek voor bezoek, op "
                   f"{html.escape(in_words(scales))} en schrijf kort "
                   "op wat je ziet. Daarna zie je de scores van je team over de bezoeken heen, met de "
                   "teammediaan en ieders notities.</p>"),
            self.set_choice, self.team_choice, self.team_note, w.HTML("<h2>Bezoeken</h2>"), self.visit_bar, self.progress,
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
        note = self._team_notes.get(self.team_choice.value or "")
        self.team_note.children = (Notice(note),) if note else ()
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
        self.plot.value = series_svg(series, scale_titles=self._scale_titles, scale_ranges=self._scale_ranges)
        self.plot.layout.display = None if self.plot.value else "none"
        self.summary.value = summary_html(series, self._scale_titles)
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


def team_notes(groups, paths: Mapping[str, Any] | None = None) -> dict[str, str]:
    """A Dutch note per team that is smaller than its programme's intervision team
    (``intervision_team_min`` in ``content/programmes/<code>.yaml``: 4 for the Ouder-baby
    interventie)."""
    if paths is None:
        paths = load_paths(load_settings().content_dir)
    notes = {}
    for g in groups:
        path = paths.get(g.programme_code) if g.programme_code else None
        least = path.intervision_team_min if path is not None else None
        if least and g.member_count < least:
            notes[g.name] = (f"Dit team heeft {g.member_count} {'lid' if g.member_count == 1 else 'leden'}. De maandelijkse "
                             f"intervisie van de {path.name.removeprefix('Uitvoerder ')} vraagt een team van minstens "
                             f"{least}: zoek aansluiting bij uitvoerders van een andere organisatie in de regio.")
    return notes


def intervision_page(kit, person: Actor) -> w.Widget:
    """The intervision app over the façade: the intervision sets and the person's teams (staff: all
    groups). The verbs check that the person may read the chosen team's scores."""
    sets = kit.intervision.list_intervision_sets(person)
    own_groups = kit.people.list_groups(person)
    staff = person.may("read_intervision_of")  # every team, not only their own
    teams = [g.name for g in own_groups if staff or g.id in person.group_ids or person.username in g.member_usernames]
    if not sets:
        return Notice("Er is nog geen intervisieset. Een trainer kan er een toevoegen in content/case_sets.yaml.")
    if not teams:
        return Notice("Je zit nog niet in een intervisieteam (groep). Vraag de coördinator je aan een groep toe "
                      "te voegen.")
    scales = kit.cases.current_scales()  # every visit is scored on each, in the content's order

    def load(set_code: str, team: str):
        data = kit.intervision.intervision_scores(person, set_code, team)
        return build_series(data["visits"], data["members"], data["records"], scales=[sc.code for sc in scales])

    return IntervisionPanel(sets, teams, scales, person.username, load=load, team_notes=team_notes(own_groups),
                            save=lambda set_code, case, scores, note: kit.intervision.save_intervision_scores(
                                person, set_code, case, scores, note),
                            clip_url=clip_url, subtitles_url=subtitles_url)
