"""The catalogue of Voilà apps and which area each belongs to.

Every app notebook lives below ``notebooks/`` and is listed here. The server
refuses to render a notebook that is not in the catalogue, and refuses an app
whose area the person's role may not open (see ``oefenkit.permissions``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote

from .errors import NotFound
from .identity import Actor
from .permissions import can
from .settings import site_url

__all__ = ["App", "AREAS", "LANDING", "APPS", "EXPORT_PREFIX", "app_for_path", "apps_for", "export_url",
           "module_url", "render_url"]

#: Areas of the kit, in the order the landing page shows them ("beheer": coördinatoren only).
AREAS = ("training", "supervision", "beheer")


@dataclass(frozen=True)
class App:
    id: str
    title: str
    description: str
    path: str  # relative to the notebooks directory, POSIX style
    area: str  # "landing" or one of AREAS
    #: Only for people with a programme whose path has an enabled scoring test (the exam app).
    needs_scoring_test: bool = False
    #: Only for people in a group of this programme (``Actor.programmes``) and staff; None: everyone
    #: whose role opens the area.
    programme: str | None = None

    @property
    def url(self) -> str:
        return render_url(self.path)


LANDING = App(
    id="start",
    title="Startpagina",
    description="Overzicht van de apps die bij jouw rol horen.",
    path="start.ipynb",
    area="landing",
)

APPS: tuple[App, ...] = (
    LANDING,
    App(
        id="mijn-gegevens",
        title="Mijn gegevens",
        description="Je naam, rol, groepen en je eigen beoordelingen tot nu toe.",
        path="training/mijn_gegevens.ipynb",
        area="training",
    ),
    App(
        id="modules",
        title="Lesmodules",
        description="De stof van de train-de-trainer: Babytijd, de Ouder-baby interventie en de context, "
                    "met een korte check per module.",
        path="training/modules.ipynb",
        area="training",
    ),
    App(
        id="practice",
        title="Oefenen met scoren",
        # no scale names here: the scales are content (content/scales/), the app lists them
        description="Scoor oefenfragmenten op de schalen van de training en vergelijk je score met die "
                    "van de experts.",
        path="training/oefenen.ipynb",
        area="training",
    ),
    App(
        id="exam",
        title="Certificeringstoets",
        description="Scoor de toetsfragmenten zonder feedback; na het inleveren zie je de uitslag.",
        path="training/toets.ipynb",
        area="training",
        needs_scoring_test=True,
    ),
    App(
        id="deelnemers",
        title="Personen en groepen",
        description="Wie er in welke groep zit, met rol en status.",
        path="supervision/deelnemers.ipynb",
        area="supervision",
    ),
    App(
        id="compare",
        title="Beoordelingen vergelijken",
        description="Vergelijk de scores van een groep op een set fragmenten met de consensus van de "
                    "experts, per beoordelaar en per fragment, met export naar CSV en Excel.",
        path="supervision/vergelijken.ipynb",
        area="supervision",
    ),
    App(
        id="session",
        title="Terugkomdag: meedoen",
        description="Doe mee aan de terugkomdag: vul de code van de trainer in, scoor het fragment op je eigen "
                    "scherm en zie na de bespreking de expertscore.",
        path="training/terugkomdag.ipynb",
        area="training",
    ),
    App(
        id="dashboard",
        title="Terugkomdag leiden",
        description="Leid een terugkomdag: code en QR-code voor de groep, rondes per fragment en een "
                    "projectorscherm met de verdeling, overeenstemming en expertscore, zonder namen.",
        path="supervision/terugkomdag_leiden.ipynb",
        area="supervision",
    ),
    App(
        id="library",
        title="Casusbibliotheek",
        description="Upload een eigen videofragment, anonimiseer en controleer het, voeg gegevens en "
                    "expertscores toe en publiceer het in een oefen-, toets- of terugkomdagset.",
        path="supervision/bibliotheek.ipynb",
        area="supervision",
    ),
    App(
        id="certificates",
        title="Certificering",
        description="Neem het voorstel van de regels over of wijk af met een reden, leg begeleide casussen "
                    "vast en bekijk het certificaatregister met wat binnenkort verloopt.",
        path="supervision/certificaten.ipynb",
        area="supervision",
    ),
    App(
        id="intervision",
        title="Intervisie",
        description="Scoor met je team de fragmenten van één casus over de huisbezoeken heen (eerste, "
                    "laatste en vervolgbezoek) en bekijk samen hoe de scores veranderen.",
        path="training/intervisie.ipynb",
        area="training",
    ),
    App(
        id="babytijd-reeks",
        title="Babytijd-reeks",
        description="Houd per Babytijd-reeks de opvoeders (met een code, geen naam), de aanwezigheid en de "
                    "metingen bij, zie wie welke meting nodig heeft en bekijk de cijfers van de reeks.",
        path="training/babytijd_reeks.ipynb",
        area="training",
        programme="babytijd",
    ),
    App(
        id="beheer",
        title="Beheer: mensen en groepen",
        description="Accounts toevoegen, rollen instellen, deactiveren, groepen samenstellen, en de gegevens "
                    "van één persoon exporteren of verwijderen (AVG).",
        path="supervision/beheer.ipynb",
        area="beheer",
    ),
)


def render_url(path: str) -> str:
    """The browser's URL of an app notebook (below the base URL under JupyterHub)."""
    return site_url(f"/voila/render/{path}")


def module_url(code: str) -> str:
    """The URL that opens the Lesmodules app directly on module ``code`` (query ``?module=``).

    >>> module_url("context-hoe-de-toets-werkt").endswith("/voila/render/training/modules.ipynb?module=context-hoe-de-toets-werkt")
    True
    """
    modules = next(app for app in APPS if app.id == "modules")
    return f"{modules.url}?module={quote(code, safe='')}"


#: Where the server offers one person's AVG export (``oefenkit.server.export``).
EXPORT_PREFIX = "/oefenkit/export/"


def export_url(username: str) -> str:
    """The download URL of everything stored about ``username`` (JSON; the server checks who asks)."""
    return site_url(f"{EXPORT_PREFIX}{quote(username, safe='')}.json")


def app_for_path(path: str) -> App:
    """The catalogued app for a notebook path (as Voilà passes it), or :class:`NotFound`."""
    norm = str(PurePosixPath(path.replace("\\", "/").lstrip("/")))
    for app in APPS:
        if app.path == norm:
            return app
    raise NotFound("Deze app bestaat niet.")


def apps_for(actor: Actor) -> list[App]:
    """The apps (landing excluded) that ``actor`` may open, in catalogue order."""
    return [app for app in APPS if app.area != "landing" and can(actor, "open_app", app)]
