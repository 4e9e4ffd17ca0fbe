"""Course-module progress: the :class:`~oefenkit.storage.kit.Kit` verbs that find, list and
update a person's place in each course module. What progress means lives in
:mod:`oefenkit.modules`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound, ValidationError
from ..identity import Actor
from ..modules import ModuleProgressInfo
from ..permissions import require
from . import models as m
from .store import Service

__all__ = ["ProgressService"]


class ProgressService(Service):
    """Verbs on course-module progress (a feature service, wired by :class:`~oefenkit.storage.kit.Kit`)."""

    # -- course modules -------------------------------------------------------------------
    # A person's place in each course module (page, answers, completed). Everyone reads and
    # writes only their own progress; staff may read anyone's (``read_progress_of``).
    # What the progress means (status, check score) is decided in ``oefenkit.modules``.

    _MAX_ANSWERS_CHARS = 100_000

    @staticmethod
    def _progress_info(row: m.ModuleProgress, username: str):

        def utc(moment: dt.datetime | None) -> dt.datetime | None:  # SQLite gives naive UTC values back
            return moment.replace(tzinfo=dt.timezone.utc) if moment is not None and moment.tzinfo is None else moment

        return ModuleProgressInfo(username, row.module_code, row.page, dict(row.answers or {}),
                                  utc(row.completed_at), utc(row.updated_at))

    def _progress_person(self, s: Session, actor: Actor, username: str | None) -> tuple[int, str]:
        if username is None or username == actor.username:
            require(actor, "read_progress_of", actor.id)
            if actor.id is None:  # the system actor: no person, so no progress of its own
                raise NotFound("Deze gebruiker heeft geen voortgang.")
            return actor.id, actor.username
        person_id = s.scalar(select(m.Person.id).where(m.Person.username == username))
        require(actor, "read_progress_of", person_id)  # before NotFound: no probing of user names
        if person_id is None:
            raise NotFound(f"Gebruiker {username!r} bestaat niet.")
        return person_id, username

    def find_module_progress(self, actor: Actor, module_code: str, *, username: str | None = None):
        """The progress of ``username`` (default: the actor) in one module, or :class:`NotFound`."""
        with self.transaction(readonly=True) as s:
            person_id, name = self._progress_person(s, actor, username)
            row = s.scalar(select(m.ModuleProgress).where(m.ModuleProgress.person_id == person_id,
                                                          m.ModuleProgress.module_code == module_code))
            if row is None:
                raise NotFound(f"Module {module_code!r} is nog niet begonnen.")
            return self._progress_info(row, name)

    def list_module_progress(self, actor: Actor, *, username: str | None = None) -> list:
        """Every module ``username`` (default: the actor) has started, by module code."""
        with self.transaction(readonly=True) as s:
            person_id, name = self._progress_person(s, actor, username)
            rows = s.scalars(select(m.ModuleProgress).where(m.ModuleProgress.person_id == person_id)
                             .order_by(m.ModuleProgress.module_code))
            return [self._progress_info(r, name) for r in rows]

    def update_module_progress(
        self, actor: Actor, module_code: str, *, page: int | None = None, answers: dict[str, Any] | None = None,
        completed: bool | None = None,
    ):
        """Store the actor's own progress in one module (created on first use), in one transaction.

        ``page`` is the page the person is on; ``answers`` replaces the stored answers
        document; ``completed=True`` marks the module completed (the first time only;
        ``False`` marks it open again). Arguments left ``None`` keep their stored value.
        """

        require(actor, "write_progress_for", actor.id)
        if not isinstance(module_code, str) or not 0 < len(module_code) <= 64:
            raise ValidationError("Onbekende module.")
        if page is not None and (isinstance(page, bool) or not isinstance(page, int) or page < 0):
            raise ValidationError("Het paginanummer moet een geheel getal van 0 of hoger zijn.")
        if answers is not None:
            if not isinstance(answers, dict):
                raise ValidationError("De antwoorden konden niet worden opgeslagen.")
            try:
                size = len(json.dumps(answers))
            except (TypeError, ValueError) as exc:
                raise ValidationError("De antwoorden konden niet worden opgeslagen.") from exc
            if size > self._MAX_ANSWERS_CHARS:
                raise ValidationError("Je antwoorden zijn te lang om op te slaan; maak ze korter.")
        with self.transaction() as s:
            row = s.scalar(select(m.ModuleProgress).where(m.ModuleProgress.person_id == actor.id,
                                                          m.ModuleProgress.module_code == module_code))
            if row is None:
                row = m.ModuleProgress(person_id=actor.id, module_code=module_code, page=0, answers={})
                s.add(row)
            if page is not None:
                row.page = page
            if answers is not None:
                row.answers = dict(answers)
            if completed is True and row.completed_at is None:
                row.completed_at = m.utcnow()
            elif completed is False:
                row.completed_at = None
            s.flush()
            return self._progress_info(row, actor.username)
