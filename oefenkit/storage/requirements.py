"""Programme-path requirements: the :class:`~oefenkit.storage.kit.Kit` verbs a trainer uses to
record what a person did (training days, supervision, national supervision, cases, the
terugkomdag), to undo a mistake, and to read a person's progress on a path; and the path
proposal that follows when every required requirement is done.

What counts and what a registration's last day is, is decided in :mod:`oefenkit.requirements`;
the paths come from :func:`oefenkit.programmes.load_paths` and are passed in (``paths``), as the
certification rules are (``rules``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Mapping, Sequence, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import requirements as rq
from ..errors import Conflict, NotFound, ValidationError
from ..identity import SYSTEM, Actor
from ..permissions import require
from . import exams as ex
from . import models as m
from .certificate_status import certificate_status
from .store import Service

__all__ = ["RequirementsService", "PATH_KEY", "is_path_certificate"]

#: The key in a proposal's (and a certificate's) statistics that names the path it follows.
PATH_KEY = "path"

_NOTE_MAX = 5000


def _local_day(moment: dt.datetime) -> dt.date:
    return m.as_utc(moment).astimezone(ex.LOCAL_TZ).date()


def is_path_certificate(cert: m.Certificate) -> bool:
    """Was ``cert`` issued on a path (or converted into a registration), not by the scoring test alone?"""
    return cert.kind == "registration" or bool((cert.statistics or {}).get(PATH_KEY))


class RequirementsService(Service):
    """Verbs on requirement records and path proposals (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- recording ----------------------------------------------------------------------------

    def record_requirement(
        self, actor: Actor, username: str, programme: str, code: str, date: dt.date | None = None,
        note: str | None = None, *, paths: Mapping[str, Any],
    ) -> int:
        """A trainer records one occurrence of requirement ``code`` of ``programme``'s path for
        ``username`` on ``date`` (default today), with an optional note. Returns the record's id.

        Refused with a Dutch error, storing nothing: an unknown programme or code, a kind the kit
        derives (modules, scoring test), a date in the future, a requirement already recorded as
        often as it counts (the refresher has no limit), a note over 5000 characters. Audited
        (``requirement.record``). A refresher extends the person's registration in the programme
        (:func:`oefenkit.requirements.registration_until`); a record that completes the path adds
        the path proposal (:meth:`propose_complete_paths`).
        """
        require(actor, "record_requirements")
        path, kind, limit = rq.recordable(paths, programme, code)
        day = rq.check_day(ex.local_today() if date is None else date, ex.local_today())
        note = (note or "").strip()
        if len(note) > _NOTE_MAX:
            raise ValidationError(f"Een toelichting heeft hoogstens {_NOTE_MAX} tekens.")
        with self.transaction() as s:
            person = self._person(s, username)
            # Serialise one person's records (PostgreSQL), so two clicks never exceed the count.
            s.scalar(select(m.Person.id).where(m.Person.id == person.id).with_for_update())
            programme_row = self._programme(s, programme)
            if limit is not None:
                done = s.scalar(select(func.count()).select_from(m.RequirementRecord).where(
                    m.RequirementRecord.person_id == person.id,
                    m.RequirementRecord.programme_id == programme_row.id,
                    m.RequirementRecord.requirement_code == code)) or 0
                if kind == "cases":
                    done += self._supervised_case_rows(s, person.id, programme_row.id)
                if done >= limit:
                    raise Conflict(f"Dit is al {done} keer vastgelegd; meer telt niet mee. Verwijder eerst een "
                                   "onjuiste vastlegging als je iets wilt verbeteren.")
            return self._add_requirement_record(s, actor, person, programme_row, path, code, kind, day, note)

    def _add_requirement_record(self, s: Session, actor: Actor, person: m.Person, programme: m.Programme, path,
                                code: str, kind: str, day: dt.date, note: str) -> int:
        """Store one checked record in ``s`` (audited): a refresher extends the registration, anything
        else may complete the path (its proposal)."""
        row = m.RequirementRecord(person_id=person.id, programme_id=programme.id, requirement_code=code,
                                  kind=kind, done_on=day, note=note, recorded_by_id=actor.id,
                                  recorded_at=m.utcnow())
        s.add(row)
        s.flush()
        self.audit(s, actor, "requirement.record", person.username, programme=programme.code, requirement=code,
                   record=row.id, date=day.isoformat())
        if kind == rq.REFRESHER:
            self.update_registrations(s, actor, person, programme)
        elif kind != rq.ACTIVITY:
            self._propose_if_complete(s, person, programme, path)
        return row.id

    def record_refresher_attendance(self, s: Session, actor: Actor, usernames: Sequence[str],
                                    programme_code: str | None,
                                    day: dt.date, note: str, *, paths: Mapping[str, Any]) -> list[str]:
        """In ``s``: record the refresher of ``programme_code``'s path (the Babytijd terugkomdag) on
        ``day`` for each of ``usernames``; nothing when the path has no refresher. Returns who got one."""
        path = paths.get(programme_code) if programme_code else None
        refresher = path.validity.refresher if path is not None else None
        if refresher is None or programme_code is None:
            return []
        programme = self._programme(s, programme_code)
        recorded = []
        for username in usernames:
            person = self._person(s, username)
            self._add_requirement_record(s, actor, person, programme, path, refresher, rq.REFRESHER, day, note)
            recorded.append(username)
        return recorded

    def remove_requirement_record(self, actor: Actor, record_id: int) -> dict[str, Any]:
        """A trainer undoes a record made by mistake (audited ``requirement.remove``, with what it
        said). A removed refresher shortens the registration again to what the remaining records
        give. A certificate or registration already issued stays: that is the trainer's decision,
        revoked only by a decision. Returns the removed record's ``programme``, ``code``, ``date``."""
        require(actor, "record_requirements")
        if isinstance(record_id, bool) or not isinstance(record_id, int):
            raise ValidationError("Onbekende vastlegging.")
        with self.transaction() as s:
            row = s.scalar(select(m.RequirementRecord).where(m.RequirementRecord.id == record_id).with_for_update())
            if row is None:
                raise NotFound("Deze vastlegging bestaat niet (meer).")
            person = s.get(m.Person, row.person_id)
            programme = s.get(m.Programme, row.programme_id)
            removed = {"programme": programme.code, "code": row.requirement_code, "date": row.done_on,
                       "username": person.username}
            self.audit(s, actor, "requirement.remove", person.username, programme=programme.code,
                       requirement=row.requirement_code, record=row.id, date=row.done_on.isoformat(),
                       note=row.note)
            was_refresher = row.kind == rq.REFRESHER
            s.delete(row)
            s.flush()
            if was_refresher:
                self.update_registrations(s, actor, person, programme)
            return removed

    # -- reading ------------------------------------------------------------------------------

    def requirement_progress(
        self, actor: Actor, username: str, programme: str, *, paths: Mapping[str, Any],
        today: dt.date | None = None,
    ) -> dict[str, Any]:
        """Where ``username`` stands on ``programme``'s path (own or staff).

        :func:`oefenkit.requirements.progress` (per requirement ``code``, ``kind``, ``label``,
        ``count``, ``done_count``, ``dates``, ``required``, ``kit_addition``, ``done`` and the
        ``evidence``; ``complete``, ``open``, ``refresher``), plus ``certificate``: the latest
        path certificate or registration (``code``, ``kind``, ``issued``, ``valid_until``,
        ``active``, ``status``) or None, and ``proposal``: ``open`` (a proposal waits for a
        trainer) or None.
        """
        path = paths.get(programme)
        today = today or ex.local_today()
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_certification_of", username)
            if path is None:
                raise NotFound(f"Programma {programme!r} bestaat niet of heeft geen pad.")
            programme_row = self._programme(s, programme)
            out = rq.progress(path, self._path_evidence(s, person_id, programme_row.id, path))
            out["certificate"] = self._path_certificate_info(s, person_id, programme_row.id, today)
            out["proposal"] = "open" if self._open_path_proposal(s, person_id, programme_row.id) else None
            return out

    # -- proposals ----------------------------------------------------------------------------

    def propose_complete_paths(self, actor: Actor, *, paths: Mapping[str, Any]) -> list[int]:
        """Add the path proposal for every person whose path became complete without a record
        (the scoring test passed last, a module completed last). Staff; returns the new proposals'
        ids. Recording the last requirement proposes at once; the Certificering app calls this
        when it opens."""
        require(actor, "decide_certification")
        with self.transaction() as s:
            programmes = {p.code: p for p in s.scalars(select(m.Programme)) if p.code in paths}
            people: set[tuple[int, int]] = set()
            for model, column in ((m.RequirementRecord, m.RequirementRecord.programme_id),
                                  (m.SupervisedCase, m.SupervisedCase.programme_id),
                                  (m.ExamAttempt, m.ExamAttempt.programme_id)):
                people |= {(pid, prog) for pid, prog in s.execute(select(model.person_id, column).distinct())
                           if prog is not None}
            by_id = {p.id: p for p in programmes.values()}
            new = []
            for person_id, programme_id in sorted(people):
                programme = by_id.get(programme_id)
                if programme is None:
                    continue
                proposal = self._propose_if_complete(s, s.get(m.Person, person_id), programme, paths[programme.code])
                if proposal is not None:
                    new.append(proposal)
            return new

    # -- internals ----------------------------------------------------------------------------

    @staticmethod
    def _supervised_case_rows(s: Session, person_id: int, programme_id: int) -> int:
        return s.scalar(select(func.count()).select_from(m.SupervisedCase).where(
            m.SupervisedCase.person_id == person_id, m.SupervisedCase.programme_id == programme_id)) or 0

    def _path_evidence(self, s: Session, person_id: int, programme_id: int, path) -> dict[str, list[rq.Evidence]]:
        evidence: dict[str, list[rq.Evidence]] = {}
        recorder = m.Person.__table__.alias("recorder")
        for row, by in s.execute(
            select(m.RequirementRecord, recorder.c.username)
            .outerjoin(recorder, recorder.c.id == m.RequirementRecord.recorded_by_id)
            .where(m.RequirementRecord.person_id == person_id, m.RequirementRecord.programme_id == programme_id)
            .order_by(m.RequirementRecord.done_on, m.RequirementRecord.id)
        ):
            evidence.setdefault(row.requirement_code, []).append(rq.Evidence(
                row.done_on, m.as_utc(row.recorded_at), "record", row.note or "", row.id, by or "systeem"))
        for r in path.requirements:
            if r.kind == "cases":
                for case, by in s.execute(
                    select(m.SupervisedCase, recorder.c.username)
                    .outerjoin(recorder, recorder.c.id == m.SupervisedCase.recorded_by_id)
                    .where(m.SupervisedCase.person_id == person_id, m.SupervisedCase.programme_id == programme_id)
                    .order_by(m.SupervisedCase.id)
                ):
                    evidence.setdefault(r.code, []).append(rq.Evidence(
                        _local_day(case.recorded_at), m.as_utc(case.recorded_at), "supervised_case", case.note or "",
                        None, by or "systeem"))
                break  # one pool: the first cases requirement takes the supervised cases
        for r in path.requirements:
            if r.kind == "modules" and r.modules:
                for _code, done_at in s.execute(
                        select(m.ModuleProgress.module_code, m.ModuleProgress.completed_at).where(
                            m.ModuleProgress.person_id == person_id, m.ModuleProgress.module_code.in_(r.modules),
                            m.ModuleProgress.completed_at.is_not(None))):
                    done = cast(dt.datetime, done_at)  # selected where completed_at is not null
                    evidence.setdefault(r.code, []).append(rq.Evidence(_local_day(done), m.as_utc(done), "module"))
            elif r.kind == "scoring_test":
                passed = self._passed_exam(s, person_id, programme_id)
                if passed is not None:
                    evidence.setdefault(r.code, []).append(rq.Evidence(
                        _local_day(passed), m.as_utc(passed), "exam"))
        return evidence

    @staticmethod
    def _passed_exam(s: Session, person_id: int, programme_id: int) -> dt.datetime | None:
        """When the person first handed in a test for the programme that counts as passed: its
        proposal passed and no trainer's decision turned it into a fail, or a decision turned a
        failed proposal into a pass. None if there is none."""
        rows = s.execute(
            select(m.ExamAttempt.submitted_at, m.CertificationDecision.id, m.CertificationDecision.passed)
            .join(m.CertificationDecision, m.CertificationDecision.id == m.ExamAttempt.decision_id)
            # Only the organisation's own (private) sets: a public set's demo certificate proves nothing.
            .join(m.CaseSet, m.CaseSet.id == m.ExamAttempt.case_set_id)
            .where(m.ExamAttempt.person_id == person_id, m.ExamAttempt.programme_id == programme_id,
                   m.ExamAttempt.submitted_at.is_not(None), m.CaseSet.public.is_(False))
            .order_by(m.ExamAttempt.submitted_at)).all()
        if not rows:
            return None
        final: dict[int, bool] = {}
        for d in s.scalars(select(m.CertificationDecision).where(
                m.CertificationDecision.person_id == person_id,
                m.CertificationDecision.kind.in_(("accepted", "override"))).order_by(m.CertificationDecision.id)):
            proposal_id = (d.statistics or {}).get("proposal_id")
            if proposal_id is not None:
                final[proposal_id] = d.passed
        for submitted_at, proposal_id, passed in rows:
            if final.get(proposal_id, passed):
                return submitted_at
        return None

    @staticmethod
    def _path_proposals(s: Session, person_id: int, programme_id: int) -> list[m.CertificationDecision]:
        return [d for d in s.scalars(select(m.CertificationDecision).where(
            m.CertificationDecision.person_id == person_id, m.CertificationDecision.programme_id == programme_id,
            m.CertificationDecision.kind == "proposal").order_by(m.CertificationDecision.id))
            if (d.statistics or {}).get(PATH_KEY)]

    def _open_path_proposal(self, s: Session, person_id: int, programme_id: int) -> m.CertificationDecision | None:
        proposals = self._path_proposals(s, person_id, programme_id)
        if not proposals:
            return None
        decided = {(d.statistics or {}).get("proposal_id") for d in s.scalars(select(m.CertificationDecision).where(
            m.CertificationDecision.person_id == person_id,
            m.CertificationDecision.kind.in_(("accepted", "override"))))}
        return next((p for p in proposals if p.id not in decided), None)

    def valid_path_certificate(self, s: Session, person_id: int, programme_id: int) -> m.Certificate | None:
        today = ex.local_today()
        for cert in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == person_id, m.Certificate.programme_id == programme_id)
                .order_by(m.Certificate.id.desc())):
            if is_path_certificate(cert) and not (cert.statistics or {}).get("revoked") \
                    and m.as_utc(cert.valid_until).date() >= today:
                return cert
        return None

    def _propose_if_complete(self, s: Session, person: m.Person, programme: m.Programme, path) -> int | None:
        """Store the path proposal when every required requirement is done, nobody holds a valid
        path certificate, no proposal is waiting, and no decided proposal is newer than the newest
        evidence (a trainer who turned a proposal down is not asked again until something new is
        recorded). Returns the new proposal's id, or None."""
        # Serialise with a record of the same person (PostgreSQL), so two writers never add two proposals.
        s.scalar(select(m.Person.id).where(m.Person.id == person.id).with_for_update())
        evidence = self._path_evidence(s, person.id, programme.id, path)
        state = rq.progress(path, evidence)
        if not state["complete"] or self.valid_path_certificate(s, person.id, programme.id) is not None:
            return None
        if self._open_path_proposal(s, person.id, programme.id) is not None:
            return None
        newest = max((e.at for r in path.requirements for e in evidence.get(r.code, ())), default=None)
        if newest is not None and any(m.as_utc(p.decided_at) >= newest
                                      for p in self._path_proposals(s, person.id, programme.id)):
            return None
        reasons = [f"Alle eisen van het pad {path.name} zijn gedaan."]
        for item in state["requirements"]:
            dates = ", ".join(rq.day_text(d) for d in item["dates"])
            extra = "" if item["required"] else " (aanbevolen)"
            reasons.append(f"{item['label']}{extra}: {min(item['done_count'], item['count'])} van {item['count']}"
                           + (f" ({dates})" if dates else "") + ".")
        snapshot = [{k: (v if k != "dates" else [d.isoformat() for d in v]) for k, v in item.items() if k != "evidence"}
                    for item in state["requirements"]]
        row = m.CertificationDecision(
            person_id=person.id, programme_id=programme.id, exam_attempt_id=None, kind="proposal", passed=True,
            reasons=reasons, statistics={PATH_KEY: path.code, "requirements": snapshot},
            rule={PATH_KEY: path.as_dict()}, decided_by_id=None, reason="", decided_at=m.utcnow())
        s.add(row)
        s.flush()
        self.audit(s, SYSTEM, "certification.proposal", person.username, programme=programme.code, passed=True,
                   path=path.code)
        return row.id

    def update_registrations(self, s: Session, actor: Actor, person: m.Person, programme: m.Programme) -> None:
        """Recompute the last active day of the person's registrations in ``programme`` from their
        base and the refresher records (audited ``certificate.renew`` when it changes). Revoked
        registrations stay as they are."""
        for cert in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == person.id, m.Certificate.programme_id == programme.id,
                m.Certificate.kind == "registration").order_by(m.Certificate.id).with_for_update()):
            stats = cert.statistics or {}
            if stats.get("revoked"):
                continue
            refresher, years = stats.get("refresher"), stats.get("every_years")
            base = stats.get("valid_until_base")
            if not refresher or not years or not base:
                continue
            days = s.scalars(select(m.RequirementRecord.done_on).where(
                m.RequirementRecord.person_id == person.id, m.RequirementRecord.programme_id == programme.id,
                m.RequirementRecord.requirement_code == refresher, m.RequirementRecord.kind == rq.REFRESHER))
            new = rq.registration_until(dt.date.fromisoformat(base), days, int(years))
            old = m.as_utc(cert.valid_until).date()
            if new != old:
                cert.valid_until = dt.datetime.combine(new, dt.time(12), tzinfo=dt.timezone.utc)
                self.audit(s, actor, "certificate.renew", person.username, programme=programme.code,
                           code=cert.verification_code, old=old.isoformat(), new=new.isoformat())

    def _path_certificate_info(self, s: Session, person_id: int, programme_id: int,
                               today: dt.date) -> dict[str, Any] | None:
        cert = next((c for c in s.scalars(select(m.Certificate).where(
            m.Certificate.person_id == person_id, m.Certificate.programme_id == programme_id)
            .order_by(m.Certificate.id.desc())) if is_path_certificate(c)), None)
        if cert is None:
            return None
        status = certificate_status(cert, today)
        return {"code": cert.verification_code, "kind": cert.kind, "issued": _local_day(cert.issued_at),
                "valid_until": m.as_utc(cert.valid_until).date(), "active": status in ("geldig", "verloopt binnenkort"),
                "status": status}
