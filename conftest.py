"""Suite-wide collection rules.

With ``OEFENKIT_FULL_SUITE=1`` (set by ``./kit test`` without arguments, and so
in CI) the run refuses to start unless every part of the suite was collected:
nbval over every notebook in ``notebooks/``, the storage tests on PostgreSQL,
the browser tests, the test with a real JupyterHub, at least ``SECURITY_FLOOR`` security cases
(``tests/security``) and the reliability tests. Nothing may silently drop out.

nbval runs the notebooks in a kernel of the runtime-only environment
(``tests/runtime_env.py``), as the live servers do; the full suite requires
that environment to exist.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.runtime_env import KERNEL_NAME, RUNTIME_VENV, install_kernelspec, runtime_is_separate

ROOT = Path(__file__).resolve().parent
#: Security cases the full suite must collect (265 after issue 21; raise it, never lower it).
SECURITY_FLOOR = 265

# Alembic's env.py runs migrations when imported; doctest collection must not import it.
collect_ignore_glob = ["oefenkit/storage/migrations/*", ".venv/*", ".venv-runtime/*", "benchmarks/*"]


def pytest_configure(config):
    # nbval's kernel: the runtime environment's Python, through a kernel spec of our own on JUPYTER_PATH.
    if runtime_is_separate() and not getattr(config.option, "nbval_kernel_name", None) and not getattr(config.option, "current_env", False):
        data_dir = Path(tempfile.mkdtemp(prefix="oefenkit-kernelspec-"))
        install_kernelspec(data_dir)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(data_dir), os.environ.get("JUPYTER_PATH")]))
        config.option.nbval_kernel_name = KERNEL_NAME


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("OEFENKIT_FULL_SUITE") != "1":
        return
    notebooks = {p.resolve() for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    nbval_files = {Path(str(item.fspath)).resolve() for item in items if str(item.fspath).endswith(".ipynb")}
    problems = []
    if not runtime_is_separate():
        problems.append(f"the runtime-only environment {RUNTIME_VENV} is missing (./kit test builds it)")
    if notebooks - nbval_files:
        problems.append(f"notebooks not run by nbval: {sorted(str(p) for p in notebooks - nbval_files)}")
    if not any("[postgresql" in item.nodeid for item in items):
        problems.append("no storage test runs on PostgreSQL")
    if not any(item.get_closest_marker("browser") for item in items):
        problems.append("no browser test collected")
    if not any(Path(str(item.fspath)).name == "test_hub.py" for item in items):
        problems.append("the JupyterHub test (tests/browser/test_hub.py) was not collected")
    security = sum(1 for item in items if "tests/security/" in item.nodeid)
    if security < SECURITY_FLOOR:
        problems.append(f"only {security} security cases collected (tests/security needs at least {SECURITY_FLOOR})")
    reliability = {Path(str(item.fspath)).name for item in items if "reliability" in item.nodeid or "kill" in item.nodeid}
    if not {"test_concurrent_writers.py", "test_kill.py", "test_kill_server.py"} <= reliability:
        problems.append("the reliability tests (concurrent writers, kill -9) were not all collected")
    if problems:
        raise pytest.UsageError("Full suite incomplete: " + "; ".join(problems))
