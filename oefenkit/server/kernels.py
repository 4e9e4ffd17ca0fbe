"""App kernels under the server's control: owners, live access, limits.

Every kernel the kit starts belongs to one person and one app (:class:`KernelOwner`): the
prelaunch hook (``hooks.py``) knows both and hands them to :class:`OefenkitKernelManager`
through :data:`PENDING_OWNER` (a context variable of the page request; Voilà starts the kernel
later in the same request). The server keeps the owners in memory: kernels never outlive the
server (``OefenkitVoila`` stops them on exit).

* **Owner only.** :func:`~oefenkit.server.kernel_routes.require_kernel_owner` is the one check of every kernel route the kit
  serves (``/api/kernels`` and ``/api/kernels/<id>`` GET/DELETE, ``/interrupt``, ``/restart``,
  Voilà's ``/voila/api/shutdown/<id>`` and the ``/channels`` websocket): the logged-in person must
  be the owner and must still be allowed to open the kernel's app. Anyone else gets 404 (the
  same answer as for an unknown id), and a refused attempt on a live kernel is audited
  (``kernel.access_refused``).
* **Live access.** Every ``watch_interval`` (1 s) the manager re-reads the owners of all live
  kernels in one query; a kernel whose owner was deactivated or may no longer open its app, or
  whose login session ended (logout, "Overal afmelden", a new password), is shut down
  ``revoke_grace_seconds`` later (the page shows "Geen toegang" first, see
  ``oefenkit.kernel.start_access_watch``).
* **Limits.** At most ``max_per_person`` kernels per person: starting one more shuts down that
  person's oldest idle kernel first (no websocket connected, else the least recent activity) and
  tells the new page. A server-wide cap (``max_kernels``, or derived from available memory and
  the size of the largest live kernel) answers a page load past it with the Dutch "Even geduld"
  page (503, ``Retry-After``), which tries again by itself every few seconds and shows its
  progress. A kernel without a connected websocket for ``cull_disconnected_seconds`` is shut down.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from jupyter_client.session import Session
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import IOLoop
from traitlets import Bool, Float, Int, Unicode, default

from ..apps import APPS, app_for_path
from ..errors import NotFound
from ..kernel import OLDER_PAGE_CLOSED_ENV
from ..permissions import can
from .kernel_routes import OefenkitRenderHandler, OwnedKernelWebsocketHandler
from .kernelparent import KernelParent

__all__ = ["KernelOwner", "PENDING_OWNER", "PENDING_BINDING", "PendingBinding", "WarmKernel",
           "OefenkitKernelManager", "available_memory"]

log = logging.getLogger(__name__)

MIB = 1024 * 1024
#: Size assumed for a kernel before any could be measured (facts.md: 53–198 MiB).
DEFAULT_KERNEL_BYTES = 200 * MIB
#: Memory kept free for the server, the database and the system when deriving the cap.
MEMORY_RESERVE_BYTES = 512 * MIB

_APPS = {app.id: app for app in APPS}


@dataclass(frozen=True)
class KernelOwner:
    username: str
    app_id: str
    started: float = 0.0  # time.time() when the kernel started
    #: The login session (row id) that opened the page; None under the hub. Ending that session
    #: (logout, "Overal afmelden", a new password) also closes the page.
    login_session: int | None = None


#: The owner of the kernel the current page request is about to start (set by the prelaunch hook).
PENDING_OWNER: contextvars.ContextVar[KernelOwner | None] = contextvars.ContextVar("oefenkit_kernel_owner",
                                                                                    default=None)


@dataclass(frozen=True)
class PendingBinding:
    """The page's binding cell (the notebook's first cell, ``hooks.py``) and how to rewrite it with an
    environment: a kernel started ahead learns its page's request variables from that cell."""

    cell: Any
    source_with: Callable[[dict[str, str | None]], str]


#: The binding cell of the page request about to start a kernel (set by the prelaunch hook).
PENDING_BINDING: contextvars.ContextVar[PendingBinding | None] = contextvars.ContextVar("oefenkit_binding",
                                                                                        default=None)


@dataclass
class WarmKernel:
    """A kernel started ahead for a live session's participants: running, never given to a page."""

    kernel_id: str
    kernel_name: str
    path: str
    env: dict[str, str]


# -- memory ----------------------------------------------------------------------------------------


def available_memory() -> int | None:
    """Bytes this machine (or its cgroup, if tighter) can still give, or None if unknown."""
    values = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                values.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            values.append(int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(values) if values else None


def _last_activity(kernel) -> float | None:
    """The kernel's last activity as a timestamp; None while it is still starting (the trait is
    only set once the start finished, and reading it unset raises)."""
    try:
        last = kernel.last_activity if kernel is not None else None
    except Exception:  # noqa: BLE001 - traitlets raises TraitError for the unset trait
        return None
    return last.timestamp() if last else None


def _rss(pid: int | None) -> int | None:
    if not pid:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _kernel_spec_of(root: Path, notebook: str) -> tuple[str, str]:
    """(kernel spec name, directory as an API path) of ``notebook`` below ``root``, as Voilà passes
    them when it starts the notebook's kernel."""
    try:
        metadata = json.loads((root / notebook).read_text(encoding="utf-8")).get("metadata", {})
        name = metadata.get("kernelspec", {}).get("name") or "python3"
    except (OSError, ValueError):
        name = "python3"
    return name, os.path.dirname(notebook)


# -- the kernel manager ----------------------------------------------------------------------------


class OefenkitKernelManager(AsyncMappingKernelManager):
    """Voilà's kernel manager plus owners, the live access watch and the limits (module docstring)."""

    max_per_person = Int(4, config=True, help="Kernels one person may have; one more closes their oldest idle one.")
    max_kernels = Int(0, config=True, help="Kernels the server runs at most; 0 derives the cap from memory.")
    cull_disconnected_seconds = Float(120.0, config=True,
                                      help="Shut down a kernel this long without a connected websocket.")
    revoke_grace_seconds = Float(3.0, config=True,
                                 help="Time a page whose person lost access gets to show its notice.")
    watch_interval = Float(1.0, config=True, help="Seconds between two runs of the kernel watch.")
    fork_kernels = Bool(False, config=True,
                        help="Fork app kernels from a pre-imported kernel parent (kernelparent.py, zygote.py).")
    prewarm = Bool(False, config=True,
                   help="Start the participant app's kernels ahead for the people open live sessions expect.")
    prewarm_notebook = Unicode("training/terugkomdag.ipynb", config=True,
                               help="The app (notebook path below the root) whose kernels are started ahead.")
    prewarm_max = Int(60, config=True, help="Kernels started ahead at most (whatever the sessions expect).")
    prewarm_interval = Float(1.0, config=True, help="Seconds between two looks at what the sessions expect.")

    @default("kernel_manager_class")
    def _default_kernel_manager_class(self):
        return "oefenkit.server.kernelparent.ForkingKernelManager"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        #: The pre-imported process that forks kernels (None: every kernel is a new Python).
        self.kernel_parent: KernelParent | None = None
        if self.fork_kernels:
            self.kernel_parent = KernelParent(self.root_dir).start()
        self.owners: dict[str, KernelOwner] = {}
        self._disconnected_since: dict[str, float] = {}
        self._revoked_since: dict[str, float] = {}
        self._closing: set[str] = set()
        self._watch: asyncio.Task | None = None
        #: Kernels started ahead, oldest first (``fill_pool_once``); none has been given to a page.
        self.warm: list[WarmKernel] = []
        self._pool_task: asyncio.Task | None = None
        self._filling = False
        if self.prewarm:
            # From the server's start, on its loop: after a restart during a terugkomdag the kernels are
            # started ahead again before the phones reconnect.

            IOLoop.current().add_callback(self.start_pool)

    @property
    def kit(self):
        return getattr(self.parent, "kit", None)

    # -- starting and stopping --

    def kernels_of(self, username: str) -> list[str]:
        return [kid for kid, o in self.owners.items() if o.username == username and kid in self
                and kid not in self._closing]

    def live_count(self) -> int:
        """Kernels of pages (kernels started ahead are not counted: their memory is already taken, so
        :meth:`capacity` leaves it out too, and handing one to a page adds no kernel)."""
        warm = self._warm_ids()
        return sum(1 for kid in self.list_kernel_ids() if kid not in self._closing and kid not in warm)

    def _warm_ids(self) -> set[str]:
        return {w.kernel_id for w in self.warm}

    def _idle_order(self, kernel_ids: list[str]) -> list[str]:
        """Oldest idle first: kernels without a connected websocket before connected ones, then by
        least recent activity."""
        def key(kid):
            last = _last_activity(self._kernels.get(kid))
            return (self._kernel_connections.get(kid, 0) > 0, last or 0.0)
        return sorted(kernel_ids, key=key)

    def start_watching_activity(self, kernel_id):
        """jupyter_server's activity watch (last activity on every IOPub message, the execution state
        from status messages), with the same rules, reading only the frames it needs.

        jupyter_server deserialises every message in full, parsing its dates with dateutil: ≈ 9 % of the
        server's CPU while a room of 30 opened the participant page. Here the signature is checked as
        the session does, and only the header, the parent header and (for a status) the content are
        read, with the standard JSON parser."""


        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()
        session = Session(config=kernel.session.config, key=kernel.session.key)

        def record_activity(msg_list):
            _idents, frames = session.feed_identities(msg_list)
            if len(frames) < 5 or (session.auth is not None
                                   and not hmac.compare_digest(session.sign(frames[1:5]), frames[0])):
                return  # not a message from this kernel
            header, parent = json.loads(frames[1]), json.loads(frames[2])
            msg_type, parent_msg_type = header.get("msg_type"), parent.get("msg_type")
            if (self.track_message_type(msg_type) or self.track_message_type(parent_msg_type)
                    or kernel.execution_state == "busy"):
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                execution_state = json.loads(frames[4]).get("execution_state")
                if self.track_message_type(parent_msg_type):
                    kernel.execution_state = execution_state
                elif kernel.execution_state == "starting" and execution_state != "starting":
                    kernel.execution_state = "idle"  # as jupyter_server: normalised after starting

        kernel._activity_stream.on_recv(record_activity)

    async def start_kernel(self, *args, **kwargs):
        owner = PENDING_OWNER.get()
        culled = 0
        if owner is not None:
            PENDING_OWNER.set(None)  # one kernel per page request
            mine = self.kernels_of(owner.username)
            for kid in self._idle_order(mine)[: max(0, len(mine) - self.max_per_person + 1)]:
                log.info("Closing %s's oldest idle kernel %s (limit %d per person)", owner.username, kid,
                         self.max_per_person)
                await self._close(kid, "per-person limit")
                culled += 1
            if culled:
                kwargs["env"] = {**(kwargs.get("env") or {}), OLDER_PAGE_CLOSED_ENV: "1"}
        binding = PENDING_BINDING.get()
        PENDING_BINDING.set(None)
        kernel_id = self._take_warm(kwargs, binding) if owner is not None and not args else None
        if kernel_id is None:
            kernel_id = await super().start_kernel(*args, **kwargs)
        if owner is not None:
            self.owners[kernel_id] = KernelOwner(owner.username, owner.app_id, time.time(), owner.login_session)
        self._disconnected_since[kernel_id] = time.time()
        self._ensure_watch()
        return kernel_id

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._forget(kernel_id)

    def _forget(self, kernel_id: str) -> None:
        self.warm = [w for w in self.warm if w.kernel_id != kernel_id]
        self.owners.pop(kernel_id, None)
        self._disconnected_since.pop(kernel_id, None)
        self._revoked_since.pop(kernel_id, None)
        self._closing.discard(kernel_id)

    async def _close(self, kernel_id: str, reason: str) -> None:
        if kernel_id in self._closing or kernel_id not in self:
            return
        self._closing.add(kernel_id)
        owner = self.owners.get(kernel_id)
        log.info("Shutting down kernel %s of %s (%s)", kernel_id, owner.username if owner else "nobody", reason)
        try:
            await self.shutdown_kernel(kernel_id, now=True)
        except Exception:  # noqa: BLE001 - already gone, or dying: forget it either way
            log.warning("Could not shut down kernel %s", kernel_id, exc_info=True)
            self._forget(kernel_id)
        OwnedKernelWebsocketHandler.close_all(kernel_id, "Oefenkit: de pagina is gesloten")

    # -- kernels started ahead --

    def _take_warm(self, kwargs: dict, binding: PendingBinding | None) -> str | None:
        """Hand a kernel started ahead to this page, or None (then the page starts its own).

        Only a kernel for the same kernel spec and directory, still running, and never one given out
        before: it leaves the pool here, once. The page's request environment differs from the one
        the kernel started with; the differences go into the page's binding cell, which runs before
        any of the app's code (``oefenkit.kernel.bind_person``)."""
        if binding is None or not self.warm:
            return None
        name, path = kwargs.get("kernel_name"), kwargs.get("path")
        for warm in list(self.warm):
            if (warm.kernel_name, warm.path) != (name, path):
                continue
            self.warm.remove(warm)
            if not self._running(warm.kernel_id):
                log.warning("Kernel %s started ahead has died; not handing it out", warm.kernel_id)
                asyncio.ensure_future(self._close(warm.kernel_id, "died before a page took it"))
                continue
            env = kwargs.get("env") or {}
            changes: dict[str, str | None] = {k: v for k, v in env.items() if warm.env.get(k) != v}
            changes.update({k: None for k in warm.env if k not in env and not k.startswith("JPY_")})
            binding.cell.source = binding.source_with(changes)
            log.info("Page gets kernel %s started ahead (%d left)", warm.kernel_id, len(self.warm))
            return warm.kernel_id
        return None

    def _running(self, kernel_id: str) -> bool:
        """Is the kernel's process still there? (A cheap look at its pid, no message to it.)"""
        kernel = self._kernels.get(kernel_id)
        process = getattr(getattr(kernel, "provisioner", None), "process", None)
        return process is not None and process.poll() is None

    def start_pool(self) -> None:
        """Start looking after the kernels started ahead (on the server's loop)."""
        if self.prewarm and (self._pool_task is None or self._pool_task.done()):
            self._pool_task = asyncio.ensure_future(self._pool_loop())

    async def _pool_loop(self) -> None:
        while True:
            try:
                await self.fill_pool_once()
            except Exception:  # noqa: BLE001 - keep going; a database hiccup is retried next time
                log.warning("Kernels started ahead: look failed", exc_info=True)
            await asyncio.sleep(self.prewarm_interval)

    def pool_target(self, demand: list[tuple[int, int, set[str]]]) -> int:
        """How many kernels to keep ahead for ``demand`` (``KernelAccessService.list_prewarm_demand``): the people the
        open sessions expect, minus those who joined or have the participant app open already, at
        most :attr:`prewarm_max`, and never more than the memory allows."""
        app_id = app_for_path(self.prewarm_notebook).id
        opened = {o.username for kid, o in self.owners.items() if o.app_id == app_id and kid not in self._closing}
        joined_anywhere: set[str] = set()
        want = 0
        for _session_id, expected, joined in demand:
            want += max(0, expected - len(joined))
            joined_anywhere |= joined
        want -= len(opened - joined_anywhere)
        room = len(self.warm) + max(0, self.capacity() - self.live_count())
        return max(0, min(want, self.prewarm_max, room))

    async def fill_pool_once(self) -> None:
        """One look: start kernels ahead up to :meth:`pool_target`, or stop the ones no longer wanted.

        Kernels are started one at a time, and not while a page is being rendered (pages come first:
        the pool fills in the server's quiet moments)."""
        if not self.prewarm or self.kit is None or self._filling:
            return
        self._filling = True
        try:
            demand = await asyncio.to_thread(self.kit.kernel_access.list_prewarm_demand)
            # dead ones leave the pool
            for warm in list(self.warm):
                if not self._running(warm.kernel_id):
                    self.warm.remove(warm)
                    await self._close(warm.kernel_id, "died before a page took it")
            target = self.pool_target(demand)
            while len(self.warm) > target:
                warm = self.warm.pop()  # the newest: the oldest are the most ready
                await self._close(warm.kernel_id, "no longer expected")
            if len(self.warm) < target:
                kernel_name, path = _kernel_spec_of(Path(self.root_dir), self.prewarm_notebook)
            while len(self.warm) < target:
                while OefenkitRenderHandler.rendering:
                    await asyncio.sleep(0.05)
                await self._start_warm(kernel_name, path)
                target = self.pool_target(await asyncio.to_thread(self.kit.kernel_access.list_prewarm_demand))
        finally:
            self._filling = False

    async def _start_warm(self, kernel_name: str, path: str) -> None:
        env = {**os.environ, "VOILA_PREHEAT": "False"}
        kernel_id = await super().start_kernel(kernel_name=kernel_name, path=path, env=env)
        self.warm.append(WarmKernel(kernel_id, kernel_name, path, env))

    # -- capacity --

    def kernel_bytes(self) -> int:
        """The resident size of the largest live kernel (DEFAULT_KERNEL_BYTES before any): a new page
        may be the heaviest app, so the estimate errs towards refusing rather than swapping."""
        sizes = []
        for kid in self.list_kernel_ids():
            provisioner = getattr(self._kernels.get(kid), "provisioner", None)
            size = _rss(getattr(provisioner, "pid", None))
            if size:
                sizes.append(size)
        return max(max(sizes), 64 * MIB) if sizes else DEFAULT_KERNEL_BYTES

    def capacity(self) -> int:
        """How many kernels the server may run now: ``max_kernels``, or the live ones plus as many
        more as fit in the available memory (minus a reserve)."""
        if self.max_kernels > 0:
            return self.max_kernels
        live = self.live_count()
        free = available_memory()
        if free is None:
            return live + 1  # unknown: never refuse on a guess
        return live + max(0, (free - MEMORY_RESERVE_BYTES) // self.kernel_bytes())

    def admits(self, username: str) -> bool:
        """May ``username`` start one more kernel now? (A person at their own limit closes one of
        their own first, so they never add to the total.)"""
        if len(self.kernels_of(username)) >= self.max_per_person:
            return True
        return self.live_count() < self.capacity()

    # -- the watch --

    def _ensure_watch(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.ensure_future(self._watch_loop())

    async def _watch_loop(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval)
            try:
                await self.watch_once()
            except Exception:  # noqa: BLE001 - keep watching; a database hiccup is retried next time
                log.warning("Kernel watch failed", exc_info=True)

    async def watch_once(self) -> None:
        now = time.time()
        live = set(self.list_kernel_ids())
        for kid in [k for k in self.owners if k not in live]:
            self._forget(kid)
        # kernels without a connected websocket for a while (kernels started ahead wait for a page)
        for kid in live - self._closing - self._warm_ids():
            if self._kernel_connections.get(kid, 0) > 0:
                self._disconnected_since.pop(kid, None)
                continue
            since = self._disconnected_since.setdefault(kid, now)
            last = _last_activity(self._kernels.get(kid))
            quiet_since = max(since, last or since)
            if now - quiet_since >= self.cull_disconnected_seconds:
                await self._close(kid, f"no page connected for {self.cull_disconnected_seconds:g} s")
        # owners who were deactivated or may no longer open the app
        owned = {kid: o for kid, o in self.owners.items() if kid in live and kid not in self._closing}
        if not owned or self.kit is None:
            return
        people = await asyncio.to_thread(self.kit.kernel_access.list_active_people, {o.username for o in owned.values()})
        sessions = {o.login_session for o in owned.values() if o.login_session is not None}
        live_sessions = await asyncio.to_thread(self.kit.logins.list_live_login_sessions, sessions) if sessions else set()
        for kid, owner in owned.items():
            person = people.get(owner.username)
            app = _APPS.get(owner.app_id)
            session_holds = owner.login_session is None or owner.login_session in live_sessions
            if person is not None and app is not None and can(person, "open_app", app) and session_holds:
                self._revoked_since.pop(kid, None)
                continue
            revoked = self._revoked_since.setdefault(kid, now)
            if now - revoked >= self.revoke_grace_seconds:
                await self._close(kid, "owner lost access")

    def is_revoked(self, kernel_id: str) -> bool:
        return kernel_id in self._revoked_since or kernel_id in self._closing

    async def still_allowed(self, owner: KernelOwner, person=None) -> bool:
        """Is ``owner`` still active and allowed to open their kernel's app? ``person`` is the
        owner as read from the database in the current request (with its login session); without
        it the person is read now."""
        if self.kit is None:
            return True
        app = _APPS.get(owner.app_id)
        if person is None or person.username != owner.username:
            try:
                person = await asyncio.to_thread(self.kit.people.find_person, owner.username)
            except NotFound:
                return False
        return app is not None and can(person, "open_app", app)
