"""Content files: the repository's content loads, bad files are refused with a
ContentError that names the file, and loading into the database is idempotent."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from oefenkit.content import Content, load_content, load_into
from oefenkit.errors import ContentError
from oefenkit.identity import SYSTEM
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage.kit import Kit

REPO_CONTENT = PROJECT_ROOT / "content"


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def write(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def scale_file(content_dir: Path) -> Path:
    return content_dir / "scales" / "sensitiviteit.yaml"


def refused(content_dir: Path, *fragments: str) -> str:
    """Load, expect a ContentError, and check the message names the given fragments."""
    with pytest.raises(ContentError) as info:
        load_content(content_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- the repository's content --------------------------------------------------------------------


def test_repository_content_loads():
    """Does the repository's content load, with both programmes and both Ainsworth scales?"""
    content = load_content(REPO_CONTENT)
    assert {p.code for p in content.programmes} == {"babytijd", "ouder-baby"}
    assert {s.code for s in content.scales} == {"sensitiviteit", "cooperatie"}
    assert all(g.programme in {p.code for p in content.programmes} for g in content.sample_groups)


@pytest.mark.parametrize("code", ["sensitiviteit", "cooperatie"])
def test_ainsworth_scales_have_odd_anchors(code):
    """Is each Ainsworth scale 1–9 with Dutch anchors on the odd points (1, 3, 5, 7, 9)?"""
    [scale] = [s for s in load_content(REPO_CONTENT).scales if s.code == code]
    assert (scale.min_score, scale.max_score) == (1, 9)
    assert sorted(scale.definition["anchors"], key=int) == ["1", "3", "5", "7", "9"]
    assert all(text.strip() for text in scale.definition["anchors"].values())
    assert scale.definition["question"].strip().endswith("?")


def test_extra_fields_are_kept_in_the_definition(content_dir):
    """Are fields beyond the required ones (a question, guidance) kept in the scale definition?"""
    data = read(scale_file(content_dir))
    data["toelichting"] = "Let op de eerste minuut."
    write(scale_file(content_dir), data)
    [scale] = [s for s in load_content(content_dir).scales if s.code == "sensitiviteit"]
    assert scale.definition["toelichting"] == "Let op de eerste minuut."
    assert "code" not in scale.definition and "version" not in scale.definition


# -- invalid content ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["code", "version", "name", "min_score", "max_score", "anchors"])
def test_scale_missing_field(content_dir, field):
    """Is a scale file without a required field refused, naming the file and the field?"""
    data = read(scale_file(content_dir))
    del data[field]
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", field)


@pytest.mark.parametrize(
    ("field", "value"),
    [("version", "een"), ("version", 0), ("min_score", True), ("max_score", 9.5), ("name", "  "), ("code", 3)],
)
def test_scale_field_of_wrong_type(content_dir, field, value):
    """Is a scale field with the wrong type or value refused, naming the file?"""
    data = read(scale_file(content_dir))
    data[field] = value
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", field)


def test_scale_min_not_below_max(content_dir):
    """Is a scale whose minimum is not below its maximum refused?"""
    data = read(scale_file(content_dir))
    data["min_score"] = 9
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", "min_score")


@pytest.mark.parametrize("point", [0, 10, "vijf"])
def test_anchor_outside_range(content_dir, point):
    """Is an anchor on a point outside the scale refused, naming the file and the point?"""
    data = read(scale_file(content_dir))
    data["anchors"][point] = "Buiten de schaal."
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", str(point), "tussen 1 en 9")


@pytest.mark.parametrize("extreme", [1, 9])
def test_missing_extreme_anchor(content_dir, extreme):
    """Is a scale without a description of an extreme (1 or 9) refused?"""
    data = read(scale_file(content_dir))
    del data["anchors"][extreme]
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", f"uiterste {extreme}")


def test_empty_anchor_text(content_dir):
    """Is an anchor without a description refused?"""
    data = read(scale_file(content_dir))
    data["anchors"][5] = ""
    write(scale_file(content_dir), data)
    refused(content_dir, "sensitiviteit.yaml", "ankerpunt 5")


def test_duplicate_scale_version_names_both_files(content_dir):
    """Are two files with the same scale code and version refused, naming both files?"""
    shutil.copy(scale_file(content_dir), content_dir / "scales" / "kopie.yaml")
    refused(content_dir, "sensitiviteit.yaml", "kopie.yaml")


def test_no_scales(content_dir):
    """Is content without any scale file refused?"""
    for path in (content_dir / "scales").glob("*.yaml"):
        path.unlink()
    refused(content_dir, "scales")


def test_duplicate_programme_code(content_dir):
    """Is a programme code used twice refused, naming programmes.yaml?"""
    path = content_dir / "programmes.yaml"
    data = read(path)
    data["programmes"].append(dict(data["programmes"][0], name="Nog eens"))
    write(path, data)
    refused(content_dir, "programmes.yaml", "programmacode")


def test_programme_without_name(content_dir):
    """Is a programme without a name refused, saying which programme?"""
    path = content_dir / "programmes.yaml"
    data = read(path)
    del data["programmes"][1]["name"]
    write(path, data)
    refused(content_dir, "programmes.yaml", "programma 2", "name")


def test_unknown_programme_in_sample_group(content_dir):
    """Is a sample group of an unknown programme refused, naming the file and the programme?"""
    path = content_dir / "programmes.yaml"
    data = read(path)
    data["sample_groups"][1]["programme"] = "babytyd"
    write(path, data)
    refused(content_dir, "programmes.yaml", "groep 2", "babytyd")


@pytest.mark.parametrize("name", ["programmes.yaml", "scales/cooperatie.yaml"])
def test_broken_yaml(content_dir, name):
    """Is a file that is not valid YAML refused with a Dutch message naming the file?"""
    (content_dir / name).write_text("code: [niet gesloten\n  naam: : :\n", encoding="utf-8")
    refused(content_dir, Path(name).name, "geen geldige YAML")


@pytest.mark.parametrize("body", ["", "- een\n- lijst\n", "alleen tekst\n"])
def test_yaml_that_is_not_a_mapping(content_dir, body):
    """Is an empty file, or one holding a list or plain text, refused naming the file?"""
    (content_dir / "scales" / "cooperatie.yaml").write_text(body, encoding="utf-8")
    refused(content_dir, "cooperatie.yaml")


def test_missing_programmes_file(content_dir):
    """Is content without programmes.yaml refused, naming the missing file?"""
    (content_dir / "programmes.yaml").unlink()
    refused(content_dir, "programmes.yaml", "ontbreekt")


def test_content_error_exit_code():
    """Does a content error end the CLI with its own exit status?"""
    assert ContentError.exit_code == 4


# -- loading into the database ----------------------------------------------------------------


@pytest.fixture
def empty_kit(database_url):
    """The façade on a migrated database without content."""
    engine = database.make_engine(database_url)
    yield Kit(engine)
    engine.dispose()


def expected_changes(content: Content) -> int:
    return len(content.programmes) + len(content.scales) + len(content.sample_groups)


def test_load_into_is_idempotent(empty_kit):
    """Does a first load create every programme, scale and group, and a second load change nothing?"""
    content = load_content(REPO_CONTENT)
    assert load_into(empty_kit, content) == expected_changes(content)
    snapshot = (empty_kit.list_programmes(), empty_kit.list_scales(),
                [(g.name, g.programme_code) for g in empty_kit.list_groups(SYSTEM)])
    assert load_into(empty_kit, content) == 0
    assert load_into(empty_kit, load_content(REPO_CONTENT)) == 0
    assert snapshot == (empty_kit.list_programmes(), empty_kit.list_scales(),
                        [(g.name, g.programme_code) for g in empty_kit.list_groups(SYSTEM)])


def test_loaded_scale_matches_file(empty_kit):
    """Is the stored scale exactly what the file says (anchors, range, name)?"""
    content = load_content(REPO_CONTENT)
    load_into(empty_kit, content)
    for definition in content.scales:
        stored = empty_kit.find_scale(definition.code, definition.version)
        assert (stored.name, stored.min_score, stored.max_score, stored.definition) == (
            definition.name, definition.min_score, definition.max_score, definition.definition)


def test_changed_anchor_is_one_change(kit, content_dir):
    """After a trainer edits one anchor, does the next load change exactly that scale?"""
    data = read(scale_file(content_dir))
    data["anchors"][5] = "Nieuwe beschrijving van het midden."
    write(scale_file(content_dir), data)
    assert load_into(kit, load_content(content_dir)) == 1
    assert kit.find_scale("sensitiviteit").definition["anchors"]["5"] == "Nieuwe beschrijving van het midden."
    assert load_into(kit, load_content(content_dir)) == 0


def test_new_scale_version_is_added_next_to_old(kit, content_dir):
    """Does a raised version add a new scale row and keep the old version?"""
    data = read(scale_file(content_dir))
    data["version"] = 2
    data["name"] = "Sensitiviteit (herzien)"
    write(content_dir / "scales" / "sensitiviteit-v2.yaml", data)
    assert load_into(kit, load_content(content_dir)) == 1
    assert kit.find_scale("sensitiviteit").name == "Sensitiviteit (herzien)"
    assert kit.find_scale("sensitiviteit", 1).version == 1


def test_overlong_or_odd_scale_code_is_refused_on_load(content_dir):
    """Is a scale code that the database could not store refused with a Dutch ContentError naming the file?"""
    path = content_dir / "scales" / "sensitiviteit.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("code: sensitiviteit", "code: " + "x" * 40),
                    encoding="utf-8")
    with pytest.raises(ContentError, match="sensitiviteit.yaml.*hoogstens 32"):
        load_content(content_dir)
