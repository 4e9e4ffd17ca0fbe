"""The ``oefenkit`` command: the same core as the apps, for administrators.

All help texts and messages are Dutch. Domain errors are printed as one short
line on stderr and end the command with the error's exit status; nothing is
half-written because every façade call is one transaction.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Sequence

from . import __version__
from .errors import OefenkitError, ValidationError
from .identity import ROLE_LABELS, SYSTEM
from .instance import FIRST_ADMIN_FILE, init, open_kit
from .settings import DEFAULT_PORT, Settings, load_settings
from .storage import database

__all__ = ["main", "build_parser"]

_ARGPARSE_NL = [
    ("the following arguments are required", "deze argumenten ontbreken"),
    ("unrecognized arguments", "onbekende argumenten"),
    ("invalid choice", "ongeldige keuze"),
    ("choose from", "kies uit"),
    ("expected one argument", "verwacht één waarde"),
    ("invalid int value", "geen geheel getal"),
    ("argument ", "argument "),
]


class DutchFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        if prefix is None:  # argparse passes "" when it builds a sub-command's prog
            prefix = "gebruik: "
        return super().add_usage(usage, actions, groups, prefix=prefix)


class DutchParser(argparse.ArgumentParser):
    """argparse with Dutch headings, help flag and error line."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", DutchFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", help="toon deze hulptekst en stop")

    def error(self, message: str):  # noqa: D401 - argparse API
        for en, nl in _ARGPARSE_NL:
            message = message.replace(en, nl)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fout: {message}\n")


def _read_password_stdin() -> str:
    data = sys.stdin.readline()
    if data.endswith("\n"):
        data = data[:-1]
    if data.endswith("\r"):
        data = data[:-1]
    if not data:
        raise ValidationError("Geen wachtwoord ontvangen op standaardinvoer.")
    return data


def _settings(args) -> Settings:
    return load_settings(data_dir=args.data_dir, database_url=args.database_url,
                         port=getattr(args, "port", None), host=getattr(args, "host", None))


# -- commands --------------------------------------------------------------------------


def cmd_init(args) -> int:
    settings = _settings(args)
    report = init(settings)
    if not report.changed:
        print(f"Niets te doen: database en inhoud zijn actueel ({settings.data_dir}).")
        return 0
    if report.migrated_from != report.migrated_to:
        print(f"Database bijgewerkt naar versie {report.migrated_to}.")
    if report.content_changes:
        print(f"Inhoud geladen: {report.content_changes} wijziging(en).")
    if report.first_admin_password_file:
        print("Eerste coördinator aangemaakt. Gebruikersnaam en wachtwoord staan in "
              f"{report.first_admin_password_file}")
    return 0


def cmd_serve(args) -> int:
    from .server.app import serve  # heavy imports only when serving

    settings = _settings(args)
    kit = open_kit(settings)  # clear message if the database is unreachable
    if database.current_revision(kit.engine) != database.head_revision(kit.engine):
        print("De database is niet actueel. Voer eerst 'oefenkit init' uit.", file=sys.stderr)
        return 3
    serve(settings)
    return 0


def cmd_users_add(args) -> int:
    settings = _settings(args)
    password = _read_password_stdin() if args.password_stdin else None
    kit = open_kit(settings)
    actor = kit.add_person(SYSTEM, args.name, role=args.role, display_name=args.display_name,
                           password=password, groups=args.group or ())
    note = "" if password else " (zonder wachtwoord: kan nog niet inloggen)"
    print(f"Gebruiker {actor.username} toegevoegd als {actor.role_label}{note}.")
    return 0


def cmd_users_list(args) -> int:
    kit = open_kit(_settings(args))
    people = kit.list_people(SYSTEM, include_inactive=args.all)
    if not people:
        print("Er zijn nog geen gebruikers.")
        return 0
    print(f"{'gebruikersnaam':<24} {'rol':<12} {'actief':<7} naam / groepen")
    for p in people:
        groups = f" [{', '.join(p['groups'])}]" if p["groups"] else ""
        print(f"{p['username']:<24} {ROLE_LABELS[p['role']]:<12} {'ja' if p['active'] else 'nee':<7} "
              f"{p['display_name']}{groups}")
    return 0


def cmd_users_set_role(args) -> int:
    kit = open_kit(_settings(args))
    actor = kit.update_person_role(SYSTEM, args.name, args.role)
    print(f"Rol van {actor.username} is nu {actor.role_label}.")
    return 0


def cmd_users_set_password(args) -> int:
    kit = open_kit(_settings(args))
    kit.update_person_password(SYSTEM, args.name, _read_password_stdin())
    print(f"Wachtwoord van {args.name} is gewijzigd.")
    return 0


def cmd_users_deactivate(args) -> int:
    kit = open_kit(_settings(args))
    kit.remove_person(SYSTEM, args.name)
    print(f"Account {args.name} is gedeactiveerd.")
    return 0


def cmd_groups_add(args) -> int:
    kit = open_kit(_settings(args))
    group = kit.add_group(SYSTEM, args.name, args.programme)
    print(f"Groep {group.name} aangemaakt.")
    return 0


def cmd_groups_add_member(args) -> int:
    kit = open_kit(_settings(args))
    kit.add_group_member(SYSTEM, args.group, args.name)
    print(f"{args.name} zit nu in groep {args.group}.")
    return 0


def cmd_groups_list(args) -> int:
    kit = open_kit(_settings(args))
    for g in kit.list_groups(SYSTEM):
        print(f"{g.name} ({g.programme_code or 'geen programma'}): {', '.join(g.member_usernames) or '-'}")
    return 0


def cmd_agreement(args) -> int:
    import json

    from .agreement.summary import format_summary, summarise_csv

    if (args.scale_min is None) != (args.scale_max is None):
        raise ValidationError("Geef --scale-min en --scale-max samen op.")
    summary = summarise_csv(args.ratings, scale_min=args.scale_min, scale_max=args.scale_max)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(format_summary(summary))
    return 0


def cmd_db_upgrade(args) -> int:
    kit = open_kit(_settings(args))
    before = database.current_revision(kit.engine)
    database.upgrade(kit.engine)
    after = database.current_revision(kit.engine)
    print("Database was al actueel." if before == after else f"Database bijgewerkt: {before or 'leeg'} → {after}.")
    return 0


def cmd_db_status(args) -> int:
    kit = open_kit(_settings(args))
    current, head = database.current_revision(kit.engine), database.head_revision(kit.engine)
    print(f"Database: {kit.engine.url.render_as_string(hide_password=True)}")
    print(f"Versie: {current or 'leeg'} (nieuwste: {head})")
    return 0 if current == head else 1


# -- parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = DutchParser(prog="oefenkit")
    common.description = (
        "Oefenkit: oefenen met Ainsworth-scoring, beoordelaarsovereenstemming en certificering "
        "voor Babytijd en de Ouder-baby interventie."
    )
    common.add_argument("--version", action="version", version=f"oefenkit {__version__}",
                        help="toon de versie en stop")
    common.add_argument("--data-dir", help="datamap (standaard $OEFENKIT_DATA_DIR of ~/.local/share/oefenkit)")
    common.add_argument("--database-url", help="database-URL (standaard $OEFENKIT_DATABASE_URL of SQLite in de datamap)")
    sub = common.add_subparsers(dest="command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=DutchParser)
    sub.required = True

    p = sub.add_parser("init", help="maak of migreer de database en laad de voorbeeldinhoud",
                       description=f"Maakt of migreert de database, laadt de inhoud en maakt bij de eerste keer "
                                   f"een coördinator 'beheerder' aan; het wachtwoord staat dan in "
                                   f"<datamap>/{FIRST_ADMIN_FILE}. Twee keer uitvoeren verandert niets.")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="start de apps (Voilà) met inlogpagina")
    p.add_argument("--port", type=int, help=f"poort (standaard {DEFAULT_PORT})")
    p.add_argument("--host", help="adres (standaard 127.0.0.1)")
    p.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="gebruikers beheren")
    usub = users.add_subparsers(dest="users_command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=DutchParser)
    usub.required = True
    p = usub.add_parser("add", help="voeg een gebruiker toe")
    p.add_argument("name", metavar="NAAM", help="gebruikersnaam (kleine letters, cijfers, . _ -)")
    p.add_argument("--role", required=True, help="cursist, trainer of coordinator")
    p.add_argument("--display-name", help="naam zoals die in de apps verschijnt")
    p.add_argument("--group", action="append", help="zet de gebruiker in deze groep (mag vaker)")
    p.add_argument("--password-stdin", action="store_true",
                   help="lees het wachtwoord (minstens 8 tekens) van standaardinvoer")
    p.set_defaults(func=cmd_users_add)
    p = usub.add_parser("list", help="toon alle gebruikers")
    p.add_argument("--all", action="store_true", help="toon ook gedeactiveerde accounts")
    p.set_defaults(func=cmd_users_list)
    p = usub.add_parser("set-role", help="wijzig de rol van een gebruiker")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("role", metavar="ROL", help="cursist, trainer of coordinator")
    p.set_defaults(func=cmd_users_set_role)
    p = usub.add_parser("set-password", help="stel een nieuw wachtwoord in (van standaardinvoer)")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="lees het wachtwoord van standaardinvoer")
    p.set_defaults(func=cmd_users_set_password)
    p = usub.add_parser("deactivate", help="zet een account uit (beoordelingen blijven bewaard)")
    p.add_argument("name", metavar="NAAM")
    p.set_defaults(func=cmd_users_deactivate)

    groups = sub.add_parser("groups", help="groepen (cohorten) beheren")
    gsub = groups.add_subparsers(dest="groups_command", title="opdrachten", metavar="OPDRACHT",
                                 parser_class=DutchParser)
    gsub.required = True
    p = gsub.add_parser("add", help="maak een groep")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--programme", help="programmacode, bijvoorbeeld babytijd of ouder-baby")
    p.set_defaults(func=cmd_groups_add)
    p = gsub.add_parser("add-member", help="zet een gebruiker in een groep")
    p.add_argument("group", metavar="GROEP")
    p.add_argument("name", metavar="NAAM")
    p.set_defaults(func=cmd_groups_add_member)
    p = gsub.add_parser("list", help="toon alle groepen")
    p.set_defaults(func=cmd_groups_list)

    p = sub.add_parser(
        "agreement", help="bereken beoordelaarsovereenstemming uit een CSV-bestand",
        description="Leest een CSV met de kolommen rater,item,score[,scale] (lege score = ontbrekend) en "
                    "berekent ICC, kappa's, Krippendorffs alfa, Gwets AC1/AC2, percentage overeenstemming "
                    "en (bij twee beoordelaars) Bland-Altman.")
    p.add_argument("ratings", metavar="RATINGS.csv", help="CSV-bestand met beoordelingen")
    p.add_argument("--json", action="store_true", help="geef één JSON-object in plaats van een tabel")
    p.add_argument("--scale-min", type=int, help="laagste punt van de schaal (bijvoorbeeld 1)")
    p.add_argument("--scale-max", type=int, help="hoogste punt van de schaal (bijvoorbeeld 9)")
    p.set_defaults(func=cmd_agreement)

    db = sub.add_parser("db", help="database-onderhoud")
    dsub = db.add_subparsers(dest="db_command", title="opdrachten", metavar="OPDRACHT",
                             parser_class=DutchParser)
    dsub.required = True
    p = dsub.add_parser("upgrade", help="migreer de database naar de nieuwste versie")
    p.set_defaults(func=cmd_db_upgrade)
    p = dsub.add_parser("status", help="toon de databaseversie")
    p.set_defaults(func=cmd_db_status)
    return common


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except OefenkitError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
