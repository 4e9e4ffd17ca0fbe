"""oefenkit_widgets.failures without a kernel: the reference, the Dutch message and the log entry."""

from __future__ import annotations

import logging
import re
import sys

import pytest

from oefenkit.errors import ValidationError
from oefenkit_widgets import failures


@pytest.fixture
def shown(monkeypatch):
    texts: list[str] = []
    monkeypatch.setattr(failures, "_show", texts.append)
    monkeypatch.setattr(failures, "_context", "app proef (anna)")
    return texts


@pytest.fixture
def logged():
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = failures.server_log()
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def _raise(exc):
    try:
        raise exc
    except Exception:
        return sys.exc_info()


def test_report_shows_reference_and_logs_the_traceback(shown, logged):
    """Does a failure show the Dutch message with a fresh reference and log the traceback under it?"""
    ref = failures.report(_raise(RuntimeError("geheim /srv/pad.py")))
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{6}", ref)
    assert shown == [failures.MESSAGE.format(ref=ref)]
    assert "geheim" not in shown[0] and "Traceback" not in shown[0]
    [record] = logged
    text = logging.Formatter().format(record)
    assert ref in text and "app proef (anna)" in text
    assert "Traceback" in text and "RuntimeError: geheim /srv/pad.py" in text
    assert failures.report(_raise(RuntimeError())) != ref


def test_domain_error_shows_its_own_message(shown, logged):
    """Does an escaped domain error show its own Dutch text, without reference or traceback?"""
    assert failures.report(_raise(ValidationError("Een score ligt tussen 1 en 9."))) is None
    assert shown == ["Een score ligt tussen 1 en 9."]
    assert not logged[0].exc_info


def test_references_are_short_and_readable():
    """Are references six characters without look-alikes (0/O, 1/I/L)?"""
    refs = {failures.new_reference() for _ in range(200)}
    assert len(refs) > 190
    assert all(len(r) == 6 and not set(r) & set("01OIL") for r in refs)
