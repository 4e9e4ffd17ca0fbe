"""The landing page: who you are and the apps of your role."""

from __future__ import annotations

import html
from typing import Sequence

import ipywidgets as w

from oefenkit.apps import App

__all__ = ["LandingPage", "AREA_TITLES"]

AREA_TITLES = {
    "training": "Training en oefenen",
    "supervision": "Supervisie",
    "beheer": "Beheer",
}


def _link(app: App) -> w.HTML:
    card = w.HTML(
        f"<a href='{html.escape(app.url, quote=True)}'>{html.escape(app.title)}</a>"
        f"<p>{html.escape(app.description)}</p>"
    )
    card.add_class("ok-card")
    card.add_class(f"ok-link-{app.area}")
    card.add_class(f"ok-app-{app.id}")
    return card


class LandingPage(w.VBox):
    """Apps grouped by area; each link carries ``ok-link-<area>`` and ``ok-app-<id>``."""

    def __init__(self, display_name: str, role_label: str, apps: Sequence[App]):
        intro = w.HTML(
            f"<p>Welkom, <strong class='ok-name'>{html.escape(display_name)}</strong>. "
            f"Je bent aangemeld als <strong class='ok-role'>{html.escape(role_label)}</strong>.</p>"
        )
        children: list[w.Widget] = [intro]
        for area, title in AREA_TITLES.items():
            links = [_link(app) for app in apps if app.area == area]
            if not links:
                continue
            heading = w.HTML(f"<h2>{html.escape(title)}</h2>")
            heading.add_class("ok-section-title")
            children += [heading, *links]
        if len(children) == 1:
            children.append(w.HTML("<p>Er zijn nog geen apps voor jouw rol.</p>"))
        super().__init__(children)
        self.add_class("ok-landing")
        self.links = [c for c in children if "ok-card" in c._dom_classes]
