"""Page templates are compiled once per server, not once per page (oefenkit/server/templates.py, issue 14)."""

from __future__ import annotations

import jinja2
import pytest
from voila.exporter import VoilaExporter
from voila.paths import collect_template_paths

from oefenkit.server.app import VOILA_TEMPLATES_DIR
from oefenkit.server.templates import SharedBytecodeCache, install, warm


def page_template_paths() -> list[str]:
    return [str(VOILA_TEMPLATES_DIR), *collect_template_paths(["voila", "nbconvert"], "lab", prune=True)]


def test_a_new_page_loads_its_template_without_compiling(monkeypatch):
    """After the warm-up, does a new exporter (one per page in Voilà) load the page template and the kit's
    Dutch loading screen from the shared cache, without compiling anything?"""
    cache = SharedBytecodeCache()
    monkeypatch.setattr(VoilaExporter, "_create_environment", VoilaExporter._create_environment)
    assert warm(page_template_paths(), "lab", cache=cache) > 20
    environment = VoilaExporter(template_paths=page_template_paths(), template_name="lab",
                                contents_manager=None).environment
    assert environment.bytecode_cache is cache

    def no_compile(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(environment, "compile", no_compile)
    page = environment.get_template("index.html.j2")
    spinner = environment.get_template("spinner.macro.html.j2")
    assert spinner.filename == str(VOILA_TEMPLATES_DIR / "spinner.macro.html.j2")  # the kit's, not Voilà's
    assert page.filename.endswith("lab/index.html.j2")


def test_an_edited_template_is_compiled_again():
    """Does the shared cache notice a changed template source (its checksum), so an edit shows at once?"""
    cache = SharedBytecodeCache()
    sources = {"page.j2": "oud {{ x }}"}

    def environment():
        return jinja2.Environment(loader=jinja2.DictLoader(dict(sources)), bytecode_cache=cache, enable_async=False)

    assert environment().get_template("page.j2").render(x=1) == "oud 1"
    assert len(cache) == 1
    sources["page.j2"] = "nieuw {{ x }}"
    assert environment().get_template("page.j2").render(x=2) == "nieuw 2"


@pytest.mark.parametrize("is_async", [False, True])
def test_sync_and_async_environments_do_not_share_code(is_async):
    """Is a template compiled for an async environment kept apart from its sync compilation?"""
    cache = SharedBytecodeCache()
    loader = jinja2.DictLoader({"t.j2": "{{ 1 + 1 }}"})
    jinja2.Environment(loader=loader, bytecode_cache=cache, enable_async=not is_async).get_template("t.j2")
    env = jinja2.Environment(loader=loader, bytecode_cache=cache, enable_async=is_async)
    template = env.get_template("t.j2")
    if is_async:
        import asyncio

        assert asyncio.run(template.render_async()) == "2"
    else:
        assert template.render() == "2"
    assert len(cache) == 2


def test_install_is_idempotent():
    install()
    patched = VoilaExporter._create_environment
    install()
    assert VoilaExporter._create_environment is patched
