"""Personen en groepen (``notebooks/supervision/deelnemers.ipynb``): who is in the kit, in which groups."""

from __future__ import annotations

import ipywidgets as w

from oefenkit.identity import Actor, role_label
from oefenkit.storage.kit import Kit

from ..tables import DataTable

__all__ = ["people_page"]


def people_page(kit: Kit, person: Actor) -> w.VBox:
    people = kit.people.list_people(person)
    table = DataTable(
        ["Gebruikersnaam", "Naam", "Rol", "Groepen"],
        [[p["username"], p["display_name"], role_label(p["role"]), ", ".join(p["groups"]) or "-"] for p in people],
        empty="Er zijn nog geen personen.",
        css_class="ok-people-table",
        label="Personen",
    )
    groups = kit.people.list_groups(person)
    group_table = DataTable(
        ["Groep", "Programma", "Leden"],
        [[g.name, g.programme_code or "-", len(g.member_usernames)] for g in groups],
        empty="Er zijn nog geen groepen.",
        css_class="ok-groups-table",
        label="Groepen",
    )
    return w.VBox([w.HTML("<h2>Personen</h2>"), table, w.HTML("<h2>Groepen</h2>"), group_table])
