"""Masking: solid or mosaic boxes, and manual masks from a JSON file.

Masks destroy what is under them. ``"solid"`` paints the box black;
``"mosaic"`` replaces it by at most ``cells`` coarse blocks along its longer
side (each block the mean colour under it). There is no light blur: a blur a
person can still see through is not anonymisation.

Manual masks
------------
A supervisor adds rectangles the detector cannot know about (a face it
missed, a name on a letter, a house number). The supervisor app writes them
as UTF-8 JSON::

    {
      "version": 1,
      "masks": [
        {"x": 0.10, "y": 0.05, "w": 0.20, "h": 0.30,
         "start": 1.5, "end": 4.0, "label": "naam op brief"},
        {"x": 0.70, "y": 0.60, "w": 0.10, "h": 0.10,
         "start": 0, "end": null, "label": "huisnummer"}
      ]
    }

* ``x``, ``y`` – top-left corner, ``w``, ``h`` – width and height, all as
  **fractions (0–1) of the upright output frame** (after the clip's rotation
  is applied), so the same file fits any output size. ``x + w`` and ``y + h``
  are at most 1. Pixels are rounded outwards (the mask never shrinks).
* ``start``, ``end`` – presentation time in seconds; the mask is on for every
  frame with ``start <= t <= end``. ``end`` may be ``null``: until the end.
* ``label`` – optional free text (at most 200 characters) for the supervisor.

No other keys are allowed; a file that breaks a rule is rejected as a whole
with a Dutch :class:`~oefenkit.errors.VideoError` that names the mask.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..errors import VideoError

__all__ = [
    "MASK_FILE_VERSION",
    "STYLES",
    "ManualMask",
    "apply_masks",
    "dump_manual_masks",
    "load_manual_masks",
    "manual_boxes",
    "parse_manual_masks",
]

#: Version of the manual-mask JSON format described in the module docstring.
MASK_FILE_VERSION = 1
#: The masking styles.
STYLES = ("solid", "mosaic")

_MAX_LABEL = 200
_KEYS = {"x", "y", "w", "h", "start", "end", "label"}
_EPS = 1e-9


@dataclass(frozen=True)
class ManualMask:
    """A rectangle masked over a time range.

    Attributes
    ----------
    x, y, w, h : float
        Top-left corner and size as fractions (0–1) of the upright frame.
    start : float
        First presentation time (seconds) with the mask.
    end : float or None
        Last presentation time (seconds) with the mask; ``None`` = until the end.
    label : str
        Why the mask is there (for the supervisor).
    """

    x: float
    y: float
    w: float
    h: float
    start: float = 0.0
    end: float | None = None
    label: str = ""

    def active(self, t: float) -> bool:
        """Whether the mask is on at presentation time ``t`` (seconds)."""
        return self.start - _EPS <= t and (self.end is None or t <= self.end + _EPS)

    def pixels(self, width: int, height: int) -> tuple[int, int, int, int]:
        """``x1, y1, x2, y2`` in a ``width`` × ``height`` frame, rounded outwards."""
        x1 = max(0, math.floor(self.x * width + _EPS))
        y1 = max(0, math.floor(self.y * height + _EPS))
        x2 = min(width, math.ceil((self.x + self.w) * width - _EPS))
        y2 = min(height, math.ceil((self.y + self.h) * height - _EPS))
        return x1, y1, max(x2, x1 + 1), max(y2, y1 + 1)


def _number(item: dict, key: str, n: int, *, allow_none: bool = False) -> float | None:
    if key not in item:
        raise VideoError(f"Masker {n}: '{key}' ontbreekt.")
    value = item[key]
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise VideoError(f"Masker {n}: '{key}' moet een getal zijn.")
    return float(value)


def parse_manual_masks(data: Any) -> tuple[ManualMask, ...]:
    """Validate the parsed JSON of a mask file and return its masks.

    Raises
    ------
    VideoError
        With a Dutch message naming the first rule that is broken.

    Examples
    --------
    >>> parse_manual_masks({"version": 1, "masks": [
    ...     {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4, "start": 0, "end": 2}]})
    (ManualMask(x=0.1, y=0.2, w=0.3, h=0.4, start=0.0, end=2.0, label=''),)
    >>> parse_manual_masks({"version": 2, "masks": []})
    Traceback (most recent call last):
    ...
    oefenkit.errors.VideoError: Het maskerbestand heeft versie 2; alleen versie 1 wordt ondersteund.
    """
    if not isinstance(data, dict):
        raise VideoError("Het maskerbestand moet een JSON-object zijn met 'version' en 'masks'.")
    unknown = set(data) - {"version", "masks"}
    if unknown:
        raise VideoError(f"Het maskerbestand heeft een onbekend veld: '{min(unknown)}'.")
    version = data.get("version")
    if version != MASK_FILE_VERSION or isinstance(version, bool):
        raise VideoError(
            f"Het maskerbestand heeft versie {version}; alleen versie {MASK_FILE_VERSION} wordt ondersteund."
        )
    items = data.get("masks")
    if not isinstance(items, list):
        raise VideoError("Het maskerbestand mist de lijst 'masks'.")
    masks = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise VideoError(f"Masker {n} moet een JSON-object zijn.")
        unknown = set(item) - _KEYS
        if unknown:
            raise VideoError(f"Masker {n}: onbekend veld '{min(unknown)}'.")
        x, y, w, h = (_number(item, k, n) for k in ("x", "y", "w", "h"))
        for key, value in (("x", x), ("y", y), ("w", w), ("h", h)):
            if not 0.0 <= value <= 1.0:
                raise VideoError(f"Masker {n}: '{key}' moet tussen 0 en 1 liggen (een deel van het beeld).")
        if w <= 0 or h <= 0:
            raise VideoError(f"Masker {n}: breedte en hoogte moeten groter dan 0 zijn.")
        if x + w > 1.0 + 1e-6 or y + h > 1.0 + 1e-6:
            raise VideoError(f"Masker {n}: het vlak valt buiten het beeld.")
        start = _number(item, "start", n)
        end = _number(item, "end", n, allow_none=True)
        if start < 0:
            raise VideoError(f"Masker {n}: 'start' mag niet negatief zijn.")
        if end is not None and end < start:
            raise VideoError(f"Masker {n}: 'end' ligt vóór 'start'.")
        label = item.get("label", "")
        if not isinstance(label, str):
            raise VideoError(f"Masker {n}: 'label' moet tekst zijn.")
        if len(label) > _MAX_LABEL:
            raise VideoError(f"Masker {n}: 'label' is langer dan {_MAX_LABEL} tekens.")
        masks.append(ManualMask(x, y, w, h, start, end, label))
    return tuple(masks)


def load_manual_masks(path: str | os.PathLike) -> tuple[ManualMask, ...]:
    """Read and validate a manual-mask JSON file (format in the module docstring).

    Raises
    ------
    VideoError
        When the file is missing, unreadable, not JSON or breaks a rule.
    """
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise VideoError(f"Het maskerbestand '{name}' bestaat niet.") from exc
    except UnicodeDecodeError as exc:
        raise VideoError(f"Het maskerbestand '{name}' is geen UTF-8-tekst.") from exc
    except json.JSONDecodeError as exc:
        raise VideoError(f"Het maskerbestand '{name}' is geen geldige JSON (regel {exc.lineno}).") from exc
    except OSError as exc:
        raise VideoError(f"Het maskerbestand '{name}' kan niet worden gelezen.") from exc
    return parse_manual_masks(data)


def dump_manual_masks(masks: Iterable[ManualMask]) -> str:
    """Serialise masks in the version-1 format (the inverse of :func:`parse_manual_masks`)."""
    items = [
        {"x": m.x, "y": m.y, "w": m.w, "h": m.h, "start": m.start, "end": m.end, "label": m.label}
        for m in masks
    ]
    return json.dumps({"version": MASK_FILE_VERSION, "masks": items}, ensure_ascii=False, indent=2)


def manual_boxes(masks: Sequence[ManualMask], t: float, width: int, height: int) -> np.ndarray:
    """``(M, 4)`` int pixel boxes of the masks that are on at time ``t``."""
    boxes = [m.pixels(width, height) for m in masks if m.active(t)]
    return np.array(boxes, np.int32).reshape(-1, 4)


def apply_masks(
    frame_bgr: np.ndarray,
    boxes: np.ndarray,
    style: str = "solid",
    *,
    cells: int = 4,
    colour: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Mask ``boxes`` in ``frame_bgr`` in place and return it.

    Parameters
    ----------
    frame_bgr : numpy.ndarray
        ``(H, W, 3)`` uint8 frame; changed in place.
    boxes : numpy.ndarray
        ``(M, 4)`` ``x1, y1, x2, y2`` pixel boxes (clipped to the frame here).
    style : {"solid", "mosaic"}
        Solid fill in ``colour``, or a coarse mosaic.
    cells : int
        Mosaic only: number of blocks along the longer side of each box
        (fewer blocks = coarser); blocks are at least 2 px.
    colour : tuple of int
        Solid only: BGR fill colour.

    Examples
    --------
    >>> img = np.full((10, 10, 3), 200, np.uint8)
    >>> int(apply_masks(img, np.array([[2, 2, 6, 6]]))[3, 3, 0]), int(img[8, 8, 0])
    (0, 200)
    """
    if style not in STYLES:
        raise VideoError(f"Onbekende maskerstijl '{style}'; kies 'solid' of 'mosaic'.")
    h, w = frame_bgr.shape[:2]
    for box in np.asarray(boxes).reshape(-1, 4):
        x1, y1 = max(0, int(box[0])), max(0, int(box[1]))
        x2, y2 = min(w, int(box[2])), min(h, int(box[3]))
        if x2 <= x1 or y2 <= y1:
            continue
        roi = frame_bgr[y1:y2, x1:x2]
        if style == "solid":
            roi[:] = colour
        else:
            bw, bh = x2 - x1, y2 - y1
            block = max(2.0, max(bw, bh) / max(1, cells))
            nx, ny = max(1, math.ceil(bw / block)), max(1, math.ceil(bh / block))
            small = cv2.resize(roi, (nx, ny), interpolation=cv2.INTER_AREA)
            roi[:] = cv2.resize(small, (bw, bh), interpolation=cv2.INTER_NEAREST)
    return frame_bgr
