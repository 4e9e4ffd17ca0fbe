"""The Voilà application with the kit's login, routes and hook, and :func:`serve`."""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
from pathlib import Path

import jinja2
import tornado.ioloop
from jupyter_core.utils import ensure_async
from traitlets import Instance, default
from traitlets.config import Config
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from ..errors import ConfigurationError
from ..instance import open_kit
from ..settings import Settings
from ..storage.kit import Kit
from .auth import OefenkitIdentityProvider
from .certificates import CERTIFICATE_SETTING, certificate_issuer
from .handlers import NotFoundHandler, routes
from .hooks import make_prelaunch_hook
from .hub import HubIdentityProvider
from .kernel_routes import OefenkitRenderHandler, kernel_routes
from .kernels import OefenkitKernelManager
from .kernelws import SETTING as WEBSOCKET_MAX_SETTING
from .templates import install as share_compiled_templates
from .templates import warm as warm_templates

__all__ = ["OefenkitVoila", "TEMPLATES_DIR", "voila_config", "cookie_secret", "serve"]

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
#: Replacements for parts of Voilà's page template: the Dutch loading screen ("Even geduld").
VOILA_TEMPLATES_DIR = Path(__file__).resolve().parent / "voila_templates"
COOKIE_SECRET_FILE = "cookie-secret"


class OefenkitVoila(Voila):
    """Voilà serving ``notebooks/`` behind the kit's login."""

    name = "oefenkit"
    kit = Instance(Kit, allow_none=True)

    @default("identity_provider_class")
    def _identity_provider_class_default(self):
        return OefenkitIdentityProvider

    def init_settings(self):
        settings = super().init_settings()
        # Our Dutch login, logout and error pages come first for every handler.
        ours = jinja2.FileSystemLoader(str(TEMPLATES_DIR))
        for key in ("voila_jinja2_env", "jinja2_env"):
            env = settings[key]
            env.loader = jinja2.ChoiceLoader([ours, env.loader])
        settings["oefenkit_pages"] = jinja2.Environment(loader=ours, autoescape=True)
        return settings

    def setup_template_dirs(self):
        super().setup_template_dirs()
        # searched first: our spinner and setup macros replace Voilà's (English "Running …")
        self.template_paths = [str(VOILA_TEMPLATES_DIR), *self.template_paths]

    def init_handlers(self):
        # Tornado takes the first matching rule: the kit's routes shadow Voilà's. Kernel routes are
        # for the kernel's owner only, and the kernel websocket is the kit's own (v1 framing only,
        # checked frames, size caps; kernelws.py). The page handler shows the Dutch busy page (kernels.py).
        voila = [(rule[0], OefenkitRenderHandler, *rule[2:]) if rule[1] is TornadoVoilaHandler else rule
                 for rule in super().init_handlers()]
        return routes() + kernel_routes() + voila

    def initialize(self, argv=None):
        super().initialize(argv)
        share_compiled_templates()  # pages reuse the compiled lab templates (templates.py)
        # ... compiled now, in the background, rather than by the first pages together
        threading.Thread(target=self._warm_templates, name="oefenkit-warm-templates", daemon=True).start()
        quiet = QuietStartFilter()
        for logger in (self.log, logging.getLogger("tornado.general")):
            logger.addFilter(quiet)
        # Voilà only stops its loop on SIGTERM and leaves the app kernels running
        # (they live in their own sessions). Stop them too, on SIGTERM and Ctrl+C.
        signal.signal(signal.SIGTERM, self._handle_signal_stop)
        signal.signal(signal.SIGINT, self._handle_signal_stop)

    def _warm_templates(self):
        try:
            count = warm_templates(self.template_paths, self.voila_configuration.template, self.config)
            self.log.debug("Compiled %d page templates ahead of the first page.", count)
        except Exception:  # noqa: BLE001 - the pages compile them themselves
            self.log.warning("Could not compile the page templates ahead", exc_info=True)

    def _handle_signal_stop(self, sig, frame):
        self.log.info("Signal %s: stopping kernels and server.", sig)
        loop = tornado.ioloop.IOLoop.current().asyncio_loop
        loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._stop_kernels_and_loop()))

    async def _stop_kernels_and_loop(self):
        try:
            await asyncio.wait_for(ensure_async(self.kernel_manager.shutdown_all(now=True)), 15)
        except Exception:  # noqa: BLE001 - shutting down anyway; log and go on
            self.log.exception("Could not stop all kernels")
        if getattr(self.kernel_manager, "kernel_parent", None) is not None:
            self.kernel_manager.kernel_parent.stop()
        tornado.ioloop.IOLoop.current().stop()


class QuietStartFilter(logging.Filter):
    """Drops the start-up chatter of Voilà and Tornado that says nothing to an administrator (and is
    English): where connection files and static files are, that the kit's own notebooks are "not
    trusted" (Voilà runs them anyway; trust only concerns JupyterLab), and Tornado's note about
    jupyter_server's websocket ping defaults. Real warnings and errors still pass."""

    NOISE = ("is not trusted", "Storing connection files in", "Serving static files from", "Voilà is running at",
             "websocket_ping_timeout")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(noise in message for noise in self.NOISE)


#: IPython configuration of the app kernels (``$IPYTHONDIR/profile_default``), written at start.
KERNEL_IPYTHON_CONFIG = """\
# Written by `oefenkit serve`; changes are overwritten at the next start.
# The kernels listen on loopback only and their keys are in 0600 connection files in the private
# data directory, so ipykernel's warning about TCP without encryption is noise at every page.
c.IPKernelApp.log_level = "ERROR"
# No command history: app kernels run the kit's notebooks, nobody types into them, and 30 kernels
# writing one history file only cost time.
c.HistoryManager.enabled = False
"""


def kernel_ipython_dir(data_dir: Path) -> Path:
    """The app kernels' IPYTHONDIR in the private data directory, with the kit's kernel config."""
    profile = data_dir / "runtime" / "ipython" / "profile_default"
    for folder in (profile.parent.parent, profile.parent, profile):  # each private (0700), as runtime/ is
        folder.mkdir(mode=0o700, exist_ok=True)
    (profile / "ipython_kernel_config.py").write_text(KERNEL_IPYTHON_CONFIG)
    return profile.parent


#: Longest path of a Unix socket (sockaddr_un), and what Voilà and jupyter_client add to the connection
#: directory for a kernel's socket: "/voila_XXXXXXXX/kernel-<uuid>-ipc-<n>".
UNIX_SOCKET_PATH_MAX = 107
KERNEL_SOCKET_SUFFIX = len("/voila_12345678/kernel-12345678-1234-1234-1234-123456789012-ipc-12345")


def kernel_connection_root(data_dir: Path) -> Path:
    """Where Voilà puts the kernels' connection files and (``ipc`` transport) their sockets: the
    data directory's ``runtime/``, or a new private directory under the system's temporary folder
    when that path would make the sockets' paths too long. Both are mode 0700."""
    runtime = data_dir / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    if len(str(runtime.resolve())) + KERNEL_SOCKET_SUFFIX <= UNIX_SOCKET_PATH_MAX:
        return runtime
    short = Path(tempfile.mkdtemp(prefix="oefenkit-"))  # 0700, removed when the server stops
    atexit.register(shutil.rmtree, short, ignore_errors=True)
    return short


def cookie_secret(data_dir: Path) -> bytes:
    """The persistent cookie secret in the data directory (created once, mode 0600)."""
    path = data_dir / COOKIE_SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(32))
    secret = path.read_bytes()
    if len(secret) < 32:
        raise ConfigurationError(f"{path} is beschadigd; verwijder het bestand en start opnieuw.")
    return secret


def voila_config(settings: Settings, kit: Kit) -> Config:
    """The traitlets configuration of the app server for ``settings``."""
    cfg = Config()
    cfg.Voila.ip = settings.host
    cfg.Voila.port = settings.port
    cfg.Voila.port_retries = 0  # the README promises this port; never drift to another
    cfg.Voila.open_browser = False
    cfg.Voila.root_dir = str(settings.notebooks_dir)
    # Routes are served at /; the browser sees them below base_url (a proxy in front strips it).
    cfg.Voila.base_url = settings.base_url
    cfg.Voila.server_url = "/"
    if settings.hub:
        # The hub logs people in; the kit sets no login cookie, so no persistent secret is needed
        # (and many user servers starting at once must not race to create one file).
        cfg.Voila.identity_provider_class = HubIdentityProvider
        cfg.Voila.cookie_secret = secrets.token_bytes(32)
    else:
        cfg.Voila.cookie_secret = cookie_secret(settings.data_dir)
    # Kernel connection files (they hold the kernels' keys) and the kernels' sockets stay in a
    # private (0700) directory: the data directory's, unless its path is too long for a socket.
    cfg.Voila.connection_dir_root = str(kernel_connection_root(settings.data_dir))
    cfg.Voila.tornado_settings = {
        "headers": {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "SAMEORIGIN",
        },
        WEBSOCKET_MAX_SETTING: settings.websocket_max_bytes,
        # Unknown URLs get the kit's Dutch 404 page instead of Tornado's English one.
        "default_handler_class": NotFoundHandler,
        # Who issues the certificates and who owns each programme (certificates.py)
        CERTIFICATE_SETTING: certificate_issuer(settings),
    }
    if settings.secure_cookie:
        cfg.OefenkitIdentityProvider.secure_cookie = True
    cfg.VoilaConfiguration.prelaunch_hook = make_prelaunch_hook(kit)
    cfg.VoilaConfiguration.file_allowlist = []  # /voila/files serves without authentication
    cfg.VoilaConfiguration.show_tracebacks = False
    cfg.VoilaConfiguration.strip_sources = True
    cfg.VoilaConfiguration.preheat_kernel = False  # incompatible with prelaunch_hook
    # Kernels talk to the server over Unix sockets in the private runtime directory, not TCP ports on
    # loopback: with a room of 30 opening at once, a "free" port picked for a kernel was taken by an
    # outgoing connection before the kernel bound it ("Address already in use"), the restarter hit
    # the same, and that page never answered (benchmarks/room.py). No ports also means no other local
    # user can even reach a kernel's sockets.
    cfg.KernelManager.transport = "ipc"
    cfg.MappingKernelManager.cull_idle_timeout = settings.kernel_cull_idle_seconds
    cfg.MappingKernelManager.cull_interval = 60
    cfg.MappingKernelManager.cull_connected = False  # a connected page is culled by the kit's rules
    # An error message from a kernel reaches the page without its traceback (docs/security.md).
    cfg.MappingKernelManager.allow_tracebacks = False
    # Kernel owners, live access, limits (kernels.py, docs/security.md "Kernels").
    cfg.VoilaConfiguration.multi_kernel_manager_class = OefenkitKernelManager
    cfg.OefenkitKernelManager.max_per_person = settings.max_kernels_per_person
    cfg.OefenkitKernelManager.max_kernels = settings.max_kernels
    cfg.OefenkitKernelManager.cull_disconnected_seconds = settings.kernel_cull_disconnected_seconds
    # App kernels are forked from one pre-imported kernel parent (docs/architecture.md "Kernel
    # start-up"); OEFENKIT_FORK_KERNELS=0 starts each as a new Python, as before. Not under the hub:
    # there each person has their own server, and a parent per person would cost more than it saves.
    cfg.OefenkitKernelManager.fork_kernels = settings.fork_kernels and not settings.hub
    # Kernels started ahead for the people an open live session expects (docs/architecture.md
    # "Kernels started before the room arrives"). Not under the hub: each person has their own server.
    cfg.OefenkitKernelManager.prewarm = settings.prewarm_kernels and not settings.hub
    # nbclient waits 4 s for a cell's output after its reply and then drops what comes later: under a
    # room joining at once, pages came back without their app (benchmarks/room.py). Wait longer.
    cfg.VoilaExecutor.iopub_timeout = 60
    return cfg


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise ConfigurationError(
                f"Poort {port} op {host} is al in gebruik (draait de kit al?). Kies een andere met --port."
            ) from exc


def serve(settings: Settings) -> None:
    """Run the app server in the foreground until interrupted."""
    settings.ensure_data_dir()
    if settings.hub and settings.host not in {"127.0.0.1", "localhost", "::1"}:
        raise ConfigurationError("In de hub-modus luistert de kit alleen op 127.0.0.1 "
                                 "(jhsingle-native-proxy staat ervoor).")
    if not (settings.notebooks_dir / "start.ipynb").is_file():
        raise ConfigurationError(f"Geen apps gevonden in {settings.notebooks_dir}.")
    _check_port_free(settings.host, settings.port)
    # App kernels inherit the environment: make them use this instance.
    os.environ.update(settings.as_env())
    os.environ["IPYTHONDIR"] = str(kernel_ipython_dir(settings.data_dir))
    kit = open_kit(settings)
    app = OefenkitVoila(config=voila_config(settings, kit), kit=kit)
    app.initialize(argv=[])
    print(f"Oefenkit draait op http://{settings.host}:{settings.port}/ (stoppen: Ctrl+C)", flush=True)
    app.start()
