"""A button that asks before it acts: one click shows "Ja, …" / "Annuleren" in its place.

For actions that cannot be undone (handing in an exam attempt, closing a terugkomdag). The
confirmation stays inside the page (no browser dialog), so it works the same on a projector,
a phone and with a keyboard. Hooks: the button keeps its own class ``<css>``; the question is
``<css>-question``, the confirming button ``<css>-confirm`` and the cancel button ``<css>-cancel``.
"""

from __future__ import annotations

import html
from typing import Any, Callable

import ipywidgets as w

__all__ = ["ConfirmButton"]


class ConfirmButton(w.HBox):
    """``button`` (a normal :class:`ipywidgets.Button`, so ``disabled`` works as usual) and, after
    a click, ``question`` with ``yes`` / ``no``. ``on_confirm()`` runs only after "Ja"."""

    def __init__(self, button: w.Button, css: str, question: str | Callable[[], str], yes: str,
                 on_confirm: Callable[[], Any], *, no: str = "Annuleren"):
        self.button = button
        button.add_class(css)
        self._question = question
        self._on_confirm = on_confirm
        self.question = w.HTML()
        self.question.add_class(f"{css}-question")
        self.yes = w.Button(description=yes, button_style=button.button_style or "primary",
                            layout=w.Layout(width="auto"))
        self.yes.add_class(f"{css}-confirm")
        self.no = w.Button(description=no, layout=w.Layout(width="auto"))
        self.no.add_class(f"{css}-cancel")
        self.asking = w.VBox([self.question, w.HBox([self.yes, self.no], layout=w.Layout(flex_flow="row wrap"))],
                             layout=w.Layout(display="none"))
        self.asking.add_class(f"{css}-asking")
        button.on_click(lambda _b: self.ask())
        self.yes.on_click(lambda _b: self.confirm())
        self.no.on_click(lambda _b: self.cancel())
        super().__init__([button, self.asking], layout=w.Layout(flex_flow="row wrap", align_items="center"))

    @property
    def is_asking(self) -> bool:
        return self.asking.layout.display != "none"

    def ask(self) -> None:
        if self.button.disabled:
            return
        text = self._question() if callable(self._question) else self._question
        self.question.value = f"<p role='alert'><strong>{html.escape(text)}</strong></p>"
        self.button.layout.display = "none"
        self.asking.layout.display = None

    def cancel(self) -> None:
        self.asking.layout.display = "none"
        self.button.layout.display = None

    def confirm(self) -> None:
        if not self.is_asking or self.button.disabled:
            return
        self.cancel()
        self._on_confirm()
