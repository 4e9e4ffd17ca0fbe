"""What every ``oefenkit`` command needs: its settings and the façade on a migrated database
(shared by ``cli.py`` and the command modules beside it, so they need not import each other)."""

from __future__ import annotations

from .errors import DatabaseNotReady
from .instance import open_kit
from .settings import Settings, load_settings
from .storage import database

__all__ = ["_settings", "_ready_kit", "_kit"]


def _settings(args) -> Settings:
    return load_settings(data_dir=args.data_dir, database_url=args.database_url,
                         port=getattr(args, "port", None), host=getattr(args, "host", None),
                         hub=getattr(args, "hub", None) or None, base_url=getattr(args, "base_url", None))


def _ready_kit(settings: Settings):
    """The façade on a reachable, fully migrated database, or a Dutch error pointing to init."""
    kit = open_kit(settings)  # DatabaseUnavailable when unreachable
    if database.current_revision(kit.engine) != database.head_revision(kit.engine):
        raise DatabaseNotReady("De database is niet actueel. Voer eerst 'oefenkit init' uit.")
    return kit


def _kit(args):
    """The façade for a command's options (``--data-dir``, ``--database-url``): :func:`_ready_kit`."""
    return _ready_kit(_settings(args))
