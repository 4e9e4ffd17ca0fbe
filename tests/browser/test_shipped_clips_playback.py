"""Every shipped sample clip plays and seeks in Chromium."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from oefenkit.samples.render import CLIPS_DIR

CODES = sorted(json.loads((CLIPS_DIR / "manifest.json").read_text(encoding="utf-8"))["clips"])


@pytest.fixture(scope="module")
def clip_server():
    """sample_cases/clips served by tornado's StaticFileHandler (HTTP Range) on a free loopback port."""
    import tornado.httpserver
    import tornado.ioloop
    import tornado.netutil
    import tornado.web

    started, state = threading.Event(), {}

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        app = tornado.web.Application([(r"/(.*)", tornado.web.StaticFileHandler, {"path": str(CLIPS_DIR)})])
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server = tornado.httpserver.HTTPServer(app)
        server.add_sockets(sockets)
        state.update(port=sockets[0].getsockname()[1], loop=tornado.ioloop.IOLoop.current())
        started.set()
        state["loop"].start()
        server.stop()

    thread = threading.Thread(target=run, name="shipped-clips", daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{state['port']}"
    state["loop"].add_callback(state["loop"].stop)
    thread.join(10)


def test_every_clip_plays_and_seeks_in_chromium(page, clip_server):
    """Does Chromium load every shipped clip (readyState ≥ 3) and seek to its middle?"""
    page.goto(clip_server + "/manifest.json")  # same origin for the video elements below
    failures = {}
    for code in CODES:
        result = page.evaluate(
            """async (src) => {
                const v = document.createElement('video');
                v.muted = true; v.preload = 'auto'; v.src = src;
                document.body.appendChild(v);
                await new Promise((ok, fail) => {
                    if (v.readyState >= 3) return ok();
                    v.addEventListener('canplay', ok, {once: true});
                    v.addEventListener('error', () => fail(String(v.error && v.error.code)), {once: true});
                });
                const middle = v.duration / 2;
                await new Promise((ok) => { v.addEventListener('seeked', ok, {once: true}); v.currentTime = middle; });
                const out = {state: v.readyState, time: v.currentTime, middle: middle, width: v.videoWidth};
                v.remove();
                return out;
            }""",
            f"{clip_server}/{code}.mp4",
        )
        if result["state"] < 2 or abs(result["time"] - result["middle"]) > 0.5 or result["width"] != 640:
            failures[code] = result
    assert not failures, failures
