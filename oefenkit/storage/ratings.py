"""Ratings: the :class:`~oefenkit.storage.kit.Kit` verbs that store and list a rater's scores,
and read them back per case set (exam scores, expert scores of a set).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, ValidationError
from ..identity import Actor
from ..permissions import require, roles
from . import models as m
from .cases import scale_value
from .store import Service

__all__ = ["RatingsService", "RatingInfo", "ComparisonRows", "check_submission_id"]


def check_submission_id(submission_id: str | None) -> None:
    """A client's submission id: None, or 1–64 characters."""
    if submission_id is not None and (not isinstance(submission_id, str) or not 0 < len(submission_id) <= 64):
        raise ValidationError("Een inzendingscode heeft 1 tot 64 tekens.")


@dataclass(frozen=True)
class RatingInfo:
    id: int
    rater_username: str
    case_code: str
    scale_code: str
    score: int
    note: str
    mode: str
    created_at: dt.datetime
    updated_at: dt.datetime
    #: For mode "session": True for a live terugkomdag round, False for an intervision score.
    live: bool = False


@dataclass(frozen=True)
class ComparisonRows:
    """What :func:`oefenkit.compare.comparison` computes a group's comparison from (plain values)."""

    group_name: str
    case_set_code: str
    scale_code: str
    scale_title: str
    scale_min: int
    scale_max: int
    #: (code, title) of the set's cases, in case code order.
    cases: tuple[tuple[str, str], ...]
    #: (username, display name) of the group's trainees (also deactivated ones), by display name.
    raters: tuple[tuple[str, str], ...]
    #: (rater, case, score, note, mode, updated at, id) of the raters' ratings on the scale,
    #: per rater in the order they were stored.
    ratings: tuple[tuple[str, str, int, str, str, dt.datetime | None, int], ...]
    #: (expert, case, score) on the newest version of the scale; one per expert and case.
    expert_scores: tuple[tuple[str, str, int], ...]


class RatingsService(Service):
    """Verbs on ratings (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- ratings ---------------------------------------------------------------------------

    def add_ratings(
        self, actor: Actor, case_code: str, scores: dict[str, int], *, note: str = "",
        mode: str = "practice", submission_id: str | None = None,
    ) -> list[int]:
        """Store one person's scores of one case on one or more scales, all or nothing.

        In mode ``practice`` the scores form one practice attempt (a ``practice_attempt`` row).

        With a ``submission_id`` (the client's id for this submission) the call is
        idempotent: when that person already stored a submission with this id, its
        rating ids are returned and nothing new is stored, also when two retries
        race (the database's unique rule decides, the loser reads the winner's rows).
        """
        require(actor, "write_rating_for", actor.id)
        if mode not in m.RATING_MODES:
            raise ValidationError(f"Onbekende beoordelingsvorm {mode!r}.")
        if not scores:
            raise ValidationError("Geef minstens één score.")
        if len(note) > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        check_submission_id(submission_id)
        try:
            with self.transaction() as s:
                stored = self._submitted(s, actor, submission_id)
                if stored:
                    return stored
                ids: list[int] = []
                now, attempt = m.utcnow(), None
                for scale_code, score in scores.items():
                    case, scale = self._case_and_scale(s, case_code, scale_code)
                    if mode == "practice" and attempt is None:  # the call's scores form one practice attempt
                        attempt = m.PracticeAttempt(person_id=actor.id, case_id=case.id, submitted_at=now)
                        s.add(attempt)
                        s.flush()
                    rating = m.Rating(rater_id=actor.id, case_id=case.id, scale_id=scale.id,
                                      score=self._check_score(scale, score), note=note, mode=mode,
                                      practice_attempt_id=attempt.id if attempt else None,
                                      submission_id=submission_id, created_at=now, updated_at=now)
                    s.add(rating)
                    s.flush()
                    ids.append(rating.id)
                return ids
        except Conflict:
            if submission_id is None:
                raise
            with self.transaction() as s:  # a concurrent retry of the same submission won
                stored = self._submitted(s, actor, submission_id)
            if not stored:
                raise
            return stored

    def list_ratings(
        self, actor: Actor, *, rater_username: str | None = None, case_code: str | None = None,
    ) -> list[RatingInfo]:
        """Ratings, filtered. A cursist gets only their own, whatever filter is asked."""
        with self.transaction(readonly=True) as s:
            query = (
                select(m.Rating, m.Person.username, m.Case.code, m.Scale.code)
                .join(m.Person, m.Person.id == m.Rating.rater_id)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .order_by(m.Rating.created_at, m.Rating.id)
            )
            if rater_username is not None:
                rater_id = self._readable_person_id(s, actor, "read_ratings_of", rater_username)
                query = query.where(m.Rating.rater_id == rater_id)
            else:
                require(actor, "read_ratings_of", None)  # all raters: staff only
            if case_code is not None:
                query = query.where(m.Case.code == case_code)
            return [
                RatingInfo(r.id, u, c, sc, r.score, r.note, r.mode, r.created_at, r.updated_at,
                           live=r.live_round_id is not None or r.live_session_id is not None)
                for r, u, c, sc in s.execute(query)
            ]

    def exam_scores(self, actor: Actor, username: str, case_set_code: str) -> dict[str, dict[str, int]]:
        """A person's exam scores on the cases of a set: scale code → {case code → score}.

        When a case was scored more than once, the latest rating counts.
        """
        with self.transaction(readonly=True) as s:
            rater_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
            require(actor, "read_ratings_of", rater_id)
            if rater_id is None:
                raise NotFound(f"Gebruiker {username!r} bestaat niet.")
            case_ids = self._set_case_ids(s, case_set_code)
            rows = s.execute(
                select(m.Scale.code, m.Case.code, m.Rating.score)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .where(m.Rating.rater_id == rater_id, m.Rating.mode == "exam", m.Rating.case_id.in_(case_ids))
                .order_by(m.Rating.updated_at, m.Rating.id)
            )
            out: dict[str, dict[str, int]] = {}
            for scale_code, case_code, score in rows:
                out.setdefault(scale_code, {})[case_code] = score
            return out

    def expert_scores_of_set(self, actor: Actor, case_set_code: str) -> dict[str, list[tuple[str, str, int]]]:
        """Expert scores of every case in a set: scale code → [(expert, case code, score)]."""
        require(actor, "read_expert_scores")
        with self.transaction(readonly=True) as s:
            case_ids = self._set_case_ids(s, case_set_code)
            rows = s.execute(
                select(m.Scale.code, m.Person.username, m.Case.code, m.ExpertScore.score)
                .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                .where(m.ExpertScore.case_id.in_(case_ids))
                .order_by(m.Scale.code, m.Case.code, m.Person.username)
            )
            out: dict[str, list[tuple[str, str, int]]] = {}
            for scale_code, expert, case_code, score in rows:
                out.setdefault(scale_code, []).append((expert, case_code, score))
            return out

    def comparison_rows(self, actor: Actor, *, group_name: str, case_set_code: str,
                        scale_code: str) -> ComparisonRows:
        """Everything a comparison of ``group_name``'s trainees on a case set and a scale needs, in
        one read-only unit of work (:func:`oefenkit.compare.comparison` computes it).

        Staff only, checked before anything is looked up: the expert scores
        (``read_expert_scores``), then the people (``view_people``) and their ratings
        (``read_ratings_of``). :class:`NotFound` (Dutch) for an unknown set, scale or group.
        """
        require(actor, "read_expert_scores")
        with self.transaction(readonly=True) as s:
            case_ids = self._set_case_ids(s, case_set_code)
            scale = s.scalar(select(m.Scale).where(m.Scale.code == scale_code)
                             .order_by(m.Scale.version.desc()).limit(1))
            if scale is None:
                raise NotFound(f"Schaal {scale_code!r} bestaat niet.")
            group = s.scalar(select(m.Group).where(m.Group.name == group_name))
            if group is None:
                raise NotFound(f"Groep {group_name!r} bestaat niet.")
            require(actor, "view_people")
            require(actor, "read_ratings_of", None)  # the whole group's: staff only
            members = s.execute(
                select(m.Person.id, m.Person.username, m.Person.display_name)
                .join(m.GroupMembership, m.GroupMembership.person_id == m.Person.id)
                .where(m.GroupMembership.group_id == group.id, m.Person.role.in_(roles().learners))
            ).all()
            members.sort(key=lambda p: (p.display_name.casefold(), p.username))
            cases = tuple((code, title) for code, title in s.execute(
                select(m.Case.code, m.Case.title).where(m.Case.id.in_(case_ids)).order_by(m.Case.code)))
            experts: dict[tuple[str, str], int] = {}
            for expert, case_code, score in s.execute(
                select(m.Person.username, m.Case.code, m.ExpertScore.score)
                .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
                .join(m.Case, m.Case.id == m.ExpertScore.case_id)
                .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
                .where(m.ExpertScore.case_id.in_(case_ids), m.Scale.code == scale_code)
                .order_by(m.Case.code, m.Person.username, m.Scale.version)
            ):
                experts[(expert, case_code)] = score  # the newest scale version wins
            order = {p.id: n for n, p in enumerate(members)}
            rows = s.execute(
                select(m.Rating, m.Person.username, m.Case.code)
                .join(m.Person, m.Person.id == m.Rating.rater_id)
                .join(m.Case, m.Case.id == m.Rating.case_id)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .where(m.Rating.rater_id.in_(list(order)), m.Scale.code == scale_code)
                .order_by(m.Rating.created_at, m.Rating.id)
            ).all()
            rows.sort(key=lambda row: order[row[0].rater_id])  # stable: per rater, in stored order
            value = scale_value(scale)
            return ComparisonRows(
                group_name=group.name, case_set_code=case_set_code, scale_code=scale.code,
                scale_title=value.title, scale_min=scale.min_score, scale_max=scale.max_score, cases=cases,
                raters=tuple((p.username, p.display_name) for p in members),
                ratings=tuple((username, code, r.score, r.note, r.mode, r.updated_at, r.id)
                              for r, username, code in rows),
                expert_scores=tuple((expert, code, score) for (expert, code), score in experts.items()),
            )

    @staticmethod
    def _set_case_ids(s: Session, case_set_code: str) -> list[int]:
        case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == case_set_code))
        if case_set is None:
            raise NotFound(f"Set {case_set_code!r} bestaat niet.")
        return [item.case_id for item in case_set.items]
