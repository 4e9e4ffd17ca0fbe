"""Carry on after a server restart: the page notices and opens itself again.

A page's kernel ends with the server. After a restart (an update, a crash, a reboot during a
terugkomdag) the browser still shows the old page, whose buttons now reach nothing, and Voilà says
nothing about it. :class:`ConnectionWatch` is an invisible front-end widget (``anywidget``) in every
app's frame (:class:`oefenkit_widgets.shell.AppPage`):

* every 10 s, and when the phone or tab comes back to the foreground or online, it asks
  ``/oefenkit/health``, which answers without a login or a database query and names the server's
  start (``started``, a random id per start; ``oefenkit/server/handlers.py``);
* no answer: a Dutch notice at the top ("De verbinding met de server is weg …"), asked again every 2 s;
  the notice goes once the same server answers again (a network gap: the kernel is still there);
* another ``started`` than at page load: the server restarted, so the page's kernel is gone. After
  a short random wait (a room of phones does not come back at the same moment) the page loads
  itself again. Everything a person entered was stored when it was saved; the apps pick it up
  again (the participant page rejoins its open session in the same round, with its own stored score).

Only a restart reloads: a page that the server closed for other reasons (too many pages of one
person, no access any more) is never reopened automatically, so two tabs cannot keep closing each
other.
"""

from __future__ import annotations

import anywidget

from .shared import hidden_layout

__all__ = ["ConnectionWatch"]

_ESM = r"""
const EVERY_MS = 10000;
const RETRY_MS = 2000;

function healthUrl() {
  let base = "/";
  const el = document.getElementById("jupyter-config-data");
  if (el) {
    try { base = JSON.parse(el.textContent).baseUrl || "/"; } catch (e) { /* default */ }
  }
  return base.replace(/\/?$/, "/") + "oefenkit/health";
}

async function started(url) {
  try {
    const r = await fetch(url, { cache: "no-store", credentials: "same-origin" });
    if (!r.ok) return null;
    return (await r.json()).started || null;
  } catch (e) {
    return null;
  }
}

function notice(text) {
  let box = document.querySelector(".ok-connection-notice");
  if (text === null) {
    if (box) box.remove();
    return;
  }
  if (!box) {
    box = document.createElement("div");
    box.className = "ok-connection-notice";
    box.setAttribute("role", "alert");
    document.body.prepend(box);
  }
  box.textContent = text;
}

function watch() {
  if (window.__oefenkitConnectionWatch) return; // one watch per page
  window.__oefenkitConnectionWatch = true;
  const url = healthUrl();
  let first = null;
  let timer = null;
  let reloading = false;
  const later = (ms) => { clearTimeout(timer); timer = setTimeout(check, ms); };
  async function check() {
    if (reloading) return;
    const now = await started(url);
    if (now === null) {
      notice("De verbinding met de server is weg. Deze pagina gaat vanzelf verder zodra de server weer bereikbaar is.");
      later(RETRY_MS);
      return;
    }
    if (first === null) first = now;
    if (now !== first) {
      reloading = true;
      notice("De server is opnieuw gestart. De pagina wordt opnieuw geopend…");
      setTimeout(() => location.reload(), 500 + Math.random() * 2500);
      return;
    }
    notice(null);
    later(EVERY_MS);
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) later(0); });
  window.addEventListener("online", () => later(0));
  check();
}

function render({ el }) {
  el.classList.add("ok-connection-watch");
  watch();
}

export default { render };
"""


class ConnectionWatch(anywidget.AnyWidget):
    """Invisible; reloads the page after a server restart (see the module docstring)."""

    _esm = _ESM

    def __init__(self, **kwargs):
        super().__init__(layout=hidden_layout(), **kwargs)
