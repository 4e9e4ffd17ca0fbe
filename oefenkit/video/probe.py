"""Probe a clip: what is in the file, and can the pipeline take it?

:func:`probe` opens a file with PyAV and reports duration, frame rate,
resolution, codec, rotation, audio and the exact number of frames
(:class:`ProbeInfo`). It raises :class:`~oefenkit.errors.VideoError` with a
short Dutch message for anything that is not a readable video: a missing or
empty file, text or an image with a video name, audio without a picture, a
file cut off before its end.

:func:`validate` applies the pipeline's limits on top of that (resolution
between :data:`MIN_SIDE` and :data:`MAX_SIDE` pixels a side, at least one
frame). The case library may probe clips it would not process, so the two
steps are separate.

Rotation follows the convention of the legacy QuickTime ``rotate`` tag: the
number of degrees the stored picture is turned *clockwise* for display. A
portrait clip from a phone held upright is usually stored landscape with
rotation 90. PyAV reports the display matrix counter-clockwise
(``VideoFrame.rotation``); :func:`rotation_from_display_matrix` converts.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from ..errors import VideoError

__all__ = [
    "ProbeInfo",
    "probe",
    "validate",
    "rotation_from_display_matrix",
    "MIN_SIDE",
    "MAX_SIDE",
    "MAX_PIXELS",
    "VIDEO_CONTAINERS",
]

log = logging.getLogger(__name__)

#: Smallest accepted width or height (pixels). Below this there is nothing to see.
MIN_SIDE = 16
#: Largest accepted width or height (pixels): DCI 8K is 8192 wide.
MAX_SIDE = 8192
#: Largest accepted frame area (pixels): DCI 8K, 8192 × 4320.
MAX_PIXELS = 8192 * 4320

#: Demuxers the pipeline accepts (FFmpeg names; ``mov,mp4,...`` is one demuxer).
VIDEO_CONTAINERS = frozenset({
    "mov,mp4,m4a,3gp,3g2,mj2",  # phones: .mp4, .mov, .3gp
    "matroska,webm",
    "avi",
    "mpegts",
    "mpeg",
    "flv",
    "asf",
    "ogg",
})

# Codecs that are pictures rather than motion video when they come with one frame.
_IMAGE_DEMUXER_SUFFIX = "_pipe"
_IMAGE_DEMUXERS = frozenset({"image2", "gif", "apng", "webp", "ico", "bmp"})


@dataclass(frozen=True)
class ProbeInfo:
    """What :func:`probe` found in a clip.

    Attributes
    ----------
    path : Path
        The file that was probed.
    container : str
        FFmpeg demuxer name, for example ``"mov,mp4,m4a,3gp,3g2,mj2"``.
    codec : str
        Video codec name, for example ``"h264"`` or ``"hevc"``.
    pix_fmt : str
        Pixel format of the video stream, for example ``"yuv420p"``.
    coded_width, coded_height : int
        Picture size as stored in the file.
    rotation : int
        Degrees (0, 90, 180, 270) the stored picture is turned clockwise for
        display.
    width, height : int
        Picture size as displayed, that is with the rotation applied.
    duration : float
        Seconds from the first frame to the end of the last frame.
    frame_count : int
        Number of video frames (packets in the stream, counted).
    fps : float
        Average frame rate, ``frame_count / duration``.
    variable_frame_rate : bool
        Whether the gaps between frames differ by more than 1 ms (phones).
    has_audio : bool
        Whether there is an audio stream.
    audio_codec : str or None
        Audio codec name, if there is audio.
    size_bytes : int
        File size.
    time_base : Fraction
        Time base of the video stream's timestamps.
    """

    path: Path
    container: str
    codec: str
    pix_fmt: str
    coded_width: int
    coded_height: int
    rotation: int
    width: int
    height: int
    duration: float
    frame_count: int
    fps: float
    variable_frame_rate: bool
    has_audio: bool
    audio_codec: str | None
    size_bytes: int
    time_base: Fraction

    @property
    def resolution(self) -> str:
        """Display resolution as ``"WIDTHxHEIGHT"``."""
        return f"{self.width}x{self.height}"


def rotation_from_display_matrix(degrees_ccw: float | None) -> int:
    """Convert PyAV's counter-clockwise display rotation to clockwise degrees.

    Parameters
    ----------
    degrees_ccw : float or None
        ``VideoFrame.rotation``: the angle the display matrix turns the
        picture counter-clockwise, in ``[-180, 180]``.

    Returns
    -------
    int
        0, 90, 180 or 270: degrees clockwise, snapped to a right angle.

    Examples
    --------
    >>> rotation_from_display_matrix(-90)   # a phone held upright
    90
    >>> rotation_from_display_matrix(90)
    270
    >>> rotation_from_display_matrix(180), rotation_from_display_matrix(None)
    (180, 0)
    """
    if not degrees_ccw:
        return 0
    return round(-float(degrees_ccw) / 90.0) % 4 * 90


def _name(path: Path) -> str:
    return path.name or str(path)


def _is_attached_picture(stream: av.stream.Stream) -> bool:
    """Cover art in audio files shows up as a one-picture 'video' stream."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream | None:
    for stream in container.streams.video:
        if not _is_attached_picture(stream):
            return stream
    return None


def probe(path: str | os.PathLike) -> ProbeInfo:
    """Read what a clip contains, without decoding more than one frame.

    Every video packet is demuxed (read, not decoded) to count the frames,
    measure the duration and notice a file that stops early.

    Parameters
    ----------
    path : str or path-like
        The clip.

    Returns
    -------
    ProbeInfo

    Raises
    ------
    VideoError
        The file is missing, empty, not a video (text, an image, audio only),
        or cut off.
    """
    path = Path(path)
    name = _name(path)
    if not path.exists():
        raise VideoError(f"Het bestand {name} bestaat niet.")
    if path.is_dir():
        raise VideoError(f"{name} is een map, geen videobestand.")
    size = path.stat().st_size
    if size == 0:
        raise VideoError(f"Het bestand {name} is leeg (0 bytes).")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError) as exc:
        log.info("cannot open %s: %s", path, exc)
        raise VideoError(f"{name} is geen video die Oefenkit kan lezen.") from exc
    try:
        return _probe_open(path, name, size, container)
    finally:
        container.close()


def _probe_open(path: Path, name: str, size: int, container: av.container.InputContainer) -> ProbeInfo:
    fmt = container.format.name
    if fmt.endswith(_IMAGE_DEMUXER_SUFFIX) or fmt in _IMAGE_DEMUXERS:
        raise VideoError(f"{name} is een afbeelding, geen video.")
    stream = _video_stream(container)
    if stream is None:
        if container.streams.audio:
            raise VideoError(f"{name} bevat alleen geluid, geen videobeeld.")
        raise VideoError(f"{name} bevat geen videobeeld.")
    if fmt not in VIDEO_CONTAINERS:
        raise VideoError(f"{name} heeft een bestandsformaat ({fmt}) dat Oefenkit niet als video accepteert.")
    codec_context = stream.codec_context
    if stream.time_base is None:
        raise VideoError(f"{name} is geen video die Oefenkit kan lezen.")
    time_base = Fraction(stream.time_base)
    declared = int(stream.frames or 0)

    # Demux (no decoding) to count frames and find the presentation span.
    stored = 0  # packets in the file
    count = 0  # packets that become shown frames
    first_pts: int | None = None
    end_pts: int | None = None
    pts_list: list[int] = []
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the demuxer's flush packet
                continue
            stored += 1
            if packet.is_discard:  # outside the edit list: the decoder drops it
                continue
            count += 1
            if packet.pts is not None:
                pts_list.append(packet.pts)
                first_pts = packet.pts if first_pts is None else min(first_pts, packet.pts)
                end = packet.pts + (packet.duration or 0)
                end_pts = end if end_pts is None else max(end_pts, end)
    except (av.error.FFmpegError, OSError) as exc:
        log.info("demux of %s stopped: %s", path, exc)
        raise VideoError(f"{name} is beschadigd of onvolledig en kan niet worden gelezen.") from exc
    if declared and stored < declared:
        log.info("%s: %d of %d declared frames present", path, stored, declared)
        raise VideoError(
            f"{name} is onvolledig: {declared - stored} van de {declared} beelden ontbreken "
            "(afgebroken kopie of download?)."
        )
    if count == 0:
        raise VideoError(f"{name} bevat geen beelden.")

    rotation, pix_fmt = _first_frame_facts(container, stream, name)

    duration = _duration(stream, container, time_base, first_pts, end_pts, pts_list)
    fps = count / duration if duration > 0 else float(stream.average_rate or 0)
    pts_list.sort()
    gaps = [b - a for a, b in itertools.pairwise(pts_list)]
    vfr = bool(gaps) and float((max(gaps) - min(gaps)) * time_base) > 0.001

    coded_w, coded_h = int(codec_context.width), int(codec_context.height)
    width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    audio = container.streams.audio[0] if container.streams.audio else None
    return ProbeInfo(
        path=path,
        container=container.format.name,
        codec=codec_context.name,
        pix_fmt=pix_fmt or (codec_context.format.name if codec_context.format else ""),
        coded_width=coded_w,
        coded_height=coded_h,
        rotation=rotation,
        width=width,
        height=height,
        duration=duration,
        frame_count=count,
        fps=fps,
        variable_frame_rate=vfr,
        has_audio=audio is not None,
        audio_codec=audio.codec_context.name if audio is not None else None,
        size_bytes=size,
        time_base=time_base,
    )


def _first_frame_facts(container, stream, name: str) -> tuple[int, str]:
    """Decode the first frame: it must decode, and it carries the display matrix."""
    try:
        container.seek(0, stream=stream)
    except (av.error.FFmpegError, OSError):  # pragma: no cover - unseekable input
        pass
    try:
        for frame in container.decode(stream):
            return rotation_from_display_matrix(frame.rotation), frame.format.name
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{name} is beschadigd: het eerste beeld kan niet worden gelezen.") from exc
    raise VideoError(f"{name} is beschadigd: er is geen enkel beeld te lezen.")


def _duration(stream, container, time_base: Fraction, first_pts, end_pts, pts_list) -> float:
    """Seconds from the first frame to the end of the last one.

    Prefers the stream's own duration (the MP4 sample table), then the
    packets' presentation span, then the container's duration.
    """
    if stream.duration and first_pts is not None:
        start = stream.start_time if stream.start_time is not None else first_pts
        end = start + stream.duration
        if pts_list and end > max(pts_list):
            return float((end - first_pts) * time_base)
    if first_pts is not None and end_pts is not None and end_pts > first_pts:
        return float((end_pts - first_pts) * time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0


def validate(info: ProbeInfo) -> ProbeInfo:
    """Check a probed clip against the pipeline's limits.

    Parameters
    ----------
    info : ProbeInfo

    Returns
    -------
    ProbeInfo
        ``info`` itself, so calls can be chained.

    Raises
    ------
    VideoError
        The resolution is below :data:`MIN_SIDE` or above :data:`MAX_SIDE`
        pixels a side (or :data:`MAX_PIXELS` in all), or the clip has no frames.
    """
    w, h = info.coded_width, info.coded_height
    if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE or w * h > MAX_PIXELS:
        raise VideoError(
            f"De resolutie van {_name(info.path)} ({w}×{h}) wordt niet ondersteund: "
            f"elke zijde moet tussen {MIN_SIDE} en {MAX_SIDE} pixels liggen (hoogstens 8K)."
        )
    if info.frame_count < 1:
        raise VideoError(f"{_name(info.path)} bevat geen beelden.")
    return info
