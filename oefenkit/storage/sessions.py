"""Live sessions (terugkomdag): the :class:`~oefenkit.storage.kit.Kit` verbs of the session's
lifecycle (the trainer's projector dashboard: create, rounds, reveal, close), the live state both
pages read, and the report afterwards. The statistics live in :mod:`oefenkit.sessions`. The
participant's verbs (join by code, scores of a round) are in
:mod:`oefenkit.storage.session_participants`, the answers to other rounds in
:mod:`oefenkit.storage.session_answers`.

Consistency
-----------
Every verb that changes a session first raises the session's ``change_token``
(``UPDATE live_session SET change_token = change_token + 1``). That one
statement takes the session row's lock on PostgreSQL and the write lock on
SQLite, so the session's writers run one after another and every check after it
(is the round still open? is this person a participant?) sees the latest
committed state: a submission and the trainer's "close round" cannot cross.

A participant's score is one row per (round, rater, scale) — a unique
constraint — changed in place until the round closes, so nothing is ever
stored twice; a retried submission with the same ``submission_id`` changes
nothing.

Live updates
------------
Pages poll :meth:`SessionsService.session_token` (one indexed read) and fetch
:meth:`SessionsService.session_state` only when the token changed;
:meth:`SessionsService.wait_for_change` does the same in a loop. The database is
the only channel between kernels, so it works the same on SQLite and
PostgreSQL, and for every kernel under JupyterHub.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any, Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, PermissionDenied, ValidationError
from ..identity import Actor
from ..permissions import can, require
from ..practice import build_feedback, consensus_of
from ..rounds import item_from_dict
from ..scales import current
from ..sessions import MAX_EXPECTED, RoundReport, SessionReport, new_join_code, room_alpha, scale_stats
from . import models as m
from .cases import scale_value
from .live_rows import LiveRows
from .store import Service, Store

if TYPE_CHECKING:
    from .certificates import CertificatesService
    from .requirements import RequirementsService

__all__ = ["SessionsService"]

_LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


class SessionsService(LiveRows, Service):
    """Verbs on live sessions (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, requirements: RequirementsService, certificates: CertificatesService):
        super().__init__(store)
        #: Records the refresher of the day when a session closes.
        self._requirements = requirements
        #: Renews the participants' certificates when a session closes.
        self._certificates = certificates

    # -- look-ups ---------------------------------------------------------------------------

    # -- the trainer -------------------------------------------------------------------------

    def create_session(self, actor: Actor, set_code: str | None = "terugkomdag", *,
                       expected: int | None = None, plan=None) -> dict[str, Any]:
        """A new session; returns ``id`` and ``join_code``.

        Without ``plan`` a day of clips over the session-kind case set ``set_code`` (an Ouder-baby
        opfrisdag or intervision). With ``plan`` (:class:`oefenkit.rounds.RoundPlan`, e.g. the Babytijd
        terugkomdag) the day follows the plan's rounds; its clips are optional (the plan's ``clips``
        set, ``set_code`` is then ignored). The plan is kept with the session as it is now.

        ``expected``: how many people the trainer expects (1 to :data:`~oefenkit.sessions.MAX_EXPECTED`),
        or None. The server starts that many participant pages' kernels ahead, so the room opens the
        app in seconds (:meth:`list_prewarm_demand`)."""

        require(actor, "lead_live_session")
        if actor.id is None:
            raise ValidationError("Een sessie wordt geleid door een persoon met een account.")
        if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)
                                     or not 1 <= expected <= MAX_EXPECTED):
            raise ValidationError(f"Het verwachte aantal deelnemers is een heel getal van 1 tot en met {MAX_EXPECTED}.")
        plan_data = None
        if plan is not None:
            if not plan.rounds:
                raise ValidationError("Deze rondelijst heeft geen rondes.")
            # checked again here: the storage never trusts what a page hands it
            plan_data = plan.as_dict() | {"rounds": [item_from_dict(r.as_dict()).as_dict() for r in plan.rounds]}
            set_code = plan.clips
        with self.transaction() as s:
            case_set = None
            if set_code is not None:
                case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == set_code))
                if case_set is None:
                    raise NotFound(f"Set {set_code!r} bestaat niet.")
                if case_set.kind not in ("session", "intervision"):
                    raise ValidationError("Een terugkomdag gebruikt een sessieset, geen oefen- of toetsset.")
                if plan is None and not case_set.items:
                    raise ValidationError("Deze sessieset heeft nog geen fragmenten.")
            elif plan is None:
                raise ValidationError("Kies een sessieset of een rondelijst.")
            programme = (s.scalar(select(m.Programme.code).where(m.Programme.id == case_set.programme_id))
                         if case_set is not None and case_set.programme_id is not None else None)
            if plan is not None:
                programme = s.scalar(select(m.Programme.code).where(m.Programme.code == plan.programme))
                if programme is None:
                    raise NotFound(f"Programma {plan.programme!r} bestaat niet.")
            used = set(s.scalars(select(m.LiveSession.join_code)))
            code = new_join_code()
            while code in used:  # 30**6 codes: a clash is rare, and the unique constraint still guards
                code = new_join_code()
            session = m.LiveSession(join_code=code, trainer_id=actor.id,
                                    case_set_id=case_set.id if case_set is not None else None,
                                    expected_participants=expected, programme_code=programme, plan=plan_data)
            s.add(session)
            s.flush()
            self.audit(s, actor, "live_session.create", code, set=set_code, expected=expected,
                       plan=plan.code if plan is not None else None)
            return {"id": session.id, "join_code": code}

    def trainer_open_session(self, actor: Actor) -> int | None:
        """The newest open session this trainer leads (the dashboard re-attaches after a reload)."""
        require(actor, "lead_live_session")
        with self.transaction() as s:
            return s.scalar(select(m.LiveSession.id).where(m.LiveSession.trainer_id == actor.id,
                                                           m.LiveSession.state == "open")
                            .order_by(m.LiveSession.id.desc()).limit(1))

    def _set_cases(self, s: Session, session: m.LiveSession) -> list[m.Case]:
        if session.case_set_id is None:
            return []
        case_set = s.get(m.CaseSet, session.case_set_id)
        return [item.case for item in case_set.items] if case_set else []

    @staticmethod
    def _held_codes(s: Session, session: m.LiveSession) -> set[str]:
        """The codes of the plan's rounds this session held already."""
        return {c["code"] for c in s.scalars(select(m.LiveRound.content).where(
            m.LiveRound.session_id == session.id, m.LiveRound.kind != "fragment")) if c and c.get("code")}

    def _next_up(self, s: Session, session: m.LiveSession) -> tuple[dict[str, Any] | None, m.Case | None]:
        """What "Volgende ronde" opens: the plan's first round not held yet, else the set's first clip
        not shown yet; ``(None, None)`` when nothing is left."""
        held = self._held_codes(s, session)
        for item in (session.plan or {}).get("rounds", []):
            if item.get("code") not in held:
                return item, None
        shown = set(s.scalars(select(m.LiveRound.case_id).where(m.LiveRound.session_id == session.id,
                                                                 m.LiveRound.case_id.is_not(None))))
        return None, next((c for c in self._set_cases(s, session) if c.id not in shown), None)

    def open_round(self, actor: Actor, session_id: int, case_code: str | None = None, *,
                   item_code: str | None = None, item=None) -> int:
        """Start the next round; its number.

        ``case_code``: a clip of the session's set (a ``fragment`` round). ``item_code``: a round of the
        session's plan. ``item``: a :class:`oefenkit.rounds.RoundItem` the trainer picked from the content
        or typed (checked here). None of these: the plan's next round, else the set's next clip.
        """

        chosen = sum(x is not None for x in (case_code, item_code, item))
        if chosen > 1:
            raise ValidationError("Kies één ronde: een fragment, een ronde uit de lijst of een eigen vraag.")
        content = item_from_dict(item.as_dict()).as_dict() if item is not None else None
        with self.transaction() as s:
            session = self._bump(s, session_id)
            self._require_leader(actor, session)
            self._require_open(session)
            if session.round_open:
                raise Conflict(f"Ronde {session.current_round} is nog open; sluit die eerst.")
            case = None
            if case_code is not None:
                case = next((c for c in self._set_cases(s, session) if c.code == case_code), None)
                if case is None:
                    raise NotFound("Dit fragment hoort niet bij de set van deze sessie.")
            elif item_code is not None:
                content = next((r for r in (session.plan or {}).get("rounds", []) if r.get("code") == item_code), None)
                if content is None:
                    raise NotFound("Deze ronde staat niet in de rondelijst van deze sessie.")
            elif content is None:
                content, case = self._next_up(s, session)
                if content is None and case is None:
                    if session.plan is None:  # a day of clips, as before
                        raise Conflict("Alle fragmenten van deze set zijn al besproken. Sluit de sessie af.")
                    raise Conflict("Alle rondes van deze sessie zijn al geweest. Voeg een ronde toe of sluit de "
                                   "sessie af.")
            number = session.current_round + 1
            if case is not None:
                s.add(m.LiveRound(session_id=session.id, number=number, kind="fragment", case_id=case.id))
            else:
                assert content is not None  # a plan round or an item was found above, or else a clip
                s.add(m.LiveRound(session_id=session.id, number=number, kind=content["kind"], content=content))
            session.current_round, session.round_open = number, True
            return number

    def close_round(self, actor: Actor, session_id: int) -> int:
        """Close the open round (scores are final from now on); its number."""
        with self.transaction() as s:
            session = self._bump(s, session_id)
            self._require_leader(actor, session)
            self._require_open(session)
            if not session.round_open:
                raise Conflict("Er is geen open ronde om te sluiten.")
            current = self._current_round(s, session)
            assert current is not None  # an open round exists
            current.closed_at = m.utcnow()
            session.round_open = False
            return session.current_round

    def next_round(self, actor: Actor, session_id: int, case_code: str | None = None, **which) -> int:
        """Close the current round if it is open and start the next (``which``: as :meth:`open_round`);
        the new round's number."""
        with self.transaction() as s:
            session = self._live_session(s, session_id)
            is_open = session.round_open
        if is_open:
            self.close_round(actor, session_id)
        return self.open_round(actor, session_id, case_code, **which)

    def reveal(self, actor: Actor, session_id: int, round_number: int | None = None) -> int:
        """Show the expert score and rationale of a closed round (default: the current one); for a
        ``vraag`` the right answer and its explanation, for a ``situatie`` the facilitator notes."""
        with self.transaction() as s:
            session = self._bump(s, session_id)
            self._require_leader(actor, session)
            number = round_number or session.current_round
            rnd = s.scalar(select(m.LiveRound).where(m.LiveRound.session_id == session.id,
                                                     m.LiveRound.number == number))
            if rnd is None:
                raise NotFound(f"Ronde {number} bestaat niet in deze sessie.")
            if rnd.closed_at is None:
                raise Conflict("Sluit eerst de ronde; anders zien deelnemers de expertscore terwijl ze nog "
                               "kunnen scoren.")
            if rnd.revealed_at is None:
                rnd.revealed_at = m.utcnow()
                self.audit(s, actor, "live_session.reveal", session.join_code, round=number)
            return number

    def close_session(self, actor: Actor, session_id: int, *, rules: Mapping[str, Any],
                      paths: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Close the session (and its open round). Everyone who took part (scored or answered in at
        least one round, :meth:`session_participants_who_took_part`) gets, in the same transaction,
        the refresher of the day's programme path recorded for today when that path has one (the
        Babytijd terugkomdag, which keeps the registration active; ``paths`` are the programme
        paths). Then their scoring-test certificates are renewed
        (:meth:`renew_certificates_for_attendance`, attendance = today).

        Returns ``attended`` (user names), ``attendance_recorded`` (who got the refresher),
        ``renewed`` (the renewals that extended a certificate) and ``programme`` (the day's
        programme code, or None).
        """
        today = dt.datetime.now(_LOCAL_TZ).date()
        with self.transaction() as s:
            session = self._bump(s, session_id)
            self._require_leader(actor, session)
            self._require_open(session)
            now = m.utcnow()
            if session.round_open:
                current = self._current_round(s, session)
                assert current is not None  # an open round exists
                current.closed_at = now
                session.round_open = False
            session.state, session.closed_at = "closed", now
            attended = [p["username"] for p in self._took_part(s, session.id)]
            programme = session.programme_code
            self.audit(s, actor, "live_session.close", session.join_code, rounds=session.current_round,
                       attended=len(attended))
            recorded = self._requirements.record_refresher_attendance(
                s, actor, attended, programme, today, f"Terugkomdag {session.join_code} (sessie afgesloten)",
                paths=paths or {})
        renewed = []
        for username in attended:
            renewed += [r | {"username": username} for r in
                        self._certificates.renew_certificates_for_attendance(actor, username, today, rules=rules) if r["renewed"]]
        return {"attended": attended, "attendance_recorded": recorded, "renewed": renewed, "programme": programme}

    # -- live state -------------------------------------------------------------------------------

    def session_token(self, actor: Actor, session_id: int) -> int:
        """The session's change token: it changes whenever anything on the session's pages would."""
        if actor is None:
            require(None, "lead_live_session")
        with self.transaction(readonly=True) as s:
            token = s.scalar(select(m.LiveSession.change_token).where(m.LiveSession.id == session_id))
            if token is None:
                raise NotFound("Deze sessie bestaat niet.")
            return token

    def wait_for_change(self, actor: Actor, session_id: int, token: int, timeout: float = 10.0,
                        interval: float = 0.1) -> int:
        """Poll until the change token differs from ``token`` or ``timeout`` seconds pass; the token."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.session_token(actor, session_id)
            if current != token or time.monotonic() >= deadline:
                return current
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))

    def _round_rows(self, s: Session, session_id: int):
        """(round id, rater id, scale code, score, note) of every live score of the session."""
        return s.execute(
            select(m.Rating.live_round_id, m.Rating.rater_id, m.Scale.code, m.Rating.score, m.Rating.note)
            .join(m.Scale, m.Scale.id == m.Rating.scale_id)
            .where(m.Rating.live_session_id == session_id, m.Rating.live_round_id.is_not(None))
        ).all()

    def _expert_view(self, s: Session, case: m.Case, newest) -> dict[str, tuple[int, str]]:
        """scale code → (consensus, rationale) of a case."""

        rationale = dict((case.details or {}).get("rationale") or {})
        out = {}
        for code, judgements in self._expert_judgements(s, case.id).items():
            if judgements and code in newest:
                out[code] = (consensus_of({n: sc for n, sc, _ in judgements}, newest[code].min_score,
                                          newest[code].max_score), str(rationale.get(code, "")))
        return out

    def _stats_of_round(self, s: Session, rnd: m.LiveRound, rows, newest, order) -> list:

        case = self._round_case(s, rnd)
        experts = self._expert_view(s, case, newest) if rnd.revealed_at is not None else {}
        out = []
        for code in order:
            scale = newest[code]
            expert, rationale = experts.get(code, (None, ""))
            out.append(scale_stats([r[3] for r in rows if r[0] == rnd.id and r[2] == code], scale_code=code,
                                   scale_name=scale.name, scale_min=scale.min_score, scale_max=scale.max_score,
                                   expert=expert, rationale=rationale))
        return out

    @staticmethod
    def _scale_order(newest) -> list[str]:
        """The scale codes in the content's ``order`` (:func:`oefenkit.scales.current`)."""
        return [sc.code for sc in current(scale_value(row) for row in newest.values())]

    def session_state(self, actor: Actor, session_id: int) -> dict[str, Any]:
        """What a session page shows now, with the ``token`` it belongs to.

        The leader's (projector) view has counts, histograms, central values,
        anonymous outliers and the room's alpha; the expert score only after the
        reveal. A participant's view has the current clip, their own scores and,
        after the reveal, their own feedback — never anyone else's name or score.
        Neither view holds a participant's name.

        A ``situatie``, ``vraag`` or ``ervaring`` round (``round["kind"]``) carries its content; the
        leader's ``answers`` are the room's answers without names (a distribution, groups or a wall,
        :meth:`_room_answers`), a participant's ``own_answer`` only their own. The right answer and the
        facilitator notes are in the round only after the reveal.
        """

        if actor is None:
            require(None, "lead_live_session")
        with self.transaction(readonly=True) as s:
            session = self._live_session(s, session_id)
            leader = can(actor, "lead_live_session") and (can(actor, "lead_any_live_session")
                                                           or session.trainer_id == actor.id)
            if not leader and not self._is_participant(s, session.id, actor.id):
                raise PermissionDenied("Je doet niet mee aan deze sessie; vul eerst de code in.")
            case_set = s.get(m.CaseSet, session.case_set_id) if session.case_set_id is not None else None
            rnd = self._current_round(s, session)
            participants = s.scalar(select(func.count()).select_from(m.LiveSessionParticipant)
                                    .where(m.LiveSessionParticipant.session_id == session.id)) or 0
            newest = self._newest_scales(s)
            order = self._scale_order(newest)
            plan = session.plan or {}
            state: dict[str, Any] = {
                "session_id": session.id, "token": session.change_token, "join_code": session.join_code,
                "state": session.state, "set_name": case_set.name if case_set else "",
                "participants": participants, "rounds": session.current_round,
                "cases_total": len(case_set.items) if case_set else 0,
                "plan_name": plan.get("name", ""), "planned": len(plan.get("rounds", [])),
                "programme": session.programme_code,
                "scales": [(c, newest[c].name) for c in order], "view": "leader" if leader else "participant",
                "round": None,
            }
            # the open or last round: a clip (``fragment``) or a content round (``other``), or none yet
            fragment = rnd if rnd is not None and rnd.kind == "fragment" else None
            other = rnd if rnd is not None and rnd.kind != "fragment" else None
            rows = self._round_rows(s, session.id) if fragment or leader else []
            if fragment is not None:
                case = self._round_case(s, fragment)
                submitted = len({r[1] for r in rows if r[0] == fragment.id})
                state["round"] = {"number": fragment.number, "kind": "fragment", "case_code": case.code,
                                  "case_title": case.title, "vignette": case.vignette,
                                  "open": fragment.closed_at is None, "revealed": fragment.revealed_at is not None,
                                  "submitted": submitted}
            elif other is not None:
                state["round"] = self._content_round_view(s, other)
            if leader:
                state["stats"] = self._stats_of_round(s, fragment, rows, newest, order) if fragment else []
                state["alpha"] = room_alpha((r[1], f"{r[0]}:{r[2]}", r[3]) for r in rows)
                state["answers"] = self._room_answers(s, other) if other is not None else None
                state.update(self._leader_choices(s, session))
            else:
                mine = [r for r in rows if fragment is not None and r[0] == fragment.id and r[1] == actor.id]
                own = {r[2]: r[3] for r in mine}
                note = next((r[4] for r in mine), "")
                state["own"] = {"scores": own, "note": note} if own else None
                state["feedback"] = None
                if fragment is not None and own and fragment.revealed_at is not None:
                    state["feedback"] = self._feedback(s, fragment, own, note, newest)
                state["own_answer"] = (self._own_answer(s, other, actor.id)
                                       if other is not None and actor.id is not None else None)
            return state

    def _leader_choices(self, s: Session, session: m.LiveSession) -> dict[str, Any]:
        """What the trainer can open next: ``next`` (kind and title, or None), the plan's rounds
        (``plan_rounds``: code, kind, title, held) and the clips not shown yet (``clips``: code, title)."""
        held = self._held_codes(s, session)
        shown = set(s.scalars(select(m.LiveRound.case_id).where(m.LiveRound.session_id == session.id,
                                                                 m.LiveRound.case_id.is_not(None))))
        item, case = self._next_up(s, session) if session.state == "open" else (None, None)
        nxt = ({"kind": item["kind"], "title": item["title"]} if item is not None
               else {"kind": "fragment", "title": case.title} if case is not None else None)
        return {"next": nxt,
                "plan_rounds": [(r["code"], r["kind"], r["title"], r["code"] in held)
                                for r in (session.plan or {}).get("rounds", [])],
                "clips": [(c.code, c.title) for c in self._set_cases(s, session) if c.id not in shown]}

    @staticmethod
    def _round_case(s: Session, rnd: m.LiveRound) -> m.Case:
        """The clip of a fragment round (the table's check keeps its ``case_id`` set, its foreign key
        keeps the case)."""
        case = s.get(m.Case, rnd.case_id)
        assert case is not None
        return case

    def _feedback(self, s: Session, rnd: m.LiveRound, own: dict[str, int], note: str, newest):

        case = self._round_case(s, rnd)
        return build_feedback(
            case.code, case.title, own, self._expert_judgements(s, case.id),
            scale_names={c: sc.name for c, sc in newest.items()},
            scale_ranges={c: (sc.min_score, sc.max_score) for c, sc in newest.items()},
            rationale=dict((case.details or {}).get("rationale") or {}), note=note,
            submitted_at=rnd.closed_at or rnd.opened_at)

    # -- after the session --------------------------------------------------------------------

    def session_report(self, actor: Actor, session_id: int):
        """All rounds of a session (:class:`oefenkit.sessions.SessionReport`), for its leader."""

        with self.transaction(readonly=True) as s:
            session = self._live_session(s, session_id)
            self._require_leader(actor, session)
            case_set = s.get(m.CaseSet, session.case_set_id) if session.case_set_id is not None else None
            newest = self._newest_scales(s)
            order = self._scale_order(newest)
            rows = self._round_rows(s, session.id)
            rounds = []
            for rnd in s.scalars(select(m.LiveRound).where(m.LiveRound.session_id == session.id)
                                 .order_by(m.LiveRound.number)):
                if rnd.kind != "fragment":
                    rounds.append(self._content_round_report(s, rnd))
                    continue
                case = self._round_case(s, rnd)
                rounds.append(RoundReport(rnd.number, case.code, case.title,
                                          tuple(self._stats_of_round(s, rnd, rows, newest, order)),
                                          rnd.revealed_at is not None))
            attended = tuple(sorted((p["display_name"] for p in self._took_part(s, session.id)), key=str.casefold))
            participants = s.scalar(select(func.count()).select_from(m.LiveSessionParticipant)
                                    .where(m.LiveSessionParticipant.session_id == session.id)) or 0
            trainer = s.get(m.Person, session.trainer_id)
            return SessionReport(
                join_code=session.join_code, set_name=case_set.name if case_set else "",
                trainer=trainer.display_name if trainer else "", created_at=m.as_utc(session.created_at),
                closed_at=m.as_utc(session.closed_at) if session.closed_at else None, participants=participants,
                plan_name=(session.plan or {}).get("name", ""),
                attended=attended, rounds=tuple(rounds),
                alpha=room_alpha((r[1], f"{r[0]}:{r[2]}", r[3]) for r in rows))

    def session_history(self, actor: Actor, username: str | None = None) -> list[dict[str, Any]]:
        """A person's own live-session rounds, newest first: date, clip, own scores and note, and the
        feedback (:class:`oefenkit.practice.PracticeFeedback`) once the round was revealed or the
        session closed; ``feedback`` is ``None`` before that."""
        username = username or (actor.username if actor else "")
        with self.transaction(readonly=True) as s:
            person_id = self._readable_person_id(s, actor, "read_ratings_of", username)
            newest = self._newest_scales(s)
            rows = s.execute(
                select(m.Rating, m.Scale.code, m.LiveRound, m.LiveSession)
                .join(m.Scale, m.Scale.id == m.Rating.scale_id)
                .join(m.LiveRound, m.LiveRound.id == m.Rating.live_round_id)
                .join(m.LiveSession, m.LiveSession.id == m.LiveRound.session_id)
                .where(m.Rating.rater_id == person_id, m.Rating.mode == "session")
                .order_by(m.LiveSession.id.desc(), m.LiveRound.number.desc())).all()
            grouped: dict[int, dict[str, Any]] = {}
            for rating, scale_code, rnd, session in rows:
                entry = grouped.setdefault(rnd.id, {"round": rnd, "session": session, "scores": {}, "note": ""})
                entry["scores"][scale_code] = rating.score
                entry["note"] = rating.note
            out = []
            for entry in grouped.values():
                rnd, session = entry["round"], entry["session"]
                case = self._round_case(s, rnd)
                open_ = rnd.revealed_at is not None or session.state == "closed"
                out.append({
                    "date": m.as_utc(rnd.opened_at), "join_code": session.join_code, "round": rnd.number,
                    "case_code": case.code, "case_title": case.title, "scores": dict(entry["scores"]),
                    "note": entry["note"],
                    "feedback": self._feedback(s, rnd, entry["scores"], entry["note"], newest) if open_ else None,
                })
            return out
