"""Issue 13, finding 3: a kernel belongs to the person whose page started it.

Another logged-in person who knows the kernel id gets nothing over REST (GET, DELETE, interrupt,
restart, Voilà's page-close shutdown, the list) or the ``/channels`` websocket: 404 (as for an
unknown id), the kernel keeps running, and the attempt is in the audit log. The owner still works.
"""

from __future__ import annotations

import json

import pytest

from oefenkit.instance import open_kit
from oefenkit.settings import load_settings

from .kernel_client import api, kernel_info_over_websocket, logged_in, open_page

BEHEER = "/voila/render/supervision/beheer.ipynb"
START = "/voila/render/start.ipynb"


def refusals(live_server, kernel_id: str) -> list[dict]:
    kit = open_kit(load_settings(env={"OEFENKIT_DATA_DIR": str(live_server.data_dir)}))
    try:
        coordinator = kit.find_person("coord1")
        return [e for e in kit.list_audit_entries(coordinator, limit=1000)
                if e["action"] == "kernel.access_refused" and e["target"] == kernel_id]
    finally:
        kit.engine.dispose()


@pytest.fixture
def victim(live_server):
    """The coördinator with the Beheer page open: (client, kernel id)."""
    client = logged_in(live_server.base_url, "coord1")
    kernel_id = open_page(client, BEHEER)
    yield client, kernel_id
    api(client, "DELETE", f"/api/kernels/{kernel_id}")


def test_someone_elses_kernel_is_refused_over_rest_and_audited(live_server, victim):
    """Do another person's GET, interrupt, restart, DELETE and page-close shutdown on a coördinator's
    kernel all get 404, leave the kernel running, and end up in the audit log?"""
    owner, kernel_id = victim
    attacker = logged_in(live_server.base_url, "cursist1")
    attempts = [("GET", f"/api/kernels/{kernel_id}"), ("POST", f"/api/kernels/{kernel_id}/interrupt"),
                ("POST", f"/api/kernels/{kernel_id}/restart"), ("DELETE", f"/api/kernels/{kernel_id}"),
                ("POST", f"/voila/api/shutdown/{kernel_id}")]
    for method, path in attempts:
        status, body = api(attacker, method, path)
        assert status in (403, 404), (method, path, status)
        assert kernel_id.encode() not in body
    # the kernel is untouched: its owner still sees it, and it was never restarted
    status, body = api(owner, "GET", f"/api/kernels/{kernel_id}")
    assert status == 200 and json.loads(body)["id"] == kernel_id
    logged = refusals(live_server, kernel_id)
    assert len(logged) == len(attempts)
    assert {e["actor"] for e in logged} == {"cursist1"}
    assert all(e["details"]["owner"] == "coord1" and e["details"]["reason"] == "not the owner" for e in logged)
    assert {e["details"]["method"].split()[0] for e in logged} == {"GET", "POST", "DELETE"}


def test_a_trainer_or_coordinator_gets_no_other_kernel_either(live_server, victim):
    """Is the rule the same for staff: a trainer cannot read a coördinator's kernel?"""
    _, kernel_id = victim
    trainer = logged_in(live_server.base_url, "trainer1")
    assert api(trainer, "GET", f"/api/kernels/{kernel_id}")[0] in (403, 404)


def test_someone_elses_kernel_websocket_is_refused_and_audited(live_server, victim):
    """Does attaching to another person's ``/channels`` websocket fail (no upgrade, no message), audited,
    while the owner's own websocket gets the kernel_info reply?"""
    owner, kernel_id = victim
    attacker = logged_in(live_server.base_url, "cursist1")
    status, received = kernel_info_over_websocket(attacker, kernel_id, timeout=5)
    assert status in (403, 404) and received == []
    [entry] = refusals(live_server, kernel_id)
    assert entry["actor"] == "cursist1" and entry["details"]["method"].startswith("GET ")
    assert entry["details"]["method"].endswith("/channels")
    status, received = kernel_info_over_websocket(owner, kernel_id)
    assert status == 101 and "kernel_info_reply" in received


def test_kernel_list_shows_only_own_kernels(live_server, victim):
    """Does ``/api/kernels`` list the caller's own kernels only, never someone else's id?"""
    _, victim_kernel = victim
    cursist = logged_in(live_server.base_url, "cursist1")
    own = open_page(cursist, START)
    try:
        status, body = api(cursist, "GET", "/api/kernels")
        assert status == 200
        ids = [k["id"] for k in json.loads(body)]
        assert own in ids and victim_kernel not in ids
    finally:
        api(cursist, "DELETE", f"/api/kernels/{own}")


def test_owner_can_stop_own_kernel(live_server):
    """Can the owner still DELETE their own kernel (204), after which it is gone (404)?"""
    cursist = logged_in(live_server.base_url, "cursist1")
    kernel_id = open_page(cursist, START)
    assert api(cursist, "DELETE", f"/api/kernels/{kernel_id}")[0] == 204
    assert api(cursist, "GET", f"/api/kernels/{kernel_id}")[0] == 404


def test_unknown_kernel_id_is_404_and_not_audited(live_server):
    """An id nobody owns: 404, and no audit entry (nothing to protect, nobody to name)."""
    cursist = logged_in(live_server.base_url, "cursist1")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert api(cursist, "GET", f"/api/kernels/{unknown}")[0] == 404
    assert refusals(live_server, unknown) == []


def test_refusal_audit_verb(kit, people):
    """``add_kernel_refusal`` writes one ``kernel.access_refused`` entry naming who tried and whose it was."""
    kit.add_kernel_refusal("cursist1", "k-1", reason="not the owner", method="GET /api/kernels/k-1",
                           owner="coord1")
    [entry] = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "kernel.access_refused"]
    assert entry["actor"] == "cursist1" and entry["target"] == "k-1"
    assert entry["details"]["owner"] == "coord1"
