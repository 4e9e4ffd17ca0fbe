"""Do the timings the texts of a sample case name agree with its script?

A rationale that says a parent "reageert binnen een seconde" while the script has the
parent wash on for almost three seconds teaches the wrong thing (issue 18, ``obi-bad-11``).
This check reads the timing words in every consensus rationale, expert rationale and
vignette line, finds the baby signals the same clause names (or, when it names none, every
signal the clause can be about), and compares them with the response latencies in the
script:

* "binnen een seconde": every named signal is answered within :data:`PROMPT_SECONDS`;
* "meteen", "direct", "onmiddellijk": every named signal is answered within
  :data:`AT_ONCE_SECONDS`;
* "binnen enkele / een paar seconden": every named signal is answered within
  :data:`FEW_SECONDS`;
* "na enkele seconden", "na een paar tellen", "pas na …", "na (ruim) N seconden": at least one
  named signal waits at least :data:`LATE_SECONDS` (or N) for its answer, or gets none.

A *response* is a parent event of kind ``prompt`` or ``delayed`` (not ``look_away``) that starts
at or after the signal. Vignette lines speak about their own stretch of the clip (from their
time to the next line's: the signals active in it); rationales about the whole clip. Clauses
are split at ``.``, ``;`` and ``:``. A clause with "binnen een seconde" or "binnen enkele
seconden" that names no signal speaks about every signal in its stretch; the other words need
a named signal ("meteen daarna gaat de fles weer in haar mond" is no claim about a latency).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from oefenkit.content import SAMPLES_DIR
from oefenkit.samples.script import load_scripts

SCRIPTS = load_scripts(SAMPLES_DIR / "scripts")
PROMPT_SECONDS = 1.0
AT_ONCE_SECONDS = 2.0
FEW_SECONDS = 5.0
LATE_SECONDS = 2.0
#: How far after a signal a parent event still counts as its response.
HORIZON = 15.0

SIGNAL_WORDS = {
    "crying": r"huil",
    "fussing": r"mopper|jengel|protesteer|protest",
    "smiling": r"\blach",
    "babbling": r"brabbel|geluid",
    "reaching": r"reik|armpjes|armen",
    "gaze_aversion": r"wegkijk|kijkt\s+(\w+\s+)?weg|wegdraai|afwend",
}
NUMBERS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "tien": 10}
PROMPT = re.compile(r"binnen een seconde", re.IGNORECASE)
AT_ONCE = re.compile(r"\bmeteen\b|\bdirect\b|\bonmiddellijk\b", re.IGNORECASE)
FEW = re.compile(r"binnen (enkele|een paar) seconden", re.IGNORECASE)
LATE = re.compile(r"na (enkele|een paar) (seconden|tellen)|\bpas na\b", re.IGNORECASE)
AFTER_N = re.compile(r"na (ruim )?(\d+|" + "|".join(NUMBERS) + r") seconden", re.IGNORECASE)


def latency(script, signal) -> float:
    """Seconds from the baby's signal to the parent's first response (inf: none)."""
    starts = [e.t - signal.t for e in script.parent_events
              if e.kind in ("prompt", "delayed") and e.action != "look_away"
              and signal.t - 0.05 <= e.t <= signal.t + HORIZON]
    return max(0.0, min(starts)) if starts else float("inf")


def claims(script):
    """``(where, clause, signals)`` for every clause that names a timing."""
    cut = re.compile(r"[.;:]\s")
    texts = [(f"rationale {s}", script.rationale[s], 0.0, script.duration) for s in script.rationale]
    texts += [(f"{e.rater} {scale}", e.rationale, 0.0, script.duration)
              for scale, experts in script.experts.items() for e in experts]
    lines = list(script.vignette)
    for i, line in enumerate(lines):
        end = lines[i + 1].t if i + 1 < len(lines) else script.duration
        texts.append((f"vignette {line.t:g}", line.text, line.t, end))
    for where, text, start, end in texts:
        for clause in cut.split(text):
            timed = [r for r in (PROMPT, AT_ONCE, FEW, LATE, AFTER_N) if r.search(clause)]
            kinds = [k for k, pattern in SIGNAL_WORDS.items() if re.search(pattern, clause, re.IGNORECASE)]
            if not timed or not (kinds or PROMPT in timed or FEW in timed):
                continue
            signals = [e for e in script.baby_events
                       if e.kind != "playing" and (not kinds or e.kind in kinds) and e.t < end and e.end > start - 0.5]
            yield where, clause, signals


def problems(script) -> list[str]:
    found = []
    for where, clause, signals in claims(script):
        waits = [latency(script, s) for s in signals]
        if not signals:
            found.append(f"{where}: '{clause}' names a timing, but no such signal is in the script")
            continue
        if PROMPT.search(clause) and max(waits) > PROMPT_SECONDS:
            found.append(f"{where}: '{clause}' but the script waits {max(waits):.1f} s")
        if AT_ONCE.search(clause) and not LATE.search(clause) and max(waits) > AT_ONCE_SECONDS:
            found.append(f"{where}: '{clause}' but the script waits {max(waits):.1f} s")
        if FEW.search(clause) and max(waits) > FEW_SECONDS:
            found.append(f"{where}: '{clause}' but the script waits {max(waits):.1f} s")
        if LATE.search(clause) and max(waits) < LATE_SECONDS:
            found.append(f"{where}: '{clause}' but every answer comes within {max(waits):.1f} s")
        for m in AFTER_N.finditer(clause):
            n = float(NUMBERS.get(m.group(2).lower(), m.group(2)))
            if max(waits) < n:
                found.append(f"{where}: '{clause}' but the longest wait is {max(waits):.1f} s")
    return found


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.code)
def test_timings_in_the_texts_match_the_script(script):
    """Does every timing a rationale or vignette line names ("binnen een seconde", "na enkele
    seconden", …) agree with the response latencies in the case's own script?"""
    assert problems(script) == []


def test_the_check_catches_the_old_obi_bad_11():
    """Would the check have caught obi-bad-11 as it was: the father washing on from the fuss at
    6.0 s until he soothes at 8.8 s, under a rationale of "binnen een seconde"?"""
    script = next(s for s in SCRIPTS if s.code == "obi-bad-11")
    soothe = next(e for e in script.parent_events if e.action == "soothe")
    old = dataclasses.replace(script, events=tuple(dataclasses.replace(e, t=8.8) if e is soothe else e
                                                   for e in script.events))
    assert any("binnen een seconde" in p for p in problems(old))
