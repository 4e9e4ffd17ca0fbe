"""The kernel parent: one pre-imported process that forks an app kernel per page.

Starting an app kernel the usual way runs a new Python that imports IPython, ipykernel,
ipywidgets, SQLAlchemy and the kit (about 1 s of CPU on this machine); a room of 30 phones
opening a page at once spent half a minute on two cores doing those imports 30 times
(``benchmarks/room.py``, ``docs/architecture.md`` "Kernel start-up"). The kernel parent does
them once, at server start, and then forks one child per page. The child shares the parent's
memory copy-on-write (``gc.freeze()`` keeps the collector from touching the shared objects) and
runs ``IPKernelApp`` with the connection file the server wrote, exactly as
``python -m ipykernel_launcher -f <file>`` would.

Isolation. The parent never runs app code, never binds a person, never opens the database and
never creates a widget: it only imports modules (checked before it serves: no widget exists, no
second thread runs). Every kernel is a fresh fork of that state, never a kernel used before, so a
page can carry nothing of another person (``tests/security/test_kernel_parent.py``).

Protocol. The server starts the parent with one end of a socket pair (fd ``--fd``); nothing else
can reach it (no file-system socket, no port). A request is one JSON line
``{"argv": [...], "env": {...}, "cwd": "..."}`` where ``argv`` is the kernel spec's command
(``<python> -m ipykernel_launcher -f <connection file>``); the answer is ``{"pid": N}`` or
``{"error": "..."}``. The parent exits when the server's end closes (the server stopped or died).
Its children live in their own sessions and are reaped by the system (``SIGCHLD`` ignored in the
parent); the server manages them by pid like any kernel (:class:`ForkedProcess`).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import signal
import socket
import sys
import threading
from pathlib import Path

#: Modules every app kernel imports; the apps' own modules are found in the notebooks.
BASE_MODULES = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.comm", "ipywidgets", "IPython",
    # imported by every kernel's start (IPKernelApp.initialize, IPythonKernel.__init__; debugpy
    # alone 0.2 s) and by its first database connection
    "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.oinspect",
    "IPython.extensions.storemagic", "tornado.platform.asyncio", "psutil", "faulthandler", "sqlite3",
    "oefenkit.kernel", "oefenkit.instance", "oefenkit.logins", "oefenkit.storage.kit",
    "sqlalchemy.dialects.sqlite", "oefenkit_widgets",
    # PostgreSQL: the driver and SQLAlchemy's dialect for it (each kernel imported the dialect itself,
    # ≈ 4 MiB of private memory per kernel on PostgreSQL)
    "psycopg", "sqlalchemy.dialects.postgresql.psycopg", "sqlalchemy.dialects.postgresql.json",
    "sqlalchemy.dialects.postgresql.ranges", "sqlalchemy.dialects.postgresql.hstore",
)
#: Configuration every app kernel gets (forked or started the normal way; ``ForkingKernelManager``
#: adds it to the kernel command as :data:`KERNEL_FLAGS`). No IPython history, as the kit's IPython
#: configuration (``app.KERNEL_IPYTHON_CONFIG``) already says; on the command line it also holds for a
#: kernel started without that configuration: history would keep each page's binding cell, with the
#: person's name and address, in a file outside the kit's data. No capture of the process's own file
#: descriptors 1 and 2 (two threads and two pipes per kernel): output of C libraries goes to the
#: server's log instead of the page.
KERNEL_CONFIG = {"HistoryManager": {"enabled": False}, "IPKernelApp": {"capture_fd_output": False}}
KERNEL_FLAGS = tuple(f"--{cls}.{name}={value}" for cls, traits in KERNEL_CONFIG.items()
                     for name, value in traits.items())
_IMPORT_RE = re.compile(r"(?:from|import)\s+(oefenkit(?:_widgets)?(?:\.\w+)*)")


def app_modules(notebooks_dir: Path) -> list[str]:
    """The kit's modules the apps in ``notebooks_dir`` import."""
    names: set[str] = set()
    for nb in sorted(Path(notebooks_dir).rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        try:
            cells = json.loads(nb.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        for cell in cells:
            if cell.get("cell_type") == "code":
                names.update(_IMPORT_RE.findall("".join(cell.get("source", ""))))
    return sorted(names)


def preload(notebooks_dir: Path | None) -> list[str]:
    """Import what app kernels import; returns the modules that failed (they load in the child)."""
    failed = []
    # debugpy's import-time check prints a warning about frozen modules; it concerns debugging only
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    modules = list(BASE_MODULES) + (app_modules(notebooks_dir) if notebooks_dir else [])
    for name in modules:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional driver: the kernel imports it itself
            failed.append(name)
    # jupyter_client finds the machine's local addresses once per process (a subprocess `ip addr`,
    # ~20 ms); every kernel asks for them when it reads its connection file
    try:
        from jupyter_client.localinterfaces import localhost

        localhost()
    except Exception:  # noqa: BLE001 - the kernel looks them up itself
        failed.append("jupyter_client.localinterfaces")
    # Configure the ORM's mappers once here instead of on each kernel's first query (no database
    # is opened: this only links the model classes).
    try:
        from sqlalchemy.orm import configure_mappers

        import oefenkit.storage.models  # noqa: F401

        configure_mappers()
    except Exception:  # noqa: BLE001 - the kernel configures them itself
        failed.append("sqlalchemy.orm.configure_mappers")
    # The role table (roles.yaml, or OEFENKIT_ROLES_FILE, read once per process): read here, each
    # kernel's first permission check finds it in its copy of the cache.
    try:
        from oefenkit.permissions import roles

        roles()
    except Exception:  # noqa: BLE001 - a broken file: the kernel's own read shows the Dutch error
        failed.append("oefenkit.permissions.roles")
    return failed


def prepare_kernel() -> None:
    """Do here, once, the part of a kernel's start that depends on no page: the IPython shell.

    Creating ipykernel's shell (magics, completer, inspector, display hooks, namespaces) was the
    largest part of each kernel's start (≈ 20 ms of CPU and ≈ 3 MiB of its own memory per kernel).
    The shell made here has run no code; each child gets its own copy-on-write copy of it, which
    ``IPythonKernel`` picks up as the shell singleton (:class:`_ForkedKernel` links it to the kernel).
    Also switched off for every child: ipykernel's debugger (app pages have no debugger; without it a
    kernel neither lists every loaded module nor offers the debug requests on its control channel)."""
    from ipykernel import debugger
    from ipykernel.compiler import XCachingCompiler
    from ipykernel.zmqshell import ZMQInteractiveShell
    from traitlets.config import Config

    global _lean_init, _lean_code, _app_class, _parent_module_keys
    debugger._is_debugpy_available = False
    ZMQInteractiveShell.instance(config=Config(KERNEL_CONFIG), compiler_class=XCachingCompiler)
    _lean_init = lean_kernel_init_applies()
    _lean_code = lean_init_code_applies()
    # Made here, once: defining the kernel and app classes in each child (traitlets' metaclass sets
    # up their traits) copied ≈ 1.5 MiB of the parent's pages into each kernel.
    _app_class = _kernel_app_class()
    # The module names IPython keeps for ``%reset --aggressive``, read here: building this set in
    # each child touched every module name (≈ 3 MiB of the parent's pages copied into each kernel).
    _parent_module_keys = frozenset(sys.modules)


def check_clean() -> None:
    """Refuse to serve when preloading left state a child must not inherit."""
    shell_module = sys.modules.get("ipykernel.zmqshell")
    if shell_module is not None and shell_module.ZMQInteractiveShell.initialized():
        shell = shell_module.ZMQInteractiveShell.instance()
        if shell.execution_count != 1 or getattr(shell, "kernel", None) is not None:
            raise RuntimeError("kernel parent's shell has run code or belongs to a kernel")
    if threading.active_count() != 1:
        raise RuntimeError(f"kernel parent has {threading.active_count()} threads; forking would be unsafe")
    widget = sys.modules.get("ipywidgets.widgets.widget")
    if widget is not None and widget._instances:
        raise RuntimeError("kernel parent created widgets while importing")
    kernel = sys.modules.get("oefenkit.kernel")
    if kernel is not None and getattr(kernel, "_person", None) is not None:
        raise RuntimeError("kernel parent has a bound person")
    instance = sys.modules.get("oefenkit.instance")
    if instance is not None and instance._process_kit.cache_info().currsize:
        raise RuntimeError("kernel parent opened the kit (a database connection must not be shared)")


def valid_request(request: dict) -> tuple[list[str], dict, str]:
    argv, env, cwd = request.get("argv"), request.get("env"), request.get("cwd")
    if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
        raise ValueError("argv")
    # Only the standard Python kernel command, for this very interpreter, with the app kernels' flags.
    if len(argv) < 5 or argv[1:4] != ["-m", "ipykernel_launcher", "-f"]:
        raise ValueError("not an ipykernel command")
    if not set(argv[5:]) <= set(KERNEL_FLAGS):
        raise ValueError("unknown kernel flag")
    if os.path.realpath(argv[0]) != os.path.realpath(sys.executable):
        raise ValueError("another interpreter")
    if not (isinstance(env, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
        raise ValueError("env")
    if not (isinstance(cwd, str) and os.path.isdir(cwd)):
        raise ValueError("cwd")
    return argv, env, cwd


def run_kernel(argv: list[str], env: dict, cwd: str) -> None:
    """In the forked child: become ``python -m ipykernel_launcher -f <file>`` in ``cwd`` with ``env``."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        sys.path[0] = cwd  # as ``python -m`` puts the working directory first
        sys.argv = [argv[0], *argv[3:]]
        app = (_app_class or _kernel_app_class()).instance()
        # ipykernel reads JPY_PARENT_PID when it is imported (here: in the parent, without it); with
        # it, the kernel's parent poller ends the kernel once it is orphaned (the server died, so
        # this parent left), as a kernel started the normal way ends with its server.
        app.parent_handle = int(env.get("JPY_PARENT_PID") or 0)
        app.initialize(argv[3:])
        # ipywidgets registers its comm targets when it is imported inside a kernel; here it was
        # imported before there was one, so register them now (what its import would have done).
        widgets = sys.modules.get("ipywidgets")
        if widgets is not None:
            widgets.register_comm_target()
        open_kit_early()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - report and leave; the server sees the kernel die
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def open_kit_early() -> None:
    """In the child, before its loop: open the kit the apps will use (its database engine and first
    connection, with the dialect's first-connect queries). Every app page opens it in its first cell;
    here it costs the same, but a kernel started ahead for a terugkomdag (``kernels.py``) has it done
    before its page arrives. Nothing of a person is read. On failure nothing is kept, and the page's
    own first call opens it again and shows the Dutch error."""
    try:
        from oefenkit.instance import current_kit

        current_kit(guarded=False)
    except Exception:  # noqa: BLE001 - the page reports it
        pass


#: SHA-256 of ``inspect.getsource(IPythonKernel.__init__)`` of the ipykernel whose constructor
#: ``_ForkedKernel`` repeats without the debugger part (ipykernel 7.4.0). Another version's constructor
#: may do more: then the kernel runs ipykernel's own (``tests/test_zygote.py`` says so).
IPYTHONKERNEL_INIT_SHA256 = "943995af8385790e32fdb0d00cb837261eb7fac6e8f593d2d7054afa52bfc879"


#: SHA-256 of ``inspect.getsource(InteractiveShellApp.init_code)`` of the IPython whose ``init_code``
#: ``_ForkedKernelApp`` repeats with the parent's set of module names (IPython 9.19). Another
#: version's may do more: then the kernel runs IPython's own (``tests/test_zygote.py`` says so).
INIT_CODE_SHA256 = "ba92539d3cc864f8d71dad435aa4f52b2e685f883308e6dd6161c9a422297676"

#: Set by :func:`prepare_kernel` (in the parent, once): forked kernels use the lean constructor and
#: the lean ``init_code``, the kernel app class made there and the module names loaded there.
_lean_init = False
_lean_code = False
_app_class = None
_parent_module_keys: frozenset = frozenset()


def _source_matches(function, sha256: str) -> bool:
    """Is ``function``'s source the one whose SHA-256 is ``sha256`` (the version the zygote repeats)?"""
    import hashlib
    import inspect

    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest() == sha256


def lean_kernel_init_applies() -> bool:
    """Is the installed ``IPythonKernel.__init__`` the one ``_ForkedKernel`` repeats?"""
    from ipykernel.ipkernel import IPythonKernel

    return _source_matches(IPythonKernel.__init__, IPYTHONKERNEL_INIT_SHA256)


def lean_init_code_applies() -> bool:
    """Is the installed ``InteractiveShellApp.init_code`` the one ``_ForkedKernelApp`` repeats?"""
    from IPython.core.shellapp import InteractiveShellApp

    return _source_matches(InteractiveShellApp.init_code, INIT_CODE_SHA256)


def _kernel_app_class():
    """``IPKernelApp`` for a forked child: its command line is the fixed one :func:`valid_request`
    allows, so it is set without traitlets' parser (which walks every configurable class: ≈ 10 ms),
    and its kernel takes over the shell :func:`prepare_kernel` made."""
    import comm
    from ipykernel.ipkernel import IPythonKernel
    from ipykernel.kernelapp import IPKernelApp
    from ipykernel.kernelbase import Kernel as KernelBase
    from traitlets import Type
    from traitlets.config import Config

    class _ForkedKernel(IPythonKernel):
        def __init__(self, **kwargs):
            if not _lean_init:
                super().__init__(**kwargs)
                self.shell.kernel = self  # the shell existed already, so ``instance(kernel=self)`` could not set it
                return
            # ``IPythonKernel.__init__`` (ipykernel 7.4) without its debugger part, which is off
            # (``prepare_kernel``): that part listed the file of every loaded module, touching ~1,000
            # module objects shared with the kernel parent, which copied ≈ 7 MiB of their pages into
            # each kernel and took ≈ 8 ms.
            KernelBase.__init__(self, **kwargs)
            self.shell = self.shell_class.instance(parent=self, profile_dir=self.profile_dir,
                                                   user_module=self.user_module, user_ns=self.user_ns,
                                                   kernel=self, compiler_class=self.compiler_class)
            self.shell.kernel = self  # the shell existed already, so ``instance(kernel=self)`` could not set it
            self.shell.displayhook.session = self.session
            session_name = os.environ.get("JPY_SESSION_NAME")
            if session_name:
                self.shell.user_ns["__session__"] = session_name
            self.shell.displayhook.pub_socket = self.iopub_socket
            self.shell.displayhook.topic = self._topic("execute_result")
            self.shell.display_pub.session = self.session
            self.shell.display_pub.pub_socket = self.iopub_socket
            self.comm_manager = comm.get_comm_manager()
            self.shell.configurables.append(self.comm_manager)
            for msg_type in ("comm_open", "comm_msg", "comm_close"):
                self.shell_handlers[msg_type] = getattr(self.comm_manager, msg_type)

    class _ForkedKernelApp(IPKernelApp):
        kernel_class = Type(_ForkedKernel, klass="ipykernel.kernelbase.Kernel")

        def parse_command_line(self, argv=None):
            argv = list(argv or [])
            self.argv = argv
            config = Config({cls: dict(traits) for cls, traits in KERNEL_CONFIG.items()})
            config.IPKernelApp.connection_file = argv[1]  # argv: -f <connection file> [KERNEL_FLAGS]
            self.cli_config = config
            self.update_config(config)

        def init_code(self):
            if not _lean_code:
                super().init_code()
                return
            # IPython's ``init_code`` (9.19) with one change: ``shell._sys_modules_keys`` (the modules
            # ``%reset --aggressive`` keeps; app pages never run it) is the parent's frozen set of
            # module names instead of a new set built here, which touched every name.
            self._run_startup_files()
            self._run_exec_lines()
            self._run_exec_files()
            if self.hide_initial_ns:
                self.shell.user_ns_hidden.update(self.shell.user_ns)
            self._run_cmd_line_code()
            self._run_module()
            sys.stdout.flush()
            sys.stderr.flush()
            self.shell._sys_modules_keys = _parent_module_keys

    return _ForkedKernelApp


def serve(channel: socket.socket) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the system reaps the kernels
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops us by closing the channel
    reader = channel.makefile("rb")
    while True:
        line = reader.readline()
        if not line:
            return  # the server closed its end
        try:
            argv, env, cwd = valid_request(json.loads(line))
        except (ValueError, AttributeError) as exc:
            channel.sendall(json.dumps({"error": str(exc)}).encode() + b"\n")
            continue
        pid = os.fork()
        if pid == 0:
            reader.close()
            channel.close()
            run_kernel(argv, env, cwd)
        channel.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Oefenkit kernel parent (started by the server).")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--notebooks", type=Path)
    args = parser.parse_args(argv)
    channel = socket.socket(fileno=args.fd)
    failed = preload(args.notebooks)
    try:
        prepare_kernel()
    except Exception:  # noqa: BLE001 - each kernel creates its shell itself, as before
        failed.append("ipykernel shell")
    check_clean()
    gc.collect()
    gc.freeze()  # the children's collector leaves the shared objects (and their pages) alone
    channel.sendall(json.dumps({"ready": True, "failed": failed}).encode() + b"\n")
    serve(channel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
