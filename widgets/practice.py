"""Components of the practice app (Oefenen met scoren) and reused by the exam app.

Plain data and callbacks in, no database access. Hooks (``docs/ui-hooks.md``):
``ok-case`` (each practice clip entry), ``ok-video`` (the video's container),
``ok-score-<colour>`` (the 1–9 buttons of a scale; the colour key comes from the scale file, e.g.
``ok-score-sensitivity`` / ``ok-score-cooperation``),
``ok-note``, ``ok-submit``, ``ok-feedback``, ``ok-history``, ``ok-learning-curve``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.scales import Scale

from .formatting import fixed
from .statistics_link import statistics_link_html
from .tables import DataTable
from .theme import COLORS

__all__ = [
    "CaseList",
    "FeedbackPanel",
    "HistoryView",
    "ScaleScorer",
    "VideoPlayer",
    "case_hook",
    "learning_curve_svg",
    "status_label",
]

_esc = html.escape


def case_hook(code: str) -> str:
    """The CSS class of one entry of the :class:`CaseList`: ``ok-case-code-<code>`` (safe characters only)."""
    return "ok-case-code-" + re.sub(r"[^A-Za-z0-9_-]", "_", code)


def status_label(status: str, scores: Mapping[str, int], scales: Sequence[Scale] = ()) -> str:
    """``Nieuw``, ``Gedaan`` or ``Gedaan · sensitiviteit 7, coöperatie 4`` (latest attempt): the
    scores in the order of ``scales`` (the current scales), named by their short titles."""
    if status != "done":
        return "Nieuw"
    if not scores:
        return "Gedaan"
    short = {sc.code: sc.short_title for sc in scales}
    order = [c for c in short if c in scores] + sorted(c for c in scores if c not in short)
    return "Gedaan · " + ", ".join(f"{short.get(c, c)} {scores[c]}" for c in order)


# -- case list -----------------------------------------------------------------------------


class CaseList(w.VBox):
    """The practice clips; each entry (``.ok-case``) is a button with the title and a status.

    ``cases`` are objects with ``code``, ``title``, ``status`` and ``scores``
    (:class:`oefenkit.practice.PracticeCase`); ``on_open(code)`` is called on a click. ``scales``
    (the current scales) name and order the scores in the status.
    """

    def __init__(self, cases: Sequence, on_open: Callable[[str], None] | None = None,
                 scales: Sequence[Scale] = ()):
        self._on_open = on_open
        self._scales = tuple(scales)
        self._status: dict[str, w.HTML] = {}
        entries = []
        for case in cases:
            button = w.Button(description=case.title, tooltip=f"Open {case.title}",
                              layout=w.Layout(width="auto", flex="1 1 auto", max_width="70%"))
            button.add_class("ok-case-open")
            button.on_click(lambda _b, code=case.code: self._open(code))
            status = w.HTML()
            status.add_class("ok-case-status")
            self._status[case.code] = status
            entry = w.HBox([button, status], layout=w.Layout(align_items="center", justify_content="space-between"))
            entry.add_class("ok-case")
            entry.add_class(case_hook(case.code))
            entries.append(entry)
        super().__init__(entries or [w.HTML("<p>Er staan nog geen oefenfragmenten klaar.</p>")])
        self.add_class("ok-case-list")
        self.update(cases)

    def _open(self, code: str) -> None:
        if self._on_open is not None:
            self._on_open(code)

    def update(self, cases: Sequence) -> None:
        """New statuses (after an attempt); the entries themselves stay."""
        for case in cases:
            widget = self._status.get(case.code)
            if widget is not None:
                css = "ok-done" if case.status == "done" else "ok-new"
                widget.value = f"<span class='{css}'>{_esc(status_label(case.status, case.scores, self._scales))}</span>"


# -- video -----------------------------------------------------------------------------------


class VideoPlayer(w.HTML):
    """An HTML ``<video>`` (seekable, from a URL with HTTP Range) in a ``.ok-video`` container.

    Never the bytes in the widget state: the server serves the clip
    (``/oefenkit/media/clip/<code>.mp4``) after checking the person.
    """

    def __init__(self, clip_url: str | None = None, subtitles_url: str | None = None):
        super().__init__()
        self.add_class("ok-video")
        self.set_source(clip_url, subtitles_url)

    def set_source(self, clip_url: str | None, subtitles_url: str | None = None) -> None:
        if not clip_url:
            self.value = "<p>Geen fragment gekozen.</p>"
            return
        track = ""
        if subtitles_url:
            track = (f"<track kind='subtitles' srclang='nl' label='Nederlands' default "
                     f"src='{_esc(subtitles_url, quote=True)}'>")
        self.value = (
            f"<video controls preload='metadata' playsinline src='{_esc(clip_url, quote=True)}' "
            f"aria-label='Videofragment'>{track}"
            "Je browser kan deze video niet afspelen.</video>"
        )


# -- scoring ---------------------------------------------------------------------------------


def _points(texts: Mapping | None) -> dict[int, str]:
    return {int(k): str(v) for k, v in (texts or {}).items()}


class ScaleScorer(w.VBox):
    """Nine buttons 1–9 for one scale, with the anchor descriptions beside them.

    ``anchors`` maps scale points (1, 3, 5, 7, 9) to their text; ``between``
    (optional) the even points. ``value`` is the chosen point or ``None``;
    ``on_change(value)`` is called after each choice; ``set_value(point)`` shows
    a saved score without calling it. ``buttons`` maps each point to its button
    (classes ``ok-score-button`` and ``ok-score-<n>``; the chosen one ``ok-selected``).
    """

    def __init__(self, scale_code: str, title: str, anchors: Mapping[int, str],
                 on_change: Callable[[int | None], None] | None = None, *,
                 between: Mapping[int, str] | None = None, question: str = "",
                 min_score: int = 1, max_score: int = 9, css_class: str | None = None,
                 label: str | None = None):
        self.scale_code = scale_code
        self.anchors = _points(anchors)
        self.between = _points(between)
        self.value: int | None = None
        self._on_change = on_change
        self.buttons: dict[int, w.Button] = {}
        for point in range(min_score, max_score + 1):
            text = self.anchors.get(point) or self.between.get(point) or ""
            button = w.Button(description=str(point), tooltip=f"{point}: {text}"[:300],
                              layout=w.Layout(width="42px", height="42px", padding="0"))
            button.add_class("ok-score-button")
            button.add_class(f"ok-score-{point}")
            button.on_click(lambda _b, p=point: self.choose(p))
            self.buttons[point] = button
        row = w.HBox(list(self.buttons.values()), layout=w.Layout(flex_flow="row wrap"))
        row.add_class(css_class or f"ok-score-{scale_code}")
        row.add_class("ok-score-row")
        # data-scale: the short scale name the score buttons' accessible names start with ("Sensitiviteit 7";
        # widgets/a11y.py): the scale's title, else the heading up to "versus"
        label = label or title.split(" versus ")[0].strip()
        heading = f"<h3 data-scale='{_esc(label)}'>{_esc(title)}</h3>"
        if question:
            heading += f"<p class='ok-scale-question'>{_esc(question)}</p>"
        self._chosen = w.HTML()
        self._chosen.add_class("ok-chosen")
        self._anchor_list = w.HTML()
        self._anchor_list.add_class("ok-anchors")
        super().__init__([w.HTML(heading), row, self._chosen, self._anchor_list],
                         layout=w.Layout(flex="1 1 420px", min_width="300px", margin="0 .5rem .5rem 0"))
        self.add_class("ok-scorer")
        self._render()

    @classmethod
    def of(cls, scale: Scale, on_change: Callable[[int | None], None] | None = None, *,
           heading: str | None = None) -> "ScaleScorer":
        """The scorer of one loaded scale: its anchors, guidance, question, range, colour key and title
        (``heading`` replaces the full name as the heading, e.g. the short title in the exam)."""
        return cls(scale.code, heading or scale.name, scale.anchors, on_change, between=scale.between_anchors,
                   question=scale.question, min_score=scale.min_score, max_score=scale.max_score,
                   css_class=scale.css_class, label=scale.title)

    @property
    def disabled(self) -> bool:
        return all(b.disabled for b in self.buttons.values())

    @disabled.setter
    def disabled(self, value: bool) -> None:
        for b in self.buttons.values():
            b.disabled = value

    def set_value(self, point: int | None) -> None:
        """Show ``point`` as chosen (a saved score), without calling ``on_change``."""
        self.value = point
        self._render()

    def choose(self, point: int | None) -> None:
        self.set_value(point)
        if self._on_change is not None:
            self._on_change(point)

    def reset(self) -> None:
        """No choice, buttons enabled (a new attempt)."""
        self.disabled = False
        self.set_value(None)

    def _render(self) -> None:
        for i, b in self.buttons.items():
            selected = i == self.value
            b.button_style = "primary" if selected else ""
            if selected:
                b.add_class("ok-selected")
            else:
                b.remove_class("ok-selected")
        if self.value is None:
            self._chosen.value = "<p class='ok-muted'>Nog geen score gekozen.</p>"
        else:
            text = self.anchors.get(self.value) or self.between.get(self.value) or ""
            self._chosen.value = f"<p><strong>Jouw keuze: {self.value}</strong> — {_esc(text)}</p>"
        items = []
        for point in sorted(self.anchors, reverse=True):
            css = " class='ok-anchor-selected'" if point == self.value else ""
            items.append(f"<dt{css}>{point}</dt><dd{css}>{_esc(self.anchors[point])}</dd>")
        # Wide screens list the anchors; phones fold them (CSS in widgets/theme.py shows one of the two).
        self._anchor_list.value = (
            f"<dl class='ok-anchors-wide'>{''.join(items)}</dl>"
            f"<details class='ok-anchors-fold'><summary>Wat betekenen de scores?</summary>"
            f"<dl>{''.join(items)}</dl></details>" if items else "")


# -- feedback --------------------------------------------------------------------------------


def _signed(deviation: int) -> str:
    if deviation == 0:
        return "0 (gelijk aan de consensus)"
    word = "hoger" if deviation > 0 else "lager"
    return f"{deviation:+d} ({abs(deviation)} punt{'en' if abs(deviation) != 1 else ''} {word} dan de consensus)"


class FeedbackPanel(w.HTML):
    """The expert consensus, spread and rationale next to the trainee's own score (``.ok-feedback``).

    ``show(feedback)`` takes a :class:`oefenkit.practice.PracticeFeedback`;
    ``clear()`` hides the panel.
    """

    def __init__(self, feedback=None):
        super().__init__()
        self.add_class("ok-feedback")
        self.clear() if feedback is None else self.show(feedback)

    def clear(self) -> None:
        self.value = ""
        self.layout.display = "none"

    def show(self, feedback) -> None:
        parts = ["<div role='status' aria-live='polite'>",
                 f"<h3>Feedback: {_esc(feedback.case_title)}</h3>"]
        if not feedback.scales:
            parts.append("<p>Voor deze casus zijn nog geen expertscores vastgelegd.</p>")
        for s in feedback.scales:
            spread = (f"{s.expert_min}" if s.expert_min == s.expert_max
                      else f"{s.expert_min}–{s.expert_max}")
            experts = "".join(
                f"<li><strong>{_esc(e.name)}: {e.score}</strong>"
                + (f" — {_esc(e.rationale)}" if e.rationale else "") + "</li>"
                for e in s.experts
            )
            parts.append(
                f"<section class='ok-feedback-scale ok-feedback-{_esc(s.scale_code)}'>"
                f"<h4>{_esc(s.scale_name)}</h4>"
                "<table class='ok-feedback-numbers'><tbody>"
                f"<tr><th>Jouw score</th><td>{s.own}</td></tr>"
                f"<tr><th>Expertconsensus</th><td>{s.consensus}</td></tr>"
                f"<tr><th>Spreiding experts</th><td>{spread} ({len(s.experts)} experts)</td></tr>"
                f"<tr><th>Jouw afwijking</th><td>{_esc(_signed(s.deviation))}</td></tr>"
                "</tbody></table>"
                + (f"<p><strong>Onderbouwing van de consensus:</strong> {_esc(s.rationale)}</p>"
                   if s.rationale else "")
                + f"<details><summary>Scores en toelichting per expert</summary><ul>{experts}</ul></details>"
                "</section>"
            )
        if feedback.note:
            parts.append(f"<p><strong>Jouw toelichting:</strong> {_esc(feedback.note)}</p>")
        if feedback.scales:
            parts.append(statistics_link_html())
        parts.append("</div>")
        self.value = "".join(parts)
        self.layout.display = None


# -- history and learning curve ------------------------------------------------------------------


def learning_curve_svg(values: Sequence[float], *, width: int = 640, height: int = 220) -> str:
    """An inline SVG line chart of the mean absolute deviation per attempt (no plotting library).

    Examples
    --------
    >>> svg = learning_curve_svg([2.0, 1.5, 0.5])
    >>> svg.startswith("<svg") and svg.count("<circle") == 3
    True
    """
    left, right, top, bottom = 48, 16, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = max(4.0, float(max(values, default=0.0)))
    n = len(values)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h * (1 - v / y_max)

    c = COLORS
    grid = []
    for tick in range(int(y_max) + 1):
        grid.append(f"<line x1='{left}' x2='{width - right}' y1='{y(tick):.1f}' y2='{y(tick):.1f}' "
                    f"stroke='{c['border']}'/>"
                    f"<text x='{left - 8}' y='{y(tick) + 4:.1f}' text-anchor='end' font-size='12' "
                    f"fill='{c['muted']}'>{tick}</text>")
    step = max(1, n // 10)
    for i in range(0, n, step):
        grid.append(f"<text x='{x(i):.1f}' y='{height - bottom + 16}' text-anchor='middle' font-size='12' "
                    f"fill='{c['muted']}'>{i + 1}</text>")
    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(
        f"<circle cx='{x(i):.1f}' cy='{y(v):.1f}' r='4' fill='{c['primary']}'>"
        f"<title>Poging {i + 1}: {v:.1f}</title></circle>"
        for i, v in enumerate(values)
    )
    summary = ", ".join(f"{v:.1f}" for v in values)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' width='100%' "
        f"style='max-width:{width}px' role='img' "
        f"aria-label='Leercurve: gemiddelde afwijking per poging: {summary}'>"
        + "".join(grid)
        + (f"<polyline points='{points}' fill='none' stroke='{c['primary']}' stroke-width='2'/>" if n > 1 else "")
        + dots
        + f"<text x='{left + plot_w / 2:.1f}' y='{height - 6}' text-anchor='middle' font-size='12' "
          f"fill='{c['text']}'>Poging</text>"
        + f"<text x='14' y='{top + plot_h / 2:.1f}' text-anchor='middle' font-size='12' fill='{c['text']}' "
          f"transform='rotate(-90 14 {top + plot_h / 2:.1f})'>Afwijking (punten)</text>"
        + "</svg>"
    )


class HistoryView(w.VBox):
    """The person's attempts (table, ``.ok-history``) and the learning curve (``.ok-learning-curve``).

    ``attempts`` are :class:`oefenkit.practice.PracticeAttempt` values in time order;
    ``format_time`` turns a moment into Dutch local time.
    """

    def __init__(self, attempts: Sequence, format_time: Callable = str, scales: Sequence[Scale] = ()):
        self._format_time = format_time
        self._scales = list(scales)
        self._scale_order = [sc.code for sc in self._scales]
        self._table = w.HTML()
        self._table.add_class("ok-table")
        self._table.add_class("ok-history")
        self._curve = w.HTML()
        self._curve.add_class("ok-learning-curve")
        super().__init__([w.HTML("<h2>Mijn oefenpogingen</h2>"), self._table,
                          w.HTML("<h3>Leercurve</h3>"), self._curve])
        self.update(attempts)

    def update(self, attempts: Sequence) -> None:
        rows = []
        for a in attempts:
            cells = [a.number, self._format_time(a.submitted_at), a.case_title]
            for code in self._scale_order:
                own, cons = a.scores.get(code), a.consensus.get(code)
                cells.append("-" if own is None else (f"{own} (consensus {cons})" if cons is not None else str(own)))
            mad = a.mean_abs_deviation
            cells.append("-" if mad is None else fixed(mad, 1))
            rows.append(cells)
        columns = ["Poging", "Datum", "Casus", *(sc.title for sc in self._scales),
                   "Gem. afwijking"]
        self._table.value = DataTable(columns, rows, empty="Je hebt nog niet geoefend.").value
        values = [a.mean_abs_deviation for a in attempts if a.mean_abs_deviation is not None]
        if not values:
            self._curve.value = "<p>De leercurve verschijnt na je eerste poging.</p>"
        else:
            self._curve.value = (
                "<p>Gemiddelde absolute afwijking van de expertconsensus per poging (lager is beter).</p>"
                + learning_curve_svg(values))
