"""Synthetic home-video clips with known face boxes, for tests and benchmarks.

Real faces from photographs that ship inside installed packages (the astronaut
Eileen Collins in scikit-image, Grace Hopper in matplotlib, the cameraman in
scikit-image) are pasted onto a drawn living room at known positions, sizes
and rotations, and move slowly. Every frame comes with its ground truth:

* ``polygon`` – the four corners of the face box after rotation (the face
  itself: hairline to chin, ear to ear), in frame pixels;
* ``box`` – the axis-aligned box around that polygon, clipped to the frame.

Everything is deterministic from the seed: the same arguments give the same
frames, bit for bit, on the same numpy/OpenCV versions.

Angles are in degrees, counter-clockwise as seen on screen: 0 is upright,
90 is a face lying with the top of the head to the left, 180 is upside down.
The face *size* is the shorter side of the unrotated face box (for a face of
size 36 the box is about 36 × 45 px).
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

__all__ = [
    "DESTROYED_DETAIL",
    "DESTROYED_SHARE",
    "FaceSource",
    "FaceSpec",
    "FaceTruth",
    "SyntheticClip",
    "default_faces",
    "face_sources",
    "make_clip",
    "make_walking_clip",
    "walking_faces",
    "walking_occluders",
    "masked_share",
    "region_mask",
    "residual_detail",
    "inner_ssim",
    "SURVIVES_SSIM",
    "write_clip",
]

#: A face counts as destroyed by a mask plan when at least this share of its
#: pixels lies inside masked boxes (:func:`masked_share`).
DESTROYED_SHARE = 0.95
#: A face counts as destroyed in an output frame when at most this share of its
#: feature-scale detail survives (:func:`residual_detail`).
DESTROYED_DETAIL = 0.10
#: A face entering or leaving the frame, or passing behind an occluder, is counted in the truth of a
#: frame once at least this share of its face box shows.
VISIBLE_SHARE = 0.25


@dataclass(frozen=True)
class FaceSource:
    """A photograph with one annotated face.

    Attributes
    ----------
    name : str
        Short identifier (``"astronaut"``, ...).
    image : numpy.ndarray
        BGR uint8 photograph.
    face_box : tuple of int
        ``(x1, y1, x2, y2)`` of the face (hairline to chin, ear to ear).
    """

    name: str
    image: np.ndarray = field(repr=False)
    face_box: tuple[int, int, int, int]


@dataclass(frozen=True)
class FaceSpec:
    """One moving face in a synthetic clip.

    Attributes
    ----------
    source : str
        Name of a :func:`face_sources` entry.
    size : float
        Shorter side of the unrotated face box, in frame pixels.
    angle : float
        Rotation at frame 0, degrees counter-clockwise (0 = upright).
    cell : tuple of int
        ``(col, row, colspan, rowspan)`` on the clip's layout grid; the face
        moves inside this cell and never leaves it.
    spin : float
        Change of angle per frame (degrees), for faces that turn slowly.
    wobble : float
        Amplitude (degrees) of a slow back-and-forth rotation on top of the angle.
    speed : float
        Movement in pixels per frame.
    """

    source: str
    size: float
    angle: float
    cell: tuple[int, int, int, int]
    spin: float = 0.0
    wobble: float = 0.0
    speed: float = 1.0
    #: Walking faces (issue 19): ``(vx, vy)`` in px per frame. The face then crosses the whole
    #: frame in a straight line from ``start`` (its centre at frame 0, px), leaves it, and comes back
    #: in from the other side (wrapping around), instead of bouncing inside ``cell``.
    velocity: tuple[float, float] | None = None
    start: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class FaceTruth:
    """Ground truth of one face in one frame.

    Attributes
    ----------
    face : int
        Index of the face in the clip's ``faces``.
    box : tuple of float
        Axis-aligned ``(x1, y1, x2, y2)`` around the rotated face, clipped to the frame.
    polygon : numpy.ndarray
        ``(4, 2)`` float corners of the rotated face box.
    size : float
        Shorter side of the unrotated face box (px).
    angle : float
        Rotation in degrees, normalised to ``[0, 360)``.
    source : str
        Which photograph the face came from.
    """

    face: int
    box: tuple[float, float, float, float]
    polygon: np.ndarray = field(repr=False)
    size: float
    angle: float
    source: str
    #: Boxes in front of the face (``SyntheticClip.occluders``): their pixels are not the face's.
    hidden: tuple[tuple[float, float, float, float], ...] = ()
    #: Speed of the face in this frame, px per frame (0 for the slowly drifting faces' nominal speed).
    speed: float = 0.0

    @property
    def orientation(self) -> int:
        """The angle rounded to the nearest multiple of 45 (0, 45, ..., 315)."""
        return int(round(self.angle / 45.0)) % 8 * 45


_HEAD_MARGIN = 0.45  # head crop = face box grown by this share on each side (hair, ears, neck)


@lru_cache(maxsize=1)
def face_sources() -> dict[str, FaceSource]:
    """Return the photographs with faces that ship in installed packages.

    Returns
    -------
    dict of str to FaceSource
        ``astronaut`` and ``cameraman`` from scikit-image, ``grace_hopper``
        from matplotlib's sample data. Face boxes were annotated by hand.
    """
    import matplotlib
    import skimage.data

    astronaut = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
    cameraman = cv2.cvtColor(skimage.data.camera(), cv2.COLOR_GRAY2BGR)
    hopper_path = os.path.join(
        os.path.dirname(matplotlib.__file__), "mpl-data", "sample_data", "grace_hopper.jpg"
    )
    hopper = cv2.imread(hopper_path, cv2.IMREAD_COLOR)
    return {
        "astronaut": FaceSource("astronaut", astronaut, (180, 60, 275, 178)),
        "grace_hopper": FaceSource("grace_hopper", hopper, (165, 138, 362, 335)),
        "cameraman": FaceSource("cameraman", cameraman, (205, 118, 258, 196)),
    }


def default_faces() -> tuple[FaceSpec, ...]:
    """Return the benchmark's faces: every orientation, sizes from 28 px up.

    The layout grid is 4 columns × 3 rows. Faces smaller than 36 px are
    included on purpose; they are reported apart from the target.
    """
    return (
        FaceSpec("astronaut", 120, 0, (0, 0, 2, 1), wobble=8, speed=0.8),
        FaceSpec("grace_hopper", 70, 90, (2, 0, 1, 1), speed=1.0),
        FaceSpec("astronaut", 56, 180, (3, 0, 1, 1), speed=1.2),
        FaceSpec("grace_hopper", 28, 0, (0, 1, 1, 1), speed=0.8),
        FaceSpec("astronaut", 30, 180, (1, 1, 1, 1), speed=0.8),
        FaceSpec("grace_hopper", 48, 270, (2, 1, 1, 1), speed=1.0),
        FaceSpec("cameraman", 40, 315, (3, 1, 1, 1), wobble=5, speed=0.7),
        FaceSpec("grace_hopper", 36, 135, (0, 2, 1, 1), speed=0.9),
        FaceSpec("astronaut", 36, 90, (1, 2, 1, 1), speed=1.1),
        FaceSpec("grace_hopper", 64, 0, (2, 2, 1, 1), spin=1.5, speed=0.6),
        FaceSpec("astronaut", 36, 270, (3, 2, 1, 1), speed=0.8),
    )


class SyntheticClip:
    """A deterministic clip: frames and ground truth rendered on demand.

    Parameters
    ----------
    faces : sequence of FaceSpec
        The faces to paste.
    width, height : int
        Frame size in pixels.
    n_frames : int
        Number of frames.
    fps : float
        Frame rate (only used as metadata and for ``t``).
    seed : int
        Seed for positions, directions and sensor noise.
    grid : tuple of int
        ``(columns, rows)`` of the layout grid that ``FaceSpec.cell`` refers to.
    """

    def __init__(
        self,
        faces: tuple[FaceSpec, ...] | list[FaceSpec],
        *,
        width: int = 1280,
        height: int = 720,
        n_frames: int = 100,
        fps: float = 25.0,
        seed: int = 0,
        grid: tuple[int, int] = (4, 3),
        occluders: tuple[tuple[int, int, int, int], ...] = (),
    ) -> None:
        self.faces = tuple(faces)
        #: Opaque boxes drawn over the faces (a cupboard, a door post): a face passes behind them.
        self.occluders = tuple(tuple(int(v) for v in box) for box in occluders)
        self.width, self.height = int(width), int(height)
        self.n_frames = int(n_frames)
        self.fps = float(fps)
        self.seed = int(seed)
        self.grid = grid
        # separate streams, so the room and the noise do not depend on the faces
        self._background = _living_room(self.width, self.height, np.random.default_rng([seed, 0]))
        rng = np.random.default_rng([seed, 1])
        sources = face_sources()
        self._heads = []
        self._tracks = []
        for spec in self.faces:
            src = sources[spec.source]
            head, alpha, face_in_head = _head_crop(src, spec.size)
            if spec.velocity is not None:  # a walking face is smeared along its path, as by a camera
                head, alpha = _motion_blur(head, alpha, spec.velocity, spec.angle)
            self._heads.append((head, alpha, face_in_head))
            # room the head needs at any angle: half the crop's diagonal
            radius = 0.5 * math.hypot(head.shape[1], head.shape[0])
            col, row, cspan, rspan = spec.cell
            cw, ch = self.width / grid[0], self.height / grid[1]
            x_lo, x_hi = col * cw, (col + cspan) * cw
            y_lo, y_hi = row * ch, (row + rspan) * ch
            # keep the face box (not the whole head) inside the cell
            face_r = 0.5 * math.hypot(face_in_head[2] - face_in_head[0], face_in_head[3] - face_in_head[1])
            margin = min(radius, max(face_r + 2, 0.5 * min(x_hi - x_lo, y_hi - y_lo) - 1))
            lo = np.array([x_lo + margin, y_lo + margin])
            hi = np.array([max(x_hi - margin, x_lo + margin + 1), max(y_hi - margin, y_lo + margin + 1)])
            start = lo + rng.random(2) * (hi - lo)
            direction = rng.random() * 2 * math.pi
            velocity = spec.speed * np.array([math.cos(direction), math.sin(direction)])
            phase = rng.random() * 2 * math.pi
            self._tracks.append((lo, hi, start, velocity, phase))

    def __len__(self) -> int:
        return self.n_frames

    def _pose(self, k: int, index: int) -> tuple[np.ndarray, float]:
        spec = self.faces[k]
        lo, hi, start, velocity, phase = self._tracks[k]
        if spec.velocity is not None:
            centre = self._walk(k, index)
        else:
            centre = _bounce(start + velocity * index, lo, hi)
        angle = spec.angle + spec.spin * index + spec.wobble * math.sin(phase + index / 12.0)
        return centre, angle % 360.0

    def _walk(self, k: int, index: int) -> np.ndarray:
        """A walking face's centre: a straight line that leaves the frame and wraps around, so the
        face is wholly outside for a moment before it comes back in from the other side."""
        spec = self.faces[k]
        head = self._heads[k][0]
        reach = 0.5 * math.hypot(head.shape[1], head.shape[0]) + 2  # the whole head is out beyond this
        span = np.array([self.width + 2 * reach, self.height + 2 * reach])
        p = np.asarray(spec.start, float) + np.asarray(spec.velocity, float) * index
        return np.mod(p + reach, span) - reach

    def truth(self, index: int, *, min_visible: float = VISIBLE_SHARE) -> list[FaceTruth]:
        """Return the ground truth of frame ``index``: the faces of which at least ``min_visible``
        of the face box is in the frame and not behind an occluder (a face entering, leaving or
        passing behind something counts once that much of it shows)."""
        out = []
        for k, spec in enumerate(self.faces):
            centre, angle = self._pose(k, index)
            head, _, fb = self._heads[k]
            m = _placement(head.shape, fb, centre, angle)
            corners = np.array([[fb[0], fb[1]], [fb[2], fb[1]], [fb[2], fb[3]], [fb[0], fb[3]]], float)
            poly = corners @ m[:, :2].T + m[:, 2]
            x1, y1 = np.clip(poly.min(axis=0), 0, [self.width, self.height])
            x2, y2 = np.clip(poly.max(axis=0), 0, [self.width, self.height])
            if x2 <= x1 or y2 <= y1:
                continue  # wholly outside the frame
            speed = (math.hypot(*spec.velocity) if spec.velocity is not None else float(spec.speed))
            truth = FaceTruth(face=k, box=(float(x1), float(y1), float(x2), float(y2)), polygon=poly,
                              size=float(spec.size), angle=angle, source=spec.source,
                              hidden=tuple(map(tuple, self.occluders)), speed=speed)
            if self.occluders or spec.velocity is not None:
                whole = (fb[2] - fb[0]) * (fb[3] - fb[1])
                if region_mask(truth, (self.height, self.width)).sum() < min_visible * whole:
                    continue
            out.append(truth)
        return out

    def frame(self, index: int) -> np.ndarray:
        """Render frame ``index`` as a BGR uint8 ``(height, width, 3)`` array."""
        if not 0 <= index < self.n_frames:
            raise IndexError(index)
        img = self._background.astype(np.float32)
        # slow light change, as from a cloud passing the window
        img *= 1.0 + 0.04 * math.sin(index / 40.0)
        for k in range(len(self.faces)):
            centre, angle = self._pose(k, index)
            head, alpha, fb = self._heads[k]
            _paste(img, head, alpha, _placement(head.shape, fb, centre, angle))
        for x1, y1, x2, y2 in self.occluders:  # furniture in front of everyone
            img[y1:y2, x1:x2] = self._background[y1:y2, x1:x2] * 0.35 + np.array([30, 60, 90], np.float32)
        noise = np.random.default_rng([self.seed, 2, index]).normal(0, 2.0, img.shape[:2])
        img += noise[:, :, None].astype(np.float32)
        return np.clip(img, 0, 255).astype(np.uint8)

    def frames(self) -> Iterator[np.ndarray]:
        """Yield every frame in order."""
        for i in range(self.n_frames):
            yield self.frame(i)


def make_clip(
    seed: int = 2026,
    *,
    width: int = 1280,
    height: int = 720,
    n_frames: int = 100,
    fps: float = 25.0,
    faces: tuple[FaceSpec, ...] | None = None,
    grid: tuple[int, int] = (4, 3),
    occluders: tuple[tuple[int, int, int, int], ...] = (),
) -> SyntheticClip:
    """Build a synthetic clip (the benchmark's faces unless ``faces`` is given).

    Examples
    --------
    >>> clip = make_clip(n_frames=3, width=640, height=360)
    >>> clip.frame(0).shape, len(clip.truth(0))
    ((360, 640, 3), 11)
    """
    return SyntheticClip(
        default_faces() if faces is None else faces,
        width=width,
        height=height,
        n_frames=n_frames,
        fps=fps,
        seed=seed,
        grid=grid,
        occluders=occluders,
    )


#: Speeds of the walking faces, px per frame (issue 19: a 50-px face at walking speed is ≈ 7).
WALK_SPEEDS = (2.0, 4.0, 7.0, 10.0, 15.0)
#: Sizes of the walking faces, one in each size bucket of the benchmark.
WALK_SIZES = (40.0, 56.0, 84.0)
#: Orientations of the walking faces.
WALK_ANGLES = (0.0, 90.0, 180.0, 270.0, 135.0, 315.0)


def walking_faces(variant: int = 0, *, width: int = 1280, height: int = 720) -> tuple[FaceSpec, ...]:
    """Six faces that walk across the frame (issue 19), each in its own horizontal lane, entering
    on one side and leaving on the other (and coming back in). ``variant`` turns the assignment of
    size, orientation and speed to the lanes, so variants 0–4 together give every orientation every
    speed and every size every speed. Lanes 1 and 4 pass behind the occluder of
    :func:`walking_occluders`.

    >>> faces = walking_faces(0)
    >>> len(faces), sorted({f.angle for f in faces}) == sorted(WALK_ANGLES)
    (6, True)
    """
    sources = ("astronaut", "grace_hopper", "cameraman")
    lanes = len(WALK_ANGLES)
    faces = []
    for lane in range(lanes):
        speed = WALK_SPEEDS[(lane + variant) % len(WALK_SPEEDS)]
        size = WALK_SIZES[(lane + 2 * variant) % len(WALK_SIZES)]
        angle = WALK_ANGLES[lane]
        direction = 1.0 if lane % 2 == 0 else -1.0
        y = (lane + 0.5) * height / lanes
        faces.append(FaceSpec(sources[lane % 3], size, angle, (0, 0, 1, 1), velocity=(direction * speed, 0.0),
                              start=((0.2 + 0.13 * lane) * width, y)))
    return tuple(faces)


def walking_occluders(*, width: int = 1280, height: int = 720) -> tuple[tuple[int, int, int, int], ...]:
    """A door post the faces of lanes 1 and 4 pass behind (90 px wide; the others pass in front of
    nothing, since the post stops short of their lanes)."""
    lane = height / len(WALK_ANGLES)
    x = int(width * 0.55)
    return ((x, int(1 * lane), x + 90, int(2 * lane)), (x - 300, int(4 * lane), x - 210, int(5 * lane)))


def make_walking_clip(variant: int = 0, seed: int = 2026, *, width: int = 1280, height: int = 720,
                      n_frames: int = 250, fps: float = 25.0) -> SyntheticClip:
    """A clip of :func:`walking_faces` with :func:`walking_occluders` (issue 19's moving faces)."""
    return SyntheticClip(walking_faces(variant, width=width, height=height), width=width, height=height,
                         n_frames=n_frames, fps=fps, seed=seed,
                         occluders=walking_occluders(width=width, height=height))


def write_clip(clip: SyntheticClip, path: str | os.PathLike, *, crf: int = 18) -> None:
    """Encode ``clip`` to an H.264 MP4 at ``path`` (PyAV, yuv420p, constant frame rate)."""
    from fractions import Fraction

    import av

    with av.open(os.fspath(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(clip.fps).limit_denominator(1001))
        stream.width, stream.height = clip.width, clip.height
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for img in clip.frames():
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# --------------------------------------------------------------------------- coverage


def region_mask(truth: FaceTruth, shape: tuple[int, ...]) -> np.ndarray:
    """Boolean ``(H, W)`` image of the face polygon's pixels.

    Pixel ``(x, y)`` spans ``[x, x + 1) × [y, y + 1)``; it belongs to the face
    when its centre lies inside the (convex) polygon.
    """
    H, W = shape[:2]
    mask = np.zeros((H, W), bool)
    poly = np.asarray(truth.polygon, np.float64)
    x1, y1 = np.floor(poly.min(axis=0)).astype(int)
    x2, y2 = np.ceil(poly.max(axis=0)).astype(int)
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(W, x2), min(H, y2)
    if x2 <= x1 or y2 <= y1:
        return mask
    xs, ys = np.meshgrid(np.arange(x1, x2) + 0.5, np.arange(y1, y2) + 0.5)
    inside = np.ones(xs.shape, bool)
    (ux, uy), (vx, vy) = poly[1] - poly[0], poly[2] - poly[1]
    orientation = np.sign(ux * vy - uy * vx)
    for a, b in zip(poly, np.roll(poly, -1, axis=0)):
        cross = (b[0] - a[0]) * (ys - a[1]) - (b[1] - a[1]) * (xs - a[0])
        inside &= cross * orientation >= 0
    mask[y1:y2, x1:x2] = inside
    for hx1, hy1, hx2, hy2 in truth.hidden:  # pixels behind an occluder are not the face's
        mask[max(0, int(hy1)) : max(0, int(hy2)), max(0, int(hx1)) : max(0, int(hx2))] = False
    return mask


def masked_share(truth: FaceTruth, boxes: np.ndarray, shape: tuple[int, ...]) -> float:
    """Share of the face polygon's pixels that lie inside any of ``boxes``.

    Parameters
    ----------
    truth : FaceTruth
        The face.
    boxes : numpy.ndarray
        ``(M, 4)`` masked ``x1, y1, x2, y2`` pixel boxes of the frame.
    shape : tuple of int
        Frame shape ``(H, W, ...)``.
    """
    region = region_mask(truth, shape)
    total = int(region.sum())
    if total == 0:
        return 1.0
    covered = np.zeros(shape[:2], bool)
    for x1, y1, x2, y2 in np.asarray(boxes, int).reshape(-1, 4):
        covered[max(0, y1) : max(0, y2), max(0, x1) : max(0, x2)] = True
    return float((region & covered).sum()) / total


def residual_detail(original: np.ndarray, output: np.ndarray, truth: FaceTruth) -> float:
    """Share of the face's feature-scale detail that survives in ``output``.

    Measured on pixels only, so it scores any anonymiser's output alike,
    without knowing how that output was made. Both frames are turned to grey
    and band-passed at the scale of facial features, a difference of
    Gaussians ``hp(X) = G(X, size/48) - G(X, size/12)`` (about 4 to 12 cycles
    across the face, the band that carries identity). Over the face polygon's
    pixels ``R``::

        r = Σ_R hp(original) · hp(output) / Σ_R hp(original)²

    i.e. the projection of the output's pattern onto the original's, so noise
    and compression artefacts that are not the face do not count.

    Calibration on the benchmark faces (sizes 36–120 px): an untouched face
    after JPEG at quality 60 gives r ≥ 0.99; a Gaussian blur of σ = size/40
    0.78–0.86 and σ = size/12 0.20–0.44 (both still count as visible); a face
    with its bottom 20 % uncovered 0.09–0.42; a solid box exactly over the
    face ≤ 0.03 (the band-pass sees the box's edge); our 4-block
    mosaic of the enlarged box ≤ 0.08; deface's ellipse blur over its enlarged
    box ≤ 0.03.

    Returns
    -------
    float
        ``r`` clipped to ``[0, 1]``; 0 for a face with no detail at all.
    """
    x1, y1, x2, y2 = truth.box
    s1 = max(0.5, truth.size / 48.0)
    s2 = max(1.0, truth.size / 12.0)
    pad = int(math.ceil(3 * s2)) + 1
    H, W = original.shape[:2]
    ax1, ay1 = max(0, int(x1) - pad), max(0, int(y1) - pad)
    ax2, ay2 = min(W, int(math.ceil(x2)) + pad), min(H, int(math.ceil(y2)) + pad)
    if ax2 <= ax1 or ay2 <= ay1:
        return 0.0

    def band(img: np.ndarray) -> np.ndarray:
        crop = img[ay1:ay2, ax1:ax2]
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY) if crop.ndim == 3 else crop
        grey = grey.astype(np.float32)
        return cv2.GaussianBlur(grey, (0, 0), s1) - cv2.GaussianBlur(grey, (0, 0), s2)

    region = region_mask(truth, original.shape)[ay1:ay2, ax1:ax2]
    ho, hp = band(original)[region], band(output)[region]
    energy = float(np.dot(ho, ho))
    if energy <= 0:
        return 0.0
    return float(min(1.0, max(0.0, np.dot(ho, hp) / energy)))


#: Issue 19's line: a face survives in an output frame when the SSIM of its inner area against the
#: original frame is at least this.
SURVIVES_SSIM = 0.7
#: The inner area: the face polygon shrunk towards its centre to this share of its width and height
#: (eyes, nose and mouth; not the hairline and chin, where a mask's edge may fall).
INNER_SHARE = 0.6


def inner_ssim(original: np.ndarray, output: np.ndarray, truth: FaceTruth) -> float:
    """Mean SSIM (grey, scikit-image's defaults) of the face's inner area in ``output`` against
    ``original``: 1 when the face is untouched, far below :data:`SURVIVES_SSIM` under a solid box.
    Pixels behind an occluder or outside the frame do not count; ``0.0`` when none are left."""
    from skimage.metrics import structural_similarity

    poly = np.asarray(truth.polygon, np.float64)
    centre = poly.mean(axis=0)
    inner = dataclasses.replace(truth, polygon=centre + (poly - centre) * INNER_SHARE)
    region = region_mask(inner, original.shape)
    if not region.any():
        return 0.0
    ys, xs = np.nonzero(region)
    pad = 4
    y1, y2 = max(0, ys.min() - pad), min(original.shape[0], ys.max() + pad + 1)
    x1, x2 = max(0, xs.min() - pad), min(original.shape[1], xs.max() + pad + 1)
    if min(y2 - y1, x2 - x1) < 7:
        return 0.0

    def grey(img: np.ndarray) -> np.ndarray:
        return cv2.cvtColor(img[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY)

    _, ssim_map = structural_similarity(grey(original), grey(output), data_range=255, full=True)
    return float(ssim_map[region[y1:y2, x1:x2]].mean())


# --------------------------------------------------------------------------- drawing helpers


def _bounce(p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Fold ``p`` back into ``[lo, hi]`` as a ball bouncing off the walls."""
    span = hi - lo
    q = np.mod(p - lo, 2 * span)
    return lo + np.where(q > span, 2 * span - q, q)


def _head_crop(src: FaceSource, size: float) -> tuple[np.ndarray, np.ndarray, tuple[float, ...]]:
    """Cut the head around the face, scaled so the face's shorter side is ``size``.

    Returns the crop, a soft elliptical alpha mask and the face box inside the crop.
    """
    x1, y1, x2, y2 = src.face_box
    fw, fh = x2 - x1, y2 - y1
    scale = size / min(fw, fh)
    mx, my = _HEAD_MARGIN * fw, _HEAD_MARGIN * fh
    h, w = src.image.shape[:2]
    cx1, cy1 = max(0, int(x1 - mx)), max(0, int(y1 - my))
    cx2, cy2 = min(w, int(x2 + mx)), min(h, int(y2 + my))
    crop = src.image[cy1:cy2, cx1:cx2]
    out_w = max(4, int(round(crop.shape[1] * scale)))
    out_h = max(4, int(round(crop.shape[0] * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    head = cv2.resize(crop, (out_w, out_h), interpolation=interp).astype(np.float32)
    sx, sy = out_w / crop.shape[1], out_h / crop.shape[0]
    face = ((x1 - cx1) * sx, (y1 - cy1) * sy, (x2 - cx1) * sx, (y2 - cy1) * sy)
    alpha = np.zeros((out_h, out_w), np.float32)
    centre = (int(round((face[0] + face[2]) / 2)), int(round((face[1] + face[3]) / 2)))
    axes = (int(round((face[2] - face[0]) / 2 + 0.6 * mx * sx)), int(round((face[3] - face[1]) / 2 + 0.8 * my * sy)))
    cv2.ellipse(alpha, centre, axes, 0, 0, 360, 1.0, -1)
    k = max(3, int(0.08 * size) | 1)
    alpha = cv2.GaussianBlur(alpha, (k, k), 0)
    # the face box itself is always fully opaque
    ix1, iy1 = int(math.floor(face[0])), int(math.floor(face[1]))
    ix2, iy2 = int(math.ceil(face[2])), int(math.ceil(face[3]))
    alpha[iy1:iy2, ix1:ix2] = 1.0
    return head, alpha, face


#: Exposure of a home-video frame as a share of the frame time (1/50 s at 25 fps): a walking face is
#: smeared over this share of its step per frame.
EXPOSURE = 0.5


def _motion_blur(head: np.ndarray, alpha: np.ndarray, velocity: tuple[float, float],
                 angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Smear a head crop along its path (``velocity`` in frame pixels, the head turned by ``angle``
    when pasted), over :data:`EXPOSURE` of one frame's step."""
    length = EXPOSURE * math.hypot(*velocity)
    if length < 1.5:
        return head, alpha
    # the path in head-crop pixels: undo the paste's turn (cv2.getRotationMatrix2D, y pointing down)
    rad = math.radians(angle)
    dx = velocity[0] * math.cos(rad) - velocity[1] * math.sin(rad)
    dy = velocity[0] * math.sin(rad) + velocity[1] * math.cos(rad)
    norm = math.hypot(dx, dy)
    half = int(math.ceil(length / 2))
    kernel = np.zeros((2 * half + 1, 2 * half + 1), np.float32)
    offset = (dx / norm * length / 2, dy / norm * length / 2)
    cv2.line(kernel, (int(round(half - offset[0])), int(round(half - offset[1]))),
             (int(round(half + offset[0])), int(round(half + offset[1]))), 1.0, 1)
    kernel /= kernel.sum()
    return (cv2.filter2D(head, -1, kernel, borderType=cv2.BORDER_REPLICATE),
            cv2.filter2D(alpha, -1, kernel, borderType=cv2.BORDER_CONSTANT))


def _placement(head_shape: tuple[int, ...], face: tuple[float, ...], centre: np.ndarray, angle: float) -> np.ndarray:
    """Affine map from head-crop pixels to frame pixels (2 × 3)."""
    fc = ((face[0] + face[2]) / 2, (face[1] + face[3]) / 2)
    m = cv2.getRotationMatrix2D(fc, angle, 1.0)
    m[:, 2] += np.asarray(centre) - np.asarray(fc)
    return m


def _paste(img: np.ndarray, head: np.ndarray, alpha: np.ndarray, m: np.ndarray) -> None:
    """Alpha-blend ``head`` into ``img`` (float32, in place) through the affine map ``m``."""
    h, w = head.shape[:2]
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], float) @ m[:, :2].T + m[:, 2]
    x1, y1 = np.floor(corners.min(axis=0)).astype(int)
    x2, y2 = np.ceil(corners.max(axis=0)).astype(int)
    H, W = img.shape[:2]
    x1, y1, x2, y2 = max(0, x1), max(0, y1), min(W, x2), min(H, y2)
    if x2 <= x1 or y2 <= y1:
        return
    mm = m.copy()
    mm[:, 2] -= (x1, y1)
    size = (x2 - x1, y2 - y1)
    warped = cv2.warpAffine(head, mm, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    a = cv2.warpAffine(alpha, mm, size, flags=cv2.INTER_LINEAR, borderValue=0)[:, :, None]
    roi = img[y1:y2, x1:x2]
    roi *= 1.0 - a
    roi += a * warped


def _living_room(width: int, height: int, rng: np.random.Generator) -> np.ndarray:
    """Draw a plain living room: wall, window, sofa, carpet, a picture and a lamp."""
    import skimage.data

    img = np.zeros((height, width, 3), np.float32)
    floor_y = int(height * 0.68)
    wall_colour = np.array([170, 195, 215], np.float32) + rng.normal(0, 10, 3).astype(np.float32)
    yy = np.linspace(1.05, 0.85, floor_y, dtype=np.float32)[:, None, None]
    img[:floor_y] = wall_colour * yy
    # wallpaper texture from scikit-image's brick photo, faint
    brick = cv2.resize(skimage.data.brick(), (width, floor_y)).astype(np.float32)
    img[:floor_y] += (brick[:, :, None] - brick.mean()) * 0.12
    # carpet: gravel texture, warm colour
    gravel = cv2.resize(skimage.data.gravel(), (width, height - floor_y)).astype(np.float32)
    carpet = np.array([60, 90, 140], np.float32) + rng.normal(0, 8, 3).astype(np.float32)
    img[floor_y:] = carpet + (gravel[:, :, None] - gravel.mean()) * 0.35
    # window with bars
    wx1, wy1 = int(width * rng.uniform(0.05, 0.15)), int(height * 0.08)
    wx2, wy2 = wx1 + int(width * 0.22), int(height * 0.45)
    cv2.rectangle(img, (wx1, wy1), (wx2, wy2), (235, 225, 210), -1)
    cv2.rectangle(img, (wx1, wy1), (wx2, wy2), (90, 90, 90), max(2, width // 320))
    cv2.line(img, ((wx1 + wx2) // 2, wy1), ((wx1 + wx2) // 2, wy2), (90, 90, 90), max(2, width // 320))
    cv2.line(img, (wx1, (wy1 + wy2) // 2), (wx2, (wy1 + wy2) // 2), (90, 90, 90), max(2, width // 320))
    # picture frame
    px1, py1 = int(width * rng.uniform(0.55, 0.7)), int(height * 0.12)
    cv2.rectangle(img, (px1, py1), (px1 + width // 8, py1 + height // 6), (40, 70, 100), -1)
    cv2.rectangle(img, (px1 + 6, py1 + 6), (px1 + width // 8 - 6, py1 + height // 6 - 6), (120, 160, 90), -1)
    # sofa
    sy = int(height * 0.5)
    sofa = (90, 60, 130)
    cv2.rectangle(img, (int(width * 0.3), sy), (int(width * 0.85), floor_y + height // 12), sofa, -1)
    cv2.rectangle(img, (int(width * 0.28), sy + height // 14), (int(width * 0.33), floor_y + height // 12), (70, 45, 110), -1)
    cv2.rectangle(img, (int(width * 0.82), sy + height // 14), (int(width * 0.87), floor_y + height // 12), (70, 45, 110), -1)
    # lamp
    lx = int(width * 0.93)
    cv2.line(img, (lx, int(height * 0.3)), (lx, floor_y), (50, 50, 50), max(2, width // 400))
    cv2.ellipse(img, (lx, int(height * 0.3)), (width // 40, height // 30), 0, 180, 360, (180, 230, 250), -1)
    return np.clip(img, 0, 255)
