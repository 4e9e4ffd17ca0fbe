"""Scenario script → clip: frames, subtitles, optional voice, H.264, manifest.

:func:`render_case` draws every frame of a script with
:class:`~oefenkit.samples.scene.Scene` at a fixed frame rate, encodes them
(:func:`~oefenkit.samples.encode.encode_clip`), and writes ``<code>.mp4``
and ``<code>.vtt`` (:func:`~oefenkit.samples.subtitles.webvtt`) into a
directory. Nothing in the output depends on the clock, the machine or the
run: the same script and the same libraries give the same bytes.

:func:`render_all` renders several scripts and records them in
``manifest.json`` (per case code: the script's and the clip's SHA-256,
duration, frame rate and size). :func:`check_clips` re-renders into a
temporary directory and lists every clip that is missing, out of date or
different (Dutch messages), for ``oefenkit samples render --check``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import av
import cv2
import numpy as np

from ..errors import ContentError, VideoError
from ..settings import PROJECT_ROOT
from ..video.encode import atomic_output
from .encode import EncodeSettings, encode_clip
from .scene import Scene
from .script import CaseScript
from .subtitles import webvtt
from .voice import VOICE_MISSING, voice_track

__all__ = [
    "RenderOptions",
    "RenderResult",
    "render_frames",
    "render_case",
    "render_all",
    "check_clips",
    "read_manifest",
    "frame_count",
    "library_versions",
    "SCRIPTS_DIR",
    "CLIPS_DIR",
    "MANIFEST",
    "RENDERER_VERSION",
    "SIZE_BUDGET",
]

log = logging.getLogger(__name__)

#: Where the shipped scripts and clips live.
SCRIPTS_DIR = PROJECT_ROOT / "sample_cases" / "scripts"
CLIPS_DIR = PROJECT_ROOT / "sample_cases" / "clips"
MANIFEST = "manifest.json"
#: Raised whenever the drawing or the encoding changes, so old manifests are recognisable.
RENDERER_VERSION = 1
#: The committed clips together must stay below this many bytes.
SIZE_BUDGET = 30 * 1024 * 1024


@dataclass(frozen=True)
class RenderOptions:
    """How clips are rendered. Every field has a default; invalid values raise VideoError.

    Attributes
    ----------
    fps : int
        Frames per second (constant).
    width : int
        Frame width in pixels, a multiple of 32; the height is ``width × 9 / 16``.
    voice : bool
        Add a Dutch voice track spoken by espeak-ng (skipped with a message
        when espeak-ng is missing).
    encode : EncodeSettings
        x264/AAC settings.
    """

    fps: int = 15
    width: int = 640
    voice: bool = False
    encode: EncodeSettings = field(default_factory=EncodeSettings)

    def __post_init__(self) -> None:
        if isinstance(self.fps, bool) or not isinstance(self.fps, int) or not 5 <= self.fps <= 60:
            raise VideoError("De beeldsnelheid moet een geheel getal van 5 tot en met 60 zijn.")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width % 32 \
                or not 320 <= self.width <= 1920:
            raise VideoError("De breedte moet een veelvoud van 32 zijn, van 320 tot en met 1920 pixels.")

    @property
    def height(self) -> int:
        return self.width * 9 // 16

    @property
    def scale(self) -> float:
        return self.width / 640


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_case` wrote, and how long it took (``seconds``, not in the manifest)."""

    code: str
    clip: Path
    subtitles: Path
    script_file: str
    script_sha256: str
    clip_sha256: str
    subtitles_sha256: str
    frames: int
    fps: int
    width: int
    height: int
    bytes: int
    voice: bool
    seconds: float
    messages: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    def manifest_entry(self) -> dict:
        return {
            "script": self.script_file,
            "script_sha256": self.script_sha256,
            "clip": self.clip.name,
            "clip_sha256": self.clip_sha256,
            "subtitles": self.subtitles.name,
            "subtitles_sha256": self.subtitles_sha256,
            "duration": self.duration,
            "fps": self.fps,
            "frames": self.frames,
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
            "voice": self.voice,
        }


def frame_count(script: CaseScript, fps: int) -> int:
    """Number of frames of a clip: its duration times the frame rate, rounded half up.

    >>> from types import SimpleNamespace
    >>> frame_count(SimpleNamespace(duration=48), 15), frame_count(SimpleNamespace(duration=30.1), 15)
    (720, 452)
    """
    return math.floor(script.duration * fps + 0.5)


def render_frames(script: CaseScript, options: RenderOptions = RenderOptions()) -> Iterator[np.ndarray]:
    """Every frame of the clip, in order: frame ``i`` shows the moment ``i / fps``."""
    scene = Scene(script, options.scale)
    for i in range(frame_count(script, options.fps)):
        yield scene.draw(i / options.fps)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def render_case(script: CaseScript, out_dir: str | Path, options: RenderOptions = RenderOptions(), *,
                espeak: str | None = None) -> RenderResult:
    """Render one script to ``<out_dir>/<code>.mp4`` and ``<out_dir>/<code>.vtt``.

    Parameters
    ----------
    script : CaseScript
    out_dir : path-like
        An existing directory; files are written under temporary names and
        renamed when complete.
    options : RenderOptions
    espeak : str, optional
        Path of espeak-ng for the voice (looked up on ``PATH`` by default).

    Returns
    -------
    RenderResult
        ``messages`` holds Dutch notes for the user (e.g. the voice was skipped).
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise VideoError(f"De map {out_dir} bestaat niet.")
    messages: list[str] = []
    audio = None
    if options.voice:
        audio = voice_track(script, executable=espeak)
        if audio is None:
            messages.append(VOICE_MISSING)
    clip = out_dir / f"{script.code}.mp4"
    subtitles = out_dir / f"{script.code}.vtt"
    with atomic_output(clip) as tmp:
        try:
            frames = encode_clip(
                render_frames(script, options), tmp, fps=options.fps, width=options.width, height=options.height,
                settings=options.encode, audio=None if audio is None else audio[0],
                audio_rate=None if audio is None else audio[1],
            )
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoError(f"{script.code}: het fragment kon niet worden opgeslagen ({exc}).") from exc
    with atomic_output(subtitles) as tmp:
        tmp.write_bytes(webvtt(script).encode("utf-8"))
    result = RenderResult(
        code=script.code, clip=clip, subtitles=subtitles, script_file=script.path.name,
        script_sha256=script.sha256, clip_sha256=_sha256(clip), subtitles_sha256=_sha256(subtitles),
        frames=frames, fps=options.fps, width=options.width, height=options.height, bytes=clip.stat().st_size,
        voice=audio is not None, seconds=time.perf_counter() - started, messages=tuple(messages),
    )
    log.info("rendered %s: %d frames, %d bytes, %.1f s", script.code, frames, result.bytes, result.seconds)
    return result


# -- manifest ---------------------------------------------------------------------------


def library_versions() -> dict[str, str]:
    """Versions of the libraries the bytes depend on (recorded in the manifest)."""
    codec = ".".join(str(v) for v in av.library_versions["libavcodec"])
    return {"av": av.__version__, "libavcodec": codec, "opencv": cv2.__version__, "numpy": np.__version__}


def read_manifest(clips_dir: str | Path) -> dict:
    """The manifest of a clips directory (an empty one when there is none yet)."""
    path = Path(clips_dir) / MANIFEST
    if not path.exists():
        return {"clips": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContentError(f"{path}: geen geldig manifest ({exc}).") from exc
    if not isinstance(data, dict) or not isinstance(data.get("clips"), dict):
        raise ContentError(f"{path}: het manifest mist de lijst 'clips'.")
    return data


def _write_manifest(clips_dir: Path, clips: dict, options: RenderOptions) -> Path:
    data = {
        "renderer": {
            "version": RENDERER_VERSION,
            "fps": options.fps,
            "width": options.width,
            "height": options.height,
            "crf": options.encode.crf,
            "preset": options.encode.preset,
            "libraries": library_versions(),
        },
        "clips": {code: clips[code] for code in sorted(clips)},
    }
    path = clips_dir / MANIFEST
    with atomic_output(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
    return path


def render_all(scripts: Sequence[CaseScript], out_dir: str | Path, options: RenderOptions = RenderOptions(), *,
               complete: bool = False, progress: Callable[[RenderResult], None] | None = None,
               espeak: str | None = None) -> list[RenderResult]:
    """Render scripts into ``out_dir`` and update its ``manifest.json``.

    Parameters
    ----------
    scripts : sequence of CaseScript
    out_dir : path-like
        Created when missing.
    options : RenderOptions
    complete : bool
        ``scripts`` are all the scripts there are: manifest entries of other
        codes are dropped and their clip and subtitle files removed.
        Otherwise the other entries are kept.
    progress : callable, optional
        Called with each result as soon as the clip is written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    clips = dict(read_manifest(out_dir)["clips"])
    results = []
    for script in scripts:
        result = render_case(script, out_dir, options, espeak=espeak)
        clips[script.code] = result.manifest_entry()
        results.append(result)
        if progress is not None:
            progress(result)
    if complete:
        keep = {s.code for s in scripts}
        for code in sorted(set(clips) - keep):
            entry = clips.pop(code)
            for key in ("clip", "subtitles"):
                name = entry.get(key)
                if isinstance(name, str) and "/" not in name and (out_dir / name).is_file():
                    (out_dir / name).unlink()
                    log.info("removed %s: no script for %s", name, code)
    _write_manifest(out_dir, clips, options)
    return results


def check_clips(scripts: Sequence[CaseScript], clips_dir: str | Path, options: RenderOptions = RenderOptions(), *,
                complete: bool = False, espeak: str | None = None) -> list[str]:
    """Re-render into a temporary directory and compare with the clips in ``clips_dir``.

    A clip whose script changed, or whose files differ from the manifest, is
    reported without rendering; the others are rendered again and compared
    byte for byte.

    Returns
    -------
    list of str
        Dutch descriptions of every problem; empty when all clips are present,
        up to date and identical byte for byte.
    """
    clips_dir = Path(clips_dir)
    problems: list[str] = []
    if not (clips_dir / MANIFEST).exists():
        problems.append(f"{clips_dir / MANIFEST} ontbreekt; voer 'oefenkit samples render' uit.")
    manifest = read_manifest(clips_dir)
    entries = manifest["clips"]
    with tempfile.TemporaryDirectory(prefix="oefenkit-check-") as tmp:
        for script in scripts:
            entry = entries.get(script.code)
            if entry is None:
                problems.append(f"{script.code}: staat niet in het manifest; het fragment is nog niet gemaakt.")
                continue
            if entry.get("script_sha256") != script.sha256:
                problems.append(f"{script.code}: het scenario is gewijzigd sinds het fragment werd gemaakt.")
                continue
            stale = False
            for kind, key in (("fragment", "clip"), ("ondertitelbestand", "subtitles")):
                name = entry.get(key)
                path = clips_dir / name if isinstance(name, str) else None
                if path is None or not path.is_file():
                    problems.append(f"{script.code}: het {kind} {name} ontbreekt.")
                    stale = True
                elif _sha256(path) != entry.get(f"{key}_sha256"):
                    problems.append(f"{script.code}: het {kind} {name} is veranderd sinds het werd gemaakt.")
                    stale = True
            if stale:
                continue
            # Everything matches the manifest: does rendering the script again give these bytes?
            voice = bool(entry.get("voice", options.voice))
            fresh = render_case(script, tmp, replace(options, voice=voice), espeak=espeak)
            if voice and not fresh.voice:
                problems.append(f"{script.code}: het fragment heeft een stem, maar espeak-ng ontbreekt; "
                                "het kan niet worden gecontroleerd.")
                continue
            if fresh.clip_sha256 != entry["clip_sha256"]:
                problems.append(f"{script.code}: een nieuwe weergave van het scenario geeft een ander fragment.")
            if fresh.subtitles_sha256 != entry["subtitles_sha256"]:
                problems.append(f"{script.code}: een nieuwe weergave van het scenario geeft andere ondertitels.")
    if complete:
        for code in sorted(set(entries) - {s.code for s in scripts}):
            problems.append(f"{code}: staat in het manifest, maar er is geen scenario voor.")
    recorded = manifest.get("renderer", {}).get("libraries")
    if problems and recorded and recorded != library_versions():
        problems.append(f"Let op: de fragmenten zijn gemaakt met andere bibliotheken ({recorded}) dan nu "
                        f"geïnstalleerd zijn ({library_versions()}); dan verschillen de bytes.")
    return problems
