"""The library's media verbs: anonymise an uploaded clip, review it, read its contact sheet.

Mixed into :class:`~oefenkit.storage.kit.Kit` beside :class:`~oefenkit.storage.library.LibraryService`
(upload, metadata, expert scores, publish). The long video work runs outside any database
transaction; its results are written to temporary names and moved into place only after the
bookkeeping committed, so a failed, cancelled or refused run changes nothing. The durable
jobs of ``oefenkit/storage/anonymise_jobs.py`` run :meth:`LibraryMediaService.anonymise_library_clip`
in ``oefenkit worker``.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound, ValidationError, VideoError
from ..identity import Actor
from ..permissions import require
from . import models as m
from .media import MediaStore
from .store import Service, Store

if TYPE_CHECKING:
    from .library import LibraryItem, LibraryService

__all__ = ["LibraryMediaService", "check_not_published", "normalise_manual_masks"]

log = logging.getLogger(__name__)

_MAX_MASKS = 100
_MASK_KEYS = ("start_s", "end_s", "x", "y", "w", "h")


def normalise_manual_masks(masks: Sequence[dict[str, Any]] | None) -> tuple[dict[str, Any], ...]:
    """Check manual masks in the library's format and return them as plain dicts.

    Each mask is ``{"start_s", "end_s", "x", "y", "w", "h"}`` (``end_s`` may be
    ``None``: until the end). The rules are those of :mod:`oefenkit.video.mask`;
    a broken mask is a :class:`ValidationError` naming it (Dutch).
    """
    from ..video.mask import parse_manual_masks  # OpenCV (≈ 0.2 s) only when masks are read

    if masks is None:
        return ()
    if isinstance(masks, (str, bytes, dict)) or not isinstance(masks, Sequence):
        raise ValidationError("Handmatige maskers moeten een lijst zijn.")
    if len(masks) > _MAX_MASKS:
        raise ValidationError(f"Hoogstens {_MAX_MASKS} handmatige maskers.")
    items = []
    for n, mask in enumerate(masks, start=1):
        if not isinstance(mask, dict):
            raise ValidationError(f"Masker {n} moet een object zijn met {', '.join(_MASK_KEYS)}.")
        unknown = set(mask) - set(_MASK_KEYS)
        if unknown:
            raise ValidationError(f"Masker {n}: onbekend veld '{min(unknown)}'.")
        missing = [k for k in _MASK_KEYS if k not in mask and k != "end_s"]
        if missing:
            raise ValidationError(f"Masker {n}: '{missing[0]}' ontbreekt.")
        items.append({"x": mask["x"], "y": mask["y"], "w": mask["w"], "h": mask["h"],
                      "start": mask["start_s"], "end": mask.get("end_s")})
    try:
        parsed = parse_manual_masks({"version": 1, "masks": items})
    except VideoError as exc:
        raise ValidationError(str(exc)) from exc
    return tuple({"start_s": p.start, "end_s": p.end, "x": p.x, "y": p.y, "w": p.w, "h": p.h} for p in parsed)


def _to_manual_masks(masks: Sequence[dict[str, Any]]):
    from ..video.mask import ManualMask  # OpenCV (≈ 0.2 s), see above

    return tuple(ManualMask(x=d["x"], y=d["y"], w=d["w"], h=d["h"], start=d["start_s"], end=d["end_s"])
                 for d in masks)


def _unlink_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        path.unlink(missing_ok=True)
    except OSError:
        log.warning("Could not remove %s", path)


def _check_no_active_job(s: Session, case: m.Case) -> None:
    """Refuse a direct anonymisation while a queued job of the case waits or runs (its worker would
    write the same clip)."""
    active = m.JOB_STATES[:2]  # queued, running
    if s.scalar(select(m.AnonymiseJob.id).where(m.AnonymiseJob.case_id == case.id,
                                                m.AnonymiseJob.state.in_(active))) is not None:
        raise Conflict("Dit fragment staat in de wachtrij of wordt nu geanonimiseerd; wacht tot die taak klaar is "
                       "of breek haar af in de Casusbibliotheek.")


def check_not_published(media: m.CaseMedia) -> None:
    """Refuse to change the clip of a published case (Dutch :class:`Conflict`)."""
    if media.status == "published":
        raise Conflict("Deze casus is al gepubliceerd; het fragment kan niet meer worden gewijzigd.")


class LibraryMediaService(Service):
    """Anonymise and review library clips (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    def __init__(self, store: Store, *, media: MediaStore, library: LibraryService):
        super().__init__(store)
        self._media = media
        #: Reads a library case's rows and returns its item (:meth:`LibraryService.find_library_item`).
        self._library = library

    def find_contact_sheet(self, actor: Actor, case_code: str) -> Path:
        """The contact sheet (PNG) of the last anonymisation of a library case."""
        require(actor, "manage_cases")
        with self.transaction(readonly=True) as s:
            case, media = self._library.media_of(s, case_code)
            if media.status == "uploaded":
                raise NotFound("Er is nog geen contactvel: anonimiseer het fragment eerst.")
        path = self._media.media_path("review") / f"{case.code}.png"
        if not path.is_file():
            raise NotFound("Het contactvel van deze casus is niet gevonden.")
        return path


    # -- anonymise and review ----------------------------------------------------------------

    def anonymise_library_clip(self, actor: Actor, case_code: str, *,
                               manual_masks: Sequence[dict[str, Any]] | None = None, keep_audio: bool = False,
                               progress: Callable[[float, str], None] | None = None, cancel=None,
                               detector=None, work_name: str | None = None,
                               on_commit: Callable[[Session, dict[str, Any]], None] | None = None,
                               for_job: bool = False) -> LibraryItem:
        """Anonymise the original into ``clips/<code>.mp4`` and save the review and contact sheet.

        ``manual_masks`` replaces the stored manual masks (``None`` keeps them).
        Allowed until the case is published; the status becomes ``anonymised``
        (also after a re-run of a reviewed clip: it needs a new look). The video
        work runs outside any transaction; ``progress(fraction, label)`` and
        ``cancel`` go to :func:`oefenkit.video.pipeline.anonymise`. A failed or
        cancelled run (:class:`~oefenkit.errors.Cancelled`) changes nothing.

        ``work_name`` names the temporary files (``clips/.<code>.<work_name>.mp4``; random when
        ``None``), so that a worker that takes over a job can remove what a killed run left
        (:meth:`remove_work_files`). ``on_commit(session, summary)`` runs inside the transaction
        that stores the result; if it raises, nothing is stored and the new files are removed.

        ``for_job``: the worker runs a queued job (``anonymise_jobs.py``). A direct run (``oefenkit
        cases anonymise``) is refused while the case has a queued or running job, at the start and
        again when it would store its result, so the two never both write the case's clip.
        """
        # OpenCV, PyAV and the face model only where a clip is anonymised (the worker)
        from ..video.anonymiser import MaskingOptions
        from ..video.pipeline import AnonymiseOptions, anonymise
        from ..video.review import write_contact_sheet

        require(actor, "manage_cases")
        masks = None if manual_masks is None else normalise_manual_masks(manual_masks)
        with self.transaction() as s:
            case, media = self._library.media_of(s, case_code)
            check_not_published(media)
            if media.original_path is None:
                raise NotFound("Het origineel van deze casus is niet meer bewaard; opnieuw anonimiseren kan niet.")
            if not for_job:
                _check_no_active_job(s, case)
            original = self._media.media_path("originals") / media.original_path
            if masks is None:
                masks = tuple(dict(d) for d in media.manual_masks or ())
            code = case.code
        if not original.is_file():
            raise NotFound("Het origineel van deze casus is niet gevonden in de beveiligde opslag.")
        clips, review_dir = self._media.media_path("clips"), self._media.media_path("review")
        token = work_name or secrets.token_hex(6)
        new_clip = clips / f".{code}.{token}.mp4"
        new_sheet = review_dir / f".{code}.{token}.png"
        final_clip, final_sheet = clips / f"{code}.mp4", review_dir / f"{code}.png"
        options = AnonymiseOptions(masking=MaskingOptions(manual_masks=_to_manual_masks(masks)),
                                   keep_audio=bool(keep_audio))
        try:
            result = anonymise(original, new_clip, options, progress=progress, cancel=cancel, detector=detector)
            if result.contact_sheet is not None:
                write_contact_sheet(new_sheet, result.contact_sheet)
            flagged = [{"frame": int(item.index), "time_s": round(float(item.t), 3),
                        "reason": item.text.split(" ", 1)[1], "code": item.reason}
                       for item in result.review.flagged]
            with self.transaction() as s:
                case, media = self._library.media_of(s, code)
                check_not_published(media)
                if not for_job:
                    _check_no_active_job(s, case)
                media.status = "anonymised"
                media.review = flagged
                media.manual_masks = [dict(d) for d in masks]
                media.keep_audio = bool(keep_audio)
                media.anonymised_at = m.utcnow()
                case.clip_path = str(final_clip)
                case.details = {**(case.details or {}), "duration": round(result.output.duration, 2)}
                summary = {"flagged": len(flagged), "faces": result.review.n_tracks,
                           "seconds": round(result.timings.total_s, 2)}
                self.audit(s, actor, "library.anonymise", code, manual_masks=len(masks), flagged=len(flagged),
                           faces=result.review.n_tracks, keep_audio=bool(keep_audio),
                           seconds=summary["seconds"])
                if on_commit is not None:
                    on_commit(s, summary)
            # Only after the commit: a refused or failed bookkeeping leaves the old clip in place.
            # A rename within one folder is atomic: a player gets the old or the new file, never half.
            os.replace(new_clip, final_clip)
            if new_sheet.exists():
                os.replace(new_sheet, final_sheet)
            else:
                _unlink_quietly(final_sheet)
        finally:
            _unlink_quietly(new_clip)
            _unlink_quietly(new_sheet)
        return self._library.find_library_item(actor, code)

    def mark_library_reviewed(self, actor: Actor, case_code: str) -> LibraryItem:
        """A person looked at the anonymised clip and its flagged frames: status ``reviewed``."""
        require(actor, "manage_cases")
        with self.transaction() as s:
            case, media = self._library.media_of(s, case_code)
            if media.status == "uploaded":
                raise ValidationError("Anonimiseer het fragment eerst; daarna kun je het beoordelen.")
            check_not_published(media)
            if media.status != "reviewed":
                media.status = "reviewed"
                self.audit(s, actor, "library.review", case.code)
            return self._library.library_item(s, case, media)


    def remove_work_files(self, case_code: str, work_name: str) -> None:
        """Remove the temporary files of an anonymisation run named ``work_name`` (a killed run's)."""
        if not re.fullmatch(r"[A-Za-z0-9_-]+", work_name):
            raise ValueError(f"bad work name {work_name!r}")
        for sub in ("clips", "review"):
            folder = self._media.media_path(sub)
            # .<code>.<work>.mp4 and the encoder's own ..<code>.<work>.mp4.<random>.part
            for pattern in (f".{case_code}.{work_name}.*", f"..{case_code}.{work_name}.*"):
                for path in folder.glob(glob.escape(pattern[:-1]) + "*"):
                    _unlink_quietly(path)
