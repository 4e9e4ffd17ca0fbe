"""Encode browser-safe MP4 files without metadata, and the single-pass transcode.

The frames come from :func:`oefenkit.video.decode.read_clip` (upright BGR, even size,
timestamps relative to the first frame); cancellation and progress are
:mod:`oefenkit.video.progress`.

Encoding (:class:`Mp4Writer`) writes H.264 (libx264), yuv420p (BT.601 matrix, tagged),
in an MP4 with the ``moov`` box first (``movflags=+faststart``) so a browser
can start and seek before the download ends.

What the output keeps and drops:

* **Timestamps** are the source's own (relative to the first frame), in the
  source's time base, so a variable-frame-rate phone clip keeps every frame at
  its moment; the last frame lasts until the source's end. B-frames are off by
  default (:attr:`EncoderSettings.bframes`): then each sample's duration in the
  MP4 is exactly the gap to the next frame.
* **Metadata**: nothing is copied, because nothing is remuxed: a fresh file
  gets only decoded pixels (and, on request, decoded audio samples). There are
  no container or stream tags, no creation time (the ``mvhd``/``tkhd``/``mdhd``
  dates are zero), no location, device, chapters, subtitles or data tracks,
  and with ``fflags=+bitexact`` no ``encoder`` tag. The ``filter_units`` bitstream
  filter removes H.264 SEI units, which drops x264's settings banner (x264
  writes no other SEI with these settings).
* **Audio** is dropped unless asked for; then it is re-encoded as AAC.

:func:`transcode` is the single-pass path: decode → optional per-frame
function → encode, written to a temporary file in the output's directory and
renamed on success (:func:`atomic_output`). With ``process_frame=None`` it is
the floor the anonymisation pipeline cannot beat (decode + colour conversion +
rotation + encode, no detection), which is what the benchmark measures.

Examples
--------
Re-encode a clip without metadata, upright, video only::

    from oefenkit.video.encode import transcode
    result = transcode("IMG_0001.MOV", "clip.mp4")
    print(result.frames, result.timings.fps)
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.bitstream
import av.error
import cv2
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, ColorTrc

from ..errors import Cancelled, VideoError
from .decode import audio_format, even_size, read_clip
from .probe import ProbeInfo, probe, validate
from .progress import CANCELLED_MESSAGE, CancelToken, ProgressCallback, ProgressReporter, Timings, as_cancel_check

__all__ = [
    "EncoderSettings",
    "TranscodeResult",
    "Mp4Writer",
    "ProcessFrame",
    "check_output_path",
    "atomic_output",
    "transcode",
    "X264_PRESETS",
    "AAC_SAMPLE_RATES",
]

log = logging.getLogger(__name__)

#: x264's speed presets, fastest first.
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow", "placebo")
#: Sample rates the AAC encoder takes; other rates are resampled to 48 kHz.
AAC_SAMPLE_RATES = frozenset({7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000,
                              64000, 88200, 96000})

#: ``process_frame(frame_bgr, index, t) -> frame_bgr`` (same shape), for example ``Anonymiser.mask``.
ProcessFrame = Callable[[np.ndarray, int, float], np.ndarray]

LABEL_TRANSCODE = "Video omzetten"
_AVCOL_SPC_SMPTE170M = 6  # FFmpeg's AVColorSpace for the BT.601 matrix (PyAV's Colorspace holds swscale values)


@dataclass(frozen=True)
class EncoderSettings:
    """How the output is encoded.

    Attributes
    ----------
    preset : str
        x264 speed preset (:data:`X264_PRESETS`). ``veryfast`` encodes 720p at
        roughly 110 frames per second on two cores.
    crf : int
        x264 constant rate factor, 0–51; lower is better quality and larger.
        23 is x264's default; 18 is visually near-lossless.
    bframes : int
        Number of B-frames. 0 (the default) keeps the MP4's sample durations
        exactly equal to the source's frame gaps; B-frames make the file about
        10 % smaller, but the muxer then rounds the clip's end.
    keyframe_seconds : float
        At most this many seconds between keyframes, so seeking in a browser
        stays quick.
    audio_bitrate : int
        AAC bit rate (bits/s) when audio is kept.
    """

    preset: str = "veryfast"
    crf: int = 23
    bframes: int = 0
    keyframe_seconds: float = 2.0
    audio_bitrate: int = 128_000

    def __post_init__(self) -> None:
        if self.preset not in X264_PRESETS:
            raise VideoError(f"Onbekende encoderinstelling '{self.preset}'; kies uit: {', '.join(X264_PRESETS)}.")
        if not (isinstance(self.crf, int) and 0 <= self.crf <= 51):
            raise VideoError("De kwaliteit (CRF) moet een geheel getal van 0 tot en met 51 zijn.")
        if not (isinstance(self.bframes, int) and 0 <= self.bframes <= 16):
            raise VideoError("Het aantal B-frames moet tussen 0 en 16 liggen.")
        if not self.keyframe_seconds > 0:
            raise VideoError("De afstand tussen sleutelbeelden moet groter dan 0 seconden zijn.")
        if not 16_000 <= self.audio_bitrate <= 512_000:
            raise VideoError("De audiobitrate moet tussen 16 en 512 kbit/s liggen.")


@dataclass(frozen=True)
class TranscodeResult:
    """What :func:`transcode` wrote.

    Attributes
    ----------
    input : ProbeInfo
    output : ProbeInfo
        Probe of the written file (at its final path).
    frames : int
        Frames written (equal to ``input.frame_count``).
    timings : Timings
    """

    input: ProbeInfo
    output: ProbeInfo
    frames: int
    timings: Timings


# -- encoding --------------------------------------------------------------------------


class Mp4Writer:
    """Write upright BGR frames (and AAC audio) to a metadata-free, fast-start MP4.

    Parameters
    ----------
    path : path-like
        File to write (normally the temporary file of :func:`atomic_output`).
    width, height : int
        Even output size.
    time_base : Fraction
        Unit of the ``pts`` values passed to :meth:`write_frame`.
    frame_rate : float
        Average frame rate: a hint for the encoder and the keyframe interval;
        the timestamps decide the timing.
    settings : EncoderSettings
    audio_rate : int, optional
        Sample rate of the audio to keep; no audio track when ``None``.
    audio_channels : int
        1 (mono) or 2 (stereo); more channels are mixed down to stereo.

    Notes
    -----
    Call :meth:`close` with the clip's end timestamp; the writer holds one
    packet back so that it can give every sample its duration.
    """

    def __init__(self, path: str | os.PathLike, *, width: int, height: int, time_base: Fraction,
                 frame_rate: float, settings: EncoderSettings = EncoderSettings(),
                 audio_rate: int | None = None, audio_channels: int = 2):
        if width % 2 or height % 2:
            raise ValueError("yuv420p needs an even width and height")
        self.width, self.height, self.time_base = width, height, Fraction(time_base)
        # +bitexact: no "encoder" tag; +faststart: moov before mdat.
        self._container = av.open(str(path), mode="w", format="mp4",
                                  options={"movflags": "+faststart", "fflags": "+bitexact"})
        rate = Fraction(frame_rate).limit_denominator(1001) if frame_rate > 0 else Fraction(30)
        vs = self._container.add_stream("libx264", rate=rate)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.time_base = self.time_base
        cc = vs.codec_context
        cc.time_base = self.time_base
        # VUI: BT.601 matrix (what write_frame converts with), limited range; BT.709
        # primaries and transfer, as phone footage has and the BGR frames keep.
        cc.colorspace = _AVCOL_SPC_SMPTE170M
        cc.color_primaries = int(ColorPrimaries.BT709)
        cc.color_trc = int(ColorTrc.BT709)
        cc.color_range = int(ColorRange.MPEG)
        keyint = max(1, round(float(rate) * settings.keyframe_seconds))
        vs.options = {
            "preset": settings.preset,
            "crf": str(settings.crf),
            "bf": str(settings.bframes),
            "g": str(keyint),
        }
        self._vstream = vs
        self._bframes = settings.bframes
        self._astream = None
        if audio_rate is not None:
            out_rate = audio_rate if audio_rate in AAC_SAMPLE_RATES else 48_000
            layout = "mono" if audio_channels == 1 else "stereo"
            a = self._container.add_stream("aac", rate=out_rate, layout=layout)
            a.bit_rate = settings.audio_bitrate
            a.options = {"flags": "+bitexact"}  # no "Lavc..." ident in the AAC stream
            a.time_base = Fraction(1, out_rate)
            self._astream = a
        self._bsf: av.bitstream.BitStreamFilterContext | None = None
        self._pending: av.Packet | None = None
        self._last_pts: int | None = None
        self.frames = 0

    # video

    def write_frame(self, image: np.ndarray, pts: int) -> None:
        """Encode one upright BGR frame shown from ``pts`` (in ``time_base``) on."""
        if image.shape[:2] != (self.height, self.width) or image.dtype != np.uint8 or image.shape[2:] != (3,):
            raise ValueError(f"frame must be ({self.height}, {self.width}, 3) uint8, got {image.shape} {image.dtype}")
        if self._last_pts is not None and pts <= self._last_pts:
            raise ValueError("frame timestamps must increase")
        self._last_pts = pts
        # OpenCV's BGR -> I420 is BT.601, limited range (0.9 ms at 720p; swscale took
        # 2.7 ms for BT.601 and 7.7 ms for BT.709); the stream is tagged to match.
        frame = av.VideoFrame.from_ndarray(cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420), format="yuv420p")
        frame.colorspace, frame.color_range = _AVCOL_SPC_SMPTE170M, int(ColorRange.MPEG)
        frame.color_primaries, frame.color_trc = int(ColorPrimaries.BT709), int(ColorTrc.BT709)
        frame.pts = pts
        frame.time_base = self.time_base
        for packet in self._vstream.encode(frame):
            self._video_packet(packet)
        self.frames += 1

    def _video_packet(self, packet: av.Packet) -> None:
        if self._bsf is None:
            # Created at the first packet: the encoder's extradata exists only once it is open.
            self._bsf = av.bitstream.BitStreamFilterContext("filter_units=remove_types=6", self._vstream)
        for out in self._bsf.filter(packet):
            self._hold(out)

    def _hold(self, packet: av.Packet) -> None:
        """Mux the previous packet, now that its duration is known; keep this one."""
        packet.stream = self._vstream
        prev = self._pending
        if prev is not None:
            if self._bframes == 0 and packet.pts is not None and prev.pts is not None:
                prev.duration = packet.pts - prev.pts
            self._container.mux(prev)
        self._pending = packet

    # audio

    def write_audio(self, frame: av.AudioFrame) -> None:
        """Encode an audio frame whose ``pts``/``time_base`` count from the first video frame."""
        if self._astream is None:
            raise ValueError("this writer has no audio track")
        for packet in self._astream.encode(frame):
            self._container.mux(packet)

    # end

    def close(self, end_pts: int | None = None) -> None:
        """Flush the encoders and finish the file.

        Parameters
        ----------
        end_pts : int, optional
            When the last frame stops being shown (``time_base`` units); by
            default it lasts as long as the gap before it.
        """
        for packet in self._vstream.encode(None):
            self._video_packet(packet)
        if self._bsf is not None:
            for out in self._bsf.filter(None):
                self._hold(out)
        last = self._pending
        if last is not None:
            if end_pts is not None and last.pts is not None and end_pts > last.pts and self._bframes == 0:
                last.duration = end_pts - last.pts
            self._container.mux(last)
            self._pending = None
        if self._astream is not None:
            for packet in self._astream.encode(None):
                self._container.mux(packet)
        self._container.close()

    def abort(self) -> None:
        """Close without flushing (the file is thrown away by the caller)."""
        with contextlib.suppress(av.error.FFmpegError, OSError):
            self._container.close()


# -- safe output -----------------------------------------------------------------------


def check_output_path(in_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Refuse an output that would overwrite the input or cannot be a file.

    Returns
    -------
    Path
        ``out_path`` as an absolute path.

    Raises
    ------
    VideoError
        ``out_path`` is a directory, is the input file (also through a link),
        or its directory does not exist.
    """
    src, out = Path(in_path), Path(out_path)
    if out.is_dir():
        raise VideoError(f"{out} is een map; geef een bestandsnaam voor de uitvoer op.")
    same = src.resolve() == out.resolve()
    if not same and out.exists() and src.exists():
        same = os.path.samefile(src, out)
    if same:
        raise VideoError("Het uitvoerbestand mag niet hetzelfde zijn als het invoerbestand.")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise VideoError(f"De map {parent} bestaat niet.")
    return out.resolve()


@contextlib.contextmanager
def atomic_output(out_path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``out_path``; rename it there on success.

    The temporary file is created in the output's directory (so the rename is
    atomic on one file system) with a hidden name ending in ``.part``. When
    the block raises anything (errors, cancellation, Ctrl-C) the temporary
    file is removed and ``out_path`` is left as it was. Only a killed process
    (SIGKILL, power loss) can leave a hidden ``.NAME.*.part`` file behind.
    """
    out = Path(out_path)
    tmp = out.with_name(f".{out.name}.{secrets.token_hex(6)}.part")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies
    except OSError as exc:
        raise VideoError(f"In de map {out.parent} kan niet worden geschreven{_os_reason(exc)}.") from exc
    os.close(fd)
    ok = False
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, out)
        ok = True
    finally:
        if not ok:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


# -- the single-pass path --------------------------------------------------------------


def transcode(in_path: str | os.PathLike, out_path: str | os.PathLike,
              process_frame: ProcessFrame | None = None, *, settings: EncoderSettings | None = None,
              keep_audio: bool = False, progress: ProgressCallback | None = None,
              cancel: CancelToken = None, info: ProbeInfo | None = None,
              label: str = LABEL_TRANSCODE, progress_span: tuple[float, float] = (0.0, 1.0),
              timings: Timings | None = None) -> TranscodeResult:
    """Decode, optionally change each frame, and encode to a clean MP4 in one pass.

    This is the decode + encode floor of the anonymisation pipeline: with
    ``process_frame=None`` no pixel is changed, but the output is still
    upright, even-sized, H.264/yuv420p, fast start, with the source's
    timestamps and without metadata (and without audio unless ``keep_audio``).

    Parameters
    ----------
    in_path : str or path-like
        The clip; never written to.
    out_path : str or path-like
        Where the MP4 goes; written through a temporary file and a rename.
    process_frame : callable, optional
        ``process_frame(frame_bgr, index, t) -> frame_bgr``, called once per
        frame in order with the upright frame; must return an array of the
        same shape (it may change the one it gets).
    settings : EncoderSettings, optional
    keep_audio : bool
        Re-encode the first audio track as AAC instead of dropping it.
    progress : ProgressCallback, optional
        Called with ``(fraction, label)`` as frames are written.
    cancel : CancelToken
        Checked before every frame; raises :class:`~oefenkit.errors.Cancelled`
        and leaves no output.
    info : ProbeInfo, optional
        The input's probe when the caller has it already.
    label : str
        Dutch label passed to ``progress``.
    progress_span : (float, float)
        The part of the caller's progress bar this pass fills.
    timings : Timings, optional
        Accumulate into this object (the pipeline's), instead of a new one.

    Returns
    -------
    TranscodeResult

    Raises
    ------
    VideoError
        Unreadable input, limits exceeded, bad output path, write failure.
    Cancelled
        ``cancel`` said stop.
    """
    started = time.perf_counter()
    own_timings = timings is None
    timings = timings if timings is not None else Timings()
    settings = settings if settings is not None else EncoderSettings()
    info = validate(info if info is not None else probe(in_path))
    out = check_output_path(in_path, out_path)
    should_stop = as_cancel_check(cancel)
    report = ProgressReporter(progress, *progress_span, label)
    width, height = even_size(info.width, info.height)
    audio_rate = channels = None
    if keep_audio and info.has_audio:
        audio_rate, channels = audio_format(Path(in_path))
    frames = 0
    with atomic_output(out) as tmp:
        try:
            writer = Mp4Writer(tmp, width=width, height=height, time_base=info.time_base,
                               frame_rate=info.fps, settings=settings, audio_rate=audio_rate,
                               audio_channels=channels or 2)
        except (av.error.FFmpegError, OSError) as exc:
            raise _write_error(exc) from exc
        try:
            report(0.0)
            for item in read_clip(in_path, info=info, audio=audio_rate is not None, cancel=should_stop,
                                  timings=timings):
                if isinstance(item, av.AudioFrame):
                    t0 = time.perf_counter()
                    writer.write_audio(item)
                    timings.encode_s += time.perf_counter() - t0
                    continue
                image = item.image
                if process_frame is not None:
                    t0 = time.perf_counter()
                    image = process_frame(image, item.index, item.time)
                    timings.process_s += time.perf_counter() - t0
                t0 = time.perf_counter()
                writer.write_frame(image, item.pts)
                timings.encode_s += time.perf_counter() - t0
                frames += 1
                report(frames, info.frame_count)
            if should_stop():
                raise Cancelled(CANCELLED_MESSAGE)
            t0 = time.perf_counter()
            writer.close(end_pts=round(Fraction(info.duration) / info.time_base))
            timings.encode_s += time.perf_counter() - t0
        except (av.error.FFmpegError, OSError) as exc:
            writer.abort()
            raise _write_error(exc) from exc
        except BaseException:
            writer.abort()
            raise
        written = probe(tmp)
        if written.frame_count != frames:  # pragma: no cover - a muxer bug, not an input problem
            raise VideoError("De geschreven video is onvolledig; er is niets opgeslagen.")
    output = dataclasses.replace(written, path=out)
    timings.frames = frames
    if own_timings:
        timings.total_s = time.perf_counter() - started
    report(1.0)
    log.info("transcoded %s -> %s: %d frames, %.1f fps", Path(in_path).name, out.name, frames, timings.fps)
    return TranscodeResult(input=info, output=output, frames=frames, timings=timings)


_OS_REASONS = {
    errno.EACCES: "geen schrijfrechten",
    errno.EPERM: "geen schrijfrechten",
    errno.EROFS: "alleen-lezen",
    errno.ENOSPC: "schijf vol",
    errno.EDQUOT: "quotum vol",
}


def _os_reason(exc: OSError) -> str:
    """A short Dutch reason in parentheses, or nothing when there is no good one."""
    reason = _OS_REASONS.get(exc.errno or 0)
    return f" ({reason})" if reason else ""


def _write_error(exc: BaseException) -> VideoError:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return VideoError("De schijf is vol; de video is niet opgeslagen.")
    return VideoError("De video kon niet worden opgeslagen; er is niets weggeschreven.")
