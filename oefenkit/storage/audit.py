"""The audit log as the beheer app reads it (every service writes it with :meth:`Service.audit`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..identity import Actor
from ..permissions import require
from . import models as m
from .store import Service

__all__ = ["AuditService"]


class AuditService(Service):
    """Reading the audit log (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def list_audit_entries(self, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
        require(actor, "view_audit_log")
        with self.transaction(readonly=True) as s:
            rows = s.execute(
                select(m.AuditEntry, m.Person.username)
                .outerjoin(m.Person, m.Person.id == m.AuditEntry.actor_id)
                .order_by(m.AuditEntry.id.desc())
                .limit(limit)
            )
            return [
                {"at": e.at, "actor": u or "systeem", "action": e.action, "target": e.target,
                 "details": e.details}
                for e, u in rows
            ]
