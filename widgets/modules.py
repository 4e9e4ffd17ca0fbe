"""Course-module components: module list, page viewer, case decision, reflection,
clip questions, anchors and the check quiz.

Every component takes plain data (the dataclasses of :mod:`oefenkit.modules` and
dicts) and callbacks; none touches the database. Texts from content files are
escaped and rendered with a tiny, safe subset of Markdown (:func:`render_text`).
Test hooks are listed in ``docs/ui-hooks.md``.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.errors import OefenkitError
from oefenkit.modules import (
    STATUS_LABELS,
    Module,
    ModuleProgressInfo,
    Page,
    QuizQuestion,
    check_complete,
    module_status,
    score_check,
    score_question,
)

from .notice import Notice
from .theme import COLORS

__all__ = [
    "render_text", "ModuleList", "CaseDecision", "Reflection", "ClipQuestions", "AnchorList", "Quiz",
    "ModuleViewer", "ModulesBrowser",
]

_CSS = """
<style>
.ok-module {{ border: 1px solid {border}; border-radius: 8px; padding: .6rem 1rem; margin: .3rem 0;
             background: #fff; align-items: center; }}
.ok-module-info {{ flex: 1 1 auto; }}
.ok-module-info h3 {{ margin: 0; font-size: 1.05rem; color: {primary_dark}; }}
.ok-module-info p {{ margin: .15rem 0 0; color: {muted}; }}
.ok-module-status {{ font-weight: 600; min-width: 6rem; }}
.ok-module-page h2 {{ font-size: 1.25rem; color: {primary_dark}; margin: .6rem 0; }}
.ok-module-pageno {{ color: {muted}; }}
.ok-module-text li {{ margin: .15rem 0; }}
.ok-situation {{ background: {background}; border-left: 4px solid {primary}; padding: .5rem .8rem;
                margin: .5rem 0; }}
.ok-case-feedback, .ok-quiz-feedback, .ok-reflection-notes, .ok-clip-notes {{ background: {info_bg};
                border-radius: 6px; padding: .5rem .8rem; margin: .4rem 0; }}
.ok-quiz-question {{ border-top: 1px solid {border}; padding-top: .5rem; margin-top: .5rem; }}
.ok-anchors dt {{ font-weight: 700; margin-top: .4rem; }}
.ok-anchors dd {{ margin-left: 1rem; }}
</style>
""".format(**COLORS)

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d+\.\s+")


def _inline(text: str) -> str:
    return _BOLD.sub(r"<strong>\1</strong>", html.escape(text))


def render_text(text: str) -> str:
    """Plain text with blank-line paragraphs, ``- `` / ``1. `` lists and ``**bold**`` as safe HTML.

    Everything is escaped first; no HTML from a content file reaches the page.

    >>> render_text("**Let op** <b>\\n- een\\n- twee")
    '<p><strong>Let op</strong> &lt;b&gt;</p><ul><li>een</li><li>twee</li></ul>'
    """
    out: list[str] = []
    para: list[str] = []
    items: list[str] = []
    kind = ""
    start = 1

    def flush_para() -> None:
        if para:
            out.append("<p>" + " ".join(_inline(p) for p in para) + "</p>")
            para.clear()

    def flush_list() -> None:
        nonlocal kind, start
        if items:
            attrs = f" start='{start}'" if kind == "ol" and start != 1 else ""
            out.append(f"<{kind}{attrs}>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + f"</{kind}>")
            items.clear()
        kind = ""

    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            flush_para()
            flush_list()
            continue
        bullet = line.startswith("- ")
        numbered = bool(_NUMBERED.match(line))
        if bullet or numbered:
            flush_para()
            this = "ul" if bullet else "ol"
            if kind and kind != this:
                flush_list()
            if this == "ol" and not items:
                start = int(line.split(".", 1)[0])
            kind = this
            items.append(line[2:] if bullet else _NUMBERED.sub("", line))
        else:
            flush_list()
            para.append(line)
    flush_para()
    flush_list()
    return "".join(out)


def _html(text: str, css: str | None = None) -> w.HTML:
    widget = w.HTML(render_text(text))
    if css:
        widget.add_class(css)
    return widget


def _button(description: str, css: str, **kwargs: Any) -> w.Button:
    button = w.Button(description=description, layout=w.Layout(width="auto"), **kwargs)
    button.add_class(css)
    return button


# -- the module list -----------------------------------------------------------------------


class ModuleList(w.VBox):
    """One entry per module (class ``ok-module`` and ``ok-module-<code>``) with its status.

    ``entries`` are dicts with ``code``, ``title``, ``group`` (programme label),
    ``summary``, ``status`` (``new``/``started``/``completed``), ``page`` and ``page_count``.
    """

    _OPEN_LABELS = {"new": "Beginnen", "started": "Verder", "completed": "Bekijken"}

    def __init__(self, entries: Sequence[Mapping[str, Any]], on_open: Callable[[str], None]):
        children: list[w.Widget] = []
        group = None
        self.entries: dict[str, w.HBox] = {}
        for entry in entries:
            if entry["group"] != group:
                group = entry["group"]
                heading = w.HTML(f"<h2>{html.escape(group)}</h2>")
                heading.add_class("ok-section-title")
                children.append(heading)
            status = entry["status"]
            info = w.HTML(f"<h3>{html.escape(entry['title'])}</h3><p>{html.escape(entry.get('summary') or '')}</p>")
            info.add_class("ok-module-info")
            label = STATUS_LABELS[status]
            if status == "started":
                label += f" (pagina {entry['page'] + 1} van {entry['page_count']})"
            badge = w.HTML(html.escape(label))
            badge.add_class("ok-module-status")
            badge.add_class(f"ok-module-status-{STATUS_LABELS[status]}")
            button = _button(self._OPEN_LABELS[status], "ok-module-open")
            button.on_click(lambda _b, code=entry["code"]: on_open(code))
            row = w.HBox([info, badge, button])
            row.add_class("ok-module")
            row.add_class(f"ok-module-{entry['code']}")
            self.entries[entry["code"]] = row
            children.append(row)
        if not entries:
            children.append(Notice("Er zijn nog geen lesmodules."))
        super().__init__(children)
        self.add_class("ok-module-list")


# -- page kinds ---------------------------------------------------------------------------


class CaseDecision(w.VBox):
    """A situation, a question and one button per choice; the chosen choice's feedback appears."""

    def __init__(self, page: Page, chosen: int | None, on_choose: Callable[[int], None]):
        self.page = page
        situation = _html(page.situation, "ok-situation")
        question = w.HTML(f"<p><strong>{html.escape(page.question)}</strong></p>")
        self.buttons = []
        for i, choice in enumerate(page.choices):
            button = _button(choice.label, "ok-case-choice")
            button.on_click(lambda _b, i=i: self._choose(i))
            self.buttons.append(button)
        self.feedback = w.HTML()
        self.feedback.add_class("ok-case-feedback")
        self._on_choose = on_choose
        children = ([_html(page.body)] if page.body else []) + [situation, question, w.HBox(self.buttons),
                                                                 self.feedback]
        super().__init__(children)
        self.add_class("ok-case-decision")
        self._show(chosen)

    def _choose(self, index: int) -> None:
        self._show(index)
        self._on_choose(index)

    def _show(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.page.choices):
            self.feedback.value = ""
            self.feedback.layout.display = "none"
            return
        choice = self.page.choices[index]
        verdict = "Goed gekozen." if choice.correct else "Niet de beste keuze."
        self.feedback.value = (f"<p><strong>{html.escape(verdict)}</strong> Je koos: "
                               f"{html.escape(choice.label)}.</p>{render_text(choice.feedback)}")
        self.feedback.layout.display = None
        for i, button in enumerate(self.buttons):
            button.button_style = ("success" if self.page.choices[i].correct else "danger") if i == index else ""


class _WriteThenReveal(w.VBox):
    """Text boxes for the trainee's own answer; after saving, the notes are shown."""

    def __init__(self, intro: list[w.Widget], prompts: Sequence[str], answers: Sequence[str], notes_html: str,
                 revealed: bool, on_save: Callable[[list[str]], None], *, css: str, notes_css: str,
                 reveal_label: str):
        self.boxes = []
        rows: list[w.Widget] = []
        for i, prompt in enumerate(prompts):
            box = w.Textarea(value=answers[i] if i < len(answers) else "", placeholder="Jouw antwoord",
                             layout=w.Layout(width="100%", height="5em"))
            box.add_class(f"{css}-text")
            self.boxes.append(box)
            rows += [w.HTML(f"<p><strong>{html.escape(prompt)}</strong></p>"), box]
        self.reveal = _button(reveal_label, f"{css}-reveal", button_style="primary")
        self.reveal.on_click(lambda _b: self._save())
        self.message = w.HTML()
        self.notes = w.HTML(notes_html)
        self.notes.add_class(notes_css)
        self.notes.layout.display = None if revealed else "none"
        self._on_save = on_save
        super().__init__([*intro, *rows, self.reveal, self.message, self.notes])
        self.add_class(css)

    def _save(self) -> None:
        texts = [b.value.strip() for b in self.boxes]
        if not any(texts):
            self.message.value = "<p>Schrijf eerst je eigen antwoord op.</p>"
            return
        self.message.value = ""
        self.notes.layout.display = None
        self._on_save(texts)


class Reflection(_WriteThenReveal):
    """A Babytijd voorbeeldsituatie (``situation`` as :meth:`ExampleSituation.as_dict`):
    the trainee writes how they would guide the group, then sees the facilitator notes."""

    def __init__(self, page: Page, situation: Mapping[str, Any] | None, answer: str, revealed: bool,
                 on_save: Callable[[str], None]):
        if situation is None:
            intro: list[w.Widget] = [Notice(f"De voorbeeldsituatie van thema {page.theme} ontbreekt.", kind="error")]
            notes = ""
        else:
            prompts = "".join(f"<li>{html.escape(p)}</li>" for p in situation["prompts"])
            intro = ([_html(page.body)] if page.body else []) + [
                w.HTML(f"<p><strong>Thema {situation['theme']}: {html.escape(situation['title'])}</strong>"
                       + (f" · activiteit: {html.escape(situation['activity'])}" if situation.get("activity") else "")
                       + "</p>"),
                _html(situation["situation"], "ok-situation"),
                w.HTML(f"<p>Vragen aan de groep:</p><ul>{prompts}</ul>"),
            ]
            facilitator = situation["facilitator"]
            notes = ("<p><strong>Aantekeningen voor de begeleider</strong></p>"
                     f"<p>{html.escape(facilitator['skill_focus'])}</p><ul>"
                     + "".join(f"<li>{html.escape(d)}</li>" for d in facilitator["discussion"]) + "</ul>")
        super().__init__(intro, ["Hoe zou jij de groep begeleiden?"], [answer], notes, revealed,
                         lambda texts: on_save(texts[0]), css="ok-reflection", notes_css="ok-reflection-notes",
                         reveal_label="Opslaan en aantekeningen bekijken")


class ClipQuestions(_WriteThenReveal):
    """The mentalising questions on a sample case (``case``: ``title`` and ``vignette`` text)."""

    def __init__(self, page: Page, case: Mapping[str, Any] | None, answers: Sequence[str], revealed: bool,
                 on_save: Callable[[list[str]], None]):
        intro: list[w.Widget] = [_html(page.body)] if page.body else []
        if case is None:
            intro.append(Notice(f"Het fragment {page.case} is (nog) niet beschikbaar; beantwoord de vragen "
                                "aan de hand van de beschrijving in de tekst."))
        else:
            lines = "".join(f"<li>{html.escape(line)}</li>" for line in (case.get("vignette") or "").splitlines()
                            if line.strip())
            if case.get("clip_url"):
                track = (f"<track kind='subtitles' srclang='nl' label='Nederlands' default "
                         f"src='{html.escape(case['subtitles_url'], quote=True)}'>" if case.get("subtitles_url") else "")
                intro.append(w.HTML(f"<video class='ok-clip-video' controls muted playsinline preload='metadata' "
                                    f"width='640' src='{html.escape(case['clip_url'], quote=True)}'>{track}</video>"))
            intro.append(w.HTML(f"<div class='ok-situation ok-clip-vignette'><p><strong>{html.escape(case['title'])}"
                                f"</strong></p><ul>{lines}</ul></div>"))
        notes = ("<p><strong>Waar let je op?</strong></p><ul>"
                 + "".join(f"<li>{html.escape(n)}</li>" for n in page.notes) + "</ul>")
        super().__init__(intro, page.questions, answers, notes, revealed, on_save, css="ok-clip",
                         notes_css="ok-clip-notes", reveal_label="Opslaan en toelichting bekijken")


class AnchorList(w.VBox):
    """The anchor descriptions of a scale, highest first (``scale``: ``name`` and ``anchors``)."""

    def __init__(self, page: Page, scale: Mapping[str, Any] | None):
        children: list[w.Widget] = [_html(page.body)] if page.body else []
        if scale is None:
            children.append(Notice(f"De schaal {page.scale} ontbreekt.", kind="error"))
        else:
            points = sorted(scale["anchors"].items(), key=lambda kv: -int(kv[0]))
            rows = "".join(f"<dt>{html.escape(str(p))}</dt><dd>{html.escape(t)}</dd>" for p, t in points)
            children.append(w.HTML(f"<p><strong>{html.escape(scale['name'])}</strong></p><dl>{rows}</dl>"))
            if scale.get("reference"):
                children.append(w.HTML(f"<p class='ok-anchors-reference'><em>Over deze tekst:</em> "
                                       f"{html.escape(scale['reference'])}</p>"))
        super().__init__(children)
        self.add_class("ok-anchors")


class Quiz(w.VBox):
    """The check: one block per question (``ok-quiz-question``), options as buttons
    (``ok-quiz-option``); an answer is final and its explanation shows at once (``ok-quiz-feedback``).

    One correct option: a click answers. More: click options to select them, then
    "Controleer" (``ok-quiz-submit``). ``answers`` maps question id to chosen indices.
    """

    def __init__(self, questions: Sequence[QuizQuestion], answers: Mapping[str, Sequence[int]],
                 on_answer: Callable[[str, list[int]], None]):
        self._on_answer = on_answer
        self.blocks = [self._block(i, q, answers.get(q.id)) for i, q in enumerate(questions, 1)]
        super().__init__(self.blocks)
        self.add_class("ok-quiz")

    def _block(self, number: int, q: QuizQuestion, given: Sequence[int] | None) -> w.VBox:
        hint = " (meer antwoorden goed)" if q.multiple and "meer antwoorden" not in q.question else ""
        title = w.HTML(f"<p><strong>{number}. {html.escape(q.question)}{html.escape(hint)}</strong></p>")
        selected: set[int] = set()
        buttons = [_button(text, "ok-quiz-option") for text in q.options]
        feedback = w.HTML()
        feedback.add_class("ok-quiz-feedback")
        feedback.layout.display = "none"
        submit = _button("Controleer", "ok-quiz-submit", button_style="primary")
        children: list[w.Widget] = [title, w.VBox(buttons)]
        if q.multiple:
            children.append(submit)
        children.append(feedback)
        block = w.VBox(children)
        block.add_class("ok-quiz-question")

        def show(chosen: Sequence[int]) -> None:
            right = score_question(q, chosen)
            for i, button in enumerate(buttons):
                button.disabled = True
                if i in chosen:  # told apart without colour too: an icon, and for screen readers widgets/a11y.py
                    button.add_class("ok-quiz-chosen")
                if i in q.correct:
                    button.button_style = "success"
                    button.icon = "check"
                    button.add_class("ok-quiz-correct")
                elif i in chosen:
                    button.button_style = "danger"
                    button.icon = "times"
                    button.add_class("ok-quiz-wrong")
            submit.layout.display = "none"
            verdict = "Goed!" if right else "Niet helemaal."
            feedback.value = f"<p><strong>{verdict}</strong></p>{render_text(q.explanation)}"
            feedback.layout.display = None

        def answer(chosen: list[int]) -> None:
            show(chosen)
            self._on_answer(q.id, sorted(chosen))

        def click(i: int) -> None:
            if not q.multiple:
                answer([i])
                return
            selected.symmetric_difference_update({i})
            buttons[i].button_style = "info" if i in selected else ""

        for i, button in enumerate(buttons):
            button.on_click(lambda _b, i=i: click(i))
        submit.on_click(lambda _b: answer(sorted(selected)) if selected else None)
        if given:
            show(list(given))
        return block


# -- one module, page by page -------------------------------------------------------------------


class ModuleViewer(w.VBox):
    """A module's pages with Vorige/Volgende; the last page is the check and the finish button.

    ``answers`` is the stored answers document (``{"pages": {...}, "check": {...}}``);
    the viewer works on a copy and hands every change to ``on_answers``. ``on_page``
    gets the new page index, ``on_complete`` is called when the trainee finishes.
    ``situations`` (by theme), ``cases`` and ``scales`` (by code) feed the page kinds.
    """

    def __init__(self, module: Module, *, page: int = 0, answers: Mapping[str, Any] | None = None,
                 completed: bool = False, situations: Mapping[int, Mapping[str, Any]] | None = None,
                 cases: Mapping[str, Mapping[str, Any]] | None = None,
                 scales: Mapping[str, Mapping[str, Any]] | None = None,
                 on_page: Callable[[int], None] = lambda i: None,
                 on_answers: Callable[[dict[str, Any]], None] = lambda a: None,
                 on_complete: Callable[[], None] = lambda: None,
                 on_back: Callable[[], None] | None = None):
        self.module = module
        self.answers: dict[str, Any] = copy.deepcopy(dict(answers or {}))
        self.answers.setdefault("pages", {})
        self.answers.setdefault("check", {})
        self.completed = completed
        self._situations = situations or {}
        self._cases = cases or {}
        self._scales = scales or {}
        self._on_page, self._on_answers, self._on_complete = on_page, on_answers, on_complete
        self.page = min(max(page, 0), module.page_count - 1)

        title = w.HTML(f"<h2>{html.escape(module.title)}</h2><p class='ok-module-source'>Bron: "
                       f"{html.escape(module.source)}</p>")
        self.pageno = w.HTML()
        self.pageno.add_class("ok-module-pageno")
        self.content = w.VBox()
        self.content.add_class("ok-module-page")
        self.prev = _button("Vorige", "ok-module-prev")
        self.next = _button("Volgende", "ok-module-next", button_style="primary")
        self.finish = _button("Module afronden", "ok-module-finish", button_style="success")
        self.prev.on_click(lambda _b: self.go(self.page - 1))
        self.next.on_click(lambda _b: self.go(self.page + 1))
        self.finish.on_click(lambda _b: self._complete())
        nav = [self.prev, self.next, self.finish]
        if on_back is not None:
            back = _button("Terug naar het overzicht", "ok-module-back")
            back.on_click(lambda _b: on_back())
            nav.append(back)
        self.done = w.HTML()
        self.done.add_class("ok-module-complete")
        super().__init__([title, self.pageno, self.content, self.done, w.HBox(nav)])
        self.add_class("ok-module-viewer")
        self._render()

    # navigation
    def go(self, index: int) -> None:
        if not 0 <= index < self.module.page_count or index == self.page:
            return
        self.page = index
        self._on_page(index)  # stored before the page changes on screen
        self._render()

    def _render(self) -> None:
        last = self.page == self.module.page_count - 1
        self.pageno.value = f"Pagina {self.page + 1} van {self.module.page_count}"
        self.prev.disabled = self.page == 0
        self.next.layout.display = "none" if last else None
        self.finish.layout.display = None if last else "none"
        self.content.children = [self._page_widget()]
        self._update_finish()

    def _update_finish(self) -> None:
        last = self.page == self.module.page_count - 1
        self.finish.disabled = self.completed or not check_complete(self.module, self.answers)
        if self.completed and last:
            result = score_check(self.module, self.answers)
            self.done.value = (f"<p><strong>Module afgerond.</strong> Je had {result.correct} van de "
                               f"{result.total} checkvragen goed.</p>")
            self.done.layout.display = None
        else:
            self.done.value = ""
            self.done.layout.display = "none"

    # pages
    def _page_answer(self) -> dict[str, Any]:
        return self.answers["pages"].get(str(self.page)) or {}

    def _store_page_answer(self, value: dict[str, Any]) -> None:
        self.answers["pages"][str(self.page)] = value
        self._on_answers(copy.deepcopy(self.answers))

    def _page_widget(self) -> w.Widget:
        if self.page == len(self.module.pages):
            intro = w.HTML("<h2>Check</h2><p>Beantwoord de vragen; je ziet meteen de uitleg. Als alle vragen "
                           "beantwoord zijn, kun je de module afronden.</p>")
            return w.VBox([intro, Quiz(self.module.check, self.answers["check"], self._answer_check)])
        page = self.module.pages[self.page]
        heading = w.HTML(f"<h2>{html.escape(page.title)}</h2>")
        saved = self._page_answer()
        if page.kind == "case_decision":
            body: w.Widget = CaseDecision(page, saved.get("choice"),
                                          lambda i: self._store_page_answer({"choice": i}))
        elif page.kind == "reflection":
            body = Reflection(page, self._situations.get(page.theme), saved.get("text", ""), bool(saved),
                              lambda text: self._store_page_answer({"text": text}))
        elif page.kind == "clip_question":
            body = ClipQuestions(page, self._cases.get(page.case), saved.get("answers", []), bool(saved),
                                 lambda texts: self._store_page_answer({"answers": texts}))
        elif page.kind == "anchors":
            body = AnchorList(page, self._scales.get(page.scale))
        else:
            body = _html(page.body, "ok-module-text")
        return w.VBox([heading, body])

    def _answer_check(self, question_id: str, chosen: list[int]) -> None:
        self.answers["check"][question_id] = chosen
        self._on_answers(copy.deepcopy(self.answers))
        self._update_finish()

    def _complete(self) -> None:
        if self.completed or not check_complete(self.module, self.answers):
            return
        self.completed = True
        self._on_complete()
        self._update_finish()


# -- the whole app body ----------------------------------------------------------------------------


class ModulesBrowser(w.VBox):
    """The module list and, after "Beginnen"/"Verder", that module's viewer on the saved page.

    ``save(code, page=..., answers=..., completed=...)`` stores progress and returns the
    new :class:`ModuleProgressInfo`; domain errors it raises are shown as a Dutch notice.
    """

    def __init__(self, modules: Sequence[Module], progress: Mapping[str, ModuleProgressInfo], *,
                 group_labels: Mapping[str, str], save: Callable[..., ModuleProgressInfo],
                 situations: Mapping[int, Mapping[str, Any]] | None = None,
                 cases: Mapping[str, Mapping[str, Any]] | None = None,
                 scales: Mapping[str, Mapping[str, Any]] | None = None):
        self.modules = {m.code: m for m in modules}
        self._order = list(modules)
        self.progress = dict(progress)
        self._labels = group_labels
        self._save = save
        self._extra = {"situations": situations, "cases": cases, "scales": scales}
        self.message = w.VBox()
        self.body = w.VBox()
        style = w.HTML(_CSS, layout=w.Layout(display="none"))
        super().__init__([style, self.message, self.body])
        self.add_class("ok-modules")
        self.viewer: ModuleViewer | None = None
        self.show_list()

    def _entries(self) -> list[dict[str, Any]]:
        groups = list(dict.fromkeys(m.programme for m in self._order))
        ordered = sorted(self._order, key=lambda m: groups.index(m.programme))
        return [{"code": m.code, "title": m.title, "group": self._labels.get(m.programme, m.programme),
                 "summary": m.summary, "status": module_status(self.progress.get(m.code)),
                 "page": self.progress[m.code].page if m.code in self.progress else 0,
                 "page_count": m.page_count} for m in ordered]

    def show_list(self) -> None:
        self.viewer = None
        self.module_list = ModuleList(self._entries(), self.open_module)
        self.body.children = [self.module_list]

    def open_module(self, code: str) -> None:
        module = self.modules[code]
        saved = self.progress.get(code)
        self.message.children = []
        self.viewer = ModuleViewer(
            module, page=saved.page if saved else 0, answers=saved.answers if saved else None,
            completed=bool(saved and saved.completed_at), **self._extra,
            on_page=lambda i: self._store(code, page=i),
            on_answers=lambda a: self._store(code, answers=a),
            on_complete=lambda: self._store(code, completed=True),
            on_back=self.show_list,
        )
        self.body.children = [self.viewer]
        if saved is None:
            self._store(code, page=0)

    def _store(self, code: str, **changes: Any) -> None:
        try:
            self.progress[code] = self._save(code, **changes)
            self.message.children = []
        except OefenkitError as exc:
            self.message.children = [Notice(str(exc), kind="error")]
