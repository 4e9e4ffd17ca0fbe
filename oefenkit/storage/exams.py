"""Plain values returned by the certification-test verbs of :class:`~oefenkit.storage.kit.Kit`.

None of these carries an expert score, a consensus or its rationale before the
attempt is submitted: :class:`ExamAttemptInfo` and :class:`ExamProgress` are what
a cursist's kernel holds during the test. Only :class:`ExamOutcome` (after
submission) holds the decision and its statistics.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo

__all__ = [
    "LOCAL_TZ",
    "ExamCase",
    "ExamSetInfo",
    "ExamAttemptInfo",
    "ExamProgress",
    "CertificateInfo",
    "ExamOutcome",
    "shuffled",
    "new_verification_code",
]

#: Certificates are dated in Dutch local time.
LOCAL_TZ = ZoneInfo("Europe/Amsterdam")


def local_today() -> dt.date:
    """Today in the Netherlands (certificates and requirement records are kept by Dutch date)."""
    return dt.datetime.now(LOCAL_TZ).date()


#: Letters and digits that cannot be mistaken for each other when typed over (no 0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class ExamCase:
    """What the cursist sees of one exam case: never its details, experts or consensus."""

    code: str
    title: str
    vignette: str


@dataclass(frozen=True)
class ExamSetInfo:
    """An exam set a person can take for a programme (``ExamService.list_exam_sets``)."""

    code: str
    name: str
    programme_code: str | None
    n_cases: int
    #: Public expert scores (shipped set): a test on it is an oefentoets, without certificate.
    public: bool


@dataclass(frozen=True)
class ExamAttemptInfo:
    """One attempt: its cases in the attempt's fixed order."""

    id: int
    username: str
    programme_code: str | None
    case_set_code: str
    cases: tuple[ExamCase, ...]
    started_at: dt.datetime
    submitted_at: dt.datetime | None
    decision_id: int | None
    number: int  # 1 for a person's first attempt on this set, 2 for the second, ...
    resumed: bool = False  # True when start_exam returned an attempt that was already open
    #: The set is public: this attempt is an oefentoets (full result, no certificate).
    practice: bool = False

    @property
    def case_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.cases)


@dataclass(frozen=True)
class ExamProgress:
    """Which cases of an attempt are scored: the person's own scores and notes only."""

    attempt_id: int
    case_codes: tuple[str, ...]
    scales: tuple[str, ...]
    scores: dict[str, dict[str, int]]  # case code → {scale code → score}
    notes: dict[str, str]  # case code → note
    submitted: bool

    def is_scored(self, case_code: str) -> bool:
        return all(s in self.scores.get(case_code, {}) for s in self.scales)

    @property
    def n_scored(self) -> int:
        return sum(self.is_scored(c) for c in self.case_codes)

    @property
    def n_total(self) -> int:
        return len(self.case_codes)

    @property
    def complete(self) -> bool:
        return self.n_scored == self.n_total


@dataclass(frozen=True)
class CertificateInfo:
    code: str
    username: str
    display_name: str
    programme_code: str
    programme_name: str
    issued_at: dt.datetime
    valid_until: dt.date
    decision: str
    statistics: dict[str, Any] = field(default_factory=dict)
    #: ``certificate`` or ``registration`` (a Babytijd registration as uitvoerder, kept active by the
    #: terugkomdag; ``oefenkit.requirements``).
    kind: str = "certificate"
    #: Issued from a public set under the demo setting: a demonstration, no certification.
    demo: bool = False
    #: Scale code → title (the current scales), to name the scales of ``statistics`` on the document.
    scale_titles: Mapping[str, str] = field(default_factory=dict)

    @property
    def revoked(self) -> bool:
        """Withdrawn by a trainer's override (see ``CertificatesService.decide_certificate``)."""
        return bool(self.statistics.get("revoked"))


@dataclass(frozen=True)
class ExamOutcome:
    """The result of a submitted attempt: the stored decision and, on a pass, the certificate.

    An oefentoets (``practice``: an attempt on a public set) has the same statistics and reasons
    but no decision (``decision_id`` None) and never a certificate.
    """

    attempt_id: int
    decision_id: int | None
    passed: bool
    reasons: tuple[str, ...]
    statistics: dict[str, Any]
    certificate: CertificateInfo | None
    #: The rule the decision applied (``CertificationRule.as_dict()``), to explain the result.
    rule: dict[str, Any] = field(default_factory=dict)
    practice: bool = False


def shuffled(codes: Sequence[str], rng_seed: int | None = None) -> list[str]:
    """``codes`` in a random order; reproducible when ``rng_seed`` is given (tests)."""
    rng = random.Random(rng_seed) if rng_seed is not None else random.SystemRandom()
    out = list(codes)
    rng.shuffle(out)
    return out


def new_verification_code() -> str:
    """``OK-XXXX-XXXX-XXXX``: 12 random characters (about 59 bits) from :mod:`secrets`."""
    chars = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "OK-" + "-".join(chars[i:i + 4] for i in range(0, 12, 4))
