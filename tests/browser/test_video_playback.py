"""Does an anonymised clip play and seek in Chromium (Debian's build, H.264 included)?

The clip is a variable-frame-rate portrait phone clip (rotation tag 90) with
sound kept, run through the pipeline with a stand-in anonymiser that paints a
known rectangle. It is served by a tiny Tornado server
(``StaticFileHandler``, which answers HTTP Range requests) on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import urllib.request

import pytest
import tornado.web

from oefenkit.video.pipeline import run_passes
from oefenkit.video.probe import probe

from ..video.media import vfr_times_ms, write_clip

CYAN = (255, 255, 0)  # BGR
BOX = (60, 100, 180, 220)  # x1, y1, x2, y2 in the upright 240x320 frame


class _PaintBox:
    """Stand-in anonymiser: fills BOX in every frame."""

    def observe(self, frame_bgr, index, t):
        pass

    def finish(self):
        pass

    def mask(self, frame_bgr, index, t):
        x1, y1, x2, y2 = BOX
        frame_bgr[y1:y2, x1:x2] = CYAN
        return frame_bgr

    def review(self):
        from oefenkit.video.review import ReviewReport

        return ReviewReport()


class _Page(tornado.web.RequestHandler):
    def get(self):
        self.write('<!doctype html><html><body><video id="v" muted preload="auto" playsinline '
                   'src="/media/clip.mp4"></video></body></html>')


@pytest.fixture
def media_server(tmp_path):
    """Serve tmp_path under /media/ (with Range support) and a page with a <video> at /."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    ready = threading.Event()
    state = {}

    def run():
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([
            (r"/media/(.*)", tornado.web.StaticFileHandler, {"path": str(tmp_path)}),
            (r"/", _Page),
        ])
        state["server"] = app.listen(port, address="127.0.0.1")
        state["loop"] = loop
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield f"http://127.0.0.1:{port}"

    def stop():
        state["server"].stop()
        state["loop"].stop()

    state["loop"].call_soon_threadsafe(stop)
    thread.join(10)


def test_anonymised_clip_plays_and_seeks_in_chromium(tmp_path, media_server, page):
    """Does Chromium load the output to readyState >= 3, show it portrait, and seek to the middle frame?"""
    src = tmp_path / "IMG_0042.mp4"
    times = vfr_times_ms(60, seed=1)
    write_clip(src, width=320, height=240, times_ms=times, rotation=90, audio=True)
    result = run_passes(src, tmp_path / "clip.mp4", _PaintBox(), keep_audio=True)
    info = probe(tmp_path / "clip.mp4")
    assert (info.width, info.height) == (240, 320)

    # the static handler honours Range, as the browser's seeking relies on it
    req = urllib.request.Request(media_server + "/media/clip.mp4", headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 206 and len(resp.read()) == 100

    page.goto(media_server + "/")
    assert page.evaluate("() => document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.64001e\"')") \
        in ("probably", "maybe")
    page.wait_for_function("() => { const v = document.getElementById('v');"
                           " return v.error !== null || v.readyState >= 3; }")
    state = page.evaluate("() => { const v = document.getElementById('v');"
                          " return {error: v.error && v.error.message, ready: v.readyState, duration: v.duration,"
                          " w: v.videoWidth, h: v.videoHeight}; }")
    assert state["error"] is None
    assert state["ready"] >= 3
    assert state["duration"] == pytest.approx(result.output.duration, abs=0.05)
    assert (state["w"], state["h"]) == (240, 320)

    middle = state["duration"] / 2
    seeked = page.evaluate(
        """(t) => new Promise((resolve) => {
            const v = document.getElementById('v');
            v.addEventListener('seeked', () => {
                const c = document.createElement('canvas');
                c.width = v.videoWidth; c.height = v.videoHeight;
                const g = c.getContext('2d');
                g.drawImage(v, 0, 0);
                const inside = Array.from(g.getImageData(120, 160, 1, 1).data);
                const outside = Array.from(g.getImageData(200, 40, 1, 1).data);
                resolve({time: v.currentTime, ready: v.readyState, inside, outside});
            }, {once: true});
            v.currentTime = t;
        })""",
        middle,
    )
    assert seeked["time"] == pytest.approx(middle, abs=0.05)
    page.wait_for_function("() => document.getElementById('v').readyState >= 3")
    r, g, b, _ = seeked["inside"]
    assert (r, g, b) == pytest.approx((0, 255, 255), abs=30)  # the painted box, decoded by Chromium
    # top right of the portrait picture: the red mark the source had top left before its 90° turn
    r, g, b, _ = seeked["outside"]
    assert r > 200 and g < 60 and b < 60
