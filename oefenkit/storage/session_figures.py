"""The terugkomdag round ``cijfers`` (issue 20): the pooled Babytijd figures of the uitvoerders present,
shown on the projector and the phones.

:meth:`SessionFiguresService.open_figures_round` asks the Babytijd service for the pooled figures of
the session's joined participants (``BabytijdService.pooled_figures``: no names or codes, every cell
with fewer than five opvoeders suppressed with a Dutch reason) and opens a round whose content is a
snapshot of them (:class:`oefenkit.rounds.RoundItem` with ``figures``). A snapshot, like every round's
content: the day's report shows what the room saw, and a later entry in a reeks changes nothing.
Nobody answers a ``cijfers`` round; it is there to talk about.

The service takes the services it uses in its constructor (docs/architecture.md, "Feature
services"): the Babytijd service and the object with the session verbs (today the :class:`Kit`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

from sqlalchemy import select

from ..errors import NotFound
from ..identity import Actor
from ..permissions import can, require
from ..rounds import RoundItem
from . import models as m
from .store import Service, Store

__all__ = ["SessionFiguresService", "figures_snapshot", "FIGURES_TEXT"]

#: What the round says above the figures (Dutch, for the projector and the phones).
FIGURES_TEXT = ("De cijfers van de Babytijd-reeksen van wie er vandaag is, samengenomen: zonder namen of "
                "codes. Een cijfer over minder dan vijf opvoeders tonen we niet.")


class _Figures(Protocol):
    def pooled_figures(self, actor: Actor, usernames: list[str]) -> Any: ...


class _Rounds(Protocol):
    def open_round(self, actor: Actor, session_id: int, case_code: str | None = None, *,
                   item_code: str | None = None, item: Any = None) -> int: ...


def _plain(value: Any) -> Any:
    """``value`` as JSON data (dataclasses, tuples and mappings turned into dicts and lists)."""
    if hasattr(value, "as_dict"):
        return _plain(value.as_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value != value:  # NaN is not JSON
        return None
    return value


def figures_snapshot(pooled: Any) -> dict[str, Any]:
    """The pooled figures (``PooledFigures``) as plain JSON data for the round's content."""
    data = _plain(pooled)
    return data if isinstance(data, dict) else {"figures": data}


class SessionFiguresService(Service):
    """Open a ``cijfers`` round in a live session."""

    def __init__(self, store: Store, babytijd: _Figures, rounds: _Rounds):
        super().__init__(store)
        self.babytijd = babytijd
        self.rounds = rounds

    def present_uitvoerders(self, actor: Actor, session_id: int) -> list[str]:
        """The user names of the people who joined the session (the uitvoerders present), for its leader."""
        require(actor, "lead_live_session")
        with self.transaction(readonly=True) as s:
            session = s.get(m.LiveSession, session_id)
            if session is None:
                raise NotFound("Deze sessie bestaat niet.")
            if not can(actor, "lead_any_live_session") and session.trainer_id != actor.id:
                require(actor, "lead_any_live_session")
            return list(s.scalars(select(m.Person.username)
                                  .join(m.LiveSessionParticipant, m.LiveSessionParticipant.person_id == m.Person.id)
                                  .where(m.LiveSessionParticipant.session_id == session_id)
                                  .order_by(m.Person.username)))

    def open_figures_round(self, actor: Actor, session_id: int) -> int:
        """Open a ``cijfers`` round with the pooled figures of the joined participants now; its number.

        Three steps, each its own transaction: who joined, their pooled figures (the Babytijd service
        checks the permission and suppresses small cells), and opening the round (the session verbs
        check the leader and that no round is open). Someone who joins in between is not counted;
        opening a new ``cijfers`` round counts them.
        """
        usernames = self.present_uitvoerders(actor, session_id)
        pooled = self.babytijd.pooled_figures(actor, usernames)
        item = RoundItem(kind="cijfers", title="Cijfers van de groep", text=FIGURES_TEXT,
                         figures=figures_snapshot(pooled))
        return self.rounds.open_round(actor, session_id, item=item)
