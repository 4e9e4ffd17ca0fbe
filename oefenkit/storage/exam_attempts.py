"""Certification-test attempts: the :class:`~oefenkit.storage.kit.Kit` verbs behind the exam app
(start, save a rating, progress, submit, outcome, certificate). The values they return live
in :mod:`oefenkit.storage.exams`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, ValidationError
from ..identity import SYSTEM, Actor
from ..permissions import can, require
from . import exams as ex
from . import models as m

__all__ = ["ExamMixin"]


class ExamMixin:
    """Verbs on certification-test attempts; mixed into :class:`~oefenkit.storage.kit.Kit`."""

    # -- certification test --------------------------------------------------------------
    # The exam app's verbs. A cursist's kernel only ever calls these (and the generic rating
    # and listing verbs): none returns an expert score, a consensus or its rationale before the
    # attempt is submitted. ``submit_exam`` decides with the core's own rights (SYSTEM) inside
    # the same transaction that closes the attempt, so the expert data never leaves the core.

    @staticmethod
    def _exam_attempt_info(s: Session, attempt: m.ExamAttempt, *, resumed: bool = False) -> ex.ExamAttemptInfo:
        cases = {c.code: c for c in s.scalars(select(m.Case).where(m.Case.code.in_(attempt.case_order or [])))}
        username = s.scalar(select(m.Person.username).where(m.Person.id == attempt.person_id))
        set_code = s.scalar(select(m.CaseSet.code).where(m.CaseSet.id == attempt.case_set_id))
        programme_code = None
        if attempt.programme_id is not None:
            programme_code = s.scalar(select(m.Programme.code).where(m.Programme.id == attempt.programme_id))
        number = s.scalar(select(func.count()).select_from(m.ExamAttempt).where(
            m.ExamAttempt.person_id == attempt.person_id, m.ExamAttempt.case_set_id == attempt.case_set_id,
            m.ExamAttempt.id <= attempt.id))
        return ex.ExamAttemptInfo(
            id=attempt.id, username=username, programme_code=programme_code, case_set_code=set_code,
            cases=tuple(ex.ExamCase(code, cases[code].title, cases[code].vignette)
                        for code in attempt.case_order if code in cases),
            started_at=attempt.started_at, submitted_at=attempt.submitted_at, decision_id=attempt.decision_id,
            number=number or 0, resumed=resumed,
        )

    @staticmethod
    def _exam_attempt(s: Session, attempt_id: int, *, lock: bool = False) -> m.ExamAttempt:
        query = select(m.ExamAttempt).where(m.ExamAttempt.id == attempt_id)
        attempt = s.scalar(query.with_for_update() if lock else query)
        if attempt is None:
            raise NotFound("Deze toetspoging bestaat niet.")
        return attempt

    def start_exam(
        self, actor: Actor, programme_code: str, case_set_code: str = "toets", *, max_attempts: int,
        rng_seed: int | None = None,
    ) -> ex.ExamAttemptInfo:
        """Start an attempt on an exam set, its cases in a new random order fixed for the attempt.

        An attempt that is still open (not submitted) is returned instead (``resumed`` is
        True), whatever programme is asked: an open attempt is always finished first. A new
        attempt beyond ``max_attempts`` on this set is refused with :class:`Conflict`.
        """
        require(actor, "write_rating_for", actor.id)
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValidationError("Het maximale aantal toetspogingen is een geheel getal van minstens 1.")
        with self.transaction() as s:
            # Serialise one person's starts (PostgreSQL), so two clicks never open two attempts.
            s.scalar(select(m.Person.id).where(m.Person.id == actor.id).with_for_update())
            case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == case_set_code))
            if case_set is None:
                raise NotFound(f"Set {case_set_code!r} bestaat niet.")
            if case_set.kind != "exam":
                raise ValidationError(f"Set {case_set_code!r} is geen toetsset.")
            open_attempt = s.scalar(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == actor.id,
                                            m.ExamAttempt.submitted_at.is_(None))
                .order_by(m.ExamAttempt.id).limit(1))
            if open_attempt is not None:
                return self._exam_attempt_info(s, open_attempt, resumed=True)
            programme_id = self._programme_id(s, programme_code)
            used = s.scalar(select(func.count()).select_from(m.ExamAttempt).where(
                m.ExamAttempt.person_id == actor.id, m.ExamAttempt.case_set_id == case_set.id)) or 0
            if used >= max_attempts:
                raise Conflict(f"Je hebt de toets al {used} keer gemaakt; meer dan {max_attempts} "
                               f"{'poging' if max_attempts == 1 else 'pogingen'} is niet mogelijk. "
                               "Neem contact op met je trainer.")
            codes = [item.case.code for item in case_set.items]
            if not codes:
                raise ValidationError(f"Set {case_set_code!r} bevat nog geen casussen.")
            attempt = m.ExamAttempt(person_id=actor.id, case_set_id=case_set.id, programme_id=programme_id,
                                    case_order=ex.shuffled(codes, rng_seed), started_at=m.utcnow())
            s.add(attempt)
            s.flush()
            self.audit(s, actor, "exam.start", actor.username, attempt=attempt.id, case_set=case_set_code,
                       programme=programme_code)
            return self._exam_attempt_info(s, attempt)

    def find_open_exam(self, actor: Actor) -> ex.ExamAttemptInfo | None:
        """The actor's attempt that is not submitted yet, or None."""
        with self.transaction(readonly=True) as s:
            attempt = s.scalar(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == actor.id,
                                            m.ExamAttempt.submitted_at.is_(None))
                .order_by(m.ExamAttempt.id).limit(1))
            if attempt is None:
                return None
            require(actor, "read_ratings_of", attempt.person_id)
            return self._exam_attempt_info(s, attempt, resumed=True)

    def list_exam_attempts(self, actor: Actor, username: str) -> list[ex.ExamAttemptInfo]:
        """A person's attempts, oldest first (own or staff)."""
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_ratings_of", username)
            return [self._exam_attempt_info(s, a) for a in s.scalars(
                select(m.ExamAttempt).where(m.ExamAttempt.person_id == person_id).order_by(m.ExamAttempt.id))]

    def save_exam_rating(
        self, actor: Actor, attempt_id: int, case_code: str, scores: dict[str, int], note: str | None = None,
    ) -> ex.ExamProgress:
        """Store (or change) the actor's scores of one case in an open attempt.

        A second score for the same case and scale within the attempt replaces the first.
        ``note`` (when given) is kept with every score of that case. Returns the progress.
        """
        if len(note or "") > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id, lock=True)
            require(actor, "write_rating_for", attempt.person_id)
            if attempt.submitted_at is not None:
                raise Conflict("Deze toets is al ingeleverd; scores kunnen niet meer veranderen.")
            if case_code not in (attempt.case_order or []):
                raise ValidationError(f"Casus {case_code!r} hoort niet bij deze toets.")
            rows = {r.scale_id: r for r in s.scalars(select(m.Rating).join(m.Case, m.Case.id == m.Rating.case_id)
                                                     .where(m.Rating.exam_attempt_id == attempt.id,
                                                            m.Case.code == case_code))}
            if not scores and not rows:
                raise ValidationError("Geef eerst een score.")
            for scale_code, score in scores.items():
                if scale_code not in ex.EXAM_SCALES:
                    raise ValidationError(f"Schaal {scale_code!r} hoort niet bij de toets.")
                case, scale = self._case_and_scale(s, case_code, scale_code)
                score = self._check_score(scale, score)
                row = rows.get(scale.id)
                if row is None:
                    rows[scale.id] = row = m.Rating(
                        rater_id=attempt.person_id, case_id=case.id, scale_id=scale.id, score=score,
                        note=note or "", mode="exam", exam_attempt_id=attempt.id)
                    s.add(row)
                else:
                    row.score, row.updated_at = score, m.utcnow()
            if note is not None:
                for row in rows.values():
                    row.note = note
            s.flush()
            return self._exam_progress(s, attempt)

    def _exam_progress(self, s: Session, attempt: m.ExamAttempt) -> ex.ExamProgress:
        scores: dict[str, dict[str, int]] = {}
        notes: dict[str, str] = {}
        for scale_code, case_code, score, note in s.execute(
            select(m.Scale.code, m.Case.code, m.Rating.score, m.Rating.note)
            .join(m.Case, m.Case.id == m.Rating.case_id)
            .join(m.Scale, m.Scale.id == m.Rating.scale_id)
            .where(m.Rating.exam_attempt_id == attempt.id)
            .order_by(m.Rating.updated_at, m.Rating.id)
        ):
            scores.setdefault(case_code, {})[scale_code] = score
            if note:
                notes[case_code] = note
        return ex.ExamProgress(attempt.id, tuple(attempt.case_order or ()), ex.EXAM_SCALES, scores, notes,
                               attempt.submitted_at is not None)

    def exam_progress(self, actor: Actor, attempt_id: int) -> ex.ExamProgress:
        """The actor's own scores and notes in an attempt (own or staff); never expert data."""
        with self.transaction(readonly=True) as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_ratings_of", attempt.person_id)
            return self._exam_progress(s, attempt)

    def submit_exam(self, actor: Actor, attempt_id: int, *, rules: dict[str, Any]) -> ex.ExamOutcome:
        """Hand in a complete attempt: decide by the rules, store and link the decision, and on a
        pass issue a certificate — all in one transaction.

        Refused (:class:`ValidationError`) while a case lacks a score on one of the rule's
        scales, and (:class:`Conflict`) when the attempt was already submitted. The consensus
        is computed here, with the core's rights, from the stored expert scores
        (:func:`oefenkit.certification.decide_against_experts`).
        """
        from ..certification import decide_against_experts, valid_until  # imports no storage

        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id, lock=True)
            require(actor, "write_rating_for", attempt.person_id)
            if attempt.submitted_at is not None:
                raise Conflict("Deze toets is al ingeleverd.")
            programme = s.get(m.Programme, attempt.programme_id) if attempt.programme_id else None
            rule = rules.get(programme.code) if programme else None
            if rule is None:
                raise NotFound("Er zijn geen certificeringsregels voor het programma van deze toets.")
            progress = self._exam_progress(s, attempt)
            missing = [c for c in progress.case_codes
                       if not all(sc in progress.scores.get(c, {}) for sc in rule.scales)]
            if missing:
                raise ValidationError(f"Nog {len(missing)} van de {progress.n_total} fragmenten zijn niet "
                                      "op beide schalen gescoord. Scoor ze eerst en lever dan in.")
            # Claim the attempt first: a second submit (double click, second tab) waits here and
            # then finds it submitted, so there is never a second decision or certificate.
            now = m.utcnow()
            claimed = s.execute(update(m.ExamAttempt).where(
                m.ExamAttempt.id == attempt.id, m.ExamAttempt.submitted_at.is_(None)).values(submitted_at=now))
            if claimed.rowcount != 1:
                raise Conflict("Deze toets is al ingeleverd.")
            trainee = {scale: {c: progress.scores[c][scale] for c in progress.case_codes} for scale in rule.scales}
            case_ids = [cid for cid, in s.execute(select(m.Case.id).where(m.Case.code.in_(progress.case_codes)))]
            experts: dict[str, list[tuple[str, str, int]]] = {}
            ranges: dict[str, tuple[int, int]] = {}
            for scale_code in rule.scales:
                scale = s.scalar(select(m.Scale).where(m.Scale.code == scale_code)
                                 .order_by(m.Scale.version.desc()).limit(1))
                if scale is None:
                    raise NotFound(f"Schaal {scale_code!r} bestaat niet.")
                ranges[scale_code] = (scale.min_score, scale.max_score)
                experts[scale_code] = [
                    (u, c, score) for u, c, score in s.execute(
                        select(m.Person.username, m.Case.code, m.ExpertScore.score)
                        .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                        .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                        .where(m.ExpertScore.scale_id == scale.id, m.ExpertScore.case_id.in_(case_ids))
                        .order_by(m.Case.code, m.Person.username))]
            set_code = s.scalar(select(m.CaseSet.code).where(m.CaseSet.id == attempt.case_set_id))
            supervised = self._supervised_case_count(s, attempt.person_id, programme.id)  # Ouder-baby: recorded cases
            decision = decide_against_experts(rule, trainee, experts, ranges, case_set_code=set_code,
                                              supervised_cases=supervised)
            decision.statistics["exam_attempt"] = attempt.id
            person = s.get(m.Person, attempt.person_id)
            row = m.CertificationDecision(
                person_id=person.id, programme_id=programme.id, exam_attempt_id=attempt.id, kind="proposal",
                passed=decision.passed, reasons=list(decision.reasons), statistics=decision.statistics,
                rule=decision.rule, decided_by_id=None, reason="", decided_at=now)
            s.add(row)
            s.flush()
            attempt.decision_id = row.id
            self.audit(s, SYSTEM, "certification.proposal", person.username, programme=programme.code,
                       passed=decision.passed, exam_attempt=attempt.id)
            self.audit(s, actor, "exam.submit", person.username, attempt=attempt.id, passed=decision.passed)
            certificate = None
            if decision.passed:
                issued_on = now.astimezone(ex.LOCAL_TZ).date()
                until = valid_until(issued_on, rule)
                cert = m.Certificate(
                    person_id=person.id, programme_id=programme.id, verification_code=ex.new_verification_code(),
                    issued_at=now, valid_until=dt.datetime.combine(until, dt.time(12), tzinfo=dt.timezone.utc),
                    decided_by_id=None, decision="accepted", reason="",
                    statistics={"decision_id": row.id, "exam_attempt": attempt.id, "case_set": set_code,
                                "scales": decision.statistics.get("scales", {}),
                                "reasons": list(decision.reasons)})
                s.add(cert)
                s.flush()
                self.audit(s, SYSTEM, "certificate.issue", person.username, programme=programme.code,
                           code=cert.verification_code)
                certificate = self._certificate_info(cert, person, programme)
            return ex.ExamOutcome(attempt.id, row.id, decision.passed, tuple(decision.reasons),
                                  decision.statistics, certificate, dict(decision.rule))

    def find_exam_outcome(self, actor: Actor, attempt_id: int) -> ex.ExamOutcome:
        """The decision (and certificate) of a submitted attempt (own or staff)."""
        with self.transaction(readonly=True) as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_certification_of", attempt.person_id)
            if attempt.submitted_at is None or attempt.decision_id is None:
                raise NotFound("Deze toets is nog niet ingeleverd.")
            row = s.get(m.CertificationDecision, attempt.decision_id)
            certificate = None
            # The certificate names its decision in its statistics (no column for it in the schema).
            cert = next((c for c in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == attempt.person_id)) if (c.statistics or {}).get("decision_id") == row.id),
                None)
            if cert is not None:
                certificate = self._certificate_info(cert, s.get(m.Person, cert.person_id),
                                                     s.get(m.Programme, cert.programme_id))
            return ex.ExamOutcome(attempt.id, row.id, row.passed, tuple(row.reasons), row.statistics, certificate,
                                  dict(row.rule or {}))

    @staticmethod
    def _certificate_info(cert: m.Certificate, person: m.Person, programme: m.Programme) -> ex.CertificateInfo:
        def utc(moment: dt.datetime) -> dt.datetime:  # SQLite gives naive UTC, PostgreSQL aware values
            return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)

        return ex.CertificateInfo(cert.verification_code, person.username, person.display_name, programme.code,
                                  programme.name, utc(cert.issued_at), utc(cert.valid_until).date(), cert.decision,
                                  dict(cert.statistics or {}), cert.kind or "certificate")

    def find_certificate(self, actor: Actor, code: str) -> ex.CertificateInfo:
        """A certificate by verification code, for its owner or staff.

        Somebody else gets :class:`NotFound`, exactly as for a code that does not exist, so
        codes cannot be probed.
        """
        with self.transaction(readonly=True) as s:
            cert = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == (code or "").strip().upper()))
            if cert is None or not can(actor, "read_certification_of", cert.person_id):
                raise NotFound("Dit certificaat bestaat niet.")
            return self._certificate_info(cert, s.get(m.Person, cert.person_id),
                                          s.get(m.Programme, cert.programme_id))
