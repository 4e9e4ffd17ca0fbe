"""How the apps write values: times, dates, numbers, percentages and sizes.

The one place for them in the UI: pages and components import from here instead of keeping a
formatter of their own. Everything is written the Dutch way (decimal comma, ``dd-mm-jjjj``, local
time of the Netherlands). The names of scales come with the scales (:mod:`oefenkit.scales`).
"""

from __future__ import annotations

import datetime as dt
import math

from oefenkit.requirements import day_text
from oefenkit.storage.exams import LOCAL_TZ

__all__ = ["LOCAL_TZ", "day_text", "fixed", "fmt", "format_bytes", "local_time", "percent"]

def local_time(moment: dt.datetime) -> str:
    """``dd-mm-jjjj uu:mm`` in Dutch local time (naive values are taken as UTC, as SQLite returns them).

    >>> local_time(dt.datetime(2027, 1, 5, 9, 30)), local_time(dt.datetime(2027, 7, 5, 9, 30))
    ('05-01-2027 10:30', '05-07-2027 11:30')
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(LOCAL_TZ).strftime("%d-%m-%Y %H:%M")


def fmt(value, digits: int = 2, *, signed: bool = False, percent: bool = False) -> str:
    """A number the Dutch way (decimal comma, no trailing zeros); ``–`` for a missing value.

    >>> fmt(1.5), fmt(None), fmt(2.0), fmt(-0.333), fmt(1, signed=True), fmt(0.75, percent=True)
    ('1,5', '–', '2', '-0,33', '+1', '75%')
    """
    if value is None:
        return "–"
    v = float(value)
    if math.isnan(v):
        return "–"
    if percent:
        return f"{round(v * 100):d}%"
    text = f"{v:.{digits}f}".rstrip("0").rstrip(".") if not v.is_integer() else str(int(v))
    if text in ("-0", ""):
        text = "0"
    if signed and v > 0:
        text = "+" + text
    return text.replace(".", ",")


def fixed(x: float | None, digits: int = 2, *, signed: bool = False) -> str:
    """A number with exactly ``digits`` decimals and a decimal comma; ``–`` for a missing value.

    >>> fixed(0.5), fixed(None), fixed(1.25, 1), fixed(0.3, signed=True)
    ('0,50', '–', '1,2', '+0,30')
    """
    if x is None:
        return "–"
    text = f"{x:+.{digits}f}" if signed else f"{x:.{digits}f}"
    return text.replace(".", ",")


def percent(x: float | None) -> str:
    """A share (0–1) as a whole percentage with a space before the sign; ``–`` for a missing value.

    >>> percent(0.756), percent(None)
    ('76 %', '–')
    """
    return "–" if x is None else f"{round(100 * x)} %"


def format_bytes(n: int) -> str:
    """A size the Dutch way, in MB with a decimal comma (same rule as the front end).

    >>> format_bytes(500 * 1024 * 1024), format_bytes(1_572_864), format_bytes(1000)
    ('500 MB', '1,5 MB', '0,1 MB')
    """
    mb = n / (1024 * 1024)
    if mb >= 10 or float(mb).is_integer():
        return f"{round(mb):d} MB"
    return f"{max(mb, 0.1):.1f} MB".replace(".", ",")
