"""Loading and validating the content files a trainer can edit.

``content/programmes.yaml`` lists the programmes and sample groups;
``content/scales/*.yaml`` holds one versioned scale definition per file
(anchors on the odd points, guidance for the even points, the components a
rater looks at, example behaviour); ``content/babytijd/voorbeeldsituaties.yaml``
the example situation of each Babytijd theme (:mod:`oefenkit.example_situations`);
``content/sessions/rondes-*.yaml`` the terugkomdag round plans (:mod:`oefenkit.rounds`).
When a samples directory is given, the sample case scripts in
``<samples>/scripts/`` (read by :mod:`oefenkit.samples.script`, checked against
this content by :mod:`oefenkit.cases`) and the sets of ``content/case_sets.yaml``
are read too.
Every file is validated on load; a problem raises
:class:`oefenkit.errors.ContentError` naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .babytijd import load_evaluation_form
from .cases import CaseSetSpec, SampleCase, expert_display_name, load_case_sets, load_sample_cases
from .certification import load_rules  # numpy/scipy: only when content is loaded
from .contentfile import read_yaml_mapping, refuse_unknown_fields
from .errors import ContentError
from .example_situations import ExampleSituation, Skill, load_example_situations
from .identity import SYSTEM
from .modules import Module, load_modules
from .programmes import load_paths
from .rounds import load_round_plans
from .scales import Scale
from .settings import SAMPLES_DIR
from .storage.kit import Kit

__all__ = ["Programme", "SampleGroup", "IntervisionSetSpec", "Content", "SAMPLES_DIR",
           "load_content", "load_intervision_sets", "load_into"]

#: The shipped synthetic sample cases: ``scripts/`` (YAML) and ``clips/`` (rendered by
#: ``oefenkit samples render``).


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class SampleGroup:
    name: str
    programme: str | None


@dataclass(frozen=True)
class IntervisionSetSpec:
    """An intervision set (``content/case_sets.yaml``, ``intervision:``): one family's visits in order."""

    code: str
    name: str
    programme: str | None
    cases: tuple[str, ...]


@dataclass(frozen=True)
class Content:
    programmes: tuple[Programme, ...]
    sample_groups: tuple[SampleGroup, ...]
    scales: tuple[Scale, ...] = field(default_factory=tuple)
    certification: Mapping[str, Any] = field(default_factory=dict)  # programme → CertificationRule
    voorbeeldsituaties: tuple[ExampleSituation, ...] = field(default_factory=tuple)  # Babytijd, by theme
    parenting_skills: tuple[Skill, ...] = field(default_factory=tuple)
    cases: tuple[SampleCase, ...] = field(default_factory=tuple)  # only with a samples directory
    case_sets: Mapping[str, CaseSetSpec] = field(default_factory=dict)  # set kind → code and name
    modules: tuple[Module, ...] = field(default_factory=tuple)  # course modules (content/modules/*.yaml)
    intervision_sets: tuple[IntervisionSetSpec, ...] = field(default_factory=tuple)  # only with sample cases
    #: Each programme's path (content/programmes/<code>.yaml, :mod:`oefenkit.programmes`), by code.
    paths: Mapping[str, Any] = field(default_factory=dict)
    #: The terugkomdag round plans (content/sessions/rondes-*.yaml, :mod:`oefenkit.rounds`).
    round_plans: tuple[Any, ...] = field(default_factory=tuple)
    #: The Babytijd opvoeders' questionnaire (content/babytijd/evaluatie.yaml, :mod:`oefenkit.babytijd`).
    evaluation_form: Any = None


def _read_yaml(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path, expect="een lijst met velden bovenaan het bestand")


def _text(data: dict, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: veld '{key}' moet een niet-lege tekst zijn.")
    return value.strip()


_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def _code(data: dict, key: str, where: str) -> str:
    """A code used as a key elsewhere: lowercase letters, digits and hyphens, at most 32."""
    value = _text(data, key, where)
    if not _CODE.match(value):
        raise ContentError(f"{where}: '{key}' {value!r} mag alleen kleine letters, cijfers en streepjes "
                           "bevatten (hoogstens 32 tekens).")
    return value


def _name(data: dict, key: str, where: str) -> str:
    value = _text(data, key, where)
    if len(value) > 200:
        raise ContentError(f"{where}: '{key}' is langer dan 200 tekens.")
    return value


def _int(data: dict, key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{where}: veld '{key}' moet een geheel getal zijn.")
    return value


def _scale_presentation(data: dict, where: str) -> dict[str, Any]:
    """``title``, ``short_title``, ``order`` and ``colour``: how the apps show the scale."""
    out: dict[str, Any] = {}
    for key in ("title", "short_title"):
        value = " ".join(_text(data, key, where).split())
        if len(value) > 60:
            raise ContentError(f"{where}: '{key}' is langer dan 60 tekens.")
        out[key] = value
    order = _int(data, "order", where)
    if order < 0:
        raise ContentError(f"{where}: 'order' is 0 of meer (de schaal met het laagste getal staat voorop).")
    out["order"] = order
    out["colour"] = _code(data, "colour", where)
    return out


def _load_scale(path: Path) -> Scale:
    data = _read_yaml(path)
    where = path.name
    code = _code(data, "code", where)
    version = _int(data, "version", where)
    if version < 1:
        raise ContentError(f"{where}: 'version' begint bij 1.")
    lo, hi = _int(data, "min_score", where), _int(data, "max_score", where)
    if lo >= hi:
        raise ContentError(f"{where}: 'min_score' moet kleiner zijn dan 'max_score'.")
    anchors = data.get("anchors")
    if not isinstance(anchors, dict) or not anchors:
        raise ContentError(f"{where}: 'anchors' moet per scorepunt een beschrijving geven.")
    clean_anchors: dict[str, str] = {}
    for point, text in anchors.items():
        if isinstance(point, bool) or not isinstance(point, int) or not lo <= point <= hi:
            raise ContentError(f"{where}: ankerpunt {point!r} ligt niet tussen {lo} en {hi}.")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: ankerpunt {point} heeft geen beschrijving.")
        clean_anchors[str(point)] = text.strip()
    for point in (lo, hi):
        if str(point) not in clean_anchors:
            raise ContentError(f"{where}: het uiterste {point} heeft geen ankerbeschrijving.")
    anchor_points, between_points = _anchor_points(lo, hi, where)
    for point in anchor_points:
        if str(point) not in clean_anchors:
            raise ContentError(f"{where}: 'anchors' mist een beschrijving van ankerpunt {point}.")
    for point in between_points:
        if str(point) in clean_anchors:
            raise ContentError(f"{where}: {point} is een tussenpunt; beschrijf het onder 'between_anchors', "
                               "niet onder 'anchors'.")
    definition = {k: v for k, v in data.items() if k not in {"code", "version", "name", "min_score", "max_score"}}
    definition.update(_scale_presentation(data, where))
    definition["anchors"] = clean_anchors
    definition["between_anchors"] = _point_texts(data, "between_anchors", between_points, where)
    definition["components"] = _components(data, where)
    definition["examples"] = _point_examples(data, "examples", anchor_points, where)
    return Scale(code, version, _name(data, "name", where), lo, hi, definition)


# -- scale details: even-point guidance, components, example behaviour -------------------


def _anchor_points(lo: int, hi: int, where: str) -> tuple[list[int], list[int]]:
    """Anchor points (every second point from ``lo``) and the points between them."""
    if (hi - lo) % 2:
        raise ContentError(f"{where}: ankers staan op elk tweede punt, dus van 'min_score' tot 'max_score' "
                           f"moet een even afstand zijn ({lo} tot {hi} is dat niet).")
    return list(range(lo, hi + 1, 2)), list(range(lo + 1, hi, 2))


def _point_key(point: Any, allowed: list[int], field_name: str, where: str) -> str:
    if isinstance(point, bool) or not isinstance(point, int) or point not in allowed:
        raise ContentError(f"{where}: '{field_name}' noemt punt {point!r}; toegestaan zijn alleen "
                           f"{', '.join(map(str, allowed))}.")
    return str(point)


def _point_texts(data: dict, key: str, points: list[int], where: str) -> dict[str, str]:
    """A text for every point in ``points`` (e.g. the guidance for the even points)."""
    raw = data.get(key)
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: veld '{key}' ontbreekt; geef per punt "
                           f"({', '.join(map(str, points))}) een toelichting.")
    out = {}
    for point, text in raw.items():
        k = _point_key(point, points, key, where)
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{where}: '{key}' heeft bij punt {point} geen tekst.")
        out[k] = " ".join(text.split())
    for point in points:
        if str(point) not in out:
            raise ContentError(f"{where}: '{key}' mist een toelichting bij punt {point}.")
    return out


def _point_examples(data: dict, key: str, points: list[int], where: str) -> dict[str, list[str]]:
    """At least one example text for every point in ``points``."""
    raw = data.get(key)
    if not isinstance(raw, dict):
        raise ContentError(f"{where}: veld '{key}' ontbreekt; geef per ankerpunt "
                           f"({', '.join(map(str, points))}) minstens één voorbeeld van gedrag.")
    out = {}
    for point, items in raw.items():
        k = _point_key(point, points, key, where)
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not items or not all(isinstance(i, str) and i.strip() for i in items):
            raise ContentError(f"{where}: '{key}' bij punt {point} moet een lijst met niet-lege voorbeelden zijn.")
        out[k] = [" ".join(i.split()) for i in items]
    for point in points:
        if str(point) not in out:
            raise ContentError(f"{where}: '{key}' mist voorbeelden bij ankerpunt {point}.")
    return out


_COMPONENT_FIELDS = ("code", "name", "question", "high", "low")


def _components(data: dict, where: str) -> list[dict[str, str]]:
    """The parts of a scale a rater looks at (for sensitivity: noticing, interpreting, ...)."""
    raw = data.get("components")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{where}: veld 'components' ontbreekt; geef de onderdelen van de schaal als lijst "
                           f"met de velden {', '.join(_COMPONENT_FIELDS)}.")
    out, seen = [], set()
    for i, comp in enumerate(raw, 1):
        here = f"{where}, onderdeel {i} van 'components'"
        if not isinstance(comp, dict):
            raise ContentError(f"{here}: verwacht de velden {', '.join(_COMPONENT_FIELDS)}.")
        refuse_unknown_fields(comp, _COMPONENT_FIELDS, here)
        clean = {"code": _code(comp, "code", here)}
        for f in _COMPONENT_FIELDS[1:]:
            clean[f] = " ".join(_text(comp, f, here).split())
        if clean["code"] in seen:
            raise ContentError(f"{here}: code {clean['code']!r} komt twee keer voor.")
        seen.add(clean["code"])
        out.append(clean)
    return out


def load_content(content_dir: Path, *, samples_dir: Path | None = None) -> Content:
    """Read and validate all content below ``content_dir``.

    With ``samples_dir`` (e.g. :data:`SAMPLES_DIR`) the sample case scripts and
    case sets are read as well; each case's clip path is
    ``<samples_dir>/clips/<code>.mp4``, absolute, whether or not it is rendered yet.
    """
    content_dir = Path(content_dir)
    data = _read_yaml(content_dir / "programmes.yaml")
    progs = data.get("programmes")
    if not isinstance(progs, list) or not progs:
        raise ContentError("programmes.yaml: 'programmes' moet een lijst zijn.")
    programmes = []
    for i, p in enumerate(progs, 1):
        where = f"programmes.yaml, programma {i}"
        if not isinstance(p, dict):
            raise ContentError(f"{where}: verwacht velden code, name en description.")
        programmes.append(Programme(_code(p, "code", where), _name(p, "name", where),
                                    _text(p, "description", where, required=False)))
    codes = [p.code for p in programmes]
    if len(set(codes)) != len(codes):
        raise ContentError("programmes.yaml: elke programmacode mag maar één keer voorkomen.")
    groups = []
    for i, g in enumerate(data.get("sample_groups") or [], 1):
        where = f"programmes.yaml, groep {i}"
        if not isinstance(g, dict):
            raise ContentError(f"{where}: verwacht velden name en programme.")
        prog = g.get("programme")
        if prog is not None and prog not in codes:
            raise ContentError(f"{where}: onbekend programma {prog!r}.")
        groups.append(SampleGroup(_name(g, "name", where), prog))
    scale_files = sorted((content_dir / "scales").glob("*.yaml"))
    if not scale_files:
        raise ContentError(f"Geen schaaldefinities gevonden in {content_dir / 'scales'}.")
    scales = tuple(_load_scale(p) for p in scale_files)
    seen: dict[tuple[str, int], str] = {}
    for path, sc in zip(scale_files, scales):
        first = seen.setdefault((sc.code, sc.version), path.name)
        if first != path.name:
            raise ContentError(
                f"{first} en {path.name}: schaal {sc.code!r} versie {sc.version} staat er twee keer in; "
                "elke combinatie van code en versie mag maar één keer voorkomen."
            )
    colours: dict[str, str] = {}
    for path, sc in zip(scale_files, scales):
        other = colours.setdefault(sc.colour, sc.code)
        if other != sc.code:
            raise ContentError(f"{path.name}: 'colour' {sc.colour!r} hoort al bij schaal {other!r}; "
                               "geef elke schaal een eigen kleur.")

    rules = load_rules(content_dir)
    scale_codes = {sc.code for sc in scales}
    for programme, rule in rules.items():
        if programme not in codes:
            raise ContentError(f"{rule.source}: regels voor onbekend programma {programme!r}.")
        for scale_code in rule.scales:
            if scale_code not in scale_codes:
                raise ContentError(f"{rule.source}: onbekende schaal {scale_code!r}.")
        # The test asks a score on every scale (oefenkit.scales), so the rule judges every scale.
        unjudged = sorted(scale_codes - set(rule.scales))
        if unjudged:
            raise ContentError(f"{rule.source}: geen drempels voor schaal {unjudged[0]!r}. De toets vraagt een "
                               "score op elke schaal; geef onder 'scales' voor elke schaal de drempels.")
    skills, situations = load_example_situations(content_dir / "babytijd" / "voorbeeldsituaties.yaml")
    cases: tuple[SampleCase, ...] = ()
    case_sets: dict[str, CaseSetSpec] = {}
    intervision_sets: tuple[IntervisionSetSpec, ...] = ()
    if samples_dir is not None:
        samples_dir = Path(samples_dir).resolve()
        newest: dict[str, Scale] = {}
        for sc in scales:
            if sc.code not in newest or sc.version > newest[sc.code].version:
                newest[sc.code] = sc
        cases = load_sample_cases(
            samples_dir / "scripts", scales={c: (sc.min_score, sc.max_score) for c, sc in newest.items()},
            programmes=set(codes), clips_dir=samples_dir / "clips")
        if cases:
            case_sets = load_case_sets(content_dir / "case_sets.yaml")
            intervision_sets = load_intervision_sets(content_dir / "case_sets.yaml", cases, programmes=set(codes),
                                                     taken={spec.code for spec in case_sets.values()})
    modules = load_modules(content_dir / "modules", programmes=codes, scale_codes=scale_codes,
                           scripts_dir=(Path(samples_dir) if samples_dir is not None else SAMPLES_DIR) / "scripts")

    paths = load_paths(content_dir, programme_codes=codes, module_codes={m.code for m in modules})

    round_plans = load_round_plans(content_dir / "sessions", situations=situations, programmes=codes,
                                   case_sets={spec.code for spec in case_sets.values()} if case_sets else None)
    evaluation_form = load_evaluation_form(content_dir / "babytijd" / "evaluatie.yaml")
    return Content(tuple(programmes), tuple(groups), scales, rules, situations, skills, cases, case_sets,
                   modules, intervision_sets, paths, round_plans, evaluation_form)


_INTERVISION_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def load_intervision_sets(
    path: Path, cases: tuple[SampleCase, ...], *, programmes: set[str], taken: set[str] = frozenset(),
) -> tuple[IntervisionSetSpec, ...]:
    """The intervision sets of ``content/case_sets.yaml`` (optional list ``intervision``).

    Each names a ``code`` (not used by another set), a ``name``, an optional ``programme`` and
    at least two ``cases`` in visit order. A case may also be in its script's own set, but it must
    be a practice or session case: exam clips are never shown outside the test.
    """
    data = read_yaml_mapping(Path(path))
    where = Path(path).name
    raw = data.get("intervision", [])
    if not isinstance(raw, list):
        raise ContentError(f"{where}: 'intervision' is een lijst van sets.")
    by_code = {c.code: c for c in cases}
    out: list[IntervisionSetSpec] = []
    seen = set(taken)
    for i, item in enumerate(raw, 1):
        here = f"{where}, intervisieset {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{here}: verwacht de velden code, name, programme en cases.")
        refuse_unknown_fields(item, {"code", "name", "programme", "cases"}, here)
        code = item.get("code")
        if not isinstance(code, str) or not _INTERVISION_CODE.match(code):
            raise ContentError(f"{here}: 'code' mag alleen kleine letters, cijfers en streepjes bevatten.")
        if code in seen:
            raise ContentError(f"{here}: code {code!r} komt twee keer voor.")
        seen.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ContentError(f"{here}: 'name' is een tekst van 1 tot 200 tekens.")
        programme = item.get("programme")
        if programme is not None and programme not in programmes:
            raise ContentError(f"{here}: onbekend programma {programme!r}.")
        codes = item.get("cases")
        if not isinstance(codes, list) or len(codes) < 2 or not all(isinstance(c, str) for c in codes):
            raise ContentError(f"{here}: 'cases' noemt minstens twee casussen, in de volgorde van de bezoeken.")
        if len(set(codes)) != len(codes):
            raise ContentError(f"{here}: een casus staat twee keer in 'cases'.")
        for c in codes:
            if c not in by_code:
                raise ContentError(f"{here}: onbekende casus {c!r}.")
            if by_code[c].set not in {"practice", "session"}:
                raise ContentError(f"{here}: casus {c!r} is een toetsfragment en hoort niet in intervisie.")
        out.append(IntervisionSetSpec(code, " ".join(name.split()), programme, tuple(codes)))
    return tuple(out)


def load_into(kit: Kit, content: Content) -> int:
    """Load content into the database idempotently; returns the number of changes."""
    changes = 0
    for p in content.programmes:
        path = content.paths.get(p.code)
        changes += kit.people.update_or_create_programme(
            p.code, p.name, p.description, scoring_test=path is not None and path.has_scoring_test)
    for sc in content.scales:
        changes += kit.cases.update_or_create_scale(sc.code, sc.version, sc.name, sc.definition,
                                              sc.min_score, sc.max_score)
    for g in content.sample_groups:
        changes += kit.people.update_or_create_group(SYSTEM, g.name, g.programme)
    changes += _load_cases(kit, content)
    return changes


def _load_cases(kit: Kit, content: Content) -> int:
    """The sample cases, their expert accounts and scores, and the case sets."""
    changes = 0
    raters = sorted({j.rater for case in content.cases for js in case.experts.values() for j in js})
    for rater in raters:
        changes += kit.cases.update_or_create_expert(SYSTEM, rater, expert_display_name(rater))
    for case in content.cases:
        changes += kit.cases.update_or_create_case(
            SYSTEM, case.code, case.title, programme_code=case.programme, vignette=case.vignette_text(),
            details=case.details(), synthetic=True, clip_path=str(case.clip_path))
        for scale_code, judgements in case.experts.items():
            for j in judgements:
                changes += kit.cases.update_or_create_expert_score(SYSTEM, case.code, scale_code, j.score, j.rationale,
                                                             expert_username=j.rater)
    if content.cases:
        for kind, spec in content.case_sets.items():
            codes = [case.code for case in content.cases if case.set == kind]
            # Shipped sets are public: their expert scores are in sample_cases/scripts/.
            changes += kit.cases.update_or_create_case_set(SYSTEM, spec.code, spec.name, kind, codes, public=True)
        for spec in content.intervision_sets:
            changes += kit.cases.update_or_create_case_set(SYSTEM, spec.code, spec.name, "intervision", spec.cases,
                                                     programme_code=spec.programme, public=True)
    return changes
