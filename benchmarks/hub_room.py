"""A terugkomdag room under JupyterHub: N hub users open "Terugkomdag: meedoen" at the same moment.

A real JupyterHub as ``tests/browser/test_hub.py`` starts it (``tests/hub_server.py``: the kit's own
``deploy/jupyterhub/jupyterhub_config.py`` with a shared test password, SimpleLocalProcessSpawner,
configurable-http-proxy from ``.hub-node/``, PostgreSQL for the hub and the kit), with N hub users.
Each client is a thread with its own cookie jar; it logs in at the hub's form first, untimed (the
phones are logged in before the trainer shows the code; the login does not start a server). Then,
at one start signal, every client opens ``/user/<name>/voila/render/training/terugkomdag.ipynb``
as a browser does, following redirects:

- the server is not running: the hub answers 424 ("server not running"); the client opens the
  page's spawn link ``/hub/spawn/<name>?next=…`` and, while the hub shows its spawn-pending page,
  asks again every 0.25 s (the pending page's own wait), until the app comes back;
- the server runs: jhsingle-native-proxy's OAuth round through the hub, then the kit renders the app.

Then the client connects the page's kernel websocket and asks for the widget states, exactly as
``benchmarks/room.py`` does (its ``Phone`` and ``has_code_field``, with ``tests/security/kernel_ws.py``):
**usable** when the page's HTML holds the widget view and the ``request_states`` reply holds the
join-code field. Time from the start signal; a client that gets no usable page within ``--timeout``
counts as failed.

Three scenarios per room size:

- ``cold``: no server runs at the signal; the spawn is part of the wait.
- ``prespawned``: before the signal, every server is started through the hub's REST API,
  ``POST /hub/api/users/<name>/server`` with a service token whose role has the scope ``servers``
  (what the trainer's "Terugkomdag leiden" could trigger); the time until all are ready is reported
  as the trainer's wait, then ``--settle`` seconds pass before the signal.
- ``warmed``: pre-spawned, and then every person's server has rendered
  the app once (untimed, two at a time; that page's kernel is shut down again). The kit does not do this
  today; the scenario shows what a warm-up inside each server after its start could give at most
  (server-side caches warm, the OAuth cookie set; the app kernel still starts at the signal).

Memory after every client is usable: RSS and PSS of the hub and all its descendants (the
hub, configurable-http-proxy, per person jhsingle-native-proxy, the kit server and its app
kernels), with a breakdown per kind. CPU seconds (user + system) of that tree during the room.

Run: ``.venv/bin/python benchmarks/hub_room.py`` (N = 10, all three scenarios; ``--sizes 10,30``; ``--scenarios cold``).
Needs ``.hub-node/`` (``./kit test`` installs it) and Debian's PostgreSQL. Figures go to
``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import platform
import re
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from benchmarks.room import (  # noqa: E402
    APP,
    MIB,
    Phone,
    join_at_once,
    stop_cleanly_on_sigterm,
    timings,
    tree_cpu,
    tree_memory,
    username,
)
from tests.hub_server import PASSWORD, Hub, HubClient, running_hub  # noqa: E402

SERVICE = "oefenkit-terugkomdag"
#: The service and role the "prespawned" scenario uses: what deploy/README.md advises.
SERVICE_CONFIG = """\
c.JupyterHub.services = [{{"name": {service!r}, "api_token": {token!r}}}]
c.JupyterHub.load_roles = [{{"name": {service!r}, "scopes": ["servers"], "services": [{service!r}]}}]
"""


class HubPhone(Phone):
    """``benchmarks/room.py``'s phone, logged in at the hub and opening the app on its own server."""

    def __init__(self, hub_url: str, index: int):
        super().__init__(f"{hub_url}/user/{username(index)}", index)
        self.client = HubClient(hub_url, username(index))

    def login(self) -> None:
        status, _, page = self.client.login(username(self.index), PASSWORD)  # the hub's test password
        if status != 302:
            raise RuntimeError(f"hub login of {username(self.index)} gave {status}: {page[:200]!r}")


def api(hub: Hub, token: str, method: str, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{hub.url}/hub/api{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    try:
        response = urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    body = response.read()
    return response.status, (json.loads(body) if body.strip() else {})


def prespawn(hub: Hub, token: str, names: list[str], timeout: float) -> float:
    """Start every server through the hub's REST API at once, as the trainer's page could; the seconds
    until all are ready."""
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(names)) as pool:
        for name, (status, body) in zip(names, pool.map(lambda n: api(hub, token, "POST", f"/users/{n}/server"), names)):
            if status not in (201, 202):
                raise RuntimeError(f"POST /users/{name}/server gave {status}: {body}")
    waiting = set(names)
    while waiting and time.monotonic() - started < timeout:
        for name in sorted(waiting):
            status, body = api(hub, token, "GET", f"/users/{name}")
            if status != 200:
                raise RuntimeError(f"GET /users/{name} gave {status}: {body}")
            server = body.get("servers", {}).get("")
            if server and server.get("ready"):
                waiting.discard(name)
        time.sleep(0.25)
    if waiting:
        raise RuntimeError(f"{len(waiting)} servers not ready after {timeout:.0f} s")
    return time.monotonic() - started


def warm_up(phone: HubPhone) -> None:
    """Open the app once on the phone's server and shut that page's kernel down again, as the page's
    close does (``DELETE /api/kernels/<id>`` with the kit's XSRF cookie)."""
    status, _, page = phone.client.request(APP)
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', page) if status == 200 else None
    if kernel_id is None:
        raise RuntimeError(f"warm-up page {status}: {page[:200]!r}")
    xsrf = next(c.value for c in phone.client.jar if c.name == "_xsrf" and c.path.startswith("/user/"))
    request = urllib.request.Request(f"{phone.base_url}/api/kernels/{kernel_id.group(1)}", method="DELETE",
                                     headers={"X-XSRFToken": xsrf})
    with phone.client.opener.open(request, timeout=60) as response:
        if response.status != 204:
            raise RuntimeError(f"warm-up kernel shutdown gave {response.status}")


def kind(proc: psutil.Process) -> str:
    cmd = " ".join(proc.cmdline())
    if "configurable-http-proxy" in cmd:
        return "proxy"
    if "oefenkit.server.hubproxy" in cmd:
        return "jhsingle-native-proxy"
    if "ipykernel" in cmd or "zygote" in cmd:
        return "kernels"
    if "oefenkit" in cmd and "serve" in cmd:
        return "kit servers"
    if "jupyterhub" in cmd:
        return "hub"
    return "other"


def memory_by_kind(pid: int) -> dict[str, tuple[int, float]]:
    """Per kind of process in the hub's tree: how many, and their PSS in MiB."""
    root = psutil.Process(pid)
    out: dict[str, list] = {}
    for proc in [root, *root.children(recursive=True)]:
        try:
            name, pss = kind(proc), getattr(proc.memory_full_info(), "pss", 0)
        except psutil.Error:
            continue
        entry = out.setdefault(name, [0, 0.0])
        entry[0] += 1
        entry[1] += pss / MIB
    return {k: (v[0], v[1]) for k, v in out.items()}


def run_room(hub: Hub, n: int, scenario: str, token: str, timeout: float, settle: float) -> dict:
    phones = [HubPhone(hub.url, i) for i in range(n)]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:  # untimed: the room is logged in already
        list(pool.map(HubPhone.login, phones))
    result: dict = {"n": n, "scenario": scenario, "load_before": os.getloadavg()[0]}
    if scenario in ("prespawned", "warmed"):
        cpu_before = sum(tree_cpu(hub.process.pid))
        result["prespawn_s"] = prespawn(hub, token, [username(i) for i in range(n)], timeout)
        result["prespawn_cpu"] = sum(tree_cpu(hub.process.pid)) - cpu_before
        if scenario == "warmed":  # each server has rendered the app once (that kernel is shut down)
            cpu_before = sum(tree_cpu(hub.process.pid))
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                list(pool.map(warm_up, phones))
            result["warmup_cpu"] = sum(tree_cpu(hub.process.pid)) - cpu_before
        time.sleep(settle)
    room = join_at_once(phones, hub.process.pid, timeout)
    result.update(room_hub_cpu=room["room_server_cpu"], room_tree_cpu=room["room_kernel_cpu"],
                  room_client_cpu=room["room_client_cpu"], load_after=os.getloadavg()[0])
    time.sleep(1.0)  # let the kernels settle before reading memory
    result.update(tree_memory(hub.process.pid), by_kind=memory_by_kind(hub.process.pid))
    for p in phones:
        p.close()
    if scenario == "cold":
        assert all(p.client.spawned for p in phones if p.usable_s is not None), "a cold phone found its server running"
    else:
        assert not any(p.client.spawned for p in phones), f"a {scenario} phone found its server not running"
    result.update(timings(phones))
    return result


def main(argv=None) -> int:
    stop_cleanly_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10", help="room sizes, comma-separated")
    parser.add_argument("--scenarios", default="cold,prespawned,warmed",
                        help="comma-separated: cold, prespawned, warmed")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a phone may take")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds between the pre-spawn and the room")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    scenarios = [s.strip() for s in args.scenarios.split(",")]
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    from tests.pg_server import PostgresServer

    pg = PostgresServer().start()
    failed = False
    try:
        for n in sizes:
            for scenario in scenarios:
                token = secrets.token_hex(32)
                with tempfile.TemporaryDirectory() as tmp:
                    with running_hub(pg.url, Path(tmp), users={username(i) for i in range(n)},
                                     extra_config=SERVICE_CONFIG.format(service=SERVICE, token=token)) as hub:
                        time.sleep(args.settle)  # let the hub and its proxy finish starting
                        idle = tree_memory(hub.process.pid)
                        r = run_room(hub, n, scenario, token, args.timeout, args.settle)
                        Path(f"/tmp/hub-room-{scenario}-{n}.log").write_text(hub.log())
                kinds = ", ".join(f"{k} {c}× {m:,.0f}" for k, (c, m) in sorted(r["by_kind"].items()))
                pre = (f"  pre-spawn of {n} servers: {r['prespawn_s']:.1f} s, {r['prespawn_cpu']:.0f} CPU s"
                       if "prespawn_s" in r else "")
                if "warmup_cpu" in r:
                    pre += f"; warm-up pages {r['warmup_cpu']:.0f} CPU s"
                print(f"N={n:>3} {scenario:<10}  usable p50 {r['p50']:.2f} s  p95 {r['p95']:.2f} s  "
                      f"max {r['max']:.2f} s  (page p50 {r['page_p50']:.2f} s)  failed {r['failed']}{pre}\n"
                      f"        hub tree RSS {r['rss'] / MIB:,.0f} MiB  PSS {r['pss'] / MIB:,.0f} MiB "
                      f"({r['processes']} processes; idle hub before {idle['pss'] / MIB:,.0f} MiB PSS); "
                      f"PSS MiB per kind: {kinds}\n"
                      f"        CPU s in the room: hub {r['room_hub_cpu']:.1f}, rest of the tree "
                      f"{r['room_tree_cpu']:.1f}, clients {r['room_client_cpu']:.1f}; load average "
                      f"{r['load_before']:.1f} before, {r['load_after']:.1f} after", flush=True)
                for err in r["errors"]:
                    print(f"        e.g. {err}")
                failed = failed or bool(r["failed"])
    finally:
        pg.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
