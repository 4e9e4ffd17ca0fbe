"""Small test clips made on the spot, and independent ways to look inside MP4 files.

Clips are written with PyAV (variable frame rate, rotation tag, audio, odd
sizes) or with the ``ffmpeg`` binary that ships in the ``imageio-ffmpeg``
wheel (metadata tags, chapters, subtitles, a timecode data track), never
downloaded. The readers here (:func:`mp4_boxes`, :func:`frame_times`,
:func:`ffmpeg_upright_frame`) do not use the code under test.
"""

from __future__ import annotations

import os
import struct
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

__all__ = [
    "ffmpeg_exe",
    "pattern_frame",
    "vfr_times_ms",
    "write_clip",
    "write_metadata_clip",
    "write_audio_only",
    "write_cover_art_audio",
    "trim_with_edit_list",
    "SECRETS",
    "Box",
    "mp4_boxes",
    "top_level_types",
    "find_boxes",
    "header_times",
    "frame_times",
    "stream_kinds",
    "decode_first",
    "ffmpeg_upright_frame",
]

#: Colours (BGR) of the orientation marks in :func:`pattern_frame`.
RED, BLUE, GREEN = (0, 0, 255), (255, 0, 0), (0, 255, 0)


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary inside the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def pattern_frame(width: int, height: int, index: int) -> np.ndarray:
    """A BGR frame with marks that show orientation: red top-left, blue bottom-left, green top-right.

    The grey background changes with ``index`` so frames differ.
    """
    img = np.full((height, width, 3), 40 + (index * 5) % 120, np.uint8)
    bw, bh = max(2, width // 4), max(2, height // 4)
    img[:bh, :bw] = RED
    img[-bh:, :bw] = BLUE
    img[:bh, -bw:] = GREEN
    return img


def vfr_times_ms(n: int, seed: int = 0) -> list[int]:
    """Presentation times (ms) of ``n`` frames with phone-like irregular gaps (17–50 ms)."""
    rng = np.random.default_rng(seed)
    gaps = rng.choice([17, 33, 33, 34, 40, 50], size=n - 1)
    return [0, *np.cumsum(gaps).astype(int).tolist()]


def write_clip(path: str | os.PathLike, *, width: int = 320, height: int = 240, frames: int = 25,
               times_ms: list[int] | None = None, last_ms: int = 40, rotation: int = 0,
               audio: bool = False, bframes: int = 0, container_format: str | None = None,
               codec: str = "libx264") -> int:
    """Write a test clip with PyAV and return its intended duration in ms.

    Parameters
    ----------
    times_ms : list of int, optional
        Frame times in milliseconds (time base 1/1000); by default every 40 ms.
    last_ms : int
        How long the last frame lasts; the clip ends at ``times_ms[-1] + last_ms``.
    rotation : int
        Display rotation, degrees clockwise (the legacy ``rotate`` tag; a
        phone held upright records 90).
    audio : bool
        Add a 440 Hz AAC mono track (48 kHz) as long as the video.
    bframes : int
        B-frames in the H.264 stream (0: exact sample durations).
    """
    times = list(times_ms) if times_ms is not None else [40 * i for i in range(frames)]
    tb = Fraction(1, 1000)
    end_ms = times[-1] + last_ms
    with av.open(str(path), "w", format=container_format) as out:
        vs = out.add_stream(codec, rate=25)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.time_base = tb
        vs.codec_context.time_base = tb
        if codec == "libx264":
            vs.options = {"bf": str(bframes), "preset": "ultrafast" if bframes == 0 else "veryfast"}
        if rotation:
            vs.set_display_rotation(-rotation)  # PyAV counts counter-clockwise
        astream = None
        if audio:
            astream = out.add_stream("aac", rate=48000, layout="mono")
        held: list[av.Packet] = []

        def mux(packets):
            # Without B-frames packets come in presentation order: give each its duration.
            for p in packets:
                if bframes:
                    out.mux(p)
                    continue
                if held:
                    prev = held.pop()
                    prev.duration = p.pts - prev.pts
                    out.mux(prev)
                held.append(p)

        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(pattern_frame(width, height, i), format="bgr24")
            frame.pts, frame.time_base = t, tb
            mux(vs.encode(frame))
        mux(vs.encode(None))
        if held:
            held[0].duration = end_ms - held[0].pts
            out.mux(held.pop())
        if astream is not None:
            n = 48 * end_ms
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(n) / 48000)).astype(np.float32)[None, :]
            for start in range(0, n, 1024):
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, start:start + 1024]),
                                                format="flt", layout="mono")
                af.sample_rate, af.pts, af.time_base = 48000, start, Fraction(1, 48000)
                for p in astream.encode(af):
                    out.mux(p)
            for p in astream.encode(None):
                out.mux(p)
    return end_ms


#: Strings written into :func:`write_metadata_clip`'s file that must never reach an output.
SECRETS = (
    "TITEL-VAN-JANSEN",              # title
    "ARTIEST-PIETERSEN",             # artist
    "COMMENTAAR-HUISBEZOEK",         # comment
    "2024-03-05",                    # creation_time (also stored in binary in mvhd/tkhd/mdhd)
    "+52.0907+005.1214",             # ©xyz and com.apple.quicktime.location.ISO6709
    "MERK-APPLE-X",                  # make
    "MODEL-IPHONE-X",                # model
    "QT-MAKE-APPLE",                 # com.apple.quicktime.make
    "QT-MODEL-IPHONE",               # com.apple.quicktime.model
    "com.apple.quicktime",           # the mdta key names themselves
    "STROOMTITEL-VIDEO",             # video stream title
    "HANDLER-CAMERA-JANSEN",         # video stream handler name
    "STROOMTITEL-AUDIO",             # audio stream title
    "HANDLER-MIC-JANSEN",            # audio stream handler name
    "HOOFDSTUK-VAN-FAMILIE-JANSEN",  # chapter title
    "ONDERTITEL-GPS-52.0907N",       # subtitle text
)


def write_metadata_clip(path: str | os.PathLike, workdir: str | os.PathLike, *, seconds: float = 1.0) -> None:
    """Write a QuickTime file full of identifying metadata with the ffmpeg binary.

    It has container tags (title, artist, comment, creation time, location as
    ``©xyz`` and as ``com.apple.quicktime.location.ISO6709``, make, model),
    stream tags and handler names, a chapter (stored as a text track), a
    ``mov_text`` subtitle track, a ``tmcd`` timecode data track and AAC audio.
    """
    workdir = Path(workdir)
    meta = workdir / "chapters.ffmeta"
    meta.write_text(
        ";FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=500\n"
        "title=HOOFDSTUK-VAN-FAMILIE-JANSEN\n", encoding="utf-8")
    subs = workdir / "subs.srt"
    subs.write_text("1\n00:00:00,000 --> 00:00:01,000\nONDERTITEL-GPS-52.0907N\n", encoding="utf-8")
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"testsrc2=size=320x240:rate=25:duration={seconds}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
        "-i", str(meta), "-i", str(subs),
        "-map", "0:v", "-map", "1:a", "-map", "3:s", "-map_metadata", "2", "-map_chapters", "2",
        "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-c:s", "mov_text",
        "-metadata", "title=TITEL-VAN-JANSEN", "-metadata", "artist=ARTIEST-PIETERSEN",
        "-metadata", "comment=COMMENTAAR-HUISBEZOEK", "-metadata", "creation_time=2024-03-05T10:11:12Z",
        "-metadata", "location=+52.0907+005.1214/", "-metadata", "make=MERK-APPLE-X",
        "-metadata", "model=MODEL-IPHONE-X",
        "-metadata", "com.apple.quicktime.location.ISO6709=+52.0907+005.1214+001.000/",
        "-metadata", "com.apple.quicktime.make=QT-MAKE-APPLE",
        "-metadata", "com.apple.quicktime.model=QT-MODEL-IPHONE",
        "-metadata:s:v:0", "title=STROOMTITEL-VIDEO", "-metadata:s:v:0", "handler_name=HANDLER-CAMERA-JANSEN",
        "-metadata:s:a:0", "title=STROOMTITEL-AUDIO", "-metadata:s:a:0", "handler_name=HANDLER-MIC-JANSEN",
        "-timecode", "01:02:03:04", "-movflags", "use_metadata_tags",
        str(path),
    ]
    subprocess.run(cmd, check=True, capture_output=True)


def write_audio_only(path: str | os.PathLike, seconds: float = 1.0) -> None:
    """An AAC-in-MP4 file without any video stream (named however the caller likes)."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:a", "aac", "-f", "mp4", str(path)],
                   check=True, capture_output=True)


def write_cover_art_audio(path: str | os.PathLike, image_path: str | os.PathLike) -> None:
    """An audio file whose only picture is cover art (an ``attached_pic`` stream)."""
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=1", "-i", str(image_path), "-map", "0:a", "-map", "1:v",
                    "-c:a", "aac", "-c:v", "mjpeg", "-disposition:v:0", "attached_pic", "-f", "mp4", str(path)],
                   check=True, capture_output=True)


def trim_with_edit_list(src: str | os.PathLike, dst: str | os.PathLike, start_s: float) -> None:
    """Cut the start off without re-encoding, as phone editors do.

    The packets before ``start_s`` stay in the file (the next frames need
    them) and an edit list tells players to skip them.
    """
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-ss", str(start_s), "-i", str(src),
                    "-c", "copy", str(dst)], check=True, capture_output=True)


# -- looking inside MP4 files, independently of the code under test --------------------

_CONTAINER_BOXES = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta", b"dinf"}


@dataclass(frozen=True)
class Box:
    """One ISO-BMFF box: four-character type, offset and size in the file, payload."""

    type: str
    offset: int
    size: int
    payload: bytes
    children: tuple[Box, ...] = ()


def _parse(data: bytes, start: int, end: int) -> list[Box]:
    boxes = []
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack(">I4s", data[i:i + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[i + 8:i + 16])[0]
            header = 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            raise ValueError(f"bad box {kind!r} at {i}")
        payload = data[i + header:i + size]
        children = tuple(_parse(data, i + header, i + size)) if kind in _CONTAINER_BOXES else ()
        boxes.append(Box(kind.decode("latin-1"), i, size, payload, children))
        i += size
    if i != end:
        raise ValueError("trailing bytes after the last box")
    return boxes


def mp4_boxes(path: str | os.PathLike) -> list[Box]:
    """Parse the box tree (top level, and inside moov/trak/mdia/minf/stbl/edts/udta/dinf)."""
    data = Path(path).read_bytes()
    return _parse(data, 0, len(data))


def top_level_types(path: str | os.PathLike) -> list[str]:
    """Types of the top-level boxes, in file order (e.g. ``['ftyp', 'moov', 'free', 'mdat']``)."""
    return [b.type for b in mp4_boxes(path)]


def find_boxes(boxes: list[Box] | tuple[Box, ...], kind: str) -> list[Box]:
    """All boxes of a type anywhere in the tree."""
    found = []
    for b in boxes:
        if b.type == kind:
            found.append(b)
        found.extend(find_boxes(b.children, kind))
    return found


def header_times(path: str | os.PathLike) -> list[tuple[str, int, int]]:
    """``(box, creation_time, modification_time)`` of every mvhd, tkhd and mdhd box."""
    out = []
    for box in (b for kind in ("mvhd", "tkhd", "mdhd") for b in find_boxes(mp4_boxes(path), kind)):
        version = box.payload[0]
        if version == 1:
            created, modified = struct.unpack(">QQ", box.payload[4:20])
        else:
            created, modified = struct.unpack(">II", box.payload[4:12])
        out.append((box.type, created, modified))
    return out


def frame_times(path: str | os.PathLike) -> list[Fraction]:
    """Presentation time of every decoded video frame, relative to the first (PyAV, no rotation)."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        pts = [f.pts for f in c.decode(stream)]
        tb = Fraction(stream.time_base)
    return [(p - pts[0]) * tb for p in pts]


def stream_kinds(path: str | os.PathLike) -> list[str]:
    """Types of all streams in a file (``video``, ``audio``, ``subtitle``, ``data``, ...)."""
    with av.open(str(path)) as c:
        return [s.type for s in c.streams]


def decode_first(path: str | os.PathLike, index: int = 0) -> np.ndarray:
    """Frame ``index`` of a file as stored (BGR, no rotation applied), decoded by PyAV."""
    with av.open(str(path)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i == index:
                return frame.to_ndarray(format="bgr24")
    raise IndexError(index)


def ffmpeg_upright_frame(path: str | os.PathLike, width: int, height: int) -> np.ndarray:
    """First frame as the ffmpeg binary displays it (it applies the rotation itself), BGR."""
    raw = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(path), "-frames:v", "1", "-f", "rawvideo",
                          "-pix_fmt", "bgr24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)
