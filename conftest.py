"""Suite-wide collection rules.

With ``OEFENKIT_FULL_SUITE=1`` (set by ``./kit test`` without arguments, and so
in CI) the run refuses to start unless every part of the suite was collected:
nbval over every notebook in ``notebooks/``, the storage tests on PostgreSQL,
the browser tests, the test with a real JupyterHub, at least 40 security cases
(``tests/security``) and the reliability tests. Nothing may silently drop out.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent

# Alembic's env.py runs migrations when imported; doctest collection must not import it.
collect_ignore_glob = ["oefenkit/storage/migrations/*", ".venv/*", "benchmarks/*"]


def pytest_collection_modifyitems(session, config, items):
    if os.environ.get("OEFENKIT_FULL_SUITE") != "1":
        return
    notebooks = {p.resolve() for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts}
    nbval_files = {Path(str(item.fspath)).resolve() for item in items if str(item.fspath).endswith(".ipynb")}
    problems = []
    if notebooks - nbval_files:
        problems.append(f"notebooks not run by nbval: {sorted(str(p) for p in notebooks - nbval_files)}")
    if not any("[postgresql" in item.nodeid for item in items):
        problems.append("no storage test runs on PostgreSQL")
    if not any(item.get_closest_marker("browser") for item in items):
        problems.append("no browser test collected")
    if not any(Path(str(item.fspath)).name == "test_hub.py" for item in items):
        problems.append("the JupyterHub test (tests/browser/test_hub.py) was not collected")
    security = sum(1 for item in items if "tests/security/" in item.nodeid)
    if security < 40:
        problems.append(f"only {security} security cases collected (tests/security needs at least 40)")
    reliability = {Path(str(item.fspath)).name for item in items if "reliability" in item.nodeid or "kill" in item.nodeid}
    if not {"test_concurrent_writers.py", "test_kill.py", "test_kill_server.py"} <= reliability:
        problems.append("the reliability tests (concurrent writers, kill -9) were not all collected")
    if problems:
        raise pytest.UsageError("Full suite incomplete: " + "; ".join(problems))
