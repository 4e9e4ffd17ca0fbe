"""The AVG export route ``/oefenkit/export/<username>.json`` against the real server."""

from __future__ import annotations

import json

import pytest

from oefenkit.apps import export_url
from oefenkit.identity import SYSTEM
from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from .live_server import PASSWORD
from .test_server_http import Client

#: This module's own people on the shared server (other tests must not see their data change).
OWNER = "export.cursist"
OTHER = "export.ander"


@pytest.fixture(scope="module")
def rated(live_server):
    """OWNER with one practice rating (scores 3 and 6, a note) stored through the façade; OTHER without."""
    live_server.add_user(OWNER, "cursist", "Export Cursist")
    live_server.add_user(OTHER, "cursist", "Export Ander")
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        case = next(c.code for c in kit.list_cases(SYSTEM) if "oefenen" in c.set_codes)
        kit.add_ratings(kit.find_person(OWNER), case, {"sensitiviteit": 3, "cooperatie": 6},
                        note="Vader <i>wacht</i> op de baby.")
    finally:
        kit.engine.dispose()
    return case


def logged_in(live_server, username: str) -> Client:
    client = Client(live_server.base_url)
    status, _, _ = client.login(username, PASSWORD)
    assert status == 302
    return client


def test_url_shape():
    """Is the export URL the route the server registers?"""
    assert export_url("a.b-c_d") == "/oefenkit/export/a.b-c_d.json"


def test_own_export_is_a_json_download(live_server, rated):
    """Does a cursist download their own data as a JSON attachment with their ratings and no password hash?"""
    status, headers, body = logged_in(live_server, OWNER).request(export_url(OWNER))
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Content-Disposition"] == f'attachment; filename="gegevens-{OWNER}.json"'
    assert "no-store" in headers["Cache-Control"]
    data = json.loads(body)
    assert data["account"]["username"] == OWNER and data["account"]["display_name"] == "Export Cursist"
    assert sorted((r["case"], r["scale"], r["score"]) for r in data["ratings"]) == [
        (rated, "cooperatie", 6), (rated, "sensitiviteit", 3)]
    assert "argon2" not in body and "password_hash" not in body


def test_coordinator_exports_someone_else(live_server, rated):
    """Does a coördinator get another person's export, valid JSON with that person's ratings and note?"""
    status, headers, body = logged_in(live_server, "coord1").request(export_url(OWNER))
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    data = json.loads(body)
    assert data["account"]["username"] == OWNER
    assert {r["score"] for r in data["ratings"]} == {3, 6}
    assert {r["note"] for r in data["ratings"]} == {"Vader <i>wacht</i> op de baby."}
    # the coördinator's export of OTHER has no ratings: the route exports the named person, nobody else
    status, _, other = logged_in(live_server, "coord1").request(export_url(OTHER))
    assert status == 200 and json.loads(other)["ratings"] == []


def test_export_is_audited(live_server, rated):
    """Does an export leave an audit entry naming who exported whom?"""
    logged_in(live_server, "coord1").request(export_url(OTHER))
    kit = open_kit(load_settings(data_dir=live_server.data_dir))
    try:
        entries = kit.list_audit_entries(SYSTEM, limit=50)
    finally:
        kit.engine.dispose()
    assert any(e["action"] == "person.export" and e["target"] == OTHER and e["actor"] == "coord1" for e in entries)


@pytest.mark.parametrize("who", [OTHER, "trainer1"])
def test_others_are_refused(live_server, rated, who):
    """Are a cursist and a trainer refused another person's export (403, no data in the answer)?"""
    status, headers, body = logged_in(live_server, who).request(export_url(OWNER))
    assert status == 403
    assert "Content-Disposition" not in headers
    assert "Vader" not in body and "sensitiviteit" not in body
    assert "eigen gegevens" in body


def test_unknown_person(live_server):
    """Is an unknown user name a 404 for a coördinator, and the same 403 as a real one for a cursist?"""
    assert logged_in(live_server, "coord1").request(export_url("niemand.hier"))[0] == 404
    assert logged_in(live_server, "cursist1").request(export_url("niemand.hier"))[0] == 403


@pytest.mark.parametrize("path", ["/oefenkit/export/..%2Foefenkit.sqlite3.json", "/oefenkit/export/Coord1.json",
                                  "/oefenkit/export/%2Fetc%2Fpasswd.json"])
def test_malformed_names_are_not_found(live_server, path):
    """Is a path that is no user name refused before the core is asked?"""
    status, _, body = logged_in(live_server, "coord1").request(path)
    assert status == 404
    assert "root:" not in body and "SQLite" not in body


def test_visitor_is_sent_to_login(live_server, rated):
    """Does a visitor without a session get a redirect to the login page, not the data?"""
    status, headers, body = Client(live_server.base_url).request(export_url(OWNER))
    assert status == 302 and headers["Location"].startswith("/login")
    assert "Vader" not in body
