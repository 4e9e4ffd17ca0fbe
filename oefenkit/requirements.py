"""Progress on a programme path: which requirements are done, with what evidence (issue 17).

A path (:mod:`oefenkit.programmes`) lists requirements of six kinds. A trainer records four of
them, one record per occurrence (two training days are two records, each with its date):
``attendance``, ``supervision``, ``national_supervision`` and ``cases``. The kit derives the
other two and refuses to have them typed in:

* ``modules`` — the listed course modules the person completed (module progress);
* ``scoring_test`` — a submitted certification test whose proposal passed, or that a trainer's
  decision turned into a pass (and not one a trainer turned into a fail).

``cases`` also counts the supervised cases recorded before the paths existed (``Kit.
record_supervised_case``, table ``supervised_case``, the "Begeleide casussen" form): both say
"a case carried out and discussed", so the two are one pool; the exam's supervised-case count
counts both as well.

A Babytijd registration stays active while the person attended the path's refresher (the
terugkomdag, recorded as a requirement record with the refresher's code) within ``every_years``
counted from the registration or the last refresher: :func:`registration_until`.

This module decides; it neither reads nor writes the database (``oefenkit.storage.requirements``
gathers the evidence and stores records).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from .errors import NotFound, ValidationError
from .programmes import ProgrammePath, Requirement

__all__ = ["RECORDED_KINDS", "DERIVED_KINDS", "REFRESHER", "ACTIVITY", "NO_END", "EARLIEST", "Evidence", "recordable",
           "check_day", "progress", "registration_until", "add_years", "day_text", "refresher_label"]

#: Kinds a trainer records (the kit cannot see them happen).
RECORDED_KINDS = ("attendance", "supervision", "national_supervision", "cases")
#: Kinds the kit derives from its own data.
DERIVED_KINDS = ("modules", "scoring_test")
#: The stored kind of a refresher record (e.g. the Babytijd terugkomdag).
REFRESHER = "refresher"
#: The stored kind of an activity after the path (the opfriscursus): no limit, no effect on the path.
ACTIVITY = "activity"
#: The last valid day stored for a certificate that does not lapse (the column cannot be empty).
NO_END = dt.date(9999, 12, 31)
#: No record can be dated before this day.
EARLIEST = dt.date(2000, 1, 1)

_KIND_TEXT = {
    "modules": "De lesmodules houdt de kit zelf bij: ze tellen als de cursist ze heeft afgerond.",
    "scoring_test": "De scoringstoets houdt de kit zelf bij: die telt als de toets is gehaald.",
}


@dataclass(frozen=True)
class Evidence:
    """One occurrence that counts for a requirement: a record, a supervised case, a completed
    module or a passed test."""

    on: dt.date
    #: When it was stored (UTC), to tell whether a proposal is older than the evidence.
    at: dt.datetime
    #: ``record``, ``supervised_case``, ``module`` or ``exam``.
    source: str = "record"
    note: str = ""
    #: The requirement record's id (only ``source == "record"``): what a trainer can undo.
    record_id: int | None = None
    recorded_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.on, "source": self.source, "note": self.note, "id": self.record_id,
                "recorded_by": self.recorded_by}


def refresher_label(path: ProgrammePath) -> str:
    """The refresher as a person reads it ("Terugkomdag, elke 2 jaar"), or ``""``."""
    v = path.validity
    if not v.refresher:
        return ""
    return f"{v.refresher.capitalize()}, elke {v.every_years} jaar"


def recordable(paths: Mapping[str, ProgrammePath], programme: str, code: str) -> tuple[ProgrammePath, str, int | None]:
    """What recording ``code`` in ``programme`` means: the path, the stored kind and the most
    records that can count (None: no limit, the refresher). Unknown programme or code, or a kind
    the kit derives, is a Dutch error."""
    path = paths.get(programme)
    if path is None:
        raise NotFound(f"Programma {programme!r} bestaat niet of heeft geen pad.")
    if path.validity.refresher and code == path.validity.refresher:
        return path, REFRESHER, None
    if any(a.code == code for a in path.activities):
        return path, ACTIVITY, None
    requirement = next((r for r in path.requirements if r.code == code), None)
    if requirement is None:
        codes = [r.code for r in path.requirements if r.kind in RECORDED_KINDS]
        if path.validity.refresher:
            codes.append(path.validity.refresher)
        codes += [a.code for a in path.activities]
        raise ValidationError(f"{path.name} kent geen eis {code!r}; vast te leggen zijn: {', '.join(codes)}.")
    if requirement.kind in DERIVED_KINDS:
        raise ValidationError(_KIND_TEXT[requirement.kind])
    return path, requirement.kind, requirement.count


def check_day(day: Any, today: dt.date) -> dt.date:
    """A record's date: a date (not a moment), not in the future and not before :data:`EARLIEST`."""
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise ValidationError("Geef een datum (dag-maand-jaar).")
    if day > today:
        raise ValidationError("Die datum ligt in de toekomst; leg alleen vast wat al is gebeurd.")
    if day < EARLIEST:
        raise ValidationError("Die datum ligt te ver terug.")
    return day


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def registration_until(base: dt.date, refresher_days: Iterable[dt.date], every_years: int) -> dt.date:
    """The last day a registration is active: ``base`` (the registration date plus
    ``every_years``, or the last day a converted certificate had), extended to ``every_years``
    after the last refresher when that is later.

    A refresher after the registration lapsed makes it active again: the rule is "attended within
    the last ``every_years``", counted from the registration or the last refresher.

    >>> registration_until(dt.date(2027, 3, 1), [dt.date(2026, 9, 1), dt.date(2028, 2, 1)], 2)
    datetime.date(2030, 2, 1)
    >>> registration_until(dt.date(2027, 3, 1), [], 2)
    datetime.date(2027, 3, 1)
    """
    days = list(refresher_days)
    return max([base] + [add_years(d, every_years) for d in days])


def _item(requirement: Requirement, evidence: Sequence[Evidence]) -> dict[str, Any]:
    ordered = sorted(evidence, key=lambda e: (e.on, e.at))
    done_count = len(ordered)
    return {"code": requirement.code, "kind": requirement.kind, "label": requirement.label,
            "count": requirement.count, "done_count": done_count, "dates": [e.on for e in ordered],
            "required": requirement.required, "kit_addition": requirement.kit_addition,
            "done": done_count >= requirement.count, "evidence": [e.as_dict() for e in ordered]}


def progress(path: ProgrammePath, evidence: Mapping[str, Sequence[Evidence]]) -> dict[str, Any]:
    """Each requirement of ``path`` with its evidence (``evidence`` maps requirement code, or the
    refresher's code, to what counts for it): ``code``, ``kind``, ``label``, ``count``,
    ``done_count``, ``dates``, ``required``, ``kit_addition``, ``done`` and ``evidence``; plus
    ``complete`` (every required requirement done), ``open`` (the codes of required ones not yet
    done) and ``refresher`` (its code, label and dates, or None)."""
    items = [_item(r, evidence.get(r.code, ())) for r in path.requirements]
    open_codes = [i["code"] for i in items if i["required"] and not i["done"]]
    refresher = None
    if path.validity.refresher:
        done = sorted(evidence.get(path.validity.refresher, ()), key=lambda e: (e.on, e.at))
        refresher = {"code": path.validity.refresher, "label": refresher_label(path),
                     "every_years": path.validity.every_years, "dates": [e.on for e in done],
                     "evidence": [e.as_dict() for e in done]}
    activities = []
    for a in path.activities:
        done = sorted(evidence.get(a.code, ()), key=lambda e: (e.on, e.at))
        activities.append({"code": a.code, "label": a.label, "dates": [e.on for e in done],
                           "evidence": [e.as_dict() for e in done]})
    return {"programme": path.code, "name": path.name, "validity": path.validity.as_dict(),
            "requirements": items, "complete": not open_codes, "open": open_codes, "refresher": refresher,
            "activities": activities}


def day_text(day: dt.date | None) -> str:
    """A date as the Dutch write it (``12-03-2027``); :data:`NO_END` is "onbeperkt"."""
    if day is None:
        return "–"
    if day == NO_END:
        return "onbeperkt"
    return day.strftime("%d-%m-%Y")
