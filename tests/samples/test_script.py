"""Scenario scripts: the format's own example and our test scripts load; bad scripts are
refused with a Dutch ContentError that names the file and the field."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from oefenkit.errors import ContentError
from oefenkit.samples.script import CaseScript, load_script, load_scripts
from oefenkit.settings import PROJECT_ROOT

DATA = Path(__file__).parent / "data"
FORMAT_DOC = PROJECT_ROOT / "sample_cases" / "SCRIPT_FORMAT.md"


def format_example() -> str:
    """The YAML example in sample_cases/SCRIPT_FORMAT.md, as written there."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    return re.search(r"```yaml\n(.*?)```", text, re.DOTALL).group(1)


def write(tmp_path: Path, data: dict, name: str | None = None) -> Path:
    path = tmp_path / f"{name or data['code']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def script_data() -> dict:
    """A valid script (the reach test script) as a dict to break."""
    return yaml.safe_load((DATA / "test-reach.yaml").read_text(encoding="utf-8"))


def refused(path: Path, *fragments: str) -> str:
    with pytest.raises(ContentError) as info:
        load_script(path)
    message = str(info.value)
    assert path.name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- what loads --------------------------------------------------------------------------------


def test_reading_scripts_does_not_load_opencv_or_pyav():
    """Does a fresh interpreter import oefenkit.samples.script, and load a script, without PyAV or OpenCV?

    ``oefenkit init`` reads the scripts through this module; the drawing and
    encoding libraries are only for ``oefenkit samples render``.
    """
    code = (
        "import json, sys\n"
        "import oefenkit.samples.script as script\n"
        "after_import = sorted(m for m in ('av', 'cv2') if m in sys.modules)\n"
        f"script.load_script({str(DATA / 'test-reach.yaml')!r})\n"
        "after_load = sorted(m for m in ('av', 'cv2') if m in sys.modules)\n"
        "print(json.dumps([after_import, after_load]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1]) == [[], []]



def test_format_example_loads(tmp_path):
    """Does the example in SCRIPT_FORMAT.md load, with its events and experts as written?"""
    path = tmp_path / "obi-bad-01.yaml"
    path.write_text(format_example(), encoding="utf-8")
    script = load_script(path)
    assert isinstance(script, CaseScript)
    assert (script.code, script.programme, script.set, script.duration) == ("obi-bad-01", "ouder-baby", "practice", 48)
    assert (script.scene.setting, script.scene.seed) == ("bathing", 17)
    reach = script.events[2]
    assert (reach.actor, reach.kind, reach.action, reach.t, reach.duration) == ("parent", "prompt", "reach", 4.5, 1.5)
    assert reach.say == "Hé, wat is er? Kom maar."
    assert script.subtitle_span(reach) == (4.5, 6.5)  # at least 2 s on screen
    assert [e.score for e in script.experts["sensitiviteit"]] == [7, 7, 6]
    assert script.consensus == {"sensitiviteit": 7, "cooperatie": 7}


def test_test_scripts_load_sorted():
    """Does load_scripts read every script of a directory, sorted by file name, with a digest?"""
    scripts = load_scripts(DATA)
    assert [s.code for s in scripts] == ["test-feed", "test-play", "test-reach"]
    assert all(len(s.sha256) == 64 for s in scripts)
    assert {s.scene.setting for s in scripts} == {"feeding", "play_mat", "bathing"}


def test_subtitle_is_cut_at_the_end_of_the_clip(tmp_path, script_data):
    """Does a subtitle that would run past the end of the clip stop at the end?"""
    script_data["events"].append({"t": 29.5, "actor": "parent", "kind": "prompt", "action": "talk",
                                  "duration": 0.5, "say": "Dag!"})
    script = load_script(write(tmp_path, script_data))
    assert script.subtitle_span(script.events[-1]) == (29.5, 30.0)


# -- what is refused ---------------------------------------------------------------------------


def test_missing_file_and_directory(tmp_path):
    """Are a missing script and a missing directory refused in Dutch?"""
    with pytest.raises(ContentError, match="ontbreekt"):
        load_script(tmp_path / "nope.yaml")
    with pytest.raises(ContentError, match="bestaat niet"):
        load_scripts(tmp_path / "nope")


def test_invalid_yaml(tmp_path):
    """Is a file that is not YAML refused, naming the file?"""
    path = tmp_path / "kapot.yaml"
    path.write_text("code: [unclosed\n", encoding="utf-8")
    refused(path, "geen geldige YAML")


BAD_FIELDS = [
    (lambda d: d.update(duraton=30), ["onbekend veld 'duraton'"]),
    (lambda d: d.update(duration=20), ["'duration'", "tussen 30 en 90"]),
    (lambda d: d.update(synthetic=False), ["'synthetic'"]),
    (lambda d: d.update(programme="vipp"), ["'programme'", "babytijd, ouder-baby"]),
    (lambda d: d.update(set="toets"), ["'set'", "practice, exam, session"]),
    (lambda d: d["scene"].update(setting="keuken"), ["scene", "'setting'"]),
    (lambda d: d["scene"].update(seed=-1), ["scene", "'seed'"]),
    (lambda d: d.update(events=[]), ["'events'"]),
    (lambda d: d["events"][1].pop("duration"), ["events[2]", "'duration' ontbreekt"]),
    (lambda d: d["events"][1].update(duration=0), ["events[2]", "groter dan 0"]),
    (lambda d: d["events"][1].update(t=28.0), ["events[2]", "na het einde"]),
    (lambda d: d["events"][1].update(t="drie"), ["events[2]", "'t'", "getal"]),
    (lambda d: d["events"][1].update(kind="screaming"), ["events[2]", "'kind'", "crying"]),
    (lambda d: d["events"][1].update(action="reach"), ["events[2]", "geen 'action'"]),
    (lambda d: d["events"][2].pop("action"), ["events[3]", "'action' ontbreekt"]),
    (lambda d: d["events"][2].update(action="dance"), ["events[3]", "'action'", "pick_up"]),
    (lambda d: d["events"][2].update(kind="crying"), ["events[3]", "'kind'", "prompt"]),
    (lambda d: d["events"][2].update(actor="grandma"), ["events[3]", "'actor'"]),
    (lambda d: d["events"][2].update(say=""), ["events[3]", "'say'"]),
    (lambda d: d["events"][2].update(say="a --> b"), ["events[3]", "-->"]),
    (lambda d: d["events"][2].update(tone="kalm"), ["events[3]", "onbekend veld 'tone'"]),
    (lambda d: d["events"][1].update(t=0.5), ["events[2]", "volgorde"]),
    (lambda d: d["vignette"][2].update(t=1), ["vignette[3]", "volgorde"]),
    (lambda d: d["vignette"][0].update(t=31), ["vignette[1]", "buiten het fragment"]),
    (lambda d: d.update(vignette=d["vignette"][:1]), ["'vignette'", "twee regels"]),
    (lambda d: d["experts"]["cooperatie"].pop(), ["experts.cooperatie", "minstens 3"]),
    (lambda d: d["experts"]["cooperatie"][1].update(rater="expert-a"), ["experts.cooperatie", "één score"]),
    (lambda d: d["experts"]["sensitiviteit"][0].update(score=10), ["experts.sensitiviteit[1]", "1 tot en met 9"]),
    (lambda d: d["experts"]["sensitiviteit"][0].update(score=5.5), ["experts.sensitiviteit[1]", "'score'"]),
    (lambda d: d["experts"].pop("cooperatie"), ["experts.cooperatie"]),
    (lambda d: d["consensus"].update(cooperatie=5), ["consensus.cooperatie", "hoort het 4"]),
    (lambda d: d["rationale"].update(sensitiviteit=" "), ["rationale", "'sensitiviteit'"]),
]


@pytest.mark.parametrize("change, fragments", BAD_FIELDS, ids=[" ".join(f) for _, f in BAD_FIELDS])
def test_bad_field_is_named(tmp_path, script_data, change, fragments):
    """Is each kind of mistake refused with a message naming the file and the field?"""
    change(script_data)
    refused(write(tmp_path, script_data), *fragments)


def test_file_name_must_be_the_code(tmp_path, script_data):
    """Must a script be stored as <code>.yaml (the code is also the clip's name)?"""
    refused(write(tmp_path, script_data, name="iets-anders"), "test-reach.yaml")


def test_bad_code(tmp_path, script_data):
    """Is a code with capitals or spaces refused?"""
    script_data["code"] = "Test Reach"
    refused(write(tmp_path, script_data, name="Test Reach"), "kleine letters")


def test_one_bad_script_stops_the_directory(tmp_path, script_data):
    """Does load_scripts refuse the whole directory when one script is wrong, naming that file?"""
    write(tmp_path, script_data)
    script_data["code"] = "test-other"
    script_data["duration"] = 200
    write(tmp_path, script_data)
    with pytest.raises(ContentError, match="test-other.yaml"):
        load_scripts(tmp_path)
