"""Sample cases in the kit: the scripts checked against the content, the case sets, the overview.

Each synthetic sample case is one YAML script in ``sample_cases/scripts/<code>.yaml``.
The file format (``sample_cases/SCRIPT_FORMAT.md``) is read and validated in one
place, :mod:`oefenkit.samples.script`, which the renderer uses as well; that
includes the check that each ``consensus`` equals the documented rule
(:func:`oefenkit.agreement.trainee.expert_consensus`), so the master score shown
to a trainee after a test is always the one the rule gives.

This module adds what needs the kit's content and turns a script into what
``oefenkit init`` stores (:func:`load_sample_cases`, :class:`SampleCase`):

* the programme is one of ``content/programmes.yaml``;
* every scale a script scores is a scale of the content, every scale of the
  content is scored, and each score lies within the scale's declared range;
* raters are named ``expert-a``, ``expert-b``, …: each becomes an expert account
  (:func:`expert_display_name`).

Which set a case belongs to (``set: practice | exam | session``) is mapped to a
stored case set by ``content/case_sets.yaml`` (:func:`load_case_sets`). Every
problem raises :class:`oefenkit.errors.ContentError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .contentfile import read_yaml_mapping
from .errors import ContentError
from .samples.script import SETS, CaseScript, ExpertScore, load_scripts

__all__ = [
    "SETTING_LABELS",
    "SampleCase",
    "CaseSetSpec",
    "expert_display_name",
    "load_sample_cases",
    "load_case_sets",
    "case_overview",
]

#: The Dutch label the CLI and apps show for each ``scene.setting``.
SETTING_LABELS = {"bathing": "badje", "feeding": "voeding", "play_mat": "speelmat", "changing": "verschonen"}

_SET_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_RATER = re.compile(r"^expert-([a-z])$")


def expert_display_name(rater: str) -> str:
    """``expert-a`` → ``Expert A`` (the name shown in the apps)."""
    match = _RATER.match(rater)
    return f"Expert {match.group(1).upper()}" if match else rater


def _whole(seconds: float) -> int | float:
    """Whole seconds as an int, as the format writes clip lengths and vignette times (``48``, not ``48.0``)."""
    return int(seconds) if float(seconds).is_integer() else seconds


@dataclass(frozen=True)
class SampleCase:
    """One sample case as ``oefenkit init`` stores it, made from a validated script.

    ``events`` are plain dicts with the script's fields (``t``, ``actor``, ``kind``,
    ``action`` for the parent, ``duration``, ``say`` when given) and ``vignette``
    is ``(t, text)`` pairs, so both go into the database's ``details`` as JSON.
    ``source`` is the script file, ``clip_path`` where its clip is (or will be).
    """

    code: str
    title: str
    programme: str
    set: str
    duration: int | float
    setting: str
    seed: int
    events: tuple[dict[str, Any], ...]
    vignette: tuple[tuple[int | float, str], ...]
    experts: Mapping[str, tuple[ExpertScore, ...]]
    consensus: Mapping[str, int]
    rationale: Mapping[str, str]
    clip_path: Path
    source: Path

    @classmethod
    def from_script(cls, script: CaseScript, clips_dir: Path) -> SampleCase:
        events = []
        for e in script.events:
            event: dict[str, Any] = {"t": e.t, "actor": e.actor, "kind": e.kind}
            if e.action is not None:
                event["action"] = e.action
            event["duration"] = e.duration
            if e.say is not None:
                event["say"] = e.say
            events.append(event)
        return cls(
            code=script.code, title=script.title, programme=script.programme, set=script.set,
            duration=_whole(script.duration), setting=script.scene.setting, seed=script.scene.seed,
            events=tuple(events), vignette=tuple((_whole(v.t), v.text) for v in script.vignette),
            experts=dict(script.experts), consensus=dict(script.consensus), rationale=dict(script.rationale),
            clip_path=Path(clips_dir) / f"{script.code}.mp4", source=script.path,
        )

    def vignette_text(self) -> str:
        """The vignette as timestamped lines (``[0:04] De baby begint te huilen …``)."""
        return "\n".join(f"[{int(t) // 60}:{int(t) % 60:02d}] {text}" for t, text in self.vignette)

    def details(self) -> dict[str, Any]:
        """What the database keeps next to title and vignette (plain JSON values).

        ``rationale`` explains the expert consensus: the cases service shows it
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


# -- checks against the content -----------------------------------------------------------


def _check_against_content(script: CaseScript, scales: Mapping[str, tuple[int, int]], programmes: set[str]) -> None:
    where = script.path.name
    if script.programme not in programmes:
        raise ContentError(f"{where}: veld 'programme' noemt een onbekend programma {script.programme!r}.")
    # A content scale the sample scripts do not score (an organisation's own extra scale) is allowed:
    # the scripts score the scales their renderer draws (oefenkit.samples.script.SCALES), and the expert
    # scores on another scale come from the library (LibraryService.set_expert_scores).
    for key in ("experts", "consensus", "rationale"):
        unknown = sorted(set(getattr(script, key)) - set(scales))
        if unknown:
            raise ContentError(f"{where}: '{key}' noemt een onbekende schaal {unknown[0]!r}.")
    for scale, scores in script.experts.items():
        lo, hi = scales[scale]
        for j, item in enumerate(scores, 1):
            at = f"{where}, experts.{scale}[{j}]"
            if not _RATER.match(item.rater):
                raise ContentError(f"{at}: 'rater' {item.rater!r} moet expert-a, expert-b, … heten (het wordt "
                                   "de gebruikersnaam van een expertaccount).")
            if not lo <= item.score <= hi:
                raise ContentError(f"{at}: 'score' moet een geheel getal van {lo} tot {hi} zijn.")


def load_sample_cases(scripts_dir: Path, *, scales: Mapping[str, tuple[int, int]], programmes: set[str],
                      clips_dir: Path) -> tuple[SampleCase, ...]:
    """Read every ``*.yaml`` script in ``scripts_dir`` (sorted by code) and check it against the content.

    ``scales`` maps each scale code to its (min, max); every script is scored on
    every scale. ``programmes`` are the known programme codes. ``clips_dir`` is
    where the rendered clips are (or will be). No directory means no cases.
    """
    if not Path(scripts_dir).is_dir():
        return ()
    scripts = load_scripts(scripts_dir)
    for script in scripts:
        _check_against_content(script, scales, programmes)
    return tuple(SampleCase.from_script(s, Path(clips_dir)) for s in scripts)


def _read(path: Path) -> dict[str, Any]:
    return read_yaml_mapping(path)


def _text(data: Mapping, key: str, where: str, *, max_len: int | None = None) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{where}: veld '{key}' moet een niet-lege tekst zijn.")
    value = " ".join(value.split())
    if max_len is not None and len(value) > max_len:
        raise ContentError(f"{where}: veld '{key}' is langer dan {max_len} tekens.")
    return value


def load_case_sets(path: Path) -> dict[str, CaseSetSpec]:
    """The case sets (``content/case_sets.yaml``): set kind → code and name."""
    data = _read(Path(path))
    where = Path(path).name
    raw = data.get("sets")
    if not isinstance(raw, dict) or set(raw) != set(SETS):
        raise ContentError(f"{where}: veld 'sets' moet precies {', '.join(SETS)} beschrijven.")
    out, codes = {}, set()
    for kind in SETS:
        here = f"{where}, set '{kind}'"
        item = raw[kind]
        if not isinstance(item, dict):
            raise ContentError(f"{here}: verwacht de velden code en name.")
        code = _text(item, "code", here)
        if not _SET_CODE.match(code):
            raise ContentError(f"{here}: 'code' {code!r} mag alleen kleine letters, cijfers en streepjes bevatten.")
        if code in codes:
            raise ContentError(f"{here}: code {code!r} komt twee keer voor.")
        codes.add(code)
        out[kind] = CaseSetSpec(kind, code, _text(item, "name", here, max_len=200))
    return out


# -- overview ------------------------------------------------------------------------------


def case_overview(cases: Sequence[Any], scales: Iterable[Any]) -> list[dict[str, Any]]:
    """Every case with its set, clip, duration and, per scale, the experts and the consensus.

    Takes data: ``cases`` as ``list_cases(actor, with_expert_scores=True)`` returns them (reading
    expert scores needs a trainer or coördinator; the verb checks) and ``scales`` as
    ``list_scales()`` (every version, oldest first: the newest of each code wins). The consensus
    is computed from the stored expert scores with the documented rule, so it matches what
    certification uses.
    """
    # numpy and scipy (≈ 0.8 s) only when a consensus is computed, not for every page kernel
    from .agreement.data import Ratings
    from .agreement.trainee import expert_consensus

    newest = {s.code: s for s in scales}  # ordered by version: the last one wins
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
