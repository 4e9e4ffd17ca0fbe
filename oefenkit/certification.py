"""Certification rules (data) and the decision that applies them.

One YAML file per programme in ``content/certification/`` holds the rule: the
minimum number of test clips, per-scale thresholds and the validity period.
:func:`decide` compares a trainee's exam scores with the expert consensus and
returns pass or fail, the Dutch reasons, and every statistic it used, so the
decision can be stored and explained later. The defaults are justified in
``docs/certificering.md``.

Thresholds per scale
--------------------
``icc_a1_min``
    ICC(A,1) (absolute agreement, single rater) of trainee vs. consensus.
``within_one_min``
    Share of clips scored at most one point from the consensus.
``abs_bias_max``
    Largest allowed absolute mean difference (trainee − consensus).
``extremes_min_share``
    For each extreme band (the two lowest and the two highest scale points)
    that holds clips with that consensus, the share of those clips the trainee
    also placed in that band. Each band is checked on its own. A trainee who
    never uses the extremes fails here even with a high within-one share.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from .contentfile import read_yaml_mapping, refuse_unknown_fields
from .errors import ContentError, NotFound, ValidationError
from .requirements import add_years

__all__ = [
    "ScaleThresholds",
    "CertificationRule",
    "Decision",
    "load_rule",
    "load_rules",
    "decide",
    "decide_against_experts",
    "valid_until",
    "renewed_until",
    "Check",
    "explain",
    "STATISTIC_HELP",
]


@dataclass(frozen=True)
class ScaleThresholds:
    icc_a1_min: float
    within_one_min: float
    abs_bias_max: float
    extremes_min_share: float


@dataclass(frozen=True)
class CertificationRule:
    programme: str
    name: str
    min_clips: int
    scales: Mapping[str, ScaleThresholds]
    validity_years: int
    renewal: str
    required_supervised_cases: int = 0
    #: File the rule was read from (for error messages).
    source: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "name": self.name,
            "min_clips": self.min_clips,
            "scales": {k: vars(v).copy() for k, v in self.scales.items()},
            "validity_years": self.validity_years,
            "renewal": self.renewal,
            "required_supervised_cases": self.required_supervised_cases,
        }


@dataclass(frozen=True)
class Decision:
    """The outcome of applying a rule: ``passed``, Dutch ``reasons`` and the statistics used."""

    programme: str
    passed: bool
    reasons: tuple[str, ...]
    statistics: dict[str, Any] = field(default_factory=dict)
    rule: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"programme": self.programme, "passed": self.passed, "reasons": list(self.reasons),
                "statistics": self.statistics, "rule": self.rule}


# -- loading --------------------------------------------------------------------------


def _number(data: Mapping, key: str, where: str, lo: float, hi: float) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise ContentError(f"{where}: '{key}' moet een getal van {lo:g} tot en met {hi:g} zijn.")
    return float(value)


def _integer(data: Mapping, key: str, where: str, lo: int, default: int | None = None) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise ContentError(f"{where}: '{key}' moet een geheel getal van minstens {lo} zijn.")
    return value


def load_rule(path: Path) -> CertificationRule:
    """Read and validate one programme's rule file."""
    path = Path(path)
    where = path.name
    data = read_yaml_mapping(path, missing="Certificeringsregels ontbreken",
                             expect="velden als programme, min_clips en scales")
    # A misspelt optional field (e.g. required_supervised_cases) must not silently fall back to its default.
    refuse_unknown_fields(data, {"programme", "name", "min_clips", "scales", "validity", "required_supervised_cases"},
                          where)
    programme = data.get("programme")
    if not isinstance(programme, str) or not programme.strip():
        raise ContentError(f"{where}: 'programme' ontbreekt.")
    name = data.get("name") or programme
    scales_data = data.get("scales")
    if not isinstance(scales_data, dict) or not scales_data:
        raise ContentError(f"{where}: 'scales' moet per schaal de drempels geven.")
    scales = {}
    for code, th in scales_data.items():
        w = f"{where}, schaal {code}"
        if not isinstance(th, dict):
            raise ContentError(f"{w}: verwacht icc_a1_min, within_one_min, abs_bias_max en extremes_min_share.")
        refuse_unknown_fields(th, {"icc_a1_min", "within_one_min", "abs_bias_max", "extremes_min_share"}, w)
        scales[str(code)] = ScaleThresholds(
            icc_a1_min=_number(th, "icc_a1_min", w, 0, 1),
            within_one_min=_number(th, "within_one_min", w, 0, 1),
            abs_bias_max=_number(th, "abs_bias_max", w, 0, 8),
            extremes_min_share=_number(th, "extremes_min_share", w, 0, 1),
        )
    validity = data.get("validity")
    if not isinstance(validity, dict):
        raise ContentError(f"{where}: 'validity' moet 'years' en 'renewal' geven.")
    refuse_unknown_fields(validity, {"years", "renewal"}, f"{where}, validity")
    renewal = validity.get("renewal")
    if renewal not in {"terugkomdag", "none"}:
        raise ContentError(f"{where}: 'validity.renewal' is 'terugkomdag' of 'none'.")
    return CertificationRule(
        programme=programme.strip(),
        name=str(name),
        min_clips=_integer(data, "min_clips", where, 1),
        scales=scales,
        validity_years=_integer(validity, "years", f"{where}, validity", 1),
        renewal=renewal,
        required_supervised_cases=_integer(data, "required_supervised_cases", where, 0, default=0),
        source=path.name,
    )


def load_rules(content_dir: Path) -> dict[str, CertificationRule]:
    """All rule files in ``<content_dir>/certification``, keyed by programme."""
    rules: dict[str, CertificationRule] = {}
    for path in sorted((Path(content_dir) / "certification").glob("*.yaml")):
        rule = load_rule(path)
        if rule.programme in rules:
            raise ContentError(f"{path.name}: programma {rule.programme!r} heeft al certificeringsregels.")
        rules[rule.programme] = rule
    return rules


# -- deciding -------------------------------------------------------------------------


def _nl(x: float, digits: int = 2) -> str:
    """A number the Dutch way (decimal comma)."""
    return f"{x:.{digits}f}".replace(".", ",")


def _nl_apart(x: float, threshold: float, digits: int = 2) -> str:
    """``x`` the Dutch way, with as many decimals (``digits`` up to two more) as it takes not to read
    the same as ``threshold``: an ICC of 0.6953 against 0.70 reads "0,695", not "0,70, lager dan 0,70"."""
    for more in range(digits, digits + 3):
        if x == threshold or _nl(x, more) != _nl(threshold, more):
            return _nl(x, more)
    return _nl(x, digits + 2)


def _pct(x: float) -> str:
    return f"{round(100 * x)} %"


def _pct_apart(x: float, threshold: float) -> str:
    """A share as a percentage that does not read the same as ``threshold`` (79.6 % is not "80 %")."""
    return f"{_nl_apart(100 * x, 100 * threshold, 0)} %"


def decide(
    rule: CertificationRule,
    trainee: Mapping[str, Mapping[str, float]],
    consensus: Mapping[str, Mapping[str, float]],
    *,
    scale_min: int = 1,
    scale_max: int = 9,
    supervised_cases: int = 0,
) -> Decision:
    """Apply ``rule`` to one trainee's exam.

    ``trainee`` and ``consensus`` map scale code → {clip code → score}. Only
    clips with both a trainee score and a consensus count. Every threshold is
    checked and reported, so a failed decision lists all its reasons.
    """
    from .agreement.trainee import trainee_vs_experts  # numpy/scipy only when deciding

    reasons: list[str] = []
    passed = True
    stats: dict[str, Any] = {"scales": {}}
    for scale, th in rule.scales.items():
        t_scores = dict(trainee.get(scale) or {})
        c_scores = dict(consensus.get(scale) or {})
        common = sorted(set(t_scores) & set(c_scores))
        t = {k: float(t_scores[k]) for k in common}
        c = {k: float(c_scores[k]) for k in common}
        for k, v in t.items():
            if not scale_min <= v <= scale_max:
                raise ValidationError(f"Score {v:g} voor {k} ligt buiten de schaal {scale_min}–{scale_max}.")
        s: dict[str, Any] = {"n_clips": len(common)}
        stats["scales"][scale] = s
        if len(common) < rule.min_clips:
            passed = False
            reasons.append(f"{scale}: {len(common)} toetsfragmenten gescoord, minimaal {rule.min_clips} nodig.")
            continue
        agreement = trainee_vs_experts(t, c, scale_min=scale_min, scale_max=scale_max)
        s.update(agreement.as_dict())
        icc = agreement.icc_a1
        if icc is None:
            passed = False
            reasons.append(f"{scale}: ICC(A,1) is niet te berekenen (geen spreiding in de scores).")
        elif icc < th.icc_a1_min:
            passed = False
            reasons.append(f"{scale}: ICC(A,1) is {_nl_apart(icc, th.icc_a1_min)}, lager dan de drempel {_nl(th.icc_a1_min)}.")
        else:
            reasons.append(f"{scale}: ICC(A,1) is {_nl(icc)} (drempel {_nl(th.icc_a1_min)}).")
        if agreement.within_one < th.within_one_min:
            passed = False
            reasons.append(f"{scale}: {_pct_apart(agreement.within_one, th.within_one_min)} binnen één punt van de "
                           f"consensus, minder dan {_pct(th.within_one_min)}.")
        else:
            reasons.append(f"{scale}: {_pct(agreement.within_one)} binnen één punt van de consensus.")
        if abs(agreement.bias) > th.abs_bias_max:
            direction = "te hoog" if agreement.bias > 0 else "te laag"
            passed = False
            unit = "punt" if abs(agreement.bias) == 1 else "punten"
            reasons.append(f"{scale}: scores liggen gemiddeld {_nl_apart(abs(agreement.bias), th.abs_bias_max)} "
                           f"{unit} {direction} "
                           f"(toegestaan: {_nl(th.abs_bias_max)}).")
        bands = [(name, band) for name, band in (("lage", agreement.low_extremes),
                                                 ("hoge", agreement.high_extremes)) if band.consensus_items]
        if not bands:
            passed = False
            reasons.append(f"{scale}: de toets bevat geen fragment met een extreme consensusscore, dus het "
                           "herkennen van de uitersten is niet te beoordelen. Voeg zulke fragmenten toe aan de toets.")
        # Each end of the scale on its own: recognising only low extremes must not hide never scoring high.
        for name, band in bands:
            if band.recognised / band.consensus_items < th.extremes_min_share:
                passed = False
                never = "" if agreement.used_scale_min or agreement.used_scale_max else \
                    f" De uiterste scores {scale_min} en {scale_max} zijn nergens gebruikt."
                reasons.append(f"{scale}: van de {band.consensus_items} fragmenten met een {name} extreme "
                               f"consensusscore ({_nl(band.low, 0)}–{_nl(band.high, 0)}) zijn er {band.recognised} "
                               f"ook zo gescoord; minimaal {_pct(th.extremes_min_share)} nodig.{never}")
    if rule.required_supervised_cases:
        stats["supervised_cases"] = supervised_cases
        if supervised_cases < rule.required_supervised_cases:
            passed = False
            reasons.append(f"{supervised_cases} van de {rule.required_supervised_cases} casussen zijn uitgevoerd "
                           "en besproken in supervisie.")
    reasons.insert(0, "Geslaagd voor de scoringstoets." if passed else "Nog niet geslaagd voor de scoringstoets.")
    return Decision(rule.programme, passed, tuple(reasons), stats, rule.as_dict())


def decide_against_experts(
    rule: CertificationRule,
    trainee: Mapping[str, Mapping[str, float]],
    expert_scores: Mapping[str, Sequence[tuple[str, str, float]]],
    scale_ranges: Mapping[str, tuple[int, int]],
    *,
    case_set_code: str,
    supervised_cases: int = 0,
) -> Decision:
    """Apply ``rule`` with the consensus built from the experts' stored scores.

    ``expert_scores`` maps scale code → ``[(expert, clip code, score)]`` and
    ``scale_ranges`` scale code → ``(min, max)``. The consensus of each clip is
    :func:`~oefenkit.agreement.trainee.expert_consensus`; the experts' own
    agreement and ``case_set_code`` are kept with the statistics. Shared by
    ``DecisionsService.propose_certification`` (a trainer's proposal) and
    ``ExamService.submit_exam`` (a submitted exam attempt), so both decide the same way.
    """
    from .agreement.data import Ratings  # numpy/scipy only when deciding
    from .agreement.trainee import expert_consensus

    consensus: dict[str, dict[str, float]] = {}
    expert_agreement: dict[str, Any] = {}
    ranges: set[tuple[int, int]] = set()
    for scale_code in rule.scales:
        if scale_code not in scale_ranges:
            raise NotFound(f"Schaal {scale_code!r} bestaat niet.")
        lo, hi = scale_ranges[scale_code]
        ranges.add((lo, hi))
        records = expert_scores.get(scale_code) or []
        if not records:
            continue
        c = expert_consensus(Ratings.from_records(records, scale_min=lo, scale_max=hi))
        consensus[scale_code] = c.scores
        expert_agreement[scale_code] = c.as_dict()
    if len(ranges) != 1:
        raise ValidationError("De schalen van deze regel hebben verschillende bereiken.")
    (lo, hi), = ranges
    decision = decide(rule, trainee, consensus, scale_min=lo, scale_max=hi, supervised_cases=supervised_cases)
    decision.statistics["expert_consensus"] = expert_agreement
    decision.statistics["case_set"] = case_set_code
    return decision


# -- explaining a decision in plain Dutch -----------------------------------------------

#: One line per statistic, for JGZ staff (shown under "Details" of an exam result).
STATISTIC_HELP: dict[str, str] = {
    "ICC(A,1)": "Intraclass-correlatie: hoe goed jouw scores en die van de experts samen op en neer gaan én "
                "even hoog liggen. 1 is perfect, 0 is toeval; vanaf ongeveer 0,70 is het goed.",
    "Binnen één punt": "Het deel van de fragmenten waarbij jouw score hoogstens 1 punt van de expertscore afligt.",
    "Gemiddeld verschil": "Hoeveel punten je gemiddeld hoger (+) of lager (−) scoort dan de experts. "
                          "Dicht bij 0 is goed.",
    "Uitersten herkend": "Van de fragmenten die de experts heel laag (1–2) of heel hoog (8–9) scoorden: bij "
                         "hoeveel jij ook zo laag of hoog scoorde.",
}


@dataclass(frozen=True)
class Check:
    """One rule of a decision, explained: which scale (None for the whole programme), met or not,
    a plain Dutch sentence and the statistic behind it."""

    scale: str | None
    met: bool
    text: str
    detail: str = ""


def _points(x: float) -> str:
    return f"{_nl(x, 1)} punt"


def explain(statistics: Mapping[str, Any], rule: Mapping[str, Any],
            scale_names: Mapping[str, str] | None = None) -> list[Check]:
    """The rules of a stored decision (``statistics`` and ``rule`` as :meth:`Decision.as_dict`
    gives them) as plain Dutch sentences for JGZ staff, one :class:`Check` per rule and scale.

    Uses the names in ``scale_names`` (code → name), never the codes.
    """
    names = dict(scale_names or {})
    checks: list[Check] = []
    thresholds = rule.get("scales") or {}
    min_clips = int(rule.get("min_clips") or 0)
    for code, s in (statistics.get("scales") or {}).items():
        th = thresholds.get(code) or {}
        name = names.get(code, code.capitalize())
        n = int(s.get("n_clips") or 0)
        if "icc_a1" not in s:
            checks.append(Check(code, False, f"{name}: je hebt {n} fragmenten gescoord; er zijn er minstens "
                                             f"{min_clips} nodig.", f"{n} fragmenten"))
            continue
        icc, icc_min = s.get("icc_a1"), th.get("icc_a1_min", 0.0)
        if icc is None:
            checks.append(Check(code, False, f"{name}: je gaf (bijna) overal dezelfde score, dus je scores gaan niet "
                                             "op en neer met die van de experts.", "ICC(A,1) niet te berekenen"))
        else:
            met = icc >= icc_min
            text = (f"{name}: je scores gaan goed samen op en neer met die van de experts." if met else
                    f"{name}: je scores gaan nog niet genoeg samen op en neer met die van de experts: waar zij "
                    "hoger of lager scoren, doe jij dat vaak niet.")
            checks.append(Check(code, met, text, f"ICC(A,1) {_nl_apart(icc, icc_min)} (nodig: minstens {_nl(icc_min)})"))
        within, within_min = float(s.get("within_one") or 0.0), th.get("within_one_min", 0.0)
        k = round(within * n)
        needed = math.ceil(within_min * n - 1e-9)
        met = within >= within_min
        checks.append(Check(code, met, f"{name}: bij {k} van de {n} fragmenten lag je score hoogstens 1 punt van die "
                                       f"van de experts" + ("." if met else f"; er moeten er minstens {needed} zijn."),
                            f"Binnen één punt {_pct_apart(within, within_min)} (nodig: minstens {_pct(within_min)})"))
        bias, bias_max = float(s.get("bias") or 0.0), th.get("abs_bias_max", 0.0)
        met = abs(bias) <= bias_max
        if abs(bias) < 0.05:
            text = f"{name}: je scores liggen gemiddeld even hoog als die van de experts."
        else:
            text = (f"{name}: je scores liggen gemiddeld {_nl_apart(abs(bias), bias_max, 1)} punt "
                    f"{'hoger' if bias > 0 else 'lager'} "
                    "dan die van de experts")
            text += "." if met else f"; dat mag hoogstens {_points(bias_max)} zijn."
        checks.append(Check(code, met, text, f"Gemiddeld verschil {'+' if bias > 0 else ''}{_nl_apart(bias, bias_max if bias > 0 else -bias_max)} "
                                             f"(toegestaan: hoogstens {_nl(bias_max)})"))
        share_min = th.get("extremes_min_share", 0.0)
        bands = [(word, s.get(key) or {}) for word, key in (("heel laag", "low_extremes"),
                                                             ("heel hoog", "high_extremes"))]
        bands = [(word, b) for word, b in bands if b.get("consensus_items")]
        if not bands:
            checks.append(Check(code, False, f"{name}: de toets had geen fragment dat de experts heel laag of heel hoog "
                                             "scoorden, dus het herkennen van de uitersten kon niet worden beoordeeld. "
                                             "Meld dit aan je trainer.", "Uitersten herkend: niet te beoordelen"))
        for word, band in bands:
            items, recognised = int(band["consensus_items"]), int(band.get("recognised") or 0)
            lo, hi = (band.get("band") or [0, 0])[:2]
            met = recognised / items >= share_min
            text = (f"{name}: de experts scoorden {items} {'fragment' if items == 1 else 'fragmenten'} {word} "
                    f"({_nl(lo, 0)}–{_nl(hi, 0)}); jij scoorde er {recognised} ook zo {word.split()[1]}")
            text += "." if met else f"; dat moeten er minstens {math.ceil(share_min * items - 1e-9)} zijn."
            checks.append(Check(code, met, text, f"Uitersten herkend ({word}): {recognised} van {items} "
                                                 f"(nodig: minstens {_pct(share_min)})"))
    required = int(rule.get("required_supervised_cases") or 0)
    if required:
        done = int(statistics.get("supervised_cases") or 0)
        checks.append(Check(None, done >= required, f"{done} van de {required} casussen die je moet uitvoeren en "
                                                     "bespreken in supervisie zijn vastgelegd.",
                            f"Supervisiecasussen {done} van {required}"))
    return checks


# -- validity -------------------------------------------------------------------------


def valid_until(issued_on: dt.date, rule: CertificationRule) -> dt.date:
    """Last day a certificate issued on ``issued_on`` is valid."""
    return add_years(issued_on, rule.validity_years)


def renewed_until(current_until: dt.date, attended_on: dt.date, rule: CertificationRule) -> dt.date:
    """Validity after attending a terugkomdag on ``attended_on``.

    Attendance while the certificate is still valid extends it to the same
    period counted from the attendance date; after expiry it renews nothing.
    """
    if rule.renewal != "terugkomdag" or attended_on > current_until:
        return current_until
    return max(current_until, add_years(attended_on, rule.validity_years))
