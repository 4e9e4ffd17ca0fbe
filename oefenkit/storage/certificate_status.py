"""The status of a stored certificate or registration on a day, shared by the certificate and the
requirement verbs (``certificates.py``, ``requirements.py``) so neither imports the other; and a
certificate as a plain value (shared by the exam and the certificate services)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import object_session

from . import exams as ex
from . import models as m
from .cases import scales_in_order

__all__ = ["CERTIFICATE_STATUSES", "LAPSED_REGISTRATION", "REVOKED", "certificate_status", "certificate_info"]

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


def certificate_info(cert: m.Certificate, person: m.Person, programme: m.Programme) -> ex.CertificateInfo:
    """A stored certificate as the plain value the pages, the PDF and the verification get."""

    def utc(moment: dt.datetime) -> dt.datetime:  # SQLite gives naive UTC, PostgreSQL aware values
        return moment.replace(tzinfo=dt.timezone.utc) if moment.tzinfo is None else moment.astimezone(dt.timezone.utc)

    s = object_session(cert)
    scale_titles = {sc.code: sc.title for sc in scales_in_order(s)} if s is not None else {}
    return ex.CertificateInfo(cert.verification_code, person.username, person.display_name, programme.code,
                              programme.name, utc(cert.issued_at), utc(cert.valid_until).date(), cert.decision,
                              dict(cert.statistics or {}), cert.kind or "certificate", demo=bool(cert.demo),
                              scale_titles=scale_titles)
