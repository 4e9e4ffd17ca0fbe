"""The case library: upload a clip, anonymise it, review it, score it, publish it.

The :class:`~oefenkit.storage.kit.Kit` verbs behind the supervision app "Casusbibliotheek"
and the upload route (``oefenkit/server/upload.py``). Everything is staff-only
(``manage_cases``; expert scores ``write_expert_scores``).

Files live in the media directory (:meth:`MediaStore.configure_library <oefenkit.storage.media.MediaStore.configure_library>`)::

    <media_dir>/originals/   the uploaded originals (mode 0700), named <random>.<ext>;
                             never inside a clip root, never served by any route
    <media_dir>/clips/       anonymised MP4s <case code>.mp4, served only through
                             PracticeService.find_clip (the authenticated clip route)
    <media_dir>/review/      contact sheets <case code>.png (staff only)
    <media_dir>/uploads/     partial uploads of the HTTP route (<random>.part)

Workflow (``CaseMedia.status``)::

    uploaded → anonymised → reviewed → published
                  ↑    (re-run with manual masks: back to anonymised)

A new case is in no set, so no cursist can see it. Publishing adds it to a practice,
exam or session set; an exam case needs expert scores on every current scale, and a
case never sits in a practice set and an exam set at once. Unless
``keep_originals`` is set, the original is deleted when the case is published (it
is kept until then so the clip can be anonymised again with manual masks).

Anonymising and reviewing are in ``library_media.py`` (:class:`~oefenkit.storage.library_media.LibraryMediaService`);
the durable anonymisation jobs in ``anonymise_jobs.py``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import AlreadyExists, Conflict, NotFound, ValidationError, VideoError
from ..identity import Actor
from ..permissions import require, roles
from . import models as m
from .cases import ExpertScoreInfo
from .library_media import _unlink_quietly
from .library_media import normalise_manual_masks as normalise_manual_masks  # its old home
from .media import DEFAULT_UPLOAD_MAX_BYTES, MEDIA_SUBDIRS, MediaStore
from .store import Service, Store

__all__ = [
    "LibraryService",
    "LibraryItem",
    "FlaggedFrame",
    "CaseSetInfo",
    "private_exam_set_code",
    "DEFAULT_UPLOAD_MAX_BYTES",
    "MEDIA_SUBDIRS",
    "VIDEO_EXTENSIONS",
    "sanitise_file_name",
]

log = logging.getLogger(__name__)

#: Extensions an original keeps in the protected store (anything else is stored as ``.video``).
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".3gp", ".3g2", ".mkv", ".webm", ".avi",
                              ".mpg", ".mpeg", ".ts", ".mts", ".wmv", ".flv", ".ogv"})
_MAX_TITLE = 200
_MAX_VIGNETTE = 20_000
_MAX_RATIONALE = 5_000
_CODE_PREFIX = "upl"


@dataclass(frozen=True)
class FlaggedFrame:
    """A frame of the anonymised clip a person should look at."""

    frame: int
    time_s: float
    #: Dutch, e.g. ``"zwakke detectie (0.34)"``.
    reason: str


@dataclass(frozen=True)
class LibraryItem:
    """An uploaded case with where it is in the workflow (plain values only)."""

    case_code: str
    title: str
    programme_code: str | None
    vignette: str
    details: dict[str, Any]
    status: str
    original_name: str
    original_size: int
    has_original: bool
    clip_available: bool
    review: tuple[FlaggedFrame, ...]
    #: ``{"start_s", "end_s", "x", "y", "w", "h"}``; x, y, w, h fractions (0–1) of the frame,
    #: ``end_s`` ``None`` = until the end.
    manual_masks: tuple[dict[str, Any], ...]
    set_codes: tuple[str, ...]
    expert_scores: tuple[ExpertScoreInfo, ...]
    uploaded_by: str | None
    uploaded_at: dt.datetime
    keep_audio: bool = False
    anonymised_at: dt.datetime | None = None
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class CaseSetInfo:
    """A case set as the publish dropdown needs it."""

    code: str
    name: str
    kind: str
    programme_code: str | None
    case_codes: tuple[str, ...]
    #: The expert scores are public (shipped sets): an exam on it is an oefentoets.
    public: bool = False
    #: Not made yet: the organisation's own exam set, made by the first publication to it.
    new: bool = False


#: Prefix of the code of a programme's own (private) exam set (``private_exam_set_code``).
_PRIVATE_EXAM_PREFIX = "eigen-toets-"


def private_exam_set_code(programme_code: str) -> str:
    """The code of the organisation's own exam set of a programme: the set for certification.

    Publishing a case to it in the Casusbibliotheek makes it (private: its expert scores exist
    only in this database) when it does not exist yet.

    >>> private_exam_set_code("ouder-baby")
    'eigen-toets-ouder-baby'
    """
    return _PRIVATE_EXAM_PREFIX + programme_code


def _private_exam_set_name(programme: m.Programme) -> str:
    return f"Eigen toetsset {programme.name}"


def sanitise_file_name(name: str) -> str:
    """A person's file name as harmless metadata: no folders, no control characters, ≤ 255 chars.

    >>> sanitise_file_name("../../etc/passwd")
    'passwd'
    >>> sanitise_file_name("C:\\\\Users\\\\an\\\\Bad\\x00je.MOV")
    'Badje.MOV'
    >>> sanitise_file_name("  ")
    'fragment'
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    return name[:255] or "fragment"


def _default_title(name: str) -> str:
    stem = Path(name).stem if "." in name else name
    stem = re.sub(r"[_]+", " ", stem).strip()
    return stem[:_MAX_TITLE] or "Geüpload fragment"


def _check_text(value: str, label: str, maximum: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{label} moet tekst zijn.")
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{label} mag niet leeg zijn.")
    if len(value) > maximum:
        raise ValidationError(f"{label} heeft hoogstens {maximum} tekens.")
    return value


class LibraryService(Service):
    """Verbs of the case library (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, media: MediaStore):
        super().__init__(store)
        #: The media directory and clip roots (uploads, originals, anonymised clips).
        self._media = media

    # -- reading -----------------------------------------------------------------------------

    def media_of(self, s: Session, case_code: str) -> tuple[m.Case, m.CaseMedia]:
        row = s.execute(select(m.Case, m.CaseMedia).join(m.CaseMedia, m.CaseMedia.case_id == m.Case.id)
                        .where(m.Case.code == case_code)).first()
        if row is None:
            if s.scalar(select(m.Case.id).where(m.Case.code == case_code)) is None:
                raise NotFound(f"Casus {case_code!r} bestaat niet.")
            raise NotFound(f"Casus {case_code!r} staat niet in de casusbibliotheek (het is geen geüpload fragment).")
        return row[0], row[1]

    def library_item(self, s: Session, case: m.Case, media: m.CaseMedia) -> LibraryItem:
        programme_code = (s.scalar(select(m.Programme.code).where(m.Programme.id == case.programme_id))
                          if case.programme_id else None)
        set_codes = tuple(s.scalars(
            select(m.CaseSet.code).join(m.CaseSetItem, m.CaseSetItem.set_id == m.CaseSet.id)
            .where(m.CaseSetItem.case_id == case.id).order_by(m.CaseSet.id)))
        scores: dict[tuple[str, str], ExpertScoreInfo] = {}
        for es, username, scale_code in s.execute(
            select(m.ExpertScore, m.Person.username, m.Scale.code)
            .join(m.Person, m.Person.id == m.ExpertScore.expert_id)
            .join(m.Scale, m.Scale.id == m.ExpertScore.scale_id)
            .where(m.ExpertScore.case_id == case.id)
            .order_by(m.Scale.code, m.Person.username, m.Scale.version)
        ):
            scores[(scale_code, username)] = ExpertScoreInfo(username, case.code, scale_code, es.score, es.rationale)
        uploader = (s.scalar(select(m.Person.username).where(m.Person.id == media.uploaded_by_id))
                    if media.uploaded_by_id else None)
        clip = case.clip_path
        clip_available = bool(clip and media.status != "uploaded" and Path(clip).is_file())
        return LibraryItem(
            case_code=case.code, title=case.title, programme_code=programme_code, vignette=case.vignette,
            details=dict(case.details or {}), status=media.status, original_name=media.original_name,
            original_size=media.original_size, has_original=media.original_path is not None,
            clip_available=clip_available,
            review=tuple(FlaggedFrame(int(r["frame"]), float(r["time_s"]), str(r["reason"]))
                         for r in media.review or ()),
            manual_masks=tuple(dict(d) for d in media.manual_masks or ()),
            set_codes=set_codes, expert_scores=tuple(scores.values()), uploaded_by=uploader,
            uploaded_at=media.uploaded_at, keep_audio=media.keep_audio, anonymised_at=media.anonymised_at,
            published_at=media.published_at,
        )

    def list_library(self, actor: Actor) -> list[LibraryItem]:
        """Every uploaded case, newest upload first."""
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            rows = s.execute(select(m.Case, m.CaseMedia).join(m.CaseMedia, m.CaseMedia.case_id == m.Case.id)
                             .order_by(m.CaseMedia.uploaded_at.desc(), m.Case.code.desc())).all()
            return [self.library_item(s, case, media) for case, media in rows]

    def find_library_item(self, actor: Actor, case_code: str) -> LibraryItem:
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            return self.library_item(s, *self.media_of(s, case_code))

    def list_case_sets(self, actor: Actor) -> list[CaseSetInfo]:
        """Every case set with its kind and cases (in set order), by code; then, for every programme
        with a scoring test that has no own exam set yet, that set as ``new`` (made on publishing)."""
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            out = []
            for case_set, programme_code in s.execute(
                select(m.CaseSet, m.Programme.code)
                .outerjoin(m.Programme, m.Programme.id == m.CaseSet.programme_id).order_by(m.CaseSet.code)
            ):
                codes = tuple(s.scalars(select(m.Case.code).join(m.CaseSetItem, m.CaseSetItem.case_id == m.Case.id)
                                        .where(m.CaseSetItem.set_id == case_set.id)
                                        .order_by(m.CaseSetItem.position)))
                out.append(CaseSetInfo(case_set.code, case_set.name, case_set.kind, programme_code, codes,
                                       public=case_set.public))
            taken = {c.code for c in out}
            for programme in s.scalars(select(m.Programme).where(m.Programme.scoring_test.is_(True))
                                       .order_by(m.Programme.code)):
                code = private_exam_set_code(programme.code)
                if code not in taken:
                    out.append(CaseSetInfo(code, _private_exam_set_name(programme), "exam", programme.code, (),
                                           public=False, new=True))
            return out

    def _new_private_exam_set(self, s: Session, actor: Actor, set_code: str) -> m.CaseSet | None:
        """Make the programme's own exam set named ``set_code``, or None when the code is not one."""
        if not set_code.startswith(_PRIVATE_EXAM_PREFIX):
            return None
        programme = s.scalar(select(m.Programme).where(
            m.Programme.code == set_code[len(_PRIVATE_EXAM_PREFIX):]))
        if programme is None or not programme.scoring_test:
            return None
        case_set = m.CaseSet(code=set_code, name=_private_exam_set_name(programme), kind="exam",
                             programme_id=programme.id, public=False)
        s.add(case_set)
        s.flush()
        self.audit(s, actor, "case_set.add", set_code, kind="exam", cases=0, public=False)
        return case_set

    # -- upload ------------------------------------------------------------------------------

    def add_library_clip(self, actor: Actor, source_path: str | os.PathLike, original_name: str, *,
                         title: str | None = None, programme_code: str | None = None) -> LibraryItem:
        """Take an uploaded file into the protected store and make a new, unpublished case of it.

        ``source_path`` is *moved* (the HTTP route's part file, or a copy the CLI
        made); ``original_name`` is only metadata. The file must be a video the
        kit can read and at most :attr:`upload_max_bytes` long. All or nothing:
        on any error nothing is left in ``originals/``, no row is written and the
        source file is where it was.
        """
        from ..video.probe import probe, validate  # PyAV (≈ 0.06 s), only when a clip is added

        require(actor, "manage_cases")
        name = sanitise_file_name(original_name)
        title = _check_text(title if title is not None else _default_title(name), "Een titel", _MAX_TITLE,
                            required=True)
        source = Path(source_path)
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise ValidationError("Het geüploade bestand is niet gevonden.") from exc
        if not source.is_file():
            raise ValidationError("Het geüploade bestand is geen gewoon bestand.")
        if size > self._media.upload_max_bytes:
            raise ValidationError(self._media.too_large_message())
        if size == 0:
            raise ValidationError(f"{name} is leeg (0 bytes).")
        try:
            info = validate(probe(source))
        except VideoError as exc:
            # The probe's Dutch reason ("... is een afbeelding, geen video."), with the person's file name.
            raise ValidationError(str(exc).replace(source.name, name)) from exc
        digest = hashlib.sha256()
        with open(source, "rb") as fh:
            for block in iter(lambda: fh.read(1024 * 1024), b""):
                digest.update(block)
        ext = Path(name).suffix.lower()
        originals = self._media.media_path("originals")
        dest = originals / f"{secrets.token_hex(16)}{ext if ext in VIDEO_EXTENSIONS else '.video'}"
        shutil.move(source, dest)
        try:
            os.chmod(dest, 0o600)
            code = self._store_upload(actor, dest, name, size, digest.hexdigest(), title, programme_code,
                                      duration=round(info.duration, 2))
        except BaseException:
            try:
                shutil.move(dest, source)
            except OSError:
                _unlink_quietly(dest)
            raise
        return self.find_library_item(actor, code)

    def _store_upload(self, actor: Actor, dest: Path, name: str, size: int, sha256: str, title: str,
                      programme_code: str | None, *, duration: float) -> str:
        day = m.utcnow().strftime("%Y%m%d")
        for attempt in range(5):
            try:
                with self.transaction() as s:
                    programme_id = self._programme_id(s, programme_code, optional=True)
                    uploader = s.scalar(select(m.Person.id).where(m.Person.username == actor.username))
                    prefix = f"{_CODE_PREFIX}-{day}-"
                    taken = s.scalars(select(m.Case.code).where(m.Case.code.like(prefix + "%"))).all()
                    numbers = [int(c[len(prefix):]) for c in taken if c[len(prefix):].isdigit()]
                    code = f"{prefix}{max(numbers, default=0) + 1:03d}"
                    case = m.Case(code=code, title=title, programme_id=programme_id, vignette="",
                                  details={"duration": duration}, synthetic=False, clip_path=None)
                    s.add(case)
                    s.flush()
                    s.add(m.CaseMedia(case_id=case.id, original_path=dest.name, original_name=name,
                                      original_size=size, original_sha256=sha256, status="uploaded",
                                      review=[], manual_masks=[], keep_audio=False, uploaded_by_id=uploader))
                    self.audit(s, actor, "library.upload", code, name=name, size=size, sha256=sha256)
                    return code
            except Conflict:
                if attempt == 4:
                    raise
                # Another upload took the same number at the same moment: take the next one.
        raise AssertionError("unreachable")

    # -- metadata and expert scores -----------------------------------------------------------

    def update_library_case(self, actor: Actor, case_code: str, *, title: str | None = None,
                            programme_code: str | None = None, vignette: str | None = None,
                            details: dict[str, Any] | None = None) -> LibraryItem:
        """Change a library case's title, programme (``""`` = none), vignette or details (``None`` = keep)."""
        require(actor, "manage_cases")
        values: dict[str, Any] = {}
        if title is not None:
            values["title"] = _check_text(title, "Een titel", _MAX_TITLE, required=True)
        if vignette is not None:
            values["vignette"] = _check_text(vignette, "De vignet", _MAX_VIGNETTE)
        if details is not None:
            if not isinstance(details, dict) or not all(isinstance(k, str) for k in details):
                raise ValidationError("De gegevens van een casus zijn een lijst van namen met waarden.")

            try:
                json.dumps(details)
            except (TypeError, ValueError) as exc:
                raise ValidationError("De gegevens van een casus bevatten een waarde die niet kan worden "
                                      "opgeslagen.") from exc
            values["details"] = dict(details)
        with self.transaction() as s:
            case, media = self.media_of(s, case_code)
            if programme_code is not None:
                values["programme_id"] = self._programme_id(s, programme_code, optional=True)
            changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
            for k in changed:
                setattr(case, k, values[k])
            if changed:
                self.audit(s, actor, "case.update", case.code, fields=changed)
            return self.library_item(s, case, media)

    def set_expert_scores(self, actor: Actor, case_code: str,
                          scores: Sequence[tuple[str, str, int, str]]) -> LibraryItem:
        """Store master scores ``(expert username, scale code, score, rationale)``, all or nothing.

        Each replaces that expert's score of this case on that scale (newest
        scale version). The expert must be an existing trainer or coördinator
        (add expert accounts with ``update_or_create_expert``).
        """
        require(actor, "write_expert_scores")
        require(actor, "manage_cases")
        if isinstance(scores, (str, bytes)) or not isinstance(scores, Sequence) or not scores:
            raise ValidationError("Geef minstens één expertscore.")
        seen: set[tuple[str, str]] = set()
        checked = []
        for n, entry in enumerate(scores, start=1):
            if not isinstance(entry, (tuple, list)) or len(entry) != 4:
                raise ValidationError(f"Expertscore {n} moet bestaan uit expert, schaal, score en toelichting.")
            username, scale_code, score, rationale = entry
            rationale = _check_text(rationale if rationale is not None else "", "Een toelichting", _MAX_RATIONALE)
            if (username, scale_code) in seen:
                raise ValidationError(f"Expert {username!r} heeft schaal {scale_code!r} twee keer gescoord.")
            seen.add((username, scale_code))
            checked.append((username, scale_code, score, rationale))
        with self.transaction() as s:
            case, media = self.media_of(s, case_code)
            for username, scale_code, score, rationale in checked:
                expert = s.scalar(select(m.Person).where(m.Person.username == username))
                if expert is None:
                    raise NotFound(f"Expert {username!r} bestaat niet; voeg de expert eerst toe als persoon.")
                if expert.role not in roles().with_action("write_expert_scores"):
                    raise ValidationError(f"{username} is geen trainer of expert en kan geen expertscore geven.")
                _, scale = self._case_and_scale(s, case.code, scale_code)
                if isinstance(score, bool) or not isinstance(score, int) or not (
                        scale.min_score <= score <= scale.max_score):
                    raise ValidationError(f"{scale.name}: een score is een geheel getal van {scale.min_score} "
                                          f"tot en met {scale.max_score} (niet {score!r}).")
                _, scale, score, expert, row = self._expert_score_slot(s, actor, case.code, scale_code, score,
                                                                       username)
                if row is None:
                    s.add(m.ExpertScore(expert_id=expert.id, case_id=case.id, scale_id=scale.id, score=score,
                                        rationale=rationale))
                    self.audit(s, actor, "expert_score.add", case.code, scale=scale_code, expert=username)
                elif (row.score, row.rationale) != (score, rationale):
                    old = row.score
                    row.score, row.rationale = score, rationale
                    self.audit(s, actor, "expert_score.update", case.code, scale=scale_code, expert=username,
                               old=old, new=score)
            s.flush()
            return self.library_item(s, case, media)

    # -- publish -----------------------------------------------------------------------------

    def publish_case(self, actor: Actor, case_code: str, set_code: str) -> LibraryItem:
        """Add a reviewed library case at the end of a case set; status ``published``.

        Refused (Dutch, nothing changed) when the clip has not been reviewed, the
        case is already in that set, an exam set's case lacks expert scores on a
        current scale, the case would sit in a practice set and an exam set at
        once, or the programmes differ. Unless ``keep_originals``, the original
        is deleted once the publication is committed. ``set_code`` may name a
        programme's own exam set that does not exist yet (:func:`private_exam_set_code`,
        offered by ``list_case_sets``): it is made here, private, in the same transaction.
        """
        require(actor, "manage_cases")
        with self.transaction() as s:
            case, media = self.media_of(s, case_code)
            if media.status not in ("reviewed", "published"):
                raise ValidationError("Bekijk het geanonimiseerde fragment en keur het goed voordat je de "
                                      "casus publiceert.")
            if not case.clip_path or not Path(case.clip_path).is_file():
                raise NotFound("Het geanonimiseerde fragment van deze casus is niet gevonden; anonimiseer opnieuw.")
            case_set = s.scalar(select(m.CaseSet).where(m.CaseSet.code == set_code)) \
                or self._new_private_exam_set(s, actor, set_code)
            if case_set is None:
                raise NotFound(f"Set {set_code!r} bestaat niet.")
            if any(item.case_id == case.id for item in case_set.items):
                raise AlreadyExists(f"Deze casus staat al in set {case_set.name!r}.")
            if case_set.programme_id is not None and case.programme_id not in (None, case_set.programme_id):
                raise ValidationError("Deze casus hoort bij een ander programma dan de set.")
            other_kinds = set(s.scalars(select(m.CaseSet.kind).join(m.CaseSetItem, m.CaseSetItem.set_id == m.CaseSet.id)
                                        .where(m.CaseSetItem.case_id == case.id)))
            clash = {"exam": "practice", "practice": "exam"}.get(case_set.kind)
            if clash in other_kinds:
                raise Conflict("Een casus kan niet tegelijk in een oefenset en een toetsset staan: bij een "
                               "oefencasus ziet de cursist de expertscores.")
            if case_set.kind == "exam":
                newest = self._newest_scales(s)
                scored = set(s.scalars(select(m.Scale.code).join(m.ExpertScore, m.ExpertScore.scale_id == m.Scale.id)
                                       .where(m.ExpertScore.case_id == case.id)))
                missing = [sc.name for code, sc in sorted(newest.items()) if code not in scored]
                if missing:
                    raise ValidationError("Een toetsfragment heeft expertscores nodig op alle schalen; "
                                          f"nog niet gescoord: {', '.join(missing)}.")
            position = s.scalar(select(func.max(m.CaseSetItem.position))
                                .where(m.CaseSetItem.set_id == case_set.id))
            s.add(m.CaseSetItem(set_id=case_set.id, case_id=case.id,
                                position=0 if position is None else position + 1))
            media.status = "published"
            media.published_at = media.published_at or m.utcnow()
            original = None
            if not self._media.keep_originals and media.original_path is not None:
                original = self._media.media_path("originals") / media.original_path
                media.original_path = None
            self.audit(s, actor, "case.publish", case.code, set=case_set.code, kind=case_set.kind,
                       original_deleted=original is not None)
            s.flush()
            item = self.library_item(s, case, media)
        if original is not None:
            try:
                original.unlink(missing_ok=True)
            except OSError:
                log.error("Published %s but could not delete its original %s", case_code, original)
        return item
