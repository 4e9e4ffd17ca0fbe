"""Reliability figures are printed at the end of the run (the issue asks for them in the test output)."""

from __future__ import annotations

import pytest

FIGURES: list[str] = []


@pytest.fixture
def report():
    return FIGURES.append


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("Oefenkit reliability")
        for line in FIGURES:
            terminalreporter.write_line(line)
