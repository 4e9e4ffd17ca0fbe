"""One kit instance: settings → engine → façade, and ``init``.

``init`` is what ``oefenkit init`` and the start command run. It is
idempotent: a second run migrates nothing, loads nothing new and creates no
account, so the database stays exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .content import load_content, load_into
from .errors import AlreadyExists, ConfigurationError
from .identity import SYSTEM
from .jobs import LazyDelivery
from .permissions import roles
from .settings import SAMPLES_DIR, Settings, load_settings
from .storage import database
from .storage.kit import Kit

__all__ = ["InitReport", "FIRST_ADMIN_USERNAME", "FIRST_ADMIN_FILE", "open_kit", "current_kit", "init"]

log = logging.getLogger(__name__)

FIRST_ADMIN_USERNAME = "beheerder"
#: Where ``init`` writes the first coördinator's password (in the data directory, mode 0600).
FIRST_ADMIN_FILE = "eerste-beheerder.txt"


@dataclass(frozen=True)
class InitReport:
    migrated_from: str | None
    migrated_to: str
    content_changes: int
    first_admin_password_file: Path | None

    @property
    def changed(self) -> bool:
        return (
            self.migrated_from != self.migrated_to
            or self.content_changes > 0
            or self.first_admin_password_file is not None
        )


def open_kit(settings: Settings, *, check: bool = True) -> Kit:
    """A façade on the settings' database; raises ``DatabaseUnavailable`` if unreachable."""
    if settings.is_sqlite:
        settings.ensure_data_dir()
    engine = database.make_engine(settings.effective_database_url)
    if check:
        database.check_connection(engine)
    kit = Kit(engine)
    media = settings.effective_media_dir.resolve()
    for served in (settings.notebooks_dir, settings.content_dir):
        if media.is_relative_to(Path(served).resolve()):
            raise ConfigurationError(f"De mediamap {media} mag niet in {served} liggen; kies een andere mediamap.")
    kit.media.configure_library(media, keep_originals=settings.keep_originals,
                          upload_max_bytes=settings.upload_max_bytes)
    kit.logins.configure_logins(idle=dt.timedelta(hours=settings.session_idle_hours),
                         lifetime=dt.timedelta(days=settings.session_max_days))
    kit.jobs.job_queue = LazyDelivery(settings.effective_database_url)  # anonymisation jobs to `oefenkit worker`
    return kit


#: The process that opened this process's kit (a forked kernel opens its own: ``zygote.open_kit_early``).
_opened_in: int | None = None


@lru_cache(maxsize=1)
def _process_kit() -> Kit:
    global _opened_in
    kit = open_kit(load_settings())
    _opened_in = os.getpid()
    return kit


#: Set by ``oefenkit.kernel.bind_person``: wraps the façade in the kernel's live permission check.
_kit_guard: Callable[[Kit], object] | None = None


def set_kit_guard(guard: Callable[[Kit], object] | None) -> None:
    global _kit_guard
    _kit_guard = guard


def current_kit(*, guarded: bool = True) -> Kit:
    """The process-wide façade for the environment's settings (used by app kernels).

    In a kernel with a bound person it is wrapped by ``oefenkit.kernel.LiveKit``: every verb
    re-checks that the person is still active and may still open the page's app.
    """
    kit = _process_kit()
    if guarded and _kit_guard is not None:
        return _kit_guard(kit)
    return kit


current_kit.cache_clear = _process_kit.cache_clear
current_kit.cache_info = _process_kit.cache_info


def _write_secret_file(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def init(settings: Settings) -> InitReport:
    """Create or migrate the database, load the content, and make a first coördinator."""
    settings.ensure_data_dir()
    # Validate everything (content, sample case scripts) before touching the database.
    # Content loading (YAML, scripts, rules with numpy/scipy) only at init, never in app kernels.

    content = load_content(settings.content_dir, samples_dir=SAMPLES_DIR)
    role_codes = roles().codes
    # the first account gets the role with the most rights that may manage accounts
    admin_role = (roles().with_action("manage_people") or role_codes)[-1]
    kit = open_kit(settings)
    before = database.current_revision(kit.engine)
    database.upgrade(kit.engine)
    after = database.current_revision(kit.engine)
    kit.people.sync_roles(role_codes)
    changes = load_into(kit, content)
    password_file = None
    if kit.people.count_people(admin_role) == 0:
        password = secrets.token_urlsafe(12)
        try:
            kit.people.add_person(SYSTEM, FIRST_ADMIN_USERNAME, role=admin_role,
                           display_name="Beheerder", password=password)
        except AlreadyExists:
            # The first account exists but lost its role or was deactivated: do not
            # reset anybody's password behind their back.
            log.warning("No active coördinator, and %r already exists; use `oefenkit users`.",
                        FIRST_ADMIN_USERNAME)
            return InitReport(before, after, changes, None)
        password_file = settings.data_dir / FIRST_ADMIN_FILE
        _write_secret_file(
            password_file,
            f"gebruikersnaam: {FIRST_ADMIN_USERNAME}\nwachtwoord: {password}\n",
        )
    return InitReport(before, after, changes, password_file)
