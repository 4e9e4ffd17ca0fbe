"""Bring the result of an action into view and give it the focus.

ipywidgets cannot scroll or move the focus. :class:`Reveal` is a tiny front-end
widget (``anywidget``): ``reveal(selector)`` sends it one custom message, and the
browser then finds the last *visible* element matching the CSS selector (waiting
up to a few seconds for it to be rendered; nothing happens when the person pressed a
key, clicked, tapped or scrolled since the request came), makes it focusable (``tabindex=-1``
unless it already is), scrolls it into view (``block: 'center'``, or its top when
it is taller than the scroll box; Voilà scrolls inside ``#rendered_cells``, which
``scrollIntoView`` handles) and focuses it. The focused element shows the kit's
focus ring (``.ok-revealed:focus`` in :mod:`oefenkit_widgets.theme`).

A custom message is not part of the widget state, so a reload never replays an
old reveal. One instance per kernel (one page per kernel in Voilà): pages put
:func:`reveal_anchor` somewhere in their body, callbacks call :func:`reveal`.
"""

from __future__ import annotations

import anywidget

from .shared import hidden_layout

__all__ = ["Reveal", "reveal", "reveal_anchor"]

_ESM = r"""
const FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

function visible(el) {
  return el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
}

function scrollBox(el) {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const s = getComputedStyle(p);
    if (/(auto|scroll)/.test(s.overflowY) && p.scrollHeight > p.clientHeight) return p;
  }
  return null;
}

function bringIntoView(el) {
  if (!el.matches(FOCUSABLE)) el.setAttribute("tabindex", "-1");
  el.classList.add("ok-revealed");
  const box = scrollBox(el);
  const height = box ? box.clientHeight : window.innerHeight;
  const tall = el.getBoundingClientRect().height > 0.9 * height;
  el.scrollIntoView({ block: tall ? "start" : "center", inline: "nearest" });
  el.focus({ preventScroll: true });
}

let latest = 0; // only the newest request counts: a later reveal replaces a pending one
let lastInput = 0; // when the person last pressed a key or a pointer
for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) {
  document.addEventListener(type, () => { lastInput = performance.now(); }, { capture: true, passive: true });
}

function find(selector) {
  try {
    const found = Array.from(document.querySelectorAll(selector)).filter(visible);
    return found[found.length - 1] || null;
  } catch (e) {
    return undefined; // not a valid selector: nothing to do
  }
}

function reveal(selector) {
  const mine = ++latest;
  const asked = performance.now();
  const deadline = asked + 4000;
  // The person has moved on (clicked, typed, scrolled) since the request came: leave the page alone.
  const current = () => mine === latest && lastInput <= asked;
  let shown = null;
  const attempt = () => {
    if (!current()) return;
    const el = find(selector);
    if (el === undefined) return;
    if (el && el !== shown) { // first found, or replaced by a newer element (a new notice)
      bringIntoView(el);
      shown = el;
    }
    // keep watching briefly: the element may still be re-rendered or replaced
    if (performance.now() < (shown ? asked + 1000 : deadline)) setTimeout(attempt, shown ? 100 : 50);
  };
  attempt(); // at once when the element is there: before the person can act on the moved page
}

function initialize({ model }) {
  model.on("msg:custom", (msg) => {
    if (msg && msg.reveal) reveal(msg.reveal);
  });
}

function render({ el }) {
  el.classList.add("ok-reveal");
}

export default { initialize, render };
"""


class Reveal(anywidget.AnyWidget):
    """Scrolls an element into view and focuses it on request (see the module docstring)."""

    _esm = _ESM

    def __init__(self, **kwargs):
        super().__init__(layout=hidden_layout(), **kwargs)

    def show(self, selector: str) -> None:
        """Scroll the last visible element matching ``selector`` into view and focus it."""
        self.send({"reveal": selector})


_instance: Reveal | None = None


def reveal_anchor() -> Reveal:
    """This kernel's :class:`Reveal` (created on first use); put it in the page once."""
    global _instance
    if _instance is None or _instance.comm is None:  # none yet, or closed
        _instance = Reveal()
    return _instance


def reveal(selector: str) -> None:
    """Bring the element matching ``selector`` into view and focus it (no-op without a browser)."""
    reveal_anchor().show(selector)
