"""The Ainsworth scale definitions as data: anchors, guidance for the even points,
components and example behaviour, and the errors for broken scale files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from oefenkit.content import load_content, load_into
from oefenkit.errors import ContentError
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import database
from oefenkit.storage.kit import Kit

REPO_CONTENT = PROJECT_ROOT / "content"
COMPONENTS = {
    "sensitiviteit": ["opmerken", "interpreteren", "passend-reageren", "snel-reageren"],
    "cooperatie": ["bezigheid-respecteren", "timing", "lichamelijke-inmenging", "keuze-geven"],
}


def scale(code: str, content_dir: Path = REPO_CONTENT):
    [found] = [s for s in load_content(content_dir).scales if s.code == code]
    return found


def edit(content_dir: Path, code: str, change) -> None:
    path = content_dir / "scales" / f"{code}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def refused(content_dir: Path, *fragments: str) -> str:
    with pytest.raises(ContentError) as info:
        load_content(content_dir)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, message
    return message


# -- the repository's scales ------------------------------------------------------------------


@pytest.mark.parametrize("code", COMPONENTS)
def test_anchors_and_even_point_guidance(code):
    """Does each scale describe the anchors 1, 3, 5, 7, 9 and give guidance for 2, 4, 6, 8?"""
    definition = scale(code).definition
    assert sorted(definition["anchors"], key=int) == ["1", "3", "5", "7", "9"]
    assert sorted(definition["between_anchors"], key=int) == ["2", "4", "6", "8"]
    for point, text in definition["between_anchors"].items():
        p = int(point)
        assert f"Tussen {p - 1} en {p + 1}" in text, (code, point)
        assert f"kies {p}" in text, (code, point)


@pytest.mark.parametrize("code", COMPONENTS)
def test_components(code):
    """Does each scale name its four components, each with a question and what high and low look like?"""
    components = scale(code).definition["components"]
    assert [c["code"] for c in components] == COMPONENTS[code]
    for c in components:
        assert c["question"].endswith("?")
        assert c["name"] and len(c["high"]) > 30 and len(c["low"]) > 30


def test_sensitivity_components_are_the_four_of_ainsworth():
    """Are the sensitivity components noticing, interpreting, responding appropriately and promptly?"""
    names = [c["name"] for c in scale("sensitiviteit").definition["components"]]
    assert names == ["Opmerken", "Juist interpreteren", "Passend reageren", "Snel reageren"]


@pytest.mark.parametrize("code", COMPONENTS)
def test_example_behaviour_per_anchor(code):
    """Is there at least one example of observable behaviour for every anchor point?"""
    examples = scale(code).definition["examples"]
    assert sorted(examples, key=int) == ["1", "3", "5", "7", "9"]
    assert all(items and all(len(e) > 20 for e in items) for items in examples.values())


@pytest.mark.parametrize("code", COMPONENTS)
def test_versioned_and_scoring_notes(code):
    """Is the scale still version 1 (same meaning, more guidance) with notes on how to score?"""
    sc = scale(code)
    assert sc.version == 1
    assert "Geef één score" in sc.definition["scoring_notes"]


def test_definition_survives_the_database(database_url):
    """Is the stored definition (point keys as text) equal to the file, so a second load changes nothing?"""
    engine = database.make_engine(database_url)
    kit = Kit(engine)
    content = load_content(REPO_CONTENT)
    load_into(kit, content)
    for sc in content.scales:
        assert kit.find_scale(sc.code, sc.version).definition == sc.definition
    assert load_into(kit, content) == 0
    engine.dispose()


# -- broken scale files ----------------------------------------------------------------------


@pytest.mark.parametrize("point", [3, 5, 7])
def test_missing_middle_anchor(content_dir, point):
    """Is a scale without a description of an inner anchor refused, naming the file, field and point?"""
    edit(content_dir, "cooperatie", lambda d: d["anchors"].pop(point))
    refused(content_dir, "cooperatie.yaml", "'anchors'", f"ankerpunt {point}")


def test_anchor_on_an_even_point(content_dir):
    """Is an anchor description on an even point refused, pointing to between_anchors?"""
    edit(content_dir, "sensitiviteit", lambda d: d["anchors"].update({4: "Tussenin."}))
    refused(content_dir, "sensitiviteit.yaml", "tussenpunt", "'between_anchors'")


@pytest.mark.parametrize("field", ["between_anchors", "components", "examples"])
@pytest.mark.parametrize("code", COMPONENTS)
def test_missing_field(content_dir, code, field):
    """Is a scale without even-point guidance, components or examples refused, naming file and field?"""
    edit(content_dir, code, lambda d: d.pop(field))
    refused(content_dir, f"{code}.yaml", f"'{field}'", "ontbreekt")


@pytest.mark.parametrize("point", [2, 4, 6, 8])
def test_missing_even_point_guidance(content_dir, point):
    """Is guidance missing for one even point refused, naming the point?"""
    edit(content_dir, "sensitiviteit", lambda d: d["between_anchors"].pop(point))
    refused(content_dir, "sensitiviteit.yaml", "'between_anchors'", f"punt {point}")


@pytest.mark.parametrize("point", [3, 0, "zes"])
def test_even_point_guidance_on_a_wrong_point(content_dir, point):
    """Is guidance on an anchor point or outside the scale refused?"""
    edit(content_dir, "sensitiviteit", lambda d: d["between_anchors"].update({point: "Verkeerd punt."}))
    refused(content_dir, "sensitiviteit.yaml", "'between_anchors'", repr(point), "2, 4, 6, 8")


def test_empty_even_point_guidance(content_dir):
    """Is an empty guidance text refused?"""
    edit(content_dir, "cooperatie", lambda d: d["between_anchors"].update({6: " "}))
    refused(content_dir, "cooperatie.yaml", "'between_anchors'", "punt 6", "geen tekst")


@pytest.mark.parametrize("field", ["code", "name", "question", "high", "low"])
def test_component_missing_field(content_dir, field):
    """Is a component without one of its fields refused, naming the component and the field?"""
    edit(content_dir, "sensitiviteit", lambda d: d["components"][1].pop(field))
    refused(content_dir, "sensitiviteit.yaml", "onderdeel 2", f"'{field}'")


def test_component_with_unknown_field_or_duplicate_code(content_dir):
    """Are an unknown component field and a duplicated component code refused?"""
    edit(content_dir, "cooperatie", lambda d: d["components"][0].update(uitleg="extra"))
    refused(content_dir, "cooperatie.yaml", "onderdeel 1", "uitleg")
    edit(content_dir, "cooperatie", lambda d: (d["components"][0].pop("uitleg"),
                                               d["components"][1].update(code=d["components"][0]["code"])))
    refused(content_dir, "cooperatie.yaml", "onderdeel 2", "twee keer")


def test_components_must_be_a_list(content_dir):
    """Is a components field that is not a list refused?"""
    edit(content_dir, "sensitiviteit", lambda d: d.update(components={"opmerken": "Ziet de ouder het?"}))
    refused(content_dir, "sensitiviteit.yaml", "'components'")


@pytest.mark.parametrize("value", [[], [""], 5])
def test_examples_must_be_texts(content_dir, value):
    """Are examples that are empty or not texts refused, naming the anchor point?"""
    edit(content_dir, "sensitiviteit", lambda d: d["examples"].update({7: value}))
    refused(content_dir, "sensitiviteit.yaml", "'examples'", "punt 7")


def test_examples_missing_for_an_anchor(content_dir):
    """Is an anchor point without examples refused?"""
    edit(content_dir, "cooperatie", lambda d: d["examples"].pop(1))
    refused(content_dir, "cooperatie.yaml", "'examples'", "ankerpunt 1")


def test_scale_with_odd_number_of_points_is_refused(content_dir):
    """Is a 1–8 scale refused, since anchors sit on every second point from the minimum to the maximum?"""
    edit(content_dir, "cooperatie", lambda d: (d.update(max_score=8), d["anchors"].pop(9),
                                               d["anchors"].update({8: "Top."})))
    refused(content_dir, "cooperatie.yaml", "'min_score'", "'max_score'")
