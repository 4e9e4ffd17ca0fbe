"""The kit as it ships: the runtime-only environment the suite serves it from (tests/runtime_env.py).

Every module of ``oefenkit`` and ``widgets`` must import there, and the test tools must be absent,
so that an app importing a test-only package (as Intervisie once did with matplotlib) fails here.
nbval runs every app notebook in a kernel of that environment (see conftest.py).
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .runtime_env import KERNEL_NAME, RUNTIME_PYTHON, RUNTIME_VENV, runtime_is_separate

#: Packages of the ``test`` and ``lab`` extras that the kit must never need at run time.
TEST_ONLY = ["playwright", "matplotlib", "pingouin", "hypothesis", "jupyterhub", "statsmodels", "krippendorff",
             "pypdf", "jhsingle_native_proxy", "pytest", "nbval", "sklearn", "jupyterlab"]

IMPORT_ALL = """
import importlib, json, pkgutil
failed = {}
count = 0
for pkg in ("oefenkit", "widgets"):
    for info in pkgutil.walk_packages(importlib.import_module(pkg).__path__, pkg + "."):
        # Alembic's env.py migrates when imported; __main__ runs the CLI.
        if info.name.startswith("oefenkit.storage.migrations") or info.name.endswith("__main__"):
            continue
        count += 1
        try:
            importlib.import_module(info.name)
        except Exception as exc:
            failed[info.name] = repr(exc)
print(json.dumps({"count": count, "failed": failed}))
"""


@pytest.fixture(scope="module")
def runtime():
    if not runtime_is_separate():
        pytest.fail(f"No runtime-only environment at {RUNTIME_VENV}: ./kit test builds it.")
    return RUNTIME_PYTHON


def _run(python, code: str) -> str:
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_runtime_environment_has_no_test_tools(runtime):
    """Is the environment the suite serves the kit from really without the test extra's packages?"""
    found = json.loads(_run(runtime, "import importlib.util, json; "
                                     f"print(json.dumps([m for m in {TEST_ONLY!r} if importlib.util.find_spec(m)]))"))
    # An environment built before jupyterlab, nbval and scikit-learn left the runtime dependencies still
    # has them (pip never removes a package): `rm -rf .venv-runtime` and ./kit test builds it again.
    assert found == [], f"test tools in {RUNTIME_VENV}: {found}"


def test_every_module_imports_in_the_runtime_environment(runtime):
    """Does every module of the core and the widgets import with only the runtime dependencies?"""
    result = json.loads(_run(runtime, IMPORT_ALL).strip().splitlines()[-1])
    assert result["failed"] == {}
    assert result["count"] > 80  # the walk really covered the packages


def test_nbval_runs_the_notebooks_in_the_runtime_environment(runtime, request):
    """Does nbval execute the app notebooks with the runtime environment's Python?"""
    assert request.config.option.nbval_kernel_name == KERNEL_NAME
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == str(runtime)
