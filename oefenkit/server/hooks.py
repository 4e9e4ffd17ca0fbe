"""Voilà's prelaunch hook: authorise the app and hand the person to its kernel.

Runs for every page request before a kernel starts (``req.current_user`` is
the logged-in user). It refuses apps that are not catalogued or not open to
the person's role, then prepends one code cell to the notebook that binds the
person in the kernel (``oefenkit.kernel.bind_person``). The browser cannot
send code to a standalone Voilà kernel, so that binding cannot be forged from
the page; the person is never read from a URL parameter or a widget.

The hook also names the owner of the kernel Voilà is about to start (person
and app, see ``kernels.py``), and answers with the "Even geduld" page
(503) instead of starting a kernel when the server is full.
"""

from __future__ import annotations

from urllib.parse import unquote

import nbformat

from ..apps import app_for_path
from ..errors import NotFound
from ..permissions import can
from ..sessions import client_address
from .auth import login_session_cell, request_actor
from .kernel_routes import admit_page
from .kernels import PENDING_BINDING, PENDING_OWNER, KernelOwner, PendingBinding
from .pageerror import PageError

__all__ = ["RENDER_PREFIX", "make_prelaunch_hook", "binding_cell", "binding_source"]

RENDER_PREFIX = "/voila/render/"


def binding_source(username: str, app_id: str, address: str | None = None,
                   environment: dict[str, str | None] | None = None) -> str:
    """The code of the binding cell. Both names are validated identifiers ([a-z0-9._-]), the address
    a canonical IP address or None, and ``environment`` a dict of strings (or None values); repr()
    keeps them all literal."""
    address = client_address(address)
    extra = ""
    if environment:
        clean = {str(k): (None if v is None else str(v)) for k, v in environment.items()}
        extra = f", environment={clean!r}"
    return f"import oefenkit.kernel\noefenkit.kernel.bind_person({username!r}, {app_id!r}, {address!r}{extra})"


def binding_cell(username: str, app_id: str, address: str | None = None) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(binding_source(username, app_id, address),
                                     metadata={"tags": ["oefenkit-binding"]})


def make_prelaunch_hook(kit):
    def prelaunch_hook(handler, notebook, cwd):
        user = handler.current_user
        if not user:
            raise PageError(403, "Log eerst in.")
        path = unquote(handler.request.path)
        if not path.startswith(RENDER_PREFIX):
            raise PageError(404, "Deze app bestaat niet.")
        try:
            app = app_for_path(path[len(RENDER_PREFIX):])
            # the person read with the login session in this request, or (hub mode) read now
            actor = request_actor(user) or kit.people.find_person(user.username)
        except NotFound as exc:
            raise PageError(404, str(exc)) from None
        if not can(actor, "open_app", app):
            handler.log.warning("Refused %s to %s (%s)", app.id, actor.username, actor.role)
            raise PageError(403, "Deze app is niet beschikbaar voor jouw rol of programma.")
        admit_page(handler, actor.username)
        address = handler.request.remote_ip
        cell = binding_cell(actor.username, app.id, address)
        notebook.cells.insert(0, cell)
        if (login_cell := login_session_cell(user)) is not None:  # "deze sessie" in Mijn gegevens
            notebook.cells.insert(1, login_cell)
        session_id = getattr(user, "session_id", None)
        PENDING_OWNER.set(KernelOwner(actor.username, app.id,
                                      login_session=session_id if isinstance(session_id, int) else None))
        # A kernel started ahead takes the request's environment through this cell (kernels.py).
        PENDING_BINDING.set(PendingBinding(
            cell, lambda environment: binding_source(actor.username, app.id, address, environment)))
        return notebook

    return prelaunch_hook
