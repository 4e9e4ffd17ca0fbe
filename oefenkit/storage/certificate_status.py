"""The status of a stored certificate or registration on a day, shared by the certificate and the
requirement verbs (``certificates.py``, ``requirements.py``) so neither imports the other."""

from __future__ import annotations

import datetime as dt

from . import models as m

__all__ = ["CERTIFICATE_STATUSES", "LAPSED_REGISTRATION", "REVOKED", "certificate_status"]

#: The status of a registration whose refresher (the Babytijd terugkomdag) was missed.
LAPSED_REGISTRATION = "verlopen: terugkomdag gemist"
#: The register's statuses, in Dutch as shown.
CERTIFICATE_STATUSES = ("geldig", "verloopt binnenkort", "verlopen", LAPSED_REGISTRATION, "ingetrokken")

#: The key in ``Certificate.statistics`` that marks a certificate a trainer's override took back
#: (``Certificate.decision`` is constrained to accepted/override; no migration for a new value).
REVOKED = "revoked"


def _revoked(cert: m.Certificate) -> bool:
    return bool((cert.statistics or {}).get(REVOKED))


def _until_day(cert: m.Certificate) -> dt.date:
    return m.as_utc(cert.valid_until).date()


def certificate_status(cert: m.Certificate, today: dt.date, expiring_within_days: int = 90) -> str:
    """The Dutch status of a certificate or registration on ``today`` (one of
    :data:`CERTIFICATE_STATUSES`); a registration past its last active day is
    :data:`LAPSED_REGISTRATION`."""
    until = _until_day(cert)
    if _revoked(cert):
        return "ingetrokken"
    if until < today:
        return LAPSED_REGISTRATION if cert.kind == "registration" else "verlopen"
    if (until - today).days <= expiring_within_days:
        return "verloopt binnenkort"
    return "geldig"
