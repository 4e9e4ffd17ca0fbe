"""Lesmodules (``notebooks/training/modules.ipynb``): the course modules with the person's own progress."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs

import ipywidgets as w

from oefenkit.content import load_content
from oefenkit.identity import Actor
from oefenkit.practice import clip_url, subtitles_url
from oefenkit.scales import current
from oefenkit.storage.kit import Kit

from ..modules import ModulesBrowser

__all__ = ["modules_page"]


def modules_page(kit: Kit, person: Actor, content_dir, query: str | None = None) -> w.VBox:
    """The course-modules app: the modules of ``content_dir/modules`` with the person's own progress.

    The content is read (and validated) when the app starts; progress is read and
    written only through the façade (``list_module_progress``, ``update_module_progress``).
    ``?module=<code>`` in the page's query string (``query``, default the ``QUERY_STRING``
    Voilà passes to the kernel) opens that module at once, as the links from the screens
    with statistics do (:func:`oefenkit.apps.module_url`); an unknown code shows the list.
    """
    content = load_content(Path(content_dir))
    newest: dict[str, dict] = {}
    for sc in current(content.scales):
        newest[sc.code] = {"name": sc.name, "anchors": sc.definition.get("anchors") or {},
                           "reference": sc.definition.get("reference") or ""}
    cases = {}
    for c in kit.cases.list_cases(person):
        cases[c.code] = {"title": c.title, "vignette": c.vignette,
                         "clip_url": clip_url(c.code) if c.clip_path else None,
                         "subtitles_url": subtitles_url(c.code) if c.clip_path else None}
    labels = {p.code: p.name for p in content.programmes}
    labels["context"] = "Context: opvoedproblemen, aanbod en de toets"
    progress = {p.module_code: p for p in kit.progress.list_module_progress(person)}
    browser = ModulesBrowser(
        content.modules, progress, group_labels=labels,
        save=lambda code, **changes: kit.progress.update_module_progress(person, code, **changes),
        situations={s.theme: s.as_dict() for s in content.voorbeeldsituaties},
        cases=cases, scales=newest,
    )
    query = os.environ.get("QUERY_STRING", "") if query is None else query
    wanted = (parse_qs(query).get("module") or [""])[0]
    if wanted in browser.modules:
        browser.open_module(wanted)
    return browser
