"""Terugkomdag leiden: the trainer's page, which is also what the projector shows.

Create a session from the session set, show its join code (big) and a QR code,
move through the rounds, and show how the room scored: a live count,
histograms per scale, median, mean and spread, the room's Krippendorff's alpha,
outliers without names, the expert score and rationale after the reveal, and
discussion prompts. No participant's name ever appears here. A reload of the
page re-attaches to the trainer's open session.

A day follows a round plan of the content (the Babytijd terugkomdag: situations, questions and
exchange, :mod:`oefenkit_widgets.rounds`) or, as before, the clips of the session set; "Ronde toevoegen"
adds a round from the content or a typed one.

Hooks (``docs/ui-hooks.md``): ``ok-dashboard``, ``ok-session-create``, ``ok-session-plan``,
``ok-round-next``, ``ok-round-add`` (and those of :mod:`oefenkit_widgets.rounds`),
``ok-join-code``, ``ok-qr``, ``ok-round-open``, ``ok-round-close``,
``ok-reveal``, ``ok-session-close``, ``ok-dashboard-count``, ``ok-dashboard-stats``,
``ok-histogram``, ``ok-alpha``, ``ok-outliers``, ``ok-expert``, ``ok-prompts``,
``ok-session-report``.
"""

from __future__ import annotations

import base64
import html
import io
import os
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urljoin

import ipywidgets as w
import segno

from oefenkit.certification import load_rules
from oefenkit.dutch import count
from oefenkit.errors import OefenkitError
from oefenkit.example_situations import load_example_situations
from oefenkit.programmes import load_paths
from oefenkit.rounds import KIND_LABELS, load_round_plans
from oefenkit.sessions import MAX_EXPECTED, load_prompts, prompts_by_scale, report_html
from oefenkit.settings import load_settings

from .confirm import ConfirmButton
from .formatting import fixed, local_time
from .notice import Notice
from .rounds import RoundPicker, round_answers_html, round_status
from .session import LivePoller
from .statistics_link import statistics_link_html

__all__ = ["DashboardPage", "dashboard_page", "histogram_html", "qr_svg", "participant_url"]

_esc = html.escape
PARTICIPANT_APP = "/voila/render/training/terugkomdag.ipynb"


def participant_url(code: str, request_url: str | None = None) -> str:
    """The participant app's URL with the code, absolute when the page knows its own address."""
    request_url = os.environ.get("VOILA_REQUEST_URL", "") if request_url is None else request_url
    path = f"{PARTICIPANT_APP}?code={code}"
    return urljoin(request_url, path) if request_url else path


def qr_svg(text: str, scale: int = 6) -> str:
    """An inline SVG QR code of ``text`` (segno, pure Python)."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                     title="QR-code om mee te doen")
    return out.getvalue().decode("utf-8")


GROUP_COLOUR = "#2e6da4"
EXPERT_COLOUR = "#a61b1b"


def histogram_html(stats) -> str:
    """An SVG bar chart of one scale's scores (1–9), with axis labels and a legend.

    Each count stands centred above its own bar (an SVG ``text`` at the bar's centre). After the
    reveal the expert's point is always marked — a dashed frame over the full height of its column
    and the word "expert" under the axis — also when nobody chose that point.
    """
    points = list(range(stats.scale_min, stats.scale_min + len(stats.histogram)))
    top = max(stats.histogram) or 1
    col, left, plot_h, top_pad = 36, 44, 130, 18
    width = left + col * len(points) + 8
    base = top_pad + plot_h
    parts = [f"<line x1='{left}' y1='{base}' x2='{width - 4}' y2='{base}' stroke='#333'/>",
             f"<line x1='{left}' y1='{top_pad}' x2='{left}' y2='{base}' stroke='#333'/>"]
    for k, (point, n) in enumerate(zip(points, stats.histogram)):
        x = left + k * col
        cx = x + col / 2
        is_expert = stats.expert == point
        css = "ok-hist-col ok-hist-expert" if is_expert else "ok-hist-col"
        height = round(plot_h * n / top)
        cell = []
        if is_expert:
            cell.append(f"<rect x='{x + 2}' y='{top_pad - 14}' width='{col - 4}' height='{plot_h + 14}' fill='none' "
                        f"stroke='{EXPERT_COLOUR}' stroke-width='2.5' stroke-dasharray='5 3'/>")
        if n:
            cell.append(f"<rect x='{x + 6}' y='{base - height}' width='{col - 12}' height='{height}' "
                        f"fill='{EXPERT_COLOUR if is_expert else GROUP_COLOUR}'/>")
        cell.append(f"<text class='ok-hist-count' x='{cx}' y='{base - height - 4}' text-anchor='middle' "
                    f"font-size='14' font-weight='bold'>{n}</text>")
        cell.append(f"<text class='ok-hist-point' x='{cx}' y='{base + 16}' text-anchor='middle' font-size='14'>"
                    f"{point}</text>")
        if is_expert:
            cell.append(f"<text x='{cx}' y='{base + 30}' text-anchor='middle' font-size='11' "
                        f"fill='{EXPERT_COLOUR}'>expert</text>")
        parts.append(f"<g class='{css}'>{''.join(cell)}</g>")
    parts.append(f"<text x='{left + col * len(points) / 2}' y='{base + 46}' text-anchor='middle' "
                 "font-size='13'>Score</text>")
    parts.append(f"<text x='14' y='{top_pad + plot_h / 2}' text-anchor='middle' font-size='13' "
                 f"transform='rotate(-90 14 {top_pad + plot_h / 2})'>Aantal deelnemers</text>")
    height_px = base + 54
    label = f"Verdeling van de scores op {stats.scale_name}" if stats.scale_name else "Verdeling van de scores"
    if stats.expert is not None:
        label += f"; expertscore {stats.expert}"
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height_px}' width='{width}' "
           f"height='{height_px}' style='max-width:100%;height:auto' role='img' aria-label='{_esc(label, quote=True)}'>{''.join(parts)}</svg>")
    legend = (f"<span style='display:inline-block;width:.9rem;height:.9rem;background:{GROUP_COLOUR};"
              "vertical-align:middle'></span> scores van de groep")
    if stats.expert is not None:
        legend += (f" &nbsp; <span style='display:inline-block;width:.8rem;height:.8rem;border:2px dashed "
                   f"{EXPERT_COLOUR};vertical-align:middle'></span> expertscore ({stats.expert})")
    return (f"<div class='ok-histogram'>{svg}<p class='ok-hist-legend' style='margin:.2rem 0'>{legend}</p></div>")


#: Prefilled "Verwacht aantal deelnemers": a usual terugkomdag group.
DEFAULT_EXPECTED = 15


class DashboardPage(w.VBox):
    """The trainer's page. ``verbs`` are the façade's calls bound to the trainer:
    ``create(expected, plan_code)``, ``current()``, ``state(id)``, ``token(id)``,
    ``open_round(id, **which)`` (``which``: as ``SessionsService.open_round``), ``close_round(id)``, ``reveal(id)``,
    ``close(id)`` and ``report(id)`` (HTML).
    ``prompts`` are the discussion prompts (:func:`oefenkit.sessions.load_prompts`); ``plans`` the round
    plans (:func:`oefenkit.rounds.load_round_plans`) offered under "Soort dag"; ``situations`` the
    Babytijd voorbeeldsituaties a trainer can add as a round.
    """

    def __init__(self, verbs: dict[str, Callable], prompts: Sequence = (), *, plans: Sequence = (),
                 situations: Sequence = ()):
        self.verbs = verbs
        self.prompts = tuple(prompts)
        self.plans = tuple(plans)
        self.session_id: int | None = None
        self.state: dict[str, Any] | None = None

        self.create_button = w.Button(description="Nieuwe sessie starten", button_style="primary",
                                      layout=w.Layout(width="auto"))
        self.create_button.add_class("ok-session-create")
        self.create_button.on_click(lambda _b: self.create())
        # How many people the trainer expects: the server starts their pages' kernels ahead, so the
        # room opens "Terugkomdag: meedoen" in seconds once the code is on the screen.
        self.expected = w.BoundedIntText(value=DEFAULT_EXPECTED, min=1, max=MAX_EXPECTED,
                                         description="Verwacht aantal deelnemers",
                                         style={"description_width": "initial"},
                                         # room between the field and the button, for touch and the focus ring
                                         layout=w.Layout(width="17rem", margin="4px 0.75rem 4px 0"))
        self.expected.add_class("ok-session-expected")
        # What kind of day: clips only (an Ouder-baby opfrisdag or intervision, as before) or a round plan
        # of the content (the Babytijd terugkomdag: situations, questions, exchange).
        self.plan = w.Dropdown(description="Soort dag",
                               options=[("Fragmenten scoren (opfrisdag of intervisie)", None)]
                               + [(p.name, p.code) for p in self.plans],
                               value=None, style={"description_width": "initial"},
                               layout=w.Layout(width="auto", max_width="100%"), _dom_classes=("ok-session-plan",))
        self.code = w.HTML()
        self.code.add_class("ok-join-code")
        self.qr = w.HTML()
        self.qr.add_class("ok-qr")
        self.open_button = self._button("Volgende fragment", "ok-round-open", self.open_round, "primary")
        self.next_label = w.HTML(_dom_classes=("ok-round-next",))
        self.picker = RoundPicker(situations, self.add_round)
        self.close_button = self._button("Ronde sluiten", "ok-round-close", self.close_round)
        self.reveal_button = self._button("Expertscore tonen", "ok-reveal", self.reveal, "warning")
        self.finish_button = w.Button(description="Sessie afsluiten", button_style="danger",
                                      layout=w.Layout(width="auto"))
        # Closing cannot be undone (no more scoring, certificates renewed): ask first, inside the page.
        self.finish_confirm = ConfirmButton(
            self.finish_button, "ok-session-close",
            "Sessie afsluiten? Daarna kan niemand meer antwoorden. Wie meedeed, krijgt de terugkomdag "
            "vastgelegd (Babytijd) of een verlenging van het toetscertificaat.",
            "Ja, sessie afsluiten", self.finish)
        self.message = w.Box()
        self.count = w.HTML()
        self.count.add_class("ok-dashboard-count")
        self.round_title = w.HTML()
        self.stats = w.HTML()
        self.stats.add_class("ok-dashboard-stats")
        self.alpha = w.HTML()
        self.alpha.add_class("ok-alpha")
        self.expert = w.HTML()
        self.expert.add_class("ok-expert")
        self.prompt_box = w.HTML()
        self.prompt_box.add_class("ok-prompts")
        self.report = w.HTML()
        self.report.add_class("ok-session-report")
        self.controls = w.HBox([self.open_button, self.close_button, self.reveal_button, self.finish_confirm],
                               layout=w.Layout(flex_flow="row wrap"))
        # "Ronde toevoegen" opens the picker below the controls (a plain button: no accordion to learn).
        self.add_button = self._button("Ronde toevoegen", "ok-round-add-toggle", self.toggle_picker)
        self.picker.layout.display = "none"
        self.add_fold = w.VBox([self.add_button, self.picker], layout=w.Layout(align_items="flex-start"))
        self.live = w.VBox([w.HBox([self.code, self.qr], layout=w.Layout(align_items="center", flex_flow="row wrap")),
                            self.controls, self.next_label, self.add_fold,
                            self.count, self.round_title, self.stats, self.alpha, self.expert, self.prompt_box],
                           layout=w.Layout(display="none"))
        self.start_row = w.HBox([self.plan, self.expected, self.create_button],
                                layout=w.Layout(flex_flow="row wrap", align_items="center", padding="4px 2px"))
        super().__init__([self.start_row, self.message, self.live, self.report])
        self.add_class("ok-dashboard")
        self.poller = LivePoller(lambda: self.verbs["token"](self.session_id),
                                 lambda: self.verbs["state"](self.session_id), self.show)

    def _button(self, text: str, css: str, action: Callable[[], None], style: str = "") -> w.Button:
        b = w.Button(description=text, button_style=style, layout=w.Layout(width="auto"))
        b.add_class(css)
        b.on_click(lambda _b: action())
        return b

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.children = (Notice(text, kind=kind),) if text else ()

    def _do(self, verb: str, done: str = "") -> bool:
        try:
            self.verbs[verb](self.session_id)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return False
        self._say(done)
        self.refresh()
        return True

    # -- actions ------------------------------------------------------------------------------

    def attach(self, session_id: int) -> None:
        self.session_id = session_id
        self.start_row.layout.display = "none"
        self.live.layout.display = None
        self.report.value = ""
        self.refresh()
        self.poller.start(self.state["token"] if self.state else None)

    def create(self) -> None:
        try:
            created = self.verbs["create"](self.expected.value, self.plan.value)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return
        self._say("")
        self.attach(created["id"])

    def open_round(self) -> None:
        self._do("open_round")

    def add_round(self, which: dict[str, Any]) -> bool:
        """Start the round picked under "Ronde toevoegen" (:class:`oefenkit_widgets.rounds.RoundPicker`)."""
        try:
            self.verbs["open_round"](self.session_id, **which)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return False
        self._say("")
        self.picker.layout.display = "none"
        self.refresh()
        return True

    def toggle_picker(self) -> None:
        self.picker.layout.display = None if self.picker.layout.display == "none" else "none"

    def close_round(self) -> None:
        self._do("close_round", "De ronde is gesloten; scores zijn nu definitief.")

    def reveal(self) -> None:
        self._do("reveal")

    def finish(self) -> None:
        sid = self.session_id
        try:
            result = self.verbs["close"](sid)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return
        self.poller.stop()
        renewed = len(result["renewed"])
        recorded = len(result.get("attendance_recorded") or ())
        text = f"De sessie is afgesloten. {count(len(result['attended']), 'deelnemer heeft', 'deelnemers hebben')} meegedaan"
        if recorded:
            text += f"; bij {recorded} is de terugkomdag vastgelegd, die hun registratie actief houdt"
        if renewed or not recorded:
            text += f"; {renewed} certifica{'at is' if renewed == 1 else 'ten zijn'} verlengd"
        self._say(text + ".")
        self.refresh()
        self.live.layout.display = "none"
        self.start_row.layout.display = None
        self.show_report(sid)

    def show_report(self, session_id: int) -> None:
        page = self.verbs["report"](session_id)
        data = base64.b64encode(page.encode("utf-8")).decode("ascii")
        self.report.value = (f"<p><a class='ok-report-link' download='terugkomdag-verslag.html' "
                             f"href='data:text/html;charset=utf-8;base64,{data}'>Verslag downloaden (HTML)</a></p>")

    def refresh(self) -> None:
        if self.session_id is not None:
            self.show(self.verbs["state"](self.session_id))

    # -- rendering --------------------------------------------------------------------------------

    def show(self, state: dict[str, Any]) -> None:
        self.state = state
        code = state["join_code"]
        self.code.value = ("<div class='ok-join-code-value' style='font-size:3.2rem;font-weight:bold;"
                           f"letter-spacing:.4rem'>"
                           f"{_esc(code)}</div>"
                           "<p>Open <em>Terugkomdag: meedoen</em> en vul deze code in, of scan de QR-code.</p>")
        if not self.qr.value:
            self.qr.value = qr_svg(participant_url(code))
        rnd = state.get("round")
        kind = rnd.get("kind", "fragment") if rnd else None
        is_open = state["state"] == "open"
        nxt = state.get("next")
        planned = bool(state.get("planned"))
        self.open_button.description = "Volgende ronde" if planned else "Volgende fragment"
        self.open_button.disabled = not is_open or bool(rnd and rnd["open"]) or nxt is None
        self.next_label.value = (f"<p class='ok-round-next-text'>Volgende: {_esc(KIND_LABELS[nxt['kind']].lower())} – "
                                 f"{_esc(nxt['title'])}</p>" if nxt and is_open and planned else "")
        self.picker.update(state)
        self.add_fold.layout.display = None if is_open and not (rnd and rnd["open"]) else "none"
        self.close_button.disabled = not is_open or not (rnd and rnd["open"])
        self.reveal_button.description = {"vraag": "Juiste antwoord tonen",
                                          "situatie": "Aantekeningen tonen"}.get(kind, "Expertscore tonen")
        nothing_to_reveal = (kind in ("ervaring", "cijfers") or (kind == "vraag" and not rnd.get("has_answer"))
                             or (kind == "situatie" and not rnd.get("has_notes")))
        self.reveal_button.layout.display = "none" if nothing_to_reveal else None
        self.reveal_button.disabled = not rnd or rnd["open"] or rnd["revealed"]
        self.finish_button.disabled = not is_open
        submitted = rnd["submitted"] if rnd else 0
        self.count.value = (f"<p style='font-size:1.6rem'><span class='ok-count'>{submitted}</span> van "
                            f"{state['participants']} ingeleverd</p>")
        if rnd is None:
            first = "de eerste ronde" if planned else "het eerste fragment"
            self.round_title.value = (f"<p>{count(state['participants'], 'deelnemer', 'deelnemers')}. Start {first} "
                                      "als iedereen er is.</p>")
            self.stats.value = self.expert.value = self.prompt_box.value = ""
        elif kind != "fragment":
            where = "open" if rnd["open"] else ("gesloten, getoond" if rnd["revealed"] else "gesloten")
            self.round_title.value = (f"<p class='ok-round-kind'>{_esc(KIND_LABELS[kind])} · "
                                      f"{_esc(round_status(state, rnd))} <small>({where})</small></p>")
            self.stats.value = round_answers_html(rnd, state.get("answers"))
            self.expert.value = self.prompt_box.value = ""
        else:
            where = "open" if rnd["open"] else ("gesloten, expertscore getoond" if rnd["revealed"] else "gesloten")
            self.round_title.value = (f"<h2>{_esc(round_status(state, rnd))}: "
                                      f"{_esc(rnd['case_title'])} <small>({where})</small></h2>")
            self.stats.value = "".join(self._scale_html(s) for s in state["stats"])
            self.expert.value = "".join(
                f"<section><h3>Expertscore {_esc(s.scale_name)}: {s.expert}</h3><p>{_esc(s.rationale)}</p></section>"
                for s in state["stats"] if s.expert is not None)
            groups = prompts_by_scale(self.prompts, state["stats"], revealed=rnd["revealed"]) if self.prompts else []
            self.prompt_box.value = ("<h3>Om te bespreken</h3>" + "".join(
                f"<h4 class='ok-prompt-scale'>{_esc(name or 'Bij elk fragment')}</h4><ul>"
                + "".join(f"<li>{_esc(p)}</li>" for p in texts) + "</ul>" for name, texts in groups)) if groups else ""
        alpha = state["alpha"]
        if kind not in (None, "fragment") or (planned and alpha.raters == 0):
            self.alpha.value = ""  # the clips' agreement, only where clips are scored
            return
        self.alpha.value = ("<p><strong>Overeenstemming van de groep</strong> (Krippendorffs alfa, alle rondes tot nu "
                            "toe): " + (f"<span class='ok-alpha-value'>{fixed(alpha.value, 2)}</span>"
                                        if alpha.value is not None else _esc(alpha.reason)) + "</p>"
                            + statistics_link_html())

    @staticmethod
    def _scale_html(s) -> str:
        spread = "–" if s.minimum is None else f"{s.minimum}–{s.maximum}"
        outliers = (f"{len(s.outliers)} score{'s' if len(s.outliers) != 1 else ''} ver van de mediaan: "
                    + ", ".join(map(str, s.outliers))) if s.outliers else "geen uitschieters"
        return (f"<section class='ok-dashboard-scale' style='display:inline-block;vertical-align:top;"
                f"margin-right:2rem'><h3>{_esc(s.scale_name)}</h3>{histogram_html(s)}"
                f"<p>Mediaan <strong>{fixed(s.median, 1)}</strong> · gemiddelde {fixed(s.mean, 1)} · SD {fixed(s.sd, 1)} · "
                f"IQR {fixed(s.iqr, 1)} · bereik {spread}</p><p class='ok-outliers'>{_esc(outliers)}</p></section>")


def dashboard_page(kit, person, *, rules=None, prompts=None, plans=None, situations=None) -> DashboardPage:
    """The trainer app over ``kit``; re-attaches to the trainer's open session after a reload.

    ``plans`` and ``situations`` default to the content's round plans (``content/sessions/rondes-*.yaml``)
    and Babytijd voorbeeldsituaties, both validated on load."""
    if rules is None or prompts is None or plans is None or situations is None:
        settings = load_settings()
        if prompts is None:
            prompts = load_prompts(settings.content_dir / "sessions" / "gespreksvragen.yaml")
        if plans is None or situations is None:
            _skills, found = load_example_situations(settings.content_dir / "babytijd" / "voorbeeldsituaties.yaml")
            situations = found if situations is None else situations
            if plans is None:
                plans = load_round_plans(settings.content_dir / "sessions", situations=found)
    by_code = {p.code: p for p in plans}

    def close(sid):
        content_dir = load_settings().content_dir
        return kit.sessions.close_session(person, sid, rules=load_rules(content_dir) if rules is None else rules,
                                 paths=load_paths(content_dir))

    verbs = {
        "create": lambda expected, plan_code=None: kit.sessions.create_session(person, expected=expected,
                                                                      plan=by_code.get(plan_code)),
        "current": lambda: kit.sessions.trainer_open_session(person),
        "state": lambda sid: kit.sessions.session_state(person, sid),
        "token": lambda sid: kit.sessions.session_token(person, sid),
        "open_round": lambda sid, **which: (kit.session_figures.open_figures_round(person, sid)
                                            if which.pop("figures", None) else kit.sessions.open_round(person, sid, **which)),
        "close_round": lambda sid: kit.sessions.close_round(person, sid),
        "reveal": lambda sid: kit.sessions.reveal(person, sid),
        "close": close,
        "report": lambda sid: report_html(kit.sessions.session_report(person, sid), format_time=local_time),
    }
    page = DashboardPage(verbs, prompts, plans=plans, situations=situations)
    current = verbs["current"]()
    if current is not None:
        page.attach(current)
    return page
