"""Terugkomdag rounds beyond clips: the round kinds, their content files and the room's answers.

Pure logic, no database. A live session's round is one of :data:`ROUND_KINDS`:

* ``fragment`` — score a clip on the Ainsworth scales (:mod:`oefenkit.sessions`);
* ``situatie`` — a Babytijd voorbeeldsituatie: everyone types what they would do; the projector
  shows the answers anonymised and grouped (:func:`group_answers`), and at the reveal the
  facilitator notes;
* ``vraag`` — a multiple-choice question (e.g. on changes to the handbook): the projector shows
  the distribution (:func:`choice_distribution`), at the reveal the right answer and why;
* ``ervaring`` — a short answer for the exchange of experiences, shown as a wall
  (:func:`answer_wall`);
* ``cijfers`` — the pooled Babytijd figures of the uitvoerders present (issue 20): nobody answers; the
  projector and the phones show the figures, a snapshot taken when the trainer opened the round
  (:class:`oefenkit.storage.session_figures.SessionFiguresService`), small cells already suppressed.

Round content is data: ``content/sessions/rondes-*.yaml`` (:func:`load_round_plans`), each a
*plan* for one kind of day with its rounds in order; a ``situatie`` refers to a voorbeeldsituatie by
its theme (``content/babytijd/voorbeeldsituaties.yaml``). A trainer can also type a round in the app
(:func:`typed_item`). Either way the round's content is a :class:`RoundItem`, stored with the round
as a snapshot, so a later edit of the file never changes a day that was held.

File layout::

    code: terugkomdag-babytijd
    name: Terugkomdag Babytijd
    programme: babytijd          # a programme code of content/programmes.yaml
    clips: terugkomdag           # optional: a session case set for optional clip rounds
    rounds:
      - {kind: situatie, code: situatie-huilen, theme: 9}
      - kind: vraag
        code: vraag-eindevaluatie
        question: "..."
        options: ["...", "..."]  # 2 to 6
        answer: 2                # the number of the right option (1 = the first)
        explanation: "..."
      - {kind: ervaring, code: ervaring-lastig-moment, prompt: "..."}
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contentfile import read_yaml_mapping, refuse_unknown_fields, text_field
from .errors import ContentError, ValidationError

__all__ = [
    "ROUND_KINDS",
    "CONTENT_KINDS",
    "TYPED_KINDS",
    "KIND_LABELS",
    "ANSWER_LIMITS",
    "MAX_OPTIONS",
    "RoundItem",
    "RoundPlan",
    "AnswerGroup",
    "STOP_WORDS",
    "MIN_OPTIONS",
    "load_round_plan",
    "load_round_plans",
    "item_from_situation",
    "typed_item",
    "item_from_dict",
    "check_answer",
    "choice_distribution",
    "key_words",
    "group_answers",
    "answer_wall",
]

#: Every kind of round a live session knows; ``fragment`` is the clip scoring of :mod:`oefenkit.sessions`.
ROUND_KINDS = ("fragment", "situatie", "vraag", "ervaring", "cijfers")
#: The kinds whose content is a :class:`RoundItem` (not a clip); a trainer types only the first three.
CONTENT_KINDS = ("situatie", "vraag", "ervaring", "cijfers")
TYPED_KINDS = ("situatie", "vraag", "ervaring")
#: How the app names each kind.
KIND_LABELS = {"fragment": "Fragment scoren", "situatie": "Voorbeeldsituatie", "vraag": "Meerkeuzevraag",
               "ervaring": "Ervaringen uitwisselen", "cijfers": "Cijfers van de groep"}
#: The longest typed answer per kind, in characters (the database allows at most the largest).
ANSWER_LIMITS = {"situatie": 500, "ervaring": 280}
MIN_OPTIONS, MAX_OPTIONS = 2, 6
_TEXT_MAX = 2000  # a round's question, situation or explanation
_OPTION_MAX = 200
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class RoundItem:
    """What a non-clip round shows: the same shape for content from a file and for a typed round.

    ``text`` is the situation, the question or the prompt; ``prompts`` the situation's discussion
    questions; ``options`` a question's choices and ``answer`` the index (0-based) of the right one,
    or None when a typed question has none. ``explanation`` belongs to the right answer;
    ``notes`` and ``discussion`` are the facilitator's notes of a situation, shown at the reveal.
    ``figures`` is a ``cijfers`` round's snapshot of the pooled figures (plain JSON data, no names).
    """

    kind: str
    title: str
    text: str
    code: str | None = None
    prompts: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    answer: int | None = None
    explanation: str = ""
    notes: str = ""
    discussion: tuple[str, ...] = ()
    figures: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "title": self.title, "text": self.text, "code": self.code,
               "prompts": list(self.prompts), "options": list(self.options), "answer": self.answer,
               "explanation": self.explanation, "notes": self.notes, "discussion": list(self.discussion)}
        if self.kind == "cijfers":
            out["figures"] = dict(self.figures or {})
        return out

    @property
    def limit(self) -> int | None:
        """The longest answer a participant may type (None: a choice, not a text)."""
        return ANSWER_LIMITS.get(self.kind)


@dataclass(frozen=True)
class RoundPlan:
    """One kind of day (a ``content/sessions/rondes-*.yaml`` file): its rounds in order."""

    code: str
    name: str
    programme: str
    rounds: tuple[RoundItem, ...]
    clips: str | None = None
    source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "programme": self.programme, "clips": self.clips,
                "rounds": [r.as_dict() for r in self.rounds]}


# -- checking one item ---------------------------------------------------------------------------


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def _checked(item: RoundItem, fail) -> RoundItem:
    """``item`` with its texts cleaned; ``fail(message)`` raises for anything invalid."""
    if item.kind not in CONTENT_KINDS:
        fail(f"Een ronde met tekst is een {', '.join(CONTENT_KINDS)}; niet {item.kind!r}.")
    title, text = _clean(item.title or ""), _clean(item.text or "")
    if not text:
        fail({"vraag": "Typ de vraag.", "ervaring": "Typ de vraag voor de uitwisseling.",
              "situatie": "Typ de situatie."}[item.kind])
    if len(text) > _TEXT_MAX or len(title) > 200:
        fail(f"Een vraag of situatie heeft hoogstens {_TEXT_MAX} tekens.")
    options = tuple(_clean(o) for o in item.options)
    answer = item.answer
    if item.kind == "vraag":
        if any(not o for o in options):
            fail("Een antwoordoptie is leeg.")
        if not MIN_OPTIONS <= len(options) <= MAX_OPTIONS:
            fail(f"Een meerkeuzevraag heeft {MIN_OPTIONS} tot {MAX_OPTIONS} antwoordopties.")
        if len(set(o.casefold() for o in options)) != len(options):
            fail("Twee antwoordopties zijn gelijk.")
        if any(len(o) > _OPTION_MAX for o in options):
            fail(f"Een antwoordoptie heeft hoogstens {_OPTION_MAX} tekens.")
        if answer is not None and (isinstance(answer, bool) or not isinstance(answer, int)
                                   or not 0 <= answer < len(options)):
            fail("Het juiste antwoord is een van de opties.")
    elif options or answer is not None:
        fail("Alleen een meerkeuzevraag heeft antwoordopties.")
    if item.kind == "cijfers" and not isinstance(item.figures, Mapping):
        fail("Een ronde met cijfers heeft de cijfers van de groep nodig.")
    if item.kind != "cijfers" and item.figures:
        fail("Alleen een ronde met cijfers heeft cijfers.")
    explanation, notes = _clean(item.explanation or ""), _clean(item.notes or "")
    if len(explanation) > _TEXT_MAX or len(notes) > _TEXT_MAX:
        fail(f"Een uitleg heeft hoogstens {_TEXT_MAX} tekens.")
    if item.code is not None and not _CODE.match(str(item.code)):
        fail("Een rondecode bestaat uit kleine letters, cijfers en streepjes.")
    default_title = {"vraag": "Vraag", "ervaring": "Ervaringen uitwisselen", "situatie": "Voorbeeldsituatie",
                     "cijfers": "Cijfers van de groep"}
    return RoundItem(kind=item.kind, title=title or default_title[item.kind], text=text, code=item.code,
                     prompts=tuple(_clean(p) for p in item.prompts if _clean(p)), options=options,
                     answer=answer, explanation=explanation, notes=notes,
                     discussion=tuple(_clean(d) for d in item.discussion if _clean(d)),
                     figures=dict(item.figures) if item.kind == "cijfers" and item.figures is not None else None)


def _refuse(message: str):
    raise ValidationError(message)


def typed_item(kind: str, text: str, *, title: str = "", options: Sequence[str] = (), answer: int | None = None,
               explanation: str = "", notes: str = "") -> RoundItem:
    """A round a trainer typed in the app; :class:`ValidationError` (Dutch) if it is incomplete.

    >>> typed_item("vraag", "Hoe vaak is de terugkomdag?", options=["elk jaar", "elke twee jaar"], answer=1).answer
    1
    >>> typed_item("vraag", "Wat?", options=["ja"])
    Traceback (most recent call last):
    ...
    oefenkit.errors.ValidationError: Een meerkeuzevraag heeft 2 tot 6 antwoordopties.
    """
    if kind not in TYPED_KINDS:
        raise ValidationError("Kies wat voor ronde het is: situatie, vraag of ervaring.")
    if kind != "vraag":
        options, answer = (), None
    return _checked(RoundItem(kind=kind, title=title, text=text or "", options=tuple(options or ()),
                              answer=answer, explanation=explanation or "", notes=notes or ""), _refuse)


def item_from_dict(data: Mapping[str, Any]) -> RoundItem:
    """A stored snapshot (:meth:`RoundItem.as_dict`) back as a checked item; ValidationError if not valid."""
    try:
        item = RoundItem(kind=str(data["kind"]), title=str(data.get("title") or ""), text=str(data.get("text") or ""),
                         code=data.get("code"), prompts=tuple(data.get("prompts") or ()),
                         options=tuple(data.get("options") or ()), answer=data.get("answer"),
                         explanation=str(data.get("explanation") or ""), notes=str(data.get("notes") or ""),
                         discussion=tuple(data.get("discussion") or ()), figures=data.get("figures"))
    except (KeyError, TypeError) as exc:
        raise ValidationError("Deze ronde is onvolledig.") from exc
    return _checked(item, _refuse)


def item_from_situation(situation, code: str | None = None) -> RoundItem:
    """A ``situatie`` round from a voorbeeldsituatie (:class:`oefenkit.example_situations.ExampleSituation`)."""
    return RoundItem(kind="situatie", title=f"Thema {situation.theme}: {situation.title}", text=situation.situation,
                     code=code or f"situatie-thema-{situation.theme}", prompts=tuple(situation.prompts),
                     notes=situation.skill_focus, discussion=tuple(situation.discussion))


# -- content files -----------------------------------------------------------------------------------

_PLAN_FIELDS = {"code", "name", "programme", "clips", "rounds"}
_ROUND_FIELDS = {"situatie": {"kind", "code", "theme"},
                 "vraag": {"kind", "code", "title", "question", "options", "answer", "explanation"},
                 "ervaring": {"kind", "code", "title", "prompt"}}


def _content_round(raw: Any, n: int, where_file: str, situations: Mapping[int, Any]) -> RoundItem:
    where = f"{where_file}, ronde {n}"
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: verwacht een blok met 'kind' en 'code'.")
    kind = raw.get("kind")
    if kind not in _ROUND_FIELDS:
        raise ContentError(f"{where}: veld 'kind' is een van {', '.join(_ROUND_FIELDS)}.")
    refuse_unknown_fields(raw, _ROUND_FIELDS[kind], where)
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ContentError(f"{where}: veld 'code' bestaat uit kleine letters, cijfers en streepjes.")
    where = f"{where_file}, ronde {code!r}"

    def fail(message: str):
        raise ContentError(f"{where}: {message}")

    if kind == "situatie":
        theme = raw.get("theme")
        if isinstance(theme, bool) or not isinstance(theme, int) or theme not in situations:
            raise ContentError(f"{where}: veld 'theme' is het nummer van een voorbeeldsituatie "
                               f"(babytijd/voorbeeldsituaties.yaml, 1 tot en met {max(situations, default=16)}).")
        return _checked(item_from_situation(situations[theme], code), fail)
    if kind == "vraag":
        options = raw.get("options")
        if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
            raise ContentError(f"{where}: veld 'options' moet een lijst met teksten zijn.")
        answer = raw.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= len(options):
            raise ContentError(f"{where}: veld 'answer' is het nummer van het juiste antwoord "
                               f"(1 tot en met {len(options)}).")
        item = RoundItem(kind="vraag", title=text_field(raw, "title", where, required=False) or "Vraag",
                         text=text_field(raw, "question", where), code=code, options=tuple(options),
                         answer=answer - 1, explanation=text_field(raw, "explanation", where))
        return _checked(item, fail)
    item = RoundItem(kind="ervaring", title=text_field(raw, "title", where, required=False) or "Ervaringen uitwisselen",
                     text=text_field(raw, "prompt", where), code=code)
    return _checked(item, fail)


def load_round_plan(path: Path, *, situations: Sequence[Any], programmes: Iterable[str] | None = None,
                    case_sets: Iterable[str] | None = None) -> RoundPlan:
    """One plan file, validated; :class:`ContentError` naming the file, the round and the field."""
    path = Path(path)
    name = f"{path.parent.name}/{path.name}"
    data = read_yaml_mapping(path, name=name, expect="de velden code, name, programme en rounds bovenaan het bestand")
    refuse_unknown_fields(data, _PLAN_FIELDS, name)
    code = data.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise ContentError(f"{name}: veld 'code' bestaat uit kleine letters, cijfers en streepjes.")
    programme = text_field(data, "programme", name)
    if programmes is not None and programme not in set(programmes):
        raise ContentError(f"{name}: onbekend programma {programme!r}.")
    clips = data.get("clips")
    if clips is not None:
        if not isinstance(clips, str) or not clips.strip():
            raise ContentError(f"{name}: veld 'clips' is de code van een sessieset, of laat het weg.")
        if case_sets is not None and clips not in set(case_sets):
            raise ContentError(f"{name}: veld 'clips': set {clips!r} bestaat niet (content/case_sets.yaml).")
    raw = data.get("rounds")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{name}: veld 'rounds' moet een niet-lege lijst met rondes zijn.")
    by_theme = {s.theme: s for s in situations}
    rounds = tuple(_content_round(r, n, name, by_theme) for n, r in enumerate(raw, 1))
    seen: set[str] = set()
    for r in rounds:
        if r.code in seen:
            raise ContentError(f"{name}: rondecode {r.code!r} staat er twee keer in; elke code één keer.")
        seen.add(r.code)
    return RoundPlan(code=code, name=text_field(data, "name", name), programme=programme, rounds=rounds,
                     clips=clips, source=name)


def load_round_plans(sessions_dir: Path, *, situations: Sequence[Any], programmes: Iterable[str] | None = None,
                     case_sets: Iterable[str] | None = None) -> tuple[RoundPlan, ...]:
    """Every ``rondes-*.yaml`` in ``sessions_dir``, sorted by file name; codes must differ."""
    plans = tuple(load_round_plan(p, situations=situations, programmes=programmes, case_sets=case_sets)
                  for p in sorted(Path(sessions_dir).glob("rondes-*.yaml")))
    codes = Counter(p.code for p in plans)
    twice = sorted(c for c, k in codes.items() if k > 1)
    if twice:
        raise ContentError(f"sessions: de code {twice[0]!r} staat in twee rondebestanden; elke code één keer.")
    return plans


# -- answers ------------------------------------------------------------------------------------------


def check_answer(item: RoundItem, *, choice: Any = None, text: Any = None) -> tuple[int | None, str | None]:
    """A participant's answer to ``item`` as ``(choice, text)``; :class:`ValidationError` (Dutch) if invalid.

    >>> q = RoundItem("vraag", "Vraag", "Hoe vaak?", options=("1", "2"), answer=1)
    >>> check_answer(q, choice=1)
    (1, None)
    >>> check_answer(RoundItem("ervaring", "E", "Vertel"), text="  Een   groep van vijf ")
    (None, 'Een groep van vijf')
    """
    if item.kind == "vraag":
        if isinstance(choice, bool) or not isinstance(choice, int) or not 0 <= choice < len(item.options):
            raise ValidationError("Kies een van de antwoorden.")
        return choice, None
    if item.kind == "cijfers":
        raise ValidationError("In deze ronde hoef je niets in te leveren; bekijk samen de cijfers.")
    if item.kind not in ANSWER_LIMITS:
        raise ValidationError("In deze ronde scoor je een fragment; een tekst hoort er niet bij.")
    cleaned = " ".join(str(text or "").split())
    if not cleaned:
        raise ValidationError("Typ eerst je antwoord.")
    limit = ANSWER_LIMITS[item.kind]
    if len(cleaned) > limit:
        raise ValidationError(f"Een antwoord heeft hoogstens {limit} tekens (nu {len(cleaned)}).")
    return None, cleaned


def choice_distribution(item: RoundItem, choices: Iterable[int]) -> list[tuple[str, int]]:
    """How many chose each option, in the options' order.

    >>> choice_distribution(RoundItem("vraag", "V", "?", options=("a", "b", "c")), [0, 2, 2])
    [('a', 1), ('b', 0), ('c', 2)]
    """
    counts = Counter(int(c) for c in choices)
    return [(option, counts.get(k, 0)) for k, option in enumerate(item.options)]


#: Short Dutch words that say nothing about an answer's content (not key words).
STOP_WORDS = frozenset("""
aan achter af al alle alleen als altijd ander andere anders bij daar daarna dan dat de deze die dit doe doen
door dus een eens eerst en er even ga gaan geen gewoon haar had heb hebben heeft hem het hier hij hoe hun ik in
is ja je jij jou jouw kan kind kindje kun kunnen laat maar meer met mij mijn moet moeten na naar niet nog nu of
om ook op over te toch tot u uit van veel voor waar wat we wel welke wie wil worden zal ze zelf zich zij zijn zo
zou zouden baby moeder vader ouder ouders opvoeder opvoeders eerst heel iets echt even beetje misschien
""".split())
_WORD = re.compile(r"[a-z]+")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def key_words(text: str) -> set[str]:
    """The answer's key words: words of four letters or more that are not :data:`STOP_WORDS`, lower case,
    without accents.

    >>> sorted(key_words("Ik zou haar troosten en rustig blijven"))
    ['blijven', 'rustig', 'troosten']
    """
    return {w for w in _WORD.findall(_fold(text)) if len(w) >= 4 and w not in STOP_WORDS}


@dataclass(frozen=True)
class AnswerGroup:
    """Answers that share a key word (``word`` None: the answers that share none with another)."""

    word: str | None
    answers: tuple[str, ...] = field(default=())


def group_answers(texts: Iterable[str]) -> list[AnswerGroup]:
    """Group typed answers by a shared key word, for the projector.

    The rule, so a trainer can explain it: a word counts as shared when at least two answers contain
    it (:func:`key_words`). Each answer joins the group of its shared word that the most answers
    contain (ties: alphabetical). Answers without a shared word come last, as "overige". Groups are
    ordered by size, the answers in each alphabetically, so the order never tells who wrote what.

    >>> groups = group_answers(["Troosten en oppakken", "Even troosten", "Laten huilen", "Rustig blijven"])
    >>> [(g.word, g.answers) for g in groups]
    [('troosten', ('Even troosten', 'Troosten en oppakken')), (None, ('Laten huilen', 'Rustig blijven'))]
    """
    answers = [" ".join(str(t).split()) for t in texts if str(t).strip()]
    words = [key_words(a) for a in answers]
    frequency = Counter(w for ws in words for w in ws)
    grouped: dict[str | None, list[str]] = {}
    for answer, ws in zip(answers, words):
        shared = [w for w in ws if frequency[w] >= 2]
        best = min(shared, key=lambda w: (-frequency[w], w)) if shared else None
        grouped.setdefault(best, []).append(answer)
    order = sorted((w for w in grouped if w is not None), key=lambda w: (-len(grouped[w]), w))
    out = [AnswerGroup(w, tuple(sorted(grouped[w], key=str.casefold))) for w in order]
    if None in grouped:
        out.append(AnswerGroup(None, tuple(sorted(grouped[None], key=str.casefold))))
    return out


def answer_wall(texts: Iterable[str]) -> list[str]:
    """The answers of an ``ervaring`` round as a wall: sorted alphabetically, never in the order given.

    >>> answer_wall(["zeker", "Altijd"])
    ['Altijd', 'zeker']
    """
    return sorted((" ".join(str(t).split()) for t in texts if str(t).strip()), key=str.casefold)
