"""Review aid: the frames a person should look at before a clip is published.

No detector finds every face, so a person checks the output. Two kinds of
frames go on the list:

* **flagged** frames, where the detections are weak or change: a face that
  appears or disappears, a detection with a low score, each gap that was filled
  by interpolation, a face found only once or twice (a miss nearby, or a false
  alarm), and where a moving face's mask was carried along its path past its
  first or last detection (the frames the tracker guessed furthest);
* **samples** at a fixed interval over the whole clip, because a face that was
  never detected raises no flag at all;
* the first frame of each **manual mask**, to check that it sits right.

:func:`build_review` makes the list from the tracks; :func:`contact_sheet`
lays thumbnails of those frames (taken from the *masked* output) on one image.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from ..errors import VideoError
from .track import Track

__all__ = [
    "REASONS",
    "ReviewItem",
    "ReviewReport",
    "build_review",
    "contact_sheet",
    "write_contact_sheet",
]

#: Reason codes with the Dutch text shown to the reviewer.
REASONS = {
    "appears": "gezicht verschijnt",
    "disappears": "gezicht verdwijnt",
    "weak": "zwakke detectie",
    "gap": "gat opgevuld",
    "carried": "geschat: gezicht liep door",
    "short": "gezicht kort gevonden",
    "manual": "handmatig masker",
    "sample": "steekproef",
}


@dataclass(frozen=True)
class ReviewItem:
    """One frame worth a look.

    Attributes
    ----------
    index : int
        Frame index.
    t : float
        Presentation time in seconds.
    reason : str
        A key of :data:`REASONS`.
    box : tuple of int or None
        The detection or mask concerned (``x1, y1, x2, y2``), if any.
    score : float or None
        Detector score, for detection reasons.
    """

    index: int
    t: float
    reason: str
    box: tuple[int, int, int, int] | None = None
    score: float | None = None

    @property
    def text(self) -> str:
        """Dutch description, e.g. ``"00:03.2 zwakke detectie (0.34)"``."""
        minutes, seconds = divmod(max(0.0, self.t), 60.0)
        stamp = f"{int(minutes):02d}:{seconds:04.1f}"
        extra = f" ({self.score:.2f})" if self.score is not None else ""
        return f"{stamp} {REASONS[self.reason]}{extra}"


@dataclass(frozen=True)
class ReviewReport:
    """What to check in one clip.

    Attributes
    ----------
    items : tuple of ReviewItem
        Flagged frames and samples, in frame order.
    n_frames : int
        Frames seen in the detection pass.
    n_tracks : int
        Faces (tracks) the plan masks.
    """

    items: tuple[ReviewItem, ...] = field(default_factory=tuple)
    n_frames: int = 0
    n_tracks: int = 0

    @property
    def flagged(self) -> tuple[ReviewItem, ...]:
        """The items that are not samples."""
        return tuple(i for i in self.items if i.reason != "sample")

    def frames(self) -> list[int]:
        """Distinct frame indices of all items, in order."""
        return sorted({i.index for i in self.items})


def build_review(
    tracks: Sequence[Track],
    times: dict[int, float] | Sequence[float],
    n_frames: int,
    *,
    fps: float | None = None,
    weak_score: float = 0.5,
    gap_frames: int = 5,
    short_track: int = 3,
    sample_seconds: float = 2.0,
    max_flagged: int = 40,
    extra: Sequence[ReviewItem] = (),
    edge_frames: int = 1,
    extend: int = 0,
    moving_speed: float = 1.0,
) -> ReviewReport:
    """List the frames a person should check (see the module docstring).

    Parameters
    ----------
    tracks : sequence of Track
        Tracks from :func:`oefenkit.video.track.link_tracks`.
    times : mapping or sequence
        Presentation time of each frame index seen.
    n_frames : int
        Number of frames in the clip.
    fps : float, optional
        Used for times of frames not in ``times`` and for the sample interval
        (25 when unknown).
    weak_score : float
        A track whose best score stays below this is flagged as weak.
    gap_frames : int
        Gaps between detections longer than this are flagged (middle frame).
    short_track : int
        Tracks with fewer detections than this are flagged.
    sample_seconds : float
        Interval of the samples over the whole clip.
    max_flagged : int
        At most this many flagged items are kept (spread evenly over the clip).
    extra : sequence of ReviewItem
        Items added as they are, after the cap (e.g. where manual masks start).
    edge_frames : int
        A face first found in the first ``edge_frames`` frames of the clip, or
        last found in its last ``edge_frames``, is not flagged as appearing or
        disappearing (with orientations looked at in turn, a face present from
        the start is first found only when its pass comes round).
    extend : int
        Frames the mask plan carries a track on before its first and after its
        last detection (:func:`oefenkit.video.track.plan_masks`).
    moving_speed : float
        A track end moving at least this many px per frame is carried along its
        path: the farthest carried frame on that side is flagged (``carried``).
    """
    rate = fps if fps and fps > 0 else 25.0

    def time_of(i: int) -> float:
        if isinstance(times, dict):
            return float(times[i]) if i in times else i / rate
        return float(times[i]) if 0 <= i < len(times) else i / rate

    flagged: list[ReviewItem] = []
    for tr in tracks:
        best = int(np.argmax(tr.scores))
        box = tuple(int(round(v)) for v in tr.boxes[best])
        if len(tr.frames) < short_track:
            flagged.append(ReviewItem(tr.frames[best], time_of(tr.frames[best]), "short", box, tr.scores[best]))
        elif tr.scores[best] < weak_score:
            flagged.append(ReviewItem(tr.frames[best], time_of(tr.frames[best]), "weak", box, tr.scores[best]))
        else:
            first_box = tuple(int(round(v)) for v in tr.boxes[0])
            last_box = tuple(int(round(v)) for v in tr.boxes[-1])
            if tr.first >= edge_frames:
                flagged.append(ReviewItem(tr.first, time_of(tr.first), "appears", first_box, tr.scores[0]))
            if tr.last < n_frames - edge_frames:
                flagged.append(ReviewItem(tr.last, time_of(tr.last), "disappears", last_box, tr.scores[-1]))
        frames = np.unique(tr.frames)
        if len(frames) > 1:
            inner = tr.interpolated()
            for k in np.nonzero(np.diff(frames) > gap_frames)[0]:
                mid = int((frames[k] + frames[k + 1]) // 2)
                guess = tuple(int(round(v)) for v in inner[mid - tr.first])
                flagged.append(ReviewItem(mid, time_of(mid), "gap", guess, None))
        for at_end, edge, sign in ((False, tr.first, -1), (True, tr.last, 1)):
            velocity = tr.velocity(at_end=at_end)
            far = min(max(edge + sign * extend, 0), n_frames - 1)
            if extend and far != edge and float(np.hypot(*velocity)) >= moving_speed:
                base = tr.boxes[-1] if at_end else tr.boxes[0]
                guess = tuple(int(round(v)) for v in base + np.tile(velocity * (far - edge), 2))
                flagged.append(ReviewItem(far, time_of(far), "carried", guess, None))
    flagged.sort(key=lambda i: i.index)
    if len(flagged) > max_flagged:
        pick = np.linspace(0, len(flagged) - 1, max_flagged).round().astype(int)
        flagged = [flagged[i] for i in sorted(set(pick))]
    step = max(1, int(round(sample_seconds * rate)))
    samples = [ReviewItem(i, time_of(i), "sample") for i in range(0, max(n_frames, 0), step)]
    items = tuple(sorted([*flagged, *extra, *samples], key=lambda i: (i.index, i.reason == "sample")))
    return ReviewReport(items=items, n_frames=n_frames, n_tracks=len(tracks))


def contact_sheet(
    tiles: Sequence[tuple[np.ndarray, str]],
    *,
    columns: int = 4,
    tile_width: int = 320,
) -> np.ndarray:
    """Lay thumbnails with a caption under each on one BGR image.

    Parameters
    ----------
    tiles : sequence of (image, caption)
        BGR images (any size; scaled to ``tile_width``) and their captions.
        Captions are drawn with OpenCV's Hershey font, which has no accents.
    columns : int
        Thumbnails per row.
    tile_width : int
        Width of each thumbnail in pixels.

    Examples
    --------
    >>> sheet = contact_sheet([(np.zeros((90, 160, 3), np.uint8), "00:01.0 steekproef")] * 3,
    ...                       columns=2, tile_width=160)
    >>> sheet.shape
    (228, 328, 3)
    """
    if not tiles:
        raise VideoError("Er zijn geen beelden voor het contactvel.")
    caption_h = 20
    gap = 4
    thumbs = []
    for image, caption in tiles:
        h, w = image.shape[:2]
        th = max(1, int(round(h * tile_width / w)))
        thumb = cv2.resize(image, (tile_width, th), interpolation=cv2.INTER_AREA)
        label = np.full((caption_h, tile_width, 3), 255, np.uint8)
        text = caption.encode("ascii", "replace").decode("ascii")
        cv2.putText(label, text, (4, caption_h - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
        thumbs.append(np.vstack([thumb, label]))
    tile_h = max(t.shape[0] for t in thumbs)
    rows = -(-len(thumbs) // columns)
    cols = min(columns, len(thumbs))
    sheet = np.full((rows * (tile_h + gap), cols * (tile_width + gap), 3), 255, np.uint8)
    for n, thumb in enumerate(thumbs):
        r, c = divmod(n, columns)
        y, x = r * (tile_h + gap), c * (tile_width + gap)
        sheet[y : y + thumb.shape[0], x : x + tile_width] = thumb
    return sheet


def write_contact_sheet(path: str | os.PathLike, sheet: np.ndarray) -> None:
    """Save a contact sheet as PNG or JPEG (by the file's extension)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in (".png", ".jpg", ".jpeg"):
        raise VideoError("Het contactvel moet als .png of .jpg worden opgeslagen.")
    ok, data = cv2.imencode(ext, sheet)
    if not ok:
        raise VideoError("Het contactvel kan niet worden gemaakt.")
    try:
        with open(path, "wb") as fh:
            fh.write(data.tobytes())
    except OSError as exc:
        raise VideoError("Het contactvel kan niet worden opgeslagen.") from exc
