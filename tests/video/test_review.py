"""Review aid: flagged frames, samples and the contact sheet."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from oefenkit.errors import VideoError
from oefenkit.video.anonymiser import Anonymiser, MaskingOptions
from oefenkit.video.detect import FixedBoxDetector
from oefenkit.video.review import (
    REASONS,
    ReviewItem,
    build_review,
    contact_sheet,
    write_contact_sheet,
)
from oefenkit.video.track import Track


def track(frames, score=0.9, box=(10, 10, 30, 30)):
    tr = Track()
    for f in frames:
        tr.add(f, np.array([*box, score, 0]))
    return tr


def reasons(report):
    return {(i.reason, i.index) for i in report.flagged}


def test_changes_and_weak_detections_are_flagged():
    """Are appearing, disappearing, weak, gappy and short-lived faces each flagged?"""
    tracks = [
        track(range(10, 40)),  # appears at 10, disappears at 39
        track(range(100), score=0.3),  # whole clip, but weak
        track([0, 1, 2, 20, 21, 22]),  # a long gap 2 → 20
        track([50]),  # found once
    ]
    report = build_review(tracks, {}, 100, fps=25)
    assert reasons(report) == {
        ("appears", 10), ("disappears", 39), ("weak", 0), ("gap", 11), ("disappears", 22), ("short", 50),
    }
    assert report.n_tracks == 4


def test_faces_found_in_the_first_and_last_cycle_are_not_news():
    """Is a face first seen in frame 2 of a 4-frame cycle not flagged as appearing?"""
    tracks = [track(range(2, 98)), track(range(5, 60))]
    report = build_review(tracks, {}, 100, fps=25, edge_frames=4)
    assert reasons(report) == {("appears", 5), ("disappears", 59)}


def test_samples_cover_the_whole_clip():
    """Are sample frames taken every sample_seconds, even with no faces at all?"""
    report = build_review([], [i / 10 for i in range(95)], 95, fps=10, sample_seconds=2.0)
    assert [i.index for i in report.items] == [0, 20, 40, 60, 80]
    assert {i.reason for i in report.items} == {"sample"}
    assert report.items[1].t == pytest.approx(2.0)


def test_flagged_items_are_capped_evenly():
    """Is a long list of flags thinned out evenly to max_flagged?"""
    tracks = [track([f]) for f in range(0, 200, 2)]
    report = build_review(tracks, {}, 200, fps=25, max_flagged=10, sample_seconds=100)
    flagged = [i.index for i in report.flagged]
    assert len(flagged) == 10 and flagged[0] == 0 and flagged[-1] == 198


def test_item_text_is_dutch_with_time_and_score():
    """Does an item read as a Dutch line with the time and the score?"""
    item = ReviewItem(80, 63.25, "weak", (0, 0, 1, 1), 0.34)
    assert item.text == "01:03.2 zwakke detectie (0.34)"
    assert set(REASONS) >= {"appears", "disappears", "weak", "gap", "short", "sample"}


def test_contact_sheet_layout(tmp_path):
    """Are thumbnails laid out in rows with captions, and saved as PNG?"""
    tiles = [(np.full((90, 160, 3), v, np.uint8), f"#{v}") for v in (0, 100, 200)]
    sheet = contact_sheet(tiles, columns=2, tile_width=160)
    assert sheet.shape == (2 * (90 + 20 + 4), 2 * (160 + 4), 3)
    assert (sheet[:90, 164:324] == 100).all()
    path = tmp_path / "contactvel.png"
    write_contact_sheet(path, sheet)
    assert cv2.imread(str(path)).shape == sheet.shape


def test_contact_sheet_refuses_nothing_and_odd_formats(tmp_path):
    """Are an empty sheet and a file type other than PNG/JPEG refused in Dutch?"""
    with pytest.raises(VideoError, match="geen beelden"):
        contact_sheet([])
    with pytest.raises(VideoError, match=".png of .jpg"):
        write_contact_sheet(tmp_path / "vel.gif", np.zeros((4, 4, 3), np.uint8))


def test_anonymiser_review_and_sheet_show_masked_frames():
    """Does the anonymiser list a face that appears, and put the *masked* frame on the sheet?"""
    fake = FixedBoxDetector(lambda n: [[40, 30, 80, 70, 0.9]] if 20 <= n < 40 else [])
    opts = MaskingOptions(rotations=(0,), max_gap=2, window=0, enlarge=1.0)
    anon = Anonymiser(opts, fake, fps=25)
    src = [np.full((120, 160, 3), 200, np.uint8) for _ in range(60)]
    for i, f in enumerate(src):
        anon.observe(f, i, i / 25)
    anon.finish()
    report = anon.review()
    assert reasons(report) == {("appears", 20), ("disappears", 39)}
    assert report.frames() == [0, 20, 39, 50]
    for i, f in enumerate(src):
        anon.mask(f, i, i / 25)
    sheet = anon.contact_sheet(columns=4)
    assert sheet.shape[1] == 4 * (320 + 4)
    thumb = sheet[: 240, 324:644]  # frame 20, scaled 2×
    assert (thumb[60:140, 80:160] < 10).all()  # the mask is visible on the sheet


def test_walking_face_flags_each_gap_and_the_farthest_guessed_frames():
    """Issue 19: does a walking face's review list each filled gap (not only the longest) and the
    farthest frame its mask was carried along its path on both sides, and a still face neither?"""
    from oefenkit.video.track import link_tracks

    seen = [f for f in range(60) if not (10 <= f <= 17 or 30 <= f <= 39)]
    walking = {f: np.array([[100 + 7 * f, 50, 150 + 7 * f, 100, 0.9, 0]]) for f in seen}
    report = build_review(link_tracks(walking, max_gap=12), list(np.arange(80) / 25), 80, fps=25,
                          gap_frames=5, extend=9, sample_seconds=100)
    flagged = [(i.index, i.reason) for i in report.flagged]
    assert (13, "gap") in flagged and (34, "gap") in flagged
    assert (68, "carried") in flagged and not [i for i, r in flagged if r == "carried" and i != 68]
    carried = next(i for i in report.flagged if i.index == 68)
    assert carried.box == (100 + 7 * 68, 50, 150 + 7 * 68, 100)  # where the face will be, not where it was
    assert "geschat" in carried.text
    still = {f: np.array([[100, 50, 150, 100, 0.9, 0]]) for f in range(5, 60)}
    report = build_review(link_tracks(still, max_gap=12), list(np.arange(80) / 25), 80, fps=25, extend=9)
    assert not [i for i in report.flagged if i.reason == "carried"]
