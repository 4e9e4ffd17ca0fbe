"""The temporal rule: linking detections into tracks and the mask plan."""

from __future__ import annotations

import numpy as np
import pytest

from oefenkit.video.track import MaskPlan, Track, box_iou, link_tracks, plan_masks


def det(x1, y1, x2, y2, score=0.9, rotation=0):
    return [x1, y1, x2, y2, score, rotation]


def test_box_iou():
    """Is IoU 1 for equal boxes, 0 for disjoint ones and 1/7 for half-overlapping squares?"""
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [20, 20, 30, 30], [5, 0, 15, 10]])
    assert box_iou(a, b)[0].tolist() == pytest.approx([1.0, 0.0, 1 / 3])


def test_two_faces_become_two_tracks():
    """Are two faces moving side by side linked into one track each?"""
    dets = {f: np.array([det(10 + f, 10, 40 + f, 40), det(100 - f, 10, 130 - f, 40)]) for f in range(10)}
    tracks = link_tracks(dets, max_gap=3)
    assert len(tracks) == 2
    assert all(tr.frames == list(range(10)) for tr in tracks)
    assert tracks[0].boxes[-1][0] == 19 and tracks[1].boxes[-1][0] == 91


def test_a_short_gap_is_bridged_and_a_long_gap_splits():
    """Does a face missed for max_gap frames stay one track, and for longer become two?"""
    box = np.array([det(10, 10, 40, 40)])
    bridged = link_tracks({0: box, 4: box}, max_gap=4)
    split = link_tracks({0: box, 5: box}, max_gap=4)
    assert len(bridged) == 1 and len(split) == 2


def test_nearby_box_of_another_size_joins_the_track():
    """Does a detection of another size (from another pass) still join the track?"""
    tracks = link_tracks({0: np.array([det(0, 0, 100, 100)]), 1: np.array([det(40, 40, 60, 60)])}, max_gap=2)
    assert len(tracks) == 1 and tracks[0].frames == [0, 1]


def test_interpolation_is_linear_between_detections():
    """Are boxes between two detections of a track interpolated linearly?"""
    tr = Track()
    tr.add(0, np.array(det(0, 0, 10, 10)))
    tr.add(4, np.array(det(40, 0, 50, 10)))
    boxes = tr.interpolated()
    assert boxes[:, 0].tolist() == [0, 10, 20, 30, 40]


def test_two_passes_in_one_frame_give_their_hull():
    """When two passes report one face in one frame, is their hull used?"""
    tr = Track()
    tr.add(0, np.array(det(0, 0, 10, 10)))
    tr.add(0, np.array(det(2, -2, 12, 8)))
    assert tr.interpolated().tolist() == [[0, -2, 12, 10]]


def test_plan_reaches_window_frames_before_and_after():
    """Is a face found only in frame 10 masked from frame 10 - window to 10 + window?"""
    tracks = link_tracks({10: np.array([det(50, 50, 70, 70)])}, max_gap=5)
    plan = plan_masks(tracks, 30, (200, 200), window=3, enlarge=1.0)
    assert sorted(plan.boxes) == list(range(7, 14))
    assert plan.at(7).tolist() == [[50, 50, 70, 70]]
    assert len(plan.at(6)) == 0 and len(plan.at(14)) == 0


def test_a_face_moving_one_width_per_look_stays_one_track():
    """Is a face that moves its own width between two detections still one track?"""
    dets = {4 * f: np.array([det(10 * f, 0, 10 * f + 10, 10)]) for f in range(4)}
    assert len(link_tracks(dets, max_gap=4)) == 1
    far = {0: np.array([det(0, 0, 10, 10)]), 4: np.array([det(25, 0, 35, 10)])}
    assert len(link_tracks(far, max_gap=4)) == 2


def test_plan_unites_over_the_window_and_enlarges():
    """Does each frame's box hold the face's boxes of neighbouring frames, enlarged?"""
    dets = {f: np.array([det(10 * f, 0, 10 * f + 10, 10)]) for f in range(5)}
    plan = plan_masks(link_tracks(dets, max_gap=2), 5, (1000, 1000), window=1, enlarge=1.0)
    assert plan.at(2).tolist() == [[10, 0, 40, 10]]  # frames 1, 2, 3
    big = plan_masks(link_tracks(dets, max_gap=2), 5, (1000, 1000), window=0, enlarge=2.0)
    assert big.at(2).tolist() == [[15, 0, 35, 15]]  # 20..30 doubled about 25; y clipped at 0


def test_plan_clips_to_the_frame_and_holds_after_the_end():
    """Are boxes clipped to the frame, and frames past the plan given its last boxes?"""
    tracks = link_tracks({0: np.array([det(-5, -5, 20, 20)]), 1: np.array([det(90, 90, 120, 120)])}, max_gap=0)
    plan = plan_masks(tracks, 2, (100, 100), window=0, enlarge=1.0)
    assert plan.at(0).tolist() == [[0, 0, 20, 20]]
    assert plan.at(1).tolist() == [[90, 90, 100, 100]]
    assert plan.at(5).tolist() == plan.at(1).tolist()


def test_empty_plan():
    """Does a clip without detections give an empty plan?"""
    plan = plan_masks(link_tracks({}, max_gap=3), 10, (64, 48), window=2, enlarge=1.5)
    assert isinstance(plan, MaskPlan) and plan.at(3).shape == (0, 4)
