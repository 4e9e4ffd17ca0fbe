"""Certification decisions: the verbs that propose (the rule applied to a stored exam), record and
list proposals and decisions. The rules themselves live in :mod:`oefenkit.certification`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

from sqlalchemy import select

from ..certification import CertificationRule, Decision, decide_against_experts  # imports no storage
from ..errors import NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import models as m
from .store import Service, Store

if TYPE_CHECKING:
    from .cases import CasesService
    from .ratings import RatingsService

__all__ = ["DecisionsService"]


class DecisionsService(Service):
    """Verbs on certification decisions (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, ratings: RatingsService, cases: CasesService):
        super().__init__(store)
        #: A trainee's exam scores and the set's expert scores.
        self._ratings = ratings
        #: The score range of each scale the rule names.
        self._cases = cases

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

    def propose_certification(
        self, actor: Actor, username: str, programme_code: str, case_set_code: str, *,
        rules: Mapping[str, CertificationRule], supervised_cases: int = 0,
    ) -> tuple[int, Decision]:
        """Apply the programme's rule to a trainee's stored exam and store the proposal.

        The consensus of each clip comes from the stored expert scores
        (:func:`oefenkit.certification.decide_against_experts`, pure: it takes the scores the
        ratings service read). Returns the stored decision's id and the decision.
        """
        require(actor, "decide_certification")
        rule = rules.get(programme_code)
        if rule is None:
            raise NotFound(f"Er zijn geen certificeringsregels voor programma {programme_code!r}.")
        trainee = self._ratings.exam_scores(actor, username, case_set_code)
        experts = self._ratings.expert_scores_of_set(actor, case_set_code)
        ranges = {}
        for scale_code in rule.scales:
            scale = self._cases.find_scale(scale_code)
            ranges[scale_code] = (scale.min_score, scale.max_score)
        decision = decide_against_experts(rule, trainee, experts, ranges, case_set_code=case_set_code,
                                          supervised_cases=supervised_cases)
        decision_id = self.add_certification_decision(
            actor, username, programme_code, passed=decision.passed, reasons=decision.reasons,
            statistics=decision.statistics, rule=decision.rule, kind="proposal",
        )
        return decision_id, decision

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
