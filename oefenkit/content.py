"""Loading and validating the content files a trainer can edit.

``content/programmes.yaml`` lists the programmes and sample groups;
``content/scales/*.yaml`` holds one versioned scale definition per file.
Every file is validated on load; a problem raises
:class:`oefenkit.errors.ContentError` naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ContentError
from .identity import SYSTEM
from .storage.kit import Kit

__all__ = ["ScaleDefinition", "Programme", "SampleGroup", "Content", "load_content", "load_into"]


@dataclass(frozen=True)
class ScaleDefinition:
    code: str
    version: int
    name: str
    min_score: int
    max_score: int
    definition: dict[str, Any]


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
class Content:
    programmes: tuple[Programme, ...]
    sample_groups: tuple[SampleGroup, ...]
    scales: tuple[ScaleDefinition, ...] = field(default_factory=tuple)
    certification: Mapping[str, Any] = field(default_factory=dict)  # programme → CertificationRule


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ContentError(f"Inhoudsbestand ontbreekt: {path}.") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: geen geldige YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: verwacht een lijst met velden bovenaan het bestand.")
    return data


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


def _load_scale(path: Path) -> ScaleDefinition:
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
    definition = {k: v for k, v in data.items() if k not in {"code", "version", "name", "min_score", "max_score"}}
    definition["anchors"] = clean_anchors
    return ScaleDefinition(code, version, _name(data, "name", where), lo, hi, definition)


def load_content(content_dir: Path) -> Content:
    """Read and validate all content below ``content_dir``."""
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
    from .certification import load_rules  # numpy/scipy: only when content is loaded

    rules = load_rules(content_dir)
    scale_codes = {sc.code for sc in scales}
    for programme, rule in rules.items():
        if programme not in codes:
            raise ContentError(f"{rule.source}: regels voor onbekend programma {programme!r}.")
        for scale_code in rule.scales:
            if scale_code not in scale_codes:
                raise ContentError(f"{rule.source}: onbekende schaal {scale_code!r}.")
    return Content(tuple(programmes), tuple(groups), scales, rules)


def load_into(kit: Kit, content: Content) -> int:
    """Load content into the database idempotently; returns the number of changes."""
    changes = 0
    for p in content.programmes:
        changes += kit.update_or_create_programme(p.code, p.name, p.description)
    for sc in content.scales:
        changes += kit.update_or_create_scale(sc.code, sc.version, sc.name, sc.definition,
                                              sc.min_score, sc.max_score)
    for g in content.sample_groups:
        changes += kit.update_or_create_group(SYSTEM, g.name, g.programme)
    return changes
