"""Scenario scripts of the synthetic sample cases: load and validate.

A script is one YAML file ``sample_cases/scripts/<code>.yaml`` in the format of
``sample_cases/SCRIPT_FORMAT.md``. :func:`load_script` reads one file into a
:class:`CaseScript`; :func:`load_scripts` reads a directory. Every problem
raises :class:`~oefenkit.errors.ContentError` with a Dutch message that names
the file and the field (``obi-bad-01.yaml, events[3]: ...``); nothing is
half-loaded.

Rules the format leaves open, and how they are settled here:

* Unknown fields are refused (a typo such as ``duraton`` would otherwise be
  ignored silently).
* The file name must be ``<code>.yaml``: the code is also the clip's name.
* Texts are stripped; prose (title, vignette, rationales) also has its runs of
  white space and line breaks folded to single spaces. ``say`` keeps its inner
  spacing (it is the subtitle as written).
* Every event needs ``duration`` (> 0) and must end within the clip. Parent
  events need ``action``; baby events take no ``action``. Events are listed in
  order of ``t`` (equal times are allowed).
* ``say`` may appear on any event. Its subtitle runs from ``t`` for
  ``max(duration, 2 s)``, cut off at the end of the clip (the format's own
  example has a 1.5 s ``reach`` with a ``say``, so a short event does not make
  the script invalid).
* Events may overlap; the scene decides how overlapping events are drawn
  (see :mod:`oefenkit.samples.scene`).
* The vignette has at least two lines, within the clip, in time order.
* ``consensus`` must equal :func:`oefenkit.agreement.expert_consensus` of the
  experts' scores, and every rater appears once per scale.

Only the file format is checked here. What needs the kit's content (programme
and scale codes known, scores within each scale's declared range, rater names
that become accounts) is checked by :mod:`oefenkit.cases` when ``oefenkit init``
loads the scripts.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..contentfile import read_yaml_mapping
from ..errors import ContentError

__all__ = [
    "CaseScript",
    "Event",
    "SceneSpec",
    "VignetteLine",
    "ExpertScore",
    "load_script",
    "load_scripts",
    "SETTINGS",
    "PROGRAMMES",
    "SETS",
    "BABY_KINDS",
    "PARENT_KINDS",
    "PARENT_ACTIONS",
    "SCALES",
    "SCORE_RANGE",
    "MIN_DURATION",
    "MAX_DURATION",
    "MIN_SUBTITLE_SECONDS",
    "MIN_EXPERTS",
]

log = logging.getLogger(__name__)

SETTINGS = ("bathing", "feeding", "play_mat", "changing")
PROGRAMMES = ("babytijd", "ouder-baby")
SETS = ("practice", "exam", "session")
BABY_KINDS = ("crying", "fussing", "reaching", "gaze_aversion", "smiling", "babbling", "playing")
PARENT_KINDS = ("prompt", "delayed", "absent", "intrusive", "mistimed", "interrupting")
PARENT_ACTIONS = ("reach", "soothe", "pick_up", "talk", "offer_toy", "take_toy", "look_away", "wash",
                  "feed", "none")
#: The two Ainsworth scales of the synthetic sample cases, by their content codes. The renderer keeps
#: its own list on purpose: the shipped scripts describe behaviour it draws for exactly these two
#: scales (sensitive or intrusive parents), and their expert scores are part of that synthetic data,
#: not a rule of the kit. Every app takes its scales from content/scales/ (oefenkit.scales); a scale
#: an organisation adds gets its expert scores in the library, and load_sample_cases accepts it.
SCALES = ("sensitiviteit", "cooperatie")
#: Lowest and highest point of both scales.
SCORE_RANGE = (1, 9)
#: Allowed clip length in seconds (inclusive).
MIN_DURATION, MAX_DURATION = 30, 90
#: A subtitle stays on screen at least this long (seconds).
MIN_SUBTITLE_SECONDS = 2.0
#: Fewest expert ratings per scale.
MIN_EXPERTS = 3

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_TOP_FIELDS = {"code", "title", "programme", "set", "synthetic", "duration", "scene", "events", "vignette",
               "experts", "consensus", "rationale"}
_EVENT_FIELDS = {"t", "actor", "kind", "action", "duration", "say"}
_EPS = 1e-9


@dataclass(frozen=True)
class SceneSpec:
    """Where the clip plays and the seed of every random detail of the drawing."""

    setting: str
    seed: int
    #: A second adult (the other parent) stands in the background, watching. It takes
    #: part in no event: the events stay those of the parent in front.
    partner: bool = False


@dataclass(frozen=True)
class Event:
    """One scripted event.

    Attributes
    ----------
    index : int
        1-based position in the script's ``events`` list (ties in time are
        broken by it: a later entry wins).
    t, duration : float
        Start and length in seconds.
    actor : str
        ``baby`` or ``parent``.
    kind : str
        The baby's signal (:data:`BABY_KINDS`) or the quality of the parent's
        response (:data:`PARENT_KINDS`).
    action : str or None
        What the parent figure does (:data:`PARENT_ACTIONS`); ``None`` for the baby.
    say : str or None
        Dutch text spoken from ``t``: a subtitle and, on request, the voice track.
    """

    index: int
    t: float
    actor: str
    kind: str
    duration: float
    action: str | None = None
    say: str | None = None

    @property
    def end(self) -> float:
        """When the event stops (seconds)."""
        return self.t + self.duration

    def active(self, t: float) -> bool:
        """Whether the event is going on at time ``t`` (start inclusive, end exclusive)."""
        return self.t <= t < self.end


@dataclass(frozen=True)
class VignetteLine:
    t: float
    text: str


@dataclass(frozen=True)
class ExpertScore:
    rater: str
    score: int
    rationale: str


@dataclass(frozen=True)
class CaseScript:
    """A validated scenario script (see ``sample_cases/SCRIPT_FORMAT.md``).

    ``events`` keep the script's order. ``experts`` maps each scale code to its
    ratings, ``consensus`` and ``rationale`` map scale codes to the consensus
    score and its explanation. ``path`` is the file it came from and ``sha256``
    the hex digest of its bytes (the clip manifest records it).
    """

    code: str
    title: str
    programme: str
    set: str
    synthetic: bool
    duration: float
    scene: SceneSpec
    events: tuple[Event, ...]
    vignette: tuple[VignetteLine, ...]
    experts: Mapping[str, tuple[ExpertScore, ...]]
    consensus: Mapping[str, int]
    rationale: Mapping[str, str]
    path: Path
    sha256: str

    @property
    def baby_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.actor == "baby")

    @property
    def parent_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.actor == "parent")

    @property
    def spoken(self) -> tuple[Event, ...]:
        """Events with a ``say`` text, in time order (ties in script order)."""
        return tuple(sorted((e for e in self.events if e.say), key=lambda e: (e.t, e.index)))

    def subtitle_span(self, event: Event) -> tuple[float, float]:
        """Start and end (seconds) of the subtitle of a spoken event."""
        return event.t, min(event.t + max(event.duration, MIN_SUBTITLE_SECONDS), self.duration)


# -- field readers (each raises ContentError naming where) --------------------------------


def _fail(where: str, message: str) -> ContentError:
    return ContentError(f"{where}: {message}")


def _mapping(value: Any, where: str, what: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(where, f"{what} moet een lijst met velden zijn (sleutel: waarde).")
    return value


def _unknown(data: dict, allowed: set[str], where: str) -> None:
    extra = sorted(str(k) for k in data if k not in allowed)
    if extra:
        raise _fail(where, f"onbekend veld {', '.join(repr(k) for k in extra)}; "
                           f"toegestaan zijn {', '.join(sorted(allowed))}.")


def _text(data: dict, key: str, where: str, *, max_len: int | None = None, fold: bool = True) -> str:
    """A non-empty text, stripped; with ``fold`` also inner white space folded to single spaces."""
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"veld '{key}' moet een niet-lege tekst zijn.")
    value = " ".join(value.split()) if fold else value.strip()
    if max_len is not None and len(value) > max_len:
        raise _fail(where, f"veld '{key}' is langer dan {max_len} tekens.")
    return value


def _number(data: dict, key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _fail(where, f"veld '{key}' moet een getal zijn (seconden).")
    return float(value)


def _choice(data: dict, key: str, where: str, options: tuple[str, ...]) -> str:
    value = data.get(key)
    if value not in options:
        raise _fail(where, f"veld '{key}' is {value!r}; kies uit {', '.join(options)}.")
    return value


# -- parts --------------------------------------------------------------------------------


def _scene(data: dict, where: str) -> SceneSpec:
    scene = _mapping(data.get("scene"), where, "veld 'scene'")
    w = f"{where}, scene"
    _unknown(scene, {"setting", "seed", "partner"}, w)
    setting = _choice(scene, "setting", w, SETTINGS)
    seed = scene.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _fail(w, "veld 'seed' moet een geheel getal van 0 of meer zijn.")
    partner = scene.get("partner", False)
    if not isinstance(partner, bool):
        raise _fail(w, "veld 'partner' moet true of false zijn.")
    return SceneSpec(setting, seed, partner)


def _event(raw: Any, i: int, clip: float, where: str) -> Event:
    w = f"{where}, events[{i}] (event {i})"
    ev = _mapping(raw, w, "een gebeurtenis")
    _unknown(ev, _EVENT_FIELDS, w)
    t = _number(ev, "t", w)
    actor = _choice(ev, "actor", w, ("baby", "parent"))
    if "duration" not in ev:
        raise _fail(w, "veld 'duration' ontbreekt (hoe lang de gebeurtenis duurt, in seconden).")
    duration = _number(ev, "duration", w)
    if duration <= 0:
        raise _fail(w, "veld 'duration' moet groter dan 0 zijn.")
    if t < 0 or t >= clip:
        raise _fail(w, f"veld 't' ({t:g}) moet tussen 0 en de duur van het fragment ({clip:g} s) liggen.")
    if t + duration > clip + _EPS:
        raise _fail(w, f"met 't' {t:g} en 'duration' {duration:g} loopt de gebeurtenis tot {t + duration:g} s, "
                       f"na het einde van het fragment ({clip:g} s); een gebeurtenis moet binnen het "
                       "fragment vallen.")
    if actor == "baby":
        kind = _choice(ev, "kind", w, BABY_KINDS)
        if "action" in ev:
            raise _fail(w, "een gebeurtenis van de baby heeft geen 'action' (alleen de ouder).")
        action = None
    else:
        kind = _choice(ev, "kind", w, PARENT_KINDS)
        if "action" not in ev:
            raise _fail(w, f"veld 'action' ontbreekt; kies uit {', '.join(PARENT_ACTIONS)}.")
        action = _choice(ev, "action", w, PARENT_ACTIONS)
    say = None
    if "say" in ev:
        say = _text(ev, "say", w, max_len=200, fold=False)
        if "-->" in say:
            raise _fail(w, "veld 'say' mag de tekens '-->' niet bevatten (WebVTT).")
    return Event(i, t, actor, kind, duration, action, say)


def _events(data: dict, clip: float, where: str) -> tuple[Event, ...]:
    raw = data.get("events")
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "veld 'events' moet een niet-lege lijst zijn.")
    events: list[Event] = []
    for i, item in enumerate(raw, 1):
        ev = _event(item, i, clip, where)
        if events and ev.t < events[-1].t:
            raise _fail(f"{where}, events[{i}] (event {i})",
                        f"de events staan op volgorde van 't'; {ev.t:g} komt na {events[-1].t:g}.")
        events.append(ev)
    return tuple(events)


def _vignette(data: dict, clip: float, where: str) -> tuple[VignetteLine, ...]:
    raw = data.get("vignette")
    if not isinstance(raw, list) or len(raw) < 2:
        raise _fail(where, "veld 'vignette' moet een lijst van minstens twee regels met tijd en tekst zijn.")
    lines = []
    for i, item in enumerate(raw, 1):
        w = f"{where}, vignette[{i}] (vignetteregel {i})"
        item = _mapping(item, w, "een regel van de vignet")
        _unknown(item, {"t", "text"}, w)
        t = _number(item, "t", w)
        if not 0 <= t <= clip:
            raise _fail(w, f"veld 't' ({t:g}) ligt buiten het fragment (0–{clip:g} s).")
        if lines and t < lines[-1].t:
            raise _fail(w, "de regels van de vignet moeten op volgorde van tijd staan.")
        lines.append(VignetteLine(t, _text(item, "text", w)))
    return tuple(lines)


def _experts(data: dict, where: str) -> dict[str, tuple[ExpertScore, ...]]:
    raw = _mapping(data.get("experts"), where, "veld 'experts'")
    _unknown(raw, set(SCALES), f"{where}, experts")
    lo, hi = SCORE_RANGE
    out = {}
    for scale in SCALES:
        w = f"{where}, experts.{scale}"
        ratings = raw.get(scale)
        if not isinstance(ratings, list) or len(ratings) < MIN_EXPERTS:
            raise _fail(w, f"geef minstens {MIN_EXPERTS} expertscores.")
        scores = []
        for i, item in enumerate(ratings, 1):
            wi = f"{w}[{i}]"
            item = _mapping(item, wi, "een expertscore")
            _unknown(item, {"rater", "score", "rationale"}, wi)
            rater = _text(item, "rater", wi, max_len=64)
            score = item.get("score")
            if isinstance(score, bool) or not isinstance(score, int) or not lo <= score <= hi:
                raise _fail(wi, f"veld 'score' is {score!r}, maar de schaal loopt van {lo} tot {hi}: "
                                f"geef een geheel getal van {lo} tot en met {hi}.")
            scores.append(ExpertScore(rater, score, _text(item, "rationale", wi)))
        raters = [s.rater for s in scores]
        if len(set(raters)) != len(raters):
            raise _fail(w, "elke beoordelaar mag per schaal maar één score geven.")
        out[scale] = tuple(scores)
    return out


def _consensus(data: dict, experts: dict[str, tuple[ExpertScore, ...]], code: str, where: str) -> dict[str, int]:
    raw = _mapping(data.get("consensus"), where, "veld 'consensus'")
    _unknown(raw, set(SCALES), f"{where}, consensus")
    from ..agreement import (  # numpy/scipy: only when a script is loaded
        Ratings,
        expert_consensus,
    )

    out = {}
    for scale in SCALES:
        w = f"{where}, consensus.{scale}"
        value = raw.get(scale)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _fail(w, "moet een geheel getal zijn.")
        scores = experts[scale]
        ratings = Ratings.from_matrix([[s.score for s in scores]], items=[code], raters=[s.rater for s in scores],
                                      scale_min=SCORE_RANGE[0], scale_max=SCORE_RANGE[1])
        expected = int(expert_consensus(ratings).scores[code])
        if value != expected:
            raise _fail(w, f"'consensus' is {value}, maar volgens de consensusregel hoort het {expected} te "
                           f"zijn: de mediaan van de experts, met een halve mediaan naar het midden van de "
                           f"schaal, geeft {expected} bij de scores {', '.join(str(s.score) for s in scores)}.")
        out[scale] = value
    return out


def _rationale(data: dict, where: str) -> dict[str, str]:
    raw = _mapping(data.get("rationale"), where, "veld 'rationale'")
    _unknown(raw, set(SCALES), f"{where}, rationale")
    missing = [scale for scale in SCALES if scale not in raw]
    if missing:
        raise _fail(f"{where}, rationale", f"veld 'rationale' mist de schaal '{missing[0]}'.")
    return {scale: _text(raw, scale, f"{where}, rationale") for scale in SCALES}


# -- public --------------------------------------------------------------------------------


def load_script(path: str | Path) -> CaseScript:
    """Read and validate one scenario script.

    Parameters
    ----------
    path : str or Path
        ``<code>.yaml`` in the format of ``sample_cases/SCRIPT_FORMAT.md``.

    Returns
    -------
    CaseScript

    Raises
    ------
    ContentError
        The file is missing, is not YAML, or a field is missing or wrong; the
        Dutch message names the file and the field.
    """
    path = Path(path)
    where = path.name
    try:
        raw_bytes = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(f"Scenario ontbreekt: {path}.") from exc
    except OSError as exc:
        raise ContentError(f"{where}: kan het bestand niet lezen ({exc.strerror}).") from exc
    data = read_yaml_mapping(path, raw=raw_bytes, expect="een lijst met velden (sleutel: waarde)")
    _unknown(data, _TOP_FIELDS, where)

    code = _text(data, "code", where)
    if not _CODE.match(code):
        raise _fail(where, f"'code' {code!r} mag alleen kleine letters, cijfers en streepjes bevatten "
                           "(hoogstens 32 tekens).")
    if path.suffix != ".yaml" or path.stem != code:
        raise _fail(where, f"de bestandsnaam moet {code}.yaml zijn (gelijk aan 'code').")
    title = _text(data, "title", where, max_len=200)
    programme = _choice(data, "programme", where, PROGRAMMES)
    case_set = _choice(data, "set", where, SETS)
    if data.get("synthetic") is not True:
        raise _fail(where, "veld 'synthetic' moet true zijn: alleen synthetische fragmenten worden gemaakt.")
    duration = _number(data, "duration", where)
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise _fail(where, f"veld 'duration' ({duration:g} s) moet tussen {MIN_DURATION} en "
                           f"{MAX_DURATION} seconden liggen.")
    scene = _scene(data, where)
    events = _events(data, duration, where)
    vignette = _vignette(data, duration, where)
    experts = _experts(data, where)
    consensus = _consensus(data, experts, code, where)
    rationale = _rationale(data, where)
    return CaseScript(
        code=code, title=title, programme=programme, set=case_set, synthetic=True, duration=duration,
        scene=scene, events=events, vignette=vignette, experts=experts, consensus=consensus,
        rationale=rationale, path=path, sha256=hashlib.sha256(raw_bytes).hexdigest(),
    )


def load_scripts(directory: str | Path) -> list[CaseScript]:
    """Read and validate every ``*.yaml`` script in ``directory``, sorted by file name.

    Codes are unique because every file must be named ``<code>.yaml``.

    Raises
    ------
    ContentError
        The directory does not exist or a script is invalid.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ContentError(f"De map met scenario's bestaat niet: {directory}.")
    scripts = [load_script(p) for p in sorted(directory.glob("*.yaml"))]
    log.debug("loaded %d scripts from %s", len(scripts), directory)
    return scripts
