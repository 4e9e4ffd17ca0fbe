"""Probing clips: duration, frame rate, resolution, codec, rotation, audio, frame count."""

from __future__ import annotations

from fractions import Fraction

import pytest

from oefenkit.errors import VideoError
from oefenkit.video.probe import (
    MAX_SIDE,
    MIN_SIDE,
    ProbeInfo,
    probe,
    rotation_from_display_matrix,
    validate,
)

from .media import frame_times, vfr_times_ms, write_clip


def test_constant_rate_clip(tmp_path):
    """Does probe report size, codec, frame count, duration and fps of a plain 25 fps clip?"""
    clip = tmp_path / "cfr.mp4"
    end_ms = write_clip(clip, width=320, height=240, frames=25)
    info = probe(clip)
    assert isinstance(info, ProbeInfo)
    assert (info.width, info.height, info.coded_width, info.coded_height) == (320, 240, 320, 240)
    assert info.codec == "h264" and info.pix_fmt == "yuv420p"
    assert info.container.startswith("mov,mp4")
    assert info.frame_count == 25
    assert info.duration == pytest.approx(end_ms / 1000, abs=1e-6)
    assert info.fps == pytest.approx(25.0, abs=1e-6)
    assert info.rotation == 0 and not info.variable_frame_rate
    assert not info.has_audio and info.audio_codec is None
    assert info.size_bytes == clip.stat().st_size
    assert info.resolution == "320x240"


def test_variable_frame_rate_clip(tmp_path):
    """Does probe see a phone-like variable frame rate and measure the duration to the last frame's end?"""
    clip = tmp_path / "vfr.mp4"
    times = vfr_times_ms(37, seed=3)
    end_ms = write_clip(clip, times_ms=times, last_ms=33)
    info = probe(clip)
    assert info.variable_frame_rate
    assert info.frame_count == len(times) == len(frame_times(clip))
    assert info.duration == pytest.approx(end_ms / 1000, abs=1e-6)
    assert info.fps == pytest.approx(len(times) / (end_ms / 1000), rel=1e-6)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_tag(tmp_path, rotation):
    """Is the display rotation reported clockwise, with the displayed width and height swapped for 90/270?"""
    clip = tmp_path / f"rot{rotation}.mp4"
    write_clip(clip, width=320, height=240, frames=5, rotation=rotation)
    info = probe(clip)
    assert info.rotation == rotation
    assert (info.coded_width, info.coded_height) == (320, 240)
    expected = (240, 320) if rotation in (90, 270) else (320, 240)
    assert (info.width, info.height) == expected


def test_audio_is_reported(tmp_path):
    """Does probe say that a clip has sound, and which codec?"""
    clip = tmp_path / "sound.mp4"
    write_clip(clip, frames=10, audio=True)
    info = probe(clip)
    assert info.has_audio and info.audio_codec == "aac"


def test_matroska_without_declared_frame_count(tmp_path):
    """Are frames counted by reading when the container (Matroska) does not declare a count?"""
    clip = tmp_path / "clip.mkv"
    write_clip(clip, frames=12, container_format="matroska")
    info = probe(clip)
    assert info.container == "matroska,webm"
    assert info.frame_count == 12
    assert info.time_base == Fraction(1, 1000)


def test_validate_accepts_normal_and_boundary_sizes(tmp_path):
    """Does validate pass a clip of exactly the minimum size and return the same info?"""
    clip = tmp_path / "small.mp4"
    write_clip(clip, width=MIN_SIDE, height=MIN_SIDE, frames=3)
    info = probe(clip)
    assert validate(info) is info


@pytest.mark.parametrize("size", [(8, 8), (MAX_SIDE + 8, 16)])
def test_validate_rejects_absurd_sizes(tmp_path, size):
    """Is a clip below 16 px or above 8K a side rejected with a Dutch message that gives the limits?"""
    clip = tmp_path / "odd.mp4"
    write_clip(clip, width=size[0], height=size[1], frames=3)
    info = probe(clip)  # probing is fine: the case library may list it
    with pytest.raises(VideoError, match="resolutie") as err:
        validate(info)
    assert f"{MIN_SIDE}" in str(err.value) and f"{MAX_SIDE}" in str(err.value)


def test_rotation_conversion_snaps_to_right_angles():
    """Is a slightly-off display matrix angle snapped to the nearest right angle?"""
    assert rotation_from_display_matrix(-89.9) == 90
    assert rotation_from_display_matrix(-180) == 180
    assert rotation_from_display_matrix(0.0) == 0
