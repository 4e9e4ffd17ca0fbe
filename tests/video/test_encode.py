"""Decoding upright and encoding a browser-safe MP4 without metadata (``transcode``)."""

from __future__ import annotations

import struct
import threading
from fractions import Fraction

import av
import numpy as np
import pytest

from oefenkit.errors import Cancelled, VideoError
from oefenkit.video.decode import read_clip
from oefenkit.video.encode import EncoderSettings, transcode
from oefenkit.video.probe import probe

from .media import (
    SECRETS,
    decode_first,
    ffmpeg_upright_frame,
    find_boxes,
    frame_times,
    header_times,
    mp4_boxes,
    pattern_frame,
    stream_kinds,
    top_level_types,
    trim_with_edit_list,
    vfr_times_ms,
    write_clip,
    write_metadata_clip,
)


def _stream_facts(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        return v.codec_context.name, v.codec_context.format.name, v.width, v.height


def test_output_is_h264_yuv420p_fast_start(tmp_path):
    """Is the output H.264 in yuv420p, in an MP4 whose moov box comes before mdat?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=20)
    transcode(src, out)
    codec, pix_fmt, w, h = _stream_facts(out)
    assert (codec, pix_fmt, w, h) == ("h264", "yuv420p", 320, 240)
    kinds = top_level_types(out)
    assert kinds[0] == "ftyp"
    assert "moov" in kinds and "mdat" in kinds
    assert kinds.index("moov") < kinds.index("mdat")
    # the input PyAV wrote without fast start had it the other way round: the check can fail
    assert top_level_types(src).index("moov") > top_level_types(src).index("mdat")


def test_odd_dimensions_become_even(tmp_path):
    """Is a 321x241 clip written as 320x240 (yuv420p needs even sizes), without scaling the picture?"""
    src, out = tmp_path / "odd.mkv", tmp_path / "even.mp4"
    write_clip(src, width=321, height=241, frames=5, container_format="matroska", codec="ffv1")
    assert probe(src).width == 321
    result = transcode(src, out)
    assert _stream_facts(out)[2:] == (320, 240)
    assert (result.output.width, result.output.height) == (320, 240)
    # cropped, not scaled: the red corner mark is still 80x60 (321 // 4, 241 // 4)
    frame = decode_first(out)
    red = (frame[..., 2] > 200) & (frame[..., 1] < 60) & (frame[..., 0] < 60)
    ys, xs = np.nonzero(red)
    assert (xs.max() + 1, ys.max() + 1) == pytest.approx((80, 60), abs=2)


def test_variable_frame_rate_timing_is_kept(tmp_path):
    """Does a VFR clip keep every frame at its own time, and its exact duration?"""
    src, out = tmp_path / "vfr.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(45, seed=7)
    end_ms = write_clip(src, times_ms=times, last_ms=33)
    result = transcode(src, out)
    expected = [Fraction(t, 1000) for t in times]
    assert frame_times(src) == expected  # the input is what we think it is
    assert frame_times(out) == expected
    assert result.frames == len(times) == result.output.frame_count
    # duration from the MP4 header itself: mdhd duration / timescale
    mdhd = find_boxes(mp4_boxes(out), "mdhd")[0].payload
    timescale, duration = struct.unpack(">II", mdhd[12:20])
    assert Fraction(duration, timescale) == Fraction(end_ms, 1000)
    with av.open(str(out)) as c:
        assert c.duration / av.time_base == pytest.approx(end_ms / 1000, abs=1e-3)


def test_timing_kept_with_b_frames_in_the_input(tmp_path):
    """Are the frame times also kept when the source has B-frames (reordered frames, like phones)?"""
    src, out = tmp_path / "bf.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(30, seed=11)
    write_clip(src, times_ms=times, bframes=3)
    transcode(src, out)
    assert frame_times(out) == frame_times(src) == [Fraction(t, 1000) for t in times]
    assert probe(out).duration == pytest.approx(probe(src).duration, abs=1e-3)


def test_b_frames_in_the_output_keep_frame_times(tmp_path):
    """With EncoderSettings(bframes=2) are the frames and their times still the source's?"""
    src, out = tmp_path / "vfr.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(30, seed=5)
    write_clip(src, times_ms=times)
    transcode(src, out, settings=EncoderSettings(bframes=2))
    assert frame_times(out) == [Fraction(t, 1000) for t in times]


def test_clip_trimmed_by_an_edit_list(tmp_path):
    """Is a clip whose start was cut by an edit list (packets kept, marked to skip) written as its visible part?"""
    src, trimmed, out = tmp_path / "in.mp4", tmp_path / "trimmed.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=50)  # one keyframe: the cut at 0.4 s cannot drop the packets before it
    trim_with_edit_list(src, trimmed, 0.4)
    with av.open(str(trimmed)) as c:
        stored = [p for p in c.demux(c.streams.video[0]) if p.size]
    assert len(stored) == 50 and sum(p.is_discard for p in stored) == 10  # the test input is what we think
    info = probe(trimmed)
    assert info.frame_count == 40 and info.duration == pytest.approx(1.6, abs=1e-6)
    result = transcode(trimmed, out)
    assert result.frames == 40
    assert frame_times(out) == [Fraction(40 * i, 1000) for i in range(40)]
    assert probe(out).duration == pytest.approx(1.6, abs=1e-6)
    # the first frame written is the source's frame 10 (grey levels step by 5 per frame)
    grey = int(decode_first(out)[120, 160, 0])
    assert abs(grey - int(decode_first(src, 10)[120, 160, 0])) <= 2
    assert abs(grey - int(decode_first(src, 9)[120, 160, 0])) > 2


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_is_baked_in(tmp_path, rotation):
    """Is a rotated phone clip written upright, pixel for pixel as ffmpeg displays it, with no rotation tag?"""
    src, out = tmp_path / "rot.mp4", tmp_path / "out.mp4"
    write_clip(src, width=320, height=240, frames=5, rotation=rotation)
    transcode(src, out, settings=EncoderSettings(crf=10))
    w, h = (240, 320) if rotation in (90, 270) else (320, 240)
    assert _stream_facts(out)[2:] == (w, h)  # stored that way: no display matrix needed
    info = probe(out)
    assert info.rotation == 0 and (info.width, info.height) == (w, h)
    reference = ffmpeg_upright_frame(src, w, h).astype(int)
    assert np.abs(decode_first(out).astype(int) - reference).mean() < 3


def test_portrait_from_rotation_90_has_red_mark_top_right(tmp_path):
    """Does a portrait phone clip (rotation 90) come out portrait, the top-left mark turned to the top right?"""
    src, out = tmp_path / "portrait.mp4", tmp_path / "out.mp4"
    write_clip(src, width=320, height=240, frames=3, rotation=90)
    transcode(src, out)
    frame = decode_first(out)
    assert frame.shape == (320, 240, 3)
    b, g, r = frame[10, -10].astype(int)  # stored top-left, turned 90° clockwise
    assert r > 200 and g < 60 and b < 60


def test_identifying_metadata_does_not_survive(tmp_path):
    """Is none of the identifying text (tags, location, device, chapters, subtitles) in the output bytes?"""
    src = tmp_path / "IMG_0001.MOV"
    write_metadata_clip(src, tmp_path)
    data_in = src.read_bytes()
    for secret in SECRETS:
        assert secret.encode() in data_in, f"test input lacks {secret}"
    assert stream_kinds(src) == ["video", "audio", "subtitle", "data", "data"]
    for keep_audio in (False, True):
        out = tmp_path / f"out-{keep_audio}.mp4"
        transcode(src, out, keep_audio=keep_audio)
        data = out.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} leaked (keep_audio={keep_audio})"
        assert stream_kinds(out) == (["video", "audio"] if keep_audio else ["video"])
        # no creation or modification dates in the binary headers
        assert all(created == 0 and modified == 0 for _, created, modified in header_times(out))
        # no tags, chapters or encoder banners
        with av.open(str(out)) as c:
            assert {k for k in c.metadata if k not in {"major_brand", "minor_version", "compatible_brands"}} == set()
            assert all(set(s.metadata) <= {"language", "handler_name"} for s in c.streams)
            assert c.chapters() == []
        for banner in (b"x264", b"Lavf", b"Lavc", b"encoder", b"\xa9too", b"\xa9xyz", b"mdta", b"chpl"):
            assert banner not in data, banner


def test_audio_is_dropped_unless_kept(tmp_path):
    """Is the sound removed by default, and re-encoded as AAC (no longer than the picture) on request?"""
    src = tmp_path / "sound.mp4"
    end_ms = write_clip(src, frames=25, audio=True)
    silent = transcode(src, tmp_path / "silent.mp4")
    assert not silent.output.has_audio
    assert stream_kinds(tmp_path / "silent.mp4") == ["video"]
    kept = transcode(src, tmp_path / "kept.mp4", keep_audio=True)
    assert kept.output.has_audio and kept.output.audio_codec == "aac"
    # Each track's edit list says how long it plays (mvhd timescale): audio not longer than video.
    boxes = mp4_boxes(tmp_path / "kept.mp4")
    (mvhd,) = find_boxes(boxes, "mvhd")
    timescale = struct.unpack(">I", mvhd.payload[12:16])[0]
    played = {}
    for trak in find_boxes(boxes, "trak"):
        handler = find_boxes(trak.children, "hdlr")[0].payload[8:12].decode()
        (elst,) = find_boxes(trak.children, "elst")
        played[handler] = struct.unpack(">I", elst.payload[8:12])[0] / timescale
    assert played["vide"] == pytest.approx(end_ms / 1000, abs=1e-3)
    assert end_ms / 1000 - 0.05 < played["soun"] <= played["vide"]
    with av.open(str(tmp_path / "kept.mp4")) as c:
        assert c.duration / av.time_base == pytest.approx(end_ms / 1000, abs=2e-3)


def test_process_frame_sees_every_upright_frame_and_is_encoded(tmp_path):
    """Is process_frame called once per frame, in order, with upright frames and times, and is its result written?"""
    src, out = tmp_path / "rot.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(12, seed=2)
    write_clip(src, width=320, height=240, times_ms=times, rotation=90)
    calls = []

    def paint(frame, index, t):
        calls.append((index, t, frame.shape, frame.flags.c_contiguous))
        frame[100:200, 50:150] = (0, 255, 255)  # yellow, in upright coordinates
        return frame

    transcode(src, out, paint)
    assert [c[0] for c in calls] == list(range(12))
    assert [c[1] for c in calls] == pytest.approx([t / 1000 for t in times])
    assert all(c[2] == (320, 240, 3) and c[3] for c in calls)
    frame = decode_first(out, 5)
    assert np.abs(frame[110:190, 60:140].astype(int) - (0, 255, 255)).max() < 20
    assert np.abs(frame[250:300, 10:40].astype(int) - (0, 255, 255)).max() > 100  # outside untouched


def test_read_clip_frames_are_upright_and_numbered(tmp_path):
    """Does read_clip yield contiguous upright BGR frames with their index and relative time?"""
    src = tmp_path / "rot.mp4"
    write_clip(src, width=320, height=240, frames=6, rotation=270)
    frames = list(read_clip(src))
    assert [f.index for f in frames] == list(range(6))
    assert [f.time for f in frames] == pytest.approx([0.04 * i for i in range(6)])
    first = frames[0].image
    assert first.shape == (320, 240, 3) and first.dtype == np.uint8 and first.flags.writeable
    expected = np.rot90(pattern_frame(320, 240, 0), k=1)  # 270° clockwise = 90° counter-clockwise
    assert np.abs(first.astype(int) - expected).mean() < 4


def test_progress_is_monotonic_and_ends_at_one(tmp_path):
    """Does the progress callback go from 0 to 1 without going back, with a Dutch label?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=30)
    seen = []
    transcode(src, out, progress=lambda f, label: seen.append((f, label)))
    fractions = [f for f, _ in seen]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert {label for _, label in seen} == {"Video omzetten"}


def test_cancel_leaves_nothing(tmp_path):
    """Does setting the cancel event mid-run raise Cancelled and leave no file (not even a temporary one)?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=30)
    stop = threading.Event()

    def stop_at_ten(frame, index, t):
        if index == 10:
            stop.set()
        return frame

    with pytest.raises(Cancelled, match="afgebroken"):
        transcode(src, out, stop_at_ten, cancel=stop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_failure_keeps_the_previous_output(tmp_path):
    """When processing fails, is an existing output file left exactly as it was, with no temporary file?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=10)
    out.write_bytes(b"previous version")

    def boom(frame, index, t):
        if index == 4:
            raise RuntimeError("processing failed")
        return frame

    with pytest.raises(RuntimeError):
        transcode(src, out, boom)
    assert out.read_bytes() == b"previous version"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]


def test_success_replaces_output_and_leaves_no_temporary_file(tmp_path):
    """Does a successful run replace an existing output and leave only the two files?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=10)
    out.write_bytes(b"old")
    result = transcode(src, out)
    assert out.read_bytes()[4:8] == b"ftyp"
    assert result.output.path == out.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]


def test_timings_are_measured(tmp_path):
    """Are decode and encode times measured and is fps frames per total second?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=20)
    t = transcode(src, out).timings
    assert t.frames == 20
    assert t.decode_s > 0 and t.encode_s > 0 and t.detect_s == 0 and t.process_s == 0
    assert t.total_s >= t.decode_s + t.encode_s
    assert t.fps == pytest.approx(20 / t.total_s)


@pytest.mark.parametrize("kwargs", [{"crf": 60}, {"preset": "turbo"}, {"bframes": -1}, {"keyframe_seconds": 0}])
def test_bad_encoder_settings_are_dutch_errors(kwargs):
    """Are impossible encoder settings refused with a Dutch VideoError?"""
    with pytest.raises(VideoError):
        EncoderSettings(**kwargs)
