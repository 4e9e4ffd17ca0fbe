"""The Casusbibliotheek in Chromium: a trainer uploads, anonymises, reviews, scores and publishes a clip;
a new cursist then practises on it, and the original is not reachable over HTTP. A tab closed while its
clip is anonymised loses nothing (the server's worker, ``serve --with-worker``, runs the job)."""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from ..live_server import PASSWORD
from ..test_server_http import Client
from .test_login_landing import login

SAMPLE = Path(__file__).resolve().parents[2] / "sample_cases" / "clips" / "bt-speelmat-01.mp4"
TITLE = "Bibliotheektest: spelen op de mat"


@pytest.fixture(scope="module")
def library_users(live_server):
    """Own accounts (the server is shared by the whole session): a trainer, two experts, a cursist."""
    live_server.add_user("bib.trainer", "trainer", "Bieb Trainer")
    live_server.add_user("bib.expert1", "trainer", "Expert Een")
    live_server.add_user("bib.expert2", "coordinator", "Expert Twee")
    live_server.add_user("bib.cursist", "cursist", "Bieb Cursist")
    return live_server


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory) -> Path:
    """The first 12 seconds of a shipped clip under a new name (the real detector runs on every frame).

    Long enough that the worker stores its progress a few times (every 2 s) while the page asks
    (every second): at 4 s the run could end between two looks, and the bar went 0 % → 100 %."""
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("upload") / "huisbezoek familie J.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(SAMPLE), "-t", "12", "-map", "0:v",
                    "-c", "copy", str(out)], check=True, timeout=60)
    assert 10_000 < out.stat().st_size < SAMPLE.stat().st_size
    return out


def open_library(page, base_url: str) -> None:
    login(page, base_url, "bib.trainer")
    page.locator(".ok-app-library a").click()
    page.locator(".ok-upload input[type=file]").wait_for()
    page.locator(".ok-library-items").wait_for()


def notice(page, text: str) -> None:
    page.locator(".ok-library-message .ok-notice", has_text=text).wait_for()


def fill_expert(page, scale: str, row: int, expert_label: str, score: str, rationale: str) -> None:
    r = page.locator(f".ok-expert-scale-{scale} .ok-expert-row").nth(row)
    r.locator(".ok-expert-who select").select_option(label=expert_label)
    r.locator(".ok-expert-score input").fill(score)
    r.locator(".ok-expert-rationale textarea").fill(rationale)


def fetch(client: Client, path: str) -> tuple[int, bytes]:
    try:
        response = client.opener.open(client.base_url + path, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, response.read()


def test_trainer_publishes_an_uploaded_clip_and_a_cursist_practises_on_it(page, browser, library_users,
                                                                         short_clip):
    """Can a trainer upload a clip (progress to 100 %), anonymise it (progress bar to 100 %), see the
    contact sheet, mark it reviewed, give two experts' scores on both scales and publish it to the
    practice set; does a new cursist then find and play it in "Oefenen met scoren"; and is the original
    unreachable for that cursist over every route we know?"""
    server = library_users
    page.set_viewport_size({"width": 1366, "height": 900})
    open_library(page, server.base_url)
    before = page.locator(".ok-library-item").count()

    page.locator(".ok-upload input[type=file]").set_input_files(str(short_clip))
    page.locator(".ok-upload.ok-upload-done").wait_for(timeout=120_000)
    assert page.locator(".ok-upload-percent").inner_text() == "100%"
    assert page.evaluate("document.querySelector('.ok-upload progress').value") == 100
    heading = page.locator(".ok-library-heading")
    heading.filter(has_text="huisbezoek familie J").wait_for()
    assert "geüpload" in heading.inner_text()
    assert page.locator(".ok-library-item").count() == before + 1
    code = re.search(r"upl-\d{8}-\d{3}", heading.inner_text()).group(0)

    # record every percentage the progress bar shows, then anonymise
    page.evaluate("""() => {
        window.__seen = [];
        const el = document.querySelector('.ok-anonymise-progress');
        new MutationObserver(() => window.__seen.push(el.textContent.trim()))
            .observe(el, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")
    page.locator(".ok-anonymise-start").click()
    page.wait_for_function(
        "document.querySelector('.ok-anonymise-progress').textContent.includes('100%')", timeout=180_000)
    seen = page.evaluate("window.__seen")
    assert any(re.fullmatch(r"([1-9]|[1-9]\d)%", s) for s in seen), seen  # a real bar: it moved in between
    heading.filter(has_text="geanonimiseerd").wait_for()
    page.wait_for_function(
        "(() => { const i = document.querySelector('.ok-contact-sheet img');"
        " return i && i.complete && i.naturalWidth > 100; })()", timeout=60_000)
    assert page.locator(".ok-review-flags").count() == 1  # the flagged frames (or "geen") are listed
    assert f"/oefenkit/media/clip/{code}.mp4" in page.locator(".ok-library-video video").get_attribute("src")

    page.locator(".ok-reviewed").click()
    heading.filter(has_text="gecontroleerd").wait_for()

    page.locator(".ok-library-title input").fill(TITLE)
    page.locator(".ok-library-vignette textarea").fill("Een vader speelt met zijn dochter op de speelmat.")
    page.locator(".ok-library-save").click()
    notice(page, "Gegevens opgeslagen")

    fill_expert(page, "sensitiviteit", 0, "Expert Een (bib.expert1)", "7", "Ziet de meeste signalen.")
    fill_expert(page, "sensitiviteit", 1, "Expert Twee (bib.expert2)", "6", "Reageert soms laat.")
    fill_expert(page, "cooperatie", 0, "Expert Een (bib.expert1)", "5", "Stuurt het spel af en toe.")
    fill_expert(page, "cooperatie", 1, "Expert Twee (bib.expert2)", "6", "Volgt meestal het tempo.")
    page.locator(".ok-expert-save").click()
    notice(page, "Expertscores opgeslagen (4)")

    page.locator(".ok-publish-set select").select_option(label="Oefenen met feedback (oefenen)")
    page.locator(".ok-publish").click()
    notice(page, "Gepubliceerd in")
    heading.filter(has_text="gepubliceerd").wait_for()
    assert "gepubliceerd" in page.locator(".ok-library-item", has_text=TITLE).inner_text()

    # a new cursist, in a fresh browser context
    context = browser.new_context(locale="nl-NL")
    try:
        cp = context.new_page()
        cp.set_default_timeout(60_000)
        login(cp, server.base_url, "bib.cursist")
        cp.locator(".ok-app-practice a").click()
        entry = cp.locator(".ok-case", has_text=TITLE)
        entry.wait_for()
        assert "Nieuw" in entry.inner_text()
        entry.locator(".ok-case-open").click()
        video = cp.locator(".ok-video video")
        video.wait_for()
        assert video.get_attribute("src").endswith(f"/oefenkit/media/clip/{code}.mp4")
        cp.wait_for_function("document.querySelector('.ok-video video').readyState >= 1", timeout=60_000)
        assert video.evaluate("v => v.duration") > 2
    finally:
        context.close()

    # the original: not kept after publication (the default) and never served
    original = short_clip.read_bytes()
    media = server.data_dir / "media"
    # (other tests share this server and may leave their own uploads in the store: compare bytes)
    stored = [p for p in (media / "originals").rglob("*") if p.is_file()]
    assert all(p.stat().st_size != len(original) or p.read_bytes() != original for p in stored), \
        "original still stored"
    client = Client(server.base_url)
    assert client.login("bib.cursist", PASSWORD)[0] == 302
    rel_media = media.relative_to(server.data_dir)
    name = urllib.parse.quote(short_clip.name)
    tries = [
        f"/voila/files/{name}", f"/voila/files/{rel_media}/originals/{code}.mp4",
        f"/voila/files/../{rel_media}/originals/{code}.mp4", f"/voila/files/{rel_media}/clips/{code}.mp4",
        f"/files/{name}", f"/voila/api/contents/{rel_media}/originals",
        f"/oefenkit/media/clip/{name}", f"/oefenkit/media/clip/{code}.original.mp4",
        f"/oefenkit/media/clip/..%2Foriginals%2F{code}.mp4", f"/oefenkit/library/contact-sheet/{code}.png",
        f"/oefenkit/upload?name={name}",
    ]
    for path in tries:
        status, body = fetch(client, path)
        assert not (status == 200 and body == original), path
        assert original[:4096] not in body, path
    status, _ = fetch(client, f"/oefenkit/library/contact-sheet/{code}.png")
    assert status in (403, 404)  # staff only
    status, body = fetch(client, f"/oefenkit/media/clip/{code}.mp4")
    assert status == 200 and body != original and len(body) > 1000  # the anonymised clip, not the original


def test_a_text_file_is_refused_in_dutch_and_nothing_is_added(page, library_users, tmp_path):
    """Does uploading a .txt file show the server's Dutch error and leave the library list unchanged?"""
    open_library(page, library_users.base_url)
    before = page.locator(".ok-library-item").count()
    text_file = tmp_path / "verslag.txt"
    text_file.write_text("Dit is geen video, maar een verslag van het huisbezoek.\n" * 20, encoding="utf-8")
    page.locator(".ok-upload input[type=file]").set_input_files(str(text_file))
    error = page.locator(".ok-upload .ok-upload-error")
    error.wait_for()
    message = error.inner_text()
    assert "video" in message.lower() and "error" not in message.lower()
    page.locator(".ok-library-upload .ok-notice-error", has_text=message).wait_for()  # also on the page
    assert page.locator(".ok-library-item").count() == before
    assert page.locator(".ok-library-detail").is_hidden()


def test_a_tab_closed_mid_job_and_the_library_shows_the_clip_later(page, browser, library_users, short_clip):
    """Upload, press Anonimiseren and close the tab while the job waits or runs (its kernel is shut
    down): does a tab opened later show the job "Klaar" and the case as geanonimiseerd, with its clip?"""
    open_library(page, library_users.base_url)
    page.locator(".ok-upload input[type=file]").set_input_files(str(short_clip))
    page.locator(".ok-upload.ok-upload-done").wait_for(timeout=120_000)
    heading = page.locator(".ok-library-heading")
    heading.filter(has_text="geüpload").wait_for()
    code = re.search(r"upl-\d{8}-\d{3}", heading.inner_text()).group(0)
    page.locator(".ok-anonymise-start").click()
    page.locator(".ok-anonymise-label", has_text=re.compile("In de wachtrij|Bezig")).wait_for()
    page.close()  # the tab closes: Voilà shuts its kernel down

    later = browser.new_page()
    try:
        open_library(later, library_users.base_url)
        job = later.locator(".ok-job", has=later.locator(".ok-job-code", has_text=code))
        job.locator(".ok-job-state-done", has_text="Klaar").wait_for(timeout=240_000)
        later.locator(f".ok-library-{code} .ok-library-status-anonymised").wait_for(timeout=30_000)
        later.locator(f".ok-library-{code} .ok-library-open").click()
        later.locator(".ok-library-heading", has_text="geanonimiseerd").wait_for()
        assert f"/oefenkit/media/clip/{code}.mp4" in later.locator(".ok-library-video video").get_attribute("src")
    finally:
        later.close()
