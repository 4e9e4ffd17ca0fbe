"""Oefenen met scoren (``notebooks/training/oefenen.ipynb``): the practice clips, one clip with a scorer
per scale, feedback and history."""

from __future__ import annotations

import html
import uuid

import ipywidgets as w

from oefenkit.errors import OefenkitError
from oefenkit.identity import Actor
from oefenkit.practice import clip_url, subtitles_url
from oefenkit.scales import in_words
from oefenkit.storage.kit import Kit

from ..formatting import local_time
from ..notice import Notice
from ..practice import CaseList, FeedbackPanel, HistoryView, ScaleScorer, VideoPlayer, case_hook
from ..reveal import reveal, reveal_anchor

__all__ = ["practice_page"]


def practice_page(kit: Kit, person: Actor) -> w.VBox:
    """The practice app: the practice clips, one clip with two scorers, feedback, history.

    Every read and write goes through the façade (``practice_overview``,
    ``submit_practice``, ``practice_history``), which returns expert
    information only for practice cases the person has just scored. The page
    builds its widgets once and only changes their values afterwards.
    """
    scales = kit.cases.current_scales()  # the newest version of each scale, in the content's order
    overview = kit.practice.practice_overview(person)
    titles = {c.code: c.title for c in overview}
    # The open case and the id of its submission: a double click or a retry stores the attempt once.
    current: dict[str, str | None] = {"code": None, "submission": None}

    def update_submit(_value=None):
        submit.disabled = current["code"] is None or any(s.value is None for s in scorers) or scorers[0].disabled

    scorers = [ScaleScorer.of(sc, update_submit) for sc in scales]
    player = VideoPlayer()
    case_title = w.HTML()
    case_title.add_class("ok-practice-case-title")
    # continuous_update=False: sent whole when the field loses focus, so a quick Tab + Enter never
    # submits a note whose last keystrokes are still waiting in the front end's message throttle
    note = w.Textarea(placeholder="Waarom kies je deze scores? Noem wat je in het fragment zag.",
                      description="Toelichting", layout=w.Layout(width="100%", height="5rem"),
                      continuous_update=False)
    note.add_class("ok-note")
    submit = w.Button(description="Inleveren en feedback bekijken", button_style="primary", disabled=True,
                      layout=w.Layout(width="auto"))
    submit.add_class("ok-submit")
    back = w.Button(description="← Terug naar de lijst", layout=w.Layout(width="auto"))
    back.add_class("ok-back")
    message = w.Box()
    feedback = FeedbackPanel()
    history = HistoryView(kit.practice.practice_history(person), format_time=local_time, scales=scales)

    scorer_row = w.HBox(scorers, layout=w.Layout(flex_flow="row wrap", align_items="flex-start"))
    workspace = w.VBox([w.HBox([back]), case_title, player, scorer_row, note, w.HBox([submit]), message, feedback],
                       layout=w.Layout(display="none"))
    workspace.add_class("ok-practice-workspace")

    def open_case(code: str) -> None:
        current["code"], current["submission"] = code, uuid.uuid4().hex
        case_title.value = f"<h2>{html.escape(titles.get(code, code))}</h2>"
        player.set_source(clip_url(code), subtitles_url(code))
        for s in scorers:
            s.reset()
        note.value, note.disabled = "", False
        message.children = ()
        feedback.clear()
        update_submit()
        overview_box.layout.display = "none"
        workspace.layout.display = None
        reveal(".ok-practice-case-title h2")  # the clicked button is gone: focus the clip's title

    def show_list(_button=None) -> None:
        code = current["code"]
        current["code"] = None
        player.set_source(None)  # stops the video
        workspace.layout.display = "none"
        overview_box.layout.display = None
        if code is not None:  # back where the person left the list
            reveal(f".{case_hook(code)} .ok-case-open")

    def on_submit(_button) -> None:
        code = current["code"]
        if code is None:
            return
        submit.disabled = True
        try:
            result = kit.practice.submit_practice(person, code, {s.scale_code: s.value for s in scorers}, note.value,
                                         submission_id=current["submission"])
        except OefenkitError as exc:
            message.children = (Notice(str(exc), kind="error"),)
            update_submit()
            reveal(".ok-practice-workspace .ok-notice-error")
            return
        for s in scorers:
            s.disabled = True
        note.disabled = True
        message.children = ()
        feedback.show(result)
        reveal(".ok-practice-workspace .ok-feedback")
        try:
            case_list.update(kit.practice.practice_overview(person))
            history.update(kit.practice.practice_history(person))
        except OefenkitError as exc:  # the attempt is stored; only the overview could not be refreshed
            message.children = (Notice(str(exc), kind="error"),)

    submit.on_click(on_submit)
    back.on_click(show_list)
    case_list = CaseList(overview, on_open=open_case, scales=scales)
    intro = w.HTML(
        "<p>Kies een fragment, bekijk het (je kunt terugspoelen en pauzeren) en geef een score op "
        f"{html.escape(in_words(scales))}. Schrijf kort op waarom. Na het inleveren zie je de consensus van de experts, "
        "hun spreiding en onderbouwing, en hoeveel jouw score afwijkt.</p>")
    overview_box = w.VBox([intro, w.HTML("<h2>Oefenfragmenten</h2>"), case_list, history])
    page = w.VBox([overview_box, workspace, reveal_anchor()])
    page.add_class("ok-practice")
    return page
