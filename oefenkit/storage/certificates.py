"""Certificates and supervision: the :class:`~oefenkit.storage.kit.Kit` verbs a trainer uses after
the rules have proposed (accept or override, issue), the public verification of a code, the
certificate register, supervised cases (Ouder-baby) and renewal by attending a terugkomdag.

The rules come from :func:`oefenkit.certification.load_rules`; verbs that need them take
``rules`` as a parameter, like ``submit_exam``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import requirements as rq
from ..certification import (
    renewed_until,  # imports no storage
    valid_until,  # imports no storage
)
from ..errors import Conflict, NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import exams as ex
from . import models as m
from .cases import scales_in_order
from .certificate_status import (
    CERTIFICATE_STATUSES,
    LAPSED_REGISTRATION,
    REVOKED,
    _revoked,
    _until_day,
    certificate_info,
    certificate_status,
)
from .requirements import PATH_KEY
from .store import Service, Store

if TYPE_CHECKING:
    from .requirements import RequirementsService

__all__ = ["CertificatesService", "CERTIFICATE_STATUSES", "LAPSED_REGISTRATION", "REVOKED", "certificate_status"]

_NOTE_MAX = 5000


def _until_moment(day: dt.date) -> dt.datetime:
    """How a last valid day is stored (noon UTC, as ``submit_exam`` does)."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc)


class CertificatesService(Service):
    """Verbs on certificates and supervised cases (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, requirements: RequirementsService):
        super().__init__(store)
        #: Path certificates and registrations (:meth:`RequirementsService.update_registrations`).
        self._requirements = requirements

    # -- shared look-ups ------------------------------------------------------------------

    # -- deciding on a proposal --------------------------------------------------------------

    def decide_certificate(
        self, actor: Actor, decision_id: int, *, accept: bool, reason: str = "",
        rules: Mapping[str, Any],
    ) -> dict[str, Any]:
        """A trainer accepts the rules' proposal ``decision_id`` or overrides it.

        Both are stored as a new :class:`~oefenkit.storage.models.CertificationDecision`
        (kind ``accepted`` / ``override``) whose statistics name the proposal, and audited.
        An override needs a reason and turns the outcome around; overriding a pass revokes the
        certificate the submitted exam already issued on that proposal (audited
        ``certificate.revoke``, status ``ingetrokken``). When the final outcome is a
        pass and the person holds no valid certificate for the programme, a certificate is
        issued, valid for the programme rule's period. Returns ``decision_id``, ``kind``,
        ``passed`` and ``certificate`` (a :class:`~oefenkit.storage.exams.CertificateInfo` or None).

        A *path* proposal (``statistics["path"]``, :meth:`propose_complete_paths`) issues what its
        path gives: a registration (``kind`` registration, active ``every_years`` from today and
        extended by the refresher records) or a certificate (valid ``every_years``, or without end
        when the path sets none); ``rules`` are not used for it.
        """
        require(actor, "decide_certification")
        reason = (reason or "").strip()
        if not accept and not reason:
            raise ValidationError("Geef een reden als je afwijkt van het voorstel.")
        if len(reason) > _NOTE_MAX:
            raise ValidationError(f"Een reden heeft hoogstens {_NOTE_MAX} tekens.")
        kind = "accepted" if accept else "override"
        with self.transaction() as s:
            proposal = s.scalar(select(m.CertificationDecision).where(m.CertificationDecision.id == decision_id)
                                .with_for_update())
            if proposal is None:
                raise NotFound("Dit certificeringsvoorstel bestaat niet.")
            if proposal.kind != "proposal":
                raise ValidationError("Dit is geen voorstel van de regels maar al een besluit.")
            earlier = [d for d in s.scalars(select(m.CertificationDecision).where(
                m.CertificationDecision.person_id == proposal.person_id,
                m.CertificationDecision.kind.in_(("accepted", "override"))))
                if (d.statistics or {}).get("proposal_id") == proposal.id]
            if earlier:
                raise Conflict("Over dit voorstel is al besloten.")
            person = s.get(m.Person, proposal.person_id)
            programme = s.get(m.Programme, proposal.programme_id)
            passed = proposal.passed if accept else not proposal.passed
            row = m.CertificationDecision(
                person_id=person.id, programme_id=programme.id, exam_attempt_id=proposal.exam_attempt_id,
                kind=kind, passed=passed, reasons=list(proposal.reasons or []),
                statistics={"proposal_id": proposal.id, "proposal_passed": proposal.passed},
                rule=dict(proposal.rule or {}), decided_by_id=actor.id, reason=reason)
            s.add(row)
            s.flush()
            self.audit(s, actor, f"certification.{kind}", person.username, programme=programme.code,
                       passed=passed, proposal=proposal.id, decision=row.id,
                       **({"reason": reason} if kind == "override" else {}))
            certificate = None
            if not passed:
                # A passing proposal of a submitted exam already issued its certificate
                # (submit_exam); turning that proposal down revokes it.
                self._revoke_certificates_of_proposal(s, actor, person, programme, proposal.id, row.id, reason)
            if passed and (proposal.statistics or {}).get(PATH_KEY):
                if self._requirements.valid_path_certificate(s, person.id, programme.id) is None:
                    certificate = self._issue_path_certificate(s, actor, person, programme, proposal, row, kind,
                                                               reason)
            elif passed and self._valid_certificate(s, person.id, programme.id) is None:
                rule = rules.get(programme.code)
                if rule is None:
                    raise NotFound(f"Er zijn geen certificeringsregels voor programma {programme.code!r}.")

                now = m.utcnow()
                until = valid_until(now.astimezone(ex.LOCAL_TZ).date(), rule)
                stats = proposal.statistics or {}
                cert = m.Certificate(
                    person_id=person.id, programme_id=programme.id, verification_code=ex.new_verification_code(),
                    issued_at=now, valid_until=_until_moment(until), decided_by_id=actor.id, decision=kind,
                    reason=reason, demo=bool(stats.get("demo")),  # a proposal from a public set under the demo setting
                    statistics={"decision_id": row.id, "proposal_id": proposal.id,
                                "exam_attempt": proposal.exam_attempt_id, "case_set": stats.get("case_set"),
                                "scales": stats.get("scales", {}), "reasons": list(proposal.reasons or [])})
                s.add(cert)
                s.flush()
                self.audit(s, actor, "certificate.issue", person.username, programme=programme.code,
                           code=cert.verification_code, decision=row.id)
                certificate = certificate_info(cert, person, programme)
            return {"decision_id": row.id, "kind": kind, "passed": passed, "certificate": certificate}

    def _issue_path_certificate(
        self, s: Session, actor: Actor, person: m.Person, programme: m.Programme,
        proposal: m.CertificationDecision, row: m.CertificationDecision, kind: str, reason: str,
    ) -> ex.CertificateInfo:
        validity = ((proposal.rule or {}).get(PATH_KEY) or {}).get("validity") or {}
        years, refresher = validity.get("every_years"), validity.get("refresher")
        now = m.utcnow()
        issued_on = now.astimezone(ex.LOCAL_TZ).date()
        base = rq.add_years(issued_on, int(years)) if years else rq.NO_END
        cert_kind = "registration" if validity.get("kind") == "registration" else "certificate"
        stats = {"decision_id": row.id, "proposal_id": proposal.id, PATH_KEY: (proposal.statistics or {})[PATH_KEY],
                 "requirements": list((proposal.statistics or {}).get("requirements") or []),
                 "refresher": refresher, "every_years": years, "valid_until_base": base.isoformat()}
        cert = m.Certificate(
            person_id=person.id, programme_id=programme.id, verification_code=ex.new_verification_code(),
            issued_at=now, valid_until=_until_moment(base), decided_by_id=actor.id, decision=kind, reason=reason,
            statistics=stats, kind=cert_kind)
        s.add(cert)
        s.flush()
        self.audit(s, actor, "certificate.issue", person.username, programme=programme.code,
                   code=cert.verification_code, decision=row.id, kind=cert_kind)
        if cert_kind == "registration":  # a terugkomdag recorded before the decision counts too
            self._requirements.update_registrations(s, actor, person, programme)
        return certificate_info(cert, person, programme)

    def _revoke_certificates_of_proposal(
        self, s: Session, actor: Actor, person: m.Person, programme: m.Programme, proposal_id: int,
        decision_id: int, reason: str,
    ) -> list[str]:
        """Revoke the certificates issued on proposal ``proposal_id``: ``statistics["revoked"]``,
        the last valid day yesterday (so it is not valid today anywhere), and the
        original last day, the deciding decision and the reason are kept; each one is audited."""
        revoked = []
        yesterday = ex.local_today() - dt.timedelta(days=1)
        for cert in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == person.id, m.Certificate.programme_id == programme.id)
                .order_by(m.Certificate.id).with_for_update()):
            stats = dict(cert.statistics or {})
            if stats.get("decision_id") != proposal_id or _revoked(cert):
                continue
            stats.update({REVOKED: True, "revoked_by_decision": decision_id, "revoked_at": m.utcnow().isoformat(),
                          "valid_until_before_revocation": _until_day(cert).isoformat()})
            cert.statistics = stats
            cert.reason = reason
            cert.valid_until = _until_moment(min(_until_day(cert), yesterday))
            self.audit(s, actor, "certificate.revoke", person.username, programme=programme.code,
                       code=cert.verification_code, decision=decision_id)
            revoked.append(cert.verification_code)
        return revoked

    @staticmethod
    def _valid_certificate(s: Session, person_id: int, programme_id: int) -> m.Certificate | None:
        today = ex.local_today()
        for cert in s.scalars(select(m.Certificate).where(
                m.Certificate.person_id == person_id, m.Certificate.programme_id == programme_id)
                .order_by(m.Certificate.id.desc())):
            if not _revoked(cert) and not cert.demo and _until_day(cert) >= today:  # a demo certifies nothing
                return cert
        return None

    # -- the trainer's work list ----------------------------------------------------------------

    def list_open_proposals(self, actor: Actor) -> list[dict[str, Any]]:
        """The rules' proposals nobody has decided on yet (staff), oldest first.

        Each is a dict with ``decision_id``, ``username``, ``display_name``, ``programme``,
        ``programme_name``, ``passed``, ``reasons``, ``statistics``, ``proposed_at``,
        ``exam_attempt_id``, ``rule`` (a path proposal's names its path), ``required_supervised_cases``
        (from the stored rule),
        ``supervised_cases`` (recorded now, which may be more than when the rules proposed) and
        ``certificate`` (the code of the certificate the exam already issued, or None).
        """
        require(actor, "decide_certification")
        with self.transaction(readonly=True) as s:
            decided = {(d.statistics or {}).get("proposal_id") for d in s.scalars(
                select(m.CertificationDecision).where(m.CertificationDecision.kind.in_(("accepted", "override"))))}
            issued: dict[Any, str] = {}
            for cert in s.scalars(select(m.Certificate)):
                if not _revoked(cert):
                    issued.setdefault((cert.statistics or {}).get("decision_id"), cert.verification_code)
            out = []
            for d, username, name, p_code, p_name in s.execute(
                select(m.CertificationDecision, m.Person.username, m.Person.display_name, m.Programme.code,
                       m.Programme.name)
                .join(m.Person, m.Person.id == m.CertificationDecision.person_id)
                .join(m.Programme, m.Programme.id == m.CertificationDecision.programme_id)
                .where(m.CertificationDecision.kind == "proposal")
                .order_by(m.CertificationDecision.decided_at, m.CertificationDecision.id)
            ):
                if d.id in decided:
                    continue
                required = (d.rule or {}).get("required_supervised_cases") or 0
                out.append({
                    "decision_id": d.id, "username": username, "display_name": name, "programme": p_code,
                    "programme_name": p_name, "passed": d.passed, "reasons": list(d.reasons or []),
                    "statistics": dict(d.statistics or {}), "rule": dict(d.rule or {}),
                    "proposed_at": m.as_utc(d.decided_at),
                    "exam_attempt_id": d.exam_attempt_id, "required_supervised_cases": int(required),
                    "supervised_cases": self._supervised_case_count(s, d.person_id, d.programme_id),
                    "certificate": issued.get(d.id)})
            return out

    def list_certificates_of(self, actor: Actor, username: str) -> list[dict[str, Any]]:
        """A person's own certificates (own or staff), newest first, each with ``code``,
        ``programme``, ``programme_name``, ``issued``, ``valid_until``, ``valid`` (today) and
        ``revoked``."""
        today = ex.local_today()
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_certification_of", username)
            out = []
            for cert, p_code, p_name in s.execute(
                select(m.Certificate, m.Programme.code, m.Programme.name)
                .join(m.Programme, m.Programme.id == m.Certificate.programme_id)
                .where(m.Certificate.person_id == person_id).order_by(m.Certificate.id.desc())
            ):
                until = _until_day(cert)
                revoked = _revoked(cert)
                out.append({"code": cert.verification_code, "programme": p_code, "programme_name": p_name,
                            "issued": m.as_utc(cert.issued_at).astimezone(ex.LOCAL_TZ).date(), "valid_until": until,
                            "valid": not revoked and until >= today, "revoked": revoked, "kind": cert.kind,
                            "status": certificate_status(cert, today)})
            return out

    # -- verification and register ------------------------------------------------------------

    def verify_certificate(self, code: str, *, today: dt.date | None = None) -> dict[str, Any]:
        """PUBLIC: what a verification code proves — holder, programme, dates, valid today, and
        what was completed (a path's requirements with their dates; ``basis`` is ``path``,
        ``scoring_test`` or ``converted``; ``scales``, code → title, the scales a scoring test measured).

        Needs no actor and returns nothing else (no figures, no user name). An unknown
        code raises :class:`NotFound`.
        """
        today = today or ex.local_today()
        with self.transaction(readonly=True) as s:
            row = s.execute(
                select(m.Certificate, m.Person.display_name, m.Programme.name, m.Programme.code)
                .join(m.Person, m.Person.id == m.Certificate.person_id)
                .join(m.Programme, m.Programme.id == m.Certificate.programme_id)
                .where(m.Certificate.verification_code == (code or "").strip().upper())).first()
            if row is None:
                raise NotFound("Er bestaat geen certificaat met deze verificatiecode.")
            cert, name, programme_name, programme_code = row
            until = _until_day(cert)
            revoked = _revoked(cert)
            stats = cert.statistics or {}
            basis = "path" if stats.get("path") else "converted" if stats.get("converted_from") else "scoring_test"
            requirements = [{k: item.get(k) for k in ("code", "label", "count", "done_count", "dates", "required")}
                            for item in stats.get("requirements") or ()] if basis == "path" else []
            titles = {sc.code: sc.title for sc in scales_in_order(s)}
            scales = {code: titles.get(code, code) for code in stats.get("scales") or ()}
            return {"display_name": name, "programme_name": programme_name, "programme_code": programme_code,
                    "issued": m.as_utc(cert.issued_at).astimezone(ex.LOCAL_TZ).date(), "valid_until": until,
                    "valid": not revoked and not cert.demo and until >= today, "revoked": revoked, "kind": cert.kind,
                    "status": certificate_status(cert, today), "basis": basis, "requirements": requirements,
                    "demo": bool(cert.demo), "scales": scales}

    def certificate_register(
        self, actor: Actor, *, expiring_within_days: int = 90, today: dt.date | None = None,
    ) -> list[dict[str, Any]]:
        """Every certificate and registration (staff only), soonest expiry first, with its ``kind``
        and Dutch status (:func:`certificate_status`): ``geldig``, ``verloopt binnenkort`` (within
        ``expiring_within_days``), ``verlopen``, ``verlopen: terugkomdag gemist`` (a registration)
        or ``ingetrokken``."""
        require(actor, "view_certificate_register")
        if isinstance(expiring_within_days, bool) or not isinstance(expiring_within_days, int) \
                or expiring_within_days < 0:
            raise ValidationError("Het aantal dagen is een geheel getal van minstens 0.")
        today = today or ex.local_today()
        with self.transaction(readonly=True) as s:
            out = []
            for cert, username, name, p_code, p_name in s.execute(
                select(m.Certificate, m.Person.username, m.Person.display_name, m.Programme.code, m.Programme.name)
                .join(m.Person, m.Person.id == m.Certificate.person_id)
                .join(m.Programme, m.Programme.id == m.Certificate.programme_id)
                .order_by(m.Certificate.valid_until, m.Certificate.id)
            ):
                until = _until_day(cert)
                status = certificate_status(cert, today, expiring_within_days)
                out.append({"code": cert.verification_code, "username": username, "display_name": name,
                            "programme": p_code, "programme_name": p_name,
                            "issued": m.as_utc(cert.issued_at).astimezone(ex.LOCAL_TZ).date(),
                            "valid_until": until, "status": status, "kind": cert.kind})
            return out

    # -- supervised cases ---------------------------------------------------------------------

    def record_supervised_case(self, actor: Actor, username: str, programme_code: str, note: str) -> int:
        """A supervisor (trainer) records one case the person carried out and discussed."""
        require(actor, "record_supervised_cases")
        note = (note or "").strip()
        if not note:
            raise ValidationError("Beschrijf kort welke casus is uitgevoerd en besproken.")
        if len(note) > _NOTE_MAX:
            raise ValidationError(f"Een toelichting heeft hoogstens {_NOTE_MAX} tekens.")
        with self.transaction() as s:
            person = self._person(s, username)
            programme = self._programme(s, programme_code)
            row = m.SupervisedCase(person_id=person.id, programme_id=programme.id, recorded_by_id=actor.id,
                                   note=note, recorded_at=m.utcnow())
            s.add(row)
            s.flush()
            self.audit(s, actor, "supervised_case.record", username, programme=programme_code, case=row.id)
            return row.id

    def count_supervised_cases(self, actor: Actor, username: str, programme_code: str) -> int:
        """How many supervised cases are recorded for the person in the programme (own or staff)."""
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_certification_of", username)
            return self._supervised_case_count(s, person_id, self._programme(s, programme_code).id)

    # -- renewal ------------------------------------------------------------------------------

    def renew_certificates_for_attendance(
        self, actor: Actor, username: str, attended_on: dt.date, *, rules: Mapping[str, Any],
    ) -> list[dict[str, Any]]:
        """Attending a terugkomdag on ``attended_on`` renews the person's certificates that are
        still valid that day (:func:`oefenkit.certification.renewed_until`); expired ones stay
        expired. Registrations are left alone: the terugkomdag keeps them active as a requirement
        record (``record_requirement`` with the path's refresher code). Returns per certificate
        ``code``, ``programme``, ``old`` and ``new`` last day and ``renewed``; every renewal is
        audited."""

        require(actor, "decide_certification")
        if not isinstance(attended_on, dt.date) or isinstance(attended_on, dt.datetime):
            raise ValidationError("Geef de datum van de terugkomdag.")
        if attended_on > ex.local_today():
            raise ValidationError("Een terugkomdag in de toekomst telt nog niet mee.")
        with self.transaction() as s:
            person = self._person(s, username)
            out = []
            for cert, p_code in s.execute(
                select(m.Certificate, m.Programme.code).join(m.Programme, m.Programme.id == m.Certificate.programme_id)
                .where(m.Certificate.person_id == person.id).order_by(m.Certificate.id).with_for_update()
            ):
                rule = rules.get(p_code)
                old = _until_day(cert)
                # A registration follows its refresher records (record_requirement), not this renewal.
                renewable = rule is not None and not _revoked(cert) and cert.kind != "registration"
                new = renewed_until(old, attended_on, rule) if renewable and rule is not None else old
                if new != old:
                    cert.valid_until = _until_moment(new)
                    self.audit(s, actor, "certificate.renew", username, programme=p_code,
                               code=cert.verification_code, attended_on=attended_on.isoformat(),
                               old=old.isoformat(), new=new.isoformat())
                out.append({"code": cert.verification_code, "programme": p_code, "old": old, "new": new,
                            "renewed": new != old})
            return out
