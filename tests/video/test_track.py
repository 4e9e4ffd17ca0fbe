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


# -- faces that walk across the frame (issue 19) ----------------------------------------------------

SIZE, SPEED = 50, 7.0  # a 50-px face at walking speed, the case the issue found


def walker(frame: int, x0: float = 0.0) -> list[float]:
    """The true box of a 50-px face walking right at 7 px per frame."""
    x = x0 + SPEED * frame
    return [x, 100.0, x + SIZE, 100.0 + SIZE]


def covered(plan: MaskPlan, frame: int, box: list[float]) -> bool:
    """Is every pixel of ``box`` inside one of the frame's mask boxes?"""
    grid = np.zeros((400, 1400), bool)
    for x1, y1, x2, y2 in plan.at(frame):
        grid[y1:y2, x1:x2] = True
    x1, y1, x2, y2 = (int(np.floor(box[0])), int(np.floor(box[1])), int(np.ceil(box[2])), int(np.ceil(box[3])))
    x1, x2 = max(0, x1), min(1400, x2)
    return x2 <= x1 or bool(grid[y1:y2, x1:x2].all())


def walking_plan(dets: dict, n: int, **kwargs) -> MaskPlan:
    options = {"window": 6, "enlarge": 1.5, "extend": 9, "speed_margin": 1.0} | kwargs
    return plan_masks(link_tracks(dets, max_gap=12), n, (1400, 400), **options)


def test_a_walking_face_missed_for_eleven_frames_stays_one_track_and_covered():
    """Is a walking face that the detector misses for 11 frames (within max_gap) one track, masked in
    every frame between? Before, the track split (the face had moved 84 px, more than its width) and
    the face showed between a box held where it had been and one where it would be."""
    seen = [f for f in range(50) if not 21 <= f <= 31]
    dets = {f: np.array([det(*walker(f))]) for f in seen}
    tracks = link_tracks(dets, max_gap=12)
    assert len(tracks) == 1 and tracks[0].frames == seen
    assert tracks[0].velocity() == pytest.approx([SPEED, 0.0])
    plan = walking_plan(dets, 50)
    assert [f for f in range(50) if not covered(plan, f, walker(f))] == []


def test_the_old_rule_left_the_walking_face_visible():
    """The same detections under the old rule (no prediction: a track matched where it was last
    seen; boxes held, not carried on): some frame of the gap shows the face. This keeps the test
    above honest: its case is one the old rule failed."""
    seen = [f for f in range(50) if not 21 <= f <= 31]
    dets = {f: np.array([det(*walker(f))]) for f in seen}
    tracks = [Track(), Track()]  # the old linking: the detection after the gap started a new track
    for f in seen:
        tracks[f > 31].add(f, np.array(det(*walker(f))))
    for tr in tracks:  # the old plan: end boxes held where they were, not carried on
        tr.velocity = lambda **_: np.zeros(2)  # type: ignore[method-assign]
    held = plan_masks(tracks, 50, (1400, 400), window=6, enlarge=1.5, extend=9)
    assert [f for f in range(21, 32) if not covered(held, f, walker(f))]
    assert len(link_tracks(dets, max_gap=12)) == 1


def test_a_face_entering_the_frame_is_masked_before_it_is_first_found():
    """Is a face walking in from the left masked in the frames before the detector first finds it
    (its box carried back along its path), not only where it was first found?"""
    start = -SIZE  # wholly outside at frame 0, a quarter in at frame 2, wholly in at frame 8
    dets = {f: np.array([det(*walker(f, start))]) for f in range(6, 40)}  # found once 84 % is in
    plan = walking_plan(dets, 40)
    assert [f for f in range(2, 40) if not covered(plan, f, walker(f, start))] == []
    held = walking_plan(dets, 40, drift=0.0, speed_margin=0.0, extend=0, window=0)
    assert not covered(held, 4, walker(4, start))  # without carrying the box back: frame 4 shows


def test_a_face_leaving_and_one_passing_behind_a_post_are_masked():
    """A face walking out of the frame after its last detection, and one hidden behind a post for 16
    frames (longer than max_gap, so two tracks): is every visible frame masked?"""
    # x = 1000 + 7f in a frame 1400 wide: found until 40 % of it is out (frame 54), gone at frame 58
    leaving = {f: np.array([det(*walker(f, 1000))]) for f in range(0, 54)}
    plan = walking_plan(leaving, 60)
    assert [f for f in range(54, 60) if not covered(plan, f, walker(f, 1000))] == []
    post = [f for f in range(60) if not 20 <= f <= 35]
    behind = {f: np.array([det(*walker(f))]) for f in post}
    assert len(link_tracks(behind, max_gap=12)) == 2
    plan = walking_plan(behind, 60)
    assert [f for f in post if not covered(plan, f, walker(f))] == []
    # while hidden, the boxes of both tracks walk on towards each other
    assert covered(plan, 22, walker(22)) and covered(plan, 33, walker(33))


def test_speed_margin_widens_a_moving_face_only():
    """Does ``speed_margin`` widen the boxes of a moving face by its speed, and leave a still one?"""
    moving = {f: np.array([det(*walker(f))]) for f in range(20)}
    still = {f: np.array([det(500, 100, 550, 150)]) for f in range(20)}
    for dets in (moving, still):
        plain = plan_masks(link_tracks(dets, max_gap=12), 20, (1400, 400), window=0, enlarge=1.0)
        wide = plan_masks(link_tracks(dets, max_gap=12), 20, (1400, 400), window=0, enlarge=1.0, speed_margin=1.0)
        grow = (wide.at(10) - plain.at(10))[0].tolist()
        assert grow == ([-7, -7, 7, 7] if dets is moving else [0, 0, 0, 0])
