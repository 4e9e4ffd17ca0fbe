"""Babytijd quality monitoring (issue 20): the pure rules and value types of a *reeks*.

A reeks is one run of the sixteen Babytijd meetings, kept by an uitvoerder. Its opvoeders are
known only by a pseudonymous code. The programme asks for four measurements of the opvoeder's
self-scores on the eight subgoals, due by the number of meetings the opvoeder *attended*, not by
the calendar:

============  ===========================  ==================
kind          Dutch label                  due after attended
============  ===========================  ==================
``nulmeting`` Nulmeting                    0 (the intake)
``na-5``      Tussenevaluatie na 5         5
``eind``      Eindevaluatie (na 10)        10 (with tips and tops)
``na-16``     Tussenevaluatie na 16        16
============  ===========================  ==================

This module holds no database code: the storage (:mod:`oefenkit.storage.babytijd`) passes plain
values in. The questionnaire itself (subgoal statements, score range) is content:
``content/babytijd/evaluatie.yaml``, read by :func:`load_evaluation_form`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from .contentfile import read_yaml_mapping, refuse_unknown_fields, text_field
from .errors import ContentError, ValidationError

__all__ = [
    "MEETINGS", "MEASUREMENTS", "MEASUREMENT_LABELS", "MEASUREMENT_DUE_AFTER", "GOAL_MEETINGS",
    "ABSENCE_REASONS", "ABSENCE_LABELS", "UNKNOWN_REASON", "SUPPRESSION_MINIMUM", "SUPPRESSED_TEXT",
    "AttendanceMark", "Subgoal", "EvaluationForm", "Change", "PooledCell",
    "ReeksInfo", "MeasurementInfo", "OpvoederInfo", "UitvoerderEvaluation", "ReeksDetail",
    "MeasurementNotDue", "load_evaluation_form", "default_form",
    "check_code", "check_meeting", "check_mark", "check_text", "check_consent", "check_baby_age",
    "due_measurement", "due_measurements", "is_early", "paired_change", "suppress",
]

#: A reeks has sixteen meetings.
MEETINGS = 16
#: Opvoeders who attend at least this many meetings are expected to reach the goals (source 000).
GOAL_MEETINGS = 10
#: The measurements in their order.
MEASUREMENTS = ("nulmeting", "na-5", "eind", "na-16")
#: After how many attended meetings each measurement is due.
MEASUREMENT_DUE_AFTER = {"nulmeting": 0, "na-5": 5, "eind": 10, "na-16": 16}
#: How the apps name each measurement.
MEASUREMENT_LABELS = {
    "nulmeting": "Nulmeting (kennismaking)",
    "na-5": "Tussenevaluatie na 5 bijeenkomsten",
    "eind": "Eindevaluatie na 10 bijeenkomsten",
    "na-16": "Tussenevaluatie na 16 bijeenkomsten",
}
#: The fixed reasons for an absence (code, Dutch label); ``anders`` needs a text.
ABSENCE_REASONS: tuple[tuple[str, str], ...] = (
    ("ziek-opvoeder", "Ziek (opvoeder)"),
    ("ziek-baby", "Ziek (baby)"),
    ("afspraak", "Afspraak (consultatiebureau, vaccinatie, arts)"),
    ("slaap", "Slaaptijd of ritme van de baby"),
    ("werk", "Werk"),
    ("vakantie", "Vakantie"),
    ("vervoer", "Vervoer of weer"),
    ("vergeten", "Vergeten"),
    ("anders", "Anders"),
)
ABSENCE_LABELS = dict(ABSENCE_REASONS)
#: How an absence without a reason is counted in the dashboards.
UNKNOWN_REASON = "onbekend"
ABSENCE_LABELS_WITH_UNKNOWN = {**ABSENCE_LABELS, UNKNOWN_REASON: "Reden niet bekend"}

#: Pooled cells (the terugkomdag's ``cijfers`` round) with fewer opvoeders are not shown.
SUPPRESSION_MINIMUM = 5
SUPPRESSED_TEXT = ("Niet getoond: minder dan {minimum} opvoeders. Zo blijft niemand herkenbaar, "
                   "ook niet voor wie de groep kent.")

#: A code: 2 to 12 letters, digits or hyphens, with at least one digit (a name has none).
_CODE = re.compile(r"^(?=.*[0-9])[A-Z0-9-]{2,12}$")
CODE_RULE = ("Een code heeft 2 tot 12 tekens (letters, cijfers of een streepje) en minstens één cijfer, "
             "bijvoorbeeld A3 of BT-07. Gebruik nooit een naam.")

#: Longest free texts (characters).
TEXT_LIMITS = {"reeks_name": 80, "reason_text": 200, "early_reason": 300, "tips": 1000, "tops": 1000,
               "evaluation": 2000}


class MeasurementNotDue(ValidationError):
    """A measurement entered before its attended-meeting count is reached, without a reason."""

    def __init__(self, kind: str, attended: int, due_after: int):
        self.kind, self.attended, self.due_after = kind, attended, due_after
        super().__init__(
            f"De {MEASUREMENT_LABELS[kind].lower()} is pas aan de beurt na {due_after} bijgewoonde "
            f"bijeenkomsten; deze opvoeder was er {attended} keer. Wil je de meting toch opslaan, "
            "geef dan een reden op.")


@dataclass(frozen=True)
class AttendanceMark:
    """One opvoeder at one meeting: present, or absent with a reason (``None``: not known)."""

    present: bool
    reason: str | None = None
    reason_text: str = ""


@dataclass(frozen=True)
class Subgoal:
    code: str
    group: str
    statement: str


@dataclass(frozen=True)
class EvaluationForm:
    """The opvoeders' questionnaire: one statement per subgoal and the score range."""

    subgoals: tuple[Subgoal, ...]
    min_score: int = 1
    max_score: int = 5
    min_label: str = ""
    max_label: str = ""

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.subgoals)

    def check_scores(self, scores: object) -> dict[str, int]:
        """The scores in the form's order, or a Dutch :class:`ValidationError`.

        A question the opvoeder left open on the paper form is left out (at least one answer)."""
        if not isinstance(scores, dict) or not scores:
            raise ValidationError("Vul minstens één score in.")
        unknown = sorted(set(map(str, scores)) - set(self.codes))
        if unknown:
            raise ValidationError(f"Onbekend subdoel {unknown[0]!r}.")
        clean: dict[str, int] = {}
        for code in self.codes:
            if code not in scores or scores[code] is None:
                continue
            value = scores[code]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValidationError(f"Een score is een geheel getal van {self.min_score} tot {self.max_score}.")
            if not self.min_score <= value <= self.max_score:
                raise ValidationError(f"Een score ligt tussen {self.min_score} en {self.max_score}; "
                                      f"{value} kan niet.")
            clean[code] = value
        if not clean:
            raise ValidationError("Vul minstens één score in.")
        return clean


@dataclass(frozen=True)
class ReeksInfo:
    """A reeks as the list shows it."""

    id: int
    name: str
    start: dt.date | None
    uitvoerder: str
    uitvoerder_name: str
    opvoeders: int
    created_at: dt.datetime
    evaluated: bool


@dataclass(frozen=True)
class MeasurementInfo:
    """One stored measurement of an opvoeder."""

    code: str
    kind: str
    scores: dict[str, int]
    tips: str
    tops: str
    early_reason: str
    attended_at_entry: int
    recorded_at: dt.datetime
    #: Set by ``record_measurement`` when it replaced an earlier entry of the same kind.
    replaced: bool = False

    @property
    def label(self) -> str:
        return MEASUREMENT_LABELS[self.kind]

    @property
    def early(self) -> bool:
        """Entered before its attended-meeting count, with a reason."""
        return bool(self.early_reason)


@dataclass(frozen=True)
class OpvoederInfo:
    """An opvoeder of a reeks: code, consent, baby's age at intake, attendance and measurements."""

    code: str
    consent: bool
    baby_age_months: int | None
    #: meeting number → mark, for the meetings recorded for this opvoeder
    attendance: dict[int, AttendanceMark] = field(default_factory=dict)
    measurements: dict[str, MeasurementInfo] = field(default_factory=dict)

    @property
    def attended(self) -> int:
        return sum(1 for mark in self.attendance.values() if mark.present)

    @property
    def done(self) -> tuple[str, ...]:
        """The measurements stored, in the programme's order."""
        return tuple(k for k in MEASUREMENTS if k in self.measurements)

    @property
    def due(self) -> str | None:
        """The measurement due now (:func:`due_measurement`)."""
        return due_measurement(self.attended, self.done)


@dataclass(frozen=True)
class UitvoerderEvaluation:
    """The uitvoerder's own evaluation of a reeks (evaluatieformulier uitvoerders)."""

    went_well: str
    to_improve: str
    remarks: str
    evaluated_at: dt.datetime


@dataclass(frozen=True)
class ReeksDetail:
    """One reeks with its opvoeders (in code order), the meetings recorded and the evaluation."""

    reeks: ReeksInfo
    opvoeders: tuple[OpvoederInfo, ...]
    recorded_meetings: tuple[int, ...]
    evaluation: UitvoerderEvaluation | None

    @property
    def id(self) -> int:
        return self.reeks.id

    @property
    def name(self) -> str:
        return self.reeks.name

    def opvoeder(self, code: str) -> OpvoederInfo:
        found = next((o for o in self.opvoeders if o.code == code.strip().upper()), None)
        if found is None:
            raise KeyError(code)
        return found


_FORM_FIELDS = {"scale", "subgoals"}
_SCALE_FIELDS = {"min", "max", "min_label", "max_label"}
_SUBGOAL_FIELDS = {"code", "group", "statement"}
_SUBGOAL_CODE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
#: The programme has eight subgoals (source 000; content/modules/babytijd-1-doelen.yaml).
SUBGOAL_COUNT = 8


def load_evaluation_form(path: Path) -> EvaluationForm:
    """Read and validate ``content/babytijd/evaluatie.yaml`` (Dutch :class:`ContentError`)."""
    path = Path(path)
    name = f"{path.parent.name}/{path.name}"
    data = read_yaml_mapping(path, name=name, expect="de velden 'scale' en 'subgoals' bovenaan het bestand")
    refuse_unknown_fields(data, _FORM_FIELDS, name)
    scale = data.get("scale")
    if not isinstance(scale, dict):
        raise ContentError(f"{name}: veld 'scale' moet min, max, min_label en max_label geven.")
    refuse_unknown_fields(scale, _SCALE_FIELDS, f"{name}, 'scale'")
    lo, hi = scale.get("min"), scale.get("max")
    if (not isinstance(lo, int) or not isinstance(hi, int) or isinstance(lo, bool) or isinstance(hi, bool)
            or not 0 <= lo < hi <= 10):
        raise ContentError(f"{name}: 'scale' heeft gehele getallen min < max tussen 0 en 10 nodig.")
    raw = data.get("subgoals")
    if not isinstance(raw, list):
        raise ContentError(f"{name}: veld 'subgoals' moet de {SUBGOAL_COUNT} subdoelen als lijst geven.")
    subgoals = []
    for i, item in enumerate(raw, 1):
        where = f"{name}, subdoel {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{where}: verwacht de velden code, group en statement.")
        refuse_unknown_fields(item, _SUBGOAL_FIELDS, where)
        code = text_field(item, "code", where)
        if not _SUBGOAL_CODE.match(code):
            raise ContentError(f"{where}: code {code!r} bestaat uit kleine letters, cijfers en streepjes.")
        subgoals.append(Subgoal(code, text_field(item, "group", where), text_field(item, "statement", where)))
    codes = [g.code for g in subgoals]
    if len(subgoals) != SUBGOAL_COUNT:
        raise ContentError(f"{name}: Babytijd heeft {SUBGOAL_COUNT} subdoelen; het bestand geeft er {len(subgoals)}.")
    if len(set(codes)) != len(codes):
        double = next(c for c in codes if codes.count(c) > 1)
        raise ContentError(f"{name}: code {double!r} komt twee keer voor.")
    return EvaluationForm(tuple(subgoals), lo, hi, text_field(scale, "min_label", f"{name}, 'scale'"),
                          text_field(scale, "max_label", f"{name}, 'scale'"))


@lru_cache(maxsize=4)
def _cached_form(path: str) -> EvaluationForm:
    return load_evaluation_form(Path(path))


def default_form(content_dir: Path | None = None) -> EvaluationForm:
    """The questionnaire of the content folder in use (``Settings.content_dir``), read once."""
    if content_dir is None:
        from .settings import load_settings

        content_dir = load_settings().content_dir
    return _cached_form(str(Path(content_dir) / "babytijd" / "evaluatie.yaml"))


# -- checks of input -------------------------------------------------------------------------------

def check_code(code: object) -> str:
    """An opvoeder's pseudonymous code, upper-cased, or a Dutch :class:`ValidationError`."""
    if not isinstance(code, str):
        raise ValidationError(CODE_RULE)
    clean = code.strip().upper()
    if not _CODE.match(clean):
        raise ValidationError(CODE_RULE)
    return clean


def check_meeting(meeting: object) -> int:
    if isinstance(meeting, bool) or not isinstance(meeting, int) or not 1 <= meeting <= MEETINGS:
        raise ValidationError(f"Een reeks heeft bijeenkomst 1 tot en met {MEETINGS}; "
                              f"bijeenkomst {meeting} bestaat niet.")
    return meeting


def check_consent(consent: object) -> bool:
    """Consent for research use: yes or no, nothing else."""
    if not isinstance(consent, bool):
        raise ValidationError("Geef aan of de opvoeder toestemming geeft (ja of nee).")
    return consent


def check_baby_age(months: object) -> int | None:
    """The baby's age in whole months at the intake, 0–12 (or not given)."""
    if months is not None and (isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= 12):
        raise ValidationError("De leeftijd van de baby bij de start is 0 tot en met 12 maanden.")
    return months


def check_text(value: object, limit_key: str, label: str) -> str:
    """A free text, stripped, at most ``TEXT_LIMITS[limit_key]`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError(f"{label} moet een tekst zijn.")
    clean = value.strip()
    limit = TEXT_LIMITS[limit_key]
    if len(clean) > limit:
        raise ValidationError(f"{label} is te lang: hoogstens {limit} tekens.")
    return clean


def check_mark(mark: object) -> AttendanceMark:
    """An attendance mark with a known reason (``anders`` with a text), or a Dutch error."""
    if not isinstance(mark, AttendanceMark):
        raise ValidationError("Geef per opvoeder aan of die er was.")
    text = check_text(mark.reason_text, "reason_text", "De toelichting bij de afwezigheid")
    if mark.present:
        if mark.reason or text:
            raise ValidationError("Een opvoeder die er was, heeft geen reden van afwezigheid.")
        return AttendanceMark(True)
    if mark.reason is not None and mark.reason not in ABSENCE_LABELS:
        raise ValidationError(f"Onbekende reden van afwezigheid {mark.reason!r}.")
    if mark.reason == "anders" and not text:
        raise ValidationError("Bij de reden 'anders' hoort een korte toelichting.")
    if mark.reason != "anders" and text:
        raise ValidationError("Een toelichting hoort alleen bij de reden 'anders'.")
    return AttendanceMark(False, mark.reason, text)


# -- rules -----------------------------------------------------------------------------------------

def due_measurements(attended: int, done: Iterable[str]) -> tuple[str, ...]:
    """Every measurement whose attended count is reached and that is not done yet, in order.

    >>> due_measurements(11, {"nulmeting"})
    ('na-5', 'eind')
    """
    finished = set(done)
    return tuple(k for k in MEASUREMENTS if k not in finished and attended >= MEASUREMENT_DUE_AFTER[k])


def due_measurement(attended: int, done: Iterable[str]) -> str | None:
    """The measurement due now (the first one reached and not done), or ``None``.

    Follows the meetings the opvoeder attended, never the calendar.

    >>> due_measurement(0, set())
    'nulmeting'
    >>> due_measurement(4, {"nulmeting"}) is None
    True
    >>> due_measurement(5, {"nulmeting"})
    'na-5'
    """
    due = due_measurements(attended, done)
    return due[0] if due else None


def is_early(kind: str, attended: int) -> bool:
    """Is ``kind`` entered before its attended-meeting count is reached?"""
    if kind not in MEASUREMENT_DUE_AFTER:
        raise ValidationError(f"Onbekende meting {kind!r}.")
    return attended < MEASUREMENT_DUE_AFTER[kind]


@dataclass(frozen=True)
class Change:
    """The paired change of one subgoal: number of pairs, mean difference and its 95 % CI."""

    n: int
    mean: float | None
    ci_low: float | None
    ci_high: float | None


def paired_change(before: Sequence[int | None], after: Sequence[int | None], *,
                  confidence: float = 0.95) -> Change:
    """Mean paired change ``after - before`` with a t-based confidence interval.

    Pairs where either score is missing (``None``) are left out.

    Parameters
    ----------
    before, after : sequences of int or None
        The scores of the same opvoeders, position by position (same length).
    confidence : float
        Level of the interval (default 0.95).

    Returns
    -------
    Change
        ``n`` pairs, ``mean`` difference (``None`` without pairs) and the interval
        (``None`` for fewer than two pairs).

    Notes
    -----
    With differences :math:`d_i = a_i - b_i`, :math:`i = 1..n`, mean :math:`\\bar d` and sample
    standard deviation :math:`s_d`, the interval is

    .. math:: \\bar d \\pm t_{1-\\alpha/2,\\,n-1} \\, s_d / \\sqrt{n}

    (Student's paired t interval; e.g. Altman 1991, ch. 9). With :math:`s_d = 0` it has no width.

    References
    ----------
    Altman, D. G. (1991). *Practical Statistics for Medical Research*. Chapman & Hall.

    Examples
    --------
    >>> c = paired_change([2, 3, 3, 2, 4], [4, 4, 3, 3, 5])
    >>> c.n, round(c.mean, 4), round(c.ci_low, 4), round(c.ci_high, 4)
    (5, 1.0, 0.122, 1.878)
    >>> # In R: t.test(c(4,4,3,3,5), c(2,3,3,2,4), paired = TRUE)$conf.int  ->  0.1220110 1.8779890
    >>> paired_change([3, None], [4, 5])
    Change(n=1, mean=1.0, ci_low=None, ci_high=None)
    """
    if len(before) != len(after):
        raise ValueError("before and after must have the same length")
    diffs = [a - b for b, a in zip(before, after) if a is not None and b is not None]
    n = len(diffs)
    if n == 0:
        return Change(0, None, None, None)
    mean = sum(diffs) / n
    if n < 2:
        return Change(n, mean, None, None)
    from scipy import stats  # only where a figure is computed: importing the kit stays light

    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return Change(n, mean, mean - half, mean + half)


@dataclass(frozen=True)
class PooledCell:
    """One figure of the pooled (terugkomdag) view: ``n`` opvoeders behind it, and its value.

    ``suppressed`` cells carry no value, only ``reason``."""

    label: str
    n: int
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    suppressed: bool = False
    reason: str = ""
    extra: dict = field(default_factory=dict, compare=False)


def suppress(cells: Iterable[PooledCell], minimum: int = SUPPRESSION_MINIMUM) -> list[PooledCell]:
    """The cells with every one of fewer than ``minimum`` opvoeders emptied, with a Dutch reason.

    A suppressed cell keeps neither its value nor its exact ``n`` (0): the reason says "fewer than".

    >>> [c.suppressed for c in suppress([PooledCell("a", 4, 1.0), PooledCell("b", 5, 2.0)])]
    [True, False]
    """
    reason = SUPPRESSED_TEXT.format(minimum=minimum)
    return [replace(c, n=0, value=None, ci_low=None, ci_high=None, suppressed=True, reason=reason, extra={})
            if c.n < minimum else c for c in cells]
