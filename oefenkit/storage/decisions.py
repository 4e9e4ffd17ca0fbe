"""Certification decisions: the :class:`~oefenkit.storage.kit.Kit` verbs that record and list
proposals and decisions. The rules themselves live in :mod:`oefenkit.certification`.
"""

from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import select

from ..errors import ValidationError
from ..identity import Actor
from ..permissions import require
from . import models as m
from .store import Service

__all__ = ["DecisionsService"]


class DecisionsService(Service):
    """Verbs on certification decisions (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- certification -----------------------------------------------------------------

    def add_certification_decision(
        self, actor: Actor, username: str, programme_code: str, *, passed: bool, reasons: Sequence[str],
        statistics: dict[str, Any], rule: dict[str, Any], kind: str = "proposal", reason: str = "",
        exam_attempt_id: int | None = None,
    ) -> int:
        """Store a certification proposal or decision with the statistics it rests on."""
        require(actor, "decide_certification")
        if kind not in {"proposal", "accepted", "override"}:
            raise ValidationError(f"Onbekend soort besluit {kind!r}.")
        if kind == "override" and not reason.strip():
            raise ValidationError("Geef een reden als je afwijkt van het voorstel.")
        with self.transaction() as s:
            person = self._person(s, username)
            programme_id = self._programme_id(s, programme_code)
            row = m.CertificationDecision(
                person_id=person.id, programme_id=programme_id, exam_attempt_id=exam_attempt_id, kind=kind,
                passed=passed, reasons=list(reasons), statistics=statistics, rule=rule,
                decided_by_id=actor.id, reason=reason,
            )
            s.add(row)
            s.flush()
            self.audit(s, actor, f"certification.{kind}", username, programme=programme_code, passed=passed)
            return row.id

    def list_certification_decisions(self, actor: Actor, username: str) -> list[dict[str, Any]]:
        """A person's certification decisions, newest first."""
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_certification_of", username)
            rows = s.execute(
                select(m.CertificationDecision, m.Programme.code)
                .join(m.Programme, m.Programme.id == m.CertificationDecision.programme_id)
                .where(m.CertificationDecision.person_id == person_id)
                .order_by(m.CertificationDecision.id.desc())
            )
            return [
                {"id": d.id, "programme": code, "kind": d.kind, "passed": d.passed, "reasons": list(d.reasons),
                 "statistics": d.statistics, "rule": d.rule, "reason": d.reason, "decided_at": d.decided_at}
                for d, code in rows
            ]
