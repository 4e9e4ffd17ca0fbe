"""The start page (``notebooks/start.ipynb``): the apps this person may open."""

from __future__ import annotations

from oefenkit.apps import apps_for
from oefenkit.identity import Actor

from ..landing import LandingPage

__all__ = ["landing_page"]


def landing_page(person: Actor) -> LandingPage:
    return LandingPage(person.display_name, person.role_label, apps_for(person))
