"""Layout and style models shared by a page's widgets that never change them.

By default every ipywidgets widget gets a Layout model of its own, and every HTML an HTMLStyle of its
own: one more object in the kernel, one more ``comm_open`` message (≈ 1 KB for a Layout, with every
default value in it) that the server parses while it runs the page, and one more state the browser
fetches. On the terugkomdag participant page those were 22 of its 41 models, and nearly all of them
were never changed (``benchmarks/room.py``, docs/architecture.md "Kernel start-up").

:func:`plain_layout`, :func:`hidden_layout` and :func:`plain_html_style` are one model each per page
(kernel), for widgets that keep their layout and style as they are. A shared model refuses every change
(:class:`SharedModelChanged`): a change would show on every widget that shares it, so a widget whose
layout changes (``display`` toggled, a width set) must keep its own.
:func:`static_html` and :func:`static_box` build such widgets with their CSS classes set at once
(``add_class`` after construction costs another message each).
"""

from __future__ import annotations

from typing import Sequence

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle

__all__ = ["SharedModelChanged", "hidden_layout", "plain_html_style", "plain_layout", "static_box", "static_html"]


class SharedModelChanged(TypeError):
    """A shared layout or style was changed (a programming error, never a user's)."""


class _ReadOnly:
    """Mixin: once :meth:`freeze` is called, the synced traits (``keys``) cannot change."""

    _frozen = False

    def freeze(self):
        self._frozen = True
        return self

    def __setattr__(self, name, value):
        if self._frozen and not name.startswith("_") and name in self.keys:
            raise SharedModelChanged(f"{type(self).__name__}.{name}: this model is shared by many widgets; "
                                     "give the widget a layout or style of its own instead")
        super().__setattr__(name, value)


class SharedLayout(_ReadOnly, w.Layout):
    """A :class:`ipywidgets.Layout` shared by several widgets (read-only once frozen)."""


class SharedHTMLStyle(_ReadOnly, HTMLStyle):
    """A :class:`ipywidgets.HTMLStyle` shared by several HTML widgets (read-only once frozen)."""


_shared: dict[str, w.Widget] = {}


def _one(key: str, make) -> w.Widget:
    model = _shared.get(key)
    if model is None or model.comm is None:  # none yet in this kernel, or closed
        model = _shared[key] = make().freeze()
    return model


def plain_layout() -> SharedLayout:
    """This page's shared default layout."""
    return _one("layout", SharedLayout)


def hidden_layout() -> SharedLayout:
    """This page's shared layout for widgets that take no room (front-end helpers, a stylesheet)."""
    return _one("hidden", lambda: SharedLayout(display="none", width="0", height="0"))


def plain_html_style() -> SharedHTMLStyle:
    """This page's shared default style of HTML widgets."""
    return _one("html_style", SharedHTMLStyle)


def static_html(value: str = "", classes: Sequence[str] = (), *, hidden: bool = False) -> w.HTML:
    """An HTML widget with the shared layout and style (its value may change, its layout not)."""
    return w.HTML(value, layout=hidden_layout() if hidden else plain_layout(), style=plain_html_style(),
                  _dom_classes=tuple(classes))


def static_box(children: Sequence[w.Widget] = (), classes: Sequence[str] = (), *, kind=w.VBox) -> w.Box:
    """A box (``kind``: VBox, HBox, Box) with the shared layout (its children may change, its layout not)."""
    return kind(list(children), layout=plain_layout(), _dom_classes=tuple(classes))
