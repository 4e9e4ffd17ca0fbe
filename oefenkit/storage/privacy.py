"""AVG (GDPR) per person: the :class:`~oefenkit.storage.kit.Kit` verbs that export everything
stored about one person and that delete it.

``export_person`` returns plain JSON-serialisable data (never the password hash).
``delete_person`` removes the person and their data in one transaction; the audit log keeps
what happened but loses the link to the person (``actor_id`` becomes NULL through the
foreign key's ``ON DELETE SET NULL``, their user name as target is replaced by
:data:`DELETED_PERSON`, and the client address of their wrong join codes is removed).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, ValidationError
from ..identity import Actor
from ..permissions import require, roles
from . import models as m
from .session_participants import JOIN_FAILED
from .store import Service, Store, rowcount

if TYPE_CHECKING:
    from .babytijd import BabytijdService

__all__ = ["PrivacyService", "DELETED_PERSON"]

#: What the audit log says instead of the user name of a deleted person.
DELETED_PERSON = "verwijderde persoon"


def _json(value: Any) -> Any:
    """``value`` with dates and moments as ISO text, so ``json.dumps`` takes it."""
    if isinstance(value, dt.datetime):
        moment = value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value
        return moment.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    return value


class PrivacyService(Service):
    """AVG verbs (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, babytijd: BabytijdService):
        super().__init__(store)
        #: A person's Babytijd reeksen in their export (:meth:`BabytijdService.export_of_person`).
        self._babytijd = babytijd

    # -- export -------------------------------------------------------------------------------

    def export_person(self, actor: Actor, username: str) -> dict[str, Any]:
        """Everything stored about one person (a coördinator, or the person themselves)."""
        with self.transaction() as s:
            person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "export_person_data", person_id)
            person = self._person(s, username)
            pid = person.id
            programmes = {p.id: p.code for p in s.scalars(select(m.Programme))}
            groups = [{"name": g.name, "programme": programmes.get(g.programme_id)} for g in s.scalars(
                select(m.Group).join(m.GroupMembership, m.GroupMembership.group_id == m.Group.id)
                .where(m.GroupMembership.person_id == pid).order_by(m.Group.name))]
            ratings = [
                {"id": r.id, "case": case_code, "scale": scale_code, "scale_version": version, "score": r.score,
                 "note": r.note, "mode": r.mode, "exam_attempt": r.exam_attempt_id,
                 "practice_attempt": r.practice_attempt_id, "live_session": r.live_session_id,
                 "created_at": r.created_at, "updated_at": r.updated_at}
                for r, case_code, scale_code, version in s.execute(
                    select(m.Rating, m.Case.code, m.Scale.code, m.Scale.version)
                    .join(m.Case, m.Case.id == m.Rating.case_id).join(m.Scale, m.Scale.id == m.Rating.scale_id)
                    .where(m.Rating.rater_id == pid).order_by(m.Rating.id))]
            practice = [
                {"id": a.id, "case": case_code, "submitted_at": a.submitted_at}
                for a, case_code in s.execute(
                    select(m.PracticeAttempt, m.Case.code).join(m.Case, m.Case.id == m.PracticeAttempt.case_id)
                    .where(m.PracticeAttempt.person_id == pid).order_by(m.PracticeAttempt.id))]
            attempts = [
                {"id": a.id, "case_set": set_code, "programme": programmes.get(a.programme_id),
                 "case_order": list(a.case_order or []), "started_at": a.started_at,
                 "submitted_at": a.submitted_at, "decision": a.decision_id,
                 "oefentoets_result": a.practice_result}
                for a, set_code in s.execute(
                    select(m.ExamAttempt, m.CaseSet.code).join(m.CaseSet, m.CaseSet.id == m.ExamAttempt.case_set_id)
                    .where(m.ExamAttempt.person_id == pid).order_by(m.ExamAttempt.id))]
            decisions = [
                {"id": d.id, "programme": programmes.get(d.programme_id), "kind": d.kind, "passed": d.passed,
                 "reasons": list(d.reasons or []), "statistics": d.statistics, "rule": d.rule, "reason": d.reason,
                 "exam_attempt": d.exam_attempt_id, "decided_at": d.decided_at}
                for d in s.scalars(select(m.CertificationDecision).where(m.CertificationDecision.person_id == pid)
                                   .order_by(m.CertificationDecision.id))]
            certificates = [
                {"code": c.verification_code, "programme": programmes.get(c.programme_id), "issued_at": c.issued_at,
                 "valid_until": c.valid_until, "kind": c.kind, "decision": c.decision, "reason": c.reason,
                 "statistics": c.statistics, "demo": c.demo}
                for c in s.scalars(select(m.Certificate).where(m.Certificate.person_id == pid)
                                   .order_by(m.Certificate.id))]
            progress = [
                {"module": p.module_code, "page": p.page, "answers": p.answers, "completed_at": p.completed_at,
                 "updated_at": p.updated_at}
                for p in s.scalars(select(m.ModuleProgress).where(m.ModuleProgress.person_id == pid)
                                   .order_by(m.ModuleProgress.module_code))]
            supervised = [
                {"programme": programmes.get(c.programme_id), "note": c.note, "recorded_at": c.recorded_at,
                 "recorded_by": recorder}
                for c, recorder in s.execute(
                    select(m.SupervisedCase, m.Person.username)
                    .outerjoin(m.Person, m.Person.id == m.SupervisedCase.recorded_by_id)
                    .where(m.SupervisedCase.person_id == pid).order_by(m.SupervisedCase.id))]
            recorder = m.Person.__table__.alias("recorder")
            requirements = [
                {"programme": programmes.get(r.programme_id), "requirement": r.requirement_code, "kind": r.kind,
                 "date": r.done_on, "note": r.note, "recorded_at": r.recorded_at, "recorded_by": by}
                for r, by in s.execute(
                    select(m.RequirementRecord, recorder.c.username)
                    .outerjoin(recorder, recorder.c.id == m.RequirementRecord.recorded_by_id)
                    .where(m.RequirementRecord.person_id == pid).order_by(m.RequirementRecord.id))]
            sessions = [
                {"session": p.session_id, "joined_at": p.joined_at}
                for p in s.scalars(select(m.LiveSessionParticipant)
                                   .where(m.LiveSessionParticipant.person_id == pid))]
            answers = [
                {"session": a.session_id, "round": number, "kind": kind, "choice": a.choice, "text": a.answer_text,
                 "created_at": a.created_at, "updated_at": a.updated_at}
                for a, number, kind in s.execute(
                    select(m.LiveAnswer, m.LiveRound.number, m.LiveRound.kind)
                    .join(m.LiveRound, m.LiveRound.id == m.LiveAnswer.round_id)
                    .where(m.LiveAnswer.person_id == pid).order_by(m.LiveAnswer.id))]
            audit = [
                {"at": e.at, "actor": actor_name or "systeem", "action": e.action, "target": e.target,
                 "details": e.details}
                for e, actor_name in s.execute(
                    select(m.AuditEntry, m.Person.username)
                    .outerjoin(m.Person, m.Person.id == m.AuditEntry.actor_id)
                    .where(or_(m.AuditEntry.actor_id == pid, m.AuditEntry.target == username))
                    .order_by(m.AuditEntry.id))]
            logins = [
                {"started_at": ls.created_at, "last_seen_at": ls.last_seen_at, "user_agent": ls.user_agent,
                 "address": ls.address}
                for ls in s.scalars(select(m.LoginSession).where(m.LoginSession.person_id == pid)
                                    .order_by(m.LoginSession.id))]
            reeksen = self._babytijd.export_of_person(s, pid)
            expert_scores = s.scalar(select(func.count()).select_from(m.ExpertScore)
                                     .where(m.ExpertScore.expert_id == pid)) or 0
            self.audit(s, actor, "person.export", username)
            return _json({
                "account": {"username": person.username, "display_name": person.display_name, "role": person.role,
                            "active": person.active, "created_at": person.created_at,
                            "has_password": person.password_hash is not None},
                "groups": groups,
                "ratings": ratings,
                "practice_attempts": practice,
                "exam_attempts": attempts,
                "certification_decisions": decisions,
                "certificates": certificates,
                "module_progress": progress,
                "supervised_cases": supervised,
                "requirement_records": requirements,
                "live_sessions": sessions,
                "live_answers": answers,
                "login_sessions": logins,
                "babytijd_reeksen": reeksen,
                "expert_scores": expert_scores,
                "audit_entries": audit,
            })

    # -- delete -------------------------------------------------------------------------------

    def delete_person(self, actor: Actor, username: str) -> dict[str, int]:
        """Remove a person and everything stored about them, all or nothing (coördinator only).

        Refused while the person is the last active coördinator, has expert scores (master
        data) or leads live sessions. Returns the number of rows removed per kind.
        """
        require(actor, "delete_person_data")
        if actor.username == username and actor.id is not None:
            raise ValidationError("Je kunt je eigen account niet verwijderen; vraag een andere coördinator.")
        with self.transaction() as s:
            person = self._person(s, username)
            pid = person.id
            admins = roles().with_action("manage_people")
            if person.role in admins and person.active:
                others = s.scalar(select(func.count()).select_from(m.Person).where(
                    m.Person.role.in_(admins), m.Person.active.is_(True), m.Person.id != pid)) or 0
                if not others:
                    raise Conflict(f"{username} is de laatste actieve coördinator en kan niet worden verwijderd. "
                                   "Maak eerst iemand anders coördinator.")
            scores = s.scalar(select(func.count()).select_from(m.ExpertScore)
                              .where(m.ExpertScore.expert_id == pid)) or 0
            if scores:
                raise Conflict(f"{username} heeft {scores} expertscore(s) vastgelegd. Expertscores zijn "
                               "stamgegevens van de casussen en worden niet met een persoon verwijderd; "
                               "vervang of verwijder ze eerst. Er is niets verwijderd.")
            led = s.scalar(select(func.count()).select_from(m.LiveSession)
                           .where(m.LiveSession.trainer_id == pid)) or 0
            if led:
                raise Conflict(f"{username} leidt {led} live-sessie(s) waarin ook anderen scoren; die worden "
                               "niet verwijderd. Er is niets verwijderd.")
            removed = self._delete_person_rows(s, pid)
            self._forget_in_audit_log(s, username)
            self._forget_join_addresses(s, pid)
            s.execute(delete(m.Person).where(m.Person.id == pid).execution_options(synchronize_session=False))
            s.expunge(person)
            self.audit(s, actor, "person.delete", DELETED_PERSON, **removed)
            return removed

    @staticmethod
    def _delete_person_rows(s: Session, pid: int) -> dict[str, int]:
        """Delete the person's own rows (not the person row) and unlink them from other people's."""
        def gone(statement) -> int:
            return rowcount(s.execute(statement.execution_options(synchronize_session=False)))

        removed = {"ratings": gone(delete(m.Rating).where(m.Rating.rater_id == pid))}
        removed["practice_attempts"] = gone(delete(m.PracticeAttempt).where(m.PracticeAttempt.person_id == pid))
        # Attempts and decisions refer to each other: unlink first.
        s.execute(update(m.ExamAttempt).where(m.ExamAttempt.person_id == pid).values(decision_id=None)
                  .execution_options(synchronize_session=False))
        removed["certificates"] = gone(delete(m.Certificate).where(m.Certificate.person_id == pid))
        removed["certification_decisions"] = gone(
            delete(m.CertificationDecision).where(m.CertificationDecision.person_id == pid))
        removed["exam_attempts"] = gone(delete(m.ExamAttempt).where(m.ExamAttempt.person_id == pid))
        removed["module_progress"] = gone(delete(m.ModuleProgress).where(m.ModuleProgress.person_id == pid))
        removed["group_memberships"] = gone(delete(m.GroupMembership).where(m.GroupMembership.person_id == pid))
        removed["supervised_cases"] = gone(delete(m.SupervisedCase).where(m.SupervisedCase.person_id == pid))
        removed["requirement_records"] = gone(
            delete(m.RequirementRecord).where(m.RequirementRecord.person_id == pid))
        removed["login_sessions"] = gone(delete(m.LoginSession).where(m.LoginSession.person_id == pid))
        # Their Babytijd reeksen go with them (the opvoeders, attendance and measurements by CASCADE).
        removed["babytijd_reeksen"] = gone(delete(m.BabytijdReeks).where(m.BabytijdReeks.uitvoerder_id == pid))
        removed["live_answers"] = gone(delete(m.LiveAnswer).where(m.LiveAnswer.person_id == pid))
        removed["live_session_participations"] = gone(
            delete(m.LiveSessionParticipant).where(m.LiveSessionParticipant.person_id == pid))
        # What this person decided or recorded about others stays, without their name.
        for model, column in ((m.Certificate, m.Certificate.decided_by_id),
                              (m.CertificationDecision, m.CertificationDecision.decided_by_id),
                              (m.SupervisedCase, m.SupervisedCase.recorded_by_id),
                              (m.RequirementRecord, m.RequirementRecord.recorded_by_id),
                              (m.BabytijdReeks, m.BabytijdReeks.created_by_id),
                              (m.BabytijdMeasurement, m.BabytijdMeasurement.recorded_by_id)):
            s.execute(update(model).where(column == pid).values({column.key: None})
                      .execution_options(synchronize_session=False))
        return removed

    @staticmethod
    def _forget_join_addresses(s: Session, pid: int) -> None:
        """The person's wrong join codes stay in the audit log, without their IP address."""

        for entry in s.scalars(select(m.AuditEntry).where(m.AuditEntry.actor_id == pid,
                                                           m.AuditEntry.action == JOIN_FAILED)):
            entry.details = {k: v for k, v in entry.details.items() if k not in ("address", "throttle_key")}

    @staticmethod
    def _forget_in_audit_log(s: Session, username: str) -> None:
        """Entries about the person keep the action but not their user name."""
        s.execute(update(m.AuditEntry).where(m.AuditEntry.target == username).values(target=DELETED_PERSON)
                  .execution_options(synchronize_session=False))

