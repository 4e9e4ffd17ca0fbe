"""The certification test (toets): start panel, exam screen and result.

Components take plain values (:mod:`oefenkit.storage.exams`) and callbacks;
they never touch the database. :class:`ExamFlow` switches between the three
screens; ``oefenkit_widgets.pages.exam.exam_page`` wires its callbacks to the ``Kit`` verbs.

Before the attempt is submitted, nothing here holds an expert score, a
consensus or a rationale: the values the components get
(:class:`~oefenkit.storage.exams.ExamAttemptInfo`,
:class:`~oefenkit.storage.exams.ExamProgress`) carry none, so neither the
kernel nor the widget state (what the browser receives) can show them.

Clips play in the practice app's :class:`~oefenkit_widgets.practice.VideoPlayer` and are
scored with its :class:`~oefenkit_widgets.practice.ScaleScorer` (``set_value`` shows the
saved scores of a resumed attempt without calling back).
"""

from __future__ import annotations

import html
import logging
from typing import Any, Callable, Mapping, Sequence

import ipywidgets as w

from oefenkit.certification import STATISTIC_HELP, explain
from oefenkit.dutch import enumeration
from oefenkit.errors import OefenkitError
from oefenkit.scales import Scale
from oefenkit.storage.exams import ExamAttemptInfo, ExamOutcome, ExamProgress

from .confirm import ConfirmButton
from .formatting import day_text, fixed, percent
from .notice import Notice
from .practice import ScaleScorer, VideoPlayer
from .reveal import reveal, reveal_anchor
from .statistics_link import statistics_link_html

__all__ = ["ExamStart", "ExamScreen", "ExamResult", "ExamFlow", "rule_lines", "statistics_rows", "next_step",
           "details_html", "set_label", "PRACTICE_TEXT", "DEMO_TEXT"]

log = logging.getLogger(__name__)


#: What an oefentoets is (a test on a public set), on the start panel and with the result.
PRACTICE_TEXT = ("Dit is een oefentoets. De expertscores van deze set zijn openbaar: ze staan in de kit zelf. "
                 "Daarom krijg je na het inleveren wel de volledige uitslag, maar geen certificaat, en gaat er "
                 "geen voorstel naar je trainer. Voor je certificaat maak je de toets op de eigen toetsset "
                 "van je organisatie.")
#: A public set under the demo setting (``OEFENKIT_DEMO_CERTIFICATES``).
DEMO_TEXT = ("Deze set is openbaar. Deze installatie is ingesteld voor demonstraties: wie slaagt, krijgt een "
             "certificaat met het woord demonstratie erop. Dat geldt niet als certificering.")


def set_label(exam_set: Any, *, demo: bool = False) -> str:
    """An exam set in the set choice: its name and what a test on it is."""
    if not exam_set.public:
        what = "certificeringstoets"
    elif demo:
        what = "openbare set, demonstratiecertificaat"
    else:
        what = "oefentoets, geen certificaat"
    return f"{exam_set.name} ({what})"


def _html(text: str, css_class: str, tag: str = "p") -> w.HTML:
    box = w.HTML(f"<{tag}>{html.escape(text)}</{tag}>")
    box.add_class(css_class)
    return box


# -- small components -------------------------------------------------------------------


def _scored_on(scales: Sequence[Scale]) -> str:
    """"op sensitiviteit en op coöperatie (1–9)": the scales an exam fragment is scored on."""
    if not scales:
        return "op de schalen"
    parts = [f"op {sc.short_title}" for sc in scales]
    words = enumeration(parts)
    ranges = {(sc.min_score, sc.max_score) for sc in scales}
    if len(ranges) == 1:
        lo, hi = next(iter(ranges))
        words += f" ({lo}–{hi})"
    return words


def rule_lines(rule: Mapping[str, Any], max_attempts: int, attempts_used: int, *, practice: bool = False,
               demo: bool = False, scales: Sequence[Scale] = ()) -> list[str]:
    """The rules of the test explained in Dutch, from a rule's ``as_dict()``; ``scales`` are the
    scales the test asks a score on (the current scales), named by their short titles.

    ``practice``: the set is public, so the test is an oefentoets (no certificate); ``demo``: a
    public set that still gives a certificate, marked as a demonstration (the demo setting).
    """
    lines = [
        f"Je scoort elk toetsfragment {_scored_on(scales)}. De fragmenten staan in een "
        "willekeurige volgorde die voor jouw poging vastligt.",
        "Je krijgt geen feedback en ziet geen expertscores tot je alle fragmenten hebt gescoord en de toets "
        "hebt ingeleverd. Tot dat moment kun je scores nog aanpassen.",
        "Je kunt onderbreken en later verder gaan: je scores worden meteen bewaard.",
    ]
    scales = rule.get("scales") or {}
    if scales:
        th = next(iter(scales.values()))
        lines.append(
            f"Je bent geslaagd als je per schaal minstens {rule.get('min_clips')} fragmenten scoort en je scores "
            f"goed overeenkomen met die van de experts: bij minstens {percent(th['within_one_min'])} van de "
            f"fragmenten hoogstens 1 punt verschil, gemiddeld niet meer dan {fixed(th['abs_bias_max'], 1)} punt te "
            "hoog of te laag, je scores gaan samen op en neer met die van de experts, en van de fragmenten die de "
            f"experts heel laag (1–2) of heel hoog (8–9) scoorden, scoor jij er minstens "
            f"{percent(th['extremes_min_share'])} ook zo. De precieze getallen zie je na afloop onder Details.")
    if practice:
        lines.append(PRACTICE_TEXT)
    else:
        if rule.get("required_supervised_cases"):
            lines.append(f"Voor dit programma zijn daarnaast {rule['required_supervised_cases']} in supervisie "
                         "besproken casussen nodig.")
        years = (rule.get("validity") if isinstance(rule.get("validity"), dict) else {}).get("years") \
            or rule.get("validity_years")
        if demo:
            lines.append(DEMO_TEXT)
        elif years:
            lines.append(f"Wie slaagt, krijgt een certificaat met een verificatiecode, {years} jaar geldig.")
    lines.append(f"Je mag de toets {max_attempts} keer maken; je hebt {attempts_used} "
                 f"{'poging' if attempts_used == 1 else 'pogingen'} gebruikt.")
    return lines


def statistics_rows(statistics: Mapping[str, Any], scale_names: Mapping[str, str] | None = None) -> list[list[str]]:
    """Per scale: clips, ICC(A,1), within one point, mean difference, extremes recognised."""
    names = scale_names or {}
    rows = []
    for scale, s in (statistics.get("scales") or {}).items():
        title = names.get(scale, scale.capitalize())
        if "icc_a1" not in s:
            rows.append([title, str(s.get("n_clips", 0)), "–", "–", "–", "–"])
            continue
        bands = [s.get("low_extremes") or {}, s.get("high_extremes") or {}]
        items = sum(b.get("consensus_items", 0) for b in bands)
        recognised = sum(b.get("recognised", 0) for b in bands)
        rows.append([title, str(s.get("n_clips", 0)), fixed(s.get("icc_a1")), percent(s.get("within_one", 0)),
                     fixed(s.get("bias")), f"{recognised} van {items}"])
    return rows


# -- the three screens ---------------------------------------------------------------------


class ExamStart(w.VBox):
    """The rules in Dutch, a programme and an exam-set choice, and the ``ok-exam-start`` button.

    ``sets_for(programme)`` gives the set choices ``[(label, code)]`` of a programme;
    ``lines_for(programme, set_code)`` the rules; ``blocked(programme, set_code)`` why a new
    attempt cannot start ("" when it can); ``practice(set_code)`` whether the set is public (an
    oefentoets). ``on_start(programme, set_code)`` starts.
    """

    def __init__(self, programmes: Sequence[tuple[str, str]], programme: str | None,
                 sets_for: Callable[[str], Sequence[tuple[str, str]]],
                 lines_for: Callable[[str, str | None], list[str]], on_start: Callable[[str, str], Any], *,
                 blocked: Callable[[str, str | None], str] | None = None,
                 practice: Callable[[str | None], bool] | None = None):
        self._sets_for, self._lines_for = sets_for, lines_for
        self._blocked = blocked or (lambda _p, _s: "")
        self._practice = practice or (lambda _s: False)
        self.programme = w.Dropdown(options=list(programmes), value=programme, description="Programma")
        self.programme.add_class("ok-exam-programme")
        self.case_set = w.Dropdown(options=[], description="Toetsset", layout=w.Layout(width="auto"))
        self.case_set.add_class("ok-exam-set")
        self.kind = w.HTML()
        self.kind.add_class("ok-exam-kind")
        self.rules = w.HTML()
        self.rules.add_class("ok-exam-rules")
        self.reason = w.Box()
        self.button = w.Button(description="Toets starten", button_style="primary", icon="play")
        self.button.add_class("ok-exam-start")
        self.button.on_click(lambda _b: self.case_set.value and on_start(self.programme.value, self.case_set.value))
        super().__init__([_html("Zo werkt de toets", "ok-section-title", "h2"), self.programme, self.case_set,
                          self.kind, self.rules, self.reason, self.button])
        self.add_class("ok-exam-intro")
        self.programme.observe(lambda _c: self._show_sets(), names="value")
        self.case_set.observe(lambda _c: self._show_rules(), names="value")
        self._show_sets()

    def _show_sets(self) -> None:
        options = list(self._sets_for(self.programme.value)) if self.programme.value else []
        self.case_set.options = options
        self.case_set.value = options[0][1] if options else None
        self._show_rules()

    def _show_rules(self) -> None:
        programme, set_code = self.programme.value, self.case_set.value
        if programme is None or set_code is None:
            self.kind.value = ""
            self.rules.value = ""
            self.reason.children = (Notice("Voor dit programma is nog geen toetsset met fragmenten."),)
            self.button.disabled = True
            return
        practice = self._practice(set_code)
        self.kind.value = ("<p><strong>Oefentoets</strong>: openbare set, geen certificaat.</p>" if practice else
                           "<p><strong>Certificeringstoets</strong> op de eigen toetsset van je organisatie.</p>")
        items = "".join(f"<li>{html.escape(t)}</li>" for t in self._lines_for(programme, set_code))
        self.rules.value = f"<ul>{items}</ul>"
        reason = self._blocked(programme, set_code)
        self.reason.children = (Notice(reason),) if reason else ()
        self.button.disabled = bool(reason)


class ExamScreen(w.VBox):
    """One clip at a time in the attempt's order, with score buttons, a note and navigation.

    ``on_save(case_code, scores, note)`` stores and returns the new
    :class:`ExamProgress`; ``on_submit()`` hands the attempt in. The
    ``ok-exam-submit`` button is enabled only when every clip is scored.
    """

    def __init__(self, attempt: ExamAttemptInfo, progress: ExamProgress, scales: Sequence[Scale],
                 clip_url: Callable[[str], str], subtitles_url: Callable[[str], str | None],
                 on_save: Callable[[str, dict[str, int], str | None], ExamProgress], on_submit: Callable[[], Any],
                 *, max_attempts: int | None = None):
        self.attempt = attempt
        self.progress = progress
        self._clip_url, self._subtitles_url = clip_url, subtitles_url
        self._on_save = on_save
        self.index = 0
        self._pending_notes: dict[str, str] = {}
        self.title = w.HTML()
        self.title.add_class("ok-exam-case-title")
        self.player_box = w.Box()
        self.vignette = w.HTML()
        self.vignette.add_class("ok-exam-vignette")
        # one scorer per scale the core asks a score on (progress.scales), headed by the scale's title
        self.scorers = {sc.code: ScaleScorer.of(sc, lambda n, code=sc.code: self._scored(code, n), heading=sc.title)
                        for sc in scales if sc.code in progress.scales}
        for code, scorer in self.scorers.items():
            scorer.add_class("ok-exam-scale")
            scorer.add_class(f"ok-exam-scale-{code}")
        scorer_row = w.HBox(list(self.scorers.values()), layout=w.Layout(flex_flow="row wrap",
                                                                           align_items="flex-start"))
        self.note = w.Textarea(placeholder="Toelichting (optioneel): wat zag je?", continuous_update=False,
                               layout=w.Layout(width="100%", height="70px"))
        self.note.add_class("ok-exam-note")
        self.note.observe(self._note_changed, names="value")
        self.prev = w.Button(description="Vorige", icon="arrow-left")
        self.prev.add_class("ok-exam-prev")
        self.prev.on_click(lambda _b: self.go(self.index - 1, reveal_title=True))
        self.next = w.Button(description="Volgende", icon="arrow-right")
        self.next.add_class("ok-exam-next")
        self.next.on_click(lambda _b: self.go(self.index + 1, reveal_title=True))
        self.position = w.HTML()
        self.position.add_class("ok-exam-position")
        self.counter = w.HTML()
        self.counter.add_class("ok-exam-progress")
        self.message = w.Box()
        self.message.add_class("ok-exam-clip-message")
        self.submit = w.Button(description="Toets inleveren", button_style="success", icon="check")
        of = f" van de {max_attempts}" if max_attempts else ""
        # One click must not use an attempt: the button asks first, inside the page.
        self.submit_confirm = ConfirmButton(
            self.submit, "ok-exam-submit",
            f"Weet je het zeker? Dit is poging {attempt.number}{of}. Na het inleveren kun je je scores niet meer "
            "veranderen.", "Ja, inleveren", on_submit)
        hint = _html("Na het inleveren kun je je scores niet meer veranderen; daarna zie je de uitslag.",
                     "ok-exam-submit-hint")
        super().__init__([
            w.HBox([self.position, self.counter], layout=w.Layout(justify_content="space-between")),
            self.title, self.player_box, self.vignette, scorer_row, self.note,
            w.HBox([self.prev, self.next]), self.message, hint, self.submit_confirm,
        ])
        self.add_class("ok-exam")
        self._loading = False
        self.go(0)

    @property
    def case_code(self) -> str:
        return self.attempt.cases[self.index].code

    def show_error(self, text: str) -> None:
        self.message.children = (Notice(text, kind="error"),)
        reveal(".ok-exam-clip-message .ok-notice-error")

    def go(self, index: int, *, reveal_title: bool = False) -> None:
        """Show clip ``index``; ``reveal_title`` scrolls its title into view and focuses it."""
        index = max(0, min(index, len(self.attempt.cases) - 1))
        self.index = index
        case = self.attempt.cases[index]
        self._loading = True
        try:
            self.title.value = f"<h2>{html.escape(case.title)}</h2>"
            self.player_box.children = (VideoPlayer(self._clip_url(case.code), self._subtitles_url(case.code)),)
            self.vignette.value = (f"<details><summary>Beschrijving van het fragment</summary>"
                                   f"<p>{html.escape(case.vignette)}</p></details>" if case.vignette else "")
            own = self.progress.scores.get(case.code, {})
            for code, scorer in self.scorers.items():
                scorer.set_value(own.get(code))
            self.note.value = self._pending_notes.get(case.code, self.progress.notes.get(case.code, ""))
        finally:
            self._loading = False
        self.message.children = ()
        self._refresh()
        if reveal_title:
            reveal(".ok-exam-case-title h2")

    def _refresh(self) -> None:
        n = len(self.attempt.cases)
        self.position.value = f"<strong>Fragment {self.index + 1} van {n}</strong>"
        self.counter.value = f"<span>{self.progress.n_scored} van {self.progress.n_total} gescoord</span>"
        self.prev.disabled = self.index == 0
        self.next.disabled = self.index == n - 1
        self.submit.disabled = not self.progress.complete

    def _save(self, scores: dict[str, int], note: str | None) -> bool:
        try:
            self.progress = self._on_save(self.case_code, scores, note)
        except OefenkitError as exc:
            self.show_error(str(exc))
            return False
        self.message.children = ()
        self._refresh()
        return True

    def _scored(self, scale_code: str, score: int) -> None:
        code = self.case_code
        note = self._pending_notes.pop(code, None)
        if not self._save({scale_code: score}, note) and note is not None:
            self._pending_notes[code] = note

    def _note_changed(self, change) -> None:
        if self._loading:
            return
        code = self.case_code
        if self.progress.scores.get(code):
            self._save({}, change["new"])
        else:  # nothing stored for this clip yet: keep the note until the first score
            self._pending_notes[code] = change["new"]


def next_step(checks: Sequence[Any], scale_names: Mapping[str, str], attempts: tuple[int, int] | None) -> str:
    """After a failed attempt: what to practise (the scales that fell short) and the attempts left."""
    failed = [c for c in checks if not c.met]
    scales = list(dict.fromkeys(c.scale for c in failed if c.scale))
    parts = []
    if scales:
        names = [scale_names.get(c, c.capitalize()) for c in scales]
        which = enumeration(names)
        focus = []
        texts = " ".join(c.text for c in failed)
        if "heel laag" in texts or "heel hoog" in texts:
            focus.append("de fragmenten die de experts heel laag of heel hoog scoren")
        if "gemiddeld" in texts and "hoger" in texts:
            focus.append("of je niet te hoog scoort")
        if "gemiddeld" in texts and "lager" in texts:
            focus.append("of je niet te laag scoort")
        extra = f", en let vooral op {' en '.join(focus)}" if focus else ""
        parts.append(f"Oefen eerst verder met {which} in de app Oefenen met scoren{extra}. Daar zie je na elk "
                     "fragment de expertscore en de uitleg.")
    if any(c.scale is None for c in failed):
        parts.append("Laat je supervisor de besproken casussen vastleggen.")
    if attempts is not None:
        used, total = attempts
        left = max(0, total - used)
        if left:
            parts.append(f"Je hebt nog {left} van de {total} {'poging' if total == 1 else 'pogingen'} over.")
        else:
            parts.append(f"Je hebt alle {total} pogingen gebruikt. Neem contact op met je trainer.")
    return " ".join(parts)


def details_html(statistics: Mapping[str, Any], checks: Sequence[Any], scale_names: Mapping[str, str]) -> str:
    """The statistics behind the result, folded under "Details", each with a one-line explanation."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in
                   ("Schaal", "Fragmenten", "ICC(A,1)", "Binnen één punt", "Gemiddeld verschil", "Uitersten herkend"))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
                   for row in statistics_rows(statistics, scale_names))
    lines = "".join(f"<li><strong>{html.escape(c.detail)}</strong> ({html.escape(scale_names.get(c.scale, c.scale) if c.scale else 'programma')})</li>"
                    for c in checks if c.detail)
    helps = "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(v)}</dd>" for k, v in STATISTIC_HELP.items())
    return (f"<details class='ok-exam-details'><summary>Details</summary>"
            f"<table class='ok-exam-stats'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
            f"<ul class='ok-exam-rule-stats'>{lines}</ul>"
            f"<h3>Wat betekenen deze getallen?</h3><dl class='ok-exam-help'>{helps}</dl></details>"
            + statistics_link_html())


class ExamResult(w.VBox):
    """Geslaagd / niet geslaagd in one sentence, each rule in plain Dutch, the next step after a
    fail, the statistics under "Details" and, on a pass, the certificate link.

    ``attempts`` is ``(used, allowed)``; ``on_again`` (shown while attempts are left after a
    fail) opens the start panel for a new attempt.
    """

    def __init__(self, outcome: ExamOutcome, certificate_url: Callable[[str], str], *,
                 scale_names: Mapping[str, str] | None = None, attempts: tuple[int, int] | None = None,
                 on_again: Callable[[], Any] | None = None):
        names = dict(scale_names or {})
        checks = explain(outcome.statistics, outcome.rule, names)
        prefix = "Oefentoets: " if outcome.practice else ""
        head = _html(prefix + ("geslaagd" if outcome.passed else "niet geslaagd") if prefix else
                     ("Geslaagd" if outcome.passed else "Niet geslaagd"), "ok-exam-outcome", "h2")
        head.add_class("ok-exam-passed" if outcome.passed else "ok-exam-failed")
        test = "de oefentoets" if outcome.practice else "de scoringstoets"
        if outcome.passed:
            sentence = f"Je bent geslaagd voor {test}: je scores komen goed overeen met die van de experts."
        else:
            short = list(dict.fromkeys(names.get(c.scale, c.scale) for c in checks if not c.met and c.scale))
            sentence = (f"Je bent nog niet geslaagd voor {test}"
                        + (f": bij {' en '.join(short)} wijken je scores nog te veel af van die van de experts."
                           if short else "."))
        summary = _html(sentence, "ok-exam-summary")
        items = "".join(f"<li class='{'ok-rule-met' if c.met else 'ok-rule-unmet'}'>"
                        f"<span aria-hidden='true'>{'✓' if c.met else '✗'}</span> "
                        f"<span class='ok-visually-hidden' style='position:absolute;left:-10000px'>"
                        f"{'gehaald' if c.met else 'niet gehaald'}: </span>{html.escape(c.text)}</li>"
                        for c in checks)
        reasons = w.HTML(f"<ul style='list-style:none;padding-left:0'>{items}</ul>")
        reasons.add_class("ok-exam-reasons")
        children: list[w.Widget] = [head, summary, reasons]
        if outcome.practice:
            # After the reasons, so a certificate link (never for an oefentoets) keeps its place.
            children.append(_html(PRACTICE_TEXT, "ok-exam-oefentoets"))
        if not outcome.passed:
            step = _html("Volgende stap: " + next_step(checks, names, attempts), "ok-exam-next-step")
            children.append(step)
        # After an oefentoets (passed or not) the way to the own set's test must stay open: the app
        # opens on the latest result, so without this button a passed oefentoets would be a dead end.
        left = attempts is not None and attempts[0] < attempts[1]
        if on_again is not None and (outcome.practice or (not outcome.passed and left)):
            again = w.Button(description="Naar de toetsen" if outcome.practice and (outcome.passed or not left)
                             else "Nieuwe poging voorbereiden", icon="redo", layout=w.Layout(width="auto"))
            again.add_class("ok-exam-again")
            again.on_click(lambda _b: on_again())
            children.append(again)
        details = w.HTML(details_html(outcome.statistics, checks, names))
        details.add_class("ok-exam-details-box")
        children.append(details)
        if outcome.certificate is not None:
            cert = outcome.certificate
            url = certificate_url(cert.code)
            validity = ("Je trainer heeft dit certificaat ingetrokken; het is niet meer geldig. "
                        if cert.revoked else
                        ("Je certificaat verloopt niet. " if day_text(cert.valid_until) == "onbeperkt" else
                         f"Je certificaat is geldig tot en met {day_text(cert.valid_until)}. "))
            if cert.demo:
                validity = ("Dit is een demonstratiecertificaat: de toets was op een openbare set. Het geldt niet "
                            "als certificering. ") + validity
            link = w.HTML(
                f"<p>{validity}"
                f"Verificatiecode: <code class='ok-exam-code'>{html.escape(cert.code)}</code></p>"
                f"<p><a class='ok-exam-certificate' href='{html.escape(url, quote=True)}' target='_blank' "
                f"rel='noopener'>Certificaat downloaden (PDF)</a></p>")
            link.add_class("ok-exam-certificate-box")
            children.insert(3, link)
        super().__init__(children)
        self.add_class("ok-exam-result")
        self.outcome = outcome
        self.checks = checks


class ExamFlow(w.VBox):
    """Start → exam → result, over callbacks (``oefenkit_widgets.pages.exam.exam_page`` gives them).

    ``start(programme, set_code)`` returns the (new or resumed) attempt; ``progress(attempt_id)``,
    ``save(attempt_id, case, scores, note)`` and ``submit(attempt_id)`` do what their names say.
    ``latest`` is the outcome of the person's last submitted attempt: with no open attempt the
    app opens on that result (not the start panel). ``attempts(set_code)`` gives ``(used, allowed)``
    on that exam set.
    """

    def __init__(self, *, open_attempt: ExamAttemptInfo | None,
                 make_start: Callable[[Callable[[str, str], Any]], w.Widget],
                 start: Callable[[str, str], ExamAttemptInfo], progress: Callable[[int], ExamProgress],
                 save: Callable[[int, str, dict[str, int], str | None], ExamProgress],
                 submit: Callable[[int], ExamOutcome], scales: Sequence[Scale],
                 clip_url: Callable[[str], str], subtitles_url: Callable[[str], str | None],
                 certificate_url: Callable[[str], str], latest: ExamOutcome | None = None,
                 attempts: Callable[[str | None], tuple[int, int]] | None = None):
        super().__init__()
        self.add_class("ok-exam-app")
        self._start, self._progress, self._save, self._submit = start, progress, save, submit
        self._scales, self._clip_url, self._subtitles_url = scales, clip_url, subtitles_url
        self._certificate_url = certificate_url
        self._make_start = make_start
        self._attempts = attempts
        self._scale_names = {sc.code: sc.title for sc in scales}
        self.message = w.Box()
        self.message.add_class("ok-exam-message")
        self.screen: w.Widget | None = None
        if open_attempt is not None:
            self._open(open_attempt, resumed=True, from_page_load=True)
        elif latest is not None:
            self._show_result(latest)
        else:
            self.show_start()

    def show_start(self) -> None:
        self._show(self._make_start(self._on_start))

    def _show_result(self, outcome: ExamOutcome, notice: str | None = None) -> None:
        attempts = self._attempts((outcome.statistics or {}).get("case_set")) if self._attempts else None
        self._show(ExamResult(outcome, self._certificate_url, scale_names=self._scale_names or None,
                              attempts=attempts, on_again=self.show_start), notice)

    def _show(self, screen: w.Widget, notice: str | None = None) -> None:
        self.screen = screen
        self.message.children = (Notice(notice),) if notice else ()
        self.children = (self.message, screen, reveal_anchor())

    def _error(self, exc: OefenkitError) -> None:
        self.message.children = (Notice(str(exc), kind="error"),)
        self.children = (self.message, *(c for c in self.children if c is not self.message))
        reveal(".ok-exam-message .ok-notice-error")

    def _on_start(self, programme: str, set_code: str) -> None:
        try:
            attempt = self._start(programme, set_code)
        except OefenkitError as exc:
            self._error(exc)
            return
        self._open(attempt, resumed=attempt.resumed)

    def _open(self, attempt: ExamAttemptInfo, *, resumed: bool, from_page_load: bool = False) -> None:
        try:
            progress = self._progress(attempt.id)
        except OefenkitError as exc:
            self._error(exc)
            return
        max_attempts = self._attempts(attempt.case_set_code)[1] if self._attempts else None
        screen = ExamScreen(attempt, progress, self._scales, self._clip_url, self._subtitles_url,
                            lambda case, scores, note: self._save(attempt.id, case, scores, note),
                            lambda: self._on_submit(attempt.id), max_attempts=max_attempts)
        first_open = next((i for i, c in enumerate(attempt.cases) if not progress.is_scored(c.code)), 0)
        screen.go(first_open)
        self._show(screen, "Je gaat verder met je toets; je eerdere scores zijn bewaard." if resumed else None)
        if not from_page_load:  # after "Toets starten": the start button is gone, focus the first clip
            reveal(".ok-exam-case-title h2")

    def _on_submit(self, attempt_id: int) -> None:
        try:
            outcome = self._submit(attempt_id)
        except OefenkitError as exc:
            if isinstance(self.screen, ExamScreen):
                self.screen.show_error(str(exc))
            else:
                self._error(exc)
            return
        self._show_result(outcome)
        reveal(".ok-exam-outcome")
