"""Clips over HTTP (``/oefenkit/media/…``): login required, the core's permission rule, HTTP Range,
no path traversal. Against a real ``oefenkit serve`` (``live_server``)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from oefenkit.settings import PROJECT_ROOT

from .live_server import PASSWORD
from .test_server_http import Client

SCRIPTS = PROJECT_ROOT / "sample_cases" / "scripts"
CLIPS = PROJECT_ROOT / "sample_cases" / "clips"


def case_of_set(kind: str) -> str:
    for path in sorted(SCRIPTS.glob("*.yaml")):
        if re.search(rf"^set:\s*{kind}\s*$", path.read_text(encoding="utf-8"), re.MULTILINE):
            return path.stem
    raise AssertionError(f"no {kind} case")


def get(client: Client, path: str, headers: dict | None = None):
    request = urllib.request.Request(client.base_url + path, headers=headers or {})
    try:
        response = client.opener.open(request, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, dict(response.headers), response.read()


@pytest.fixture(scope="module")
def media_cursist(live_server):
    """A cursist of this module's own, who never starts an exam (other tests' cursists may have)."""
    live_server.add_user("media.cursist", "cursist", "Media Cursist")
    return "media.cursist"


@pytest.fixture
def cursist(live_server, media_cursist):
    client = Client(live_server.base_url)
    status, _, _ = client.login(media_cursist, PASSWORD)
    assert status == 302
    return client


def test_anonymous_is_sent_to_login(live_server):
    """Does a clip request without a session redirect to the login page and give no bytes?"""
    client = Client(live_server.base_url)
    code = case_of_set("practice")
    for path in (f"/oefenkit/media/clip/{code}.mp4", f"/oefenkit/media/subtitles/{code}.vtt"):
        status, headers, body = get(client, path)
        assert status == 302 and headers["Location"].startswith("/login")
        assert b"ftyp" not in body and b"WEBVTT" not in body


def test_cursist_gets_a_practice_clip_with_range(cursist):
    """Does a logged-in cursist get a practice clip (200, video/mp4, private) and a 206 for bytes=0-99?"""
    code = case_of_set("practice")
    data = (CLIPS / f"{code}.mp4").read_bytes()
    status, headers, body = get(cursist, f"/oefenkit/media/clip/{code}.mp4")
    assert status == 200 and body == data
    assert headers["Content-Type"] == "video/mp4"
    assert "private" in headers["Cache-Control"]
    status, headers, body = get(cursist, f"/oefenkit/media/clip/{code}.mp4", {"Range": "bytes=0-99"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert body == data[:100]
    status, headers, body = get(cursist, f"/oefenkit/media/clip/{code}.mp4", {"Range": "bytes=1000-"})
    assert status == 206 and body == data[1000:]


def test_cursist_gets_the_subtitles(cursist):
    """Are the Dutch subtitles served as WebVTT to a logged-in cursist?"""
    code = case_of_set("practice")
    status, headers, body = get(cursist, f"/oefenkit/media/subtitles/{code}.vtt")
    assert status == 200
    assert headers["Content-Type"].startswith("text/vtt")
    assert body == (CLIPS / f"{code}.vtt").read_bytes() and body.startswith(b"WEBVTT")


def test_exam_clip_without_attempt_is_forbidden(cursist):
    """Is an exam clip (and its subtitles) refused with 403 to a cursist without an exam attempt?"""
    code = case_of_set("exam")
    for path in (f"/oefenkit/media/clip/{code}.mp4", f"/oefenkit/media/subtitles/{code}.vtt"):
        status, _, body = get(cursist, path, {"Range": "bytes=0-99"})
        assert status == 403
        assert b"ftyp" not in body and b"WEBVTT" not in body


def test_trainer_gets_an_exam_clip(live_server):
    """May a trainer play an exam clip?"""
    client = Client(live_server.base_url)
    client.login("trainer1", PASSWORD)
    status, _, body = get(client, f"/oefenkit/media/clip/{case_of_set('exam')}.mp4", {"Range": "bytes=0-9"})
    assert status == 206 and len(body) == 10


def test_unknown_case_is_not_found(cursist):
    """Is an unknown case code a 404?"""
    status, _, _ = get(cursist, "/oefenkit/media/clip/bestaat-niet.mp4")
    assert status == 404


@pytest.mark.parametrize("path", [
    "/oefenkit/media/clip/..%2F..%2Fetc%2Fpasswd.mp4",
    "/oefenkit/media/clip/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd%00.mp4",
    "/oefenkit/media/clip/%2Fetc%2Fpasswd.mp4",
    "/oefenkit/media/subtitles/..%2F..%2Fsample_cases%2Fclips%2Fbt-speelmat-01.vtt",
    "/oefenkit/media/clip/....%2F%2Fetc%2Fpasswd.mp4",
])
def test_path_traversal_never_serves_a_file(cursist, path):
    """Is a traversal attempt a 404/403 that never contains file contents?"""
    status, _, body = get(cursist, path)
    assert status in (400, 403, 404)
    assert b"root:" not in body and b"WEBVTT" not in body
