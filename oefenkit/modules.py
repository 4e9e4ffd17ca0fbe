"""Course modules: loading and validating ``content/modules/*.yaml``, quiz scoring, progress.

A module file holds one module of the training: short pages and a check (a quiz
with an immediate explanation) at the end. Page kinds:

``text``           a short text (plain text with ``- `` bullets and ``**bold**``)
``case_decision``  a parent's situation and a choice ("past wel" / "past niet" …),
                   with feedback for every choice
``reflection``     a Babytijd voorbeeldsituatie by theme number: the trainee writes how
                   they would guide the group, then sees the facilitator notes
``clip_question``  the mentalising questions on a sample case (by case code); the
                   trainee answers them, then sees the notes
``anchors``        the anchor descriptions of a scale (by scale code)

Files are validated on load; a problem raises :class:`~oefenkit.errors.ContentError`
naming the file and the field. Nothing here touches the database: the storage
façade keeps the progress (:class:`ModuleProgressInfo`), this module decides what it
means (:func:`module_status`, :func:`score_check`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from .contentfile import read_yaml_mapping, refuse_unknown_fields
from .errors import ContentError
from .example_situations import THEME_COUNT

__all__ = [
    "PAGE_KINDS", "CONTEXT", "STATISTICS_MODULE", "MENTALISING_QUESTIONS", "STATUS_LABELS", "MIN_CHECK", "MAX_CHECK",
    "Choice", "Page", "QuizQuestion", "Module", "CheckResult", "ModuleProgressInfo",
    "load_modules", "load_module", "score_question", "score_check", "module_status", "check_complete",
]

PAGE_KINDS = ("text", "case_decision", "reflection", "clip_question", "anchors")
#: Modules that belong to no single programme (normal vs serious problems, the pyramid, …).
CONTEXT = "context"
#: The module that explains the statistics of the exam, practice, Vergelijken and the live
#: screens in plain words; every screen that shows a statistic links to it.
STATISTICS_MODULE = "context-hoe-de-toets-werkt"
#: The questions of the Ouder-baby interventie's video feedback (used when a page names none).
MENTALISING_QUESTIONS = (
    "Wat zie je?",
    "Hoe is het voor jou als ouder?",
    "Hoe denk je dat de baby zich voelt?",
)
#: A module's status as the module list shows it.
STATUS_LABELS = {"new": "nieuw", "started": "bezig", "completed": "afgerond"}
MIN_CHECK, MAX_CHECK = 3, 6
_MIN_PAGES, _MAX_PAGES = 1, 12
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_MODULE_FIELDS = {"code", "title", "programme", "source", "order", "summary", "pages", "check"}
_PAGE_FIELDS = {
    "text": {"kind", "title", "body"},
    "case_decision": {"kind", "title", "body", "situation", "question", "choices"},
    "reflection": {"kind", "title", "body", "theme"},
    "clip_question": {"kind", "title", "body", "case", "questions", "notes"},
    "anchors": {"kind", "title", "body", "scale"},
}


@dataclass(frozen=True)
class Choice:
    """One answer of a case decision, with the feedback shown when it is chosen."""

    label: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Page:
    """One page of a module; which fields are filled depends on ``kind``."""

    kind: str
    title: str
    body: str = ""
    situation: str = ""  # case_decision
    question: str = ""  # case_decision
    choices: tuple[Choice, ...] = ()  # case_decision
    theme: int | None = None  # reflection: Babytijd theme number
    case: str = ""  # clip_question: sample case code
    questions: tuple[str, ...] = ()  # clip_question
    notes: tuple[str, ...] = ()  # clip_question: shown after answering
    scale: str = ""  # anchors: scale code


@dataclass(frozen=True)
class QuizQuestion:
    """A check question; ``correct`` are the indices of the right options (one or more)."""

    id: str
    question: str
    options: tuple[str, ...]
    correct: frozenset[int]
    explanation: str

    @property
    def multiple(self) -> bool:
        return len(self.correct) > 1


@dataclass(frozen=True)
class Module:
    code: str
    title: str
    programme: str
    source: str
    pages: tuple[Page, ...]
    check: tuple[QuizQuestion, ...]
    summary: str = ""
    order: int = 0
    file: str = ""

    @property
    def page_count(self) -> int:
        """Pages including the check, which is always the last page."""
        return len(self.pages) + 1


@dataclass(frozen=True)
class CheckResult:
    correct: int
    answered: int
    total: int

    @property
    def complete(self) -> bool:
        return self.answered == self.total


@dataclass(frozen=True)
class ModuleProgressInfo:
    """A person's progress in one module, as the progress service returns it."""

    username: str
    module_code: str
    page: int
    answers: dict[str, Any] = field(default_factory=dict)
    completed_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None


# -- validation helpers ------------------------------------------------------------------


def _clean(text: str) -> str:
    """Trim each line and drop trailing space, keeping line breaks (lists, paragraphs)."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines)


def _text(data: Mapping, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: veld '{key}' moet een niet-lege tekst zijn.")
    return _clean(value)


def _texts(data: Mapping, key: str, where: str, *, required: bool = True) -> tuple[str, ...]:
    value = data.get(key)
    if value is None and not required:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: veld '{key}' moet een lijst met niet-lege teksten zijn.")
    return tuple(_clean(v) for v in value)


def _choices(page: Mapping, where: str) -> tuple[Choice, ...]:
    raw = page.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        raise ContentError(f"{where}: veld 'choices' moet minstens twee keuzes geven "
                           "(label, correct en feedback).")
    out = []
    for i, item in enumerate(raw, 1):
        here = f"{where}, keuze {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{here}: verwacht de velden label, correct en feedback.")
        refuse_unknown_fields(item, {"label", "correct", "feedback"}, here)
        correct = item.get("correct", False)
        if not isinstance(correct, bool):
            raise ContentError(f"{here}: veld 'correct' moet true of false zijn.")
        out.append(Choice(_text(item, "label", here), correct, _text(item, "feedback", here)))
    if not any(c.correct for c in out):
        raise ContentError(f"{where}: geen van de keuzes is als juist ('correct: true') gemarkeerd.")
    return tuple(out)


def _page(raw: Any, index: int, where_file: str, *, scale_codes: set[str] | None,
          scripts_dir: Path | None) -> Page:
    where = f"{where_file}, pagina {index}"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: verwacht een pagina met de velden kind en title.")
    kind = raw.get("kind", "text")
    if kind not in PAGE_KINDS:
        raise ContentError(f"{where}: soort pagina {kind!r} bestaat niet; kies uit {', '.join(PAGE_KINDS)}.")
    refuse_unknown_fields(raw, _PAGE_FIELDS[kind], where)
    title = _text(raw, "title", where)
    where = f"{where_file}, pagina {index} ('{title}')"
    if kind == "text":
        return Page(kind, title, _text(raw, "body", where))
    if kind == "case_decision":
        return Page(kind, title, _text(raw, "body", where, required=False),
                    situation=_text(raw, "situation", where),
                    question=_text(raw, "question", where, required=False) or "Past dit programma bij deze ouder?",
                    choices=_choices(raw, where))
    if kind == "reflection":
        theme = raw.get("theme")
        if isinstance(theme, bool) or not isinstance(theme, int) or not 1 <= theme <= THEME_COUNT:
            raise ContentError(f"{where}: veld 'theme' moet een themanummer van 1 tot en met {THEME_COUNT} zijn.")
        return Page(kind, title, _text(raw, "body", where, required=False), theme=theme)
    if kind == "clip_question":
        case = _text(raw, "case", where)
        if scripts_dir is not None and not (Path(scripts_dir) / f"{case}.yaml").is_file():
            raise ContentError(f"{where}: casus {case!r} bestaat niet (geen {case}.yaml in de voorbeeldcasussen).")
        return Page(kind, title, _text(raw, "body", where, required=False), case=case,
                    questions=_texts(raw, "questions", where, required=False) or MENTALISING_QUESTIONS,
                    notes=_texts(raw, "notes", where))
    scale = _text(raw, "scale", where)  # anchors
    if scale_codes is not None and scale not in scale_codes:
        raise ContentError(f"{where}: onbekende schaal {scale!r}.")
    return Page(kind, title, _text(raw, "body", where, required=False), scale=scale)


def _question(raw: Any, index: int, where_file: str) -> QuizQuestion:
    where = f"{where_file}, checkvraag {index}"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: verwacht de velden question, options en explanation.")
    refuse_unknown_fields(raw, {"question", "options", "explanation"}, where)
    question = _text(raw, "question", where)
    options = raw.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= 6:
        raise ContentError(f"{where}: veld 'options' moet twee tot zes antwoorden geven.")
    texts, correct = [], set()
    for i, option in enumerate(options):
        here = f"{where}, antwoord {i + 1}"
        if isinstance(option, str):
            option = {"text": option}
        if not isinstance(option, dict):
            raise ContentError(f"{here}: verwacht een tekst, of de velden text en correct.")
        refuse_unknown_fields(option, {"text", "correct"}, here)
        flag = option.get("correct", False)
        if not isinstance(flag, bool):
            raise ContentError(f"{here}: veld 'correct' moet true of false zijn.")
        texts.append(_text(option, "text", here))
        if flag:
            correct.add(i)
    if not correct:
        raise ContentError(f"{where}: geen enkel antwoord is als juist ('correct: true') gemarkeerd.")
    if len(correct) == len(texts):
        raise ContentError(f"{where}: alle antwoorden zijn juist; geef minstens één onjuist antwoord.")
    if len(set(texts)) != len(texts):
        raise ContentError(f"{where}: twee antwoorden hebben dezelfde tekst.")
    return QuizQuestion(f"q{index}", question, tuple(texts), frozenset(correct), _text(raw, "explanation", where))


def load_module(path: Path, *, programmes: Iterable[str] | None = None, scale_codes: Iterable[str] | None = None,
                scripts_dir: Path | None = None) -> Module:
    """Read and validate one module file.

    ``programmes`` (codes besides :data:`CONTEXT`), ``scale_codes`` and
    ``scripts_dir`` (the sample case scripts) enable the cross-checks; when left
    out, those references are not checked.
    """
    path = Path(path)
    name = f"{path.parent.name}/{path.name}"
    data = read_yaml_mapping(path, name=name, expect="de velden code, title, programme, source, pages en check")
    refuse_unknown_fields(data, _MODULE_FIELDS, name)
    code = _text(data, "code", name)
    if not _CODE.match(code):
        raise ContentError(f"{name}: 'code' {code!r} mag alleen kleine letters, cijfers en streepjes bevatten.")
    programme = _text(data, "programme", name)
    if programmes is not None and programme not in {*programmes, CONTEXT}:
        raise ContentError(f"{name}: onbekend programma {programme!r} (gebruik een programmacode of '{CONTEXT}').")
    order = data.get("order", 0)
    if isinstance(order, bool) or not isinstance(order, int):
        raise ContentError(f"{name}: veld 'order' moet een geheel getal zijn.")
    pages_raw = data.get("pages")
    if not isinstance(pages_raw, list) or not _MIN_PAGES <= len(pages_raw) <= _MAX_PAGES:
        raise ContentError(f"{name}: veld 'pages' moet {_MIN_PAGES} tot {_MAX_PAGES} pagina's geven.")
    scales = set(scale_codes) if scale_codes is not None else None
    pages = tuple(_page(p, i, name, scale_codes=scales, scripts_dir=scripts_dir)
                  for i, p in enumerate(pages_raw, 1))
    check_raw = data.get("check")
    if not isinstance(check_raw, list) or not MIN_CHECK <= len(check_raw) <= MAX_CHECK:
        raise ContentError(f"{name}: veld 'check' moet {MIN_CHECK} tot {MAX_CHECK} vragen geven.")
    check = tuple(_question(q, i, name) for i, q in enumerate(check_raw, 1))
    return Module(code, _text(data, "title", name), programme, _text(data, "source", name), pages, check,
                  summary=_text(data, "summary", name, required=False), order=order, file=name)


def load_modules(modules_dir: Path, **checks: Any) -> tuple[Module, ...]:
    """Every ``*.yaml`` in ``modules_dir``, validated, sorted by ``order`` then code.

    A missing directory means no modules. Keyword arguments are passed to :func:`load_module`.
    """
    modules_dir = Path(modules_dir)
    if not modules_dir.is_dir():
        return ()
    modules = [load_module(p, **checks) for p in sorted(modules_dir.glob("*.yaml"))]
    seen: dict[str, str] = {}
    for mod in modules:
        first = seen.setdefault(mod.code, mod.file)
        if first != mod.file:
            raise ContentError(f"{first} en {mod.file}: module {mod.code!r} staat er twee keer in; "
                               "elke modulecode mag maar één keer voorkomen.")
    return tuple(sorted(modules, key=lambda m: (m.order, m.code)))


# -- scoring and progress ------------------------------------------------------------------


def score_question(question: QuizQuestion, selected: Iterable[int]) -> bool:
    """Right only when exactly the correct options are chosen.

    >>> q = QuizQuestion("q1", "?", ("a", "b", "c"), frozenset({0, 2}), "")
    >>> score_question(q, [2, 0]), score_question(q, [0]), score_question(q, [0, 1, 2])
    (True, False, False)
    """
    return set(selected) == set(question.correct)


def _check_answers(answers: Mapping[str, Any] | None) -> Mapping[str, Any]:
    raw = (answers or {}).get("check")
    return raw if isinstance(raw, Mapping) else {}


def score_check(module: Module, answers: Mapping[str, Any] | None) -> CheckResult:
    """How many check questions are answered and how many of those right.

    ``answers`` is the stored answers document; its ``check`` maps question id
    to the chosen option indices. Answers to unknown questions or options are ignored
    (a trainer may have edited the module since).
    """
    given = _check_answers(answers)
    correct = answered = 0
    for q in module.check:
        selected = given.get(q.id)
        if not isinstance(selected, list) or not selected:
            continue
        if not all(isinstance(i, int) and 0 <= i < len(q.options) for i in selected):
            continue
        answered += 1
        correct += score_question(q, selected)
    return CheckResult(correct, answered, len(module.check))


def check_complete(module: Module, answers: Mapping[str, Any] | None) -> bool:
    """Is every check question answered (the condition for finishing the module)?"""
    return score_check(module, answers).complete


def module_status(progress: ModuleProgressInfo | None) -> str:
    """``new``, ``started`` or ``completed`` (Dutch labels in :data:`STATUS_LABELS`)."""
    if progress is None:
        return "new"
    return "completed" if progress.completed_at is not None else "started"
