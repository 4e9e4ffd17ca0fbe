"""Every screen that shows a statistic links to the module "Hoe de toets werkt" (issue 18).

The apps run in-process for every role (as ``tests/test_words.py`` does, on its kit with a
practice rating and a submitted exam). A page that shows one of the statistics' names must
also carry the link of :func:`oefenkit_widgets.statistics_link.statistics_link_html`. The screens
that only show numbers after an action (practice feedback, the live dashboard, intervision)
are checked on their rendering functions with real data. The link opens the Lesmodules app
on that module (``?module=``).
"""

from __future__ import annotations

import re

import pytest

from oefenkit.apps import module_url
from oefenkit.identity import SYSTEM
from oefenkit.intervision import IntervisionScore, Visit, build_series, visit_labels
from oefenkit.modules import STATISTICS_MODULE
from oefenkit.settings import PROJECT_ROOT
from oefenkit_widgets.statistics_link import statistics_link_html

from .security.test_xss import _cases, _html_values, build_app_page
from .test_words import _find, visible_texts, words_kit  # noqa: F401 - the fixture is used by name

CONTENT = PROJECT_ROOT / "content"
LINK = module_url(STATISTICS_MODULE)
#: Words that mean a statistic is on the screen.
STATISTIC_WORDS = re.compile(r"ICC|binnen één punt|gemiddeld verschil|spreiding experts|mediaan|"
                             r"Krippendorff|uitersten herkend", re.IGNORECASE)


def has_link(markup: str) -> bool:
    return LINK.replace("&", "&amp;") in markup or LINK in markup


def test_link_opens_the_statistics_module():
    """Does the link point at the Lesmodules app with ?module= the statistics module, in a new tab,
    saying so?"""
    markup = statistics_link_html()
    assert has_link(markup) and LINK.endswith("/voila/render/training/modules.ipynb?module=context-hoe-de-toets-werkt")
    assert "target='_blank'" in markup and "rel='noopener'" in markup and "nieuw tabblad" in markup


def _page_text_and_markup(kit, person, app, monkeypatch):
    page = build_app_page(kit, person, app, monkeypatch)
    for button in _find(page, "ok-compare-show"):  # Vergelijken: show the first group, set and scale
        button.click()
    return "\n".join(visible_texts(page)), list(_html_values(page))


@pytest.mark.parametrize(("app", "role"), [(a, r) for a, r in _cases() if a.id != "modules"],
                         ids=lambda x: getattr(x, "id", x))
def test_every_app_page_with_a_statistic_links_to_the_explanation(words_kit, monkeypatch, app, role):  # noqa: F811
    """Does every app page that shows a statistic (ICC, binnen één punt, gemiddeld verschil, …) also
    link to 'Hoe de toets werkt'? (The Lesmodules app holds the explanation itself.)"""
    kit, people = words_kit
    shown, markup = _page_text_and_markup(kit, people[role], app, monkeypatch)
    if STATISTIC_WORDS.search(shown):
        assert any(has_link(m) for m in markup), f"{app.id} as {role}: statistic without link"


@pytest.mark.parametrize(("app_id", "role"), [("exam", "cursist"), ("compare", "trainer"), ("certificates", "trainer")])
def test_the_screens_with_statistics_show_them_and_the_link(words_kit, monkeypatch, app_id, role):  # noqa: F811
    """Do the exam result, Vergelijken and Certificering really show statistics on the test kit (so the
    scan above checks them), each with the link?"""
    kit, people = words_kit
    app = next(a for a, _r in _cases() if a.id == app_id)
    shown, markup = _page_text_and_markup(kit, people[role], app, monkeypatch)
    assert STATISTIC_WORDS.search(shown), f"{app_id} shows no statistic"
    assert any(has_link(m) for m in markup)


def test_practice_feedback_links_to_the_explanation(words_kit):  # noqa: F811
    """Does the practice feedback (own score, consensus, spread of the experts) carry the link?"""
    from oefenkit_widgets.practice import FeedbackPanel

    kit, people = words_kit
    case = next(c for c in kit.list_cases(SYSTEM) if "oefenen" in c.set_codes)
    feedback = kit.submit_practice(people["cursist"], case.code, {"sensitiviteit": 4, "cooperatie": 6})
    panel = FeedbackPanel()
    panel.show(feedback)
    assert "Spreiding experts" in panel.value and has_link(panel.value)


def test_intervision_summary_links_to_the_explanation():
    """Does the intervision summary (team median per visit) carry the link?"""
    from oefenkit_widgets.intervision import summary_html

    codes = ("eerste", "laatste", "vervolg")
    visits = [Visit(c, label, c) for c, label in zip(codes, visit_labels(3))]
    records = [IntervisionScore("ann", "Ann", "eerste", "sensitiviteit", 3),
               IntervisionScore("ann", "Ann", "laatste", "sensitiviteit", 7)]
    markup = summary_html(build_series(visits, [("ann", "Ann")], records, scales=["sensitiviteit"]))
    assert "Teammediaan" in markup and has_link(markup)


def test_dashboard_links_to_the_explanation(words_kit):  # noqa: F811
    """Does the trainer's live screen (distribution, median, Krippendorff's alpha) carry the link
    once a round is open?"""
    from oefenkit_widgets.dashboard import dashboard_page

    kit, people = words_kit
    page = dashboard_page(kit, people["trainer"])
    page.create()
    page.open_round()
    page.refresh()
    markup = "".join(_html_values(page))
    assert "Krippendorff" in markup and "Mediaan" in markup and has_link(markup)


@pytest.mark.parametrize(("query", "opened"), [
    ("module=context-hoe-de-toets-werkt", "context-hoe-de-toets-werkt"),
    ("module=bestaat-niet", None),
    ("", None),
])
def test_modules_app_opens_the_module_named_in_the_query(words_kit, query, opened):  # noqa: F811
    """Does ?module=<code> open that module at once, and an unknown code or none show the list?"""
    from oefenkit_widgets.pages.modules import modules_page

    kit, people = words_kit
    app = modules_page(kit, people["cursist"], CONTENT, query=query)
    if opened is None:
        assert app.viewer is None and app.module_list in app.body.children
    else:
        assert app.viewer is not None and app.viewer.module.code == opened
