"""Who may open which app, written out by hand (issue 21).

The security tests take their expectations from this table, never from ``oefenkit.permissions.can``
(the function under test): a wrong ``can()`` must make them fail, not silently change what they
check. Reviewed against ``docs/security.md`` ("Who can reach what": a logged-in person reaches the
apps of their role; trainers and coördinatoren additionally the supervision apps),
``docs/architecture.md`` (``training/`` apps for cursist, trainer and coördinator; ``supervision/``
apps for trainer and coördinator; the beheer app for the coördinator only) and the app descriptions
in ``oefenkit/apps.py``. A new app fails ``test_the_matrix_names_every_app`` until it is added here on
purpose.

``APP_HOOKS`` gives the ``ok-`` class each app's body carries (``docs/ui-hooks.md``): an allowed app
must show it, so a 200 with an empty or wrong page is not taken for "rendered".
"""

from __future__ import annotations

CURSIST, TRAINER, COORDINATOR = "cursist", "trainer", "coordinator"
EVERYONE = frozenset({CURSIST, TRAINER, COORDINATOR})
STAFF = frozenset({TRAINER, COORDINATOR})

#: app id → the roles that may open it.
APP_ACCESS: dict[str, frozenset[str]] = {
    "start": EVERYONE,                    # Startpagina: the apps of one's role
    "mijn-gegevens": EVERYONE,            # own name, groups, ratings, certificates, export
    "modules": EVERYONE,                  # Lesmodules
    "practice": EVERYONE,                 # Oefenen met scoren
    "exam": EVERYONE,                     # Certificeringstoets (only with a programme that has a scoring test:
                                          # a Babytijd-only cursist is refused, test_authorisation_matrix)
    "session": EVERYONE,                  # Terugkomdag: meedoen
    "intervision": EVERYONE,              # Intervisie with one's team
    "babytijd-reeks": STAFF,              # Babytijd-reeks: staff, and a person in a Babytijd group (this
                                          # matrix's cursist is in an Ouder-baby group only, so refused;
                                          # the Babytijd-only cursist opens it, test_authorisation_matrix)
    "deelnemers": STAFF,                  # Personen en groepen
    "compare": STAFF,                     # Beoordelingen vergelijken (everyone's scores)
    "dashboard": STAFF,                   # Terugkomdag leiden
    "library": STAFF,                     # Casusbibliotheek: uploads, expert scores
    "certificates": STAFF,                # Certificering: decide on proposals, register
    "beheer": frozenset({COORDINATOR}),   # Beheer: accounts, roles, groups, AVG export/delete
}

#: app id → the CSS class of the app's body (docs/ui-hooks.md).
APP_HOOKS: dict[str, str] = {
    "start": "ok-landing",
    "mijn-gegevens": "ok-profile",
    "modules": "ok-modules",
    "practice": "ok-practice",
    "exam": "ok-exam-app",
    "session": "ok-session",
    "intervision": "ok-intervision",
    "babytijd-reeks": "ok-reeks-app",
    "deelnemers": "ok-people-table",
    "compare": "ok-compare",
    "dashboard": "ok-dashboard",
    "library": "ok-library",
    "certificates": "ok-certificates",
    "beheer": "ok-admin",
}


def may_open(role: str, app) -> bool:
    """The table's answer for ``role`` and ``app`` (an ``oefenkit.apps.App``); KeyError for an app not in it."""
    return role in APP_ACCESS[app.id]
