"""Bad input: each case is one clear Dutch error, no output file, and the input untouched."""

from __future__ import annotations

import hashlib
import os

import cv2
import numpy as np
import pytest

from oefenkit.errors import VideoError
from oefenkit.video.detect import FixedBoxDetector
from oefenkit.video.encode import transcode
from oefenkit.video.pipeline import anonymise

from .media import write_audio_only, write_clip, write_cover_art_audio


def _no_faces():
    return FixedBoxDetector(np.zeros((0, 4), np.float32))


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _zero_byte(d):
    p = d / "leeg.mp4"
    p.write_bytes(b"")
    return p


def _truncated_fast_start(d):
    # moov first, mdat cut off: the index promises frames the file no longer has
    full = d / "full.mp4"
    write_clip(full, frames=40)
    transcode(full, d / "faststart.mp4")
    data = (d / "faststart.mp4").read_bytes()
    p = d / "afgekapt.mp4"
    p.write_bytes(data[: len(data) * 6 // 10])
    (d / "full.mp4").unlink()
    (d / "faststart.mp4").unlink()
    return p


def _truncated_moov_at_end(d):
    # a camera's file cut before its index (moov at the end) was written
    full = d / "full.mp4"
    write_clip(full, frames=40)
    data = full.read_bytes()
    full.unlink()
    p = d / "afgekapt2.mp4"
    p.write_bytes(data[: len(data) // 2])
    return p


def _text(d):
    p = d / "notities.mp4"
    p.write_text("Dit is een tekstbestand met een verkeerde naam.\n" * 20, encoding="utf-8")
    return p


def _png(d):
    p = d / "foto.mp4"
    _, data = cv2.imencode(".png", np.zeros((64, 64, 3), np.uint8))
    p.write_bytes(data.tobytes())
    return p


def _jpeg(d):
    p = d / "foto2.mp4"
    _, data = cv2.imencode(".jpg", np.full((64, 64, 3), 128, np.uint8))
    p.write_bytes(data.tobytes())
    return p


def _audio_only(d):
    p = d / "geluid.mp4"
    write_audio_only(p)
    return p


def _cover_art(d):
    cover = d / "cover.png"
    cv2.imwrite(str(cover), np.zeros((32, 32, 3), np.uint8))
    p = d / "podcast.mp4"
    write_cover_art_audio(p, cover)
    cover.unlink()
    return p


def _tiny(d):
    p = d / "klein.mp4"
    write_clip(p, width=8, height=8, frames=3)
    return p


def _huge(d):
    p = d / "breed.mp4"
    write_clip(p, width=8200, height=16, frames=3)
    return p


def _missing(d):
    return d / "bestaat-niet.mp4"


CASES = [
    (_zero_byte, "leeg"),
    (_truncated_fast_start, "onvolledig"),
    (_truncated_moov_at_end, "geen video"),
    (_text, "geen video"),
    (_png, "afbeelding"),
    (_jpeg, "afbeelding"),
    (_audio_only, "alleen geluid"),
    (_cover_art, "alleen geluid"),
    (_tiny, "resolutie"),
    (_huge, "resolutie"),
    (_missing, "bestaat niet"),
]


@pytest.mark.parametrize("make, message", CASES, ids=[c[0].__name__.strip("_") for c in CASES])
def test_bad_input_is_a_dutch_error_and_writes_nothing(tmp_path, make, message):
    """Is this bad input refused with a clear Dutch VideoError, without any output or temporary file?"""
    src_dir, out_dir = tmp_path / "in", tmp_path / "out"
    src_dir.mkdir()
    out_dir.mkdir()
    src = make(src_dir)
    before = _digest(src)
    with pytest.raises(VideoError, match=message) as err:
        anonymise(src, out_dir / "uit.mp4", detector=_no_faces())
    assert "Traceback" not in str(err.value) and str(err.value).endswith(".")
    assert list(out_dir.iterdir()) == []
    assert _digest(src) == before


@pytest.mark.parametrize("make, message", CASES[:4], ids=[c[0].__name__.strip("_") for c in CASES[:4]])
def test_transcode_refuses_the_same_bad_input(tmp_path, make, message):
    """Does the plain transcode path refuse bad input in the same way?"""
    src = make(tmp_path)
    with pytest.raises(VideoError, match=message):
        transcode(src, tmp_path / "uit.mp4")
    assert not (tmp_path / "uit.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_output_that_is_a_directory(tmp_path):
    """Is an output path that is a directory refused (and the directory left empty)?"""
    src = tmp_path / "in.mp4"
    write_clip(src, frames=5)
    target = tmp_path / "map"
    target.mkdir()
    with pytest.raises(VideoError, match="is een map"):
        anonymise(src, target, detector=_no_faces())
    assert list(target.iterdir()) == []


def test_output_that_is_the_input(tmp_path):
    """Is writing over the input refused, also through another spelling of the path, a symlink or a hard link?"""
    src = tmp_path / "in.mp4"
    write_clip(src, frames=5)
    before = _digest(src)
    (tmp_path / "sub").mkdir()
    os.symlink(src, tmp_path / "link.mp4")
    os.link(src, tmp_path / "hard.mp4")
    for out in (src, tmp_path / "sub" / ".." / "in.mp4", tmp_path / "link.mp4", tmp_path / "hard.mp4"):
        with pytest.raises(VideoError, match="hetzelfde"):
            anonymise(src, out, detector=_no_faces())
    assert _digest(src) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.mp4", "in.mp4", "link.mp4", "sub"]


def test_output_directory_missing(tmp_path):
    """Is an output in a directory that does not exist refused with a Dutch message?"""
    src = tmp_path / "in.mp4"
    write_clip(src, frames=5)
    with pytest.raises(VideoError, match="bestaat niet"):
        anonymise(src, tmp_path / "nergens" / "uit.mp4", detector=_no_faces())
    assert not (tmp_path / "nergens").exists()


def test_output_directory_not_writable(tmp_path):
    """Is an output directory without write permission a Dutch error, not a traceback?"""
    if os.geteuid() == 0:
        # root may write anywhere; a read-only bind is not available here, so use a path under /proc
        out = "/proc/uit.mp4"
    else:  # pragma: no cover - depends on who runs the suite
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        out = ro / "uit.mp4"
    src = tmp_path / "in.mp4"
    write_clip(src, frames=5)
    with pytest.raises(VideoError, match="kan niet worden geschreven"):
        transcode(src, out)
