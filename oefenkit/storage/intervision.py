"""Intervision: the :class:`~oefenkit.storage.kit.Kit` verbs behind the intervision app.

A team (a group) scores the clips of an intervision set (kind ``intervision``: one family's
visits in order) on both Ainsworth scales with a note, and then sees every member's scores.

An intervision score is stored as a ``Rating`` of mode ``session`` without a live session,
live round or exam attempt: one current row per rater, case and scale, changed in place when the
member scores again. Practice (mode ``practice``), the certification test (``exam``) and the
compare app (practice and exam by default) never count them; the terugkomdag's live sessions
select their ratings by live round. A case can be in several intervision sets; its intervision
scores are then shared between them.

Reading the team's scores needs ``read_intervision_of`` on the group: a member (as stored now,
not as the app started) or staff.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..identity import Actor
from ..intervision import IntervisionScore, Visit, visit_labels
from ..permissions import require
from ..scales import every_scale, in_words
from . import models as m
from .cases import scales_in_order
from .store import Service

__all__ = ["IntervisionService"]

_NOTE_MAX = 5000


def _intervision_rating():
    """Rows that are intervision scores (see the module docstring)."""
    return ((m.Rating.mode == "session") & m.Rating.live_session_id.is_(None)
            & m.Rating.live_round_id.is_(None) & m.Rating.exam_attempt_id.is_(None))


class IntervisionService(Service):
    """Verbs on intervision sets and scores (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    @staticmethod
    def _intervision_set(s: Session, set_code: str) -> m.CaseSet:
        case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == set_code))
        if case_set is None:
            raise NotFound(f"Intervisieset {set_code!r} bestaat niet.")
        if case_set.kind != "intervision":
            raise ValidationError(f"Set {set_code!r} is geen intervisieset.")
        return case_set

    @staticmethod
    def _visits(case_set: m.CaseSet) -> list[Visit]:
        items = sorted(case_set.items, key=lambda it: it.position)
        labels = visit_labels(len(items))
        return [Visit(it.case.code, label, it.case.title) for it, label in zip(items, labels)]

    def list_intervision_sets(self, actor: Actor) -> list[dict[str, Any]]:
        """Every intervision set with its visits in order (anyone logged in): ``code``, ``name``,
        ``programme`` and ``visits`` (:class:`~oefenkit.intervision.Visit`, with the vignette
        under ``vignettes``)."""
        require(actor, "write_rating_for", actor.id if actor else None)
        with self.transaction(readonly=True) as s:
            out = []
            for case_set in s.scalars(select(m.CaseSet).where(m.CaseSet.kind == "intervision")
                                      .order_by(m.CaseSet.code)):
                programme = s.get(m.Programme, case_set.programme_id) if case_set.programme_id else None
                visits = self._visits(case_set)
                out.append({"code": case_set.code, "name": case_set.name,
                            "programme": programme.code if programme else None, "visits": visits,
                            "vignettes": {it.case.code: it.case.vignette for it in case_set.items}})
            return out

    def save_intervision_scores(
        self, actor: Actor, set_code: str, case_code: str, scores: Mapping[str, int], note: str = "",
    ) -> None:
        """Store the actor's own scores of one visit on every current scale with a note, all or nothing.

        Scoring the same visit again replaces the earlier scores and note.
        """
        require(actor, "write_rating_for", actor.id if actor else None)
        note = (note or "").strip()
        if len(note) > _NOTE_MAX:
            raise ValidationError(f"Een toelichting heeft hoogstens {_NOTE_MAX} tekens.")
        with self.transaction() as s:
            scales = scales_in_order(s)
            codes = [sc.code for sc in scales]
            if not codes:
                raise NotFound("Er zijn nog geen schalen geladen (oefenkit init).")
            if any(scores.get(code) is None for code in codes):
                raise ValidationError(f"Geef een score op {every_scale(len(codes))}: {in_words(scales)}.")
            unknown = set(scores) - set(codes)
            if unknown:
                raise ValidationError(f"Schaal {sorted(unknown)[0]!r} hoort niet bij intervisie.")
            case_set = self._intervision_set(s, set_code)
            if case_code not in {it.case.code for it in case_set.items}:
                raise ValidationError(f"Casus {case_code!r} hoort niet bij deze intervisieset.")
            for scale_code in codes:
                case, scale = self._case_and_scale(s, case_code, scale_code)
                score = self._check_score(scale, scores[scale_code])
                row = s.scalar(select(m.Rating).where(
                    _intervision_rating(), m.Rating.rater_id == actor.id, m.Rating.case_id == case.id,
                    m.Rating.scale_id == scale.id).order_by(m.Rating.id.desc()).limit(1))
                if row is None:
                    s.add(m.Rating(rater_id=actor.id, case_id=case.id, scale_id=scale.id, score=score, note=note,
                                   mode="session"))
                else:
                    row.score, row.note, row.updated_at = score, note, m.utcnow()
            s.flush()

    def intervision_scores(self, actor: Actor, set_code: str, group_name: str) -> dict[str, Any]:
        """The team's intervision scores of a set: ``visits``, ``members`` ((username, display
        name) of the group's active members, by name) and ``records``
        (:class:`~oefenkit.intervision.IntervisionScore`). Only for a member of the group or staff.
        """
        if actor is None:
            require(None, "read_intervision_of")
        with self.transaction() as s:
            group = self._group(s, group_name)
            # The memberships as stored now: somebody who left the team no longer reads along.
            current = frozenset(s.scalars(select(m.GroupMembership.group_id)
                                          .where(m.GroupMembership.person_id == actor.id)))
            require(dataclasses.replace(actor, group_ids=current), "read_intervision_of", group.id)
            case_set = self._intervision_set(s, set_code)
            visits = self._visits(case_set)
            members = [(p.username, p.display_name) for p in s.scalars(
                select(m.Person).join(m.GroupMembership, m.GroupMembership.person_id == m.Person.id)
                .where(m.GroupMembership.group_id == group.id, m.Person.active.is_(True))
                .order_by(m.Person.display_name, m.Person.username))]
            ids = {it.case_id for it in case_set.items}
            usernames = {u for u, _ in members}
            records = []
            for r, username, name, case_code, scale_code in s.execute(
                select(m.Rating, m.Person.username, m.Person.display_name, m.Case.code, m.Scale.code)
                .join(m.Person, m.Person.id == m.Rating.rater_id)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .where(_intervision_rating(), m.Rating.case_id.in_(ids))
                .order_by(m.Rating.updated_at, m.Rating.id)
            ):
                if username in usernames:
                    records.append(IntervisionScore(username, name, case_code, scale_code, r.score, r.note or ""))
            return {"visits": visits, "members": members, "records": records}
