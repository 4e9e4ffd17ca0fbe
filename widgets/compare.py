"""The "Beoordelingen vergelijken" panel: a group's scores against the expert consensus.

:class:`ComparePanel` takes plain data (the choices) and a callback that computes a
:class:`~oefenkit.compare.Comparison`; it never touches the database. Every text it
shows is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence

import ipywidgets as w

from oefenkit.compare import BAND_COLOURS, BAND_LABELS, MIN_CLIPS_FOR_ICC, Comparison
from oefenkit.compare_export import CSV_ENCODING, to_csv, to_xlsx
from oefenkit.errors import OefenkitError

from .formatting import fmt
from .notice import Notice
from .statistics_link import statistics_link_html

__all__ = [
    "ComparePanel",
    "bland_altman_svg",
    "clips_html",
    "export_links_html",
    "fmt",
    "matrix_html",
    "notes_html",
    "raters_html",
]

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NO_RATINGS = "Er zijn nog geen beoordelingen van deze groep op deze set en schaal."


def _e(value) -> str:
    return html.escape(str(value))


def _has_ratings(c: Comparison) -> bool:
    return any(cell.score is not None for row in c.matrix for cell in row.cells)


def matrix_html(c: Comparison) -> str:
    """Raters × clips, each cell in its band's colour with the deviation as its title; a consensus row."""
    if not c.matrix:
        return f"<p class='ok-compare-empty'>{_e('Deze groep heeft nog geen cursisten; er zijn nog geen beoordelingen.')}</p>"
    cons = c.consensus_scores
    head = "<th>Beoordelaar</th>" + "".join(f"<th scope='col'>{_e(k.title)}</th>" for k in c.cases)
    rows = []
    for row in c.matrix:
        tds = []
        for cell in row.cells:
            if cell.score is None:
                tds.append("<td class='ok-cell ok-cell-empty' title='niet gescoord'>·</td>")
                continue
            style = ""
            if cell.band is not None:
                style = f" style='background:#{BAND_COLOURS[cell.band]}'"
            title = ("geen consensus" if cell.deviation is None
                     else f"afwijking {fmt(cell.deviation, signed=True)} ({BAND_LABELS[cell.band]})")
            note = "<sup>*</sup>" if cell.has_note else ""
            band_cls = f" ok-band-{cell.band}" if cell.band else ""
            tds.append(f"<td class='ok-cell{band_cls}'{style} title='{_e(title)}' "
                       f"data-case='{_e(cell.case)}'>{cell.score}{note}</td>")
        rows.append(f"<tr class='ok-compare-row' data-rater='{_e(row.username)}'>"
                    f"<th>{_e(row.display_name)}</th>{''.join(tds)}</tr>")
    cons_row = "<tr class='ok-compare-consensus'><th>Consensus</th>" + "".join(
        f"<td>{_e(fmt(cons.get(k.code), 1))}</td>" for k in c.cases) + "</tr>"
    legend = " ".join(
        f"<span style='background:#{BAND_COLOURS[b]};padding:0 .4rem'>{_e(BAND_LABELS[b])}</span>"
        for b in BAND_COLOURS)
    empty = "" if _has_ratings(c) else f"<p class='ok-compare-empty'>{_e(NO_RATINGS)}</p>"
    return (f"{empty}<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}{cons_row}</tbody></table>"
            f"<p class='ok-legend'>Afwijking van de consensus: {legend} · <sup>*</sup> met toelichting</p>")


def _extremes(r) -> str:
    if r.extremes_recognised is None:
        return "–"
    parts = [fmt(r.extremes_recognised, percent=True)]
    if r.low_consensus_items is not None and r.high_consensus_items is not None:
        parts.append(f"(laag {r.low_recognised}/{r.low_consensus_items}, hoog {r.high_recognised}/"
                     f"{r.high_consensus_items})")
    return " ".join(parts)


def _icc(r) -> str:
    """ICC(A,1), or why it is not shown (too few clips: :data:`~oefenkit.compare.MIN_CLIPS_FOR_ICC`)."""
    if r.icc_a1 is None and 0 < r.n < MIN_CLIPS_FOR_ICC:
        return f"niet berekend (te weinig fragmenten: {r.n} van minstens {MIN_CLIPS_FOR_ICC})"
    return fmt(r.icc_a1)


#: One line per statistic of this page, for trainers (shown under "Wat betekenen deze getallen?").
STATISTIC_HELP = {
    "ICC(A,1)": "Intraclass-correlatie van de scores van de cursist met de expertscore: gaan ze samen op en neer "
                "én liggen ze even hoog? 1 is perfect, 0 is toeval; vanaf ongeveer 0,70 is het goed. Pas vanaf "
                f"{MIN_CLIPS_FOR_ICC} fragmenten berekend.",
    "Binnen één punt": "Het deel van de fragmenten waarbij de score hoogstens 1 punt van de expertscore afligt.",
    "Gemiddeld verschil": "Hoeveel punten de cursist gemiddeld hoger (+) of lager (−) scoort dan de experts.",
    "Uitersten herkend": "Van de fragmenten die de experts heel laag (1–2) of heel hoog (8–9) scoorden: het deel "
                         "dat de cursist ook zo laag of hoog scoorde.",
    "Bland-Altman-plot": "Per fragment het verschil met de expertscore (verticaal) tegen het gemiddelde van beide "
                         "(horizontaal); de stippellijnen zijn het gemiddelde verschil en de grenzen waarbinnen "
                         "95 % van de verschillen valt.",
}


def help_html() -> str:
    """The explanations of the statistics, folded."""
    items = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in STATISTIC_HELP.items())
    return (f"<details class='ok-compare-help'><summary>Wat betekenen deze getallen?</summary>"
            f"<dl>{items}</dl></details>")


def raters_html(c: Comparison) -> str:
    """Per rater: scored clips, ICC(A,1), within one point, mean difference, extremes."""
    if not c.per_rater:
        return ""
    head = "".join(f"<th>{h}</th>" for h in
                   ("Beoordelaar", "Gescoord", "ICC(A,1)", "Binnen één punt", "Gemiddeld verschil",
                    "Uitersten herkend", "Opmerkingen"))
    body = "".join(
        f"<tr><td>{_e(r.display_name)}</td><td>{r.n_scored}</td><td class='ok-compare-icc'>{_e(_icc(r))}</td>"
        f"<td>{_e(fmt(r.within_one, percent=True))}</td><td>{_e(fmt(r.bias, signed=True))}</td>"
        f"<td>{_e(_extremes(r))}</td><td>{_e(' '.join(r.warnings))}</td></tr>"
        for r in c.per_rater)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{help_html()}"


def clips_html(c: Comparison) -> str:
    """Per clip: consensus, experts' spread, the raters' mean, spread and SD."""
    head = "".join(f"<th>{h}</th>" for h in
                   ("Fragment", "Consensus", "Spreiding experts", "Cursisten", "Gemiddelde",
                    "Spreiding", "SD"))
    body = "".join(
        f"<tr><td>{_e(k.title)}</td><td>{_e(fmt(k.consensus, 1))}</td>"
        f"<td>{_e(fmt(k.expert_spread))}</td><td>{k.n}</td><td>{_e(fmt(k.mean))}</td>"
        f"<td>{_e(fmt(k.spread))}</td><td>{_e(fmt(k.sd))}</td></tr>"
        for k in c.per_clip)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def notes_html(c: Comparison, username: str | None) -> str:
    """The notes of one rater per clip (escaped)."""
    if username is None:
        return "<p>Kies een beoordelaar om de toelichtingen te zien.</p>"
    try:
        row = c.row(username)
    except KeyError:
        return "<p>Onbekende beoordelaar.</p>"
    titles = {k.code: k.title for k in c.cases}
    items = []
    for cell in row.cells:
        if cell.score is None:
            continue
        note = c.notes.get((username, cell.case), "")
        text = _e(note) if note else "<em>geen toelichting</em>"
        items.append(f"<li><strong>{_e(titles.get(cell.case, cell.case))}</strong> — score "
                     f"{cell.score}: {text}</li>")
    if not items:
        return f"<p>{_e(row.display_name)} heeft nog geen fragment van deze set gescoord.</p>"
    return f"<h4>Toelichtingen van {_e(row.display_name)}</h4><ul>{''.join(items)}</ul>"


def bland_altman_svg(c: Comparison, username: str | None, *, width: int = 480, height: int = 280) -> str:
    """An inline SVG Bland–Altman plot (rater − consensus against their mean) for one rater."""
    if username is None or username not in c.bland_altman:
        return ""
    view = c.bland_altman[username]
    if not view.points:
        return f"<p>{_e(' '.join(view.warnings) or 'Geen punten om te tekenen.')}</p>"
    lo_x, hi_x = float(c.scale_min), float(c.scale_max)
    ys = [d for _, _, d in view.points]
    if view.loa is not None:
        ys += list(view.loa)
    span = max(1.0, max(abs(y) for y in ys)) + 0.5
    left, right, top, bottom = 44, 12, 12, 34
    pw, ph = width - left - right, height - top - bottom

    def x(v: float) -> float:
        return left + (v - lo_x) / max(hi_x - lo_x, 1e-9) * pw

    def y(v: float) -> float:
        return top + (span - v) / (2 * span) * ph

    parts = [(f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
              f"role='img' aria-label='Bland-Altman-plot'>"),
             f"<rect x='{left}' y='{top}' width='{pw}' height='{ph}' fill='#fff' stroke='#d9e2ec'/>",
             f"<line x1='{left}' x2='{left + pw}' y1='{y(0):.1f}' y2='{y(0):.1f}' stroke='#9aa5b1'/>"]
    for t in range(int(lo_x), int(hi_x) + 1):
        parts.append(f"<text x='{x(t):.1f}' y='{height - 18}' font-size='10' text-anchor='middle'>{t}</text>")
    for t in range(-int(span), int(span) + 1):
        parts.append(f"<text x='{left - 6}' y='{y(t) + 3:.1f}' font-size='10' text-anchor='end'>{t}</text>")
    if view.result is not None:
        lines = [(view.bias, "#0b5566", "gemiddeld verschil"), (view.loa[0], "#9b1c1c", "ondergrens"),
                 (view.loa[1], "#9b1c1c", "bovengrens")]
        for value, colour, label in lines:
            parts.append(f"<line class='ok-ba-line' x1='{left}' x2='{left + pw}' y1='{y(value):.1f}' "
                         f"y2='{y(value):.1f}' stroke='{colour}' stroke-dasharray='4 3'>"
                         f"<title>{_e(label)} {_e(fmt(value))}</title></line>")
    titles = {k.code: k.title for k in c.cases}
    for case, mean, diff in view.points:
        parts.append(f"<circle class='ok-ba-point' cx='{x(mean):.1f}' cy='{y(diff):.1f}' r='4' fill='#0b7285'>"
                     f"<title>{_e(titles.get(case, case))}: gemiddelde {_e(fmt(mean))}, verschil {_e(fmt(diff, signed=True))}"
                     f"</title></circle>")
    parts.append(f"<text x='{left + pw / 2:.1f}' y='{height - 4}' font-size='11' text-anchor='middle'>"
                 f"gemiddelde van beoordelaar en consensus</text>")
    parts.append("</svg>")
    caption = ""
    if view.result is not None:
        caption = (f"<p>Gemiddeld verschil {_e(fmt(view.bias, signed=True))}; grenzen van overeenstemming "
                   f"{_e(fmt(view.loa[0]))} tot {_e(fmt(view.loa[1]))}.</p>")
    elif view.warnings:
        caption = f"<p>{_e(' '.join(view.warnings))}</p>"
    return "".join(parts) + caption


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def export_links_html(c: Comparison) -> str:
    """Download links (data: URLs) for the CSV (UTF-8 with BOM) and the Excel workbook."""
    csv_url = _data_url("text/csv;charset=utf-8", to_csv(c).encode(CSV_ENCODING))
    xlsx_url = _data_url(XLSX_MIME, to_xlsx(c))
    return (f"<a class='ok-export-csv' download='vergelijking.csv' href='{csv_url}'>Download CSV</a> · "
            f"<a class='ok-export-xlsx' download='vergelijking.xlsx' href='{xlsx_url}'>Download Excel</a>")


class ComparePanel(w.VBox):
    """Choose group, set and scale, press "Toon", and see the comparison.

    ``groups``: group names; ``sets`` and ``scales``: (label, code) pairs;
    ``compute(group, set_code, scale_code)`` returns a :class:`Comparison` (or raises an
    :class:`~oefenkit.errors.OefenkitError`, shown as a Dutch message).
    """

    def __init__(self, groups: Sequence[str], sets: Sequence[tuple[str, str]], scales: Sequence[tuple[str, str]],
                 compute: Callable[[str, str, str], Comparison] | None = None):
        self._compute = compute
        self.comparison: Comparison | None = None
        self.group = w.Dropdown(options=list(groups), description="Groep")
        self.group.add_class("ok-compare-group")
        self.case_set = w.Dropdown(options=list(sets), description="Set")
        self.case_set.add_class("ok-compare-set")
        self.scale = w.Dropdown(options=list(scales), description="Schaal")
        self.scale.add_class("ok-compare-scale")
        self.show_button = w.Button(description="Toon", button_style="primary",
                                    disabled=not (groups and sets and scales))
        self.show_button.add_class("ok-compare-show")
        self.show_button.on_click(self._on_show)
        self.message = w.Box()
        self.warnings = w.HTML()
        self.warnings.add_class("ok-compare-warnings")
        self.matrix = w.HTML()
        self.matrix.add_class("ok-table")
        self.matrix.add_class("ok-compare-table")
        self.raters = w.HTML()
        self.raters.add_class("ok-table")
        self.raters.add_class("ok-compare-raters")
        self.clips = w.HTML()
        self.clips.add_class("ok-table")
        self.clips.add_class("ok-compare-clips")
        self.rater = w.Dropdown(options=[], description="Beoordelaar")
        self.rater.add_class("ok-compare-rater")
        self.rater.observe(self._on_rater, names="value")
        self.notes = w.HTML()
        self.notes.add_class("ok-compare-notes")
        self.plot = w.HTML()
        self.plot.add_class("ok-compare-bland-altman")
        self.exports = w.HTML()
        self.exports.add_class("ok-compare-exports")
        self.result = w.VBox([
            self.warnings, w.HTML(statistics_link_html()), w.HTML("<h2>Scores per fragment</h2>"), self.matrix,
            self.exports,
            w.HTML("<h2>Per beoordelaar</h2>"), self.raters,
            w.HTML("<h2>Per fragment</h2>"), self.clips,
            w.HTML("<h2>Toelichtingen en Bland-Altman</h2>"), self.rater, self.notes, self.plot,
        ], layout=w.Layout(display="none"))
        self.result.add_class("ok-compare-result")
        chooser = w.HBox([self.group, self.case_set, self.scale, self.show_button],
                         layout=w.Layout(flex_flow="row wrap", align_items="center"))
        children = [chooser, self.message, self.result]
        if not groups:
            self.message.children = (Notice("Er zijn nog geen groepen om te vergelijken."),)
        super().__init__(children)
        self.add_class("ok-compare")

    def _on_show(self, _button=None) -> None:
        if self._compute is None or self.group.value is None:
            return
        self.message.children = ()
        try:
            result = self._compute(self.group.value, self.case_set.value, self.scale.value)
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            self.result.layout.display = "none"
            return
        self.show(result)

    def show(self, c: Comparison) -> None:
        """Show a computed comparison."""
        self.comparison = c
        self.warnings.value = "".join(f"<p class='ok-muted'>{_e(t)}</p>" for t in c.warnings)
        self.matrix.value = matrix_html(c)
        self.raters.value = raters_html(c)
        self.clips.value = clips_html(c)
        self.exports.value = export_links_html(c)
        options = [(r.display_name, r.username) for r in c.matrix]
        self.rater.unobserve(self._on_rater, names="value")
        self.rater.options = options
        self.rater.value = options[0][1] if options else None
        self.rater.observe(self._on_rater, names="value")
        self._on_rater()
        self.result.layout.display = None

    def _on_rater(self, _change=None) -> None:
        if self.comparison is None:
            return
        username = self.rater.value
        self.notes.value = notes_html(self.comparison, username)
        self.plot.value = bland_altman_svg(self.comparison, username)
