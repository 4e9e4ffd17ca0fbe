"""Small helpers for Dutch text shown to people."""

from __future__ import annotations

__all__ = ["count", "enumeration"]


def count(n: int, one: str, many: str) -> str:
    """``n`` with the singular or plural noun: "1 deelnemer", "0 deelnemers", "3 rondes".

    >>> count(1, "deelnemer", "deelnemers"), count(0, "deelnemer", "deelnemers"), count(3, "ronde", "rondes")
    ('1 deelnemer', '0 deelnemers', '3 rondes')
    """
    return f"{n} {one if n == 1 else many}"


def enumeration(words) -> str:
    """Words as a Dutch enumeration: "a", "a en b", "a, b en c" ("" for none).

    >>> enumeration([]), enumeration(["sensitiviteit"]), enumeration(["a", "b", "c"])
    ('', 'sensitiviteit', 'a, b en c')
    """
    words = list(words)
    return ", ".join(words[:-1]) + " en " + words[-1] if len(words) > 1 else "".join(words)
