"""A short Dutch message box (errors, hints)."""

from __future__ import annotations

import html

import ipywidgets as w

__all__ = ["Notice"]


class Notice(w.HTML):
    """Plain text in a coloured box; the text is escaped, never rendered as HTML."""

    def __init__(self, text: str, kind: str = "info"):
        if kind not in {"info", "error"}:
            raise ValueError(kind)
        super().__init__(f"<div role='{'alert' if kind == 'error' else 'status'}'>{html.escape(text)}</div>")
        self.text = text
        self.add_class("ok-notice")
        self.add_class(f"ok-notice-{kind}")
