"""The temporal rule: a face found in one frame stays masked in its neighbours.

Detections are linked into tracks frame by frame (greedy overlap matching, our
own few lines: no Kalman filter, no assignment solver). A track that has moved
is matched where it should be by now (constant velocity from its last
detections), so a face walking across the frame stays one track between two
looks at it. Each track then gives a mask box in every frame from ``extend``
frames before its first detection to ``extend`` frames after its last:

1. between two detections of a track (at most ``max_gap`` frames apart) the
   box is interpolated linearly;
2. before the first and after the last detection the box goes on moving with
   the track's velocity at that end (held in place when the track has not
   moved), widened by ``drift`` of its speed per frame away from the
   detection, since the speed is an estimate; the anonymiser uses ``extend =
   window + cycle - 1``, where a cycle is the frames it takes to look for
   every orientation once;
3. each frame's box is the union (hull) of the track's boxes over the frames
   ``f - window … f + window``, so a face is covered while it moves;
4. the hull is enlarged by ``enlarge`` about its centre (width and height),
   and widened on every side by ``speed_margin`` frames of the track's speed
   there: a fast face is smeared and a step ahead of any estimate.

Because the plan is built after the whole clip has been seen, masks reach
*back* in time as well: a face first found in frame 4 is masked from frame
``4 - extend`` on, where it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["MaskPlan", "Track", "box_iou", "link_tracks", "plan_masks"]

#: Frames of detections at a track's end that its velocity is fitted to.
VELOCITY_SPAN = 12
#: How much wider (each side) a box beyond a track's detections grows per frame, as a share of the
#: track's speed: the speed is an estimate, and people speed up, slow down and turn.
DRIFT = 0.25


@dataclass
class Track:
    """Detections that belong to one face, in frame order.

    Attributes
    ----------
    frames : list of int
        Frame indices with a detection.
    boxes : list of numpy.ndarray
        ``x1, y1, x2, y2`` of each detection.
    scores : list of float
        Detector score of each detection.
    rotations : list of int
        The pass (0, 90, 180, 270) that found each detection.
    """

    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    rotations: list[int] = field(default_factory=list)

    @property
    def first(self) -> int:
        """First frame with a detection."""
        return self.frames[0]

    @property
    def last(self) -> int:
        """Last frame with a detection."""
        return self.frames[-1]

    def add(self, frame: int, det: np.ndarray) -> None:
        """Append one detection row ``x1, y1, x2, y2, score[, rotation]``."""
        self.frames.append(int(frame))
        self.boxes.append(np.asarray(det[:4], np.float64))
        self.scores.append(float(det[4]) if len(det) > 4 else 1.0)
        self.rotations.append(int(det[5]) if len(det) > 5 else 0)

    def velocity(self, *, at_end: bool = True, span: int = VELOCITY_SPAN) -> np.ndarray:
        """The centre's velocity ``(vx, vy)`` in px per frame at the track's end (or start): a
        straight-line fit through the detections within ``span`` frames of it; ``(0, 0)`` when they
        lie in fewer than two frames."""
        frames = np.asarray(self.frames, np.float64)
        centres = np.array([(b[:2] + b[2:]) / 2 for b in self.boxes])
        near = frames >= frames[-1] - span if at_end else frames <= frames[0] + span
        if len(np.unique(frames[near])) < 2:
            return np.zeros(2)
        f, c = frames[near], centres[near]
        f0 = f - f.mean()
        return (f0 @ (c - c.mean(axis=0))) / (f0 @ f0)

    def interpolated(self) -> np.ndarray:
        """Boxes for every frame ``first … last``, linearly interpolated between detections."""
        frames = np.asarray(self.frames)
        boxes = np.asarray(self.boxes)
        span = np.arange(self.first, self.last + 1)
        # several detections in one frame (two passes): take their hull
        if len(np.unique(frames)) != len(frames):
            uniq = np.unique(frames)
            boxes = np.array(
                [
                    np.concatenate([boxes[frames == f, :2].min(axis=0), boxes[frames == f, 2:].max(axis=0)])
                    for f in uniq
                ]
            )
            frames = uniq
        return np.column_stack([np.interp(span, frames, boxes[:, k]) for k in range(4)])


@dataclass(frozen=True)
class MaskPlan:
    """Mask boxes for every frame of a clip.

    Attributes
    ----------
    n_frames : int
        Number of frames the plan covers (``0 … n_frames - 1``).
    boxes : dict of int to numpy.ndarray
        Frame index → ``(M, 4)`` int ``x1, y1, x2, y2`` boxes; frames
        without faces are absent.
    """

    n_frames: int
    boxes: Mapping[int, np.ndarray]

    def at(self, index: int) -> np.ndarray:
        """The boxes of frame ``index`` (``(0, 4)`` when none).

        Frames past the end of the plan get the boxes of its last frame, so a
        second decode that yields an extra frame is still masked.
        """
        if self.n_frames and index >= self.n_frames:
            index = self.n_frames - 1
        return self.boxes.get(index, np.zeros((0, 4), np.int32))


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (N, 4) with every box in ``b`` (M, 4)."""
    a = np.asarray(a, np.float64).reshape(-1, 4)
    b = np.asarray(b, np.float64).reshape(-1, 4)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def _centre_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(N, M)``: distance between the centres of a[i] and b[j], in units of a[i]'s longer side."""
    ca = (a[:, None, :2] + a[:, None, 2:]) / 2
    cb = (b[None, :, :2] + b[None, :, 2:]) / 2
    side = np.maximum(a[:, 2] - a[:, 0], a[:, 3] - a[:, 1])[:, None]
    return np.linalg.norm(ca - cb, axis=2) / np.maximum(side, 1e-6)


def link_tracks(
    detections: Mapping[int, np.ndarray], *, max_gap: int, min_iou: float = 0.2, reach: float = 1.0
) -> list[Track]:
    """Link per-frame detections into tracks.

    Parameters
    ----------
    detections : mapping of int to numpy.ndarray
        Frame index → ``(N, >=5)`` rows ``x1, y1, x2, y2, score[, rotation]``.
    max_gap : int
        A track that has had no detection for more than this many frames is closed.
    min_iou : float
        A detection joins a track when their overlap (IoU) is at least this, or
        when its centre is at most ``reach`` times the track's box size away.
    reach : float
        See ``min_iou``; a face that moves one face width between two looks
        at it stays one track.

    Returns
    -------
    list of Track
        In order of their first frame.

    Notes
    -----
    Matching is greedy: candidate (track, detection) pairs are taken in order
    of falling IoU, then of rising centre distance; each track and each
    detection is used once per frame.
    """
    open_tracks: list[Track] = []
    closed: list[Track] = []
    for frame in sorted(detections):
        dets = np.asarray(detections[frame], np.float64)
        still_open = []
        for tr in open_tracks:
            (still_open if frame - tr.last <= max_gap else closed).append(tr)
        open_tracks = still_open
        if len(dets) == 0:
            continue
        used = np.zeros(len(dets), bool)
        if open_tracks:
            # where each track should be by now: its last box moved on with its velocity
            last = np.array([tr.boxes[-1] + np.tile(tr.velocity() * (frame - tr.last), 2) for tr in open_tracks])
            iou = box_iou(last, dets[:, :4])
            dist = _centre_distance(last, dets[:, :4])
            # overlapping pairs first (by IoU), then near ones (by distance)
            rank = np.where(iou >= min_iou, 2.0 + iou, np.where(dist <= reach, 1.0 - dist / (reach + 1.0), -1.0))
            taken = np.zeros(len(open_tracks), bool)
            for flat in np.argsort(-rank, axis=None):
                t, d = np.unravel_index(flat, rank.shape)
                if rank[t, d] < 0:
                    break
                if taken[t] or used[d]:
                    continue
                open_tracks[t].add(frame, dets[d])
                taken[t] = used[d] = True
        for d in np.nonzero(~used)[0]:
            tr = Track()
            tr.add(frame, dets[d])
            open_tracks.append(tr)
    tracks = closed + open_tracks
    tracks.sort(key=lambda tr: (tr.first, tr.boxes[0][0]))
    return tracks


def plan_masks(
    tracks: list[Track],
    n_frames: int,
    frame_size: tuple[int, int],
    *,
    window: int,
    enlarge: float,
    extend: int | None = None,
    speed_margin: float = 0.0,
    drift: float = DRIFT,
) -> MaskPlan:
    """Turn tracks into mask boxes for every frame (see the module docstring).

    Parameters
    ----------
    tracks : list of Track
        From :func:`link_tracks`.
    n_frames : int
        Number of frames in the clip.
    frame_size : tuple of int
        ``(width, height)``; boxes are clipped to it.
    window : int
        Frames on each side over which a track's boxes are united.
    enlarge : float
        Factor on the width and height of each united box (1.0 = as found).
    extend : int, optional
        Frames a track is masked before its first and after its last
        detection (default ``window``). When a pass looks for an orientation
        only every ``cycle`` frames, use at least ``cycle - 1``: the face may
        have been there since the previous look.
    speed_margin : float
        Frames of the track's speed added on every side of each box (0 = none).
    drift : float
        Growth per frame, as a share of the speed, of the boxes before the first
        and after the last detection.
    """
    extend = window if extend is None else extend
    width, height = frame_size
    per_frame: dict[int, list[np.ndarray]] = {}
    for tr in tracks:
        inner = tr.interpolated()  # frames first … last
        # carry the end boxes on for `extend + window` frames on both sides, then a sliding hull
        pad = extend + window
        steps = np.arange(1, pad + 1, dtype=np.float64)[:, None]  # frames away from the detection
        before = _carried(inner[0], -tr.velocity(at_end=False), steps[::-1], drift)
        after = _carried(inner[-1], tr.velocity(), steps, drift)
        padded = np.concatenate([before, inner, after])
        if speed_margin > 0:
            centres = (padded[:, :2] + padded[:, 2:]) / 2
            speed = np.linalg.norm(np.gradient(centres, axis=0), axis=1) if len(padded) > 1 else np.zeros(1)
            widen = speed_margin * speed[:, None]
            padded = np.column_stack([padded[:, :2] - widen, padded[:, 2:] + widen])
        k = 2 * window + 1
        if k > 1:
            views = sliding_window_view(padded, k, axis=0)  # (T, 4, k)
            hull = np.column_stack(
                [views[:, 0].min(1), views[:, 1].min(1), views[:, 2].max(1), views[:, 3].max(1)]
            )
        else:
            hull = padded
        # hull[i] covers padded[i … i + 2w], centred on padded[i + w] = frame first - extend + i
        start = tr.first - extend
        centre = (hull[:, :2] + hull[:, 2:]) / 2
        half = (hull[:, 2:] - hull[:, :2]) / 2 * enlarge
        limit = np.array([width, height], np.float64)
        boxes = np.column_stack(
            [np.clip(np.floor(centre - half), 0, limit), np.clip(np.ceil(centre + half), 0, limit)]
        )
        for i, box in enumerate(boxes):
            f = start + i
            if 0 <= f < n_frames and box[2] > box[0] and box[3] > box[1]:
                per_frame.setdefault(f, []).append(box.astype(np.int32))
    return MaskPlan(n_frames, {f: np.array(b, np.int32) for f, b in per_frame.items()})


def _carried(box: np.ndarray, velocity: np.ndarray, steps: np.ndarray, drift: float) -> np.ndarray:
    """``box`` moved ``steps`` frames on with ``velocity`` (px per frame), each widened on every side by
    ``drift`` of the speed per frame: ``(len(steps), 4)``. With no velocity the box is held."""
    speed = float(np.hypot(*velocity))
    shift = steps * velocity[None, :]
    grow = drift * speed * steps
    return np.column_stack([box[:2] + shift - grow, box[2:] + shift + grow])
