"""Progress, cancellation and timings of a video run.

Shared by decoding (:mod:`oefenkit.video.decode`), encoding
(:mod:`oefenkit.video.encode`) and the whole anonymisation run
(:mod:`oefenkit.video.pipeline`):

* a *cancel token* (:data:`CancelToken`) is checked before every frame; a run
  that stops raises :class:`~oefenkit.errors.Cancelled` with
  :data:`CANCELLED_MESSAGE` and leaves no output;
* a *progress callback* (:data:`ProgressCallback`) gets ``(fraction, label)``;
  :class:`ProgressReporter` maps one stage onto its slice of the bar;
* :class:`Timings` collects where the wall-clock time went.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "CANCELLED_MESSAGE",
    "CancelToken",
    "ProgressCallback",
    "ProgressReporter",
    "Timings",
    "as_cancel_check",
]

#: ``progress(fraction, label)``: fraction in [0, 1], label a short Dutch stage name.
ProgressCallback = Callable[[float, str], None]
#: Something that says "stop": a ``threading.Event`` or a no-argument callable returning bool.
CancelToken = threading.Event | Callable[[], bool] | None
#: The message of :class:`~oefenkit.errors.Cancelled` when a run stops.
CANCELLED_MESSAGE = "Bewerking afgebroken; er is niets opgeslagen."


@dataclass
class Timings:
    """Where a run spent its time (wall-clock seconds).

    Attributes
    ----------
    frames : int
        Frames written.
    decode_s : float
        Demuxing, decoding, colour conversion to BGR and rotation (all passes).
    detect_s : float
        The analysis pass's per-frame work and plan (0 for a plain transcode).
    process_s : float
        Per-frame processing while encoding (masking; 0 without ``process_frame``).
    encode_s : float
        Colour conversion to yuv420p, H.264/AAC encoding and writing.
    total_s : float
        The whole run, probing and the final rename included.
    """

    frames: int = 0
    decode_s: float = 0.0
    detect_s: float = 0.0
    process_s: float = 0.0
    encode_s: float = 0.0
    total_s: float = 0.0

    @property
    def fps(self) -> float:
        """Frames per second over the whole run."""
        return self.frames / self.total_s if self.total_s > 0 else 0.0


def as_cancel_check(cancel: CancelToken) -> Callable[[], bool]:
    """Turn a cancel token into a no-argument function that says whether to stop.

    >>> import threading
    >>> ev = threading.Event(); check = as_cancel_check(ev)
    >>> check(); ev.set(); check()
    False
    True
    >>> as_cancel_check(None)()
    False
    """
    if cancel is None:
        return lambda: False
    is_set = getattr(cancel, "is_set", None)
    if callable(is_set):
        return is_set
    if callable(cancel):
        return lambda: bool(cancel())
    raise TypeError("cancel must be a threading.Event, a callable or None")


class ProgressReporter:
    """Map a stage's progress onto a slice of the overall bar, and throttle it.

    Parameters
    ----------
    callback : ProgressCallback or None
        Receives ``(fraction, label)``; nothing happens when ``None``.
    start, stop : float
        The slice of the overall bar this stage fills.
    label : str
        Dutch stage label passed along with every update.
    step : float
        Minimum change of the overall fraction between two calls (the app's
        progress bar is a widget; a call per frame would flood the kernel's
        message channel).
    """

    def __init__(self, callback: ProgressCallback | None, start: float = 0.0, stop: float = 1.0,
                 label: str = "", *, step: float = 0.005):
        self.callback = callback
        self.start, self.stop, self.label, self.step = start, stop, label, step
        self._last: float | None = None

    def __call__(self, done: float, total: float | None = None) -> None:
        """Report ``done`` out of ``total`` (or ``done`` as a fraction when ``total`` is None)."""
        if self.callback is None:
            return
        frac = done if total is None else (done / total if total else 1.0)
        frac = min(max(frac, 0.0), 1.0)
        overall = self.start + (self.stop - self.start) * frac
        if self._last is None or overall - self._last >= self.step or (frac >= 1.0 and overall != self._last):
            self._last = overall
            self.callback(overall, self.label)
