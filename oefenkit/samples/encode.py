"""Encode rendered frames (and an optional voice track) to a reproducible MP4.

The settings are those of the video pipeline's writer
(:class:`oefenkit.video.encode.Mp4Writer`): H.264 by libx264, yuv420p with
BT.709 conversion and tags, ``movflags=+faststart``, ``fflags=+bitexact`` (no
``encoder`` tag, zero creation times), x264's SEI banner removed with the
``filter_units`` bitstream filter, only a video stream (plus AAC audio with
``+bitexact`` when a voice track is asked for). Two things are added so the
*same script gives the same bytes* on any machine with the same libraries:

* ``threads=1``: x264's output depends on its thread count, which it
  otherwise derives from the number of CPU cores;
* fixed GOP and scene-cut settings (``keyint``, ``min-keyint``,
  ``scenecut=0``), so the keyframes do not depend on the content's changes.

``Mp4Writer`` has no thread setting, which is why the samples do not use it
directly.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

import av
import av.bitstream
import numpy as np
from av.video.reformatter import ColorPrimaries, ColorRange, ColorTrc

from ..errors import VideoError

__all__ = ["EncodeSettings", "encode_clip", "x264_params"]

log = logging.getLogger(__name__)

_AVCOL_SPC_BT709 = 1  # FFmpeg's AVColorSpace for BT.709
_AAC_FRAME = 1024


def x264_params(keyint: int) -> str:
    """The fixed x264 parameters for a keyframe interval of ``keyint`` frames.

    >>> x264_params(30)
    'keyint=30:min-keyint=30:scenecut=0:threads=1:lookahead-threads=1'
    """
    return f"keyint={keyint}:min-keyint={keyint}:scenecut=0:threads=1:lookahead-threads=1"


@dataclass(frozen=True)
class EncodeSettings:
    """x264 and AAC settings of the sample clips.

    Attributes
    ----------
    crf : int
        Constant rate factor (0–51). Flat drawn colours stay clean at 30.
    preset : str
        x264 preset; ``slow`` makes the flat drawings noticeably smaller than
        ``veryfast`` and still encodes 640 × 360 far faster than real time.
    bframes : int
        B-frames; 0 (as in the video pipeline) keeps every sample duration exact,
        needs no edit list, and is no larger for these drawings.
    keyframe_seconds : float
        Seconds between keyframes (quick seeking in the browser).
    audio_bitrate : int
        AAC bit rate of the voice track (bits/s).
    """

    crf: int = 30
    preset: str = "slow"
    bframes: int = 0
    keyframe_seconds: float = 2.0
    audio_bitrate: int = 48_000

    def __post_init__(self) -> None:
        if not (isinstance(self.crf, int) and 0 <= self.crf <= 51):
            raise VideoError("De kwaliteit (CRF) moet een geheel getal van 0 tot en met 51 zijn.")
        if self.preset not in ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow",
                               "slower", "veryslow"):
            raise VideoError(f"Onbekende encoderinstelling '{self.preset}'.")
        if not (isinstance(self.bframes, int) and 0 <= self.bframes <= 16):
            raise VideoError("Het aantal B-frames moet tussen 0 en 16 liggen.")
        if not self.keyframe_seconds > 0:
            raise VideoError("De afstand tussen sleutelbeelden moet groter dan 0 seconden zijn.")


def encode_clip(frames: Iterable[np.ndarray], path: str | os.PathLike, *, fps: int, width: int, height: int,
                settings: EncodeSettings = EncodeSettings(), audio: np.ndarray | None = None,
                audio_rate: int | None = None) -> int:
    """Encode BGR frames shown at a constant ``fps`` to an MP4 at ``path``.

    Parameters
    ----------
    frames : iterable of numpy.ndarray
        ``(height, width, 3)`` BGR ``uint8``; frame ``i`` is shown from ``i / fps``.
    path : path-like
        The file to write (use a temporary name and rename on success).
    fps : int
        Frames per second.
    width, height : int
        Even frame size.
    settings : EncodeSettings
    audio : numpy.ndarray, optional
        Mono samples in [-1, 1] (float32) starting with the first frame; an
        AAC track is added when given.
    audio_rate : int, optional
        Sample rate of ``audio`` (one AAC supports, such as 22050).

    Returns
    -------
    int
        The number of frames written.
    """
    if width % 2 or height % 2:
        raise ValueError("yuv420p needs an even width and height")
    container = av.open(os.fspath(path), mode="w", format="mp4",
                        options={"movflags": "+faststart", "fflags": "+bitexact"})
    try:
        vs = container.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
        vs.time_base = Fraction(1, fps)
        cc = vs.codec_context
        cc.time_base = Fraction(1, fps)
        cc.colorspace = _AVCOL_SPC_BT709
        cc.color_primaries = int(ColorPrimaries.BT709)
        cc.color_trc = int(ColorTrc.BT709)
        cc.color_range = int(ColorRange.MPEG)
        keyint = max(1, round(fps * settings.keyframe_seconds))
        vs.options = {
            "preset": settings.preset,
            "crf": str(settings.crf),
            "bf": str(settings.bframes),
            "threads": "1",
            "x264-params": x264_params(keyint),
        }
        astream = None
        if audio is not None:
            if audio_rate is None:
                raise ValueError("audio needs audio_rate")
            astream = container.add_stream("aac", rate=audio_rate, layout="mono")
            astream.bit_rate = settings.audio_bitrate
            astream.options = {"flags": "+bitexact"}
            astream.time_base = Fraction(1, audio_rate)
            samples = np.clip(np.asarray(audio, np.float32), -1.0, 1.0)
        bsf: list[av.bitstream.BitStreamFilterContext] = []

        def mux_video(packets) -> None:
            for packet in packets:
                if not bsf:  # the encoder's extradata exists only once it is open
                    bsf.append(av.bitstream.BitStreamFilterContext("filter_units=remove_types=6", vs))
                for out in bsf[0].filter(packet):
                    out.stream = vs
                    container.mux(out)

        sent = 0  # audio samples encoded so far

        def mux_audio(until: int) -> None:
            nonlocal sent
            while astream is not None and sent < min(until, len(samples)):
                chunk = samples[sent:sent + _AAC_FRAME]
                if len(chunk) < _AAC_FRAME:
                    chunk = np.concatenate([chunk, np.zeros(_AAC_FRAME - len(chunk), np.float32)])
                frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
                frame.sample_rate = audio_rate
                frame.pts = sent
                frame.time_base = Fraction(1, audio_rate)
                for packet in astream.encode(frame):
                    container.mux(packet)
                sent += _AAC_FRAME

        count = 0
        for i, image in enumerate(frames):
            if image.shape != (height, width, 3) or image.dtype != np.uint8:
                raise ValueError(f"frame must be ({height}, {width}, 3) uint8, got {image.shape} {image.dtype}")
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="bgr24")
            frame = frame.reformat(format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG",
                                   dst_color_trc=ColorTrc.BT709, dst_color_primaries=ColorPrimaries.BT709)
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            mux_video(vs.encode(frame))
            count += 1
            if astream is not None:
                mux_audio(((i + 1) * audio_rate) // fps)  # interleave: audio up to this frame's end
        mux_video(vs.encode(None))
        if bsf:
            for out in bsf[0].filter(None):
                out.stream = vs
                container.mux(out)
        if astream is not None:
            mux_audio(len(samples))
            for packet in astream.encode(None):
                container.mux(packet)
    finally:
        container.close()
    log.debug("encoded %d frames to %s", count, path)
    return count
