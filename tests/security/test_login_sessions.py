"""Revocable login sessions (issue 13, finding 4), in the core on SQLite and PostgreSQL.

The cookie carries a random session id; the database keeps only its hash. These tests use the
façade directly with a clock of their own; ``test_session_cookies.py`` does the same through a
running server with a copied cookie.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from oefenkit.errors import NotFound, PermissionDenied
from oefenkit.identity import SYSTEM
from oefenkit.storage import models as m


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self):
        return self.now


@pytest.fixture
def clock(kit):
    c = Clock()
    kit.logins.login_clock = c
    return c


def _rows(kit):
    with kit.transaction(readonly=True) as s:
        return list(s.scalars(select(m.LoginSession).order_by(m.LoginSession.id)))


def test_only_a_hash_of_the_session_id_is_stored(kit, people, clock):
    """Does the database hold the SHA-256 of the cookie's id, never the id itself, plus who, when
    and which browser?"""
    token = kit.add_login_session("cursist1", user_agent="Firefox " + "x" * 500, address="10.0.0.7")
    assert len(token) >= 40
    [row] = _rows(kit)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert row.person_id == people["cursist"].id and row.address == "10.0.0.7"
    assert row.user_agent.startswith("Firefox") and len(row.user_agent) == 200
    info = kit.find_login_session(token)
    assert info.actor.username == "cursist1" and info.session_id == row.id
    with pytest.raises(NotFound):
        kit.find_login_session(row.token_hash)  # the stored hash is not a cookie


def test_logout_ends_only_that_session(kit, people, clock):
    a = kit.add_login_session("cursist1")
    b = kit.add_login_session("cursist1")
    assert kit.remove_login_session(a) is True
    with pytest.raises(NotFound):
        kit.find_login_session(a)
    assert kit.find_login_session(b).actor.username == "cursist1"
    assert kit.remove_login_session(a) is False


@pytest.mark.parametrize("change", ["set_password", "reset_password", "deactivate", "role"])
def test_account_changes_end_every_session_of_that_person(kit, people, clock, change):
    """Does a password change (own or by a coördinator), a deactivation or a role change end all
    of that person's sessions, and nobody else's?"""
    mine = [kit.add_login_session("cursist1") for _ in range(2)]
    other = kit.add_login_session("cursist2")
    coordinator = people["coordinator"]
    if change == "set_password":
        kit.update_person_password(people["cursist"], "cursist1", "een-nieuw-wachtwoord")
    elif change == "reset_password":
        kit.reset_person_password(coordinator, "cursist1")
    elif change == "deactivate":
        kit.update_person_active(coordinator, "cursist1", False)
    else:
        kit.update_person_role(coordinator, "cursist1", "trainer")
    for token in mine:
        with pytest.raises(NotFound):
            kit.find_login_session(token)
    assert kit.find_login_session(other).actor.username == "cursist2"
    assert [r.person_id for r in _rows(kit)] == [people["cursist2"].id]


def test_setting_the_same_role_again_keeps_the_sessions(kit, people, clock):
    token = kit.add_login_session("cursist1")
    kit.update_person_role(people["coordinator"], "cursist1", "cursist")
    assert kit.find_login_session(token).actor.username == "cursist1"


def test_idle_timeout(kit, people, clock):
    """Does a session end after 12 h without use, while regular use keeps it alive?"""
    token = kit.add_login_session("cursist1")
    for _ in range(5):  # used every 11 hours: still alive after 55 hours
        clock.now += dt.timedelta(hours=11)
        kit.find_login_session(token)
    clock.now += dt.timedelta(hours=12)
    with pytest.raises(NotFound):
        kit.find_login_session(token)
    assert _rows(kit) == []  # an expired session found is deleted


def test_absolute_lifetime(kit, people, clock):
    """Does a session end 30 days after login even when it is used all the time?"""
    token = kit.add_login_session("cursist1")
    for _ in range(71):  # used every 10 hours: never idle for 12 hours
        clock.now += dt.timedelta(hours=10)
        kit.find_login_session(token)
    clock.now += dt.timedelta(hours=10)  # 720 hours = 30 days after login
    with pytest.raises(NotFound):
        kit.find_login_session(token)


def test_limits_follow_the_configuration(kit, people, clock):
    kit.configure_logins(idle=dt.timedelta(minutes=30), lifetime=dt.timedelta(hours=2))
    token = kit.add_login_session("cursist1")
    clock.now += dt.timedelta(minutes=31)
    with pytest.raises(NotFound):
        kit.find_login_session(token)


def test_last_seen_is_written_at_most_once_a_minute(kit, people, clock):
    token = kit.add_login_session("cursist1")
    start = clock.now
    clock.now += dt.timedelta(seconds=30)
    kit.find_login_session(token)
    assert _rows(kit)[0].last_seen_at.replace(tzinfo=dt.timezone.utc) == start
    clock.now += dt.timedelta(seconds=31)
    kit.find_login_session(token)
    assert _rows(kit)[0].last_seen_at.replace(tzinfo=dt.timezone.utc) == clock.now


def test_expired_sessions_are_cleaned_up_at_login(kit, people, clock):
    old = [kit.add_login_session("cursist2") for _ in range(3)]
    clock.now += dt.timedelta(hours=13)
    kit.add_login_session("cursist1")
    assert [r.person_id for r in _rows(kit)] == [people["cursist"].id]
    with pytest.raises(NotFound):
        kit.find_login_session(old[0])


def test_a_deactivated_person_cannot_start_a_session(kit, people, clock):
    kit.update_person_active(people["coordinator"], "cursist1", False)
    with pytest.raises(NotFound):
        kit.add_login_session("cursist1")


def test_own_sessions_are_listed_and_ended_everywhere(kit, people, clock):
    """Does a person see only their own active sessions, without ids or hashes, and does
    "Overal afmelden" end all of them (and is it audited)?"""
    first = kit.add_login_session("cursist1", user_agent="Firefox", address="10.0.0.1")
    clock.now += dt.timedelta(minutes=5)
    second = kit.add_login_session("cursist1", user_agent="Chromium", address="10.0.0.2")
    kit.add_login_session("cursist2")
    listed = kit.list_login_sessions(people["cursist"], "cursist1")
    assert [(s.user_agent, s.address) for s in listed] == [("Chromium", "10.0.0.2"), ("Firefox", "10.0.0.1")]
    assert kit.find_login_session(second).session_id == listed[0].id
    with pytest.raises(PermissionDenied):
        kit.list_login_sessions(people["cursist2"], "cursist1")
    with pytest.raises(PermissionDenied):
        kit.remove_login_sessions(people["trainer"], "cursist1")
    assert kit.remove_login_sessions(people["cursist"], "cursist1") == 2
    for token in (first, second):
        with pytest.raises(NotFound):
            kit.find_login_session(token)
    assert kit.list_login_sessions(people["cursist"], "cursist1") == []
    assert len(kit.list_login_sessions(SYSTEM, "cursist2")) == 1
    entry = kit.list_audit_entries(people["coordinator"], limit=1)[0]
    assert (entry["action"], entry["target"], entry["details"]) == ("person.end_sessions", "cursist1",
                                                                    {"sessions": 2})


def test_avg_export_lists_sessions_and_delete_removes_them(kit, people, clock):
    token = kit.add_login_session("cursist1", user_agent="Firefox", address="10.0.0.1")
    export = kit.export_person(people["cursist"], "cursist1")
    [entry] = export["login_sessions"]
    assert entry["user_agent"] == "Firefox" and entry["address"] == "10.0.0.1" and entry["started_at"]
    text = repr(export)
    assert token not in text and hashlib.sha256(token.encode()).hexdigest() not in text
    removed = kit.delete_person(people["coordinator"], "cursist1")
    assert removed["login_sessions"] == 1
    assert _rows(kit) == []


def _panel(page):
    from oefenkit_widgets.logins import LoginSessionsPanel

    return next(c for c in page.children if isinstance(c, LoginSessionsPanel))


def test_mijn_gegevens_lists_own_sessions_and_ends_them_everywhere(kit, people, clock, monkeypatch):
    """Does Mijn gegevens list only the person's own sessions with browser and "deze sessie", and
    does "Overal afmelden" end every one of them?"""
    import oefenkit.logins
    from oefenkit_widgets.pages.profile import profile_page

    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    firefox = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0")
    chrome = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
    other = kit.add_login_session("cursist1", user_agent=firefox, address="10.0.0.1")
    this = kit.add_login_session("cursist1", user_agent=chrome, address="10.0.0.2")
    stranger = kit.add_login_session("cursist2", user_agent=firefox, address="10.9.9.9")
    monkeypatch.setattr(oefenkit.logins, "_session_id", kit.find_login_session(this).session_id)
    panel = _panel(profile_page(kit, people["cursist"]))
    assert [row[2:] for row in panel.table.rows] == [["Chrome op Linux", "10.0.0.2", "deze sessie"],
                                                     ["Firefox op Windows", "10.0.0.1", ""]]
    panel.button.click()
    for token in (other, this):
        with pytest.raises(NotFound):
            kit.find_login_session(token)
    assert kit.find_login_session(stranger).actor.username == "cursist2"
    assert panel.button.disabled and "overal afgemeld" in panel.message.children[0].value


def test_session_limits_are_settings(tmp_path):
    """Are the idle timeout and lifetime read from the environment, whole and at least 1, and
    handed to the façade (and to every kernel)?"""
    from oefenkit.errors import ConfigurationError
    from oefenkit.instance import open_kit
    from oefenkit.settings import load_settings

    default = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path)})
    assert (default.session_idle_hours, default.session_max_days) == (12, 30)
    settings = load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_SESSION_IDLE_HOURS": "2",
                                  "OEFENKIT_SESSION_MAX_DAYS": "7"})
    assert settings.as_env()["OEFENKIT_SESSION_IDLE_HOURS"] == "2"
    kit = open_kit(settings)
    try:
        assert (kit.logins.login_idle, kit.logins.login_lifetime) == (dt.timedelta(hours=2), dt.timedelta(days=7))
    finally:
        kit.engine.dispose()
    for bad in ("0", "-1", "twaalf"):
        with pytest.raises(ConfigurationError, match="session_idle_hours"):
            load_settings(env={"OEFENKIT_DATA_DIR": str(tmp_path), "OEFENKIT_SESSION_IDLE_HOURS": bad})
