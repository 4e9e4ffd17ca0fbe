# JupyterHub configuration for the Oefenkit on one machine (see deploy/README.md).
#
# Every person's server runs only the Oefenkit apps: jhsingle-native-proxy (the hub's OAuth,
# only the owner gets through) in front of `oefenkit serve --hub` on 127.0.0.1. No JupyterLab,
# no terminals, no notebooks, no code execution: the standalone Voilà server lets the browser
# send only widget messages to the app kernels.
#
# Settings come from the environment (put them in the systemd unit, see deploy/README.md):
#
#   OEFENKIT_HUB_DB_URL      the hub's own database, e.g.
#                            postgresql+psycopg://jupyterhub:WACHTWOORD@127.0.0.1/jupyterhub
#   OEFENKIT_DATABASE_URL    the kit's database, e.g.
#                            postgresql+psycopg://oefenkit:WACHTWOORD@127.0.0.1/oefenkit
#   OEFENKIT_DATA_DIR        the kit's data directory (media), default /var/lib/oefenkit
#   OEFENKIT_HUB_STATE_DIR   the hub's secrets (cookie secret), default /var/lib/jupyterhub
#   OEFENKIT_HUB_BIND_URL    where the hub listens, default http://127.0.0.1:8000 (TLS proxy in front)
#   OEFENKIT_HUB_ADMINS      comma-separated hub user names with the hub's admin panel
#   OEFENKIT_HUB_PROXY       path of configurable-http-proxy, default: found on PATH
#   OEFENKIT_HUB_KIT_BIN     folder holding the `oefenkit` command of the user servers, default the
#                            hub's own environment (the test suite points it at its runtime-only one)
#
# Every other OEFENKIT_* variable of the hub's environment is passed on to the user servers.
#
# Roles: hub group `oefenkit-trainer` -> trainer, `oefenkit-coordinator` -> coordinator,
# everyone else is a cursist. The groups are created below; hub admins put people in them in
# the admin panel (/hub/admin), or an OAuth provider supplies them (see the OAuth example).
# The role is read again from the hub at least every minute.

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file


def _required(name):
    value = os.environ.get(name, "").strip()
    if not value:
        raise SystemExit(f"Oefenkit-hub: zet de omgevingsvariabele {name} (zie deploy/README.md).")
    return value


BIN = Path(sys.executable).parent  # the virtual environment the hub runs from
KIT_BIN = Path(os.environ.get("OEFENKIT_HUB_KIT_BIN") or BIN)
STATE_DIR = Path(os.environ.get("OEFENKIT_HUB_STATE_DIR", "/var/lib/jupyterhub"))
DATA_DIR = os.environ.get("OEFENKIT_DATA_DIR", "/var/lib/oefenkit")

# -- the hub -----------------------------------------------------------------------------------

c.JupyterHub.bind_url = os.environ.get("OEFENKIT_HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.db_url = _required("OEFENKIT_HUB_DB_URL")
c.JupyterHub.cookie_secret_file = str(STATE_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE_DIR / "jupyterhub.pid")
c.ConfigurableHTTPProxy.command = [os.environ.get("OEFENKIT_HUB_PROXY", "configurable-http-proxy")]
# Behind an HTTPS reverse proxy, also set: c.JupyterHub.cookie_options = {"secure": True}

# -- people and roles ---------------------------------------------------------------------------

c.JupyterHub.load_groups = {
    "oefenkit-trainer": {"users": []},
    "oefenkit-coordinator": {"users": []},
}
c.Authenticator.admin_users = {
    name.strip() for name in os.environ.get("OEFENKIT_HUB_ADMINS", "").split(",") if name.strip()
}
# The kit accepts user names of lower-case letters, digits, dot, dash and underscore.
c.Authenticator.username_pattern = r"^[a-z0-9][a-z0-9._-]{0,63}$"

# Example authenticator: NativeAuthenticator (pip install jupyterhub-nativeauthenticator).
# People sign up at /hub/signup; an admin approves them at /hub/authorize.
c.JupyterHub.authenticator_class = "native"
c.NativeAuthenticator.minimum_password_length = 12
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 600
c.Authenticator.allow_all = True  # everyone an admin approved may log in

# Example: log in with the organisation's accounts (pip install oauthenticator), here a generic
# OpenID Connect provider such as Azure AD / Entra ID. The provider's groups claim becomes the
# hub groups, so the Oefenkit role is managed in the organisation's directory.
#
# c.JupyterHub.authenticator_class = "generic-oauth"
# c.GenericOAuthenticator.client_id = os.environ["OEFENKIT_OAUTH_CLIENT_ID"]
# c.GenericOAuthenticator.client_secret = os.environ["OEFENKIT_OAUTH_CLIENT_SECRET"]
# c.GenericOAuthenticator.oauth_callback_url = "https://oefenkit.example.nl/hub/oauth_callback"
# c.GenericOAuthenticator.authorize_url = "https://login.microsoftonline.com/TENANT/oauth2/v2.0/authorize"
# c.GenericOAuthenticator.token_url = "https://login.microsoftonline.com/TENANT/oauth2/v2.0/token"
# c.GenericOAuthenticator.userdata_url = "https://graph.microsoft.com/oidc/userinfo"
# c.GenericOAuthenticator.scope = ["openid", "profile", "email"]
# c.GenericOAuthenticator.username_claim = "preferred_username"   # map to [a-z0-9._-]
# c.GenericOAuthenticator.manage_groups = True
# c.GenericOAuthenticator.auth_state_groups_key = "oauth_user.groups"
# c.GenericOAuthenticator.allowed_groups = {"oefenkit-cursist", "oefenkit-trainer", "oefenkit-coordinator"}
# c.GenericOAuthenticator.admin_groups = {"oefenkit-beheer"}

# -- each person's server: only the Oefenkit ---------------------------------------------------

c.Spawner.cmd = [
    # jhsingle-native-proxy, with its websocket origin check fixed for Tornado 6.6
    str(BIN / "python"), "-m", "oefenkit.server.hubproxy",
    "--ip", "127.0.0.1",             # the hub's proxy connects on this machine
    "--destport", "0",               # a free port for the kit server, passed as {port}
    "--authtype", "oauth",           # the hub's OAuth: only the owner (and admins with access)
    "--ready-check-path", "/oefenkit/health",
    "--ready-timeout", "120",
    "--request-timeout", "300",
    "--last-activity-interval", "300",
    "--no-force-alive",              # report activity only when the person uses the apps (culling)
    "--websocket-max-message-size", str(64 * 1024 * 1024),
    "--",
    str(KIT_BIN / "oefenkit"), "serve", "--hub", "--host", "127.0.0.1", "--port", "{port}",
    "--base-url", "{base_url}/",
]
c.Spawner.args = []
c.Spawner.default_url = ""
c.Spawner.environment = {
    **{k: v for k, v in os.environ.items() if k.startswith("OEFENKIT_") and not k.startswith("OEFENKIT_HUB")},
    "OEFENKIT_DATABASE_URL": _required("OEFENKIT_DATABASE_URL"),
    "OEFENKIT_DATA_DIR": DATA_DIR,
    # The kit server starts the app kernels itself; they must not look for user Jupyter config.
    "JUPYTER_PLATFORM_DIRS": "1",
}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# Production on one machine: SystemdSpawner (pip install jupyterhub-systemdspawner; the hub runs
# as root). Every server runs as the system user `oefenkit` (they only run the kit's own code and
# share its database anyway), each in its own systemd unit with a memory and CPU limit.
c.JupyterHub.spawner_class = "systemd"
c.SystemdSpawner.username_template = "oefenkit"
c.SystemdSpawner.user_workingdir = DATA_DIR
c.SystemdSpawner.mem_limit = os.environ.get("OEFENKIT_HUB_MEM_LIMIT", "1G")
c.SystemdSpawner.cpu_limit = float(os.environ.get("OEFENKIT_HUB_CPU_LIMIT", "1.0"))
c.SystemdSpawner.isolate_tmp = True
c.SystemdSpawner.disable_user_sudo = True
c.SystemdSpawner.unit_name_template = "oefenkit-{USERNAME}"

# Stop servers nobody used for an hour (pip install jupyterhub-idle-culler):
#
# c.JupyterHub.load_roles = [{
#     "name": "idle-culler",
#     "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
#     "services": ["idle-culler"],
# }]
# c.JupyterHub.services = [{
#     "name": "idle-culler",
#     "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600"],
# }]
