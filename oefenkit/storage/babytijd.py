"""Babytijd reeksen (issue 20): the feature service ``kit.babytijd``.

An uitvoerder keeps their own reeksen: the opvoeders under pseudonymous codes, attendance per
meeting, the measurements from the paper forms, and their own evaluation of the reeks. Trainers
and coördinatoren see (and may correct) every reeks of the organisation (``read_babytijd_of`` /
``write_babytijd_for`` in ``roles.yaml``); any person may keep reeksen of their own, since the
uitvoerders are the kit's cursisten once trained.

Every verb takes the acting person first, checks the permission in the core and runs in one
transaction. The figures (dashboards, pooled terugkomdag figures, the yearly report) are computed
by the pure :mod:`oefenkit.babytijd_figures` from the plain values this service reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import babytijd as bt
from .. import babytijd_figures as fig
from ..errors import AlreadyExists, NotFound, ValidationError
from ..identity import Actor
from ..permissions import require
from . import models as m
from .store import Service

__all__ = ["BabytijdService"]


class BabytijdService(Service):
    """The verbs of Babytijd quality monitoring; wired on the kit as ``kit.babytijd``.

    ``form`` is the opvoeders' questionnaire (default: ``content/babytijd/evaluatie.yaml`` of the
    content folder in use, read at the first use).
    """

    def __init__(self, store, form: bt.EvaluationForm | None = None):
        super().__init__(store)
        self._form = form

    @property
    def form(self) -> bt.EvaluationForm:
        if self._form is None:
            self._form = bt.default_form()
        return self._form

    # -- look-ups inside a transaction ------------------------------------------------------------

    @staticmethod
    def _reeks(s: Session, actor: Actor, reeks_id: Any, action: str) -> m.BabytijdReeks:
        """The reeks after ``require(actor, action, its uitvoerder)``: the permission is checked
        before existence, so to an uitvoerder another's reeks and a missing one look the same."""
        reeks = s.get(m.BabytijdReeks, reeks_id) if isinstance(reeks_id, int) and not isinstance(
            reeks_id, bool) else None
        require(actor, action, reeks.uitvoerder_id if reeks is not None else None)
        if reeks is None:
            raise NotFound(f"Reeks {reeks_id} bestaat niet.")
        return reeks

    @staticmethod
    def _opvoeder(s: Session, reeks: m.BabytijdReeks, code: str) -> m.BabytijdOpvoeder:
        clean = code.strip().upper() if isinstance(code, str) else code
        opvoeder = s.scalar(select(m.BabytijdOpvoeder).where(m.BabytijdOpvoeder.reeks_id == reeks.id,
                                                             m.BabytijdOpvoeder.code == clean))
        if opvoeder is None:
            raise NotFound(f"Opvoeder {code!r} staat niet in deze reeks.")
        return opvoeder

    @staticmethod
    def _infos(s: Session, reeksen: Iterable[m.BabytijdReeks]) -> list[bt.ReeksInfo]:
        reeksen = list(reeksen)
        ids = [r.id for r in reeksen]
        counts = dict(s.execute(select(m.BabytijdOpvoeder.reeks_id, func.count())
                                .where(m.BabytijdOpvoeder.reeks_id.in_(ids))
                                .group_by(m.BabytijdOpvoeder.reeks_id)).all()) if ids else {}
        people = {p.id: p for p in s.scalars(select(m.Person).where(
            m.Person.id.in_({r.uitvoerder_id for r in reeksen})))} if ids else {}
        return [bt.ReeksInfo(id=r.id, name=r.name, start=r.start_date, uitvoerder=people[r.uitvoerder_id].username,
                             uitvoerder_name=people[r.uitvoerder_id].display_name,
                             opvoeders=int(counts.get(r.id, 0)), created_at=m.as_utc(r.created_at),
                             evaluated=r.evaluated_at is not None)
                for r in reeksen]

    @staticmethod
    def _opvoeders(s: Session, reeks_ids: list[int]) -> dict[int, list[bt.OpvoederInfo]]:
        """The opvoeders of these reeksen (code order) with attendance and measurements, by reeks."""
        if not reeks_ids:
            return {}
        rows = list(s.scalars(select(m.BabytijdOpvoeder).where(m.BabytijdOpvoeder.reeks_id.in_(reeks_ids))
                              .order_by(m.BabytijdOpvoeder.reeks_id, m.BabytijdOpvoeder.code)))
        ids = [o.id for o in rows]
        attendance: dict[int, dict[int, bt.AttendanceMark]] = {i: {} for i in ids}
        measurements: dict[int, dict[str, bt.MeasurementInfo]] = {i: {} for i in ids}
        codes = {o.id: o.code for o in rows}
        if ids:
            for a in s.scalars(select(m.BabytijdAttendance).where(m.BabytijdAttendance.opvoeder_id.in_(ids))
                               .order_by(m.BabytijdAttendance.meeting)):
                attendance[a.opvoeder_id][a.meeting] = bt.AttendanceMark(a.present, a.reason, a.reason_text)
            for x in s.scalars(select(m.BabytijdMeasurement).where(m.BabytijdMeasurement.opvoeder_id.in_(ids))):
                measurements[x.opvoeder_id][x.kind] = _measurement(codes[x.opvoeder_id], x)
        out: dict[int, list[bt.OpvoederInfo]] = {r: [] for r in reeks_ids}
        for o in rows:
            ordered = {k: measurements[o.id][k] for k in bt.MEASUREMENTS if k in measurements[o.id]}
            out[o.reeks_id].append(bt.OpvoederInfo(code=o.code, consent=o.consent,
                                                   baby_age_months=o.baby_age_months,
                                                   attendance=attendance[o.id], measurements=ordered))
        return out

    # -- reeksen ------------------------------------------------------------------------------

    def create_reeks(self, actor: Actor, *, name: str, start: dt.date | None = None,
                     uitvoerder: str | None = None) -> bt.ReeksInfo:
        """A new reeks for ``uitvoerder`` (a user name; default the actor; staff may name another)."""
        clean = bt.check_text(name, "reeks_name", "De naam van de reeks")
        if not clean:
            raise ValidationError("Geef de reeks een naam, bijvoorbeeld de plaats en de startmaand (geen namen "
                                  "van opvoeders).")
        if start is not None and (not isinstance(start, dt.date) or isinstance(start, dt.datetime)):
            raise ValidationError("De startdatum is een datum.")
        username = uitvoerder or actor.username
        if actor.is_system and not uitvoerder:
            raise ValidationError("Geef aan van welke uitvoerder de reeks is.")
        with self.transaction() as s:
            person_id = self._readable_person_id(s, actor, "write_babytijd_for", username)
            reeks = m.BabytijdReeks(name=clean, uitvoerder_id=person_id, created_by_id=actor.id, start_date=start)
            s.add(reeks)
            s.flush()
            self.audit(s, actor, "babytijd.reeks.create", username, reeks=reeks.id)
            return self._infos(s, [reeks])[0]

    def list_reeksen(self, actor: Actor, *, uitvoerder: str | None = None) -> list[bt.ReeksInfo]:
        """The reeksen the actor may see, newest start first: an uitvoerder their own, staff every
        reeks (or those of ``uitvoerder``)."""
        with self.transaction(readonly=True) as s:
            query = select(m.BabytijdReeks)
            if uitvoerder is not None:
                person_id = self._readable_person_id(s, actor, "read_babytijd_of", uitvoerder)
                query = query.where(m.BabytijdReeks.uitvoerder_id == person_id)
            elif not actor.may("read_babytijd_of", None):
                query = query.where(m.BabytijdReeks.uitvoerder_id == actor.id)
            query = query.order_by(m.BabytijdReeks.start_date.desc().nulls_last(), m.BabytijdReeks.id.desc())
            return self._infos(s, s.scalars(query))

    def find_reeks(self, actor: Actor, reeks_id: int) -> bt.ReeksDetail:
        """One reeks with its opvoeders, their attendance, measurements and the measurement due."""
        with self.transaction(readonly=True) as s:
            reeks = self._reeks(s, actor, reeks_id, "read_babytijd_of")
            return self._detail(s, reeks)

    def _detail(self, s: Session, reeks: m.BabytijdReeks) -> bt.ReeksDetail:
        opvoeders = self._opvoeders(s, [reeks.id])[reeks.id]
        meetings = sorted({n for o in opvoeders for n in o.attendance})
        evaluation = (bt.UitvoerderEvaluation(reeks.went_well, reeks.to_improve, reeks.remarks,
                                              m.as_utc(reeks.evaluated_at))
                      if reeks.evaluated_at is not None else None)
        return bt.ReeksDetail(self._infos(s, [reeks])[0], tuple(opvoeders), tuple(meetings), evaluation)

    def delete_reeks(self, actor: Actor, reeks_id: int) -> None:
        """Delete a reeks with its opvoeders and everything recorded about them (audited)."""
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            info = self._infos(s, [reeks])[0]
            s.delete(reeks)  # the database deletes its opvoeders, attendance and measurements (CASCADE)
            self.audit(s, actor, "babytijd.reeks.delete", info.uitvoerder, reeks=info.id, name=info.name,
                       opvoeders=info.opvoeders)

    # -- opvoeders, attendance, measurements -------------------------------------------------------

    def add_opvoeder(self, actor: Actor, reeks_id: int, code: str, *, consent: bool,
                     baby_age_months: int | None = None) -> bt.OpvoederInfo:
        """Add an opvoeder under a pseudonymous ``code`` (unique in the reeks; never a name)."""
        clean = bt.check_code(code)
        bt.check_consent(consent)
        bt.check_baby_age(baby_age_months)
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            taken = s.scalar(select(m.BabytijdOpvoeder.id).where(m.BabytijdOpvoeder.reeks_id == reeks.id,
                                                                 m.BabytijdOpvoeder.code == clean))
            if taken is not None:
                raise AlreadyExists(f"Code {clean} bestaat al in deze reeks; kies een andere code.")
            s.add(m.BabytijdOpvoeder(reeks_id=reeks.id, code=clean, consent=consent,
                                     baby_age_months=baby_age_months))
            return bt.OpvoederInfo(code=clean, consent=consent, baby_age_months=baby_age_months)

    def update_opvoeder(self, actor: Actor, reeks_id: int, code: str, *, consent: bool | None = None,
                        baby_age_months: int | None = None) -> bt.OpvoederInfo:
        """Change an opvoeder's consent (e.g. withdrawn) or the baby's age at intake."""
        if consent is not None:
            bt.check_consent(consent)
        bt.check_baby_age(baby_age_months)
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            opvoeder = self._opvoeder(s, reeks, code)
            if consent is not None:
                opvoeder.consent = consent
            if baby_age_months is not None:
                opvoeder.baby_age_months = baby_age_months
            s.flush()
            return next(o for o in self._opvoeders(s, [reeks.id])[reeks.id] if o.code == opvoeder.code)

    def record_attendance(self, actor: Actor, reeks_id: int, meeting: int,
                          marks: dict[str, bt.AttendanceMark]) -> None:
        """Record who attended ``meeting`` (1..16); recording a meeting again replaces its marks."""
        bt.check_meeting(meeting)
        if not isinstance(marks, dict):
            raise ValidationError("Geef per opvoeder aan of die er was.")
        clean = {}
        for code, mark in marks.items():
            clean[code.strip().upper() if isinstance(code, str) else code] = bt.check_mark(mark)
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            ids = dict(s.execute(select(m.BabytijdOpvoeder.code, m.BabytijdOpvoeder.id)
                                 .where(m.BabytijdOpvoeder.reeks_id == reeks.id)).all())
            unknown = sorted(str(c) for c in clean if c not in ids)
            if unknown:
                raise NotFound(f"Opvoeder {unknown[0]!r} staat niet in deze reeks.")
            for row in s.scalars(select(m.BabytijdAttendance).where(
                    m.BabytijdAttendance.opvoeder_id.in_(list(ids.values())),
                    m.BabytijdAttendance.meeting == meeting)):
                s.delete(row)
            s.flush()
            for code, mark in clean.items():
                s.add(m.BabytijdAttendance(opvoeder_id=ids[code], meeting=meeting, present=mark.present,
                                           reason=mark.reason, reason_text=mark.reason_text))

    def record_measurement(self, actor: Actor, reeks_id: int, code: str, kind: str, scores: dict[str, int], *,
                           tips: str = "", tops: str = "", early_reason: str = "") -> bt.MeasurementInfo:
        """Store one measurement from the paper form (replacing an earlier entry of that kind).

        Raises :class:`~oefenkit.babytijd.MeasurementNotDue` when the opvoeder has not attended
        enough meetings yet and no ``early_reason`` is given; with a reason it is stored, marked early.
        """
        if kind not in bt.MEASUREMENTS:
            raise ValidationError(f"Onbekende meting {kind!r}.")
        clean = self.form.check_scores(scores)
        tips = bt.check_text(tips, "tips", "De tips")
        tops = bt.check_text(tops, "tops", "De tops")
        if kind != "eind" and (tips or tops):
            raise ValidationError("Tips en tops horen bij de eindevaluatie.")
        reason = bt.check_text(early_reason, "early_reason", "De reden")
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            opvoeder = self._opvoeder(s, reeks, code)
            attended = s.scalar(select(func.count()).select_from(m.BabytijdAttendance).where(
                m.BabytijdAttendance.opvoeder_id == opvoeder.id, m.BabytijdAttendance.present.is_(True))) or 0
            early = bt.is_early(kind, attended)
            if early and not reason:
                raise bt.MeasurementNotDue(kind, attended, bt.MEASUREMENT_DUE_AFTER[kind])
            row = s.scalar(select(m.BabytijdMeasurement).where(m.BabytijdMeasurement.opvoeder_id == opvoeder.id,
                                                                m.BabytijdMeasurement.kind == kind))
            replaced = row is not None
            if row is None:
                row = m.BabytijdMeasurement(opvoeder_id=opvoeder.id, kind=kind)
                s.add(row)
            row.scores, row.tips, row.tops = clean, tips, tops
            row.early_reason = reason if early else ""
            row.attended_at_entry = attended
            row.recorded_at = m.utcnow()
            row.recorded_by_id = actor.id
            s.flush()
            return _measurement(opvoeder.code, row, replaced=replaced)

    def save_uitvoerder_evaluation(self, actor: Actor, reeks_id: int, *, went_well: str, to_improve: str,
                                   remarks: str = "") -> bt.UitvoerderEvaluation:
        """The uitvoerder's own evaluation of the reeks (it goes into the yearly report)."""
        texts = [bt.check_text(v, "evaluation", label) for v, label in
                 ((went_well, "Wat goed ging"), (to_improve, "Wat beter kan"), (remarks, "De opmerkingen"))]
        if not any(texts):
            raise ValidationError("Vul minstens één vraag van de evaluatie in.")
        with self.transaction() as s:
            reeks = self._reeks(s, actor, reeks_id, "write_babytijd_for")
            reeks.went_well, reeks.to_improve, reeks.remarks = went_well, to_improve, remarks = texts
            reeks.evaluated_at = m.utcnow()
            return bt.UitvoerderEvaluation(went_well, to_improve, remarks, evaluated_at=reeks.evaluated_at)

    # -- figures ------------------------------------------------------------------------------------

    def reeks_dashboard(self, actor: Actor, reeks_id: int) -> fig.ReeksDashboard:
        """Reach, attendance, absence reasons and the paired change per subgoal of one reeks."""
        with self.transaction(readonly=True) as s:
            reeks = self._reeks(s, actor, reeks_id, "read_babytijd_of")
            opvoeders = self._opvoeders(s, [reeks.id])[reeks.id]
            return fig.build_dashboard(reeks.name, 1, opvoeders, self.form)

    def uitvoerder_dashboard(self, actor: Actor, username: str) -> fig.ReeksDashboard:
        """The same figures over every reeks of one uitvoerder."""
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_babytijd_of", username)
            person = s.get(m.Person, person_id)
            ids = list(s.scalars(select(m.BabytijdReeks.id).where(m.BabytijdReeks.uitvoerder_id == person_id)))
            opvoeders = [o for group in self._opvoeders(s, ids).values() for o in group]
            return fig.build_dashboard(f"Alle reeksen van {person.display_name}", len(ids), opvoeders, self.form)

    def pooled_figures(self, actor: Actor, usernames: Iterable[str]) -> fig.PooledFigures:
        """The reeksen of these uitvoerders pooled for the terugkomdag (``cijfers`` round): no names
        or codes, every cell of fewer than five opvoeders suppressed. Staff who lead sessions only."""
        require(actor, "lead_live_session")
        names = sorted({u for u in usernames if isinstance(u, str)})
        with self.transaction(readonly=True) as s:
            people = list(s.scalars(select(m.Person.id).where(m.Person.username.in_(names)))) if names else []
            ids = list(s.scalars(select(m.BabytijdReeks.id).where(m.BabytijdReeks.uitvoerder_id.in_(people)))
                       ) if people else []
            with_reeks = len(set(s.scalars(select(m.BabytijdReeks.uitvoerder_id).where(
                m.BabytijdReeks.id.in_(ids))))) if ids else 0
            opvoeders = [o for group in self._opvoeders(s, ids).values() for o in group]
            return fig.build_pooled(opvoeders, self.form, uitvoerders=with_reeks, reeksen=len(ids))

    def yearly_report(self, actor: Actor, year: int) -> fig.YearlyReport:
        """The yearly report for the programme owner: the reeksen that started in ``year`` (or were
        created then, without a start date), aggregated over the opvoeders with consent, the
        pseudonymous rows of those opvoeders only, and the uitvoerders' evaluations."""
        require(actor, "babytijd_report")
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise ValidationError("Geef een jaartal, bijvoorbeeld 2026.")
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        begin = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
        end = dt.datetime(year + 1, 1, 1, tzinfo=dt.timezone.utc)
        with self.transaction() as s:  # not read-only: the report is audited
            reeksen = list(s.scalars(select(m.BabytijdReeks).where(
                ((m.BabytijdReeks.start_date >= first) & (m.BabytijdReeks.start_date <= last))
                | (m.BabytijdReeks.start_date.is_(None) & (m.BabytijdReeks.created_at >= begin)
                   & (m.BabytijdReeks.created_at < end))).order_by(m.BabytijdReeks.id)))
            infos = self._infos(s, reeksen)
            opvoeders = self._opvoeders(s, [r.id for r in reeksen])
            evaluations = {r.id: bt.UitvoerderEvaluation(r.went_well, r.to_improve, r.remarks,
                                                         m.as_utc(r.evaluated_at))
                           for r in reeksen if r.evaluated_at is not None}
            self.audit(s, actor, "babytijd.report", str(year), reeksen=len(reeksen))
            return fig.build_yearly_report(year, infos, opvoeders, evaluations, self.form)

    # -- AVG (used by storage/privacy.py) --------------------------------------------------------------

    @staticmethod
    def export_of_person(s: Session, person_id: int) -> list[dict[str, Any]]:
        """What the AVG export of an uitvoerder holds about their reeksen: each reeks, its number of
        opvoeders and the uitvoerder's own evaluation. The opvoeders' rows are the opvoeders' data
        (pseudonymous), not the uitvoerder's, and are not in a person's export."""
        reeksen = list(s.scalars(select(m.BabytijdReeks).where(m.BabytijdReeks.uitvoerder_id == person_id)
                                 .order_by(m.BabytijdReeks.id)))
        return [{"id": i.id, "name": i.name, "start": i.start, "created_at": i.created_at, "opvoeders": i.opvoeders,
                 "evaluation": ({"went_well": r.went_well, "to_improve": r.to_improve, "remarks": r.remarks,
                                 "evaluated_at": r.evaluated_at} if r.evaluated_at is not None else None)}
                for r, i in zip(reeksen, BabytijdService._infos(s, reeksen), strict=True)]


def _measurement(code: str, row: m.BabytijdMeasurement, *, replaced: bool = False) -> bt.MeasurementInfo:
    return bt.MeasurementInfo(code=code, kind=row.kind, scores=dict(row.scores), tips=row.tips, tops=row.tops,
                              early_reason=row.early_reason, attended_at_entry=row.attended_at_entry,
                              recorded_at=m.as_utc(row.recorded_at), replaced=replaced)
