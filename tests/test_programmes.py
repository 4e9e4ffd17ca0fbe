"""Programme paths as data (issue 17): ``content/programmes/<code>.yaml``, validated at ``init`` and
shown by ``oefenkit programmes list|show``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from oefenkit.content import load_content
from oefenkit.errors import ContentError
from oefenkit.programmes import load_paths

from .live_server import oefenkit_cmd


def show(code: str, tmp_path: Path, content: Path | None = None) -> dict:
    env = {"OEFENKIT_CONTENT_DIR": str(content)} if content else None
    out = oefenkit_cmd(tmp_path / "data", "programmes", "show", code, "--json", env=env).stdout
    return json.loads(out)


def kinds(path: dict) -> dict[str, int]:
    return {r["kind"]: r["count"] for r in path["requirements"] if r["required"]}


def test_babytijd_is_a_registration_after_the_train_de_trainer_without_a_scoring_test(tmp_path):
    """Does ``programmes show babytijd --json`` give the train-de-trainer (attendance, 2 dagdelen) as
    its only required step, no scoring test, the modules only as a recommendation, and a registration
    kept by the terugkomdag every 2 years?"""
    path = show("babytijd", tmp_path)
    assert path["code"] == "babytijd" and path["name"]
    assert kinds(path) == {"attendance": 2}
    assert "scoring_test" not in {r["kind"] for r in path["requirements"]}
    modules = [r for r in path["requirements"] if r["kind"] == "modules"]
    assert len(modules) == 1 and modules[0]["required"] is False and len(modules[0]["modules"]) == modules[0]["count"]
    assert path["validity"] == {"kind": "registration", "refresher": "terugkomdag", "every_years": 2}
    for r in path["requirements"]:
        assert set(r) >= {"code", "kind", "count", "label", "source"} and r["label"] and r["source"]


def test_ouder_baby_needs_training_supervision_cases_and_the_kits_scoring_test(tmp_path):
    """Does the Ouder-baby path ask 2 training days, 2 supervision meetings, 2 national supervisions,
    2 cases and the scoring test, marked as the kit's addition, with a certificate and the intervision
    team and opfriscursus afterwards?"""
    path = show("ouder-baby", tmp_path)
    assert kinds(path) == {"attendance": 2, "supervision": 2, "national_supervision": 2, "cases": 2,
                           "scoring_test": 1}
    test = next(r for r in path["requirements"] if r["kind"] == "scoring_test")
    assert test["kit_addition"] is True
    assert [r["code"] for r in path["requirements"] if r["kit_addition"]] == [test["code"]]
    assert path["validity"]["kind"] == "certificate"
    assert any("intervisie" in a and "vier" in a for a in path["afterwards"])
    assert any("opfriscursus" in a for a in path["afterwards"])


def test_list_and_unknown_programme(tmp_path):
    """Does ``programmes list`` name both paths, and does an unknown code give a Dutch error?"""
    out = oefenkit_cmd(tmp_path / "data", "programmes", "list").stdout
    assert [line.split("\t")[0] for line in out.splitlines()] == ["babytijd", "ouder-baby"]
    done = oefenkit_cmd(tmp_path / "data", "programmes", "show", "geen-programma", check=False)
    assert done.returncode != 0 and "bestaat niet" in done.stderr and "babytijd" in done.stderr


def edit(content: Path, code: str, change) -> None:
    file = content / "programmes" / f"{code}.yaml"
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    change(data)
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_an_organisation_can_switch_off_the_kits_scoring_test(content_dir, tmp_path):
    """Does ``enabled: false`` on the scoring test remove it from the Ouder-baby path, while the
    programme owner's own requirements cannot be switched off?"""
    def off(code):
        def change(data):
            next(r for r in data["requirements"] if r["code"] == code)["enabled"] = False
        return change

    edit(content_dir, "ouder-baby", off("scoringstoets"))
    path = show("ouder-baby", tmp_path, content_dir)
    assert "scoring_test" not in kinds(path) and kinds(path)["cases"] == 2
    assert load_content(content_dir).paths["ouder-baby"].has_scoring_test is False
    edit(content_dir, "ouder-baby", off("casussen"))
    with pytest.raises(ContentError, match=r"casussen.*alleen een eis die de kit zelf toevoegt"):
        load_paths(content_dir)


BROKEN = [
    ("babytijd", lambda d: d["requirements"][0].update(kind="bijwonen"), r"'kind' moet een van attendance"),
    ("babytijd", lambda d: d["requirements"][0].update(count=0), r"'count' moet een heel getal van 1"),
    ("babytijd", lambda d: d["requirements"][0].update(count=True), r"'count' moet een heel getal"),
    ("babytijd", lambda d: d["requirements"][0].update(label=""), r"'label' moet een tekst zijn"),
    ("babytijd", lambda d: d["requirements"][0].pop("source"), r"'source' moet een tekst zijn"),
    ("babytijd", lambda d: d["requirements"][0].update(kleur="rood"), r"onbekend veld 'kleur'"),
    ("babytijd", lambda d: d["requirements"][1]["modules"].append("geen-module"), r"onbekende module 'geen-module'"),
    ("babytijd", lambda d: d["requirements"][1].update(count=7), r"'count' is groter dan het aantal modules"),
    ("babytijd", lambda d: d["requirements"][1].update(code="train-de-trainer"), r"eiscode mag maar één keer"),
    ("babytijd", lambda d: d["requirements"].append(
        {"code": "toets", "kind": "scoring_test", "count": 1, "label": "Toets", "source": "Kit"}),
     r"scoringstoets is een toevoeging van de kit"),
    ("babytijd", lambda d: d["validity"].update(refresher=None), r"registratie heeft een refresher"),
    ("babytijd", lambda d: d["validity"].update(kind="diploma"), r"validity.kind moet registration of certificate"),
    ("ouder-baby", lambda d: d["validity"].update(every_years=2), r"beide ingevuld of beide leeg"),
    ("babytijd", lambda d: d.update(code="ouder-baby"), r"bestandsnaam moet ouder-baby.yaml zijn"),
    ("babytijd", lambda d: d.update(requirements=[]), r"'requirements' moet een lijst"),
    ("babytijd", lambda d: d["requirements"].pop(0), r"geen verplichte eis"),
]


@pytest.mark.parametrize("code, change, message", BROKEN)
def test_a_broken_path_file_gives_a_dutch_error_naming_file_and_field(content_dir, code, change, message):
    """Is each kind of mistake in a path file refused with a Dutch message naming the file?"""
    edit(content_dir, code, change)
    with pytest.raises(ContentError, match=message) as caught:
        load_content(content_dir)
    assert f"programmes/{code}.yaml" in str(caught.value)


def test_every_programme_needs_a_path_and_init_checks_them(content_dir, tmp_path):
    """Does a programme without a path file stop ``oefenkit init`` with a Dutch message, before the
    database is touched?"""
    (content_dir / "programmes" / "babytijd.yaml").unlink()
    with pytest.raises(ContentError, match=r"'babytijd' heeft geen pad"):
        load_content(content_dir)
    done = oefenkit_cmd(tmp_path / "data", "init", check=False, env={"OEFENKIT_CONTENT_DIR": str(content_dir)})
    assert done.returncode != 0 and "heeft geen pad in programmes/babytijd.yaml" in done.stderr
    assert not (tmp_path / "data" / "oefenkit.db").exists()
