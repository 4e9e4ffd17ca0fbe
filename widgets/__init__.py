"""Reusable ipywidgets components of the Oefenkit apps.

Components take plain data and callbacks and never touch the database; the
notebooks in ``notebooks/`` compose them over the core (``oefenkit``). Every
element a UI test drives carries a stable ``ok-…`` CSS class (see
``docs/ui-hooks.md``).
"""

from .landing import LandingPage
from .notice import Notice
from .shell import AppPage, show_app
from .tables import DataTable

__all__ = ["AppPage", "DataTable", "LandingPage", "Notice", "show_app"]
