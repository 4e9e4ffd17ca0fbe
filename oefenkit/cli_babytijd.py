"""``oefenkit babytijd rapport --jaar 2026 [--uit FILE.xlsx|FILE.csv]``: the yearly Babytijd report
for the programme owner (``kit.babytijd.yearly_report``, written by :mod:`oefenkit.babytijd_report`).

Without ``--uit`` the CSV goes to standard output. Run on the server itself, as every
administrative command (the system actor); the report is audited.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .babytijd_report import yearly_report_csv, yearly_report_xlsx
from .cli_common import _kit
from .errors import ValidationError
from .identity import SYSTEM

__all__ = ["add_parsers", "cmd_babytijd_rapport"]


def cmd_babytijd_rapport(args) -> int:
    target = Path(args.uit) if args.uit else None
    if target is not None and target.suffix.lower() not in (".csv", ".xlsx"):
        raise ValidationError("Geef een bestandsnaam die eindigt op .xlsx of .csv.")
    if target is not None and not target.parent.is_dir():
        raise ValidationError(f"De map {str(target.parent)!r} bestaat niet.")
    report = _kit(args).babytijd.yearly_report(SYSTEM, args.jaar)
    if target is None:
        sys.stdout.write(yearly_report_csv(report).decode("utf-8-sig"))
        return 0
    data = yearly_report_xlsx(report) if target.suffix.lower() == ".xlsx" else yearly_report_csv(report)
    target.write_bytes(data)
    print(f"Jaarverslag {args.jaar}: {len(report.reeksen)} reeks(en), {len(report.opvoeders)} opvoeder(s) met "
          f"toestemming ({report.without_consent} zonder toestemming niet opgenomen) -> {target}")
    return 0


def add_parsers(sub) -> None:
    """Add ``babytijd rapport`` to the CLI's sub-commands."""
    bt = sub.add_parser("babytijd", help="Babytijd-reeksen: het jaarverslag voor de programma-eigenaar")
    bsub = bt.add_subparsers(dest="babytijd_command", title="opdrachten", metavar="OPDRACHT", required=True)
    p = bsub.add_parser(
        "rapport", help="maak het jaarverslag (CSV of XLSX)",
        description="Maakt het jaarverslag van de Babytijd-reeksen die in dat jaar begonnen: per reeks de "
                    "cijfers, per opvoeder met toestemming een regel onder een pseudoniem, en de evaluaties "
                    "van de uitvoerders. Opvoeders zonder toestemming tellen alleen mee als aantal.")
    p.add_argument("--jaar", type=int, required=True, metavar="JAAR", help="het jaar, bijv. 2026")
    p.add_argument("--uit", metavar="BESTAND", help="schrijf naar dit bestand (.xlsx of .csv); "
                                                    "zonder: CSV naar het scherm")
    p.set_defaults(func=cmd_babytijd_rapport)
