"""The person read with the login session in a request serves that request's later checks.

A page request and a kernel websocket both resolve the cookie's login session, which reads the
person (active, with their role) from the database. The page hook and the kernel owner check use
that read instead of reading the person a second time (one database round trip less per page and
per websocket, which matters most on PostgreSQL when a room of 30 joins at once). Without a
session's person (hub mode) or for another name, they read the person themselves.
"""

from __future__ import annotations

import asyncio

import pytest

from oefenkit.errors import NotFound
from oefenkit.identity import Actor
from oefenkit.server.auth import SessionUser, request_actor
from oefenkit.server.kernels import KernelOwner, OefenkitKernelManager


def actor(username: str, role: str) -> Actor:
    return Actor(id=1, username=username, display_name=username.title(), role=role)


class CountingKit:
    """Stands in for the kit's one read here: counts it, answers from a dict."""

    def __init__(self, people: dict[str, Actor]):
        self.known = people
        self.people = self  # the people service's one verb read here (kit.people.find_person)
        self.reads = 0

    def find_person(self, username: str) -> Actor:
        self.reads += 1
        if username not in self.known:
            raise NotFound("gedeactiveerd")
        return self.known[username]


def manager(kit) -> OefenkitKernelManager:
    """A kernel manager over ``kit`` (its server's kit is a property; no kernels are needed)."""
    bare = type("BareKernelManager", (OefenkitKernelManager,), {"kit": kit})
    return bare.__new__(bare)


def test_request_actor_is_the_sessions_person_for_that_name_only():
    anna = actor("anna", "cursist")
    assert request_actor(SessionUser(username="anna", actor=anna)) is anna
    assert request_actor(SessionUser(username="bram", actor=anna)) is None  # never someone else's
    assert request_actor(SessionUser(username="anna")) is None  # hub mode: no session's person
    assert request_actor(None) is None


def test_the_owner_check_uses_the_requests_person_without_a_second_read():
    kit = CountingKit({"anna": actor("anna", "trainer")})
    km = manager(kit)
    owner = KernelOwner("anna", "dashboard")
    # read with the session moments ago: a trainer may open the dashboard
    assert asyncio.run(km.still_allowed(owner, actor("anna", "trainer"))) is True
    # the request's read says cursist now (role changed): refused, also without a second read
    assert asyncio.run(km.still_allowed(owner, actor("anna", "cursist"))) is False
    assert kit.reads == 0


@pytest.mark.parametrize("given", [None, "other"])
def test_without_the_requests_person_the_owner_is_read_now(given):
    kit = CountingKit({"anna": actor("anna", "cursist")})
    km = manager(kit)
    owner = KernelOwner("anna", "dashboard")
    person = actor("bram", "trainer") if given == "other" else None
    # read now: anna is a cursist, so the dashboard is refused whatever the other person may do
    assert asyncio.run(km.still_allowed(owner, person)) is False
    assert kit.reads == 1
    kit.known.clear()  # deactivated: the read finds nobody
    assert asyncio.run(km.still_allowed(owner)) is False
    assert kit.reads == 2
