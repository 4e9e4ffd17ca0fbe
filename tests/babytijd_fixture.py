"""The shared Babytijd reeks fixture (``tests/fixtures/babytijd_reeks.yaml``) as Python values,
and a helper that enters it through ``kit.babytijd`` (the core tests; the browser test enters it
through the app and checks the same expected figures)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from oefenkit.babytijd import AttendanceMark

__all__ = ["FIXTURE", "fixture", "marks_for_meeting", "scores_of", "fill_reeks"]

FIXTURE = Path(__file__).parent / "fixtures" / "babytijd_reeks.yaml"


@lru_cache(maxsize=1)
def fixture() -> dict[str, Any]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def marks_for_meeting(meeting: int) -> dict[str, AttendanceMark]:
    """The attendance marks of one meeting (1..12), by code."""
    out = {}
    for p in fixture()["opvoeders"]:
        value = p["attendance"][meeting - 1]
        if value == "ja":
            out[p["code"]] = AttendanceMark(True)
        elif value == "?":
            out[p["code"]] = AttendanceMark(False)
        else:
            out[p["code"]] = AttendanceMark(False, value, p.get("anders", "") if value == "anders" else "")
    return out


def scores_of(person: dict[str, Any], kind: str) -> dict[str, int]:
    """The scores of one measurement, by subgoal code (open questions left out)."""
    return {code: v for code, v in zip(fixture()["subgoals"], person[kind], strict=True) if v is not None}


def fill_reeks(kit, actor, *, uitvoerder: str | None = None) -> int:
    """Create the fixture's reeks for ``actor`` (or ``uitvoerder``) with everything in it; its id."""
    data = fixture()
    reeks = kit.babytijd.create_reeks(actor, name=data["reeks"]["name"], start=data["reeks"]["start"],
                                      uitvoerder=uitvoerder)
    for p in data["opvoeders"]:
        kit.babytijd.add_opvoeder(actor, reeks.id, p["code"], consent=p["consent"],
                                  baby_age_months=p["baby_age_months"])
    for meeting in range(1, 13):
        kit.babytijd.record_attendance(actor, reeks.id, meeting, marks_for_meeting(meeting))
    for p in data["opvoeders"]:
        for kind in ("nulmeting", "na-5", "eind"):
            if kind in p:
                extra = {"tips": p.get("tips", ""), "tops": p.get("tops", "")} if kind == "eind" else {}
                kit.babytijd.record_measurement(actor, reeks.id, p["code"], kind, scores_of(p, kind), **extra)
    return reeks.id
