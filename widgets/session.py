"""Terugkomdag: the participant's page (join with the code, score the current clip or answer the
current situatie, vraag or ervaring round, feedback after the reveal) and :class:`LivePoller`, the
page-side half of the live updates.

No database access here: the page gets the façade's verbs as plain callables
(``kit.session_participants.join_session``, ``kit.sessions.session_state``, ...) through :func:`session_page`.
Hooks (``docs/ui-hooks.md``): ``ok-session-join`` (code input and button),
``ok-session-status``, ``ok-session-round``, ``ok-session-submit``,
``ok-session-message``, ``ok-feedback``, ``ok-session-history``, the practice
app's ``ok-video`` / ``ok-score-*`` / ``ok-note`` inside, and the
answer panel of :mod:`oefenkit_widgets.rounds` (``ok-answer-*``) inside ``ok-session-round`` in a round without a clip.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import ipywidgets as w

from oefenkit.dutch import count
from oefenkit.errors import OefenkitError
from oefenkit.kernel import current_address
from oefenkit.practice import clip_url

from .formatting import local_time
from .notice import Notice
from .practice import FeedbackPanel, ScaleScorer, VideoPlayer
from .reveal import reveal, reveal_anchor
from .rounds import AnswerPanel, round_status
from .shared import plain_layout, static_box, static_html
from .tables import DataTable

__all__ = ["LivePoller", "SessionPage", "session_page", "code_from_query"]

log = logging.getLogger(__name__)
_esc = html.escape

#: Seconds between two token polls of a page: two polls per second keep "within 2 s" with room to
#: spare; a poll is one indexed read, and widgets change only when the token did.
POLL_INTERVAL = 0.5


class LivePoller:
    """Polls a change token on the kernel's asyncio loop and re-renders only when it changed.

    ``fetch_token()`` and ``fetch_state()`` are blocking (database) calls: they
    run in the loop's default thread pool, so the kernel keeps answering widget
    messages. ``show(state)`` runs on the loop itself, the one thread that
    touches widgets (ipywidgets are not thread-safe). Outside a running loop
    (tests, nbval) :meth:`start` returns ``False`` and the page is refreshed by
    hand. Widget traffic: a handful of messages per change, never per poll.
    """

    def __init__(self, fetch_token: Callable[[], Any], fetch_state: Callable[[], Any],
                 show: Callable[[Any], None], interval: float = POLL_INTERVAL):
        self.fetch_token, self.fetch_state, self.show = fetch_token, fetch_state, show
        self.interval = interval
        self.token: Any = None
        self.task: asyncio.Task | None = None

    def start(self, token: Any = None) -> bool:
        self.token = token
        if self.task is not None and not self.task.done():
            return True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return False
        self.task = loop.create_task(self._run())
        return True

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.interval)
            try:
                token = await loop.run_in_executor(None, self.fetch_token)
                if token == self.token:
                    continue
                state = await loop.run_in_executor(None, self.fetch_state)
                self.token = state.get("token", token) if isinstance(state, dict) else token
                self.show(state)
            except asyncio.CancelledError:
                raise
            except OefenkitError as exc:  # e.g. the database is briefly gone: keep polling
                log.info("live poll: %s", exc)
            except Exception:  # noqa: BLE001 - a page must survive a bad poll
                log.exception("live poll failed")


def code_from_query(query: str | None = None) -> str:
    """The ``code`` of the page's query string (the QR code's link), or ``""``."""
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    return (parse_qs(query).get("code") or [""])[0][:16]


class SessionPage(w.VBox):
    """The participant's page. ``verbs`` are the façade's calls bound to the person:
    ``join(code)``, ``current()``, ``state(session_id)``, ``token(session_id)``,
    ``submit(session_id, round, scores, note, submission_id)``, ``history()`` and
    ``answer(session_id, round, choice, text, submission_id)``.
    """

    def __init__(self, verbs: dict[str, Callable], scales: list, *, code: str = "",
                 format_time: Callable = str):
        self.verbs = verbs
        self.format_time = format_time
        self.session_id: int | None = None
        self.round_number: int | None = None
        self.state: dict[str, Any] | None = None

        self.code = w.Text(value=code, placeholder="bijv. K7M3QX", description="Code",
                           layout=w.Layout(width="14rem"))
        self.join_button = w.Button(description="Meedoen", button_style="primary", layout=plain_layout())
        self.join_button.on_click(lambda _b: self.join())
        # its own layout: hidden once the person has joined
        self.join_box = w.HBox([self.code, self.join_button], _dom_classes=("ok-session-join",))
        self.status = static_html(classes=["ok-session-status"])
        self.message = static_box(classes=["ok-session-message"], kind=w.Box)

        # The round's widgets (clip, a 1-9 row per scale, note, submit, feedback: about two thirds of the
        # page's widgets) are built when the first round is shown, not while a room of phones is
        # opening the page at once (docs/architecture.md, "Kernel start-up").
        self.scales = list(scales)
        self.scorers: list[ScaleScorer] = []
        self.title = self.player = self.note = self.submit_button = self.feedback = None
        # The current round: the clip's widgets, or the answer panel of a situatie, vraag or ervaring round
        # (widgets/rounds.py); each set is built when the first such round is shown.
        self.round_box = w.VBox(layout=w.Layout(display="none"), _dom_classes=("ok-session-round",))
        self.fragment_widgets: tuple = ()
        self.answer_panel = None
        self.history = static_box(classes=["ok-session-history"])
        super().__init__([self.join_box, self.status, self.message, self.round_box,
                          static_html("<h2>Mijn terugkomdagen</h2>"), self.history, reveal_anchor()],
                         layout=plain_layout(), _dom_classes=("ok-session",))
        self.poller = LivePoller(lambda: self.verbs["token"](self.session_id),
                                 lambda: self.verbs["state"](self.session_id), self.show)
        self.show_history()

    def _build_round(self) -> None:
        """Create the round's widgets (once, when the first round is shown)."""
        if self.title is not None:
            return
        self.title = w.HTML()
        self.player = VideoPlayer()
        self.scorers = [ScaleScorer.of(sc, self._update_submit) for sc in self.scales]
        self.note = w.Textarea(placeholder="Optioneel: wat zag je dat je score bepaalde?", description="Notitie",
                               layout=w.Layout(width="100%", height="4rem"), continuous_update=False)
        self.note.add_class("ok-note")
        self.submit_button = w.Button(description="Score inleveren", button_style="primary", disabled=True)
        self.submit_button.add_class("ok-session-submit")
        self.submit_button.on_click(lambda _b: self.submit())
        self.feedback = FeedbackPanel()
        self.fragment_widgets = (self.title, self.player, w.HBox(self.scorers, layout=w.Layout(flex_flow="row wrap")),
                                 self.note, w.HBox([self.submit_button]), self.feedback)

    def _build_answer(self) -> None:
        """Create the answer panel (once, when the first round without a clip is shown)."""
        if self.answer_panel is None:
            self.answer_panel = AnswerPanel(self.submit_answer)

    # -- actions -----------------------------------------------------------------------------

    def _say(self, text: str, kind: str = "info") -> None:
        self.message.children = (Notice(text, kind=kind),)

    def attach(self, session_id: int) -> None:
        """Follow a session: show its state now and start the live updates."""
        self.session_id = session_id
        self.join_box.layout.display = "none"
        self.refresh()
        self.poller.start(self.state["token"] if self.state else None)

    def join(self) -> None:
        try:
            result = self.verbs["join"](self.code.value)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            return
        self._say(result["message"], "info")
        self.attach(result["session_id"])

    def refresh(self) -> None:
        if self.session_id is not None:
            self.show(self.verbs["state"](self.session_id))

    def _update_submit(self, _value=None) -> None:
        if self.submit_button is None:
            return
        rnd = (self.state or {}).get("round") or {}
        self.submit_button.disabled = (not rnd.get("open") or any(s.value is None for s in self.scorers)
                                       or self.state.get("state") != "open")

    def submit(self) -> None:
        if self.session_id is None or self.round_number is None:
            return
        scores = {s.scale_code: s.value for s in self.scorers}
        try:
            saved = self.verbs["submit"](self.session_id, self.round_number, scores, self.note.value,
                                         uuid.uuid4().hex)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            self.refresh()
            reveal(".ok-session-message .ok-notice")
            return
        self._say(f"Je score is opgeslagen ({', '.join(f'{k} {v}' for k, v in saved['scores'].items())}). "
                  "Je kunt hem wijzigen tot de trainer de ronde sluit.", "info")
        self.submit_button.description = "Score wijzigen"
        # the message is above the clip, out of view on a phone: bring it in (not for live updates)
        reveal(".ok-session-message .ok-notice")

    def submit_answer(self, choice: int | None, text: str | None) -> None:
        """Hand in the answer to a situatie, vraag or ervaring round (from :class:`oefenkit_widgets.rounds.AnswerPanel`)."""
        if self.session_id is None or self.round_number is None:
            return
        try:
            self.verbs["answer"](self.session_id, self.round_number, choice, text, uuid.uuid4().hex)
        except OefenkitError as exc:
            self._say(str(exc), "error")
            self.refresh()
            reveal(".ok-session-message .ok-notice")
            return
        self._say("Je antwoord is opgeslagen. Je kunt het wijzigen tot de trainer de ronde sluit.", "info")
        self.answer_panel.saved()
        reveal(".ok-session-message .ok-notice")

    # -- rendering ------------------------------------------------------------------------------

    def show(self, state: dict[str, Any]) -> None:
        self.state = state
        rnd = state.get("round")
        fragment = rnd is not None and rnd.get("kind", "fragment") == "fragment"
        if state["state"] != "open":
            self.status.value = ("<p><strong>De sessie is afgesloten.</strong> Bedankt voor het meedoen; je "
                                 "antwoorden zijn bewaard.</p>" if state.get("planned") else
                                 "<p><strong>De sessie is afgesloten.</strong> Je scores en feedback staan "
                                 "hieronder bij Mijn terugkomdagen.</p>")
            self.poller.stop()
            self.show_history()
        elif rnd is None:
            first = "het eerste fragment" if not state.get("planned") else "de eerste ronde"
            self.status.value = (f"<p>Je doet mee ({count(state['participants'], 'deelnemer', 'deelnemers')}). Wacht tot de trainer "
                                 f"{first} start.</p>")
        else:
            where = ("gesloten" if not rnd["open"] else "open: scoor en lever in" if fragment
                     else "open: kies een antwoord en lever in" if rnd["kind"] == "vraag"
                     else "bekijk de cijfers" if rnd["kind"] == "cijfers" else "open: typ je antwoord")
            self.status.value = (f"<p>{round_status(state, rnd)} · {where} · "
                                 f"{rnd['submitted']} van {state['participants']} ingeleverd</p>")
        if rnd is None:
            self.round_box.layout.display = "none"
            return
        if not fragment:
            self._show_answer_round(state, rnd)
            return
        self._build_round()
        if self.round_box.children != self.fragment_widgets:
            self.round_box.children = self.fragment_widgets
        if rnd["number"] != self.round_number:  # a new clip: start empty (or with what was stored)
            self.round_number = rnd["number"]
            # the description folded: the video and the scale stay in the first screen on a phone
            self.title.value = (f"<h2>Ronde {rnd['number']}: {_esc(rnd['case_title'])}</h2>"
                                + (f"<details class='ok-vignette-fold'><summary>Beschrijving van het fragment"
                                   f"</summary><p class='ok-vignette'>{_esc(rnd['vignette'])}</p></details>"
                                   if rnd.get("vignette") else ""))
            self.player.set_source(rnd["clip_url"] if "clip_url" in rnd else clip_url(rnd["case_code"]))
            for s in self.scorers:
                s.reset()
            self.note.value = ""
            self.feedback.clear()
            self.message.children = ()
            self.submit_button.description = "Score inleveren"
            own = state.get("own")
            if own:
                for s in self.scorers:
                    s.set_value(own["scores"].get(s.scale_code))
                self.note.value = own["note"]
                self.submit_button.description = "Score wijzigen"
        self.round_box.layout.display = None
        closed = not rnd["open"] or state["state"] != "open"
        for s in self.scorers:
            s.disabled = closed
        self.note.disabled = closed
        if closed and not rnd["revealed"]:
            self._say("De trainer heeft de ronde gesloten. " + (
                "Je ingeleverde score is bewaard." if state.get("own") else "Je hebt in deze ronde niet gescoord."))
        if state.get("feedback") is not None:
            self.feedback.show(state["feedback"])
            self.message.children = ()
        self._update_submit()

    def _show_answer_round(self, state: dict[str, Any], rnd: dict[str, Any]) -> None:
        self._build_answer()
        if self.round_box.children != (self.answer_panel,):
            self.round_box.children = (self.answer_panel,)
        if rnd["number"] != self.round_number:
            self.round_number = rnd["number"]
            self.message.children = ()
        closed = not rnd["open"] or state["state"] != "open"
        own = state.get("own_answer")
        self.answer_panel.show(rnd, own, closed=closed)
        self.round_box.layout.display = None
        if closed and not rnd["revealed"]:
            self._say("De trainer heeft de ronde gesloten. " + (
                "Je antwoord is bewaard." if own else "Je hebt in deze ronde niet geantwoord."))
        elif rnd["revealed"]:
            self.message.children = ()

    def show_history(self) -> None:
        try:
            entries = self.verbs["history"]()
        except OefenkitError as exc:
            self.history.children = (Notice(str(exc), kind="error"),)
            return
        self.history.children = (session_history_table(entries, self.format_time),)


def session_history_table(entries: list[dict[str, Any]], format_time: Callable) -> DataTable:
    """A person's own terugkomdag rounds (``SessionsService.session_history``): own scores, note, and the expert
    score once the round was revealed. Shown in this app and in "Mijn gegevens"."""
    rows = []
    for e in entries:
        fb = e["feedback"]
        consensus = ("nog niet bekend" if fb is None
                     else ", ".join(f"{s.scale_name.split()[0].lower()} {s.consensus}" for s in fb.scales))
        rows.append([format_time(e["date"]), e["case_title"],
                     ", ".join(f"{k} {v}" for k, v in e["scores"].items()), consensus, e["note"] or "–"])
    return DataTable(["Datum", "Fragment", "Jouw score", "Expertscore", "Notitie"], rows,
                     empty="Je hebt nog niet aan een terugkomdag meegedaan, of er geen fragmenten gescoord.", css_class="ok-session-history")


def session_page(kit, person, *, code: str | None = None, address: str | None = None) -> SessionPage:
    """The participant app: verbs of ``kit`` bound to ``person``; re-attaches to their open session.

    ``address`` is the client's IP address for the limit on wrong codes; by default the one the
    server bound in this kernel (:func:`oefenkit.kernel.current_address`)."""
    address = current_address() if address is None else address

    verbs = {
        "join": lambda c: kit.session_participants.join_session(person, c, address=address),
        "current": lambda: kit.session_participants.participant_open_session(person),
        "state": lambda sid: kit.sessions.session_state(person, sid),
        "token": lambda sid: kit.sessions.session_token(person, sid),
        "submit": lambda sid, rnd, scores, note, sub: kit.session_participants.submit_session_scores(person, sid, rnd, scores, note,
                                                                                 submission_id=sub),
        "history": lambda: kit.sessions.session_history(person),
        "answer": lambda sid, rnd, choice, text, sub: kit.session_answers.submit_round_answer(person, sid, rnd, choice=choice,
                                                                              text=text, submission_id=sub),
    }
    page = SessionPage(verbs, kit.cases.current_scales(), code=code_from_query() if code is None else code,
                       format_time=local_time)
    current = verbs["current"]()
    if current is not None:
        page.attach(current)
    return page
