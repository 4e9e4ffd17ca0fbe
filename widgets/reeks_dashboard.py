"""The figures of Babytijd reeksen (issue 20): the reeks dashboard in the app Babytijd-reeks, the
pooled figures of the terugkomdag round ``cijfers`` (projector and phones), and the download links of
the yearly report.

Plain data in, HTML out; no database access. The page turns the core's value types into the plain
dicts these functions take (:func:`oefenkit_widgets.pages.babytijd_reeks.dashboard_view`); the
``cijfers`` round carries its figures as the JSON snapshot stored with the round
(:func:`oefenkit.storage.session_figures.figures_snapshot`). Nothing here ever shows an opvoeder's code
or an uitvoerder's name. Hooks: ``docs/ui-hooks.md`` (``ok-reeks-dashboard``, ``ok-change-…``,
``ok-figures-…``).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

from oefenkit.babytijd import MEASUREMENT_LABELS as KIND_LABELS

from .formatting import fmt

__all__ = ["dashboard_html", "change_chart_svg", "figures_html", "report_links", "XLSX_MIME"]

_esc = html.escape
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAR = "#2e6da4"
WHISKER = "#1f2933"


def _num(value: Any, digits: int = 2, *, signed: bool = False) -> str:
    """A number in Dutch notation (decimal comma), or a dash when there is none."""
    if value is None:
        return "–"
    return fmt(value, digits, signed=signed)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{fmt(100 * value, 0)} %"


def _table(caption: str, head: Sequence[str], rows: Sequence[str], css: str) -> str:
    return (f"<div class='ok-table {css}'><div class='ok-table-scroll' tabindex='0' role='region' "
            f"aria-label='{_esc(caption, quote=True)}'><table><caption>{_esc(caption)}</caption><thead><tr>"
            + "".join(f"<th>{_esc(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div></div>")


def change_chart_svg(changes: Sequence[Mapping[str, Any]], *, limit: float | None = None) -> str:
    """A bar per subgoal and measurement (the mean paired change), with the 95 % CI as a whisker and a
    zero line; rows without a mean are drawn empty with "geen paren". ``limit``: half the x range
    (default: the largest |value|, at least 1)."""
    if not changes:
        return ""
    values = [abs(v) for c in changes for v in (c.get("mean"), c.get("ci_low"), c.get("ci_high")) if v is not None]
    half = limit or max([1.0, *values])
    label_w, plot_w, row_h = 190, 260, 26
    width, height = label_w + plot_w + 70, row_h * len(changes) + 34
    zero = label_w + plot_w / 2

    def x(v: float) -> float:
        return zero + (max(-half, min(half, v)) / half) * (plot_w / 2)

    parts = [f"<svg class='ok-change-chart' role='img' viewBox='0 0 {width} {height}' width='100%' "
             f"style='max-width:{width}px' aria-label='Gemiddelde verandering per subdoel met 95 %-betrouwbaarheids"
             "interval'>",
             f"<line x1='{zero}' y1='4' x2='{zero}' y2='{height - 26}' stroke='#767676' stroke-width='1'/>",
             f"<text x='{zero}' y='{height - 8}' font-size='11' text-anchor='middle'>0</text>",
             f"<text x='{label_w}' y='{height - 8}' font-size='11' text-anchor='start'>−{_num(half, 1)}</text>",
             f"<text x='{label_w + plot_w}' y='{height - 8}' font-size='11' text-anchor='end'>+{_num(half, 1)}</text>"]
    for k, c in enumerate(changes):
        y = 6 + k * row_h
        label = f"{c.get('subgoal_label', c.get('subgoal', ''))} · {c.get('kind_short', c.get('kind', ''))}"
        parts.append(f"<g class='ok-change-bar' data-subgoal='{_esc(str(c.get('subgoal', '')), quote=True)}' "
                     f"data-kind='{_esc(str(c.get('kind', '')), quote=True)}'>"
                     f"<text x='{label_w - 6}' y='{y + 15}' font-size='12' text-anchor='end'>{_esc(label[:34])}</text>")
        mean = c.get("mean")
        if mean is None:
            parts.append(f"<text x='{zero + 4}' y='{y + 15}' font-size='11' fill='#52606d'>geen paren</text></g>")
            continue
        left, right = sorted((x(0), x(mean)))
        parts.append(f"<rect x='{left:.1f}' y='{y + 4}' width='{max(right - left, 1.5):.1f}' height='14' "
                     f"fill='{BAR}'><title>{_esc(label)}: {_num(mean, signed=True)}</title></rect>")
        if c.get("ci_low") is not None and c.get("ci_high") is not None:
            lo, hi = x(c["ci_low"]), x(c["ci_high"])
            parts.append(f"<line x1='{lo:.1f}' y1='{y + 11}' x2='{hi:.1f}' y2='{y + 11}' stroke='{WHISKER}' "
                         f"stroke-width='2'/><line x1='{lo:.1f}' y1='{y + 5}' x2='{lo:.1f}' y2='{y + 17}' "
                         f"stroke='{WHISKER}' stroke-width='2'/><line x1='{hi:.1f}' y1='{y + 5}' x2='{hi:.1f}' "
                         f"y2='{y + 17}' stroke='{WHISKER}' stroke-width='2'/>")
        parts.append(f"<text x='{label_w + plot_w + 6}' y='{y + 15}' font-size='12'>{_num(mean, signed=True)}</text></g>")
    return "".join(parts) + "</svg>"


def _change_rows(changes: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for c in changes:
        ci = (f"{_num(c.get('ci_low'), signed=True)} tot {_num(c.get('ci_high'), signed=True)}"
              if c.get("ci_low") is not None else "– (te weinig paren)" if c.get("n", 0) < 2 else "–")
        rows.append(f"<tr class='ok-change-row' data-subgoal='{_esc(str(c.get('subgoal', '')), quote=True)}' "
                    f"data-kind='{_esc(str(c.get('kind', '')), quote=True)}'>"
                    f"<th>{_esc(str(c.get('subgoal_label', c.get('subgoal', ''))))}</th>"
                    f"<td>{_esc(str(c.get('kind_label', c.get('kind', ''))))}</td>"
                    f"<td class='ok-change-n'>{c.get('n', 0)}</td>"
                    f"<td class='ok-change-mean'>{_num(c.get('mean'), signed=True)}</td>"
                    f"<td class='ok-change-ci'>{ci}</td></tr>")
    return rows


def dashboard_html(view: Mapping[str, Any], *, title: str = "Overzicht van de reeks") -> str:
    """The reeks (or uitvoerder) dashboard: reach, mean attendance, the share with at least ``goal``
    meetings, the absence reasons, and per subgoal the paired change from the nulmeting (table and chart).

    ``view``: ``reach``, ``mean_attended``, ``share_goal`` (0–1), ``goal``, ``meetings``, ``absences``
    [(label, count)], ``changes`` [dicts with ``subgoal``, ``subgoal_label``, ``kind``, ``kind_label``,
    ``n``, ``mean``, ``ci_low``, ``ci_high``]."""
    goal, meetings = view.get("goal", 10), view.get("meetings", 16)
    summary = _table("Bereik en aanwezigheid", ["", ""], [
        f"<tr><th>Bereik (opvoeders)</th><td class='ok-reeks-reach'>{view.get('reach', 0)}</td></tr>",
        f"<tr><th>Gemiddeld aanwezig</th><td class='ok-reeks-mean-attended'>{_num(view.get('mean_attended'), 1)}"
        f" van {meetings} bijeenkomsten</td></tr>",
        f"<tr><th>Aandeel met {goal} of meer bijeenkomsten</th><td class='ok-reeks-share-goal'>"
        f"{_share(view.get('share_goal'))}</td></tr>"], "ok-reeks-summary")
    absences = list(view.get("absences") or [])
    absence = (_table("Redenen van afwezigheid", ["Reden", "Aantal keer"],
                      [f"<tr class='ok-absence-row'><th>{_esc(label)}</th><td>{n}</td></tr>" for label, n in absences],
                      "ok-reeks-absences")
               if absences else "<p class='ok-reeks-absences'>Nog geen afwezigheid geregistreerd.</p>")
    changes = list(view.get("changes") or [])
    if changes:
        change = (_table("Verandering per subdoel ten opzichte van de nulmeting",
                         ["Subdoel", "Meting", "n (paren)", "Gemiddelde verandering", "95 %-betrouwbaarheidsinterval"],
                         _change_rows(changes), "ok-reeks-changes")
                  + "<p><small>Per opvoeder met beide metingen: latere score min nulmeting. Een positief getal "
                    "betekent een hogere score. Het interval (t-verdeling) is er vanaf twee paren; bij weinig "
                    "opvoeders is het breed.</small></p>" + change_chart_svg(changes))
    else:
        change = "<p class='ok-reeks-changes'>Nog geen metingen om te vergelijken.</p>"
    return (f"<section class='ok-reeks-dashboard'><h2>{_esc(title)}</h2>{summary}<h3>Afwezigheid</h3>{absence}"
            f"<h3>Verandering per subdoel</h3>{change}</section>")


# -- the cijfers round ------------------------------------------------------------------------------


def _cell_row(c: Mapping[str, Any], *, share: bool = False, count: bool = False) -> str:
    """One pooled cell: its value (a share as a percentage, a count whole) and the opvoeders behind it,
    or, suppressed, only its Dutch reason."""
    label = _esc(str(c.get("label", "")))
    if c.get("suppressed"):
        return (f"<tr class='ok-figures-row ok-figures-suppressed'><th>{label}</th><td colspan='2'>"
                f"{_esc(str(c.get('reason') or 'Niet getoond: minder dan 5 opvoeders.'))}</td></tr>")
    value = c.get("value")
    shown = (_share(value) if share else _num(value, 0) if count else _num(value, 2, signed=c.get("ci_low") is not None))
    ci = (f" <small>(95 %-interval {_num(c.get('ci_low'), signed=True)} tot {_num(c.get('ci_high'), signed=True)})"
          "</small>" if c.get("ci_low") is not None and c.get("ci_high") is not None else "")
    return (f"<tr class='ok-figures-row ok-figures-shown'><th>{label}</th><td class='ok-figures-value'>{shown}{ci}</td>"
            f"<td class='ok-figures-n'>{c.get('n', 0)}</td></tr>")


def figures_html(figures: Mapping[str, Any] | None, kind_labels: Mapping[str, str] | None = None) -> str:
    """The pooled figures of a ``cijfers`` round (the snapshot of ``PooledFigures``): reach and
    attendance, the absence reasons, and per later measurement the change per subgoal since the
    nulmeting. Each row says how many opvoeders are behind it; a suppressed one shows its Dutch reason
    instead of a value. The same on the projector and the phones."""
    figures = figures or {}
    labels = dict(kind_labels or KIND_LABELS)
    overview = list(figures.get("overview") or [])
    absences = list(figures.get("absence_reasons") or [])
    changes = {k: list(v) for k, v in (figures.get("changes") or {}).items() if v}
    intro = (f"<p class='ok-figures-scope'>Samengenomen: {figures.get('reeksen', 0)} reeks(en) van "
             f"{figures.get('uitvoerders', 0)} uitvoerder(s), zonder namen of codes.</p>")
    if not overview or not figures.get("reeksen"):
        return (f"<div class='ok-figures'>{intro}<p class='ok-figures-empty'>Er zijn nog geen cijfers van de "
                "uitvoerders die meedoen: niemand van hen heeft een Babytijd-reeks met opvoeders.</p></div>")
    head = ["Cijfer", "Waarde", "Opvoeders"]
    parts = [_table("Bereik en aanwezigheid", head,
                    [_cell_row(c, share=k == 2, count=k == 0) for k, c in enumerate(overview)], "ok-figures-table")]
    if absences:
        parts.append(_table("Redenen van afwezigheid (aantal keer)", head,
                            [_cell_row(c, count=True) for c in absences], "ok-figures-table"))
    for kind, cells in changes.items():
        title = f"Verandering per subdoel sinds de nulmeting: {labels.get(kind, kind)}"
        if all(c.get("suppressed") for c in cells):  # one line, not eight times the same reason
            cells = [{"label": "Alle subdoelen", "suppressed": True, "reason": cells[0].get("reason")}]
        parts.append(_table(title, head, [_cell_row(c) for c in cells], "ok-figures-table"))
    cells = [*overview, *absences, *(c for v in changes.values() for c in v)]
    note = ("<p class='ok-figures-note'>Cijfers over minder dan vijf opvoeders tonen we niet: dan zou iemand uit "
            "de groep herkenbaar kunnen zijn.</p>" if any(c.get("suppressed") for c in cells) else "")
    return f"<div class='ok-figures'>{intro}{''.join(parts)}{note}</div>"


# -- the yearly report --------------------------------------------------------------------------------


def _data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def report_links(year: int, csv_data: bytes, xlsx_data: bytes) -> str:
    """Download links (``data:`` URLs, as in Beoordelingen vergelijken) of the yearly report."""
    name = f"babytijd-jaarrapport-{year}"
    return (f"<p class='ok-reeks-report-links'><a class='ok-report-csv' download='{name}.csv' "
            f"href='{_data_url('text/csv;charset=utf-8', csv_data)}'>Download CSV</a> · "
            f"<a class='ok-report-xlsx' download='{name}.xlsx' href='{_data_url(XLSX_MIME, xlsx_data)}'>"
            "Download Excel</a></p>")
