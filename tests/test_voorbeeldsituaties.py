"""Babytijd example situations: one per theme, with prompts and facilitator notes,
validated on load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from oefenkit.content import load_content
from oefenkit.errors import ContentError
from oefenkit.example_situations import SKILL_CODES, load_example_situations
from oefenkit.settings import PROJECT_ROOT

REPO_CONTENT = PROJECT_ROOT / "content"
FILE = REPO_CONTENT / "babytijd" / "voorbeeldsituaties.yaml"

#: The sixteen themes in the programme's fixed order (Babytijd, Tabel 2).
THEMES = {
    1: "Algemene opvoeding", 2: "Motorische ontwikkeling", 3: "Dagritme",
    4: "Cognitieve ontwikkeling en taalontwikkeling", 5: "Hechting", 6: "Sensomotorische ontwikkeling",
    7: "Slapen", 8: "Eenkennigheid en separatieangst", 9: "Huilen", 10: "Veiligheid in en om het huis",
    11: "Voeding", 12: "Opvoeden in meerdere culturen", 13: "Partnerrelatie en ouderschap", 14: "Spelen",
    15: "Mediawijsheid", 16: "Eenzaamheid en postnatale depressie",
}


@pytest.fixture(scope="module")
def situations():
    return load_content(REPO_CONTENT).voorbeeldsituaties


@pytest.fixture
def copy(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(REPO_CONTENT, target)
    return target / "babytijd" / "voorbeeldsituaties.yaml"


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def refused(path: Path, *fragments: str) -> str:
    with pytest.raises(ContentError) as info:
        load_content(path.parent.parent)
    message = str(info.value)
    assert "voorbeeldsituaties.yaml" in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


def situation(data: dict, theme: int) -> dict:
    return next(s for s in data["situations"] if s["theme"] == theme)


# -- the repository's file ---------------------------------------------------------------------


def test_sixteen_themes_in_order(situations):
    """Is there exactly one situation per theme, numbered 1–16, with the programme's theme titles?"""
    assert [s.theme for s in situations] == list(range(1, 17))
    assert {s.theme: s.title for s in situations} == THEMES


def test_skills_follow_the_programme_table(situations):
    """Is each theme's central skill the one the programme assigns (Tabel 1: four themes per skill, in turn)?"""
    for s in situations:
        assert s.skill == SKILL_CODES[(s.theme - 1) % 4], s.theme


def test_every_situation_is_complete(situations):
    """Has each situation a scene, 2–4 prompts inviting the group, facilitator notes and an activity?"""
    for s in situations:
        assert len(s.situation) > 120, s.theme
        assert 2 <= len(s.prompts) <= 4 and all(p.endswith("?") for p in s.prompts), s.theme
        assert "zouden jullie" in s.prompts[0].lower(), s.theme
        assert len(s.skill_focus) > 60 and len(s.discussion) >= 2, s.theme
        assert s.activity, s.theme


def test_situations_are_own_scenes(situations):
    """Are the scenes new (not the source's own sleep example) and each theme's scene different?"""
    texts = [s.situation for s in situations]
    assert len(set(texts)) == 16
    assert not any("Lars" in t or "Lilian" in t for t in texts)


def test_skills_are_listed_with_names():
    """Does the file list the four skills with Dutch names?"""
    skills, _ = load_example_situations(FILE)
    assert sorted(s.code for s in skills) == sorted(SKILL_CODES)
    assert {s.code: s.name for s in skills}["autonomie"] == "Autonomie respecteren"


def test_as_dict_round_trip(situations):
    """Does as_dict give the file's structure back (for the apps)?"""
    first = situations[0].as_dict()
    assert set(first) == {"theme", "title", "skill", "activity", "situation", "prompts", "facilitator"}
    assert set(first["facilitator"]) == {"skill_focus", "discussion"}


# -- broken files -------------------------------------------------------------------------------


def test_missing_theme(copy):
    """Is a file without theme 9 refused, naming the missing theme?"""
    edit(copy, lambda d: d["situations"].remove(situation(d, 9)))
    refused(copy, "thema 9", "16")


def test_duplicate_theme(copy):
    """Is a theme with two situations refused?"""
    edit(copy, lambda d: situation(d, 4).update(theme=3))
    refused(copy, "thema 3", "twee")


@pytest.mark.parametrize("theme", [0, 17, "drie", True])
def test_theme_number_out_of_range(copy, theme):
    """Is a theme number outside 1–16 refused?"""
    edit(copy, lambda d: situation(d, 16).update(theme=theme))
    refused(copy, "'theme'", "1 tot en met 16")


@pytest.mark.parametrize("field", ["title", "skill", "situation", "prompts", "facilitator"])
def test_missing_field(copy, field):
    """Is a situation without a required field refused, naming the theme and the field?"""
    edit(copy, lambda d: situation(d, 5).pop(field))
    refused(copy, "thema 5", f"'{field}'")


@pytest.mark.parametrize("field", ["skill_focus", "discussion"])
def test_missing_facilitator_note(copy, field):
    """Is a facilitator note without its skill focus or discussion points refused?"""
    edit(copy, lambda d: situation(d, 12)["facilitator"].pop(field))
    refused(copy, "thema 12", "'facilitator'", f"'{field}'")


@pytest.mark.parametrize("prompts", [["Wat zouden jullie doen?"], ["a?", "b?", "c?", "d?", "e?"], "Wat doen jullie?"])
def test_wrong_number_of_prompts(copy, prompts):
    """Are fewer than 2 or more than 4 prompts (or a single text) refused?"""
    edit(copy, lambda d: situation(d, 1).update(prompts=prompts))
    refused(copy, "thema 1", "'prompts'")


def test_unknown_skill(copy):
    """Is a skill that is not one of the four refused?"""
    edit(copy, lambda d: situation(d, 2).update(skill="geduld"))
    refused(copy, "thema 2", "'skill'", "geduld")


def test_unknown_field(copy):
    """Is a misspelt field refused rather than ignored?"""
    edit(copy, lambda d: situation(d, 7).update(promts=["Wat zouden jullie doen?"]))
    refused(copy, "thema 7", "promts")


def test_skills_list_incomplete(copy):
    """Is a skills list without one of the four skills refused?"""
    edit(copy, lambda d: d["skills"].pop())
    refused(copy, "'skills'")


def test_missing_or_broken_file(copy):
    """Is a missing file or broken YAML refused with a Dutch message?"""
    copy.write_text("situations: [\n", encoding="utf-8")
    refused(copy, "geen geldige YAML")
    copy.unlink()
    with pytest.raises(ContentError, match="ontbreekt"):
        load_content(copy.parent.parent)
