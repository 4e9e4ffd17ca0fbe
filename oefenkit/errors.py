"""Domain exceptions of Oefenkit.

Every error the core raises on purpose derives from :class:`OefenkitError` and
carries a short Dutch message for the person in front of the screen
(``str(exc)``). The UI layers (widgets, notebooks, CLI, HTTP handlers) show
that message; they never show a traceback.

Exception tree::

    OefenkitError
    ├── ConfigurationError        settings or data directory unusable
    ├── DatabaseUnavailable       the database URL cannot be reached
    │   └── DatabaseNotReady      reachable, but not created/migrated yet (run init)
    ├── ContentError              a content file (YAML/Markdown) is invalid
    ├── ValidationError           bad input from a person (name, score, role, ...)
    │   └── RatingsInputError     ratings data a statistic cannot take (duplicates, text, ...)
    ├── StatisticUndefined        a statistic has no value for this data (one rater, no variance)
    ├── NotFound                  the thing asked for does not exist
    ├── Conflict                  the change clashes with stored data; nothing was stored
    │   └── AlreadyExists         a unique thing is added twice
    ├── AuthenticationError       wrong user name or password, not logged in
    ├── PermissionDenied          the person may not do this
    │   └── AccessLost            an open page's person was deactivated or lost the app
    ├── TooManyAttempts           too many failed tries (e.g. join codes); try again later
    ├── VideoError                a clip, mask file or video option cannot be used
    └── Cancelled                 the person stopped a long run; nothing was written
"""

from __future__ import annotations

__all__ = [
    "OefenkitError",
    "ConfigurationError",
    "DatabaseUnavailable",
    "DatabaseNotReady",
    "ContentError",
    "ValidationError",
    "RatingsInputError",
    "StatisticUndefined",
    "NotFound",
    "Conflict",
    "AlreadyExists",
    "AuthenticationError",
    "PermissionDenied",
    "AccessLost",
    "TooManyAttempts",
    "VideoError",
    "Cancelled",
]


class OefenkitError(Exception):
    """Base class; ``str(exc)`` is a short Dutch message for the user."""

    #: Exit status the CLI uses for this kind of error.
    exit_code = 1


class ConfigurationError(OefenkitError):
    """Settings or the data directory cannot be used."""

    exit_code = 2


class DatabaseUnavailable(OefenkitError):
    """The configured database cannot be reached or opened."""

    exit_code = 3


class DatabaseNotReady(DatabaseUnavailable):
    """The database is reachable but its schema is missing or older than this kit."""


class ContentError(OefenkitError):
    """A content file a trainer edits is missing or does not validate."""

    exit_code = 4


class ValidationError(OefenkitError):
    """Input from a person does not meet the rules (score range, role, name...)."""


class RatingsInputError(ValidationError):
    """Ratings data is malformed: non-numeric scores, a duplicate (rater, item) pair, ..."""


class StatisticUndefined(OefenkitError):
    """A statistic cannot be computed for this data; ``str(exc)`` says why (Dutch).

    Summaries turn this into ``null`` plus a warning; it is never a silent NaN.
    """


class NotFound(OefenkitError):
    """The requested person, group, case, ... does not exist."""


class Conflict(OefenkitError):
    """A write clashes with stored data (a uniqueness or reference rule); it was rolled back."""


class AlreadyExists(Conflict):
    """Something that must be unique already exists."""


class AuthenticationError(OefenkitError):
    """Login failed or nobody is logged in."""


class PermissionDenied(OefenkitError):
    """The person is not allowed to perform the action."""


class AccessLost(PermissionDenied):
    """The person of an open page was deactivated, their role or groups no longer open the app, or
    the login session that opened the page ended.

    Raised by every verb the page calls from then on; the page shows "Geen toegang" and does nothing more.
    """

    def __init__(self, message: str = "Geen toegang meer: je bent afgemeld, of je account of je rol is "
                                      "gewijzigd. Deze pagina werkt niet meer; log opnieuw in."):
        super().__init__(message)


class TooManyAttempts(OefenkitError):
    """Too many failed tries in a short time; ``retry_after`` says after how many seconds to retry."""

    def __init__(self, message: str, retry_after: int = 0):
        super().__init__(message)
        self.retry_after = retry_after


class VideoError(OefenkitError):
    """A clip cannot be read or anonymised, or a mask file or video option is invalid."""


class Cancelled(OefenkitError):
    """A long run (such as anonymising a clip) was stopped on request; nothing was written."""

    exit_code = 130
