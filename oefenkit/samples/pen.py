"""A small drawing helper on top of OpenCV: shapes in a movable coordinate frame.

Figures are drawn in their own coordinates (a baby's seat at the origin,
"up" is ``-y``) and placed in the picture with :meth:`Pen.frame`
(translation, rotation, scale). Coordinates are floats; OpenCV gets them as
fixed-point numbers (``shift=4``, 1/16 pixel) with anti-aliased edges, so
slow movements are smooth. Everything is integer arithmetic inside OpenCV,
hence the same inputs always give the same pixels.

Angles are in degrees, clockwise on screen (``y`` points down), as in OpenCV.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

__all__ = ["Pen", "Color", "Point"]

Color = tuple[int, int, int]
Point = tuple[float, float]

_SHIFT = 4
_ONE = 1 << _SHIFT
_AA = cv2.LINE_AA


class Pen:
    """Draw on a BGR ``uint8`` image through a stack of similarity transforms.

    Parameters
    ----------
    image : numpy.ndarray
        ``(h, w, 3)`` BGR image, changed in place.
    scale : float
        Pixels per design unit (the scene is designed at 640 × 360).

    Examples
    --------
    >>> img = np.zeros((20, 20, 3), np.uint8)
    >>> pen = Pen(img)
    >>> with pen.frame((10, 10), angle=90):
    ...     pen.to_pixels((0, -5))          # "up" in the frame points right on screen
    (15.0, 10.0)
    """

    def __init__(self, image: np.ndarray, scale: float = 1.0):
        self.image = image
        self._stack = [(0.0, 0.0, 0.0, float(scale))]  # tx, ty, angle (deg), scale

    # -- transforms ---------------------------------------------------------------

    @contextlib.contextmanager
    def frame(self, origin: Point, angle: float = 0.0, scale: float = 1.0) -> Iterator[Pen]:
        """Draw relative to ``origin`` (in the current frame), turned by ``angle``, scaled."""
        tx, ty = self.to_pixels(origin)
        _, _, a, s = self._stack[-1]
        self._stack.append((tx, ty, a + angle, s * scale))
        try:
            yield self
        finally:
            self._stack.pop()

    def to_pixels(self, p: Point) -> Point:
        """Where the point ``p`` of the current frame lies in the image."""
        tx, ty, a, s = self._stack[-1]
        c, sn = math.cos(math.radians(a)), math.sin(math.radians(a))
        x, y = p
        return (tx + s * (c * x - sn * y), ty + s * (sn * x + c * y))

    @property
    def angle(self) -> float:
        return self._stack[-1][2]

    @property
    def unit(self) -> float:
        """Pixels per unit of the current frame."""
        return self._stack[-1][3]

    def _fix(self, p: Point) -> tuple[int, int]:
        x, y = self.to_pixels(p)
        return round(x * _ONE), round(y * _ONE)

    def _len(self, v: float) -> int:
        return max(0, round(v * self.unit * _ONE))

    def _thick(self, t: float) -> int:
        return max(1, round(t * self.unit))

    # -- shapes -------------------------------------------------------------------

    def circle(self, c: Point, r: float, color: Color, thickness: float | None = None) -> None:
        """A filled disc, or a ring when ``thickness`` is given."""
        th = -1 if thickness is None else self._thick(thickness)
        cv2.circle(self.image, self._fix(c), self._len(r), color, th, _AA, _SHIFT)

    def ellipse(self, c: Point, axes: tuple[float, float], color: Color, *, angle: float = 0.0,
                start: float = 0.0, end: float = 360.0, thickness: float | None = None) -> None:
        """A filled ellipse (or an arc of it with ``thickness``); ``angle`` turns its axes."""
        th = -1 if thickness is None else self._thick(thickness)
        cv2.ellipse(self.image, self._fix(c), (self._len(axes[0]), self._len(axes[1])),
                    self.angle + angle, start, end, color, th, _AA, _SHIFT)

    def polygon(self, points: Sequence[Point], color: Color) -> None:
        """A filled polygon."""
        pts = np.array([self._fix(p) for p in points], np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(self.image, [pts], color, _AA, _SHIFT)

    def polyline(self, points: Sequence[Point], color: Color, thickness: float, closed: bool = False) -> None:
        pts = np.array([self._fix(p) for p in points], np.int32).reshape(-1, 1, 2)
        cv2.polylines(self.image, [pts], closed, color, self._thick(thickness), _AA, _SHIFT)

    def line(self, a: Point, b: Point, color: Color, thickness: float) -> None:
        cv2.line(self.image, self._fix(a), self._fix(b), color, self._thick(thickness), _AA, _SHIFT)

    def limb(self, a: Point, b: Point, width: float, color: Color) -> None:
        """A rounded bar from ``a`` to ``b`` (an arm): a thick line with round ends."""
        self.line(a, b, color, width)
        self.circle(a, width / 2, color)
        self.circle(b, width / 2, color)

    def rect(self, p1: Point, p2: Point, color: Color, radius: float = 0.0) -> None:
        """A filled axis-aligned (in the current frame) rectangle, optionally with round corners."""
        (x1, y1), (x2, y2) = p1, p2
        x1, x2 = min(x1, x2), max(x1, x2)
        y1, y2 = min(y1, y2), max(y1, y2)
        r = min(radius, (x2 - x1) / 2, (y2 - y1) / 2)
        if r <= 0:
            self.polygon([(x1, y1), (x2, y1), (x2, y2), (x1, y2)], color)
            return
        pts: list[Point] = []
        for cx, cy, a0 in ((x2 - r, y1 + r, -90), (x2 - r, y2 - r, 0), (x1 + r, y2 - r, 90), (x1 + r, y1 + r, 180)):
            for k in range(7):
                a = math.radians(a0 + 15 * k)
                pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
        self.polygon(pts, color)

    def text(self, s: str, org: Point, color: Color, size: float = 0.45, thickness: float = 1) -> None:
        """ASCII text (Hershey font) with its baseline starting at ``org``; not transformed."""
        x, y = self.to_pixels(org)
        cv2.putText(self.image, s, (round(x), round(y)), cv2.FONT_HERSHEY_SIMPLEX,
                    size * self.unit, color, self._thick(thickness), _AA)
