"""A real JupyterHub running the kit, for the hub tests and ``benchmarks/hub_room.py``.

The hub runs ``deploy/jupyterhub/jupyterhub_config.py`` (the file IT staff deploy), with
configurable-http-proxy from npm (``.hub-node/``, installed by ``./kit test``) and PostgreSQL for
both the hub database and the kit database. Only the parts a test machine cannot have are
overridden in a small test configuration: DummyAuthenticator (one shared password: TEST ONLY),
SimpleLocalProcessSpawner instead of SystemdSpawner, and free ports. ``extra_config`` adds lines
to that test configuration (e.g. a service token for the hub's REST API).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import psutil
from sqlalchemy import create_engine, text

from oefenkit.settings import PROJECT_ROOT

from .live_server import _free_port, oefenkit_cmd, wait_until_healthy
from .runtime_env import RUNTIME_BIN
from .test_server_http import Client

__all__ = ["HUB_CONFIG", "CHP", "PASSWORD", "Hub", "HubClient", "running_hub", "pg_database_url"]

HUB_CONFIG = PROJECT_ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
CHP = PROJECT_ROOT / ".hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent
PASSWORD = "hub-test-wachtwoord"  # DummyAuthenticator's shared password (test only)

TEST_CONFIG = """\
# TEST ONLY: the production configuration with a shared password and local processes.
c = get_config()  # noqa: F821
load_subconfig({production!r})  # noqa: F821
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.authenticator_class = "dummy"          # TEST ONLY: anyone with the password
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {users!r}
c.JupyterHub.load_groups = {groups!r}
c.JupyterHub.spawner_class = "simple"               # TEST ONLY: no systemd on a test machine
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r}
{extra}
"""


def pg_database_url(server_url: str, database: str) -> str:
    """The URL of ``database`` on the PostgreSQL server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + "/" + database


@dataclass
class Hub:
    """A running JupyterHub (its own directory, ports and process group)."""

    root: Path
    env: dict
    users: set[str] = field(default_factory=set)
    #: hub groups and their members, e.g. ``{"oefenkit-trainer": {"users": ["anna"]}}``
    groups: dict = field(default_factory=dict)
    extra_config: str = ""
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    kit_url: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        path = self.root / "hub.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def start(self, timeout: float = 60) -> "Hub":
        config = self.root / "jupyterhub_test_config.py"
        config.write_text(TEST_CONFIG.format(
            production=str(HUB_CONFIG), hub_port=_free_port(), api_port=_free_port(), password=PASSWORD,
            users=set(self.users), groups=self.groups, homes=str(self.root / "homes" / "{username}"),
            extra=self.extra_config))
        env = {**self.env, "OEFENKIT_HUB_BIND_URL": self.url}
        self.process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(config)], cwd=self.root, env=env,
            stdout=open(self.root / "hub.log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        wait_until_healthy(self.process, f"{self.url}/hub/health", "jupyterhub", self.log, timeout)
        return self

    def stop(self) -> None:
        """Stop the hub (it stops the user servers), then anything it started that is still alive."""
        if self.process is None:
            return
        try:
            descendants = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            descendants = []
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for proc in descendants:
            try:
                proc.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(descendants, timeout=15)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass


@contextmanager
def running_hub(pg_server: str, root: Path, *, users: set[str], groups: dict | None = None,
                extra_config: str = "", setup: Callable[[Path, str], None] | None = None) -> Iterator[Hub]:
    """A hub and a kit sharing the PostgreSQL server ``pg_server`` (fresh databases ``jupyterhub_*``
    and ``oefenkit_*``, dropped afterwards). The kit database is migrated as deploy/README.md says;
    ``setup(data_dir, kit_url)`` runs after that and before the hub starts (e.g. to register people)."""
    if not CHP.exists():
        raise RuntimeError(f"configurable-http-proxy is not installed at {CHP}: run ./kit test, which installs it.")
    suffix = uuid.uuid4().hex[:8]
    hub_db, kit_db = f"jupyterhub_{suffix}", f"oefenkit_{suffix}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{hub_db}"'))
        conn.execute(text(f'CREATE DATABASE "{kit_db}"'))
    kit_url = pg_database_url(pg_server, kit_db)
    data_dir = root / "kit-data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("OEFENKIT_", "JUPYTERHUB_"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "OEFENKIT_HUB_DB_URL": pg_database_url(pg_server, hub_db),
        "OEFENKIT_DATABASE_URL": kit_url,
        "OEFENKIT_DATA_DIR": str(data_dir),
        "OEFENKIT_HUB_STATE_DIR": str(root),
        "OEFENKIT_HUB_PROXY": str(CHP),
        # each person's kit server as it ships: from the runtime-only environment
        "OEFENKIT_HUB_KIT_BIN": str(RUNTIME_BIN),
    }
    server = Hub(root, env, users=set(users), groups=groups or {}, extra_config=extra_config, kit_url=kit_url)
    try:
        oefenkit_cmd(data_dir, "init", env={"OEFENKIT_DATABASE_URL": kit_url})
        if setup is not None:
            setup(data_dir, kit_url)
        server.start()
        yield server
    finally:
        server.stop()
        with admin.connect() as conn:
            for name in (hub_db, kit_db):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(root / "homes", ignore_errors=True)


class HubClient(Client):
    """A phone's browser under the hub: cookies, redirects followed, the server spawned when it is not
    running. ``request`` paths are relative to the person's server (``/user/<name>``); ``timeout``
    bounds each HTTP request and the wait for a spawn."""

    timeout = 60.0

    def __init__(self, hub_url: str, name: str):
        super().__init__(f"{hub_url}/user/{name}")
        self.hub_url = hub_url
        self.name = name
        self.no_redirect = self.opener
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.spawned = False

    def fetch(self, url: str, data: dict | None = None, *, follow: bool = True):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        opener = self.opener if follow else self.no_redirect
        try:
            response = opener.open(urllib.request.Request(url, data=body, headers=self.headers), timeout=self.timeout)
        except urllib.error.HTTPError as err:
            response = err
        return response.status, response.geturl(), dict(response.headers), response.read().decode("utf-8", "replace")

    def login(self, username: str, password: str, next_url: str = "/"):
        """The hub's login form, without following its redirect (which would start the server)."""
        status, _, _, page = self.fetch(f"{self.hub_url}/hub/login", follow=False)
        if status != 200:
            raise RuntimeError(f"hub login page {status}")
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        status, _, headers, page = self.fetch(f"{self.hub_url}/hub/login?next=",
                                              {"_xsrf": xsrf, "username": username, "password": password},
                                              follow=False)
        return status, headers, page

    def request(self, path: str, data: dict | None = None):
        url = self.base_url + path
        deadline = time.monotonic() + self.timeout
        status, final, headers, page = self.fetch(url, data)
        while time.monotonic() < deadline:
            if status == 424:  # the hub's "server not running" page: its launch link
                self.spawned = True
                target = urllib.parse.urlsplit(url)
                spawn = (f"{self.hub_url}/hub/spawn/{self.name}?"
                         + urllib.parse.urlencode({"next": target.path + (f"?{target.query}" if target.query else "")}))
                status, final, headers, page = self.fetch(spawn)
            elif "/hub/spawn-pending/" in final:  # the pending page waits, then goes on to the app
                time.sleep(0.25)
                status, final, headers, page = self.fetch(url, data)
            else:
                break
        return status, headers, page
