"""What several pages share: the scales in the order the apps show them."""

from __future__ import annotations

from typing import Any

from oefenkit.storage.kit import Kit

from ..practice import SCORE_CLASSES

__all__ = ["newest_scales", "scale_order"]


def newest_scales(kit: Kit) -> dict[str, Any]:
    """Scale code → the newest version of that scale (``list_scales`` is ordered by version)."""
    return {s.code: s for s in kit.list_scales()}


def scale_order(codes) -> list[str]:
    """The scale codes in the apps' order: the known scales first, then the others by code.

    >>> scale_order(["nieuw", "cooperatie", "sensitiviteit"])
    ['sensitiviteit', 'cooperatie', 'nieuw']
    """
    codes = list(codes)
    return [c for c in SCORE_CLASSES if c in codes] + sorted(c for c in codes if c not in SCORE_CLASSES)

