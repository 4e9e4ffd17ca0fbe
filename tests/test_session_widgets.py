"""The terugkomdag pages (``widgets/session.py``, ``widgets/dashboard.py``) over a real façade:
build the pages, poke widget values, and let the live poller run on an asyncio loop."""

from __future__ import annotations

import asyncio
import html
import re
import threading

import pytest

from oefenkit.certification import load_rules
from oefenkit.identity import SYSTEM
from oefenkit.sessions import load_prompts
from oefenkit.settings import PROJECT_ROOT
from oefenkit_widgets.dashboard import dashboard_page, histogram_html, participant_url, qr_svg
from oefenkit_widgets.session import LivePoller, code_from_query, session_page

CONTENT = PROJECT_ROOT / "content"


@pytest.fixture
def setup(kit, content, people, samples_loaded):
    trainer = people["trainer"]
    dash = dashboard_page(kit, trainer, rules=load_rules(CONTENT),
                          prompts=load_prompts(CONTENT / "sessions" / "gespreksvragen.yaml"))
    return kit, trainer, dash, [people["cursist"], people["cursist2"]]


def score(page, sens: int, coop: int, note: str = "") -> None:
    page.scorers[0].choose(sens)
    page.scorers[1].choose(coop)
    page.note.value = note
    page.submit_button.click()


def text_of(widget) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", widget.value)).split())


def test_trainer_and_participants_run_a_round(setup):
    """Does the trainer create a session, participants join with the code shown, score, and does the
    dashboard count them, show the statistics without names, and after close + reveal the expert
    score, while the participant sees the feedback?"""
    kit, trainer, dash, (a, b) = setup
    dash.create_button.click()
    code = re.search(r">([A-Z2-9]{6})<", dash.code.value).group(1)
    assert "<svg" in dash.qr.value and dash.open_button.disabled is False
    pa, pb = session_page(kit, a, code=""), session_page(kit, b, code=code.lower())
    pa.code.value = code
    pa.join_button.click()
    pb.join_button.click()
    assert pa.join_box.layout.display == "none" and "Welkom" in pa.message.children[0].text
    dash.open_button.click()
    pa.refresh(), pb.refresh()
    assert pa.round_box.layout.display is None and "ok-video" in pa.player._dom_classes
    assert pa.submit_button.disabled  # nothing chosen yet
    score(pa, 3, 4, "Cursist Een's notitie")
    score(pb, 9, 4)
    dash.refresh()
    assert "2 van 2" in text_of(dash.count)
    stats = text_of(dash.stats)
    assert "Mediaan" in stats and "Cursist" not in stats and "notitie" not in stats
    assert dash.reveal_button.disabled and dash.expert.value == ""
    assert "Om te bespreken" in dash.prompt_box.value
    score(pb, 4, 4)  # a change before the round closes
    dash.close_button.click()
    pb.refresh()
    assert pb.scorers[0].disabled and pb.submit_button.disabled
    pb.scorers[0].disabled = False
    score(pb, 8, 8)  # a stale page still sending: refused with a message, the stored score kept
    assert "gesloten" in pb.message.children[0].text
    assert kit.session_state(b, dash.session_id)["own"]["scores"] == {"sensitiviteit": 4, "cooperatie": 4}
    dash.reveal_button.click()
    assert "Expertscore" in dash.expert.value and dash.reveal_button.disabled
    pa.refresh()
    assert pa.feedback.layout.display is None and "Jouw score" in pa.feedback.value
    dash.finish_button.click()  # asks first: the session is still open
    assert dash.finish_confirm.is_asking and "Ja, sessie afsluiten" == dash.finish_confirm.yes.description
    assert kit.session_state(trainer, dash.session_id)["state"] == "open" and dash.report.value == ""
    dash.finish_confirm.no.click()
    assert not dash.finish_confirm.is_asking and kit.session_state(trainer, dash.session_id)["state"] == "open"
    dash.finish_button.click()
    dash.finish_confirm.yes.click()
    assert "afgesloten" in dash.message.children[0].text and "ok-report-link" in dash.report.value
    pa.refresh()
    assert "afgesloten" in pa.status.value and "Gezin M" in pa.history.children[0].value


def test_reload_reattaches_both_pages(setup):
    """Does a new trainer page (a reload) find the running session in its round, and a participant's
    new page their session and stored score?"""
    kit, trainer, dash, (a, _) = setup
    dash.create_button.click()
    dash.open_button.click()
    pa = session_page(kit, a, code=dash.state["join_code"])
    pa.join_button.click()
    score(pa, 5, 6)
    again = dashboard_page(kit, trainer, rules={}, prompts=())
    assert again.session_id == dash.session_id and "1 van 1" in text_of(again.count)
    assert again.start_row.layout.display == "none"
    back = session_page(kit, a, code="")
    assert back.session_id == dash.session_id and back.scorers[0].value == 5 and back.scorers[1].value == 6


def test_bad_codes_give_dutch_messages(setup):
    """Does a wrong or malformed code show a Dutch message and leave the join box in place?"""
    kit, trainer, dash, (a, _) = setup
    page = session_page(kit, a, code="ABCDEF")
    page.join_button.click()
    assert "geen enkele sessie" in page.message.children[0].text and page.session_id is None
    page.code.value = "x"
    page.join_button.click()
    assert "6 letters" in page.message.children[0].text
    assert page.join_box.layout.display != "none"


def test_live_poller_updates_the_dashboard_without_reload(setup):
    """Does the poller, running on an asyncio loop, update the dashboard count within 2 s of a
    submission made elsewhere, without any call on the page?"""
    kit, trainer, dash, (a, _) = setup
    dash.create_button.click()
    dash.open_button.click()
    kit.join_session(a, dash.state["join_code"])

    async def run():
        poller = LivePoller(lambda: kit.session_token(trainer, dash.session_id),
                            lambda: kit.session_state(trainer, dash.session_id), dash.show, interval=0.1)
        assert poller.start(dash.state["token"])
        threading.Timer(0.3, lambda: kit.submit_session_scores(a, dash.session_id, 1,
                                                               {"sensitiviteit": 5, "cooperatie": 5})).start()
        for _ in range(40):
            await asyncio.sleep(0.05)
            if "1 van 1" in text_of(dash.count):
                break
        poller.stop()
        return text_of(dash.count)

    assert "1 van 1" in asyncio.run(run())
    assert LivePoller(lambda: 0, lambda: {}, lambda s: None).start() is False  # no loop: no task


def test_helpers():
    """Do the QR code, histogram, participant URL and query-string code come out right?"""
    assert qr_svg("https://example.org/x").startswith("<svg")
    from oefenkit.sessions import scale_stats

    bars = histogram_html(scale_stats([3, 3, 7], expert=3))
    assert bars.count("ok-hist-col") == 9 and bars.count("ok-hist-expert") == 1
    assert participant_url("K7M3QX", "http://h:8866/voila/render/supervision/x.ipynb") == \
        "http://h:8866/voila/render/training/terugkomdag.ipynb?code=K7M3QX"
    assert participant_url("K7M3QX", "") == "/voila/render/training/terugkomdag.ipynb?code=K7M3QX"
    assert code_from_query("code=K7M3QX&x=1") == "K7M3QX" and code_from_query("") == ""
    from oefenkit.apps import app_for_path

    assert app_for_path("training/terugkomdag.ipynb").id == "session"
    assert app_for_path("supervision/terugkomdag_leiden.ipynb").area == "supervision"


def test_cursist_cannot_build_the_dashboard(kit, people):
    """Is a cursist refused the trainer's page by the façade (a Dutch PermissionDenied)?"""
    from oefenkit.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        dashboard_page(kit, people["cursist"], rules={}, prompts=())
    assert SYSTEM.role == "coordinator"


def test_histogram_is_labelled_and_always_marks_the_expert():
    """Does every count stand centred above its own bar, do the axes have labels, and is the expert's
    point marked (with a legend) also when nobody chose it?"""
    import xml.etree.ElementTree as ET

    from oefenkit.sessions import scale_stats

    chart = histogram_html(scale_stats([3, 3, 7, 7, 7, 9], scale_name="Sensitiviteit", expert=5))
    svg = ET.fromstring(re.search(r"<svg.*</svg>", chart, re.S).group(0))
    ns = {"s": "http://www.w3.org/2000/svg"}
    columns = svg.findall("s:g", ns)
    assert len(columns) == 9
    counts = {}
    for g in columns:
        point = int(g.find("s:text[@class='ok-hist-point']", ns).text)
        label = g.find("s:text[@class='ok-hist-count']", ns)
        counts[point] = int(label.text)
        bars = [r for r in g.findall("s:rect", ns) if r.get("fill") != "none"]
        for bar in bars:  # the count is centred on its bar and stands above it
            centre = float(bar.get("x")) + float(bar.get("width")) / 2
            assert float(label.get("x")) == pytest.approx(centre)
            assert float(label.get("y")) < float(bar.get("y"))
        point_label = g.find("s:text[@class='ok-hist-point']", ns)
        assert float(point_label.get("x")) == pytest.approx(float(label.get("x")))
    assert counts == {1: 0, 2: 0, 3: 2, 4: 0, 5: 0, 6: 0, 7: 3, 8: 0, 9: 1}
    expert = [g for g in columns if "ok-hist-expert" in g.get("class")]
    assert len(expert) == 1 and expert[0].find("s:text[@class='ok-hist-point']", ns).text == "5"
    assert expert[0].find("s:rect[@fill='none']", ns) is not None  # the frame, though nobody chose 5
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "Score" in texts and "Aantal deelnemers" in texts and "expert" in texts
    assert "expertscore (5)" in chart and "scores van de groep" in chart
    assert "expertscore 5" in svg.get("aria-label") and "Sensitiviteit" in svg.get("aria-label")
    before = histogram_html(scale_stats([3, 7], scale_name="Sensitiviteit"))  # before the reveal
    assert "ok-hist-expert" not in before and "expertscore" not in before


def test_prompts_name_their_scale_and_do_not_contradict():
    """With the room agreeing on one scale and far apart on the other, does each prompt appear under
    its own scale, so "dicht bij elkaar" and "ver uiteen" are never shown as if about one thing?"""
    from oefenkit.sessions import prompts_by_scale, scale_stats

    prompts = load_prompts(CONTENT / "sessions" / "gespreksvragen.yaml")
    stats = [scale_stats([5, 5, 6], scale_code="sensitiviteit", scale_name="Sensitiviteit"),
             scale_stats([2, 8, 5], scale_code="cooperatie", scale_name="Coöperatie")]
    groups = prompts_by_scale(prompts, stats, revealed=False)
    by_name = dict(groups)
    assert list(by_name) == ["Sensitiviteit", "Coöperatie", None]
    assert any("dicht bij elkaar" in t for t in by_name["Sensitiviteit"])
    assert not any("ver uiteen" in t for t in by_name["Sensitiviteit"])
    assert any("ver uiteen" in t or "Coöperatie gaat over" in t for t in by_name["Coöperatie"])
    assert not any("dicht bij elkaar" in t or "Sensitiviteit gaat over" in t for t in by_name["Coöperatie"])
    assert all(len(t) <= 2 for t in by_name.values())


def test_the_trainer_says_how_many_people_are_expected(setup):
    """Does "Verwacht aantal deelnemers" start prefilled, reach the stored session when the trainer
    changes it, and hide with the start button once the session runs?"""
    from oefenkit.storage import models as m

    kit, trainer, dash, _ = setup
    assert dash.expected.value == 15 and (dash.expected.min, dash.expected.max) == (1, 200)
    assert dash.expected.description == "Verwacht aantal deelnemers"
    dash.expected.value = 27
    dash.create_button.click()
    with kit.transaction() as s:
        assert s.get(m.LiveSession, dash.session_id).expected_participants == 27
    assert dash.start_row.layout.display == "none"
    assert kit.list_prewarm_demand() == [(dash.session_id, 27, set())]
