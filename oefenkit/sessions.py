"""Terugkomdag live sessions: join codes, the room's statistics and discussion prompts.

Pure logic, no database: the storage service (:mod:`oefenkit.storage.sessions`)
reads the rows, checks the permissions and hands plain values to these
functions. Nothing here ever sees a name: scores arrive as anonymous lists, and
the alpha's raters are opaque keys.

* :func:`new_join_code` / :func:`normalise_join_code` — short codes without
  characters that are easily confused (no 0/O, 1/I/L).
* :func:`client_address` / :func:`throttle_key` / :func:`join_retry_after` /
  :func:`join_wait_message` — the limit on wrong join codes (per person and per
  client address, :data:`JOIN_FAILURE_LIMIT` in :data:`JOIN_FAILURE_WINDOW`).
* :func:`scale_stats` — per round and scale: count, histogram, median, mean,
  SD, quartiles and anonymous outliers.
* :func:`room_alpha` — Krippendorff's alpha (interval) across participants ×
  (round, scale) so far.
* :func:`load_prompts` / :func:`choose_prompts` — discussion prompts from
  ``content/sessions/gespreksvragen.yaml``, validated on load.
* :func:`report_html` — the session report after the day.
"""

from __future__ import annotations

import datetime as dt
import html
import ipaddress
import math
import secrets
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .contentfile import read_yaml_mapping
from .dutch import count
from .errors import ContentError, StatisticUndefined, ValidationError

__all__ = [
    "JOIN_CODE_ALPHABET",
    "JOIN_CODE_LENGTH",
    "SESSION_LIFETIME",
    "OUTLIER_DISTANCE",
    "PROMPT_SITUATIONS",
    "Prompt",
    "ScaleStats",
    "AlphaResult",
    "JOIN_FAILURE_LIMIT",
    "JOIN_FAILURE_WINDOW",
    "new_join_code",
    "normalise_join_code",
    "client_address",
    "throttle_key",
    "join_retry_after",
    "join_wait_message",
    "scale_stats",
    "room_alpha",
    "load_prompts",
    "choose_prompts",
    "prompts_by_scale",
    "report_html",
    "RoundReport",
    "SessionReport",
]

#: 30 characters: capitals and digits without 0/O, 1/I/L (read aloud and typed on a phone).
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6
#: An open session's code stops working this long after the session was created (a day's session).
SESSION_LIFETIME = dt.timedelta(hours=12)
#: The most people a trainer can say they expect at one session.
MAX_EXPECTED = 200
#: The server keeps kernels started for a session's expected people this long after the session was
#: created: a room opens the app at the start; latecomers start their own kernel as usual.
PREWARM_WINDOW = dt.timedelta(hours=3)
#: Wrong join codes allowed per person, and per client address, within :data:`JOIN_FAILURE_WINDOW`;
#: the next attempt (even with the right code) is refused until the oldest failure leaves the window.
JOIN_FAILURE_LIMIT = 10
JOIN_FAILURE_WINDOW = dt.timedelta(minutes=10)
#: A score this many points or more from the room's median is shown as an (anonymous) outlier.
OUTLIER_DISTANCE = 3


# -- join codes ------------------------------------------------------------------------------


def new_join_code() -> str:
    """A random code of :data:`JOIN_CODE_LENGTH` characters from :data:`JOIN_CODE_ALPHABET`.

    >>> code = new_join_code()
    >>> len(code), set(code) <= set(JOIN_CODE_ALPHABET)
    (6, True)
    """
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: Any) -> str:
    """The code as typed, upper case, spaces and dashes removed; :class:`ValidationError` if malformed.

    >>> normalise_join_code(" ab3-k7m ")
    'AB3K7M'
    """
    code = "".join(str(text or "").split()).replace("-", "").upper()
    if not code:
        raise ValidationError("Vul de code in die de trainer laat zien.")
    if len(code) != JOIN_CODE_LENGTH or any(c not in JOIN_CODE_ALPHABET for c in code):
        raise ValidationError(f"Een sessiecode bestaat uit {JOIN_CODE_LENGTH} letters en cijfers, "
                              "bijvoorbeeld K7M3QX. Controleer de code op het scherm van de trainer.")
    return code


def client_address(text: Any) -> str | None:
    """A client's IP address in canonical form, or None for anything that is not one.

    >>> client_address(" 192.0.2.7 "), client_address("::ffff:192.0.2.7"), client_address("x'); import os")
    ('192.0.2.7', '192.0.2.7', None)
    """
    try:
        address = ipaddress.ip_address(str(text or "").strip())
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def throttle_key(address: Any) -> str | None:
    """What the per-address limit on wrong join codes counts: the IPv4 address, or the IPv6 /64
    (one home or Wi-Fi network has a whole /64). None (no per-address limit) for a missing address
    and for loopback: a local proxy (JupyterHub's, or one in front of the kit) is every client's address.

    >>> throttle_key("192.0.2.7"), throttle_key("2001:db8:1:2:a:b:c:d"), throttle_key("127.0.0.1")
    ('192.0.2.7', '2001:db8:1:2::/64', None)
    """
    canonical = client_address(address)
    if canonical is None:
        return None
    ip = ipaddress.ip_address(canonical)
    if ip.is_loopback or ip.is_unspecified:
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return canonical


def join_retry_after(failures: Sequence[dt.datetime], now: dt.datetime, *, limit: int = JOIN_FAILURE_LIMIT,
                     window: dt.timedelta = JOIN_FAILURE_WINDOW) -> int:
    """Seconds until one more join attempt is allowed, given the failure times in the window (0: now).

    >>> t = dt.datetime(2026, 1, 1, 12, 0)
    >>> join_retry_after([t + dt.timedelta(minutes=k) for k in range(10)], t + dt.timedelta(minutes=9))
    60
    >>> join_retry_after([t] * 9, t)
    0
    """
    recent = sorted(f for f in failures if f > now - window)
    if len(recent) < limit:
        return 0
    # Allowed again when the oldest failure that keeps the count at the limit leaves the window.
    return max(1, math.ceil((recent[len(recent) - limit] + window - now).total_seconds()))


def join_wait_message(seconds: int) -> str:
    """The Dutch refusal with the real remaining time, in whole minutes (rounded up).

    >>> join_wait_message(61)
    'Te veel onjuiste codes. Probeer het over 2 minuten opnieuw.'
    >>> join_wait_message(5)
    'Te veel onjuiste codes. Probeer het over 1 minuut opnieuw.'
    """
    minutes = max(1, math.ceil(seconds / 60))
    return f"Te veel onjuiste codes. Probeer het over {minutes} {'minuut' if minutes == 1 else 'minuten'} opnieuw."


# -- statistics ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScaleStats:
    """How the room scored one clip on one scale. No names: ``outliers`` are bare scores.

    ``histogram[k]`` counts the scores equal to ``scale_min + k``. The central
    values are ``None`` when nobody scored yet; ``sd`` needs two scores.
    """

    scale_code: str
    scale_name: str
    n: int
    histogram: tuple[int, ...]
    scale_min: int = 1
    scale_max: int = 9
    median: float | None = None
    mean: float | None = None
    sd: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: int | None = None
    maximum: int | None = None
    outliers: tuple[int, ...] = ()
    expert: int | None = None  # the consensus, only after the reveal
    rationale: str = ""

    @property
    def iqr(self) -> float | None:
        return None if self.q1 is None else self.q3 - self.q1

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__} | {"iqr": self.iqr}


def scale_stats(scores: Iterable[int], *, scale_code: str = "", scale_name: str = "", scale_min: int = 1,
                scale_max: int = 9, expert: int | None = None, rationale: str = "",
                outlier_distance: int = OUTLIER_DISTANCE) -> ScaleStats:
    """Count, histogram, median, mean, SD (n − 1), quartiles and outliers of one clip's scores.

    Quartiles are the medians of the lower and upper half (Tukey's hinges), so a
    room of six gives whole or half scale points a trainer can explain. An
    outlier is a score at least ``outlier_distance`` points from the median.

    Examples
    --------
    >>> s = scale_stats([5, 6, 6, 7, 2])
    >>> s.n, s.median, s.mean, round(s.sd, 2), (s.q1, s.q3), s.outliers
    (5, 6.0, 5.2, 1.92, (3.5, 6.5), (2,))
    >>> s.histogram
    (0, 1, 0, 0, 1, 2, 1, 0, 0)
    >>> scale_stats([]).median is None
    True
    """
    values = sorted(int(v) for v in scores)
    histogram = [0] * (scale_max - scale_min + 1)
    for v in values:
        if not scale_min <= v <= scale_max:
            raise ValidationError(f"Een score ligt tussen {scale_min} en {scale_max}.")
        histogram[v - scale_min] += 1
    base = dict(scale_code=scale_code, scale_name=scale_name, n=len(values), histogram=tuple(histogram),
                scale_min=scale_min, scale_max=scale_max, expert=expert, rationale=rationale)
    if not values:
        return ScaleStats(**base)
    median = statistics.median(values)
    half = len(values) // 2
    lower, upper = values[:half] or values, values[len(values) - half:] or values
    return ScaleStats(
        **base, median=float(median), mean=statistics.fmean(values),
        sd=statistics.stdev(values) if len(values) > 1 else None,
        q1=float(statistics.median(lower)), q3=float(statistics.median(upper)),
        minimum=values[0], maximum=values[-1],
        outliers=tuple(v for v in values if abs(v - median) >= outlier_distance),
    )


@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha of the room, or ``None`` with the Dutch reason it is not defined yet."""

    value: float | None
    raters: int
    items: int
    reason: str = ""


def room_alpha(records: Iterable[tuple[Any, Any, int]]) -> AlphaResult:
    """Krippendorff's alpha (interval) over ``(participant key, item key, score)`` records.

    An item is one (round, scale); participants who missed a round are missing
    data, which alpha allows. The keys are opaque (ids), never shown.

    >>> # In Python: krippendorff.alpha([[3, 7], [3, 6]], level_of_measurement="interval") = 0.941
    >>> room_alpha([("a", "r1", 3), ("b", "r1", 3), ("a", "r2", 7), ("b", "r2", 6)]).value
    0.941
    >>> room_alpha([("a", "r1", 3)]).reason
    'Nog te weinig scores voor de overeenstemming (minstens twee deelnemers op hetzelfde fragment).'
    """
    # numpy and scipy (≈ 0.8 s) only when a room's statistic is computed, not for every page kernel
    from .agreement.data import Ratings
    from .agreement.krippendorff import krippendorff_alpha

    records = [(str(r), str(i), int(s)) for r, i, s in records]
    raters = len({r for r, _, _ in records})
    items = len({i for _, i, _ in records})
    if raters < 2:
        return AlphaResult(None, raters, items, "Nog te weinig scores voor de overeenstemming "
                                                "(minstens twee deelnemers op hetzelfde fragment).")
    try:
        value = krippendorff_alpha(Ratings.from_records(records), "interval")
    except StatisticUndefined as exc:
        return AlphaResult(None, raters, items, str(exc))
    if not math.isfinite(value):
        return AlphaResult(None, raters, items, "De overeenstemming is voor deze scores niet bepaald.")
    return AlphaResult(round(float(value), 3), raters, items)


# -- discussion prompts --------------------------------------------------------------------------

#: When a prompt applies (the ``wanneer`` field of the content file).
PROMPT_SITUATIONS = {
    "altijd": "bij elk fragment",
    "eens": "iedereen binnen één punt van elkaar",
    "spreiding": "de scores lopen ver uiteen (verschil van vier punten of meer)",
    "uitschieters": "er zijn scores ver van de mediaan",
    "na_onthulling_ver": "na de onthulling: de mediaan van de groep ligt twee punten of meer van de expertscore",
    "na_onthulling_dichtbij": "na de onthulling: de groep zit binnen één punt van de expertscore",
}


@dataclass(frozen=True)
class Prompt:
    situation: str
    text: str
    scale: str | None = None  # only for this scale code; None: any scale


def load_prompts(path: Path) -> tuple[Prompt, ...]:
    """The discussion prompts of ``content/sessions/gespreksvragen.yaml``; :class:`ContentError` if invalid."""

    data = read_yaml_mapping(Path(path), expect="een lijst 'vragen' bovenaan het bestand")
    name = Path(path).name
    items = data.get("vragen")
    if not isinstance(items, list) or not items:
        raise ContentError(f"{name}: verwacht een niet-lege lijst 'vragen'.")
    out = []
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ContentError(f"{name}: vraag {n} is geen blok met 'wanneer' en 'tekst'.")
        unknown = sorted(set(item) - {"wanneer", "tekst", "schaal"})
        if unknown:
            raise ContentError(f"{name}: vraag {n} heeft een onbekend veld {unknown[0]!r}.")
        situation, text, scale = item.get("wanneer"), item.get("tekst"), item.get("schaal")
        if situation not in PROMPT_SITUATIONS:
            raise ContentError(f"{name}: vraag {n}: 'wanneer' is een van {', '.join(PROMPT_SITUATIONS)}.")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(f"{name}: vraag {n} heeft geen tekst.")
        if scale is not None and (not isinstance(scale, str) or not scale.strip()):
            raise ContentError(f"{name}: vraag {n}: 'schaal' is de code van een schaal uit content/scales/.")
        out.append(Prompt(situation, " ".join(text.split()), scale))
    if not any(p.situation == "altijd" for p in out):
        raise ContentError(f"{name}: er is minstens één vraag met 'wanneer: altijd' nodig.")
    return tuple(out)


def situations(stats: ScaleStats, revealed: bool) -> set[str]:
    """The prompt situations that hold for one scale's statistics."""
    found = {"altijd"}
    if stats.n >= 2:
        if stats.maximum - stats.minimum <= 1:
            found.add("eens")
        if stats.maximum - stats.minimum >= 4:
            found.add("spreiding")
        if stats.outliers:
            found.add("uitschieters")
    if revealed and stats.expert is not None and stats.median is not None:
        distance = abs(stats.median - stats.expert)
        if distance >= 2:
            found.add("na_onthulling_ver")
        elif distance <= 1:
            found.add("na_onthulling_dichtbij")
    return found


def choose_prompts(prompts: Sequence[Prompt], stats: Sequence[ScaleStats], *, revealed: bool,
                   limit: int = 4) -> list[str]:
    """At most ``limit`` prompt texts for the current round, the specific situations first.

    >>> ps = (Prompt("altijd", "Wat zag je?"), Prompt("spreiding", "Waar zit het verschil?"))
    >>> choose_prompts(ps, [scale_stats([2, 8])], revealed=False)
    ['Waar zit het verschil?', 'Wat zag je?']
    """
    order = ["na_onthulling_ver", "na_onthulling_dichtbij", "uitschieters", "spreiding", "eens", "altijd"]
    holds: dict[str, set[str]] = {}
    for s in stats:
        for situation in situations(s, revealed):
            holds.setdefault(situation, set()).add(s.scale_code)
    out: list[str] = []
    for situation in order:
        for p in prompts:
            if p.situation != situation or situation not in holds:
                continue
            if p.scale is not None and p.scale not in holds[situation]:
                continue
            if p.text not in out:
                out.append(p.text)
    return out[:limit]


def prompts_by_scale(prompts: Sequence[Prompt], stats: Sequence[ScaleStats], *, revealed: bool,
                     per_scale: int = 2, general: int = 1) -> list[tuple[str | None, list[str]]]:
    """The round's prompts grouped under the scale they are about, so none contradicts another.

    Each scale gets at most ``per_scale`` prompts of the situations that hold for *that* scale
    (one scale may be "eens" while the other is "spreiding": each prompt then names its scale).
    Prompts for every round ("altijd") come last under ``None``, at most ``general``.

    >>> ps = (Prompt("altijd", "Wat zag je?"), Prompt("eens", "Dicht bij elkaar."),
    ...       Prompt("spreiding", "Ver uiteen."))
    >>> prompts_by_scale(ps, [scale_stats([5, 5], scale_code="a", scale_name="A"),
    ...                       scale_stats([1, 9], scale_code="b", scale_name="B")], revealed=False)
    [('A', ['Dicht bij elkaar.']), ('B', ['Ver uiteen.']), (None, ['Wat zag je?'])]
    """
    order = ["na_onthulling_ver", "na_onthulling_dichtbij", "uitschieters", "spreiding", "eens"]
    out: list[tuple[str | None, list[str]]] = []
    for s in stats:
        holds = situations(s, revealed)
        texts: list[str] = []
        for situation in order:
            if situation not in holds:
                continue
            for p in prompts:
                if p.situation == situation and p.scale in (None, s.scale_code) and p.text not in texts:
                    texts.append(p.text)
        if texts:
            out.append((s.scale_name, texts[:per_scale]))
    always = [p.text for p in prompts if p.situation == "altijd"]
    if always and general:
        out.append((None, always[:general]))
    return out


# -- report ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundReport:
    """One round of the report. A clip round has ``scales``; a ``situatie``, ``vraag`` or ``ervaring``
    round has its ``item`` (:class:`oefenkit.rounds.RoundItem`) and the room's ``answers`` without
    names (``distribution``, ``groups`` or ``wall``, see ``SessionsService.session_state``)."""

    number: int
    case_code: str
    case_title: str
    scales: tuple[ScaleStats, ...]
    revealed: bool
    kind: str = "fragment"
    item: Any = None
    answers: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionReport:
    join_code: str
    set_name: str
    trainer: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    participants: int
    attended: tuple[str, ...]  # display names of those who scored at least one round (trainer only)
    rounds: tuple[RoundReport, ...]
    alpha: AlphaResult
    notes: tuple[str, ...] = field(default=())
    plan_name: str = ""  # the round plan the day followed ("" for a day of clips only)


def _num(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:.{digits}f}".replace(".", ",")


def report_html(report: SessionReport, *, format_time=lambda t: t.strftime("%d-%m-%Y %H:%M")) -> str:
    """A self-contained HTML document of all rounds (scores anonymous; attendance list at the end).

    >>> r = SessionReport("K7M3QX", "Terugkomdag", "Trainer", dt.datetime(2026, 1, 1), None, 0, (), (),
    ...                   AlphaResult(None, 0, 0, "nog niets"))
    >>> "<h1>" in report_html(r) and "K7M3QX" in report_html(r)
    True
    """
    e = html.escape
    parts = [
        "<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'>",
        f"<title>Verslag terugkomdag {e(report.join_code)}</title>",
        "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;}"
        "table{border-collapse:collapse;margin:.5rem 0;}td,th{border:1px solid #999;padding:.2rem .5rem;"
        "text-align:right;}th:first-child{text-align:left;}</style></head><body>",
        f"<h1>Verslag terugkomdag</h1><p>{e(report.plan_name or report.set_name)} · sessiecode {e(report.join_code)} · "
        f"trainer {e(report.trainer)}<br>Begonnen {e(format_time(report.created_at))}"
        + (f" · afgesloten {e(format_time(report.closed_at))}" if report.closed_at else " · nog open")
        + f"<br>{count(report.participants, 'deelnemer', 'deelnemers')}, {count(len(report.rounds), 'ronde', 'rondes')}.</p>",
        "<h2>Overeenstemming van de groep</h2><p>Krippendorffs alfa (interval) over alle rondes en schalen: "
        + (f"<strong>{_num(report.alpha.value, 2)}</strong>" if report.alpha.value is not None
           else e(report.alpha.reason)) + "</p>",
    ]
    for rnd in report.rounds:
        if rnd.kind != "fragment":
            parts.append(_content_round_html(rnd))
            continue
        parts.append(f"<h2>Ronde {rnd.number}: {e(rnd.case_title)}</h2>")
        parts.append("<table><thead><tr><th>Schaal</th><th>n</th><th>Mediaan</th><th>Gemiddelde</th>"
                     "<th>SD</th><th>IQR</th><th>Bereik</th><th>Uitschieters</th><th>Expertscore</th>"
                     "</tr></thead><tbody>")
        for s in rnd.scales:
            rng = "–" if s.minimum is None else f"{s.minimum}–{s.maximum}"
            parts.append(
                f"<tr><th>{e(s.scale_name)}</th><td>{s.n}</td><td>{_num(s.median)}</td><td>{_num(s.mean)}</td>"
                f"<td>{_num(s.sd)}</td><td>{_num(s.iqr)}</td><td>{rng}</td>"
                f"<td>{', '.join(map(str, s.outliers)) or '–'}</td>"
                f"<td>{s.expert if s.expert is not None else '–'}</td></tr>")
        parts.append("</tbody></table>")
        for s in rnd.scales:
            counts = " · ".join(f"{s.scale_min + k}: {c}" for k, c in enumerate(s.histogram))
            parts.append(f"<p><em>{e(s.scale_name)}</em> — verdeling {counts}</p>")
            if s.rationale:
                parts.append(f"<p><strong>Onderbouwing expertscore:</strong> {e(s.rationale)}</p>")
    parts.append("<h2>Aanwezigheid</h2>")
    if report.attended:
        parts.append("<p>Deelnemers die minstens één ronde scoorden of beantwoordden (telt mee als "
                     "aanwezig):</p><ul>" + "".join(f"<li>{e(n)}</li>" for n in report.attended) + "</ul>")
    else:
        parts.append("<p>Niemand heeft gescoord of geantwoord.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _content_round_html(rnd: RoundReport) -> str:
    """A ``situatie``, ``vraag`` or ``ervaring`` round of the report: the content and the answers, no names."""
    e = html.escape
    item, answers = rnd.item, rnd.answers or {}
    kind = {"situatie": "voorbeeldsituatie", "vraag": "meerkeuzevraag", "ervaring": "ervaringen",
            "cijfers": "cijfers van de groep"}.get(rnd.kind, "")
    parts = [f"<h2>Ronde {rnd.number}: {e(rnd.case_title)} <small>({kind})</small></h2>",
             f"<p>{e(item.text)}</p>" if item is not None else ""]
    n = answers.get("n", 0)
    if rnd.kind == "cijfers":  # figures only, already pooled and suppressed (no answers to count)
        return "".join(parts) + _figures_rows(item.figures if item is not None else None)
    if rnd.kind == "vraag":
        parts.append("<table><thead><tr><th>Antwoord</th><th>Aantal</th></tr></thead><tbody>")
        for k, (option, number) in enumerate(answers.get("distribution", [])):
            right = " (juist)" if item is not None and item.answer == k else ""
            parts.append(f"<tr><th>{e(option)}{right}</th><td>{number}</td></tr>")
        parts.append("</tbody></table>")
        if item is not None and item.explanation:
            parts.append(f"<p><strong>Uitleg:</strong> {e(item.explanation)}</p>")
    elif rnd.kind == "situatie":
        for word, texts in answers.get("groups", []):
            label = f"Antwoorden met ‘{word}’" if word else "Overige antwoorden"
            parts.append(f"<h3>{e(label)} ({len(texts)})</h3><ul>" + "".join(f"<li>{e(t)}</li>" for t in texts)
                         + "</ul>")
        if item is not None and (item.notes or item.discussion):
            parts.append(f"<p><strong>Aantekeningen voor de begeleider:</strong> {e(item.notes)}</p><ul>"
                         + "".join(f"<li>{e(d)}</li>" for d in item.discussion) + "</ul>")
    else:
        parts.append("<ul>" + "".join(f"<li>{e(t)}</li>" for t in answers.get("wall", [])) + "</ul>")
    parts.append(f"<p>{count(n, 'antwoord', 'antwoorden')}.</p>")
    return "".join(parts)


def _figures_rows(figures: Any) -> str:
    """A ``cijfers`` round's figures in the report: each pooled cell with its n, or why it is not shown."""
    e = html.escape

    figures = figures or {}
    cells = [*(figures.get("overview") or []), *(figures.get("absence_reasons") or []),
             *({**c, "label": f"{c['label']} (verandering {kind} sinds de nulmeting)"}
               for kind, row in (figures.get("changes") or {}).items() for c in row)]
    rows = [f"<tr><th>{e(str(c['label']))}</th><td colspan='2'>{e(str(c.get('reason') or 'niet getoond'))}</td></tr>"
            if c.get("suppressed") else
            f"<tr><th>{e(str(c['label']))}</th><td>{_num(c.get('value'), 2)}</td><td>{c.get('n', 0)}</td></tr>"
            for c in cells]
    if not rows:
        return "<p>Er waren geen cijfers van de uitvoerders die meededen.</p>"
    return ("<table><thead><tr><th>Cijfer</th><th>Waarde</th><th>Opvoeders</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")
