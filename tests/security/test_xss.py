"""XSS: names, group names, notes, case titles and vignettes that contain HTML or JavaScript are shown
as text in every app.

``ipywidgets.HTML`` puts its value into the page as markup, so every app must escape what people typed.
This test runs the code of every catalogued app notebook in-process, for every role that may open it,
over a kit whose data is full of markup, and inspects every widget the app builds. A browser test
checks the same on the real pages (no script runs, the text shows literally).
"""

from __future__ import annotations

import ast
import json

import ipywidgets as w
import pytest

import oefenkit.instance
import oefenkit.kernel
from oefenkit.apps import APPS
from oefenkit.identity import SYSTEM
from oefenkit.instance import init, open_kit
from oefenkit.settings import PROJECT_ROOT, load_settings

from ..live_server import PASSWORD
from .access_matrix import may_open

MARKUP = ('<img src=x onerror="window.__xss=1">', "<script>window.__xss=2</script>",
          '<a href="javascript:window.__xss=3">klik</a>')
RAW_MARKERS = ("<img src=x", "<script>", 'href="javascript:')


def hostile(label: str, i: int = 0) -> str:
    return f"{label} {MARKUP[i % len(MARKUP)]}"


@pytest.fixture(scope="module")
def hostile_kit(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("xss") / "data"
    settings = load_settings(data_dir=data_dir)
    init(settings)
    kit = open_kit(settings)
    people = {}
    for i, role in enumerate(("cursist", "trainer", "coordinator")):
        people[role] = kit.add_person(SYSTEM, f"xss.{role}", role=role, display_name=hostile(role.title(), i),
                                      password=PASSWORD)
    group = hostile("Groep", 1)[:120]
    kit.add_group(SYSTEM, group, programme_code="babytijd")
    for person in people.values():
        kit.add_group_member(SYSTEM, group, person.username)
    cases = kit.list_cases(SYSTEM)
    practice = next(c for c in cases if "oefenen" in c.set_codes)
    kit.update_or_create_case(SYSTEM, practice.code, hostile("Titel", 2), programme_code=practice.programme_code,
                              vignette=hostile("Vignet", 0), details=practice.details, synthetic=practice.synthetic,
                              clip_path=practice.clip_path)
    kit.add_ratings(people["cursist"], practice.code, {"sensitiviteit": 6, "cooperatie": 5},
                    note=hostile("Notitie", 1))
    yield kit, people
    kit.engine.dispose()


def _notebook_code(app) -> str:
    nb = json.loads((PROJECT_ROOT / "notebooks" / app.path).read_text(encoding="utf-8"))
    code = "\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "code")
    tree = ast.parse(code)
    last = tree.body[-1]
    assert isinstance(last, ast.Expr), f"{app.path}: the last statement should build the page"
    tree.body[-1] = ast.Assign(targets=[ast.Name("__page__", ast.Store())], value=last.value)
    return compile(ast.fix_missing_locations(tree), app.path, "exec")


def build_app_page(kit, person, app, monkeypatch):
    """Run ``app``'s notebook in this process as ``person`` would see it (the kernel's person and app
    bound, the kit given) and return the page it builds."""
    monkeypatch.setattr(oefenkit.kernel, "_person", person)
    monkeypatch.setattr(oefenkit.kernel, "_app", app)
    monkeypatch.setattr(oefenkit.instance, "current_kit", lambda: kit)
    monkeypatch.setattr(oefenkit.kernel, "current_kit", lambda: kit)
    namespace: dict = {}
    exec(_notebook_code(app), namespace)
    return namespace["__page__"]


def _html_values(widget, seen=None):
    """Every piece of markup a widget tree sends to the page."""
    seen = set() if seen is None else seen
    if id(widget) in seen:
        return
    seen.add(id(widget))
    if isinstance(widget, (w.HTML, w.HTMLMath)):
        yield widget.value
    if isinstance(widget, w.Output):
        for output in widget.outputs:
            for mime, data in output.get("data", {}).items():
                if "html" in mime or "svg" in mime or "javascript" in mime:
                    yield data if isinstance(data, str) else "".join(data)
    for child in getattr(widget, "children", ()) or ():
        if isinstance(child, w.Widget):
            yield from _html_values(child, seen)


def _cases():
    """(app, role) for every role that may open the app by the hand-written table (refusals: see the
    authorisation matrix)."""
    return [(app, role) for app in APPS for role in ("cursist", "trainer", "coordinator") if may_open(role, app)]


@pytest.mark.parametrize(("app", "role"), _cases(), ids=lambda x: getattr(x, "id", x))
def test_every_app_shows_markup_as_text(hostile_kit, monkeypatch, app, role):
    kit, people = hostile_kit
    page = build_app_page(kit, people[role], app, monkeypatch)
    values = list(_html_values(page))
    assert values, "the app built no HTML at all"
    shown = "\n".join(values)
    for marker in RAW_MARKERS:
        assert marker not in shown, f"{app.id} as {role}: raw markup {marker!r} in the page"
    # The person's own name is on every page (header), escaped.
    assert "&lt;" in shown
