"""Masking styles and the manual-mask JSON file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oefenkit.errors import VideoError
from oefenkit.video.mask import (
    ManualMask,
    apply_masks,
    dump_manual_masks,
    load_manual_masks,
    manual_boxes,
    parse_manual_masks,
)


@pytest.fixture
def noise():
    return np.random.default_rng(1).integers(0, 256, (60, 80, 3), dtype=np.uint8)


def test_solid_paints_only_inside_the_boxes(noise):
    """Is every pixel inside a box black and every pixel outside untouched?"""
    original = noise.copy()
    apply_masks(noise, np.array([[10, 5, 30, 25], [70, 50, 120, 90]]))
    inside = np.zeros(noise.shape[:2], bool)
    inside[5:25, 10:30] = True
    inside[50:60, 70:80] = True  # the second box is clipped to the frame
    assert (noise[inside] == 0).all()
    assert (noise[~inside] == original[~inside]).all()


def test_mosaic_leaves_only_coarse_blocks(noise):
    """Does the mosaic replace a box by at most cells × cells flat blocks of mean colour?"""
    original = noise.copy()
    apply_masks(noise, np.array([[0, 0, 40, 40]]), "mosaic", cells=4)
    roi = noise[:40, :40]
    blocks = roi.reshape(4, 10, 4, 10, 3)
    assert (blocks == blocks[:, :1, :, :1]).all()  # each 10×10 block is flat
    assert len(np.unique(roi.reshape(-1, 3), axis=0)) <= 16
    means = original[:40, :40].reshape(4, 10, 4, 10, 3).mean(axis=(1, 3))
    assert np.abs(blocks[:, 0, :, 0].astype(float) - means).max() <= 1.0
    assert (noise[40:] == original[40:]).all()


def test_unknown_style_is_refused(noise):
    """Is a style other than solid or mosaic (e.g. a light blur) refused in Dutch?"""
    with pytest.raises(VideoError, match="maskerstijl"):
        apply_masks(noise, np.array([[0, 0, 5, 5]]), "blur")


def test_manual_mask_pixels_round_outwards():
    """Are fractions turned into pixels so that the mask never shrinks?"""
    m = ManualMask(0.101, 0.2, 0.3, 0.399)
    assert m.pixels(100, 50) == (10, 10, 41, 30)
    assert ManualMask(0.5, 0.5, 0.5, 0.5).pixels(9, 9) == (4, 4, 9, 9)


def test_manual_mask_time_range_is_inclusive():
    """Is a mask on at its start and end time, and until the end when end is None?"""
    m = ManualMask(0, 0, 0.1, 0.1, start=1.0, end=2.0)
    assert [m.active(t) for t in (0.99, 1.0, 2.0, 2.01)] == [False, True, True, False]
    assert ManualMask(0, 0, 0.1, 0.1, start=3.0).active(1e6)


def test_manual_boxes_at_a_time():
    """Are only the masks active at t returned, in pixels of the given frame?"""
    masks = (ManualMask(0, 0, 0.5, 0.5, 0, 1), ManualMask(0.5, 0.5, 0.5, 0.5, 2, None))
    assert manual_boxes(masks, 0.5, 100, 100).tolist() == [[0, 0, 50, 50]]
    assert manual_boxes(masks, 1.5, 100, 100).shape == (0, 4)


def test_mask_file_round_trip(tmp_path):
    """Does a file written in the documented format load back to the same masks?"""
    masks = (
        ManualMask(0.1, 0.05, 0.2, 0.3, 1.5, 4.0, "naam op brief"),
        ManualMask(0.7, 0.6, 0.1, 0.1, 0.0, None, "huisnummer"),
    )
    path = tmp_path / "maskers.json"
    path.write_text(dump_manual_masks(masks), encoding="utf-8")
    assert load_manual_masks(path) == masks


def test_documented_example_loads(tmp_path):
    """Does the example in the module docstring load?"""
    from oefenkit.video import mask

    text = mask.__doc__.split("as UTF-8 JSON::")[1].split("* ``x``")[0]
    path = tmp_path / "voorbeeld.json"
    path.write_text(text, encoding="utf-8")
    assert [m.label for m in load_manual_masks(path)] == ["naam op brief", "huisnummer"]


def _one(**changes):
    item = {"x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2, "start": 0, "end": 1}
    item.update(changes)
    return {"version": 1, "masks": [{"x": 0, "y": 0, "w": 1, "h": 1, "start": 0, "end": None}, item]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON-object"),
        ({"version": 2, "masks": []}, "versie 2"),
        ({"version": True, "masks": []}, "versie"),
        ({"version": 1}, "'masks'"),
        ({"version": 1, "masks": [], "extra": 1}, "onbekend veld"),
        ({"version": 1, "masks": [3]}, "Masker 1 moet een JSON-object"),
        (_one(x=None), "Masker 2: 'x' moet een getal"),
        (_one(w=True), "Masker 2: 'w' moet een getal"),
        (_one(y=1.5), "Masker 2: 'y' moet tussen 0 en 1"),
        (_one(h=0), "groter dan 0"),
        (_one(x=0.9, w=0.2), "buiten het beeld"),
        (_one(start=-1), "negatief"),
        (_one(start=3, end=2), "vóór 'start'"),
        (_one(label=5), "'label' moet tekst"),
        (_one(label="x" * 201), "langer dan 200"),
        (_one(colour="zwart"), "onbekend veld 'colour'"),
        (_one(x=float("nan")), "getal"),
    ],
)
def test_invalid_mask_data_is_refused_in_dutch(data, message):
    """Is every broken rule refused with a Dutch message that names the mask?"""
    with pytest.raises(VideoError, match=message):
        parse_manual_masks(data)


def test_missing_key_is_named():
    """Does a mask without 'start' say so?"""
    data = _one()
    del data["masks"][1]["start"]
    with pytest.raises(VideoError, match="Masker 2: 'start' ontbreekt"):
        parse_manual_masks(data)


def test_unreadable_files_are_refused_in_dutch(tmp_path):
    """Are a missing file, broken JSON and non-UTF-8 bytes refused with a Dutch message?"""
    with pytest.raises(VideoError, match="bestaat niet"):
        load_manual_masks(tmp_path / "geen.json")
    bad = tmp_path / "kapot.json"
    bad.write_text('{"version": 1,\n "masks": [', encoding="utf-8")
    with pytest.raises(VideoError, match="geen geldige JSON \\(regel 2\\)"):
        load_manual_masks(bad)
    latin = tmp_path / "latin.json"
    latin.write_bytes(json.dumps({"version": 1, "masks": []}).encode()[:-1] + b"\xe9}")
    with pytest.raises(VideoError, match="UTF-8"):
        load_manual_masks(latin)
