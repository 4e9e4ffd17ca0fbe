"""The apps' pages: one module per app, each composing components over the core façade (``Kit``).

A notebook imports only its own app's module (``from oefenkit_widgets.pages.practice import practice_page``),
so its kernel loads that page and the components it uses, not every app. The pages receive the
façade and the person; every read and write goes through the façade's permission checks. Reusable
components live in ``widgets/*.py`` and how values are written in
:mod:`oefenkit_widgets.formatting`. Where to add an app: docs/architecture.md.
"""
