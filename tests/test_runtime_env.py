"""The kit as it ships: the runtime-only environment the suite serves it from (tests/runtime_env.py).

Every module of ``oefenkit`` and ``oefenkit_widgets`` (source folder ``widgets/``) must import there, and the test tools must be absent,
so that an app importing a test-only package (as Intervisie once did with matplotlib) fails here.
nbval runs every app notebook in a kernel of that environment (see conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from .runtime_env import KERNEL_NAME, RUNTIME_PYTHON, RUNTIME_VENV, runtime_is_separate

#: Packages of the ``test`` and ``lab`` extras that the kit must never need at run time.
TEST_ONLY = ["playwright", "matplotlib", "pingouin", "hypothesis", "jupyterhub", "statsmodels", "krippendorff",
             "pypdf", "jhsingle_native_proxy", "pytest", "nbval", "sklearn", "jupyterlab"]

IMPORT_ALL = """
import importlib, json, pkgutil
failed = {}
count = 0
for pkg in ("oefenkit", "oefenkit_widgets"):
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


ROOT = Path(__file__).resolve().parent.parent


def _run(python, code: str, cwd=None) -> str:
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)
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


# -- package hygiene: the UI installs as oefenkit_widgets, never as a top-level "widgets" ---------------


def _setuptools_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_the_listed_packages_are_the_source_tree():
    """Does pyproject.toml list every package folder (setuptools' find cannot rename widgets/), and no
    top-level package named ``widgets``?"""
    config = _setuptools_config()
    folders = {name: folder for name, folder in config["package-dir"].items()}
    assert folders == {"oefenkit_widgets": "widgets"}
    on_disk = set()
    for name, folder in (("oefenkit", "oefenkit"), ("oefenkit_widgets", "widgets")):
        for init in sorted((ROOT / folder).rglob("__init__.py")):
            parts = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((name, *parts)))
    assert set(config["packages"]) == on_disk
    assert not any(p == "widgets" or p.startswith("widgets.") for p in config["packages"])


def test_the_runtime_environment_imports_the_ui_as_oefenkit_widgets(runtime, tmp_path):
    """Outside the checkout, is the UI ``oefenkit_widgets`` (from the source folder widgets/), and is
    there no module ``widgets`` that could clash with another project's?"""
    found = json.loads(_run(runtime, "import importlib.util, json, oefenkit_widgets.pages.practice as p; "
                                     "print(json.dumps([p.__file__, importlib.util.find_spec('widgets') is None]))",
                            cwd=tmp_path))
    assert Path(found[0]) == ROOT / "widgets" / "pages" / "practice.py"
    assert found[1], "a top-level module 'widgets' is importable in the runtime environment"


def test_a_regular_install_ships_oefenkit_widgets_and_no_widgets(tmp_path):
    """Does the wheel ``pip install .`` builds hold the UI as oefenkit_widgets (pages included) and no
    top-level ``widgets``?"""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("oefenkit-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
        assert zf.read(top_level).decode().split() == ["oefenkit", "oefenkit_widgets"]
    assert "oefenkit_widgets/pages/practice.py" in names and "oefenkit_widgets/formatting.py" in names
    assert any(n.startswith("oefenkit/storage/migrations/versions/") for n in names)  # package data still in
    assert not any(n.startswith("widgets/") for n in names)
