"""Scales, cases, case sets and expert scores: the :class:`~oefenkit.storage.kit.Kit` verbs that
load the case bank (idempotently, from content) and list it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, NotFound, ValidationError
from ..identity import Actor, validate_username
from ..permissions import can, require, roles
from ..roles import SYSTEM_ROLE
from ..scales import Scale, current
from . import models as m
from .store import Service

__all__ = ["CasesService", "ExpertScoreInfo", "CaseInfo", "EXPERT_ONLY_DETAILS"]


@dataclass(frozen=True)
class ExpertScoreInfo:
    expert_username: str
    case_code: str
    scale_code: str
    score: int
    rationale: str


@dataclass(frozen=True)
class CaseInfo:
    """A case as listed: its sets (codes, in set order) and, for staff, its expert scores."""

    id: int
    code: str
    title: str
    programme_code: str | None
    clip_path: str | None
    synthetic: bool
    vignette: str
    details: dict[str, Any]
    set_codes: tuple[str, ...]
    expert_scores: tuple[ExpertScoreInfo, ...] = ()


#: Keys of ``Case.details`` that explain the expert consensus: shown only to
#: people who may read expert scores (master scores are never revealed early).
EXPERT_ONLY_DETAILS = ("rationale", "consensus")


def scale_value(row: m.Scale) -> Scale:
    """The plain :class:`~oefenkit.scales.Scale` of a ``scale`` row."""
    return Scale(row.code, row.version, row.name, row.min_score, row.max_score, dict(row.definition or {}), row.id)


def scales_in_order(s: Session) -> list[Scale]:
    """The newest version of each scale, in order, inside an open transaction."""
    return current(scale_value(sc) for sc in s.scalars(select(m.Scale)))


class CasesService(Service):
    """Verbs on scales, cases, case sets and expert scores (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- scales and cases ----------------------------------------------------------------

    def update_or_create_scale(
        self, code: str, version: int, name: str, definition: dict[str, Any],
        min_score: int = 1, max_score: int = 9,
    ) -> bool:
        """Load one version of a scale definition; True when something changed."""
        with self.transaction() as s:
            scale = s.scalar(select(m.Scale).where(m.Scale.code == code, m.Scale.version == version))
            values = {"name": name, "definition": definition, "min_score": min_score, "max_score": max_score}
            if scale is None:
                s.add(m.Scale(code=code, version=version, **values))
                return True
            if all(getattr(scale, k) == v for k, v in values.items()):
                return False
            for k, v in values.items():
                setattr(scale, k, v)
            return True

    def find_scale(self, code: str, version: int | None = None) -> Scale:
        """A scale by code; the newest version unless ``version`` is given."""
        with self.transaction(readonly=True) as s:
            query = select(m.Scale).where(m.Scale.code == code)
            if version is not None:
                query = query.where(m.Scale.version == version)
            scale = s.scalar(query.order_by(m.Scale.version.desc()).limit(1))
            if scale is None:
                raise NotFound(f"Schaal {code!r} bestaat niet.")
            return scale_value(scale)

    def list_scales(self) -> list[Scale]:
        """Every version of every scale, by code and version."""
        with self.transaction(readonly=True) as s:
            return [scale_value(sc) for sc in s.scalars(select(m.Scale).order_by(m.Scale.code, m.Scale.version))]

    def current_scales(self) -> list[Scale]:
        """The scales the apps score on: the newest version of each, in the content's ``order``
        (:func:`oefenkit.scales.current`). Anyone may read them (they are content, not data)."""
        with self.transaction(readonly=True) as s:
            return scales_in_order(s)

    def add_case(
        self, actor: Actor, code: str, title: str, *, programme_code: str | None = None,
        vignette: str = "", details: dict[str, Any] | None = None, synthetic: bool = False,
        clip_path: str | None = None,
    ) -> int:
        require(actor, "manage_cases")
        with self.transaction() as s:
            if s.scalar(select(m.Case.id).where(m.Case.code == code)) is not None:
                raise AlreadyExists(f"Casus {code!r} bestaat al.")
            programme_id = self._programme_id(s, programme_code, optional=True)
            case = m.Case(code=code, title=title, programme_id=programme_id, vignette=vignette,
                          details=details or {}, synthetic=synthetic, clip_path=clip_path)
            s.add(case)
            s.flush()
            self.audit(s, actor, "case.add", code)
            return case.id


    # -- expert scores ---------------------------------------------------------------------

    def add_expert_score(
        self, actor: Actor, case_code: str, scale_code: str, score: int, rationale: str = "",
        *, expert_username: str | None = None,
    ) -> None:
        """Record a master score (by the actor, or by a named expert when the actor is staff)."""
        require(actor, "write_expert_scores")
        with self.transaction() as s:
            case, scale, score, expert, row = self._expert_score_slot(
                s, actor, case_code, scale_code, score, expert_username)
            if row is not None:
                raise AlreadyExists("Deze expert heeft deze casus op deze schaal al gescoord.")
            s.add(m.ExpertScore(expert_id=expert.id, case_id=case.id, scale_id=scale.id,
                                score=score, rationale=rationale))
            self.audit(s, actor, "expert_score.add", case_code, scale=scale_code, expert=expert.username)

    def list_expert_scores(self, actor: Actor, case_code: str) -> list[ExpertScoreInfo]:
        require(actor, "read_expert_scores")
        with self.transaction(readonly=True) as s:
            rows = s.execute(
                select(m.ExpertScore, m.Person.username, m.Scale.code)
                .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                .where(m.Case.code == case_code)
                .order_by(m.Scale.code, m.Person.username)
            )
            return [ExpertScoreInfo(u, case_code, sc, es.score, es.rationale) for es, u, sc in rows]


    # -- case sets ----------------------------------------------------------------------

    def add_case_set(self, actor: Actor, code: str, name: str, kind: str, case_codes: Sequence[str],
                     programme_code: str | None = None, *, public: bool = False) -> int:
        """Create an ordered set of existing cases (practice, exam, session or intervision).

        A new set is private (its expert scores exist only in this database) unless ``public``.
        """
        require(actor, "manage_cases")
        if kind not in m.SET_KINDS:
            raise ValidationError(f"Onbekend soort set {kind!r}.")
        with self.transaction() as s:
            if s.scalar(select(m.CaseSet.id).where(m.CaseSet.code == code)) is not None:
                raise AlreadyExists(f"Set {code!r} bestaat al.")
            programme_id = self._programme_id(s, programme_code, optional=True)
            case_set = m.CaseSet(code=code, name=name, kind=kind, programme_id=programme_id, public=bool(public))
            for position, case_code in enumerate(dict.fromkeys(case_codes)):
                case_id = s.scalar(select(m.Case.id).where(m.Case.code == case_code))
                if case_id is None:
                    raise NotFound(f"Casus {case_code!r} bestaat niet.")
                case_set.items.append(m.CaseSetItem(case_id=case_id, position=position))
            s.add(case_set)
            s.flush()
            self.audit(s, actor, "case_set.add", code, kind=kind, cases=len(case_set.items), public=bool(public))
            return case_set.id

    # == sample cases: idempotent loading and listing ==================================
    # Used by ``oefenkit init`` (``oefenkit.content.load_into``) and ``oefenkit cases list``.
    # Each verb is one transaction and returns True only when it changed something (with
    # an audit entry), so loading the same content twice changes no row at all.

    def update_or_create_expert(self, actor: Actor, username: str, display_name: str) -> bool:
        """Make sure an expert (master rater) account exists; True when it was created.

        A new expert is a trainer *without a password*, so the account cannot log
        in. An existing account is left exactly as it is: a coördinator may have
        renamed it, given it a password or deactivated it.
        """
        require(actor, "manage_people")
        username = validate_username(username)
        display_name = (display_name or "").strip()
        if not display_name or len(display_name) > 200:
            raise ValidationError("Een naam heeft 1 tot 200 tekens.")
        with self.transaction() as s:
            if s.scalar(select(m.Person.id).where(m.Person.username == username)) is not None:
                return False
            # the first role (fewest rights) that gives expert scores: a trainer in the shipped roles
            role = next(iter(roles().with_action("write_expert_scores")), SYSTEM_ROLE)
            s.add(m.Person(username=username, display_name=display_name, role=role, password_hash=None))
            s.flush()
            self.audit(s, actor, "person.add", username, role=role, source="expert")
            return True

    def update_or_create_case(
        self, actor: Actor, code: str, title: str, *, programme_code: str | None = None,
        vignette: str = "", details: dict[str, Any] | None = None, synthetic: bool = False,
        clip_path: str | None = None,
    ) -> bool:
        """Load a case from content; True when it was created or one of its fields changed."""
        require(actor, "manage_cases")
        if not code or len(code) > 64:
            raise ValidationError("Een casuscode heeft 1 tot 64 tekens.")
        if not title.strip() or len(title) > 200:
            raise ValidationError("Een casustitel heeft 1 tot 200 tekens.")
        if clip_path is not None and len(clip_path) > 500:
            raise ValidationError("Het pad naar het fragment is langer dan 500 tekens.")
        with self.transaction() as s:
            programme_id = self._programme_id(s, programme_code, optional=True)
            values = {"title": title, "programme_id": programme_id, "vignette": vignette,
                      "details": details or {}, "synthetic": synthetic, "clip_path": clip_path}
            case = s.scalar(select(m.Case).where(m.Case.code == code))
            if case is None:
                s.add(m.Case(code=code, **values))
                self.audit(s, actor, "case.add", code)
                return True
            changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
            if not changed:
                return False
            for k in changed:
                setattr(case, k, values[k])
            self.audit(s, actor, "case.update", code, fields=changed)
            return True

    def update_or_create_expert_score(
        self, actor: Actor, case_code: str, scale_code: str, score: int, rationale: str = "",
        *, expert_username: str | None = None,
    ) -> bool:
        """Load a master score (newest scale version); True when it was created or changed."""
        require(actor, "write_expert_scores")
        with self.transaction() as s:
            case, scale, score, expert, row = self._expert_score_slot(
                s, actor, case_code, scale_code, score, expert_username)
            if row is None:
                s.add(m.ExpertScore(expert_id=expert.id, case_id=case.id, scale_id=scale.id,
                                    score=score, rationale=rationale))
                self.audit(s, actor, "expert_score.add", case_code, scale=scale_code, expert=expert.username)
                return True
            if (row.score, row.rationale) == (score, rationale):
                return False
            old = row.score
            row.score, row.rationale = score, rationale
            self.audit(s, actor, "expert_score.update", case_code, scale=scale_code, expert=expert.username,
                       old=old, new=score)
            return True

    def update_or_create_case_set(
        self, actor: Actor, code: str, name: str, kind: str, case_codes: Sequence[str],
        programme_code: str | None = None, *, public: bool = False,
    ) -> bool:
        """Load a case set with exactly these cases in this order; True when anything changed.

        ``public``: its expert scores are public (the shipped sets; ``oefenkit.content.load_into``).
        """
        require(actor, "manage_cases")
        if kind not in m.SET_KINDS:
            raise ValidationError(f"Onbekend soort set {kind!r}.")
        if not name.strip() or len(name) > 200:
            raise ValidationError("Een setnaam heeft 1 tot 200 tekens.")
        with self.transaction() as s:
            programme_id = self._programme_id(s, programme_code, optional=True)
            wanted = []
            for case_code in dict.fromkeys(case_codes):
                case_id = s.scalar(select(m.Case.id).where(m.Case.code == case_code))
                if case_id is None:
                    raise NotFound(f"Casus {case_code!r} bestaat niet.")
                wanted.append(case_id)
            case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == code))
            if case_set is None:
                case_set = m.CaseSet(code=code, name=name, kind=kind, programme_id=programme_id, public=bool(public))
                case_set.items = [m.CaseSetItem(case_id=c, position=i) for i, c in enumerate(wanted)]
                s.add(case_set)
                self.audit(s, actor, "case_set.add", code, kind=kind, cases=len(wanted))
                return True
            same_items = [(it.case_id, it.position) for it in case_set.items] == [(c, i) for i, c in enumerate(wanted)]
            if same_items and (case_set.name, case_set.kind, case_set.programme_id, case_set.public) == \
                    (name, kind, programme_id, bool(public)):
                return False
            case_set.name, case_set.kind, case_set.programme_id = name, kind, programme_id
            case_set.public = bool(public)
            existing = {it.case_id: it for it in case_set.items}
            for case_id, item in existing.items():
                if case_id not in wanted:
                    case_set.items.remove(item)
            s.flush()  # delete dropped items before positions move
            for position, case_id in enumerate(wanted):
                if case_id in existing:
                    existing[case_id].position = position
                else:
                    case_set.items.append(m.CaseSetItem(case_id=case_id, position=position))
            self.audit(s, actor, "case_set.update", code, kind=kind, cases=len(wanted))
            return True

    def list_cases(self, actor: Actor, *, with_expert_scores: bool = False) -> list[CaseInfo]:
        """Every case, ordered by code, with the codes of the sets it is in.

        Anyone may list cases, but the consensus explanation in ``details`` is
        left out for people who may not read expert scores. ``with_expert_scores``
        adds the master scores and requires that permission.
        """
        if with_expert_scores:
            require(actor, "read_expert_scores")
        staff = can(actor, "read_expert_scores")
        with self.transaction(readonly=True) as s:
            sets: dict[int, list[str]] = {}
            for case_id, set_code in s.execute(
                select(m.CaseSetItem.case_id, m.CaseSet.code)
                .join(m.CaseSet, m.CaseSet.id == m.CaseSetItem.set_id)
                .order_by(m.CaseSet.id)
            ):
                sets.setdefault(case_id, []).append(set_code)
            scores: dict[int, dict[tuple[str, str], ExpertScoreInfo]] = {}
            if with_expert_scores:
                rows = s.execute(
                    select(m.ExpertScore, m.Person.username, m.Scale.code, m.Case.code)
                    .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                    .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                    .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                    .order_by(m.Scale.code, m.Person.username, m.Scale.version)
                )
                for es, username, scale_code, case_code in rows:
                    # One score per expert and scale: the newest scale version wins.
                    scores.setdefault(es.case_id, {})[(scale_code, username)] = ExpertScoreInfo(
                        username, case_code, scale_code, es.score, es.rationale)
            out = []
            for case, programme_code in s.execute(
                select(m.Case, m.Programme.code)
                .outerjoin(m.Programme, m.Programme.id == m.Case.programme_id)
                .order_by(m.Case.code)
            ):
                details = dict(case.details or {})
                if not staff:
                    for key in EXPERT_ONLY_DETAILS:
                        details.pop(key, None)
                out.append(CaseInfo(
                    case.id, case.code, case.title, programme_code, case.clip_path, case.synthetic,
                    case.vignette, details, tuple(sets.get(case.id, ())),
                    tuple(scores.get(case.id, {}).values()),
                ))
            return out

    # == end of sample cases ===========================================================
