"""The whole anonymisation run: ``anonymise(IN, OUT, options, progress, cancel)``.

Stages, in order::

    probe → validate → check OUT
      → pass 1: decode (rotation baked in) → anonymiser.observe(frame, i, t)
      → anonymiser.finish()                       (the mask plan)
      → pass 2: decode again → anonymiser.mask(frame, i, t) → encode
      → rename the temporary file to OUT          (only on success)

Decoding twice costs a decode (≈ 250–330 fps at 720p) but keeps memory flat:
the plan needs every frame's detections before any frame can be masked
(a face is masked a few frames *before* it is first found), and holding a
clip's frames would take gigabytes.

The input is only read. Output goes to a temporary file in OUT's directory
and is renamed on success, so a failed or cancelled run leaves nothing (and
an existing OUT untouched). See :mod:`oefenkit.video.encode` for what the
written MP4 contains.

Progress is reported as ``progress(fraction, label)`` with a Dutch label per
stage (:data:`STAGE_LABELS`); ``cancel`` (a ``threading.Event`` or a callable)
is checked before every frame and stops the run with
:class:`~oefenkit.errors.Cancelled`.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import Cancelled
from .anonymiser import Anonymiser, MaskingOptions
from .decode import read_clip
from .detect import FaceDetector
from .encode import EncoderSettings, check_output_path, transcode
from .probe import ProbeInfo, probe, validate
from .progress import CancelToken, ProgressCallback, ProgressReporter, Timings, as_cancel_check
from .review import ReviewReport

__all__ = [
    "AnonymiseOptions",
    "AnonymiseResult",
    "FrameAnonymiser",
    "STAGE_LABELS",
    "anonymise",
    "run_passes",
]

log = logging.getLogger(__name__)

#: Dutch progress labels, in the order the stages run.
STAGE_LABELS = {
    "probe": "Video controleren",
    "detect": "Gezichten zoeken",
    "plan": "Maskerplan maken",
    "encode": "Maskeren en opslaan",
    "done": "Klaar",
}

# Share of the progress bar per stage. Detection dominates the time (CenterFace
# takes 30–170 ms a frame, decoding + masking + encoding about 10 ms at 720p).
_SPANS = {
    "probe": (0.0, 0.01),
    "detect": (0.01, 0.80),
    "plan": (0.80, 0.81),
    "encode": (0.81, 1.0),
}


@runtime_checkable
class FrameAnonymiser(Protocol):
    """What the pipeline drives; :class:`~oefenkit.video.anonymiser.Anonymiser` is the real one."""

    def observe(self, frame_bgr: np.ndarray, index: int, t: float) -> None:
        """Pass 1: look at a frame (upright BGR uint8, frames in order)."""
        ...

    def finish(self) -> None:
        """Build the mask plan."""
        ...

    def mask(self, frame_bgr: np.ndarray, index: int, t: float) -> np.ndarray:
        """Pass 2: return the masked frame (same shape)."""
        ...

    def review(self) -> ReviewReport:
        """The frames a person should check."""
        ...


@dataclass(frozen=True)
class AnonymiseOptions:
    """Everything that decides what :func:`anonymise` writes.

    Attributes
    ----------
    masking : MaskingOptions
        Detection and masking (style, manual masks, ...).
    keep_audio : bool
        Keep the sound (re-encoded as AAC). Off by default: voices identify
        people, so a trainer must choose to keep them.
    encoder : EncoderSettings
        x264 preset, quality (CRF), B-frames, keyframe interval, audio bit rate.
    """

    masking: MaskingOptions = field(default_factory=MaskingOptions)
    keep_audio: bool = False
    encoder: EncoderSettings = field(default_factory=EncoderSettings)


@dataclass(frozen=True)
class AnonymiseResult:
    """What one run produced.

    Attributes
    ----------
    input : ProbeInfo
        The source clip.
    output : ProbeInfo
        The written MP4, probed at its final path.
    frames : int
        Frames written (equal to ``input.frame_count``).
    timings : Timings
        Seconds spent decoding (both passes), detecting (pass 1 and the plan),
        masking, encoding, and in total; ``timings.fps`` is frames per second
        of the whole run.
    review : ReviewReport
        Frames a person should look at before the clip is used.
    contact_sheet : numpy.ndarray or None
        Thumbnails of the review frames as masked, when the anonymiser makes one.
    """

    input: ProbeInfo
    output: ProbeInfo
    frames: int
    timings: Timings
    review: ReviewReport
    contact_sheet: np.ndarray | None = None

    @property
    def fps(self) -> float:
        """Frames per second over the whole run."""
        return self.timings.fps


def anonymise(in_path: str | os.PathLike, out_path: str | os.PathLike,
              options: AnonymiseOptions | None = None, *, progress: ProgressCallback | None = None,
              cancel: CancelToken = None, detector: FaceDetector | None = None) -> AnonymiseResult:
    """Mask the faces in a clip and write a clean, browser-safe MP4.

    Parameters
    ----------
    in_path : str or path-like
        The source clip (read only).
    out_path : str or path-like
        The MP4 to write; replaced only when the run succeeds.
    options : AnonymiseOptions, optional
    progress : callable, optional
        ``progress(fraction, label)``: fraction 0–1, label a Dutch stage name.
    cancel : threading.Event or callable, optional
        Checked before every frame; when set the run stops with
        :class:`~oefenkit.errors.Cancelled` and nothing is written.
    detector : FaceDetector, optional
        Replaces the default CenterFace detector (tests use a fake).

    Returns
    -------
    AnonymiseResult

    Raises
    ------
    VideoError
        Unreadable or unsupported input, a bad output path, invalid options,
        a write failure; the message is Dutch.
    Cancelled
        The run was cancelled.
    """
    options = options if options is not None else AnonymiseOptions()
    started = time.perf_counter()
    report = ProgressReporter(progress, *_SPANS["probe"], STAGE_LABELS["probe"])
    report(0.0)
    info = validate(probe(in_path))
    check_output_path(in_path, out_path)
    report(1.0)
    anonymiser = Anonymiser(options.masking, detector, fps=info.fps)
    return run_passes(in_path, out_path, anonymiser, info=info, keep_audio=options.keep_audio,
                      settings=options.encoder, progress=progress, cancel=cancel, started=started)


def run_passes(in_path: str | os.PathLike, out_path: str | os.PathLike, anonymiser: FrameAnonymiser, *,
               info: ProbeInfo | None = None, keep_audio: bool = False,
               settings: EncoderSettings | None = None, progress: ProgressCallback | None = None,
               cancel: CancelToken = None, started: float | None = None) -> AnonymiseResult:
    """Drive any :class:`FrameAnonymiser` through both passes and write the output.

    :func:`anonymise` builds the real :class:`~oefenkit.video.anonymiser.Anonymiser`
    and calls this; tests pass a stand-in. Parameters are as for
    :func:`anonymise`; ``info`` is the input's probe if already known and
    ``started`` the run's start (``time.perf_counter()``) for the total time.
    """
    started = started if started is not None else time.perf_counter()
    info = validate(info if info is not None else probe(in_path))
    check_output_path(in_path, out_path)
    should_stop = as_cancel_check(cancel)
    timings = Timings()

    # Pass 1: look at every frame.
    report = ProgressReporter(progress, *_SPANS["detect"], STAGE_LABELS["detect"])
    report(0.0)
    try:
        for frame in read_clip(in_path, info=info, cancel=should_stop, timings=timings):
            t0 = time.perf_counter()
            anonymiser.observe(frame.image, frame.index, frame.time)
            timings.detect_s += time.perf_counter() - t0
            report(frame.index + 1, info.frame_count)
        if should_stop():
            raise Cancelled("Bewerking afgebroken; er is niets opgeslagen.")

        # The plan (waits for the frames still being detected).
        ProgressReporter(progress, *_SPANS["plan"], STAGE_LABELS["plan"])(0.0)
        t0 = time.perf_counter()
        anonymiser.finish()
        timings.detect_s += time.perf_counter() - t0
    finally:
        close = getattr(anonymiser, "close", None)
        if callable(close):  # detection threads, when the anonymiser has them
            close()

    # Pass 2: mask, encode, rename.
    result = transcode(in_path, out_path, anonymiser.mask, settings=settings, keep_audio=keep_audio,
                       progress=progress, cancel=should_stop, info=info, label=STAGE_LABELS["encode"],
                       progress_span=_SPANS["encode"], timings=timings)
    timings.total_s = time.perf_counter() - started
    if progress is not None:
        progress(1.0, STAGE_LABELS["done"])
    review = anonymiser.review()
    sheet_fn = getattr(anonymiser, "contact_sheet", None)
    sheet = sheet_fn() if callable(sheet_fn) and review.frames() else None
    log.info("anonymised %s -> %s: %d frames in %.1f s (%.1f fps; decode %.1f s, detect %.1f s, "
             "mask %.1f s, encode %.1f s)", Path(in_path).name, Path(out_path).name, result.frames,
             timings.total_s, timings.fps, timings.decode_s, timings.detect_s, timings.process_s,
             timings.encode_s)
    return AnonymiseResult(input=info, output=result.output, frames=result.frames, timings=timings,
                           review=review, contact_sheet=sheet)
