"""A read-only table of plain rows (every cell escaped)."""

from __future__ import annotations

import html
from typing import Any, Sequence

import ipywidgets as w

from .shared import plain_html_style, plain_layout

__all__ = ["DataTable"]


class DataTable(w.HTML):
    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "Geen gegevens.",
                 css_class: str | None = None, label: str = "Tabel"):
        if rows:
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
            )
            # A wide table scrolls sideways inside its own box (on a phone), which keyboard users must be able
            # to focus to scroll it (WCAG 2.1.1; axe scrollable-region-focusable).
            # Its name (label) tells the tables of one page apart.
            value = (f"<div class='ok-table-scroll' tabindex='0' role='region' aria-label='{html.escape(label)}'>"
                     f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")
        else:
            value = f"<p>{html.escape(empty)}</p>"
        super().__init__(value, layout=plain_layout(), style=plain_html_style(),
                         _dom_classes=("ok-table", css_class) if css_class else ("ok-table",))
        self.rows = [list(r) for r in rows]
