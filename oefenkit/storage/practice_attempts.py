"""Practice attempts and media: the :class:`~oefenkit.storage.kit.Kit` verbs behind the practice
app (overview, submit, history) and the clip route (:meth:`find_clip`). The feedback logic
lives in :mod:`oefenkit.practice`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..identity import Actor
from ..permissions import can, require
from ..practice import PracticeAttempt, PracticeCase, build_feedback, consensus_of
from ..scales import every_scale
from . import models as m
from .media import MediaStore
from .ratings import check_submission_id
from .store import Service, Store

__all__ = ["PracticeService"]


class PracticeService(Service):
    """Verbs on practice attempts and clips (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- practice and media --------------------------------------------------------------
    # The practice app (``oefenkit_widgets.pages.practice.practice_page``) and the clip route
    # (``oefenkit/server/media.py``). Expert scores reach a cursist only through
    # these verbs, only for cases of a practice set that is not also an exam
    # set, and only after the cursist stored their own rating of that case.

    def __init__(self, store: Store, *, media: MediaStore):
        super().__init__(store)
        #: Which clips may be served (:attr:`MediaStore.clip_roots`).
        self._media = media

    @staticmethod
    def _cases_of_kind(s: Session, *kinds: str) -> dict[int, str]:
        """case id → code of the first set (by set id) of one of ``kinds`` that holds it."""
        out: dict[int, str] = {}
        for case_id, set_code in s.execute(
            select(m.CaseSetItem.case_id, m.CaseSet.code)
            .join(m.CaseSet, m.CaseSet.id == m.CaseSetItem.set_id)
            .where(m.CaseSet.kind.in_(kinds))
            .order_by(m.CaseSet.id, m.CaseSetItem.position)
        ):
            out.setdefault(case_id, set_code)
        return out

    def _practice_case_ids(self, s: Session) -> dict[int, str]:
        """Cases that give feedback: in a practice set and in no exam set."""
        practice = self._cases_of_kind(s, "practice")
        exam = self._cases_of_kind(s, "exam")
        return {case_id: code for case_id, code in practice.items() if case_id not in exam}

    def find_clip(self, actor: Actor, case_code: str, *, subtitles: bool = False):
        """The clip (``.mp4``) or its Dutch subtitles (``.vtt``) of a case, as a path, if ``actor`` may play it.

        Staff may play every clip. A cursist may play the clips of practice and
        session sets, and an exam clip only when one of their own exam attempts
        holds that case (``ExamAttempt.case_order``). Otherwise
        :class:`PermissionDenied`; an unknown case, a case without clip or a
        missing file is :class:`NotFound`, and so is a path outside the clip
        directories (:attr:`MediaStore.clip_roots <oefenkit.storage.media.MediaStore.clip_roots>`).
        """


        if actor is None or (actor.id is None and not can(actor, "view_all_clips")):
            require(None, "view_all_clips")
        with self.transaction(readonly=True) as s:
            case = s.scalar(select(m.Case).where(m.Case.code == case_code))
            if case is None:
                raise NotFound(f"Casus {case_code!r} bestaat niet.")
            if not can(actor, "view_all_clips"):
                open_sets = self._cases_of_kind(s, "practice", "session")
                allowed = case.id in open_sets
                if not allowed:
                    orders = s.scalars(select(m.ExamAttempt.case_order)
                                       .where(m.ExamAttempt.person_id == actor.id))
                    allowed = any(case.code in (order or ()) for order in orders)
                if not allowed:
                    raise PermissionDenied("Dit fragment is niet voor jou beschikbaar.")
            clip_path = case.clip_path
        if not clip_path:
            raise NotFound("Bij deze casus hoort geen fragment.")
        path = Path(clip_path)
        if subtitles:
            path = path.with_suffix(".vtt")
        path = path.resolve()
        if path.suffix != (".vtt" if subtitles else ".mp4") or not any(
                path.is_relative_to(root) for root in self._media.allowed_clip_roots()):
            raise NotFound("Dit fragment is niet gevonden.")
        if not path.is_file():
            raise NotFound("Het ondertitelbestand is niet gevonden." if subtitles
                           else "Het videobestand is niet gevonden.")
        return path

    @staticmethod
    def _practice_attempts(s: Session, person_id: int, case_ids) -> list[tuple[m.PracticeAttempt, dict[str, int]]]:
        """One person's practice attempts on ``case_ids`` in time order, each with its scores (scale code → score)."""
        out: list[tuple[m.PracticeAttempt, dict[str, int]]] = []
        for attempt, scale_code, score in s.execute(
            select(m.PracticeAttempt, m.Scale.code, m.Rating.score)
            .join(m.Rating, m.Rating.practice_attempt_id == m.PracticeAttempt.id)
            .join(m.Scale, m.Scale.id == m.Rating.scale_id)
            .where(m.PracticeAttempt.person_id == person_id,
                   m.PracticeAttempt.case_id.in_(list(case_ids)))
            .order_by(m.PracticeAttempt.submitted_at, m.PracticeAttempt.id, m.Rating.id)
        ):
            if not out or out[-1][0].id != attempt.id:
                out.append((attempt, {}))
            out[-1][1][scale_code] = score
        return out

    @classmethod
    def _latest_practice(cls, s: Session, person_id: int, case_ids) -> dict[int, tuple[int, dict[str, int]]]:
        """case id → (number of attempts, scores of the latest attempt) of one person's practice."""
        out: dict[int, tuple[int, dict[str, int]]] = {}
        for attempt, scores in cls._practice_attempts(s, person_id, case_ids):
            out[attempt.case_id] = (out.get(attempt.case_id, (0, {}))[0] + 1, scores)
        return out

    def practice_overview(self, actor: Actor):
        """The practice set's cases, in set order, with this person's status.

        Returns :class:`oefenkit.practice.PracticeCase` values: ``status`` ``new``
        or ``done`` and the scores of the person's latest attempt. Only the
        person's own ratings are read; no expert information is returned.
        """

        require(actor, "write_rating_for", actor.id if actor else None)
        with self.transaction(readonly=True) as s:
            practice = self._practice_case_ids(s)
            latest = self._latest_practice(s, actor.id, practice)
            cases = {c.id: c for c in s.scalars(select(m.Case).where(m.Case.id.in_(list(practice))))}
            out = []
            for case_id, set_code in practice.items():
                case = cases[case_id]
                attempts, scores = latest.get(case_id, (0, {}))
                out.append(PracticeCase(
                    code=case.code, title=case.title, set_code=set_code,
                    status="done" if attempts else "new", attempts=attempts, scores=scores,
                    duration=(case.details or {}).get("duration"),
                ))
            return out

    def submit_practice(self, actor: Actor, case_code: str, scores: dict[str, int], note: str = "", *,
                        submission_id: str | None = None):
        """Store a practice attempt (every scale, one transaction) and return the feedback.

        Only for a case of a practice set (not an exam set): the feedback holds
        the expert scores, so any other case is :class:`PermissionDenied` and
        nothing is stored. ``scores`` must give every scale of the kit.
        With a ``submission_id`` a retried submission stores nothing new and gets
        the feedback of the attempt stored the first time.
        Returns :class:`oefenkit.practice.PracticeFeedback`.
        """

        require(actor, "write_rating_for", actor.id if actor else None)
        note = (note or "").strip()
        if len(note) > 5000:
            raise ValidationError("Een toelichting heeft hoogstens 5000 tekens.")
        check_submission_id(submission_id)
        try:
            return self._submit_practice(actor, case_code, scores, note, submission_id)
        except Conflict:
            if submission_id is None:
                raise
            return self._submit_practice(actor, case_code, scores, note, submission_id)  # the race's winner

    def _submit_practice(self, actor: Actor, case_code: str, scores, note: str, submission_id: str | None):

        with self.transaction() as s:
            case = s.scalar(select(m.Case).where(m.Case.code == case_code))
            if case is None:
                raise NotFound(f"Casus {case_code!r} bestaat niet.")
            if case.id not in self._practice_case_ids(s):
                raise PermissionDenied("Deze casus hoort niet bij de oefenset; je krijgt er geen feedback op.")
            newest = self._newest_scales(s)
            missing = sorted(set(newest) - set(scores or {}))
            if missing:
                raise ValidationError(f"Geef een score op {every_scale(len(newest))} voordat je inlevert.")
            unknown = sorted(set(scores) - set(newest))
            if unknown:
                raise NotFound(f"Schaal {unknown[0]!r} bestaat niet.")
            stored = self._submitted(s, actor, submission_id)
            if stored:  # a retry: answer with what the first submission stored
                rows = s.execute(select(m.Rating, m.Scale.code).join(m.Scale, m.Scale.id == m.Rating.scale_id)
                                 .where(m.Rating.id.in_(stored)).order_by(m.Rating.id)).all()  # as first stored
                if any(r.case_id != case.id for r, _ in rows):
                    raise ValidationError("Deze inzendingscode hoort bij een andere casus.")
                scores = {code: r.score for r, code in rows}
                attempt = s.get(m.PracticeAttempt, rows[0][0].practice_attempt_id)
                note = rows[0][0].note
                now = attempt.submitted_at if attempt is not None else rows[0][0].created_at
                if now.tzinfo is None:  # SQLite gives naive UTC
                    now = now.replace(tzinfo=dt.timezone.utc)
            else:
                now = m.utcnow()
                checked = {code: self._check_score(newest[code], score) for code, score in scores.items()}
                attempt = m.PracticeAttempt(person_id=actor.id, case_id=case.id, submitted_at=now)
                s.add(attempt)
                s.flush()
                for scale_code, score in checked.items():
                    s.add(m.Rating(rater_id=actor.id, case_id=case.id, scale_id=newest[scale_code].id,
                                   score=score, note=note, mode="practice", practice_attempt_id=attempt.id,
                                   submission_id=submission_id, created_at=now, updated_at=now))
                s.flush()
            return build_feedback(
                case.code, case.title, {k: int(v) for k, v in scores.items()},
                self._expert_judgements(s, case.id),
                scale_names={c: sc.name for c, sc in newest.items()},
                scale_ranges={c: (sc.min_score, sc.max_score) for c, sc in newest.items()},
                rationale=dict((case.details or {}).get("rationale") or {}),
                note=note, submitted_at=now,
            )

    def practice_history(self, actor: Actor, username: str | None = None):
        """A person's practice attempts in time order, with the absolute deviation per scale.

        ``username`` defaults to the actor; reading someone else's history needs
        staff rights (``read_ratings_of``). Only cases that give practice
        feedback are included. Returns :class:`oefenkit.practice.PracticeAttempt`
        values, numbered from 1: the data of the learning curve.
        """

        username = username or (actor.username if actor else "")
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_ratings_of", username)
            attempts = self._practice_attempts(s, person_id, self._practice_case_ids(s))
            cases = {c.id: c for c in s.scalars(select(m.Case).where(
                m.Case.id.in_({a.case_id for a, _ in attempts})))}
            newest = self._newest_scales(s)
            consensus: dict[int, dict[str, int]] = {}
            for case_id in cases:
                consensus[case_id] = {
                    scale_code: consensus_of({n: sc for n, sc, _ in judgements},
                                             newest[scale_code].min_score, newest[scale_code].max_score)
                    for scale_code, judgements in self._expert_judgements(s, case_id).items()
                    if judgements and scale_code in newest
                }
            out = []
            for number, (attempt, own) in enumerate(attempts, 1):
                case = cases[attempt.case_id]
                cons = {k: v for k, v in consensus[case.id].items() if k in own}
                out.append(PracticeAttempt(
                    number=number, case_code=case.code, case_title=case.title, submitted_at=attempt.submitted_at,
                    scores=own, consensus=cons, abs_deviation={k: abs(own[k] - v) for k, v in cons.items()},
                ))
            return out
