"""Every shipped sample clip really decodes, frame by frame.

``test_render.py`` checks the shipped clips against their scripts (manifest);
``tests/browser/test_shipped_clips_playback.py`` plays each one in Chromium.
"""

from __future__ import annotations

import json

import av
import pytest

from oefenkit.samples.render import CLIPS_DIR

MANIFEST = json.loads((CLIPS_DIR / "manifest.json").read_text(encoding="utf-8"))["clips"]
CODES = sorted(MANIFEST)


def test_there_are_at_least_24_shipped_clips():
    """Does the kit ship at least 24 rendered sample clips?"""
    assert len(CODES) >= 24


@pytest.mark.parametrize("code", CODES)
def test_clip_decodes_completely_as_h264(code):
    """Does the clip decode from the first to the last frame as H.264 (yuv420p), 20–120 s long?"""
    entry = MANIFEST[code]
    with av.open(str(CLIPS_DIR / f"{code}.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = 0
        last_time = 0.0
        for frame in container.decode(stream):
            assert frame.format.name == "yuv420p"
            frames += 1
            last_time = float(frame.time)
    assert frames == entry["frames"]
    duration = last_time + 1 / entry["fps"]
    assert 20 <= duration <= 120
    assert duration == pytest.approx(entry["duration"], abs=1 / entry["fps"])
