"""Exam integrity: before a cursist submits, no expert score, consensus or rationale of an exam clip
reaches them, through any widget state of any app they may open, or over HTTP.

Voilà 0.5 does not put widget state in the page's HTML: the browser's widget manager gets it over the
kernel websocket. The live test therefore reads the states a cursist's browser receives there
(``kernel_ws.page_widget_states``), not the page HTML. Which apps a cursist may open comes from the
hand-written table in ``access_matrix.py``, not from ``can()``."""

from __future__ import annotations

import json

import ipywidgets.widgets.widget as widget_module
import pytest

import oefenkit.instance
import oefenkit.kernel
from oefenkit.apps import APPS
from oefenkit.identity import SYSTEM
from oefenkit.instance import init, open_kit
from oefenkit.settings import load_settings

from ..live_server import PASSWORD
from ..test_server_http import Client
from .access_matrix import APP_HOOKS, CURSIST, may_open
from .kernel_ws import dom_classes, kernel_id_of, kernel_widget_states
from .test_xss import _notebook_code


def _fragments(text: str, size: int = 30) -> list[str]:
    """Distinctive pieces of a rationale (whole text when short)."""
    text = " ".join(text.split())
    if len(text) <= size:
        return [text] if len(text) >= 12 else []
    return [text[i:i + size] for i in range(0, len(text) - size + 1, size)]


def _exam_secrets(kit) -> list[str]:
    """Rationale and consensus texts of the exam clips (what must stay hidden).

    Rationales often quote the scale's anchors, which every scorer shows; pieces that occur in the
    published scale definitions are not secret and are left out."""
    public = " ".join(" ".join(json.dumps(s.definition, ensure_ascii=False).split()) for s in kit.list_scales())
    secrets = []
    for case in kit.list_cases(SYSTEM, with_expert_scores=True):
        if "toets" not in case.set_codes:
            continue
        for score in case.expert_scores:
            secrets += _fragments(score.rationale)
        for key in ("rationale", "consensus"):
            value = case.details.get(key)
            if isinstance(value, str):
                secrets += _fragments(value)
            elif isinstance(value, dict):
                secrets += [f for v in value.values() if isinstance(v, str) for f in _fragments(v)]
    return [f for f in secrets if f not in public]


@pytest.fixture(scope="module")
def exam_kit(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("exam-integrity") / "data"
    settings = load_settings(data_dir=data_dir)
    init(settings)
    kit = open_kit(settings)
    cursist = kit.add_person(SYSTEM, "toets.cursist", role="cursist", display_name="Toets Cursist",
                             password=PASSWORD)
    attempt = kit.start_exam(cursist, "ouder-baby", max_attempts=3, rng_seed=7)
    for case in attempt.cases[: len(attempt.cases) // 2]:
        kit.save_exam_rating(cursist, attempt.id, case.code, {"sensitiviteit": 5, "cooperatie": 5}, note="half")
    yield kit, kit.find_person("toets.cursist")
    kit.engine.dispose()


def test_the_secrets_exist(exam_kit):
    """The check below is only meaningful when the exam clips have rationales to leak."""
    kit, _ = exam_kit
    assert len(_exam_secrets(kit)) >= 10


def _state_of_new_widgets(before: set) -> str:
    states = []
    for key, widget in list(widget_module._instances.items()):
        if key in before:
            continue
        state = widget.get_state()
        states.append(json.dumps({k: v for k, v in state.items() if not isinstance(v, (bytes, memoryview))},
                                 default=str, ensure_ascii=False))
    return "\n".join(states)


@pytest.mark.parametrize("app", [a for a in APPS if may_open(CURSIST, a)], ids=lambda a: a.id)
def test_no_widget_state_of_a_cursist_app_holds_exam_secrets(exam_kit, monkeypatch, app):
    """Every widget the app builds for a cursist in the middle of an exam: no rationale, no consensus."""
    kit, cursist = exam_kit
    monkeypatch.setattr(oefenkit.kernel, "_person", cursist)
    monkeypatch.setattr(oefenkit.kernel, "_app", app)
    monkeypatch.setattr(oefenkit.instance, "current_kit", lambda: kit)
    monkeypatch.setattr(oefenkit.kernel, "current_kit", lambda: kit)
    before = set(widget_module._instances)
    exec(_notebook_code(app), {})
    state = _state_of_new_widgets(before)
    assert len(state) > 200
    leaked = [s for s in _exam_secrets(kit) if s in state]
    assert not leaked, f"{app.id}: exam rationale in the widget state: {leaked[:3]}"


def test_the_exam_app_resumes_without_expert_fields(exam_kit, monkeypatch):
    """The resumed exam's widget state carries the cursist's own scores but no expert field names."""
    kit, cursist = exam_kit
    app = next(a for a in APPS if a.id == "exam")
    monkeypatch.setattr(oefenkit.kernel, "_person", cursist)
    monkeypatch.setattr(oefenkit.kernel, "_app", app)
    monkeypatch.setattr(oefenkit.instance, "current_kit", lambda: kit)
    monkeypatch.setattr(oefenkit.kernel, "current_kit", lambda: kit)
    before = set(widget_module._instances)
    exec(_notebook_code(app), {})
    state = _state_of_new_widgets(before).lower()
    for word in ("expert", "consensus", "rationale", "onderbouwing"):
        assert word not in state, word


def test_no_route_gives_a_cursist_exam_secrets(live_server):
    """Over the real server, with an exam half done: the widget states every app a cursist may open
    sends to their browser (over the kernel websocket) and the exam clips' subtitles hold no rationale
    or consensus; every other app (supervision: where expert scores live) is refused."""
    live_server.add_user("toets.http", "cursist")
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        person = kit.find_person("toets.http")
        kit.add_group(SYSTEM, "Toets-team", programme_code="ouder-baby")  # so intervision shows its panel
        kit.add_group_member(SYSTEM, "Toets-team", "toets.http")
        attempt = kit.start_exam(person, "ouder-baby", max_attempts=3, rng_seed=3)
        for case in attempt.cases[:3]:
            kit.save_exam_rating(person, attempt.id, case.code, {"sensitiviteit": 5, "cooperatie": 5})
        secrets = _exam_secrets(kit)
    finally:
        kit.engine.dispose()
    assert secrets
    client = Client(live_server.base_url)
    assert client.login("toets.http", PASSWORD)[0] == 302
    sent = []
    for app in APPS:
        status, _, page = client.request(app.url)
        if not may_open(CURSIST, app):
            assert status == 403, app.id
            assert not [s for s in secrets if s in page], app.id
            continue
        assert status == 200, app.id
        states = kernel_widget_states(client, kernel_id_of(page))
        assert APP_HOOKS[app.id] in dom_classes(states), app.id  # the app really rendered
        text = json.dumps(states, ensure_ascii=False, default=str)
        if app.id == "exam":
            # The exam screen of the open attempt reached the browser, with this cursist's clips.
            assert "ok-exam" in dom_classes(states)
            assert attempt.cases[0].title in text or any(c.title in text for c in attempt.cases)
        sent.append(text)
    for case in attempt.cases:
        status, _, body = client.request(f"/oefenkit/media/subtitles/{case.code}.vtt")
        assert status == 200
        sent.append(body)
    everything = "\n".join(sent)
    leaked = [s for s in secrets if s in everything]
    assert not leaked, leaked[:3]
