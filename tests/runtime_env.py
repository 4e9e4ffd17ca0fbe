"""The environment the suite serves the kit from: runtime dependencies only.

``./kit test`` builds two environments: ``.venv`` with the test tools (pytest,
Playwright, the reference statistics packages, JupyterHub…) that drive the kit
from outside, and ``.venv-runtime`` (``$OEFENKIT_RUNTIME_VENV``) holding only
what ``./kit start`` installs. The ``oefenkit`` command of the live servers,
their app kernels and nbval's kernel come from the runtime environment, so an
app that imports a test-only package fails in the suite as it would for a
trainer.

A partial run without the runtime environment (``pytest`` from ``.venv`` by
hand) falls back to the test environment; the full suite (``./kit test``)
refuses that (see ``conftest.py``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

__all__ = ["RUNTIME_VENV", "RUNTIME_BIN", "RUNTIME_PYTHON", "runtime_is_separate", "KERNEL_NAME",
           "install_kernelspec"]

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_VENV = (ROOT / os.environ.get("OEFENKIT_RUNTIME_VENV", ".venv-runtime")).resolve()
_TEST_BIN = Path(sys.executable).parent


def runtime_is_separate() -> bool:
    return (RUNTIME_VENV / "bin" / "oefenkit").exists()


RUNTIME_BIN = RUNTIME_VENV / "bin" if runtime_is_separate() else _TEST_BIN
RUNTIME_PYTHON = RUNTIME_BIN / "python"
#: The kernel spec nbval runs the notebooks with (the runtime environment's Python).
KERNEL_NAME = "oefenkit-runtime"


def install_kernelspec(jupyter_data_dir: Path) -> Path:
    """Write a kernel spec named :data:`KERNEL_NAME` for the runtime Python below ``jupyter_data_dir``
    (to be put on ``JUPYTER_PATH``); returns the spec's folder."""
    spec_dir = jupyter_data_dir / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [str(RUNTIME_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Oefenkit (runtime)",
        "language": "python",
    }))
    return spec_dir
