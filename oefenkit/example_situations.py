"""Babytijd example situations ("voorbeeldsituaties"): one per theme, as data.

``content/babytijd/voorbeeldsituaties.yaml`` holds, for each of the sixteen
themes of Babytijd, a short scene a parent brings into the group, the
discussion prompts ("wat zouden jullie doen?") and notes for the facilitator:
which of the four parenting skills is central and what a good group
discussion brings out. The file is validated on load; a problem raises
:class:`oefenkit.errors.ContentError` naming the file, the theme and the field.

File layout::

    skills:                      # the four parenting skills (Babytijd, Tabel 1)
      - {code: sensitief-responsief, name: "..."}
      ...
    situations:
      - theme: 1                 # 1..16, each exactly once
        title: Algemene opvoeding
        skill: sensitief-responsief
        activity: "..."          # optional
        situation: "..."
        prompts: ["...", "..."]  # 2 to 4
        facilitator:
          skill_focus: "..."
          discussion: ["...", ...]

The situations are not stored in the database: the training apps read them
from the content, like the certification rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contentfile import read_yaml_mapping, refuse_unknown_fields, text_field
from .errors import ContentError

__all__ = ["THEME_COUNT", "SKILL_CODES", "Skill", "ExampleSituation", "load_example_situations"]

#: Babytijd has sixteen meetings, each with one theme.
THEME_COUNT = 16
#: The four parenting skills of the programme's subgoals, in the order of Tabel 1.
SKILL_CODES = ("sensitief-responsief", "autonomie", "structuur", "informatie-uitleg")

_MIN_PROMPTS, _MAX_PROMPTS = 2, 4
_SITUATION_FIELDS = {"theme", "title", "skill", "activity", "situation", "prompts", "facilitator"}
_FACILITATOR_FIELDS = {"skill_focus", "discussion"}


@dataclass(frozen=True)
class Skill:
    code: str
    name: str


@dataclass(frozen=True)
class ExampleSituation:
    """One theme's example situation with its prompts and facilitator notes."""

    theme: int
    title: str
    skill: str
    situation: str
    prompts: tuple[str, ...]
    skill_focus: str
    discussion: tuple[str, ...]
    activity: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "theme": self.theme, "title": self.title, "skill": self.skill, "activity": self.activity,
            "situation": self.situation, "prompts": list(self.prompts),
            "facilitator": {"skill_focus": self.skill_focus, "discussion": list(self.discussion)},
        }


def _clean(text: str) -> str:
    return " ".join(text.split())


def _texts(data: dict, key: str, where: str, lo: int, hi: int | None = None) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{where}: veld '{key}' moet een lijst met niet-lege teksten zijn.")
    if len(value) < lo or (hi is not None and len(value) > hi):
        wanted = f"{lo} tot {hi}" if hi is not None else f"minstens {lo}"
        raise ContentError(f"{where}: veld '{key}' heeft {len(value)} teksten; verwacht {wanted}.")
    return tuple(_clean(v) for v in value)


def _skills(data: dict, name: str) -> tuple[Skill, ...]:
    raw = data.get("skills")
    if not isinstance(raw, list):
        raise ContentError(f"{name}: veld 'skills' moet de vier opvoedvaardigheden als lijst geven.")
    skills = []
    for i, item in enumerate(raw, 1):
        where = f"{name}, vaardigheid {i}"
        if not isinstance(item, dict):
            raise ContentError(f"{where}: verwacht de velden code en name.")
        skills.append(Skill(text_field(item, "code", where), text_field(item, "name", where)))
    codes = [s.code for s in skills]
    if sorted(codes) != sorted(SKILL_CODES):
        raise ContentError(f"{name}: 'skills' moet precies de vaardigheden {', '.join(SKILL_CODES)} noemen, "
                           f"elk één keer (nu: {', '.join(codes) or 'geen'}).")
    return tuple(skills)


def _situation(item: Any, index: int, name: str, skill_codes: set[str]) -> ExampleSituation:
    where = f"{name}, situatie {index}"
    if not isinstance(item, dict):
        raise ContentError(f"{where}: verwacht de velden theme, title, skill, situation, prompts en facilitator.")
    theme = item.get("theme")
    if isinstance(theme, bool) or not isinstance(theme, int) or not 1 <= theme <= THEME_COUNT:
        raise ContentError(f"{where}: veld 'theme' moet een themanummer van 1 tot en met {THEME_COUNT} zijn.")
    where = f"{name}, thema {theme}"
    refuse_unknown_fields(item, _SITUATION_FIELDS, where)
    skill = text_field(item, "skill", where)
    if skill not in skill_codes:
        raise ContentError(f"{where}: veld 'skill' {skill!r} is geen van de vaardigheden "
                           f"{', '.join(SKILL_CODES)}.")
    notes = item.get("facilitator")
    if not isinstance(notes, dict):
        raise ContentError(f"{where}: veld 'facilitator' ontbreekt; geef 'skill_focus' en 'discussion'.")
    unknown = set(notes) - _FACILITATOR_FIELDS
    if unknown:
        raise ContentError(f"{where}: onbekend veld {sorted(unknown)[0]!r} onder 'facilitator'.")
    notes_where = f"{where}, 'facilitator'"
    return ExampleSituation(
        theme=theme,
        title=text_field(item, "title", where),
        skill=skill,
        situation=text_field(item, "situation", where),
        prompts=_texts(item, "prompts", where, _MIN_PROMPTS, _MAX_PROMPTS),
        skill_focus=text_field(notes, "skill_focus", notes_where),
        discussion=_texts(notes, "discussion", notes_where, 1),
        activity=text_field(item, "activity", where, required=False),
    )


def load_example_situations(path: Path) -> tuple[tuple[Skill, ...], tuple[ExampleSituation, ...]]:
    """Read and validate the example situations; returns the skills and the situations by theme."""
    path = Path(path)
    name = f"{path.parent.name}/{path.name}"
    data = read_yaml_mapping(path, name=name, expect="de velden 'skills' en 'situations' bovenaan het bestand")
    skills = _skills(data, name)
    raw = data.get("situations")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{name}: veld 'situations' moet een lijst met voorbeeldsituaties zijn.")
    codes = {s.code for s in skills}
    situations = [_situation(item, i, name, codes) for i, item in enumerate(raw, 1)]
    seen: dict[int, int] = {}
    for s in situations:
        if s.theme in seen:
            raise ContentError(f"{name}: thema {s.theme} heeft twee voorbeeldsituaties; elk thema precies één.")
        seen[s.theme] = 1
    missing = [t for t in range(1, THEME_COUNT + 1) if t not in seen]
    if missing:
        raise ContentError(f"{name}: er ontbreekt een voorbeeldsituatie voor thema "
                           f"{', '.join(map(str, missing))}; elk van de {THEME_COUNT} thema's heeft er één.")
    return skills, tuple(sorted(situations, key=lambda s: s.theme))
