"""Engines and migrations.

SQLite (the embedded default) is opened with WAL journalling, foreign keys on
and a busy timeout, so several Voilà kernels can share one file. PostgreSQL is
used when ``OEFENKIT_DATABASE_URL`` says so. The schema is created and changed
only by Alembic (:func:`upgrade`).
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ..errors import ConfigurationError, DatabaseUnavailable

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "make_engine",
    "check_connection",
    "alembic_config",
    "upgrade",
    "current_revision",
    "head_revision",
]

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: How long a unit of work waits for the write lock. Generous: writers queue (BEGIN IMMEDIATE), and under
#: load SQLite's busy handler is not fair, so one writer among many can wait several seconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # The driver's own implicit BEGIN is switched off: ``_sqlite_begin`` starts every
    # transaction itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


#: Execution option of a connection whose transaction only reads (``Kit.transaction(readonly=True)``).
READONLY = "oefenkit_readonly"


def _sqlite_begin(conn) -> None:
    """Start every SQLite transaction that may write with BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes cannot wait for another
    writer in WAL mode: SQLite answers "database is locked" at once, without the
    busy timeout (50 concurrent writers lost 224 of 5,000 submissions that way).
    Taking the write lock at the start makes concurrent writers (many app kernels
    on one file) queue behind each other for up to the busy timeout instead.
    Read-only transactions begin deferred: in WAL mode they never wait for a writer.
    """
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READONLY) else "BEGIN IMMEDIATE")


def _normalise_url(url: str):
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(f"De database-URL {url!r} is ongeldig.") from exc
    # A bare postgresql:// URL means psycopg 3, the driver we install.
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url`` with the kit's connection settings."""
    parsed = _normalise_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                folder = Path(database).parent
                try:
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise DatabaseUnavailable(
                        f"De database is niet bereikbaar: de map {folder} kan niet worden "
                        f"aangemaakt ({exc.strerror})."
                    ) from exc
            engine = create_engine(
                parsed,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                **kwargs,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            engine = create_engine(parsed, connect_args={"connect_timeout": 5}, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:  # unknown dialect, or its driver is not installed
        raise ConfigurationError(
            f"Databasetype {parsed.drivername!r} wordt niet ondersteund; gebruik sqlite of postgresql."
        ) from exc
    return engine


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise :class:`DatabaseUnavailable` with a Dutch message if the database is unreachable."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"De database is niet bereikbaar ({_safe_url(engine)}): {reason}"
        ) from exc


# Alembic is imported inside the functions below: app kernels open the database
# but never migrate it, and should not pay for loading Alembic.


def alembic_config(engine: Engine):
    from alembic.config import Config  # Alembic (≈ 0.1 s) only for migrations, not for every page kernel

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision`` (idempotent)."""
    from alembic import command

    check_connection(engine)
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "the kit's migrations have a head"
    return head
