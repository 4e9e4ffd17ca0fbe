"""Sample case scripts: reading and validating them, and the case overview.

Each synthetic sample case is one YAML script in ``sample_cases/scripts/<code>.yaml``
(format: ``sample_cases/SCRIPT_FORMAT.md``). The renderer (``oefenkit samples
render``) draws the clip ``sample_cases/clips/<code>.mp4`` from the ``scene`` and
``events``; :func:`load_case_scripts` reads the rest (vignette, expert scores,
consensus, set) so ``oefenkit init`` can load it into the database.

Every script is validated on load; a problem raises
:class:`oefenkit.errors.ContentError` naming the file and the field. The
``consensus`` a script states must equal the documented rule applied to its
expert scores (:func:`oefenkit.agreement.trainee.expert_consensus`), so the
master score shown to a trainee after a test is always the one the rule gives.

Which set a case belongs to (``set: practice | exam | session``) is mapped to a
stored case set by ``content/case_sets.yaml`` (:func:`load_case_sets`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import yaml

from .errors import ContentError

#: libyaml's safe loader when installed (much faster), else the pure-Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

__all__ = [
    "SETTINGS",
    "SETTING_LABELS",
    "SET_KINDS",
    "BABY_KINDS",
    "PARENT_KINDS",
    "PARENT_ACTIONS",
    "MIN_DURATION",
    "MAX_DURATION",
    "MIN_EXPERTS",
    "ExpertJudgement",
    "CaseScript",
    "CaseSetSpec",
    "expert_display_name",
    "load_case_scripts",
    "load_case_sets",
    "case_overview",
]

#: Where a clip is filmed, with the Dutch label the CLI and apps show.
SETTING_LABELS = {"bathing": "badje", "feeding": "voeding", "play_mat": "speelmat", "changing": "verschonen"}
SETTINGS = tuple(SETTING_LABELS)
#: The ``set`` a script names; ``content/case_sets.yaml`` gives each its code and name.
SET_KINDS = ("practice", "exam", "session")
BABY_KINDS = ("crying", "fussing", "reaching", "gaze_aversion", "smiling", "babbling", "playing")
PARENT_KINDS = ("prompt", "delayed", "absent", "intrusive", "mistimed", "interrupting")
PARENT_ACTIONS = ("reach", "soothe", "pick_up", "talk", "offer_toy", "take_toy", "look_away", "wash", "feed",
                  "none")
#: Clip length limits in seconds.
MIN_DURATION, MAX_DURATION = 30, 90
#: Fewest expert scores per case and scale.
MIN_EXPERTS = 3

_FIELDS = {"code", "title", "programme", "set", "synthetic", "duration", "scene", "events", "vignette",
           "experts", "consensus", "rationale"}
_CASE_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_RATER = re.compile(r"^expert-([a-z])$")


def expert_display_name(rater: str) -> str:
    """``expert-a`` → ``Expert A`` (the name shown in the apps)."""
    match = _RATER.match(rater)
    return f"Expert {match.group(1).upper()}" if match else rater


@dataclass(frozen=True)
class ExpertJudgement:
    rater: str
    score: int
    rationale: str


@dataclass(frozen=True)
class CaseScript:
    """One validated sample case script."""

    code: str
    title: str
    programme: str
    set: str
    duration: float
    setting: str
    seed: int
    events: tuple[dict[str, Any], ...]
    vignette: tuple[tuple[float, str], ...]
    experts: Mapping[str, tuple[ExpertJudgement, ...]]
    consensus: Mapping[str, int]
    rationale: Mapping[str, str]
    clip_path: Path
    source: Path

    def vignette_text(self) -> str:
        """The vignette as timestamped lines (``[0:04] De baby begint te huilen …``)."""
        return "\n".join(f"[{int(t) // 60}:{int(t) % 60:02d}] {text}" for t, text in self.vignette)

    def details(self) -> dict[str, Any]:
        """What the database keeps next to title and vignette (plain JSON values).

        ``rationale`` explains the expert consensus: the storage façade shows it
        only to people who may read expert scores.
        """
        return {
            "setting": self.setting,
            "seed": self.seed,
            "duration": self.duration,
            "set": self.set,
            "events": [dict(e) for e in self.events],
            "vignette": [{"t": t, "text": text} for t, text in self.vignette],
            "rationale": dict(self.rationale),
            "script": f"sample_cases/scripts/{self.source.name}",
        }


@dataclass(frozen=True)
class CaseSetSpec:
    """A stored case set: ``kind`` is the ``set`` value scripts use."""

    kind: str
    code: str
    name: str


# -- small validators -------------------------------------------------------------------


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except FileNotFoundError as exc:
        raise ContentError(f"Inhoudsbestand ontbreekt: {path}.") from exc
    except yaml.YAMLError as exc:
        raise ContentError(f"{path.name}: geen geldige YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: verwacht velden bovenaan het bestand.")
    return data


def _text(data: Mapping, key: str, where: str, *, max_len: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: veld '{key}' moet een niet-lege tekst zijn.")
    value = " ".join(value.split())
    if max_len is not None and len(value) > max_len:
        raise ContentError(f"{where}: veld '{key}' is langer dan {max_len} tekens.")
    return value


def _number(data: Mapping, key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ContentError(f"{where}: veld '{key}' moet een getal zijn (seconden).")
    return value


def _choice(data: Mapping, key: str, where: str, choices: Sequence[str]) -> str:
    value = data.get(key)
    if value not in choices:
        raise ContentError(f"{where}: veld '{key}' is {value!r}; kies uit {', '.join(choices)}.")
    return value


def _scale_map(data: Mapping, key: str, where: str, scales: Mapping[str, tuple[int, int]]) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ContentError(f"{where}: veld '{key}' moet per schaal ({', '.join(scales)}) een waarde geven.")
    unknown = set(value) - set(scales)
    if unknown:
        raise ContentError(f"{where}: '{key}' noemt een onbekende schaal {sorted(map(str, unknown))[0]!r}.")
    missing = [s for s in scales if s not in value]
    if missing:
        raise ContentError(f"{where}: '{key}' mist de schaal {missing[0]!r}.")
    return value


# -- one script ---------------------------------------------------------------------------


def _events(data: Mapping, where: str, duration: float) -> tuple[dict[str, Any], ...]:
    raw = data.get("events")
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{where}: veld 'events' moet een niet-lege lijst zijn.")
    out, last_t = [], 0.0
    busy_until = {"baby": 0.0, "parent": 0.0}  # one thing at a time per figure
    for i, ev in enumerate(raw, 1):
        here = f"{where}, event {i}"
        if not isinstance(ev, dict):
            raise ContentError(f"{here}: verwacht velden t, actor, kind en duration.")
        t, length = _number(ev, "t", here), _number(ev, "duration", here)
        if t < 0 or length <= 0 or t + length > duration:
            raise ContentError(f"{here}: 't' en 'duration' moeten binnen de {duration:g} seconden van het "
                               "fragment vallen (t ≥ 0, duration > 0).")
        if t < last_t:
            raise ContentError(f"{here}: events staan op volgorde van 't'; {t:g} komt na {last_t:g}.")
        last_t = t
        actor = _choice(ev, "actor", here, ("baby", "parent"))
        if actor == "baby":
            _choice(ev, "kind", here, BABY_KINDS)
            allowed = {"t", "actor", "kind", "duration"}
        else:
            _choice(ev, "kind", here, PARENT_KINDS)
            _choice(ev, "action", here, PARENT_ACTIONS)
            allowed = {"t", "actor", "kind", "action", "duration", "say"}
            if "say" in ev:  # the renderer shows it for max(duration, 2) seconds
                _text(ev, "say", here)
        unknown = set(ev) - allowed
        if unknown:
            raise ContentError(f"{here}: veld {sorted(unknown)[0]!r} hoort niet bij een event van {actor}.")
        if t < busy_until[actor] - 1e-9:
            raise ContentError(f"{here}: begint op {t:g} s, terwijl het vorige event van {actor} tot "
                               f"{busy_until[actor]:g} s duurt; events van één figuur overlappen niet.")
        busy_until[actor] = t + length
        out.append(dict(ev))
    return tuple(out)


def _vignette(data: Mapping, where: str, duration: float) -> tuple[tuple[float, str], ...]:
    raw = data.get("vignette")
    if not isinstance(raw, list) or len(raw) < 2:
        raise ContentError(f"{where}: veld 'vignette' moet minstens twee regels met tijd en tekst hebben.")
    out, last_t = [], -1.0
    for i, line in enumerate(raw, 1):
        here = f"{where}, vignetteregel {i}"
        if not isinstance(line, dict):
            raise ContentError(f"{here}: verwacht de velden t en text.")
        t = _number(line, "t", here)
        if not 0 <= t <= duration or t < last_t:
            raise ContentError(f"{here}: 't' moet binnen het fragment vallen en oplopen.")
        last_t = t
        out.append((t, _text(line, "text", here)))
    return tuple(out)


def _experts(data: Mapping, where: str, scales: Mapping[str, tuple[int, int]]) -> dict[str, tuple]:
    raw = _scale_map(data, "experts", where, scales)
    out = {}
    for scale, items in raw.items():
        here = f"{where}, experts van '{scale}'"
        if not isinstance(items, list) or len(items) < MIN_EXPERTS:
            raise ContentError(f"{here}: minstens {MIN_EXPERTS} experts per schaal.")
        lo, hi = scales[scale]
        judgements, seen = [], set()
        for j, item in enumerate(items, 1):
            at = f"{here}, score {j}"
            if not isinstance(item, dict):
                raise ContentError(f"{at}: verwacht de velden rater, score en rationale.")
            rater = _text(item, "rater", at)
            if not _RATER.match(rater):
                raise ContentError(f"{at}: 'rater' {rater!r} heet expert-a, expert-b, …")
            if rater in seen:
                raise ContentError(f"{at}: {rater} scoort deze schaal twee keer.")
            seen.add(rater)
            score = item.get("score")
            if isinstance(score, bool) or not isinstance(score, int) or not lo <= score <= hi:
                raise ContentError(f"{at}: 'score' moet een geheel getal van {lo} tot {hi} zijn.")
            judgements.append(ExpertJudgement(rater, score, _text(item, "rationale", at)))
        out[scale] = tuple(judgements)
    return out


def _load_script(path: Path, scales: Mapping[str, tuple[int, int]], programmes: set[str],
                 clips_dir: Path) -> CaseScript:
    data = _read(path)
    where = f"scripts/{path.name}"
    unknown = set(data) - _FIELDS
    if unknown:
        raise ContentError(f"{where}: onbekend veld {sorted(map(str, unknown))[0]!r}.")
    code = _text(data, "code", where)
    if not _CASE_CODE.match(code):
        raise ContentError(f"{where}: 'code' {code!r} mag alleen kleine letters, cijfers en streepjes bevatten.")
    if code != path.stem:
        raise ContentError(f"{where}: 'code' {code!r} moet gelijk zijn aan de bestandsnaam ({path.stem}).")
    programme = _text(data, "programme", where)
    if programme not in programmes:
        raise ContentError(f"{where}: veld 'programme' noemt een onbekend programma {programme!r}.")
    if data.get("synthetic") is not True:
        raise ContentError(f"{where}: veld 'synthetic' moet true zijn; er gaan geen echte opnames in de kit.")
    duration = _number(data, "duration", where)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise ContentError(f"{where}: veld 'duration' moet tussen {MIN_DURATION} en {MAX_DURATION} seconden liggen.")
    scene = data.get("scene")
    if not isinstance(scene, dict):
        raise ContentError(f"{where}: veld 'scene' moet 'setting' en 'seed' geven.")
    setting = _choice(scene, "setting", f"{where}, scene", SETTINGS)
    seed = scene.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ContentError(f"{where}, scene: veld 'seed' moet een geheel getal ≥ 0 zijn.")
    experts = _experts(data, where, scales)
    consensus = _scale_map(data, "consensus", where, scales)
    for scale, value in consensus.items():
        lo, hi = scales[scale]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise ContentError(f"{where}: 'consensus' van '{scale}' moet een geheel getal van {lo} tot {hi} zijn.")
    rationale_raw = _scale_map(data, "rationale", where, scales)
    rationale = {scale: _text(rationale_raw, scale, f"{where}, rationale") for scale in scales}
    return CaseScript(
        code=code, title=_text(data, "title", where, max_len=200), programme=programme,
        set=_choice(data, "set", where, SET_KINDS), duration=duration, setting=setting, seed=seed,
        events=_events(data, where, duration), vignette=_vignette(data, where, duration),
        experts=experts, consensus=dict(consensus), rationale=rationale,
        clip_path=clips_dir / f"{code}.mp4", source=path,
    )


def _check_consensus(scripts: Sequence[CaseScript], scales: Mapping[str, tuple[int, int]]) -> None:
    """Refuse a stated consensus that differs from the documented rule."""
    from .agreement.data import Ratings  # numpy: only when cases are loaded
    from .agreement.trainee import expert_consensus

    for scale, (lo, hi) in scales.items():
        records = [(j.rater, s.code, j.score) for s in scripts for j in s.experts[scale]]
        if not records:
            continue
        rule = expert_consensus(Ratings.from_records(records, scale_min=lo, scale_max=hi)).scores
        for s in scripts:
            if rule[s.code] != s.consensus[scale]:
                scores = ", ".join(str(j.score) for j in s.experts[scale])
                raise ContentError(
                    f"scripts/{s.source.name}: 'consensus' van '{scale}' is {s.consensus[scale]}, maar de "
                    f"regel (mediaan van de experts, een halve mediaan naar het midden van de schaal) geeft "
                    f"{rule[s.code]:g} bij de scores {scores}."
                )


def load_case_scripts(scripts_dir: Path, *, scales: Mapping[str, tuple[int, int]], programmes: set[str],
                      clips_dir: Path) -> tuple[CaseScript, ...]:
    """Read and validate every ``*.yaml`` script in ``scripts_dir``, sorted by code.

    ``scales`` maps each scale code to its (min, max); every script is scored on
    every scale. ``clips_dir`` is where the rendered clips are (or will be).
    """
    scripts = tuple(_load_script(p, scales, programmes, Path(clips_dir))
                    for p in sorted(Path(scripts_dir).glob("*.yaml")))
    _check_consensus(scripts, scales)
    return scripts


def load_case_sets(path: Path) -> dict[str, CaseSetSpec]:
    """The case sets (``content/case_sets.yaml``): set kind → code and name."""
    data = _read(Path(path))
    where = Path(path).name
    raw = data.get("sets")
    if not isinstance(raw, dict) or set(raw) != set(SET_KINDS):
        raise ContentError(f"{where}: veld 'sets' moet precies {', '.join(SET_KINDS)} beschrijven.")
    out, codes = {}, set()
    for kind in SET_KINDS:
        here = f"{where}, set '{kind}'"
        item = raw[kind]
        if not isinstance(item, dict):
            raise ContentError(f"{here}: verwacht de velden code en name.")
        code = _text(item, "code", here)
        if not _CASE_CODE.match(code):
            raise ContentError(f"{here}: 'code' {code!r} mag alleen kleine letters, cijfers en streepjes bevatten.")
        if code in codes:
            raise ContentError(f"{here}: code {code!r} komt twee keer voor.")
        codes.add(code)
        out[kind] = CaseSetSpec(kind, code, _text(item, "name", here, max_len=200))
    return out


# -- overview ------------------------------------------------------------------------------


def case_overview(kit, actor) -> list[dict[str, Any]]:
    """Every case with its set, clip, duration and, per scale, the experts and the consensus.

    The consensus is computed from the stored expert scores with the documented
    rule, so it matches what certification uses. Reading expert scores needs a
    trainer or coördinator (the façade checks).
    """
    from .agreement.data import Ratings
    from .agreement.trainee import expert_consensus

    cases = kit.list_cases(actor, with_expert_scores=True)
    newest = {s.code: s for s in kit.list_scales()}  # ordered by version: the last one wins
    consensus: dict[str, dict[str, float]] = {}
    for scale_code, scale in newest.items():
        records = [(e.expert_username, c.code, e.score) for c in cases for e in c.expert_scores
                   if e.scale_code == scale_code]
        if records:
            consensus[scale_code] = expert_consensus(
                Ratings.from_records(records, scale_min=scale.min_score, scale_max=scale.max_score)).scores
    out = []
    for c in cases:
        scales: dict[str, Any] = {}
        for e in c.expert_scores:
            entry = scales.setdefault(e.scale_code, {"consensus": None, "experts": []})
            entry["experts"].append({"rater": e.expert_username, "score": e.score})
        for scale_code, entry in scales.items():
            value = consensus.get(scale_code, {}).get(c.code)
            entry["consensus"] = None if value is None else int(value)
        clip = c.clip_path
        out.append({
            "id": c.code,
            "title": c.title,
            "programme": c.programme_code,
            "set": c.set_codes[0] if c.set_codes else None,
            "sets": list(c.set_codes),
            "setting": c.details.get("setting"),
            "clip": clip,
            "clip_available": bool(clip) and Path(clip).is_file(),
            "duration": c.details.get("duration"),
            "synthetic": c.synthetic,
            "scales": dict(sorted(scales.items())),
        })
    return out
