"""The two-pass run: probe → pass 1 (observe) → plan → pass 2 (mask, encode) → rename.

Most tests drive the pipeline with :class:`StandInAnonymiser`, defined here, so
they do not depend on face detection; one test runs the real
:class:`~oefenkit.video.anonymiser.Anonymiser` with the fixed-box fake detector,
and the CLI tests use the real anonymiser with a detector that finds nothing.
"""

from __future__ import annotations

import hashlib
import json
import threading
from fractions import Fraction

import numpy as np
import pytest

from oefenkit import cli
from oefenkit.errors import Cancelled, VideoError
from oefenkit.video import anonymiser as anonymiser_module
from oefenkit.video.anonymiser import MaskingOptions
from oefenkit.video.detect import FixedBoxDetector
from oefenkit.video.encode import EncoderSettings
from oefenkit.video.pipeline import (
    STAGE_LABELS,
    AnonymiseOptions,
    AnonymiseResult,
    anonymise,
    run_passes,
)
from oefenkit.video.review import ReviewReport

from .media import decode_first, frame_times, stream_kinds, vfr_times_ms, write_clip

MAGENTA = (255, 0, 255)


class StandInAnonymiser:
    """Fills a fixed rectangle in every frame and records how it was driven."""

    def __init__(self, box=(40, 30, 120, 90), colour=MAGENTA, *, fail_at=None, on_observe=None):
        self.box, self.colour = box, colour
        self.events: list[tuple] = []
        self.fail_at = fail_at
        self.on_observe = on_observe

    def observe(self, frame_bgr, index, t):
        self.events.append(("observe", index, t, frame_bgr.shape))
        if self.on_observe is not None:
            self.on_observe(index)

    def finish(self):
        self.events.append(("finish",))

    def mask(self, frame_bgr, index, t):
        self.events.append(("mask", index, t, frame_bgr.shape))
        if index == self.fail_at:
            raise VideoError("Maskeren mislukt (test).")
        x1, y1, x2, y2 = self.box
        out = frame_bgr.copy()
        out[y1:y2, x1:x2] = self.colour
        return out

    def review(self):
        return ReviewReport(items=(), n_frames=sum(e[0] == "observe" for e in self.events), n_tracks=0)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_passes_run_in_order_on_upright_frames(tmp_path):
    """Are all frames observed in order, then finish once, then all masked in order, upright, at their times?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(20, seed=4)
    write_clip(src, width=320, height=240, times_ms=times, rotation=90)
    fake = StandInAnonymiser()
    result = run_passes(src, out, fake)
    kinds = [e[0] for e in fake.events]
    assert kinds == ["observe"] * 20 + ["finish"] + ["mask"] * 20
    observed = [e for e in fake.events if e[0] == "observe"]
    masked = [e for e in fake.events if e[0] == "mask"]
    for events in (observed, masked):
        assert [e[1] for e in events] == list(range(20))
        assert [e[2] for e in events] == pytest.approx([t / 1000 for t in times])
        assert {e[3] for e in events} == {(320, 240, 3)}  # portrait: rotation baked in before observe
    assert isinstance(result, AnonymiseResult) and result.frames == 20
    assert result.review.n_frames == 20


def test_masked_pixels_are_what_is_written(tmp_path):
    """Does the output show the stand-in's rectangle where it painted it, with the input's timing?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    times = vfr_times_ms(15, seed=9)
    write_clip(src, times_ms=times)
    run_passes(src, out, StandInAnonymiser(box=(40, 30, 120, 90)))
    frame = decode_first(out, 7)
    assert np.abs(frame[40:80, 50:110].astype(int) - MAGENTA).max() < 25
    assert np.abs(frame[150:200, 200:300].astype(int) - MAGENTA).min() > 40
    assert frame_times(out) == [Fraction(t, 1000) for t in times]


def test_real_anonymiser_masks_a_fixed_box(tmp_path):
    """With the real Anonymiser and a fake detector, is the detected box black in the output?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=15)
    result = anonymise(src, out, detector=FixedBoxDetector([[140, 100, 180, 140]]))
    frame = decode_first(out, 8)
    assert frame[110:130, 150:170].max() < 30  # solid style: black
    assert frame[200:230, 250:300].min() > 20  # background untouched
    assert result.review.n_tracks == 1
    assert result.contact_sheet is not None and result.contact_sheet.ndim == 3


def test_progress_labels_and_fractions(tmp_path):
    """Does progress go 0 → 1 without going back, through the Dutch stage labels in order, ending 'Klaar'?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=30)
    seen = []
    anonymise(src, out, progress=lambda f, label: seen.append((f, label)),
              detector=FixedBoxDetector(np.zeros((0, 4), np.float32)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and seen[-1] == (1.0, "Klaar")
    labels = list(dict.fromkeys(label for _, label in seen))
    assert labels == [STAGE_LABELS[k] for k in ("probe", "detect", "plan", "encode", "done")]
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert len(seen) < 300  # throttled: not a call per frame and stage


@pytest.mark.parametrize("stage", ["pass 1", "pass 2"])
def test_cancel_leaves_no_output_and_input_untouched(tmp_path, stage):
    """Does cancelling in either pass raise Cancelled, write nothing, keep an old output and never touch IN?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=30)
    out.write_bytes(b"old output")
    before = _sha(src)
    stop = threading.Event()
    if stage == "pass 1":
        fake = StandInAnonymiser(on_observe=lambda i: stop.set() if i == 12 else None)
        cancel = stop
    else:
        fake = StandInAnonymiser()

        def cancel():  # a plain callable works as well as an Event: stop at pass 2's sixth frame
            return any(e[0] == "mask" and e[1] == 5 for e in fake.events)

    with pytest.raises(Cancelled) as err:
        run_passes(src, out, fake, cancel=cancel)
    assert "afgebroken" in str(err.value)
    assert out.read_bytes() == b"old output"
    assert _sha(src) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]
    masked = [e[1] for e in fake.events if e[0] == "mask"]
    assert masked == ([] if stage == "pass 1" else list(range(6)))


def test_failure_in_pass_two_leaves_nothing(tmp_path):
    """When masking fails half-way, is the Dutch error passed on and no output file left behind?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=20)
    with pytest.raises(VideoError, match="Maskeren mislukt"):
        run_passes(src, out, StandInAnonymiser(fail_at=10))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_keep_audio_option(tmp_path):
    """Is audio dropped by default and kept (AAC) with AnonymiseOptions(keep_audio=True)?"""
    src = tmp_path / "in.mp4"
    write_clip(src, frames=20, audio=True)
    none = FixedBoxDetector(np.zeros((0, 4), np.float32))
    dropped = anonymise(src, tmp_path / "a.mp4", detector=none)
    kept = anonymise(src, tmp_path / "b.mp4", AnonymiseOptions(keep_audio=True), detector=none)
    assert stream_kinds(tmp_path / "a.mp4") == ["video"] and not dropped.output.has_audio
    assert stream_kinds(tmp_path / "b.mp4") == ["video", "audio"] and kept.output.audio_codec == "aac"


def test_result_timings_and_probe(tmp_path):
    """Does the result carry the output's probe, the frame count and measured times per stage?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    end_ms = write_clip(src, frames=25, rotation=90)
    result = run_passes(src, out, StandInAnonymiser(), settings=EncoderSettings(crf=30))
    assert result.output.path == out.resolve()
    assert (result.output.codec, result.output.pix_fmt) == ("h264", "yuv420p")
    assert (result.output.width, result.output.height, result.output.rotation) == (240, 320, 0)
    assert result.output.frame_count == result.input.frame_count == result.frames == 25
    assert result.output.duration == pytest.approx(end_ms / 1000, abs=1e-6)
    t = result.timings
    assert min(t.decode_s, t.detect_s, t.process_s, t.encode_s) > 0
    assert t.total_s >= t.decode_s + t.detect_s + t.process_s + t.encode_s
    assert result.fps == pytest.approx(25 / t.total_s)


# -- the command line ------------------------------------------------------------------


@pytest.fixture
def no_face_detector(monkeypatch):
    """The real Anonymiser, with a detector that finds nothing instead of CenterFace."""
    monkeypatch.setattr(anonymiser_module, "CenterFaceDetector",
                        lambda **kwargs: FixedBoxDetector(np.zeros((0, 4), np.float32)))


def test_cli_anonymise_with_manual_mask(tmp_path, capsys, no_face_detector):
    """Does `oefenkit anonymise IN OUT --masks M.json` write a clean MP4 with the manual mask, in Dutch?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=20, audio=True)
    masks = tmp_path / "maskers.json"
    masks.write_text(json.dumps({"version": 1, "masks": [
        {"x": 0.5, "y": 0.5, "w": 0.25, "h": 0.25, "start": 0, "end": None, "label": "huisnummer"}]}),
        encoding="utf-8")
    sheet = tmp_path / "vel.png"
    code = cli.main(["anonymise", str(src), str(out), "--masks", str(masks), "--quiet",
                     "--contact-sheet", str(sheet)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "Opgeslagen" in printed and "geluid verwijderd" in printed
    assert stream_kinds(out) == ["video"]
    frame = decode_first(out, 10)
    assert frame[130:170, 170:230].max() < 30  # the manual mask (x 160-240, y 120-180) is black
    assert sheet.stat().st_size > 0


def test_cli_keep_audio_and_mosaic(tmp_path, capsys, no_face_detector):
    """Do --keep-audio and --style mosaic reach the pipeline?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=10, audio=True)
    assert cli.main(["anonymise", str(src), str(out), "--keep-audio", "--style", "mosaic", "--quiet"]) == 0
    assert "geluid behouden" in capsys.readouterr().out
    assert stream_kinds(out) == ["video", "audio"]


def test_cli_errors_are_dutch_and_write_nothing(tmp_path, capsys, no_face_detector):
    """Are a text file, an existing output and a bad --crf one-line Dutch errors with a non-zero exit?"""
    bad = tmp_path / "tekst.mp4"
    bad.write_text("geen video", encoding="utf-8")
    assert cli.main(["anonymise", str(bad), str(tmp_path / "uit.mp4"), "--quiet"]) == 1
    assert "Fout: tekst.mp4 is geen video" in capsys.readouterr().err
    assert not (tmp_path / "uit.mp4").exists()

    src, existing = tmp_path / "in.mp4", tmp_path / "bestaand.mp4"
    write_clip(src, frames=5)
    existing.write_bytes(b"bewaar mij")
    assert cli.main(["anonymise", str(src), str(existing), "--quiet"]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert existing.read_bytes() == b"bewaar mij"
    assert cli.main(["anonymise", str(src), str(existing), "--quiet", "--overwrite"]) == 0
    assert existing.read_bytes()[4:8] == b"ftyp"

    assert cli.main(["anonymise", str(src), str(tmp_path / "x.mp4"), "--crf", "99", "--quiet"]) == 1
    assert "CRF" in capsys.readouterr().err
    assert not (tmp_path / "x.mp4").exists()


def test_masking_options_reach_the_anonymiser(tmp_path):
    """Is AnonymiseOptions.masking (style) used: does mosaic leave a non-black box?"""
    src, out = tmp_path / "in.mp4", tmp_path / "out.mp4"
    write_clip(src, frames=10)
    options = AnonymiseOptions(masking=MaskingOptions(style="mosaic"))
    anonymise(src, out, options, detector=FixedBoxDetector([[0, 0, 120, 90]]))
    frame = decode_first(out, 5)
    # mosaic: coarse blocks averaging the red mark and the grey background, not black
    assert frame[5:40, 5:60].max() > 60
