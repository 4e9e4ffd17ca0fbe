"""The code checks of ``./kit test`` (issue 16): ruff, the import layers and mypy.

Each runs the tool from the test environment on the working tree, with its configuration in
``pyproject.toml``, and fails with the tool's own report. ``docs/architecture.md`` ("Layers") says
what the import contracts mean.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / tool), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_finds_nothing():
    result = run("ruff", "check", "--no-cache", "oefenkit", "widgets", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_layers_hold():
    result = run("lint-imports", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 6 kept, 0 broken." in result.stdout  # every contract was checked


def test_mypy_finds_nothing_in_the_typed_modules(tmp_path):
    result = run("mypy", "--no-incremental", "--cache-dir", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
