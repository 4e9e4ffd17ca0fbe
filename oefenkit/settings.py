"""One settings object for the apps, the server and the CLI.

Every option is declared once in :data:`OPTIONS`, with its default and help
text. Environment variables are read here and nowhere else; the CLI passes its
flags in as overrides.

Defaults
--------
data_dir
    ``$OEFENKIT_DATA_DIR``, else ``$XDG_DATA_HOME/oefenkit``, else
    ``~/.local/share/oefenkit``. Everything the kit writes lives below it: the
    SQLite database, the cookie secret, the first coördinator's password, and
    (later) media.
database_url
    ``$OEFENKIT_DATABASE_URL``, else ``sqlite:///<data_dir>/oefenkit.sqlite3``.
media_dir
    ``$OEFENKIT_MEDIA_DIR``, else ``<data_dir>/media`` (:attr:`Settings.effective_media_dir`):
    the case library's protected originals, anonymised clips, contact sheets and
    partial uploads (see ``docs/library.md``).
keep_originals
    Off: an uploaded original is deleted when its case is published (privacy by
    default); until then it is kept so the clip can be anonymised again.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Mapping

from .errors import ConfigurationError

__all__ = ["Settings", "load_settings", "site_url", "PACKAGE_ROOT", "PROJECT_ROOT", "SAMPLES_DIR", "DEFAULT_PORT"]

PACKAGE_ROOT = Path(__file__).resolve().parent
#: The checkout the package was installed from (editable install), which holds
#: ``notebooks/``, ``content/`` and ``sample_cases/``.
PROJECT_ROOT = PACKAGE_ROOT.parent
#: The synthetic sample cases (scripts and rendered clips) that ship with the kit.
SAMPLES_DIR = PROJECT_ROOT / "sample_cases"

DEFAULT_PORT = 8866
DEFAULT_HOST = "127.0.0.1"


def _default_data_dir(env: Mapping[str, str]) -> Path:
    xdg = env.get("XDG_DATA_HOME")
    # The XDG spec says to ignore a relative path; it would also point elsewhere in a
    # kernel that runs in another working directory.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".local" / "share"
    return base / "oefenkit"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one kit instance."""

    data_dir: Path = field(
        metadata={"env": "OEFENKIT_DATA_DIR", "help": "Map voor database, geheimen en media."}
    )
    database_url: str = field(
        default="",
        metadata={
            "env": "OEFENKIT_DATABASE_URL",
            "help": "SQLAlchemy-URL van de database; standaard SQLite in de datamap.",
        },
    )
    host: str = field(
        default=DEFAULT_HOST,
        metadata={"env": "OEFENKIT_HOST", "help": "Adres waarop de server luistert."},
    )
    port: int = field(
        default=DEFAULT_PORT,
        metadata={"env": "OEFENKIT_PORT", "help": "Poort van de server."},
    )
    notebooks_dir: Path = field(
        default=PROJECT_ROOT / "notebooks",
        metadata={"env": "OEFENKIT_NOTEBOOKS_DIR", "help": "Map met de Voilà-apps."},
    )
    content_dir: Path = field(
        default=PROJECT_ROOT / "content",
        metadata={"env": "OEFENKIT_CONTENT_DIR", "help": "Map met lesstof, schalen en regels."},
    )
    secure_cookie: bool = field(
        default=False,
        metadata={
            "env": "OEFENKIT_SECURE_COOKIE",
            "help": "Zet de sessiecookie op Secure (aan zetten achter een HTTPS-proxy).",
        },
    )
    kernel_cull_idle_seconds: int = field(
        default=1800,
        metadata={
            "env": "OEFENKIT_KERNEL_CULL_IDLE",
            "help": "Na zoveel seconden zonder activiteit wordt een app-kernel gestopt.",
        },
    )
    session_idle_hours: int = field(
        default=12,
        metadata={
            "env": "OEFENKIT_SESSION_IDLE_HOURS",
            "help": "Na zoveel uur zonder gebruik is een inlogsessie verlopen.",
        },
    )
    session_max_days: int = field(
        default=30,
        metadata={
            "env": "OEFENKIT_SESSION_MAX_DAYS",
            "help": "Na zoveel dagen is een inlogsessie verlopen, ook als ze gebruikt wordt.",
        },
    )
    kernel_cull_disconnected_seconds: int = field(
        default=120,
        metadata={
            "env": "OEFENKIT_KERNEL_CULL_DISCONNECTED",
            "help": "Na zoveel seconden zonder open verbinding met de pagina wordt een app-kernel gestopt.",
        },
    )
    max_kernels_per_person: int = field(
        default=4,
        metadata={
            "env": "OEFENKIT_MAX_KERNELS_PER_PERSON",
            "help": "Hoeveel app-pagina's één persoon tegelijk open kan hebben; bij meer sluit de oudste "
                    "ongebruikte pagina.",
        },
    )
    max_kernels: int = field(
        default=0,
        metadata={
            "env": "OEFENKIT_MAX_KERNELS",
            "help": "Hoeveel app-kernels de server tegelijk draait; 0 = afgeleid van het vrije geheugen.",
        },
    )

    hub: bool = field(
        default=False,
        metadata={
            "env": "OEFENKIT_HUB",
            "help": "JupyterHub-modus: de hub logt in (via jhsingle-native-proxy), de kit toont geen eigen "
                    "inlogpagina en neemt de persoon uit JUPYTERHUB_USER.",
        },
    )
    base_url: str = field(
        default="/",
        metadata={
            "env": "OEFENKIT_BASE_URL",
            "help": "Het pad waaronder de browser de kit ziet, bijvoorbeeld /user/<naam>/ onder JupyterHub.",
        },
    )

    organisation: str = field(
        default="",
        metadata={
            "env": "OEFENKIT_ORGANISATION",
            "help": "Naam van de organisatie die met de kit certificaten uitgeeft (staat op elk certificaat).",
        },
    )
    owned_programmes: str = field(
        default="",
        metadata={
            "env": "OEFENKIT_OWNS_PROGRAMMES",
            "help": "Programmacodes (met komma's) waarvan de organisatie zelf de eigenaar is; alleen dan "
                    "zegt het certificaat niet dat het geen certificaat van de eigenaar is.",
        },
    )
    exam_max_attempts: int = field(
        default=3,
        metadata={
            "env": "OEFENKIT_EXAM_MAX_ATTEMPTS",
            "help": "Hoe vaak een cursist de certificeringstoets per toetsset mag maken.",
        },
    )
    media_dir: Path | None = field(
        default=None,
        metadata={
            "env": "OEFENKIT_MEDIA_DIR",
            "help": "Map voor geüploade fragmenten (originelen, geanonimiseerde clips); "
                    "standaard 'media' in de datamap.",
        },
    )
    upload_max_mb: int = field(
        default=500,
        metadata={
            "env": "OEFENKIT_UPLOAD_MAX_MB",
            "help": "Grootste toegestane upload van een videofragment, in MB.",
        },
    )
    websocket_max_mb: int = field(
        default=10,
        metadata={
            "env": "OEFENKIT_WEBSOCKET_MAX_MB",
            "help": "Grootste bericht tussen een app-pagina en haar kernel (in beide richtingen), in MB.",
        },
    )
    keep_originals: bool = field(
        default=False,
        metadata={
            "env": "OEFENKIT_KEEP_ORIGINALS",
            "help": "Bewaar het origineel van een fragment ook na publicatie (standaard: verwijderen).",
        },
    )
    fork_kernels: bool = field(
        default=True,
        metadata={
            "env": "OEFENKIT_FORK_KERNELS",
            "help": "Start app-kernels als kopie van één voorbereid proces (sneller, minder geheugen); "
                    "0 start elke kernel als nieuw Python-proces. Nooit in de hub-modus.",
        },
    )
    prewarm_kernels: bool = field(
        default=True,
        metadata={
            "env": "OEFENKIT_PREWARM_KERNELS",
            "help": "Start voor een open terugkomdag vooraf de kernels van het verwachte aantal deelnemers; "
                    "0 = pas starten als iemand de pagina opent. Nooit in de hub-modus.",
        },
    )

    @property
    def effective_database_url(self) -> str:
        """The database URL, with the SQLite default filled in."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'oefenkit.sqlite3'}"

    @property
    def effective_media_dir(self) -> Path:
        """The media directory, with the default ``<data_dir>/media`` filled in."""
        return self.media_dir if self.media_dir is not None else self.data_dir / "media"

    @property
    def upload_max_bytes(self) -> int:
        """The upload limit in bytes (``upload_max_mb`` MiB)."""
        return self.upload_max_mb * 1024 * 1024

    @property
    def websocket_max_bytes(self) -> int:
        """The websocket message cap in bytes (``websocket_max_mb`` MiB)."""
        return self.websocket_max_mb * 1024 * 1024

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def ensure_data_dir(self) -> Path:
        """Create the data directory (private to the owner) and return it."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise ConfigurationError(
                f"De datamap {self.data_dir} kan niet worden aangemaakt: {exc.strerror}."
            ) from exc
        return self.data_dir

    def as_env(self) -> dict[str, str]:
        """Environment variables that make a child process (kernel, CLI) use this instance."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if (f.name == "database_url" and not value) or value is None:
                continue
            out[f.metadata["env"]] = str(int(value)) if isinstance(value, bool) else str(value)
        return out


#: Login-session limits (whole hours and days, at least 1; see ``oefenkit/storage/logins.py``).
_SESSION_LIMITS = {"session_idle_hours", "session_max_days"}


def _convert(name: str, raw: str):
    if name in {"port", "kernel_cull_idle_seconds", "exam_max_attempts", "upload_max_mb", "websocket_max_mb",
                "kernel_cull_disconnected_seconds", "max_kernels_per_person", "max_kernels", *_SESSION_LIMITS}:
        try:
            value = int(raw)
        except ValueError as exc:
            raise ConfigurationError(f"Instelling {name} moet een geheel getal zijn, niet {raw!r}.") from exc
        if name in {"exam_max_attempts", "upload_max_mb", "websocket_max_mb", "kernel_cull_disconnected_seconds",
                    "max_kernels_per_person", *_SESSION_LIMITS} and value < 1:
            raise ConfigurationError(f"Instelling {name} moet minstens 1 zijn, niet {raw!r}.")
        if name == "max_kernels" and value < 0:
            raise ConfigurationError(f"Instelling {name} moet 0 of meer zijn, niet {raw!r}.")
        return value
    if name == "base_url":
        return _base_url(raw)
    if name == "organisation":
        value = " ".join(raw.split())
        if len(value) > 120 or any(c in value for c in "<>"):
            raise ConfigurationError(f"Instelling organisation is een naam van hoogstens 120 tekens, niet {raw!r}.")
        return value
    if name == "owned_programmes":
        codes = [c.strip().lower() for c in raw.split(",") if c.strip()]
        if not all(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", c) for c in codes):
            raise ConfigurationError(f"Instelling owned_programmes is een lijst programmacodes met komma's, niet {raw!r}.")
        return ",".join(codes)
    if name in {"secure_cookie", "keep_originals", "hub", "fork_kernels", "prewarm_kernels"}:
        value = raw.strip().lower()
        if value not in {"0", "1", "true", "false", "ja", "nee", "yes", "no"}:
            raise ConfigurationError(f"Instelling {name} moet 0 of 1 zijn, niet {raw!r}.")
        return value in {"1", "true", "ja", "yes"}
    if name.endswith("_dir"):
        return Path(raw).expanduser().resolve()
    return raw


def _base_url(raw: str) -> str:
    """``/``, or an absolute path such as ``/user/anna/`` (always with one trailing slash)."""
    value = raw.strip()
    if (not value.startswith("/") or value.startswith("//") or any(c in value for c in "\\?#\"'<> ")
            or any(part in {".", ".."} for part in value.split("/"))):
        raise ConfigurationError(f"Instelling base_url moet een pad zijn dat met / begint, niet {raw!r}.")
    return value.rstrip("/") + "/"


def site_url(path: str, env: Mapping[str, str] | None = None) -> str:
    """The URL the browser uses for the kit path ``path`` (``/voila/render/...``), below the base URL.

    The server and every app kernel get ``OEFENKIT_BASE_URL`` from :meth:`Settings.as_env`;
    without it the kit lives at ``/``.
    """
    env = os.environ if env is None else env
    raw = env.get("OEFENKIT_BASE_URL")
    base = _base_url(raw) if raw else "/"
    return base + path.lstrip("/")


def load_settings(env: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Build :class:`Settings` from the environment plus explicit overrides.

    ``overrides`` whose value is ``None`` are ignored, so CLI flags that were
    not given fall back to the environment and then to the defaults.
    """
    env = os.environ if env is None else env
    values: dict = {}
    for f in fields(Settings):
        raw = env.get(f.metadata["env"])
        if raw not in (None, ""):
            values[f.name] = _convert(f.name, raw)
    if "data_dir" not in values:
        values["data_dir"] = _default_data_dir(env)
    settings = Settings(**values)
    given = {k: v for k, v in overrides.items() if v is not None}
    if given:
        converted = {k: (_convert(k, str(v)) if isinstance(v, (str, Path)) else v) for k, v in given.items()}
        settings = replace(settings, **converted)
    return settings
