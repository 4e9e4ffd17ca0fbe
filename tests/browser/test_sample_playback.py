"""A rendered sample clip plays in Chromium: it loads, seeks to the middle, plays,
and its WebVTT subtitles load as a text track."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from oefenkit.samples.render import render_case
from oefenkit.samples.script import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "samples" / "data" / "test-reach.yaml"

PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Fragment</title></head>
<body>
<video id="clip" src="test-reach.mp4" preload="auto" muted playsinline width="640" height="360">
  <track kind="subtitles" srclang="nl" label="Nederlands" src="test-reach.vtt" default>
</video>
</body></html>
"""


@pytest.fixture(scope="module")
def served_clip(tmp_path_factory):
    """The reach test script rendered, served by tornado's StaticFileHandler (HTTP Range) on a free port."""
    import tornado.httpserver
    import tornado.ioloop
    import tornado.netutil
    import tornado.web

    root = tmp_path_factory.mktemp("served")
    result = render_case(load_script(SCRIPT), root)
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    started = threading.Event()
    state: dict = {}

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = tornado.web.Application([(r"/(.*)", tornado.web.StaticFileHandler,
                                        {"path": str(root), "default_filename": "index.html"})])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")  # port 0: the system picks a free one
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        state["port"] = sockets[0].getsockname()[1]
        state["loop"] = tornado.ioloop.IOLoop.current()
        state["server"] = server
        started.set()
        state["loop"].start()
        server.stop()

    thread = threading.Thread(target=run, name="clip-server", daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{state['port']}/", result
    state["loop"].add_callback(state["loop"].stop)
    thread.join(10)


def test_clip_plays_and_seeks_in_chromium(page, served_clip):
    """Does Chromium load the clip (readyState ≥ 3), seek to the middle, play on, and load the
    Dutch subtitle cues?"""
    url, result = served_clip
    page.goto(url)
    page.wait_for_function("document.getElementById('clip').readyState >= 3", timeout=30_000)
    info = page.evaluate("""() => {
        const v = document.getElementById('clip');
        return {duration: v.duration, width: v.videoWidth, height: v.videoHeight, error: v.error};
    }""")
    assert info["error"] is None
    assert abs(info["duration"] - result.duration) < 0.2
    assert (info["width"], info["height"]) == (640, 360)

    middle = result.duration / 2
    seeked = page.evaluate("""(t) => new Promise((resolve) => {
        const v = document.getElementById('clip');
        v.addEventListener('seeked', () => resolve({time: v.currentTime, state: v.readyState}), {once: true});
        v.currentTime = t;
    })""", middle)
    assert abs(seeked["time"] - middle) < 0.1
    page.wait_for_function("document.getElementById('clip').readyState >= 3", timeout=30_000)

    played = page.evaluate("""() => new Promise((resolve, reject) => {
        const v = document.getElementById('clip');
        const start = v.currentTime;
        v.play().then(() => setTimeout(() => resolve({from: start, to: v.currentTime, paused: v.paused}), 1200),
                      reject);
    })""")
    assert not played["paused"] and played["to"] > played["from"] + 0.3

    page.wait_for_function("""() => {
        const track = document.getElementById('clip').textTracks[0];
        return track && track.cues && track.cues.length > 0;
    }""", timeout=30_000)
    cues = page.evaluate("""() => Array.from(document.getElementById('clip').textTracks[0].cues)
        .map(c => [c.startTime, c.endTime, c.text])""")
    assert cues == [[6.0, 8.0, "Och, wat is er? Kom maar."], [13.0, 16.0, "Zo, gaat het weer?"]]
