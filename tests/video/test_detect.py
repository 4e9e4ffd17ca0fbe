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

from .synthetic import face_sources


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


@pytest.mark.parametrize("rotation", [90, 180, 270])
@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_rotated_passes_find_faces_in_any_right_angle(detector, name, rotation):
    """Is a face lying sideways or upside down found, by the pass named after its angle?"""
    src = face_sources()[name]
    h, w = src.image.shape[:2]
    # a face lying at `rotation` degrees counter-clockwise
    lying = cv2.rotate(src.image, {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180,
                                   270: cv2.ROTATE_90_CLOCKWISE}[rotation])
    inverse = {90: 270, 180: 180, 270: 90}[rotation]
    truth = _rotated_box(src.face_box, inverse, w, h)
    dets = detector.detect(lying, RIGHT_ANGLES)
    best = dets[np.argmax(box_iou(dets[:, :4], truth[None])[:, 0])]
    assert box_iou(best[None, :4], truth[None])[0, 0] >= 0.5
    assert best[4] >= 0.5 and int(best[5]) == rotation


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
