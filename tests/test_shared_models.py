"""Layouts and styles shared by a page's static widgets (``widgets/shared.py``, issue 14).

A room of phones opening the participant page at once paid per widget model: a comm message the
server parses and a state each browser fetches. Static widgets now share one layout and one HTML
style per page; the shared models refuse changes, since a change would show on every widget."""

from __future__ import annotations

import ipywidgets as w
import pytest

from oefenkit_widgets import shared
from oefenkit_widgets.notice import Notice
from oefenkit_widgets.shared import (
    SharedModelChanged,
    hidden_layout,
    plain_html_style,
    plain_layout,
    static_box,
    static_html,
)
from oefenkit_widgets.tables import DataTable

from .live_server import PASSWORD
from .test_server_http import Client


@pytest.fixture(autouse=True)
def fresh_page():
    """Each test is a page of its own: no shared model left from another test (whose widgets may have
    been made under another comm manager)."""
    shared._shared.clear()
    yield
    shared._shared.clear()


def test_static_widgets_share_one_layout_and_style_and_keep_their_classes():
    """Do two static HTMLs, a box, a notice and a table use one layout model and one style model, with
    their CSS classes set at construction?"""
    a, b = static_html("<p>a</p>", ["ok-a"]), static_html("<p>b</p>")
    box = static_box([a, b], ["ok-box"])
    notice, table = Notice("Let op", kind="error"), DataTable(["x"], [[1]], css_class="ok-extra")
    layouts = {id(x.layout) for x in (a, b, box, notice, table)}
    assert layouts == {id(plain_layout())}
    assert {id(x.style) for x in (a, b, notice, table)} == {id(plain_html_style())}
    assert a._dom_classes == ("ok-a",) and box._dom_classes == ("ok-box",)
    assert notice._dom_classes == ("ok-notice", "ok-notice-error")
    assert table._dom_classes == ("ok-table", "ok-extra")
    assert hidden_layout().display == "none" and plain_layout().display is None
    # a widget built the normal way still gets a layout of its own
    assert w.HTML("c").layout is not plain_layout()


@pytest.mark.parametrize("change", [
    lambda: setattr(plain_layout(), "display", "none"),
    lambda: setattr(static_html("x").layout, "width", "10rem"),
    lambda: setattr(hidden_layout(), "display", "block"),
    lambda: setattr(plain_html_style(), "font_size", "2rem"),
    lambda: setattr(Notice("x").layout, "display", "none"),
])
def test_a_shared_model_refuses_every_change(change):
    """Does changing a shared layout or style raise, instead of silently changing every widget that
    shares it, and does the model keep its value?"""
    before = (plain_layout().display, hidden_layout().display, plain_html_style().font_size)
    with pytest.raises(SharedModelChanged):
        change()
    assert (plain_layout().display, hidden_layout().display, plain_html_style().font_size) == before


def test_a_closed_shared_layout_is_replaced():
    """When the page's shared layout was closed, does the next widget get a new, open one?"""
    old = plain_layout()
    old.close()
    new = static_html("x").layout
    assert new is not old and new.comm is not None and new is plain_layout()


def test_participant_page_sends_few_widget_models(live_server):
    """How many widget models does the terugkomdag participant page hand a phone? Each one was a
    message the server parsed while 30 phones opened the page at once, and a state each phone fetched:
    41 models before layouts and styles were shared, 25 now (this guards against creeping back)."""
    from .security.kernel_ws import page_widget_states

    live_server.add_user("tel.modellen", "cursist", "Tel Modellen")
    client = Client(live_server.base_url)
    client.login("tel.modellen", PASSWORD)
    states = page_widget_states(client, "/voila/render/training/terugkomdag.ipynb")
    kinds = [s["model_name"] for s in states.values()]
    assert any(s["model_name"] == "TextModel" and "Code" in s["state"].get("description", "")
               for s in states.values())  # the page is there: its code field
    assert kinds.count("LayoutModel") <= 5, kinds
    assert kinds.count("HTMLStyleModel") <= 1, kinds
    assert len(kinds) <= 26, kinds
