"""The ``oefenkit`` command: the same core as the apps, for administrators.

All help texts and messages are Dutch. Domain errors are printed as one short
line on stderr and end the command with the error's exit status; nothing is
half-written because every façade call is one transaction.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__
from .cases import SETTING_LABELS, case_overview
from .certificate_pdf import Issuer, dutch_date, requirement_lines, scales_phrase
from .cli_babytijd import add_parsers as add_babytijd_parsers
from .cli_common import _kit, _ready_kit, _settings
from .cli_requirements import add_parsers as add_requirements_parsers
from .cli_table import Column, print_table
from .cli_video import add_case_video_parsers, add_video_parsers
from .cli_worker import add_parsers as add_worker_parsers
from .cli_worker import start_worker_process
from .content import load_content
from .errors import NotFound, OefenkitError, ValidationError
from .identity import SYSTEM, role_label
from .instance import FIRST_ADMIN_FILE, init, open_kit
from .permissions import roles
from .programmes import load_paths
from .requirements import NO_END
from .settings import DEFAULT_PORT
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
    """The password from standard input: typed at a terminal without echo (asked twice), or one
    line from a pipe."""
    if sys.stdin.isatty():
        first = getpass.getpass("Wachtwoord: ")
        if first and getpass.getpass("Nogmaals, ter controle: ") != first:
            raise ValidationError("De twee wachtwoorden zijn niet gelijk; er is niets gewijzigd.")
        if not first:
            raise ValidationError("Geen wachtwoord ingevuld.")
        return first
    data = sys.stdin.readline()
    if data.endswith("\n"):
        data = data[:-1]
    if data.endswith("\r"):
        data = data[:-1]
    if not data:
        raise ValidationError("Geen wachtwoord ontvangen op standaardinvoer.")
    return data


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
    from .server.app import serve  # Voilà, Jupyter server and the kernels: ≈ 2.4 s, only when serving

    settings = _settings(args)
    _ready_kit(settings)  # clear message if the database is unreachable or not migrated
    worker = None
    if args.with_worker and not settings.hub:

        worker = start_worker_process(args)
    try:
        serve(settings)
    finally:
        if worker is not None:
            worker.terminate()  # a running job goes back to the queue
            worker.wait(timeout=30)
    return 0


def cmd_users_add(args) -> int:
    settings = _settings(args)
    password = _read_password_stdin() if args.password_stdin else None
    kit = _ready_kit(settings)
    actor = kit.people.add_person(SYSTEM, args.name, role=args.role, display_name=args.display_name,
                           password=password, groups=args.group or ())
    note = "" if password else " (zonder wachtwoord: kan nog niet inloggen)"
    print(f"Gebruiker {actor.username} toegevoegd als {actor.role_label}{note}.")
    return 0


def cmd_users_list(args) -> int:
    kit = _kit(args)
    people = kit.people.list_people(SYSTEM, include_inactive=args.all)
    if not people:
        print("Er zijn nog geen gebruikers.")
        return 0
    print_table(
        [Column("gebruikersnaam", 24), Column("rol", 12), Column("actief", 7), Column("naam / groepen")],
        [(p["username"], role_label(p["role"]), "ja" if p["active"] else "nee",
          p["display_name"] + (f" [{', '.join(p['groups'])}]" if p["groups"] else "")) for p in people])
    return 0


def cmd_users_set_role(args) -> int:
    kit = _kit(args)
    actor = kit.people.update_person_role(SYSTEM, args.name, args.role)
    print(f"Rol van {actor.username} is nu {actor.role_label}.")
    return 0


def cmd_users_set_password(args) -> int:
    kit = _kit(args)
    kit.people.update_person_password(SYSTEM, args.name, _read_password_stdin())
    print(f"Wachtwoord van {args.name} is gewijzigd.")
    return 0


def cmd_users_deactivate(args) -> int:
    kit = _kit(args)
    kit.people.remove_person(SYSTEM, args.name)
    print(f"Account {args.name} is gedeactiveerd.")
    return 0


def cmd_users_export(args) -> int:
    kit = _kit(args)
    data = kit.privacy.export_person(SYSTEM, args.name)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"Alle gegevens van {args.name} staan in {args.out}.")
    else:
        print(text)
    return 0


def cmd_users_delete(args) -> int:
    if not args.yes:
        raise ValidationError(f"Verwijderen van {args.name} kan niet ongedaan worden gemaakt; "
                              "bevestig met --yes.")
    kit = _kit(args)
    removed = kit.privacy.delete_person(SYSTEM, args.name)
    print(f"{args.name} en alle gegevens zijn verwijderd ({sum(removed.values())} rij(en)); "
          "het logboek bewaart de acties zonder naam.")
    return 0


def cmd_certificates_verify(args) -> int:
    kit = _kit(args)
    c = kit.certificates.verify_certificate(args.code)
    if c.get("demo"):
        print(f"Demonstratie, geen certificaat: {c['display_name']}, {c['programme_name']}, "
              f"uitgegeven {dutch_date(c['issued'])} na een toets op de openbare voorbeeldset.")
    elif c.get("kind") == "registration" and not c.get("revoked"):
        state = "actief" if c["valid"] else c["status"]
        print(f"Registratie als uitvoerder ({state}): {c['display_name']}, {c['programme_name']}, "
              f"{'actief tot' if c['valid'] else 'was actief tot'} {dutch_date(c['valid_until'])}.")
    elif c["valid"] and c["valid_until"] == NO_END:
        print(f"Geldig certificaat: {c['display_name']}, {c['programme_name']}, verloopt niet.")
    elif c["valid"]:
        print(f"Geldig certificaat: {c['display_name']}, {c['programme_name']}, "
              f"geldig tot {dutch_date(c['valid_until'])}.")
    elif c.get("revoked"):
        print(f"Certificaat ingetrokken: {c['display_name']}, {c['programme_name']}; "
              "een trainer heeft het besluit herzien.")
    else:
        print(f"Certificaat verlopen: {c['display_name']}, {c['programme_name']}, "
              f"was geldig tot {dutch_date(c['valid_until'])}.")
    if c.get("basis") == "path":
        print("Afgerond:")
        for text in requirement_lines(c["requirements"]):
            print(f"  - {text}")
    elif c.get("basis") == "converted":
        print("Omgezet uit een eerder certificaat van de scoringstoets (voor dit programma niet meer nodig).")
    else:
        print(f"Op basis van: de scoringstoets op {scales_phrase(c, c['scales'])}, een toevoeging van Oefenkit.")
    settings = _settings(args)
    try:
        path = load_paths(settings.content_dir).get(c["programme_code"])
    except OefenkitError:
        path = None  # a broken path file: the statement names no owner
    print(Issuer.from_settings(settings).statement(c["programme_code"], c["programme_name"],
                                                   path.owner if path else None))
    return 0


def cmd_certificates_list(args) -> int:
    kit = _kit(args)
    register = kit.certificates.certificate_register(SYSTEM, expiring_within_days=args.expiring)
    if not register:
        print("Er zijn nog geen certificaten.")
        return 0
    print_table(
        [Column("code", 18), Column("gebruikersnaam", 20), Column("programma", 12), Column("uitgegeven", 11),
         Column("geldig tot", 11), Column("status")],
        [(c["code"], c["username"], c["programme"], c["issued"].isoformat(),
          "onbeperkt" if c["valid_until"] == NO_END else c["valid_until"].isoformat(),
          c["status"] + (" (registratie)" if c.get("kind") == "registration" else "")) for c in register])
    return 0


def cmd_groups_add(args) -> int:
    kit = _kit(args)
    group = kit.people.add_group(SYSTEM, args.name, args.programme)
    print(f"Groep {group.name} aangemaakt.")
    return 0


def cmd_groups_add_member(args) -> int:
    kit = _kit(args)
    kit.people.add_group_member(SYSTEM, args.group, args.name)
    print(f"{args.name} zit nu in groep {args.group}.")
    return 0


def _paths(args):
    return load_content(_settings(args).content_dir).paths


def cmd_roles(args) -> int:
    """The roles file in use: each role with what it opens and may do (``oefenkit/roles.yaml``)."""
    table = roles()
    if args.json:
        print(json.dumps([{"code": r.code, "label": r.label, "staff": r.staff, "hub_group": r.hub_group,
                           "areas": sorted(r.areas), "actions": sorted(r.actions)} for r in table.roles],
                         ensure_ascii=False, indent=2))
        return 0
    for r in table.roles:
        print(f"{r.code}\t{r.label}\t{', '.join(sorted(r.areas))}\t{len(r.actions)} handelingen")
    return 0


def cmd_programmes_list(args) -> int:
    for path in _paths(args).values():
        print(f"{path.code}\t{path.name}")
    return 0


def cmd_programmes_show(args) -> int:
    paths = _paths(args)
    path = paths.get(args.code)
    if path is None:
        raise NotFound(f"Programma {args.code!r} bestaat niet; kies uit {', '.join(sorted(paths))}.")
    if args.json:
        print(json.dumps(path.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(path.name)
    for r in path.requirements:
        extra = " (aanbevolen)" if not r.required else ""
        extra += " [toevoeging van de kit]" if r.kit_addition else ""
        print(f"  - {r.label}{extra}\n      bron: {r.source}")
    v = path.validity
    if v.kind == "registration":
        print(f"Registratie als uitvoerder; blijft actief met een {v.refresher} elke {v.every_years} jaar.")
    else:
        print("Certificaat" + (f"; te vernieuwen met een {v.refresher} elke {v.every_years} jaar." if v.refresher
                               else "; verloopt niet."))
    for line in path.afterwards:
        print(f"Daarna: {line}")
    return 0


def cmd_groups_list(args) -> int:
    kit = _kit(args)
    for g in kit.people.list_groups(SYSTEM):
        print(f"{g.name} ({g.programme_code or 'geen programma'}): {', '.join(g.member_usernames) or '-'}")
    return 0


def cmd_cases_list(args) -> int:
    kit = _kit(args)
    cases = case_overview(kit.cases.list_cases(SYSTEM, with_expert_scores=True), kit.cases.list_scales())
    missing = [c for c in cases if not c["clip_available"]]
    if args.json:
        print(json.dumps(cases, ensure_ascii=False, indent=2))
    elif not cases:
        print("Er zijn nog geen casussen. Voer eerst 'oefenkit init' uit.")
    else:
        rows = []
        order = kit.cases.current_scales()  # one consensus column per scale, headed by its short title
        for c in cases:
            scales = c["scales"]
            rows.append((
                c["id"], c["set"] or None, SETTING_LABELS.get(c["setting"], c["setting"]),
                None if c["duration"] is None else f"{c['duration']:g}s",
                *(scales.get(sc.code, {}).get("consensus") for sc in order),
                min((len(v["experts"]) for v in scales.values()), default=0), c["title"],
            ))
        print_table([Column("casus", 22), Column("set", 12), Column("situatie", 11), Column("duur", 5, ">"),
                     *(Column(sc.short_title[:4], 5, ">") for sc in order), Column("experts", 8, ">"),
                     Column("titel", gap=2)], rows)
    if missing:
        print(f"Let op: van {len(missing)} van de {len(cases)} casussen is het fragment nog niet gemaakt "
              f"(bijvoorbeeld {missing[0]['clip']}). Maak de fragmenten met 'oefenkit samples render'.",
              file=sys.stderr)
    return 0


def cmd_agreement(args) -> int:
    from .agreement.summary import format_summary, summarise_csv  # numpy and scipy: ≈ 0.8 s, only here

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
    p.add_argument("--hub", action="store_true",
                   help="JupyterHub-modus: geen eigen inlogpagina, de persoon is JUPYTERHUB_USER "
                        "(achter jhsingle-native-proxy, zie deploy/README.md)")
    p.add_argument("--base-url", help="pad waaronder de browser de kit ziet, bv. /user/<naam>/ (standaard /)")
    p.add_argument("--with-worker", action="store_true",
                   help="start ook 'oefenkit worker' (de anonimiseertaken); ./kit start doet dit")
    p.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="gebruikers beheren")
    usub = users.add_subparsers(dest="users_command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=DutchParser)
    usub.required = True
    p = usub.add_parser("add", help="voeg een gebruiker toe")
    p.add_argument("name", metavar="NAAM", help="gebruikersnaam (kleine letters, cijfers, . _ -)")
    p.add_argument("--role", required=True, help="de rol, bijv. cursist, trainer of coordinator (alle: oefenkit roles)")
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
    p.add_argument("role", metavar="ROL", help="de nieuwe rol (alle rollen: oefenkit roles)")
    p.set_defaults(func=cmd_users_set_role)
    p = usub.add_parser("set-password", help="stel een nieuw wachtwoord in (van standaardinvoer)")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--password-stdin", action="store_true", required=True,
                   help="lees het wachtwoord van standaardinvoer")
    p.set_defaults(func=cmd_users_set_password)
    p = usub.add_parser("deactivate", help="zet een account uit (beoordelingen blijven bewaard)")
    p.add_argument("name", metavar="NAAM")
    p.set_defaults(func=cmd_users_deactivate)
    p = usub.add_parser("export", help="AVG: geef alle opgeslagen gegevens van een gebruiker (JSON)",
                        description="Geeft alles wat over de gebruiker is opgeslagen als JSON: account (zonder "
                                    "wachtwoord), groepen, beoordelingen, toetspogingen, besluiten, certificaten, "
                                    "voortgang, supervisiecasussen en logboekregels.")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--out", metavar="BESTAND.json", help="schrijf naar dit bestand in plaats van het scherm")
    p.set_defaults(func=cmd_users_export)
    p = usub.add_parser("delete", help="AVG: verwijder een gebruiker met al zijn gegevens (onherroepelijk)",
                        description="Verwijdert de gebruiker en al zijn gegevens in één keer. Het logboek "
                                    "bewaart de acties, maar zonder naam. Geweigerd voor de laatste coördinator "
                                    "en voor iemand met expertscores.")
    p.add_argument("name", metavar="NAAM")
    p.add_argument("--yes", action="store_true", help="bevestig dat er echt verwijderd wordt")
    p.set_defaults(func=cmd_users_delete)

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

    p = sub.add_parser("roles", help="toon de rollen: welke apps en handelingen (oefenkit/roles.yaml)")
    p.add_argument("--json", action="store_true", help="als JSON (voor automatisering)")
    p.set_defaults(func=cmd_roles)
    progs = sub.add_parser("programmes", help="de paden van de programma's (wat iemand moet doen)")
    psub = progs.add_subparsers(dest="programmes_command", title="opdrachten", metavar="OPDRACHT",
                                required=True)
    p = psub.add_parser("list", help="toon de programmacodes")
    p.set_defaults(func=cmd_programmes_list)
    p = psub.add_parser("show", help="toon het pad van een programma")
    p.add_argument("code", help="programmacode, bijv. babytijd")
    p.add_argument("--json", action="store_true", help="als JSON (voor automatisering)")
    p.set_defaults(func=cmd_programmes_show)

    add_requirements_parsers(sub)
    add_worker_parsers(sub)
    add_babytijd_parsers(sub)

    certs = sub.add_parser("certificates", help="certificaten controleren en bekijken")
    cesub = certs.add_subparsers(dest="certificates_command", title="opdrachten", metavar="OPDRACHT",
                                 parser_class=DutchParser)
    cesub.required = True
    p = cesub.add_parser("verify", help="controleer een verificatiecode",
                         description="Toont naam, programma en geldigheid van het certificaat met deze code.")
    p.add_argument("code", metavar="CODE", help="verificatiecode, bijvoorbeeld OK-ABCD-EFGH-JKMN")
    p.set_defaults(func=cmd_certificates_verify)
    p = cesub.add_parser("list", help="toon het certificaatregister met status")
    p.add_argument("--expiring", type=int, default=90, metavar="DAGEN",
                   help="'verloopt binnenkort' binnen dit aantal dagen (standaard 90)")
    p.set_defaults(func=cmd_certificates_list)

    cases = sub.add_parser("cases", help="casussen (oefenfragmenten) bekijken")
    csub = cases.add_subparsers(dest="cases_command", title="opdrachten", metavar="OPDRACHT",
                                parser_class=DutchParser)
    csub.required = True
    p = csub.add_parser(
        "list", help="toon alle casussen met set, duur en expertconsensus",
        description="Toont elke casus met zijn set, situatie, duur, de expertconsensus per schaal en het aantal "
                    "experts. Het pad naar het fragment staat in de JSON-uitvoer; ontbreekt een fragment nog, "
                    "dan volgt een waarschuwing (maak de fragmenten met 'oefenkit samples render').")
    p.add_argument("--json", action="store_true",
                   help="geef een JSON-lijst met per casus id, title, set, clip, duration en scales")
    p.set_defaults(func=cmd_cases_list)
    add_case_video_parsers(csub)
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

    add_video_parsers(sub)

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
    except BrokenPipeError:  # output piped into `head` that stopped reading: end quietly, as `ls` does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit fails too
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
