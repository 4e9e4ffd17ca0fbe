"""A short Dutch message box (errors, hints)."""

from __future__ import annotations

import html

import ipywidgets as w

from .shared import plain_html_style, plain_layout

__all__ = ["Notice"]


class Notice(w.HTML):
    """Plain text in a coloured box; the text is escaped, never rendered as HTML."""

    def __init__(self, text: str, kind: str = "info"):
        if kind not in {"info", "error"}:
            raise ValueError(kind)
        super().__init__(f"<div role='{'alert' if kind == 'error' else 'status'}'>{html.escape(text)}</div>",
                         layout=plain_layout(), style=plain_html_style(),
                         _dom_classes=("ok-notice", f"ok-notice-{kind}"))
        self.text = text
