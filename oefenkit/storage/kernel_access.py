"""Who may still use the open pages: the :class:`~oefenkit.storage.kit.Kit` verbs the server's
kernel watch and the kernels' owner check use (``docs/security.md``, "Kernels")."""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import select

from ..identity import SYSTEM, Actor
from ..sessions import PREWARM_WINDOW
from . import models as m
from .people import ACTIVE_ACTORS_BY_NAMES, _actor, read_actors
from .store import Service

__all__ = ["KernelAccessService"]


class KernelAccessService(Service):
    """Verbs for the server's kernel bookkeeping (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def list_active_people(self, usernames: Iterable[str]) -> dict[str, Actor]:
        """The active people among ``usernames`` (fresh role, groups and exam programmes), by user name.

        One read for all owners of the live kernels (the memberships, their groups and programmes
        come with it, and the programmes with a scoring test are read once); a deactivated or
        unknown name is simply missing from the answer.
        """
        names = sorted(set(usernames))
        if not names:
            return {}
        with self.transaction(readonly=True) as s:
            found = read_actors(s, ACTIVE_ACTORS_BY_NAMES, {"names": names})
        return {username: actor for username, (actor, _) in found.items()}

    def add_kernel_refusal(self, username: str, kernel_id: str, *, reason: str, method: str,
                           owner: str | None = None) -> None:
        """Audit a refused REST or websocket access to an app kernel (``kernel.access_refused``).

        ``username`` is the logged-in person who tried; ``owner`` the kernel's owner, if any.
        """
        with self.transaction() as s:
            person = s.scalar(select(m.Person).where(m.Person.username == username))
            actor = _actor(person) if person is not None else SYSTEM
            self.audit(s, actor, "kernel.access_refused", kernel_id[:200], user=username, owner=owner,
                       reason=reason, method=method)

    def list_prewarm_demand(self) -> list[tuple[int, int, set[str]]]:
        """The open live sessions that want kernels started ahead: ``(session id, expected people,
        user names of those who joined)``, for sessions with an expected number that were created less
        than :data:`~oefenkit.sessions.PREWARM_WINDOW` ago (the server's kernel pool, ``kernels.py``)."""

        with self.transaction(readonly=True) as s:
            sessions = s.execute(select(m.LiveSession.id, m.LiveSession.expected_participants)
                                 .where(m.LiveSession.state == "open",
                                        m.LiveSession.expected_participants.is_not(None),
                                        m.LiveSession.created_at > m.utcnow() - PREWARM_WINDOW)).all()
            if not sessions:
                return []
            joined: dict[int, set[str]] = {sid: set() for sid, _ in sessions}
            rows = s.execute(select(m.LiveSessionParticipant.session_id, m.Person.username)
                             .join(m.Person, m.Person.id == m.LiveSessionParticipant.person_id)
                             .where(m.LiveSessionParticipant.session_id.in_(list(joined))))
            for sid, username in rows:
                joined[sid].add(username)
            return [(sid, expected, joined[sid]) for sid, expected in sessions]
