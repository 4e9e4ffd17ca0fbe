"""Terugkomdag rounds beyond clips: the participant's answer panel, the projector's view of the room's
answers, and the trainer's "Ronde toevoegen" form.

No database access here: the pages hand in plain state (``SessionsService.session_state``) and callbacks.
Nothing shown on the projector holds a name: the answers arrive without them, sorted
(:mod:`oefenkit.rounds`).

Hooks (``docs/ui-hooks.md``): participant ``ok-answer`` (the panel), ``ok-answer-question``,
``ok-answer-option`` (+ ``ok-selected``), ``ok-answer-text``, ``ok-answer-submit``, ``ok-answer-reveal``;
projector ``ok-round-answers``, ``ok-answer-distribution``, ``ok-answer-right``, ``ok-answer-explanation``,
``ok-answer-groups``, ``ok-answer-wall``, ``ok-facilitator-notes``; trainer ``ok-session-plan``,
``ok-round-add`` (with ``ok-round-add-kind``, ``ok-round-add-item``, ``ok-round-add-text``,
``ok-round-add-options``, ``ok-round-add-answer``, ``ok-round-add-explanation``, ``ok-round-add-start``).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w

from oefenkit.errors import OefenkitError, ValidationError
from oefenkit.rounds import ANSWER_LIMITS, KIND_LABELS, item_from_situation, typed_item

from .notice import Notice
from .reeks_dashboard import figures_html

__all__ = ["AnswerPanel", "round_answers_html", "round_status", "RoundPicker", "OWN"]

_esc = html.escape
#: The choice in the "Ronde toevoegen" item list that means "type it yourself".
OWN = "__eigen__"
#: The choice of a ``cijfers`` round: the pooled figures of who joined, computed when it starts.
FIGURES = "__cijfers__"
BAR_COLOUR = "#2e6da4"
RIGHT_COLOUR = "#2e7d32"


def _question_html(rnd: dict[str, Any], heading: str = "h2") -> str:
    """The round's title, its text and a situation's discussion questions."""
    prompts = rnd.get("prompts") or []
    return (f"<{heading}>Ronde {rnd['number']}: {_esc(rnd['title'])}</{heading}>"
            f"<p class='ok-answer-text-shown'>{_esc(rnd['text'])}</p>"
            + ("<ul class='ok-answer-prompts'>" + "".join(f"<li>{_esc(p)}</li>" for p in prompts) + "</ul>"
               if prompts else ""))


def _notes_html(rnd: dict[str, Any]) -> str:
    """A situation's facilitator notes (after the reveal)."""
    if not (rnd.get("notes") or rnd.get("discussion")):
        return ""
    return ("<section class='ok-facilitator-notes'><h3>Aantekeningen voor de begeleider</h3>"
            + (f"<p>{_esc(rnd['notes'])}</p>" if rnd.get("notes") else "")
            + ("<p>Wat een goed gesprek oplevert:</p><ul>" + "".join(f"<li>{_esc(d)}</li>" for d in rnd["discussion"])
               + "</ul>" if rnd.get("discussion") else "") + "</section>")


def _right_html(rnd: dict[str, Any]) -> str:
    """A question's right answer and explanation (after the reveal)."""
    answer = rnd.get("answer")
    if answer is None:
        return "<p class='ok-answer-explanation'>Bij deze vraag is geen juist antwoord opgegeven.</p>"
    return (f"<section class='ok-answer-explanation'><h3>Juiste antwoord: {_esc(rnd['options'][answer])}</h3>"
            + (f"<p>{_esc(rnd['explanation'])}</p>" if rnd.get("explanation") else "") + "</section>")


# -- the participant ----------------------------------------------------------------------------------


class AnswerPanel(w.VBox):
    """A ``situatie``, ``vraag`` or ``ervaring`` round on the participant's page.

    ``on_submit(choice, text)`` hands the answer on (the page calls the façade). :meth:`show` takes
    the round and the person's own stored answer (``SessionsService.session_state``); a new round starts empty.
    """

    def __init__(self, on_submit: Callable[[int | None, str | None], None]):
        self.on_submit = on_submit
        self.number: int | None = None
        self.kind: str | None = None
        self.choice: int | None = None
        self.question = w.HTML(_dom_classes=("ok-answer-question",))
        self.options_box = w.VBox(layout=w.Layout(width="100%"))
        self.option_buttons: list[w.Button] = []
        self.text = w.Textarea(description="Jouw antwoord", continuous_update=False,
                               layout=w.Layout(width="100%", height="6rem"), _dom_classes=("ok-answer-text",))
        self.hint = w.HTML()
        self.submit_button = w.Button(description="Antwoord inleveren", button_style="primary",
                                      _dom_classes=("ok-answer-submit",))
        self.submit_button.on_click(lambda _b: self.submit())
        self.submit_row = w.HBox([self.submit_button])
        self._open_hint = ""
        self.reveal = w.HTML(_dom_classes=("ok-answer-reveal",))
        super().__init__([self.question, self.options_box, self.text, self.hint, self.submit_row,
                          self.reveal], layout=w.Layout(width="100%"), _dom_classes=("ok-answer",))

    def submit(self) -> None:
        if self.kind == "cijfers":
            return
        if self.kind == "vraag":
            self.on_submit(self.choice, None)
        else:
            self.on_submit(None, self.text.value)

    def _pick(self, index: int) -> None:
        self.choice = index
        self._mark()

    def _mark(self) -> None:
        for k, b in enumerate(self.option_buttons):
            chosen = k == self.choice
            b.button_style = "info" if chosen else ""
            b.icon = "check" if chosen else ""
            if chosen:
                b.add_class("ok-selected")
            else:
                b.remove_class("ok-selected")
        self.submit_button.disabled = self.choice is None or self.option_buttons[0].disabled

    def show(self, rnd: dict[str, Any], own: dict[str, Any] | None, *, closed: bool) -> None:
        """Render the round; ``closed``: the round or the session is closed (nothing can change)."""
        if rnd["number"] != self.number:  # a new round: start empty, or with what was stored
            self.number, self.kind, self.choice = rnd["number"], rnd["kind"], None
            self.question.value = _question_html(rnd)
            self.option_buttons = []
            for k, option in enumerate(rnd.get("options") or []):
                b = w.Button(description=option, layout=w.Layout(width="100%", height="auto"),
                             _dom_classes=("ok-answer-option", "ok-quiz-option"))
                b.on_click(lambda _b, k=k: self._pick(k))
                self.option_buttons.append(b)
            self.options_box.children = tuple(self.option_buttons)
            is_text = rnd["kind"] in ANSWER_LIMITS
            if rnd["kind"] == "cijfers":  # nothing to answer: the figures, as on the projector
                self.question.value = _question_html(rnd) + figures_html(rnd.get("figures"))
            self.text.layout.display = None if is_text else "none"
            self.text.value = ""
            self.text.placeholder = ("Wat zou jij doen? Schrijf het in een paar zinnen." if rnd["kind"] == "situatie"
                                     else "Schrijf je antwoord kort op.")
            self._open_hint = (f"<p class='ok-answer-hint'>Hoogstens {rnd.get('limit') or ANSWER_LIMITS.get(rnd['kind'])}"
                               " tekens. Je antwoord verschijnt zonder naam op het scherm van de trainer.</p>"
                               if is_text else "<p class='ok-answer-hint'>Kies een antwoord en lever het in. "
                               "Het scherm van de trainer toont alleen hoeveel mensen elk antwoord kozen.</p>")
            self.submit_button.description = "Antwoord inleveren"
            if own:
                self.choice = own.get("choice")
                self.text.value = own.get("text") or ""
                self.submit_button.description = "Antwoord wijzigen"
        for b in self.option_buttons:
            b.disabled = closed
        self.text.disabled = closed
        if self.kind == "cijfers":
            self.submit_row.layout.display = "none"
            self.hint.value = ("<p class='ok-answer-hint'>In deze ronde lever je niets in. Bespreek de cijfers "
                               "samen met de groep.</p>")
            self.reveal.layout.display = "none"
            return
        # A closed round takes no answer: no button and no instruction, but what happened to one's own
        self.submit_row.layout.display = "none" if closed else None
        self.hint.value = (("<p class='ok-answer-hint ok-answer-closed'>Deze ronde is gesloten. "
                            + ("Je antwoord is bewaard." if own else "Je hebt in deze ronde geen antwoord gegeven.")
                            + "</p>") if closed else self._open_hint)
        if self.kind == "vraag":
            self._mark()
        else:
            self.submit_button.disabled = closed
        reveal = ""
        if rnd.get("revealed"):
            if rnd["kind"] == "vraag":
                verdict = ""
                if own and own.get("correct") is not None:
                    verdict = ("<p><strong>Jouw antwoord is goed.</strong></p>" if own["correct"]
                               else "<p><strong>Jouw antwoord is niet het juiste.</strong></p>")
                reveal = verdict + _right_html(rnd)
            elif rnd["kind"] == "situatie":
                reveal = _notes_html(rnd)
        self.reveal.value = f"<div role='status' aria-live='polite'>{reveal}</div>" if reveal else ""
        self.reveal.layout.display = None if reveal else "none"

    def saved(self) -> None:
        self.submit_button.description = "Antwoord wijzigen"


# -- the projector ------------------------------------------------------------------------------------


def _distribution_html(rnd: dict[str, Any], distribution: Sequence[tuple[str, int]]) -> str:
    """A question's answers as horizontal bars with their counts; the right one marked after the reveal
    (a word and an outline, not by colour alone)."""
    top = max((n for _, n in distribution), default=0) or 1
    total = sum(n for _, n in distribution)
    right = rnd.get("answer") if rnd.get("revealed") else None
    rows = []
    for k, (option, n) in enumerate(distribution):
        is_right = k == right
        width = round(100 * n / top)
        mark = " <strong class='ok-answer-right-label'>✔ juiste antwoord</strong>" if is_right else ""
        rows.append(
            f"<li class='ok-answer-bar-row{' ok-answer-right' if is_right else ''}' style='margin:.4rem 0;"
            f"{'outline:3px dashed ' + RIGHT_COLOUR + ';outline-offset:3px;' if is_right else ''}'>"
            f"<span>{_esc(option)}{mark}</span>"
            f"<span style='display:flex;align-items:center;gap:.5rem'>"
            f"<span aria-hidden='true' style='display:inline-block;height:1.4rem;width:{width}%;max-width:80%;"
            f"min-width:{2 if n else 0}px;background:{RIGHT_COLOUR if is_right else BAR_COLOUR}'></span>"
            f"<strong class='ok-answer-count'>{n}</strong></span></li>")
    return (f"<ul class='ok-answer-distribution' aria-label='Verdeling van de antwoorden ({total} in totaal)' "
            "style='list-style:none;padding:0;max-width:48rem;font-size:1.2rem'>" + "".join(rows) + "</ul>")


def _groups_html(groups: Sequence[tuple[str | None, Sequence[str]]]) -> str:
    if not groups:
        return "<p class='ok-answer-groups'>Nog geen antwoorden.</p>"
    parts = ["<div class='ok-answer-groups'><p><small>Gegroepeerd op een woord dat in minstens twee antwoorden "
             "voorkomt; zonder namen.</small></p>"]
    for word, texts in groups:
        label = f"Antwoorden met ‘{word}’" if word else "Overige antwoorden"
        parts.append(f"<section class='ok-answer-group'><h3>{_esc(label)} ({len(texts)})</h3><ul>"
                     + "".join(f"<li>{_esc(t)}</li>" for t in texts) + "</ul></section>")
    return "".join(parts) + "</div>"


def _wall_html(wall: Sequence[str]) -> str:
    if not wall:
        return "<p class='ok-answer-wall'>Nog geen antwoorden.</p>"
    cards = "".join(f"<li style='border:1px solid #767676;border-radius:.4rem;padding:.6rem .8rem;background:#fff;"
                    f"flex:1 1 14rem;max-width:24rem'>{_esc(t)}</li>" for t in wall)
    return ("<ul class='ok-answer-wall' style='list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.6rem'>"
            + cards + "</ul>")


def round_answers_html(rnd: dict[str, Any], answers: dict[str, Any] | None) -> str:
    """The projector's view of a ``situatie``, ``vraag`` or ``ervaring`` round: the question, the room's
    answers without names, and after the reveal the right answer or the facilitator notes."""
    answers = answers or {}
    parts = [f"<div class='ok-round-answers' style='font-size:1.15rem'>{_question_html(rnd)}"]
    if rnd["kind"] == "cijfers":
        parts.append(figures_html(rnd.get("figures")))
    elif rnd["kind"] == "vraag":
        parts.append(_distribution_html(rnd, answers.get("distribution") or [(o, 0) for o in rnd["options"]]))
        if rnd.get("revealed"):
            parts.append(_right_html(rnd))
    elif rnd["kind"] == "situatie":
        parts.append(_groups_html(answers.get("groups") or []))
        if rnd.get("revealed"):
            parts.append(_notes_html(rnd))
    else:
        parts.append(_wall_html(answers.get("wall") or []))
    return "".join(parts) + "</div>"


# -- the trainer: add a round ---------------------------------------------------------------------------


class RoundPicker(w.VBox):
    """"Ronde toevoegen": pick the kind, then a round from the content (the day's plan, a Babytijd
    voorbeeldsituatie, a clip of the set) or type one. ``on_start(which)`` gets the keyword arguments
    of ``SessionsService.open_round``: ``{"item_code": ...}``, ``{"case_code": ...}`` or ``{"item": RoundItem}``;
    or ``{"figures": True}`` for a ``cijfers`` round (the pooled Babytijd figures of who joined,
    ``SessionFiguresService.open_figures_round``).
    :meth:`update` takes the session state (its ``plan_rounds`` and ``clips``)."""

    def __init__(self, situations: Sequence[Any], on_start: Callable[[dict[str, Any]], None]):
        self.situations = tuple(situations)
        self.on_start = on_start
        self.plan_rounds: list = []
        self.clips: list = []
        self.kind = w.Dropdown(description="Soort ronde", options=[(KIND_LABELS[k], k) for k in
                                                                   ("situatie", "vraag", "ervaring", "fragment",
                                                                    "cijfers")],
                               value="situatie", style={"description_width": "initial"},
                               _dom_classes=("ok-round-add-kind",))
        self.item = w.Dropdown(description="Kies", options=[], style={"description_width": "initial"},
                               layout=w.Layout(width="100%", max_width="40rem"), _dom_classes=("ok-round-add-item",))
        self.text = w.Textarea(description="Vraag of situatie", layout=w.Layout(width="100%", max_width="40rem"),
                               style={"description_width": "initial"}, _dom_classes=("ok-round-add-text",))
        self.options = w.Textarea(description="Antwoorden (één per regel)", style={"description_width": "initial"},
                                  layout=w.Layout(width="100%", max_width="40rem"),
                                  _dom_classes=("ok-round-add-options",))
        self.answer = w.BoundedIntText(value=0, min=0, max=6, description="Nummer van het juiste antwoord (0 = geen)",
                                       style={"description_width": "initial"}, _dom_classes=("ok-round-add-answer",))
        self.explanation = w.Textarea(description="Uitleg of aantekeningen", style={"description_width": "initial"},
                                      layout=w.Layout(width="100%", max_width="40rem"),
                                      _dom_classes=("ok-round-add-explanation",))
        self.start = w.Button(description="Deze ronde starten", button_style="primary",
                              _dom_classes=("ok-round-add-start",))
        self.start.on_click(lambda _b: self.submit())
        self.message = w.Box()
        self.typed = w.VBox([self.text, self.options, self.answer, self.explanation])
        self.kind.observe(lambda _c: self._refresh(), "value")
        self.item.observe(lambda _c: self._show_typed(), "value")
        super().__init__([w.HTML("<h3>Ronde toevoegen</h3><p>Kies uit de inhoud of typ zelf een vraag.</p>"),
                          self.kind, self.item, self.typed, self.start, self.message],
                         _dom_classes=("ok-round-add",))
        self._refresh()

    def update(self, state: dict[str, Any]) -> None:
        plan_rounds, clips = list(state.get("plan_rounds") or []), list(state.get("clips") or [])
        if (plan_rounds, clips) != (self.plan_rounds, self.clips):
            self.plan_rounds, self.clips = plan_rounds, clips
            self._refresh()

    def _choices(self, kind: str) -> list[tuple[str, Any]]:
        if kind == "fragment":
            return [(title, ("clip", code)) for code, title in self.clips]
        if kind == "cijfers":
            return [("Cijfers van de Babytijd-reeksen van wie meedoet (zonder namen)", FIGURES)]
        out = [(f"{title}{' (al geweest)' if held else ''}", ("plan", code))
               for code, k, title, held in self.plan_rounds if k == kind]
        if kind == "situatie":
            out += [(f"Thema {s.theme}: {s.title}", ("theme", s.theme)) for s in self.situations]
        return out + [("Zelf typen", OWN)]

    def _refresh(self) -> None:
        choices = self._choices(self.kind.value)
        if not choices:  # only clips can run out: the other kinds can always be typed
            choices = [("Geen fragmenten (meer) bij deze sessie", None)]
        self.item.options = choices
        self.item.value = choices[0][1]
        self._show_typed()

    def _show_typed(self) -> None:
        own = self.item.value == OWN
        self.typed.layout.display = None if own else "none"
        if self.kind.value == "cijfers":
            self.typed.layout.display = "none"
        is_vraag = self.kind.value == "vraag"
        self.options.layout.display = None if is_vraag else "none"
        self.answer.layout.display = None if is_vraag else "none"
        self.explanation.layout.display = "none" if self.kind.value == "ervaring" else None
        self.start.disabled = self.item.value is None

    def which(self) -> dict[str, Any]:
        """The ``SessionsService.open_round`` keywords of what is picked; ValidationError (Dutch) if incomplete."""
        kind, value = self.kind.value, self.item.value
        if value is None:
            raise ValidationError("Er is niets meer om te kiezen bij deze soort ronde.")
        if value == FIGURES:
            return {"figures": True}
        if value == OWN:
            if kind == "fragment":
                raise ValidationError("Een fragment kies je uit de set; typen kan niet.")
            options = [line for line in self.options.value.splitlines() if line.strip()]
            answer = self.answer.value - 1 if kind == "vraag" and self.answer.value else None
            if answer is not None and answer >= len(options):
                raise ValidationError("Het juiste antwoord is een van de opties.")
            return {"item": typed_item(kind, self.text.value, options=options, answer=answer,
                                       explanation=self.explanation.value if kind == "vraag" else "",
                                       notes=self.explanation.value if kind == "situatie" else "")}
        source, key = value
        if source == "plan":
            return {"item_code": key}
        if source == "clip":
            return {"case_code": key}
        situation = next(s for s in self.situations if s.theme == key)
        return {"item": item_from_situation(situation)}

    def submit(self) -> None:
        try:
            which = self.which()
        except OefenkitError as exc:
            self.message.children = (Notice(str(exc), kind="error"),)
            return
        self.message.children = ()
        if self.on_start(which):
            self.text.value = self.options.value = self.explanation.value = ""
            self.answer.value = 0


def round_status(state: dict[str, Any], rnd: dict[str, Any]) -> str:
    """"Ronde 2 van 5" for a day of clips (as before); "Ronde 2" for a day with a round plan, where the
    trainer can add rounds as the day goes."""
    if state.get("planned"):
        return f"Ronde {rnd['number']}"
    return f"Ronde {rnd['number']} van {state['cases_total']}"
