"""Roles as data (``oefenkit/roles.yaml``): a fourth role from a fixture file works end to end
without a code change, the file is checked with Dutch messages, and the database keeps only roles
the file names.

The fixture adds ``kwaliteit`` (a quality officer who reads the supervision views and the
certificate register, and changes nothing). ``oefenkit init`` adds its row; nothing else is done.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from oefenkit.apps import apps_for
from oefenkit.errors import ContentError, PermissionDenied, ValidationError
from oefenkit.identity import SYSTEM, normalise_role, role_from_hub_groups, role_label
from oefenkit.permissions import AREAS, GRANTABLE, can, roles
from oefenkit.roles import DEFAULT_ROLES_FILE, ROLES_FILE_ENV, load_roles

from .live_server import LiveServer, oefenkit_cmd
from .security.kernel_client import logged_in

FIXTURE = Path(__file__).parent / "fixtures" / "roles-kwaliteit.yaml"
SHIPPED = DEFAULT_ROLES_FILE.read_text(encoding="utf-8")


@pytest.fixture
def kwaliteit_roles(monkeypatch):
    monkeypatch.setenv(ROLES_FILE_ENV, str(FIXTURE))


def officer(id: int = 40):
    from oefenkit.identity import Actor

    return Actor(id=id, username="kim", display_name="Kim", role="kwaliteit")


# -- the fourth role, in the core ---------------------------------------------------------------


def test_the_fourth_role_gets_exactly_what_its_data_gives(kwaliteit_roles):
    kim = officer()
    assert normalise_role("Kwaliteitsmedewerker") == normalise_role("kwaliteitsfunctionaris") == "kwaliteit"
    assert role_label("kwaliteit") == "kwaliteitsmedewerker"
    assert kim.may("view_people") and kim.may("view_certificate_register")
    assert kim.may("read_ratings_of", 7) and kim.may("read_progress_of", 7)  # anyone's, read only
    for action in ("manage_cases", "write_expert_scores", "decide_certification", "manage_people",
                   "lead_live_session", "delete_person_data", "export_person_data"):
        assert not kim.may(action, 7), action
    assert not kim.may("write_rating_for", 7) and kim.may("write_rating_for", 40)  # own only, any role
    assert not kim.is_staff
    areas = {app.area for app in apps_for(kim)}
    assert areas == {"training", "supervision"}
    # under the hub: the coördinator's group still wins, the new group gives the new role
    assert role_from_hub_groups(["oefenkit-kwaliteit"]) == "kwaliteit"
    assert role_from_hub_groups(["oefenkit-kwaliteit", "oefenkit-coordinator"]) == "coordinator"
    assert role_from_hub_groups(["oefenkit-kwaliteit", "oefenkit-trainer"]) == "kwaliteit"


def test_without_the_file_the_fourth_role_is_unknown_and_has_nothing():
    with pytest.raises(ValidationError, match="Onbekende rol"):
        normalise_role("kwaliteit")
    assert not can(officer(), "view_people")
    assert not any(app.area == "supervision" for app in apps_for(officer()))


def test_the_database_holds_the_new_role_once_the_file_names_it(kit, kwaliteit_roles):
    with pytest.raises(IntegrityError):  # no row yet: the database refuses the role
        with kit.engine.begin() as conn:
            conn.execute(text("INSERT INTO person (username, display_name, role, active, created_at) "
                              "VALUES ('x1', 'X', 'kwaliteit', true, CURRENT_TIMESTAMP)"))
    assert kit.sync_roles(roles().codes) == ["kwaliteit"]
    assert kit.sync_roles(roles().codes) == []  # a second init adds nothing
    kim = kit.add_person(SYSTEM, "kim", role="kwaliteitsmedewerker", display_name="Kim")
    assert kim.role == "kwaliteit"
    people = kit.list_people(kim)  # a permission of the new role, through the façade
    assert "kim" in {p["username"] for p in people}
    with pytest.raises(PermissionDenied):
        kit.add_person(kim, "nieuw")  # manage_people is not the new role's


def test_a_role_still_held_cannot_leave_the_file(kit, kwaliteit_roles, monkeypatch):
    kit.sync_roles(roles().codes)
    kit.add_person(SYSTEM, "kim", role="kwaliteit")
    monkeypatch.delenv(ROLES_FILE_ENV)
    with pytest.raises(ContentError, match="kwaliteit.*nog mensen met die rol"):
        kit.sync_roles(roles().codes)
    assert kit.find_person("kim").role == "kwaliteit"  # nothing changed
    kit.update_person_role(SYSTEM, "kim", "cursist")
    assert kit.sync_roles(roles().codes) == []  # now the row goes
    with kit.engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT code FROM role")).scalars()) == ["coordinator", "cursist", "trainer"]


# -- the fourth role, through the CLI and the server ---------------------------------------------


def test_the_fourth_role_through_the_cli_and_the_server(tmp_path):
    env = {ROLES_FILE_ENV: str(FIXTURE)}
    data = tmp_path / "data"
    oefenkit_cmd(data, "init", env=env)
    shown = json.loads(oefenkit_cmd(data, "roles", "--json", env=env).stdout)
    assert [r["code"] for r in shown] == ["cursist", "trainer", "kwaliteit", "coordinator"]
    assert shown[2]["areas"] == ["landing", "supervision", "training"]
    refused = oefenkit_cmd(data, "users", "add", "kim", "--role", "kwaliteit", check=False)  # the shipped file
    assert refused.returncode != 0 and "Onbekende rol" in refused.stderr
    server = LiveServer(data, env=env)
    server.add_user("kim", "kwaliteit", "Kim de Vries")
    listed = oefenkit_cmd(data, "users", "list", env=env).stdout
    assert any(line.startswith("kim ") and "kwaliteitsmedewerker" in line for line in listed.splitlines())
    server.start()
    try:
        client = logged_in(server.base_url, "kim")
        ok, _, _ = client.request("/voila/render/supervision/deelnemers.ipynb")
        refused, _, body = client.request("/voila/render/supervision/beheer.ipynb")
        assert ok == 200
        assert refused == 403 and "niet beschikbaar voor jouw rol" in body
    finally:
        server.stop()


# -- the file is checked -------------------------------------------------------------------------


def _file(tmp_path, text_: str) -> Path:
    path = tmp_path / "roles.yaml"
    path.write_text(text_, encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "message"), [
    (("- read_ratings_of\n", "- read_everything\n"), "onbekend in 'actions': read_everything"),
    (("areas: [landing, training]\n", "areas: [landing, kelder]\n"), "onbekend in 'areas': kelder"),
    (("- write_expert_scores\n", "- write_rating_for\n"), "onbekend in 'actions': write_rating_for"),
    (("    aliases: [supervisor]\n", "    aliases: [supervisor]\n    default: true\n"), "precies één rol"),
    (("    aliases: [supervisor]\n", "    aliases: [deelnemer]\n"), "hoort bij twee rollen"),
    (("  - code: coordinator\n", "  - code: beheerder\n"), "'coordinator' is nodig"),
    (("  - code: trainer\n", "  - code: Trainer!\n"), "'code' is 2 tot 16"),
    (("    label: trainer\n", "    label: trainer\n    kleur: blauw\n"), "onbekend veld 'kleur'"),
    (("    hub_group: oefenkit-trainer\n", "    hub_group: oefenkit-coordinator\n"), "elke JupyterHub-groep"),
    (("    staff: true\n", "    staff: ja\n"), "'staff' is true of false"),
])
def test_a_wrong_roles_file_is_refused_in_dutch(tmp_path, change, message):
    old, new = change
    assert old in SHIPPED
    path = _file(tmp_path, SHIPPED.replace(old, new, 1))
    with pytest.raises(ContentError, match=message) as info:
        load_roles(path, areas=AREAS, actions=GRANTABLE)
    assert "roles.yaml" in str(info.value)


def test_init_stops_on_a_wrong_roles_file_before_the_database(tmp_path):
    path = _file(tmp_path, SHIPPED.replace("- read_ratings_of\n", "- read_everything\n", 1))
    data = tmp_path / "data"
    result = oefenkit_cmd(data, "init", env={ROLES_FILE_ENV: str(path)}, check=False)
    assert result.returncode != 0 and "read_everything" in result.stderr and "Traceback" not in result.stderr
    assert not (data / "oefenkit.sqlite3").exists()
