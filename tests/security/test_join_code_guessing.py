"""Join codes cannot be guessed (issue 13, finding 6): wrong codes are limited per person and per client
address, audited, and the limit counts failures only, so a room behind one address still gets in.

Runs on SQLite and PostgreSQL (``kit`` fixture): the count lives in the database (the audit log), so it
holds across kernels and server processes. The page's widget, the kernel's address binding and the
server's binding cell are checked at the end.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from oefenkit import kernel
from oefenkit.certification import load_rules
from oefenkit.errors import NotFound, TooManyAttempts
from oefenkit.identity import SYSTEM
from oefenkit.sessions import JOIN_CODE_ALPHABET, JOIN_FAILURE_LIMIT, JOIN_FAILURE_WINDOW
from oefenkit.settings import PROJECT_ROOT
from oefenkit.storage import models as m

WAIT = "Te veel onjuiste codes. Probeer het over"
ROOM = "192.0.2.50"  # one Wi-Fi address for a whole room (TEST-NET-1)


@pytest.fixture
def session(kit, content, people, samples_loaded):
    """A trainer's open session; (kit, join code, session id)."""
    created = kit.create_session(people["trainer"])
    return kit, created["join_code"], created["id"]


def wrong_codes(code: str, n: int) -> list[str]:
    """``n`` different well-formed codes, none of them ``code``."""
    def shift(k):
        return "".join(JOIN_CODE_ALPHABET[(JOIN_CODE_ALPHABET.index(ch) + k) % len(JOIN_CODE_ALPHABET)] for ch in code)

    return [shift(k) for k in range(1, n + 1)]


def cursist(kit, name: str):
    return kit.add_person(SYSTEM, name, role="cursist", display_name=name.title())


def failures(kit) -> list[m.AuditEntry]:
    with kit.transaction(readonly=True) as s:
        return list(s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "live_session.join_failed")
                              .order_by(m.AuditEntry.id)))


def participants(kit, session_id: int) -> set[int]:
    with kit.transaction(readonly=True) as s:
        return set(s.scalars(select(m.LiveSessionParticipant.person_id)
                             .where(m.LiveSessionParticipant.session_id == session_id)))


def age_failures(kit, by: dt.timedelta) -> None:
    """Let time pass for the limit: move every recorded failure ``by`` into the past."""
    with kit.transaction() as s:
        for entry in s.scalars(select(m.AuditEntry).where(m.AuditEntry.action == "live_session.join_failed")):
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.timezone.utc)
            entry.at = at - by


def test_guessing_stops_after_ten_wrong_codes(session, people):
    """The finding: can a cursist keep guessing codes? After ten wrong codes, is every further attempt —
    even the right code — refused with the Dutch wait message, without the code being tried, and is
    the person not joined?"""
    kit, code, sid = session
    me = people["cursist"]
    guesses = wrong_codes(code, 60)
    outcomes = []
    for guess in guesses:
        try:
            kit.join_session(me, guess)
        except NotFound:
            outcomes.append("wrong")
        except TooManyAttempts as exc:
            outcomes.append("throttled")
            assert str(exc) == "Te veel onjuiste codes. Probeer het over 10 minuten opnieuw."
            assert 540 < exc.retry_after <= 600
    assert outcomes == ["wrong"] * JOIN_FAILURE_LIMIT + ["throttled"] * (60 - JOIN_FAILURE_LIMIT)
    with pytest.raises(TooManyAttempts, match=WAIT):
        kit.join_session(me, code)
    assert me.id not in participants(kit, sid)
    assert len(failures(kit)) == JOIN_FAILURE_LIMIT  # refused attempts are not tried, so not recorded


def test_the_wait_message_tells_the_real_remaining_time_and_the_window_ends(session, people):
    """Does the message count down with the real time left, and does the right code work once the
    failures have left the ten-minute window?"""
    kit, code, sid = session
    me = people["cursist"]
    for guess in wrong_codes(code, JOIN_FAILURE_LIMIT):
        with pytest.raises(NotFound):
            kit.join_session(me, guess)
    age_failures(kit, dt.timedelta(minutes=7))
    with pytest.raises(TooManyAttempts, match=f"{WAIT} 3 minuten opnieuw"):
        kit.join_session(me, code)
    age_failures(kit, dt.timedelta(minutes=2, seconds=30))
    with pytest.raises(TooManyAttempts, match=f"{WAIT} 1 minuut opnieuw"):
        kit.join_session(me, code)
    age_failures(kit, dt.timedelta(seconds=31))  # 10 min 1 s after the failures
    assert kit.join_session(me, code)["already"] is False
    assert me.id in participants(kit, sid)
    assert JOIN_FAILURE_WINDOW == dt.timedelta(minutes=10)


def test_wrong_codes_are_audited_with_the_address(session, people):
    """Is each wrong code an audit entry with the person, the code tried, the reason and the address,
    also for a closed session's code?"""
    kit, code, sid = session
    me = people["cursist"]
    guess = wrong_codes(code, 1)[0]
    with pytest.raises(NotFound):
        kit.join_session(me, guess, address=" 198.51.100.7 ")
    kit.close_session(people["trainer"], sid, rules=load_rules(PROJECT_ROOT / "content"))
    late = cursist(kit, "laatkomer")
    with pytest.raises(Exception, match="afgesloten"):
        kit.join_session(late, code, address="::ffff:198.51.100.8")
    unknown, closed = failures(kit)
    assert (unknown.actor_id, unknown.target) == (me.id, guess)
    assert unknown.details == {"reason": "unknown", "address": "198.51.100.7", "throttle_key": "198.51.100.7"}
    assert (closed.actor_id, closed.target, closed.details["reason"]) == (late.id, code, "closed")
    assert closed.details["address"] == "198.51.100.8"


def test_a_coordinator_reads_the_failures_and_deletion_removes_the_address(session, people):
    """Does a coördinator see the wrong codes in the audit log, is the address in the person's own AVG
    export, and does deleting the person keep the entry but drop the address?"""
    kit, code, sid = session
    me = cursist(kit, "gokker")
    with pytest.raises(NotFound):
        kit.join_session(me, wrong_codes(code, 1)[0], address="198.51.100.9")
    seen = [e for e in kit.list_audit_entries(people["coordinator"]) if e["action"] == "live_session.join_failed"]
    assert [(e["actor"], e["details"]["address"]) for e in seen] == [("gokker", "198.51.100.9")]
    export = kit.export_person(me, "gokker")
    assert any(e["details"].get("address") == "198.51.100.9" for e in export["audit_entries"])
    kit.delete_person(people["coordinator"], "gokker")
    (entry,) = failures(kit)
    assert entry.actor_id is None and "address" not in entry.details and "throttle_key" not in entry.details
    assert "198.51.100.9" not in repr(kit.list_audit_entries(people["coordinator"]))


def test_one_address_is_limited_across_people(session, people):
    """Do ten wrong codes from one address, spread over ten people, stop an eleventh person at that
    address (even with the right code), while the same person gets in from another address?"""
    kit, code, sid = session
    for k, guess in enumerate(wrong_codes(code, JOIN_FAILURE_LIMIT)):
        with pytest.raises(NotFound):
            kit.join_session(cursist(kit, f"gokker{k}"), guess, address="203.0.113.9")
    other = cursist(kit, "buurman")
    with pytest.raises(TooManyAttempts, match=WAIT):
        kit.join_session(other, code, address="203.0.113.9")
    assert kit.join_session(other, code, address="203.0.113.10")["already"] is False


def test_a_room_behind_one_address_gets_in(session, people):
    """Do 30 people behind one Wi-Fi address all join with the right code, after a few wrong codes by
    others in the room (only failures count, never joins)?"""
    kit, code, sid = session
    for k, guess in enumerate(wrong_codes(code, 4)):
        with pytest.raises(NotFound):
            kit.join_session(cursist(kit, f"tikfout{k}"), guess, address=ROOM)
    room = [cursist(kit, f"deelnemer{k:02d}") for k in range(30)]
    for person in room:
        assert kit.join_session(person, code, address=ROOM)["already"] is False
    assert participants(kit, sid) >= {p.id for p in room}
    # A participant who retypes the code is never stopped, even once the address used up its failures.
    for k, guess in enumerate(wrong_codes(code, JOIN_FAILURE_LIMIT)[4:]):
        with pytest.raises(NotFound):
            kit.join_session(cursist(kit, f"gokker{k}"), guess, address=ROOM)
    assert kit.join_session(room[0], code, address=ROOM)["already"] is True


def test_loopback_is_not_one_address_for_everybody(session, people):
    """Behind a local proxy (JupyterHub, or a proxy on the same machine) every page has 127.0.0.1: do
    other people's wrong codes from there leave a new person's join alone (the per-person limit holds)?"""
    kit, code, sid = session
    for k, guess in enumerate(wrong_codes(code, JOIN_FAILURE_LIMIT + 2)):
        with pytest.raises(NotFound):
            kit.join_session(cursist(kit, f"hubgebruiker{k}"), guess, address="127.0.0.1")
    assert kit.join_session(people["cursist"], code, address="127.0.0.1")["already"] is False


def test_parallel_pages_cannot_exceed_the_limit(session, people):
    """Do four pages of one person guessing at the same time (four kernels) get exactly ten codes tried?"""
    kit, code, sid = session
    me = people["cursist"]
    guesses = wrong_codes(code, 28)
    results, errors = [], []
    together = threading.Barrier(4, timeout=60)

    def guess(batch):
        for g in batch:
            together.wait()  # the four pages send each guess at the same moment
            try:
                kit.join_session(me, g, address="198.51.100.20")
            except NotFound:
                results.append("wrong")
            except TooManyAttempts:
                results.append("throttled")
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=guess, args=(guesses[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results.count("wrong") == JOIN_FAILURE_LIMIT and results.count("throttled") == 28 - JOIN_FAILURE_LIMIT
    assert len(failures(kit)) == JOIN_FAILURE_LIMIT


def test_the_page_shows_the_wait_message(session, people):
    """On the participant's page: after ten wrong codes, does the right code show the Dutch wait message
    as an error, with the join box still there and no session attached?"""
    from oefenkit_widgets.session import session_page

    kit, code, sid = session
    page = session_page(kit, people["cursist"], code="", address="192.0.2.77")
    for guess in wrong_codes(code, JOIN_FAILURE_LIMIT):
        page.code.value = guess
        page.join_button.click()
        assert "geen enkele sessie" in page.message.children[0].text
    page.code.value = code
    page.join_button.click()
    notice = page.message.children[0]
    assert notice.text.startswith(WAIT) and "ok-notice-error" in notice._dom_classes
    assert page.session_id is None and page.join_box.layout.display != "none"
    assert {f.details["address"] for f in failures(kit)} == {"192.0.2.77"}


def test_the_server_hands_the_clients_address_to_the_kernel(kit, people, monkeypatch):
    """Does the prelaunch hook put the request's client address into the binding cell as a literal
    (anything that is not an IP address dropped), does bind_person keep it, and does the page use it?"""
    from types import SimpleNamespace

    import nbformat

    from oefenkit.server.hooks import binding_cell, make_prelaunch_hook

    hook = make_prelaunch_hook(kit)
    handler = SimpleNamespace(current_user=SimpleNamespace(username="cursist1"),
                              request=SimpleNamespace(path="/voila/render/training/terugkomdag.ipynb",
                                                      remote_ip="2001:db8::5"),
                              log=SimpleNamespace(warning=lambda *a: None))
    first = hook(handler, nbformat.v4.new_notebook(), ".").cells[0].source
    assert first.endswith("bind_person('cursist1', 'session', '2001:db8::5')")
    forged = binding_cell("cursist1", "session", "1.2.3.4'); import os; ('")
    assert forged.source.endswith("bind_person('cursist1', 'session', None)")

    for name in ("_person", "_app", "_address"):
        monkeypatch.setattr(kernel, name, None)
    monkeypatch.setattr(kernel, "current_kit", lambda: kit)
    kernel.bind_person("cursist1", "session", "2001:db8::5")
    assert kernel.current_address() == "2001:db8::5"
    kernel.bind_person("cursist1", "session", "geen adres")
    assert kernel.current_address() is None
