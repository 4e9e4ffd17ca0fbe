"""Mijn gegevens (``notebooks/training/mijn_gegevens.ipynb``): the person's own details, ratings,
requirements, certificates, data export, terugkomdagen and login sessions."""

from __future__ import annotations

import html
import os

import ipywidgets as w

from oefenkit.apps import export_url
from oefenkit.certificate_pdf import certificate_url
from oefenkit.identity import Actor
from oefenkit.logins import current_login_session
from oefenkit.programmes import load_paths
from oefenkit.settings import load_settings, site_url
from oefenkit.storage.kit import Kit

from ..certificates import own_certificates_html
from ..formatting import local_time
from ..logins import LoginSessionsPanel
from ..requirements import what_i_need_page_part
from ..session import session_history_table
from ..tables import DataTable

__all__ = ["profile_page"]

_MODE_LABELS = {"practice": "oefenen", "exam": "toets", "session": "terugkomdag"}


def profile_page(kit: Kit, person: Actor, *, paths=None) -> w.VBox:
    """Mijn gegevens. ``paths`` (programme → path) default to the content directory's programme
    paths; "Wat heb ik nog nodig?" shows those of the person's groups (all when none has one)."""
    groups = kit.people.list_groups(person)
    ratings = kit.ratings.list_ratings(person, rater_username=person.username)
    details = DataTable(
        ["", ""],
        [
            ["Naam", person.display_name],
            ["Gebruikersnaam", person.username],
            ["Rol", person.role_label],
            ["Groepen", ", ".join(g.name for g in groups if person.id and g.id in person.group_ids) or "geen"],
        ],
        css_class="ok-profile",
        label="Mijn gegevens",
    )
    # Titles and names, not codes (docs/woordenlijst.md).
    titles = {c.code: c.title for c in kit.cases.list_cases(person)}
    scale_names = {sc.code: sc.name for sc in kit.cases.list_scales()}
    rating_rows = [
        [local_time(r.created_at), titles.get(r.case_code, r.case_code), scale_names.get(r.scale_code, r.scale_code),
         r.score,
         "intervisie" if r.mode == "session" and not r.live else _MODE_LABELS[r.mode]]
        for r in ratings
    ]
    history = DataTable(["Datum", "Casus", "Schaal", "Score", "Soort"], rating_rows,
                        empty="Je hebt nog geen beoordelingen gegeven.", css_class="ok-my-ratings",
                        label="Mijn beoordelingen")
    certificates = w.HTML(own_certificates_html(kit.certificates.list_certificates_of(person, person.username), certificate_url))
    certificates.add_class("ok-my-certificates")
    own_export = w.HTML(
        f"<p><a class='ok-export-download' href='{html.escape(export_url(person.username), quote=True)}' "
        f"download='gegevens-{html.escape(person.username, quote=True)}.json' target='_blank'>Al mijn gegevens "
        "downloaden (JSON)</a>: alles wat de kit over jou bewaart (AVG).</p>")
    own_export.add_class("ok-my-export")
    sessions = session_history_table(kit.sessions.session_history(person), local_time)
    if paths is None:
        paths = load_paths(load_settings().content_dir)
    mine = sorted({g.programme_code for g in groups if person.id and g.id in person.group_ids and g.programme_code})
    needed = what_i_need_page_part(kit, person, paths, mine)
    return w.VBox([details, w.HTML("<h2>Mijn beoordelingen</h2>"), history,
                   w.HTML("<h2>Wat heb ik nog nodig?</h2>"), needed,
                   w.HTML("<h2>Mijn certificaten</h2>"), certificates, w.HTML("<h2>Mijn gegevens</h2>"),
                   own_export, w.HTML("<h2>Mijn terugkomdagen</h2>"), sessions,
                   w.HTML("<h2>Waar ben ik ingelogd?</h2>"), _login_sessions(kit, person)])


def _login_sessions(kit: Kit, person: Actor) -> w.Widget:
    """Mijn gegevens: the person's own login sessions with "Overal afmelden" (standalone server)."""
    if os.environ.get("JUPYTERHUB_USER"):
        return w.HTML("<p>Je bent ingelogd via JupyterHub; afmelden doe je in JupyterHub.</p>")
    return LoginSessionsPanel(kit.logins.list_login_sessions(person, person.username), current_login_session(),
                              lambda: kit.logins.remove_login_sessions(person, person.username), local_time,
                              login_url=site_url("/login"))
