"""Dutch subtitles (WebVTT) from the ``say`` texts of a script.

Each spoken event gives one cue from its start for ``max(duration, 2 s)``,
cut off at the end of the clip (:meth:`CaseScript.subtitle_span`). Cues are
numbered in time order. The file is UTF-8 with ``\\n`` line ends and no
byte-order mark, so the same script always gives the same bytes.
"""

from __future__ import annotations

from .script import CaseScript

__all__ = ["webvtt", "vtt_timestamp"]


def vtt_timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` as WebVTT wants it.

    >>> vtt_timestamp(0), vtt_timestamp(4.5), vtt_timestamp(3725.0004)
    ('00:00:00.000', '00:00:04.500', '01:02:05.000')
    """
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(script: CaseScript) -> str:
    """The WebVTT text of a script's subtitles (a header only when nothing is said).

    >>> from oefenkit.samples.script import load_script
    >>> from oefenkit.settings import PROJECT_ROOT
    >>> print(webvtt(load_script(PROJECT_ROOT / "tests/samples/data/test-reach.yaml")))
    WEBVTT
    <BLANKLINE>
    NOTE Synthetisch oefenfragment test-reach
    <BLANKLINE>
    1
    00:00:06.000 --> 00:00:08.000
    Och, wat is er? Kom maar.
    <BLANKLINE>
    2
    00:00:13.000 --> 00:00:16.000
    Zo, gaat het weer?
    <BLANKLINE>
    """
    lines = ["WEBVTT", "", f"NOTE Synthetisch oefenfragment {script.code}", ""]
    for n, ev in enumerate(script.spoken, 1):
        start, end = script.subtitle_span(ev)
        lines += [str(n), f"{vtt_timestamp(start)} --> {vtt_timestamp(end)}", _escape(ev.say or ""), ""]
    return "\n".join(lines)  # ends with one line end: the last element is ""
