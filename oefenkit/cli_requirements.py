"""``oefenkit requirements record|show``: what a person did for a programme path, on the command
line (the same verbs as the Certificering app: ``RequirementsService.record_requirement`` and
``RequirementsService.requirement_progress``). Exit status as everywhere in the CLI: the error's ``exit_code``
(1 for bad input, an unknown person or programme; 3 database; 4 content).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .cli_common import _ready_kit, _settings
from .errors import ValidationError
from .identity import SYSTEM
from .programmes import load_paths
from .requirements import day_text
from .storage.exams import LOCAL_TZ

__all__ = ["add_parsers", "progress_lines", "jsonable"]


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"Datum {text!r} is ongeldig; schrijf hem als JJJJ-MM-DD, bijv. 2026-12-07.") from None


def _paths(settings):

    return load_paths(settings.content_dir)


def jsonable(value: Any) -> Any:
    """``value`` with dates as ISO text (for ``--json``)."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def progress_lines(progress: dict[str, Any], person: str) -> list[str]:
    """``RequirementsService.requirement_progress`` as lines of plain Dutch text."""
    lines = [f"{progress['name']} — {person}"]
    for r in progress["requirements"]:
        mark = "[x]" if r["done"] else "[ ]"
        extra = " (aanbevolen)" if not r["required"] else ""
        extra += " [toevoeging van de kit]" if r["kit_addition"] else ""
        dates = ", ".join(day_text(d) for d in r["dates"])
        lines.append(f"  {mark} {r['label']}{extra}: {min(r['done_count'], r['count'])} van {r['count']}"
                     + (f" ({dates})" if dates else ""))
    refresher = progress.get("refresher")
    if refresher:
        dates = ", ".join(day_text(d) for d in refresher["dates"]) or "nog niet vastgelegd"
        lines.append(f"  {refresher['label']}: {dates}")
    if progress["complete"]:
        lines.append("Alle verplichte eisen zijn gedaan."
                     + (" Een voorstel wacht op het besluit van een trainer." if progress.get("proposal") else ""))
    else:
        lines.append(f"Nog open: {len(progress['open'])} verplichte eis(en).")
    cert = progress.get("certificate")
    if cert:
        what = "Registratie" if cert["kind"] == "registration" else "Certificaat"
        lines.append(f"{what} {cert['code']}: {cert['status']}, geldig tot {day_text(cert['valid_until'])}.")
    return lines


def cmd_requirements_record(args) -> int:

    day = _day(args.date) or dt.datetime.now(LOCAL_TZ).date()
    settings = _settings(args)
    paths = _paths(settings)
    kit = _ready_kit(settings)
    kit.requirements.record_requirement(SYSTEM, args.person, args.programme, args.code, day, args.note, paths=paths)
    progress = kit.requirements.requirement_progress(SYSTEM, args.person, args.programme, paths=paths)
    item = next((r for r in progress["requirements"] if r["code"] == args.code), None)
    done = f" ({min(item['done_count'], item['count'])} van {item['count']})" if item else ""
    print(f"Vastgelegd voor {args.person}: {args.code} op {day_text(day)}{done}.")
    if progress.get("proposal"):
        print("Alle verplichte eisen zijn gedaan: een voorstel wacht op het besluit van een trainer "
              "(app Certificering).")
    return 0


def cmd_requirements_show(args) -> int:
    settings = _settings(args)
    paths = _paths(settings)
    kit = _ready_kit(settings)
    progress = kit.requirements.requirement_progress(SYSTEM, args.person, args.programme, paths=paths)
    if args.json:
        print(json.dumps(jsonable(progress), ensure_ascii=False, indent=2))
        return 0
    print("\n".join(progress_lines(progress, args.person)))
    return 0


def add_parsers(sub) -> None:
    """Add ``requirements record`` and ``requirements show`` to the CLI's sub-commands."""
    reqs = sub.add_parser("requirements", help="vastleggen en bekijken wat iemand voor een programma heeft gedaan")
    rsub = reqs.add_subparsers(dest="requirements_command", title="opdrachten", metavar="OPDRACHT",
                               required=True)
    p = rsub.add_parser(
        "record", help="leg één keer een eis vast (bijv. een trainingsdag of de terugkomdag)",
        description="Legt vast dat iemand een eis van het programmapad heeft gedaan, met datum. Een eis die "
                    "twee keer nodig is, leg je twee keer vast. Lesmodules en de scoringstoets houdt de kit "
                    "zelf bij.")
    p.add_argument("person", metavar="PERSOON", help="gebruikersnaam")
    p.add_argument("programme", metavar="PROGRAMMA", help="programmacode, bijv. babytijd")
    p.add_argument("code", metavar="CODE", help="code van de eis (zie 'oefenkit programmes show PROGRAMMA'), "
                                                "of terugkomdag")
    p.add_argument("--date", metavar="JJJJ-MM-DD", help="datum (standaard vandaag; niet in de toekomst)")
    p.add_argument("--note", metavar="TEKST", help="korte toelichting")
    p.set_defaults(func=cmd_requirements_record)
    p = rsub.add_parser("show", help="toon per eis wat gedaan is en wat nog open staat")
    p.add_argument("person", metavar="PERSOON", help="gebruikersnaam")
    p.add_argument("programme", metavar="PROGRAMMA", help="programmacode, bijv. babytijd")
    p.add_argument("--json", action="store_true", help="als JSON (voor automatisering)")
    p.set_defaults(func=cmd_requirements_show)
