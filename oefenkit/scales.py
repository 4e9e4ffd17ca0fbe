"""The one scale type: a versioned scale as read from ``content/scales/*.yaml`` and stored in the
``scale`` table.

No scale code is written in Python outside the tests: every feature that scores a fragment
(practice, exam, live session, intervision) asks the core for the *current* scales — the newest
version of each code, in the ``order`` of the content files (:func:`current`) — and shows them
with the titles, anchors and colour key from the data. A certification rule names the scales it
judges in its own YAML file (``content/certification/*.yaml``); loading checks that they exist.

The presentation fields live in ``definition`` next to the anchors (the ``scale`` table stores it
as JSON, so a new field needs no migration):

* ``title`` — the name in a heading, a table column, a certificate ("Sensitiviteit");
* ``short_title`` — the name inside a Dutch sentence ("sensitiviteit": "scoor op sensitiviteit en
  coöperatie");
* ``order`` — where the scale stands among the others (lowest first);
* ``colour`` — the colour key of the 1–9 buttons: their CSS hook is ``ok-score-<colour>``
  (``sensitivity`` gives ``ok-score-sensitivity``, see docs/ui-hooks.md).

>>> sc = Scale("a", 1, "A versus niet-A", 1, 9, {"title": "A", "short_title": "a", "order": 2, "colour": "x"})
>>> b = Scale("b", 2, "B", 1, 9, {"title": "B", "short_title": "b", "order": 1, "colour": "y"})
>>> [s.code for s in current([sc, b, Scale("b", 1, "B", 1, 9, {})])], sc.css_class
(['b', 'a'], 'ok-score-x')
>>> in_words([sc, b]), in_words([sc])
('a en b', 'a')
>>> every_scale(2), every_scale(3), every_scale(1)
('beide schalen', 'alle schalen', 'de schaal')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from .dutch import enumeration

__all__ = ["Scale", "current", "in_words", "titles", "every_scale"]

#: Where a scale without an ``order`` stands: after those with one (then by code).
_NO_ORDER = 1_000_000


@dataclass(frozen=True)
class Scale:
    """One version of a scale. ``id`` is the database row (None when read from the content files)."""

    code: str
    version: int
    name: str
    min_score: int
    max_score: int
    definition: dict[str, Any] = field(default_factory=dict)
    id: int | None = None

    @property
    def title(self) -> str:
        """The name in headings, table columns and certificates ("Sensitiviteit")."""
        return str(self.definition.get("title") or self.name.split(" versus ")[0].strip())

    @property
    def short_title(self) -> str:
        """The name inside a Dutch sentence ("sensitiviteit")."""
        return str(self.definition.get("short_title") or self.title.lower())

    @property
    def order(self) -> int:
        value = self.definition.get("order")
        return value if isinstance(value, int) and not isinstance(value, bool) else _NO_ORDER

    @property
    def colour(self) -> str:
        """The colour key of the score buttons (the CSS hook ``ok-score-<colour>``)."""
        return str(self.definition.get("colour") or self.code)

    @property
    def css_class(self) -> str:
        return f"ok-score-{self.colour}"

    @property
    def anchors(self) -> dict[int, str]:
        """The described points (the odd ones on a 1–9 scale), point → text."""
        return {int(k): str(v) for k, v in (self.definition.get("anchors") or {}).items()}

    @property
    def between_anchors(self) -> dict[int, str]:
        return {int(k): str(v) for k, v in (self.definition.get("between_anchors") or {}).items()}

    @property
    def question(self) -> str:
        return str(self.definition.get("question") or "")


def current(scales: Iterable[Scale]) -> list[Scale]:
    """The newest version of each scale code, in ``order`` (then by code)."""
    newest: dict[str, Scale] = {}
    for sc in scales:
        if sc.code not in newest or sc.version > newest[sc.code].version:
            newest[sc.code] = sc
    return sorted(newest.values(), key=lambda sc: (sc.order, sc.code))


def in_words(scales: Sequence[Scale]) -> str:
    """The short titles as a Dutch enumeration: "sensitiviteit, coöperatie en acceptatie"."""
    return enumeration(sc.short_title for sc in scales)


def every_scale(count: int) -> str:
    """"beide schalen", "alle schalen" or "de schaal": the scales in a Dutch sentence by their number."""
    return "de schaal" if count == 1 else "beide schalen" if count == 2 else "alle schalen"


def titles(scales: Iterable[Scale]) -> dict[str, str]:
    """Scale code → title."""
    return {sc.code: sc.title for sc in scales}
