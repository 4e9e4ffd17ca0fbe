"""The upload route over real HTTP: limits, roles, XSRF, and no way to the originals.

A server of its own with a 1 MB upload limit (``OEFENKIT_UPLOAD_MAX_MB=1``), so
"too large" needs only a little over a megabyte.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import numpy as np
import pytest

from oefenkit.instance import open_kit
from oefenkit.settings import load_settings
from oefenkit.video.detect import FixedBoxDetector

from ..live_server import PASSWORD, LiveServer, oefenkit_cmd
from ..test_server_http import Client
from ..video.media import write_clip

MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("upload-kit") / "data"
    oefenkit_cmd(data_dir, "init")
    srv = LiveServer(data_dir, env={"OEFENKIT_UPLOAD_MAX_MB": "1"})
    srv.add_user("cursist1", "cursist", "Cursist Een")
    srv.add_user("trainer1", "trainer", "Trainer Een")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def kit(server):
    return open_kit(load_settings(env={}, data_dir=server.data_dir, upload_max_mb=1))


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    path = tmp_path_factory.mktemp("clip") / "badje.mp4"
    write_clip(path, frames=25)
    return path.read_bytes()


def logged_in(server, username):
    client = Client(server.base_url)
    status, _, _ = client.login(username, PASSWORD)
    assert status == 302
    return client


def post(client, body: bytes, name="badje.mp4", *, xsrf=True, headers=None):
    """POST raw bytes to the upload route; (status, JSON or None)."""
    hdrs = {"Content-Type": "application/octet-stream"}
    if xsrf:
        hdrs["X-XSRFToken"] = client.cookie("_xsrf")
    hdrs.update(headers or {})
    request = urllib.request.Request(
        f"{client.base_url}/oefenkit/upload?name={urllib.parse.quote(name)}", data=body, headers=hdrs,
        method="POST")
    try:
        response = client.opener.open(request, timeout=60)
    except urllib.error.HTTPError as err:
        response = err
    raw = response.read()
    try:
        return response.status, json.loads(raw)
    except ValueError:
        return response.status, None


def get_bytes(client, path):
    try:
        response = client.opener.open(client.base_url + path, timeout=30)
    except urllib.error.HTTPError as err:
        response = err
    return response.status, response.read()


def folder(kit, sub):
    path = kit.media.media_dir / sub
    return sorted(p.name for p in path.iterdir()) if path.exists() else []


def raw_request(server, head: str, body_chunks=()) -> bytes:
    """Send a request over a plain socket (to control what is sent) and return the raw response."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed early, as it should
        data = b""
        try:
            while True:
                part = sock.recv(65536)
                if not part:
                    break
                data += part
        except ConnectionResetError:
            pass
        return data


def cookie_header(client):
    return "; ".join(f"{c.name}={c.value}" for c in client.jar)


def test_trainer_uploads_a_clip(server, kit, video):
    """Does a trainer's upload give 201 with the new case, the original in the protected store only?"""
    client = logged_in(server, "trainer1")
    before = folder(kit, "originals")
    status, body = post(client, video, name="Badje mama.mp4")
    assert status == 201, body
    assert body["case_code"].startswith("upl-") and body["title"] == "Badje mama"
    item = kit.find_library_item(kit.find_person("trainer1"), body["case_code"])
    assert item.status == "uploaded" and item.original_name == "Badje mama.mp4"
    assert len(folder(kit, "originals")) == len(before) + 1
    assert folder(kit, "uploads") == []


def test_non_video_is_400_in_dutch(server, kit):
    """Is a text file refused with 400 and a Dutch message, with nothing stored?"""
    client = logged_in(server, "trainer1")
    before = (folder(kit, "originals"), len(kit.list_library(kit.find_person("trainer1"))))
    status, body = post(client, b"Dit is geen video.\n" * 100, name="notities.mp4")
    assert status == 400
    assert "geen video" in body["error"] and "notities.mp4" in body["error"]
    assert (folder(kit, "originals"), len(kit.list_library(kit.find_person("trainer1")))) == before
    assert folder(kit, "uploads") == []


def test_too_large_by_content_length_is_413_before_the_body(server, kit):
    """Is a declared length over the limit answered 413 (Dutch) without reading the body?"""
    client = logged_in(server, "trainer1")
    head = (f"POST /oefenkit/upload?name=groot.mp4 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Cookie: {cookie_header(client)}\r\nX-XSRFToken: {client.cookie('_xsrf')}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {2 * MB}\r\n\r\n")
    response = raw_request(server, head)
    status_line, _, rest = response.partition(b"\r\n")
    assert b" 413 " in status_line, response[:300]
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert "te groot" in body["error"] and "1 MB" in body["error"]
    assert folder(kit, "uploads") == []


def test_too_large_while_streaming_is_413(server, kit):
    """Is a chunked upload (no length) stopped at the limit with 413 and its part file removed?"""
    client = logged_in(server, "trainer1")
    before = folder(kit, "originals")
    head = (f"POST /oefenkit/upload?name=groot.mp4 HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            f"Cookie: {cookie_header(client)}\r\nX-XSRFToken: {client.cookie('_xsrf')}\r\n"
            f"Content-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"\0" * (64 * 1024)
    chunks = [b"%x\r\n%s\r\n" % (len(block), block)] * 20 + [b"0\r\n\r\n"]  # 1.25 MB
    response = raw_request(server, head, chunks)
    assert b" 413 " in response.partition(b"\r\n")[0], response[:300]
    assert b"te groot" in response
    assert folder(kit, "uploads") == [] and folder(kit, "originals") == before


def test_cursist_is_refused(server, kit, video):
    """Is a cursist's upload 403 with a Dutch message, nothing stored?"""
    client = logged_in(server, "cursist1")
    before = folder(kit, "originals")
    status, body = post(client, video)
    assert status == 403 and "casusbibliotheek" in body["error"]
    assert folder(kit, "originals") == before and folder(kit, "uploads") == []


def test_anonymous_and_missing_xsrf_are_refused(server, kit, video):
    """Is an upload without login, or without the XSRF token, refused with 403?"""
    before = folder(kit, "originals")
    anonymous = Client(server.base_url)
    anonymous.request("/login")  # has an _xsrf cookie, but no session
    status, _ = post(anonymous, video)
    assert status == 403
    client = logged_in(server, "trainer1")
    status, _ = post(client, video, xsrf=False)
    assert status == 403
    status, _ = post(client, video, headers={"X-XSRFToken": "2|00000000|" + "0" * 32 + "|1"})
    assert status == 403
    assert folder(kit, "originals") == before


def test_no_url_serves_the_original(server, kit, video):
    """Can no route (files, media, contact sheet, traversal in ?name=) return an original's bytes?"""
    trainer = logged_in(server, "trainer1")
    status, body = post(trainer, video, name="../../notebooks/start.ipynb/../evil.mp4")
    assert status == 201
    code = body["case_code"]
    item = kit.find_library_item(kit.find_person("trainer1"), code)
    assert item.original_name == "evil.mp4"
    names = folder(kit, "originals")
    original_dir = kit.media.media_dir / "originals"
    for name in names:
        assert "evil" not in name
    secrets_ = [(original_dir / n).read_bytes() for n in names]
    rel = [f"{kit.media.media_dir.name}/originals/{n}" for n in names]
    paths = []
    for n, r in zip(names, rel):
        paths += [
            f"/voila/files/{r}", f"/voila/files/../{r}", f"/files/{r}", f"/files/{original_dir}/{n}",
            f"/voila/files/{original_dir}/{n}", f"/voila/render/{original_dir}/{n}",
            f"/oefenkit/media/clip/{n.rsplit('.', 1)[0]}.mp4", f"/oefenkit/media/clip/..%2F..%2Foriginals%2F{n}",
            f"/oefenkit/media/clip/{code}.mp4", f"/oefenkit/library/contact-sheet/..%2Foriginals%2F{n}.png",
            f"/oefenkit/library/contact-sheet/{code}.png", f"/static/{r}", f"/api/contents/{r}",
            f"/voila/api/contents/{r}", f"/oefenkit/upload?name={n}",
        ]
    cursist = logged_in(server, "cursist1")
    for client in (trainer, cursist):
        for path in paths:
            status, data = get_bytes(client, path)
            assert not any(data == s or (len(s) > 1000 and s[:1000] in data) for s in secrets_), path
    assert not (server.data_dir.parent / "notebooks").exists()


def test_contact_sheet_route(server, kit, video):
    """Does a trainer get the contact sheet PNG after anonymisation, and a cursist 403?"""
    trainer = logged_in(server, "trainer1")
    status, body = post(trainer, video, name="vel.mp4")
    code = body["case_code"]
    status, _ = get_bytes(trainer, f"/oefenkit/library/contact-sheet/{code}.png")
    assert status == 404
    kit.anonymise_library_clip(kit.find_person("trainer1"), code,
                               detector=FixedBoxDetector(np.zeros((0, 4), np.float32)))
    status, data = get_bytes(trainer, f"/oefenkit/library/contact-sheet/{code}.png")
    assert status == 200 and data[:4] == b"\x89PNG"
    status, data = get_bytes(logged_in(server, "cursist1"), f"/oefenkit/library/contact-sheet/{code}.png")
    assert status == 403 and b"\x89PNG" not in data
    status, _ = get_bytes(Client(server.base_url), f"/oefenkit/library/contact-sheet/{code}.png")
    assert status in (302, 403)
