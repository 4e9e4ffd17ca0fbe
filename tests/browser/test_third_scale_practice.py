"""A third scale in Chromium: a kit started on content with ``tests/fixtures/scales/acceptatie.yaml``
(``tests/test_third_scale.py``) shows its 1–9 row with its own colour hook and accessible names in
the practice app, asks it before the attempt can be handed in, and shows it in the feedback and the
clip's status — with no change to the code."""

from __future__ import annotations

from oefenkit.content import SAMPLES_DIR, load_content
from oefenkit.identity import SYSTEM
from oefenkit.storage import database
from oefenkit.storage.kit import Kit

from ..live_server import LiveServer, oefenkit_cmd
from ..test_third_scale import NEW, third_scale_content
from .test_login_landing import login
from .viewport import open_practice_clip


def test_the_practice_app_scores_a_third_scale(browser, tmp_path):
    content_dir = third_scale_content(tmp_path / "content")
    env = {"OEFENKIT_CONTENT_DIR": str(content_dir)}
    data_dir = tmp_path / "data"
    oefenkit_cmd(data_dir, "init", env=env)
    # the experts' scores on the new scale, as an organisation enters them (the library's verb)
    engine = database.make_engine(f"sqlite:///{data_dir / 'oefenkit.sqlite3'}")
    kit = Kit(engine)
    for case in load_content(content_dir, samples_dir=SAMPLES_DIR).cases:
        for judgement in case.experts["sensitiviteit"]:
            kit.update_or_create_expert_score(SYSTEM, case.code, NEW, judgement.score, "Warm.",
                                              expert_username=judgement.rater)
    engine.dispose()
    server = LiveServer(data_dir, env=env).start()
    try:
        server.add_user("drie.cursist", "cursist")
        context = browser.new_context(locale="nl-NL")
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.set_viewport_size({"width": 1366, "height": 768})
        login(page, server.base_url, "drie.cursist")
        page.locator(".ok-app-practice a").click()
        page.locator(".ok-case").first.wait_for()
        assert "sensitiviteit, coöperatie en acceptatie" in page.locator(".ok-practice").inner_text()
        first = page.locator(".ok-case").first
        title = first.locator(".ok-case-open").inner_text()
        open_practice_clip(page, first.locator(".ok-case-open"))
        assert page.locator(".ok-score-row").count() == 3
        page.locator(".ok-score-sensitivity button", has_text="7").click()
        page.locator(".ok-score-cooperation button", has_text="4").click()
        assert page.locator(".ok-submit").is_disabled()  # the third scale is still open
        page.get_by_role("button", name="Acceptatie 6").click()
        page.get_by_role("button", name="Acceptatie 6", pressed=True).wait_for()
        page.wait_for_function("!document.querySelector('.ok-submit').disabled")
        page.locator(".ok-submit").click()
        feedback = page.locator(".ok-feedback")
        feedback.wait_for(state="visible")
        assert "Acceptatie" in feedback.inner_text()
        page.reload()
        page.locator(".ok-case").first.wait_for()
        assert "acceptatie 6" in page.locator(".ok-case", has_text=title).first.inner_text()
        context.close()
    finally:
        server.stop()
