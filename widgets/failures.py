"""A failing callback: a short Dutch message with a reference on the page, the traceback in the server log.

In a kernel, ipywidgets reports an exception in an ``on_click``/``on_submit`` callback with
``get_ipython().showtraceback()`` (``CallbackDispatcher``), which sends the traceback, server paths
included, to the page as an ``error`` message. An exception in an ``observe`` handler ends in the comm
manager's logger (``Comm``, ``ipykernel.comm``), whose records Python prints to ``sys.stderr``: in a
kernel that is the page's ``stderr`` stream. :func:`install` routes both to :func:`report`, which
writes the traceback with a fresh reference to the kernel's original stderr (the server's log, never
the page) and shows :data:`MESSAGE` with the same reference on the page.

Domain errors (:class:`~oefenkit.errors.OefenkitError`) are messages for the person: components
catch them and show them as notices. One that escapes a callback is shown as its own Dutch text.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import sys
from typing import Callable

from IPython import get_ipython

from oefenkit.errors import OefenkitError

__all__ = ["MESSAGE", "new_reference", "server_log", "report", "install"]

MESSAGE = "Er ging iets mis (referentie {ref}). Probeer het opnieuw of meld de referentie aan je trainer."
#: Letters and digits without look-alikes (0/O, 1/I/L), easy to read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_COMM_LOGGERS = ("Comm", "ipykernel.comm")

#: Where the page shows a message (``AppPage.show_notice``); the latest page of this kernel.
_show: Callable[[str], None] | None = None
_context = ""


def new_reference() -> str:
    """A short random reference such as ``7F3K2A``."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6))


def _server_stream():
    """The kernel's original stderr: the server's log. ``sys.__stderr__`` (fd 2) is no good in a
    kernel, ipykernel forwards what is written there to the page as well."""
    fd = getattr(sys.stderr, "_original_stdstream_copy", None)
    if fd is not None:
        return io.TextIOWrapper(io.FileIO(os.dup(fd), "w"), write_through=True)
    return sys.__stderr__


def server_log() -> logging.Logger:
    """The logger whose records reach the server's log only."""
    logger = logging.getLogger("oefenkit.kernel.failures")
    if not logger.handlers:
        handler = logging.StreamHandler(_server_stream())
        handler.setFormatter(logging.Formatter("[oefenkit kernel %(process)d] %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def report(exc_info, where: str = "callback") -> str | None:
    """Log ``exc_info`` with a new reference and show the Dutch message on the page; the reference.

    A domain error is shown as its own message (no reference, no traceback in the log)."""
    exc = exc_info[1]
    if isinstance(exc, OefenkitError):
        server_log().info("%s in %s: %s", type(exc).__name__, _context or "?", exc)
        _notify(str(exc))
        return None
    ref = new_reference()
    server_log().error("Fout in %s van %s (referentie %s)", where, _context or "?", ref, exc_info=exc_info)
    _notify(MESSAGE.format(ref=ref))
    return ref


def _notify(text: str) -> None:
    if _show is None:
        return
    try:
        _show(text)
    except Exception:  # noqa: BLE001 - the page may be gone; the log has the details
        server_log().exception("Could not show a message on the page")


def _showtraceback(exc_tuple=None, *args, **kwargs) -> None:
    """Replaces ``InteractiveShell.showtraceback`` in the kernel: nothing goes to the page."""
    info = exc_tuple if exc_tuple is not None else sys.exc_info()
    if info[0] is None:
        server_log().error("showtraceback without an exception")
        return
    report(info)


class _CommLogHandler(logging.Handler):
    """The comm managers' records go to the server log; an exception record is reported as a failure."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[0] is not None:
            report(record.exc_info, where=f"widgetbericht ({record.getMessage()})")
        else:
            server_log().log(record.levelno, "%s: %s", record.name, record.getMessage())


def install(show: Callable[[str], None] | None, context: str = "") -> None:
    """Route this kernel's callback failures to ``show`` (the page) and the server log. Idempotent;
    the latest ``show`` wins. Outside a kernel (no IPython shell) it does nothing."""
    global _show, _context
    shell = get_ipython()
    if shell is None:
        return
    _show, _context = show, context
    for name in _COMM_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(h, _CommLogHandler) for h in logger.handlers):
            logger.addHandler(_CommLogHandler())
            logger.propagate = False
    if shell.showtraceback is not _showtraceback:
        shell.showtraceback = _showtraceback
