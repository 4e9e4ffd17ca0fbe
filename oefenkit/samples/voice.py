"""An optional Dutch voice track spoken by espeak-ng.

Every ``say`` text of a script is spoken by ``espeak-ng -v nl`` (the parent
at a normal pitch, the baby's sounds higher) and placed at the event's
time in one mono track as long as the clip. espeak-ng's output depends only
on its version and the text, so the track is as reproducible as the
pictures.

When espeak-ng is not installed, :func:`voice_track` returns ``None`` and the
clip is made without sound; :data:`VOICE_MISSING` is the Dutch message the
renderer shows then.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np

from ..errors import VideoError
from .script import CaseScript

__all__ = ["voice_track", "find_espeak", "speak", "VOICE_MISSING", "ESPEAK"]

log = logging.getLogger(__name__)

#: The program that speaks.
ESPEAK = "espeak-ng"
#: Shown when a voice track is asked for but espeak-ng is missing.
VOICE_MISSING = ("Geen stem toegevoegd: espeak-ng is niet geïnstalleerd "
                 "(Debian-pakket espeak-ng). Het fragment is zonder geluid gemaakt.")

_SPEED = 145  # words per minute
_PITCH = {"parent": 45, "baby": 90}
_GAIN = 0.8


def find_espeak() -> str | None:
    """The path of espeak-ng, or ``None`` when it is not installed."""
    return shutil.which(ESPEAK)


def speak(text: str, *, executable: str, pitch: int = 50) -> tuple[np.ndarray, int]:
    """Speak Dutch ``text``; returns mono float32 samples in [-1, 1] and the sample rate."""
    with tempfile.TemporaryDirectory(prefix="oefenkit-voice-") as tmp:
        wav = Path(tmp) / "say.wav"
        cmd = [executable, "-v", "nl", "-s", str(_SPEED), "-p", str(pitch), "-w", str(wav), "--", text]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise VideoError(f"espeak-ng kon de tekst niet uitspreken: {text!r}.") from exc
        with wave.open(str(wav), "rb") as w:
            if w.getsampwidth() != 2 or w.getnchannels() != 1:
                raise VideoError("espeak-ng gaf geluid in een onverwacht formaat.")
            rate = w.getframerate()
            data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return data.astype(np.float32) / 32768.0, rate


def voice_track(script: CaseScript, *, executable: str | None = None) -> tuple[np.ndarray, int] | None:
    """One mono track with every ``say`` text at its time, or ``None`` without espeak-ng.

    Parameters
    ----------
    script : CaseScript
    executable : str, optional
        Path of espeak-ng; looked up on ``PATH`` when not given.

    Returns
    -------
    (numpy.ndarray, int) or None
        Samples (float32, as long as the clip) and their rate.

    Raises
    ------
    VideoError
        espeak-ng is there but fails.
    """
    exe = executable or find_espeak()
    if exe is None:
        log.warning("espeak-ng not found; no voice track for %s", script.code)
        return None
    rate = None
    track = None
    for ev in script.spoken:
        samples, r = speak(ev.say or "", executable=exe, pitch=_PITCH[ev.actor])
        if rate is None:
            rate = r
            track = np.zeros(round(script.duration * rate), np.float32)
        elif r != rate:  # pragma: no cover - one espeak-ng always uses one rate
            raise VideoError("espeak-ng gaf geluid met wisselende samplefrequenties.")
        start = round(ev.t * rate)
        piece = samples[: max(0, len(track) - start)] * _GAIN
        track[start:start + len(piece)] += piece
    if track is None:  # nothing is said: a silent track at espeak-ng's usual rate
        rate = 22050
        track = np.zeros(round(script.duration * rate), np.float32)
    return np.clip(track, -1.0, 1.0), rate
