"""Rendering scripts to clips: the files are H.264 MP4 without metadata, the same script
gives the same bytes, the decoded pictures do what the script says when it says it,
subtitles and the optional voice follow the ``say`` texts, and the manifest check
notices stale clips."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
import yaml

from oefenkit.cli import main
from oefenkit.samples.render import (
    CLIPS_DIR,
    MANIFEST,
    SCRIPTS_DIR,
    SIZE_BUDGET,
    RenderOptions,
    check_clips,
    read_manifest,
    render_all,
    render_case,
)
from oefenkit.samples.scene import Scene
from oefenkit.samples.script import SETTINGS, load_script, load_scripts
from oefenkit.samples.subtitles import webvtt
from oefenkit.samples.voice import find_espeak
from oefenkit.video.probe import probe

DATA = Path(__file__).parent / "data"
REACH = DATA / "test-reach.yaml"
SMALL = RenderOptions(width=320)  # for tests about files and manifests, not pictures


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def decode(path: Path, indices) -> dict[int, np.ndarray]:
    """The decoded BGR frames with the given indices."""
    wanted, frames = set(indices), {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in wanted:
                frames[i] = frame.to_ndarray(format="bgr24")
            if i >= max(wanted):
                break
    return frames


def near(image: np.ndarray, colour, tol: int) -> np.ndarray:
    return np.all(np.abs(image.astype(np.int16) - np.array(colour, np.int16)) <= tol, axis=2)


def box_mask(shape, box, pad: int = 0) -> np.ndarray:
    x1, y1, x2, y2 = box
    m = np.zeros(shape[:2], bool)
    m[max(0, int(y1) - pad):int(np.ceil(y2)) + pad, max(0, int(x1) - pad):int(np.ceil(x2)) + pad] = True
    return m


def only_event(script, **match):
    (ev,) = [e for e in script.events if all(getattr(e, k) == v for k, v in match.items())]
    return ev


@pytest.fixture(scope="module")
def reach_script():
    return load_script(REACH)


@pytest.fixture(scope="module")
def reach_clip(reach_script, tmp_path_factory):
    """The reach test script rendered with the default (shipped) options."""
    return render_case(reach_script, tmp_path_factory.mktemp("reach"))


# -- the file ---------------------------------------------------------------------------------


def test_clip_is_browser_h264_without_metadata(reach_clip):
    """Is the clip a 640×360 H.264/yuv420p MP4 of exactly the script's length, fast start,
    with one video stream and nothing that names the encoder, a date or a time?"""
    info = probe(reach_clip.clip)
    assert (info.codec, info.width, info.height) == ("h264", 640, 360)
    assert info.frame_count == 450 and abs(info.duration - 30.0) < 1 / 15
    assert not info.has_audio
    with av.open(str(reach_clip.clip)) as c:
        assert [s.type for s in c.streams] == ["video"]
        assert c.streams.video[0].codec_context.pix_fmt == "yuv420p"
        assert abs(float(c.streams.video[0].average_rate) - 15) < 1e-9
        assert set(c.metadata) <= {"major_brand", "minor_version", "compatible_brands"}
        assert not {"encoder", "creation_time"} & set(c.streams.video[0].metadata)
    data = reach_clip.clip.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # +faststart
    for banner in (b"Lavf", b"Lavc", b"x264 - core", b"creation_time"):
        assert banner not in data
    assert 20 <= reach_clip.duration <= 120


def test_same_script_gives_identical_bytes(reach_script, reach_clip, tmp_path):
    """Does rendering the same script again give byte-identical clip and subtitles?"""
    again = render_case(reach_script, tmp_path)
    assert again.clip_sha256 == reach_clip.clip_sha256 == sha256(again.clip)
    assert sha256(again.subtitles) == sha256(reach_clip.subtitles)


def test_changed_script_changes_bytes(rendered, tmp_path):
    """Does moving one event (the reach, 6.0 s → 6.5 s) give a different clip?"""
    text = REACH.read_text(encoding="utf-8")
    assert "{t: 6.0, actor: parent" in text
    (tmp_path / "in").mkdir()
    changed = tmp_path / "in" / REACH.name
    changed.write_text(text.replace("{t: 6.0, actor: parent", "{t: 6.5, actor: parent"), encoding="utf-8")
    other = render_case(load_script(changed), tmp_path, SMALL)
    assert other.clip_sha256 != read_manifest(rendered / "clips")["clips"]["test-reach"]["clip_sha256"]


# -- the pictures follow the script ---------------------------------------------------------


def test_hand_reaches_baby_at_scripted_time(reach_script, reach_clip):
    """In the decoded clip, is the parent's hand away from the baby before the reach starts,
    still on its way halfway, and touching the baby at t + duration (± one frame), where the
    scene model says it is?"""
    fps = reach_clip.fps
    reach = only_event(reach_script, action="reach")
    start, arrive = reach.t, reach.t + reach.duration
    before = list(range(0, int(start * fps) + 1, 5)) + [int(start * fps)]
    halfway = [round((start + reach.duration / 2) * fps)]
    touch = [round(arrive * fps) + k for k in (-1, 0, 1)]
    frames = decode(reach_clip.clip, before + halfway + touch)
    scene = Scene(reach_script)
    pal = scene.palette

    def hand_and_gap(i: int) -> tuple[float, float]:
        """(distance of the skin blob nearest the model's hand from the model, gap to the baby) in px."""
        t, img = i / fps, frames[i]
        skin = near(img, pal.parent_skin, 30) & ~box_mask(img.shape, scene.parent_head_box(t))
        n, labels, stats, centres = cv2.connectedComponentsWithStats(skin.astype(np.uint8))
        model = np.array(scene.hand_position(t))
        k = min(range(1, n), key=lambda j: np.hypot(*(centres[j] - model)))
        assert stats[k, cv2.CC_STAT_AREA] >= 0.6 * np.pi * scene.hand_radius ** 2
        baby = near(img, pal.baby_clothes, 22) & box_mask(img.shape, scene.baby_box(t), pad=2)
        assert baby.sum() > 300  # the baby's body is there
        gap = cv2.distanceTransform((~baby).astype(np.uint8), cv2.DIST_L2, 5)[labels == k].min()
        return float(np.hypot(*(centres[k] - model))), float(gap)

    for i in before:
        off, gap = hand_and_gap(i)
        assert off < 2.5 and gap > 20, (i / fps, off, gap)
    for i in halfway:
        off, gap = hand_and_gap(i)
        assert off < 2.5 and gap > 10, (i / fps, off, gap)
    for i in touch:
        off, gap = hand_and_gap(i)
        assert off < 2.5 and gap <= 3, (i / fps, off, gap)


def test_tears_only_while_crying(reach_script, reach_clip):
    """Are tears (their own colour) on the baby's face during the crying event, and nowhere
    in the picture before or after it?"""
    fps = reach_clip.fps
    cry = only_event(reach_script, kind="crying")
    inside = list(range(round((cry.t + 0.2) * fps), round((cry.end - 0.2) * fps), 3))
    outside = [i for i in range(0, round(14 * fps), 3)
               if i / fps < cry.t - 1 / fps or i / fps > cry.end + 1 / fps]
    frames = decode(reach_clip.clip, inside + outside)
    scene = Scene(reach_script)
    for i in inside:
        img = frames[i]
        tears = near(img, scene.palette.tear, 50)
        on_face = tears & box_mask(img.shape, scene.baby_head_box(i / fps), pad=6)
        assert on_face.sum() >= 15, i / fps
        assert on_face.sum() == tears.sum()
    for i in outside:
        assert near(frames[i], scene.palette.tear, 50).sum() == 0, i / fps


@pytest.mark.parametrize("setting", SETTINGS)
def test_hand_touches_baby_in_every_setting(tmp_path, setting):
    """In every setting, does the drawn hand (its skin colour at the model's position) touch
    the baby at the end of the reach, and is it far from the baby before?"""
    data = yaml.safe_load(REACH.read_text(encoding="utf-8"))
    data["code"] = f"test-{setting.replace('_', '-')}"
    data["scene"]["setting"] = setting
    path = tmp_path / f"{data['code']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    script = load_script(path)
    reach = only_event(script, action="reach")
    scene = Scene(script)
    for t, touching in ((reach.t, False), (reach.t + reach.duration, True)):
        img = scene.draw(t)
        x, y = scene.hand_position(t)
        assert near(img[round(y) - 2:round(y) + 3, round(x) - 2:round(x) + 3], scene.palette.parent_skin, 0).all()
        bx1, by1, bx2, by2 = scene.baby_box(t)
        gap = np.hypot(max(bx1 - x, 0, x - bx2), max(by1 - y, 0, y - by2))
        # touching: the hand disc overlaps the baby's outline box; before: clearly apart
        assert (gap < 0.75 * scene.hand_radius) if touching else (gap > 30), (setting, t, gap)


@pytest.mark.parametrize("seed", [8, 17, 401])
def test_partner_stands_apart_and_leaves_the_hands_unique(tmp_path, seed):
    """With ``scene.partner: true`` (gezin M: father V is there), is a second figure drawn at the
    left, away from the parent and the baby, while the parent's hands stay the only discs of the
    parent's skin colour outside the parent's face (what the hand tests rely on)?"""
    data = yaml.safe_load(REACH.read_text(encoding="utf-8"))
    data["code"] = "test-partner"
    data["scene"]["seed"] = seed
    scenes = []
    for partner in (False, True):
        data["scene"]["partner"] = partner
        path = tmp_path / ("with" if partner else "without") / "test-partner.yaml"
        path.parent.mkdir()
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        scenes.append(Scene(load_script(path)))
    alone, together = scenes
    t = 1.0
    img, before = together.draw(t), alone.draw(t)
    changed = np.any(img != before, axis=2)
    ys, xs = np.nonzero(changed)
    assert changed.sum() > 3000  # a whole figure, not a few pixels
    assert xs.max() < together.baby_box(t)[0] and xs.min() < together.parent_head_box(t)[0]
    skin = near(img, together.palette.parent_skin, 30) & ~box_mask(img.shape, together.parent_head_box(t))
    # at most anti-aliased edge pixels, never a blob a hand search could take for a hand
    n, _labels, stats, _centres = cv2.connectedComponentsWithStats((skin & changed).astype(np.uint8))
    assert all(stats[k, cv2.CC_STAT_AREA] < 0.1 * np.pi * together.hand_radius ** 2 for k in range(1, n))


# -- subtitles and voice ----------------------------------------------------------------------


def test_subtitles_follow_the_say_texts(reach_script, reach_clip):
    """Is there a WebVTT cue for every 'say', from its time for at least 2 s, in UTF-8?"""
    text = reach_clip.subtitles.read_text(encoding="utf-8")
    assert text == webvtt(reach_script)
    assert text.startswith("WEBVTT\n")
    assert "00:00:06.000 --> 00:00:08.000\nOch, wat is er? Kom maar." in text  # 1.5 s event, 2 s cue
    assert "00:00:13.000 --> 00:00:16.000\nZo, gaat het weer?" in text


def test_voice_is_skipped_without_espeak(monkeypatch, tmp_path, capsys):
    """Without espeak-ng, does --voice still make the clip, silent, with a Dutch message?"""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    assert main(["samples", "render", str(REACH), "--out", str(out), "--voice"]) == 0
    err = capsys.readouterr().err
    assert "espeak-ng is niet geïnstalleerd" in err
    assert not probe(out / "test-reach.mp4").has_audio
    assert read_manifest(out)["clips"]["test-reach"]["voice"] is False


def test_voice_track_with_espeak(reach_script, tmp_path):
    """With espeak-ng, is there an AAC track that is silent until the first 'say' and speaks then?"""
    assert find_espeak() is not None, "espeak-ng is missing: ./kit test installs Debian's espeak-ng"
    result = render_case(reach_script, tmp_path, RenderOptions(width=320, voice=True))
    assert result.voice and not result.messages
    with av.open(str(result.clip)) as c:
        assert [s.type for s in c.streams] == ["video", "audio"]
        rate = c.streams.audio[0].sample_rate
        assert c.streams.audio[0].codec_context.name == "aac"
        samples = np.concatenate([f.to_ndarray().ravel() for f in c.decode(audio=0)])
    say = only_event(reach_script, action="reach")
    assert np.abs(samples[: int(5 * rate)]).max() < 0.01
    assert np.abs(samples[int(say.t * rate): int((say.t + 1) * rate)]).max() > 0.1
    assert abs(len(samples) / rate - 30) < 0.1
    (tmp_path / "again").mkdir()
    again = render_case(reach_script, tmp_path / "again", RenderOptions(width=320, voice=True))
    assert again.clip_sha256 == result.clip_sha256  # espeak-ng and AAC are reproducible too


# -- manifest and --check ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The reach and play test scripts rendered small, with a manifest."""
    root = tmp_path_factory.mktemp("rendered")
    scripts = root / "scripts"
    scripts.mkdir()
    for name in ("test-reach.yaml", "test-play.yaml"):
        shutil.copy(DATA / name, scripts / name)
    render_all([load_script(p) for p in sorted(scripts.glob("*.yaml"))], root / "clips", SMALL, complete=True)
    return root


@pytest.fixture
def workdir(rendered, tmp_path):
    """A private copy of ``rendered`` to change."""
    shutil.copytree(rendered, tmp_path / "w")
    return tmp_path / "w"


def test_manifest_records_each_clip(rendered):
    """Does manifest.json hold, per case code, the script's and clip's SHA-256, duration, fps and size?"""
    manifest = json.loads((rendered / "clips" / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["clips"]) == ["test-play", "test-reach"]
    entry = manifest["clips"]["test-reach"]
    assert entry["script_sha256"] == sha256(rendered / "scripts" / "test-reach.yaml")
    assert entry["clip_sha256"] == sha256(rendered / "clips" / "test-reach.mp4")
    assert (entry["duration"], entry["fps"], entry["width"], entry["height"]) == (30.0, 15, 320, 180)
    assert manifest["renderer"]["libraries"]["av"] == av.__version__


def test_check_passes_on_fresh_clips(workdir):
    """Does the check render again and find the fresh clip identical and up to date?"""
    assert check_clips([load_script(workdir / "scripts" / "test-reach.yaml")], workdir / "clips", SMALL) == []


def test_check_notices_a_different_rendering(workdir):
    """When the manifest and files agree but rendering gives other bytes (other libraries,
    other renderer), does the check say so?"""
    manifest = workdir / "clips" / MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    clip = workdir / "clips" / "test-reach.mp4"
    clip.write_bytes(clip.read_bytes() + b"\0")  # stands in for bytes from another x264
    data["clips"]["test-reach"]["clip_sha256"] = sha256(clip)
    manifest.write_text(json.dumps(data), encoding="utf-8")
    problems = check_clips([load_script(workdir / "scripts" / "test-reach.yaml")], workdir / "clips", SMALL)
    assert problems == ["test-reach: een nieuwe weergave van het scenario geeft een ander fragment."]


def test_check_notices_a_changed_clip_and_script(workdir):
    """Does the check name a clip whose bytes differ and a script edited since rendering?"""
    clip = workdir / "clips" / "test-reach.mp4"
    clip.write_bytes(clip.read_bytes() + b"\0")
    play = workdir / "scripts" / "test-play.yaml"
    play.write_text(play.read_text(encoding="utf-8").replace("Test: spelen op de mat", "Test: spelen"),
                    encoding="utf-8")
    scripts = [load_script(p) for p in sorted((workdir / "scripts").glob("*.yaml"))]
    problems = check_clips(scripts, workdir / "clips", SMALL, complete=True)
    assert any("test-reach" in p and "veranderd" in p for p in problems), problems
    assert any("test-play" in p and "gewijzigd" in p for p in problems), problems


def test_complete_render_drops_clips_without_script(workdir):
    """When all scripts are rendered, are clips of scripts that no longer exist removed?"""
    render_all([load_script(workdir / "scripts" / "test-reach.yaml")], workdir / "clips", SMALL, complete=True)
    assert sorted(read_manifest(workdir / "clips")["clips"]) == ["test-reach"]
    assert not (workdir / "clips" / "test-play.mp4").exists()
    assert not (workdir / "clips" / "test-play.vtt").exists()


def test_cli_check_fails_in_dutch_when_clips_are_missing(tmp_path, capsys):
    """Does 'samples render --check' exit 1 with a Dutch message when no clip was made?"""
    assert main(["samples", "render", str(REACH), "--out", str(tmp_path), "--check"]) == 1
    err = capsys.readouterr().err
    assert "manifest.json ontbreekt" in err and "niet actueel" in err


# -- the shipped clips ------------------------------------------------------------------------


def test_shipped_clips_match_their_scripts():
    """Is there a clip and a subtitle file for every shipped script, made from the script as it
    is now (manifest SHA-256), of H.264 between 20 and 120 s, and do all clips stay in budget?
    (The bytes are compared with the manifest, not re-rendered: another x264 build gives other
    bytes; `oefenkit samples render --check` re-renders.)"""
    scripts = load_scripts(SCRIPTS_DIR)
    assert len(scripts) >= 24
    entries = read_manifest(CLIPS_DIR)["clips"]
    stale = [s.code for s in scripts
             if s.code not in entries or entries[s.code]["script_sha256"] != s.sha256
             or not (CLIPS_DIR / f"{s.code}.mp4").is_file()
             or sha256(CLIPS_DIR / f"{s.code}.mp4") != entries[s.code]["clip_sha256"]
             or sha256(CLIPS_DIR / f"{s.code}.vtt") != entries[s.code]["subtitles_sha256"]]
    assert not stale, f"run 'oefenkit samples render': out of date: {stale}"
    assert sorted(entries) == sorted(s.code for s in scripts)
    total = 0
    for s in scripts:
        info = probe(CLIPS_DIR / f"{s.code}.mp4")
        assert info.codec == "h264" and 20 <= info.duration <= 120, s.code
        assert abs(info.duration - s.duration) <= 1 / entries[s.code]["fps"], s.code
        total += info.path.stat().st_size
    assert total < SIZE_BUDGET
