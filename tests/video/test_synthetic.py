"""The synthetic clip generator and the coverage measures."""

from __future__ import annotations

import av
import numpy as np
import pytest

from oefenkit.video.mask import apply_masks

from .synthetic import (
    FaceSpec,
    default_faces,
    face_sources,
    make_clip,
    masked_share,
    region_mask,
    residual_detail,
    write_clip,
)

SMALL = {"width": 480, "height": 270, "n_frames": 6}


def test_same_seed_same_frames():
    """Does the same seed give the same frames and truth, and another seed another clip?"""
    a, b, c = make_clip(3, **SMALL), make_clip(3, **SMALL), make_clip(4, **SMALL)
    assert np.array_equal(a.frame(5), b.frame(5))
    assert [t.box for t in a.truth(5)] == [t.box for t in b.truth(5)]
    assert not np.array_equal(a.frame(5), c.frame(5))


def test_faces_are_where_the_truth_says():
    """Do the pixels change inside each face polygon, and only near the faces?"""
    faces = (FaceSpec("astronaut", 40, 90, (0, 0, 1, 1)), FaceSpec("grace_hopper", 36, 180, (1, 0, 1, 1)))
    with_faces = make_clip(9, width=320, height=180, n_frames=1, faces=faces, grid=(2, 1))
    empty = make_clip(9, width=320, height=180, n_frames=1, faces=(), grid=(2, 1))
    diff = np.abs(with_faces.frame(0).astype(int) - empty.frame(0).astype(int)).sum(axis=2) > 0
    near = np.zeros_like(diff)
    for truth in with_faces.truth(0):
        region = region_mask(truth, diff.shape)
        assert diff[region].mean() > 0.95
        x1, y1, x2, y2 = map(int, truth.box)
        near[max(0, y1 - 40) : y2 + 40, max(0, x1 - 40) : x2 + 40] = True
    assert not diff[~near].any()


def test_truth_geometry():
    """Is each box the polygon's hull inside the frame, with nominal size and orientation?"""
    clip = make_clip(1, n_frames=40)
    for index in (0, 39):
        for truth, spec in zip(clip.truth(index), clip.faces):
            x1, y1, x2, y2 = truth.box
            assert 0 <= x1 < x2 <= clip.width and 0 <= y1 < y2 <= clip.height
            assert truth.polygon[:, 0].min() == pytest.approx(x1, abs=1e-6)
            assert truth.size == spec.size and truth.source == spec.source
            assert truth.orientation % 45 == 0
    spinner = [f for f in clip.faces if f.spin]
    assert spinner and {t.orientation for i in range(40) for t in clip.truth(i) if t.face == 9} >= {0, 45}


def test_default_faces_cover_every_right_angle_and_small_sizes():
    """Do the benchmark's faces include all right angles, tilts, and sizes from 28 px?"""
    faces = default_faces()
    angles = {f.angle for f in faces}
    assert {0, 90, 180, 270} <= angles and angles - {0, 90, 180, 270}
    assert min(f.size for f in faces) < 36 and sum(f.size == 36 for f in faces) >= 3
    assert {f.source for f in faces} <= set(face_sources())


def test_residual_detail_and_masked_share_on_known_masks():
    """Do both coverage measures read 1 / ≈0 for an untouched / fully masked face, and between for half?"""
    clip = make_clip(2, n_frames=1)
    frame = clip.frame(0)
    for truth in clip.truth(0):
        x1, y1, x2, y2 = (int(np.floor(truth.box[0])), int(np.floor(truth.box[1])),
                          int(np.ceil(truth.box[2])), int(np.ceil(truth.box[3])))
        assert residual_detail(frame, frame, truth) == pytest.approx(1.0)
        full = apply_masks(frame.copy(), np.array([[x1, y1, x2, y2]]))
        assert residual_detail(frame, full, truth) < 0.05  # the box's own edge is all that is left
        assert masked_share(truth, np.array([[x1, y1, x2, y2]]), frame.shape) == 1.0
        half = np.array([[x1, y1, x2, (y1 + y2) // 2]])
        assert 0.1 < residual_detail(frame, apply_masks(frame.copy(), half), truth) < 0.95
        assert 0.3 < masked_share(truth, half, frame.shape) < 0.7


def test_write_clip_round_trip(tmp_path):
    """Does a written clip decode to the same number of frames and size, at high quality (PSNR)?"""
    clip = make_clip(1, **SMALL)
    path = tmp_path / "clip.mp4"
    write_clip(clip, path)
    with av.open(str(path)) as container:
        decoded = [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]
    assert len(decoded) == len(clip)
    assert decoded[0].shape == (270, 480, 3)
    mse = ((decoded[3].astype(float) - clip.frame(3).astype(float)) ** 2).mean()
    assert 10 * np.log10(255**2 / mse) > 32


# -- walking faces (issue 19) ---------------------------------------------------------------------


def test_walking_faces_cover_every_orientation_speed_and_size():
    """Do the five variants of the walking clip give every orientation every speed, and every size
    every speed, with each face walking straight at its own speed?"""
    from .synthetic import WALK_ANGLES, WALK_SIZES, WALK_SPEEDS, walking_faces

    combos = [(f.angle, f.size, abs(f.velocity[0])) for v in range(5) for f in walking_faces(v)]
    assert {(a, s) for a, _, s in combos} == {(a, s) for a in WALK_ANGLES for s in WALK_SPEEDS}
    assert {(z, s) for _, z, s in combos} == {(z, s) for z in WALK_SIZES for s in WALK_SPEEDS}


def test_a_walking_face_enters_leaves_and_passes_behind_the_post():
    """Does a walking face move by its speed, leave the frame (no truth while it is out) and come
    back in, and is a face behind the post absent from the truth while hidden?"""
    from .synthetic import make_walking_clip

    clip = make_walking_clip(0, n_frames=200, width=640, height=360)
    present = {k: [any(t.face == k for t in clip.truth(i)) for i in range(200)] for k in range(6)}
    fast = next(k for k, f in enumerate(clip.faces) if abs(f.velocity[0]) >= 10)
    assert not all(present[fast]) and any(present[fast])  # gone for a while, then back
    a, b = (next(t for t in clip.truth(i) if t.face == fast) for i in (
        next(i for i in range(199) if present[fast][i] and present[fast][i + 1]),) * 2)
    moved = [t for i in range(199) for t in clip.truth(i + 1) if t.face == fast and present[fast][i]]
    assert moved and a.speed == abs(clip.faces[fast].velocity[0])
    hidden_lanes = {1, 4}
    for k in hidden_lanes:  # the post hides the face of these lanes for a while
        truths = [next((t for t in clip.truth(i) if t.face == k), None) for i in range(200)]
        assert any(t is not None and t.hidden for t in truths)
    assert b.box == a.box


def test_walking_faces_are_smeared_along_their_path():
    """Is a walking face blurred along its path (as by the camera's exposure) and a still one not?"""
    from .synthetic import walking_faces

    fast = [f for f in walking_faces(0, width=640, height=360) if abs(f.velocity[0]) >= 10][0]
    walker = make_clip(1, width=640, height=360, n_frames=1, faces=(fast,))
    still = make_clip(1, width=640, height=360, n_frames=1,
                      faces=(FaceSpec(fast.source, fast.size, fast.angle, (0, 0, 4, 3), speed=0.0),))
    # the smeared head has less detail than the still one: compare the strongest gradients
    def sharpness(clip):
        import cv2

        truth = clip.truth(0)[0]
        x1, y1, x2, y2 = map(int, truth.box)
        grey = cv2.cvtColor(clip.frame(0)[y1:y2, x1:x2], cv2.COLOR_BGR2GRAY).astype(float)
        return float(np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean())

    assert sharpness(walker) < 0.8 * sharpness(still)


def test_inner_ssim_tells_a_visible_face_from_a_masked_one():
    """Is the inner-area SSIM 1 for an untouched face, ≥ 0.7 after mild JPEG, and far below 0.7 under a
    solid box or our mosaic over the face box?"""
    import cv2

    from .synthetic import SURVIVES_SSIM, inner_ssim

    clip = make_clip(2, width=640, height=360, n_frames=1)
    frame = clip.frame(0)
    jpeg = cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 70])[1], cv2.IMREAD_COLOR)
    for truth in clip.truth(0):
        if truth.size < 36:
            continue
        box = np.array([truth.box], int)
        assert inner_ssim(frame, frame, truth) == pytest.approx(1.0)
        assert inner_ssim(frame, jpeg, truth) >= SURVIVES_SSIM
        for style in ("solid", "mosaic"):
            assert inner_ssim(frame, apply_masks(frame.copy(), box, style=style), truth) < 0.5 * SURVIVES_SSIM
