"""Certification-test attempts: the :class:`~oefenkit.storage.kit.Kit` verbs behind the exam app
(start, save a rating, progress, submit, outcome, certificate). The values they return live
in :mod:`oefenkit.storage.exams`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..certification import decide_against_experts, valid_until  # imports no storage
from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..identity import SYSTEM, Actor
from ..permissions import can, require, roles
from ..scales import every_scale
from . import exams as ex
from . import models as m
from .cases import scales_in_order
from .certificate_status import certificate_info
from .store import Service, rowcount

__all__ = ["ExamService", "exam_programmes", "scoring_test_programmes"]


def scoring_test_programmes(s: Session) -> frozenset[str]:
    """The codes of the programmes whose path has an enabled scoring test (``programme.scoring_test``,
    set by ``oefenkit init`` from ``content/programmes/<code>.yaml``)."""
    return frozenset(s.scalars(_WITH_TEST))


_WITH_TEST = select(m.Programme.code).where(m.Programme.scoring_test.is_(True))  # built once: hot path


def exam_programmes(with_test: frozenset[str], staff: bool, programmes: frozenset[str]) -> frozenset[str]:
    """The programmes whose certification test a person may take.

    Only programmes with a scoring test (``with_test``, :func:`scoring_test_programmes`) have a test.
    A person's programmes are those of their groups (``programmes``): a trainee gets the tests of
    those programmes, so a Babytijd-only cursist gets none. A trainee in no programme group yet, and
    staff (``staff`` in ``roles.yaml``), get every programme with a test.

    >>> exam_programmes(frozenset({"ouder-baby"}), False, frozenset({"babytijd"}))
    frozenset()
    >>> sorted(exam_programmes(frozenset({"ouder-baby"}), False, frozenset()))
    ['ouder-baby']
    """
    if not staff and programmes:
        return with_test & programmes
    return with_test


def role_is_staff(role_code: str) -> bool:
    """Is a stored role one that guides others (``staff`` in ``roles.yaml``)?"""

    role = roles().get(role_code)
    return role is not None and role.staff


def _person_exam_programmes(s: Session, person_id: int) -> frozenset[str]:
    """:func:`exam_programmes` of a person as stored now (not as an Actor value remembers it)."""
    person = s.get(m.Person, person_id)
    if person is None:
        raise NotFound("Deze persoon bestaat niet.")
    programmes = frozenset(s.scalars(
        select(m.Programme.code).join(m.Group, m.Group.programme_id == m.Programme.id)
        .join(m.GroupMembership, m.GroupMembership.group_id == m.Group.id)
        .where(m.GroupMembership.person_id == person_id)))
    return exam_programmes(scoring_test_programmes(s), role_is_staff(person.role), programmes)


def _open_attempt(s: Session, person_id: int) -> m.ExamAttempt | None:
    """The person's unsubmitted attempt on a programme that still has a scoring test (an open
    attempt of a programme whose test was switched off, or of Babytijd from before issue 17, is
    left alone: it can never be handed in and must not block a new test)."""
    return s.scalar(
        select(m.ExamAttempt).join(m.Programme, m.Programme.id == m.ExamAttempt.programme_id)
        .where(m.ExamAttempt.person_id == person_id, m.ExamAttempt.submitted_at.is_(None),
               m.Programme.scoring_test.is_(True))
        .order_by(m.ExamAttempt.id).limit(1))


def _exam_scales(s: Session) -> tuple[str, ...]:
    """The scales every exam case is scored on: the current scales, in order (the certification rule
    judges the ones it names; content loading checks that those exist)."""
    return tuple(sc.code for sc in scales_in_order(s))


class ExamService(Service):
    """Verbs on certification-test attempts (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- certification test --------------------------------------------------------------
    # The exam app's verbs. A cursist's kernel only ever calls these (and the generic rating
    # and listing verbs): none returns an expert score, a consensus or its rationale before the
    # attempt is submitted. ``submit_exam`` decides with the core's own rights (SYSTEM) inside
    # the same transaction that closes the attempt, so the expert data never leaves the core.

    @staticmethod
    def _exam_attempt_info(s: Session, attempt: m.ExamAttempt, *, resumed: bool = False) -> ex.ExamAttemptInfo:
        cases = {c.code: c for c in s.scalars(select(m.Case).where(m.Case.code.in_(attempt.case_order or [])))}
        username = s.scalar(select(m.Person.username).where(m.Person.id == attempt.person_id))
        set_code, public = s.execute(select(m.CaseSet.code, m.CaseSet.public)
                                     .where(m.CaseSet.id == attempt.case_set_id)).one()
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
            number=number or 0, resumed=resumed, practice=bool(public),
        )

    @staticmethod
    def _exam_attempt(s: Session, attempt_id: int, *, lock: bool = False) -> m.ExamAttempt:
        query = select(m.ExamAttempt).where(m.ExamAttempt.id == attempt_id)
        attempt = s.scalar(query.with_for_update() if lock else query)
        if attempt is None:
            raise NotFound("Deze toetspoging bestaat niet.")
        return attempt

    def list_exam_sets(self, actor: Actor, programme_code: str) -> list[ex.ExamSetInfo]:
        """The exam sets the actor can take for a programme: its own (private) sets first, then the
        public ones (an oefentoets). Empty when the programme has no scoring test or is not the
        actor's (see :func:`exam_programmes`). Names and sizes only, never a case or a score."""
        require(actor, "write_rating_for", actor.id)
        with self.transaction(readonly=True) as s:
            programme = s.scalar(select(m.Programme).where(m.Programme.code == programme_code))
            if programme is None or programme_code not in _person_exam_programmes(s, actor.id):
                return []
            n_cases = (select(func.count()).select_from(m.CaseSetItem)
                       .where(m.CaseSetItem.set_id == m.CaseSet.id).scalar_subquery())
            rows = s.execute(
                select(m.CaseSet.code, m.CaseSet.name, m.CaseSet.public, n_cases)
                .where(m.CaseSet.kind == "exam",
                       (m.CaseSet.programme_id.is_(None)) | (m.CaseSet.programme_id == programme.id))
                .order_by(m.CaseSet.public, m.CaseSet.code))
            return [ex.ExamSetInfo(code, name, programme_code, n, bool(public))
                    for code, name, public, n in rows if n]

    def start_exam(
        self, actor: Actor, programme_code: str, case_set_code: str = "toets", *, max_attempts: int,
        rng_seed: int | None = None,
    ) -> ex.ExamAttemptInfo:
        """Start an attempt on an exam set, its cases in a new random order fixed for the attempt.

        An attempt that is still open (not submitted) is returned instead (``resumed`` is
        True), whatever programme is asked: an open attempt is always finished first. A new
        attempt beyond ``max_attempts`` on this set is refused with :class:`Conflict`. A programme
        without an enabled scoring test (Babytijd) is refused with :class:`ValidationError`, a
        programme that is not the person's (:func:`exam_programmes`) with :class:`PermissionDenied`,
        and a set of another programme with :class:`ValidationError`.
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
            open_attempt = _open_attempt(s, actor.id)
            if open_attempt is not None:
                return self._exam_attempt_info(s, open_attempt, resumed=True)
            programme_id = self._programme_id(s, programme_code)
            programme = s.get(m.Programme, programme_id)
            if not programme.scoring_test:
                raise ValidationError(f"Bij {programme.name} hoort geen scoringstoets; er is geen "
                                      "certificeringstoets voor dit programma.")
            if programme_code not in _person_exam_programmes(s, actor.id):
                raise PermissionDenied(f"De toets van {programme.name} hoort niet bij jouw programma.")
            if case_set.programme_id is not None and case_set.programme_id != programme_id:
                raise ValidationError(f"Set {case_set.name!r} hoort bij een ander programma.")
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
                       programme=programme_code, public=case_set.public)
            return self._exam_attempt_info(s, attempt)

    def find_open_exam(self, actor: Actor) -> ex.ExamAttemptInfo | None:
        """The actor's attempt that is not submitted yet, or None."""
        with self.transaction(readonly=True) as s:
            attempt = _open_attempt(s, actor.id)
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
            exam_scales = _exam_scales(s)
            for scale_code, score in scores.items():
                if scale_code not in exam_scales:
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
        return ex.ExamProgress(attempt.id, tuple(attempt.case_order or ()), _exam_scales(s), scores, notes,
                               attempt.submitted_at is not None)

    def exam_progress(self, actor: Actor, attempt_id: int) -> ex.ExamProgress:
        """The actor's own scores and notes in an attempt (own or staff); never expert data."""
        with self.transaction(readonly=True) as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_ratings_of", attempt.person_id)
            return self._exam_progress(s, attempt)

    def submit_exam(self, actor: Actor, attempt_id: int, *, rules: dict[str, Any],
                    demo_certificates: bool = False) -> ex.ExamOutcome:
        """Hand in a complete attempt: decide by the rules and store the result, in one transaction.

        * On the organisation's own (private) exam set: store a proposal linked to the attempt and,
          on a pass, issue a certificate.
        * On a public set (its expert scores are in the repository): an **oefentoets**. The same
          statistics and reasons on the scoring alone (the rule's supervised cases are not asked),
          stored with the attempt (``practice_result``); no proposal, no certificate.
          With ``demo_certificates`` (the ``OEFENKIT_DEMO_CERTIFICATES`` setting) a public set
          certifies after all, and the certificate is marked ``demo``.

        Refused (:class:`ValidationError`) while a case lacks a score on one of the rule's
        scales, and (:class:`Conflict`) when the attempt was already submitted. The consensus
        is computed here, with the core's rights, from the stored expert scores
        (:func:`oefenkit.certification.decide_against_experts`).
        """


        with self.transaction() as s:
            attempt = self._exam_attempt(s, attempt_id, lock=True)
            require(actor, "write_rating_for", attempt.person_id)
            if attempt.submitted_at is not None:
                raise Conflict("Deze toets is al ingeleverd.")
            programme = s.get(m.Programme, attempt.programme_id) if attempt.programme_id else None
            rule = rules.get(programme.code) if programme else None
            if rule is None or not programme.scoring_test:
                raise NotFound("Er zijn geen certificeringsregels voor het programma van deze toets.")
            case_set = s.get(m.CaseSet, attempt.case_set_id)
            practice = case_set.public and not demo_certificates
            if practice:  # the scoring alone: cases carried out are not part of an oefentoets
                rule = dataclasses.replace(rule, required_supervised_cases=0)
            progress = self._exam_progress(s, attempt)
            missing = [c for c in progress.case_codes if not progress.is_scored(c)
                       or not all(sc in progress.scores.get(c, {}) for sc in rule.scales)]
            if missing:
                raise ValidationError(f"Nog {len(missing)} van de {progress.n_total} fragmenten zijn niet "
                                      f"op {every_scale(len(progress.scales))} gescoord. Scoor ze eerst en "
                                      "lever dan in.")
            # Claim the attempt first: a second submit (double click, second tab) waits here and
            # then finds it submitted, so there is never a second decision or certificate.
            now = m.utcnow()
            claimed = s.execute(update(m.ExamAttempt).where(
                m.ExamAttempt.id == attempt.id, m.ExamAttempt.submitted_at.is_(None)).values(submitted_at=now))
            if rowcount(claimed) != 1:
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
            set_code = case_set.code
            supervised = 0 if practice else self._supervised_case_count(s, attempt.person_id, programme.id)
            decision = decide_against_experts(rule, trainee, experts, ranges, case_set_code=set_code,
                                              supervised_cases=supervised)
            decision.statistics["exam_attempt"] = attempt.id
            person = s.get(m.Person, attempt.person_id)
            if practice:
                decision.statistics["oefentoets"] = True
                attempt.practice_result = {"passed": decision.passed, "reasons": list(decision.reasons),
                                           "statistics": decision.statistics, "rule": dict(decision.rule)}
                self.audit(s, actor, "exam.submit", person.username, attempt=attempt.id, passed=decision.passed,
                           oefentoets=True)
                return ex.ExamOutcome(attempt.id, None, decision.passed, tuple(decision.reasons),
                                      decision.statistics, None, dict(decision.rule), practice=True)
            demo = bool(case_set.public)  # only reached with demo_certificates
            if demo:
                decision.statistics["demo"] = True
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
                    decided_by_id=None, decision="accepted", reason="", demo=demo,
                    statistics={"decision_id": row.id, "exam_attempt": attempt.id, "case_set": set_code,
                                "scales": decision.statistics.get("scales", {}),
                                "reasons": list(decision.reasons)})
                s.add(cert)
                s.flush()
                self.audit(s, SYSTEM, "certificate.issue", person.username, programme=programme.code,
                           code=cert.verification_code, demo=demo)
                certificate = certificate_info(cert, person, programme)
            return ex.ExamOutcome(attempt.id, row.id, decision.passed, tuple(decision.reasons),
                                  decision.statistics, certificate, dict(decision.rule))

    def find_exam_outcome(self, actor: Actor, attempt_id: int) -> ex.ExamOutcome:
        """The result (and certificate) of a submitted attempt (own or staff); an oefentoets's
        result comes from the attempt itself."""
        with self.transaction(readonly=True) as s:
            attempt = self._exam_attempt(s, attempt_id)
            require(actor, "read_certification_of", attempt.person_id)
            if attempt.submitted_at is not None and attempt.decision_id is None and attempt.practice_result:
                r = attempt.practice_result
                return ex.ExamOutcome(attempt.id, None, bool(r.get("passed")), tuple(r.get("reasons") or ()),
                                      dict(r.get("statistics") or {}), None, dict(r.get("rule") or {}),
                                      practice=True)
            if attempt.submitted_at is None or attempt.decision_id is None:
                raise NotFound("Deze toets is nog niet ingeleverd.")
            row = s.get(m.CertificationDecision, attempt.decision_id)
            certificate = None
            # The certificate names its decision in its statistics (no column for it in the schema).
            cert = next((c for c in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == attempt.person_id)) if (c.statistics or {}).get("decision_id") == row.id),
                None)
            if cert is not None:
                certificate = certificate_info(cert, s.get(m.Person, cert.person_id),
                                                     s.get(m.Programme, cert.programme_id))
            return ex.ExamOutcome(attempt.id, row.id, row.passed, tuple(row.reasons), row.statistics, certificate,
                                  dict(row.rule or {}))

    def find_certificate(self, actor: Actor, code: str) -> ex.CertificateInfo:
        """A certificate by verification code, for its owner or staff.

        Somebody else gets :class:`NotFound`, exactly as for a code that does not exist, so
        codes cannot be probed.
        """
        with self.transaction(readonly=True) as s:
            cert = s.scalar(select(m.Certificate).where(m.Certificate.verification_code == (code or "").strip().upper()))
            if cert is None or not can(actor, "read_certification_of", cert.person_id):
                raise NotFound("Dit certificaat bestaat niet.")
            return certificate_info(cert, s.get(m.Person, cert.person_id),
                                          s.get(m.Programme, cert.programme_id))
