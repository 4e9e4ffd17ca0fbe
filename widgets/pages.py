"""App bodies composed from components over the core façade (``Kit``).

They receive the façade and the person; every read goes through the façade's
permission checks.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ipywidgets as w

from oefenkit.apps import apps_for
from oefenkit.identity import ROLE_LABELS, Actor
from oefenkit.storage.kit import Kit

from .landing import LandingPage
from .tables import DataTable

__all__ = ["landing_page", "profile_page", "people_page", "local_time"]

_MODE_LABELS = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag"}
#: Times are stored in UTC and shown in Dutch local time.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def local_time(moment: dt.datetime) -> str:
    """``dd-mm-jjjj uu:mm`` in Dutch local time (naive values are taken as UTC, as SQLite returns them)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def landing_page(person: Actor) -> LandingPage:
    return LandingPage(person.display_name, person.role_label, apps_for(person))


def profile_page(kit: Kit, person: Actor) -> w.VBox:
    groups = kit.list_groups(person)
    ratings = kit.list_ratings(person, rater_username=person.username)
    details = DataTable(
        ["", ""],
        [
            ["Naam", person.display_name],
            ["Gebruikersnaam", person.username],
            ["Rol", person.role_label],
            ["Groepen", ", ".join(g.name for g in groups if person.id and g.id in person.group_ids) or "geen"],
        ],
        css_class="ok-profile",
    )
    rating_rows = [
        [local_time(r.created_at), r.case_code, r.scale_code, r.score, _MODE_LABELS[r.mode]]
        for r in ratings
    ]
    history = DataTable(["Datum", "Casus", "Schaal", "Score", "Soort"], rating_rows,
                        empty="Je hebt nog geen beoordelingen gegeven.", css_class="ok-my-ratings")
    return w.VBox([details, w.HTML("<h2>Mijn beoordelingen</h2>"), history])


def people_page(kit: Kit, person: Actor) -> w.VBox:
    people = kit.list_people(person)
    table = DataTable(
        ["Gebruikersnaam", "Naam", "Rol", "Groepen"],
        [[p["username"], p["display_name"], ROLE_LABELS[p["role"]], ", ".join(p["groups"]) or "-"] for p in people],
        empty="Er zijn nog geen deelnemers.",
        css_class="ok-people-table",
    )
    groups = kit.list_groups(person)
    group_table = DataTable(
        ["Groep", "Programma", "Leden"],
        [[g.name, g.programme_code or "-", len(g.member_usernames)] for g in groups],
        empty="Er zijn nog geen groepen.",
        css_class="ok-groups-table",
    )
    return w.VBox([w.HTML("<h2>Deelnemers</h2>"), table, w.HTML("<h2>Groepen</h2>"), group_table])
