"""Programme paths as data: what each programme asks of a professional (issue 17).

Each programme has its own path in ``content/programmes/<code>.yaml``: the requirements a
professional completes (each with a code, a kind, a count, a Dutch label and the source it comes
from) and how the result stays valid. Babytijd registers its *uitvoerders* after the
train-de-trainer and keeps the registration active through the mandatory terugkomdag every two
years; the Ouder-baby interventie gives a certificate after training days, supervision, national
supervision and two cases. A requirement the kit adds on its own (the Ainsworth scoring test) says
so (``kit_addition``), and an organisation can switch it off in the file (``enabled: false``).

The files are read and validated by ``oefenkit init`` (through :func:`oefenkit.content.load_content`)
and by ``oefenkit programmes list|show``; every problem is a Dutch :class:`ContentError` naming the
file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .contentfile import read_yaml_mapping, refuse_unknown_fields
from .errors import ContentError

__all__ = ["REQUIREMENT_KINDS", "VALIDITY_KINDS", "Requirement", "Validity", "ProgrammePath", "load_path",
           "load_paths"]

#: What a requirement can be. Trainers record the first four (the kit cannot see them happen);
#: ``modules`` are the kit's own course modules, ``scoring_test`` its Ainsworth scoring test.
REQUIREMENT_KINDS = ("attendance", "supervision", "national_supervision", "cases", "modules", "scoring_test")
#: ``registration``: registered as an uitvoerder while the refresher is kept up (Babytijd);
#: ``certificate``: a certificate once the path is complete (Ouder-baby interventie).
VALIDITY_KINDS = ("registration", "certificate")

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class Requirement:
    code: str
    kind: str
    count: int
    label: str
    source: str
    #: False: recommended by the kit, not needed for the registration or certificate.
    required: bool = True
    #: True: the kit's own addition, not in the programme owner's rules.
    kit_addition: bool = False
    #: For ``modules``: the codes of the course modules meant.
    modules: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "kind": self.kind, "count": self.count, "label": self.label,
                               "source": self.source, "required": self.required,
                               "kit_addition": self.kit_addition}
        if self.modules:
            out["modules"] = list(self.modules)
        return out


@dataclass(frozen=True)
class Activity:
    """Something recorded after the path, as often as it happens, that neither completes the path
    nor keeps it valid (the Ouder-baby opfriscursus, about once a year on request)."""

    code: str
    label: str
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "source": self.source}


@dataclass(frozen=True)
class Validity:
    kind: str
    #: What keeps it valid, or None (it does not lapse).
    refresher: str | None
    every_years: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "refresher": self.refresher, "every_years": self.every_years}


@dataclass(frozen=True)
class ProgrammePath:
    code: str
    name: str
    requirements: tuple[Requirement, ...]
    validity: Validity
    #: Offered after the path, not part of it (e.g. the Ouder-baby intervision team, the opfriscursus).
    afterwards: tuple[str, ...] = field(default=())
    #: Who owns the programme (its official certificates are theirs); the kit's certificate names
    #: it to say that it is *not* issued by them, unless the organisation is the owner.
    owner: str | None = None
    #: The smallest intervision team the programme asks for (Ouder-baby: 4), or None.
    intervision_team_min: int | None = None
    #: Recorded after the path, without a limit (the opfriscursus).
    activities: tuple[Activity, ...] = field(default=())

    @property
    def has_scoring_test(self) -> bool:
        """Does this path include the kit's scoring test (so the exam app offers the programme)?"""
        return any(r.kind == "scoring_test" for r in self.requirements)

    def requirement(self, code: str) -> Requirement:
        for r in self.requirements:
            if r.code == code:
                return r
        raise ContentError(f"Programma {self.code!r} heeft geen eis {code!r}.")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "requirements": [r.as_dict() for r in self.requirements],
                "validity": self.validity.as_dict(), "afterwards": list(self.afterwards), "owner": self.owner,
                "intervision_team_min": self.intervision_team_min,
                "activities": [a.as_dict() for a in self.activities]}


_PATH_KEYS = ("code", "name", "owner", "requirements", "validity", "afterwards", "intervision_team_min", "activities")


def _text(data: dict, key: str, where: str, *, limit: int = 300) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: '{key}' moet een tekst zijn.")
    value = " ".join(value.split())
    if len(value) > limit:
        raise ContentError(f"{where}: '{key}' is langer dan {limit} tekens.")
    return value


def _code(data: dict, key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not _CODE.match(value):
        raise ContentError(f"{where}: '{key}' moet een code zijn van kleine letters, cijfers en streepjes.")
    return value


def _whole_or_none(data: dict, key: str, where: str, *, low: int, high: int) -> int | None:
    return None if data.get(key) is None else _whole(data, key, where, low=low, high=high)


def _whole(data: dict, key: str, where: str, *, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ContentError(f"{where}: '{key}' moet een heel getal van {low} tot en met {high} zijn.")
    return value


def _flag(data: dict, key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ContentError(f"{where}: '{key}' moet true of false zijn.")
    return value


_REQUIREMENT_KEYS = {"code", "kind", "count", "label", "source", "required", "kit_addition", "modules", "enabled"}


def _requirement(data: Any, where: str, module_codes: set[str] | None) -> Requirement | None:
    """One requirement, or None when the organisation switched it off (``enabled: false``)."""
    if not isinstance(data, dict):
        raise ContentError(f"{where}: verwacht velden code, kind, count, label en source.")
    refuse_unknown_fields(data, _REQUIREMENT_KEYS, where)
    code = _code(data, "code", where)
    where = f"{where} ({code})"
    kind = data.get("kind")
    if kind not in REQUIREMENT_KINDS:
        raise ContentError(f"{where}: 'kind' moet een van {', '.join(REQUIREMENT_KINDS)} zijn.")
    count = _whole(data, "count", where, low=1, high=100)
    label, source = _text(data, "label", where), _text(data, "source", where)
    required = _flag(data, "required", where, True)
    addition = _flag(data, "kit_addition", where, False)
    if not _flag(data, "enabled", where, True):
        if not addition:
            raise ContentError(f"{where}: alleen een eis die de kit zelf toevoegt (kit_addition: true) mag uit.")
        return None
    if kind == "scoring_test" and not addition:
        raise ContentError(f"{where}: de scoringstoets is een toevoeging van de kit; zet kit_addition: true.")
    modules: tuple[str, ...] = ()
    if kind == "modules":
        raw = data.get("modules")
        if not isinstance(raw, list) or not raw or not all(isinstance(m, str) for m in raw):
            raise ContentError(f"{where}: 'modules' moet een lijst met modulecodes zijn.")
        modules = tuple(raw)
        if len(set(modules)) != len(modules):
            raise ContentError(f"{where}: een module staat twee keer in 'modules'.")
        if module_codes is not None:
            missing = [m for m in modules if m not in module_codes]
            if missing:
                raise ContentError(f"{where}: onbekende module {missing[0]!r}.")
        if count > len(modules):
            raise ContentError(f"{where}: 'count' is groter dan het aantal modules.")
    elif "modules" in data:
        raise ContentError(f"{where}: 'modules' hoort alleen bij kind: modules.")
    return Requirement(code, kind, count, label, source, required, addition, modules)


def load_path(path: Path, *, programme_codes: Iterable[str] | None = None,
              module_codes: Iterable[str] | None = None) -> ProgrammePath:
    """Read and validate one path file. With ``programme_codes`` / ``module_codes`` the programme and
    the modules it names must exist."""
    path = Path(path)
    data = read_yaml_mapping(path, name=f"programmes/{path.name}")
    where = f"programmes/{path.name}"
    refuse_unknown_fields(data, _PATH_KEYS, where)
    code = _code(data, "code", where)
    if path.stem != code:
        raise ContentError(f"{where}: de bestandsnaam moet {code}.yaml zijn.")
    if programme_codes is not None and code not in set(programme_codes):
        raise ContentError(f"{where}: programma {code!r} staat niet in programmes.yaml.")
    name = _text(data, "name", where, limit=120)
    raw = data.get("requirements")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{where}: 'requirements' moet een lijst met eisen zijn.")
    modules = set(module_codes) if module_codes is not None else None
    requirements = [r for i, item in enumerate(raw, 1)
                    if (r := _requirement(item, f"{where}, eis {i}", modules)) is not None]
    codes = [r.code for r in requirements]
    if len(set(codes)) != len(codes):
        raise ContentError(f"{where}: elke eiscode mag maar één keer voorkomen.")
    if not any(r.required for r in requirements):
        raise ContentError(f"{where}: het pad heeft geen verplichte eis.")
    v = data.get("validity")
    if not isinstance(v, dict):
        raise ContentError(f"{where}: 'validity' moet velden kind, refresher en every_years hebben.")
    kind = v.get("kind")
    if kind not in VALIDITY_KINDS:
        raise ContentError(f"{where}: validity.kind moet {' of '.join(VALIDITY_KINDS)} zijn.")
    refresher = v.get("refresher")
    if refresher is not None and (not isinstance(refresher, str) or not _CODE.match(refresher)):
        raise ContentError(f"{where}: validity.refresher moet een code zijn (of leeg).")
    every = _whole_or_none(v, "every_years", f"{where}, validity", low=1, high=10)
    if kind == "registration" and (refresher is None or every is None):
        raise ContentError(f"{where}: een registratie heeft een refresher en every_years nodig.")
    if (refresher is None) != (every is None):
        raise ContentError(f"{where}: validity.refresher en validity.every_years zijn beide ingevuld of beide leeg.")
    afterwards = data.get("afterwards") or []
    if not isinstance(afterwards, list) or not all(isinstance(a, str) and a.strip() for a in afterwards):
        raise ContentError(f"{where}: 'afterwards' moet een lijst met teksten zijn.")
    owner = _text(data, "owner", where, limit=200) if data.get("owner") is not None else None
    team_min = _whole_or_none(data, "intervision_team_min", where, low=2, high=20)
    raw_activities = data.get("activities") or []
    if not isinstance(raw_activities, list):
        raise ContentError(f"{where}: 'activities' moet een lijst zijn.")
    activities = []
    for i, item in enumerate(raw_activities, 1):
        at = f"{where}, activiteit {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{at}: een activiteit heeft code, label en source.")
        refuse_unknown_fields(item, ("code", "label", "source"), at)
        activities.append(Activity(_code(item, "code", at), _text(item, "label", at), _text(item, "source", at)))
    taken = codes + ([refresher] if refresher else [])
    if len({a.code for a in activities} | set(taken)) != len(activities) + len(set(taken)):
        raise ContentError(f"{where}: een activiteit heeft dezelfde code als een eis, de refresher of een andere activiteit.")
    return ProgrammePath(code, name, tuple(requirements), Validity(kind, refresher, every),
                         tuple(" ".join(a.split()) for a in afterwards), owner, team_min, tuple(activities))


def load_paths(content_dir: Path, *, programme_codes: Iterable[str] | None = None,
               module_codes: Iterable[str] | None = None) -> dict[str, ProgrammePath]:
    """All paths in ``<content_dir>/programmes/``, by programme code. With ``programme_codes``, every
    programme must have a path."""
    folder = Path(content_dir) / "programmes"
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ContentError(f"Geen programmapaden gevonden in {folder}.")
    paths = {}
    for file in files:
        p = load_path(file, programme_codes=programme_codes, module_codes=module_codes)
        paths[p.code] = p
    if programme_codes is not None:
        missing = sorted(set(programme_codes) - set(paths))
        if missing:
            raise ContentError(f"Programma {missing[0]!r} heeft geen pad in programmes/{missing[0]}.yaml.")
    return paths
